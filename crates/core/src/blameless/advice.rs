//! What to say about a finding: why it is a problem, and a rewording built from the sentence
//! where the sentence gives enough to build one.

use super::Rule;
use super::lexicon::{is_participle, participle_of};

/// What the advice can use from the sentence.
pub(super) struct Context<'a> {
    /// The flagged words, as written.
    pub text: &'a str,
    /// The verb the finding is about, lower case (a participle or a base form).
    pub verb: Option<&'a str>,
    /// The verb's object, as written ("the TLS certificate").
    pub object: Option<&'a str>,
}

/// One plain sentence on why the finding is a problem.
pub(super) fn why(rule: Rule, text: &str) -> String {
    match rule {
        Rule::PersonAsCause => "Names a person as the cause; postmortems look at systems and \
                                conditions, not people."
            .into(),
        Rule::HumanError => format!(
            "\"{text}\" stops the analysis at a person instead of asking what made the action \
             possible and its effect likely."
        ),
        Rule::Counterfactual => format!(
            "\"{text}\" describes what did not happen and judges it with hindsight, which \
             implies fault."
        ),
        Rule::FailedTo => "Frames an omission as a person's failure instead of asking why the \
                           step was hard, unclear or missing."
            .into(),
        Rule::Judgement => format!(
            "\"{text}\" judges a person's character or effort and explains nothing about why \
             the system allowed the outcome."
        ),
        Rule::Forgot => "Puts the cause in someone's memory; a step that relies on memory is \
                         the condition to fix."
            .into(),
        Rule::FaultBlame => "Assigning fault or blame makes people defend themselves instead \
                             of explaining what happened."
            .into(),
    }
}

/// A concrete rewording about actions, results and impact.
pub(super) fn suggestion(rule: Rule, cx: &Context<'_>) -> String {
    let passive = cx.object.zip(cx.verb).map(|(object, verb)| {
        let verb = if is_participle(verb) {
            verb.to_string()
        } else {
            participle_of(verb)
        };
        format!("{} {} not {verb}", capitalise(object), be(object))
    });
    match rule {
        Rule::PersonAsCause => {
            let what = cx.object.map_or("The service".to_string(), capitalise);
            let result = match cx.verb {
                Some("caused" | "causes") => "began",
                Some("ignored" | "missed" | "overlooked" | "disregarded") => "went unhandled",
                Some("skipped") => "was skipped",
                _ => "failed",
            };
            format!(
                "Describe the action and its effect, not the person: e.g. '{what} {result} \
                 after <change> was applied at <time>; nothing in <the process or tool> \
                 caught it.'"
            )
        }
        Rule::HumanError => "Describe the action, the conditions that made it easy to get \
                             wrong, and the effect: e.g. 'A manual edit to <config> was \
                             accepted without validation and caused <impact>.'"
            .into(),
        Rule::Counterfactual => match passive {
            Some(p) => format!(
                "Say what happened and what would help next time: e.g. '{p} at the time; \
                 <a check or step> that does it would catch this earlier.'"
            ),
            None => "Say what happened and what would help next time: e.g. '<X> was not in \
                     place; adding it would <shorten detection or limit impact>.'"
                .into(),
        },
        Rule::FailedTo => match passive {
            Some(p) => format!(
                "Describe the gap in the process: e.g. '{p}, because <condition>; <a safeguard> \
                 would make it automatic.'"
            ),
            None => "Describe the gap in the process: e.g. '<step> did not happen because \
                     <condition>; <a safeguard> would make it automatic.'"
                .into(),
        },
        Rule::Judgement => "Describe the action and the conditions around it (time pressure, \
                            missing checks, unclear tooling) instead of judging the person."
            .into(),
        Rule::Forgot => match passive {
            Some(p) => format!(
                "Describe the step and what it relied on: e.g. '{p}: it is a manual step with \
                 no reminder or check', then propose automating it."
            ),
            None => "Describe the step and what it relied on: e.g. '<step> is manual and has \
                     no reminder or check', then propose automating it."
                .into(),
        },
        Rule::FaultBlame => "State what happened, its impact and the conditions that allowed \
                             it; leave out who is at fault."
            .into(),
    }
}

/// "was" or "were" for a noun phrase, from its last word.
fn be(object: &str) -> &'static str {
    let last = object.split_whitespace().last().unwrap_or("");
    let plural = last.ends_with('s') && !last.ends_with("ss") && !last.ends_with("us");
    if plural { "were" } else { "was" }
}

/// The phrase with its first letter in upper case.
fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().chain(chars).collect::<String>()
    })
}
