//! One function per domain command, shared by the API, the UI and (later) Slack and intake.
//!
//! Each loads what it needs, lets `debrief-core` decide, persists the change and its timeline
//! events with one store call, and publishes the events to the live hub.

pub mod account;
pub mod catalog;
pub mod delivery;
pub mod incident;
pub mod insights;
pub mod maintenance;
pub mod meetings;
pub mod notify;
pub mod policy;
pub mod postmortem;
pub mod status_pages;
pub mod subscribers;
pub mod timeline;

use debrief_core::Timestamp;

/// `t`, or a millisecond after `last` if `t` is not later (see [`crate::clock::Clock::now_after`]).
pub fn later_than(last: Option<Timestamp>, t: Timestamp) -> Timestamp {
    match last {
        Some(last) if last >= t => last + jiff::SignedDuration::from_millis(1),
        _ => t,
    }
}

#[cfg(test)]
mod tests {
    use super::later_than;
    use debrief_core::Timestamp;

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
