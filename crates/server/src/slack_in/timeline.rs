//! A Slack message added to its incident's timeline (a reaction with the timeline emoji, or a
//! pin, in the incident's channel).
//!
//! The job reads the message (`reactions.get`, which returns it whole), its permalink
//! (`chat.getPermalink`) and its author (the Debrief user they are, by link or e-mail, else
//! their Slack name from `users.info`), and adds a `chat` event dated at the message's `ts`,
//! written by that author, linking to the permalink. A message is added once: the job's dedupe
//! key is the channel and `ts` (a reaction and a pin of the same message, or two reactions,
//! queue one job), and the job itself finds an event it already wrote (a run cut short after
//! writing) by the `data.slack` it keeps. Slack's `429` puts the job off without spending an
//! attempt.

use crate::actions::slack::users::debrief_user_for;
use crate::actions::slack::workspace;
use crate::jobs::{JobKind, Outcome, enqueue, new_job};
use crate::outbound::slack::SlackError;
use crate::{AppError, AppState};
use debrief_core::Timestamp;
use debrief_core::access::{AccountRole, Viewer};
use debrief_core::timeline::{EventKind, Link, Source};
use debrief_store::jobs::Job;
use debrief_store::timeline::EventDraft;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::time::Duration;

/// The stored kind of the job.
pub const TIMELINE_KIND: &str = "slack.timeline";

/// The longest text kept of a message.
const MAX_TEXT: usize = 5000;

/// Which message to add, and who asked.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AddMessage {
    /// The workspace.
    pub team_id: String,
    /// The incident channel.
    pub channel: String,
    /// The message's `ts`.
    pub ts: String,
    /// The Slack user who reacted or pinned.
    pub by: String,
    /// `reaction` or `pin`.
    pub via: String,
}

/// Queues the job adding message `ts` of `channel` to its incident's timeline; nothing when
/// `channel` is not an incident's channel.
pub async fn queue_message(
    state: &AppState,
    team_id: &str,
    channel: &str,
    ts: &str,
    by: &str,
    via: &str,
) -> Result<(), AppError> {
    if state.store.slack_channel_by_id(channel).await?.is_none() {
        return Ok(());
    }
    let job = new_job::<AddMessageJob, AppState>(
        state,
        format!("{TIMELINE_KIND}:{channel}:{ts}"),
        &AddMessage {
            team_id: team_id.into(),
            channel: channel.into(),
            ts: ts.into(),
            by: by.into(),
            via: via.into(),
        },
        state.clock.now(),
    );
    enqueue(state, &job).await?;
    Ok(())
}

/// Adds one Slack message to its incident's timeline.
pub struct AddMessageJob;

impl JobKind<AppState> for AddMessageJob {
    const KIND: &'static str = TIMELINE_KIND;
    type Payload = AddMessage;

    fn summary(p: &AddMessage) -> String {
        format!(
            "adds Slack message {} of {} to its incident's timeline",
            p.ts, p.channel
        )
    }

    async fn run(state: &AppState, _: &Job, p: AddMessage) -> Outcome {
        match add_message(state, &p).await {
            Ok(()) => Outcome::Done,
            Err(o) => o,
        }
    }
}

/// What a failed Slack call means for the job.
fn outcome(e: SlackError) -> Outcome {
    match e {
        SlackError::RateLimited { retry_after, .. } => Outcome::Later(
            retry_after.max(Duration::from_secs(1)),
            format!("Slack rate-limited; waiting {} s", retry_after.as_secs()),
        ),
        e if e.is_transient() => Outcome::Retry(e.to_string()),
        e => Outcome::GiveUp(e.to_string()),
    }
}

fn failed(e: AppError) -> Outcome {
    Outcome::Retry(e.to_string())
}

/// The time a Slack `ts` (`1700000000.000100`: seconds and microseconds) stands for.
pub fn ts_time(ts: &str) -> Option<Timestamp> {
    let (secs, micros) = ts.split_once('.').unwrap_or((ts, "0"));
    let secs: i64 = secs.parse().ok()?;
    let micros: i64 = format!("{micros:0<6}").get(..6)?.parse().ok()?;
    Timestamp::from_millisecond(secs.checked_mul(1000)? + micros / 1000).ok()
}

/// Slack's `&amp;`, `&lt;` and `&gt;` back to the characters.
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

async fn add_message(state: &AppState, p: &AddMessage) -> Result<(), Outcome> {
    let Some(channel) = state
        .store
        .slack_channel_by_id(&p.channel)
        .await
        .map_err(|e| failed(e.into()))?
    else {
        return Err(Outcome::GiveUp(format!(
            "{} is no longer an incident's channel",
            p.channel
        )));
    };
    let incident = channel.incident_id;
    let events = state
        .store
        .list_events(incident)
        .await
        .map_err(|e| failed(e.into()))?;
    let written = events.iter().any(|e| {
        e.data["slack"]["channel"] == p.channel.as_str() && e.data["slack"]["ts"] == p.ts.as_str()
    });
    if written {
        return Ok(());
    }
    let (Some(client), Some((_, token))) = (
        state.slack.as_ref(),
        workspace(state).await.map_err(failed)?,
    ) else {
        return Err(Outcome::GiveUp("Slack is not installed any more".into()));
    };
    let answer = client
        .call_form(
            Some(&token),
            "reactions.get",
            &[
                ("channel", &p.channel),
                ("timestamp", &p.ts),
                ("full", "true"),
            ],
        )
        .await
        .map_err(outcome)?;
    let message = &answer["message"];
    let permalink = client
        .call_form(
            Some(&token),
            "chat.getPermalink",
            &[("channel", &p.channel), ("message_ts", &p.ts)],
        )
        .await
        .map_err(outcome)?["permalink"]
        .as_str()
        .map(str::to_string);
    let slack_user = message["user"].as_str().filter(|u| !u.is_empty());
    let (author_id, author_name) = match slack_user {
        Some(u) => author(state, client, &token, &p.team_id, u).await?,
        None => (
            None,
            message["username"]
                .as_str()
                .or(message["bot_profile"]["name"].as_str())
                .unwrap_or("a Slack app")
                .to_string(),
        ),
    };
    let text = unescape(message["text"].as_str().unwrap_or_default());
    let body = match text.trim() {
        "" => "(a Slack message without text)".to_string(),
        t => debrief_core::slack::blocks::truncate(t, MAX_TEXT),
    };
    let now = state.clock.now();
    let draft = EventDraft {
        kind: EventKind::Chat,
        at: ts_time(&p.ts).unwrap_or(now),
        source: Source::Slack,
        author_id,
        author_name: Some(author_name.clone()),
        body,
        links: permalink
            .iter()
            .map(|url| Link {
                url: url.clone(),
                title: Some("Slack message".into()),
            })
            .collect(),
        data: json!({
            // Read back as the event's author when they are not a Debrief user.
            "author_name": author_id.is_none().then_some(&author_name),
            "slack": {
                "channel": p.channel, "ts": p.ts, "user": slack_user, "permalink": permalink,
                "added_by": p.by, "via": p.via,
            },
        }),
        starred: false,
        created_at: now,
    };
    let written = state
        .store
        .add_events(incident, &[draft])
        .await
        .map_err(|e| failed(e.into()))?;
    let private = state
        .store
        .incident_private(incident, Viewer::of(0, AccountRole::Admin))
        .await
        .map_err(|e| failed(e.into()))?;
    state.live.publish(incident, private, &written);
    tracing::info!(incident.id = incident, slack.ts = %p.ts, "Added a Slack message to the timeline");
    Ok(())
}

/// The author of a message: the Debrief user they are, else their Slack name.
async fn author(
    state: &AppState,
    client: &crate::outbound::slack::SlackClient,
    token: &str,
    team_id: &str,
    slack_user: &str,
) -> Result<(Option<i64>, String), Outcome> {
    match debrief_user_for(state, team_id, slack_user).await {
        Ok(Some(u)) => return Ok((Some(u.id), u.name)),
        Ok(None) => {}
        Err(e @ AppError::Unavailable { .. }) => return Err(failed(e)),
        // Slack refused users.info: the name below says who it was as well as Slack can.
        Err(_) => {}
    }
    let info = match client
        .call_form(Some(token), "users.info", &[("user", slack_user)])
        .await
    {
        Ok(info) => info,
        Err(e) if e.code() == Some("user_not_found") => Value::Null,
        Err(e) => return Err(outcome(e)),
    };
    let user = &info["user"];
    let name = [
        &user["profile"]["display_name"],
        &user["real_name"],
        &user["name"],
    ]
    .into_iter()
    .filter_map(Value::as_str)
    .find(|n| !n.is_empty())
    .unwrap_or(slack_user);
    Ok((None, name.to_string()))
}

#[cfg(test)]
mod tests {
    use super::ts_time;

    #[test]
    fn a_slack_ts_is_seconds_and_microseconds() {
        let t = ts_time("1700000000.123456").expect("a time");
        assert_eq!(t.as_millisecond(), 1_700_000_000_123);
        assert_eq!(
            ts_time("1700000000").map(|t| t.as_second()),
            Some(1_700_000_000)
        );
        assert_eq!(ts_time("soon"), None);
    }
}
