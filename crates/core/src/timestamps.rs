//! Key timestamps, derived from the timeline (DESIGN.md, "key timestamps"), each overridable.
//!
//! Derivation runs in dependency order so that an override of `detected_at` also moves what
//! depends on it (`started_at` when none was given, `acknowledged_at`).

use crate::Timestamp;
use crate::status::Status;
use crate::timeline::{EventKind, Source};
use serde::Serialize;
use std::str::FromStr;

/// The key timestamps that can be overridden, in the order they are derived.
pub const FIELDS: [&str; 8] = [
    "detected_at",
    "started_at",
    "acknowledged_at",
    "first_comms_at",
    "first_external_comms_at",
    "mitigated_at",
    "resolved_at",
    "closed_at",
];

/// What the derivation needs to know of one timeline event.
#[derive(Debug, Clone)]
pub struct EventFact {
    /// Event id (breaks ties between events at the same instant).
    pub id: i64,
    /// Kind.
    pub kind: EventKind,
    /// When it happened.
    pub at: Timestamp,
    /// Source.
    pub source: Source,
    /// For `status_change` events, the status moved into.
    pub status_to: Option<Status>,
    /// For `timestamp_override` events, the field and the new value (`None` removes the override).
    pub r#override: Option<(String, Option<Timestamp>)>,
}

/// Where a key timestamp's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Derived from the timeline.
    Derived,
    /// Given at declaration (`started_at` only).
    Given,
    /// Set by an override.
    Override,
}

/// The key timestamps of one incident.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct KeyTimestamps {
    /// When impact began.
    #[serde(with = "crate::ts_opt")]
    pub started_at: Option<Timestamp>,
    /// When the problem was detected.
    #[serde(with = "crate::ts_opt")]
    pub detected_at: Option<Timestamp>,
    /// When a person first acted.
    #[serde(with = "crate::ts_opt")]
    pub acknowledged_at: Option<Timestamp>,
    /// First communication of any kind.
    #[serde(with = "crate::ts_opt")]
    pub first_comms_at: Option<Timestamp>,
    /// First communication to customers.
    #[serde(with = "crate::ts_opt")]
    pub first_external_comms_at: Option<Timestamp>,
    /// First move into monitoring.
    #[serde(with = "crate::ts_opt")]
    pub mitigated_at: Option<Timestamp>,
    /// Latest move into resolved, unless reopened since.
    #[serde(with = "crate::ts_opt")]
    pub resolved_at: Option<Timestamp>,
    /// Move into closed.
    #[serde(with = "crate::ts_opt")]
    pub closed_at: Option<Timestamp>,
    /// Where each non-derived value came from, by field name.
    #[serde(skip)]
    pub origins: Vec<(&'static str, Origin)>,
}

impl KeyTimestamps {
    /// The value of a field by name.
    pub fn get(&self, field: &str) -> Option<Timestamp> {
        match field {
            "started_at" => self.started_at,
            "detected_at" => self.detected_at,
            "acknowledged_at" => self.acknowledged_at,
            "first_comms_at" => self.first_comms_at,
            "first_external_comms_at" => self.first_external_comms_at,
            "mitigated_at" => self.mitigated_at,
            "resolved_at" => self.resolved_at,
            "closed_at" => self.closed_at,
            _ => None,
        }
    }

    /// Where a field's value came from.
    pub fn origin(&self, field: &str) -> Origin {
        self.origins
            .iter()
            .find(|(f, _)| *f == field)
            .map_or(Origin::Derived, |(_, o)| *o)
    }
}

/// Checks a key timestamp name.
pub fn parse_field(name: &str) -> Result<&'static str, String> {
    FIELDS.iter().copied().find(|f| *f == name).ok_or_else(|| {
        format!(
            "'{name}' is not a key timestamp; expected one of {}",
            FIELDS.join(", ")
        )
    })
}

/// Derives the key timestamps of an incident from its timeline.
///
/// `started_given` is the `started_at` given at declaration. Overrides are read from
/// `timestamp_override` events: for each field, the latest one recorded wins, and one whose
/// value is `None` removes the override.
pub fn derive(started_given: Option<Timestamp>, events: &[EventFact]) -> KeyTimestamps {
    let mut sorted: Vec<&EventFact> = events.iter().collect();
    sorted.sort_by_key(|e| (e.at, e.id));

    // Overrides apply in the order they were recorded (event id), not by their `at`.
    let mut overrides: Vec<(&str, Option<Timestamp>)> = Vec::new();
    let mut by_id: Vec<&EventFact> = events.iter().collect();
    by_id.sort_by_key(|e| e.id);
    for ev in by_id {
        if let (EventKind::TimestampOverride, Some((field, value))) = (ev.kind, &ev.r#override)
            && let Ok(f) = parse_field(field)
        {
            overrides.retain(|(g, _)| *g != f);
            if let Some(v) = value {
                overrides.push((f, Some(*v)));
            }
        }
    }
    let overridden = |f: &str| overrides.iter().find(|(g, _)| *g == f).map(|(_, v)| *v);
    let facts = || {
        sorted
            .iter()
            .filter(|e| e.kind != EventKind::TimestampOverride)
    };
    let earliest = |pred: &dyn Fn(&EventFact) -> bool| facts().find(|e| pred(e)).map(|e| e.at);

    let mut k = KeyTimestamps::default();
    let pick =
        |field: &'static str, derived: Option<Timestamp>, k: &mut KeyTimestamps| match overridden(
            field,
        ) {
            Some(v) => {
                k.origins.push((field, Origin::Override));
                v
            }
            None => derived,
        };

    let detected = earliest(&|e| e.kind == EventKind::Alert)
        .or_else(|| earliest(&|e| e.kind == EventKind::Declared));
    k.detected_at = pick("detected_at", detected, &mut k);

    let started = match overridden("started_at") {
        Some(v) => {
            k.origins.push(("started_at", Origin::Override));
            v
        }
        None if started_given.is_some() => {
            k.origins.push(("started_at", Origin::Given));
            started_given
        }
        None => k.detected_at,
    };
    k.started_at = started;

    // A person's acknowledgement: anything a person did at or after detection, except the alert
    // events themselves, even when a person typed one in (issue 9, part 8).
    let detected_at = k.detected_at;
    let acknowledged = detected_at.and_then(|d| {
        earliest(&|e| e.source.is_person() && e.kind != EventKind::Alert && e.at >= d)
    });
    k.acknowledged_at = pick("acknowledged_at", acknowledged, &mut k);

    let comms = earliest(&|e| {
        matches!(
            e.kind,
            EventKind::CommsInternal | EventKind::CommsExternal | EventKind::StatusPageUpdate
        )
    });
    k.first_comms_at = pick("first_comms_at", comms, &mut k);
    let external = earliest(&|e| {
        matches!(
            e.kind,
            EventKind::CommsExternal | EventKind::StatusPageUpdate
        )
    });
    k.first_external_comms_at = pick("first_external_comms_at", external, &mut k);

    let moved_to = |s: Status| {
        move |e: &EventFact| e.kind == EventKind::StatusChange && e.status_to == Some(s)
    };
    let mitigated = earliest(&moved_to(Status::Monitoring));
    k.mitigated_at = pick("mitigated_at", mitigated, &mut k);

    let mut resolved = None;
    for e in facts().filter(|e| e.kind == EventKind::StatusChange) {
        match e.status_to {
            Some(Status::Resolved) => resolved = Some(e.at),
            Some(s) if s.is_active() || s == Status::Declined => resolved = None,
            _ => {}
        }
    }
    k.resolved_at = pick("resolved_at", resolved, &mut k);
    let closed = facts()
        .filter(|e| e.kind == EventKind::StatusChange && e.status_to == Some(Status::Closed))
        .map(|e| e.at)
        .next_back();
    k.closed_at = pick("closed_at", closed, &mut k);
    k
}

impl FromStr for Origin {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "derived" => Ok(Origin::Derived),
            "given" => Ok(Origin::Given),
            "override" => Ok(Origin::Override),
            _ => Err(format!("unknown origin '{s}'")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        format!("2026-11-21T{s}Z").parse().unwrap()
    }

    fn ev(id: i64, kind: EventKind, at: &str, source: Source) -> EventFact {
        EventFact {
            id,
            kind,
            at: t(at),
            source,
            status_to: None,
            r#override: None,
        }
    }

    fn status(id: i64, at: &str, to: Status) -> EventFact {
        EventFact {
            status_to: Some(to),
            ..ev(id, EventKind::StatusChange, at, Source::Api)
        }
    }

    fn ovr(id: i64, field: &str, value: Option<&str>) -> EventFact {
        EventFact {
            r#override: Some((field.into(), value.map(t))),
            ..ev(id, EventKind::TimestampOverride, "23:59:00", Source::Api)
        }
    }

    #[test]
    fn without_alerts_detection_is_the_declaration_and_a_person_declaring_acknowledges() {
        let k = derive(None, &[ev(1, EventKind::Declared, "10:00:00", Source::Web)]);
        assert_eq!(k.detected_at, Some(t("10:00:00")));
        assert_eq!(k.started_at, Some(t("10:00:00")));
        assert_eq!(k.acknowledged_at, Some(t("10:00:00")));
        assert_eq!(k.mitigated_at, None);
        assert_eq!(k.resolved_at, None);
    }

    #[test]
    fn the_earliest_alert_is_detection_and_the_first_person_after_it_acknowledges() {
        let events = [
            ev(1, EventKind::Declared, "10:10:00", Source::Alert),
            ev(2, EventKind::Alert, "10:05:00", Source::Alert),
            ev(3, EventKind::Alert, "10:01:00", Source::Alert),
            ev(4, EventKind::Note, "10:00:30", Source::Api), // before detection: not an ack
            ev(5, EventKind::Note, "10:03:00", Source::Api),
            ev(6, EventKind::Note, "10:02:00", Source::System),
        ];
        let k = derive(Some(t("09:55:00")), &events);
        assert_eq!(k.detected_at, Some(t("10:01:00")));
        assert_eq!(k.started_at, Some(t("09:55:00")));
        assert_eq!(k.origin("started_at"), Origin::Given);
        assert_eq!(k.acknowledged_at, Some(t("10:03:00")));
    }

    #[test]
    fn comms_mitigation_and_resolution_follow_their_events() {
        let events = [
            ev(1, EventKind::Declared, "10:00:00", Source::Api),
            ev(2, EventKind::CommsInternal, "10:02:00", Source::Api),
            ev(3, EventKind::StatusPageUpdate, "10:04:00", Source::Api),
            ev(4, EventKind::CommsExternal, "10:06:00", Source::Api),
            status(5, "10:20:00", Status::Monitoring),
            status(6, "10:25:00", Status::Investigating),
            status(7, "10:30:00", Status::Monitoring),
            status(8, "10:40:00", Status::Resolved),
        ];
        let k = derive(None, &events);
        assert_eq!(k.first_comms_at, Some(t("10:02:00")));
        assert_eq!(k.first_external_comms_at, Some(t("10:04:00")));
        assert_eq!(
            k.mitigated_at,
            Some(t("10:20:00")),
            "the first move into monitoring"
        );
        assert_eq!(k.resolved_at, Some(t("10:40:00")));
    }

    #[test]
    fn a_reopen_clears_resolution_and_the_latest_resolve_wins() {
        let mut events = vec![
            ev(1, EventKind::Declared, "10:00:00", Source::Api),
            status(2, "10:40:00", Status::Resolved),
            status(3, "10:50:00", Status::Investigating),
        ];
        assert_eq!(derive(None, &events).resolved_at, None);
        events.push(status(4, "11:00:00", Status::Resolved));
        events.push(status(5, "11:05:00", Status::Closed));
        let k = derive(None, &events);
        assert_eq!(k.resolved_at, Some(t("11:00:00")));
        assert_eq!(k.closed_at, Some(t("11:05:00")));
    }

    #[test]
    fn the_latest_override_wins_and_a_removed_override_falls_back() {
        let base = [ev(1, EventKind::Declared, "10:00:00", Source::Api)];
        let mut events = base.to_vec();
        events.push(ovr(2, "detected_at", Some("09:50:00")));
        events.push(ovr(3, "detected_at", Some("09:45:00")));
        let k = derive(None, &events);
        assert_eq!(k.detected_at, Some(t("09:45:00")));
        assert_eq!(
            k.started_at,
            Some(t("09:45:00")),
            "started follows an overridden detection"
        );
        assert_eq!(k.origin("detected_at"), Origin::Override);
        events.push(ovr(4, "detected_at", None));
        assert_eq!(derive(None, &events).detected_at, Some(t("10:00:00")));
    }

    #[test]
    fn an_alert_event_entered_by_a_person_is_not_the_acknowledgement() {
        let events = [
            ev(1, EventKind::Declared, "10:00:00", Source::Alert),
            ev(2, EventKind::Alert, "09:58:00", Source::Web),
            ev(3, EventKind::Alert, "10:01:00", Source::Api),
            ev(4, EventKind::Note, "10:04:00", Source::Web),
        ];
        let k = derive(None, &events);
        assert_eq!(k.detected_at, Some(t("09:58:00")), "it still detects");
        assert_eq!(k.acknowledged_at, Some(t("10:04:00")));
        let alone = derive(None, &events[..3]);
        assert_eq!(alone.acknowledged_at, None, "nobody acknowledged yet");
    }

    #[test]
    fn override_events_do_not_count_as_acknowledgement() {
        let events = [
            ev(1, EventKind::Declared, "10:00:00", Source::Alert),
            ovr(2, "mitigated_at", Some("10:30:00")),
        ];
        let k = derive(None, &events);
        assert_eq!(k.acknowledged_at, None);
        assert_eq!(k.mitigated_at, Some(t("10:30:00")));
    }
}
