//! Business-day deadlines: "the postmortem is due within 5 business days of resolution".
//!
//! A [`WorkCalendar`] says which days an organisation works: an IANA time zone, the working
//! weekdays and a list of holidays. Days are counted on the calendar of that zone, so a
//! resolution at 23:30 UTC on a Friday is a Saturday in Tokyo and a Friday in New York.
//!
//! # Counting rule
//! The day on which `from` falls **does not count**, whatever the time of day:
//! "within `n` business days of resolution" ends at the end of the `n`-th business day *after*
//! the resolution day. Resolved Friday 16:00 in Berlin with `n = 5` is due at the end of the
//! following Friday; resolved on a Saturday or a holiday, the count starts with the next
//! business day (`n = 1` is then the end of Monday). "The end of a day" is its last millisecond
//! (`23:59:59.999` local, Debrief's storage precision), so a deadline is met when
//! `submitted_at <= deadline`.

use crate::Timestamp;
use jiff::SignedDuration;
use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

/// The default time for a postmortem draft: 48 hours after resolution.
pub const DEFAULT_DRAFT_HOURS: u32 = 48;

/// The default time for the final postmortem: 5 business days after the resolution day.
pub const DEFAULT_FINAL_BUSINESS_DAYS: u32 = 5;

/// What is wrong with a [`WorkCalendar`], or why a deadline cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// `time_zone` is not a zone in the time zone database.
    #[error("time_zone: unknown time zone {zone:?} (use an IANA name such as \"Europe/Berlin\")")]
    UnknownTimeZone {
        /// The name that was given.
        zone: String,
    },
    /// `workdays` is empty, so no deadline could ever be reached.
    #[error("workdays: at least one working weekday is needed")]
    NoWorkdays,
    /// `workdays` names the same weekday twice.
    #[error("workdays: {weekday} is listed more than once")]
    DuplicateWorkday {
        /// The repeated weekday, in lowercase (`monday`).
        weekday: String,
    },
    /// A deadline of zero business days was asked for.
    #[error("business_days: must be at least 1")]
    ZeroDays,
    /// The deadline falls outside the supported range of dates (year 9999).
    #[error("business_days: the deadline is beyond the supported range of dates")]
    OutOfRange,
}

impl CalendarError {
    /// The settings field the error is about, for the API's field list.
    pub fn field(&self) -> &'static str {
        match self {
            Self::UnknownTimeZone { .. } => "time_zone",
            Self::NoWorkdays | Self::DuplicateWorkday { .. } => "workdays",
            Self::ZeroDays | Self::OutOfRange => "business_days",
        }
    }
}

/// An organisation's working calendar: its zone, its working weekdays and its holidays.
///
/// Serialized as `{"time_zone": "Europe/Berlin", "workdays": ["monday", …], "holidays":
/// ["2026-12-25", …]}`; missing fields take the [`Default`] values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkCalendar {
    /// IANA time zone name whose calendar days are counted (`Europe/Berlin`).
    pub time_zone: String,
    /// Working weekdays, as `"monday"` … `"sunday"`.
    #[serde(with = "weekdays")]
    pub workdays: Vec<Weekday>,
    /// Dates (in `time_zone`) that are not worked even when their weekday is.
    pub holidays: Vec<Date>,
}

impl Default for WorkCalendar {
    /// UTC, Monday to Friday, no holidays.
    fn default() -> Self {
        Self {
            time_zone: "UTC".into(),
            workdays: vec![
                Weekday::Monday,
                Weekday::Tuesday,
                Weekday::Wednesday,
                Weekday::Thursday,
                Weekday::Friday,
            ],
            holidays: Vec::new(),
        }
    }
}

impl WorkCalendar {
    /// The calendar's time zone, looked up in the time zone database.
    pub fn tz(&self) -> Result<TimeZone, CalendarError> {
        let name = self.time_zone.trim();
        if name.is_empty() {
            return Err(CalendarError::UnknownTimeZone {
                zone: self.time_zone.clone(),
            });
        }
        TimeZone::get(name).map_err(|_| CalendarError::UnknownTimeZone {
            zone: self.time_zone.clone(),
        })
    }

    /// Checks the settings: a known zone, and at least one working weekday, none twice.
    pub fn validate(&self) -> Result<(), CalendarError> {
        self.tz()?;
        self.prepare_days().map(|_| ())
    }

    /// Whether `d` is worked: its weekday is a workday and it is not a holiday.
    pub fn is_business_day(&self, d: Date) -> bool {
        self.workdays.contains(&d.weekday()) && !self.holidays.contains(&d)
    }

    /// The end (last millisecond, as an instant) of the `n`-th business day after the day on
    /// which `from` falls in the calendar's zone; `from`'s own day never counts (see the
    /// module docs). `n` must be at least 1.
    pub fn business_days_after(&self, from: Timestamp, n: u32) -> Result<Timestamp, CalendarError> {
        if n == 0 {
            return Err(CalendarError::ZeroDays);
        }
        let tz = self.tz()?;
        let days = self.prepare_days()?;
        let mut day = from.to_zoned(tz.clone()).date();
        let mut left = i64::from(n);
        // Whole weeks first, so that a large `n` costs weeks rather than days.
        while left > days.per_week {
            let next = add_days(day, 7)?;
            left -= days.count(day, next);
            day = next;
        }
        while left > 0 {
            day = add_days(day, 1)?;
            if days.is_business(day) {
                left -= 1;
            }
        }
        end_of_day(day, &tz)
    }

    /// Business days from the day of `from` to the day of `to` (both in the calendar's zone):
    /// the business days in `(from's day, to's day]`, negative when `to`'s day is earlier, and
    /// zero on the same day. `business_days_between(deadline, submitted_at)` is how many
    /// business days late (positive) or early (negative) a submission was; a submission on the
    /// weekend after a Friday deadline is 0 business days late, though late by the clock.
    pub fn business_days_between(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<i64, CalendarError> {
        let tz = self.tz()?;
        let days = self.prepare_days()?;
        let a = from.to_zoned(tz.clone()).date();
        let b = to.to_zoned(tz).date();
        Ok(if a <= b {
            days.count(a, b)
        } else {
            -days.count(b, a)
        })
    }

    fn prepare_days(&self) -> Result<Days, CalendarError> {
        if self.workdays.is_empty() {
            return Err(CalendarError::NoWorkdays);
        }
        let mut workdays = [false; 7];
        for w in &self.workdays {
            let i = w.to_monday_zero_offset() as usize;
            if workdays[i] {
                return Err(CalendarError::DuplicateWorkday {
                    weekday: weekday_name(*w).into(),
                });
            }
            workdays[i] = true;
        }
        // Only holidays on working weekdays change a count.
        let mut holidays: Vec<Date> = self
            .holidays
            .iter()
            .copied()
            .filter(|d| workdays[d.weekday().to_monday_zero_offset() as usize])
            .collect();
        holidays.sort();
        holidays.dedup();
        Ok(Days {
            workdays,
            per_week: self.workdays.len() as i64,
            holidays,
        })
    }
}

/// The instant `hours` hours after `from`: the draft deadline is
/// `hours_after(resolved_at, DEFAULT_DRAFT_HOURS)`. Elapsed hours, not wall-clock hours, so a
/// DST change in between does not move it. Saturates at the latest representable instant.
pub fn hours_after(from: Timestamp, hours: u32) -> Timestamp {
    from.checked_add(SignedDuration::from_hours(i64::from(hours)))
        .unwrap_or(Timestamp::MAX)
}

/// The working days of a calendar, prepared for counting.
struct Days {
    workdays: [bool; 7],
    per_week: i64,
    /// Sorted, without duplicates, only those on working weekdays.
    holidays: Vec<Date>,
}

impl Days {
    fn is_business(&self, d: Date) -> bool {
        self.workdays[d.weekday().to_monday_zero_offset() as usize]
            && self.holidays.binary_search(&d).is_err()
    }

    /// Business days in `(a, b]`, for `a <= b`.
    fn count(&self, a: Date, b: Date) -> i64 {
        let span = b.duration_since(a).as_secs() / 86_400;
        let mut n = span / 7 * self.per_week;
        // The leftover days after the whole weeks, starting the day after `a`.
        let mut wd = a.weekday();
        for _ in 0..span % 7 {
            wd = wd.next();
            if self.workdays[wd.to_monday_zero_offset() as usize] {
                n += 1;
            }
        }
        let lo = self.holidays.partition_point(|h| *h <= a);
        let hi = self.holidays.partition_point(|h| *h <= b);
        n - (hi - lo) as i64
    }
}

fn add_days(d: Date, n: i64) -> Result<Date, CalendarError> {
    d.checked_add(jiff::Span::new().days(n))
        .map_err(|_| CalendarError::OutOfRange)
}

/// The last millisecond of local day `d` in `tz`: the start of the next day, less 1 ms. The
/// start of a day is midnight, or the first instant after a gap when midnight is skipped.
fn end_of_day(d: Date, tz: &TimeZone) -> Result<Timestamp, CalendarError> {
    let next = add_days(d, 1)?;
    let start = next
        .to_zoned(tz.clone())
        .map_err(|_| CalendarError::OutOfRange)?;
    start
        .timestamp()
        .checked_sub(SignedDuration::from_millis(1))
        .map_err(|_| CalendarError::OutOfRange)
}

/// The serde name of a weekday: `monday` … `sunday`.
pub fn weekday_name(w: Weekday) -> &'static str {
    match w {
        Weekday::Monday => "monday",
        Weekday::Tuesday => "tuesday",
        Weekday::Wednesday => "wednesday",
        Weekday::Thursday => "thursday",
        Weekday::Friday => "friday",
        Weekday::Saturday => "saturday",
        Weekday::Sunday => "sunday",
    }
}

/// Parses a weekday's serde name (`monday` … `sunday`, any case).
pub fn parse_weekday(s: &str) -> Option<Weekday> {
    let s = s.trim().to_ascii_lowercase();
    [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ]
    .into_iter()
    .find(|w| weekday_name(*w) == s)
}

/// Serde for a list of weekdays as `["monday", "tuesday", …]`.
mod weekdays {
    use super::{parse_weekday, weekday_name};
    use jiff::civil::Weekday;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(ws: &[Weekday], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(ws.iter().map(|w| weekday_name(*w)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Weekday>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|s| {
                parse_weekday(s).ok_or_else(|| {
                    D::Error::custom(format!(
                        "unknown weekday {s:?} (expected \"monday\" … \"sunday\")"
                    ))
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn berlin() -> WorkCalendar {
        WorkCalendar {
            time_zone: "Europe/Berlin".into(),
            ..WorkCalendar::default()
        }
    }

    /// The local civil time of an instant in `zone`, for readable assertions.
    fn local(ts: Timestamp, zone: &str) -> String {
        ts.in_tz(zone).unwrap().datetime().to_string()
    }

    #[test]
    fn five_business_days_after_a_friday_is_the_end_of_the_next_friday() {
        // 2026-11-20 is a Friday; 16:00 in Berlin is 15:00Z.
        let due = berlin()
            .business_days_after(t("2026-11-20T15:00:00Z"), 5)
            .unwrap();
        assert_eq!(local(due, "Europe/Berlin"), "2026-11-27T23:59:59.999");
        assert_eq!(due, t("2026-11-27T22:59:59.999Z"));
    }

    #[test]
    fn the_day_of_from_never_counts_whatever_the_time() {
        let cal = berlin();
        // Monday 00:00 and Monday 23:59 Berlin both give the end of Tuesday for n = 1.
        for from in ["2026-11-22T23:00:00Z", "2026-11-23T22:59:00Z"] {
            let due = cal.business_days_after(t(from), 1).unwrap();
            assert_eq!(
                local(due, "Europe/Berlin"),
                "2026-11-24T23:59:59.999",
                "{from}"
            );
        }
    }

    #[test]
    fn days_are_those_of_the_calendars_zone() {
        // Thursday 23:30Z is Friday morning in Tokyo (n = 1 → Monday) but Thursday evening
        // in New York (n = 1 → Friday).
        let cal = |zone: &str| WorkCalendar {
            time_zone: zone.into(),
            ..WorkCalendar::default()
        };
        let thu = t("2026-11-19T23:30:00Z");
        let tokyo = cal("Asia/Tokyo").business_days_after(thu, 1).unwrap();
        assert_eq!(local(tokyo, "Asia/Tokyo"), "2026-11-23T23:59:59.999");
        let ny = cal("America/New_York").business_days_after(thu, 1).unwrap();
        assert_eq!(local(ny, "America/New_York"), "2026-11-20T23:59:59.999");
    }

    #[test]
    fn from_on_a_weekend_or_holiday_starts_counting_on_the_next_business_day() {
        let mut cal = berlin();
        // Saturday 2026-11-21 → n = 1 is Monday the 23rd.
        let due = cal
            .business_days_after(t("2026-11-21T10:00:00Z"), 1)
            .unwrap();
        assert_eq!(local(due, "Europe/Berlin"), "2026-11-23T23:59:59.999");
        // A holiday on Wednesday 2026-11-25, resolved on it: n = 1 is Thursday.
        cal.holidays = vec![date(2026, 11, 25)];
        let due = cal
            .business_days_after(t("2026-11-25T10:00:00Z"), 1)
            .unwrap();
        assert_eq!(local(due, "Europe/Berlin"), "2026-11-26T23:59:59.999");
    }

    #[test]
    fn holidays_on_the_path_are_skipped() {
        let mut cal = berlin();
        cal.holidays = vec![date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 31)];
        // Wed 23 Dec + 3: Thu 24 (off), Fri 25 (off), Mon 28, Tue 29, Wed 30.
        let due = cal
            .business_days_after(t("2026-12-23T09:00:00Z"), 3)
            .unwrap();
        assert_eq!(local(due, "Europe/Berlin"), "2026-12-30T23:59:59.999");
        // + 4 skips the 31st too and lands on Friday 1 January.
        let due = cal
            .business_days_after(t("2026-12-23T09:00:00Z"), 4)
            .unwrap();
        assert_eq!(local(due, "Europe/Berlin"), "2027-01-01T23:59:59.999");
        // A holiday on a Saturday changes nothing.
        cal.holidays = vec![date(2026, 11, 28)];
        let due = cal
            .business_days_after(t("2026-11-20T15:00:00Z"), 5)
            .unwrap();
        assert_eq!(local(due, "Europe/Berlin"), "2026-11-27T23:59:59.999");
    }

    #[test]
    fn the_end_of_day_follows_the_dst_change_in_berlin() {
        let cal = berlin();
        // DST starts Sunday 2027-03-28: Friday the 26th is +01:00, Monday the 29th +02:00.
        let due = cal
            .business_days_after(t("2027-03-26T12:00:00Z"), 1)
            .unwrap();
        assert_eq!(due, t("2027-03-29T21:59:59.999Z"));
        assert_eq!(local(due, "Europe/Berlin"), "2027-03-29T23:59:59.999");
        // DST ends Sunday 2026-10-25: from +02:00 on Friday to +01:00 on Monday.
        let due = cal
            .business_days_after(t("2026-10-23T12:00:00Z"), 1)
            .unwrap();
        assert_eq!(due, t("2026-10-26T22:59:59.999Z"));
    }

    #[test]
    fn the_end_of_day_follows_the_dst_change_in_new_york() {
        let cal = WorkCalendar {
            time_zone: "America/New_York".into(),
            ..WorkCalendar::default()
        };
        // DST starts Sunday 2027-03-14 (EST -05:00 → EDT -04:00).
        let due = cal
            .business_days_after(t("2027-03-12T15:00:00Z"), 1)
            .unwrap();
        assert_eq!(due, t("2027-03-16T03:59:59.999Z"));
        assert_eq!(local(due, "America/New_York"), "2027-03-15T23:59:59.999");
        // DST ends Sunday 2026-11-01 (EDT → EST).
        let due = cal
            .business_days_after(t("2026-10-30T15:00:00Z"), 1)
            .unwrap();
        assert_eq!(due, t("2026-11-03T04:59:59.999Z"));
    }

    #[test]
    fn large_n_counts_whole_weeks_and_holidays_correctly() {
        let mut cal = WorkCalendar::default();
        // 260 business days after Thursday 2026-12-31 is exactly 52 weeks: Thursday 2027-12-30.
        let due = cal
            .business_days_after(t("2026-12-31T12:00:00Z"), 260)
            .unwrap();
        assert_eq!(due, t("2027-12-30T23:59:59.999Z"));
        cal.holidays = vec![date(2027, 5, 3), date(2027, 12, 27), date(2027, 5, 8)];
        // Two holidays on weekdays (the 8 May 2027 is a Saturday) push it two days on.
        let due = cal
            .business_days_after(t("2026-12-31T12:00:00Z"), 260)
            .unwrap();
        assert_eq!(due, t("2028-01-03T23:59:59.999Z"));
        // It agrees with a day-by-day count for many n.
        let from = t("2026-12-31T12:00:00Z");
        for n in [1u32, 6, 7, 8, 13, 30, 100, 261] {
            let due = cal.business_days_after(from, n).unwrap();
            assert_eq!(
                cal.business_days_between(from, due).unwrap(),
                i64::from(n),
                "{n}"
            );
        }
        assert_eq!(
            cal.business_days_after(from, u32::MAX),
            Err(CalendarError::OutOfRange)
        );
    }

    #[test]
    fn a_six_day_week_and_sunday_only_week_are_honoured() {
        let mut cal = WorkCalendar::default();
        cal.workdays.push(Weekday::Saturday);
        let due = cal
            .business_days_after(t("2026-11-20T12:00:00Z"), 1)
            .unwrap();
        assert_eq!(due, t("2026-11-21T23:59:59.999Z"));
        cal.workdays = vec![Weekday::Sunday];
        let due = cal
            .business_days_after(t("2026-11-20T12:00:00Z"), 2)
            .unwrap();
        assert_eq!(due, t("2026-11-29T23:59:59.999Z"));
    }

    #[test]
    fn business_days_between_counts_late_and_early_days() {
        let cal = berlin();
        let deadline = t("2026-11-27T22:59:59.999Z"); // Friday, end of day in Berlin
        assert_eq!(
            cal.business_days_between(deadline, t("2026-11-27T23:30:00Z"))
                .unwrap(),
            0
        );
        assert_eq!(
            cal.business_days_between(deadline, t("2026-11-30T09:00:00Z"))
                .unwrap(),
            1
        );
        assert_eq!(
            cal.business_days_between(deadline, t("2026-12-02T09:00:00Z"))
                .unwrap(),
            3
        );
        assert_eq!(
            cal.business_days_between(deadline, t("2026-11-25T09:00:00Z"))
                .unwrap(),
            -2
        );
        assert_eq!(cal.business_days_between(deadline, deadline).unwrap(), 0);
    }

    #[test]
    fn invalid_settings_are_rejected_with_the_field_named() {
        let mut cal = berlin();
        cal.time_zone = "Mars/Olympus_Mons".into();
        let e = cal.validate().unwrap_err();
        assert_eq!(e.field(), "time_zone");
        assert!(e.to_string().contains("Mars/Olympus_Mons"), "{e}");
        assert_eq!(
            cal.business_days_after(t("2026-11-20T12:00:00Z"), 1)
                .unwrap_err(),
            e
        );
        cal.time_zone = " ".into();
        assert!(cal.validate().is_err());

        let mut cal = berlin();
        cal.workdays.clear();
        assert_eq!(cal.validate(), Err(CalendarError::NoWorkdays));
        cal.workdays = vec![Weekday::Monday, Weekday::Monday];
        assert_eq!(
            cal.validate().unwrap_err().to_string(),
            "workdays: monday is listed more than once"
        );
        assert_eq!(
            berlin().business_days_after(t("2026-11-20T12:00:00Z"), 0),
            Err(CalendarError::ZeroDays)
        );
        assert_eq!(berlin().validate(), Ok(()));
    }

    #[test]
    fn is_business_day_checks_weekday_and_holidays() {
        let cal = WorkCalendar {
            holidays: vec![date(2026, 12, 25)],
            ..WorkCalendar::default()
        };
        assert!(cal.is_business_day(date(2026, 12, 24)));
        assert!(!cal.is_business_day(date(2026, 12, 25)));
        assert!(!cal.is_business_day(date(2026, 12, 26)));
    }

    #[test]
    fn the_calendar_round_trips_through_json_with_snake_case_weekdays() {
        let cal = WorkCalendar {
            time_zone: "Europe/Berlin".into(),
            workdays: vec![Weekday::Monday, Weekday::Tuesday],
            holidays: vec![date(2026, 12, 25)],
        };
        let json = serde_json::to_string(&cal).unwrap();
        assert_eq!(
            json,
            r#"{"time_zone":"Europe/Berlin","workdays":["monday","tuesday"],"holidays":["2026-12-25"]}"#
        );
        assert_eq!(serde_json::from_str::<WorkCalendar>(&json).unwrap(), cal);
        assert_eq!(
            serde_json::from_str::<WorkCalendar>("{}").unwrap(),
            WorkCalendar::default()
        );
        let e = serde_json::from_str::<WorkCalendar>(r#"{"workdays":["funday"]}"#).unwrap_err();
        assert!(e.to_string().contains("funday"), "{e}");
    }

    #[test]
    fn hours_after_adds_elapsed_hours_across_dst() {
        // 48 h after Friday 2027-03-26 12:00Z is Sunday 12:00Z, whatever Berlin's clocks do.
        assert_eq!(
            hours_after(t("2027-03-26T12:00:00Z"), DEFAULT_DRAFT_HOURS),
            t("2027-03-28T12:00:00Z")
        );
        assert_eq!(hours_after(Timestamp::MAX, 1), Timestamp::MAX);
    }
}
