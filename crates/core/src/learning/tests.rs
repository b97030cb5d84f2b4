//! Learning metrics worked out by hand.

use super::*;
use crate::policy::Decision;

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn d(s: &str) -> Date {
    s.parse().unwrap()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn pm(due: &str, drafted: Option<&str>, published: Option<&str>) -> PostmortemFacts {
    PostmortemFacts {
        required: true,
        waived: false,
        repeated: false,
        due_at: Some(t(due)),
        drafted_at: drafted.map(t),
        published_at: published.map(t),
    }
}

fn item(status: ItemStatus, due: Option<&str>, settled: Option<&str>) -> ItemFacts {
    ItemFacts {
        status,
        due_on: due.map(d),
        settled_on: settled.map(d),
    }
}

fn incident(id: i64, resolved: &str, pm: PostmortemFacts, items: Vec<ItemFacts>) -> IncidentFacts {
    IncidentFacts {
        id,
        resolved_at: t(resolved),
        postmortem: pm,
        items,
    }
}

const NOW: &str = "2026-11-21T12:00:00Z";

/// Six incidents resolved in October and November 2026 and two just outside, with every
/// postmortem outcome and every action item state.
fn history() -> Vec<IncidentFacts> {
    use ItemStatus::*;
    vec![
        // On time: drafted 6 h and published 96 h after resolution, before its deadline.
        incident(
            1,
            "2026-10-05T10:00:00Z",
            pm(
                "2026-10-12T23:59:59.999Z",
                Some("2026-10-05T16:00:00Z"),
                Some("2026-10-09T10:00:00Z"),
            ),
            vec![
                item(Done, Some("2026-10-30"), Some("2026-10-20")),
                item(Done, Some("2026-10-30"), Some("2026-11-02")),
            ],
        ),
        // Late, and a repeat: drafted after 24 h, published after 14 days (336 h).
        incident(
            2,
            "2026-10-20T00:00:00Z",
            PostmortemFacts {
                repeated: true,
                ..pm(
                    "2026-10-27T23:59:59.999Z",
                    Some("2026-10-21T00:00:00Z"),
                    Some("2026-11-03T00:00:00Z"),
                )
            },
            vec![
                item(WontDo, Some("2026-11-01"), Some("2026-10-25")),
                item(Open, Some("2026-11-20"), None),
            ],
        ),
        // Missing: drafted after 12 h, never published, deadline passed.
        incident(
            3,
            "2026-11-02T00:00:00Z",
            pm(
                "2026-11-09T23:59:59.999Z",
                Some("2026-11-02T12:00:00Z"),
                None,
            ),
            vec![
                item(Open, Some("2026-11-21"), None),
                item(InProgress, None, None),
            ],
        ),
        // Pending: deadline ahead, nothing written.
        incident(
            4,
            "2026-11-20T00:00:00Z",
            pm("2026-11-27T23:59:59.999Z", None, None),
            vec![],
        ),
        // Waived.
        incident(
            5,
            "2026-11-10T00:00:00Z",
            PostmortemFacts {
                waived: true,
                ..Default::default()
            },
            vec![],
        ),
        // Not required.
        incident(
            8,
            "2026-11-15T00:00:00Z",
            PostmortemFacts::default(),
            vec![],
        ),
        // Outside the period: the last millisecond before it, and its end.
        incident(
            6,
            "2026-09-30T23:59:59.999Z",
            pm("2026-10-07T00:00:00Z", None, None),
            vec![item(Open, Some("2026-01-01"), None)],
        ),
        incident(
            7,
            "2026-12-01T00:00:00Z",
            pm("2026-12-08T00:00:00Z", None, None),
            vec![],
        ),
    ]
}

fn oct_nov(bucket: BucketSize) -> LearningQuery {
    LearningQuery {
        from: d("2026-10-01"),
        to: d("2026-12-01"),
        team: None,
        bucket,
    }
}

#[test]
fn the_totals_match_the_hand_worked_numbers() {
    let r = learning_report(
        &history(),
        &oct_nov(BucketSize::Month),
        t(NOW),
        d("2026-11-21"),
    );
    let c = &r.totals;
    assert_eq!((c.incidents, c.repeated, c.required), (6, 1, 4));
    assert_eq!(
        (c.on_time, c.late, c.missing, c.pending, c.waived),
        (1, 1, 1, 1, 1)
    );
    // Hours to draft 6, 12, 24: median 12, p90 the 3rd of 3 (nearest rank of 2.7).
    assert_eq!(c.median_hours_to_draft, Some(12.0));
    assert_eq!(c.p90_hours_to_draft, Some(24.0));
    // Hours to publication 96, 336: median their mean, p90 the 2nd of 2.
    assert_eq!(c.median_hours_to_publication, Some(216.0));
    assert_eq!(c.p90_hours_to_publication, Some(336.0));
    assert_eq!(
        c.action_items,
        ItemCounts {
            done_on_time: 1,
            done_late: 1,
            overdue: 1,
            open: 2,
            wont_do: 1
        }
    );
}

#[test]
fn monthly_buckets_split_the_same_numbers_by_resolution_month() {
    let r = learning_report(
        &history(),
        &oct_nov(BucketSize::Month),
        t(NOW),
        d("2026-11-21"),
    );
    let spans: Vec<(String, String)> = r
        .by_bucket
        .iter()
        .map(|b| (b.start.to_string(), b.end.to_string()))
        .collect();
    assert_eq!(
        spans,
        [
            ("2026-10-01".into(), "2026-11-01".into()),
            ("2026-11-01".into(), "2026-12-01".into())
        ]
    );
    let (oct, nov) = (&r.by_bucket[0].counts, &r.by_bucket[1].counts);
    assert_eq!(
        (
            oct.incidents,
            oct.required,
            oct.on_time,
            oct.late,
            oct.repeated
        ),
        (2, 2, 1, 1, 1)
    );
    assert_eq!(oct.median_hours_to_draft, Some(15.0));
    assert_eq!(oct.p90_hours_to_draft, Some(24.0));
    assert_eq!(oct.median_hours_to_publication, Some(216.0));
    assert_eq!(
        (
            oct.action_items.done_on_time,
            oct.action_items.done_late,
            oct.action_items.wont_do,
            oct.action_items.overdue,
            oct.action_items.open
        ),
        (1, 1, 1, 1, 0)
    );
    assert_eq!(
        (
            nov.incidents,
            nov.required,
            nov.missing,
            nov.pending,
            nov.waived
        ),
        (4, 2, 1, 1, 1)
    );
    assert_eq!(
        (nov.median_hours_to_draft, nov.p90_hours_to_draft),
        (Some(12.0), Some(12.0))
    );
    assert_eq!(nov.median_hours_to_publication, None);
    assert_eq!(nov.action_items.open, 2);
    // The buckets add up to the totals.
    assert_eq!(oct.incidents + nov.incidents, r.totals.incidents);
    assert_eq!(oct.required + nov.required, r.totals.required);
}

#[test]
fn weekly_buckets_start_on_mondays_and_are_cut_to_the_period() {
    // Wednesday 4 November to Friday 20 November (excluded).
    let q = LearningQuery {
        from: d("2026-11-04"),
        to: d("2026-11-20"),
        team: None,
        bucket: BucketSize::Week,
    };
    let r = learning_report(&history(), &q, t(NOW), d("2026-11-21"));
    let spans: Vec<String> = r
        .by_bucket
        .iter()
        .map(|b| format!("{}..{}", b.start, b.end))
        .collect();
    assert_eq!(
        spans,
        [
            "2026-11-04..2026-11-09",
            "2026-11-09..2026-11-16",
            "2026-11-16..2026-11-20"
        ]
    );
    // Incident 5 (10 Nov) and 8 (15 Nov) are in the second week; 4 (20 Nov) is out.
    let n: Vec<usize> = r.by_bucket.iter().map(|b| b.counts.incidents).collect();
    assert_eq!(n, [0, 2, 0]);
    assert_eq!(r.totals.incidents, 2);
}

#[test]
fn bucket_starts_are_mondays_and_firsts_of_the_month() {
    assert_eq!(
        BucketSize::Week.start_of(d("2026-11-22")),
        d("2026-11-16"),
        "a Sunday belongs to the week that began on Monday"
    );
    assert_eq!(BucketSize::Week.start_of(d("2026-11-16")), d("2026-11-16"));
    assert_eq!(BucketSize::Month.start_of(d("2026-02-28")), d("2026-02-01"));
    assert_eq!(BucketSize::Month.next(d("2026-12-01")), d("2027-01-01"));
}

#[test]
fn a_postmortem_published_at_its_deadline_is_on_time_and_one_unpublished_at_it_is_pending() {
    let due = "2026-11-27T23:59:59.999Z";
    assert_eq!(
        pm_outcome(&pm(due, None, Some(due)), t(NOW)),
        PmOutcome::OnTime
    );
    assert_eq!(
        pm_outcome(&pm(due, None, Some("2026-11-28T00:00:00Z")), t(NOW)),
        PmOutcome::Late
    );
    assert_eq!(pm_outcome(&pm(due, None, None), t(due)), PmOutcome::Pending);
    assert_eq!(
        pm_outcome(&pm(due, None, None), t("2026-11-28T00:00:00Z")),
        PmOutcome::Missing
    );
    let no_deadline = PostmortemFacts {
        due_at: None,
        ..pm(due, None, None)
    };
    assert_eq!(pm_outcome(&no_deadline, t(NOW)), PmOutcome::Pending);
    assert_eq!(
        pm_outcome(&PostmortemFacts::default(), t(NOW)),
        PmOutcome::NotRequired
    );
}

#[test]
fn action_items_are_judged_by_their_due_day() {
    use ItemStatus::*;
    let today = d("2026-11-21");
    let cases = [
        (
            item(Done, Some("2026-11-20"), Some("2026-11-20")),
            ItemOutcome::DoneOnTime,
        ),
        (
            item(Done, Some("2026-11-20"), Some("2026-11-21")),
            ItemOutcome::DoneLate,
        ),
        (
            item(Done, None, Some("2026-11-21")),
            ItemOutcome::DoneOnTime,
        ),
        (
            item(Done, Some("2026-11-20"), None),
            ItemOutcome::DoneOnTime,
        ),
        (
            item(WontDo, Some("2026-01-01"), Some("2026-11-21")),
            ItemOutcome::WontDo,
        ),
        (item(Open, Some("2026-11-20"), None), ItemOutcome::Overdue),
        (
            item(InProgress, Some("2026-11-20"), None),
            ItemOutcome::Overdue,
        ),
        (item(Open, Some("2026-11-21"), None), ItemOutcome::Open),
        (item(Open, None, None), ItemOutcome::Open),
    ];
    for (i, want) in cases {
        assert_eq!(item_outcome(&i, today), want, "{i:?}");
    }
}

#[test]
fn writing_before_an_overridden_resolution_counts_as_zero_hours() {
    let i = incident(
        1,
        "2026-11-10T12:00:00Z",
        pm(
            "2026-11-20T00:00:00Z",
            Some("2026-11-10T00:00:00Z"),
            Some("2026-11-10T18:00:00Z"),
        ),
        vec![],
    );
    let c = count([&i], t(NOW), d("2026-11-21"));
    assert_eq!(c.median_hours_to_draft, Some(0.0));
    assert_eq!(c.median_hours_to_publication, Some(6.0));
}

#[test]
fn an_empty_period_has_zeros_and_no_medians() {
    let r = learning_report(&[], &oct_nov(BucketSize::Week), t(NOW), d("2026-11-21"));
    assert_eq!(r.totals, Counts::default());
    assert_eq!(r.totals.median_hours_to_draft, None);
    // 1 Oct 2026 is a Thursday: a partial week, then eight whole weeks and a partial one.
    assert_eq!(r.by_bucket.len(), 10);
    assert_eq!(r.by_bucket[0].end, d("2026-10-05"));
    assert_eq!(r.by_bucket[9].start, d("2026-11-30"));
}

#[test]
fn facts_come_from_the_latest_decision_and_the_review_deadline() {
    let mut p = Postmortem::empty(7, t(NOW));
    assert_eq!(PostmortemFacts::of(Some(&p)), PostmortemFacts::default());
    p.decision = Some(Decision {
        required: true,
        tags: vec!["severity".into(), "repeated".into()],
        reasons: vec![],
        overridden: vec![],
        overridden_reasons: vec![],
    });
    p.draft_due_at = Some(t("2026-11-23T12:00:00Z"));
    p.review_due_at = Some(t("2026-11-27T23:59:59.999Z"));
    let f = PostmortemFacts::of(Some(&p));
    assert!(f.required && f.repeated && !f.waived);
    assert_eq!(f.due_at, p.review_due_at);
    p.review_due_at = None;
    assert_eq!(PostmortemFacts::of(Some(&p)).due_at, p.draft_due_at);
    p.decision = Some(Decision {
        required: false,
        tags: vec!["waived".into()],
        reasons: vec![],
        overridden: vec!["severity".into(), "repeated".into()],
        overridden_reasons: vec![],
    });
    let f = PostmortemFacts::of(Some(&p));
    assert!(!f.required && f.waived);
    assert!(f.repeated, "a waived repeat is still a repeat");
    assert_eq!(PostmortemFacts::of(None), PostmortemFacts::default());
}

#[test]
fn the_default_period_is_the_last_ninety_days_by_month() {
    let q = LearningQuery::parse(&[], d("2026-11-21")).unwrap();
    assert_eq!(q.to, d("2026-11-22"), "today is included");
    assert_eq!(q.from, d("2026-08-24"));
    assert_eq!(q.bucket, BucketSize::Month);
    assert_eq!(q.team, None);
    assert_eq!(q.start(), t("2026-08-24T00:00:00Z"));
    assert_eq!(q.end(), t("2026-11-22T00:00:00Z"));
    let q = LearningQuery::parse(
        &pairs(&[
            ("to", "2026-10-01"),
            ("bucket", "week"),
            ("team", "Payments"),
        ]),
        d("2026-11-21"),
    )
    .unwrap();
    assert_eq!(
        (q.from, q.to, q.bucket, q.team.as_deref()),
        (
            d("2026-07-03"),
            d("2026-10-01"),
            BucketSize::Week,
            Some("payments")
        )
    );
}

#[test]
fn bad_parameters_are_each_named() {
    let today = d("2026-11-21");
    let fields = |list: &[(&str, &str)]| -> Vec<String> {
        LearningQuery::parse(&pairs(list), today)
            .unwrap_err()
            .fields
            .into_iter()
            .map(|f| f.field)
            .collect()
    };
    assert_eq!(
        fields(&[
            ("from", "yesterday"),
            ("to", "2026-13-01"),
            ("bucket", "day"),
            ("team", "no such team!"),
            ("colour", "red")
        ]),
        ["from", "to", "bucket", "team", "colour"]
    );
    // Days outside 1970 to 2199 are refused (they bound the number of buckets).
    assert_eq!(
        fields(&[("from", "1969-12-31"), ("to", "2200-01-01")]),
        ["from", "to"]
    );
    assert_eq!(fields(&[("from", "2026-11-01T00:00:00Z")]), ["from"]);
    assert!(LearningQuery::parse(&pairs(&[("from", ""), ("bucket", "")]), today).is_ok());
}

#[test]
fn a_period_that_ends_before_it_starts_is_empty() {
    let today = d("2026-11-21");
    let q = LearningQuery::parse(
        &pairs(&[("from", "2026-11-02"), ("to", "2026-11-01")]),
        today,
    )
    .expect("an empty period");
    assert_eq!((q.from, q.to), (d("2026-11-02"), d("2026-11-02")));
    // Long periods are fine: the years bound them.
    let long = LearningQuery::parse(
        &pairs(&[("from", "2000-01-01"), ("to", "2026-01-01")]),
        today,
    )
    .expect("a long period");
    assert_eq!(long.from, d("2000-01-01"));
}
