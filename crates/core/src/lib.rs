//! Debrief's domain: the words of `shared/DESIGN.md` as types and pure rules.
//!
//! Nothing here does I/O or reads the clock: every function that needs "now" takes it as a
//! parameter, so every rule is testable with fixed times.
//!
//! # Layout
//! - [`validation`]: field-level validation errors, shared by every parser.
//! - [`alert`]: alert intake: PagerDuty, Alertmanager, Grafana, Opsgenie and generic bodies
//!   parsed into one signal, the senders' expected answers, and deduplication.
//! - [`status`]: the incident lifecycle and its allowed transitions.
//! - [`severity`], [`role`]: configurable severities and incident roles.
//! - [`incident`]: incident references (`INC-42`), declaration input and its validation.
//! - [`timeline`]: timeline event kinds, sources and new-event validation.
//! - [`timestamps`]: key timestamps derived from the timeline, with overrides.
//! - [`metrics`]: per-incident metrics computed from key timestamps, their definitions, and the
//!   contradictions that keep a metric from being a number.
//! - [`duration`]: the one way a duration is written for people (`3m 22s`, `1h 05m`, `2d 4h`).
//! - [`incident_insights`]: insights on incidents over a period: MTTx trends, severity mix,
//!   services and teams, busiest hours, responder load, action items, repeats.
//! - [`learning`]: learning metrics over a period: postmortems on time, action items, repeats.
//! - [`policy`]: whether a postmortem is owed, and why (issue #3).
//! - [`similar`]: similar past incidents, ranked with why (issue 15, part 2).
//! - [`postmortem`]: the postmortem's workflow, templates, sections and reviews.
//! - [`action_item`]: follow-up work and its statuses.
//! - [`blameless`]: the blameless check over postmortem writing.
//! - [`deadline`]: business-day deadlines on an organisation's working calendar.
//! - [`recurrence`]: a subset of RFC 5545 recurrence rules, expanded in wall-clock time.
//! - [`statuspage`]: public status pages: component states, uptime bars, Statuspage v2 JSON,
//!   subscriber webhooks and the Atom feed (issue #4).
//! - [`ics`]: a strict RFC 5545 iCalendar writer (events, attendees, time zones).
//! - [`oncall`]: on call: schedules (layered rotations, restrictions, overrides), escalation
//!   policies and notification rules (issue 12).
//! - [`slack`]: Slack request signatures, payloads, the `/inc` command grammar, channel names
//!   and Block Kit messages (issue 13).

pub mod access;
pub mod action_item;
pub mod alert;
pub mod blameless;
pub mod custom_field;
pub mod deadline;
pub mod duration;
pub mod ics;
pub mod incident;
pub mod incident_insights;
pub mod learning;
pub mod metrics;
pub mod oncall;
pub mod policy;
pub mod postmortem;
pub mod recurrence;
pub mod role;
pub mod search;
pub mod severity;
pub mod similar;
pub mod slack;
pub mod status;
pub mod statuspage;
pub mod timeline;
pub mod timestamps;
pub mod validation;
pub mod workflow;

pub use jiff::Timestamp;

/// Truncates a timestamp to whole milliseconds, the precision Debrief stores and shows.
pub fn to_millis(ts: Timestamp) -> Timestamp {
    Timestamp::from_millisecond(ts.as_millisecond()).expect("a truncated timestamp is in range")
}

/// `t`, or a millisecond after `last` if `t` is not later: the time of a new update after one
/// made at `last`, so the updates of one incident (or maintenance) are strictly in time order
/// even when two land in the same millisecond or the clock went back.
pub fn later_than(last: Option<Timestamp>, t: Timestamp) -> Timestamp {
    match last {
        Some(last) if last >= t => last + jiff::SignedDuration::from_millis(1),
        _ => t,
    }
}

/// Formats a timestamp as RFC 3339 in UTC with exactly three fractional digits.
pub fn format_utc(ts: Timestamp) -> String {
    format!("{:.3}", to_millis(ts))
}

/// Serde for a [`Timestamp`] as RFC 3339 UTC with millisecond precision.
pub mod ts {
    use super::{Timestamp, format_utc};
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serializes as `2026-11-21T09:30:00.000Z`.
    pub fn serialize<S: Serializer>(ts: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_utc(*ts))
    }

    /// Deserializes any RFC 3339 time.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Serde for an optional [`Timestamp`]; `None` is `null`.
pub mod ts_opt {
    use super::{Timestamp, format_utc};
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serializes as `2026-11-21T09:30:00.000Z` or `null`.
    pub fn serialize<S: Serializer>(ts: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match ts {
            Some(ts) => s.serialize_str(&format_utc(*ts)),
            None => s.serialize_none(),
        }
    }

    /// Deserializes an RFC 3339 time or `null`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
        let s = Option::<String>::deserialize(d)?;
        s.map(|s| s.parse().map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::{Timestamp, later_than};

    fn t(s: &str) -> Timestamp {
        s.parse().expect("a timestamp")
    }

    #[test]
    fn a_new_update_is_strictly_after_the_last_one() {
        let now = t("2026-11-21T10:00:00.500Z");
        assert_eq!(later_than(None, now), now);
        assert_eq!(later_than(Some(t("2026-11-21T10:00:00.499Z")), now), now);
        assert_eq!(
            later_than(Some(now), now),
            t("2026-11-21T10:00:00.501Z"),
            "the same millisecond"
        );
        assert_eq!(
            later_than(Some(t("2026-11-21T10:00:02Z")), now),
            t("2026-11-21T10:00:02.001Z"),
            "a clock that went back"
        );
    }
}
