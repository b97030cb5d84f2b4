//! Debrief's own alert format, for scripts, cron jobs and heartbeats.
//!
//! Send one JSON object per event:
//!
//! ```json
//! {
//!   "action": "trigger",
//!   "dedup_key": "nightly-backup",
//!   "summary": "Nightly backup of db-1 failed",
//!   "severity": "error",
//!   "source": "backup-runner-1",
//!   "occurred_at": "2026-11-21T03:12:09Z",
//!   "details": {"exit_code": 2, "log": "s3: access denied"},
//!   "labels": {"team": "storage"},
//!   "links": [{"href": "https://ci.example/jobs/881", "text": "Job log"}]
//! }
//! ```
//!
//! | field | required | meaning |
//! | --- | --- | --- |
//! | `action` | no | `trigger` (the default), `acknowledge` or `resolve` |
//! | `dedup_key` | for `acknowledge` and `resolve` | names the alert, at most 255 characters. Triggers with the same key while the alert is open count as repeats of it. A trigger without one always opens a new alert; the answer tells its key |
//! | `summary` | for `trigger` | one line saying what is wrong, at most 1024 characters |
//! | `description` | no | more text, at most 15 000 characters |
//! | `severity` | no | `critical`, `error`, `warning` or `info` (also `page`, `high`, `warn`, `low`, …, see [`AlertSeverity::from_label`]); a trigger without one is `error` |
//! | `source` | no | the affected system: a host name, a service |
//! | `component`, `group`, `class` | no | the broken part, its grouping, the kind of problem |
//! | `occurred_at` | no | when it happened, RFC 3339 (`2026-11-21T03:12:09Z`; a time without an offset is read as UTC); otherwise the time Debrief received it |
//! | `details` | no | any JSON, shown with the alert |
//! | `labels` | no | an object of string values, for routing and search |
//! | `links` | no | `[{"href": "…", "text": "…"}]`, `href` required |
//!
//! Any other field is refused, so a misspelt field name is noticed rather than ignored. The
//! body is at most 512 KB.
//!
//! A script that runs on a schedule can use the same key for both outcomes: `trigger` when it
//! fails (repeats are counted on the open alert) and `resolve` when it succeeds (a resolve for
//! an alert that is not open changes nothing).
//!
//! Errors are answered 400 with a problem document that names each wrong field.

use super::fields::{self, Object, Problem};
use super::types::{AlertSeverity, DEFAULT_SEVERITY, Link, Signal, SignalAction};
use crate::validation::ValidationError;

/// The largest body accepted, as for PagerDuty: 512 KB.
pub const MAX_BODY_BYTES: usize = 512 * 1024;
/// The longest `dedup_key`.
pub const MAX_DEDUP_KEY_CHARS: usize = 255;
/// The longest `summary`.
pub const MAX_SUMMARY_CHARS: usize = 1024;
/// The longest `description`.
pub const MAX_DESCRIPTION_CHARS: usize = 15_000;

/// The fields of the format; anything else is refused.
pub const FIELDS: [&str; 13] = [
    "action",
    "dedup_key",
    "summary",
    "description",
    "severity",
    "source",
    "component",
    "group",
    "class",
    "occurred_at",
    "details",
    "labels",
    "links",
];

/// Parses and validates a generic event body.
pub fn parse(body: &[u8]) -> Result<Signal, ValidationError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(ValidationError::one(
            "body",
            format!(
                "is {} bytes; at most {MAX_BODY_BYTES} are accepted",
                body.len()
            ),
        ));
    }
    let obj = fields::object(body).map_err(|p| match p {
        fields::BodyProblem::NotJson(e) => {
            ValidationError::one("body", format!("is not JSON: {e}"))
        }
        fields::BodyProblem::NotObject => ValidationError::one("body", "must be a JSON object"),
    })?;
    let mut errors = ValidationError::default();
    for key in obj.keys() {
        if !FIELDS.contains(&key.as_str()) {
            errors.push(
                key.as_str(),
                format!(
                    "is not a field of this format; expected one of {}",
                    FIELDS.join(", ")
                ),
            );
        }
    }

    let action = match text(&obj, "action", &mut errors).map(|a| SignalAction::parse(&a)) {
        None => SignalAction::Trigger,
        Some(Ok(a)) => a,
        Some(Err(m)) => {
            errors.push("action", m);
            SignalAction::Trigger
        }
    };
    let mut s = Signal::new(action);
    s.dedup_key = limited(&obj, "dedup_key", MAX_DEDUP_KEY_CHARS, &mut errors);
    if s.dedup_key.is_none() && action != SignalAction::Trigger && !errors_for(&errors, "dedup_key")
    {
        errors.push("dedup_key", format!("is required to {action} an alert"));
    }
    s.summary = limited(&obj, "summary", MAX_SUMMARY_CHARS, &mut errors);
    if s.summary.is_none() && action == SignalAction::Trigger && !errors_for(&errors, "summary") {
        errors.push("summary", "is required to trigger an alert");
    }
    s.description = limited(&obj, "description", MAX_DESCRIPTION_CHARS, &mut errors);
    s.severity = match text(&obj, "severity", &mut errors) {
        Some(v) => match AlertSeverity::from_label(&v) {
            Some(sev) => Some(sev),
            None => {
                errors.push(
                    "severity",
                    format!(
                        "unknown severity '{v}'; expected one of critical, error, warning, info"
                    ),
                );
                None
            }
        },
        None if action == SignalAction::Trigger => Some(DEFAULT_SEVERITY),
        None => None,
    };
    s.source = text(&obj, "source", &mut errors);
    s.component = text(&obj, "component", &mut errors);
    s.group = text(&obj, "group", &mut errors);
    s.class = text(&obj, "class", &mut errors);
    if let Some(t) = text(&obj, "occurred_at", &mut errors) {
        s.occurred_at = fields::timestamp(&t);
        if s.occurred_at.is_none() {
            errors.push(
                "occurred_at",
                "must be an RFC 3339 time, such as 2026-11-21T03:12:09Z",
            );
        }
    }
    s.details = fields::get(&obj, "details").cloned().unwrap_or_default();
    s.labels = fields::string_map(&obj, "labels").unwrap_or_else(|(key, _)| {
        match key {
            Some(k) => errors.push(format!("labels.{k}"), "must be a string"),
            None => errors.push("labels", "must be an object of strings"),
        }
        Default::default()
    });
    s.links = links(&obj, &mut errors);
    errors.into_result(s)
}

fn errors_for(errors: &ValidationError, field: &str) -> bool {
    errors.fields.iter().any(|f| f.field == field)
}

/// An optional text field; blank is absent.
fn text(obj: &Object, key: &str, errors: &mut ValidationError) -> Option<String> {
    match fields::non_blank(obj, key) {
        Ok(v) => v.map(str::to_string),
        Err(Problem::WrongType(t)) => {
            errors.push(key, format!("must be {t}"));
            None
        }
        Err(Problem::Missing) => None,
    }
}

/// An optional text field of at most `max` characters.
fn limited(obj: &Object, key: &str, max: usize, errors: &mut ValidationError) -> Option<String> {
    let v = text(obj, key, errors)?;
    if fields::chars(&v) > max {
        errors.push(key, format!("must be at most {max} characters"));
    }
    Some(v)
}

fn links(obj: &Object, errors: &mut ValidationError) -> Vec<Link> {
    let items = match fields::opt_array(obj, "links") {
        Ok(items) => items.unwrap_or_default(),
        Err(_) => {
            errors.push("links", "must be an array of {\"href\", \"text\"} objects");
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Some(link) = item.as_object() else {
            errors.push(format!("links[{i}]"), "must be an object");
            continue;
        };
        let href = match fields::req_str(link, "href") {
            Ok(h) => Some(h.to_string()),
            Err(Problem::Missing) => {
                errors.push(format!("links[{i}].href"), "is required");
                None
            }
            Err(Problem::WrongType(t)) => {
                errors.push(format!("links[{i}].href"), format!("must be {t}"));
                None
            }
        };
        let text = match fields::non_blank(link, "text") {
            Ok(t) => t.map(str::to_string),
            Err(_) => {
                errors.push(format!("links[{i}].text"), "must be a string");
                None
            }
        };
        if let Some(href) = href {
            out.push(Link { href, text });
        }
    }
    out
}
