//! The Slack settings an admin chooses: where new incidents are announced (a channel per
//! severity), which reaction adds a channel message to the incident's timeline, and whether
//! incident channels are archived when the incident closes. Stored as one JSON setting,
//! `slack.settings`; a server that never saved them has the defaults.

use crate::auth::Actor;
use crate::{AppError, AppState};
use debrief_core::access::AccountRole;
use debrief_core::validation::ValidationError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The setting's key.
const KEY: &str = "slack.settings";

/// The reaction that adds a message to the timeline, unless an admin chose another.
pub const DEFAULT_TIMELINE_EMOJI: &str = "pushpin";

/// What an admin chose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlackSettings {
    /// Severity key (`SEV1`) → the Slack channel id (`C…`) new incidents of that severity are
    /// announced in. A severity missing here is not announced.
    #[serde(default)]
    pub announce: BTreeMap<String, String>,
    /// The reaction (its name, without colons: `pushpin`) that adds a message posted in an
    /// incident channel to the incident's timeline. Pinning a message does the same.
    #[serde(default = "default_emoji")]
    pub timeline_emoji: String,
    /// Whether an incident's channel is archived when the incident closes.
    #[serde(default = "yes")]
    pub archive_on_close: bool,
}

fn default_emoji() -> String {
    DEFAULT_TIMELINE_EMOJI.to_string()
}

fn yes() -> bool {
    true
}

impl Default for SlackSettings {
    fn default() -> Self {
        SlackSettings {
            announce: BTreeMap::new(),
            timeline_emoji: default_emoji(),
            archive_on_close: true,
        }
    }
}

/// The settings in force (the defaults until an admin saves some).
pub async fn slack_settings(state: &AppState) -> Result<SlackSettings, AppError> {
    match state.store.setting(KEY).await? {
        Some(json) => serde_json::from_str(&json).map_err(AppError::internal),
        None => Ok(SlackSettings::default()),
    }
}

/// Stores `settings` as given (the caller has checked them) and returns them.
pub async fn save_slack_settings(
    state: &AppState,
    settings: &SlackSettings,
) -> Result<SlackSettings, AppError> {
    let json = serde_json::to_string(settings).map_err(AppError::internal)?;
    state.store.set_setting(KEY, &json).await?;
    Ok(settings.clone())
}

/// Whether `id` looks like a Slack channel id: `C…` (public) or `G…` (private), then
/// upper-case letters and digits.
fn is_channel_id(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some('C' | 'G'))
        && (8..=20).contains(&id.len())
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// Whether `key` is written as a severity key is (`SEV1`; any case).
fn is_severity_key(key: &str) -> bool {
    key.len() <= 16
        && key.starts_with(|c: char| c.is_ascii_alphabetic())
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Checks and saves the settings (admins only). Every wrong field is named: a key that is not
/// written as a severity key or a channel id that is not one (`announce.SEV1`, 422), a
/// reaction that is empty or not a reaction's name (`timeline_emoji`, 422), a severity that is
/// not configured (`announce.SEV9`, 404 when nothing else is wrong). Keys are stored upper
/// case, reactions without colons.
pub async fn put_slack_settings(
    state: &AppState,
    actor: &Actor,
    settings: &SlackSettings,
) -> Result<SlackSettings, AppError> {
    actor.require(AccountRole::Admin)?;
    let mut e = ValidationError::default();
    let known = state.store.list_severities().await?;
    let mut announce = BTreeMap::new();
    for (key, channel) in &settings.announce {
        let field = format!("announce.{key}");
        let severity = key.to_ascii_uppercase();
        if !is_severity_key(key) {
            e.push(
                field,
                "must be a severity key: 1 to 16 letters, digits, '-' or '_' starting with a letter, like SEV1",
            );
        } else if !is_channel_id(channel) {
            e.push(
                field,
                "must be a Slack channel id (C… or G…, as in the channel's details), not a name",
            );
        } else if !known.iter().any(|s| s.key == severity) {
            let names = known
                .iter()
                .map(|s| s.key.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            e.push_missing(
                field,
                format!("unknown severity '{severity}'; configured: {names}"),
            );
        }
        announce.insert(severity, channel.clone());
    }
    let emoji = settings.timeline_emoji.trim_matches(':');
    if emoji.is_empty()
        || settings.timeline_emoji.len() > 100
        || !emoji
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-+'".contains(c))
    {
        e.push(
            "timeline_emoji",
            "must be a reaction's name without colons, such as pushpin",
        );
    }
    e.into_result(())?;
    let clean = SlackSettings {
        announce,
        timeline_emoji: emoji.to_string(),
        archive_on_close: settings.archive_on_close,
    };
    save_slack_settings(state, &clean).await
}

/// The channel a new incident of severity `severity` is announced in, if any.
pub fn announcement_channel<'a>(s: &'a SlackSettings, severity: &str) -> Option<&'a str> {
    s.announce.get(severity).map(String::as_str)
}

/// Whether a reaction named `name` adds a message to the timeline (`pushpin` and its skin-tone
/// or alias forms are the same reaction to Slack only when written the same, so the name is
/// compared as Slack sends it, without colons).
pub fn is_timeline_reaction(s: &SlackSettings, name: &str) -> bool {
    name.trim_matches(':') == s.timeline_emoji.trim_matches(':')
}
