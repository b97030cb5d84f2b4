//! PagerDuty's Events APIs, as a drop-in endpoint: the same bodies in, the same answers out.
//!
//! - [`v2`]: `POST /v2/enqueue`, alert events (`trigger`, `acknowledge`, `resolve`).
//! - [`change`]: `POST /v2/change/enqueue`, change events (deploys, config pushes).
//! - [`v1`]: `POST /generic/2010-04-15/create_event.json`, the legacy generic API
//!   (`service_key`, `event_type`, `incident_key`), which old configurations still use.
//!
//! # Answers
//! | outcome | status | body |
//! | --- | --- | --- |
//! | v2 alert event accepted | 202 | [`accepted`]: `{"status":"success","message":"Event processed","dedup_key":"…"}` |
//! | change event accepted | 202 | [`change_accepted`]: `{"status":"success","message":"Change event processed"}` |
//! | v1 event accepted | 200 | [`v1_accepted`]: `{"status":"success","message":"Event processed","incident_key":"…"}` |
//! | body not a JSON object | 400 | `{"status":"Unrecognized object","message":"Event object format is unrecognized","errors":["JSON parse error"]}` (v1: `unrecognized object`) |
//! | event breaks a rule | 400 | `{"status":"invalid event","message":"Event object is invalid","errors":[…]}` |
//!
//! Both PagerDuty clients that were captured (`pdpyras`, `pagerduty`) raise an error when a
//! 2xx answer has no `dedup_key`, so the v2 answer must always carry it: for a trigger sent
//! without one the server generates a key (PagerDuty uses a UUID) and returns it. Clients do
//! not retry a 400, so everything the sender can fix is a 400; they retry 429 and 5xx.
//!
//! # Where the wording comes from
//! The envelopes above are PagerDuty's documented examples (its Events API v2 and v1 OpenAPI
//! documents, the change-event answer from PagerDuty's own Go client tests). The entries of
//! `errors` marked *PagerDuty's words* below were seen in real PagerDuty answers quoted in
//! public code and issues; the others follow the same pattern but are Debrief's wording.
//!
//! | error | origin |
//! | --- | --- |
//! | `Length of 'routing_key' is incorrect (should be 32 characters)` | PagerDuty's words |
//! | `'routing_key' cannot be blank` | PagerDuty's words |
//! | `'event_action' is missing or blank` | PagerDuty's words |
//! | `'payload.source' is missing or blank`, `'payload.severity' is missing or blank` | PagerDuty's words |
//! | `'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')` | PagerDuty's words |
//! | `'payload.summary' is missing or blank`, `'payload' is missing or blank`, `'dedup_key' is missing or blank` | the same pattern |
//! | `'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')` | the same pattern |
//! | `'…' is too long (maximum is N characters)`, `'…' is invalid (must be …)` | Debrief's wording |
//! | v1: `Service key is the wrong length (should be 32 characters)` | PagerDuty's words |
//! | v1: `… can't be blank`, `… is not included in the list`, `… is too long (maximum is N characters)` | Rails' default messages, which the v1 wording above is one of |

pub mod change;
pub mod v1;
pub mod v2;

pub use change::{ChangeEventIn, parse_change_event};
pub use v1::{V1Event, parse_v1_event};
pub use v2::{AlertEvent, parse_event};

use super::fields::{self, Object, Problem};
use super::types::{Image, Link};
use serde::Serialize;

/// The largest body PagerDuty accepts: 512 KB, counted here as 512 × 1024 bytes. (Alertmanager
/// keeps its own PagerDuty events under 512 000 bytes, so every real sender fits.)
pub const MAX_BODY_BYTES: usize = 512 * 1024;

/// The length of a routing key (an integration key) and of a v1 service key.
pub const ROUTING_KEY_CHARS: usize = 32;

/// The longest `dedup_key` (and v1 `incident_key`).
pub const MAX_DEDUP_KEY_CHARS: usize = 255;

/// The longest `payload.summary` (and v1 `description`).
pub const MAX_SUMMARY_CHARS: usize = 1024;

/// The status of every rejection: PagerDuty answers 400 to anything the sender must fix.
pub const ERROR_STATUS: u16 = 400;

/// The status of an accepted v2 alert or change event.
pub const ACCEPTED_STATUS: u16 = 202;

/// The status of an accepted v1 event.
pub const V1_ACCEPTED_STATUS: u16 = 200;

/// Why PagerDuty would refuse a body. Every variant is answered [`ERROR_STATUS`] with the body
/// of [`PagerDutyError::body`] (or [`PagerDutyError::v1_body`] on the v1 endpoint).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PagerDutyError {
    /// The body is larger than [`MAX_BODY_BYTES`].
    #[error("the event is {bytes} bytes, more than PagerDuty's 512 KB")]
    TooLarge {
        /// The body's size.
        bytes: usize,
    },
    /// The body is not a JSON object.
    #[error("the event is not a JSON object: {0}")]
    Unrecognized(String),
    /// The event breaks the API's rules; each entry is one problem, in PagerDuty's wording.
    #[error("invalid event: {}", .0.join("; "))]
    Invalid(Vec<String>),
}

/// PagerDuty's error body: `{"status":…,"message":…,"errors":[…]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorBody {
    /// A short name for the error (`invalid event`, `Unrecognized object`).
    pub status: &'static str,
    /// A description of the problem.
    pub message: &'static str,
    /// One entry per problem found.
    pub errors: Vec<String>,
}

impl PagerDutyError {
    /// The HTTP status to answer with.
    pub fn status(&self) -> u16 {
        ERROR_STATUS
    }

    /// The Events API v2 error body.
    pub fn body(&self) -> ErrorBody {
        self.body_with("Unrecognized object")
    }

    /// The v1 generic API's error body (its documented example writes the status lowercase).
    pub fn v1_body(&self) -> ErrorBody {
        self.body_with("unrecognized object")
    }

    fn body_with(&self, unrecognized: &'static str) -> ErrorBody {
        match self {
            Self::Unrecognized(_) => ErrorBody {
                status: unrecognized,
                message: "Event object format is unrecognized",
                errors: vec!["JSON parse error".to_string()],
            },
            Self::TooLarge { .. } => invalid_body(vec![format!(
                "Event object is too large (maximum is {} KB)",
                MAX_BODY_BYTES / 1024
            )]),
            Self::Invalid(errors) => invalid_body(errors.clone()),
        }
    }
}

fn invalid_body(errors: Vec<String>) -> ErrorBody {
    ErrorBody {
        status: "invalid event",
        message: "Event object is invalid",
        errors,
    }
}

/// The v2 answer to an accepted alert event (status [`ACCEPTED_STATUS`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventAccepted {
    /// Always `success`.
    pub status: &'static str,
    /// Always `Event processed`.
    pub message: &'static str,
    /// The alert's key: the sender's, or the one the server generated for a trigger without.
    pub dedup_key: String,
}

/// `{"status":"success","message":"Event processed","dedup_key":"…"}`.
pub fn accepted(dedup_key: &str) -> EventAccepted {
    EventAccepted {
        status: "success",
        message: "Event processed",
        dedup_key: dedup_key.to_string(),
    }
}

/// The answer to an accepted change event (status [`ACCEPTED_STATUS`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangeAccepted {
    /// Always `success`.
    pub status: &'static str,
    /// Always `Change event processed`.
    pub message: &'static str,
}

/// `{"status":"success","message":"Change event processed"}`.
pub fn change_accepted() -> ChangeAccepted {
    ChangeAccepted {
        status: "success",
        message: "Change event processed",
    }
}

/// The v1 answer to an accepted event (status [`V1_ACCEPTED_STATUS`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct V1Accepted {
    /// Always `success`.
    pub status: &'static str,
    /// Always `Event processed`.
    pub message: &'static str,
    /// The incident's key: the sender's, or the one the server generated.
    pub incident_key: String,
}

/// `{"status":"success","message":"Event processed","incident_key":"…"}`.
pub fn v1_accepted(incident_key: &str) -> V1Accepted {
    V1Accepted {
        status: "success",
        message: "Event processed",
        incident_key: incident_key.to_string(),
    }
}

/// Refuses a body over [`MAX_BODY_BYTES`], then parses it as a JSON object.
fn read_object(body: &[u8]) -> Result<Object, PagerDutyError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(PagerDutyError::TooLarge { bytes: body.len() });
    }
    fields::object(body).map_err(|p| {
        PagerDutyError::Unrecognized(match p {
            fields::BodyProblem::NotJson(e) => e,
            fields::BodyProblem::NotObject => "the body is JSON but not an object".to_string(),
        })
    })
}

/// The message for `problem` with the field at `path`, in PagerDuty's pattern.
fn problem(path: &str, problem: Problem) -> String {
    match problem {
        Problem::Missing => format!("'{path}' is missing or blank"),
        Problem::WrongType(t) => format!("'{path}' is invalid (must be {t})"),
    }
}

/// `'path' is too long (maximum is N characters)` when `s` is longer than `max`.
fn check_len(errors: &mut Vec<String>, path: &str, s: &str, max: usize) {
    if fields::chars(s) > max {
        errors.push(format!(
            "'{path}' is too long (maximum is {max} characters)"
        ));
    }
}

/// Checks the 32-character routing key (v2 and change events).
fn routing_key(obj: &Object, errors: &mut Vec<String>) -> String {
    match fields::req_str(obj, "routing_key") {
        Ok(key) => {
            if fields::chars(key) != ROUTING_KEY_CHARS {
                errors.push(format!(
                    "Length of 'routing_key' is incorrect (should be {ROUTING_KEY_CHARS} characters)"
                ));
            }
            key.to_string()
        }
        Err(Problem::Missing) => {
            errors.push("'routing_key' cannot be blank".to_string());
            String::new()
        }
        Err(p) => {
            errors.push(problem("routing_key", p));
            String::new()
        }
    }
}

/// An optional string field, recording a wrong type.
fn opt_string(obj: &Object, key: &str, path: &str, errors: &mut Vec<String>) -> Option<String> {
    match fields::non_blank(obj, key) {
        Ok(v) => v.map(str::to_string),
        Err(p) => {
            errors.push(problem(path, p));
            None
        }
    }
}

/// The `links` array: `[{"href": …, "text": …}]`, `href` required.
fn links(obj: &Object, errors: &mut Vec<String>) -> Vec<Link> {
    let items = match fields::opt_array(obj, "links") {
        Ok(items) => items.unwrap_or_default(),
        Err(p) => {
            errors.push(problem("links", p));
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Some(link) = item.as_object() else {
            errors.push(problem(
                &format!("links[{i}]"),
                Problem::WrongType("an object"),
            ));
            continue;
        };
        let href = match fields::req_str(link, "href") {
            Ok(h) => Some(h.to_string()),
            Err(p) => {
                errors.push(problem(&format!("links[{i}].href"), p));
                None
            }
        };
        let text = opt_string(link, "text", &format!("links[{i}].text"), errors);
        if let Some(href) = href {
            out.push(Link { href, text });
        }
    }
    out
}

/// The `images` array: `[{"src": …, "href": …, "alt": …}]`, `src` required.
fn images(obj: &Object, errors: &mut Vec<String>) -> Vec<Image> {
    let items = match fields::opt_array(obj, "images") {
        Ok(items) => items.unwrap_or_default(),
        Err(p) => {
            errors.push(problem("images", p));
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Some(image) = item.as_object() else {
            errors.push(problem(
                &format!("images[{i}]"),
                Problem::WrongType("an object"),
            ));
            continue;
        };
        let src = match fields::req_str(image, "src") {
            Ok(s) => Some(s.to_string()),
            Err(p) => {
                errors.push(problem(&format!("images[{i}].src"), p));
                None
            }
        };
        let href = opt_string(image, "href", &format!("images[{i}].href"), errors);
        let alt = opt_string(image, "alt", &format!("images[{i}].alt"), errors);
        if let Some(src) = src {
            out.push(Image { src, href, alt });
        }
    }
    out
}

/// An optional ISO 8601 time at `key` of `obj`.
fn time(obj: &Object, key: &str, path: &str, errors: &mut Vec<String>) -> Option<crate::Timestamp> {
    let s = opt_string(obj, key, path, errors)?;
    let ts = fields::timestamp(&s);
    if ts.is_none() {
        errors.push(format!(
            "'{path}' is invalid (must be an ISO 8601 timestamp)"
        ));
    }
    ts
}
