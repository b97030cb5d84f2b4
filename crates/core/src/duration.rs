//! The one way Debrief writes a duration for people (issue 9, part 8): `59s`, `3m 22s`,
//! `1h 05m`, `2d 4h`.
//!
//! Two units at most, the larger first; the smaller is cut, not rounded, so a duration is never
//! shown longer than it was (`1h 05m 59s` is `1h 05m`). Every page, export and CLI table goes
//! through [`format_seconds`]; `server/static/app.js` writes none.
//!
//! A negative duration is refused rather than written: a metric that would be negative has
//! inputs that contradict each other, and [`crate::metrics`] names them instead.

/// Why a duration could not be written.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum DurationError {
    /// Durations are never negative; the inputs contradict each other.
    #[error("a duration cannot be negative ({0} s)")]
    Negative(f64),
    /// Not a number, or infinite.
    #[error("a duration must be a finite number of seconds")]
    NotFinite,
}

/// Writes a duration given in seconds: `0s`, `59s`, `3m 22s`, `1h 05m`, `2d 4h`.
///
/// Fractions of a second are cut (after rounding to the millisecond, the precision Debrief
/// keeps, so `179.9999999` is `3m 00s`).
pub fn format_seconds(seconds: f64) -> Result<String, DurationError> {
    if !seconds.is_finite() {
        return Err(DurationError::NotFinite);
    }
    let millis = (seconds * 1000.0).round() as i64;
    if millis < 0 {
        return Err(DurationError::Negative(seconds));
    }
    let total = millis / 1000;
    let (d, h, m, s) = (
        total / 86_400,
        total % 86_400 / 3600,
        total % 3600 / 60,
        total % 60,
    );
    Ok(if d > 0 {
        format!("{d}d {h}h")
    } else if h > 0 {
        format!("{h}h {m:02}m")
    } else if m > 0 {
        format!("{m}m {s:02}s")
    } else {
        format!("{s}s")
    })
}

/// A duration in seconds for a page or a table: [`format_seconds`], or `—` when there is none
/// (a missing input, or a refused value, whose reason is shown elsewhere).
pub fn seconds_or_dash(seconds: Option<f64>) -> String {
    seconds
        .and_then(|s| format_seconds(s).ok())
        .unwrap_or_else(|| "—".into())
}

/// A duration in minutes for a page or a table, written like every other duration.
pub fn minutes_or_dash(minutes: Option<f64>) -> String {
    seconds_or_dash(minutes.map(|m| m * 60.0))
}

/// A duration in hours for a page or a table, written like every other duration.
pub fn hours_or_dash(hours: Option<f64>) -> String {
    seconds_or_dash(hours.map(|h| h * 3600.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(s: f64) -> String {
        format_seconds(s).unwrap()
    }

    #[test]
    fn zero_is_zero_seconds() {
        assert_eq!(f(0.0), "0s");
        assert_eq!(f(-0.0), "0s");
    }

    #[test]
    fn under_a_minute_is_seconds_only() {
        assert_eq!(f(59.0), "59s");
        assert_eq!(f(59.999), "59s", "cut, not rounded up to a minute");
        assert_eq!(f(0.5), "0s");
    }

    #[test]
    fn under_an_hour_is_minutes_and_seconds() {
        assert_eq!(f(202.0), "3m 22s");
        assert_eq!(f(60.0), "1m 00s");
        assert_eq!(f(3599.0), "59m 59s");
        assert_eq!(
            f(179.999_999_9),
            "3m 00s",
            "float noise below a millisecond"
        );
    }

    #[test]
    fn under_a_day_is_hours_and_minutes() {
        assert_eq!(f(3900.0), "1h 05m");
        assert_eq!(f(3959.0), "1h 05m", "seconds are cut");
        assert_eq!(f(86_399.0), "23h 59m");
    }

    #[test]
    fn a_day_or_more_is_days_and_hours() {
        assert_eq!(f(2.0 * 86_400.0 + 4.0 * 3600.0 + 59.0 * 60.0), "2d 4h");
        assert_eq!(f(86_400.0), "1d 0h");
        assert_eq!(f(400.0 * 86_400.0), "400d 0h");
    }

    #[test]
    fn negative_and_non_finite_durations_are_refused() {
        assert_eq!(format_seconds(-1.0), Err(DurationError::Negative(-1.0)));
        assert_eq!(format_seconds(-0.001), Err(DurationError::Negative(-0.001)));
        assert_eq!(format_seconds(f64::NAN), Err(DurationError::NotFinite));
        assert_eq!(format_seconds(f64::INFINITY), Err(DurationError::NotFinite));
        assert_eq!(seconds_or_dash(Some(-5.0)), "—");
    }

    #[test]
    fn missing_durations_are_a_dash_and_other_units_convert() {
        assert_eq!(seconds_or_dash(None), "—");
        assert_eq!(minutes_or_dash(Some(50.0)), "50m 00s");
        assert_eq!(minutes_or_dash(Some(1.5)), "1m 30s");
        assert_eq!(hours_or_dash(Some(26.0)), "1d 2h");
        assert_eq!(hours_or_dash(None), "—");
    }
}
