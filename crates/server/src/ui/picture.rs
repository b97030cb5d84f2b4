//! The picture of an incident: its phases from start to resolution on a time axis, with the key
//! timestamps as lines and the starred moments as markers. Plain SVG, drawn on the server.

use debrief_core::Timestamp;
use debrief_core::status::Status;
use debrief_core::timeline::{EventKind, TimelineEvent};
use debrief_core::timestamps::KeyTimestamps;
use std::fmt::Write;

const WIDTH: f64 = 960.0;
const LEFT: f64 = 20.0;
const RIGHT: f64 = 20.0;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn color(status: &str) -> &'static str {
    match status {
        "impact" => "#b91c1c",
        "triage" => "#f59e0b",
        "investigating" => "#ef4444",
        "identified" => "#f97316",
        "monitoring" => "#3b82f6",
        "resolved" | "postmortem" | "follow_up" | "closed" => "#16a34a",
        _ => "#9ca3af",
    }
}

/// Draws the picture. `now` ends the axis of an incident that is still open.
pub fn render(
    declared_status: Status,
    k: &KeyTimestamps,
    events: &[TimelineEvent],
    now: Timestamp,
) -> String {
    let declared = events
        .iter()
        .find(|e| e.kind == EventKind::Declared)
        .map(|e| e.at);
    let start = [k.started_at, k.detected_at, declared]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(now);
    let end = k.resolved_at.or(k.closed_at).unwrap_or(now).max(start);
    let span = (end.as_millisecond() - start.as_millisecond()).max(1) as f64;
    let x = |t: Timestamp| {
        LEFT + (t.as_millisecond() - start.as_millisecond()) as f64 / span * (WIDTH - LEFT - RIGHT)
    };

    // Status phases from the declaration and each status change.
    let mut phases: Vec<(Timestamp, String)> = Vec::new();
    if let Some(d) = declared {
        // An incident recorded after the fact has status changes dated before its declaration:
        // its first status then held from the start of the picture.
        let first_change = events
            .iter()
            .filter(|e| e.kind == EventKind::StatusChange)
            .map(|e| e.at)
            .min();
        let from = if first_change.is_some_and(|c| c < d) {
            start
        } else {
            d
        };
        phases.push((from, declared_status.as_str().to_string()));
    }
    for e in events.iter().filter(|e| e.kind == EventKind::StatusChange) {
        if let Some(to) = e.data.get("to").and_then(|v| v.as_str()) {
            phases.push((e.at, to.to_string()));
        }
    }
    phases.sort_by_key(|(t, _)| *t);

    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="picture" viewBox="0 0 {WIDTH} 150" width="100%" role="img" aria-labelledby="pic-title" xmlns="http://www.w3.org/2000/svg"><title id="pic-title">Incident phases from start to resolution, with key moments</title>"#
    );
    // Impact before the declaration (started → declared).
    if let Some(d) = declared.filter(|d| *d > start) {
        let _ = write!(
            svg,
            r#"<rect class="phase" data-phase="impact" x="{:.1}" y="40" width="{:.1}" height="26" fill="{}" opacity="0.55"><title>impact before declaration</title></rect>"#,
            x(start),
            (x(d) - x(start)).max(1.0),
            color("impact")
        );
    }
    for (i, (t, status)) in phases.iter().enumerate() {
        let from = (*t).max(start).min(end);
        let to = phases
            .get(i + 1)
            .map(|(n, _)| *n)
            .unwrap_or(end)
            .max(from)
            .min(end);
        let w = (x(to) - x(from)).max(if i + 1 == phases.len() { 2.0 } else { 0.0 });
        let _ = write!(
            svg,
            r#"<rect class="phase" data-phase="{s}" x="{:.1}" y="40" width="{w:.1}" height="26" fill="{}"><title>{label}</title></rect>"#,
            x(from),
            color(status),
            s = esc(status),
            label = esc(&super::view::label(status))
        );
        if w > 60.0 {
            let _ = write!(
                svg,
                r##"<text x="{:.1}" y="57" font-size="11" fill="#fff">{}</text>"##,
                x(from) + 4.0,
                esc(&super::view::label(status))
            );
        }
    }
    // Key timestamps as labelled lines.
    let marks = [
        ("started", k.started_at),
        ("detected", k.detected_at),
        ("acknowledged", k.acknowledged_at),
        ("mitigated", k.mitigated_at),
        ("resolved", k.resolved_at),
    ];
    for (n, (label, t)) in marks.iter().enumerate() {
        if let Some(t) = t {
            let xx = x(*t);
            let y = 82 + (n as i32 % 3) * 13;
            // Keep labels inside the picture: anchor them away from the edges.
            let anchor = if xx < 60.0 {
                "start"
            } else if xx > WIDTH - 60.0 {
                "end"
            } else {
                "middle"
            };
            let _ = write!(
                svg,
                r##"<line class="key-time" data-key="{label}" x1="{xx:.1}" x2="{xx:.1}" y1="34" y2="{}" stroke="currentColor" stroke-width="1"/><text x="{xx:.1}" y="{y}" font-size="10" fill="currentColor" text-anchor="{anchor}">{label}</text>"##,
                y - 9
            );
        }
    }
    // Starred moments as diamonds above the bar.
    for e in events.iter().filter(|e| e.starred) {
        let xx = x(e.at.max(start).min(end));
        let _ = write!(
            svg,
            r##"<path class="starred" data-event="{}" d="M{xx:.1} 14 l7 9 l-7 9 l-7 -9 z" fill="#eab308" stroke="#713f12"><title>{} — {}</title></path>"##,
            e.id,
            esc(&debrief_core::format_utc(e.at)),
            esc(&e.body.chars().take(120).collect::<String>())
        );
    }
    // Axis with the start and end times.
    let _ = write!(
        svg,
        r##"<line x1="{LEFT}" x2="{:.1}" y1="128" y2="128" stroke="#6b7280"/><text x="{LEFT}" y="144" font-size="10" fill="currentColor">{}</text><text x="{:.1}" y="144" font-size="10" fill="currentColor" text-anchor="end">{}</text></svg>"##,
        WIDTH - RIGHT,
        esc(&super::view::TimeView::new(start).prose),
        WIDTH - RIGHT,
        esc(&super::view::TimeView::new(end).prose)
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use debrief_core::timeline::Source;

    fn ev(
        id: i64,
        kind: EventKind,
        at: &str,
        data: serde_json::Value,
        starred: bool,
    ) -> TimelineEvent {
        TimelineEvent {
            id,
            incident: "INC-1".into(),
            kind,
            at: at.parse().unwrap(),
            source: Source::Api,
            author_id: None,
            author_name: None,
            body: "<b>rollback</b>".into(),
            links: vec![],
            data,
            starred,
            revision: 1,
            created_at: at.parse().unwrap(),
        }
    }

    #[test]
    fn the_picture_has_each_phase_each_key_time_and_escaped_starred_moments() {
        let events = vec![
            ev(
                1,
                EventKind::Declared,
                "2026-11-21T10:00:00Z",
                serde_json::json!({}),
                false,
            ),
            ev(
                2,
                EventKind::StatusChange,
                "2026-11-21T10:10:00Z",
                serde_json::json!({"to": "monitoring"}),
                false,
            ),
            ev(
                3,
                EventKind::Remediation,
                "2026-11-21T10:05:00Z",
                serde_json::json!({}),
                true,
            ),
            ev(
                4,
                EventKind::StatusChange,
                "2026-11-21T10:30:00Z",
                serde_json::json!({"to": "resolved"}),
                false,
            ),
        ];
        let k = KeyTimestamps {
            started_at: Some("2026-11-21T09:50:00Z".parse().unwrap()),
            detected_at: Some("2026-11-21T10:00:00Z".parse().unwrap()),
            mitigated_at: Some("2026-11-21T10:10:00Z".parse().unwrap()),
            resolved_at: Some("2026-11-21T10:30:00Z".parse().unwrap()),
            ..Default::default()
        };
        let svg = render(
            Status::Triage,
            &k,
            &events,
            "2026-11-21T11:00:00Z".parse().unwrap(),
        );
        for needle in [
            r#"data-phase="impact""#,
            r#"data-phase="triage""#,
            r#"data-phase="monitoring""#,
            r#"data-phase="resolved""#,
            r#"data-key="mitigated""#,
            r#"data-event="3""#,
        ] {
            assert!(svg.contains(needle), "missing {needle}");
        }
        assert!(!svg.contains("<b>"), "event text is escaped");
    }
}
