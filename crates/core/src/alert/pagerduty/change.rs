//! Events API v2 change events: `POST /v2/change/enqueue`.
//!
//! ```json
//! {"routing_key": "R0UT1NGKEY0000000000000000000000",
//!  "payload": {"summary": "deploy v1.2.3", "timestamp": "2026-11-21T09:30:00Z", "source": "ci",
//!              "custom_details": {"sha": "abc123"}},
//!  "links": [{"href": "https://ci.example/build/2", "text": "Build 2"}]}
//! ```
//!
//! `routing_key` (32 characters) and `payload.summary` (at most 1024 characters) are required;
//! `payload.source`, `payload.timestamp` (ISO 8601), `payload.custom_details` (any JSON) and
//! `links` are optional. A change event never opens an alert: it goes on the timeline.

use super::{
    MAX_SUMMARY_CHARS, PagerDutyError, check_len, links, opt_string, problem, read_object,
    routing_key, time,
};
use crate::alert::fields::{self, Problem};
use crate::alert::types::ChangeEvent;

/// A valid change event.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeEventIn {
    /// The integration key it was sent with.
    pub routing_key: String,
    /// The change.
    pub change: ChangeEvent,
}

/// Parses and validates a change event body.
pub fn parse_change_event(body: &[u8]) -> Result<ChangeEventIn, PagerDutyError> {
    let obj = read_object(body)?;
    let mut errors = Vec::new();
    let routing_key = routing_key(&obj, &mut errors);

    let mut change = ChangeEvent {
        summary: String::new(),
        source: None,
        timestamp: None,
        custom_details: serde_json::Value::Null,
        links: Vec::new(),
    };
    match fields::opt_object(&obj, "payload") {
        Ok(Some(payload)) => {
            match fields::req_str(payload, "summary") {
                Ok(s) => {
                    check_len(&mut errors, "payload.summary", s, MAX_SUMMARY_CHARS);
                    change.summary = s.to_string();
                }
                Err(p) => errors.push(problem("payload.summary", p)),
            }
            change.source = opt_string(payload, "source", "payload.source", &mut errors);
            change.timestamp = time(payload, "timestamp", "payload.timestamp", &mut errors);
            change.custom_details = fields::get(payload, "custom_details")
                .cloned()
                .unwrap_or_default();
        }
        Ok(None) => errors.push(problem("payload", Problem::Missing)),
        Err(p) => errors.push(problem("payload", p)),
    }
    change.links = links(&obj, &mut errors);

    if errors.is_empty() {
        Ok(ChangeEventIn {
            routing_key,
            change,
        })
    } else {
        Err(PagerDutyError::Invalid(errors))
    }
}
