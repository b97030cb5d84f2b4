//! A person named as the cause: "Dana broke…", "Bob's mistake", "caused by Alice".

use super::{Hit, is_person};
use crate::blameless::Rule;
use crate::blameless::lexicon::{DETERMINERS, PREPOSITIONS, is_past_verb};
use crate::blameless::subject::{Phrase, Sentence, Who};

/// Verbs that, with a person as subject, make the person the cause.
const CAUSE_VERBS: &[&str] = &[
    "broke",
    "caused",
    "misconfigured",
    "mistyped",
    "misread",
    "misjudged",
    "misinterpreted",
    "misunderstood",
    "misclicked",
    "misclassified",
    "mishandled",
    "neglected",
    "mislabeled",
    "mislabelled",
    "ignored",
    "overlooked",
    "skipped",
    "disregarded",
    "violated",
    "missed",
    "rushed",
    "bungled",
    "wrecked",
    "ruined",
    "nuked",
    "borked",
    "clobbered",
    "botched",
    "goofed",
    "fumbled",
    "breaks",
    "causes",
];

/// Verbs that mean a person is the cause whatever the subject looks like.
const HUMAN_ONLY: &[&str] = &["botched", "goofed", "bungled", "fumbled"];

/// Nouns for a person's own deed, that make "Dana's change broke…" name Dana as the cause.
const DEEDS: &[&str] = &[
    "change",
    "changes",
    "commit",
    "commits",
    "deploy",
    "deployment",
    "push",
    "pr",
    "patch",
    "merge",
    "config",
    "configuration",
    "script",
    "code",
    "query",
    "command",
    "migration",
    "decision",
    "edit",
    "update",
    "fix",
    "release",
    "rollout",
    "typo",
    "mistake",
    "error",
    "action",
    "actions",
    "work",
    "branch",
    "refactor",
    "upgrade",
];

/// Nouns for a slip, that make "Bob's mistake" or "an oversight by Alice" name a person.
pub(super) const SLIPS: &[&str] = &[
    "mistake",
    "mistakes",
    "blunder",
    "screwup",
    "screw-up",
    "goof",
    "typo",
    "oversight",
    "slip",
    "slip-up",
    "misstep",
    "error",
    "errors",
    "mess",
    "fumble",
    "lapse",
    "carelessness",
    "negligence",
    "mix-up",
    "misconfiguration",
];

/// A person as the cause: "Dana broke…", "Bob's mistake", "caused by Alice", "because of the
/// intern", "the root cause was Bob", "Mia made a mistake", "the intern … by accident".
pub(super) fn person_as_cause(s: &Sentence<'_>, i: usize, out: &mut Vec<Hit>) {
    let w = s.w(i);
    let hit = |from: usize, to: usize| Hit::new(from, to, Rule::PersonAsCause);
    let phrasal = match w {
        "took" | "brought" | "knocked" | "messed" | "screwed" | "fucked" | "blew" => matches!(
            (w, s.w(i + 1)),
            ("took" | "brought", "down")
                | ("knocked", "out" | "over")
                | ("messed" | "screwed" | "fucked", "up")
                | ("blew", "it" | "away")
        ),
        _ => false,
    };
    if CAUSE_VERBS.contains(&w) || phrasal {
        let subject = s.subject(i);
        let strong = HUMAN_ONLY.contains(&w) || matches!(w, "messed" | "screwed" | "fucked");
        let to = if phrasal { i + 2 } else { i + 1 };
        let personal = subject.is_personal(DEEDS, s)
            || strong && matches!(subject.who, Who::Group | Who::MaybeName | Who::Nothing);
        if personal {
            out.push(hit(subject.span_start(i), to).about(s, to - 1));
            return;
        }
    }
    if matches!(w, "led" | "resulted") && matches!(s.w(i + 1), "to" | "in") {
        let subject = s.subject(i);
        if subject.owner == Who::Person && DEEDS.contains(&s.base(subject.head)) {
            out.push(hit(subject.span_start(i), i + 2));
            return;
        }
    }
    // "introduced a bug", "made a mistake".
    if matches!(w, "introduced" | "made" | "pushed" | "shipped" | "merged") {
        let mut k = i + 1;
        if matches!(s.w(k), "a" | "an" | "the" | "this" | "that") {
            k += 1;
        }
        if matches!(
            s.w(k),
            "simple" | "small" | "big" | "serious" | "critical" | "bad" | "new"
        ) {
            k += 1;
        }
        let noun = s.w(k);
        let bad = match w {
            "made" => SLIPS.contains(&noun) || matches!(noun, "call" | "judgement" | "judgment"),
            _ => matches!(
                noun,
                "bug" | "regression" | "defect" | "typo" | "mistake" | "error"
            ),
        };
        let subject = s.subject(i);
        if bad && is_person(&subject) {
            out.push(hit(subject.span_start(i), k + 1));
            return;
        }
    }
    // "Dana ran the wrong migration", "Sofía pushed a broken build".
    if matches!(
        w,
        "wrong" | "bad" | "broken" | "faulty" | "incorrect" | "buggy" | "untested" | "invalid"
    ) && i >= 2
    {
        let det = usize::from(matches!(s.w(i - 1), "a" | "an" | "the" | "this" | "that"));
        let v = i - 1 - det;
        let verb = s.w(v);
        let verbal = !s.boundary(v)
            && !s.skippable(v)
            && !DETERMINERS.contains(&verb)
            && !PREPOSITIONS.contains(&verb)
            && s.classify(v) == Who::Thing;
        // "ran the command in the wrong terminal": the clause's subject did it.
        let placed = matches!(verb, "in" | "on" | "against" | "to" | "into" | "at");
        let subject = if verbal {
            Some(s.subject(v))
        } else if placed {
            let c = s.clause_start(v);
            s.phrase(c, v)
                .filter(|p| p.start == c || s.skippable(c))
                .map(|p| Phrase { end: v, ..p })
        } else {
            None
        };
        if let Some(subject) = subject
            && is_person(&subject)
        {
            let to = if s.w(i + 1).is_empty() || s.boundary(i + 1) {
                i + 1
            } else {
                i + 2
            };
            out.push(hit(subject.span_start(v), to));
            return;
        }
    }
    // "mistakenly deleted", "accidentally rebooted".
    if matches!(
        w,
        "mistakenly"
            | "accidentally"
            | "inadvertently"
            | "erroneously"
            | "unintentionally"
            | "wrongly"
            | "unknowingly"
            | "carelessly"
            | "recklessly"
    ) {
        let subject = s.subject(i + 1);
        if is_person(&subject) || subject.who == Who::MaybeName && subject.start < i {
            out.push(hit(subject.span_start(i), (i + 2).min(s.len())).about(s, i + 1));
            return;
        }
    }
    // "… by mistake", "… by accident", with a person as the clause's subject.
    if w == "by" && matches!(s.w(i + 1), "mistake" | "accident") {
        let c = s.clause_start(i);
        if let Some(p) = s.phrase(c, i)
            && is_person(&p)
        {
            out.push(hit(p.start, i + 2));
            return;
        }
    }
    // "Bob's mistake", "an engineer's oversight", "Ravi's typo".
    if s.possessive(i) && matches!(s.classify(i), Who::Person | Who::MaybeName) {
        let person = s.classify(i) == Who::Person;
        for k in i + 1..(i + 4).min(s.len()) {
            let noun = s.base(k);
            if SLIPS.contains(&noun)
                && (person || !noun.starts_with("error"))
                && !matches!(
                    s.w(k + 1),
                    "message" | "messages" | "handling" | "rate" | "code"
                )
            {
                out.push(hit(i, k + 1));
                return;
            }
            if s.boundary(k) || ends_phrase(s, k) {
                break;
            }
        }
    }
    // "an oversight by the SRE", "caused by Dana", "a mistake from Ravi".
    if matches!(w, "by" | "from") && i > 0 {
        let before = s.base(i - 1);
        let cause = matches!(
            before,
            "caused"
                | "broken"
                | "introduced"
                | "missed"
                | "ignored"
                | "overlooked"
                | "botched"
                | "triggered"
        );
        // "The mistake was made by Bob".
        let slip_made =
            before == "made" && (i.saturating_sub(4)..i).any(|k| SLIPS.contains(&s.w(k)));
        if (cause || slip_made || SLIPS.contains(&before))
            && let Some(p) = s.phrase(i + 1, s.len())
            && (is_person(&p) || s.classify(p.start) == Who::Person)
        {
            out.push(hit(i - 1, p.end));
            return;
        }
    }
    // "because of Dana", "due to the intern's change", "thanks to Bob". "Thanks to Kim for
    // staying on the bridge" and "huge thanks to Kim" are gratitude, not a cause.
    let grateful = w == "thanks"
        && (i == 0
            || matches!(
                s.w(i - 1),
                "huge" | "many" | "special" | "big" | "and" | "," | "our" | "warm" | "sincere"
            ));
    let via = match w {
        "thanks" if grateful => None,
        "because" | "thanks" if s.w(i + 1) == "of" || s.w(i + 1) == "to" => Some(i + 2),
        "due" if s.w(i + 1) == "to" => Some(i + 2),
        _ => None,
    };
    if let Some(k) = via
        && let Some(p) = s.phrase(k, s.len())
        && (is_person(&p) || p.owner == Who::Person && DEEDS.contains(&s.base(p.head)))
    {
        out.push(hit(i, p.end));
        return;
    }
    // "The root cause was Bob running the migration twice", "root cause: the intern".
    if matches!(w, "cause" | "reason" | "problem" | "issue") {
        let mut k = i + 1;
        if matches!(s.w(k), "was" | "is" | ",") {
            k += 1;
        }
        if k > i + 1
            && let Some(p) = s.phrase(k, s.len())
            && (is_person(&p) || s.classify(p.start) == Who::Person && !s.possessive(p.start))
        {
            out.push(hit(i, p.end));
            return;
        }
    }
    // "Alice is responsible for the outage"; "responsible for the rotation" is fine.
    if w == "responsible" && s.w(i + 1) == "for" {
        let k = i + 2 + usize::from(DETERMINERS.contains(&s.w(i + 2)));
        let harm = matches!(
            s.base(k),
            "outage"
                | "incident"
                | "failure"
                | "breakage"
                | "downtime"
                | "mistake"
                | "error"
                | "problem"
                | "bug"
                | "loss"
                | "damage"
                | "mess"
                | "disruption"
        );
        let subject = s.subject(i);
        if harm && is_person(&subject) {
            out.push(hit(subject.span_start(i), k + 1));
            return;
        }
    }
    // "a mistake on Dana's part".
    if w == "on" && s.possessive(i + 1) && s.w(i + 2) == "part" && s.classify(i + 1) == Who::Person
    {
        out.push(hit(i, i + 3));
    }
}

/// Whether the token at `k` ends a noun phrase: a preposition or a verb in the past tense.
fn ends_phrase(s: &Sentence<'_>, k: usize) -> bool {
    PREPOSITIONS.contains(&s.w(k)) || is_past_verb(s.w(k))
}
