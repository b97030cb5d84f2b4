//! Slack (issue 13): installing the app in a workspace and knowing who its users are.
//!
//! # Layout
//! - [`manifest`]: the app manifest an admin pastes into <https://api.slack.com/apps>, with
//!   this server's URLs filled in.
//! - [`install`]: the OAuth v2 install (a single-use `state` bound to the admin,
//!   `oauth.v2.access`, the bot token sealed with the operator's key before it is stored).
//! - [`users`]: which Debrief user a Slack user is (a stored link, else the same e-mail).
//! - [`settings`]: announcement channels per severity, the timeline reaction, archiving.
//! - [`pages`]: pages as DMs with Acknowledge / Resolve, kept true to the page afterwards.
//! - [`buttons`]: the buttons of messages Debrief sent (page Acknowledge / Resolve).
//! - [`channels`]: a channel per incident, kept true to it by the `slack.sync` job; [`adopt`]:
//!   taking over a channel a run made but did not record (it stopped in between).
//! - [`announce`]: new incidents announced in a channel per severity.
//! - [`reminders`]: postmortem and action item reminders as DMs.
//! - [`messages`]: the topic and messages of those channels; `jobs`: what the jobs share.

pub mod adopt;
pub mod announce;
pub mod buttons;
pub mod channels;
pub mod install;
mod jobs;
pub mod manifest;
pub mod messages;
pub mod pages;
pub mod reminders;
pub mod settings;
pub mod users;

use crate::outbound::slack::{SlackClient, SlackConfig, SlackError};
use crate::{AppError, AppState};

/// The Slack settings, or a 404 when the operator has not set Slack up.
pub fn slack_config(state: &AppState) -> Result<&SlackConfig, AppError> {
    state.config.slack.as_ref().ok_or_else(|| {
        AppError::NotFound(
            "Slack (not set up on this server: see --slack-client-id in `debrief serve --help`)"
                .into(),
        )
    })
}

/// The server's one Web API client for the configured Slack (through the outgoing client; its
/// rate-limit buckets are shared by every caller).
fn client(state: &AppState, _config: &SlackConfig) -> SlackClient {
    state
        .slack
        .clone()
        .expect("the Slack client exists whenever Slack is configured")
}

/// The workspace Debrief works in and its bot token, opened: the installation made last
/// (one workspace per server is the supported set-up; a second install replaces nothing but
/// is not used for channels and DMs). `None` when Slack is not set up or not installed yet.
pub async fn workspace(
    state: &AppState,
) -> Result<Option<(debrief_store::slack::SlackInstallation, String)>, AppError> {
    if state.config.slack.is_none() {
        return Ok(None);
    }
    let Some(installation) = state
        .store
        .slack_installations()
        .await?
        .into_iter()
        .max_by_key(|i| i.installed_at)
    else {
        return Ok(None);
    };
    let Some(token) = install::bot_token(state, &installation.team_id).await? else {
        return Ok(None);
    };
    Ok(Some((installation, token)))
}

/// A failed Slack call as the caller sees it: a refusal by Slack is named (it never holds a
/// secret), a passing failure is a 503 to try again.
fn slack_failed(e: SlackError) -> AppError {
    if e.is_transient() {
        tracing::warn!(error = %e, "A Slack call failed");
        AppError::Unavailable {
            detail: "Slack did not answer just now; try again shortly".into(),
            retry_after_secs: 5,
        }
    } else {
        AppError::BadRequest(format!("Slack refused: {e}"))
    }
}
