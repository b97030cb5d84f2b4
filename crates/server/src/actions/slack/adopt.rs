//! A channel Debrief made but never recorded: a server killed between Slack's answer to
//! `conversations.create` and the row that remembers it leaves the channel in Slack with no
//! incident. When the next run's `conversations.create` hears `name_taken`, the channel of
//! that name is the incident's own if the bot created it, it is not archived, and no other
//! incident has it: it is taken over instead of making `inc-42-…-2` beside it.

use super::jobs::{Stop, stop};
use crate::AppState;
use crate::outbound::slack::SlackClient;
use serde_json::Value;

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
