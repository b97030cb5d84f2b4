//! Tests of the parent module.

#![expect(
    clippy::string_slice,
    reason = "tests slice ASCII markup at boundaries they just found"
)]

use super::*;

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn entry(user: &str, start: &str, end: &str) -> Entry {
    Entry {
        user: user.into(),
        start: t(start),
        end: t(end),
    }
}

fn name(user: &str) -> String {
    match user {
        "1" => "Ada".into(),
        "2" => "Grace".into(),
        "3" => "<b>Bob & \"Eve\"</b> O'Neil".into(),
        other => format!("user {other}"),
    }
}

/// A four-day window, 2026-01-05 (Monday) 00:00 UTC to 2026-01-09 00:00 UTC.
const FROM: &str = "2026-01-05T00:00:00Z";
const TO: &str = "2026-01-09T00:00:00Z";

fn picture(layers: &[Vec<Entry>], overrides: &[Entry], fin: &[Entry], gaps: &[Interval]) -> String {
    render(
        layers,
        overrides,
        fin,
        gaps,
        t(FROM),
        t(TO),
        t("2026-01-07T12:00:00Z"),
        &name,
        "Europe/Berlin",
    )
}

/// The SVG `<g>` elements of the blocks in the row labelled `label`.
fn row_blocks(html: &str, label: &str) -> Vec<String> {
    let start = html
        .find(&format!("<div class=\"sched-label\">{label}</div>"))
        .unwrap_or_else(|| panic!("no row {label}:\n{html}"));
    let row = &html[start..];
    let row = &row[..row.find("</svg></div>").unwrap()];
    row.split("<g class=\"")
        .skip(1)
        .map(|g| g[..g.find("</g>").unwrap()].to_string())
        .collect()
}

/// The value of the first `name="…"` attribute in `s`.
fn attr<'a>(s: &'a str, name: &str) -> &'a str {
    let key = format!(" {name}=\"");
    let i = s.find(&key).unwrap_or_else(|| panic!("no {name} in {s}")) + key.len();
    &s[i..i + s[i..].find('"').unwrap()]
}

#[test]
fn blocks_sit_at_their_share_of_the_window() {
    // Arrange: the second day for Ada, then a day and a half for Grace.
    let layer = vec![
        entry("1", "2026-01-06T00:00:00Z", "2026-01-07T00:00:00Z"),
        entry("2", "2026-01-07T00:00:00Z", "2026-01-08T12:00:00Z"),
    ];

    // Act
    let html = picture(&[layer.clone(), vec![]], &[], &layer, &[]);

    // Assert
    let blocks = row_blocks(&html, "Layer 1");
    assert_eq!(blocks.len(), 2);
    assert_eq!(attr(&blocks[0], "x"), "25%");
    assert_eq!(attr(&blocks[0], "width"), "25%");
    assert_eq!(attr(&blocks[1], "x"), "50%");
    assert_eq!(attr(&blocks[1], "width"), "37.5%");
    assert!(blocks[0].contains("<title>Ada</title>"));
    assert!(blocks[0].contains(">Ada</text>"), "Ada fits in a day");
    assert!(blocks[0].contains("<time datetime=\"2026-01-06T00:00:00.000Z\">"));
    assert!(blocks[0].contains("<time datetime=\"2026-01-07T00:00:00.000Z\">"));
    assert!(row_blocks(&html, "Layer 2").is_empty());
    assert!(row_blocks(&html, "Overrides").is_empty());
    assert_eq!(row_blocks(&html, "On call").len(), 2);
    // Rows in order: layers, overrides, on call, then the axis.
    let order = ["Layer 1", "Layer 2", "Overrides", "On call", "sched-axis"];
    let at: Vec<usize> = order.iter().map(|l| html.find(l).unwrap()).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{html}");
}

#[test]
fn a_name_is_drawn_inside_only_when_it_fits_but_always_in_the_title() {
    let short = vec![entry("2", "2026-01-06T00:00:00Z", "2026-01-06T00:30:00Z")];
    let html = picture(&[short], &[], &[], &[]);
    let block = &row_blocks(&html, "Layer 1")[0];
    assert!(block.contains("<title>Grace</title>"));
    assert!(!block.contains("<text"), "{block}");
}

#[test]
fn names_are_escaped_everywhere() {
    let e = vec![entry("3", "2026-01-05T00:00:00Z", "2026-01-07T00:00:00Z")];
    let html = picture(std::slice::from_ref(&e), &e, &e, &[]);
    assert!(!html.contains("<b>"), "{html}");
    assert!(!html.contains("O'Neil"));
    let escaped = "&lt;b&gt;Bob &amp; &quot;Eve&quot;&lt;/b&gt; O&#39;Neil";
    assert_eq!(
        html.matches(&format!("<title>{escaped}</title>")).count(),
        3
    );
    assert_eq!(html.matches(&format!(">{escaped}</text>")).count(), 3);
    let zone = render(&[], &[], &[], &[], t(FROM), t(TO), t(FROM), &name, "<x>");
    assert!(zone.contains("Schedule zone: &lt;x&gt;, shown in your zone"));
}

#[test]
fn gaps_are_red_labelled_and_only_in_the_final_row() {
    // Arrange
    let fin = vec![entry("1", "2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z")];
    let gaps = vec![Interval {
        start: t("2026-01-06T00:00:00Z"),
        end: t("2026-01-09T00:00:00Z"),
    }];

    // Act
    let html = picture(std::slice::from_ref(&fin), &[], &fin, &gaps);

    // Assert
    let row = row_blocks(&html, "On call");
    assert_eq!(row.len(), 2);
    assert!(row[1].starts_with("sched-block sched-gap"));
    assert_eq!(attr(&row[1], "fill"), GAP_FILL);
    assert_eq!(attr(&row[1], "x"), "25%");
    assert_eq!(attr(&row[1], "width"), "75%");
    assert!(row[1].contains("<title>nobody on call</title>"));
    assert!(row[1].contains(">nobody on call</text>"));
    assert_ne!(attr(&row[0], "fill"), GAP_FILL);
    assert_eq!(html.matches("sched-gap").count(), 1);
}

#[test]
fn nothing_is_drawn_outside_the_window() {
    // Arrange: one entry before, one straddling each edge, one after.
    let e = vec![
        entry("1", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"),
        entry("2", "2026-01-04T00:00:00Z", "2026-01-06T00:00:00Z"),
        entry("1", "2026-01-08T00:00:00Z", "2026-01-10T00:00:00Z"),
        entry("4", "2026-01-09T00:00:00Z", "2026-01-12T00:00:00Z"),
    ];

    // Act
    let html = picture(std::slice::from_ref(&e), &e, &e, &[]);

    // Assert
    let blocks = row_blocks(&html, "Layer 1");
    assert_eq!(blocks.len(), 2, "{blocks:?}");
    assert_eq!(
        (attr(&blocks[0], "x"), attr(&blocks[0], "width")),
        ("0%", "25%")
    );
    assert_eq!(
        (attr(&blocks[1], "x"), attr(&blocks[1], "width")),
        ("75%", "25%")
    );
    assert!(!html.contains("user 4"));
    for part in html
        .split(" x=\"")
        .skip(1)
        .chain(html.split(" width=\"").skip(1))
    {
        let v = &part[..part.find('"').unwrap()];
        if let Some(p) = v.strip_suffix('%') {
            let p: f64 = p.parse().unwrap();
            assert!((0.0..=100.0).contains(&p), "{v}");
        }
    }
    for b in blocks {
        let (x, w) = (attr(&b, "x"), attr(&b, "width"));
        let sum: f64 = x.trim_end_matches('%').parse::<f64>().unwrap()
            + w.trim_end_matches('%').parse::<f64>().unwrap();
        assert!(sum <= 100.0);
    }
}

#[test]
fn day_ticks_fall_on_midnights_in_the_schedule_zone_and_are_time_elements() {
    // Across Berlin's spring-forward night: midnight is 23:00Z, then 22:00Z.
    let html = render(
        &[],
        &[],
        &[],
        &[],
        t("2026-03-28T12:00:00Z"),
        t("2026-03-31T12:00:00Z"),
        t("2026-01-01T00:00:00Z"),
        &name,
        "Europe/Berlin",
    );
    for iso in [
        "2026-03-28T23:00:00.000Z",
        "2026-03-29T22:00:00.000Z",
        "2026-03-30T22:00:00.000Z",
    ] {
        assert!(
            html.contains(&format!("datetime=\"{iso}\"")),
            "{iso}:\n{html}"
        );
    }
    assert_eq!(html.matches("class=\"sched-tick\"").count(), 3);
    assert!(html.contains("Schedule zone: Europe/Berlin, shown in your zone"));
    assert!(!html.contains("sched-now"), "now is outside the window");
}

#[test]
fn a_long_window_labels_at_most_eight_ticks() {
    let html = render(
        &[],
        &[],
        &[],
        &[],
        t("2026-01-01T00:00:00Z"),
        t("2026-03-01T00:00:00Z"),
        t("2026-01-10T00:00:00Z"),
        &name,
        "UTC",
    );
    assert_eq!(html.matches("class=\"sched-tick\"").count(), 59);
    assert!(html.matches("sched-tick-label").count() <= MAX_LABELS);
}

#[test]
fn the_now_line_crosses_every_row_at_now() {
    let html = picture(&[vec![], vec![]], &[], &[], &[]);
    // Two layers, overrides, on call, axis.
    assert_eq!(html.matches("class=\"sched-now\" x1=\"62.5%\"").count(), 5);
    assert!(html.contains(">now</text>"));
}

#[test]
fn colours_are_stable_by_user_id_and_readable_with_white_text() {
    assert_eq!(user_fill("1"), user_fill("1"));
    assert_ne!(user_fill("1"), user_fill("2"));
    assert_eq!(user_fill("13"), user_fill("1"), "12 colours");
    assert!(PALETTE.contains(&user_fill("alice")));
    fn luminance(hex: &str) -> f64 {
        let c = |i: usize| {
            let v = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
            if v <= 0.03928 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * c(1) + 0.7152 * c(3) + 0.0722 * c(5)
    }
    for fill in PALETTE.iter().chain([&GAP_FILL]) {
        let contrast = 1.05 / (luminance(fill) + 0.05);
        assert!(contrast >= 4.5, "{fill}: {contrast:.2}");
    }
    assert!(!PALETTE.contains(&GAP_FILL));
}
