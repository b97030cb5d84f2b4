//! The blameless check: a linter over postmortem text that flags blame and counterfactuals.
//!
//! It flags a person named as the cause ("Dana broke the deploy", "Bob's mistake", "because of
//! the intern"), "human error", counterfactuals ("should have", "could've", "if only"), a
//! person's omission ("the engineer failed to", "didn't test"), judgements ("careless",
//! "sloppy"), "forgot", and fault or blame ("at fault", "dropped the ball"). Each finding says
//! why in one sentence and suggests wording about actions, results and impact.
//!
//! It also flags fault pointed at someone without a cause verb ("Cause: Morgan", "it came down
//! to Kim"), a team or role as the cause, and hindsight ("this was avoidable"), and a trained
//! model (`model`) weighs each sentence's words with the rules' hits.
//!
//! Blameless writing is left alone: a system failing ("the health check failed to detect"), a
//! counterfactual about a system ("a retry would have prevented the storm"), thanks, quoted
//! phrases ("we avoid \"human error\""),
//! `fault tolerance`, `default`, normative "should" ("the alert should fire when…"), and a
//! person acting ("the on-call engineer rolled back the change at 14:05").
//!
//! The check is case-insensitive, reads straight and curly apostrophes alike, and skips
//! Markdown code (fenced blocks and `inline spans`) and URLs. Offsets are in characters.
//!
//! # Layout
//! - `text`: Markdown to sentences of tokens, with code and URLs masked.
//! - `lexicon`: word lists and one-word predicates.
//! - `subject`: who a clause is about (a person, the writer's group, or a thing).
//! - `rules`: the rules, one function each: counterfactuals and "human error" in `rules`,
//!   judgements, fault and "forgot" in `rules::judged`, omissions in `rules::omission`, a
//!   person as the cause in `rules::cause`.
//! - `classes`: the word classes the model's features generalise through.
//! - `model`: a logistic regression over words, word pairs, word classes, pairs of the classes
//!   a sentence holds, and rule hits, that drops the
//!   rules' findings in sentences about systems, thanks or blame language, and flags blame the
//!   rules have no pattern for; `model_train` trains it on `tests/blameless/dev.tsv`.
//! - `advice`: the `why` and `suggestion` of each finding.

mod advice;
mod classes;
mod lexicon;
mod model;
#[cfg(test)]
mod model_train;
mod rules;
mod subject;
mod text;

use serde::{Deserialize, Serialize};

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// A person named as the cause: "Dana broke the deploy", "Bob's mistake caused…".
    PersonAsCause,
    /// "human error", "operator error", "user error".
    HumanError,
    /// "should have", "could have", "would have", "if only", "why didn't anyone…".
    Counterfactual,
    /// A person's omission: "the engineer failed to", "she didn't test", "was supposed to".
    FailedTo,
    /// A judgement of a person: "careless", "lazy", "sloppy", "negligent", "be more careful".
    Judgement,
    /// "forgot", "forgotten".
    Forgot,
    /// Fault or blame: "at fault", "Tom's fault", "to blame", "dropped the ball".
    FaultBlame,
}

impl Rule {
    /// The rule's name as in JSON: `person_as_cause`, `human_error`, ….
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::PersonAsCause => "person_as_cause",
            Rule::HumanError => "human_error",
            Rule::Counterfactual => "counterfactual",
            Rule::FailedTo => "failed_to",
            Rule::Judgement => "judgement",
            Rule::Forgot => "forgot",
            Rule::FaultBlame => "fault_blame",
        }
    }

    /// How specific the rule is; when findings overlap, the more specific one is kept.
    fn rank(self) -> u8 {
        match self {
            Rule::PersonAsCause => 6,
            Rule::HumanError => 5,
            Rule::Counterfactual | Rule::FailedTo | Rule::Forgot => 4,
            Rule::FaultBlame | Rule::Judgement => 3,
        }
    }
}

/// One flagged span of the checked text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Offset of the first character, in characters (Unicode scalar values).
    pub start: usize,
    /// Offset after the last character, in characters.
    pub end: usize,
    /// The flagged words, as written.
    pub text: String,
    /// The rule that flagged them.
    pub rule: Rule,
    /// Why this is a problem, in one plain sentence.
    pub why: String,
    /// A rewording about actions, results and impact.
    pub suggestion: String,
}

/// Checks postmortem text. `people` are the organisation's users' names (full names such as
/// "Dana Scully", or first names); a capitalised word of one of them is a person. Findings are
/// sorted by `start` and do not overlap.
pub fn check(text: &str, people: &[&str]) -> Vec<Finding> {
    let chars: Vec<char> = text.chars().collect();
    let names = name_words(people);
    let mut findings = Vec::new();
    for tokens in text::sentences(&chars) {
        let quoted = quoted(&chars, &tokens);
        let sentence = subject::Sentence {
            t: &tokens,
            names: &names,
        };
        let mut hits = rule_hits(&sentence, &quoted);
        let asks = asks(&chars, &tokens);
        let verdict = model::judge(&sentence, &quoted, &hits, asks, !names.is_empty());
        if verdict.p < model::VETO {
            hits.clear();
        } else if hits.is_empty() && verdict.p >= model::FLAG {
            hits.extend(model::hit(&sentence, &verdict));
        }
        keep_most_specific(&mut hits);
        for hit in hits {
            findings.push(finding(&chars, &tokens, &hit));
        }
    }
    findings.sort_by_key(|f| f.start);
    findings
}

/// The rules' hits in one sentence, leaving out words in quotation marks: a quoted phrase is
/// mentioned ("we avoid the phrase \"human error\""), not used.
fn rule_hits(sentence: &subject::Sentence<'_>, quoted: &[bool]) -> Vec<rules::Hit> {
    let mut hits = rules::run(sentence);
    hits.retain(|h| !quoted[h.from..h.to].iter().any(|&q| q));
    hits
}

/// Whether the sentence ends with a question mark (past closing quotes and brackets): a
/// question about what someone was doing can reproach them.
fn asks(chars: &[char], tokens: &[text::Token]) -> bool {
    let end = tokens.last().map_or(0, |t| t.end);
    chars
        .get(end..)
        .unwrap_or(&[])
        .iter()
        .find(|c| !c.is_whitespace() && !matches!(c, '"' | '\'' | ')' | '\u{201D}' | '\u{2019}'))
        == Some(&'?')
}

/// Which tokens stand inside double quotation marks (straight or curly).
fn quoted(chars: &[char], tokens: &[text::Token]) -> Vec<bool> {
    let mut inside = false;
    let mut prev_end = tokens.first().map_or(0, |t| t.start.saturating_sub(1));
    tokens
        .iter()
        .map(|t| {
            for &c in chars.get(prev_end..t.end).unwrap_or(&[]) {
                match c {
                    '"' => inside = !inside,
                    '\u{201C}' => inside = true,
                    '\u{201D}' => inside = false,
                    _ => {}
                }
            }
            prev_end = t.end;
            inside && t.kind != text::Kind::Comma
        })
        .collect()
}

/// The lower-case words of people's names: "Dana Scully" gives `dana` and `scully`.
fn name_words(people: &[&str]) -> Vec<String> {
    let mut words: Vec<String> = people
        .iter()
        .flat_map(|p| p.split(|c: char| c.is_whitespace() || c == ','))
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| w.chars().count() > 1)
        .map(|w| w.to_lowercase().replace('\u{2019}', "'"))
        .collect();
    words.sort();
    words.dedup();
    words
}

/// Keeps, of overlapping hits, the most specific: the higher rank, then the longer span.
fn keep_most_specific(hits: &mut Vec<rules::Hit>) {
    hits.sort_by_key(|h| {
        (
            std::cmp::Reverse(h.rule.rank()),
            std::cmp::Reverse(h.to - h.from),
            h.from,
        )
    });
    // Which tokens a kept hit covers: linear however many hits a long sentence has.
    let mut taken = vec![false; hits.iter().map(|h| h.to).max().unwrap_or(0)];
    let mut kept: Vec<rules::Hit> = Vec::new();
    for h in hits.drain(..) {
        if h.to > h.from && !taken[h.from..h.to].iter().any(|&t| t) {
            taken[h.from..h.to].fill(true);
            kept.push(h);
        }
    }
    kept.sort_by_key(|h| h.from);
    *hits = kept;
}

fn finding(chars: &[char], tokens: &[text::Token], hit: &rules::Hit) -> Finding {
    let span = |from: usize, to: usize| -> (usize, usize, String) {
        let (start, end) = (tokens[from].start, tokens[to - 1].end);
        (start, end, chars[start..end].iter().collect())
    };
    let (start, end, text) = span(hit.from, hit.to);
    let object = hit.object.map(|(a, b)| span(a, b).2);
    let verb = hit
        .verb
        .and_then(|v| tokens.get(v))
        .map(|t| t.norm.as_str());
    let cx = advice::Context {
        text: &text,
        verb,
        object: object.as_deref(),
    };
    Finding {
        start,
        end,
        why: advice::why(hit.rule, cx.text),
        suggestion: advice::suggestion(hit.rule, &cx),
        rule: hit.rule,
        text,
    }
}

#[cfg(test)]
#[expect(
    clippy::string_slice,
    reason = "tests slice text at boundaries they just found"
)]
mod tests {
    #[test]
    fn forgetting_a_thing_suggests_it_was_not_handled() {
        let f = super::check("Bob forgot the cert.", &["Bob Stone"]);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(!f[0].suggestion.contains("forgoted"), "{}", f[0].suggestion);
        assert!(
            f[0].suggestion.contains("not handled"),
            "{}",
            f[0].suggestion
        );
    }

    use super::*;

    const PEOPLE: &[&str] = &["Dana Whitfield", "Bob Okafor", "Sofía García"];

    fn rules(text: &str) -> Vec<(String, Rule)> {
        check(text, PEOPLE)
            .into_iter()
            .map(|f| (f.text, f.rule))
            .collect()
    }

    #[test]
    fn a_named_person_as_the_cause_is_flagged() {
        assert_eq!(
            rules("Dana broke the deploy."),
            [("Dana broke".to_string(), Rule::PersonAsCause)]
        );
    }

    #[test]
    fn offsets_count_characters_not_bytes() {
        let text = "Überprüfung für Sofía: ✅ done. Then Bob’s mistake took down checkout.";
        // The finding on Bob (the model also flags "für Sofía:", read as a label naming her).
        let found = check(text, PEOPLE);
        let f = found
            .iter()
            .find(|f| f.text.starts_with("Bob"))
            .expect("the finding on Bob");
        let chars: Vec<char> = text.chars().collect();
        assert_eq!(f.text, "Bob’s mistake took down");
        assert_eq!(chars[f.start..f.end].iter().collect::<String>(), f.text);
        assert_eq!(f.start, text[..text.find("Bob").unwrap()].chars().count());
        assert!(
            f.start < text.find("Bob").unwrap(),
            "bytes would be further"
        );
    }

    #[test]
    fn curly_apostrophes_read_like_straight_ones() {
        for text in ["He should’ve known.", "He should've known."] {
            assert_eq!(rules(text)[0].1, Rule::Counterfactual, "{text}");
        }
        assert_eq!(rules("It was Bob’s fault.")[0].1, Rule::FaultBlame);
    }

    #[test]
    fn code_spans_fenced_blocks_and_urls_are_not_checked() {
        let text = "Run `human error --blame` to see it.\n\n```\nDana broke the deploy\n```\n\
                    See https://example.com/should-have-been/human-error for more.";
        assert_eq!(check(text, PEOPLE), []);
        // The words around a code span still form a sentence.
        assert_eq!(
            rules("Dana ran `rm -rf /data` by mistake.")[0].1,
            Rule::PersonAsCause
        );
    }

    #[test]
    fn findings_are_sorted_and_do_not_overlap() {
        let text = "Dana's careless merge brought down the API. We should have had a canary, \
                    and Bob forgot to page anyone.\n\nIt was human error.";
        let found = check(text, PEOPLE);
        assert!(found.len() >= 4, "{found:#?}");
        for pair in found.windows(2) {
            assert!(pair[0].end <= pair[1].start, "{pair:#?}");
        }
        assert_eq!(
            found[0].rule,
            Rule::PersonAsCause,
            "more specific than Judgement"
        );
    }

    #[test]
    fn systems_failing_and_people_acting_are_fine() {
        for text in [
            "The deploy failed.",
            "The health check failed to detect the stuck worker.",
            "The fault injection test passed and the service is fault-tolerant.",
            "The default timeout is 30 seconds.",
            "The alert should fire when the error rate exceeds 2%.",
            "The system should have at least three replicas.",
            "The on-call engineer rolled back the change at 14:05.",
            "Blameless retrospectives help. We ran git blame on the file.",
            "Lazy loading hid the error. The Forgot Password page returned 500s.",
        ] {
            assert_eq!(check(text, PEOPLE), [], "{text}");
        }
    }

    #[test]
    fn failed_to_depends_on_the_subject() {
        assert_eq!(
            rules("The engineer failed to escalate.")[0],
            ("The engineer failed to".to_string(), Rule::FailedTo)
        );
        assert_eq!(rules("She failed to notice the lag.")[0].1, Rule::FailedTo);
        assert_eq!(rules("The pods failed to start.")[0..], []);
    }

    #[test]
    fn suggestions_are_built_from_the_sentence() {
        let f = &check(
            "Priya forgot to renew the TLS certificate.",
            &["Priya Raman"],
        )[0];
        assert_eq!(f.rule, Rule::Forgot);
        assert!(
            f.suggestion.contains("The TLS certificate was not renewed"),
            "{}",
            f.suggestion
        );
        let f = &check("The engineer should have checked the dashboards.", PEOPLE)[0];
        assert!(
            f.suggestion.contains("The dashboards were not checked"),
            "{}",
            f.suggestion
        );
    }

    #[test]
    fn every_paragraph_and_list_item_is_checked_with_offsets_into_the_whole_text() {
        let text = "## Timeline\n- 14:02 Errors rose\n- 14:05 Bob forgot to page anyone\n\n\
                    Later, it was human error.";
        let found = check(text, PEOPLE);
        assert_eq!(found.len(), 2, "{found:#?}");
        assert_eq!(found[0].rule, Rule::Forgot);
        assert_eq!(found[1].rule, Rule::HumanError);
        for f in &found {
            let span: String = text.chars().skip(f.start).take(f.end - f.start).collect();
            assert_eq!(span, f.text);
        }
    }

    /// Kinds of blame the word classes carry to words of the same kind: haste, discipline,
    /// incompetence, sarcasm and reproachful questions; each finding is explained.
    #[test]
    fn kinds_of_blame_carry_to_words_of_the_same_kind() {
        for text in [
            "Priya was exhausted and hurried the failover.",
            "The engineers involved will face disciplinary action.",
            "Frankly the contractor was clueless about replication.",
            "Why was the on-call engineer not watching the pages?",
        ] {
            let found = check(text, &["Priya"]);
            assert!(!found.is_empty(), "{text}");
            for f in found {
                assert!(f.why.ends_with('.') && f.suggestion.len() > 40, "{f:#?}");
            }
        }
    }

    #[test]
    fn every_finding_explains_itself_and_suggests_a_rewording() {
        let text = "Dana broke the deploy. Bob was careless. The SRE failed to escalate. \
                    It was Tom's fault. He forgot. It was operator error. We could have waited.";
        let found = check(text, &["Dana", "Bob", "Tom"]);
        assert_eq!(found.len(), 7, "{found:#?}");
        for f in found {
            assert!(f.why.ends_with('.') && f.suggestion.len() > 40, "{f:#?}");
        }
    }

    /// Blame without a cause verb is flagged and explained, even with no users registered;
    /// counterfactuals about systems, thanks, quoted phrases and people acting are not.
    #[test]
    fn blame_without_a_cause_verb_is_flagged_and_its_hard_negatives_are_not() {
        for (text, blame) in [
            ("Cause: Morgan.", true),
            ("In the end it came down to Kim.", true),
            ("This was entirely avoidable.", true),
            (
                "The network group never tested their change before pushing it.",
                true,
            ),
            ("A retry with jitter would have prevented the storm.", false),
            ("Thanks to Morgan for spotting the anomaly at 03:12.", false),
            (
                "We avoid the phrase \"human error\" because it stops the analysis.",
                false,
            ),
            ("Kim rolled back the deploy at 10:02.", false),
        ] {
            let found = check(text, if blame { &[] } else { &["Morgan", "Kim"] });
            assert_eq!(!found.is_empty(), blame, "{text}: {found:#?}");
            for f in found {
                assert!(f.why.ends_with('.') && f.suggestion.len() > 40, "{f:#?}");
            }
        }
    }

    #[test]
    fn a_metric_named_user_errors_is_not_a_verdict() {
        assert_eq!(rules("The user error rate rose to 3%."), []);
        assert_eq!(rules("No one is to blame for this incident."), []);
    }

    #[test]
    fn rules_serialise_in_snake_case() {
        for rule in [Rule::PersonAsCause, Rule::FaultBlame, Rule::HumanError] {
            assert_eq!(
                serde_json::to_value(rule).unwrap(),
                serde_json::json!(rule.as_str())
            );
        }
    }
}
