//! VTIMEZONE components built from jiff's time zone transitions.
//!
//! A zone that changes offset on the same n-th (or last) weekday of the same months every
//! year gets one STANDARD and one DAYLIGHT observance with a yearly RRULE, so open-ended
//! recurrences stay right; any other zone gets one observance per transition in the range.

use super::{basic, text};
use crate::Timestamp;
use jiff::SignedDuration;
use jiff::civil::DateTime;
use jiff::tz::{Offset, TimeZone};

/// One UTC offset change of a zone.
struct Transition {
    at: Timestamp,
    from: Offset,
    to: Offset,
    dst: bool,
    abbreviation: String,
}

impl Transition {
    /// Its local start, on the clock before the change (how VTIMEZONE's DTSTART is read).
    fn local(&self) -> DateTime {
        self.from.to_datetime(self.at)
    }

    fn same_kind(&self, other: &Transition) -> bool {
        (self.dst, self.from, self.to, &self.abbreviation)
            == (other.dst, other.from, other.to, &other.abbreviation)
    }
}

/// A VTIMEZONE for `name` that is right from `from` to `to` (or open-ended), built from the
/// zone's transitions: a yearly RRULE per observance when the zone follows one, otherwise one
/// observance per transition up to `to` (or five years past `from` when open-ended).
pub(super) fn vtimezone(
    name: &str,
    tz: &TimeZone,
    from: Timestamp,
    to: Option<Timestamp>,
) -> Vec<String> {
    let mk = |t: jiff::tz::TimeZoneTransition<'_>| Transition {
        at: t.timestamp(),
        from: tz.to_offset(t.timestamp() - SignedDuration::from_nanos(1)),
        to: t.offset(),
        dst: t.dst().is_dst(),
        abbreviation: t.abbreviation().to_string(),
    };
    let five_years = SignedDuration::from_hours(24 * 366 * 5);
    let horizon = to
        .unwrap_or(from)
        .checked_add(five_years)
        .unwrap_or(Timestamp::MAX);
    let prev = tz
        .preceding(from + SignedDuration::from_nanos(1))
        .next()
        .map(mk);
    let after = prev.as_ref().map_or(from, |p| p.at);
    let following = tz
        .following(after)
        .take_while(|t| t.timestamp() <= horizon)
        .map(mk);
    let all: Vec<Transition> = prev.into_iter().chain(following).collect();

    let mut lines = vec![
        "BEGIN:VTIMEZONE".to_string(),
        format!("TZID:{}", text(name)),
    ];
    if all.first().is_none_or(|t| t.at > from) {
        // No change at or before `from`: one observance for the offset in effect then.
        let info = tz.to_offset_info(from);
        lines.extend(observance(
            info.dst().is_dst(),
            "19700101T000000",
            info.offset(),
            info.offset(),
            info.abbreviation(),
            None,
        ));
    }
    match yearly_rules(&all, horizon) {
        Some(rules) => {
            for (t, rule) in rules {
                lines.extend(observance(
                    t.dst,
                    &basic(t.local()),
                    t.from,
                    t.to,
                    &t.abbreviation,
                    Some(&rule),
                ));
            }
        }
        None => {
            let until = to.unwrap_or(horizon);
            for t in all.iter().filter(|t| t.at <= until) {
                lines.extend(observance(
                    t.dst,
                    &basic(t.local()),
                    t.from,
                    t.to,
                    &t.abbreviation,
                    None,
                ));
            }
        }
    }
    lines.push("END:VTIMEZONE".to_string());
    lines
}

/// If every kind of transition in `all` happens once a year, every year up to `horizon`, on
/// the same n-th (or last) weekday of the same month at the same local time, the first of each
/// kind with its RRULE; `None` otherwise.
fn yearly_rules(all: &[Transition], horizon: Timestamp) -> Option<Vec<(&Transition, String)>> {
    let horizon_year = horizon.to_zoned(TimeZone::UTC).year();
    let mut kinds: Vec<Vec<&Transition>> = Vec::new();
    for t in all {
        match kinds.iter_mut().find(|k| k[0].same_kind(t)) {
            Some(k) => k.push(t),
            None => kinds.push(vec![t]),
        }
    }
    if kinds.len() < 2 {
        return None;
    }
    let mut out = Vec::new();
    for kind in kinds {
        let locals: Vec<DateTime> = kind.iter().map(|t| t.local()).collect();
        let first = locals[0];
        let regular = locals.windows(2).all(|w| w[1].year() == w[0].year() + 1)
            && locals.last()?.year() >= horizon_year - 1
            && locals.iter().all(|l| {
                (l.month(), l.weekday(), l.time()) == (first.month(), first.weekday(), first.time())
            });
        if !regular {
            return None;
        }
        let nth = |l: &DateTime| (l.day() - 1) / 7 + 1;
        let is_last = |l: &DateTime| l.day() + 7 > l.days_in_month();
        let ordinal = if locals.iter().all(is_last) {
            -1
        } else if locals.iter().all(|l| nth(l) == nth(&first)) {
            nth(&first)
        } else {
            return None;
        };
        let code = crate::recurrence::weekday_code(first.weekday());
        let rule = format!(
            "FREQ=YEARLY;BYMONTH={};BYDAY={ordinal}{}",
            first.month(),
            code.to_ascii_uppercase()
        );
        out.push((kind[0], rule));
    }
    Some(out)
}

fn observance(
    dst: bool,
    dtstart: &str,
    from: Offset,
    to: Offset,
    abbreviation: &str,
    rrule: Option<&str>,
) -> Vec<String> {
    let kind = if dst { "DAYLIGHT" } else { "STANDARD" };
    let mut lines = vec![format!("BEGIN:{kind}"), format!("DTSTART:{dtstart}")];
    if let Some(r) = rrule {
        lines.push(format!("RRULE:{r}"));
    }
    lines.push(format!("TZOFFSETFROM:{}", utc_offset(from)));
    lines.push(format!("TZOFFSETTO:{}", utc_offset(to)));
    if !abbreviation.is_empty() {
        lines.push(format!("TZNAME:{}", text(abbreviation)));
    }
    lines.push(format!("END:{kind}"));
    lines
}

/// A UTC-OFFSET value: `+0100`, `-0430`, `+053328` when there are seconds.
fn utc_offset(o: Offset) -> String {
    let s = o.seconds();
    let sign = if s < 0 { '-' } else { '+' };
    let a = s.unsigned_abs();
    let (h, m, sec) = (a / 3600, a % 3600 / 60, a % 60);
    if sec == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{sec:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_written_with_seconds_only_when_needed() {
        assert_eq!(utc_offset(Offset::from_seconds(3600).unwrap()), "+0100");
        assert_eq!(utc_offset(Offset::from_seconds(-16200).unwrap()), "-0430");
        assert_eq!(utc_offset(Offset::from_seconds(3208).unwrap()), "+005328");
        assert_eq!(utc_offset(Offset::UTC), "+0000");
    }
}
