//! The chart helpers and the SVG they write.

#![expect(
    clippy::string_slice,
    reason = "tests slice text at boundaries they just found"
)]

use super::*;

/// Checks that every tag is closed in order, without parsing XML: `<a>…</a>`, `<b/>`.
fn assert_balanced(svg: &str) {
    let mut stack: Vec<&str> = Vec::new();
    let mut rest = svg;
    while let Some(open) = rest.find('<') {
        let close = rest[open..].find('>').expect("a tag ends") + open;
        let tag = &rest[open + 1..close];
        assert!(!tag.contains('<'), "a '<' inside a tag: {tag}");
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop(), Some(name), "closing {name} in {svg}");
        } else if !tag.ends_with('/') {
            stack.push(tag.split_whitespace().next().expect("a name"));
        }
        rest = &rest[close + 1..];
    }
    assert!(stack.is_empty(), "left open: {stack:?}");
    assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"));
}

fn assert_numbers_are_finite(svg: &str) {
    for bad in ["NaN", "inf"] {
        assert!(!svg.contains(bad), "{bad} in {svg}");
    }
}

fn frame<'a>(id: &'a str, title: &'a str) -> Frame<'a> {
    Frame {
        id,
        title,
        desc: "A <test> chart & more",
        x_label: "Month",
        y_label: "Postmortems",
    }
}

#[test]
fn ticks_step_by_one_two_or_five_times_a_power_of_ten() {
    assert_eq!(ticks(4.0, true), [0.0, 1.0, 2.0, 3.0, 4.0]);
    assert_eq!(ticks(7.0, true), [0.0, 2.0, 4.0, 6.0, 8.0]);
    assert_eq!(ticks(10.0, true), [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
    assert_eq!(ticks(23.0, true), [0.0, 5.0, 10.0, 15.0, 20.0, 25.0]);
    assert_eq!(ticks(336.0, false), [0.0, 100.0, 200.0, 300.0, 400.0]);
    assert_eq!(ticks(0.9, false), [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
}

#[test]
fn ticks_of_nothing_or_of_bad_numbers_are_zero_and_one() {
    assert_eq!(ticks(0.0, true), [0.0, 1.0]);
    assert_eq!(ticks(f64::NAN, true), [0.0, 1.0]);
    assert_eq!(ticks(f64::INFINITY, false), ticks(1.0, false));
    assert_eq!(ticks(f64::NAN, false).last(), Some(&1.0));
    assert_eq!(ticks(-3.0, true), [0.0, 1.0]);
    assert_eq!(ticks(0.5, true), [0.0, 1.0], "whole steps for counts");
}

#[test]
fn tick_and_value_texts_have_the_decimals_they_need() {
    assert_eq!(tick_text(0.6000000000000001, 0.2), "0.6");
    assert_eq!(tick_text(200.0, 100.0), "200");
    assert_eq!(tick_text(0.05, 0.05), "0.05");
    assert_eq!(value_text(3.0), "3");
    assert_eq!(value_text(215.96), "216.0");
}

#[test]
fn a_stacked_bar_chart_is_labelled_titled_and_well_formed() {
    let svg = stacked_bars(
        &frame("pm", "Postmortems <by> month"),
        &["2026-10", "2026-11"],
        &[
            Series {
                name: "On time",
                color: "#16a34a",
                values: vec![Some(1.0), Some(0.0)],
            },
            Series {
                name: "Late",
                color: "#d97706",
                values: vec![Some(1.0), None],
            },
            Series {
                name: "Missing",
                color: "#dc2626",
                values: vec![Some(0.0), Some(1.0)],
            },
        ],
    );
    assert_balanced(&svg);
    assert_numbers_are_finite(&svg);
    assert!(svg.contains(r#"role="img""#));
    assert!(svg.contains(r#"aria-labelledby="pm-title pm-desc""#));
    assert!(svg.contains(r#"<title id="pm-title">Postmortems &lt;by&gt; month</title>"#));
    assert!(svg.contains("<desc id=\"pm-desc\">A &lt;test&gt; chart &amp; more</desc>"));
    assert!(svg.contains("<title>2026-10: On time 1, Late 1, Missing 0</title>"));
    assert!(svg.contains("<title>2026-11: Missing 1</title></rect>"));
    // Three segments drawn (zeros are not), a legend entry per series, axis labels.
    assert_eq!(svg.matches("<rect ").count(), 3 + 3);
    for text in [
        ">On time<",
        ">Late<",
        ">Missing<",
        ">Month<",
        ">Postmortems<",
        ">2<",
    ] {
        assert!(svg.contains(text), "{text} in {svg}");
    }
}

#[test]
fn the_same_data_draws_the_same_chart() {
    let draw = || {
        lines(
            &frame("h", "Hours"),
            &["a", "b", "c"],
            &[Series {
                name: "Median",
                color: "#2563eb",
                values: vec![Some(1.5), None, Some(3.0)],
            }],
        )
    };
    assert_eq!(draw(), draw());
}

#[test]
fn a_line_chart_breaks_at_missing_values_and_dashes_its_second_line() {
    let svg = lines(
        &frame("hours", "Hours to publication"),
        &["2026-10", "2026-11", "2026-12"],
        &[
            Series {
                name: "Median",
                color: "#2563eb",
                values: vec![Some(216.0), None, Some(12.0)],
            },
            Series {
                name: "90th percentile",
                color: "#7c3aed",
                values: vec![Some(336.0), Some(100.0), Some(12.5)],
            },
        ],
    );
    assert_balanced(&svg);
    assert_numbers_are_finite(&svg);
    assert_eq!(svg.matches("<circle ").count(), 5);
    assert!(svg.contains("<title>2026-10: Median 216</title>"));
    assert!(svg.contains("<title>2026-12: 90th percentile 12.5</title>"));
    let median_path = svg
        .split(r#"<path d=""#)
        .nth(1)
        .and_then(|p| p.split('"').next())
        .unwrap();
    assert_eq!(median_path.matches('M').count(), 2, "{median_path}");
    assert!(svg.contains(r#"stroke-dasharray="6 4""#));
}

#[test]
fn a_line_chart_without_values_says_so() {
    let svg = lines(
        &frame("empty", "Hours"),
        &[],
        &[Series {
            name: "Median",
            color: "#2563eb",
            values: vec![],
        }],
    );
    assert_balanced(&svg);
    assert_numbers_are_finite(&svg);
    assert!(svg.contains("No values in this period"));
}

#[test]
fn a_bar_chart_shows_each_number_and_escapes_labels() {
    let svg = bars(
        &frame("items", "Action items"),
        &[
            Bar {
                label: "Done on time",
                color: "#16a34a",
                value: 3.0,
            },
            Bar {
                label: "Won't do",
                color: "#9ca3af",
                value: 0.0,
            },
        ],
    );
    assert_balanced(&svg);
    assert_numbers_are_finite(&svg);
    assert!(svg.contains("<title>Done on time: 3</title>"));
    assert!(svg.contains("Won&#39;t do"));
    assert!(!svg.contains("Won't"));
}

#[test]
fn many_buckets_label_only_some_of_them() {
    let names: Vec<String> = (0..30).map(|i| format!("w{i}")).collect();
    let labels: Vec<&str> = names.iter().map(String::as_str).collect();
    let svg = stacked_bars(
        &frame("w", "Weeks"),
        &labels,
        &[Series {
            name: "On time",
            color: "#16a34a",
            values: vec![Some(1.0); 30],
        }],
    );
    assert_balanced(&svg);
    assert!(svg.contains(">w0<") && svg.contains(">w3<") && !svg.contains(">w1<"));
    assert!(
        svg.contains("<title>w1: On time 1</title>"),
        "every bar keeps its title"
    );
}
