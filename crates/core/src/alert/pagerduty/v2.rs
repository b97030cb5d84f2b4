//! Events API v2 alert events: `POST /v2/enqueue`.
//!
//! ```json
//! {"routing_key": "R0UT1NGKEY0000000000000000000000", "event_action": "trigger",
//!  "dedup_key": "srv01/mysql",
//!  "payload": {"summary": "DISK at 99% on machine prod-datapipe03", "source": "prod-datapipe03",
//!              "severity": "critical", "timestamp": "2015-07-17T08:42:58.315+0000",
//!              "component": "mysql", "group": "prod-datapipe", "class": "disk",
//!              "custom_details": {"free space": "1%"}},
//!  "links": [{"href": "https://…", "text": "…"}], "images": [{"src": "https://…"}],
//!  "client": "Sample Monitoring Service", "client_url": "https://monitoring.example.com"}
//! ```
//!
//! Rules (PagerDuty's documented limits):
//! - `routing_key` is required and 32 characters long; `event_action` is required and one of
//!   `trigger`, `acknowledge`, `resolve`.
//! - `dedup_key` is at most 255 characters. A trigger may leave it out (the server generates
//!   one); acknowledge and resolve need it.
//! - A trigger needs `payload` with `summary` (at most 1024 characters), `source` and
//!   `severity` (`critical`, `error`, `warning` or `info`); `payload.timestamp`, when present,
//!   is an ISO 8601 time (one without an offset is read as UTC); `custom_details` may be any
//!   JSON.
//! - `payload`, `links`, `images`, `client` and `client_url` are used only for triggers, as
//!   PagerDuty documents; on acknowledge and resolve they are ignored, not checked.
//! - The body is at most 512 KB ([`super::MAX_BODY_BYTES`]).
//!
//! Every problem is reported at once, each as one entry of the 400 answer's `errors`.

use super::{
    MAX_DEDUP_KEY_CHARS, MAX_SUMMARY_CHARS, PagerDutyError, check_len, images, links, opt_string,
    problem, read_object, routing_key, time,
};
use crate::alert::fields::{self, Object, Problem};
use crate::alert::types::{AlertSeverity, Signal, SignalAction};

/// A valid v2 alert event.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertEvent {
    /// The integration key the event was sent with: it picks the integration (and so the
    /// service) the alert belongs to. Dedup keys are unique only within one routing key.
    pub routing_key: String,
    /// The event, normalized.
    pub signal: Signal,
}

/// Parses and validates a v2 alert event body.
pub fn parse_event(body: &[u8]) -> Result<AlertEvent, PagerDutyError> {
    let obj = read_object(body)?;
    let mut errors = Vec::new();

    let routing_key = routing_key(&obj, &mut errors);
    let action = event_action(&obj, &mut errors);
    let dedup_key = dedup_key(&obj, action, &mut errors);

    let mut signal = Signal::new(action.unwrap_or(SignalAction::Trigger));
    signal.dedup_key = dedup_key;
    if action == Some(SignalAction::Trigger) {
        trigger_fields(&obj, &mut signal, &mut errors);
    }

    if errors.is_empty() {
        Ok(AlertEvent {
            routing_key,
            signal,
        })
    } else {
        Err(PagerDutyError::Invalid(errors))
    }
}

/// `event_action`; `None` (with an error recorded) when missing or unknown.
fn event_action(obj: &Object, errors: &mut Vec<String>) -> Option<SignalAction> {
    match fields::req_str(obj, "event_action") {
        Ok(s) => match SignalAction::parse(s) {
            Ok(a) => Some(a),
            Err(_) => {
                errors.push(
                    "'event_action' is invalid (must be one of the following: 'trigger', \
                     'acknowledge' or 'resolve')"
                        .to_string(),
                );
                None
            }
        },
        Err(p) => {
            errors.push(problem("event_action", p));
            None
        }
    }
}

/// `dedup_key`: at most 255 characters, required unless the action is a trigger. A blank key
/// on a trigger counts as absent.
fn dedup_key(
    obj: &Object,
    action: Option<SignalAction>,
    errors: &mut Vec<String>,
) -> Option<String> {
    let key = opt_string(obj, "dedup_key", "dedup_key", errors);
    if let Some(k) = &key {
        check_len(errors, "dedup_key", k, MAX_DEDUP_KEY_CHARS);
    }
    let follow_up = matches!(
        action,
        Some(SignalAction::Acknowledge | SignalAction::Resolve)
    );
    let wrong_type = fields::opt_str(obj, "dedup_key").is_err();
    if key.is_none() && follow_up && !wrong_type {
        errors.push(problem("dedup_key", Problem::Missing));
    }
    key
}

/// The payload and the trigger-only context fields.
fn trigger_fields(obj: &Object, signal: &mut Signal, errors: &mut Vec<String>) {
    match fields::opt_object(obj, "payload") {
        Ok(Some(payload)) => read_payload(payload, signal, errors),
        Ok(None) => errors.push(problem("payload", Problem::Missing)),
        Err(p) => errors.push(problem("payload", p)),
    }
    signal.links = links(obj, errors);
    signal.images = images(obj, errors);
    signal.client = opt_string(obj, "client", "client", errors);
    signal.client_url = opt_string(obj, "client_url", "client_url", errors);
}

fn read_payload(payload: &Object, signal: &mut Signal, errors: &mut Vec<String>) {
    match fields::req_str(payload, "summary") {
        Ok(s) => {
            check_len(errors, "payload.summary", s, MAX_SUMMARY_CHARS);
            signal.summary = Some(s.to_string());
        }
        Err(p) => errors.push(problem("payload.summary", p)),
    }
    match fields::req_str(payload, "source") {
        Ok(s) => signal.source = Some(s.to_string()),
        Err(p) => errors.push(problem("payload.source", p)),
    }
    match fields::req_str(payload, "severity") {
        Ok(s) => match AlertSeverity::parse(s) {
            Ok(sev) => signal.severity = Some(sev),
            Err(_) => errors.push(
                "'payload.severity' is invalid (must be one of the following: 'critical', \
                 'warning', 'error' or 'info')"
                    .to_string(),
            ),
        },
        Err(p) => errors.push(problem("payload.severity", p)),
    }
    signal.occurred_at = time(payload, "timestamp", "payload.timestamp", errors);
    signal.component = opt_string(payload, "component", "payload.component", errors);
    signal.group = opt_string(payload, "group", "payload.group", errors);
    signal.class = opt_string(payload, "class", "payload.class", errors);
    signal.details = fields::get(payload, "custom_details")
        .cloned()
        .unwrap_or_default();
}
