//! Insights on incidents (issue 15, part 4): how fast incidents are detected, acknowledged,
//! mitigated and resolved, how severe they are, where they happen, when, who carries them, and
//! whether their follow-up gets done.
//!
//! # Definitions
//!
//! - **Period and buckets** are those of [`crate::learning`]: `[from, to)` in whole UTC days,
//!   split into UTC calendar weeks (Monday first) or months, the first and last cut to the
//!   period, empty buckets kept.
//! - **Which incidents count**: those *declared* in the period (by `declared_at`), whatever their
//!   status now; each in the bucket of its declaration. With `team`, only incidents affecting a
//!   service the team owns; with `service`, only incidents affecting that service.
//! - **MTTD, MTTA, MTTM, MTTR**: the median and 90th percentile (nearest rank) of each
//!   incident's time to detect (`detected − started`), acknowledge (`acknowledged − detected`),
//!   mitigate (`mitigated − started`) and resolve (`resolved − started`), in seconds, exactly as
//!   [`crate::metrics`] defines them, over the bucket's incidents that have the metric (an
//!   incident missing a timestamp, or whose timestamps contradict each other, is left out of
//!   that metric; `count` says how many had it). Computed by [`crate::metrics::summarize`].
//! - **Severity mix**: per bucket, the number of incidents at each severity they have now.
//! - **By service**: per affected service, the incidents (an incident affecting two services
//!   counts for both) and the downtime in minutes (`started → mitigated`, or `→ resolved` when
//!   never mitigated; the sum over its incidents, [`crate::metrics`]' service downtime).
//!   **By team**: the team owning the service (catalog); an incident counts once per team, and
//!   a team's downtime is the sum of its services' downtime (service-minutes). Services without
//!   an owner are under the team `(none)`.
//! - **Busiest hours**: incidents by weekday (Monday = 1) × hour of day (0–23) of their
//!   declaration, in the zone of the `tz` parameter (UTC by default); all 168 cells listed.
//! - **Responder load**, per person, over the period:
//!   - *pages received*: pages that notified the person (any channel, any level), counted once
//!     per page, at the first notification to them, when that falls in the period;
//!   - *pages acknowledged*: pages the person acknowledged, when the acknowledgement is in the
//!     period;
//!   - *out-of-hours pages*: of the pages received, those whose first notification to the
//!     person fell outside working hours: the organisation's working calendar has working days
//!     and holidays but no hours, so working hours are 09:00–18:00 on its working days (not
//!     holidays), in its zone (Monday–Friday, UTC, by default);
//!   - *hours on incidents*: for each incident the person holds a role in (commander, scribe,
//!     …), the time from the incident's declaration until it was resolved (or until now when it
//!     is not), cut to the period; an incident counts once however many roles the person holds.
//!     The role holders are those recorded now (a handed-over role counts for its new holder).
//!
//!   Pages of an incident the caller may not see are not counted; pages of no incident are.
//! - **Action item follow-through**: the action items of the counted incidents, per bucket of
//!   the item's *creation*: how many were created, and each one's state today as
//!   [`crate::learning::item_outcome`] classifies it (done on time, done late, overdue, open,
//!   won't do).
//! - **Repeat incidents**: per bucket, the incidents whose postmortem decision carries the
//!   `repeated` tag (as [`crate::learning`] counts them), with their references.

mod responders;
mod table;

pub use responders::out_of_hours;
use responders::responders;
pub use table::{SECTIONS, csv, csv_cell, table};

use crate::Timestamp;
use crate::deadline::WorkCalendar;
use crate::learning::{BucketSize, ItemFacts, ItemOutcome, LearningQuery, item_outcome, midnight};
use crate::metrics::{IncidentMetrics, summarize};
use crate::validation::{ValidationError, slug};
use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The team of services that no team owns.
pub const NO_TEAM: &str = "(none)";

/// What the report covers: the learning report's period, bucket and team, an optional service,
/// and the zone of the busiest hours.
#[derive(Debug, Clone, PartialEq)]
pub struct InsightsQuery {
    /// Period, bucket size and team.
    pub period: LearningQuery,
    /// Only incidents affecting this service.
    pub service: Option<String>,
    /// The zone's name (`UTC`, `Europe/Berlin`).
    pub tz_name: String,
    /// The zone of the busiest hours.
    pub tz: TimeZone,
}

impl InsightsQuery {
    /// Parses `from`, `to`, `bucket`, `team`, `service` and `tz`; empty values count as absent.
    /// Every bad parameter is named in the error.
    pub fn parse(pairs: &[(String, String)], today: Date) -> Result<Self, ValidationError> {
        let mut e = ValidationError::default();
        let (mut service, mut tz_name, mut tz) = (None, "UTC".to_string(), TimeZone::UTC);
        let mut rest = Vec::new();
        for (k, v) in pairs {
            let v = v.trim();
            match k.as_str() {
                _ if v.is_empty() => {}
                "service" => service = Some(slug(&mut e, "service", &v.to_ascii_lowercase())),
                "tz" => match TimeZone::get(v) {
                    Ok(z) => (tz_name, tz) = (v.to_string(), z),
                    Err(_) => e.push_missing("tz", format!("unknown time zone '{v}'")),
                },
                "from" | "to" | "team" | "bucket" => rest.push((k.clone(), v.to_string())),
                other => e.push(
                    other,
                    "unknown parameter; use from, to, bucket, team, service, tz",
                ),
            }
        }
        let period = match LearningQuery::parse(&rest, today) {
            Ok(p) => Some(p),
            Err(v) => {
                e.fields.extend(v.fields);
                None
            }
        };
        match period {
            Some(period) if e.fields.is_empty() => Ok(Self {
                period,
                service,
                tz_name,
                tz,
            }),
            _ => Err(e),
        }
    }
}

/// An incident as the report needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentFact {
    /// `INC-42`.
    pub reference: String,
    /// Its severity now.
    pub severity: String,
    /// Affected services.
    pub services: Vec<String>,
    /// When it was declared.
    pub declared_at: Timestamp,
    /// When it was resolved (derived key timestamp), if it is.
    pub resolved_at: Option<Timestamp>,
    /// Its metrics (from [`crate::metrics::compute`]).
    pub metrics: IncidentMetrics,
    /// Its postmortem decision carries the `repeated` tag.
    pub repeated: bool,
    /// Its action items, with their creation times.
    pub items: Vec<(Timestamp, ItemFacts)>,
    /// The people holding a role in it: id and name.
    pub responders: Vec<(i64, String)>,
}

/// A page as the report needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageFact {
    /// The page's id.
    pub id: i64,
    /// Who it notified, with their name and the first notification's time.
    pub notified: Vec<(i64, String, Timestamp)>,
    /// Who acknowledged it, their name, and when.
    pub acknowledged: Option<(i64, String, Timestamp)>,
}

/// MTTx of one metric in one bucket.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Mttx {
    /// Incidents that have the metric.
    pub count: usize,
    /// Median, seconds.
    pub median_seconds: Option<f64>,
    /// 90th percentile (nearest rank), seconds.
    pub p90_seconds: Option<f64>,
}

/// A bucket's MTTx.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendBucket {
    /// First day (inclusive).
    pub start: Date,
    /// Day after the last (exclusive).
    pub end: Date,
    /// Incidents declared in it.
    pub incidents: usize,
    /// Time to detect.
    pub mttd: Mttx,
    /// Time to acknowledge.
    pub mtta: Mttx,
    /// Time to mitigate.
    pub mttm: Mttx,
    /// Time to resolve.
    pub mttr: Mttx,
}

/// A bucket's incidents by severity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeverityBucket {
    /// First day (inclusive).
    pub start: Date,
    /// Day after the last (exclusive).
    pub end: Date,
    /// Incidents per severity (every severity of the report, zeros included).
    pub counts: BTreeMap<String, usize>,
}

/// Incidents and downtime of a service or a team.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlaceRow {
    /// Service or team slug.
    pub name: String,
    /// For a service, its owner team.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// Incidents.
    pub incidents: usize,
    /// Downtime, minutes.
    pub downtime_minutes: f64,
}

/// One weekday × hour cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HourCell {
    /// 1 = Monday … 7 = Sunday.
    pub weekday: i8,
    /// 0–23.
    pub hour: i8,
    /// Incidents declared then.
    pub incidents: usize,
}

/// One person's load.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResponderRow {
    /// User id.
    pub user_id: i64,
    /// Name.
    pub name: String,
    /// Pages that notified them.
    pub pages_received: usize,
    /// Pages they acknowledged.
    pub pages_acknowledged: usize,
    /// Pages received outside working hours.
    pub out_of_hours_pages: usize,
    /// Hours on incidents.
    pub hours_on_incidents: f64,
}

/// A bucket's action items.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemBucket {
    /// First day (inclusive).
    pub start: Date,
    /// Day after the last (exclusive).
    pub end: Date,
    /// Created in the bucket.
    pub created: usize,
    /// Of which done by the due day.
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

/// A bucket's repeats.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RepeatBucket {
    /// First day (inclusive).
    pub start: Date,
    /// Day after the last (exclusive).
    pub end: Date,
    /// Incidents declared in it.
    pub incidents: usize,
    /// Of which repeats.
    pub repeated: usize,
    /// The repeats' references.
    pub references: Vec<String>,
}

/// The report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentInsights {
    /// First day (inclusive).
    pub from: Date,
    /// Day after the last (exclusive).
    pub to: Date,
    /// `week` or `month`.
    pub bucket: BucketSize,
    /// The team it is narrowed to.
    pub team: Option<String>,
    /// The service it is narrowed to.
    pub service: Option<String>,
    /// The zone of the busiest hours.
    pub tz: String,
    /// Incidents counted (declared in the period).
    pub incidents: usize,
    /// MTTx per bucket.
    pub trends: Vec<TrendBucket>,
    /// Every severity seen, sorted.
    pub severities: Vec<String>,
    /// Severity mix per bucket.
    pub severity_mix: Vec<SeverityBucket>,
    /// Per service, most incidents first.
    pub services: Vec<PlaceRow>,
    /// Per team, most incidents first.
    pub teams: Vec<PlaceRow>,
    /// 168 cells, Monday 00h first.
    pub busiest_hours: Vec<HourCell>,
    /// Per person, most pages first.
    pub responders: Vec<ResponderRow>,
    /// Action items per bucket of creation.
    pub action_items: Vec<ItemBucket>,
    /// Repeats per bucket.
    pub repeats: Vec<RepeatBucket>,
}

/// The period's buckets: `(first day, day after the last)`.
fn buckets(q: &LearningQuery) -> Vec<(Date, Date)> {
    let mut out = Vec::new();
    let mut b = q.from;
    while b < q.to {
        let next = q.bucket.next(q.bucket.start_of(b)).min(q.to);
        out.push((b, next));
        b = next;
    }
    out
}

fn within(t: Timestamp, (s, e): (Date, Date)) -> bool {
    t >= midnight(s) && t < midnight(e)
}

fn mttx(of: &[&IncidentFact], f: fn(&IncidentMetrics) -> Option<f64>) -> Mttx {
    let s = summarize(of.iter().map(|i| f(&i.metrics)));
    Mttx {
        count: s.count,
        median_seconds: s.median,
        p90_seconds: s.p90,
    }
}

/// Everything the report is computed from.
#[derive(Debug, Clone)]
pub struct Facts<'a> {
    /// Incidents the caller may see, already narrowed to the team or service.
    pub incidents: &'a [IncidentFact],
    /// Pages the caller may see.
    pub pages: &'a [PageFact],
    /// Owner team of each service.
    pub owners: &'a BTreeMap<String, String>,
    /// The organisation's working calendar, and its zone.
    pub calendar: &'a WorkCalendar,
    /// Now.
    pub now: Timestamp,
    /// Today in the organisation's calendar (for overdue action items).
    pub today: Date,
}

/// Computes the report for `q` from `f`.
pub fn incident_insights(q: &InsightsQuery, f: &Facts<'_>) -> IncidentInsights {
    let p = &q.period;
    let (start, end) = (p.start(), p.end());
    let counted: Vec<&IncidentFact> = f
        .incidents
        .iter()
        .filter(|i| i.declared_at >= start && i.declared_at < end)
        .collect();
    let bs = buckets(p);
    let per_bucket = |b: (Date, Date)| -> Vec<&IncidentFact> {
        counted
            .iter()
            .copied()
            .filter(|i| within(i.declared_at, b))
            .collect()
    };
    let severities: Vec<String> = counted
        .iter()
        .map(|i| i.severity.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut trends = Vec::new();
    let mut severity_mix = Vec::new();
    let mut repeats = Vec::new();
    for &b in &bs {
        let of = per_bucket(b);
        trends.push(TrendBucket {
            start: b.0,
            end: b.1,
            incidents: of.len(),
            mttd: mttx(&of, |m| m.time_to_detect_seconds),
            mtta: mttx(&of, |m| m.time_to_acknowledge_seconds),
            mttm: mttx(&of, |m| m.time_to_mitigate_seconds),
            mttr: mttx(&of, |m| m.time_to_resolve_seconds),
        });
        let mut counts: BTreeMap<String, usize> =
            severities.iter().map(|s| (s.clone(), 0)).collect();
        for i in &of {
            *counts.entry(i.severity.clone()).or_default() += 1;
        }
        severity_mix.push(SeverityBucket {
            start: b.0,
            end: b.1,
            counts,
        });
        let references: Vec<String> = of
            .iter()
            .filter(|i| i.repeated)
            .map(|i| i.reference.clone())
            .collect();
        repeats.push(RepeatBucket {
            start: b.0,
            end: b.1,
            incidents: of.len(),
            repeated: references.len(),
            references,
        });
    }
    let (services, teams) = places(&counted, f.owners);
    IncidentInsights {
        from: p.from,
        to: p.to,
        bucket: p.bucket,
        team: p.team.clone(),
        service: q.service.clone(),
        tz: q.tz_name.clone(),
        incidents: counted.len(),
        trends,
        severities,
        severity_mix,
        services,
        teams,
        busiest_hours: busiest_hours(&counted, &q.tz),
        responders: responders(f, start, end),
        action_items: action_items(&counted, &bs, f.today),
        repeats,
    }
}

/// Incidents and downtime by service and by team, most incidents first, then by name.
fn places(
    counted: &[&IncidentFact],
    owners: &BTreeMap<String, String>,
) -> (Vec<PlaceRow>, Vec<PlaceRow>) {
    let owner = |s: &str| owners.get(s).cloned().unwrap_or_else(|| NO_TEAM.into());
    let mut services: BTreeMap<String, (usize, f64)> = BTreeMap::new();
    let mut teams: BTreeMap<String, (usize, f64)> = BTreeMap::new();
    for i in counted {
        for s in &i.services {
            services.entry(s.clone()).or_default().0 += 1;
        }
        for t in i.services.iter().map(|s| owner(s)).collect::<BTreeSet<_>>() {
            teams.entry(t).or_default().0 += 1;
        }
        for d in &i.metrics.service_downtime {
            services.entry(d.service.clone()).or_default().1 += d.minutes;
            teams.entry(owner(&d.service)).or_default().1 += d.minutes;
        }
    }
    let rows = |m: BTreeMap<String, (usize, f64)>, with_team: bool| {
        let mut v: Vec<PlaceRow> = m
            .into_iter()
            .map(|(name, (incidents, downtime_minutes))| PlaceRow {
                team: with_team.then(|| owner(&name)),
                name,
                incidents,
                downtime_minutes,
            })
            .collect();
        v.sort_by(|a, b| b.incidents.cmp(&a.incidents).then(a.name.cmp(&b.name)));
        v
    };
    (rows(services, true), rows(teams, false))
}

fn busiest_hours(counted: &[&IncidentFact], tz: &TimeZone) -> Vec<HourCell> {
    let mut grid = [[0usize; 24]; 7];
    for i in counted {
        let z = i.declared_at.to_zoned(tz.clone());
        let d = usize::from(z.weekday().to_monday_zero_offset().unsigned_abs());
        if let Some(c) = grid
            .get_mut(d)
            .and_then(|row| row.get_mut(usize::from(z.hour().unsigned_abs())))
        {
            *c += 1;
        }
    }
    let mut out = Vec::with_capacity(168);
    for (d, row) in (1i8..).zip(grid.iter()) {
        for (h, n) in (0i8..).zip(row.iter()) {
            out.push(HourCell {
                weekday: d,
                hour: h,
                incidents: *n,
            });
        }
    }
    out
}

fn action_items(counted: &[&IncidentFact], bs: &[(Date, Date)], today: Date) -> Vec<ItemBucket> {
    bs.iter()
        .map(|&b| {
            let mut r = ItemBucket {
                start: b.0,
                end: b.1,
                created: 0,
                done_on_time: 0,
                done_late: 0,
                overdue: 0,
                open: 0,
                wont_do: 0,
            };
            for (_, item) in counted
                .iter()
                .flat_map(|i| i.items.iter())
                .filter(|(at, _)| within(*at, b))
            {
                r.created += 1;
                match item_outcome(item, today) {
                    ItemOutcome::DoneOnTime => r.done_on_time += 1,
                    ItemOutcome::DoneLate => r.done_late += 1,
                    ItemOutcome::Overdue => r.overdue += 1,
                    ItemOutcome::Open => r.open += 1,
                    ItemOutcome::WontDo => r.wont_do += 1,
                }
            }
            r
        })
        .collect()
}

/// A weekday's short English name, Monday = 1.
pub fn weekday_short(n: i8) -> &'static str {
    match Weekday::from_monday_one_offset(n) {
        Ok(Weekday::Monday) => "Mon",
        Ok(Weekday::Tuesday) => "Tue",
        Ok(Weekday::Wednesday) => "Wed",
        Ok(Weekday::Thursday) => "Thu",
        Ok(Weekday::Friday) => "Fri",
        Ok(Weekday::Saturday) => "Sat",
        Ok(Weekday::Sunday) => "Sun",
        Err(_) => "?",
    }
}

#[cfg(test)]
mod tests;
