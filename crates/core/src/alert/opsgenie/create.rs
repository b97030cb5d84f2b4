//! `POST /v2/alerts`: create an alert, or count a repeat of the open one with the same alias.
//!
//! ```json
//! {"message": "An example alert message", "alias": "Life is too short for no alias",
//!  "description": "Every alert needs a description",
//!  "responders": [{"id": "4513b7ea-…", "type": "team"}, {"username": "trinity@opsgenie.com", "type": "user"}],
//!  "visibleTo": [{"name": "rocket_team", "type": "team"}],
//!  "actions": ["Restart"], "tags": ["OverwriteQuietHours", "Critical"],
//!  "details": {"key1": "value1"}, "entity": "An example entity", "source": "…",
//!  "priority": "P1", "user": "…", "note": "…"}
//! ```
//!
//! How a create becomes a [`Signal`]: `alias` is the dedup key (absent: the server generates
//! one, as Opsgenie does); `message` the summary; `description` the description; `source` the
//! source; `entity` the component; `priority` the severity ([`OpsgeniePriority::severity`]);
//! `details` the labels (both are string maps); `tags`, `responders`, `visibleTo`, `actions`,
//! `priority`, `user` and `note` are kept in the signal's details.

use super::{OpsgenieError, reject};
use crate::alert::fields::{self, Object};
use crate::alert::types::{AlertSeverity, Signal, SignalAction};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// `message`: at most 130 characters (longer is cut).
pub const MAX_MESSAGE_CHARS: usize = 130;
/// `alias`: at most 512 characters (longer is refused).
pub const MAX_ALIAS_CHARS: usize = 512;
/// `description`: at most 15 000 characters (longer is cut).
pub const MAX_DESCRIPTION_CHARS: usize = 15_000;
/// `entity`: at most 512 characters (longer is cut).
pub const MAX_ENTITY_CHARS: usize = 512;
/// `source` and `user`: at most 100 characters (longer is cut).
pub const MAX_SOURCE_CHARS: usize = 100;
/// `note`: at most 25 000 characters (longer is cut).
pub const MAX_NOTE_CHARS: usize = 25_000;
/// At most 20 tags of 50 characters (more are dropped, longer are cut).
pub const MAX_TAGS: usize = 20;
/// At most 10 custom actions of 50 characters (more are dropped, longer are cut).
pub const MAX_ACTIONS: usize = 10;
/// The longest tag or custom action.
pub const MAX_TAG_CHARS: usize = 50;
/// `details`: at most 8 000 characters, keys and values together (more is refused).
pub const MAX_DETAILS_CHARS: usize = 8_000;

/// Opsgenie's priorities, `P1` (highest) to `P5`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OpsgeniePriority {
    /// Critical.
    P1,
    /// High.
    P2,
    /// Moderate: the default.
    P3,
    /// Low.
    P4,
    /// Informational.
    P5,
}

impl OpsgeniePriority {
    /// Every priority, highest first.
    pub const ALL: [OpsgeniePriority; 5] = [Self::P1, Self::P2, Self::P3, Self::P4, Self::P5];

    /// `P1` … `P5`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::P1 => "P1",
            Self::P2 => "P2",
            Self::P3 => "P3",
            Self::P4 => "P4",
            Self::P5 => "P5",
        }
    }

    /// Parses `P1` … `P5` exactly, as Opsgenie does.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// The severity Debrief gives it: P1 critical, P2 error, P3 warning, P4 and P5 info.
    pub fn severity(self) -> AlertSeverity {
        match self {
            Self::P1 => AlertSeverity::Critical,
            Self::P2 => AlertSeverity::Error,
            Self::P3 => AlertSeverity::Warning,
            Self::P4 | Self::P5 => AlertSeverity::Info,
        }
    }
}

/// A valid create request.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateAlert {
    /// The alert, normalized (always a trigger).
    pub signal: Signal,
    /// The priority asked for (`P3` when none).
    pub priority: OpsgeniePriority,
    /// Who sent it (the request owner's display name), if given.
    pub user: Option<String>,
    /// A note to add to the alert, if given.
    pub note: Option<String>,
    /// The fields that were cut to Opsgenie's limits, for the server to log.
    pub truncated: Vec<&'static str>,
}

/// Parses and validates a create request body.
pub fn parse_create(body: &[u8]) -> Result<CreateAlert, OpsgenieError> {
    let obj = fields::object(body).map_err(|_| OpsgenieError::not_json())?;
    let mut errors = BTreeMap::new();
    let mut truncated = Vec::new();
    let mut cut = |field: &'static str, value: Option<String>, max: usize| {
        value.map(|v| {
            if fields::chars(&v) > max {
                truncated.push(field);
                fields::truncate_chars(&v, max)
            } else {
                v
            }
        })
    };

    let message = match fields::non_blank(&obj, "message") {
        Ok(Some(m)) => Some(m.to_string()),
        Ok(None) => {
            reject(&mut errors, "message", "Message can not be empty.");
            None
        }
        Err(_) => {
            reject(&mut errors, "message", "Message should be a string.");
            None
        }
    };
    let message = cut("message", message, MAX_MESSAGE_CHARS);
    let alias = string(&obj, "alias", &mut errors);
    if let Some(a) = &alias
        && fields::chars(a) > MAX_ALIAS_CHARS
    {
        reject(
            &mut errors,
            "alias",
            format!("Alias can not be longer than {MAX_ALIAS_CHARS} characters."),
        );
    }
    let description = cut(
        "description",
        string(&obj, "description", &mut errors),
        MAX_DESCRIPTION_CHARS,
    );
    let entity = cut(
        "entity",
        string(&obj, "entity", &mut errors),
        MAX_ENTITY_CHARS,
    );
    let source = cut(
        "source",
        string(&obj, "source", &mut errors),
        MAX_SOURCE_CHARS,
    );
    let user = cut("user", string(&obj, "user", &mut errors), MAX_SOURCE_CHARS);
    let note = cut("note", string(&obj, "note", &mut errors), MAX_NOTE_CHARS);
    let priority = match fields::opt_str(&obj, "priority") {
        Ok(None) => Some(OpsgeniePriority::P3),
        Ok(Some(p)) => OpsgeniePriority::parse(p),
        Err(_) => None,
    };
    if priority.is_none() {
        reject(
            &mut errors,
            "priority",
            "should be one of [ P1, P2, P3, P4, P5 ]",
        );
    }
    let (tags, tags_cut) = short_list(&obj, "tags", MAX_TAGS, &mut errors);
    let (actions, actions_cut) = short_list(&obj, "actions", MAX_ACTIONS, &mut errors);
    if tags_cut {
        truncated.push("tags");
    }
    if actions_cut {
        truncated.push("actions");
    }
    let responders_sent = responders(&obj, "responders", &mut errors);
    let visible_to = responders(&obj, "visibleTo", &mut errors);
    let labels = match fields::string_map(&obj, "details") {
        Ok(map) => {
            let total: usize = map
                .iter()
                .map(|(k, v)| fields::chars(k) + fields::chars(v))
                .sum();
            if total > MAX_DETAILS_CHARS {
                reject(
                    &mut errors,
                    "details",
                    format!(
                        "Details can not be longer than {MAX_DETAILS_CHARS} characters in total."
                    ),
                );
            }
            map
        }
        Err(_) => {
            reject(
                &mut errors,
                "details",
                "Details should be a map of string keys to string values.",
            );
            BTreeMap::new()
        }
    };

    let (Some(message), Some(priority), true) = (message, priority, errors.is_empty()) else {
        return Err(OpsgenieError::unprocessable(errors));
    };

    let mut details = Map::new();
    details.insert("priority".into(), Value::String(priority.as_str().into()));
    details.insert("tags".into(), strings(tags));
    details.insert("responders".into(), Value::Array(responders_sent));
    details.insert("visibleTo".into(), Value::Array(visible_to));
    details.insert("actions".into(), strings(actions));
    for (key, value) in [("user", &user), ("note", &note)] {
        if let Some(v) = value {
            details.insert(key.into(), Value::String(v.clone()));
        }
    }

    let mut signal = Signal::new(SignalAction::Trigger);
    signal.dedup_key = alias;
    signal.summary = Some(message);
    signal.description = description;
    signal.source = source;
    signal.component = entity;
    signal.severity = Some(priority.severity());
    signal.labels = labels;
    signal.details = Value::Object(details);
    Ok(CreateAlert {
        signal,
        priority,
        user,
        note,
        truncated,
    })
}

/// An optional string field; blank is absent.
fn string(obj: &Object, key: &str, errors: &mut BTreeMap<String, String>) -> Option<String> {
    match fields::non_blank(obj, key) {
        Ok(v) => v.map(str::to_string),
        Err(_) => {
            reject(
                errors,
                key,
                format!("{} should be a string.", capitalized(key)),
            );
            None
        }
    }
}

/// A list of short strings (tags, actions): at most `max` of at most [`MAX_TAG_CHARS`]
/// characters; returns whether anything was cut.
fn short_list(
    obj: &Object,
    key: &str,
    max: usize,
    errors: &mut BTreeMap<String, String>,
) -> (Vec<String>, bool) {
    let items = match fields::opt_array(obj, key) {
        Ok(items) => items.unwrap_or_default(),
        Err(_) => {
            reject(
                errors,
                key,
                format!("{} should be a list of strings.", capitalized(key)),
            );
            return (Vec::new(), false);
        }
    };
    let mut out = Vec::new();
    let mut was_cut = items.len() > max;
    for item in items.iter().take(max) {
        match item.as_str() {
            Some(s) if !s.trim().is_empty() => {
                was_cut |= fields::chars(s) > MAX_TAG_CHARS;
                out.push(fields::truncate_chars(s, MAX_TAG_CHARS));
            }
            Some(_) => {}
            None => reject(
                errors,
                key,
                format!("{} should be a list of strings.", capitalized(key)),
            ),
        }
    }
    (out, was_cut)
}

/// `responders` or `visibleTo`: `[{"type": "team"|"user"|"escalation"|"schedule",
/// "id"|"name"|"username": …}]`, kept as sent.
fn responders(obj: &Object, key: &str, errors: &mut BTreeMap<String, String>) -> Vec<Value> {
    let items = match fields::opt_array(obj, key) {
        Ok(items) => items.unwrap_or_default(),
        Err(_) => {
            reject(
                errors,
                key,
                format!("{} should be a list.", capitalized(key)),
            );
            return Vec::new();
        }
    };
    for item in items {
        let Some(r) = item.as_object() else {
            reject(
                errors,
                key,
                format!("{} should be a list of objects.", capitalized(key)),
            );
            continue;
        };
        match fields::opt_str(r, "type") {
            Ok(Some("team" | "user" | "escalation" | "schedule")) => {}
            Ok(Some(t)) => reject(
                errors,
                &format!("{key}#type"),
                format!("Invalid responder type '{t}'"),
            ),
            _ => reject(
                errors,
                &format!("{key}#type"),
                "Responder type can not be empty.",
            ),
        }
        let named = ["id", "name", "username"]
            .iter()
            .any(|k| matches!(fields::non_blank(r, k), Ok(Some(_))));
        if !named {
            reject(
                errors,
                key,
                format!("{} should have an id, name or username.", capitalized(key)),
            );
        }
    }
    items.to_vec()
}

fn strings(items: Vec<String>) -> Value {
    Value::Array(items.into_iter().map(Value::String).collect())
}

/// `alias` → `Alias`, `visibleTo` → `VisibleTo`.
fn capitalized(key: &str) -> String {
    let mut chars = key.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
