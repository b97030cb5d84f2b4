//! Validation errors that name each field that is wrong, so the API can list them.

use serde::Serialize;

/// What kind of problem a field has, which decides the answer's status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Problem {
    /// The field is malformed (422).
    #[default]
    Malformed,
    /// The field refers to something that does not exist, or that the caller cannot see (404
    /// when every problem is of this kind).
    Missing,
    /// The field is well formed but contradicts the current state: a time in the future, a
    /// change dated before the incident began (409 when no field is malformed).
    Conflict,
}

/// One problem with one input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field's name as the API spells it (`title`, `services[2]`).
    pub field: String,
    /// What is wrong, in words a person can act on.
    pub message: String,
    /// What kind of problem it is.
    #[serde(skip)]
    pub problem: Problem,
}

/// Every problem found with an input; never empty when returned as an error.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error("invalid input: {}", .fields.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; "))]
pub struct ValidationError {
    /// The fields that are wrong.
    pub fields: Vec<FieldError>,
}

impl ValidationError {
    /// An error about a single field.
    pub fn one(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut e = Self::default();
        e.push(field, message);
        e
    }

    /// An error about a single field that refers to something that does not exist.
    pub fn missing(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut e = Self::default();
        e.push_missing(field, message);
        e
    }

    /// An error about a single well-formed field that contradicts the current state.
    pub fn conflict(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut e = Self::default();
        e.push_conflict(field, message);
        e
    }

    fn record(&mut self, field: impl Into<String>, message: impl Into<String>, problem: Problem) {
        self.fields.push(FieldError {
            field: field.into(),
            message: message.into(),
            problem,
        });
    }

    /// Records one more problem: a malformed field.
    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.record(field, message, Problem::Malformed);
    }

    /// Records that a field refers to something that does not exist (a user, a service, a
    /// status page): well-formed input about a missing thing, answered 404 when nothing else is
    /// wrong.
    pub fn push_missing(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.record(field, message, Problem::Missing);
    }

    /// Records that a well-formed field contradicts the current state (answered 409 when no
    /// field is malformed).
    pub fn push_conflict(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.record(field, message, Problem::Conflict);
    }

    /// The problem that decides the answer: any malformed field makes the whole input
    /// malformed; otherwise a conflict outweighs a missing reference.
    pub fn problem(&self) -> Problem {
        let has = |p| self.fields.iter().any(|f| f.problem == p);
        if self.fields.is_empty() || has(Problem::Malformed) {
            Problem::Malformed
        } else if has(Problem::Conflict) {
            Problem::Conflict
        } else {
            Problem::Missing
        }
    }

    /// `Ok(value)` when nothing was recorded, the error otherwise.
    pub fn into_result<T>(self, value: T) -> Result<T, Self> {
        if self.fields.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

/// Reads a field that may be left out (`None`) but, when given, is never `null`: used with
/// `#[serde(default, deserialize_with = "not_null")]` on the fields of a change where `null`
/// would mean nothing (a name, a flag), so that `null` is refused naming the field instead of
/// being read as "left out".
pub fn not_null<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

/// Checks a required free-text field: trimmed, non-empty, at most `max` characters.
pub fn required_text(errors: &mut ValidationError, field: &str, value: &str, max: usize) -> String {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        errors.push(field, "must not be empty");
    } else if trimmed.chars().count() > max {
        errors.push(field, format!("must be at most {max} characters"));
    } else if trimmed
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        errors.push(field, "must not contain control characters");
    }
    trimmed.to_string()
}

/// Checks an optional free-text field; an empty string becomes `None`.
pub fn optional_text(
    errors: &mut ValidationError,
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Option<String> {
    let trimmed = value?.trim();
    if trimmed.is_empty() {
        return None;
    }
    if trimmed.chars().count() > max {
        errors.push(field, format!("must be at most {max} characters"));
    }
    Some(trimmed.to_string())
}

/// Checks a slug: 1 to 64 of lowercase ASCII letters, digits, `-` and `_`, starting with a letter.
pub fn slug(errors: &mut ValidationError, field: &str, value: &str) -> String {
    let v = value.trim().to_ascii_lowercase();
    let ok = !v.is_empty()
        && v.len() <= 64
        && v.starts_with(|c: char| c.is_ascii_lowercase())
        && v.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !ok {
        errors.push(
            field,
            "must be 1 to 64 lowercase letters, digits, '-' or '_', starting with a letter",
        );
    }
    v
}

/// Parses a comma-separated list of values (`open,in_progress`), naming each bad one under `field`.
pub fn parse_list<T: std::str::FromStr<Err = String>>(
    errors: &mut ValidationError,
    field: &str,
    value: Option<&str>,
) -> Vec<T> {
    let mut out = Vec::new();
    for s in value
        .into_iter()
        .flat_map(|s| s.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        match s.parse::<T>() {
            Ok(v) => out.push(v),
            Err(m) => errors.push(field, m),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_required_text_is_rejected_with_its_field_name() {
        let mut e = ValidationError::default();
        required_text(&mut e, "title", "   ", 10);
        assert_eq!(e.fields[0].field, "title");
    }

    #[test]
    fn slugs_are_lowercased_and_checked() {
        let mut e = ValidationError::default();
        assert_eq!(slug(&mut e, "name", "Payments-API"), "payments-api");
        assert!(e.fields.is_empty());
        slug(&mut e, "name", "9lives");
        slug(&mut e, "name", "has space");
        assert_eq!(e.fields.len(), 2);
    }
}
