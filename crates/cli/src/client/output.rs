//! Output helpers: aligned tables and times in the viewer's zone with UTC beside them.

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// Formats an RFC 3339 time as `2026-11-21 11:00:00.000 CET (10:00:00.000 UTC)`.
pub fn time(value: &serde_json::Value) -> String {
    let Some(s) = value.as_str() else {
        return "—".into();
    };
    let Ok(ts) = s.parse::<Timestamp>() else {
        return s.into();
    };
    let tz = TimeZone::system();
    let local = ts.to_zoned(tz);
    let utc = ts.to_zoned(TimeZone::UTC);
    if local.offset() == utc.offset() {
        format!("{} UTC", utc.strftime("%Y-%m-%d %H:%M:%S%.3f"))
    } else {
        format!(
            "{} ({} UTC)",
            local.strftime("%Y-%m-%d %H:%M:%S%.3f %Z"),
            utc.strftime("%H:%M:%S%.3f")
        )
    }
}

/// Writes a duration in seconds the one way Debrief writes durations (`3m 22s`, `1h 05m`,
/// `2d 4h`), or a dash.
pub fn duration(value: &serde_json::Value) -> String {
    debrief_core::duration::seconds_or_dash(value.as_f64())
}

/// Prints rows as an aligned table with a header.
pub fn table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<w$}", w = widths[i]))
            .collect();
        println!("{}", parts.join("  ").trim_end());
    };
    line(header.iter().map(|h| h.to_string()).collect());
    line(widths.iter().map(|w| "─".repeat(*w)).collect());
    for row in rows {
        line(row.clone());
    }
}

/// A string field or a dash.
pub fn text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "—".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_written_like_everywhere_else() {
        assert_eq!(duration(&serde_json::json!(3723.4)), "1h 02m");
        assert_eq!(duration(&serde_json::json!(65)), "1m 05s");
        assert_eq!(duration(&serde_json::json!(null)), "—");
    }
}
