//! How long the blameless check takes on a 2,000-word postmortem, in release mode:
//! `cargo run --release -p debrief-core --example blameless_speed`. The budget is 5 ms.
//!
//! On a shared machine the median grows with the load; the fastest run is the figure that
//! shows the check's own cost.
//!
//! The document is the dev corpus's sentences, as paragraphs of five, repeated until it holds
//! 2,000 words; the people are every name the corpus mentions.

use std::time::Instant;

use debrief_core::blameless::check;

fn main() {
    let corpus = include_str!("../tests/blameless/dev.tsv");
    let rows: Vec<(&str, &str)> = corpus
        .lines()
        .filter_map(|l| {
            let mut cols = l.split('\t');
            Some((cols.nth(1)?, cols.next()?))
        })
        .collect();
    let mut people: Vec<&str> = rows
        .iter()
        .flat_map(|(p, _)| p.split(','))
        .filter(|p| !p.is_empty())
        .collect();
    people.sort_unstable();
    people.dedup();
    let mut doc = String::new();
    let mut words = 0;
    for (n, (_, sentence)) in rows.iter().cycle().enumerate() {
        if words >= 2000 {
            break;
        }
        doc.push_str(sentence);
        doc.push_str(if n % 5 == 4 { "\n\n" } else { " " });
        words += sentence.split_whitespace().count();
    }
    for (label, names) in [("with users", &people[..]), ("no users", &[][..])] {
        let mut times: Vec<f64> = (0..200)
            .map(|_| {
                let start = Instant::now();
                let found = check(&doc, names);
                std::hint::black_box(found);
                start.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        times.sort_by(f64::total_cmp);
        println!(
            "blameless check, {words} words, {label}: min {:.2} ms, median {:.2} ms, max {:.2} ms \
             (budget 5 ms)",
            times[0],
            times[times.len() / 2],
            times[times.len() - 1]
        );
    }
}
