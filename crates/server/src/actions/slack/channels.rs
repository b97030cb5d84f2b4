//! A channel per incident (issue 13, part 4): the `slack.sync` job makes Slack match the
//! incident.
//!
//! Every change to an incident, whatever made it (web, API, CLI, alerts, Slack, pages),
//! queues a `slack.sync` job: status, severity, role and other changes commit theirs with the
//! change ([`sync_job`], keyed by the incident's new version); declarations, merges and page
//! notes queue theirs after writing ([`follow_incident`], keyed by the newest timeline
//! event). A change is queued once, and the job itself is idempotent,
//! so a burst of changes is told by the first job that runs and the others find nothing left
//! to do (they make no Slack call at all).
//!
//! The first run creates the channel (`conversations.create`, private for a private incident,
//! named by `channel_name`, the next free name on `name_taken`), then every run:
//! invites the role holders and the people paged for the incident (`conversations.invite`),
//! sets the topic when it changed (`conversations.setTopic`), posts and pins the summary once
//! and then keeps it current (`chat.update`), posts each status, severity and role change and
//! the postmortem decision made after the channel's "told through" mark, and archives the
//! channel when the incident closes (if the settings say so). A new channel also queues the
//! incident's announcement (`announce.rs`).
//!
//! Slack not set up or not installed: the job does nothing. Slack's `429` puts the job off by
//! its `Retry-After` without spending an attempt (the mark moves after each message, so
//! nothing is posted twice or lost); passing failures retry; refusals fail the job with
//! Slack's error code.

use super::adopt;
use super::jobs::{Stop, stop};
use super::messages;
use super::pages::{DmError, slack_user_of};
use super::settings::slack_settings;
use super::workspace;
use crate::AppState;
use crate::jobs::{JobKind, Outcome, enqueue, new_job};
use crate::outbound::slack::SlackClient;
use debrief_core::access::{AccountRole, Viewer};
use debrief_core::incident::Incident;
use debrief_core::slack::channel::channel_name;
use debrief_core::status::Status;
use debrief_core::timeline::{EventKind, TimelineEvent};
use debrief_store::jobs::{Job, NewJob};
use debrief_store::oncall::PageFilter;
use debrief_store::slack::{SlackChannel, SlackInstallation};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};

/// The stored kind of the job that brings an incident's Slack channel up to date.
pub const SYNC_KIND: &str = "slack.sync";

/// Which incident's channel to bring up to date.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sync {
    /// The incident.
    pub incident_id: i64,
}

/// Brings an incident's Slack channel up to date (see the module documentation).
pub struct SyncJob;

impl JobKind<AppState> for SyncJob {
    const KIND: &'static str = SYNC_KIND;
    type Payload = Sync;

    fn summary(p: &Sync) -> String {
        format!(
            "brings the Slack channel of INC-{} up to date",
            p.incident_id
        )
    }

    async fn run(state: &AppState, _: &Job, p: Sync) -> Outcome {
        let _held = state.slack_channels.lock(p.incident_id).await;
        match sync(state, p.incident_id).await {
            Ok(()) => Outcome::Done,
            Err(s) => s.into(),
        }
    }
}

/// Whether channel syncs are wanted: Slack is set up and installed.
async fn wanted(state: &AppState, incident_id: i64) -> bool {
    if state.slack.is_none() {
        return false;
    }
    match state.store.slack_installations().await {
        Ok(all) => !all.is_empty(),
        Err(e) => {
            tracing::warn!(incident.id = incident_id, error = %e, "Could not read the Slack installation for INC-{incident_id}");
            false
        }
    }
}

/// The sync job of a change that makes incident `incident_id` version `version`, to commit
/// with the change (`IncidentWrite::jobs`); `None` when Slack is not set up or not installed.
pub async fn sync_job(state: &AppState, incident_id: i64, version: i64) -> Option<NewJob> {
    if !wanted(state, incident_id).await {
        return None;
    }
    Some(new_job::<SyncJob, AppState>(
        state,
        format!("{SYNC_KIND}:{incident_id}:v{version}"),
        &Sync { incident_id },
        state.clock.now(),
    ))
}

/// Queues the sync of incident `incident_id`'s channel after `events` were written to its
/// timeline (nothing when Slack is not set up or not installed), for changes that are not
/// committed with their job. A failure to queue is logged: the change is made, and the next
/// one brings the channel up to date.
pub async fn follow_incident(state: &AppState, incident_id: i64, events: &[TimelineEvent]) {
    let Some(last) = events.iter().map(|e| e.id).max() else {
        return;
    };
    if !wanted(state, incident_id).await {
        return;
    }
    let job = new_job::<SyncJob, AppState>(
        state,
        format!("{SYNC_KIND}:{incident_id}:{last}"),
        &Sync { incident_id },
        state.clock.now(),
    );
    if let Err(e) = enqueue(state, &job).await {
        tracing::warn!(incident.id = incident_id, error = %e, "Could not queue the Slack sync of INC-{incident_id}");
    }
}

/// Whether an incident in `status` is over for good (its channel is archived).
fn is_closed(status: Status) -> bool {
    matches!(status, Status::Closed | Status::Declined | Status::Merged)
}

/// The event kinds told in the channel as messages.
fn is_told(kind: EventKind) -> bool {
    matches!(
        kind,
        EventKind::StatusChange
            | EventKind::SeverityChange
            | EventKind::RoleChange
            | EventKind::PostmortemDecision
    )
}

async fn sync(state: &AppState, incident_id: i64) -> Result<(), Stop> {
    let Some((installation, token)) = workspace(state).await? else {
        return Ok(());
    };
    let Some(client) = state.slack.clone() else {
        return Ok(());
    };
    let everyone = Viewer::of(0, AccountRole::Admin);
    let incident = match state.store.incident(incident_id, everyone).await {
        Ok(i) => i,
        Err(debrief_store::StoreError::NotFound(_)) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let events = state.store.list_events(incident_id).await?;
    let channel = match state.store.slack_channel(incident_id).await? {
        Some(c) => c,
        // A channel is made for an incident that is still going.
        None if is_closed(incident.status) => return Ok(()),
        None => create(state, &client, &token, &installation, &incident, &events).await?,
    };
    if channel.archived_at.is_some() {
        return Ok(());
    }
    let ctx = Ctx {
        state,
        client: &client,
        token: &token,
        team_id: &installation.team_id,
        channel: &channel,
    };
    match ctx.tell(&incident, &events).await {
        // Someone archived or deleted the channel in Slack: it is told nothing more.
        Err(Gone) => {
            tracing::info!(incident.id = incident.id, slack.channel = %channel.channel_id, "The Slack channel #{} was archived or deleted in Slack", channel.name);
            let now = state.clock.now();
            state
                .store
                .set_slack_archived(incident.id, Some(now))
                .await?;
            Ok(())
        }
        Ok(told) => told,
    }
}

/// The channel is archived or deleted (`is_archived`, `channel_not_found`).
struct Gone;

/// Creates the incident's channel and records it; the announcement is queued with it.
async fn create(
    state: &AppState,
    client: &SlackClient,
    token: &str,
    installation: &SlackInstallation,
    incident: &Incident,
    events: &[TimelineEvent],
) -> Result<SlackChannel, Stop> {
    let team_id = installation.team_id.as_str();
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut seen = adopt::Seen::new();
    for _ in 0..20 {
        let name = channel_name(incident.id, &incident.title, |n| taken.contains(n));
        if state.store.slack_channel_name_taken(&name).await? {
            taken.insert(name);
            continue;
        }
        let body = json!({"name": name, "is_private": incident.private});
        let answer = match client.call(token, "conversations.create", body).await {
            Ok(a) => a,
            Err(e) if e.code() == Some("name_taken") => {
                let bot = installation.bot_user_id.as_str();
                match seen.left_behind(state, client, token, bot, &name).await? {
                    Some(id) => {
                        tracing::info!(incident.id = incident.id, slack.channel = %id, "Took over #{name}, made for {} by a run that stopped before recording it", incident.reference);
                        json!({"channel": {"id": id, "name": name}})
                    }
                    None => {
                        taken.insert(name);
                        continue;
                    }
                }
            }
            Err(e) => return Err(stop("creating the incident channel", e)),
        };
        let Some(id) = answer["channel"]["id"].as_str() else {
            return Err(Stop::Transient(
                "Slack's answer to conversations.create has no channel id".into(),
            ));
        };
        let c = SlackChannel {
            incident_id: incident.id,
            team_id: team_id.to_string(),
            channel_id: id.to_string(),
            name: answer["channel"]["name"]
                .as_str()
                .unwrap_or(&name)
                .to_string(),
            private: incident.private,
            summary_ts: None,
            // The summary shows the incident as it is: the changes before it are not told.
            posted_through: events.iter().map(|e| e.id).max().unwrap_or(0),
            archived_at: None,
            created_at: state.clock.now(),
        };
        if !state.store.add_slack_channel(&c).await? {
            // Another run recorded one first: that one is the incident's channel.
            return state
                .store
                .slack_channel(incident.id)
                .await?
                .ok_or_else(|| Stop::Transient("the incident channel vanished".into()));
        }
        tracing::info!(incident.id = incident.id, slack.channel = %c.channel_id, "Created the Slack channel #{} of {}", c.name, incident.reference);
        super::announce::queue(state, incident.id).await?;
        return Ok(c);
    }
    Err(Stop::Final(format!(
        "no free channel name for {} after 20 tries",
        incident.reference
    )))
}

/// One run's view of the channel.
struct Ctx<'a> {
    state: &'a AppState,
    client: &'a SlackClient,
    token: &'a str,
    team_id: &'a str,
    channel: &'a SlackChannel,
}

impl Ctx<'_> {
    /// Tells the channel everything new about `incident`; `Err(Gone)` when Slack says the
    /// channel is no more.
    async fn tell(
        &self,
        incident: &Incident,
        events: &[TimelineEvent],
    ) -> Result<Result<(), Stop>, Gone> {
        let gone = |r: Result<(), Stop>| match r {
            Err(Stop::Final(why))
                if why.ends_with(": is_archived") || why.ends_with(": channel_not_found") =>
            {
                Err(Gone)
            }
            other => Ok(other),
        };
        let steps = async {
            self.invite(incident).await?;
            self.topic(incident).await?;
            self.summary(incident).await?;
            self.post_changes(incident, events).await?;
            if is_closed(incident.status) && slack_settings(self.state).await?.archive_on_close {
                self.archive().await?;
            }
            Ok(())
        };
        gone(steps.await)
    }

    async fn call(&self, what: &str, method: &str, body: Value) -> Result<Value, Stop> {
        self.call_ok(what, method, body, &[])
            .await
            .map(Option::unwrap_or_default)
    }

    /// Calls `method` in the channel; an `ok: false` whose code is in `fine` is `None` (the
    /// thing is already so: `already_pinned`, `already_archived`, …).
    async fn call_ok(
        &self,
        what: &str,
        method: &str,
        mut body: Value,
        fine: &[&str],
    ) -> Result<Option<Value>, Stop> {
        body["channel"] = json!(self.channel.channel_id);
        match self.client.call(self.token, method, body).await {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.code().is_some_and(|c| fine.contains(&c)) => Ok(None),
            Err(e) => Err(stop(what, e)),
        }
    }

    /// The Slack user of Debrief user `user_id`, when Slack has one.
    async fn slack_user(&self, user_id: i64) -> Result<Option<String>, Stop> {
        let user = match self.state.store.user(user_id).await {
            Ok(u) => u,
            Err(debrief_store::StoreError::NotFound(_)) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        if user.disabled {
            return Ok(None);
        }
        if let Some(id) = self
            .state
            .store
            .slack_user_of(user_id, self.team_id)
            .await?
        {
            return Ok(Some(id));
        }
        match slack_user_of(self.state, self.team_id, self.token, &user).await {
            Ok(Some(id)) => {
                // Found by e-mail: the link is stored once, so later runs ask Slack nothing.
                let now = self.state.clock.now();
                self.state
                    .store
                    .link_slack_user(&id, self.team_id, user_id, now)
                    .await?;
                Ok(Some(id))
            }
            Ok(None) => Ok(None),
            Err(DmError::Later(wait, why)) => Err(Stop::Later(wait, why)),
            Err(DmError::Transient(why)) => Err(Stop::Transient(why)),
            // Someone Slack cannot find is not invited; the others still are.
            Err(DmError::Final(_)) => Ok(None),
        }
    }

    /// Invites the role holders and the people paged for the incident who were not invited yet.
    async fn invite(&self, incident: &Incident) -> Result<(), Stop> {
        let mut wanted: BTreeSet<i64> = incident.roles.iter().map(|r| r.user_id).collect();
        let filter = PageFilter {
            incident_id: Some(incident.id),
            limit: 100,
            ..Default::default()
        };
        for page in self.state.store.oncall_pages(&filter).await? {
            for n in self.state.store.notifications(page.id).await? {
                wanted.insert(n.user_id);
            }
        }
        let new: Vec<i64> = self.state.slack_channels.told(incident.id, |t| {
            wanted
                .iter()
                .copied()
                .filter(|u| !t.invited.contains(u))
                .collect()
        });
        if new.is_empty() {
            return Ok(());
        }
        let mut users = Vec::new();
        for u in &new {
            if let Some(id) = self.slack_user(*u).await? {
                users.push(id);
            }
        }
        users.sort();
        users.dedup();
        if !users.is_empty() {
            let body = json!({"users": users.join(","), "force": true});
            match self
                .call_ok(
                    "inviting responders",
                    "conversations.invite",
                    body,
                    &["already_in_channel"],
                )
                .await
            {
                Ok(_) => {}
                Err(Stop::Final(why)) => {
                    // One person Slack will not add must not stop the channel's updates.
                    tracing::warn!(incident.id = incident.id, reason = %why, "Could not invite responders to the channel of {}", incident.reference);
                }
                Err(e) => return Err(e),
            }
        }
        self.state
            .slack_channels
            .told(incident.id, |t| t.invited.extend(new));
        Ok(())
    }

    /// Sets the channel's topic when it changed.
    async fn topic(&self, incident: &Incident) -> Result<(), Stop> {
        let topic = messages::topic(incident, &self.incident_url(incident));
        if self
            .state
            .slack_channels
            .told(incident.id, |t| t.topic == topic)
        {
            return Ok(());
        }
        self.call(
            "setting the channel topic",
            "conversations.setTopic",
            json!({"topic": topic}),
        )
        .await?;
        self.state
            .slack_channels
            .told(incident.id, |t| t.topic = topic);
        Ok(())
    }

    fn incident_url(&self, incident: &Incident) -> String {
        let base = self.state.config.public_url.trim_end_matches('/');
        format!("{base}/incidents/{}", incident.id)
    }

    /// Posts and pins the summary the first time, then keeps it current.
    async fn summary(&self, incident: &Incident) -> Result<(), Stop> {
        let mut people = HashMap::new();
        for r in &incident.roles {
            if let std::collections::hash_map::Entry::Vacant(e) = people.entry(r.user_id) {
                // A mention when Slack knows them; a passing failure is only a missing mention.
                let id = match self.slack_user(r.user_id).await {
                    Ok(id) => id,
                    Err(Stop::Later(wait, why)) => return Err(Stop::Later(wait, why)),
                    Err(_) => None,
                };
                e.insert(id);
            }
        }
        let body = messages::summary(incident, &self.incident_url(incident), &people);
        match self.channel.summary_ts.as_deref() {
            None => {
                let answer = self
                    .call(
                        "posting the incident summary",
                        "chat.postMessage",
                        body.clone(),
                    )
                    .await?;
                let Some(ts) = answer["ts"].as_str() else {
                    return Err(Stop::Transient(
                        "Slack's answer to chat.postMessage has no ts".into(),
                    ));
                };
                self.state.store.set_slack_summary(incident.id, ts).await?;
                self.pin(ts).await?;
            }
            Some(_)
                if self
                    .state
                    .slack_channels
                    .told(incident.id, |t| t.summary == body) =>
            {
                return Ok(());
            }
            Some(ts) => {
                let mut update = body.clone();
                update["ts"] = json!(ts);
                // Someone deleted the summary (`message_not_found`): nothing to keep current.
                self.call_ok(
                    "updating the incident summary",
                    "chat.update",
                    update,
                    &["message_not_found"],
                )
                .await?;
            }
        }
        self.state
            .slack_channels
            .told(incident.id, |t| t.summary = body);
        Ok(())
    }

    async fn pin(&self, ts: &str) -> Result<(), Stop> {
        self.call_ok(
            "pinning the summary",
            "pins.add",
            json!({"timestamp": ts}),
            &["already_pinned"],
        )
        .await?;
        Ok(())
    }

    /// Posts each status, severity and role change and postmortem decision after the mark,
    /// moving the mark after each.
    async fn post_changes(
        &self,
        incident: &Incident,
        events: &[TimelineEvent],
    ) -> Result<(), Stop> {
        let through = self.channel.posted_through;
        for e in events.iter().filter(|e| e.id > through) {
            if is_told(e.kind) {
                let body = match e.kind {
                    EventKind::PostmortemDecision => {
                        let base = self.state.config.public_url.trim_end_matches('/');
                        let draft = format!("{base}/incidents/{}/postmortem", incident.id);
                        messages::decision(e, &draft)
                    }
                    _ => messages::change(e),
                };
                self.call("posting a change", "chat.postMessage", body)
                    .await?;
            }
            self.state
                .store
                .set_slack_posted_through(incident.id, e.id)
                .await?;
        }
        Ok(())
    }

    async fn archive(&self) -> Result<(), Stop> {
        self.call_ok(
            "archiving the channel",
            "conversations.archive",
            json!({}),
            &["already_archived"],
        )
        .await?;
        let now = self.state.clock.now();
        self.state
            .store
            .set_slack_archived(self.channel.incident_id, Some(now))
            .await?;
        tracing::info!(incident.id = self.channel.incident_id, slack.channel = %self.channel.channel_id, "Archived the Slack channel #{}", self.channel.name);
        Ok(())
    }
}
