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
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
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
                // A name the time zone database does not hold: a reference to something that
                // does not exist (404), like an unknown user.
                errors.push_missing(
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
                errors.push_conflict(format!("{f}.end"), "must be after the layer's start");
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

mod compute;

pub use compute::{final_schedule, gaps, layer_entries, on_call_at};

#[cfg(test)]
mod tests;
