//! What Slack sends: slash commands (a form), interactivity (a form whose `payload` field is
//! JSON) and the Events API (JSON), as serde types that ignore fields they do not name.
//!
//! Parse only after [`super::signature::verify`] accepted the raw body. Fields Slack marks
//! deprecated (`token`, `user_name`) are kept optional and never trusted.

use super::blocks::{
    DECLARE_CUSTOM_PREFIX, DECLARE_PRIVATE, DECLARE_SERVICES, DECLARE_SEVERITY, DECLARE_TITLE,
};
use crate::validation::ValidationError;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A body that is not what Slack sends.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a Slack {kind}: {reason}")]
pub struct PayloadError {
    /// What was expected (`slash command`, `interaction`, `event`).
    pub kind: &'static str,
    /// What is wrong.
    pub reason: String,
}

/// A slash command's form fields.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SlashCommand {
    /// The workspace.
    pub team_id: String,
    /// The workspace's subdomain.
    #[serde(default)]
    pub team_domain: Option<String>,
    /// The Enterprise Grid organisation, if any.
    #[serde(default)]
    pub enterprise_id: Option<String>,
    /// Where the command was typed.
    pub channel_id: String,
    /// That channel's name (`directmessage`, `privategroup` for some).
    #[serde(default)]
    pub channel_name: Option<String>,
    /// Who typed it.
    pub user_id: String,
    /// Their (deprecated) user name.
    #[serde(default)]
    pub user_name: Option<String>,
    /// The command, `/inc`.
    pub command: String,
    /// Everything after the command.
    #[serde(default)]
    pub text: String,
    /// Where to answer later (up to five times in thirty minutes).
    pub response_url: String,
    /// For `views.open`, valid for three seconds.
    #[serde(default)]
    pub trigger_id: Option<String>,
    /// The app.
    #[serde(default)]
    pub api_app_id: Option<String>,
}

/// Parses a slash command's `application/x-www-form-urlencoded` body.
pub fn parse_slash_command(body: &[u8]) -> Result<SlashCommand, PayloadError> {
    let map: Map<String, Value> = parse_form(body)
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    serde_json::from_value(Value::Object(map)).map_err(|e| PayloadError {
        kind: "slash command",
        reason: e.to_string(),
    })
}

/// A Slack user as payloads name them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct User {
    /// `U123`.
    pub id: String,
    /// Their handle, when sent.
    #[serde(default)]
    pub username: Option<String>,
    /// The workspace.
    #[serde(default)]
    pub team_id: Option<String>,
}

/// A channel as payloads name it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Channel {
    /// `C123` or `D123`.
    pub id: String,
    /// Its name, when sent.
    #[serde(default)]
    pub name: Option<String>,
}

/// The message a button was in.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MessageRef {
    /// Its timestamp, the id `chat.update` takes.
    pub ts: String,
    /// Its fallback text.
    #[serde(default)]
    pub text: Option<String>,
}

/// An option of a select or checkbox.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SelectedOption {
    /// The option's value.
    pub value: String,
}

/// One element's action in `block_actions`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Action {
    /// The element's `action_id` (`page_ack`).
    pub action_id: String,
    /// Its block.
    #[serde(default)]
    pub block_id: Option<String>,
    /// A button's `value`.
    #[serde(default)]
    pub value: Option<String>,
    /// A select's choice.
    #[serde(default)]
    pub selected_option: Option<SelectedOption>,
    /// The element type (`button`).
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// When it was clicked.
    #[serde(default)]
    pub action_ts: Option<String>,
}

/// A click on a message's (or view's) interactive element.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct BlockActions {
    /// Who clicked.
    pub user: User,
    /// What was clicked (one element per payload in practice).
    pub actions: Vec<Action>,
    /// Where to answer or replace the message.
    #[serde(default)]
    pub response_url: Option<String>,
    /// For `views.open`.
    #[serde(default)]
    pub trigger_id: Option<String>,
    /// The message the element is in (absent for elements in views).
    #[serde(default)]
    pub message: Option<MessageRef>,
    /// The channel of that message.
    #[serde(default)]
    pub channel: Option<Channel>,
    /// The view the element is in, for elements in modals.
    #[serde(default)]
    pub view: Option<View>,
}

/// One input's state in a submitted view.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct StateValue {
    /// The element type (`plain_text_input`, `static_select`, …).
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// A text input's value.
    #[serde(default)]
    pub value: Option<String>,
    /// A single select's choice.
    #[serde(default)]
    pub selected_option: Option<SelectedOption>,
    /// A multi-select's or checkboxes' choices.
    #[serde(default)]
    pub selected_options: Vec<SelectedOption>,
    /// A users select's choice.
    #[serde(default)]
    pub selected_user: Option<String>,
    /// A date picker's choice (`YYYY-MM-DD`).
    #[serde(default)]
    pub selected_date: Option<String>,
}

/// A view's inputs: `block_id` → `action_id` → state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ViewState {
    /// The values.
    #[serde(default)]
    pub values: BTreeMap<String, BTreeMap<String, StateValue>>,
}

impl ViewState {
    /// The state of the input whose `block_id` and `action_id` are both `id` (as Debrief's
    /// modals name them).
    pub fn get(&self, id: &str) -> Option<&StateValue> {
        self.values.get(id)?.get(id)
    }
}

/// A modal.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct View {
    /// `V123`.
    pub id: String,
    /// Which modal (`inc_declare`).
    #[serde(default)]
    pub callback_id: String,
    /// What the opener stored.
    #[serde(default)]
    pub private_metadata: String,
    /// The inputs.
    #[serde(default)]
    pub state: ViewState,
    /// For `views.update` without a race.
    #[serde(default)]
    pub hash: Option<String>,
}

/// A submitted modal.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ViewSubmission {
    /// Who submitted.
    pub user: User,
    /// The modal, with its state.
    pub view: View,
    /// For opening another view.
    #[serde(default)]
    pub trigger_id: Option<String>,
}

/// An interactivity request's `payload`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Interaction {
    /// A button or select was used.
    BlockActions(Box<BlockActions>),
    /// A modal was submitted.
    ViewSubmission(Box<ViewSubmission>),
    /// A modal was closed (sent only when asked for).
    ViewClosed {
        /// Who closed it.
        user: User,
    },
    /// Shortcuts and anything newer: acknowledged and ignored.
    #[serde(other)]
    Other,
}

/// Parses an interactivity body: a form whose `payload` field holds the JSON.
pub fn parse_interaction(body: &[u8]) -> Result<Interaction, PayloadError> {
    let err = |reason: String| PayloadError {
        kind: "interaction",
        reason,
    };
    let payload = parse_form(body)
        .into_iter()
        .find(|(k, _)| k == "payload")
        .map(|(_, v)| v)
        .ok_or_else(|| err("no payload field".into()))?;
    serde_json::from_str(&payload).map_err(|e| err(e.to_string()))
}

/// The declare modal's answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclareSubmission {
    /// The title, trimmed.
    pub title: String,
    /// The chosen severity key.
    pub severity: Option<String>,
    /// The chosen service slugs.
    pub services: Vec<String>,
    /// Whether it is private.
    pub private: bool,
    /// The custom fields' answers, by key, as the API takes them (`custom_fields`): a string
    /// for a text input or select, a list for a multi-select, `null` when left empty.
    pub custom_fields: Map<String, Value>,
}

/// Reads the declare modal's state. The error's fields are `block_id`s, ready for a
/// `response_action: errors` answer.
pub fn declare_submission(view: &View) -> Result<DeclareSubmission, ValidationError> {
    let state = &view.state;
    let title = state
        .get(DECLARE_TITLE)
        .and_then(|s| s.value.as_deref())
        .map(str::trim)
        .unwrap_or_default()
        .to_string();
    let mut errors = ValidationError::default();
    if title.is_empty() {
        errors.push(DECLARE_TITLE, "Say what is happening.");
    }
    let severity = state
        .get(DECLARE_SEVERITY)
        .and_then(|s| s.selected_option.as_ref())
        .map(|o| o.value.clone());
    let services = state
        .get(DECLARE_SERVICES)
        .map(|s| s.selected_options.iter().map(|o| o.value.clone()).collect())
        .unwrap_or_default();
    let private = state
        .get(DECLARE_PRIVATE)
        .is_some_and(|s| !s.selected_options.is_empty());
    errors.into_result(DeclareSubmission {
        title,
        severity,
        services,
        private,
        custom_fields: custom_answers(state),
    })
}

/// The answers of the declare modal's custom field inputs (`block_id` `cf.<key>`).
fn custom_answers(state: &ViewState) -> Map<String, Value> {
    state
        .values
        .iter()
        .filter_map(|(block, actions)| {
            let key = block.strip_prefix(DECLARE_CUSTOM_PREFIX)?;
            let s = actions.get(block)?;
            let answer = match s.kind.as_deref() {
                Some("multi_static_select") => Value::Array(
                    s.selected_options
                        .iter()
                        .map(|o| Value::String(o.value.clone()))
                        .collect(),
                ),
                Some("static_select") => s
                    .selected_option
                    .as_ref()
                    .map_or(Value::Null, |o| Value::String(o.value.clone())),
                _ => s
                    .value
                    .as_deref()
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map_or(Value::Null, |v| Value::String(v.to_string())),
            };
            Some((key.to_string(), answer))
        })
        .collect()
}

/// The message a reaction or pin points at.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ItemRef {
    /// `message`, `file`, …
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// The message's channel.
    #[serde(default)]
    pub channel: Option<String>,
    /// The message's timestamp.
    #[serde(default)]
    pub ts: Option<String>,
    /// The pinned message itself (`pin_added`).
    #[serde(default)]
    pub message: Option<MessageEvent>,
}

/// A message as the Events API sends it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MessageEvent {
    /// Its channel (absent inside a pinned item).
    #[serde(default)]
    pub channel: Option<String>,
    /// Its author (absent for some subtypes and bots).
    #[serde(default)]
    pub user: Option<String>,
    /// Its text.
    #[serde(default)]
    pub text: Option<String>,
    /// Its timestamp, also its id.
    pub ts: String,
    /// `message_changed`, `bot_message`, …; absent for a plain message.
    #[serde(default)]
    pub subtype: Option<String>,
    /// The thread's parent, for replies.
    #[serde(default)]
    pub thread_ts: Option<String>,
    /// Set when a bot posted it.
    #[serde(default)]
    pub bot_id: Option<String>,
    /// A permalink, when Slack includes one (pinned items).
    #[serde(default)]
    pub permalink: Option<String>,
}

/// An Events API event.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// Someone reacted to an item.
    ReactionAdded {
        /// Who reacted.
        user: String,
        /// The emoji's name without colons (`memo`).
        reaction: String,
        /// What was reacted to.
        item: ItemRef,
        /// The item's author.
        #[serde(default)]
        item_user: Option<String>,
        /// When.
        event_ts: String,
    },
    /// Someone pinned an item.
    PinAdded {
        /// Who pinned.
        user: String,
        /// Where.
        channel_id: String,
        /// What.
        item: ItemRef,
        /// When.
        event_ts: String,
    },
    /// A message was posted (or changed, per its subtype).
    Message(MessageEvent),
    /// Any other event type: acknowledged and ignored.
    #[serde(other)]
    Other,
}

/// An `event_callback` envelope.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct EventCallback {
    /// The workspace.
    pub team_id: String,
    /// The app.
    #[serde(default)]
    pub api_app_id: Option<String>,
    /// Unique per event, the same across Slack's retries: the deduplication key.
    pub event_id: String,
    /// When the event happened, Unix seconds.
    #[serde(default)]
    pub event_time: Option<i64>,
    /// The event.
    pub event: Event,
}

/// An Events API request body.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventEnvelope {
    /// Slack checking the URL: answer `{"challenge": …}`.
    UrlVerification {
        /// The value to echo.
        challenge: String,
    },
    /// An event.
    EventCallback(Box<EventCallback>),
    /// `app_rate_limited` and anything newer: acknowledged and ignored.
    #[serde(other)]
    Other,
}

/// Parses an Events API body.
pub fn parse_event(body: &[u8]) -> Result<EventEnvelope, PayloadError> {
    serde_json::from_slice(body).map_err(|e| PayloadError {
        kind: "event",
        reason: e.to_string(),
    })
}

/// Decodes an `application/x-www-form-urlencoded` body into its pairs, in order.
pub fn parse_form(body: &[u8]) -> Vec<(String, String)> {
    body.split(|&b| b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let mut it = pair.splitn(2, |&b| b == b'=');
            let key = it.next().unwrap_or_default();
            let value = it.next().unwrap_or_default();
            (percent_decode(key), percent_decode(value))
        })
        .collect()
}

/// `+` is a space and `%XX` a byte; invalid escapes stay as written, and bytes that are not
/// UTF-8 become U+FFFD.
fn percent_decode(s: &[u8]) -> String {
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => match (
                s.get(i + 1).and_then(|&h| hex(h)),
                s.get(i + 2).and_then(|&l| hex(l)),
            ) {
                (Some(h), Some(l)) => {
                    // Two hex digits make a byte: at most 0xff.
                    out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
