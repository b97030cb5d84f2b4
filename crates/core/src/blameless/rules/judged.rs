//! Judgements of people, fault and blame, and "forgot".

use super::{Hit, is_person, negated};
use crate::blameless::Rule;
use crate::blameless::subject::{Sentence, Who};

/// Words that judge a person's character or effort.
pub(super) fn judgement(s: &Sentence<'_>, i: usize, out: &mut Vec<Hit>) {
    const WORDS: &[&str] = &[
        "careless",
        "carelessly",
        "carelessness",
        "negligent",
        "negligently",
        "negligence",
        "sloppy",
        "sloppily",
        "sloppiness",
        "laziness",
        "incompetent",
        "incompetently",
        "incompetence",
        "reckless",
        "recklessly",
        "recklessness",
        "irresponsible",
        "irresponsibly",
        "stupid",
        "stupidity",
        "idiot",
        "idiotic",
        "idiots",
        "foolish",
        "foolishly",
        "clumsy",
        "clumsily",
        "inattentive",
        "inattention",
        "unprofessional",
        "boneheaded",
        "lackadaisical",
        "complacent",
        "complacency",
        "clueless",
        "inept",
        "ineptitude",
        "cowboy",
        "thoughtless",
        "thoughtlessly",
        "unthinking",
        "rookie",
    ];
    const LAZY_TECH: &[&str] = &[
        "loading",
        "load",
        "loaded",
        "evaluation",
        "initialization",
        "initialisation",
        "init",
        "iterator",
        "static",
        "import",
        "imports",
        "instantiation",
        "binding",
        "eval",
        "mode",
        "deletion",
        "allocation",
        "fetch",
        "fetching",
        "sequence",
        "val",
        "evaluated",
    ];
    let w = s.w(i);
    let next = s.w(i + 1);
    let span = if WORDS.contains(&w) || w == "lazy" && !LAZY_TECH.contains(&next) {
        Some((i, i + 1))
    } else if w == "asleep" && s.seq(i + 1, &["at", "the", "wheel"]) {
        Some((i, i + 4))
    } else if w == "paying" && next == "attention" && negated(s, i) {
        Some((i.saturating_sub(1), i + 2))
    } else if w == "lapse" && matches!(next, "in" | "of") && s.w(i + 2).starts_with("judg") {
        Some((i, i + 3))
    } else if matches!(w, "poor" | "bad") && next.starts_with("judg")
        || matches!(w, "cut" | "cutting" | "cuts") && next == "corners"
        || w == "know" && next == "better"
        || matches!(w, "more" | "closer") && next == "attention"
        || w == "more"
            && matches!(
                next,
                "careful" | "carefully" | "attentive" | "diligent" | "vigilant" | "disciplined"
            )
        || matches!(
            w,
            "silly" | "dumb" | "obvious" | "amateur" | "basic" | "amateurish"
        ) && matches!(next, "mistake" | "mistakes" | "error" | "errors")
    {
        Some((i, i + 2))
    } else if matches!(w, "bother" | "bothered")
        && (negated(s, i) || s.w(i.wrapping_sub(1)) == "be")
    {
        Some((i.saturating_sub(1), i + 1))
    } else if w == "lack"
        && next == "of"
        && matches!(
            s.w(i + 2),
            "care"
                | "diligence"
                | "discipline"
                | "attention"
                | "ownership"
                | "accountability"
                | "professionalism"
                | "competence"
                | "rigor"
                | "rigour"
                | "effort"
        )
    {
        Some((i, i + 3))
    } else {
        None
    };
    if let Some((from, to)) = span {
        out.push(Hit::new(from, to, Rule::Judgement));
    }
}

/// "fault" and "blame" when they assign fault, "dropped the ball", "culprit" for a person.
pub(super) fn fault_blame(s: &Sentence<'_>, i: usize, out: &mut Vec<Hit>) {
    const FAULT_TECH: &[&str] = &[
        "tolerance",
        "tolerant",
        "injection",
        "injector",
        "domain",
        "domains",
        "isolation",
        "detection",
        "handling",
        "handler",
        "model",
        "line",
        "lines",
        "tree",
        "code",
        "codes",
        "status",
        "condition",
        "zone",
        "zones",
        "analysis",
        "recovery",
        "management",
        "type",
        "log",
        "logs",
        "rate",
        "counter",
    ];
    let w = s.w(i);
    let hit = |from, to| Hit::new(from, to, Rule::FaultBlame);
    match w {
        "blame" | "blamed" | "blames" | "blaming" | "blameworthy" | "scapegoat" | "scapegoated"
        | "faulted" => {
            let git = i > 0 && s.w(i - 1) == "git";
            let meta = matches!(s.w(i + 1), "culture" | "game");
            if !git && !meta && !negated(s, i) {
                let from = if i > 1 && s.seq(i - 2, &["is", "to"]) || s.w(i.wrapping_sub(1)) == "to"
                {
                    i - 1
                } else {
                    i
                };
                out.push(hit(from, i + 1));
            }
        }
        "fault" | "faults" if !FAULT_TECH.contains(&s.w(i + 1)) && !negated(s, i) => {
            let prev = if i > 0 { s.w(i - 1) } else { "" };
            // A person's or a team's fault; "the disk's fault LED" is a thing's.
            let owned = i > 0
                && (s.possessive(i - 1)
                    && matches!(s.classify(i - 1), Who::Person | Who::MaybeName | Who::Group)
                    || matches!(
                        prev,
                        "my" | "his" | "her" | "their" | "your" | "our" | "whose"
                    ));
            let of_person = s.w(i + 1) == "of"
                && s.phrase(i + 2, s.len())
                    .is_some_and(|p| p.who == Who::Person);
            if owned || of_person {
                let from = if s.possessive(i - 1) {
                    s.phrase(
                        (0..i).rev().find(|&k| s.boundary(k)).map_or(0, |k| k + 1),
                        i,
                    )
                    .map_or(i - 1, |p| p.start.max(i.saturating_sub(4)))
                } else {
                    i - 1
                };
                out.push(hit(from, i + 1));
            } else if prev == "at" {
                out.push(hit(i - 1, i + 1));
            } else if matches!(s.w(i + 1), "lies" | "lay" | "rests" | "lie") {
                out.push(hit(i, i + 2));
            }
        }
        "dropped" | "drop" | "drops" | "dropping" if s.seq(i + 1, &["the", "ball"]) => {
            out.push(hit(i, i + 3));
        }
        "under" if s.seq(i + 1, &["the", "bus"]) => out.push(hit(i, i + 3)),
        "finger-pointing" | "fingerpointing" if !negated(s, i) => out.push(hit(i, i + 1)),
        "pointed" | "pointing" | "point"
            if matches!(s.w(i + 1), "fingers")
                || s.seq(i + 1, &["the", "finger"]) && !negated(s, i) =>
        {
            out.push(hit(i, i + 2));
        }
        "accountable" if i > 0 && matches!(s.w(i - 1), "held" | "hold" | "holding") => {
            out.push(hit(i - 1, i + 1));
        }
        "culprit" | "culprits" => {
            // "The culprit was Bob" / "Bob was the culprit"; "the culprit was a bad index" is fine.
            let after = s.seq(i + 1, &["was"]) || s.seq(i + 1, &["is"]);
            let named_after = after && s.phrase(i + 2, s.len()).is_some_and(|p| is_person(&p));
            // "Bob was the culprit": the subject of the "was" before it.
            let k = i - usize::from(i > 0 && s.w(i - 1) == "the");
            let named_before = k > 0
                && matches!(s.w(k - 1), "was" | "is" | "were")
                && is_person(&s.subject(k - 1));
            if named_after || named_before {
                out.push(hit(i, i + 1));
            }
        }
        _ => {}
    }
}

/// "forgot", "forgotten", "forgetting": relying on memory is the condition to fix.
pub(super) fn forgot(s: &Sentence<'_>, i: usize, out: &mut Vec<Hit>) {
    let w = s.w(i);
    if !matches!(
        w,
        "forgot" | "forgotten" | "forgetting" | "forgetful" | "forget" | "forgets"
    ) || matches!(s.w(i + 1), "password" | "passwords" | "username" | "pin")
    {
        return;
    }
    let subject = s.subject(i);
    let flag = match w {
        "forgot" => !matches!(subject.who, Who::Thing | Who::NotVerb),
        // "Forgetting a manual step is expected" is about memory in general.
        "forget" | "forgets" | "forgetting" => {
            is_person(&subject)
                || subject.who == Who::Group
                || i > 0 && s.possessive(i - 1) && s.classify(i - 1) == Who::Person
        }
        _ => true,
    };
    if flag {
        let from = if matches!(subject.who, Who::Person | Who::Group | Who::MaybeName) {
            subject.span_start(i)
        } else {
            i
        };
        let verb = if s.w(i + 1) == "to" { i + 2 } else { i };
        out.push(Hit::new(from, i + 1, Rule::Forgot).about(s, verb));
    }
}
