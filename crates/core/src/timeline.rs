//! Timeline events: immutable, timestamped facts about an incident.
//!
//! Events are never silently rewritten: an edit of a person's event keeps the earlier text as a
//! revision, and events the system writes (status changes, role changes, …) cannot be edited.

use crate::Timestamp;
use crate::incident::parse_time;
use crate::validation::{ValidationError, required_text};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vm])* $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The name used in the API and the database.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| {
                    format!("unknown value '{s}'; expected one of {}",
                        Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", "))
                })
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

string_enum! {
    /// What a timeline event records.
    EventKind {
        /// A signal from monitoring.
        Alert = "alert",
        /// The incident was declared.
        Declared = "declared",
        /// The status changed.
        StatusChange = "status_change",
        /// The severity changed.
        SeverityChange = "severity_change",
        /// A role was assigned, handed over or released.
        RoleChange = "role_change",
        /// Other fields changed (title, services, type, …).
        IncidentUpdate = "incident_update",
        /// A key timestamp was overridden (or the override removed).
        TimestampOverride = "timestamp_override",
        /// The incident was merged into another, or absorbed a duplicate.
        Merge = "merge",
        /// Communication to responders and stakeholders.
        CommsInternal = "comms_internal",
        /// Communication to customers.
        CommsExternal = "comms_external",
        /// An update on a status page.
        StatusPageUpdate = "status_page_update",
        /// A rollback, deploy, flag flip or other fix.
        Remediation = "remediation",
        /// A change reported by a tool (a deploy, a rollback, a config push: PagerDuty's change
        /// events), written by Debrief on the service's active incidents.
        Change = "change",
        /// A note.
        Note = "note",
        /// A chat message.
        Chat = "chat",
        /// Follow-up work was noted, or an action item was created or changed.
        ActionItem = "action_item",
        /// The postmortem policy decided whether a postmortem is owed.
        PostmortemDecision = "postmortem_decision",
        /// A step of the postmortem: request, waiver, draft, review, publication, owners.
        Postmortem = "postmortem",
    }
}

string_enum! {
    /// Where an event came from.
    Source {
        /// The web UI.
        Web = "web",
        /// The JSON API.
        Api = "api",
        /// The `debrief` CLI.
        Cli = "cli",
        /// The Slack app.
        Slack = "slack",
        /// Alert intake.
        Alert = "alert",
        /// Debrief itself.
        System = "system",
    }
}

impl EventKind {
    /// Whether people and tools may add events of this kind directly (the others are written
    /// by Debrief as the side effect of a change).
    pub fn is_addable(self) -> bool {
        matches!(
            self,
            EventKind::Alert
                | EventKind::CommsInternal
                | EventKind::CommsExternal
                | EventKind::StatusPageUpdate
                | EventKind::Remediation
                | EventKind::Note
                | EventKind::Chat
                | EventKind::ActionItem
        )
    }
}

impl Source {
    /// Whether a person (rather than monitoring or Debrief itself) acted.
    pub fn is_person(self) -> bool {
        !matches!(self, Source::Alert | Source::System)
    }
}

/// A link attached to an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    /// An `http` or `https` URL.
    pub url: String,
    /// What the link is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// One timeline event as read back.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineEvent {
    /// Event id.
    pub id: i64,
    /// The incident it belongs to (`INC-42`).
    pub incident: String,
    /// What it records.
    pub kind: EventKind,
    /// When it happened (UTC, milliseconds).
    #[serde(with = "crate::ts")]
    pub at: Timestamp,
    /// Where it came from.
    pub source: Source,
    /// Who wrote it (user id), if a person or token did.
    pub author_id: Option<i64>,
    /// The author's display name.
    pub author_name: Option<String>,
    /// What happened, in words.
    pub body: String,
    /// Links.
    pub links: Vec<Link>,
    /// Structured detail (for example `{"from": "triage", "to": "investigating"}`).
    pub data: serde_json::Value,
    /// Marked as a key moment.
    pub starred: bool,
    /// 1 for an unedited event; each edit adds one and keeps the earlier text.
    pub revision: i64,
    /// When it was recorded.
    #[serde(with = "crate::ts")]
    pub created_at: Timestamp,
}

/// An earlier version of an edited event.
#[derive(Debug, Clone, Serialize)]
pub struct EventRevision {
    /// 1 for the original text.
    pub revision: i64,
    /// The time the event had.
    #[serde(with = "crate::ts")]
    pub at: Timestamp,
    /// The text the event had.
    pub body: String,
    /// The links the event had.
    pub links: Vec<Link>,
    /// Who replaced this version.
    pub edited_by: Option<i64>,
    /// When this version was replaced.
    #[serde(with = "crate::ts")]
    pub replaced_at: Timestamp,
}

/// The body of `POST /api/v1/incidents/{reference}/timeline`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewEventInput {
    /// An addable kind.
    pub kind: String,
    /// When it happened (RFC 3339); now when absent.
    pub at: Option<String>,
    /// What happened.
    pub body: String,
    /// Links.
    #[serde(default)]
    pub links: Vec<Link>,
    /// Where it came from; the channel's own source when absent.
    pub source: Option<String>,
    /// Mark as a key moment straight away.
    #[serde(default)]
    pub starred: bool,
}

/// A validated new event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// Kind.
    pub kind: EventKind,
    /// When it happened.
    pub at: Timestamp,
    /// What happened.
    pub body: String,
    /// Links.
    pub links: Vec<Link>,
    /// Source.
    pub source: Source,
    /// Starred.
    pub starred: bool,
}

/// Validates links: at most 20, each an http(s) URL of at most 2000 characters.
pub fn validate_links(e: &mut ValidationError, links: &[Link]) -> Vec<Link> {
    if links.len() > 20 {
        e.push("links", "at most 20 links");
    }
    links
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let url = l.url.trim().to_string();
            let lower = url.to_ascii_lowercase();
            let ok = (lower.starts_with("https://") || lower.starts_with("http://"))
                && url.len() > 8
                && url.chars().count() <= 2000
                && !url.chars().any(char::is_whitespace);
            if !ok {
                e.push(
                    format!("links[{i}].url"),
                    "must be an http or https URL without spaces",
                );
            }
            let title = l
                .title
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(String::from);
            if title.as_ref().is_some_and(|t| t.chars().count() > 200) {
                e.push(
                    format!("links[{i}].title"),
                    "must be at most 200 characters",
                );
            }
            Link { url, title }
        })
        .collect()
}

impl NewEventInput {
    /// Validates the input; `channel` is the source used when none is given.
    pub fn validate(&self, channel: Source, now: Timestamp) -> Result<NewEvent, ValidationError> {
        let mut e = ValidationError::default();
        let kind = match self.kind.parse::<EventKind>() {
            Ok(k) if k.is_addable() => Some(k),
            Ok(k) => {
                e.push(
                    "kind",
                    format!(
                        "'{k}' events are written by Debrief itself; add one of {}",
                        addable_kinds()
                    ),
                );
                None
            }
            Err(_) => {
                e.push(
                    "kind",
                    format!(
                        "unknown kind '{}'; expected one of {}",
                        self.kind,
                        addable_kinds()
                    ),
                );
                None
            }
        };
        let at = match &self.at {
            Some(s) => parse_time(&mut e, "at", s, now),
            None => Some(crate::to_millis(now)),
        };
        let body = required_text(&mut e, "body", &self.body, 20_000);
        let links = validate_links(&mut e, &self.links);
        let source = match self.source.as_deref() {
            None => channel,
            Some(s) => match s.parse::<Source>() {
                Ok(Source::System) | Err(_) => {
                    e.push("source", "must be one of web, api, cli, slack, alert");
                    channel
                }
                Ok(s) => s,
            },
        };
        match (kind, at) {
            (Some(kind), Some(at)) if e.fields.is_empty() => Ok(NewEvent {
                kind,
                at,
                body,
                links,
                source,
                starred: self.starred,
            }),
            _ => Err(e),
        }
    }
}

/// The kinds people may add, comma-separated, for error messages.
pub fn addable_kinds() -> String {
    EventKind::ALL
        .iter()
        .filter(|k| k.is_addable())
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The body of an event edit: any of the text, the time and the links.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EditEventInput {
    /// New text.
    pub body: Option<String>,
    /// New time.
    pub at: Option<String>,
    /// New links.
    pub links: Option<Vec<Link>>,
}

/// A validated edit, complete (unchanged parts copied from the current event).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventEdit {
    /// Text after the edit.
    pub body: String,
    /// Time after the edit.
    pub at: Timestamp,
    /// Links after the edit.
    pub links: Vec<Link>,
}

impl EditEventInput {
    /// Validates an edit of `current`; only events people added can be edited.
    pub fn validate(
        &self,
        current: &TimelineEvent,
        now: Timestamp,
    ) -> Result<EventEdit, ValidationError> {
        let mut e = ValidationError::default();
        if !current.kind.is_addable() {
            e.push(
                "kind",
                format!(
                    "'{}' events are written by Debrief and cannot be edited",
                    current.kind
                ),
            );
            return Err(e);
        }
        if self.body.is_none() && self.at.is_none() && self.links.is_none() {
            e.push("body", "give at least one of body, at, links to change");
        }
        let body = match &self.body {
            Some(b) => required_text(&mut e, "body", b, 20_000),
            None => current.body.clone(),
        };
        let at = match &self.at {
            Some(s) => parse_time(&mut e, "at", s, now).unwrap_or(current.at),
            None => current.at,
        };
        let links = match &self.links {
            Some(l) => validate_links(&mut e, l),
            None => current.links.clone(),
        };
        e.into_result(EventEdit { body, at, links })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2026-11-21T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn system_kinds_cannot_be_added_by_hand() {
        let input = NewEventInput {
            kind: "status_change".into(),
            body: "x".into(),
            ..Default::default()
        };
        let err = input.validate(Source::Api, now()).unwrap_err();
        assert_eq!(err.fields[0].field, "kind");
    }

    #[test]
    fn an_event_without_a_time_happens_now_and_takes_the_channel_source() {
        let input = NewEventInput {
            kind: "note".into(),
            body: " hello ".into(),
            ..Default::default()
        };
        let ev = input.validate(Source::Cli, now()).unwrap();
        assert_eq!(
            (ev.at, ev.source, ev.body.as_str()),
            (now(), Source::Cli, "hello")
        );
    }

    #[test]
    fn bad_links_and_sources_are_named() {
        let input = NewEventInput {
            kind: "alert".into(),
            body: "CPU".into(),
            links: vec![Link {
                url: "javascript:alert(1)".into(),
                title: None,
            }],
            source: Some("system".into()),
            ..Default::default()
        };
        let err = input.validate(Source::Api, now()).unwrap_err();
        let fields: Vec<_> = err.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["links[0].url", "source"]);
    }
}
