//! A two-week history worked out by hand (see the comments) against the report.

use super::*;
use crate::action_item::ItemStatus;
use crate::metrics::compute;
use crate::timestamps::KeyTimestamps;

fn t(s: &str) -> Timestamp {
    format!("{s}Z").parse().unwrap()
}

fn d(s: &str) -> Date {
    s.parse().unwrap()
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn incident(
    n: i64,
    severity: &str,
    services: &[&str],
    declared: &str,
    times: [Option<&str>; 5],
    repeated: bool,
    responders: &[(i64, &str)],
) -> IncidentFact {
    let [started, detected, acked, mitigated, resolved] = times.map(|x| x.map(t));
    let services: Vec<String> = services.iter().map(|s| s.to_string()).collect();
    let k = KeyTimestamps {
        started_at: started,
        detected_at: detected,
        acknowledged_at: acked,
        mitigated_at: mitigated,
        resolved_at: resolved,
        ..Default::default()
    };
    IncidentFact {
        reference: format!("INC-{n}"),
        severity: severity.into(),
        metrics: compute(&k, &services),
        services,
        declared_at: t(declared),
        resolved_at: resolved,
        repeated,
        items: Vec::new(),
        responders: responders
            .iter()
            .map(|(i, n)| (*i, n.to_string()))
            .collect(),
    }
}

fn item(status: ItemStatus, due: &str, settled: Option<&str>) -> ItemFacts {
    ItemFacts {
        status,
        due_on: Some(d(due)),
        settled_on: settled.map(d),
    }
}

/// Four incidents, Monday 2026-11-02 to Monday 2026-11-16 by week; now is 2026-11-20.
fn history() -> Vec<IncidentFact> {
    // INC-1, week 1, Tue 10:00: detect 5m, ack 10m, mitigate 60m, resolve 2h; downtime 60m.
    let mut a = incident(
        1,
        "SEV1",
        &["checkout"],
        "2026-11-03T10:00:00",
        [
            Some("2026-11-03T09:50:00"),
            Some("2026-11-03T09:55:00"),
            Some("2026-11-03T10:05:00"),
            Some("2026-11-03T10:50:00"),
            Some("2026-11-03T11:50:00"),
        ],
        false,
        &[(1, "Alice")],
    );
    a.items = vec![(
        t("2026-11-03T12:00:00"),
        item(ItemStatus::WontDo, "2026-11-30", Some("2026-11-04")),
    )];
    // INC-2, week 1, Wed 22:30, a repeat on two services: detect 10m, ack 30m, never
    // mitigated, resolve 1h; downtime (to resolution) 60m for each service.
    let b = incident(
        2,
        "SEV2",
        &["checkout", "search"],
        "2026-11-04T22:30:00",
        [
            Some("2026-11-04T22:00:00"),
            Some("2026-11-04T22:10:00"),
            Some("2026-11-04T22:40:00"),
            None,
            Some("2026-11-04T23:00:00"),
        ],
        true,
        &[(1, "Alice"), (2, "Bob"), (2, "Bob")],
    );
    // INC-3, week 2, Tue 08:00: detect 30m, ack 10m, mitigate 60m, resolve 3h; downtime 60m.
    let mut c = incident(
        3,
        "SEV2",
        &["search"],
        "2026-11-10T08:00:00",
        [
            Some("2026-11-10T07:00:00"),
            Some("2026-11-10T07:30:00"),
            Some("2026-11-10T07:40:00"),
            Some("2026-11-10T08:00:00"),
            Some("2026-11-10T10:00:00"),
        ],
        false,
        &[(2, "Bob")],
    );
    c.items = vec![
        (
            t("2026-11-10T12:00:00"),
            item(ItemStatus::Done, "2026-11-12", Some("2026-11-11")),
        ),
        (
            t("2026-11-10T12:30:00"),
            item(ItemStatus::Open, "2026-11-12", None),
        ),
    ];
    // INC-4, declared before the period (not counted), resolved 06:00 on its first day: Carol
    // held a role for 6 hours of the period.
    let e = incident(
        4,
        "SEV3",
        &["checkout"],
        "2026-10-30T00:00:00",
        [
            Some("2026-10-30T00:00:00"),
            None,
            None,
            None,
            Some("2026-11-02T06:00:00"),
        ],
        false,
        &[(3, "Carol")],
    );
    vec![a, b, c, e]
}

fn pages() -> Vec<PageFact> {
    let who = |id: i64, at: &str| {
        let name = ["", "Alice", "Bob"][id as usize].to_string();
        (id, name, t(at))
    };
    vec![
        // Tuesday 09:56: working hours. Acknowledged by Alice.
        PageFact {
            id: 1,
            notified: vec![who(1, "2026-11-03T09:56:00")],
            acknowledged: Some(who(1, "2026-11-03T10:05:00")),
        },
        // Wednesday night: out of hours for both. Acknowledged by Bob.
        PageFact {
            id: 2,
            notified: vec![who(1, "2026-11-04T22:12:00"), who(2, "2026-11-04T22:20:00")],
            acknowledged: Some(who(2, "2026-11-04T22:40:00")),
        },
        // Saturday 10:00: not a working day.
        PageFact {
            id: 3,
            notified: vec![who(2, "2026-11-07T10:00:00")],
            acknowledged: None,
        },
        // After the period: not counted.
        PageFact {
            id: 4,
            notified: vec![who(1, "2026-11-16T10:00:00")],
            acknowledged: Some(who(1, "2026-11-16T10:01:00")),
        },
    ]
}

fn report(extra: &[(&str, &str)]) -> IncidentInsights {
    let mut p = pairs(&[
        ("from", "2026-11-02"),
        ("to", "2026-11-16"),
        ("bucket", "week"),
    ]);
    p.extend(pairs(extra));
    let q = InsightsQuery::parse(&p, d("2026-11-20")).unwrap();
    let owners: BTreeMap<String, String> = [("checkout", "payments"), ("search", "discovery")]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    let incidents = history();
    let pages = pages();
    incident_insights(
        &q,
        &Facts {
            incidents: &incidents,
            pages: &pages,
            owners: &owners,
            calendar: &WorkCalendar::default(),
            now: t("2026-11-20T00:00:00"),
            today: d("2026-11-20"),
        },
    )
}

fn m(count: usize, median: f64, p90: f64) -> Mttx {
    Mttx {
        count,
        median_seconds: Some(median),
        p90_seconds: Some(p90),
    }
}

#[test]
fn mttx_per_week_are_medians_and_p90s_of_the_metrics() {
    let r = report(&[]);
    assert_eq!(r.incidents, 3);
    assert_eq!(r.trends.len(), 2);
    let w1 = &r.trends[0];
    assert_eq!(
        (w1.start, w1.end, w1.incidents),
        (d("2026-11-02"), d("2026-11-09"), 2)
    );
    // Detect 300 s and 600 s: median 450, p90 (nearest rank 2 of 2) 600.
    assert_eq!(w1.mttd, m(2, 450.0, 600.0));
    assert_eq!(w1.mtta, m(2, 1200.0, 1800.0));
    // INC-2 was never mitigated.
    assert_eq!(w1.mttm, m(1, 3600.0, 3600.0));
    assert_eq!(w1.mttr, m(2, 5400.0, 7200.0));
    let w2 = &r.trends[1];
    assert_eq!(w2.mttd, m(1, 1800.0, 1800.0));
    assert_eq!(w2.mtta, m(1, 600.0, 600.0));
    assert_eq!(w2.mttr, m(1, 10800.0, 10800.0));
}

#[test]
fn empty_buckets_are_kept_with_no_values() {
    let r = report(&[("to", "2026-11-23")]);
    let w3 = &r.trends[2];
    assert_eq!(w3.incidents, 0);
    assert_eq!(w3.mttr, Mttx::default());
    assert_eq!(r.severity_mix[2].counts["SEV2"], 0);
}

#[test]
fn severity_mix_counts_each_severity_per_bucket() {
    let r = report(&[]);
    assert_eq!(r.severities, ["SEV1", "SEV2"]);
    assert_eq!(r.severity_mix[0].counts["SEV1"], 1);
    assert_eq!(r.severity_mix[0].counts["SEV2"], 1);
    assert_eq!(r.severity_mix[1].counts["SEV1"], 0);
    assert_eq!(r.severity_mix[1].counts["SEV2"], 1);
}

#[test]
fn services_and_teams_count_incidents_and_downtime() {
    let r = report(&[]);
    let rows: Vec<(&str, usize, f64)> = r
        .services
        .iter()
        .map(|s| (s.name.as_str(), s.incidents, s.downtime_minutes))
        .collect();
    // checkout: INC-1 (60 m) and INC-2 (60 m); search: INC-2 (60 m) and INC-3 (60 m).
    assert_eq!(rows, [("checkout", 2, 120.0), ("search", 2, 120.0)]);
    assert_eq!(r.services[0].team.as_deref(), Some("payments"));
    let teams: Vec<(&str, usize, f64)> = r
        .teams
        .iter()
        .map(|s| (s.name.as_str(), s.incidents, s.downtime_minutes))
        .collect();
    assert_eq!(teams, [("discovery", 2, 120.0), ("payments", 2, 120.0)]);
}

#[test]
fn busiest_hours_are_in_the_given_zone() {
    let cell = |r: &IncidentInsights, wd: i8, h: i8| {
        r.busiest_hours
            .iter()
            .find(|c| c.weekday == wd && c.hour == h)
            .map(|c| c.incidents)
    };
    let r = report(&[]);
    assert_eq!(r.busiest_hours.len(), 168);
    assert_eq!(cell(&r, 2, 10), Some(1));
    assert_eq!(cell(&r, 3, 22), Some(1));
    assert_eq!(cell(&r, 2, 8), Some(1));
    assert_eq!(
        r.busiest_hours.iter().map(|c| c.incidents).sum::<usize>(),
        3
    );
    // Berlin is an hour ahead in November.
    let r = report(&[("tz", "Europe/Berlin")]);
    assert_eq!(r.tz, "Europe/Berlin");
    assert_eq!(cell(&r, 2, 11), Some(1));
    assert_eq!(cell(&r, 3, 23), Some(1));
    assert_eq!(cell(&r, 2, 9), Some(1));
}

#[test]
fn responder_load_counts_pages_and_hours() {
    let r = report(&[]);
    let rows: Vec<(&str, usize, usize, usize, String)> = r
        .responders
        .iter()
        .map(|p| {
            (
                p.name.as_str(),
                p.pages_received,
                p.pages_acknowledged,
                p.out_of_hours_pages,
                format!("{:.4}", p.hours_on_incidents),
            )
        })
        .collect();
    // Bob: pages 2 and 3 (both out of hours), acknowledged 2; 0.5 h on INC-2 (his two roles
    // count once) + 2 h on INC-3. Alice: pages 1 and 2 (the second out of hours), acknowledged 1;
    // 1h50 on INC-1 + 0.5 h on INC-2. Carol: 6 h of INC-4 inside the period.
    assert_eq!(
        rows,
        [
            ("Bob", 2, 1, 2, "2.5000".to_string()),
            ("Alice", 2, 1, 1, "2.3333".to_string()),
            ("Carol", 0, 0, 0, "6.0000".to_string()),
        ]
    );
}

#[test]
fn out_of_hours_follows_the_working_calendar() {
    let berlin = WorkCalendar {
        time_zone: "Europe/Berlin".into(),
        holidays: vec![d("2026-11-05")],
        ..WorkCalendar::default()
    };
    let tz = berlin.tz().unwrap();
    // 08:30 UTC is 09:30 in Berlin: working hours; 17:30 UTC is 18:30: not.
    assert!(!out_of_hours(t("2026-11-03T08:30:00"), &berlin, &tz));
    assert!(out_of_hours(t("2026-11-03T17:30:00"), &berlin, &tz));
    assert!(out_of_hours(t("2026-11-05T10:00:00"), &berlin, &tz));
}

#[test]
fn action_items_are_counted_in_the_bucket_of_their_creation() {
    let r = report(&[]);
    let a = &r.action_items;
    assert_eq!((a[0].created, a[0].wont_do), (1, 1));
    assert_eq!(
        (a[1].created, a[1].done_on_time, a[1].overdue, a[1].open),
        (2, 1, 1, 0)
    );
}

#[test]
fn repeats_are_listed_per_bucket() {
    let r = report(&[]);
    assert_eq!(r.repeats[0].repeated, 1);
    assert_eq!(r.repeats[0].references, ["INC-2"]);
    assert_eq!(r.repeats[1].repeated, 0);
}

#[test]
fn tables_have_a_header_and_a_row_per_bucket() {
    let r = report(&[]);
    let (head, rows) = table(&r, "trends").unwrap();
    assert_eq!(
        head.join(","),
        "start,end,incidents,mttd_count,mttd_median_seconds,mttd_p90_seconds,mtta_count,mtta_median_seconds,mtta_p90_seconds,mttm_count,mttm_median_seconds,mttm_p90_seconds,mttr_count,mttr_median_seconds,mttr_p90_seconds"
    );
    assert_eq!(
        rows[0].join(","),
        "2026-11-02,2026-11-09,2,2,450,600,2,1200,1800,1,3600,3600,2,5400,7200"
    );
    let (_, rows) = table(&r, "responders").unwrap();
    assert_eq!(rows[1].join(","), "1,Alice,2,1,1,2.333");
    for s in SECTIONS {
        assert!(table(&r, s).is_some(), "{s}");
    }
    assert!(table(&r, "nope").is_none());
}

#[test]
fn bad_parameters_are_named() {
    let e = InsightsQuery::parse(
        &pairs(&[("tz", "Mars/Base"), ("bucket", "day"), ("color", "red")]),
        d("2026-11-20"),
    )
    .unwrap_err();
    let fields: Vec<&str> = e.fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["tz", "color", "bucket"]);
    let q = InsightsQuery::parse(&pairs(&[("service", "Checkout")]), d("2026-11-20")).unwrap();
    assert_eq!(q.service.as_deref(), Some("checkout"));
    assert_eq!(q.tz_name, "UTC");
}
