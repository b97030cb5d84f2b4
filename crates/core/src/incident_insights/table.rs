//! The numbers behind each chart of the incident insights as a table: a header and rows of
//! text. The API serves them as CSV (`/api/v1/insights/incidents/{section}.csv`) and the web
//! page shows them under each chart, so both always agree.

use super::{IncidentInsights, Mttx, PlaceRow};

/// Quotes a CSV cell, and defuses cells a spreadsheet would run as a formula.
pub fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// One section as CSV: the header, then the rows, each line ending in CRLF; `None` for an
/// unknown section.
pub fn csv(r: &IncidentInsights, section: &str) -> Option<String> {
    let (head, rows) = table(r, section)?;
    let line = |v: &[String]| v.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(",") + "\r\n";
    Some(
        std::iter::once(line(&head))
            .chain(rows.iter().map(|r| line(r)))
            .collect(),
    )
}

/// The sections, in the order of the page.
pub const SECTIONS: [&str; 8] = [
    "trends",
    "severity",
    "services",
    "teams",
    "hours",
    "responders",
    "action_items",
    "repeats",
];

/// A number as text: whole numbers bare, others with up to three decimals (no trailing zeros).
fn num(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

fn opt(v: Option<f64>) -> String {
    v.map(num).unwrap_or_default()
}

fn mttx(m: &Mttx) -> [String; 3] {
    [
        m.count.to_string(),
        opt(m.median_seconds),
        opt(m.p90_seconds),
    ]
}

fn places(rows: &[PlaceRow], with_team: bool) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| {
            let mut v = vec![r.name.clone()];
            if with_team {
                v.push(r.team.clone().unwrap_or_default());
            }
            v.push(r.incidents.to_string());
            v.push(num(r.downtime_minutes));
            v
        })
        .collect()
}

/// One section's header and rows; `None` for an unknown section.
pub fn table(r: &IncidentInsights, section: &str) -> Option<(Vec<String>, Vec<Vec<String>>)> {
    let h = |cols: &[&str]| cols.iter().map(|c| (*c).to_string()).collect::<Vec<_>>();
    Some(match section {
        "trends" => {
            let mut head = h(&["start", "end", "incidents"]);
            for m in ["mttd", "mtta", "mttm", "mttr"] {
                head.extend([
                    format!("{m}_count"),
                    format!("{m}_median_seconds"),
                    format!("{m}_p90_seconds"),
                ]);
            }
            let rows = r
                .trends
                .iter()
                .map(|b| {
                    let mut v = vec![
                        b.start.to_string(),
                        b.end.to_string(),
                        b.incidents.to_string(),
                    ];
                    for m in [&b.mttd, &b.mtta, &b.mttm, &b.mttr] {
                        v.extend(mttx(m));
                    }
                    v
                })
                .collect();
            (head, rows)
        }
        "severity" => {
            let mut head = h(&["start", "end"]);
            head.extend(r.severities.iter().cloned());
            let rows = r
                .severity_mix
                .iter()
                .map(|b| {
                    let mut v = vec![b.start.to_string(), b.end.to_string()];
                    v.extend(
                        r.severities
                            .iter()
                            .map(|s| b.counts.get(s).copied().unwrap_or(0).to_string()),
                    );
                    v
                })
                .collect();
            (head, rows)
        }
        "services" => (
            h(&["service", "team", "incidents", "downtime_minutes"]),
            places(&r.services, true),
        ),
        "teams" => (
            h(&["team", "incidents", "downtime_minutes"]),
            places(&r.teams, false),
        ),
        "hours" => (
            h(&["weekday", "hour", "incidents"]),
            r.busiest_hours
                .iter()
                .map(|c| {
                    vec![
                        c.weekday.to_string(),
                        c.hour.to_string(),
                        c.incidents.to_string(),
                    ]
                })
                .collect(),
        ),
        "responders" => (
            h(&[
                "user_id",
                "name",
                "pages_received",
                "pages_acknowledged",
                "out_of_hours_pages",
                "hours_on_incidents",
            ]),
            r.responders
                .iter()
                .map(|p| {
                    vec![
                        p.user_id.to_string(),
                        p.name.clone(),
                        p.pages_received.to_string(),
                        p.pages_acknowledged.to_string(),
                        p.out_of_hours_pages.to_string(),
                        num(p.hours_on_incidents),
                    ]
                })
                .collect(),
        ),
        "action_items" => (
            h(&[
                "start",
                "end",
                "created",
                "done_on_time",
                "done_late",
                "overdue",
                "open",
                "wont_do",
            ]),
            r.action_items
                .iter()
                .map(|b| {
                    vec![
                        b.start.to_string(),
                        b.end.to_string(),
                        b.created.to_string(),
                        b.done_on_time.to_string(),
                        b.done_late.to_string(),
                        b.overdue.to_string(),
                        b.open.to_string(),
                        b.wont_do.to_string(),
                    ]
                })
                .collect(),
        ),
        "repeats" => (
            h(&["start", "end", "incidents", "repeated", "references"]),
            r.repeats
                .iter()
                .map(|b| {
                    vec![
                        b.start.to_string(),
                        b.end.to_string(),
                        b.incidents.to_string(),
                        b.repeated.to_string(),
                        b.references.join(" "),
                    ]
                })
                .collect(),
        ),
        _ => return None,
    })
}
