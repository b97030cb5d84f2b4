//! Uptime bars: per-day availability of one component over a window of days, from the
//! component's state history, on the calendar of the page's time zone.
//!
//! # Weighting (Statuspage's)
//! - `major_outage` counts **fully** as downtime;
//! - `partial_outage` counts as **30 %** of its duration ([`PARTIAL_OUTAGE_WEIGHT`]);
//! - `degraded_performance` and `under_maintenance` do not count as downtime (they are
//!   reported in their own minute counts).
//!
//! `uptime % = 100 × (observed − major − 0.3 × partial) / observed`, where `observed` is the
//! part of the day during which the component existed and which is not in the future.
//! The window's percentage weighs each day by its observed time (a 25-hour DST day counts a
//! little more than a 23-hour one). Percentages are exact `f64`s; [`format_percent`] rounds
//! them **down** for display, so any downtime keeps a page below "100.00".
//!
//! # Days
//! The window is the `days` local dates ending with the date of `now` in the page's zone,
//! oldest first. A day runs from its local midnight to the next (23 or 25 hours on DST days).
//! Today counts only up to `now`. Days, or parts of days, before `created_at` are not counted:
//! a day entirely before it is "no data" (`uptime_percent: None`), never 100 %.
//!
//! Minute counts are rounded **up** to whole minutes, so a 10-second outage shows as 1 minute
//! rather than disappearing.

use super::ComponentState;
use crate::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Serialize;

/// The share of a partial outage's duration that counts as downtime.
pub const PARTIAL_OUTAGE_WEIGHT: f64 = 0.3;

/// The usual window of a status page: 90 days.
pub const DEFAULT_WINDOW_DAYS: u32 = 90;

/// One change of a component's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StateChange {
    /// When the state changed.
    #[serde(with = "crate::ts")]
    pub at: Timestamp,
    /// The state from then on.
    pub state: ComponentState,
}

/// A component's state over time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct History<'a> {
    /// When the component began to exist; nothing before is counted.
    pub created_at: Timestamp,
    /// The state before the first of `changes` (at creation, or at the window's start when
    /// only the changes inside the window were loaded).
    pub initial: ComponentState,
    /// The changes, in any order; a change before the window (or before creation) just sets
    /// the state the window starts with.
    pub changes: &'a [StateChange],
}

/// One day's bar.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayBar {
    /// The local date in the page's zone.
    pub date: Date,
    /// Availability over the observed part of the day; `None` when there is no data.
    pub uptime_percent: Option<f64>,
    /// The worst state held for some time that day; `None` when there is no data.
    pub worst_state: Option<ComponentState>,
    /// Minutes observed (the day's length, clipped to creation and to now).
    pub observed_minutes: i64,
    /// Minutes in `major_outage`.
    pub outage_minutes: i64,
    /// Minutes in `partial_outage`.
    pub partial_minutes: i64,
    /// Minutes in `degraded_performance`.
    pub degraded_minutes: i64,
    /// Minutes in `under_maintenance`.
    pub maintenance_minutes: i64,
}

/// A window's bars and its overall availability.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Uptime {
    /// One bar per day, oldest first.
    pub days: Vec<DayBar>,
    /// Availability over every observed millisecond of the window; `None` with no data.
    pub uptime_percent: Option<f64>,
}

/// Milliseconds spent in each state during one day.
#[derive(Default)]
struct Tally {
    observed: i64,
    by_state: [i64; 5],
}

impl Tally {
    fn ms(&self, s: ComponentState) -> i64 {
        self.by_state[s as usize]
    }

    fn downtime(&self) -> f64 {
        self.ms(ComponentState::MajorOutage) as f64
            + PARTIAL_OUTAGE_WEIGHT * self.ms(ComponentState::PartialOutage) as f64
    }
}

fn ceil_minutes(ms: i64) -> i64 {
    (ms + 59_999).div_euclid(60_000)
}

fn percent(observed: i64, downtime: f64) -> Option<f64> {
    (observed > 0).then(|| 100.0 * (observed as f64 - downtime) / observed as f64)
}

fn start_of(date: Date, tz: &TimeZone) -> Timestamp {
    // Local midnight, or the first instant of the day when a DST gap swallows midnight.
    date.to_zoned(tz.clone())
        .expect("dates handled here are far inside jiff's range")
        .timestamp()
}

/// The first instant of the day after the date of `now` in `tz` (its local midnight, or the
/// first instant of that day when a DST gap swallows midnight): when the day bars roll over.
pub fn next_day_start(now: Timestamp, tz: &TimeZone) -> Timestamp {
    let tomorrow = now
        .to_zoned(tz.clone())
        .date()
        .tomorrow()
        .expect("dates handled here are far inside jiff's range");
    start_of(tomorrow, tz)
}

/// The `(start, state)` segments in effect from `from` on, with `from` as the first start.
fn segments(history: &History<'_>, from: Timestamp) -> Vec<(Timestamp, ComponentState)> {
    let mut changes = history.changes.to_vec();
    changes.sort_by_key(|c| c.at);
    let mut state = history.initial;
    let mut out = Vec::new();
    for c in changes {
        if c.at <= from {
            state = c.state;
        } else {
            out.push((c.at, c.state));
        }
    }
    out.insert(0, (from, state));
    out
}

/// The uptime bars of the `days` local dates ending with today (the date of `now` in `tz`).
pub fn uptime_bars(history: &History<'_>, tz: &TimeZone, days: u32, now: Timestamp) -> Uptime {
    let today = now.to_zoned(tz.clone()).date();
    let mut dates = Vec::with_capacity(days as usize);
    let mut d = today;
    for _ in 0..days {
        dates.push(d);
        d = d
            .yesterday()
            .expect("dates handled here are far inside jiff's range");
    }
    dates.reverse();

    let from = history.created_at;
    let segs = segments(history, from);
    let mut total_observed = 0i64;
    let mut total_down = 0f64;
    let mut bars = Vec::with_capacity(dates.len());
    for date in dates {
        let day_start = start_of(date, tz);
        let next = date
            .tomorrow()
            .expect("dates handled here are far inside jiff's range");
        let lo = day_start.max(from);
        let hi = start_of(next, tz).min(now);
        let mut tally = Tally::default();
        let mut worst: Option<ComponentState> = None;
        for (i, &(seg_start, state)) in segs.iter().enumerate() {
            let seg_end = segs.get(i + 1).map_or(hi, |s| s.0);
            let a = seg_start.max(lo);
            let b = seg_end.min(hi);
            if b > a {
                let ms = b.as_millisecond() - a.as_millisecond();
                tally.observed += ms;
                tally.by_state[state as usize] += ms;
                worst = worst.max(Some(state));
            }
        }
        total_observed += tally.observed;
        total_down += tally.downtime();
        bars.push(DayBar {
            date,
            uptime_percent: percent(tally.observed, tally.downtime()),
            worst_state: worst,
            observed_minutes: ceil_minutes(tally.observed),
            outage_minutes: ceil_minutes(tally.ms(ComponentState::MajorOutage)),
            partial_minutes: ceil_minutes(tally.ms(ComponentState::PartialOutage)),
            degraded_minutes: ceil_minutes(tally.ms(ComponentState::DegradedPerformance)),
            maintenance_minutes: ceil_minutes(tally.ms(ComponentState::UnderMaintenance)),
        });
    }
    Uptime {
        days: bars,
        uptime_percent: percent(total_observed, total_down),
    }
}

/// Formats a percentage with two decimals, rounded down ("99.99"), for the page.
pub fn format_percent(p: f64) -> String {
    let hundredths = (p * 100.0 + 1e-9).floor() / 100.0;
    format!("{hundredths:.2}")
}

#[cfg(test)]
mod tests;
