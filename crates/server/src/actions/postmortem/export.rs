//! The postmortem as one Markdown document, and as a printable HTML page made from it.

use super::view::PostmortemView;
use crate::markdown::to_html as markdown;
use debrief_core::Timestamp;
use std::fmt::Write;

fn utc(t: Option<Timestamp>) -> String {
    t.map_or_else(
        || "—".to_string(),
        |t| format!("{} UTC", t.strftime("%Y-%m-%d %H:%M:%S")),
    )
}

/// Escapes text for a Markdown table cell or line (no HTML or Markdown gets through as such).
fn plain(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '#' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The document as Markdown: what people wrote, and what Debrief knows, in one file.
pub fn to_markdown(v: &PostmortemView) -> String {
    let f = &v.facts;
    let k = &f.key_timestamps;
    let m = &f.metrics;
    let mut out = String::new();
    let _ = writeln!(out, "# Postmortem: {} {}\n", v.incident, plain(&f.title));
    let _ = writeln!(
        out,
        "| | |\n|---|---|\n| Status | {} |\n| Severity | {} |\n| Type | {} |\n| Services | {} |\n| Customer impact | {} |\n| Start (UTC) | {} |\n| End (UTC) | {} |\n| Owner | {} |\n| Facilitator | {} |\n| Reviewers | {} |\n",
        v.record.status,
        f.severity,
        f.incident_type,
        if f.services.is_empty() {
            "—".to_string()
        } else {
            f.services.join(", ")
        },
        if f.customer_impact { "yes" } else { "no" },
        utc(f.start),
        utc(f.end),
        v.owner.as_ref().map_or("—".into(), |p| plain(&p.name)),
        v.facilitator
            .as_ref()
            .map_or("—".into(), |p| plain(&p.name)),
        if v.reviewers.is_empty() {
            "—".to_string()
        } else {
            v.reviewers
                .iter()
                .map(|p| plain(&p.name))
                .collect::<Vec<_>>()
                .join(", ")
        },
    );
    if let Some(d) = &v.record.decision {
        let _ = writeln!(out, "Why a postmortem: {}\n", plain(&d.summary()));
    }
    let _ = writeln!(out, "## Participants\n");
    for p in &f.participants {
        let _ = writeln!(out, "- {}", plain(p));
    }
    let _ = writeln!(out, "\n## Key timestamps (UTC)\n\n| | |\n|---|---|");
    for (name, t) in [
        ("Started", k.started_at),
        ("Detected", k.detected_at),
        ("Acknowledged", k.acknowledged_at),
        ("First communication", k.first_comms_at),
        ("First external communication", k.first_external_comms_at),
        ("Mitigated", k.mitigated_at),
        ("Resolved", k.resolved_at),
    ] {
        let _ = writeln!(out, "| {name} | {} |", utc(t));
    }
    let _ = writeln!(out, "\n## Metrics\n\n| | | How measured |\n|---|---|---|");
    for d in debrief_core::metrics::DEFINITIONS {
        let value = match m.contradiction(d.metric) {
            Some(c) => format!("not measured: {}", plain(&c.message)),
            None => debrief_core::duration::seconds_or_dash(m.seconds(d.metric)),
        };
        let _ = writeln!(out, "| {} | {value} | {} |", d.label, d.how_measured);
    }
    let _ = writeln!(out, "\n## Timeline (UTC)\n");
    for e in &f.timeline {
        let star = if e.starred { " ★" } else { "" };
        let _ = writeln!(
            out,
            "- **{}**{star} {}",
            e.at.strftime("%Y-%m-%d %H:%M:%S"),
            plain(&e.body)
        );
    }
    for s in &v.sections {
        let _ = writeln!(out, "\n## {}\n", plain(&s.title));
        if s.body.trim().is_empty() {
            let _ = writeln!(out, "_Not written yet._");
        } else {
            let _ = writeln!(out, "{}", s.body.trim_end());
        }
    }
    let _ = writeln!(out, "\n## Action items\n");
    if f.action_items.is_empty() {
        let _ = writeln!(out, "_None yet._");
    }
    for i in &f.action_items {
        let _ = writeln!(
            out,
            "- [{}] #{} {} — {}, {}, owner {}, due {}{}",
            if i.status.is_settled() { "x" } else { " " },
            i.id,
            plain(&i.title),
            i.status.as_str(),
            i.priority,
            i.owner.as_deref().map_or("—".into(), plain),
            i.due_on.as_deref().unwrap_or("—"),
            i.tracker_url
                .as_deref()
                .map_or(String::new(), |u| format!(" ({u})")),
        );
    }
    if !f.attachments.is_empty() {
        let _ = writeln!(out, "\n## Attachments\n");
        for a in &f.attachments {
            let _ = writeln!(
                out,
                "- {} ({}, {} bytes)",
                plain(&a.filename),
                a.content_type,
                a.size
            );
        }
    }
    if !v.record.customer_summary.trim().is_empty() {
        let _ = writeln!(
            out,
            "\n## Customer summary\n\n{}",
            v.record.customer_summary.trim_end()
        );
    }
    out
}

/// The document as a self-contained, printable HTML page (no script, inline print styles).
pub fn to_html(v: &PostmortemView) -> String {
    let body = markdown(&to_markdown(v));
    let title = format!("Postmortem {} {}", v.incident, v.facts.title);
    let title = title
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <style>body{{font:15px/1.5 system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;color:#111}}\
         table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}}\
         h1{{font-size:1.6rem}}h2{{border-bottom:1px solid #ddd;margin-top:2rem}}\
         @media print{{body{{margin:0;max-width:none}}h2{{break-after:avoid}}table,li{{break-inside:avoid}}}}</style>\n\
         </head><body>\n{body}</body></html>\n"
    )
}
