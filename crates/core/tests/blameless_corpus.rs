//! Precision and recall of the blameless check on labelled postmortem sentences.
//!
//! `tests/blameless/train.tsv` is what the rules were tuned against. `heldout.tsv` was written
//! before the rules and never used to tune them, so its figures are the honest ones. Each line
//! is `blame` or `ok`, a tab, and a sentence; a sentence is predicted blame when the check
//! finds anything in it. Run with `--nocapture` to see the figures and the misses.

use debrief_core::blameless::check;

/// The organisation's people, as the server would pass them.
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

fn score(file: &str) -> Score {
    let path = format!("{}/tests/blameless/{file}", env!("CARGO_MANIFEST_DIR"));
    let data = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut s = Score::default();
    for (n, line) in data
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let (label, sentence) = line
            .split_once('\t')
            .unwrap_or_else(|| panic!("{file}:{}: no tab", n + 1));
        let found = check(sentence, PEOPLE);
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
        "{file}: precision {:.3} ({}/{}), recall {:.3} ({}/{}); {} blame, {} ok sentences",
        s.precision(),
        s.true_pos,
        s.true_pos + s.false_pos,
        s.recall(),
        s.true_pos,
        s.true_pos + s.false_neg,
        s.true_pos + s.false_neg,
        s.true_neg + s.false_pos,
    );
    for m in &s.misses {
        println!("{m}");
    }
    s
}

#[test]
fn the_check_is_precise_and_complete_on_the_training_sentences() {
    let s = score("train.tsv");
    assert!(s.precision() >= 0.95, "precision {:.3}", s.precision());
    assert!(s.recall() >= 0.95, "recall {:.3}", s.recall());
}

#[test]
fn the_check_generalises_to_held_out_sentences() {
    let s = score("heldout.tsv");
    assert!(s.precision() >= 0.9, "precision {:.3}", s.precision());
    assert!(s.recall() >= 0.85, "recall {:.3}", s.recall());
}
