//! The rules: each looks at one sentence and reports the token ranges it flags.

mod cause;
mod deeds;
mod hindsight;
mod judged;
mod omission;

use super::Rule;
use super::lexicon::{DETERMINERS, is_ly_adverb, is_participle};
use super::subject::{Phrase, Sentence, Who};

/// A flagged range of tokens, before it becomes a [`super::Finding`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Hit {
    /// First token.
    pub from: usize,
    /// After the last token.
    pub to: usize,
    /// The rule.
    pub rule: Rule,
    /// The verb the advice is built around (a participle or a base form), if any.
    pub verb: Option<usize>,
    /// The verb's object, if it has one ("the TLS certificate").
    pub object: Option<(usize, usize)>,
}

impl Hit {
    pub(super) fn new(from: usize, to: usize, rule: Rule) -> Self {
        Self {
            from,
            to,
            rule,
            verb: None,
            object: None,
        }
    }

    fn about(mut self, s: &Sentence<'_>, verb: usize) -> Self {
        self.verb = Some(verb);
        self.object = object_after(s, verb + 1);
        self
    }
}

/// Runs every rule over one sentence.
pub(super) fn run(s: &Sentence<'_>) -> Vec<Hit> {
    let mut out = Vec::new();
    for i in 0..s.len() {
        human_error(s, i, &mut out);
        counterfactual(s, i, &mut out);
        judged::judgement(s, i, &mut out);
        judged::fault_blame(s, i, &mut out);
        judged::forgot(s, i, &mut out);
        omission::failed_to(s, i, &mut out);
        cause::person_as_cause(s, i, &mut out);
        hindsight::hindsight(s, i, &mut out);
        deeds::deeds(s, i, &mut out);
    }
    out
}

/// The noun phrase right after `i`, if it starts with a determiner or a possessive: at most
/// six words, up to a preposition or a new clause.
pub(super) fn object_after(s: &Sentence<'_>, i: usize) -> Option<(usize, usize)> {
    let mut i = i;
    if matches!(s.w(i), "up" | "down" | "to") {
        i += 1;
    }
    if !(DETERMINERS.contains(&s.w(i)) || s.possessive(i)) || s.w(i) == "that" {
        return None;
    }
    let mut j = i + 1;
    while j < s.len() && j - i < 6 && !super::lexicon::ends_object(s.w(j)) {
        j += 1;
    }
    (j > i + 1).then_some((i, j))
}

/// Whether one of the four words before `i` negates it ("not", "don't", "without", "no one
/// is to blame").
fn negated(s: &Sentence<'_>, i: usize) -> bool {
    (i.saturating_sub(4)..i).any(|k| {
        let w = s.w(k);
        w.ends_with("n't")
            || matches!(
                w,
                "no" | "not"
                    | "never"
                    | "without"
                    | "avoid"
                    | "avoids"
                    | "avoiding"
                    | "nobody"
                    | "nobody's"
                    | "nor"
                    | "free"
            )
    })
}

/// Whether a phrase stands for a person (a known name, a pronoun or a role) or a group other
/// than the writer's own.
fn is_person(p: &Phrase) -> bool {
    p.who == Who::Person
}

/// "human error", "operator error", "user error", "PEBKAC", "fat-fingered".
fn human_error(s: &Sentence<'_>, i: usize, out: &mut Vec<Hit>) {
    const WHO: &[&str] = &[
        "human",
        "user",
        "operator",
        "pilot",
        "engineer",
        "operator's",
    ];
    const WHAT: &[&str] = &["error", "errors", "mistake", "mistakes"];
    let w = s.w(i);
    // "the user error rate" is a metric, not a verdict.
    let metric = matches!(
        s.w(i + 2),
        "rate"
            | "rates"
            | "count"
            | "counts"
            | "metric"
            | "metrics"
            | "code"
            | "codes"
            | "page"
            | "message"
            | "messages"
            | "budget"
            | "ratio"
    );
    if WHO.contains(&w) && WHAT.contains(&s.w(i + 1)) && !metric {
        out.push(Hit::new(i, i + 2, Rule::HumanError));
    } else if matches!(
        w,
        "human-error"
            | "pebkac"
            | "pebcak"
            | "id10t"
            | "fat-finger"
            | "fat-fingered"
            | "fat-fingering"
            | "layer-8"
    ) {
        out.push(Hit::new(i, i + 1, Rule::HumanError));
    } else if (w == "fat" && matches!(s.w(i + 1), "finger" | "fingered" | "fingering"))
        || (w == "layer" && s.w(i + 1) == "8")
    {
        out.push(Hit::new(i, i + 2, Rule::HumanError));
    }
}

/// The modal before "have" at `i`, if `i` starts "should have", "could've", "would not have",
/// "ought to have"…: returns the index after "have".
fn modal_have(s: &Sentence<'_>, i: usize) -> Option<usize> {
    let w = s.w(i);
    match w {
        "should've" | "could've" | "would've" | "might've" | "shouldn't've" | "couldn't've"
        | "wouldn't've" => Some(i + 1),
        "should" | "could" | "would" | "might" | "shouldn't" | "couldn't" | "wouldn't"
        | "mightn't" => {
            let mut k = i + 1;
            if s.w(k) == "not" {
                k += 1;
            }
            (s.w(k) == "have" || s.w(k) == "'ve").then_some(k + 1)
        }
        // "we'd have caught it".
        _ if w.ends_with("'d") && w.len() > 2 => {
            (s.w(i + 1) == "have" && s.w(i + 2) != "to").then_some(i + 2)
        }
        "ought" | "oughtn't" => {
            let mut k = i + 1;
            if s.w(k) == "not" {
                k += 1;
            }
            s.seq(k, &["to", "have"]).then_some(k + 2)
        }
        _ => None,
    }
}

/// After `i`, skip adverbs; return the participle's index if one follows.
fn participle_at(s: &Sentence<'_>, i: usize) -> Option<usize> {
    let mut k = i;
    while k < s.len()
        && (is_ly_adverb(s.w(k)) || matches!(s.w(k), "not" | "just" | "also" | "all" | "both"))
    {
        k += 1;
    }
    is_participle(s.w(k)).then_some(k)
}

/// Counterfactuals: "should have", "could've", "would have", "ought to have", "if only",
/// "had the engineer read…", "if Dana had run…", "why didn't anyone…".
fn counterfactual(s: &Sentence<'_>, i: usize, out: &mut Vec<Hit>) {
    let w = s.w(i);
    if let Some(after) = modal_have(s, i)
        && let Some(p) = participle_at(s, after)
    {
        // "A retry with jitter would have prevented the storm" is about the system.
        if s.subject(i).who == Who::Thing {
            return;
        }
        // "might have" is as often a guess as a counterfactual; only its clear uses count.
        let might = w.starts_with("might");
        let prevents = matches!(
            s.w(if s.w(p) == "been" { p + 1 } else { p }),
            "prevented" | "avoided" | "caught" | "noticed" | "stopped" | "detected" | "spotted"
        );
        if !might || prevents {
            let verb = if s.w(p) == "been" && is_participle(s.w(p + 1)) {
                p + 1
            } else {
                p
            };
            out.push(Hit::new(i, p + 1, Rule::Counterfactual).about(s, verb));
        }
        return;
    }
    if w == "if" && s.w(i + 1) == "only" {
        out.push(Hit::new(i, i + 2, Rule::Counterfactual));
        return;
    }
    // "Had the engineer read the runbook, …": "had" opening a clause, then a subject and a
    // participle.
    if w == "had" && (i == 0 || s.boundary(i - 1)) {
        if let Some(p) = s.phrase(i + 1, s.len())
            && p.who != Who::Thing
            && let Some(v) = participle_at(s, p.end)
        {
            out.push(Hit::new(i, v + 1, Rule::Counterfactual).about(s, v));
        }
        return;
    }
    // "if Tom had asked", "if the threshold had been lower".
    if w == "if" {
        let mut k = i + 1;
        while k < s.len() && k - i <= 7 && !(s.boundary(k) && k > i + 1) {
            if matches!(s.w(k), "had" | "hadn't")
                && s.phrase(i + 1, k).is_none_or(|p| p.who != Who::Thing)
                && let Some(v) = participle_at(s, k + 1)
            {
                out.push(Hit::new(i, v + 1, Rule::Counterfactual).about(s, v));
                return;
            }
            k += 1;
        }
        return;
    }
    // "Why didn't anyone check…": a question about a person's omission. "Why didn't the alert
    // fire?" asks about the system and is fine.
    if w == "why" {
        let mut k = i + 1;
        match s.w(k) {
            "didn't" | "wasn't" | "weren't" | "hadn't" | "couldn't" => k += 1,
            "did" | "was" | "were" | "had" if s.w(k + 1) == "not" => k += 2,
            "did" if matches!(s.w(k + 1), "nobody" | "no") => k += 1,
            _ => return,
        }
        if let Some(p) = s.phrase(k, s.len())
            && (p.who == Who::Person || s.classify(k) == Who::Person)
        {
            out.push(Hit::new(i, p.end.max(k + 1), Rule::Counterfactual));
        }
    }
}
