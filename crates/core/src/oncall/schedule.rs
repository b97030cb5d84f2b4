//! On-call schedules: layered rotations in one time zone, restrictions and overrides, and the
//! pure computation of who is on call (issue #12, part 1).
//!
//! # Rules
//! - A schedule has a name, an IANA time zone and one or more ordered layers. Where several
//!   layers have someone on call at an instant, the layer listed **last** wins. Overrides sit on
//!   top of every layer; where overrides overlap, the one listed later (created later) wins.
//! - A layer hands turns to its participants in order: turn `k` belongs to
//!   `participants[k mod len]`. `daily` and `weekly` turns hand off at the start's local
//!   wall-clock time, so across a DST change a daily turn lasts 23 or 25 hours; `hours:N` turns
//!   count absolute elapsed hours from the start instant.
//! - A local time that does not exist (spring-forward gap) means the first instant after the
//!   gap (02:30 in Berlin on 2026-03-29 is 03:00 CEST); an ambiguous one (fall-back) means the
//!   earlier of its two instants. This applies to starts, ends, handoffs and restriction bounds.
//! - Before its start and from its end on, a layer has nobody on call. Outside every one of its
//!   restriction windows a layer has nobody either, and the layers below show through; the
//!   rotation keeps counting through restricted time.
//! - Every interval is half-open: a handoff instant belongs to the new person.
//!
//! # JSON shape of [`ScheduleSpec`]
//! ```json
//! {
//!   "name": "Payments primary",
//!   "time_zone": "Europe/Berlin",
//!   "layers": [
//!     {
//!       "participants": ["alice", "bob"],
//!       "rotation": "weekly",
//!       "start": "2026-03-23T09:00:00",
//!       "end": null,
//!       "restrictions": [
//!         {"type": "daily", "start": "22:00", "end": "06:00"},
//!         {"type": "weekly", "start_day": "friday", "start_time": "18:00",
//!          "end_day": "monday", "end_time": "09:00"}
//!       ]
//!     }
//!   ],
//!   "overrides": [
//!     {"user": "carol", "start": "2026-03-29T08:00:00Z", "end": "2026-03-29T12:00:00Z"}
//!   ]
//! }
//! ```
//! `rotation` is `"daily"`, `"weekly"` or `"hours:N"` (1 ≤ N ≤ 8784); `start` and `end` of a
//! layer are local date-times in the schedule's zone; restriction times are `"HH:MM"` local
//! times and weekdays are `"monday"` … `"sunday"`; override bounds are instants. `end`,
//! `restrictions` and `overrides` may be left out.

use std::fmt;
use std::str::FromStr;

use jiff::civil::{Date, DateTime, Time, Weekday};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{SignedDuration, Timestamp, ToSpan};
use serde::{Deserialize, Serialize};

use crate::validation::{ValidationError, required_text};

/// Who is on call: a user's id.
pub type UserId = String;

/// The largest `N` of an `hours:N` rotation: a leap year's hours.
pub const MAX_ROTATION_HOURS: u32 = 24 * 366;

/// How long one turn of a layer lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotation {
    /// A turn per local day, handed off at the start's wall-clock time.
    Daily,
    /// A turn per local week, handed off at the start's weekday and wall-clock time.
    Weekly,
    /// A turn of this many absolute hours.
    Hours(u32),
}

impl FromStr for Rotation {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "daily" => Ok(Self::Daily),
            "weekly" => Ok(Self::Weekly),
            other => {
                let n = other
                    .strip_prefix("hours:")
                    .ok_or_else(|| "must be daily, weekly or hours:N".to_string())?;
                let n: u32 = n
                    .parse()
                    .map_err(|_| "hours:N needs a whole number of hours".to_string())?;
                if !(1..=MAX_ROTATION_HOURS).contains(&n) {
                    return Err(format!("hours:N needs N from 1 to {MAX_ROTATION_HOURS}"));
                }
                Ok(Self::Hours(n))
            }
        }
    }
}

impl fmt::Display for Rotation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Daily => f.write_str("daily"),
            Self::Weekly => f.write_str("weekly"),
            Self::Hours(n) => write!(f, "hours:{n}"),
        }
    }
}

impl Serialize for Rotation {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Rotation {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A schedule as written by people and stored: checked and compiled by [`Schedule::new`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleSpec {
    /// The schedule's name.
    pub name: String,
    /// The IANA time zone of every local time in the schedule (`Europe/Berlin`).
    pub time_zone: String,
    /// The layers, lowest first: the last layer with someone on call wins.
    pub layers: Vec<LayerSpec>,
    /// Overrides, oldest first: a later override wins where overrides overlap.
    #[serde(default)]
    pub overrides: Vec<Override>,
}

/// One layer of a schedule, as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerSpec {
    /// Who takes turns, in order; a user may appear more than once.
    pub participants: Vec<UserId>,
    /// `daily`, `weekly` or `hours:N`.
    pub rotation: String,
    /// Local date-time of the first participant's first turn (`2026-03-29T02:30:00`).
    pub start: DateTime,
    /// Local date-time from which the layer has nobody on call.
    #[serde(default)]
    pub end: Option<DateTime>,
    /// Windows the layer is on call in; none means always.
    #[serde(default)]
    pub restrictions: Vec<RestrictionSpec>,
}

/// A window a layer is on call in, as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RestrictionSpec {
    /// Every day from `start` to `end` (`"HH:MM"`); `end` ≤ `start` runs past midnight.
    Daily {
        /// Local time the window opens.
        start: String,
        /// Local time the window closes.
        end: String,
    },
    /// Every week from `start_day` `start_time` to the next `end_day` `end_time`, wrapping
    /// round the week (`friday 18:00` to `monday 09:00`).
    Weekly {
        /// Weekday the window opens (`"friday"`).
        start_day: String,
        /// Local time the window opens.
        start_time: String,
        /// Weekday the window closes.
        end_day: String,
        /// Local time the window closes.
        end_time: String,
    },
}

/// Someone on call in place of every layer over `[start, end)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Override {
    /// Who is on call.
    pub user: UserId,
    /// First instant of the override.
    pub start: Timestamp,
    /// First instant after the override.
    pub end: Timestamp,
}

/// One stretch of one person on call: `[start, end)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Who is on call.
    pub user: UserId,
    /// First instant.
    pub start: Timestamp,
    /// First instant after.
    pub end: Timestamp,
}

/// A stretch of time `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interval {
    /// First instant.
    pub start: Timestamp,
    /// First instant after.
    pub end: Timestamp,
}

/// A checked schedule, ready to answer who is on call.
#[derive(Debug, Clone)]
pub struct Schedule {
    name: String,
    tz: TimeZone,
    layers: Vec<Layer>,
    overrides: Vec<Override>,
}

#[derive(Debug, Clone)]
struct Layer {
    participants: Vec<UserId>,
    rotation: Rotation,
    start: DateTime,
    start_at: Timestamp,
    end_at: Option<Timestamp>,
    restrictions: Vec<Restriction>,
}

#[derive(Debug, Clone, Copy)]
enum Restriction {
    Daily {
        start: Time,
        end: Time,
    },
    Weekly {
        start_day: Weekday,
        start: Time,
        /// Days from the opening date to the closing date (0 to 7).
        days: i64,
        end: Time,
    },
}

/// The instant a local date-time means in `tz`: a time in a spring-forward gap means the first
/// instant after the gap, an ambiguous one the earlier of its two instants. `None` only when
/// out of range.
pub fn resolve_local(tz: &TimeZone, dt: DateTime) -> Option<Timestamp> {
    match tz.to_ambiguous_timestamp(dt).offset() {
        AmbiguousOffset::Unambiguous { offset } | AmbiguousOffset::Fold { before: offset, .. } => {
            offset.to_timestamp(dt).ok()
        }
        AmbiguousOffset::Gap { after, .. } => {
            // Read with the later offset, the time falls before the transition; the gap ends
            // at the first transition after that.
            let before_gap = after.to_timestamp(dt).ok()?;
            tz.following(before_gap).next().map(|t| t.timestamp())
        }
    }
}

fn parse_time(s: &str) -> Option<Time> {
    let b = s.as_bytes();
    if b.len() != 5 || b[2] != b':' {
        return None;
    }
    let digits = |x: &[u8]| -> Option<i8> {
        if x.iter().all(u8::is_ascii_digit) {
            Some(((x[0] - b'0') * 10 + (x[1] - b'0')) as i8)
        } else {
            None
        }
    };
    let (h, m) = (digits(&b[0..2])?, digits(&b[3..5])?);
    Time::new(h, m, 0, 0).ok()
}

fn parse_weekday(s: &str) -> Option<Weekday> {
    Some(match s.trim().to_ascii_lowercase().as_str() {
        "monday" => Weekday::Monday,
        "tuesday" => Weekday::Tuesday,
        "wednesday" => Weekday::Wednesday,
        "thursday" => Weekday::Thursday,
        "friday" => Weekday::Friday,
        "saturday" => Weekday::Saturday,
        "sunday" => Weekday::Sunday,
        _ => return None,
    })
}

fn add_days(d: Date, n: i64) -> Option<Date> {
    d.checked_add(n.days()).ok()
}

fn days_between(a: Date, b: Date) -> Option<i64> {
    a.until(b).ok().map(|s| i64::from(s.get_days()))
}

const TIME_MESSAGE: &str = "must be a local time HH:MM";
const DAY_MESSAGE: &str = "must be a weekday, monday to sunday";

fn compile_restriction(
    errors: &mut ValidationError,
    field: &str,
    r: &RestrictionSpec,
) -> Option<Restriction> {
    let mut time = |name: &str, v: &str| {
        let t = parse_time(v.trim());
        if t.is_none() {
            errors.push(format!("{field}.{name}"), TIME_MESSAGE);
        }
        t
    };
    match r {
        RestrictionSpec::Daily { start, end } => {
            let (s, e) = (time("start", start), time("end", end));
            Some(Restriction::Daily { start: s?, end: e? })
        }
        RestrictionSpec::Weekly {
            start_day,
            start_time,
            end_day,
            end_time,
        } => {
            let (st, et) = (time("start_time", start_time), time("end_time", end_time));
            let sd = parse_weekday(start_day);
            if sd.is_none() {
                errors.push(format!("{field}.start_day"), DAY_MESSAGE);
            }
            let ed = parse_weekday(end_day);
            if ed.is_none() {
                errors.push(format!("{field}.end_day"), DAY_MESSAGE);
            }
            let (sd, ed, st, et) = (sd?, ed?, st?, et?);
            let mut days = i64::from(ed.since(sd));
            if days == 0 && et <= st {
                days = 7;
            }
            Some(Restriction::Weekly {
                start_day: sd,
                start: st,
                days,
                end: et,
            })
        }
    }
}

impl Schedule {
    /// Checks a written schedule, naming every wrong field (`time_zone`, `layers[0].rotation`,
    /// `layers[1].restrictions[0].start_day`, `overrides[2].end`, …).
    pub fn new(spec: &ScheduleSpec) -> Result<Self, ValidationError> {
        let mut errors = ValidationError::default();
        let name = required_text(&mut errors, "name", &spec.name, 200);
        let tz = match TimeZone::get(spec.time_zone.trim()) {
            Ok(tz) => Some(tz),
            Err(_) => {
                errors.push(
                    "time_zone",
                    format!("unknown IANA time zone '{}'", spec.time_zone),
                );
                None
            }
        };
        if spec.layers.is_empty() {
            errors.push("layers", "a schedule needs at least one layer");
        }
        let mut layers = Vec::new();
        for (i, l) in spec.layers.iter().enumerate() {
            let f = format!("layers[{i}]");
            if l.participants.is_empty() {
                errors.push(
                    format!("{f}.participants"),
                    "a layer needs at least one participant",
                );
            }
            let mut participants = Vec::new();
            for (j, p) in l.participants.iter().enumerate() {
                participants.push(required_text(
                    &mut errors,
                    &format!("{f}.participants[{j}]"),
                    p,
                    200,
                ));
            }
            let rotation = match l.rotation.parse::<Rotation>() {
                Ok(r) => Some(r),
                Err(m) => {
                    errors.push(format!("{f}.rotation"), m);
                    None
                }
            };
            if l.end.is_some_and(|end| end <= l.start) {
                errors.push(format!("{f}.end"), "must be after the layer's start");
            }
            let mut restrictions = Vec::new();
            for (j, r) in l.restrictions.iter().enumerate() {
                if let Some(r) =
                    compile_restriction(&mut errors, &format!("{f}.restrictions[{j}]"), r)
                {
                    restrictions.push(r);
                }
            }
            let Some(tz) = &tz else { continue };
            let start_at = resolve_local(tz, l.start);
            if start_at.is_none() {
                errors.push(format!("{f}.start"), "is out of range");
            }
            let end_at = l.end.and_then(|e| resolve_local(tz, e));
            if l.end.is_some() && end_at.is_none() {
                errors.push(format!("{f}.end"), "is out of range");
            }
            if let (Some(rotation), Some(start_at)) = (rotation, start_at) {
                layers.push(Layer {
                    participants,
                    rotation,
                    start: l.start,
                    start_at,
                    end_at,
                    restrictions,
                });
            }
        }
        for (i, o) in spec.overrides.iter().enumerate() {
            required_text(&mut errors, &format!("overrides[{i}].user"), &o.user, 200);
            if o.end <= o.start {
                errors.push(
                    format!("overrides[{i}].end"),
                    "must be after the override's start",
                );
            }
        }
        let overrides = spec
            .overrides
            .iter()
            .map(|o| Override {
                user: o.user.trim().to_string(),
                ..o.clone()
            })
            .collect();
        match tz {
            Some(tz) if errors.fields.is_empty() => Ok(Self {
                name,
                tz,
                layers,
                overrides,
            }),
            _ => Err(errors),
        }
    }

    /// The schedule's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The schedule's time zone.
    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }
}

impl Restriction {
    /// The windows opening on local dates `lo..=hi`, as instants, empty ones left out.
    fn windows(&self, tz: &TimeZone, lo: Date, hi: Date, out: &mut Vec<Interval>) {
        let (mut d, step, start, days, end) = match *self {
            Restriction::Daily { start, end } => (lo, 1, start, i64::from(end <= start), end),
            Restriction::Weekly {
                start_day,
                start,
                days,
                end,
            } => {
                let ahead = i64::from(start_day.since(lo.weekday()));
                let Some(first) = add_days(lo, ahead) else {
                    return;
                };
                (first, 7, start, days, end)
            }
        };
        while d <= hi {
            let open = resolve_local(tz, d.to_datetime(start));
            let close = add_days(d, days).and_then(|c| resolve_local(tz, c.to_datetime(end)));
            if let (Some(open), Some(close)) = (open, close)
                && open < close
            {
                out.push(Interval {
                    start: open,
                    end: close,
                });
            }
            match add_days(d, step) {
                Some(next) => d = next,
                None => return,
            }
        }
    }

    fn contains(&self, tz: &TimeZone, at: Timestamp) -> bool {
        let date = tz.to_datetime(at).date();
        let mut ws = Vec::new();
        if let Some(lo) = add_days(date, -8) {
            self.windows(tz, lo, date, &mut ws);
        }
        ws.iter().any(|w| w.start <= at && at < w.end)
    }
}

impl Layer {
    fn step_days(&self) -> i64 {
        match self.rotation {
            Rotation::Weekly => 7,
            _ => 1,
        }
    }

    /// The instant turn `k` begins.
    fn handoff(&self, tz: &TimeZone, k: i64) -> Option<Timestamp> {
        match self.rotation {
            Rotation::Hours(n) => {
                let d = SignedDuration::from_hours(k.checked_mul(i64::from(n))?);
                self.start_at.checked_add(d).ok()
            }
            Rotation::Daily | Rotation::Weekly => {
                let date = add_days(self.start.date(), k.checked_mul(self.step_days())?)?;
                resolve_local(tz, date.to_datetime(self.start.time()))
            }
        }
    }

    /// The turn running at `at`, computed from the elapsed time (hours) or the local date
    /// difference (days, weeks); `None` before the start.
    fn turn_at(&self, tz: &TimeZone, at: Timestamp) -> Option<i64> {
        if at < self.start_at {
            return None;
        }
        let mut k = match self.rotation {
            Rotation::Hours(n) => {
                let secs = at.duration_since(self.start_at).as_secs();
                return Some(secs.div_euclid(i64::from(n) * 3600));
            }
            Rotation::Daily | Rotation::Weekly => {
                let days = days_between(self.start.date(), tz.to_datetime(at).date())?;
                days.div_euclid(self.step_days()).max(0)
            }
        };
        // The local date may sit a turn off near a handoff moved by a gap; settle exactly.
        while k > 0 && self.handoff(tz, k)? > at {
            k -= 1;
        }
        while self.handoff(tz, k + 1)? <= at {
            k += 1;
        }
        Some(k)
    }

    fn user(&self, k: i64) -> Option<&UserId> {
        let len = i64::try_from(self.participants.len()).ok()?;
        let i = usize::try_from(k.rem_euclid(len.max(1))).ok()?;
        self.participants.get(i)
    }

    fn user_at(&self, tz: &TimeZone, at: Timestamp) -> Option<&UserId> {
        if self.end_at.is_some_and(|e| at >= e) {
            return None;
        }
        let k = self.turn_at(tz, at)?;
        if !self.restrictions.is_empty() && !self.restrictions.iter().any(|r| r.contains(tz, at)) {
            return None;
        }
        self.user(k)
    }

    /// The layer's entries over `[from, to)`, restrictions applied, same user merged.
    fn entries(&self, tz: &TimeZone, from: Timestamp, to: Timestamp) -> Vec<Entry> {
        let lo = from.max(self.start_at);
        let hi = self.end_at.map_or(to, |e| e.min(to));
        let mut turns = Vec::new();
        if lo >= hi {
            return turns;
        }
        let Some(mut k) = self.turn_at(tz, lo) else {
            return turns;
        };
        while let (Some(s), Some(e), Some(user)) =
            (self.handoff(tz, k), self.handoff(tz, k + 1), self.user(k))
        {
            let (s, e) = (s.max(lo), e.min(hi));
            if s < e {
                push_merged(&mut turns, user, s, e);
            }
            if e >= hi {
                break;
            }
            k += 1;
        }
        if self.restrictions.is_empty() {
            return turns;
        }
        let (Some(dlo), Some(dhi)) = (
            add_days(tz.to_datetime(lo).date(), -8),
            add_days(tz.to_datetime(hi).date(), 1),
        ) else {
            return Vec::new();
        };
        let mut windows = Vec::new();
        for r in &self.restrictions {
            r.windows(tz, dlo, dhi, &mut windows);
        }
        let windows = union(windows);
        let mut out = Vec::new();
        let mut wi = 0;
        for t in &turns {
            while wi < windows.len() && windows[wi].end <= t.start {
                wi += 1;
            }
            let mut j = wi;
            while j < windows.len() && windows[j].start < t.end {
                let (s, e) = (t.start.max(windows[j].start), t.end.min(windows[j].end));
                if s < e {
                    push_merged(&mut out, &t.user, s, e);
                }
                j += 1;
            }
        }
        out
    }
}

/// Sorts intervals and merges the overlapping or touching ones.
fn union(mut v: Vec<Interval>) -> Vec<Interval> {
    v.sort_by_key(|i| i.start);
    let mut out: Vec<Interval> = Vec::with_capacity(v.len());
    for i in v {
        match out.last_mut() {
            Some(last) if i.start <= last.end => last.end = last.end.max(i.end),
            _ => out.push(i),
        }
    }
    out
}

fn push_merged(out: &mut Vec<Entry>, user: &UserId, start: Timestamp, end: Timestamp) {
    if let Some(last) = out.last_mut()
        && last.user == *user
        && last.end == start
    {
        last.end = end;
        return;
    }
    out.push(Entry {
        user: user.clone(),
        start,
        end,
    });
}

/// Who is on call at `at`: the latest override covering it, else the last layer with someone
/// on call. O(layers + overrides); never scans from a layer's start.
pub fn on_call_at(schedule: &Schedule, at: Timestamp) -> Option<UserId> {
    if let Some(o) = schedule
        .overrides
        .iter()
        .rev()
        .find(|o| o.start <= at && at < o.end)
    {
        return Some(o.user.clone());
    }
    schedule
        .layers
        .iter()
        .rev()
        .find_map(|l| l.user_at(&schedule.tz, at))
        .cloned()
}

/// Each layer's own entries over `[from, to)`, in layer order (for drawing the layers): turns
/// clipped to the range, the layer's start and end and its restrictions, with the same user's
/// consecutive turns merged. Overrides and other layers are not applied.
pub fn layer_entries(schedule: &Schedule, from: Timestamp, to: Timestamp) -> Vec<Vec<Entry>> {
    schedule
        .layers
        .iter()
        .map(|l| {
            if from < to {
                l.entries(&schedule.tz, from, to)
            } else {
                Vec::new()
            }
        })
        .collect()
}

/// Who is on call over `[from, to)`: contiguous entries clipped to the range, merged where the
/// same user continues (also from a layer into an override), times with nobody left out.
pub fn final_schedule(schedule: &Schedule, from: Timestamp, to: Timestamp) -> Vec<Entry> {
    let mut out = Vec::new();
    if from >= to {
        return out;
    }
    let layers = layer_entries(schedule, from, to);
    let overrides: Vec<&Override> = schedule
        .overrides
        .iter()
        .filter(|o| o.start < to && from < o.end)
        .collect();
    let mut bounds = vec![from, to];
    let mut keep = |t: Timestamp| {
        if from < t && t < to {
            bounds.push(t);
        }
    };
    for e in layers.iter().flatten() {
        keep(e.start);
        keep(e.end);
    }
    for o in &overrides {
        keep(o.start);
        keep(o.end);
    }
    bounds.sort();
    bounds.dedup();
    let mut next = vec![0usize; layers.len()];
    for w in bounds.windows(2) {
        let (a, b) = (w[0], w[1]);
        let mut user = overrides
            .iter()
            .rev()
            .find(|o| o.start <= a && a < o.end)
            .map(|o| &o.user);
        for (li, entries) in layers.iter().enumerate().rev() {
            while next[li] < entries.len() && entries[next[li]].end <= a {
                next[li] += 1;
            }
            if user.is_none()
                && let Some(e) = entries.get(next[li])
                && e.start <= a
            {
                user = Some(&e.user);
            }
        }
        if let Some(u) = user {
            push_merged(&mut out, u, a, b);
        }
    }
    out
}

/// The stretches of `[from, to)` when nobody is on call.
pub fn gaps(schedule: &Schedule, from: Timestamp, to: Timestamp) -> Vec<Interval> {
    let mut out = Vec::new();
    let mut cursor = from;
    for e in final_schedule(schedule, from, to) {
        if cursor < e.start {
            out.push(Interval {
                start: cursor,
                end: e.start,
            });
        }
        cursor = e.end;
    }
    if cursor < to {
        out.push(Interval {
            start: cursor,
            end: to,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn dt(s: &str) -> DateTime {
        s.parse().unwrap()
    }

    fn layer(participants: &[&str], rotation: &str, start: &str) -> LayerSpec {
        LayerSpec {
            participants: participants.iter().map(|p| p.to_string()).collect(),
            rotation: rotation.to_string(),
            start: dt(start),
            end: None,
            restrictions: Vec::new(),
        }
    }

    fn spec(tz: &str, layers: Vec<LayerSpec>) -> ScheduleSpec {
        ScheduleSpec {
            name: "primary".into(),
            time_zone: tz.into(),
            layers,
            overrides: Vec::new(),
        }
    }

    fn build(tz: &str, layers: Vec<LayerSpec>) -> Schedule {
        Schedule::new(&spec(tz, layers)).unwrap()
    }

    fn ov(user: &str, start: &str, end: &str) -> Override {
        Override {
            user: user.into(),
            start: ts(start),
            end: ts(end),
        }
    }

    fn entry(user: &str, start: &str, end: &str) -> Entry {
        Entry {
            user: user.into(),
            start: ts(start),
            end: ts(end),
        }
    }

    fn at(s: &Schedule, t: &str) -> Option<String> {
        on_call_at(s, ts(t))
    }

    fn hours(e: &Entry) -> f64 {
        e.end.duration_since(e.start).as_secs_f64() / 3600.0
    }

    fn daily(time: &str) -> Restriction {
        let (s, e) = time.split_once('-').unwrap();
        Restriction::Daily {
            start: parse_time(s).unwrap(),
            end: parse_time(e).unwrap(),
        }
    }

    fn daily_r(start: &str, end: &str) -> RestrictionSpec {
        RestrictionSpec::Daily {
            start: start.into(),
            end: end.into(),
        }
    }

    fn weekly_r(sd: &str, st: &str, ed: &str, et: &str) -> RestrictionSpec {
        RestrictionSpec::Weekly {
            start_day: sd.into(),
            start_time: st.into(),
            end_day: ed.into(),
            end_time: et.into(),
        }
    }

    fn fields(e: &ValidationError) -> Vec<&str> {
        e.fields.iter().map(|f| f.field.as_str()).collect()
    }

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
        assert!(
            final_schedule(&s, ts("2026-01-06T10:00:00Z"), ts("2026-01-06T10:00:00Z")).is_empty()
        );
        assert!(
            final_schedule(&s, ts("2026-01-07T10:00:00Z"), ts("2026-01-06T10:00:00Z")).is_empty()
        );
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
}
