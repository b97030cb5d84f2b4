//! Hindsight and fault pointed at someone without a cause verb: "this was avoidable", "not
//! handled in a timely manner", "Cause: Morgan", "it came down to Kim".

use super::{Hit, negated};
use crate::blameless::Rule;
use crate::blameless::subject::{Sentence, Who};

/// Words that judge an outcome with hindsight.
const HINDSIGHT: &[&str] = &[
    "avoidable",
    "preventable",
    "inexcusable",
    "unacceptable",
    "self-inflicted",
    "unforgivable",
];

/// Labels that, before a colon, name what is to blame: "Cause: Morgan".
const LABELS: &[&str] = &["cause", "culprit", "blame", "fault", "responsible", "party"];

/// Verbs of "it came down to Kim", "everything points to Morgan", "fault lies with the DBA".
const POINTING: &[(&str, &str)] = &[
    ("came", "down"),
    ("comes", "down"),
    ("boils", "down"),
    ("boiled", "down"),
    ("points", "to"),
    ("pointed", "to"),
    ("lies", "with"),
    ("rests", "with"),
    ("rests", "on"),
    ("sits", "with"),
];

/// Hindsight words, a reproachful "in a timely manner", fault labels and pointing phrases.
pub(super) fn hindsight(s: &Sentence<'_>, i: usize, out: &mut Vec<Hit>) {
    let w = s.w(i);
    if HINDSIGHT.contains(&w) && !negated(s, i) {
        out.push(Hit::new(i, i + 1, Rule::Judgement));
    } else if matches!(w, "avoided" | "prevented")
        && s.w(i.wrapping_sub(1)) == "been"
        && (i.saturating_sub(5)..i).any(|k| matches!(s.w(k), "could" | "should" | "easily"))
        && !matches!(s.w(i + 1), "by" | "with" | "if")
    {
        out.push(Hit::new(i.saturating_sub(3), i + 1, Rule::Counterfactual));
    } else if w == "timely"
        && matches!(s.w(i + 1), "manner" | "fashion")
        && (negated(s, i) || (s.clause_start(i)..i).any(|k| s.w(k).starts_with("fail")))
    {
        out.push(Hit::new(i.saturating_sub(2), i + 2, Rule::Judgement));
    } else if i < 3 && LABELS.contains(&w) && s.w(i + 1) == "," {
        if let Some(to) = someone_in(s, i + 2, 4) {
            out.push(Hit::new(0, to, Rule::FaultBlame));
        }
    } else if let Some(&(_, p)) = POINTING.iter().find(|(v, _)| *v == w) {
        let at = if p == "down" && s.w(i + 1) == "down" && s.w(i + 2) == "to" {
            i + 3
        } else if s.w(i + 1) == p && p != "down" {
            i + 2
        } else {
            return;
        };
        if let Some(to) = someone_in(s, at, 4) {
            out.push(Hit::new(i, to, Rule::FaultBlame));
        }
    }
}

/// Where a person, a name or a role within `n` words of `from` ends, if there is one.
fn someone_in(s: &Sentence<'_>, from: usize, n: usize) -> Option<usize> {
    (from..(from + n).min(s.len()))
        .take_while(|&k| s.w(k) != ",")
        .find(|&k| matches!(s.classify(k), Who::Person | Who::MaybeName))
        .map(|k| k + 1)
}
