//! The Slack settings an admin chooses: where new incidents are announced (a channel per
//! severity), which reaction adds a channel message to the incident's timeline, and whether
//! incident channels are archived when the incident closes. Stored as one JSON setting,
//! `slack.settings`; a server that never saved them has the defaults.

use crate::{AppError, AppState};
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
