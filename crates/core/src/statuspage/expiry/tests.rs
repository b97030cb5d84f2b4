//! Tests of the parent module, with explicit instants.

use super::*;
use crate::statuspage::ComponentState::*;
use crate::statuspage::testdata::*;
use crate::statuspage::uptime::{DEFAULT_WINDOW_DAYS, StateChange};

/// A page in `zone` with one component created at 08:00 on 21 November 2026, whose state
/// changed as `changes` say, and no incidents or maintenance.
fn page(zone: &str, changes: &[(&str, ComponentState)]) -> PageInput {
    let mut p = fixture_page();
    p.time_zone = zone.into();
    p.incidents.clear();
    p.maintenances.clear();
    let mut c = component_input("c", "C", 1, Operational);
    c.created_at = t("2026-03-01T00:00:00Z");
    c.history = changes
        .iter()
        .map(|(at, state)| StateChange {
            at: t(at),
            state: *state,
        })
        .collect();
    c.state = changes.last().map_or(Operational, |(_, s)| *s);
    p.components = vec![c];
    p
}

fn until(p: &PageInput, now: &str) -> Timestamp {
    valid_until(p, DEFAULT_WINDOW_DAYS, t(now))
}

#[test]
fn a_quiet_page_holds_until_midnight_in_its_zone() {
    let p = page("Etc/UTC", &[]);
    assert_eq!(until(&p, "2026-11-21T08:30:00Z"), t("2026-11-22T00:00:00Z"));
    let p = page("America/New_York", &[]);
    assert_eq!(until(&p, "2026-11-21T08:30:00Z"), t("2026-11-22T05:00:00Z"));
}

#[test]
fn midnight_in_berlin_follows_daylight_saving_time() {
    let p = page("Europe/Berlin", &[]);
    // The evening before clocks go forward: 23:30 CET, midnight an hour later in UTC terms.
    assert_eq!(until(&p, "2026-03-28T22:30:00Z"), t("2026-03-28T23:00:00Z"));
    // 29 March 2026 is 23 hours long: the next midnight is 00:00 CEST, 22:00 UTC.
    assert_eq!(until(&p, "2026-03-29T00:30:00Z"), t("2026-03-29T22:00:00Z"));
    // 25 October 2026 is 25 hours long: from 01:30 CEST (before clocks go back) the next
    // midnight is 00:00 CET on the 26th, 23:00 UTC.
    assert_eq!(until(&p, "2026-10-24T23:30:00Z"), t("2026-10-25T23:00:00Z"));
}

#[test]
fn an_outage_is_rechecked_at_the_next_minute() {
    let p = page("Etc/UTC", &[("2026-11-21T09:00:00Z", MajorOutage)]);
    assert_eq!(
        until(&p, "2026-11-21T09:10:12.345Z"),
        t("2026-11-21T09:11:00Z")
    );
    // On a boundary, the next one.
    assert_eq!(until(&p, "2026-11-21T09:11:00Z"), t("2026-11-21T09:12:00Z"));
    // Just before midnight, midnight.
    assert_eq!(until(&p, "2026-11-21T23:59:30Z"), t("2026-11-22T00:00:00Z"));
}

#[test]
fn every_state_but_operational_is_rechecked_within_two_minutes() {
    // Minutes in a state are rounded up: from 09:00:00, at 12:00:30 it has been 181 minutes,
    // and still at 12:01:00; 182 shows from 12:02:00, a minute after it began (outages show
    // every minute anyway, their percentage falling).
    for (state, next) in [
        (MajorOutage, "2026-11-21T12:01:00Z"),
        (PartialOutage, "2026-11-21T12:01:00Z"),
        (DegradedPerformance, "2026-11-21T12:02:00Z"),
        (UnderMaintenance, "2026-11-21T12:02:00Z"),
    ] {
        let p = page("Europe/Berlin", &[("2026-11-21T09:00:00Z", state)]);
        assert_eq!(until(&p, "2026-11-21T12:00:30Z"), t(next), "{state}");
        // From the rebuild on, every minute.
        assert_eq!(
            until(&p, next),
            t(next) + jiff::SignedDuration::from_mins(1),
            "{state}"
        );
    }
}

#[test]
fn after_an_outage_the_page_holds_until_a_shown_figure_changes() {
    // Down from 09:00 to 09:30, operational since: today's percentage keeps rising as the day
    // goes on, but only changes as shown (two decimals) every so often.
    let p = page(
        "Etc/UTC",
        &[
            ("2026-11-21T09:00:00Z", MajorOutage),
            ("2026-11-21T09:30:00Z", Operational),
        ],
    );
    let c = &p.components[0];
    let tz = TimeZone::UTC;
    // Follow the rebuilds of one afternoon hour.
    let mut now = t("2026-11-21T15:00:20Z");
    let mut rebuilds = 0;
    while now < t("2026-11-21T16:00:00Z") {
        let at = valid_until(&p, DEFAULT_WINDOW_DAYS, now);
        let shown = figures(c, &tz, DEFAULT_WINDOW_DAYS, now);
        assert!(at > now && at < t("2026-11-22T00:00:00Z"), "{now} → {at}");
        assert_eq!(at.as_millisecond() % MINUTE_MS, 0, "a minute boundary");
        assert_ne!(figures(c, &tz, DEFAULT_WINDOW_DAYS, at), shown, "{at}");
        let before = at - jiff::SignedDuration::from_mins(1);
        if before > now {
            assert_eq!(figures(c, &tz, DEFAULT_WINDOW_DAYS, before), shown, "{at}");
        }
        now = at;
        rebuilds += 1;
    }
    assert!(
        (2..30).contains(&rebuilds),
        "{rebuilds} rebuilds in an hour"
    );
}

#[test]
fn a_maintenance_window_start_and_end_come_first() {
    let mut p = page("Etc/UTC", &[]);
    let mut m = maintenance_input("m", "2026-11-21T10:00:00Z", "2026-11-21T11:00:00Z");
    m.verify_minutes = 30;
    p.maintenances = vec![m];
    assert_eq!(until(&p, "2026-11-21T08:30:00Z"), t("2026-11-21T10:00:00Z"));
    // While it runs (its component is not touched here), its end; then the verification's end.
    assert_eq!(until(&p, "2026-11-21T10:00:00Z"), t("2026-11-21T11:00:00Z"));
    assert_eq!(until(&p, "2026-11-21T11:10:00Z"), t("2026-11-21T11:30:00Z"));
    assert_eq!(until(&p, "2026-11-21T11:30:00Z"), t("2026-11-22T00:00:00Z"));
}

#[test]
fn groups_do_not_count_and_what_is_recorded_ahead_of_now_does() {
    let mut p = page("Etc/UTC", &[]);
    let mut g = component_input("g", "Group", 0, MajorOutage);
    g.is_group = true;
    p.components.push(g);
    assert_eq!(until(&p, "2026-11-21T08:30:00Z"), t("2026-11-22T00:00:00Z"));
    // Another server's clock ran ahead: its change shows once it takes effect.
    p.components[0].history = vec![StateChange {
        at: t("2026-11-21T08:30:05Z"),
        state: Operational,
    }];
    assert_eq!(until(&p, "2026-11-21T08:30:00Z"), t("2026-11-21T08:30:05Z"));
    // A component created ahead of now starts counting then.
    p.components[0].history.clear();
    p.components[0].created_at = t("2026-11-21T08:30:02Z");
    assert_eq!(until(&p, "2026-11-21T08:30:00Z"), t("2026-11-21T08:30:02Z"));
}
