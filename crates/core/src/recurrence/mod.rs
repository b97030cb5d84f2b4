//! A subset of RFC 5545 recurrence rules (`RRULE`), expanded on jiff in wall-clock time.
//!
//! Enough for a recurring postmortem review meeting ("the first Tuesday of every month at
//! 10:00 Berlin time"): `FREQ=DAILY|WEEKLY|MONTHLY|YEARLY`, `INTERVAL`, `COUNT`, `UNTIL` (a UTC
//! date-time `…Z` or a date), `BYMONTH`, `BYMONTHDAY` (negative counts from the month's end),
//! `BYDAY` (plain weekdays, and ordinals such as `1TU` or `-1FR` in MONTHLY and YEARLY rules),
//! `BYSETPOS` and `WKST`. Other parts (`BYHOUR`, `BYWEEKNO`, `BYYEARDAY`, …) and sub-daily
//! frequencies are rejected with an error that names them.
//!
//! # Expansion
//! Occurrences are computed as civil dates at the start's wall-clock time in the start's zone,
//! so a 10:00 meeting stays at 10:00 across DST changes. A local time that does not exist (in a
//! spring-forward gap) moves forward by the gap's length, and an ambiguous one (in a fall-back
//! fold) takes the earlier offset: jiff's "compatible" disambiguation, which is what RFC 5545
//! §3.3.5 prescribes. Dates that do not exist (the 31st of a short month, 29 February) are
//! skipped, never clamped (RFC 5545 §3.3.10).
//!
//! The start (`DTSTART`) counts as an occurrence only when the rule produces it: a start that
//! is not "synchronized" with the rule (RFC 5545 calls that undefined) is not itself an
//! occurrence. [`crate::ics`] insists on synchronized starts, so every calendar client agrees.
//! `COUNT` counts occurrences from the start on.

use crate::Timestamp;
use crate::deadline::weekday_name;
use jiff::civil::{Date, DateTime, Weekday};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

mod expand;

/// The rule Debrief's monthly postmortem review uses unless configured: the first Tuesday.
pub const DEFAULT_REVIEW_RULE: &str = "FREQ=MONTHLY;BYDAY=1TU";

/// Rule parts Debrief does not implement; they are refused rather than silently ignored.
const UNSUPPORTED_PARTS: &[&str] = &[
    "BYSECOND",
    "BYMINUTE",
    "BYHOUR",
    "BYWEEKNO",
    "BYYEARDAY",
    "RSCALE",
    "SKIP",
];

/// Why a recurrence rule was rejected; the message names the part at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecurrenceError {
    /// Nothing was given.
    #[error("the recurrence rule is empty")]
    Empty,
    /// A part is not `NAME=VALUE`.
    #[error("{part:?}: expected NAME=VALUE")]
    Malformed {
        /// The part as given.
        part: String,
    },
    /// A part name RFC 5545 does not define.
    #[error("{name}: unknown rule part")]
    UnknownPart {
        /// The part's name.
        name: String,
    },
    /// A valid RFC 5545 part that Debrief does not implement.
    #[error(
        "{name}: not supported (supported parts: FREQ, INTERVAL, COUNT, UNTIL, BYMONTH, BYMONTHDAY, BYDAY, BYSETPOS, WKST)"
    )]
    UnsupportedPart {
        /// The part's name.
        name: String,
    },
    /// A part given twice.
    #[error("{name}: given more than once")]
    DuplicatePart {
        /// The part's name.
        name: String,
    },
    /// No `FREQ` part.
    #[error("FREQ: missing (every rule needs one)")]
    MissingFreq,
    /// A frequency other than DAILY, WEEKLY, MONTHLY or YEARLY.
    #[error(
        "FREQ={value}: unknown or unsupported frequency (expected DAILY, WEEKLY, MONTHLY or YEARLY)"
    )]
    UnknownFreq {
        /// The value as given.
        value: String,
    },
    /// A part's value is out of range or malformed.
    #[error("{name}={value}: {expected}")]
    BadValue {
        /// The part's name.
        name: &'static str,
        /// The value (or list item) at fault.
        value: String,
        /// What was expected instead.
        expected: &'static str,
    },
    /// Both `COUNT` and `UNTIL`, which RFC 5545 forbids.
    #[error("COUNT and UNTIL: a rule may have one or the other, not both")]
    CountAndUntil,
    /// `BYDAY` with an ordinal (`1TU`) in a DAILY or WEEKLY rule.
    #[error("BYDAY={value}: ordinals like 1TU need FREQ=MONTHLY or FREQ=YEARLY")]
    OrdinalByDay {
        /// The BYDAY item at fault.
        value: String,
    },
    /// `BYMONTHDAY` in a WEEKLY rule, which RFC 5545 forbids.
    #[error("BYMONTHDAY: not allowed with FREQ=WEEKLY")]
    MonthDayInWeekly,
    /// `BYSETPOS` without another `BY…` part to select from.
    #[error("BYSETPOS: needs BYDAY, BYMONTHDAY or BYMONTH to select from")]
    LoneSetPos,
}

/// How often the rule repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frequency {
    /// Every `INTERVAL` days.
    Daily,
    /// Every `INTERVAL` weeks (weeks start on `WKST`, Monday by default).
    Weekly,
    /// Every `INTERVAL` months.
    Monthly,
    /// Every `INTERVAL` years.
    Yearly,
}

impl Frequency {
    fn as_str(self) -> &'static str {
        match self {
            Self::Daily => "DAILY",
            Self::Weekly => "WEEKLY",
            Self::Monthly => "MONTHLY",
            Self::Yearly => "YEARLY",
        }
    }
}

/// One `BYDAY` item: a weekday, optionally the n-th (`1TU`) or n-th from last (`-1FR`) in the
/// month (MONTHLY, or YEARLY with BYMONTH) or in the year (YEARLY without BYMONTH).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByDay {
    /// The ordinal: 1 is the first, -1 the last; `None` is every such weekday.
    pub nth: Option<i8>,
    /// The weekday.
    pub weekday: Weekday,
}

/// When a rule stops (inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// The last instant an occurrence may start at (`UNTIL=20271231T235959Z`).
    Instant(Timestamp),
    /// The last local date an occurrence may fall on (`UNTIL=20271231`).
    Date(Date),
}

/// A parsed recurrence rule. Build one with [`Rule::parse`]; `Display` writes canonical RRULE
/// text (parts in a fixed order, `INTERVAL` omitted when 1), and serde uses that text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// `FREQ`.
    pub freq: Frequency,
    /// `INTERVAL`, at least 1.
    pub interval: u32,
    /// `COUNT`: how many occurrences in all, from the start.
    pub count: Option<u32>,
    /// `UNTIL`: the last allowed occurrence (inclusive).
    pub until: Option<Until>,
    /// `BYMONTH`: months 1–12.
    pub by_month: Vec<i8>,
    /// `BYMONTHDAY`: 1–31 or -31–-1 (from the end of the month).
    pub by_month_day: Vec<i8>,
    /// `BYDAY`.
    pub by_day: Vec<ByDay>,
    /// `BYSETPOS`: positions within each period's set of candidates, 1-based, negative from
    /// the end.
    pub by_set_pos: Vec<i16>,
    /// `WKST`: the first day of the week for WEEKLY rules with `INTERVAL` > 1 (default Monday).
    pub wkst: Option<Weekday>,
}

impl Default for Rule {
    /// [`DEFAULT_REVIEW_RULE`]: monthly, on the first Tuesday.
    fn default() -> Self {
        Self::parse(DEFAULT_REVIEW_RULE).expect("the default rule is valid")
    }
}

impl Rule {
    /// Parses RRULE text (`FREQ=MONTHLY;BYDAY=1TU`), with or without an `RRULE:` prefix; part
    /// names and values are case-insensitive.
    pub fn parse(s: &str) -> Result<Rule, RecurrenceError> {
        let s = s.trim();
        let s = match s.split_at_checked(6) {
            Some((p, rest)) if p.eq_ignore_ascii_case("RRULE:") => rest,
            _ => s,
        };
        if s.is_empty() {
            return Err(RecurrenceError::Empty);
        }
        let mut freq = None;
        let mut rule = Rule {
            freq: Frequency::Daily,
            interval: 1,
            count: None,
            until: None,
            by_month: Vec::new(),
            by_month_day: Vec::new(),
            by_day: Vec::new(),
            by_set_pos: Vec::new(),
            wkst: None,
        };
        let mut seen: Vec<String> = Vec::new();
        for part in s.split(';') {
            let Some((name, value)) = part.split_once('=') else {
                return Err(RecurrenceError::Malformed { part: part.into() });
            };
            let name = name.trim().to_ascii_uppercase();
            let value = value.trim().to_ascii_uppercase();
            if seen.contains(&name) {
                return Err(RecurrenceError::DuplicatePart { name });
            }
            seen.push(name.clone());
            match name.as_str() {
                "FREQ" => {
                    freq = Some(match value.as_str() {
                        "DAILY" => Frequency::Daily,
                        "WEEKLY" => Frequency::Weekly,
                        "MONTHLY" => Frequency::Monthly,
                        "YEARLY" => Frequency::Yearly,
                        _ => return Err(RecurrenceError::UnknownFreq { value }),
                    })
                }
                "INTERVAL" => rule.interval = positive("INTERVAL", &value)?,
                "COUNT" => rule.count = Some(positive("COUNT", &value)?),
                "UNTIL" => rule.until = Some(parse_until(&value)?),
                "BYMONTH" => rule.by_month = list("BYMONTH", &value, 1, 12, "months 1 to 12")?,
                "BYMONTHDAY" => {
                    rule.by_month_day =
                        list("BYMONTHDAY", &value, 1, 31, "days 1 to 31 or -31 to -1")?
                }
                "BYSETPOS" => {
                    rule.by_set_pos = list(
                        "BYSETPOS",
                        &value,
                        1,
                        366,
                        "positions 1 to 366 or -366 to -1",
                    )?
                }
                "BYDAY" => {
                    rule.by_day = value
                        .split(',')
                        .map(parse_by_day)
                        .collect::<Result<_, _>>()?
                }
                "WKST" => {
                    rule.wkst = Some(parse_weekday_code(&value).ok_or_else(|| {
                        RecurrenceError::BadValue {
                            name: "WKST",
                            value: value.clone(),
                            expected: "a weekday: MO, TU, WE, TH, FR, SA or SU",
                        }
                    })?)
                }
                n if UNSUPPORTED_PARTS.contains(&n) => {
                    return Err(RecurrenceError::UnsupportedPart { name });
                }
                _ => return Err(RecurrenceError::UnknownPart { name }),
            }
        }
        rule.freq = freq.ok_or(RecurrenceError::MissingFreq)?;
        if rule.count.is_some() && rule.until.is_some() {
            return Err(RecurrenceError::CountAndUntil);
        }
        if matches!(rule.freq, Frequency::Daily | Frequency::Weekly)
            && let Some(d) = rule.by_day.iter().find(|d| d.nth.is_some())
        {
            return Err(RecurrenceError::OrdinalByDay {
                value: by_day_text(d),
            });
        }
        // Within a month there is at most a fifth weekday.
        if (rule.freq == Frequency::Monthly || !rule.by_month.is_empty())
            && let Some(d) = rule
                .by_day
                .iter()
                .find(|d| d.nth.is_some_and(|n| n.abs() > 5))
        {
            return Err(RecurrenceError::BadValue {
                name: "BYDAY",
                value: by_day_text(d),
                expected: "an ordinal from -5 to 5 within a month",
            });
        }
        if rule.freq == Frequency::Weekly && !rule.by_month_day.is_empty() {
            return Err(RecurrenceError::MonthDayInWeekly);
        }
        if !rule.by_set_pos.is_empty()
            && rule.by_day.is_empty()
            && rule.by_month_day.is_empty()
            && rule.by_month.is_empty()
        {
            return Err(RecurrenceError::LoneSetPos);
        }
        Ok(rule)
    }
}

fn positive(name: &'static str, value: &str) -> Result<u32, RecurrenceError> {
    value
        .parse::<u32>()
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(|| RecurrenceError::BadValue {
            name,
            value: value.into(),
            expected: "a whole number of at least 1",
        })
}

/// A comma list of integers whose absolute values are in `min..=max` (negatives allowed
/// when `min` is 1 and the part allows them, i.e. not for BYMONTH).
fn list<T: TryFrom<i64>>(
    name: &'static str,
    value: &str,
    min: i64,
    max: i64,
    expected: &'static str,
) -> Result<Vec<T>, RecurrenceError> {
    let negatives = name != "BYMONTH";
    value
        .split(',')
        .map(|item| {
            item.trim()
                .parse::<i64>()
                .ok()
                .filter(|n| (min..=max).contains(&n.abs()) && (negatives || *n > 0))
                .and_then(|n| T::try_from(n).ok())
                .ok_or_else(|| RecurrenceError::BadValue {
                    name,
                    value: item.into(),
                    expected,
                })
        })
        .collect()
}

fn parse_by_day(item: &str) -> Result<ByDay, RecurrenceError> {
    let bad = || RecurrenceError::BadValue {
        name: "BYDAY",
        value: item.into(),
        expected: "a weekday (MO … SU), optionally with an ordinal such as 1TU or -1FR",
    };
    let item = item.trim();
    let split = item.len().checked_sub(2).ok_or_else(bad)?;
    let (ord, code) = item.split_at_checked(split).ok_or_else(bad)?;
    let weekday = parse_weekday_code(code).ok_or_else(bad)?;
    let nth = if ord.is_empty() {
        None
    } else {
        let n: i8 = ord.parse().map_err(|_| bad())?;
        if n == 0 || n.abs() > 53 {
            return Err(bad());
        }
        Some(n)
    };
    Ok(ByDay { nth, weekday })
}

fn parse_until(value: &str) -> Result<Until, RecurrenceError> {
    let bad = || RecurrenceError::BadValue {
        name: "UNTIL",
        value: value.into(),
        expected: "a UTC date-time such as 20271231T235959Z, or a date such as 20271231",
    };
    let digits = |s: &str| -> Option<i64> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
    };
    let date = |s: &str| -> Option<Date> {
        let (y, m, d) = (
            digits(s.get(..4)?)?,
            digits(s.get(4..6)?)?,
            digits(s.get(6..8)?)?,
        );
        Date::new(y as i16, m as i8, d as i8).ok()
    };
    match value.len() {
        8 => date(value).map(Until::Date).ok_or_else(bad),
        16 if value.as_bytes()[8] == b'T' && value.ends_with('Z') => {
            // `get`, not indexing: a multi-byte character may sit anywhere in user text.
            let part = |r: std::ops::Range<usize>| value.get(r).ok_or_else(bad);
            let d = date(part(0..8)?).ok_or_else(bad)?;
            let (h, mi, s) = (
                digits(part(9..11)?).ok_or_else(bad)?,
                digits(part(11..13)?).ok_or_else(bad)?,
                digits(part(13..15)?).ok_or_else(bad)?,
            );
            let t = jiff::civil::Time::new(h as i8, mi as i8, s as i8, 0).map_err(|_| bad())?;
            DateTime::from_parts(d, t)
                .to_zoned(jiff::tz::TimeZone::UTC)
                .map(|z| Until::Instant(z.timestamp()))
                .map_err(|_| bad())
        }
        _ => Err(bad()),
    }
}

/// `MO` … `SU` to a weekday.
fn parse_weekday_code(code: &str) -> Option<Weekday> {
    Some(match code {
        "MO" => Weekday::Monday,
        "TU" => Weekday::Tuesday,
        "WE" => Weekday::Wednesday,
        "TH" => Weekday::Thursday,
        "FR" => Weekday::Friday,
        "SA" => Weekday::Saturday,
        "SU" => Weekday::Sunday,
        _ => return None,
    })
}

/// A weekday's two-letter RFC 5545 code (`MO`).
pub(crate) fn weekday_code(w: Weekday) -> &'static str {
    weekday_name(w).get(..2).unwrap_or_default()
}

fn by_day_text(d: &ByDay) -> String {
    let code = weekday_code(d.weekday).to_ascii_uppercase();
    match d.nth {
        Some(n) => format!("{n}{code}"),
        None => code,
    }
}

/// Formats an instant as an RFC 5545 UTC date-time: `20271231T235959Z` (whole seconds).
pub fn format_utc_basic(ts: Timestamp) -> String {
    ts.strftime("%Y%m%dT%H%M%SZ").to_string()
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let join = |xs: &[String]| xs.join(",");
        let nums = |xs: &[i8]| join(&xs.iter().map(|x| x.to_string()).collect::<Vec<_>>());
        write!(f, "FREQ={}", self.freq.as_str())?;
        if self.interval != 1 {
            write!(f, ";INTERVAL={}", self.interval)?;
        }
        if let Some(c) = self.count {
            write!(f, ";COUNT={c}")?;
        }
        match self.until {
            Some(Until::Instant(ts)) => write!(f, ";UNTIL={}", format_utc_basic(ts))?,
            Some(Until::Date(d)) => write!(f, ";UNTIL={}", d.strftime("%Y%m%d"))?,
            None => {}
        }
        if !self.by_month.is_empty() {
            write!(f, ";BYMONTH={}", nums(&self.by_month))?;
        }
        if !self.by_month_day.is_empty() {
            write!(f, ";BYMONTHDAY={}", nums(&self.by_month_day))?;
        }
        if !self.by_day.is_empty() {
            let days: Vec<String> = self.by_day.iter().map(by_day_text).collect();
            write!(f, ";BYDAY={}", join(&days))?;
        }
        if !self.by_set_pos.is_empty() {
            let pos: Vec<String> = self.by_set_pos.iter().map(|p| p.to_string()).collect();
            write!(f, ";BYSETPOS={}", join(&pos))?;
        }
        if let Some(w) = self.wkst {
            write!(f, ";WKST={}", weekday_code(w).to_ascii_uppercase())?;
        }
        Ok(())
    }
}

impl FromStr for Rule {
    type Err = RecurrenceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for Rule {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Rule {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 9: byte offsets inside a multi-byte character used to panic.
    #[test]
    fn multibyte_text_in_a_rule_is_refused_not_a_panic() {
        for bad in [
            "FREQ=DAILY;UNTIL=20271231T0é000Z",
            "FREQ=WEEKLY;BYDAY=1é",
            "RRULé:FREQ=DAILY",
            "FREQ=WEEKLY;BYDAY=éMO",
        ] {
            assert!(Rule::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rules_round_trip_to_canonical_text() {
        for (input, canonical) in [
            ("FREQ=MONTHLY;BYDAY=1TU", "FREQ=MONTHLY;BYDAY=1TU"),
            (
                "rrule:freq=monthly;byday=-1fr;interval=1",
                "FREQ=MONTHLY;BYDAY=-1FR",
            ),
            (
                "FREQ=WEEKLY;WKST=SU;BYDAY=MO,WE;INTERVAL=2;UNTIL=20271231T235959Z",
                "FREQ=WEEKLY;INTERVAL=2;UNTIL=20271231T235959Z;BYDAY=MO,WE;WKST=SU",
            ),
            (
                "FREQ=YEARLY;COUNT=5;BYMONTH=11;BYDAY=4TH",
                "FREQ=YEARLY;COUNT=5;BYMONTH=11;BYDAY=4TH",
            ),
            (
                "FREQ=MONTHLY;UNTIL=20271231;BYMONTHDAY=1,-1;BYSETPOS=1",
                "FREQ=MONTHLY;UNTIL=20271231;BYMONTHDAY=1,-1;BYSETPOS=1",
            ),
        ] {
            let rule = Rule::parse(input).unwrap();
            assert_eq!(rule.to_string(), canonical, "{input}");
            assert_eq!(Rule::parse(canonical).unwrap(), rule);
        }
        let json = serde_json::to_string(&Rule::default()).unwrap();
        assert_eq!(json, r#""FREQ=MONTHLY;BYDAY=1TU""#);
        assert_eq!(
            serde_json::from_str::<Rule>(&json).unwrap(),
            Rule::default()
        );
        assert!(serde_json::from_str::<Rule>(r#""FREQ=HOURLY""#).is_err());
    }

    #[test]
    fn bad_rules_are_rejected_naming_the_part() {
        let err = |s: &str| Rule::parse(s).unwrap_err().to_string();
        assert_eq!(err(""), "the recurrence rule is empty");
        assert!(err("FREQ=FORTNIGHTLY").starts_with("FREQ=FORTNIGHTLY: unknown"));
        assert!(err("FREQ=HOURLY").starts_with("FREQ=HOURLY"));
        assert_eq!(err("BYDAY=MO"), "FREQ: missing (every rule needs one)");
        assert_eq!(
            err("FREQ=DAILY;COUNT=3;UNTIL=20271231"),
            "COUNT and UNTIL: a rule may have one or the other, not both"
        );
        assert!(err("FREQ=MONTHLY;BYDAY=1XX").starts_with("BYDAY=1XX: "));
        assert!(err("FREQ=MONTHLY;BYDAY=0MO").starts_with("BYDAY=0MO: "));
        assert!(err("FREQ=MONTHLY;BYDAY=6MO").starts_with("BYDAY=6MO: "));
        assert!(err("FREQ=WEEKLY;BYDAY=1MO").starts_with("BYDAY=1MO: ordinals"));
        assert!(err("FREQ=MONTHLY;BYMONTHDAY=32").starts_with("BYMONTHDAY=32: "));
        assert!(err("FREQ=MONTHLY;BYMONTHDAY=0").starts_with("BYMONTHDAY=0: "));
        assert!(err("FREQ=YEARLY;BYMONTH=-1").starts_with("BYMONTH=-1: "));
        assert!(err("FREQ=DAILY;INTERVAL=0").starts_with("INTERVAL=0: "));
        assert!(err("FREQ=DAILY;COUNT=x").starts_with("COUNT=X: "));
        assert!(err("FREQ=DAILY;UNTIL=20271231T235959").starts_with("UNTIL=20271231T235959: "));
        assert!(err("FREQ=DAILY;UNTIL=20270231").starts_with("UNTIL=20270231: "));
        assert!(err("FREQ=DAILY;BYHOUR=9").starts_with("BYHOUR: not supported"));
        assert_eq!(err("FREQ=DAILY;COLOR=red"), "COLOR: unknown rule part");
        assert_eq!(err("FREQ=DAILY;FREQ=DAILY"), "FREQ: given more than once");
        assert_eq!(err("FREQ=DAILY;;COUNT=1"), "\"\": expected NAME=VALUE");
        assert_eq!(
            err("FREQ=WEEKLY;BYMONTHDAY=1"),
            "BYMONTHDAY: not allowed with FREQ=WEEKLY"
        );
        assert!(err("FREQ=MONTHLY;BYSETPOS=1").starts_with("BYSETPOS: "));
        assert!(err("FREQ=MONTHLY;WKST=XX").starts_with("WKST=XX: "));
    }
}
