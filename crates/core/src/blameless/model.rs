//! A small logistic regression over a sentence's words, word pairs and rule hits, which
//! weighs what the rules found and catches blame the rules have no pattern for ("Cause:
//! Morgan", "the network group never tested their change", "this was avoidable").
//!
//! Words are normalised before they become features: a known person's name is `<name>`
//! (without registered users, a capitalised word the model never saw as a common word is
//! taken for one), numbers are `<num>`, quoted words are `<q>` and code is `<code>`. The
//! weights live in `model.tsv` (`feature TAB weight`, the `<bias>` first, then the `vocab`
//! lines of common words), trained on `tests/blameless/dev.tsv` by the ignored test
//! `train_the_model` in `model_train.rs`.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use super::Rule;
use super::rules::Hit;
use super::subject::{Sentence, Who};
use super::text::Kind;

/// Below this probability of blame, the rules' findings in a sentence are dropped: the words
/// around them say the sentence is about systems, thanks or blame language itself.
pub(super) const VETO: f32 = 0.2;
/// At or above this probability, a sentence the rules found nothing in is flagged.
pub(super) const FLAG: f32 = 0.55;

/// Words that judge rather than describe; a model finding on one of them is a
/// [`Rule::Judgement`].
const JUDGING: &[&str] = &[
    "clearly",
    "obviously",
    "avoidable",
    "preventable",
    "avoided",
    "prevented",
    "timely",
    "careful",
    "careless",
    "lazy",
    "sloppy",
    "incompetent",
    "unacceptable",
    "inexcusable",
    "poor",
    "bad",
    "wrong",
    "slow",
    "late",
    "panicked",
    "rushed",
    "hindsight",
    "retrospect",
    "again",
    "typical",
    "usual",
];

/// Whether a word's class judges a person rather than naming fault: haste, incompetence,
/// sarcasm, discipline, hindsight or a judgement of effort.
fn judges(w: &str) -> bool {
    class(w).is_some_and(|c| family(c) == Some("<censure>") && c != "<fault>")
}

/// The trained weights and the common words.
pub(super) struct Model {
    bias: f32,
    weights: HashMap<String, f32>,
    vocab: HashSet<String>,
}

/// The weights, read once from `model.tsv`.
fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| Model::parse(include_str!("model.tsv")))
}

impl Model {
    /// Reads `feature TAB weight` and `vocab TAB word` lines; others are skipped.
    pub(super) fn parse(text: &str) -> Self {
        let mut m = Model {
            bias: 0.0,
            weights: HashMap::new(),
            vocab: HashSet::new(),
        };
        for line in text.lines() {
            let Some((a, b)) = line.split_once('\t') else {
                continue;
            };
            if a == "vocab" {
                m.vocab.insert(b.to_string());
            } else if let Ok(w) = b.parse::<f32>() {
                if a == "<bias>" {
                    m.bias = w;
                } else {
                    m.weights.insert(a.to_string(), w);
                }
            }
        }
        m
    }

    fn weight(&self, feature: &str) -> f32 {
        self.weights.get(feature).copied().unwrap_or(0.0)
    }
}

/// What the model makes of one sentence.
pub(super) struct Verdict {
    /// Probability that the sentence blames someone.
    pub p: f32,
    /// The word that pushed most towards blame, if any did.
    pub top: Option<usize>,
}

/// The normalised words of a sentence, one per token. `vocab` is the model's common words,
/// given only when no users are registered, so that unknown capitalised words read as names.
pub(super) fn words<'t>(
    s: &Sentence<'t>,
    quoted: &[bool],
    vocab: Option<&HashSet<String>>,
) -> Vec<&'t str> {
    let tokens: &'t [super::text::Token] = s.t;
    tokens
        .iter()
        .enumerate()
        .map(|(i, t)| {
            if quoted.get(i).copied().unwrap_or(false) {
                "<q>"
            } else if t.kind == Kind::Code {
                "<code>"
            } else if t.kind == Kind::Comma {
                ","
            } else if s.is_name(i) || vocab.is_some_and(|v| maybe_name(s, i, v)) {
                if t.possessive() { "<name>'s" } else { "<name>" }
            } else if t.base().starts_with(|c: char| c.is_ascii_digit()) {
                "<num>"
            } else {
                t.norm.as_str()
            }
        })
        .collect()
}

/// A capitalised plain word the model never saw in lower case: possibly a person. At the
/// start of a sentence every word is capitalised, so there it must also be a possessive or be
/// followed by a verb.
fn maybe_name(s: &Sentence<'_>, i: usize, vocab: &HashSet<String>) -> bool {
    let t = &s.t[i];
    let b = t.base();
    let plain = t.cap
        && !t.inner_cap
        && b.chars().count() > 1
        && b.chars().all(char::is_alphabetic)
        && !vocab.contains(b);
    if !plain || i > 0 {
        return plain;
    }
    let next = s.w(1);
    t.possessive() || next.ends_with("ed") || AFTER_A_NAME.contains(&next)
}

/// Words that follow a name at the start of a sentence and seldom a common word.
const AFTER_A_NAME: &[&str] = &[
    "was", "is", "did", "didn't", "does", "had", "has", "should", "could", "would", "forgot",
    "ran", "broke", "made", "took", "let", "went", "put", "wrote", "never", "just", "again", "and",
    "needs", "must", "=",
];

pub(super) use super::classes::{class, family, stem};

/// Calls `emit` with each feature of a sentence and the token it belongs to (none for rule
/// features). `question` is whether the sentence ends with a question mark: it adds a feature
/// of its own and pairs with the classes the sentence holds ("what was the on-call doing?").
/// One buffer is reused, so a long document costs no allocation per feature.
pub(super) fn features(
    words: &[&str],
    hits: &[Hit],
    question: bool,
    mut emit: impl FnMut(&str, Option<usize>),
) {
    use std::fmt::Write as _;
    let mut f = String::new();
    let mut with = |at: Option<usize>, args: std::fmt::Arguments<'_>| {
        f.clear();
        // Writing to a String cannot fail.
        let _ = f.write_fmt(args);
        emit(&f, at);
    };
    let mut prev = "<s>";
    let mut prev_class = "<s>";
    // The classes the sentence holds, for the pair features below: "a name and a failure",
    // "a role and a judgement" carry to sentences whose words the model never saw.
    let mut present: Vec<&str> = Vec::new();
    for (i, &w) in words.iter().enumerate() {
        with(Some(i), format_args!("u:{w}"));
        with(Some(i), format_args!("b:{prev}|{w}"));
        // A crude stem carries "ignore" to "ignored" and "ignoring".
        let stem = stem(w);
        if stem.len() < w.len() {
            with(Some(i), format_args!("s:{stem}"));
        }
        let c = class(w.trim_end_matches("'s"));
        if let Some(c) = c {
            with(Some(i), format_args!("c:{c}"));
        }
        let whole = match w {
            "<name>" | "<name>'s" => Some("<name>"),
            "<q>" | "<code>" => Some(w),
            _ => c,
        };
        if let Some(k) = whole {
            if i == 0 {
                with(Some(i), format_args!("f:{k}"));
            }
            if !present.contains(&k) {
                present.push(k);
            }
            if let Some(fam) = family(k) {
                with(Some(i), format_args!("c:{fam}"));
                if !present.contains(&fam) {
                    present.push(fam);
                }
            }
        }
        let here = c.unwrap_or(w);
        if c.is_some() || prev_class.starts_with('<') {
            with(Some(i), format_args!("k:{prev_class}|{here}"));
        }
        prev = w;
        prev_class = here;
    }
    if question {
        with(None, format_args!("q:?"));
        present.push("<?>");
    }
    present.sort_unstable();
    for (n, a) in present.iter().enumerate() {
        // A class paired with its own family says nothing the class does not.
        for b in present.iter().skip(n + 1) {
            if family(a) == Some(*b) || family(b) == Some(*a) {
                continue;
            }
            with(None, format_args!("x:{a}&{b}"));
        }
    }
    for h in hits {
        with(None, format_args!("r:{}", h.rule.as_str()));
    }
    if !hits.is_empty() {
        with(None, format_args!("r:any"));
    }
}

/// Scores one sentence.
pub(super) fn judge(
    s: &Sentence<'_>,
    quoted: &[bool],
    hits: &[Hit],
    question: bool,
    users: bool,
) -> Verdict {
    use std::hash::{BuildHasher, RandomState};
    let m = model();
    let words = words(s, quoted, (!users).then_some(&m.vocab));
    let mut z = m.bias;
    let mut per_token = vec![0.0f32; words.len()];
    // Training counts a feature once per sentence, so scoring does too.
    let hasher = RandomState::new();
    let mut seen = HashSet::new();
    features(&words, hits, question, |f, at| {
        if !seen.insert(hasher.hash_one(f)) {
            return;
        }
        let w = m.weight(f);
        z += w;
        if let Some(i) = at {
            per_token[i] += w;
        }
    });
    let top = per_token
        .iter()
        .enumerate()
        .filter(|&(i, &w)| w > 0.0 && s.t[i].kind == Kind::Word && !quoted[i])
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(i, _)| i);
    Verdict {
        p: 1.0 / (1.0 + (-z).exp()),
        top,
    }
}

/// A finding for a sentence the model flags and the rules did not: the word that weighed
/// most, as a person named as the cause, a judgement, or fault.
pub(super) fn hit(s: &Sentence<'_>, verdict: &Verdict) -> Option<Hit> {
    let i = verdict.top?;
    let rule = match s.classify(i) {
        Who::Person | Who::MaybeName => Rule::PersonAsCause,
        _ if JUDGING.contains(&s.base(i)) || judges(s.base(i)) => Rule::Judgement,
        _ => Rule::FaultBlame,
    };
    Some(Hit::new(i, i + 1, rule))
}
