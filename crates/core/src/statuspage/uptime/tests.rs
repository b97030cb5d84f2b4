//! Tests of the parent module, with the numbers worked out by hand in the comments.

use super::*;
use ComponentState::*;
use jiff::civil::date;

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn ch(at: &str, state: ComponentState) -> StateChange {
    StateChange { at: t(at), state }
}

fn utc() -> TimeZone {
    TimeZone::UTC
}

fn ny() -> TimeZone {
    TimeZone::get("America/New_York").unwrap()
}

fn bars(created: &str, changes: &[StateChange], tz: &TimeZone, days: u32, now: &str) -> Uptime {
    let h = History {
        created_at: t(created),
        initial: Operational,
        changes,
    };
    uptime_bars(&h, tz, days, t(now))
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

#[test]
fn an_always_operational_component_is_100_percent_and_today_counts_up_to_now() {
    let u = bars(
        "2026-01-01T00:00:00Z",
        &[],
        &utc(),
        3,
        "2026-11-21T12:00:00Z",
    );
    let dates: Vec<Date> = u.days.iter().map(|d| d.date).collect();
    assert_eq!(
        dates,
        [date(2026, 11, 19), date(2026, 11, 20), date(2026, 11, 21)]
    );
    let observed: Vec<i64> = u.days.iter().map(|d| d.observed_minutes).collect();
    assert_eq!(observed, [1440, 1440, 720]);
    for d in &u.days {
        assert_eq!(d.uptime_percent, Some(100.0));
        assert_eq!(d.worst_state, Some(Operational));
        assert_eq!(d.outage_minutes, 0);
    }
    assert_eq!(u.uptime_percent, Some(100.0));
}

#[test]
fn one_hour_of_major_outage_on_a_full_day_counts_fully() {
    let changes = [
        ch("2026-11-20T10:00:00Z", MajorOutage),
        ch("2026-11-20T11:00:00Z", Operational),
    ];
    let u = bars(
        "2026-01-01T00:00:00Z",
        &changes,
        &utc(),
        3,
        "2026-11-21T12:00:00Z",
    );
    let day = &u.days[1];
    // (1440 − 60) / 1440 = 95.8333…%
    assert!(close(day.uptime_percent, 100.0 * 1380.0 / 1440.0));
    assert_eq!(day.outage_minutes, 60);
    assert_eq!(day.worst_state, Some(MajorOutage));
    assert_eq!(u.days[0].uptime_percent, Some(100.0));
    // Window: 1440 + 1440 + 720 = 3600 minutes observed, 60 down: 98.3333…%
    assert!(close(u.uptime_percent, 100.0 * 3540.0 / 3600.0));
}

#[test]
fn a_partial_outage_counts_as_30_percent_of_its_duration() {
    let changes = [
        ch("2026-11-20T10:00:00Z", PartialOutage),
        ch("2026-11-20T11:40:00Z", Operational),
    ];
    let u = bars(
        "2026-01-01T00:00:00Z",
        &changes,
        &utc(),
        2,
        "2026-11-21T00:00:00Z",
    );
    let day = &u.days[0];
    // 100 minutes × 0.3 = 30 minutes of downtime: (1440 − 30) / 1440 = 97.9166…%
    assert!(close(day.uptime_percent, 100.0 * 1410.0 / 1440.0));
    assert_eq!(day.partial_minutes, 100);
    assert_eq!(day.outage_minutes, 0);
    assert_eq!(day.worst_state, Some(PartialOutage));
    // Today has not started yet (now is its midnight): observed 0, no data.
    assert_eq!(u.days[1].uptime_percent, None);
    assert_eq!(u.days[1].observed_minutes, 0);
}

#[test]
fn degraded_performance_and_maintenance_are_not_downtime() {
    let changes = [
        ch("2026-11-20T01:00:00Z", DegradedPerformance),
        ch("2026-11-20T03:00:00Z", UnderMaintenance),
        ch("2026-11-20T03:30:00Z", Operational),
    ];
    let u = bars(
        "2026-01-01T00:00:00Z",
        &changes,
        &utc(),
        1,
        "2026-11-20T23:59:59.999Z",
    );
    let day = &u.days[0];
    assert_eq!(day.uptime_percent, Some(100.0));
    assert_eq!(day.degraded_minutes, 120);
    assert_eq!(day.maintenance_minutes, 30);
    assert_eq!(day.worst_state, Some(DegradedPerformance));
}

#[test]
fn days_before_the_component_existed_have_no_data() {
    let changes = [
        ch("2026-11-20T18:00:00Z", MajorOutage),
        ch("2026-11-20T19:00:00Z", Operational),
    ];
    let u = bars(
        "2026-11-20T18:00:00Z",
        &changes,
        &utc(),
        3,
        "2026-11-21T12:00:00Z",
    );
    let d19 = &u.days[0];
    assert_eq!(
        (d19.uptime_percent, d19.worst_state, d19.observed_minutes),
        (None, None, 0)
    );
    // Creation day: observed 18:00–24:00 = 360 minutes, 60 down: 83.333…%
    let d20 = &u.days[1];
    assert_eq!(d20.observed_minutes, 360);
    assert!(close(d20.uptime_percent, 100.0 * 300.0 / 360.0));
    // Window: 360 + 720 = 1080 observed, 60 down.
    assert!(close(u.uptime_percent, 100.0 * 1020.0 / 1080.0));
}

#[test]
fn a_window_entirely_before_creation_has_no_overall_percentage() {
    let u = bars(
        "2026-12-01T00:00:00Z",
        &[],
        &utc(),
        2,
        "2026-11-21T12:00:00Z",
    );
    assert!(u.days.iter().all(|d| d.uptime_percent.is_none()));
    assert_eq!(u.uptime_percent, None);
}

#[test]
fn an_outage_across_midnight_is_split_between_the_days() {
    let changes = [
        ch("2026-11-19T23:00:00Z", MajorOutage),
        ch("2026-11-20T02:00:00Z", Operational),
    ];
    let u = bars(
        "2026-01-01T00:00:00Z",
        &changes,
        &utc(),
        3,
        "2026-11-21T12:00:00Z",
    );
    assert_eq!(u.days[0].outage_minutes, 60);
    assert_eq!(u.days[1].outage_minutes, 120);
    assert!(close(u.days[1].uptime_percent, 100.0 * 1320.0 / 1440.0));
}

#[test]
fn an_ongoing_outage_counts_up_to_now() {
    let changes = [ch("2026-11-21T05:00:00Z", MajorOutage)];
    let u = bars(
        "2026-01-01T00:00:00Z",
        &changes,
        &utc(),
        1,
        "2026-11-21T06:00:00Z",
    );
    // 06:00 elapsed = 360 minutes, the last 60 down: 83.333…%
    assert_eq!(u.days[0].observed_minutes, 360);
    assert_eq!(u.days[0].outage_minutes, 60);
    assert!(close(u.days[0].uptime_percent, 100.0 * 300.0 / 360.0));
}

#[test]
fn the_spring_forward_day_has_23_hours() {
    // 2026-03-08 in New York: 02:00 EST jumps to 03:00 EDT, so the day is 1380 minutes.
    // A 69-minute major outage from 12:00 EDT (16:00Z): (1380 − 69) / 1380 = 95%.
    let changes = [
        ch("2026-03-08T16:00:00Z", MajorOutage),
        ch("2026-03-08T17:09:00Z", Operational),
    ];
    let u = bars(
        "2026-01-01T00:00:00Z",
        &changes,
        &ny(),
        2,
        "2026-03-09T16:00:00Z",
    );
    let day = &u.days[0];
    assert_eq!(day.date, date(2026, 3, 8));
    assert_eq!(day.observed_minutes, 1380);
    assert!(close(day.uptime_percent, 95.0));
}

#[test]
fn the_fall_back_day_has_25_hours() {
    // 2026-11-01 in New York: 02:00 EDT falls back to 01:00 EST, so the day is 1500 minutes.
    // A 75-minute major outage: (1500 − 75) / 1500 = 95%.
    let changes = [
        ch("2026-11-01T15:00:00Z", MajorOutage),
        ch("2026-11-01T16:15:00Z", Operational),
    ];
    let u = bars(
        "2026-01-01T00:00:00Z",
        &changes,
        &ny(),
        2,
        "2026-11-02T17:00:00Z",
    );
    let day = &u.days[0];
    assert_eq!(day.date, date(2026, 11, 1));
    assert_eq!(day.observed_minutes, 1500);
    assert!(close(day.uptime_percent, 95.0));
    // Window: day 1 is 1500 minutes, day 2 runs 00:00–12:00 EST = 720 minutes.
    assert_eq!(u.days[1].observed_minutes, 720);
    assert!(close(u.uptime_percent, 100.0 * (2220.0 - 75.0) / 2220.0));
}

#[test]
fn days_follow_the_pages_time_zone() {
    // 03:00–04:00Z on 20 November is 22:00–23:00 EST on the 19th.
    let changes = [
        ch("2026-11-20T03:00:00Z", MajorOutage),
        ch("2026-11-20T04:00:00Z", Operational),
    ];
    let u = bars(
        "2026-01-01T00:00:00Z",
        &changes,
        &ny(),
        3,
        "2026-11-21T12:00:00Z",
    );
    assert_eq!(u.days[0].date, date(2026, 11, 19));
    assert_eq!(u.days[0].outage_minutes, 60);
    assert_eq!(u.days[1].outage_minutes, 0);
    // Today (21st) started at 05:00Z and runs to 12:00Z: 420 minutes.
    assert_eq!(u.days[2].observed_minutes, 420);
}

#[test]
fn short_outages_round_up_to_a_whole_minute_but_the_percentage_is_exact() {
    let changes = [
        ch("2026-11-20T10:00:00Z", MajorOutage),
        ch("2026-11-20T10:00:10Z", Operational),
    ];
    let u = bars(
        "2026-01-01T00:00:00Z",
        &changes,
        &utc(),
        1,
        "2026-11-21T00:00:00Z",
    );
    // Now is the 21st's midnight; the window is that (empty) day only.
    assert_eq!(u.days[0].date, date(2026, 11, 21));
    let u = bars(
        "2026-01-01T00:00:00Z",
        &changes,
        &utc(),
        2,
        "2026-11-21T00:00:00Z",
    );
    let day = &u.days[0];
    assert_eq!(day.outage_minutes, 1);
    assert!(close(
        day.uptime_percent,
        100.0 * (86_400.0 - 10.0) / 86_400.0
    ));
    assert_eq!(format_percent(day.uptime_percent.unwrap()), "99.98");
}

#[test]
fn changes_are_sorted_and_changes_before_the_window_set_its_first_state() {
    let changes = [
        ch("2026-11-20T11:00:00Z", Operational),
        ch("2026-11-20T10:00:00Z", MajorOutage),
        ch("2026-11-02T00:00:00Z", Operational),
        ch("2026-11-01T00:00:00Z", MajorOutage),
    ];
    let u = bars(
        "2026-01-01T00:00:00Z",
        &changes,
        &utc(),
        3,
        "2026-11-21T12:00:00Z",
    );
    assert_eq!(u.days[0].uptime_percent, Some(100.0));
    assert_eq!(u.days[1].outage_minutes, 60);

    // A state still in force when the window opens covers its first days.
    let changes = [ch("2026-11-18T00:00:00Z", PartialOutage)];
    let u = bars(
        "2026-01-01T00:00:00Z",
        &changes,
        &utc(),
        1,
        "2026-11-19T00:00:00Z",
    );
    assert_eq!(u.days.len(), 1);
    let u = bars(
        "2026-01-01T00:00:00Z",
        &changes,
        &utc(),
        2,
        "2026-11-19T00:00:00Z",
    );
    // 18 November: partial all day: 1440 × 0.3 = 432 down: 70%.
    assert!(close(u.days[0].uptime_percent, 70.0));
}

#[test]
fn the_initial_state_holds_until_the_first_change() {
    let changes = [ch("2026-11-20T12:00:00Z", Operational)];
    let h = History {
        created_at: t("2026-11-20T00:00:00Z"),
        initial: MajorOutage,
        changes: &changes,
    };
    let u = uptime_bars(&h, &utc(), 1, t("2026-11-20T23:59:59.999Z"));
    assert_eq!(u.days[0].outage_minutes, 720);
}

#[test]
fn a_state_held_for_no_time_is_not_the_days_worst() {
    let changes = [
        ch("2026-11-20T10:00:00Z", MajorOutage),
        ch("2026-11-20T10:00:00Z", Operational),
    ];
    let u = bars(
        "2026-01-01T00:00:00Z",
        &changes,
        &utc(),
        1,
        "2026-11-20T23:00:00Z",
    );
    assert_eq!(u.days[0].worst_state, Some(Operational));
    assert_eq!(u.days[0].uptime_percent, Some(100.0));
}

#[test]
fn a_ninety_day_window_has_ninety_bars() {
    let u = bars(
        "2020-01-01T00:00:00Z",
        &[],
        &ny(),
        DEFAULT_WINDOW_DAYS,
        "2026-11-21T12:00:00Z",
    );
    assert_eq!(u.days.len(), 90);
    assert_eq!(u.days[89].date, date(2026, 11, 21));
    assert_eq!(u.days[0].date, date(2026, 8, 24));
    let u = bars(
        "2020-01-01T00:00:00Z",
        &[],
        &ny(),
        0,
        "2026-11-21T12:00:00Z",
    );
    assert!(u.days.is_empty());
    assert_eq!(u.uptime_percent, None);
}

#[test]
fn percentages_are_shown_rounded_down_to_hundredths() {
    assert_eq!(format_percent(100.0), "100.00");
    assert_eq!(format_percent(100.0 * 1380.0 / 1440.0), "95.83");
    assert_eq!(format_percent(99.999), "99.99");
    assert_eq!(format_percent(95.0), "95.00");
    assert_eq!(format_percent(0.0), "0.00");
}

#[test]
fn bars_serialize_with_plain_dates() {
    let u = bars(
        "2026-01-01T00:00:00Z",
        &[],
        &utc(),
        1,
        "2026-11-21T12:00:00Z",
    );
    let v = serde_json::to_value(&u.days[0]).unwrap();
    assert_eq!(v["date"], "2026-11-21");
    assert_eq!(v["uptime_percent"], 100.0);
    assert_eq!(v["worst_state"], "operational");
}
