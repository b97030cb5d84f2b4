//! Until when a page rendered at some moment stays true without any write.
//!
//! A status page changes as time passes, not only when someone writes (issue 9, part 10): a
//! component in an outage loses uptime every minute, the day bars roll over at midnight in the
//! page's zone, and scheduled maintenance starts and ends on time. [`valid_until`] is the
//! earliest of:
//! - the next **minute boundary** at which an uptime figure the page shows changes (the
//!   window's percentage, today's percentage and today's minutes in each state, each as
//!   shown): while a component is not operational that is the next minute, so a page is
//!   rebuilt at most once a minute and its figures are never more than a minute old;
//! - the next **midnight** in the page's zone (23 or 25 hours away on DST days);
//! - the next **start or end** of a maintenance window (and the end of its verification);
//! - a component's creation or state change recorded after the moment rendered (another
//!   server's clock may run ahead of this one's).
//!
//! Each figure is monotonic while no state changes (the observed time and each state's time
//! only grow), so the first minute at which any of them differs is found by bisection.

use super::ComponentState;
use super::input::{ComponentInput, PageInput};
use super::rules::next_transition_at;
use super::uptime::{self, DayBar, format_percent};
use crate::Timestamp;
use jiff::tz::TimeZone;

const MINUTE_MS: i64 = 60_000;

/// The earliest moment after `now` at which page `p`, rendered at `now` with uptime windows
/// of `window_days`, may show something else without any write (see the module docs).
pub fn valid_until(p: &PageInput, window_days: u32, now: Timestamp) -> Timestamp {
    let tz = TimeZone::get(&p.time_zone).unwrap_or(TimeZone::UTC);
    let midnight = uptime::next_day_start(now, &tz);
    let maintenance = p.maintenances.iter().filter_map(|m| {
        next_transition_at(m.scheduled_for, m.scheduled_until, m.verify_minutes, now)
            .map(|(_, at)| at)
    });
    let leaves = p.components.iter().filter(|c| !c.is_group);
    let recorded_later = leaves
        .clone()
        .flat_map(|c| c.history.iter().map(|h| h.at).chain([c.created_at]))
        .filter(|at| *at > now);
    let uptime = leaves.filter_map(|c| next_uptime_change(c, &tz, window_days, now, midnight));
    maintenance
        .chain(recorded_later)
        .chain(uptime)
        .fold(midnight, Timestamp::min)
}

/// What a page shows of one component's uptime at some moment of a day.
#[derive(Debug, PartialEq, Eq)]
struct Figures {
    window: Option<String>,
    today: Option<String>,
    worst_today: Option<ComponentState>,
    /// Today's minutes in major outage, partial outage, degraded performance, maintenance.
    minutes_today: [i64; 4],
}

fn figures(c: &ComponentInput, tz: &TimeZone, window_days: u32, at: Timestamp) -> Figures {
    let u = uptime::uptime_bars(&c.uptime_history(), tz, window_days, at);
    let today = u.days.last();
    let minutes = |f: fn(&DayBar) -> i64| today.map_or(0, f);
    Figures {
        window: u.uptime_percent.map(format_percent),
        today: today.and_then(|d| d.uptime_percent).map(format_percent),
        worst_today: today.and_then(|d| d.worst_state),
        minutes_today: [
            minutes(|d| d.outage_minutes),
            minutes(|d| d.partial_minutes),
            minutes(|d| d.degraded_minutes),
            minutes(|d| d.maintenance_minutes),
        ],
    }
}

/// The first minute boundary after `now` and before `before` (the next midnight) at which the
/// component's figures differ from those at `now`; `None` when they hold until then.
fn next_uptime_change(
    c: &ComponentInput,
    tz: &TimeZone,
    window_days: u32,
    now: Timestamp,
    before: Timestamp,
) -> Option<Timestamp> {
    let first = (now.as_millisecond().div_euclid(MINUTE_MS) + 1) * MINUTE_MS;
    let boundary = |k: i64| Timestamp::from_millisecond(first + k * MINUTE_MS).ok();
    // Minute boundaries 0..count are before midnight.
    let count = (before.as_millisecond() - first).div_euclid(MINUTE_MS)
        + i64::from((before.as_millisecond() - first).rem_euclid(MINUTE_MS) != 0);
    if count <= 0 {
        return None;
    }
    let shown = figures(c, tz, window_days, now);
    let differs = |k: i64| boundary(k).is_none_or(|t| figures(c, tz, window_days, t) != shown);
    if !differs(count - 1) {
        return None;
    }
    // The first k whose figures differ: differs(lo - 1) is false (or lo = 0), differs(hi) true.
    let (mut lo, mut hi) = (0, count - 1);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if differs(mid) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    boundary(lo)
}

#[cfg(test)]
mod tests;
