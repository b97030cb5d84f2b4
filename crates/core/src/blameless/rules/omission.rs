//! A person's omission: "failed to", "didn't test", "was supposed to".

use super::{Hit, is_person};
use crate::blameless::Rule;
use crate::blameless::lexicon::{is_ly_adverb, is_participle, is_past_verb};
use crate::blameless::subject::{Phrase, Sentence, Who};

/// Verbs that say nothing about a person when their subject is "they" and "they" are machines.
const MACHINE_VERBS: &[&str] = &[
    "start",
    "boot",
    "connect",
    "load",
    "parse",
    "resolve",
    "bind",
    "acquire",
    "compile",
    "scale",
    "elect",
    "sync",
    "evict",
    "mount",
    "authenticate",
    "register",
    "propagate",
    "converge",
    "recover",
    "restart",
    "respond",
    "come",
    "return",
    "complete",
    "finish",
    "drain",
    "fire",
    "trigger",
    "reconnect",
    "serve",
    "handle",
    "process",
    "exist",
    "pass",
    "run",
    "send",
    "reach",
];

/// Verbs after "didn't" that describe a condition, not an omission ("didn't have access").
const CONDITION_VERBS: &[&str] = &[
    "have",
    "know",
    "realize",
    "realise",
    "expect",
    "anticipate",
    "need",
    "receive",
    "get",
    "hear",
    "seem",
    "appear",
    "exist",
    "mean",
    "want",
    "think",
    "bother",
    "had",
    "knew",
    "realized",
    "realised",
    "expected",
    "anticipated",
    "needed",
    "received",
    "got",
    "heard",
    "seemed",
    "appeared",
    "existed",
    "meant",
    "wanted",
    "thought",
    "bothered",
];

/// Whether the omission of `verb` by `subject` is a person's: a person (for "they", only with a
/// verb that is not a machine's).
fn personal_omission(s: &Sentence<'_>, subject: &Phrase, verb: usize) -> bool {
    is_person(subject)
        && !(s.base(subject.head) == "they" && MACHINE_VERBS.contains(&s.w(verb)))
        && !CONDITION_VERBS.contains(&s.w(verb))
}

/// A person's omission: "failed to", "neglected to", "didn't test", "never checked", "was
/// supposed to", "approved it without reading".
pub(super) fn failed_to(s: &Sentence<'_>, i: usize, out: &mut Vec<Hit>) {
    let w = s.w(i);
    let mut push = |from: usize, to: usize, verb: usize| {
        out.push(Hit::new(from, to, Rule::FailedTo).about(s, verb));
    };
    match w {
        "failed" | "fail" | "fails" | "failing" | "omitted" if s.w(i + 1) == "to" => {
            let subject = s.subject(i);
            if personal_omission(s, &subject, i + 2) {
                push(subject.span_start(i), i + 2, i + 2);
            }
        }
        "neglected" | "neglects" | "neglecting" => {
            let subject = s.subject(i);
            if !matches!(subject.who, Who::Thing | Who::NotVerb) {
                let to = if s.w(i + 1) == "to" { i + 2 } else { i + 1 };
                push(subject.span_start(i), to, to);
            }
        }
        "failure"
            if s.w(i + 1) == "to"
                && i > 0
                && s.possessive(i - 1)
                && s.classify(i - 1) == Who::Person =>
        {
            push(i - 1, i + 2, i + 2);
        }
        "supposed" if i > 0 && matches!(s.w(i - 1), "was" | "were") && s.w(i + 1) == "to" => {
            let subject = s.subject(i);
            if is_person(&subject) {
                push(subject.span_start(i), i + 2, i + 2);
            }
        }
        "didn't" | "did" | "hadn't" | "had" | "never" => {
            let v = match w {
                "didn't" | "hadn't" => i + 1,
                "did" | "had" if s.w(i + 1) == "not" => i + 2,
                "never"
                    if i > 0 && !matches!(s.w(i - 1), "was" | "were" | "is" | "are" | "been") =>
                {
                    i + 1
                }
                _ => return,
            };
            let mut v = v;
            while is_ly_adverb(s.w(v)) || matches!(s.w(v), "even" | "actually" | "once") {
                v += 1;
            }
            let verb = s.w(v);
            let shaped = match w {
                "never" | "hadn't" | "had" => is_past_verb(verb) || is_participle(verb),
                _ => verb.chars().all(char::is_alphabetic) && !verb.is_empty(),
            };
            let subject = s.subject(i);
            if shaped && personal_omission(s, &subject, v) {
                push(subject.span_start(i), v + 1, v);
            }
        }
        "without" => {
            const CHECKS: &[&str] = &[
                "testing",
                "checking",
                "reading",
                "reviewing",
                "verifying",
                "asking",
                "telling",
                "notifying",
                "consulting",
                "looking",
                "following",
                "double-checking",
                "validating",
                "confirming",
                "thinking",
                "informing",
                "understanding",
            ];
            if CHECKS.contains(&s.w(i + 1)) {
                let c = s.clause_start(i);
                if let Some(p) = s.phrase(c, i)
                    && is_person(&p)
                {
                    push(p.start, i + 2, i + 1);
                }
            }
        }
        _ => {}
    }
}
