//! Learning metrics (issue requirement 9): is the organisation learning from its incidents?
//!
//! Per organisation or team, over a period: how many postmortems were owed and how many were
//! published on time, late or not at all; how long writing and publishing took; whether the
//! action items got done; and how many incidents were repeats.
//!
//! # Definitions
//!
//! - **Period.** `[from, to)` in whole UTC days, by the incident's *resolution time* (the
//!   derived key timestamp, overrides included). An incident that is not resolved (or was
//!   reopened) is in no period. Every number below is about the incidents resolved in the period.
//! - **Required.** The postmortem's latest decision says one is owed (`decision.required`).
//!   A waived postmortem is not required; it is counted as **waived** instead.
//! - **Deadline.** The *publication deadline* is `review_due_at` (the review meeting's deadline),
//!   or `draft_due_at` when the working calendar gave no review deadline. Publication, not the
//!   draft, is what the organisation learns from, and publishing follows the review; the draft
//!   deadline is an intermediate step. The record keeps only the *latest* submission
//!   (`submitted_at`), which a request for changes moves later, so "submitted by the draft
//!   deadline" cannot be measured reliably, while `published_at` can.
//! - **On time**: required and published (`published_at` set) no later than the deadline.
//!   **Late**: required and published after it. **Missing**: required, not published, and the
//!   deadline has passed. **Pending**: required, not published, deadline not passed yet (or none
//!   set). `required = on_time + late + missing + pending`.
//! - **Hours to draft**: `drafted_at − resolved`; **hours to publication**:
//!   `published_at − resolved`; over required postmortems that have the time, negative spans
//!   (a resolution overridden to after the writing began) count as zero. Median (the mean of the
//!   middle two for an even count) and 90th percentile (nearest rank), as
//!   [`crate::metrics::summarize`] computes them for MTTx; `null` when there is no value.
//! - **Action items** of the incidents in the period, each in exactly one state: **done on
//!   time** (done, settled on or before its due day, or without a due day), **done late**
//!   (settled after its due day), **won't do**, **overdue** (not settled and its due day is before
//!   today), **open** (not settled, not overdue). Days are in the organisation's calendar, like
//!   the due day itself.
//! - **Repeated**: incidents whose latest decision carries the `repeated` tag.
//! - **Buckets.** The period split into UTC calendar weeks (Monday first) or months. The first
//!   and last buckets are cut to the period, so they may be partial; empty buckets are kept, so
//!   a chart's axis has no gaps.

use crate::Timestamp;
use crate::action_item::ItemStatus;
use crate::metrics::summarize;
use crate::postmortem::Postmortem;
use crate::validation::{ValidationError, slug};
use jiff::civil::Date;
use jiff::{ToSpan, tz::TimeZone};
use serde::Serialize;

/// The first year a period may start in.
pub const FIRST_YEAR: i16 = 1970;
/// The last year a period may reach (bounds the number of buckets of a report).
pub const LAST_YEAR: i16 = 2199;

/// The period when none is given, in days.
pub const DEFAULT_DAYS: i64 = 90;

/// How the period is split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BucketSize {
    /// Calendar weeks, Monday to Sunday (UTC).
    Week,
    /// Calendar months (UTC).
    Month,
}

impl BucketSize {
    /// `week` or `month`.
    pub fn as_str(self) -> &'static str {
        match self {
            BucketSize::Week => "week",
            BucketSize::Month => "month",
        }
    }

    /// The first day of the bucket holding `day`.
    pub fn start_of(self, day: Date) -> Date {
        match self {
            BucketSize::Week => {
                let back = i64::from(day.weekday().to_monday_zero_offset());
                day.checked_sub(back.days()).unwrap_or(day)
            }
            BucketSize::Month => day.first_of_month(),
        }
    }

    /// The first day of the bucket after the one starting on `start`.
    pub(crate) fn next(self, start: Date) -> Date {
        let step = match self {
            BucketSize::Week => 1.week(),
            BucketSize::Month => 1.month(),
        };
        start.checked_add(step).unwrap_or(Date::MAX)
    }
}

/// What the report covers: `[from, to)` in UTC days, optionally one team, split into buckets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LearningQuery {
    /// First day (inclusive).
    pub from: Date,
    /// Day after the last (exclusive).
    pub to: Date,
    /// Only incidents affecting a service of this team.
    pub team: Option<String>,
    /// Weekly or monthly buckets.
    pub bucket: BucketSize,
}

impl LearningQuery {
    /// Parses query parameters (`from`, `to`, `team`, `bucket`); empty values count as absent.
    /// Without `to` the period ends with `today` (UTC); without `from` it lasts
    /// [`DEFAULT_DAYS`]. Every bad parameter is named in the error.
    pub fn parse(pairs: &[(String, String)], today: Date) -> Result<Self, ValidationError> {
        let mut e = ValidationError::default();
        let (mut from, mut to, mut team, mut bucket) = (None, None, None, BucketSize::Month);
        let day = |e: &mut ValidationError, field: &str, v: &str| match v.parse::<Date>() {
            Ok(d) if v.len() == 10 && (FIRST_YEAR..=LAST_YEAR).contains(&d.year()) => Some(d),
            Ok(_) if v.len() == 10 => {
                e.push(
                    field,
                    format!("must be a day from {FIRST_YEAR} to {LAST_YEAR}"),
                );
                None
            }
            _ => {
                e.push(field, format!("'{v}' is not a date (use YYYY-MM-DD)"));
                None
            }
        };
        for (k, v) in pairs {
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            match k.as_str() {
                "from" => from = day(&mut e, "from", v),
                "to" => to = day(&mut e, "to", v),
                "team" => team = Some(slug(&mut e, "team", &v.to_ascii_lowercase())),
                "bucket" => match v {
                    "week" => bucket = BucketSize::Week,
                    "month" => bucket = BucketSize::Month,
                    _ => e.push(
                        "bucket",
                        format!("unknown bucket '{v}' (use week or month)"),
                    ),
                },
                other => e.push(other, "unknown parameter; use from, to, team, bucket"),
            }
        }
        let failed = !e.fields.is_empty();
        let to = to.unwrap_or_else(|| today.tomorrow().unwrap_or(today));
        let from = from.unwrap_or_else(|| to.checked_sub(DEFAULT_DAYS.days()).unwrap_or(to));
        // A period that ends before it starts is empty: nothing happened in it.
        let to = if failed { to } else { to.max(from) };
        e.into_result(Self {
            from,
            to,
            team,
            bucket,
        })
    }

    /// The period's first instant (midnight UTC of `from`).
    pub fn start(&self) -> Timestamp {
        midnight(self.from)
    }

    /// The instant the period ends (midnight UTC of `to`, excluded).
    pub fn end(&self) -> Timestamp {
        midnight(self.to)
    }
}

pub(crate) fn midnight(d: Date) -> Timestamp {
    d.to_zoned(TimeZone::UTC)
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::MAX)
}

/// What the metrics need of an incident's postmortem.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostmortemFacts {
    /// The latest decision says one is owed.
    pub required: bool,
    /// The latest decision carries the `waived` tag.
    pub waived: bool,
    /// The latest decision carries the `repeated` tag.
    pub repeated: bool,
    /// The publication deadline (see the module docs).
    pub due_at: Option<Timestamp>,
    /// When writing started.
    pub drafted_at: Option<Timestamp>,
    /// When it was published (`None` when unpublished or reopened).
    pub published_at: Option<Timestamp>,
}

impl PostmortemFacts {
    /// The facts of a stored postmortem; an incident without one owes nothing.
    pub fn of(pm: Option<&Postmortem>) -> Self {
        let Some(pm) = pm else {
            return Self::default();
        };
        let tagged = |t: &str| {
            pm.decision
                .as_ref()
                .is_some_and(|d| d.tags.iter().any(|x| x == t))
        };
        // A repeat is a repeat even when a waiver or an exemption overrode the trigger.
        let overridden = |t: &str| {
            pm.decision
                .as_ref()
                .is_some_and(|d| d.overridden.iter().any(|x| x == t))
        };
        Self {
            required: pm.decision.as_ref().is_some_and(|d| d.required),
            waived: tagged("waived"),
            repeated: tagged("repeated") || overridden("repeated"),
            due_at: pm.review_due_at.or(pm.draft_due_at),
            drafted_at: pm.drafted_at,
            published_at: pm.published_at,
        }
    }
}

/// Where a postmortem stands against its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PmOutcome {
    /// None owed.
    NotRequired,
    /// Published by the deadline.
    OnTime,
    /// Published after the deadline.
    Late,
    /// Unpublished, deadline passed.
    Missing,
    /// Unpublished, deadline still ahead.
    Pending,
}

/// Classifies a postmortem as of `now`.
pub fn pm_outcome(pm: &PostmortemFacts, now: Timestamp) -> PmOutcome {
    if !pm.required {
        return PmOutcome::NotRequired;
    }
    match (pm.published_at, pm.due_at) {
        (Some(p), Some(d)) if p > d => PmOutcome::Late,
        (Some(_), _) => PmOutcome::OnTime,
        (None, Some(d)) if d < now => PmOutcome::Missing,
        (None, _) => PmOutcome::Pending,
    }
}

/// What the metrics need of an action item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemFacts {
    /// Its status.
    pub status: ItemStatus,
    /// Its due day.
    pub due_on: Option<Date>,
    /// The day it was settled (done or won't do), in the organisation's calendar.
    pub settled_on: Option<Date>,
}

/// The one state an action item is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemOutcome {
    /// Done by its due day (or it had none).
    DoneOnTime,
    /// Done after its due day.
    DoneLate,
    /// Not settled, past its due day.
    Overdue,
    /// Not settled, not past its due day.
    Open,
    /// Decided against.
    WontDo,
}

/// Classifies an action item on `today` (the organisation's calendar).
pub fn item_outcome(item: &ItemFacts, today: Date) -> ItemOutcome {
    match item.status {
        ItemStatus::WontDo => ItemOutcome::WontDo,
        ItemStatus::Done => match (item.settled_on, item.due_on) {
            (Some(s), Some(d)) if s > d => ItemOutcome::DoneLate,
            _ => ItemOutcome::DoneOnTime,
        },
        ItemStatus::Open | ItemStatus::InProgress => match item.due_on {
            Some(d) if d < today => ItemOutcome::Overdue,
            _ => ItemOutcome::Open,
        },
    }
}

/// An incident resolved at some time, with its postmortem and action items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentFacts {
    /// Its number.
    pub id: i64,
    /// When it was resolved.
    pub resolved_at: Timestamp,
    /// Its postmortem.
    pub postmortem: PostmortemFacts,
    /// Its action items.
    pub items: Vec<ItemFacts>,
}

/// Action items by state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ItemCounts {
    /// Done by the due day.
    pub done_on_time: usize,
    /// Done after the due day.
    pub done_late: usize,
    /// Not settled, past due.
    pub overdue: usize,
    /// Not settled, not past due.
    pub open: usize,
    /// Decided against.
    pub wont_do: usize,
}

/// The numbers of a set of incidents (the whole period, or one bucket).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Counts {
    /// Incidents resolved.
    pub incidents: usize,
    /// Of which repeats.
    pub repeated: usize,
    /// Postmortems owed.
    pub required: usize,
    /// Published by the deadline.
    pub on_time: usize,
    /// Published after the deadline.
    pub late: usize,
    /// Unpublished past the deadline.
    pub missing: usize,
    /// Unpublished, deadline ahead.
    pub pending: usize,
    /// Waived by their commander.
    pub waived: usize,
    /// Median hours from resolution to the start of the draft.
    pub median_hours_to_draft: Option<f64>,
    /// 90th percentile of the same.
    pub p90_hours_to_draft: Option<f64>,
    /// Median hours from resolution to publication.
    pub median_hours_to_publication: Option<f64>,
    /// 90th percentile of the same.
    pub p90_hours_to_publication: Option<f64>,
    /// Action items by state.
    pub action_items: ItemCounts,
}

/// One bucket of the period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bucket {
    /// First day (inclusive).
    pub start: Date,
    /// Day after the last (exclusive).
    pub end: Date,
    /// Its numbers.
    #[serde(flatten)]
    pub counts: Counts,
}

/// The report: totals over the period and the same numbers per bucket.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LearningReport {
    /// First day (inclusive).
    pub from: Date,
    /// Day after the last (exclusive).
    pub to: Date,
    /// The team it is narrowed to.
    pub team: Option<String>,
    /// `week` or `month`.
    pub bucket: BucketSize,
    /// The whole period.
    pub totals: Counts,
    /// Each bucket, oldest first, empty ones included.
    pub by_bucket: Vec<Bucket>,
}

fn hours(from: Timestamp, to: Timestamp) -> f64 {
    (to.as_millisecond() - from.as_millisecond()).max(0) as f64 / 3_600_000.0
}

/// Counts a set of incidents as of `now` (and `today` for action items).
pub fn count<'a>(
    incidents: impl IntoIterator<Item = &'a IncidentFacts>,
    now: Timestamp,
    today: Date,
) -> Counts {
    let mut c = Counts::default();
    let (mut to_draft, mut to_publication) = (Vec::new(), Vec::new());
    for i in incidents {
        let pm = &i.postmortem;
        c.incidents += 1;
        c.repeated += usize::from(pm.repeated);
        c.waived += usize::from(pm.waived);
        match pm_outcome(pm, now) {
            PmOutcome::NotRequired => {}
            PmOutcome::OnTime => c.on_time += 1,
            PmOutcome::Late => c.late += 1,
            PmOutcome::Missing => c.missing += 1,
            PmOutcome::Pending => c.pending += 1,
        }
        if pm.required {
            c.required += 1;
            to_draft.push(pm.drafted_at.map(|d| hours(i.resolved_at, d)));
            to_publication.push(pm.published_at.map(|p| hours(i.resolved_at, p)));
        }
        for item in &i.items {
            let n = &mut c.action_items;
            match item_outcome(item, today) {
                ItemOutcome::DoneOnTime => n.done_on_time += 1,
                ItemOutcome::DoneLate => n.done_late += 1,
                ItemOutcome::Overdue => n.overdue += 1,
                ItemOutcome::Open => n.open += 1,
                ItemOutcome::WontDo => n.wont_do += 1,
            }
        }
    }
    let draft = summarize(to_draft);
    let publication = summarize(to_publication);
    c.median_hours_to_draft = draft.median;
    c.p90_hours_to_draft = draft.p90;
    c.median_hours_to_publication = publication.median;
    c.p90_hours_to_publication = publication.p90;
    c
}

/// The report over `incidents` (those resolved outside the period are left out), as of `now`
/// and, for action items, `today` in the organisation's calendar.
pub fn learning_report(
    incidents: &[IncidentFacts],
    q: &LearningQuery,
    now: Timestamp,
    today: Date,
) -> LearningReport {
    let (start, end) = (q.start(), q.end());
    let within: Vec<&IncidentFacts> = incidents
        .iter()
        .filter(|i| i.resolved_at >= start && i.resolved_at < end)
        .collect();
    let mut by_bucket = Vec::new();
    let mut b = q.from;
    while b < q.to {
        let next = q.bucket.next(q.bucket.start_of(b)).min(q.to);
        let (s, e) = (midnight(b), midnight(next));
        let counts = count(
            within
                .iter()
                .copied()
                .filter(|i| i.resolved_at >= s && i.resolved_at < e),
            now,
            today,
        );
        by_bucket.push(Bucket {
            start: b,
            end: next,
            counts,
        });
        b = next;
    }
    LearningReport {
        from: q.from,
        to: q.to,
        team: q.team.clone(),
        bucket: q.bucket,
        totals: count(within.iter().copied(), now, today),
        by_bucket,
    }
}

#[cfg(test)]
mod tests;
