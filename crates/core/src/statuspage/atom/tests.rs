//! Tests of the parent module, with a small XML well-formedness checker.

#![expect(
    clippy::string_slice,
    reason = "tests slice text at boundaries they just found"
)]

use super::*;
use crate::statuspage::UpdateStatus;
use crate::statuspage::testdata::*;

/// Checks what an XML parser would: one root, balanced and properly nested tags, quoted
/// attributes, and only `&amp; &lt; &gt; &quot; &apos; &#…;` references in text and values.
fn check_well_formed(xml: &str) -> Result<Vec<String>, String> {
    fn check_text(s: &str) -> Result<(), String> {
        let mut rest = s;
        while let Some(i) = rest.find('&') {
            let after = &rest[i + 1..];
            let end = after
                .find(';')
                .ok_or(format!("unterminated reference in {s:?}"))?;
            let name = &after[..end];
            let ok = matches!(name, "amp" | "lt" | "gt" | "quot" | "apos")
                || (name.starts_with('#') && name.len() > 1);
            if !ok {
                return Err(format!("bad reference &{name}; in {s:?}"));
            }
            rest = &after[end + 1..];
        }
        if s.contains('<') {
            return Err(format!("raw < in {s:?}"));
        }
        Ok(())
    }
    let body = xml
        .strip_prefix("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n")
        .ok_or("no XML declaration")?;
    let mut stack: Vec<String> = Vec::new();
    let mut roots = 0;
    let mut seen = Vec::new();
    let mut rest = body;
    while let Some(open) = rest.find('<') {
        let text = &rest[..open];
        if stack.is_empty() && !text.trim().is_empty() {
            return Err(format!("text outside the root: {text:?}"));
        }
        check_text(text)?;
        let close = rest[open..].find('>').ok_or("unterminated tag")? + open;
        let tag = &rest[open + 1..close];
        rest = &rest[close + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let top = stack.pop().ok_or(format!("stray </{name}>"))?;
            if top != name {
                return Err(format!("</{name}> closes <{top}>"));
            }
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let (name, mut attrs) = tag.split_once(' ').unwrap_or((tag, ""));
        while !attrs.trim().is_empty() {
            let (key, after) = attrs
                .trim_start()
                .split_once("=\"")
                .ok_or("unquoted attr")?;
            let (value, after) = after.split_once('"').ok_or("unterminated attr")?;
            if key.contains(char::is_whitespace) {
                return Err(format!("bad attribute name {key:?}"));
            }
            check_text(value)?;
            attrs = after;
        }
        if stack.is_empty() {
            roots += 1;
        }
        seen.push(name.to_string());
        if !self_closing {
            stack.push(name.to_string());
        }
    }
    if !rest.trim().is_empty() || !stack.is_empty() || roots != 1 {
        return Err(format!("unbalanced: open {stack:?}, {roots} roots"));
    }
    Ok(seen)
}

#[test]
fn the_checker_rejects_broken_xml() {
    let decl = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
    assert!(check_well_formed(&format!("{decl}<a><b></a></b>")).is_err());
    assert!(check_well_formed(&format!("{decl}<a>x & y</a>")).is_err());
    assert!(check_well_formed(&format!("{decl}<a href=\"x<y\"/>")).is_err());
    assert!(check_well_formed(&format!("{decl}<a></a><b></b>")).is_err());
    assert!(check_well_formed(&format!("{decl}<a>&amp;&#38;</a>")).is_ok());
}

#[test]
fn escape_xml_escapes_markup_and_drops_forbidden_characters() {
    assert_eq!(
        escape_xml("a & b < c > d \"e\" 'f'"),
        "a &amp; b &lt; c &gt; d &quot;e&quot; &apos;f&apos;"
    );
    assert_eq!(escape_xml("x\u{0}\u{7}y\tz\n"), "xy\tz\n");
}

/// Where the tests' feed is served.
const FEED: &str = "http://127.0.0.1:18090/feed.atom";

#[test]
fn the_feeds_id_and_self_link_name_the_address_it_is_served_at() {
    // Issue 9, part 10: the same feed served at two addresses names each one.
    for url in [FEED, "https://status.example.com/status/acme/history.atom"] {
        let feed = page_feed(&fixture_page(), url, fixture_now());
        assert_eq!(feed.id, url);
        assert_eq!(feed.self_link, url);
        let xml = feed.render();
        assert!(xml.contains(&format!("  <id>{url}</id>\n")), "{xml}");
        assert!(xml.contains(&format!(
            "rel=\"self\" type=\"application/atom+xml\" href=\"{url}\""
        )));
    }
}

#[test]
fn the_fixture_pages_feed_is_well_formed_atom() {
    let xml = page_feed(&fixture_page(), FEED, fixture_now()).render();
    let tags = check_well_formed(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    assert_eq!(tags[0], "feed");
    assert_eq!(tags.iter().filter(|t| *t == "entry").count(), 2);
    for required in [
        "id",
        "title",
        "updated",
        "published",
        "link",
        "content",
        "author",
    ] {
        assert!(tags.iter().any(|t| t == required), "missing <{required}>");
    }
    assert!(xml.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\""));
    assert!(xml.contains(
        "<link rel=\"self\" type=\"application/atom+xml\" \
         href=\"http://127.0.0.1:18090/feed.atom\"/>"
    ));
    assert!(xml.contains("<id>http://127.0.0.1:18090/feed.atom</id>"));
    assert!(
        xml.contains(
            "<link rel=\"alternate\" type=\"text/html\" href=\"http://127.0.0.1:18090\"/>"
        )
    );
    assert!(xml.contains("<id>http://127.0.0.1:18090/incidents/inc-open1</id>"));
    assert!(xml.contains("<published>2026-11-21T08:05:00.000Z</published>"));
    assert!(xml.contains("<updated>2026-11-21T08:30:00.000Z</updated>"));
}

#[test]
fn entries_are_newest_first_and_list_updates_newest_first() {
    let mut p = fixture_page();
    p.incidents
        .push(incident_input("inc-old", "Old one", "2026-11-01T00:00:00Z"));
    let feed = page_feed(&p, FEED, fixture_now());
    let ids: Vec<&str> = feed.entries.iter().map(|e| e.title.as_str()).collect();
    assert_eq!(
        ids,
        ["Database upgrade", "Elevated API error rates", "Old one"]
    );
    let content = &feed.entries[1].content_html;
    let identified = content.find("Identified").unwrap();
    let investigating = content.find("Investigating").unwrap();
    assert!(identified < investigating);
    assert!(content.contains("<small>Nov 21, 08:30 UTC</small>"));
    assert!(feed.entries[0].content_html.starts_with(
        "<p><small>Scheduled 2026-11-21T08:05:00.000Z to 2026-11-21T10:00:00.000Z</small></p>"
    ));
    assert_eq!(feed.updated, t("2026-11-21T08:30:00Z"));
}

#[test]
fn text_is_escaped_and_html_content_is_escaped_twice() {
    let mut p = fixture_page();
    p.name = "Acme & \"Co\"".into();
    let mut i = incident_input("inc-x", "Errors <b>&</b> 'quotes'", "2026-11-21T09:00:00Z");
    i.updates = vec![update_input(
        "u",
        UpdateStatus::Investigating,
        "We see <script>alert(1)</script> & more\u{1}\nSecond line",
        "2026-11-21T09:00:00Z",
    )];
    p.incidents.push(i);
    let xml = page_feed(&p, FEED, fixture_now()).render();
    check_well_formed(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    assert!(xml.contains("<title>Acme &amp; &quot;Co&quot; status</title>"));
    assert!(xml.contains("<title>Errors &lt;b&gt;&amp;&lt;/b&gt; &apos;quotes&apos;</title>"));
    assert!(xml.contains("&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt; &amp;amp; more"));
    assert!(
        xml.contains("more&lt;br&gt;Second line"),
        "newlines become <br>"
    );
    assert!(!xml.contains("<script"));
    assert!(!xml.contains('\u{1}'));
}

#[test]
fn content_times_are_in_the_pages_time_zone() {
    let mut p = fixture_page();
    p.time_zone = "America/New_York".into();
    let feed = page_feed(&p, FEED, fixture_now());
    let inc = feed
        .entries
        .iter()
        .find(|e| e.title == "Elevated API error rates")
        .unwrap();
    assert!(
        inc.content_html
            .contains("<small>Nov 21, 03:30 EST</small>")
    );
    // An unknown zone falls back to UTC rather than failing the feed.
    p.time_zone = "Mars/Olympus".into();
    let feed = page_feed(&p, FEED, fixture_now());
    assert!(feed.entries[1].content_html.contains("08:30 UTC"));
}
