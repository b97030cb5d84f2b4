//! Similar past incidents (issue 15, part 2): "this looks like" INC-12, ranked, and why.
//!
//! The measure compares an incident's [`Profile`] with the profiles of past incidents. Its main
//! part is the words: title, summary, the postmortem's root cause and contributing factors are
//! tokenised, stop-words dropped, words lightly stemmed and mapped through a small lexicon of
//! failure mechanisms (so "x509 certificate has expired" and "SSL cert lapsed" share
//! `certificate` and `expiry`), weighted by TF-IDF over the candidates, and compared by cosine.
//! Shared alert fingerprints (rarer ones count more), shared contributing factors, shared
//! services and the same incident type add small boosts. A shared service or type alone stays
//! well under [`THRESHOLD`], so an unrelated incident on the same service is not shown.
//!
//! The postmortem policy's repeated trigger uses the same measure and threshold.

use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use words::{Term, factor_terms, is_mechanism, same_factor, service_terms, terms};

mod words;
pub use words::split_factors;

/// What the measure reads of an incident.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Profile {
    /// Title.
    pub title: String,
    /// Summary.
    pub summary: String,
    /// The postmortem's root cause, if written.
    pub root_cause: String,
    /// The postmortem's contributing factors, one per entry.
    pub contributing_factors: Vec<String>,
    /// Affected services.
    pub services: Vec<String>,
    /// Fingerprints (dedup keys) of the alerts linked to it.
    pub fingerprints: Vec<String>,
    /// Incident type.
    #[serde(rename = "type")]
    pub incident_type: String,
}

/// A score at or above this is shown as similar (and makes a repeat for the policy).
pub const THRESHOLD: f64 = 0.3;

/// Weight of shared alert fingerprints (their sum is capped at one).
const FINGERPRINT_WEIGHT: f64 = 0.15;
/// Weight of shared contributing factors (two or more count in full).
const FACTOR_WEIGHT: f64 = 0.1;
/// Weight of a shared service: a hint, never enough alone.
const SERVICE_WEIGHT: f64 = 0.05;
/// Weight of the same (non-default) incident type.
const TYPE_WEIGHT: f64 = 0.03;
/// Background documents assumed to hold none of a term, so that a handful of candidates (the
/// policy's window) still gives rare words more weight than common ones.
const BACKGROUND_DOCS: f64 = 10.0;
/// How much more a mechanism of the lexicon weighs than another word of the same rarity.
const MECHANISM_BOOST: f64 = 2.0;
/// What a word every report uses, or a service's name, weighs in the text.
const MINOR_WEIGHT: f64 = 0.25;
/// How many shared words a match names.
const WHY_WORDS: usize = 5;

/// Why a past incident matched.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Why {
    /// Services both affect.
    pub services: Vec<String>,
    /// Alert fingerprints both had.
    pub fingerprints: Vec<String>,
    /// The shared words that weigh most, strongest first.
    pub words: Vec<String>,
    /// The past incident's contributing factors that this one shares.
    pub factors: Vec<String>,
}

/// A past incident that looks like the query.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Match {
    /// Its position in the candidates given.
    pub index: usize,
    /// The score, from 0 (nothing in common).
    pub score: f64,
    /// What they share.
    pub why: Why,
}

/// An incident's weighted terms before IDF: the title counts double, factors half.
struct Doc {
    tf: HashMap<String, f64>,
    /// The words that count in full, as first written.
    surface: HashMap<String, String>,
    factors: Vec<(String, Vec<String>)>,
    /// TF-IDF weights, once the candidates' document frequencies are known.
    vector: HashMap<String, f64>,
    norm: f64,
}

impl Doc {
    /// `exclude` holds the terms of service names: they count little here, since a shared service
    /// counts as a service. Only words that count in full are kept in `surface`, to be named.
    fn new(p: &Profile, exclude: &HashSet<String>) -> Self {
        let mut tf: HashMap<String, f64> = HashMap::new();
        let mut surface: HashMap<String, String> = HashMap::new();
        let factors_text = p.contributing_factors.join(" ; ");
        let fields = [
            (p.title.as_str(), 2.0),
            (p.summary.as_str(), 1.0),
            (p.root_cause.as_str(), 1.0),
            (factors_text.as_str(), 0.5),
        ];
        for (text, weight) in fields {
            for Term {
                term,
                word,
                generic,
            } in terms(text)
            {
                let minor = generic || exclude.contains(&term);
                let factor = if minor { MINOR_WEIGHT } else { 1.0 };
                *tf.entry(term.clone()).or_default() += weight * factor;
                if !minor {
                    surface.entry(term).or_insert(word);
                }
            }
        }
        let factors = p
            .contributing_factors
            .iter()
            .map(|f| (f.trim().to_string(), factor_terms(f)))
            .filter(|(f, t)| !f.is_empty() && !t.is_empty())
            .collect();
        Doc {
            tf,
            surface,
            factors,
            vector: HashMap::new(),
            norm: 0.0,
        }
    }
}

/// The incident compared with the past ones, prepared.
struct Query<'q> {
    profile: &'q Profile,
    doc: Doc,
}

/// The past incidents, prepared once to be compared with many queries.
pub struct Corpus<'a> {
    past: &'a [Profile],
    docs: Vec<Doc>,
    df: HashMap<String, usize>,
    service_terms: HashSet<String>,
    fingerprint_df: HashMap<&'a str, usize>,
}

impl<'a> Corpus<'a> {
    /// Prepares the candidates.
    pub fn new(past: &'a [Profile]) -> Self {
        let service_terms = service_terms(past.iter().flat_map(|p| &p.services));
        let mut docs: Vec<Doc> = past.iter().map(|p| Doc::new(p, &service_terms)).collect();
        let mut df: HashMap<String, usize> = HashMap::new();
        for d in &docs {
            for t in d.tf.keys() {
                *df.entry(t.clone()).or_default() += 1;
            }
        }
        let mut fingerprint_df: HashMap<&str, usize> = HashMap::new();
        for p in past {
            let mut fps: Vec<&str> = p.fingerprints.iter().map(String::as_str).collect();
            fps.sort_unstable();
            fps.dedup();
            for f in fps {
                *fingerprint_df.entry(f).or_default() += 1;
            }
        }
        let mut corpus = Corpus {
            past,
            docs: Vec::new(),
            df,
            service_terms,
            fingerprint_df,
        };
        for d in &mut docs {
            corpus.weigh(d);
        }
        corpus.docs = docs;
        corpus
    }

    fn idf(&self, term: &str) -> f64 {
        let n = self.past.len() as f64 + BACKGROUND_DOCS;
        let df = self.df.get(term).copied().unwrap_or(0) as f64;
        ((n + 1.0) / (df + 1.0)).ln() + 1.0
    }

    /// Fills a document's TF-IDF vector and its length.
    fn weigh(&self, doc: &mut Doc) {
        let v: HashMap<String, f64> = doc
            .tf
            .iter()
            .map(|(t, tf)| {
                let boost = if is_mechanism(t) {
                    MECHANISM_BOOST
                } else {
                    1.0
                };
                (t.clone(), (1.0 + tf.ln().max(0.0)) * self.idf(t) * boost)
            })
            .collect();
        doc.norm = v.values().map(|w| w * w).sum::<f64>().sqrt();
        doc.vector = v;
    }

    /// Every candidate's score against `query`, best first (ties keep the candidates' order).
    pub fn score_all(&self, query: &Profile) -> Vec<Match> {
        let mut exclude = service_terms(&query.services);
        exclude.extend(self.service_terms.iter().cloned());
        let mut doc = Doc::new(query, &exclude);
        self.weigh(&mut doc);
        let query = Query {
            profile: query,
            doc,
        };
        let mut out: Vec<Match> = self
            .docs
            .iter()
            .zip(self.past)
            .enumerate()
            .map(|(index, (doc, past))| self.compare(&query, index, doc, past))
            .collect();
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.index.cmp(&b.index)));
        out
    }

    /// The candidates at or above [`THRESHOLD`], best first, at most `limit`.
    pub fn rank(&self, query: &Profile, limit: usize) -> Vec<Match> {
        let mut all = self.score_all(query);
        all.retain(|m| m.score >= THRESHOLD);
        all.truncate(limit);
        all
    }

    fn compare(&self, q: &Query<'_>, index: usize, doc: &Doc, past: &Profile) -> Match {
        let (query, q_doc, q_norm) = (q.profile, &q.doc, q.doc.norm);
        let (c, c_norm) = (&doc.vector, doc.norm);
        let mut shared: Vec<(f64, &String)> = q_doc
            .vector
            .iter()
            .filter_map(|(t, w)| c.get(t).map(|cw| (w * cw, t)))
            .collect();
        let dot: f64 = shared.iter().map(|(w, _)| w).sum();
        let text = if q_norm > 0.0 && c_norm > 0.0 {
            dot / (q_norm * c_norm)
        } else {
            0.0
        };
        shared.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        let words = shared
            .iter()
            .filter(|(_, t)| q_doc.surface.contains_key(*t))
            .filter_map(|(_, t)| doc.surface.get(*t).cloned())
            .take(WHY_WORDS)
            .collect();

        let services: Vec<String> = past
            .services
            .iter()
            .filter(|s| query.services.contains(s))
            .cloned()
            .collect();
        let mut fingerprints: Vec<String> = past
            .fingerprints
            .iter()
            .filter(|f| query.fingerprints.contains(f))
            .cloned()
            .collect();
        fingerprints.sort();
        fingerprints.dedup();
        let fp_score: f64 = fingerprints
            .iter()
            .map(|f| {
                let df = self.fingerprint_df.get(f.as_str()).copied().unwrap_or(1);
                1.0 / (df.max(1) as f64).sqrt()
            })
            .sum::<f64>()
            .min(1.0);
        let factors: Vec<String> = doc
            .factors
            .iter()
            .filter(|(_, t)| q_doc.factors.iter().any(|(_, qt)| same_factor(t, qt)))
            .map(|(f, _)| f.clone())
            .collect();
        let same_type = !query.incident_type.is_empty()
            && query.incident_type != "default"
            && query.incident_type == past.incident_type;

        let score = text
            + FINGERPRINT_WEIGHT * fp_score
            + FACTOR_WEIGHT * (factors.len().min(2) as f64 / 2.0)
            + if services.is_empty() {
                0.0
            } else {
                SERVICE_WEIGHT
            }
            + if same_type { TYPE_WEIGHT } else { 0.0 };
        Match {
            index,
            score: (score * 1000.0).round() / 1000.0,
            why: Why {
                services,
                fingerprints,
                words,
                factors,
            },
        }
    }
}

#[cfg(test)]
mod tests;
