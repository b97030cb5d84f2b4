//! Layer bounds and precedence, restrictions, overrides, ranges and validation.

use super::*;

// ---- start, end, precedence ----

#[test]
fn a_layer_has_nobody_before_its_start_and_from_its_end() {
    let mut l = layer(&["a", "b"], "daily", "2026-01-05T09:00:00");
    l.end = Some(dt("2026-01-07T09:00:00"));
    let s = build("Europe/Berlin", vec![l]);
    assert_eq!(at(&s, "2026-01-05T07:59:59Z"), None);
    assert_eq!(at(&s, "2026-01-05T08:00:00Z").as_deref(), Some("a"));
    assert_eq!(at(&s, "2026-01-07T07:59:59Z").as_deref(), Some("b"));
    assert_eq!(at(&s, "2026-01-07T08:00:00Z"), None);
    assert_eq!(
        final_schedule(&s, ts("2026-01-01T00:00:00Z"), ts("2026-01-10T00:00:00Z")),
        vec![
            entry("a", "2026-01-05T08:00:00Z", "2026-01-06T08:00:00Z"),
            entry("b", "2026-01-06T08:00:00Z", "2026-01-07T08:00:00Z"),
        ]
    );
}

#[test]
fn the_last_layer_wins_and_lower_layers_show_after_its_end() {
    let mut top = layer(&["top"], "weekly", "2026-01-06T12:00:00");
    top.end = Some(dt("2026-01-07T12:00:00"));
    let s = build(
        "Europe/Berlin",
        vec![layer(&["base"], "daily", "2026-01-05T09:00:00"), top],
    );
    assert_eq!(at(&s, "2026-01-06T10:59:59Z").as_deref(), Some("base"));
    assert_eq!(at(&s, "2026-01-06T11:00:00Z").as_deref(), Some("top"));
    assert_eq!(at(&s, "2026-01-07T11:00:00Z").as_deref(), Some("base"));
    assert_eq!(
        final_schedule(&s, ts("2026-01-06T00:00:00Z"), ts("2026-01-08T00:00:00Z")),
        vec![
            entry("base", "2026-01-06T00:00:00Z", "2026-01-06T11:00:00Z"),
            entry("top", "2026-01-06T11:00:00Z", "2026-01-07T11:00:00Z"),
            entry("base", "2026-01-07T11:00:00Z", "2026-01-08T00:00:00Z"),
        ]
    );
}

#[test]
fn layer_order_decides_not_start_date() {
    // The first-listed layer is lower even though it started later.
    let s = build(
        "Europe/Berlin",
        vec![
            layer(&["low"], "daily", "2026-01-10T00:00:00"),
            layer(&["high"], "daily", "2026-01-01T00:00:00"),
        ],
    );
    assert_eq!(at(&s, "2026-01-12T00:00:00Z").as_deref(), Some("high"));
}

// ---- restrictions ----

#[test]
fn daily_restriction_across_midnight_lets_the_lower_layer_show_through() {
    let mut night = layer(&["night"], "daily", "2026-01-01T00:00:00");
    night.restrictions = vec![daily_r("22:00", "06:00")];
    let s = build(
        "Europe/Berlin",
        vec![layer(&["day"], "daily", "2026-01-01T00:00:00"), night],
    );
    assert_eq!(at(&s, "2026-01-10T20:59:59Z").as_deref(), Some("day"));
    assert_eq!(at(&s, "2026-01-10T21:00:00Z").as_deref(), Some("night"));
    assert_eq!(at(&s, "2026-01-11T04:59:59Z").as_deref(), Some("night"));
    assert_eq!(at(&s, "2026-01-11T05:00:00Z").as_deref(), Some("day"));
    assert_eq!(
        final_schedule(&s, ts("2026-01-10T12:00:00Z"), ts("2026-01-11T12:00:00Z")),
        vec![
            entry("day", "2026-01-10T12:00:00Z", "2026-01-10T21:00:00Z"),
            entry("night", "2026-01-10T21:00:00Z", "2026-01-11T05:00:00Z"),
            entry("day", "2026-01-11T05:00:00Z", "2026-01-11T12:00:00Z"),
        ]
    );
}

#[test]
fn weekly_restriction_wraps_round_the_week() {
    let mut weekend = layer(&["weekend"], "weekly", "2026-01-01T00:00:00");
    weekend.restrictions = vec![weekly_r("friday", "18:00", "monday", "09:00")];
    let s = build(
        "Europe/Berlin",
        vec![layer(&["base"], "weekly", "2026-01-01T00:00:00"), weekend],
    );
    // Fri 2026-01-09 18:00 CET = 17:00Z, Mon 2026-01-12 09:00 CET = 08:00Z.
    assert_eq!(at(&s, "2026-01-08T12:00:00Z").as_deref(), Some("base"));
    assert_eq!(at(&s, "2026-01-09T16:59:59Z").as_deref(), Some("base"));
    assert_eq!(at(&s, "2026-01-09T17:00:00Z").as_deref(), Some("weekend"));
    assert_eq!(at(&s, "2026-01-11T03:00:00Z").as_deref(), Some("weekend"));
    assert_eq!(at(&s, "2026-01-12T07:59:59Z").as_deref(), Some("weekend"));
    assert_eq!(at(&s, "2026-01-12T08:00:00Z").as_deref(), Some("base"));
    assert_eq!(
        final_schedule(&s, ts("2026-01-08T00:00:00Z"), ts("2026-01-14T00:00:00Z")),
        vec![
            entry("base", "2026-01-08T00:00:00Z", "2026-01-09T17:00:00Z"),
            entry("weekend", "2026-01-09T17:00:00Z", "2026-01-12T08:00:00Z"),
            entry("base", "2026-01-12T08:00:00Z", "2026-01-14T00:00:00Z"),
        ]
    );
}

#[test]
fn restricted_layer_alone_leaves_gaps() {
    let mut l = layer(&["a"], "daily", "2026-01-01T00:00:00");
    l.restrictions = vec![daily_r("09:00", "17:00")];
    let s = build("Europe/Berlin", vec![l]);
    assert_eq!(
        gaps(&s, ts("2026-01-05T00:00:00Z"), ts("2026-01-06T12:00:00Z")),
        vec![
            Interval {
                start: ts("2026-01-05T00:00:00Z"),
                end: ts("2026-01-05T08:00:00Z")
            },
            Interval {
                start: ts("2026-01-05T16:00:00Z"),
                end: ts("2026-01-06T08:00:00Z")
            },
        ]
    );
    assert_eq!(at(&s, "2026-01-05T16:00:00Z"), None);
}

#[test]
fn rotation_keeps_counting_through_restricted_time() {
    // Only on call on Mondays 09:00 to Tuesday 09:00; daily turns a,b,c,d from Mon 01-05.
    // Mon 01-12 is turn 7 -> d, Mon 01-19 is turn 14 -> c (not b and c).
    let mut l = layer(&["a", "b", "c", "d"], "daily", "2026-01-05T09:00:00");
    l.restrictions = vec![weekly_r("monday", "09:00", "tuesday", "09:00")];
    let s = build("Europe/Berlin", vec![l]);
    assert_eq!(at(&s, "2026-01-05T12:00:00Z").as_deref(), Some("a"));
    assert_eq!(at(&s, "2026-01-08T12:00:00Z"), None);
    assert_eq!(at(&s, "2026-01-12T12:00:00Z").as_deref(), Some("d"));
    assert_eq!(at(&s, "2026-01-19T12:00:00Z").as_deref(), Some("c"));
    assert_eq!(
        final_schedule(&s, ts("2026-01-05T00:00:00Z"), ts("2026-01-20T00:00:00Z")),
        vec![
            entry("a", "2026-01-05T08:00:00Z", "2026-01-06T08:00:00Z"),
            entry("d", "2026-01-12T08:00:00Z", "2026-01-13T08:00:00Z"),
            entry("c", "2026-01-19T08:00:00Z", "2026-01-20T00:00:00Z"),
        ]
    );
}

#[test]
fn restriction_boundary_in_the_gap_opens_at_the_end_of_the_gap() {
    // Window 02:30-04:00 on 2026-03-29: opens 03:00 CEST (01:00Z), closes 04:00 CEST (02:00Z).
    let mut l = layer(&["a"], "daily", "2026-03-01T00:00:00");
    l.restrictions = vec![daily_r("02:30", "04:00")];
    let s = build("Europe/Berlin", vec![l]);
    assert_eq!(
        final_schedule(&s, ts("2026-03-28T12:00:00Z"), ts("2026-03-29T12:00:00Z")),
        vec![entry("a", "2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z")]
    );
    assert_eq!(at(&s, "2026-03-29T00:59:59Z"), None);
    assert_eq!(at(&s, "2026-03-29T01:00:00Z").as_deref(), Some("a"));
}

#[test]
fn daily_restriction_with_equal_bounds_covers_the_whole_day() {
    let mut l = layer(&["a"], "daily", "2026-01-01T00:00:00");
    l.restrictions = vec![daily_r("09:00", "09:00")];
    let s = build("Europe/Berlin", vec![l]);
    assert!(gaps(&s, ts("2026-01-05T00:00:00Z"), ts("2026-01-09T00:00:00Z")).is_empty());
}

#[test]
fn weekly_restriction_ending_earlier_the_same_weekday_wraps_the_week() {
    // Monday 09:00 to Monday 08:00 is on all week but one hour (08:00-09:00 CET on Mondays);
    // the window opened on Monday 2025-12-29 still runs on 2026-01-05 until 08:00.
    let mut l = layer(&["a"], "daily", "2026-01-01T00:00:00");
    l.restrictions = vec![weekly_r("monday", "09:00", "monday", "08:00")];
    let s = build("Europe/Berlin", vec![l]);
    assert_eq!(
        gaps(&s, ts("2026-01-05T00:00:00Z"), ts("2026-01-19T00:00:00Z")),
        vec![
            Interval {
                start: ts("2026-01-05T07:00:00Z"),
                end: ts("2026-01-05T08:00:00Z")
            },
            Interval {
                start: ts("2026-01-12T07:00:00Z"),
                end: ts("2026-01-12T08:00:00Z")
            },
        ]
    );
}

#[test]
fn several_restrictions_union_their_windows() {
    let mut l = layer(&["a"], "daily", "2026-01-01T00:00:00");
    l.restrictions = vec![daily_r("08:00", "10:00"), daily_r("10:00", "12:00")];
    let s = build("Europe/Berlin", vec![l]);
    assert_eq!(
        final_schedule(&s, ts("2026-01-05T00:00:00Z"), ts("2026-01-05T23:00:00Z")),
        vec![entry("a", "2026-01-05T07:00:00Z", "2026-01-05T11:00:00Z")]
    );
    let r = daily("08:00-10:00");
    assert!(r.contains(s.time_zone(), ts("2026-01-05T07:00:00Z")));
}

#[test]
fn far_future_gap_follows_the_zone_rule() {
    // Beyond the explicit tzdb table the POSIX rule applies: 2045-03-26 is Berlin's
    // spring-forward Sunday, 02:30 -> 03:00 CEST = 01:00Z.
    let tz = TimeZone::get("Europe/Berlin").unwrap();
    assert_eq!(
        resolve_local(&tz, dt("2045-03-26T02:30:00")),
        Some(ts("2045-03-26T01:00:00Z"))
    );
    let s = build(
        "Europe/Berlin",
        vec![layer(&["a", "b"], "daily", "2045-03-25T02:30:00")],
    );
    assert_eq!(at(&s, "2045-03-26T00:59:59Z").as_deref(), Some("a"));
    assert_eq!(at(&s, "2045-03-26T01:00:00Z").as_deref(), Some("b"));
}

#[test]
fn weekly_restriction_over_the_spring_forward_weekend_is_one_hour_shorter() {
    // Fri 2026-03-27 18:00 CET = 17:00Z to Mon 2026-03-30 09:00 CEST = 07:00Z: 62 h.
    let mut weekend = layer(&["w"], "daily", "2026-03-01T00:00:00");
    weekend.restrictions = vec![weekly_r("friday", "18:00", "monday", "09:00")];
    let s = build("Europe/Berlin", vec![weekend]);
    let got = final_schedule(&s, ts("2026-03-26T00:00:00Z"), ts("2026-03-31T00:00:00Z"));
    assert_eq!(
        got,
        vec![entry("w", "2026-03-27T17:00:00Z", "2026-03-30T07:00:00Z")]
    );
    assert_eq!(hours(&got[0]), 62.0);
}

#[test]
fn night_restriction_over_the_fall_back_night_lasts_nine_hours() {
    // 22:00 CEST on 10-24 = 20:00Z to 06:00 CET on 10-25 = 05:00Z.
    let mut night = layer(&["n"], "daily", "2026-10-01T00:00:00");
    night.restrictions = vec![daily_r("22:00", "06:00")];
    let s = build(
        "Europe/Berlin",
        vec![layer(&["d"], "daily", "2026-10-01T00:00:00"), night],
    );
    let got = final_schedule(&s, ts("2026-10-24T12:00:00Z"), ts("2026-10-25T12:00:00Z"));
    assert_eq!(
        got[1],
        entry("n", "2026-10-24T20:00:00Z", "2026-10-25T05:00:00Z")
    );
    assert_eq!(hours(&got[1]), 9.0);
}

#[test]
fn range_before_every_layer_is_one_gap() {
    let s = build(
        "Europe/Berlin",
        vec![layer(&["a"], "daily", "2026-01-05T09:00:00")],
    );
    let (from, to) = (ts("2026-01-01T00:00:00Z"), ts("2026-01-05T08:00:00Z"));
    assert!(final_schedule(&s, from, to).is_empty());
    assert_eq!(
        gaps(&s, from, to),
        vec![Interval {
            start: from,
            end: to
        }]
    );
    assert_eq!(layer_entries(&s, from, to), vec![Vec::new()]);
    assert_eq!(at(&s, "2026-01-05T07:00:00Z"), None);
}

#[test]
fn unknown_zone_message_names_the_zone() {
    let e = Schedule::new(&spec(
        "Europe/Atlantis",
        vec![layer(&["a"], "daily", "2026-01-05T09:00:00")],
    ))
    .unwrap_err();
    assert_eq!(fields(&e), vec!["time_zone"]);
    assert!(e.fields[0].message.contains("Europe/Atlantis"));
}

// ---- overrides ----

#[test]
fn overlapping_overrides_the_later_created_wins() {
    let mut sp = spec(
        "Europe/Berlin",
        vec![layer(&["a"], "daily", "2026-01-01T00:00:00")],
    );
    sp.overrides = vec![
        ov("x", "2026-01-05T10:00:00Z", "2026-01-05T14:00:00Z"),
        ov("y", "2026-01-05T12:00:00Z", "2026-01-05T16:00:00Z"),
    ];
    let s = Schedule::new(&sp).unwrap();
    assert_eq!(
        final_schedule(&s, ts("2026-01-05T09:00:00Z"), ts("2026-01-05T17:00:00Z")),
        vec![
            entry("a", "2026-01-05T09:00:00Z", "2026-01-05T10:00:00Z"),
            entry("x", "2026-01-05T10:00:00Z", "2026-01-05T12:00:00Z"),
            entry("y", "2026-01-05T12:00:00Z", "2026-01-05T16:00:00Z"),
            entry("a", "2026-01-05T16:00:00Z", "2026-01-05T17:00:00Z"),
        ]
    );
    sp.overrides.reverse();
    let s = Schedule::new(&sp).unwrap();
    assert_eq!(at(&s, "2026-01-05T13:00:00Z").as_deref(), Some("x"));
    assert_eq!(
        final_schedule(&s, ts("2026-01-05T10:00:00Z"), ts("2026-01-05T16:00:00Z")),
        vec![
            entry("x", "2026-01-05T10:00:00Z", "2026-01-05T14:00:00Z"),
            entry("y", "2026-01-05T14:00:00Z", "2026-01-05T16:00:00Z"),
        ]
    );
}

#[test]
fn override_next_to_own_turn_merges_into_one_entry() {
    let mut sp = spec(
        "Europe/Berlin",
        vec![layer(&["a", "b"], "daily", "2026-01-05T09:00:00")],
    );
    sp.overrides = vec![ov("a", "2026-01-06T08:00:00Z", "2026-01-06T12:00:00Z")];
    let s = Schedule::new(&sp).unwrap();
    assert_eq!(
        final_schedule(&s, ts("2026-01-05T08:00:00Z"), ts("2026-01-07T08:00:00Z")),
        vec![
            entry("a", "2026-01-05T08:00:00Z", "2026-01-06T12:00:00Z"),
            entry("b", "2026-01-06T12:00:00Z", "2026-01-07T08:00:00Z"),
        ]
    );
}

#[test]
fn override_fills_a_gap_and_ends_exclusive() {
    let mut sp = spec(
        "Europe/Berlin",
        vec![layer(&["a"], "daily", "2026-01-05T09:00:00")],
    );
    sp.overrides = vec![ov("z", "2026-01-04T00:00:00Z", "2026-01-05T08:00:00Z")];
    let s = Schedule::new(&sp).unwrap();
    assert_eq!(at(&s, "2026-01-04T00:00:00Z").as_deref(), Some("z"));
    assert_eq!(at(&s, "2026-01-05T08:00:00Z").as_deref(), Some("a"));
    assert_eq!(at(&s, "2026-01-03T23:59:59Z"), None);
    assert_eq!(
        gaps(&s, ts("2026-01-03T00:00:00Z"), ts("2026-01-06T00:00:00Z")),
        vec![Interval {
            start: ts("2026-01-03T00:00:00Z"),
            end: ts("2026-01-04T00:00:00Z")
        }]
    );
}

// ---- ranges ----

#[test]
fn final_schedule_is_clipped_to_the_range() {
    let s = build(
        "Europe/Berlin",
        vec![layer(&["a", "b"], "daily", "2026-01-05T09:00:00")],
    );
    assert_eq!(
        final_schedule(&s, ts("2026-01-05T20:00:00Z"), ts("2026-01-06T10:00:00Z")),
        vec![
            entry("a", "2026-01-05T20:00:00Z", "2026-01-06T08:00:00Z"),
            entry("b", "2026-01-06T08:00:00Z", "2026-01-06T10:00:00Z"),
        ]
    );
    assert!(final_schedule(&s, ts("2026-01-06T10:00:00Z"), ts("2026-01-06T10:00:00Z")).is_empty());
    assert!(final_schedule(&s, ts("2026-01-07T10:00:00Z"), ts("2026-01-06T10:00:00Z")).is_empty());
}

#[test]
fn layer_entries_show_each_layer_unmasked() {
    let mut night = layer(&["n"], "daily", "2026-01-01T00:00:00");
    night.restrictions = vec![daily_r("22:00", "06:00")];
    let s = build(
        "Europe/Berlin",
        vec![layer(&["d1", "d2"], "daily", "2026-01-01T12:00:00"), night],
    );
    let got = layer_entries(&s, ts("2026-01-10T00:00:00Z"), ts("2026-01-11T00:00:00Z"));
    assert_eq!(got.len(), 2);
    // 01-10 is turn 9 at 12:00 CET -> d2 from 11:00Z; before that turn 8 -> d1.
    assert_eq!(
        got[0],
        vec![
            entry("d1", "2026-01-10T00:00:00Z", "2026-01-10T11:00:00Z"),
            entry("d2", "2026-01-10T11:00:00Z", "2026-01-11T00:00:00Z"),
        ]
    );
    assert_eq!(
        got[1],
        vec![
            entry("n", "2026-01-10T00:00:00Z", "2026-01-10T05:00:00Z"),
            entry("n", "2026-01-10T21:00:00Z", "2026-01-11T00:00:00Z"),
        ]
    );
}

/// A busy schedule: three layers (one restricted daily, one weekly-restricted), 300
/// overrides, 90 days. The sweep must agree with the point query everywhere.
#[test]
fn busy_schedule_over_90_days_agrees_with_on_call_at() {
    let mut sp = spec(
        "Europe/Berlin",
        vec![
            layer(&["a", "b", "c", "d"], "weekly", "2026-02-02T09:00:00"),
            layer(&["e", "f", "g"], "daily", "2026-02-01T02:30:00"),
            layer(&["h", "i"], "hours:7", "2026-02-15T05:00:00"),
        ],
    );
    sp.layers[1].restrictions = vec![daily_r("19:00", "07:00")];
    sp.layers[2].restrictions = vec![weekly_r("friday", "18:00", "monday", "09:00")];
    sp.layers[2].end = Some(dt("2026-04-20T10:30:00"));
    let base = ts("2026-02-01T00:00:00Z");
    for i in 0..300i64 {
        let start = base + SignedDuration::from_mins(i * 431);
        let end = start + SignedDuration::from_mins(30 + (i * 37) % 600);
        sp.overrides.push(Override {
            user: format!("o{}", i % 7),
            start,
            end,
        });
    }
    let s = Schedule::new(&sp).unwrap();
    let to = base + SignedDuration::from_hours(24 * 90);
    let got = final_schedule(&s, base, to);
    for w in got.windows(2) {
        assert!(w[0].end <= w[1].start);
        assert!(!(w[0].end == w[1].start && w[0].user == w[1].user));
    }
    let mut t = base;
    let mut idx = 0;
    while t < to {
        while idx < got.len() && got[idx].end <= t {
            idx += 1;
        }
        let swept = got
            .get(idx)
            .filter(|e| e.start <= t)
            .map(|e| e.user.clone());
        assert_eq!(swept, on_call_at(&s, t), "at {t}");
        t += SignedDuration::from_mins(13);
    }
    // Every boundary too: the instant itself belongs to the new entry.
    for e in &got {
        assert_eq!(on_call_at(&s, e.start).as_ref(), Some(&e.user));
    }
}

// ---- validation and parsing ----

#[test]
fn rotation_parses_and_prints() {
    assert_eq!("daily".parse::<Rotation>(), Ok(Rotation::Daily));
    assert_eq!("weekly".parse::<Rotation>(), Ok(Rotation::Weekly));
    assert_eq!("hours:12".parse::<Rotation>(), Ok(Rotation::Hours(12)));
    assert_eq!(Rotation::Hours(8).to_string(), "hours:8");
    assert!("hours:0".parse::<Rotation>().is_err());
    assert!("hours:-3".parse::<Rotation>().is_err());
    assert!("hours:100000".parse::<Rotation>().is_err());
    assert!("monthly".parse::<Rotation>().is_err());
    assert!("hours:".parse::<Rotation>().is_err());
    let json = serde_json::to_string(&Rotation::Hours(6)).unwrap();
    assert_eq!(json, "\"hours:6\"");
    assert_eq!(
        serde_json::from_str::<Rotation>(&json).unwrap(),
        Rotation::Hours(6)
    );
    assert!(serde_json::from_str::<Rotation>("\"hours:0\"").is_err());
}

#[test]
fn unknown_zone_and_no_layers_are_named() {
    let e = Schedule::new(&spec("Mars/Olympus", vec![])).unwrap_err();
    assert_eq!(fields(&e), vec!["time_zone", "layers"]);
}

#[test]
fn layer_problems_name_their_fields() {
    let mut empty = layer(&[], "hours:0", "2026-01-05T09:00:00");
    empty.end = Some(dt("2026-01-05T09:00:00"));
    let mut bad_r = layer(&["a", " "], "fortnightly", "2026-01-05T09:00:00");
    bad_r.end = Some(dt("2026-01-01T00:00:00"));
    bad_r.restrictions = vec![
        daily_r("25:00", "9:00"),
        weekly_r("funday", "18:00", "monday", "09:60"),
    ];
    let e = Schedule::new(&spec("Europe/Berlin", vec![empty, bad_r])).unwrap_err();
    assert_eq!(
        fields(&e),
        vec![
            "layers[0].participants",
            "layers[0].rotation",
            "layers[0].end",
            "layers[1].participants[1]",
            "layers[1].rotation",
            "layers[1].end",
            "layers[1].restrictions[0].start",
            "layers[1].restrictions[0].end",
            "layers[1].restrictions[1].end_time",
            "layers[1].restrictions[1].start_day",
        ]
    );
    assert!(e.to_string().contains("hours:N needs N from 1 to 8784"));
}

#[test]
fn override_ending_at_or_before_its_start_is_rejected() {
    let mut sp = spec(
        "Europe/Berlin",
        vec![layer(&["a"], "daily", "2026-01-05T09:00:00")],
    );
    sp.overrides = vec![
        ov("x", "2026-01-05T10:00:00Z", "2026-01-05T11:00:00Z"),
        ov("y", "2026-01-05T10:00:00Z", "2026-01-05T10:00:00Z"),
        ov("", "2026-01-05T10:00:00Z", "2026-01-05T09:00:00Z"),
    ];
    let e = Schedule::new(&sp).unwrap_err();
    assert_eq!(
        fields(&e),
        vec!["overrides[1].end", "overrides[2].user", "overrides[2].end"]
    );
}

#[test]
fn the_documented_json_shape_round_trips() {
    let json = r#"{
      "name": "Payments primary",
      "time_zone": "Europe/Berlin",
      "layers": [
        {
          "participants": ["alice", "bob"],
          "rotation": "weekly",
          "start": "2026-03-29T02:30:00",
          "restrictions": [
            {"type": "daily", "start": "22:00", "end": "06:00"},
            {"type": "weekly", "start_day": "friday", "start_time": "18:00",
             "end_day": "monday", "end_time": "09:00"}
          ]
        },
        {"participants": ["carol"], "rotation": "hours:12",
         "start": "2026-03-01T00:00:00", "end": "2026-05-01T00:00:00"}
      ],
      "overrides": [
        {"user": "dave", "start": "2026-03-29T08:00:00Z", "end": "2026-03-29T12:00:00Z"}
      ]
    }"#;
    let sp: ScheduleSpec = serde_json::from_str(json).unwrap();
    assert_eq!(sp.layers[0].start, dt("2026-03-29T02:30:00"));
    assert_eq!(sp.layers[1].end, Some(dt("2026-05-01T00:00:00")));
    let back = serde_json::to_value(&sp).unwrap();
    assert_eq!(back["layers"][0]["start"], "2026-03-29T02:30:00");
    assert_eq!(back["layers"][0]["restrictions"][1]["start_day"], "friday");
    assert_eq!(back["overrides"][0]["start"], "2026-03-29T08:00:00Z");
    let again: ScheduleSpec = serde_json::from_value(back).unwrap();
    assert_eq!(again, sp);
    let s = Schedule::new(&sp).unwrap();
    assert_eq!(s.name(), "Payments primary");
    assert_eq!(at(&s, "2026-03-29T09:00:00Z").as_deref(), Some("dave"));
    let minimal: ScheduleSpec = serde_json::from_str(
        r#"{"name":"n","time_zone":"UTC","layers":[{"participants":["a"],"rotation":"daily","start":"2026-01-01T00:00:00"}]}"#,
    )
    .unwrap();
    assert!(Schedule::new(&minimal).is_ok());
}
