//! What a server that stopped part-way leaves behind, picked up again.
//!
//! - A channel Debrief made but never recorded: a server killed between Slack's answer to
//!   `conversations.create` and the row that remembers it leaves the channel in Slack with no
//!   incident. When the next run's `conversations.create` hears `name_taken`, the channel of
//!   that name is the incident's own if the bot created it, it is not archived, and no other
//!   incident has it: it is taken over instead of making `inc-42-…-2` beside it ([`Seen`]).
//! - A sync never queued: declarations, merges and page notes queue their sync after their
//!   own commit, so a server killed in between leaves an incident with no channel (or a
//!   channel open after the incident closed). [`catch_up`], run with the reminder scan,
//!   queues a sync for each (keyed by the incident's version, so once per change).

use super::channels::sync_job;
use super::jobs::{Stop, stop};
use super::settings::slack_settings;
use crate::jobs::enqueue;
use crate::outbound::slack::SlackClient;
use crate::{AppError, AppState};
use serde_json::Value;

/// How long after its declaration an incident with no channel counts as left behind.
const SETTLING: jiff::SignedDuration = jiff::SignedDuration::from_secs(60);

/// The most incidents one scan queues (the next scan takes the rest).
const CATCH_UP_BATCH: i64 = 100;

/// Queues a sync for each incident whose channel a lost sync left behind (see the module
/// documentation); nothing when Slack is not set up or not installed.
pub async fn catch_up(state: &AppState) -> Result<usize, AppError> {
    if state.slack.is_none() {
        return Ok(0);
    }
    let Some(installed) = state
        .store
        .slack_installations()
        .await?
        .into_iter()
        .map(|i| i.installed_at)
        .min()
    else {
        return Ok(0);
    };
    let archiving = slack_settings(state).await?.archive_on_close;
    // An incident declared in the last minute has its own sync still on its way.
    let until = state.clock.now() - SETTLING;
    let behind = state
        .store
        .slack_channels_behind(installed, until, archiving, CATCH_UP_BATCH)
        .await?;
    let mut queued = 0;
    for (incident_id, version) in behind {
        // The key of the change that made this version: a sync already queued for it (the
        // usual case, still waiting) makes this one a no-op.
        if let Some(job) = sync_job(state, incident_id, version).await
            && enqueue(state, &job).await?.is_some()
        {
            queued += 1;
        }
    }
    if queued > 0 {
        tracing::info!("Queued {queued} Slack channel sync(s) a stopped server left behind");
    }
    Ok(queued)
}

/// The open channels the bot sees (public and private), read once per channel creation.
pub(crate) struct Seen {
    channels: Option<Vec<Value>>,
}

impl Seen {
    /// Nothing read yet.
    pub(crate) fn new() -> Seen {
        Seen { channels: None }
    }

    /// The id of the channel called `name` that the bot (`bot_user_id`) made and no incident
    /// has, if there is one.
    pub(crate) async fn left_behind(
        &mut self,
        state: &AppState,
        client: &SlackClient,
        token: &str,
        bot_user_id: &str,
        name: &str,
    ) -> Result<Option<String>, Stop> {
        if self.channels.is_none() {
            let all = client
                .paginate(
                    token,
                    "conversations.list",
                    &[
                        ("types", "public_channel,private_channel"),
                        ("exclude_archived", "true"),
                        ("limit", "200"),
                    ],
                    "channels",
                )
                .await
                .map_err(|e| stop("looking for the incident channel", e))?;
            self.channels = Some(all);
        }
        let found = self.channels.iter().flatten().find(|c| {
            c["name"].as_str() == Some(name)
                && c["creator"].as_str() == Some(bot_user_id)
                && c["is_archived"].as_bool() != Some(true)
        });
        let Some(id) = found.and_then(|c| c["id"].as_str()) else {
            return Ok(None);
        };
        if state.store.slack_channel_by_id(id).await?.is_some() {
            return Ok(None);
        }
        Ok(Some(id.to_string()))
    }
}
