//! Severities: `SEV1` (critical) … `SEV4` (minor), configurable per organisation.

use crate::validation::{ValidationError, optional_text, required_text};
use serde::{Deserialize, Serialize};

/// A severity level as configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Severity {
    /// The key incidents refer to, e.g. `SEV1`.
    pub key: String,
    /// A short name, e.g. "Critical".
    pub name: String,
    /// When to use this level.
    pub description: String,
    /// Order: 1 is the most severe.
    pub rank: i64,
    /// Whether an incident of this severity requires a postmortem.
    pub postmortem_required: bool,
}

/// The four levels every new organisation starts with.
pub fn default_severities() -> Vec<Severity> {
    let s = |rank: i64, name: &str, description: &str, pm: bool| Severity {
        key: format!("SEV{rank}"),
        name: name.into(),
        description: description.into(),
        rank,
        postmortem_required: pm,
    };
    vec![
        s(
            1,
            "Critical",
            "Complete outage or data loss for many customers; all hands.",
            true,
        ),
        s(
            2,
            "Major",
            "A core feature is unavailable or badly degraded for many customers.",
            true,
        ),
        s(
            3,
            "Minor",
            "Partial degradation with a workaround, or few customers affected.",
            false,
        ),
        s(
            4,
            "Low",
            "Cosmetic or internal-only impact; no customer-visible harm.",
            false,
        ),
    ]
}

/// Parses a severity key: 1 to 16 uppercase letters, digits, `-` or `_`, starting with a letter.
pub fn parse_key(errors: &mut ValidationError, field: &str, key: &str) -> String {
    let k = key.trim().to_ascii_uppercase();
    let ok = !k.is_empty()
        && k.len() <= 16
        && k.starts_with(|c: char| c.is_ascii_uppercase())
        && k.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !ok {
        errors.push(
            field,
            "must be 1 to 16 letters, digits, '-' or '_' starting with a letter, like SEV1",
        );
    }
    k
}

/// Input to create or replace a severity level.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityInput {
    /// The key, e.g. `SEV5`.
    pub key: String,
    /// A short name.
    pub name: String,
    /// When to use this level.
    #[serde(default)]
    pub description: Option<String>,
    /// Order: 1 is the most severe.
    pub rank: i64,
    /// Whether a postmortem is required.
    #[serde(default)]
    pub postmortem_required: bool,
}

impl SeverityInput {
    /// Validates the input into a [`Severity`].
    pub fn validate(&self) -> Result<Severity, ValidationError> {
        let mut e = ValidationError::default();
        let key = parse_key(&mut e, "key", &self.key);
        let name = required_text(&mut e, "name", &self.name, 80);
        let description = optional_text(&mut e, "description", self.description.as_deref(), 2000)
            .unwrap_or_default();
        if !(1..=100).contains(&self.rank) {
            e.push("rank", "must be between 1 (most severe) and 100");
        }
        e.into_result(Severity {
            key,
            name,
            description,
            rank: self.rank,
            postmortem_required: self.postmortem_required,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_default_levels_with_postmortems_for_the_top_two() {
        let d = default_severities();
        assert_eq!(
            d.iter().map(|s| s.key.as_str()).collect::<Vec<_>>(),
            ["SEV1", "SEV2", "SEV3", "SEV4"]
        );
        assert!(d[0].postmortem_required && d[1].postmortem_required && !d[2].postmortem_required);
    }

    #[test]
    fn a_severity_key_with_spaces_is_rejected() {
        let mut e = ValidationError::default();
        parse_key(&mut e, "severity", "sev 1");
        assert_eq!(e.fields.len(), 1);
        let mut e = ValidationError::default();
        assert_eq!(parse_key(&mut e, "severity", "sev1"), "SEV1");
        assert!(e.fields.is_empty());
    }
}
