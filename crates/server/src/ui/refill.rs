//! Refilling a refused form in the page it came from: what was typed is put back into the
//! form's fields, each message goes beside its field (`aria-invalid`, `aria-describedby`), the
//! rest at the top of the form in a `role="alert"` box, and any `<details>` holding the form is
//! opened. [`crate::ui::refused`] uses it for every form post whose handler answers an error a
//! person can fix, so no form post ends on a dead-end error page.
//!
//! The HTML is this server's own (askama templates, attributes in double quotes), so a small
//! tag scanner is enough: it reads tags and their attributes, skips comments and the text of
//! `<textarea>`, `<script>` and `<style>`, and rewrites only the tags it changes.

use crate::ui::form::Pairs;

/// What was refused: the form's action, what was posted, and the messages.
#[derive(Debug, Clone, Copy)]
pub struct Refusal<'a> {
    /// The path the form posted to.
    pub action: &'a str,
    /// The posted fields.
    pub pairs: &'a Pairs,
    /// Messages by field name (`title`, `services[1]`, `custom_fields.region`, `at`).
    pub fields: &'a [(String, String)],
    /// Messages for no field.
    pub general: &'a [String],
    /// The form was sent from a page that has changed since (a stale version): a field whose
    /// text now differs from what was sent says what it reads now.
    pub stale: bool,
}

/// The page with the refused form refilled, or `None` when the page has no form posting to
/// `refusal.action`.
pub fn refill(html: &str, refusal: &Refusal<'_>) -> Option<String> {
    let tags = scan(html);
    let (open, close) = pick_form(&tags, refusal)?;
    let mut edits = Edits::default();
    let controls = controls(&tags[open + 1..close]);
    fill(html, &controls, refusal, &mut edits);
    let general = place_errors(&controls, refusal, &mut edits);
    let mut box_html = String::from(
        "<div class=\"form-errors\" role=\"alert\" id=\"refused\"><p><strong>Not saved.</strong>",
    );
    if general.is_empty() {
        box_html.push_str(" Correct the fields marked below and send again.</p>");
    } else {
        box_html.push_str("</p>");
        for m in &general {
            box_html.push_str(&format!("<p>{}</p>", escape(m)));
        }
    }
    box_html.push_str("</div>");
    edits.insert(tags[open].end, box_html);
    open_details(&tags, tags[open].start, &mut edits);
    if let Some(main) = tags.iter().find(|t| t.name == "main" && !t.closing) {
        edits.insert(
            main.end,
            "<p class=\"flash error\"><a href=\"#refused\">Not saved: see the form below.</a></p>"
                .into(),
        );
    }
    Some(edits.apply(html))
}

/// One tag: its byte range, lower-case name, whether it closes, and its attributes (values
/// decoded).
#[derive(Debug)]
struct Tag {
    start: usize,
    end: usize,
    name: String,
    closing: bool,
    attrs: Vec<(String, Option<String>)>,
}

impl Tag {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_deref().unwrap_or(""))
    }

    /// The tag written again with `set` attributes replaced or added and `drop` ones removed.
    fn rewrite(&self, set: &[(&str, &str)], drop: &[&str]) -> String {
        let mut out = format!("<{}", self.name);
        for (n, v) in &self.attrs {
            if drop.contains(&n.as_str()) || set.iter().any(|(s, _)| s == n) {
                continue;
            }
            match v {
                Some(v) => out.push_str(&format!(" {n}=\"{}\"", escape(v))),
                None => out.push_str(&format!(" {n}")),
            }
        }
        for (n, v) in set {
            if v.is_empty() && matches!(*n, "checked" | "selected" | "open") {
                out.push_str(&format!(" {n}"));
            } else {
                out.push_str(&format!(" {n}=\"{}\"", escape(v)));
            }
        }
        out.push('>');
        out
    }
}

/// Every tag of `html` in order.
fn scan(html: &str) -> Vec<Tag> {
    let b = html.as_bytes();
    let mut tags = Vec::new();
    let mut i = 0;
    while let Some(off) = html.get(i..).and_then(|h| h.find('<')) {
        let start = i + off;
        let rest = html.get(start..).unwrap_or("");
        if rest.starts_with("<!--") {
            i = rest.find("-->").map_or(b.len(), |e| start + e + 3);
            continue;
        }
        let Some(tag) = read_tag(html, start) else {
            i = start + 1;
            continue;
        };
        i = tag.end;
        if !tag.closing && matches!(tag.name.as_str(), "textarea" | "script" | "style") {
            let close = format!("</{}", tag.name);
            let lower = html.get(i..).unwrap_or("").to_ascii_lowercase();
            if let Some(e) = lower.find(&close) {
                i += e;
            }
        }
        tags.push(tag);
    }
    tags
}

/// The tag starting at `start`, or `None` when the `<` starts no tag.
fn read_tag(html: &str, start: usize) -> Option<Tag> {
    let b = html.as_bytes();
    let mut i = start + 1;
    let closing = b.get(i) == Some(&b'/');
    if closing {
        i += 1;
    }
    let name_start = i;
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'-') {
        i += 1;
    }
    if i == name_start {
        return None;
    }
    let name = html.get(name_start..i)?.to_ascii_lowercase();
    let mut attrs = Vec::new();
    loop {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        match b.get(i) {
            None => return None,
            Some(b'>') => break,
            _ => {}
        }
        let n0 = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        let attr = html.get(n0..i)?.to_ascii_lowercase();
        if b.get(i) != Some(&b'=') {
            attrs.push((attr, None));
            continue;
        }
        i += 1;
        let value = match b.get(i) {
            Some(q @ (b'"' | b'\'')) => {
                let q = *q as char;
                let end = html.get(i + 1..)?.find(q)? + i + 1;
                let v = html.get(i + 1..end)?;
                i = end + 1;
                v
            }
            _ => {
                let v0 = i;
                while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                    i += 1;
                }
                html.get(v0..i)?
            }
        };
        attrs.push((attr, Some(unescape(value))));
    }
    Some(Tag {
        start,
        end: i + 1,
        name,
        closing,
        attrs,
    })
}

/// The indexes of the opening and closing tags of the form posting to the refused action that
/// has the most of the posted field names (the first on a tie).
fn pick_form(tags: &[Tag], r: &Refusal<'_>) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize, usize)> = None;
    for (i, t) in tags.iter().enumerate() {
        let posts_here = t.name == "form"
            && !t.closing
            && t.attr("method")
                .is_some_and(|m| m.eq_ignore_ascii_case("post"))
            && t.attr("action")
                .is_some_and(|a| a.split(['?', '#']).next() == Some(r.action));
        if !posts_here {
            continue;
        }
        let close = tags[i..]
            .iter()
            .position(|c| c.name == "form" && c.closing)
            .map_or(tags.len() - 1, |p| i + p);
        let score = tags[i..close]
            .iter()
            .filter_map(|c| c.attr("name"))
            .filter(|n| *n != "csrf" && r.pairs.iter().any(|(k, _)| k == n))
            .count();
        if best.is_none_or(|(_, _, s)| score > s) {
            best = Some((i, close, score));
        }
    }
    best.map(|(o, c, _)| (o, c))
}

/// A named field of the form: its tag, and where its element ends (after `</select>` or
/// `</textarea>`), with a `<select>`'s options.
struct Control<'t> {
    tag: &'t Tag,
    end: usize,
    options: Vec<&'t Tag>,
    /// The text of each option, for options without a `value`.
    option_text: Vec<(usize, usize)>,
}

fn controls(tags: &[Tag]) -> Vec<Control<'_>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tags.len() {
        let t = &tags[i];
        i += 1;
        if t.closing || t.attr("name").is_none() {
            continue;
        }
        match t.name.as_str() {
            "input" => out.push(Control {
                tag: t,
                end: t.end,
                options: Vec::new(),
                option_text: Vec::new(),
            }),
            "textarea" | "select" => {
                let close = tags[i..]
                    .iter()
                    .position(|c| c.closing && c.name == t.name)
                    .map(|p| i + p);
                let Some(close) = close else { continue };
                let options: Vec<&Tag> = tags[i..close]
                    .iter()
                    .filter(|o| o.name == "option" && !o.closing)
                    .collect();
                let option_text = options
                    .iter()
                    .map(|o| {
                        let stop = tags[i..=close]
                            .iter()
                            .find(|n| n.start >= o.end)
                            .map_or(o.end, |n| n.start);
                        (o.end, stop)
                    })
                    .collect();
                out.push(Control {
                    tag: t,
                    end: tags[close].end,
                    options,
                    option_text,
                });
                i = close + 1;
            }
            _ => {}
        }
    }
    out
}

/// Puts the posted values back: text-like inputs and textareas take the posted values of
/// their name in order; checkboxes, radios and options are checked or selected as posted.
/// Hidden fields (the fresh CSRF token, versions) and passwords are left as the page has them.
fn fill(html: &str, controls: &[Control<'_>], r: &Refusal<'_>, edits: &mut Edits) {
    let pairs = r.pairs;
    let mut used: Vec<(&str, usize)> = Vec::new();
    for c in controls {
        let name = c.tag.attr("name").unwrap_or("");
        let posted: Vec<&str> = pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect();
        match (c.tag.name.as_str(), c.tag.attr("type").unwrap_or("text")) {
            ("input", "hidden" | "password" | "submit" | "button" | "reset" | "image" | "file") => {
            }
            ("input", "checkbox" | "radio") => {
                let value = c.tag.attr("value").unwrap_or("on");
                let on = posted.contains(&value);
                let tag = if on {
                    c.tag.rewrite(&[("checked", "")], &[])
                } else {
                    c.tag.rewrite(&[], &["checked"])
                };
                edits.replace(c.tag.start, c.tag.end, tag);
            }
            (kind, _) => {
                if kind != "select" {
                    let n = match used.iter_mut().find(|(u, _)| *u == name) {
                        Some((_, n)) => {
                            *n += 1;
                            *n - 1
                        }
                        None => {
                            used.push((name, 1));
                            0
                        }
                    };
                    let Some(value) = posted.get(n) else { continue };
                    let close = html
                        .get(c.tag.end..c.end)
                        .unwrap_or("")
                        .rfind("</")
                        .map_or(c.end, |p| c.tag.end + p);
                    let now = match kind {
                        "input" => c.tag.attr("value").unwrap_or("").to_string(),
                        _ => unescape(html.get(c.tag.end..close).unwrap_or("")),
                    };
                    if r.stale && now.trim() != value.replace("\r\n", "\n").trim() {
                        edits.insert(c.end, changed_meanwhile(&now));
                    }
                    if kind == "input" {
                        // `data-utc` would have the script show the stored time instead.
                        let tag = c.tag.rewrite(&[("value", value)], &["data-utc"]);
                        edits.replace(c.tag.start, c.tag.end, tag);
                    } else {
                        edits.replace(c.tag.end, close, escape(value));
                    }
                    continue;
                }
                if posted.is_empty() {
                    continue;
                }
                for (o, (t0, t1)) in c.options.iter().zip(&c.option_text) {
                    let text = unescape(html.get(*t0..*t1).unwrap_or("").trim());
                    let value = o.attr("value").map_or(text, str::to_string);
                    let tag = if posted.contains(&value.as_str()) {
                        o.rewrite(&[("selected", "")], &[])
                    } else {
                        o.rewrite(&[], &["selected"])
                    };
                    edits.replace(o.start, o.end, tag);
                }
            }
        }
    }
}

/// The note beside a field of a stale form whose saved text differs from what was sent
/// (changed by someone else meanwhile, or by this person in the form).
fn changed_meanwhile(now: &str) -> String {
    let now = now.trim();
    let shown: String = now.chars().take(300).collect();
    let more = if shown.len() < now.len() { "…" } else { "" };
    let saved = if now.is_empty() {
        "nothing".to_string()
    } else {
        format!("“{}{more}”", escape(&shown))
    };
    format!(
        "<span class=\"field-error changed\">Saved now: {saved}. Yours is kept in the field; sending it replaces the saved text.</span>"
    )
}

/// Puts each message beside the field it names (trying the name itself, then the part before
/// `[` or `.`, a custom field's `cf.<key>`, a time's `<name>_local`, and the part before `[`
/// without a plural `s`); answers the messages
/// that found no field, each naming its field.
fn place_errors(controls: &[Control<'_>], r: &Refusal<'_>, edits: &mut Edits) -> Vec<String> {
    let mut general: Vec<String> = r.general.to_vec();
    for (n, (field, message)) in r.fields.iter().enumerate() {
        let base = field.split(['[', '.']).next().unwrap_or("");
        // `links[0].url` from a form with one `link` field goes beside it.
        let singular = base.strip_suffix('s').unwrap_or(base).to_string();
        let mut names = vec![
            field.clone(),
            base.to_string(),
            format!("{field}_local"),
            singular,
        ];
        if let Some(key) = field.strip_prefix("custom_fields.") {
            names.insert(1, format!("cf.{key}"));
        }
        let control = names.iter().find_map(|name| {
            controls.iter().find(|c| {
                c.tag.attr("name") == Some(name.as_str())
                    && c.tag.attr("type").is_none_or(|t| t != "hidden")
            })
        });
        let Some(c) = control else {
            general.push(if field.is_empty() {
                message.clone()
            } else {
                format!("{}: {message}", field.replace('_', " "))
            });
            continue;
        };
        let id = format!("refused-{n}");
        // The value rewrite (if any) already replaced this tag: write the attributes onto the
        // rewritten text.
        let marks = [("aria-invalid", "true"), ("aria-describedby", id.as_str())];
        let tag = match edits
            .replaced(c.tag.start, c.tag.end)
            .and_then(|t| read_tag(&t, 0))
        {
            Some(current) => current.rewrite(&marks, &[]),
            None => c.tag.rewrite(&marks, &[]),
        };
        edits.replace(c.tag.start, c.tag.end, tag);
        edits.insert(
            c.end,
            format!(
                "<span class=\"field-error\" id=\"{id}\">{}</span>",
                escape(message)
            ),
        );
    }
    general
}

/// Opens every `<details>` the form sits in.
fn open_details(tags: &[Tag], form_start: usize, edits: &mut Edits) {
    let mut stack: Vec<&Tag> = Vec::new();
    for t in tags.iter().take_while(|t| t.start < form_start) {
        if t.name == "details" {
            if t.closing {
                stack.pop();
            } else {
                stack.push(t);
            }
        }
    }
    for d in stack {
        if d.attr("open").is_none() {
            edits.replace(d.start, d.end, d.rewrite(&[("open", "")], &[]));
        }
    }
}

/// Changes to the page by byte range, applied together.
#[derive(Default)]
struct Edits(Vec<(usize, usize, String)>);

impl Edits {
    fn replace(&mut self, start: usize, end: usize, with: String) {
        self.0.retain(|(s, e, _)| !(*s == start && *e == end));
        self.0.push((start, end, with));
    }

    fn insert(&mut self, at: usize, with: String) {
        self.0.push((at, at, with));
    }

    fn replaced(&self, start: usize, end: usize) -> Option<String> {
        self.0
            .iter()
            .find(|(s, e, _)| *s == start && *e == end && s != e)
            .map(|(_, _, w)| w.clone())
    }

    fn apply(mut self, html: &str) -> String {
        // Later ranges first; at one position, replacements before insertions so an insertion
        // at a tag's end lands after the rewritten tag.
        self.0
            .sort_by(|a, b| b.0.cmp(&a.0).then((b.1 - b.0).cmp(&(a.1 - a.0))));
        let mut out = html.to_string();
        for (s, e, w) in self.0 {
            out.replace_range(s..e, &w);
        }
        out
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
#[path = "refill_tests.rs"]
mod tests;
