//! A person's deed told as a slip without a cause verb: "Morgan pushed the wrong branch",
//! "the team shipped without testing", "the operator chose to ignore the prompt", "Sasha =
//! root cause", "the outage is on the platform team".

use super::Hit;
use crate::blameless::Rule;
use crate::blameless::lexicon::is_past_verb;
use crate::blameless::subject::{Sentence, Who};

/// Whether the subject of the verb at `v` is a person, a role or a possible name.
fn someone_did(s: &Sentence<'_>, v: usize) -> Option<usize> {
    let p = s.subject(v);
    matches!(p.who, Who::Person | Who::MaybeName).then(|| p.span_start(v))
}

/// What can go without a person doing it first: "shipped without testing".
const SKIPPED: &[&str] = &[
    "review",
    "approval",
    "testing",
    "tests",
    "permission",
    "a review",
];

/// Slips of a person: "the wrong X", "without testing", "chose to ignore", "did nothing",
/// "let it expire", "lost control", "= root cause", "is on the team".
pub(super) fn deeds(s: &Sentence<'_>, i: usize, out: &mut Vec<Hit>) {
    let w = s.w(i);
    let next = s.w(i + 1);
    if is_past_verb(w) && matches!(next, "the" | "a") && s.w(i + 2) == "wrong" {
        if let Some(from) = someone_did(s, i) {
            out.push(Hit::new(from, i + 3, Rule::PersonAsCause).about(s, i));
        }
    } else if w == "without"
        && (next.ends_with("ing") && next.len() > 5 || SKIPPED.contains(&next))
        && i > 0
    {
        let verb = (s.clause_start(i)..i).rev().find(|&k| is_past_verb(s.w(k)));
        if let Some(v) = verb
            && someone_did(s, v).is_some()
        {
            out.push(Hit::new(i, i + 2, Rule::FailedTo));
        }
    } else if matches!(w, "chose" | "decided" | "opted")
        && next == "to"
        && matches!(
            s.w(i + 2),
            "ignore" | "skip" | "bypass" | "disable" | "silence"
        )
    {
        if let Some(from) = someone_did(s, i) {
            out.push(Hit::new(from, i + 3, Rule::FailedTo));
        }
    } else if matches!(w, "did" | "does" | "do") && next == "nothing"
        || w == "lost" && next == "control"
        || w == "let"
            && (i + 2..(i + 5).min(s.len())).any(|k| {
                matches!(
                    s.w(k),
                    "expire" | "fail" | "lapse" | "slip" | "grow" | "rot"
                )
            })
    {
        if let Some(from) = someone_did(s, i) {
            out.push(Hit::new(from, i + 2, Rule::Judgement));
        }
    } else if w == "root" && next == "cause" && i > 0 {
        let k = if matches!(s.w(i - 1), "is" | "was" | "the") {
            i - 1
        } else {
            i
        };
        let k = if s.w(k) == "the" && k > 0 && matches!(s.w(k - 1), "is" | "was") {
            k - 1
        } else {
            k
        };
        if k > 0 && matches!(s.classify(k - 1), Who::Person | Who::MaybeName) && i + 2 >= s.len() {
            out.push(Hit::new(k - 1, i + 2, Rule::FaultBlame));
        }
    } else if matches!(w, "is" | "was") && next == "on" && i > 0 {
        let team = (i + 2..s.len()).all(|k| s.w(k) != ",")
            && s.len() <= i + 6
            && matches!(s.classify(s.len() - 1), Who::Person | Who::MaybeName);
        if team && s.classify(i - 1) == Who::Thing {
            out.push(Hit::new(i, s.len(), Rule::FaultBlame));
        }
    }
}
