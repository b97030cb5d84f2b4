//! Announcing new incidents (issue 13, part 5): a new incident, from any source, is announced
//! once in the channel the settings name for its severity, with a link to its own channel.
//! Private incidents are never announced.
//!
//! The `slack.announce` job is queued when the incident's channel is made (so the message can
//! link to it), keyed by the incident: announced once, whatever reruns. A `429` puts it off
//! by its `Retry-After` without spending an attempt.

use super::jobs::{Stop, stop};
use super::messages;
use super::settings::{announcement_channel, slack_settings};
use super::workspace;
use crate::AppState;
use crate::jobs::{JobKind, Outcome, enqueue, new_job};
use debrief_core::access::{AccountRole, Viewer};
use debrief_store::jobs::Job;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The stored kind of the job that announces a new incident.
pub const ANNOUNCE_KIND: &str = "slack.announce";

/// Which incident to announce.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Announce {
    /// The incident.
    pub incident_id: i64,
}

/// Announces a new incident in its severity's channel.
pub struct AnnounceJob;

impl JobKind<AppState> for AnnounceJob {
    const KIND: &'static str = ANNOUNCE_KIND;
    type Payload = Announce;

    fn summary(p: &Announce) -> String {
        format!("announces INC-{} in Slack", p.incident_id)
    }

    async fn run(state: &AppState, _: &Job, p: Announce) -> Outcome {
        match announce(state, p.incident_id).await {
            Ok(()) => Outcome::Done,
            Err(s) => s.into(),
        }
    }
}

/// Queues the announcement of incident `incident_id` (once: the key is the incident).
pub(crate) async fn queue(state: &AppState, incident_id: i64) -> Result<(), Stop> {
    let job = new_job::<AnnounceJob, AppState>(
        state,
        format!("{ANNOUNCE_KIND}:{incident_id}"),
        &Announce { incident_id },
        state.clock.now(),
    );
    enqueue(state, &job).await?;
    Ok(())
}

async fn announce(state: &AppState, incident_id: i64) -> Result<(), Stop> {
    let Some((_, token)) = workspace(state).await? else {
        return Ok(());
    };
    let Some(client) = state.slack.clone() else {
        return Ok(());
    };
    let incident = match state
        .store
        .incident(incident_id, Viewer::of(0, AccountRole::Admin))
        .await
    {
        Ok(i) => i,
        Err(debrief_store::StoreError::NotFound(_)) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    if incident.private {
        return Ok(());
    }
    let settings = slack_settings(state).await?;
    let Some(channel) = announcement_channel(&settings, &incident.severity) else {
        return Ok(());
    };
    let own = state.store.slack_channel(incident_id).await?;
    let base = state.config.public_url.trim_end_matches('/');
    let url = format!("{base}/incidents/{incident_id}");
    let mut body =
        messages::announcement(&incident, &url, own.as_ref().map(|c| c.channel_id.as_str()));
    body["channel"] = json!(channel);
    match client.call(&token, "chat.postMessage", body.clone()).await {
        Ok(_) => {}
        // A public channel the bot was not added to: it joins, then posts.
        Err(e) if e.code() == Some("not_in_channel") => {
            client
                .call(&token, "conversations.join", json!({"channel": channel}))
                .await
                .map_err(|e| stop("joining the announcement channel", e))?;
            client
                .call(&token, "chat.postMessage", body)
                .await
                .map_err(|e| stop("announcing the incident", e))?;
        }
        Err(e) => return Err(stop("announcing the incident", e)),
    }
    tracing::info!(incident.id = incident_id, slack.channel = %channel, "Announced {} in Slack", incident.reference);
    Ok(())
}
