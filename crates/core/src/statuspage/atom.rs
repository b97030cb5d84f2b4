//! An Atom 1.0 (RFC 4287) feed of a page's history: one entry per incident and per scheduled
//! maintenance, its content listing every update, newest first.
//!
//! The feed has `id`, `title`, `updated`, `link rel="self"` and `rel="alternate"`, and an
//! `author` (required by §4.1.1 when entries have none); each entry has `id`, `title`,
//! `updated`, `published`, an alternate `link` and `content type="html"`. All text and
//! attribute values are XML-escaped (`&`, `<`, `>`, `"`, `'`), characters XML 1.0 forbids are
//! dropped, and the HTML content is escaped once more inside the element, as `type="html"`
//! requires. Times are RFC 3339 UTC; the times inside the content are shown in the page's
//! zone (falling back to UTC for an unknown zone).

use super::build;
use super::input::PageInput;
use crate::{Timestamp, format_utc};
use jiff::tz::TimeZone;

/// One feed entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtomEntry {
    /// A permanent IRI.
    pub id: String,
    /// The entry's title (plain text).
    pub title: String,
    /// When it last changed.
    pub updated: Timestamp,
    /// When it was first published.
    pub published: Timestamp,
    /// The page showing it.
    pub link: String,
    /// Its content as HTML (escaped again when written).
    pub content_html: String,
}

/// A feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtomFeed {
    /// A permanent IRI.
    pub id: String,
    /// The feed's title (plain text).
    pub title: String,
    /// When anything in it last changed.
    pub updated: Timestamp,
    /// The feed's own URL.
    pub self_link: String,
    /// The page the feed describes.
    pub alternate_link: String,
    /// The author's name.
    pub author: String,
    /// Its entries, newest first.
    pub entries: Vec<AtomEntry>,
}

/// Escapes text for XML content and attribute values, dropping characters XML 1.0 forbids.
pub fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

impl AtomFeed {
    /// The feed as an XML document.
    pub fn render(&self) -> String {
        let mut x = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        x.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"en\">\n");
        x.push_str(&format!("  <id>{}</id>\n", escape_xml(&self.id)));
        x.push_str(&format!("  <title>{}</title>\n", escape_xml(&self.title)));
        x.push_str(&format!(
            "  <updated>{}</updated>\n",
            format_utc(self.updated)
        ));
        x.push_str(&format!(
            "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
            escape_xml(&self.self_link)
        ));
        x.push_str(&format!(
            "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
            escape_xml(&self.alternate_link)
        ));
        x.push_str(&format!(
            "  <author><name>{}</name></author>\n",
            escape_xml(&self.author)
        ));
        for e in &self.entries {
            x.push_str("  <entry>\n");
            x.push_str(&format!("    <id>{}</id>\n", escape_xml(&e.id)));
            x.push_str(&format!("    <title>{}</title>\n", escape_xml(&e.title)));
            x.push_str(&format!(
                "    <updated>{}</updated>\n",
                format_utc(e.updated)
            ));
            x.push_str(&format!(
                "    <published>{}</published>\n",
                format_utc(e.published)
            ));
            x.push_str(&format!(
                "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
                escape_xml(&e.link)
            ));
            x.push_str(&format!(
                "    <content type=\"html\">{}</content>\n",
                escape_xml(&e.content_html)
            ));
            x.push_str("  </entry>\n");
        }
        x.push_str("</feed>\n");
        x
    }
}

fn html_update(tz: &TimeZone, at: Timestamp, label: &str, body: &str) -> String {
    let local = at.to_zoned(tz.clone());
    format!(
        "<p><small>{}</small><br><strong>{}</strong> - {}</p>",
        escape_xml(&local.strftime("%b %-d, %H:%M %Z").to_string()),
        escape_xml(label),
        escape_xml(body).replace('\n', "<br>")
    )
}

/// The history feed of page `p` at `now`: incidents and maintenance, newest change first.
/// `self_url` is the absolute URL the feed is served at: its `<id>` and `rel="self"` link name
/// it (a page serves the same feed at more than one address, and a reader that follows
/// `rel="self"` must land on the feed it read; issue 9, part 10).
pub fn page_feed(p: &PageInput, self_url: &str, now: Timestamp) -> AtomFeed {
    let tz = TimeZone::get(&p.time_zone).unwrap_or(TimeZone::UTC);
    let mut entries: Vec<AtomEntry> = Vec::new();
    for i in &p.incidents {
        let i = build::incident(p, i);
        let content = i
            .incident_updates
            .iter()
            .map(|u| html_update(&tz, u.display_at, u.status.label(), &u.body))
            .collect();
        entries.push(AtomEntry {
            id: i.shortlink.clone(),
            title: i.name,
            updated: i.updated_at,
            published: i.created_at,
            link: i.shortlink,
            content_html: content,
        });
    }
    for m in &p.maintenances {
        let m = build::maintenance(p, m, now);
        let window = format!(
            "<p><small>Scheduled {} to {}</small></p>",
            escape_xml(&format_utc(m.scheduled_for)),
            escape_xml(&format_utc(m.scheduled_until))
        );
        let content = m
            .incident_updates
            .iter()
            .map(|u| html_update(&tz, u.display_at, u.status.label(), &u.body))
            .fold(window, |acc, s| acc + &s);
        entries.push(AtomEntry {
            id: m.shortlink.clone(),
            title: m.name,
            updated: m.updated_at,
            published: m.created_at,
            link: m.shortlink,
            content_html: content,
        });
    }
    entries.sort_by(|a, b| (b.updated, &b.id).cmp(&(a.updated, &a.id)));
    let page = build::page(p);
    let updated = entries
        .iter()
        .map(|e| e.updated)
        .fold(page.updated_at, Timestamp::max);
    AtomFeed {
        id: self_url.to_string(),
        title: format!("{} status", page.name),
        updated,
        self_link: self_url.to_string(),
        alternate_link: page.url.clone(),
        author: page.name,
        entries,
    }
}

#[cfg(test)]
mod tests;
