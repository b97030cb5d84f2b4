//! Precision and recall of the blameless check on labelled postmortem sentences.
//!
//! `tests/blameless/train.tsv` is what the first rules were tuned against and `heldout.tsv` was
//! written before them; both are `label TAB sentence`, checked with the fixed [`PEOPLE`].
//!
//! `corpus.tsv` is a larger corpus in many styles of postmortem, `label TAB people TAB
//! sentence`, where `people` are the names the sentence mentions as an organisation's user list
//! would hold them. `split.py` deals it into `dev.tsv` (what the check is tuned on) and
//! `test.tsv` (whose figures are read after each change, never its misses). Each half is scored
//! twice: with its people registered as users, and with no users registered, as a fresh
//! install would run. A sentence is predicted blame when the check finds anything in it.
//! Run with `--nocapture` to see the figures and the misses.

use debrief_core::blameless::check;

/// The organisation's people for the old files, as the server would pass them.
const PEOPLE: &[&str] = &[
    "Dana Whitfield",
    "Bob Okafor",
    "Alice Chen",
    "Priya Raman",
    "Marcus Lee",
    "Sofía García",
    "Tom Becker",
    "Jun Park",
    "Léa Moreau",
    "Ravi Shah",
    "Mia Novak",
    "Grace Adeyemi",
    "Mark Dubois",
];

/// Whose names the check is given.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Users {
    /// The fixed [`PEOPLE`] (the old two-column files).
    Fixed,
    /// The people of each sentence's own column.
    Named,
    /// Nobody.
    None,
}

/// Counts of one labelled file.
#[derive(Debug, Default)]
struct Score {
    true_pos: usize,
    false_pos: usize,
    false_neg: usize,
    true_neg: usize,
    misses: Vec<String>,
}

impl Score {
    fn precision(&self) -> f64 {
        self.true_pos as f64 / (self.true_pos + self.false_pos).max(1) as f64
    }

    fn recall(&self) -> f64 {
        self.true_pos as f64 / (self.true_pos + self.false_neg).max(1) as f64
    }
}

/// Scores one file; prints its figures, and its misses when `show_misses`.
fn score(file: &str, users: Users, show_misses: bool) -> Score {
    let path = format!("{}/tests/blameless/{file}", env!("CARGO_MANIFEST_DIR"));
    let data = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut s = Score::default();
    for (n, line) in data
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let cols: Vec<&str> = line.split('\t').collect();
        let (label, named, sentence) = match cols[..] {
            [label, sentence] => (label, "", sentence),
            [label, named, sentence] => (label, named, sentence),
            _ => panic!("{file}:{}: want 2 or 3 columns", n + 1),
        };
        let own: Vec<&str> = named
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        let people: &[&str] = match users {
            Users::Fixed => PEOPLE,
            Users::Named => &own,
            Users::None => &[],
        };
        let found = check(sentence, people);
        let blame = match label {
            "blame" => true,
            "ok" => false,
            other => panic!("{file}:{}: label {other:?}", n + 1),
        };
        match (blame, !found.is_empty()) {
            (true, true) => s.true_pos += 1,
            (false, false) => s.true_neg += 1,
            (true, false) => {
                s.false_neg += 1;
                s.misses
                    .push(format!("  missed   {file}:{}: {sentence}", n + 1));
            }
            (false, true) => {
                s.false_pos += 1;
                let what: Vec<String> = found
                    .iter()
                    .map(|f| format!("{:?} ({})", f.text, f.rule.as_str()))
                    .collect();
                s.misses.push(format!(
                    "  flagged  {file}:{}: {sentence}  <- {}",
                    n + 1,
                    what.join(", ")
                ));
            }
        }
    }
    println!(
        "{file} ({}): precision {:.3} ({}/{}), recall {:.3} ({}/{}); {} blame, {} ok sentences",
        match users {
            Users::Fixed => "fixed users",
            Users::Named => "with users",
            Users::None => "no users",
        },
        s.precision(),
        s.true_pos,
        s.true_pos + s.false_pos,
        s.recall(),
        s.true_pos,
        s.true_pos + s.false_neg,
        s.true_pos + s.false_neg,
        s.true_neg + s.false_pos,
    );
    if show_misses {
        for m in &s.misses {
            println!("{m}");
        }
    }
    s
}

#[test]
fn the_check_is_precise_and_complete_on_the_training_sentences() {
    let s = score("train.tsv", Users::Fixed, true);
    assert!(s.precision() >= 0.95, "precision {:.3}", s.precision());
    assert!(s.recall() >= 0.95, "recall {:.3}", s.recall());
}

#[test]
fn the_check_generalises_to_held_out_sentences() {
    let s = score("heldout.tsv", Users::Fixed, true);
    assert!(s.precision() >= 0.9, "precision {:.3}", s.precision());
    assert!(s.recall() >= 0.85, "recall {:.3}", s.recall());
}

/// The dev half is what the check is tuned on, so its misses are printed.
#[test]
fn the_check_meets_the_bar_on_the_dev_half() {
    let s = score("dev.tsv", Users::Named, true);
    score("dev.tsv", Users::None, true);
    assert!(s.precision() >= 0.9, "precision {:.3}", s.precision());
    assert!(s.recall() >= 0.85, "recall {:.3}", s.recall());
}

/// The test half is never tuned on: only its figures are printed, not its misses.
///
/// The bar is precision >= 0.9 and recall >= 0.85 with the sentences' people registered as
/// users (issue 15); the check reached 0.933 and 0.880 when this was written (0.933 and 0.838
/// with no users registered, which has no bar but must not fall back). With batch 4 (written by
/// someone who had not read the check) dealt in and the model retrained on dev: 0.926 / 0.890,
/// and 0.927 / 0.861 with no users. Batch 4's own test half, measured before the model had
/// seen any of batch 4: 0.907 / 0.736; after: 0.911 / 0.774. Batches 5 to 8 (written the same
/// way) were each measured before retraining too: 5 and 6's test half 0.920 / 0.723, 7 and
/// 8's 0.840 / 0.788, 9 and 10's 0.842 / 0.773. Retrained on dev 1,385, with the flag
/// threshold chosen by cross-validation inside dev (0.55): 0.903 / 0.860, and 0.906 / 0.836
/// with no users.
#[test]
fn the_check_meets_the_bar_on_the_test_half() {
    let s = score("test.tsv", Users::Named, false);
    let none = score("test.tsv", Users::None, false);
    assert!(s.precision() >= 0.9, "precision {:.3}", s.precision());
    assert!(s.recall() >= 0.85, "recall {:.3}", s.recall());
    assert!(
        none.precision() >= 0.9,
        "no users: precision {:.3}",
        none.precision()
    );
    assert!(
        none.recall() >= 0.8,
        "no users: recall {:.3}",
        none.recall()
    );
}

/// Figures for one file named by `BLAMELESS_FILE` (inside `tests/blameless/`), to measure a new
/// batch's halves before the model is retrained on any of it:
/// `BLAMELESS_FILE=x.tsv cargo test -p debrief-core --test blameless_corpus -- --ignored --nocapture`.
#[test]
#[ignore = "a measuring tool, run by hand"]
fn figures_for_one_file() {
    let file = std::env::var("BLAMELESS_FILE").unwrap_or_else(|_| "test.tsv".into());
    score(&file, Users::Named, false);
    score(&file, Users::None, false);
}
