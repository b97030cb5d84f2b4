//! The picture of an on-call schedule over a window `[from, to)`: one bar per layer (in
//! order), a bar of overrides, and the final "On call" bar with its gaps in red, under a day
//! axis with a "now" line.
//!
//! Why SVG rows and not positioned `<div>`s: the Content-Security-Policy
//! ([`crate::CONTENT_SECURITY_POLICY`]) allows no inline `style` attributes, while SVG
//! geometry attributes (`x="25%"`) are not styles. Each row is an HTML grid row holding a label
//! and a `width="100%"` SVG whose blocks are placed in percent of the window. Times people
//! read (the axis labels and each block's hover/focus tip) are HTML `<time datetime="…Z">`
//! elements inside `<foreignObject>`, so `static/app.js` shows them in the viewer's zone; the
//! day ticks fall on midnights in the schedule's own zone, which is printed under the axis.
//! Looks live in `static/app.css` (classes `sched-…`).

use crate::ui::view::TimeView;
use debrief_core::Timestamp;
use debrief_core::oncall::schedule::{Entry, Interval};
use jiff::tz::TimeZone;
use std::fmt::Write;

/// The height of one bar, in pixels.
const BAR: u32 = 28;
/// The width a bar is assumed to have when deciding whether a name fits inside its block
/// (the SVG clips a name that still does not fit).
const ASSUMED_BAR_PX: f64 = 800.0;
/// At most this many day ticks are labelled; the others are drawn unlabelled.
const MAX_LABELS: usize = 8;
/// At most this many day ticks are drawn.
const MAX_TICKS: usize = 400;

/// Fills of users' blocks, each with white text at a contrast of at least 4.5:1 (WCAG AA),
/// none of them red, which means a gap.
pub const PALETTE: [&str; 12] = [
    "#1d4ed8", "#047857", "#6d28d9", "#92400e", "#155e75", "#4338ca", "#86198f", "#0f766e",
    "#475569", "#075985", "#3f6212", "#854d0e",
];
/// The fill of a gap (nobody on call), with white text at 6.5:1.
pub const GAP_FILL: &str = "#b91c1c";
/// The label of a gap.
pub const GAP_LABEL: &str = "nobody on call";

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A user's fill, stable by user id: a numeric id picks `id mod 12` (neighbouring ids differ),
/// any other id its FNV-1a hash.
pub fn user_fill(user: &str) -> &'static str {
    let n = PALETTE.len() as u64;
    let i = match user.trim().parse::<u64>() {
        Ok(id) => id % n,
        Err(_) => {
            let h = user.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            });
            h % n
        }
    };
    PALETTE[usize::try_from(i).unwrap_or(0)]
}

/// A percentage for an SVG attribute: at most three decimals, no trailing zeros (`25%`).
fn pct(x: f64) -> String {
    let s = format!("{:.3}", x.clamp(0.0, 100.0));
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}%")
}

/// The window mapped to 0–100 %.
struct Axis {
    from: Timestamp,
    to: Timestamp,
}

impl Axis {
    fn at(&self, t: Timestamp) -> f64 {
        let span = (self.to.as_millisecond() - self.from.as_millisecond()).max(1) as f64;
        ((t.as_millisecond() - self.from.as_millisecond()) as f64 / span * 100.0).clamp(0.0, 100.0)
    }

    /// `[start, end)` clipped to the window, or `None` when nothing of it is inside.
    fn clip(&self, start: Timestamp, end: Timestamp) -> Option<(Timestamp, Timestamp)> {
        let (s, e) = (start.max(self.from), end.min(self.to));
        (s < e).then_some((s, e))
    }
}

/// One block of a bar: who (or a gap), and when.
struct Block<'a> {
    label: &'a str,
    fill: &'static str,
    class: &'static str,
    start: Timestamp,
    end: Timestamp,
}

/// The blocks of users' entries, each labelled with its display name.
fn user_blocks<'a>(entries: &[Entry], labels: &'a [String]) -> Vec<Block<'a>> {
    entries
        .iter()
        .zip(labels)
        .map(|(e, label)| Block {
            label,
            fill: user_fill(&e.user),
            class: "sched-block",
            start: e.start,
            end: e.end,
        })
        .collect()
}

/// Draws the picture of a schedule over `[from, to)`. `layers` are each layer's own entries
/// (from `layer_entries`), `overrides` the overrides, `final_entries` and `gaps` the final
/// schedule and its gaps over the same window; `names` gives a user id's display name;
/// `schedule_zone` is the schedule's IANA zone, whose midnights are the day ticks.
#[expect(
    clippy::too_many_arguments,
    reason = "each argument is one independent part of the picture, passed straight from the caller"
)]
pub fn render(
    layers: &[Vec<Entry>],
    overrides: &[Entry],
    final_entries: &[Entry],
    gaps: &[Interval],
    from: Timestamp,
    to: Timestamp,
    now: Timestamp,
    names: &dyn Fn(&str) -> String,
    schedule_zone: &str,
) -> String {
    let axis = Axis { from, to };
    let tz = TimeZone::get(schedule_zone.trim()).unwrap_or(TimeZone::UTC);
    let ticks = day_ticks(&tz, from, to);
    let now = (from <= now && now < to).then(|| axis.at(now));
    let mut out = String::from("<figure class=\"sched-picture\">\n<div class=\"sched-grid\">\n");

    let named =
        |entries: &[Entry]| -> Vec<String> { entries.iter().map(|e| names(&e.user)).collect() };
    let layer_names: Vec<Vec<String>> = layers.iter().map(|l| named(l)).collect();
    let override_names = named(overrides);
    let final_names = named(final_entries);
    let mut rows: Vec<(String, &'static str, Vec<Block<'_>>)> = Vec::new();
    for (i, (l, n)) in layers.iter().zip(&layer_names).enumerate() {
        rows.push((format!("Layer {}", i + 1), "sched-row", user_blocks(l, n)));
    }
    rows.push((
        "Overrides".to_string(),
        "sched-row sched-row-overrides",
        user_blocks(overrides, &override_names),
    ));
    let mut last = user_blocks(final_entries, &final_names);
    last.extend(gaps.iter().map(|g| Block {
        label: GAP_LABEL,
        fill: GAP_FILL,
        class: "sched-block sched-gap",
        start: g.start,
        end: g.end,
    }));
    last.sort_by_key(|b| b.start);
    rows.push(("On call".to_string(), "sched-row sched-row-final", last));

    for (label, class, blocks) in &rows {
        let _ = write!(
            out,
            "<div class=\"{class}\"><div class=\"sched-label\">{}</div>\
             <svg class=\"sched-bar\" width=\"100%\" height=\"{BAR}\" role=\"group\" \
             aria-label=\"{}\">\
             <rect class=\"sched-track\" x=\"0\" y=\"0\" width=\"100%\" height=\"{BAR}\"/>",
            esc(label),
            esc(label)
        );
        for t in &ticks {
            let x = pct(axis.at(*t));
            let _ = write!(
                out,
                "<line class=\"sched-grid-line\" x1=\"{x}\" x2=\"{x}\" y1=\"0\" y2=\"{BAR}\"/>"
            );
        }
        for b in blocks {
            block(&mut out, &axis, b);
        }
        if let Some(n) = now {
            now_line(&mut out, n, BAR);
        }
        out.push_str("</svg></div>\n");
    }
    axis_row(&mut out, &axis, &ticks, now);
    let _ = write!(
        out,
        "</div>\n<figcaption class=\"sched-zone\">Schedule zone: {}, shown in your zone</figcaption>\n</figure>\n",
        esc(schedule_zone.trim())
    );
    out
}

/// One block: its rect, its name when it fits, a `<title>`, and a tip with its times.
fn block(out: &mut String, axis: &Axis, b: &Block<'_>) {
    let Some((start, end)) = axis.clip(b.start, b.end) else {
        return;
    };
    let (l, r) = (axis.at(start), axis.at(end));
    let (x, w) = (pct(l), pct(r - l));
    let label = esc(b.label);
    let _ = write!(
        out,
        "<g class=\"{}\" tabindex=\"0\"><title>{label}</title>\
         <rect x=\"{x}\" y=\"2\" width=\"{w}\" height=\"{}\" rx=\"3\" fill=\"{}\"/>",
        b.class,
        BAR - 4,
        b.fill
    );
    let needed = b.label.chars().count() as f64 * 7.0 + 10.0;
    if (r - l) / 100.0 * ASSUMED_BAR_PX >= needed {
        let _ = write!(
            out,
            "<svg x=\"{x}\" y=\"0\" width=\"{w}\" height=\"{BAR}\">\
             <text class=\"sched-name\" x=\"5\" y=\"18\">{label}</text></svg>"
        );
    }
    // The tip opens rightwards from a block in the left half, leftwards from one in the right.
    let (tip_x, tip_w, side) = if l + r < 100.0 {
        (pct(l), pct(100.0 - l), "sched-tip")
    } else {
        (pct(0.0), pct(r), "sched-tip sched-tip-end")
    };
    let (s, e) = (TimeView::new(b.start), TimeView::new(b.end));
    let _ = write!(
        out,
        "<foreignObject class=\"sched-tipbox\" x=\"{tip_x}\" y=\"{BAR}\" width=\"{tip_w}\" \
         height=\"64\"><div class=\"{side}\"><strong>{label}</strong><br>\
         <time datetime=\"{}\">{}</time> –<br><time datetime=\"{}\">{}</time></div>\
         </foreignObject></g>",
        s.iso, s.utc, e.iso, e.utc
    );
}

/// The axis: a tick per day, labelled (at most [`MAX_LABELS`]) with `<time>` elements, and
/// "now".
fn axis_row(out: &mut String, axis: &Axis, ticks: &[Timestamp], now: Option<f64>) {
    let _ = write!(
        out,
        "<div class=\"sched-row sched-axis\"><div class=\"sched-label\"></div>\
         <svg class=\"sched-ticks\" width=\"100%\" height=\"60\" aria-label=\"Days\">"
    );
    for t in ticks {
        let x = pct(axis.at(*t));
        let _ = write!(
            out,
            "<line class=\"sched-tick\" x1=\"{x}\" x2=\"{x}\" y1=\"0\" y2=\"8\"/>"
        );
    }
    let step = ticks.len().div_ceil(MAX_LABELS).max(1);
    let labelled: Vec<Timestamp> = ticks.iter().copied().step_by(step).collect();
    for (i, t) in labelled.iter().enumerate() {
        let l = axis.at(*t);
        let r = labelled.get(i + 1).map_or(100.0, |n| axis.at(*n));
        if r - l < 4.0 {
            continue;
        }
        let v = TimeView::new(*t);
        let _ = write!(
            out,
            "<foreignObject x=\"{}\" y=\"10\" width=\"{}\" height=\"50\">\
             <time class=\"sched-tick-label\" datetime=\"{}\">{}</time></foreignObject>",
            pct(l),
            pct(r - l),
            v.iso,
            v.utc
        );
    }
    if let Some(n) = now {
        now_line(out, n, 10);
        let x = pct(n);
        let (anchor, dx) = if n < 95.0 { ("start", 3) } else { ("end", -3) };
        let _ = write!(
            out,
            "<text class=\"sched-now-label\" x=\"{x}\" y=\"8\" dx=\"{dx}\" text-anchor=\"{anchor}\">now</text>"
        );
    }
    out.push_str("</svg></div>\n");
}

/// The "now" line: a wide line in the background colour under a narrow one in the text
/// colour, so it shows on every block fill and on the empty track alike.
fn now_line(out: &mut String, at: f64, height: u32) {
    let x = pct(at);
    let _ = write!(
        out,
        "<line class=\"sched-now-halo\" x1=\"{x}\" x2=\"{x}\" y1=\"0\" y2=\"{height}\"/>\
         <line class=\"sched-now\" x1=\"{x}\" x2=\"{x}\" y1=\"0\" y2=\"{height}\"/>"
    );
}

/// The midnights in `tz` inside `[from, to)` (at most [`MAX_TICKS`]).
fn day_ticks(tz: &TimeZone, from: Timestamp, to: Timestamp) -> Vec<Timestamp> {
    let mut out = Vec::new();
    let mut day = tz.to_datetime(from).date();
    while out.len() < MAX_TICKS {
        let Ok(midnight) = day.to_zoned(tz.clone()) else {
            break;
        };
        let t = midnight.timestamp();
        if t >= to {
            break;
        }
        if t >= from {
            out.push(t);
        }
        match day.tomorrow() {
            Ok(next) => day = next,
            Err(_) => break,
        }
    }
    out
}

#[cfg(test)]
mod tests;
