//! A heatmap: rows × columns of cells shaded by their count, each with a `<title>` giving its
//! number (the busiest hours: weekdays × hours of the day).

use super::{Frame, esc, value_text};
use std::fmt::Write;

const CELL_W: f64 = 22.0;
const CELL_H: f64 = 24.0;
const LEFT: f64 = 48.0;
const TOP: f64 = 40.0;

/// Cells shaded from white (0) to dark blue (the largest count), `values[row][column]`, with
/// row labels on the left and column labels on top.
pub fn heatmap(f: &Frame<'_>, rows: &[&str], columns: &[&str], values: &[Vec<f64>]) -> String {
    let max = values
        .iter()
        .flat_map(|r| r.iter().copied())
        .fold(0.0, f64::max);
    let width = LEFT + CELL_W * columns.len() as f64 + 8.0;
    let height = TOP + CELL_H * rows.len() as f64 + 36.0;
    let id = esc(f.id);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart heatmap" role="img" viewBox="0 0 {width:.0} {height:.0}" aria-labelledby="{id}-title {id}-desc"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        esc(f.title),
        esc(f.desc)
    );
    svg.push_str(r##"<g class="axis x" font-size="10" fill="#374151">"##);
    for (c, label) in columns.iter().enumerate() {
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            LEFT + CELL_W * (c as f64 + 0.5),
            TOP - 6.0,
            esc(label)
        );
    }
    let _ = write!(
        svg,
        r#"<text x="{:.1}" y="14" text-anchor="middle" font-size="11">{}</text></g>"#,
        LEFT + CELL_W * columns.len() as f64 / 2.0,
        esc(f.x_label)
    );
    for (r, label) in rows.iter().enumerate() {
        let y = TOP + CELL_H * r as f64;
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end" font-size="11" fill="#374151">{}</text>"##,
            LEFT - 6.0,
            y + CELL_H / 2.0 + 4.0,
            esc(label)
        );
        for (c, col) in columns.iter().enumerate() {
            let v = values
                .get(r)
                .and_then(|row| row.get(c))
                .copied()
                .unwrap_or(0.0);
            let share = if max > 0.0 { v / max } else { 0.0 };
            // From #f3f4f6 (nothing) to #1e3a8a (the most).
            let mix = |a: f64, b: f64| (a + (b - a) * share).round() as u8;
            let color = format!(
                "#{:02x}{:02x}{:02x}",
                mix(243.0, 30.0),
                mix(244.0, 58.0),
                mix(246.0, 138.0)
            );
            let _ = write!(
                svg,
                r##"<rect class="cell" x="{:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{color}" stroke="#ffffff"><title>{} {}: {}</title></rect>"##,
                LEFT + CELL_W * c as f64,
                CELL_W,
                CELL_H,
                esc(label),
                esc(col),
                value_text(v)
            );
        }
    }
    let _ = write!(
        svg,
        r##"<text x="{:.1}" y="{:.1}" font-size="11" fill="#374151">{}: lightest 0, darkest {}</text></svg>"##,
        LEFT,
        height - 10.0,
        esc(f.y_label),
        value_text(max)
    );
    svg
}
