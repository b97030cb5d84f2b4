//! Resolving local times and rotations across DST changes.

use super::*;

// ---- resolving local times ----

#[test]
fn a_time_in_the_spring_forward_gap_means_the_end_of_the_gap() {
    let tz = TimeZone::get("Europe/Berlin").unwrap();
    // 02:30 does not exist on 2026-03-29: the gap ends at 03:00 CEST = 01:00Z (not 03:30).
    assert_eq!(
        resolve_local(&tz, dt("2026-03-29T02:30:00")),
        Some(ts("2026-03-29T01:00:00Z"))
    );
    assert_eq!(
        resolve_local(&tz, dt("2026-03-29T02:00:00")),
        Some(ts("2026-03-29T01:00:00Z"))
    );
    assert_eq!(
        resolve_local(&tz, dt("2026-03-29T03:00:00")),
        Some(ts("2026-03-29T01:00:00Z"))
    );
    assert_eq!(
        resolve_local(&tz, dt("2026-03-29T01:59:59")),
        Some(ts("2026-03-29T00:59:59Z"))
    );
}

#[test]
fn an_ambiguous_time_means_the_earlier_instant() {
    let tz = TimeZone::get("Europe/Berlin").unwrap();
    // 02:30 happens twice on 2026-10-25: first in CEST (00:30Z), then in CET (01:30Z).
    assert_eq!(
        resolve_local(&tz, dt("2026-10-25T02:30:00")),
        Some(ts("2026-10-25T00:30:00Z"))
    );
    let ny = TimeZone::get("America/New_York").unwrap();
    assert_eq!(
        resolve_local(&ny, dt("2026-11-01T01:30:00")),
        Some(ts("2026-11-01T05:30:00Z"))
    );
    assert_eq!(
        resolve_local(&ny, dt("2026-03-08T02:30:00")),
        Some(ts("2026-03-08T07:00:00Z"))
    );
}

#[test]
fn lord_howe_half_hour_gap_and_fold_resolve_by_the_same_rule() {
    let tz = TimeZone::get("Australia/Lord_Howe").unwrap();
    // 2026-10-04 02:00 +10:30 -> 02:30 +11:00 at 15:30Z; 02:15 is in the gap.
    assert_eq!(
        resolve_local(&tz, dt("2026-10-04T02:15:00")),
        Some(ts("2026-10-03T15:30:00Z"))
    );
    // 2026-04-05 02:00 +11:00 -> 01:30 +10:30 at 15:00Z; 01:45 happens twice.
    assert_eq!(
        resolve_local(&tz, dt("2026-04-05T01:45:00")),
        Some(ts("2026-04-04T14:45:00Z"))
    );
}

// ---- rotations across DST ----

#[test]
fn berlin_daily_turn_over_spring_forward_lasts_23_hours() {
    let s = build(
        "Europe/Berlin",
        vec![layer(&["a", "b"], "daily", "2026-03-28T09:00:00")],
    );
    let got = final_schedule(&s, ts("2026-03-28T08:00:00Z"), ts("2026-03-30T07:00:00Z"));
    assert_eq!(
        got,
        vec![
            entry("a", "2026-03-28T08:00:00Z", "2026-03-29T07:00:00Z"),
            entry("b", "2026-03-29T07:00:00Z", "2026-03-30T07:00:00Z"),
        ]
    );
    assert_eq!(hours(&got[0]), 23.0);
    assert_eq!(hours(&got[1]), 24.0);
}

#[test]
fn berlin_daily_turn_over_fall_back_lasts_25_hours() {
    let s = build(
        "Europe/Berlin",
        vec![layer(&["a", "b"], "daily", "2026-10-24T09:00:00")],
    );
    let got = final_schedule(&s, ts("2026-10-24T07:00:00Z"), ts("2026-10-26T08:00:00Z"));
    assert_eq!(
        got,
        vec![
            entry("a", "2026-10-24T07:00:00Z", "2026-10-25T08:00:00Z"),
            entry("b", "2026-10-25T08:00:00Z", "2026-10-26T08:00:00Z"),
        ]
    );
    assert_eq!(hours(&got[0]), 25.0);
}

#[test]
fn berlin_weekly_turns_last_167_and_169_hours_across_dst() {
    let s = build(
        "Europe/Berlin",
        vec![layer(&["a", "b"], "weekly", "2026-03-23T09:00:00")],
    );
    let got = final_schedule(&s, ts("2026-03-23T08:00:00Z"), ts("2026-04-06T07:00:00Z"));
    assert_eq!(
        got,
        vec![
            entry("a", "2026-03-23T08:00:00Z", "2026-03-30T07:00:00Z"),
            entry("b", "2026-03-30T07:00:00Z", "2026-04-06T07:00:00Z"),
        ]
    );
    assert_eq!(hours(&got[0]), 167.0);
    let s = build(
        "Europe/Berlin",
        vec![layer(&["a", "b"], "weekly", "2026-10-19T09:00:00")],
    );
    let got = final_schedule(&s, ts("2026-10-19T07:00:00Z"), ts("2026-11-02T08:00:00Z"));
    assert_eq!(
        got[0],
        entry("a", "2026-10-19T07:00:00Z", "2026-10-26T08:00:00Z")
    );
    assert_eq!(hours(&got[0]), 169.0);
    assert_eq!(hours(&got[1]), 168.0);
}

#[test]
fn hours_rotation_counts_absolute_hours_across_spring_forward() {
    // 2026-03-28 20:00 CET = 19:00Z; 12 h later is 07:00Z = 09:00 CEST (not 08:00).
    let s = build(
        "Europe/Berlin",
        vec![layer(&["a", "b"], "hours:12", "2026-03-28T20:00:00")],
    );
    assert_eq!(at(&s, "2026-03-29T06:59:59Z").as_deref(), Some("a"));
    assert_eq!(at(&s, "2026-03-29T07:00:00Z").as_deref(), Some("b"));
    assert_eq!(at(&s, "2026-03-29T19:00:00Z").as_deref(), Some("a"));
    let got = final_schedule(&s, ts("2026-03-28T19:00:00Z"), ts("2026-03-30T07:00:00Z"));
    assert!(got.iter().all(|e| hours(e) == 12.0), "{got:?}");
    assert_eq!(got.len(), 3);
}

#[test]
fn hours_rotation_counts_absolute_hours_across_fall_back() {
    // 24 h from 09:00 CEST (07:00Z) is 07:00Z = 08:00 CET, unlike a daily turn.
    let s = build(
        "Europe/Berlin",
        vec![layer(&["a", "b"], "hours:24", "2026-10-24T09:00:00")],
    );
    assert_eq!(at(&s, "2026-10-25T06:59:59Z").as_deref(), Some("a"));
    assert_eq!(at(&s, "2026-10-25T07:00:00Z").as_deref(), Some("b"));
}

#[test]
fn hours_rotation_with_odd_length_finds_turn_arithmetically() {
    let s = build(
        "Asia/Kolkata",
        vec![layer(&["a", "b", "c"], "hours:5", "2026-01-01T00:00:00")],
    );
    // start 2025-12-31T18:30Z; 1000 h (41 d 16 h) later, 2026-02-11T10:30Z, turn 200 (-> c)
    // begins and runs 5 h; turn 201 (-> a) begins at 15:30Z.
    assert_eq!(at(&s, "2026-02-11T10:29:59Z").as_deref(), Some("b"));
    assert_eq!(at(&s, "2026-02-11T10:30:00Z").as_deref(), Some("c"));
    assert_eq!(at(&s, "2026-02-11T15:29:59Z").as_deref(), Some("c"));
    assert_eq!(at(&s, "2026-02-11T15:30:00Z").as_deref(), Some("a"));
}

#[test]
fn handoff_at_a_nonexistent_time_happens_at_the_end_of_the_gap() {
    // Daily at 02:30 from 2026-03-27: 03-28 02:30 CET = 01:30Z, 03-29 02:30 -> 03:00 CEST
    // = 01:00Z, 03-30 02:30 CEST = 00:30Z.
    let s = build(
        "Europe/Berlin",
        vec![layer(&["a", "b", "c"], "daily", "2026-03-27T02:30:00")],
    );
    assert_eq!(at(&s, "2026-03-29T00:59:59Z").as_deref(), Some("b"));
    assert_eq!(at(&s, "2026-03-29T01:00:00Z").as_deref(), Some("c"));
    let got = final_schedule(&s, ts("2026-03-28T01:30:00Z"), ts("2026-03-30T00:30:00Z"));
    assert_eq!(
        got,
        vec![
            entry("b", "2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z"),
            entry("c", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"),
        ]
    );
    assert_eq!(hours(&got[0]), 23.5);
    assert_eq!(hours(&got[1]), 23.5);
    // The turn after the gap day hands off at 02:30 CEST again.
    assert_eq!(at(&s, "2026-03-30T00:30:00Z").as_deref(), Some("a"));
}

#[test]
fn a_layer_starting_in_the_gap_starts_at_the_end_of_the_gap() {
    let s = build(
        "Europe/Berlin",
        vec![layer(&["a"], "daily", "2026-03-29T02:30:00")],
    );
    assert_eq!(at(&s, "2026-03-29T00:59:59Z"), None);
    assert_eq!(at(&s, "2026-03-29T01:00:00Z").as_deref(), Some("a"));
}

#[test]
fn ambiguous_handoff_uses_the_earlier_instant() {
    // 10-24 02:30 CEST = 00:30Z; 10-25 02:30 (twice) -> 00:30Z; 10-26 02:30 CET = 01:30Z.
    let s = build(
        "Europe/Berlin",
        vec![layer(&["a", "b", "c"], "daily", "2026-10-24T02:30:00")],
    );
    assert_eq!(at(&s, "2026-10-25T00:29:59Z").as_deref(), Some("a"));
    assert_eq!(at(&s, "2026-10-25T00:30:00Z").as_deref(), Some("b"));
    // The second 02:30 (CET) is not a handoff.
    assert_eq!(at(&s, "2026-10-25T01:30:00Z").as_deref(), Some("b"));
    let got = final_schedule(&s, ts("2026-10-24T00:30:00Z"), ts("2026-10-26T01:30:00Z"));
    assert_eq!(hours(&got[0]), 24.0);
    assert_eq!(hours(&got[1]), 25.0);
    assert_eq!(
        got[1],
        entry("b", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z")
    );
}

#[test]
fn new_york_daily_turns_last_23_and_25_hours() {
    let s = build(
        "America/New_York",
        vec![layer(&["a", "b"], "daily", "2026-03-07T08:00:00")],
    );
    assert_eq!(
        final_schedule(&s, ts("2026-03-07T13:00:00Z"), ts("2026-03-08T12:00:00Z")),
        vec![entry("a", "2026-03-07T13:00:00Z", "2026-03-08T12:00:00Z")]
    );
    assert_eq!(at(&s, "2026-03-08T12:00:00Z").as_deref(), Some("b"));
    let s = build(
        "America/New_York",
        vec![layer(&["a", "b"], "daily", "2026-10-31T08:00:00")],
    );
    let got = final_schedule(&s, ts("2026-10-31T12:00:00Z"), ts("2026-11-02T13:00:00Z"));
    assert_eq!(
        got[0],
        entry("a", "2026-10-31T12:00:00Z", "2026-11-01T13:00:00Z")
    );
    assert_eq!(hours(&got[0]), 25.0);
    assert_eq!(hours(&got[1]), 24.0);
}

#[test]
fn new_york_gap_and_fold_handoffs() {
    // Daily at 02:30: 03-08 02:30 is in the gap -> 03:00 EDT = 07:00Z.
    let s = build(
        "America/New_York",
        vec![layer(&["a", "b"], "daily", "2026-03-07T02:30:00")],
    );
    assert_eq!(at(&s, "2026-03-08T06:59:59Z").as_deref(), Some("a"));
    assert_eq!(at(&s, "2026-03-08T07:00:00Z").as_deref(), Some("b"));
    // Daily at 01:30: 11-01 01:30 happens twice -> 01:30 EDT = 05:30Z.
    let s = build(
        "America/New_York",
        vec![layer(&["a", "b"], "daily", "2026-10-31T01:30:00")],
    );
    assert_eq!(at(&s, "2026-11-01T05:29:59Z").as_deref(), Some("a"));
    assert_eq!(at(&s, "2026-11-01T05:30:00Z").as_deref(), Some("b"));
    assert_eq!(at(&s, "2026-11-01T06:30:00Z").as_deref(), Some("b"));
}

#[test]
fn sydney_fall_back_in_april_and_spring_forward_in_october() {
    // 04-04 09:00 AEDT = 04-03 22:00Z; 04-05 09:00 AEST = 04-04 23:00Z: 25 h.
    let s = build(
        "Australia/Sydney",
        vec![layer(&["a", "b"], "daily", "2026-04-04T09:00:00")],
    );
    let got = final_schedule(&s, ts("2026-04-03T22:00:00Z"), ts("2026-04-05T23:00:00Z"));
    assert_eq!(
        got[0],
        entry("a", "2026-04-03T22:00:00Z", "2026-04-04T23:00:00Z")
    );
    assert_eq!(hours(&got[0]), 25.0);
    // 10-03 09:00 AEST = 10-02 23:00Z; 10-04 09:00 AEDT = 10-03 22:00Z: 23 h.
    let s = build(
        "Australia/Sydney",
        vec![layer(&["a", "b"], "daily", "2026-10-03T09:00:00")],
    );
    let got = final_schedule(&s, ts("2026-10-02T23:00:00Z"), ts("2026-10-04T22:00:00Z"));
    assert_eq!(
        got[0],
        entry("a", "2026-10-02T23:00:00Z", "2026-10-03T22:00:00Z")
    );
    assert_eq!(hours(&got[0]), 23.0);
    // 10-04 02:30 is in the gap (02:00 -> 03:00 AEDT at 10-03 16:00Z).
    let s = build(
        "Australia/Sydney",
        vec![layer(&["a", "b"], "daily", "2026-10-03T02:30:00")],
    );
    assert_eq!(at(&s, "2026-10-03T15:59:59Z").as_deref(), Some("a"));
    assert_eq!(at(&s, "2026-10-03T16:00:00Z").as_deref(), Some("b"));
}

#[test]
fn lord_howe_daily_turns_last_23_and_a_half_and_24_and_a_half_hours() {
    // 10-03 09:00 +10:30 = 10-02 22:30Z; 10-04 09:00 +11 = 10-03 22:00Z.
    let s = build(
        "Australia/Lord_Howe",
        vec![layer(&["a", "b"], "daily", "2026-10-03T09:00:00")],
    );
    let got = final_schedule(&s, ts("2026-10-02T22:30:00Z"), ts("2026-10-04T22:00:00Z"));
    assert_eq!(
        got[0],
        entry("a", "2026-10-02T22:30:00Z", "2026-10-03T22:00:00Z")
    );
    assert_eq!(hours(&got[0]), 23.5);
    // 04-04 09:00 +11 = 04-03 22:00Z; 04-05 09:00 +10:30 = 04-04 22:30Z.
    let s = build(
        "Australia/Lord_Howe",
        vec![layer(&["a", "b"], "daily", "2026-04-04T09:00:00")],
    );
    let got = final_schedule(&s, ts("2026-04-03T22:00:00Z"), ts("2026-04-05T22:30:00Z"));
    assert_eq!(
        got[0],
        entry("a", "2026-04-03T22:00:00Z", "2026-04-04T22:30:00Z")
    );
    assert_eq!(hours(&got[0]), 24.5);
}

#[test]
fn kolkata_half_hour_offset_without_dst_hands_off_every_24_hours() {
    // 09:00 IST = 03:30Z.
    let s = build(
        "Asia/Kolkata",
        vec![layer(&["a", "b"], "daily", "2026-03-28T09:00:00")],
    );
    assert_eq!(at(&s, "2026-03-29T03:29:59Z").as_deref(), Some("a"));
    assert_eq!(at(&s, "2026-03-29T03:30:00Z").as_deref(), Some("b"));
    let got = final_schedule(&s, ts("2026-03-28T03:30:00Z"), ts("2026-04-05T03:30:00Z"));
    assert_eq!(got.len(), 8);
    assert!(got.iter().all(|e| hours(e) == 24.0));
}

#[test]
fn turn_index_a_year_later_comes_from_the_date_difference() {
    let s = build(
        "Europe/Berlin",
        vec![layer(&["a", "b", "c"], "daily", "2026-01-05T09:00:00")],
    );
    // 365 days later: turn 365 -> participants[365 % 3] = c, from 08:00Z (09:00 CET).
    assert_eq!(at(&s, "2027-01-05T07:59:59Z").as_deref(), Some("b"));
    assert_eq!(at(&s, "2027-01-05T08:00:00Z").as_deref(), Some("c"));
    // In summer, 09:00 CEST = 07:00Z: 2026-07-05 is turn 181 -> b.
    assert_eq!(at(&s, "2026-07-05T06:59:59Z").as_deref(), Some("a"));
    assert_eq!(at(&s, "2026-07-05T07:00:00Z").as_deref(), Some("b"));
    let w = build(
        "Europe/Berlin",
        vec![layer(
            &["a", "b", "c", "d", "e"],
            "weekly",
            "2026-01-05T09:00:00",
        )],
    );
    // 2026-07-06 is 26 weeks later: turn 26 -> participants[26 % 5] = b.
    assert_eq!(at(&w, "2026-07-06T06:59:59Z").as_deref(), Some("a"));
    assert_eq!(at(&w, "2026-07-06T07:00:00Z").as_deref(), Some("b"));
}

#[test]
fn handoff_instant_belongs_to_the_new_person() {
    let s = build(
        "Europe/Berlin",
        vec![layer(&["a", "b"], "daily", "2026-01-05T09:00:00")],
    );
    assert_eq!(at(&s, "2026-01-06T07:59:59.999Z").as_deref(), Some("a"));
    assert_eq!(at(&s, "2026-01-06T08:00:00Z").as_deref(), Some("b"));
    let got = final_schedule(&s, ts("2026-01-05T08:00:00Z"), ts("2026-01-07T08:00:00Z"));
    assert_eq!(got[0].end, got[1].start);
    assert_eq!(got[1].start, ts("2026-01-06T08:00:00Z"));
}

#[test]
fn repeated_participant_turns_merge_into_one_entry() {
    let s = build(
        "Europe/Berlin",
        vec![layer(&["a", "a", "b"], "daily", "2026-01-05T09:00:00")],
    );
    assert_eq!(
        final_schedule(&s, ts("2026-01-05T08:00:00Z"), ts("2026-01-08T08:00:00Z")),
        vec![
            entry("a", "2026-01-05T08:00:00Z", "2026-01-07T08:00:00Z"),
            entry("b", "2026-01-07T08:00:00Z", "2026-01-08T08:00:00Z"),
        ]
    );
}
