//! Reading fields out of untrusted JSON without panicking, shared by every parser.
//!
//! Each helper says *what* is wrong ([`Problem`]); each format words it the way its original
//! service does.

use crate::Timestamp;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A JSON object, as parsed from a body.
pub(crate) type Object = Map<String, Value>;

/// Why a body is not a JSON object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BodyProblem {
    /// Not JSON at all (with serde's explanation, which names line and column).
    NotJson(String),
    /// JSON, but not an object.
    NotObject,
}

/// Parses a body as a JSON object.
pub(crate) fn object(body: &[u8]) -> Result<Object, BodyProblem> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(BodyProblem::NotObject),
        Err(e) => Err(BodyProblem::NotJson(e.to_string())),
    }
}

/// What is wrong with one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Problem {
    /// The field is absent, `null`, or (for text) only whitespace.
    Missing,
    /// The field has the wrong JSON type; the value names the expected one.
    WrongType(&'static str),
}

/// The value at `key`, treating `null` as absent (every sender here writes `null` for "none").
pub(crate) fn get<'a>(obj: &'a Object, key: &str) -> Option<&'a Value> {
    obj.get(key).filter(|v| !v.is_null())
}

/// An optional string field. An empty string is kept (`Some("")`); callers that treat blank as
/// absent use [`non_blank`].
pub(crate) fn opt_str<'a>(obj: &'a Object, key: &str) -> Result<Option<&'a str>, Problem> {
    match get(obj, key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Problem::WrongType("a string")),
    }
}

/// A required string field that must not be blank.
pub(crate) fn req_str<'a>(obj: &'a Object, key: &str) -> Result<&'a str, Problem> {
    match opt_str(obj, key)? {
        Some(s) if !s.trim().is_empty() => Ok(s),
        _ => Err(Problem::Missing),
    }
}

/// An optional string field where blank counts as absent.
pub(crate) fn non_blank<'a>(obj: &'a Object, key: &str) -> Result<Option<&'a str>, Problem> {
    Ok(opt_str(obj, key)?.filter(|s| !s.trim().is_empty()))
}

/// An optional object field.
pub(crate) fn opt_object<'a>(obj: &'a Object, key: &str) -> Result<Option<&'a Object>, Problem> {
    match get(obj, key) {
        None => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(_) => Err(Problem::WrongType("an object")),
    }
}

/// An optional array field.
pub(crate) fn opt_array<'a>(obj: &'a Object, key: &str) -> Result<Option<&'a [Value]>, Problem> {
    match get(obj, key) {
        None => Ok(None),
        Some(Value::Array(a)) => Ok(Some(a)),
        Some(_) => Err(Problem::WrongType("an array")),
    }
}

/// An optional map of strings to strings (labels, annotations, Opsgenie details). On a value
/// that is not a string, returns the offending key.
pub(crate) fn string_map(
    obj: &Object,
    key: &str,
) -> Result<BTreeMap<String, String>, (Option<String>, Problem)> {
    let Some(map) = opt_object(obj, key).map_err(|p| (None, p))? else {
        return Ok(BTreeMap::new());
    };
    let mut out = BTreeMap::new();
    for (k, v) in map {
        match v {
            Value::String(s) => {
                out.insert(k.clone(), s.clone());
            }
            _ => return Err((Some(k.clone()), Problem::WrongType("a string"))),
        }
    }
    Ok(out)
}

/// The number of characters (Unicode scalar values) in `s`: what every format's limits count.
pub(crate) fn chars(s: &str) -> usize {
    s.chars().count()
}

/// `s` cut to at most `max` characters, never inside a character.
pub(crate) fn truncate_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((at, _)) => s.get(..at).unwrap_or(s).to_string(),
        None => s.to_string(),
    }
}

/// Lowercase hexadecimal, two digits a byte.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// Parses an ISO 8601 / RFC 3339 time as senders write them: `2026-11-21T09:22:00Z`,
/// `2021-10-12T09:51:03.157076+02:00`, PagerDuty's documented `2015-07-17T08:42:58.315+0000`
/// (an offset without a colon), and a time without any offset (`2026-11-21T09:22:00`, what
/// Python's `datetime.utcnow().isoformat()` writes), which is read as UTC. A date alone is not
/// a time.
pub(crate) fn timestamp(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    if let Ok(ts) = s.parse::<Timestamp>() {
        return Some(ts);
    }
    if let Some(ts) = with_colon_offset(s) {
        return Some(ts);
    }
    if !s.contains(['T', 't']) {
        return None;
    }
    let local = s.parse::<jiff::civil::DateTime>().ok()?;
    local
        .to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

/// `…+hhmm` at the end: insert the colon RFC 3339 wants.
fn with_colon_offset(s: &str) -> Option<Timestamp> {
    let (head, offset) = s.split_at_checked(s.len().checked_sub(5)?)?;
    let mut o = offset.chars();
    let sign = o.next()?;
    if (sign == '+' || sign == '-') && o.clone().all(|c| c.is_ascii_digit()) {
        let digits: String = o.collect();
        let (hh, mm) = digits.split_at_checked(2)?;
        return format!("{head}{sign}{hh}:{mm}").parse::<Timestamp>().ok();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_read_in_the_forms_senders_write() {
        let expect: Timestamp = "2015-07-17T08:42:58.315Z".parse().expect("a time");
        assert_eq!(timestamp("2015-07-17T08:42:58.315+0000"), Some(expect));
        assert_eq!(timestamp("2015-07-17T08:42:58.315+00:00"), Some(expect));
        assert_eq!(timestamp("2015-07-17T10:42:58.315+0200"), Some(expect));
        assert_eq!(timestamp("2015-07-17T08:42:58.315Z"), Some(expect));
        assert!(timestamp("2021-10-12T09:51:03.157076+02:00").is_some());
        assert_eq!(
            timestamp("2026-11-21T09:22:00.5"),
            Some("2026-11-21T09:22:00.5Z".parse().expect("a time")),
            "no offset: UTC"
        );
        assert_eq!(timestamp("yesterday"), None);
        assert_eq!(
            timestamp("2015-07-17"),
            None,
            "a date alone is not a moment"
        );
        assert_eq!(timestamp("é+0000"), None);
        assert_eq!(timestamp(""), None);
    }

    #[test]
    fn truncation_never_splits_a_character() {
        assert_eq!(truncate_chars("aaaé", 4), "aaaé");
        assert_eq!(truncate_chars("aaaéb", 4), "aaaé");
        assert_eq!(truncate_chars("ééé", 2), "éé");
        assert_eq!(truncate_chars("", 2), "");
    }
}
