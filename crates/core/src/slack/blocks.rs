//! Block Kit messages and modals Debrief posts to Slack, as `serde_json` values.
//!
//! Messages come back as `{"text": fallback, "blocks": [...]}`, ready to be merged with a
//! `channel` (and `ts` for `chat.update`). Modals are `views.open` `view` objects. Every text
//! from people is escaped for mrkdwn ([`escape`]) and cut to Slack's limits, so a long title
//! cannot make Slack refuse a message: [`limit_problems`] checks those limits and the tests run
//! it over every builder.

use crate::Timestamp;
use crate::custom_field::{CustomField, FieldKind};
use serde_json::{Value, json};

/// `action_id` of a page DM's Acknowledge button (its `value` is the page id).
pub const PAGE_ACK: &str = "page_ack";
/// `action_id` of a page DM's Resolve button (its `value` is the page id).
pub const PAGE_RESOLVE: &str = "page_resolve";
/// `callback_id` of the declare modal.
pub const DECLARE_CALLBACK: &str = "inc_declare";
/// `callback_id` of the modal confirming a public status page update.
pub const UPDATE_CONFIRM_CALLBACK: &str = "inc_update_confirm";
/// `block_id` and `action_id` of the declare modal's title input.
pub const DECLARE_TITLE: &str = "title";
/// `block_id` and `action_id` of the declare modal's severity select.
pub const DECLARE_SEVERITY: &str = "severity";
/// `block_id` and `action_id` of the declare modal's services multi-select.
pub const DECLARE_SERVICES: &str = "services";
/// `block_id` and `action_id` of the declare modal's private checkbox.
pub const DECLARE_PRIVATE: &str = "private";
/// The `value` of the private checkbox's one option.
pub const PRIVATE_VALUE: &str = "private";
/// Prefix of the `block_id` and `action_id` of the declare modal's input for a custom field
/// (`cf.region`).
pub const DECLARE_CUSTOM_PREFIX: &str = "cf.";
/// Slack's most blocks in a modal.
pub const MAX_MODAL_BLOCKS: usize = 100;

/// Slack's longest `header` block text.
pub const MAX_HEADER: usize = 150;
/// Slack's longest `section` text.
pub const MAX_SECTION: usize = 3000;
/// Slack's longest button `value`.
pub const MAX_BUTTON_VALUE: usize = 2000;
/// Slack's longest button label.
pub const MAX_BUTTON_TEXT: usize = 75;
/// Slack's longest modal title.
pub const MAX_MODAL_TITLE: usize = 24;
/// Slack's longest option label.
pub const MAX_OPTION_TEXT: usize = 75;
/// Slack's most options in a select.
pub const MAX_OPTIONS: usize = 100;

/// Escapes `&`, `<` and `>` as Slack asks for text in messages.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// At most `max` characters of `text`, ending in `…` when cut, never inside an `&…;` entity.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    if let Some(amp) = cut.rfind('&')
        && !cut.get(amp..).is_some_and(|tail| tail.contains(';'))
    {
        cut.truncate(amp);
    }
    cut.push('…');
    cut
}

/// A mrkdwn link `<url|label>`, both escaped.
pub fn link(url: &str, label: &str) -> String {
    format!("<{}|{}>", escape(url), escape(label).replace('|', "¦"))
}

/// A time every viewer sees in their own zone (`<!date^…>`), with a UTC fallback.
pub fn slack_date(at: Timestamp) -> String {
    format!(
        "<!date^{}^{{date_short_pretty}} at {{time}}|{}>",
        at.as_second(),
        at.strftime("%Y-%m-%d %H:%M UTC")
    )
}

fn plain(text: &str, max: usize) -> Value {
    json!({"type": "plain_text", "text": truncate(text, max), "emoji": true})
}

fn section(mrkdwn: &str) -> Value {
    json!({"type": "section", "text": {"type": "mrkdwn", "text": truncate(mrkdwn, MAX_SECTION)}})
}

fn header(text: &str) -> Value {
    json!({"type": "header", "text": plain(text, MAX_HEADER)})
}

fn button(label: &str, action_id: &str, value: &str, style: Option<&str>) -> Value {
    let mut b = json!({
        "type": "button",
        "action_id": action_id,
        "text": plain(label, MAX_BUTTON_TEXT),
        "value": truncate(value, MAX_BUTTON_VALUE),
    });
    if let Some(style) = style {
        b["style"] = json!(style);
    }
    b
}

fn option(value: &str, label: &str) -> Value {
    json!({"text": plain(label, MAX_OPTION_TEXT), "value": value})
}

/// A person as a message shows them: a mention when their Slack id is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Their name in Debrief.
    pub name: String,
    /// Their Slack user id, when linked.
    pub slack_id: Option<String>,
}

impl Person {
    fn mrkdwn(&self) -> String {
        match &self.slack_id {
            Some(id) => format!("<@{}>", escape(id)),
            None => escape(&self.name),
        }
    }
}

/// What the pinned summary of an incident channel shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentSummary {
    /// `INC-42`.
    pub reference: String,
    /// The incident's title.
    pub title: String,
    /// Its status (`identified`).
    pub status: String,
    /// Its severity (`SEV1`).
    pub severity: String,
    /// Roles and who holds them, in display order (`commander`, Dana).
    pub roles: Vec<(String, Person)>,
    /// The incident's page in Debrief.
    pub incident_url: String,
    /// The public status page incident, if there is one.
    pub status_page_url: Option<String>,
}

/// The pinned summary message of an incident channel, kept current with `chat.update`.
pub fn incident_summary(s: &IncidentSummary) -> Value {
    let roles = if s.roles.is_empty() {
        "nobody yet".to_string()
    } else {
        s.roles
            .iter()
            .map(|(role, person)| format!("{}: {}", escape(role), person.mrkdwn()))
            .collect::<Vec<_>>()
            .join(" · ")
    };
    let mut links = vec![link(
        &s.incident_url,
        &format!("{} in Debrief", s.reference),
    )];
    if let Some(url) = &s.status_page_url {
        links.push(link(url, "Status page"));
    }
    let fields = json!([
        {"type": "mrkdwn", "text": format!("*Status*\n{}", escape(&s.status))},
        {"type": "mrkdwn", "text": format!("*Severity*\n{}", escape(&s.severity))},
    ]);
    json!({
        "text": truncate(&format!("{} {} ({}, {})", s.reference, s.title, s.severity, s.status), MAX_SECTION),
        "blocks": [
            header(&format!("{}: {}", s.reference, s.title)),
            {"type": "section", "fields": fields},
            section(&format!("*Roles*\n{roles}")),
            {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(&links.join(" · "), MAX_SECTION)}]},
        ],
    })
}

/// What a page DM tells the person paged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageNotice {
    /// The page's id, the buttons' `value`.
    pub page_id: i64,
    /// What it is about.
    pub title: String,
    /// More words for whoever is paged.
    pub message: Option<String>,
    /// The incident's reference and URL, when the page is for one.
    pub incident: Option<(String, String)>,
    /// The page in Debrief.
    pub page_url: String,
    /// When it was opened.
    pub opened_at: Timestamp,
}

fn page_blocks(p: &PageNotice) -> Vec<Value> {
    let mut text = format!("*{}*", escape(&p.title));
    if let Some(m) = &p.message {
        text.push('\n');
        text.push_str(&escape(m));
    }
    let mut context = vec![
        format!("Paged {}", slack_date(p.opened_at)),
        link(&p.page_url, "Page"),
    ];
    if let Some((reference, url)) = &p.incident {
        context.push(link(url, reference));
    }
    vec![
        header(&format!("Page: {}", p.title)),
        section(&text),
        json!({"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(&context.join(" · "), MAX_SECTION)}]}),
    ]
}

/// A page as a DM, with Acknowledge and Resolve buttons.
pub fn page_dm(p: &PageNotice) -> Value {
    let id = p.page_id.to_string();
    let mut blocks = page_blocks(p);
    blocks.push(json!({"type": "actions", "block_id": "page", "elements": [
        button("Acknowledge", PAGE_ACK, &id, Some("primary")),
        button("Resolve", PAGE_RESOLVE, &id, None),
    ]}));
    json!({"text": truncate(&format!("You are paged: {}", p.title), MAX_SECTION), "blocks": blocks})
}

/// The page DM after `by` acknowledged it at `at`: the Resolve button stays.
pub fn page_acknowledged(p: &PageNotice, by: &str, at: Timestamp) -> Value {
    let mut blocks = page_blocks(p);
    blocks.push(section(&format!(
        ":white_check_mark: Acknowledged by {} at {}",
        escape(by),
        slack_date(at)
    )));
    blocks.push(json!({"type": "actions", "block_id": "page", "elements": [
        button("Resolve", PAGE_RESOLVE, &p.page_id.to_string(), None),
    ]}));
    json!({"text": truncate(&format!("Acknowledged: {}", p.title), MAX_SECTION), "blocks": blocks})
}

/// The page DM after `by` resolved it at `at`: no buttons left.
pub fn page_resolved(p: &PageNotice, by: &str, at: Timestamp) -> Value {
    let mut blocks = page_blocks(p);
    blocks.push(section(&format!(
        ":large_green_circle: Resolved by {} at {}",
        escape(by),
        slack_date(at)
    )));
    json!({"text": truncate(&format!("Resolved: {}", p.title), MAX_SECTION), "blocks": blocks})
}

/// What the declare modal offers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeclareForm {
    /// A title to start with (`/inc declare checkout fails`).
    pub title: Option<String>,
    /// Severity keys and names, most severe first.
    pub severities: Vec<(String, String)>,
    /// The severity selected at first.
    pub default_severity: Option<String>,
    /// Service slugs and names.
    pub services: Vec<(String, String)>,
    /// The custom fields, in their order (archived ones are not offered).
    pub custom_fields: Vec<CustomField>,
    /// Carried back in the submission (e.g. the channel the command was typed in).
    pub private_metadata: String,
}

/// The declare modal (`callback_id` [`DECLARE_CALLBACK`]).
pub fn declare_modal(f: &DeclareForm) -> Value {
    let mut title = json!({"type": "plain_text_input", "action_id": DECLARE_TITLE, "max_length": 200,
        "placeholder": plain("What is happening?", 150)});
    if let Some(t) = &f.title {
        title["initial_value"] = json!(truncate(t, 200));
    }
    let sev_options: Vec<Value> = f
        .severities
        .iter()
        .take(MAX_OPTIONS)
        .map(|(key, name)| option(key, &format!("{key}: {name}")))
        .collect();
    let mut severity =
        json!({"type": "static_select", "action_id": DECLARE_SEVERITY, "options": sev_options});
    if let Some(initial) = f
        .default_severity
        .as_ref()
        .and_then(|d| f.severities.iter().find(|(k, _)| k == d))
    {
        severity["initial_option"] = option(&initial.0, &format!("{}: {}", initial.0, initial.1));
    }
    let mut blocks = vec![
        json!({"type": "input", "block_id": DECLARE_TITLE, "label": plain("Title", 2000), "element": title}),
        json!({"type": "input", "block_id": DECLARE_SEVERITY, "label": plain("Severity", 2000), "element": severity}),
    ];
    if !f.services.is_empty() {
        let options: Vec<Value> = f
            .services
            .iter()
            .take(MAX_OPTIONS)
            .map(|(slug, name)| option(slug, name))
            .collect();
        blocks.push(json!({"type": "input", "block_id": DECLARE_SERVICES, "optional": true,
            "label": plain("Affected services", 2000),
            "element": {"type": "multi_static_select", "action_id": DECLARE_SERVICES, "options": options}}));
    }
    let room = MAX_MODAL_BLOCKS.saturating_sub(blocks.len() + 1);
    blocks.extend(
        f.custom_fields
            .iter()
            .filter(|c| !c.archived)
            .take(room)
            .map(custom_input),
    );
    blocks.push(
        json!({"type": "input", "block_id": DECLARE_PRIVATE, "optional": true,
        "label": plain("Visibility", 2000),
        "element": {"type": "checkboxes", "action_id": DECLARE_PRIVATE, "options": [
            option(PRIVATE_VALUE, "Private: only participants and admins see it"),
        ]}}),
    );
    json!({
        "type": "modal",
        "callback_id": DECLARE_CALLBACK,
        "title": plain("Declare an incident", MAX_MODAL_TITLE),
        "submit": plain("Declare", MAX_MODAL_TITLE),
        "close": plain("Cancel", MAX_MODAL_TITLE),
        "private_metadata": truncate(&f.private_metadata, 3000),
        "blocks": blocks,
    })
}

/// The declare modal's input for custom field `c` (`block_id` and `action_id`
/// `cf.<key>`): a text input, a select or a multi-select of its options, optional unless the
/// field is required.
fn custom_input(c: &CustomField) -> Value {
    let id = format!("{DECLARE_CUSTOM_PREFIX}{}", c.key);
    let options = || -> Vec<Value> {
        c.options
            .iter()
            .take(MAX_OPTIONS)
            .map(|o| option(o, o))
            .collect()
    };
    let element = match c.kind {
        FieldKind::Text => json!({"type": "plain_text_input", "action_id": id, "max_length": 2000}),
        FieldKind::Select => {
            json!({"type": "static_select", "action_id": id, "options": options()})
        }
        FieldKind::MultiSelect => {
            json!({"type": "multi_static_select", "action_id": id, "options": options()})
        }
    };
    let mut block = json!({"type": "input", "block_id": id, "optional": !c.required,
        "label": plain(&c.label, 2000), "element": element});
    if !c.description.trim().is_empty() {
        block["hint"] = plain(&c.description, 2000);
    }
    block
}

/// The modal confirming `/inc update`: shows the text as the status page will, and publishes on
/// submit (`callback_id` [`UPDATE_CONFIRM_CALLBACK`]; `private_metadata` carries the incident
/// and the text).
pub fn update_confirm_modal(reference: &str, message: &str, private_metadata: &str) -> Value {
    json!({
        "type": "modal",
        "callback_id": UPDATE_CONFIRM_CALLBACK,
        "title": plain("Publish update?", MAX_MODAL_TITLE),
        "submit": plain("Publish", MAX_MODAL_TITLE),
        "close": plain("Cancel", MAX_MODAL_TITLE),
        "private_metadata": truncate(private_metadata, 3000),
        "blocks": [
            section(&format!("This update to *{}* goes to the public status page and its subscribers:", escape(reference))),
            section(&format!(">{}", escape(message).replace('\n', "\n>"))),
        ],
    })
}

/// Where `blocks` (an array, or a message or view holding `blocks`) breaks Slack's limits:
/// empty when Slack would accept it. Checks headers, section texts and fields, button labels
/// and values, option labels and counts.
pub fn limit_problems(blocks: &Value) -> Vec<String> {
    let list = blocks.get("blocks").unwrap_or(blocks);
    let mut problems = Vec::new();
    let text_len = |v: &Value| v["text"].as_str().map_or(0, |t| t.chars().count());
    let mut check = |what: String, len: usize, max: usize| {
        if len > max {
            problems.push(format!("{what}: {len} characters, at most {max}"));
        }
    };
    for (i, block) in list.as_array().into_iter().flatten().enumerate() {
        match block["type"].as_str().unwrap_or("") {
            "header" => check(
                format!("block {i} header"),
                text_len(&block["text"]),
                MAX_HEADER,
            ),
            "section" => {
                check(
                    format!("block {i} section"),
                    text_len(&block["text"]),
                    MAX_SECTION,
                );
                for f in block["fields"].as_array().into_iter().flatten() {
                    check(format!("block {i} field"), text_len(f), 2000);
                }
            }
            _ => {}
        }
        let elements = block["elements"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(block.get("element"));
        for e in elements {
            if e["type"] == "button" {
                check(
                    format!("block {i} button label"),
                    text_len(&e["text"]),
                    MAX_BUTTON_TEXT,
                );
                let value = e["value"].as_str().map_or(0, |v| v.chars().count());
                check(format!("block {i} button value"), value, MAX_BUTTON_VALUE);
            }
            let options = e["options"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default();
            check(format!("block {i} options"), options.len(), MAX_OPTIONS);
            for o in options {
                check(
                    format!("block {i} option"),
                    text_len(&o["text"]),
                    MAX_OPTION_TEXT,
                );
            }
        }
    }
    if blocks["type"] == "modal" {
        check(
            "modal title".into(),
            text_len(&blocks["title"]),
            MAX_MODAL_TITLE,
        );
    }
    problems
}
