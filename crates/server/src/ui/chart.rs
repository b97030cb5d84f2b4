//! Hand-written SVG charts for the insights pages: stacked bars, lines, plain bars and a
//! heatmap.
//!
//! Each chart is one `<svg role="img">` labelled by its `<title>` and `<desc>`, with axes, ticks,
//! axis labels and a legend, and a `<title>` on every bar and point that gives its number (a
//! tooltip, and what a screen reader reads). Lines differ by dash as well as by colour. Output is
//! deterministic (fixed decimals, no maps), and every text is escaped.

use std::fmt::Write;

mod heatmap;
pub use heatmap::heatmap;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 300.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 64.0;
/// At most this many labels on the x axis; the others are left out (their bars keep titles).
const MAX_X_LABELS: usize = 12;

/// Escapes text for SVG (XML) content and attribute values.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// What every chart has: an id (unique in the page), its title and description, axis labels.
#[derive(Debug, Clone)]
pub struct Frame<'a> {
    /// A slug, unique in the page, prefixing the ids of the title and description.
    pub id: &'a str,
    /// The chart's title.
    pub title: &'a str,
    /// What it shows, in a sentence or two.
    pub desc: &'a str,
    /// The x axis' label.
    pub x_label: &'a str,
    /// The y axis' label.
    pub y_label: &'a str,
}

/// One series: a name for the legend, a colour, one value per x label (`None`: no value).
#[derive(Debug, Clone)]
pub struct Series<'a> {
    /// Name in the legend and titles.
    pub name: &'a str,
    /// CSS colour.
    pub color: &'a str,
    /// Values, one per x label.
    pub values: Vec<Option<f64>>,
}

/// One bar of a plain bar chart.
#[derive(Debug, Clone)]
pub struct Bar<'a> {
    /// Its label on the x axis.
    pub label: &'a str,
    /// CSS colour.
    pub color: &'a str,
    /// Its value.
    pub value: f64,
}

/// The ticks of an axis from 0 to at least `max`: 0, then steps of 1, 2 or 5 times a power of
/// ten, about five of them; whole steps only when `whole`. The last tick is the axis' top.
pub fn ticks(max: f64, whole: bool) -> Vec<f64> {
    let max = if max.is_finite() && max > 0.0 {
        max
    } else {
        1.0
    };
    let raw = max / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = match raw / magnitude {
        n if n <= 1.0 => 1.0,
        n if n <= 2.0 => 2.0,
        n if n <= 5.0 => 5.0,
        _ => 10.0,
    } * magnitude;
    let step = if whole { step.max(1.0).round() } else { step };
    let n = (max / step - 1e-9).ceil().max(1.0) as usize;
    (0..=n)
        .map(|i| round_to_step(i as f64 * step, step))
        .collect()
}

/// Removes floating-point noise (0.30000000000000004) at the precision of `step`.
fn round_to_step(v: f64, step: f64) -> f64 {
    let scale = 10f64.powi(decimals(step) as i32);
    (v * scale).round() / scale
}

/// The decimals needed to print multiples of `step`.
fn decimals(step: f64) -> usize {
    if step >= 1.0 || step <= 0.0 {
        0
    } else {
        (-step.log10().floor()) as usize
    }
}

/// A tick value as text, with the decimals its step needs.
fn tick_text(v: f64, step: f64) -> String {
    format!("{v:.*}", decimals(step))
}

/// A value in a title: whole numbers bare, others with one decimal.
pub fn value_text(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

struct Plot {
    top: f64,
    ticks: Vec<f64>,
    slot: f64,
}

impl Plot {
    fn new(max: f64, whole: bool, n: usize) -> Self {
        let ticks = ticks(max, whole);
        let top = *ticks.last().expect("at least two ticks");
        Self {
            top,
            ticks,
            slot: (WIDTH - LEFT - RIGHT) / n.max(1) as f64,
        }
    }

    fn y(&self, v: f64) -> f64 {
        let h = HEIGHT - TOP - BOTTOM;
        TOP + h - (v / self.top).clamp(0.0, 1.0) * h
    }

    fn x_mid(&self, i: usize) -> f64 {
        LEFT + self.slot * (i as f64 + 0.5)
    }
}

/// Opens the `<svg>` with its title and description, and draws the axes, ticks and labels.
fn open(svg: &mut String, f: &Frame<'_>, plot: &Plot, labels: &[&str]) {
    let id = esc(f.id);
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {WIDTH:.0} {HEIGHT:.0}" aria-labelledby="{id}-title {id}-desc"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        esc(f.title),
        esc(f.desc)
    );
    let step = plot.ticks.get(1).copied().unwrap_or(1.0);
    svg.push_str(r##"<g class="axis y" font-size="11" fill="#374151">"##);
    for t in &plot.ticks {
        let y = plot.y(*t);
        let _ = write!(
            svg,
            r##"<line x1="{LEFT:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#e5e7eb"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
            WIDTH - RIGHT,
            LEFT - 6.0,
            y + 4.0,
            tick_text(*t, step)
        );
    }
    let mid_y = TOP + (HEIGHT - TOP - BOTTOM) / 2.0;
    let _ = write!(
        svg,
        r#"<text x="14" y="{mid_y:.1}" text-anchor="middle" transform="rotate(-90 14 {mid_y:.1})">{}</text></g>"#,
        esc(f.y_label)
    );
    let base = HEIGHT - BOTTOM;
    let _ = write!(
        svg,
        r##"<g class="axis x" font-size="11" fill="#374151"><line x1="{LEFT:.1}" y1="{base:.1}" x2="{:.1}" y2="{base:.1}" stroke="#6b7280"/>"##,
        WIDTH - RIGHT
    );
    let every = labels.len().div_ceil(MAX_X_LABELS).max(1);
    for (i, l) in labels.iter().enumerate().filter(|(i, _)| i % every == 0) {
        let x = plot.x_mid(i);
        let _ = write!(
            svg,
            r##"<line x1="{x:.1}" y1="{base:.1}" x2="{x:.1}" y2="{:.1}" stroke="#6b7280"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
            base + 4.0,
            base + 17.0,
            esc(l)
        );
    }
    let _ = write!(
        svg,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text></g>"#,
        LEFT + (WIDTH - LEFT - RIGHT) / 2.0,
        HEIGHT - 12.0,
        esc(f.x_label)
    );
}

/// Draws the legend along the top: a swatch (dashed for a dashed line) and a name per entry.
fn legend(svg: &mut String, entries: &[(&str, &str, Option<&str>)]) {
    svg.push_str(r##"<g class="legend" font-size="12" fill="#111827">"##);
    let mut x = LEFT;
    for (name, color, dash) in entries {
        match dash {
            Some(d) => {
                let _ = write!(
                    svg,
                    r#"<line x1="{x:.1}" y1="16" x2="{:.1}" y2="16" stroke="{}" stroke-width="3" stroke-dasharray="{d}"/>"#,
                    x + 18.0,
                    esc(color)
                );
            }
            None => {
                let _ = write!(
                    svg,
                    r#"<rect x="{x:.1}" y="10" width="12" height="12" fill="{}"/>"#,
                    esc(color)
                );
            }
        }
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="20">{}</text>"#,
            x + 22.0,
            esc(name)
        );
        x += 22.0 + 7.0 * name.chars().count() as f64 + 18.0;
    }
    svg.push_str("</g>");
}

/// A stacked bar per x label, one segment per series (a missing value counts as 0).
pub fn stacked_bars(f: &Frame<'_>, labels: &[&str], series: &[Series<'_>]) -> String {
    let value = |s: &Series<'_>, i: usize| s.values.get(i).copied().flatten().unwrap_or(0.0);
    let max = (0..labels.len())
        .map(|i| series.iter().map(|s| value(s, i)).sum::<f64>())
        .fold(0.0, f64::max);
    let plot = Plot::new(max, true, labels.len());
    let mut svg = String::new();
    open(&mut svg, f, &plot, labels);
    let entries: Vec<(&str, &str, Option<&str>)> =
        series.iter().map(|s| (s.name, s.color, None)).collect();
    legend(&mut svg, &entries);
    let width = plot.slot * 0.6;
    for (i, label) in labels.iter().enumerate() {
        let parts: Vec<String> = series
            .iter()
            .map(|s| format!("{} {}", s.name, value_text(value(s, i))))
            .collect();
        let _ = write!(
            svg,
            r#"<g class="bar"><title>{}: {}</title>"#,
            esc(label),
            esc(&parts.join(", "))
        );
        let mut below = 0.0;
        for s in series {
            let v = value(s, i);
            if v <= 0.0 {
                continue;
            }
            let (y0, y1) = (plot.y(below), plot.y(below + v));
            let _ = write!(
                svg,
                r#"<rect x="{:.1}" y="{y1:.1}" width="{width:.1}" height="{:.1}" fill="{}"><title>{}: {} {}</title></rect>"#,
                plot.x_mid(i) - width / 2.0,
                y0 - y1,
                esc(s.color),
                esc(label),
                esc(s.name),
                value_text(v)
            );
            below += v;
        }
        svg.push_str("</g>");
    }
    svg.push_str("</svg>");
    svg
}

/// A line per series (gaps where a value is missing), with a titled point per value. The
/// second and later series are dashed, so they differ by more than colour.
pub fn lines(f: &Frame<'_>, labels: &[&str], series: &[Series<'_>]) -> String {
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().flatten().copied())
        .fold(0.0, f64::max);
    let plot = Plot::new(max, false, labels.len());
    let mut svg = String::new();
    open(&mut svg, f, &plot, labels);
    let dash = |k: usize| (k > 0).then_some("6 4");
    let entries: Vec<(&str, &str, Option<&str>)> = series
        .iter()
        .enumerate()
        .map(|(k, s)| (s.name, s.color, Some(dash(k).unwrap_or("none"))))
        .collect();
    legend(&mut svg, &entries);
    if series.iter().all(|s| s.values.iter().all(Option::is_none)) {
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="13" fill="#6b7280">No values in this period</text>"##,
            LEFT + (WIDTH - LEFT - RIGHT) / 2.0,
            TOP + (HEIGHT - TOP - BOTTOM) / 2.0
        );
    }
    for (k, s) in series.iter().enumerate() {
        let mut d = String::new();
        let mut pen_down = false;
        for (i, v) in s.values.iter().enumerate().take(labels.len()) {
            match v {
                Some(v) => {
                    let cmd = if pen_down { 'L' } else { 'M' };
                    let _ = write!(d, "{cmd}{:.1} {:.1} ", plot.x_mid(i), plot.y(*v));
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        let _ = write!(
            svg,
            r#"<g class="series"><path d="{}" fill="none" stroke="{}" stroke-width="2"{}/>"#,
            d.trim_end(),
            esc(s.color),
            dash(k).map_or(String::new(), |d| format!(r#" stroke-dasharray="{d}""#))
        );
        for (i, v) in s.values.iter().enumerate().take(labels.len()) {
            if let Some(v) = v {
                let _ = write!(
                    svg,
                    r#"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="{}"><title>{}: {} {}</title></circle>"#,
                    plot.x_mid(i),
                    plot.y(*v),
                    esc(s.color),
                    esc(labels[i]),
                    esc(s.name),
                    value_text(*v)
                );
            }
        }
        svg.push_str("</g>");
    }
    svg.push_str("</svg>");
    svg
}

/// One bar per category, each in its own colour, its label under it and its number above it.
pub fn bars(f: &Frame<'_>, bars: &[Bar<'_>]) -> String {
    let max = bars.iter().map(|b| b.value).fold(0.0, f64::max);
    let labels: Vec<&str> = bars.iter().map(|b| b.label).collect();
    let plot = Plot::new(max, true, bars.len());
    let mut svg = String::new();
    open(&mut svg, f, &plot, &labels);
    let width = plot.slot * 0.6;
    for (i, b) in bars.iter().enumerate() {
        let y = plot.y(b.value.max(0.0));
        let _ = write!(
            svg,
            r##"<g class="bar"><rect x="{:.1}" y="{y:.1}" width="{width:.1}" height="{:.1}" fill="{}"><title>{}: {}</title></rect><text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="12" fill="#111827">{}</text></g>"##,
            plot.x_mid(i) - width / 2.0,
            plot.y(0.0) - y,
            esc(b.color),
            esc(b.label),
            value_text(b.value),
            plot.x_mid(i),
            y - 4.0,
            value_text(b.value)
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests;
