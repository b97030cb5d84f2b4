//! The legacy v1 generic Events API: `POST /generic/2010-04-15/create_event.json`.
//!
//! ```json
//! {"service_key": "e93facc04764012d7bfb002500d5d1a6", "event_type": "trigger",
//!  "incident_key": "srv01/HTTP", "description": "FAILURE for production/HTTP on srv01",
//!  "client": "Sample Monitoring Service", "client_url": "https://monitoring.service.com",
//!  "details": {"ping time": "1500ms"},
//!  "contexts": [{"type": "link", "href": "https://…", "text": "…"},
//!               {"type": "image", "src": "https://…", "href": "https://…", "alt": "…"}]}
//! ```
//!
//! Rules (PagerDuty's v1 documentation): `service_key` (32 characters) and `event_type`
//! (`trigger`, `acknowledge`, `resolve`) are required; `incident_key` is the dedup key, at most
//! 255 characters, required for acknowledge and resolve; a trigger needs `description` (at
//! most 1024 characters), which becomes the summary. `details` may be any JSON; `client`,
//! `client_url` and `contexts` are used only for triggers.
//!
//! v1 has no severity: a v1 trigger gets [`DEFAULT_SEVERITY`]. The `description` of an
//! acknowledge or resolve (a line for the incident's log) is kept as the signal's
//! description.
//!
//! Accepted events are answered 200 with [`super::v1_accepted`], errors with
//! [`PagerDutyError::v1_body`].

use super::{
    MAX_DEDUP_KEY_CHARS, MAX_SUMMARY_CHARS, PagerDutyError, ROUTING_KEY_CHARS, read_object,
};
use crate::alert::fields::{self, Object, Problem};
use crate::alert::types::{DEFAULT_SEVERITY, Image, Link, Signal, SignalAction};

/// A valid v1 event.
#[derive(Debug, Clone, PartialEq)]
pub struct V1Event {
    /// The service key it was sent with (v1's routing key).
    pub service_key: String,
    /// The event, normalized; `incident_key` is its dedup key.
    pub signal: Signal,
}

/// Parses and validates a v1 event body.
pub fn parse_v1_event(body: &[u8]) -> Result<V1Event, PagerDutyError> {
    let obj = read_object(body)?;
    let mut errors = Vec::new();

    let service_key = match fields::req_str(&obj, "service_key") {
        Ok(k) => {
            if fields::chars(k) != ROUTING_KEY_CHARS {
                errors.push(format!(
                    "Service key is the wrong length (should be {ROUTING_KEY_CHARS} characters)"
                ));
            }
            k.to_string()
        }
        Err(p) => {
            errors.push(rails("Service key", p));
            String::new()
        }
    };

    let action = match fields::req_str(&obj, "event_type") {
        Ok(s) => SignalAction::parse(s).ok(),
        Err(Problem::WrongType(_)) => None,
        Err(Problem::Missing) => {
            errors.push("Event type can't be blank".to_string());
            Some(SignalAction::Trigger) // nothing more to say about the type
        }
    };
    let Some(action) = action else {
        errors.push("Event type is not included in the list".to_string());
        return Err(PagerDutyError::Invalid(errors));
    };

    let mut signal = Signal::new(action);
    match fields::non_blank(&obj, "incident_key") {
        Ok(Some(k)) => {
            if fields::chars(k) > MAX_DEDUP_KEY_CHARS {
                errors.push(format!(
                    "Incident key is too long (maximum is {MAX_DEDUP_KEY_CHARS} characters)"
                ));
            }
            signal.dedup_key = Some(k.to_string());
        }
        Ok(None) if action != SignalAction::Trigger => {
            errors.push("Incident key can't be blank".to_string());
        }
        Ok(None) => {}
        Err(p) => errors.push(rails("Incident key", p)),
    }

    let description = match fields::non_blank(&obj, "description") {
        Ok(d) => d,
        Err(p) => {
            errors.push(rails("Description", p));
            None
        }
    };
    if let Some(d) = description
        && fields::chars(d) > MAX_SUMMARY_CHARS
    {
        errors.push(format!(
            "Description is too long (maximum is {MAX_SUMMARY_CHARS} characters)"
        ));
    }
    signal.details = fields::get(&obj, "details").cloned().unwrap_or_default();

    if action == SignalAction::Trigger {
        match description {
            Some(d) => signal.summary = Some(d.to_string()),
            None if fields::opt_str(&obj, "description").is_ok() => {
                errors.push("Description can't be blank".to_string());
            }
            None => {}
        }
        signal.severity = Some(DEFAULT_SEVERITY);
        signal.client = text(&obj, "client", "Client", &mut errors);
        signal.client_url = text(&obj, "client_url", "Client url", &mut errors);
        contexts(&obj, &mut signal, &mut errors);
    } else {
        signal.description = description.map(str::to_string);
    }

    if errors.is_empty() {
        Ok(V1Event {
            service_key,
            signal,
        })
    } else {
        Err(PagerDutyError::Invalid(errors))
    }
}

/// A Rails-style message for a field (`Service key can't be blank`, `Client is invalid`).
fn rails(name: &str, problem: Problem) -> String {
    match problem {
        Problem::Missing => format!("{name} can't be blank"),
        Problem::WrongType(_) => format!("{name} is invalid"),
    }
}

fn text(obj: &Object, key: &str, name: &str, errors: &mut Vec<String>) -> Option<String> {
    match fields::non_blank(obj, key) {
        Ok(v) => v.map(str::to_string),
        Err(p) => {
            errors.push(rails(name, p));
            None
        }
    }
}

/// `contexts`: links and images, each `{"type": "link"|"image", …}`. Any malformed entry makes
/// the whole list invalid (one error, as a Rails validation of the list would say).
fn contexts(obj: &Object, signal: &mut Signal, errors: &mut Vec<String>) {
    let items = match fields::opt_array(obj, "contexts") {
        Ok(items) => items.unwrap_or_default(),
        Err(_) => {
            errors.push("Contexts is invalid".to_string());
            return;
        }
    };
    let mut ok = true;
    for item in items {
        let Some(ctx) = item.as_object() else {
            ok = false;
            continue;
        };
        let href = fields::non_blank(ctx, "href");
        let (Ok(href), Ok(text), Ok(src), Ok(alt)) = (
            href,
            fields::non_blank(ctx, "text"),
            fields::non_blank(ctx, "src"),
            fields::non_blank(ctx, "alt"),
        ) else {
            ok = false;
            continue;
        };
        match fields::opt_str(ctx, "type") {
            Ok(Some("link")) => match href {
                Some(href) => signal.links.push(Link {
                    href: href.to_string(),
                    text: text.map(str::to_string),
                }),
                None => ok = false,
            },
            Ok(Some("image")) => match src {
                Some(src) => signal.images.push(Image {
                    src: src.to_string(),
                    href: href.map(str::to_string),
                    alt: alt.map(str::to_string),
                }),
                None => ok = false,
            },
            _ => ok = false,
        }
    }
    if !ok {
        errors.push("Contexts is invalid".to_string());
    }
}
