//! Expanding a [`Rule`] into occurrences: candidate dates per period, in wall-clock time.

use super::{ByDay, Frequency, Rule, Until};
use crate::Timestamp;
use jiff::civil::{Date, DateTime, Weekday};
use jiff::{Span, Zoned};

/// A recurrence period with no candidate date this many times in a row means none will ever
/// come: the Gregorian calendar (days, weekdays, months) repeats every 146 097 days, so this
/// bounds the search for impossible rules such as `BYMONTH=2;BYMONTHDAY=30`.
const MAX_EMPTY_PERIODS: u32 = 146_097;

impl Rule {
    /// The occurrences of this rule for an event starting at `start` that begin at or after
    /// `after`, at most `limit` of them, in order. See the module docs for how wall-clock times,
    /// DST and unsynchronized starts are handled.
    pub fn occurrences(&self, start: &Zoned, after: Timestamp, limit: usize) -> Vec<Zoned> {
        let mut out = Vec::new();
        if limit == 0 {
            return out;
        }
        let (d0, time, tz) = (start.date(), start.time(), start.time_zone().clone());
        let mut counted: u32 = 0;
        let mut empty_run = 0;
        for k in 0i64.. {
            let Some(dates) = self.period(d0, k) else {
                break;
            };
            if dates.is_empty() {
                empty_run += 1;
                if empty_run > MAX_EMPTY_PERIODS {
                    break;
                }
                continue;
            }
            empty_run = 0;
            for date in dates.into_iter().filter(|d| *d >= d0) {
                let z = if date == d0 {
                    start.clone()
                } else {
                    match DateTime::from_parts(date, time).to_zoned(tz.clone()) {
                        Ok(z) => z,
                        Err(_) => return out,
                    }
                };
                let past_until = match self.until {
                    Some(Until::Instant(u)) => z.timestamp() > u,
                    Some(Until::Date(u)) => date > u,
                    None => false,
                };
                if past_until || self.count.is_some_and(|c| counted >= c) {
                    return out;
                }
                counted += 1;
                if z.timestamp() >= after {
                    out.push(z);
                    if out.len() == limit {
                        return out;
                    }
                }
            }
        }
        out
    }

    /// The candidate dates of the `k`-th period after the one holding `d0`, sorted, after
    /// BYSETPOS; `None` past the end of the supported range of dates.
    fn period(&self, d0: Date, k: i64) -> Option<Vec<Date>> {
        let step = k.checked_mul(i64::from(self.interval))?;
        let mut dates = match self.freq {
            Frequency::Daily => {
                let day = d0.checked_add(Span::new().try_days(step).ok()?).ok()?;
                let keep = (self.by_month_day.is_empty()
                    || self
                        .by_month_day
                        .iter()
                        .any(|md| month_day(day, *md) == Some(day)))
                    && (self.by_day.is_empty()
                        || self.by_day.iter().any(|b| b.weekday == day.weekday()));
                if keep { vec![day] } else { vec![] }
            }
            Frequency::Weekly => {
                let wkst = self.wkst.unwrap_or(Weekday::Monday);
                let week0 = d0
                    .checked_sub(Span::new().days(d0.weekday().since(wkst)))
                    .ok()?;
                let week = week0.checked_add(Span::new().try_weeks(step).ok()?).ok()?;
                let weekdays: Vec<Weekday> = if self.by_day.is_empty() {
                    vec![d0.weekday()]
                } else {
                    self.by_day.iter().map(|b| b.weekday).collect()
                };
                weekdays
                    .into_iter()
                    .filter_map(|w| week.checked_add(Span::new().days(w.since(wkst))).ok())
                    .collect()
            }
            Frequency::Monthly => {
                let first = d0
                    .first_of_month()
                    .checked_add(Span::new().try_months(step).ok()?)
                    .ok()?;
                self.month_candidates(first, d0.day())
            }
            Frequency::Yearly => {
                let year = i64::from(d0.year()).checked_add(step)?;
                let year = i16::try_from(year).ok()?;
                let jan1 = Date::new(year, 1, 1).ok()?;
                self.year_candidates(jan1, d0)
            }
        };
        if !self.by_month.is_empty() && self.freq != Frequency::Yearly {
            dates.retain(|d| self.by_month.contains(&d.month()));
        }
        dates.sort();
        dates.dedup();
        if !self.by_set_pos.is_empty() {
            let n = dates.len() as i64;
            let mut picked: Vec<Date> = self
                .by_set_pos
                .iter()
                .filter_map(|&p| {
                    let i = if p > 0 {
                        i64::from(p) - 1
                    } else {
                        n + i64::from(p)
                    };
                    usize::try_from(i).ok().and_then(|i| dates.get(i).copied())
                })
                .collect();
            picked.sort();
            picked.dedup();
            dates = picked;
        }
        Some(dates)
    }

    /// The candidates within the month starting at `first`: BYMONTHDAY (limited by BYDAY),
    /// else BYDAY, else the start's day of the month.
    fn month_candidates(&self, first: Date, default_day: i8) -> Vec<Date> {
        if !self.by_month_day.is_empty() {
            self.by_month_day
                .iter()
                .filter_map(|md| month_day(first, *md))
                .filter(|d| self.by_day.is_empty() || self.by_day.iter().any(|b| in_month(b, *d)))
                .collect()
        } else if !self.by_day.is_empty() {
            let mut out = Vec::new();
            for b in &self.by_day {
                match b.nth {
                    Some(n) => out.extend(first.nth_weekday_of_month(n, b.weekday).ok()),
                    None => out.extend(
                        days_from(first, first.days_in_month())
                            .filter(|d| d.weekday() == b.weekday),
                    ),
                }
            }
            out
        } else {
            month_day(first, default_day).into_iter().collect()
        }
    }

    /// The candidates within the year starting at `jan1`.
    fn year_candidates(&self, jan1: Date, d0: Date) -> Vec<Date> {
        let month_first = |m: i8| Date::new(jan1.year(), m, 1).ok();
        if !self.by_month.is_empty() {
            self.by_month
                .iter()
                .filter_map(|m| month_first(*m))
                .flat_map(|first| self.month_candidates(first, d0.day()))
                .collect()
        } else if !self.by_month_day.is_empty() {
            (1..=12)
                .filter_map(month_first)
                .flat_map(|first| {
                    self.by_month_day
                        .iter()
                        .filter_map(move |md| month_day(first, *md))
                })
                .filter(|d| self.by_day.is_empty() || self.by_day.iter().any(|b| in_year(b, *d)))
                .collect()
        } else if !self.by_day.is_empty() {
            days_from(jan1, jan1.days_in_year())
                .filter(|d| self.by_day.iter().any(|b| in_year(b, *d)))
                .collect()
        } else {
            Date::new(jan1.year(), d0.month(), d0.day())
                .ok()
                .into_iter()
                .collect()
        }
    }
}

/// The day `md` (1-based, negative from the end) of `d`'s month, if the month has it.
fn month_day(d: Date, md: i8) -> Option<Date> {
    let dim = d.days_in_month();
    let day = if md > 0 { md } else { dim + md + 1 };
    (1..=dim)
        .contains(&day)
        .then(|| d.with().day(day).build().ok())?
}

/// `n` consecutive dates from `first`.
fn days_from(first: Date, n: impl Into<i32>) -> impl Iterator<Item = Date> {
    first.series(Span::new().days(1)).take(n.into() as usize)
}

/// Whether `d` matches `b`, with an ordinal counted within `d`'s month.
fn in_month(b: &ByDay, d: Date) -> bool {
    d.weekday() == b.weekday
        && match b.nth {
            None => true,
            Some(n) if n > 0 => (d.day() - 1) / 7 + 1 == n,
            Some(n) => (d.days_in_month() - d.day()) / 7 + 1 == -n,
        }
}

/// Whether `d` matches `b`, with an ordinal counted within `d`'s year.
fn in_year(b: &ByDay, d: Date) -> bool {
    d.weekday() == b.weekday
        && match b.nth {
            None => true,
            Some(n) if n > 0 => (d.day_of_year() - 1) / 7 + 1 == i16::from(n),
            Some(n) => (d.days_in_year() - d.day_of_year()) / 7 + 1 == -i16::from(n),
        }
}

#[cfg(test)]
#[expect(
    clippy::string_slice,
    reason = "tests slice text at boundaries they just found"
)]
mod tests {
    use super::*;

    fn zoned(s: &str) -> Zoned {
        s.parse().unwrap()
    }

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    /// Expands `rule` from `start` and shows each occurrence as local `date time offset`.
    fn expand(rule: &str, start: &str, limit: usize) -> Vec<String> {
        let start = zoned(start);
        Rule::parse(rule)
            .unwrap()
            .occurrences(&start, start.timestamp(), limit)
            .iter()
            .map(|z| z.strftime("%Y-%m-%d %H:%M %:z").to_string())
            .collect()
    }

    fn dates(rule: &str, start: &str, limit: usize) -> Vec<String> {
        expand(rule, start, limit)
            .into_iter()
            .map(|s| s[..10].to_string())
            .collect()
    }

    const BERLIN_2027: &str = "2027-01-01T10:00:00[Europe/Berlin]";

    #[test]
    fn first_tuesdays_of_2027_stay_at_ten_across_dst() {
        let got = expand("FREQ=MONTHLY;BYDAY=1TU", BERLIN_2027, 12);
        assert_eq!(
            got,
            [
                "2027-01-05 10:00 +01:00",
                "2027-02-02 10:00 +01:00",
                "2027-03-02 10:00 +01:00",
                "2027-04-06 10:00 +02:00",
                "2027-05-04 10:00 +02:00",
                "2027-06-01 10:00 +02:00",
                "2027-07-06 10:00 +02:00",
                "2027-08-03 10:00 +02:00",
                "2027-09-07 10:00 +02:00",
                "2027-10-05 10:00 +02:00",
                "2027-11-02 10:00 +01:00",
                "2027-12-07 10:00 +01:00",
            ]
        );
        assert_eq!(Rule::default().to_string(), "FREQ=MONTHLY;BYDAY=1TU");
    }

    #[test]
    fn last_fridays_and_last_days_of_the_month() {
        assert_eq!(
            dates("FREQ=MONTHLY;BYDAY=-1FR", BERLIN_2027, 5),
            [
                "2027-01-29",
                "2027-02-26",
                "2027-03-26",
                "2027-04-30",
                "2027-05-28"
            ]
        );
        assert_eq!(
            dates("FREQ=MONTHLY;BYMONTHDAY=-1", BERLIN_2027, 4),
            ["2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30"]
        );
        // The last weekday (Monday to Friday) of each month.
        assert_eq!(
            dates(
                "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
                BERLIN_2027,
                3
            ),
            ["2027-01-29", "2027-02-26", "2027-03-31"]
        );
    }

    #[test]
    fn the_31st_skips_short_months() {
        let expected = [
            "2027-01-31",
            "2027-03-31",
            "2027-05-31",
            "2027-07-31",
            "2027-08-31",
        ];
        assert_eq!(
            dates("FREQ=MONTHLY;BYMONTHDAY=31", BERLIN_2027, 5),
            expected
        );
        // Without BYMONTHDAY the start's day is used, and skipped where it does not exist.
        assert_eq!(
            dates("FREQ=MONTHLY", "2027-01-31T10:00:00[Europe/Berlin]", 5),
            expected
        );
        assert_eq!(
            dates("FREQ=YEARLY", "2024-02-29T10:00:00[Europe/Berlin]", 3),
            ["2024-02-29", "2028-02-29", "2032-02-29"]
        );
    }

    #[test]
    fn count_and_until_end_the_series() {
        assert_eq!(
            dates("FREQ=MONTHLY;BYDAY=1TU;COUNT=3", BERLIN_2027, 100).len(),
            3
        );
        // COUNT counts from the start, not from `after`.
        let start = zoned(BERLIN_2027);
        let rule = Rule::parse("FREQ=MONTHLY;BYDAY=1TU;COUNT=3").unwrap();
        let late = rule.occurrences(&start, t("2027-02-10T00:00:00Z"), 10);
        assert_eq!(late.len(), 1);
        assert_eq!(late[0].date(), jiff::civil::date(2027, 3, 2));
        // UNTIL is inclusive: 6 April 10:00 CEST is 08:00Z.
        assert_eq!(
            dates(
                "FREQ=MONTHLY;BYDAY=1TU;UNTIL=20270406T080000Z",
                BERLIN_2027,
                100
            )
            .len(),
            4
        );
        assert_eq!(
            dates(
                "FREQ=MONTHLY;BYDAY=1TU;UNTIL=20270406T075959Z",
                BERLIN_2027,
                100
            )
            .len(),
            3
        );
        // A date UNTIL compares local dates.
        assert_eq!(
            dates("FREQ=MONTHLY;BYDAY=1TU;UNTIL=20270406", BERLIN_2027, 100).len(),
            4
        );
    }

    #[test]
    fn after_and_limit_select_a_window() {
        let start = zoned(BERLIN_2027);
        let rule = Rule::default();
        let got = rule.occurrences(&start, t("2027-06-01T08:00:00Z"), 2);
        let got: Vec<String> = got.iter().map(|z| z.date().to_string()).collect();
        assert_eq!(got, ["2027-06-01", "2027-07-06"], "`after` is inclusive");
        assert!(rule.occurrences(&start, start.timestamp(), 0).is_empty());
    }

    #[test]
    fn an_unsynchronized_start_is_not_an_occurrence_but_a_synchronized_one_is() {
        // 2027-01-01 is a Friday, not a first Tuesday.
        assert_eq!(
            dates("FREQ=MONTHLY;BYDAY=1TU", BERLIN_2027, 1),
            ["2027-01-05"]
        );
        let start = "2027-01-05T10:00:00[Europe/Berlin]";
        assert_eq!(dates("FREQ=MONTHLY;BYDAY=1TU", start, 1), ["2027-01-05"]);
    }

    #[test]
    fn weekly_daily_and_yearly_rules() {
        // Every other week on Monday and Thursday, from Wednesday 2027-01-06.
        assert_eq!(
            dates(
                "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH",
                "2027-01-06T09:00:00[UTC]",
                5
            ),
            [
                "2027-01-07",
                "2027-01-18",
                "2027-01-21",
                "2027-02-01",
                "2027-02-04"
            ]
        );
        // Weekly without BYDAY repeats the start's weekday.
        assert_eq!(
            dates("FREQ=WEEKLY", "2027-01-06T09:00:00[UTC]", 2),
            ["2027-01-06", "2027-01-13"]
        );
        // WKST matters for INTERVAL > 1 (RFC 5545's own example, from Tuesday 1997-08-05).
        assert_eq!(
            dates(
                "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO",
                "1997-08-05T09:00:00[America/New_York]",
                10
            ),
            ["1997-08-05", "1997-08-10", "1997-08-19", "1997-08-24"]
        );
        assert_eq!(
            dates(
                "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU",
                "1997-08-05T09:00:00[America/New_York]",
                10
            ),
            ["1997-08-05", "1997-08-17", "1997-08-19", "1997-08-31"]
        );
        assert_eq!(
            dates("FREQ=DAILY;INTERVAL=3", "2027-02-26T09:00:00[UTC]", 3),
            ["2027-02-26", "2027-03-01", "2027-03-04"]
        );
        assert_eq!(
            dates("FREQ=DAILY;BYDAY=MO,FR", "2027-01-01T09:00:00[UTC]", 3),
            ["2027-01-01", "2027-01-04", "2027-01-08"]
        );
        // US Thanksgiving: the fourth Thursday of November.
        assert_eq!(
            dates(
                "FREQ=YEARLY;BYMONTH=11;BYDAY=4TH",
                "2026-01-01T09:00:00[America/New_York]",
                3
            ),
            ["2026-11-26", "2027-11-25", "2028-11-23"]
        );
        // The first Monday of the year, and the 13th of each month that is a Friday.
        assert_eq!(
            dates("FREQ=YEARLY;BYDAY=1MO", BERLIN_2027, 2),
            ["2027-01-04", "2028-01-03"]
        );
        assert_eq!(
            dates("FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13", BERLIN_2027, 2),
            ["2027-08-13", "2028-10-13"]
        );
        // Every 31 January and 31 March only (BYMONTH limits a monthly rule).
        assert_eq!(
            dates("FREQ=MONTHLY;BYMONTH=1,3;BYMONTHDAY=31", BERLIN_2027, 3),
            ["2027-01-31", "2027-03-31", "2028-01-31"]
        );
    }

    #[test]
    fn a_nonexistent_local_time_moves_forward_and_an_ambiguous_one_takes_the_earlier_offset() {
        // Last Sundays at 02:30 Berlin: 2027-03-28 02:30 does not exist (→ 03:30 CEST);
        // 2027-10-31 02:30 happens twice (→ the first, still CEST).
        let got = expand(
            "FREQ=MONTHLY;BYDAY=-1SU",
            "2027-02-28T02:30:00[Europe/Berlin]",
            9,
        );
        assert_eq!(got[1], "2027-03-28 03:30 +02:00");
        assert_eq!(got[2], "2027-04-25 02:30 +02:00");
        assert_eq!(got[8], "2027-10-31 02:30 +02:00");
    }

    #[test]
    fn new_york_weekly_meeting_keeps_its_local_time_over_the_dst_change() {
        let start = zoned("2027-03-08T09:00:00[America/New_York]");
        let got = Rule::parse("FREQ=WEEKLY")
            .unwrap()
            .occurrences(&start, start.timestamp(), 2);
        assert_eq!(got[0].timestamp(), t("2027-03-08T14:00:00Z"));
        assert_eq!(got[1].timestamp(), t("2027-03-15T13:00:00Z"));
    }

    #[test]
    fn an_impossible_rule_ends_with_no_occurrences() {
        assert!(dates("FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30", BERLIN_2027, 3).is_empty());
        assert!(dates("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31", BERLIN_2027, 3).is_empty());
        assert!(dates("FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=31", BERLIN_2027, 3).is_empty());
    }
}
