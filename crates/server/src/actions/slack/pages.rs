//! Pages as Slack DMs: the message with Acknowledge / Resolve buttons a person on call gets,
//! and keeping every such message true to the page afterwards.
//!
//! A DM is sent by the page's `page.send` job (one per contact, see
//! `actions/oncall/send.rs`): the person's Slack user is their stored link, else the Slack
//! user with their e-mail (`users.lookupByEmail`). `chat.postMessage` to a user id posts in the
//! app's DM with them; the DM's channel and `ts` are recorded against the notification, so a
//! rerun of the job (a server died after Slack took the message) sends nothing twice once the
//! record is there.
//!
//! Whenever the page is acknowledged or resolved — by a button, the web, a link, the API, the
//! alert's sender or the incident's resolution — [`follow_page`] queues a `slack.page_dms` job
//! that replaces each DM of the page with one saying who did it and when (the buttons go; an
//! acknowledged page keeps Resolve). Slack's `429` puts the job off by its `Retry-After`
//! without spending an attempt: DMs are delayed by a rate-limit storm, never dropped.

use super::workspace;
use crate::jobs::{JobKind, Outcome, enqueue, new_job};
use crate::outbound::slack::SlackError;
use crate::{AppError, AppState};
use debrief_core::slack::blocks::{self, PageNotice};
use debrief_store::account::User;
use debrief_store::jobs::Job;
use debrief_store::oncall::{Notification, Page, PageStatus};
use debrief_store::slack::SlackPageMessage;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::time::Duration;

/// Why a DM was not sent, and what the send job should do about it.
#[derive(Debug)]
pub(crate) enum DmError {
    /// It may work later (Slack down, a transport failure): retry with the queue's back-off.
    Transient(String),
    /// It will fail the same way again (no such Slack user, Slack not installed).
    Final(String),
    /// Slack's rate limit: try again after this long, spending no attempt.
    Later(Duration, String),
}

impl From<AppError> for DmError {
    fn from(e: AppError) -> Self {
        DmError::Transient(e.to_string())
    }
}

/// Sorts a failed Slack call: a rate limit waits, a passing failure retries, a refusal Slack
/// would repeat is final.
fn dm_error(e: SlackError) -> DmError {
    match e {
        SlackError::RateLimited { retry_after, .. } => DmError::Later(
            retry_after.max(Duration::from_secs(1)),
            format!(
                "Slack rate-limited the DM; waiting {} s",
                retry_after.as_secs()
            ),
        ),
        e if e.is_transient() => DmError::Transient(e.to_string()),
        e => DmError::Final(format!("Slack refused the DM: {e}")),
    }
}

/// The Slack user a Debrief user is in workspace `team_id`: their stored link, else the Slack
/// user with the same e-mail address; `None` when Slack has nobody with it.
pub(crate) async fn slack_user_of(
    state: &AppState,
    team_id: &str,
    token: &str,
    user: &User,
) -> Result<Option<String>, DmError> {
    if let Some(id) = state
        .store
        .slack_user_of(user.id, team_id)
        .await
        .map_err(AppError::from)?
    {
        return Ok(Some(id));
    }
    let client = state
        .slack
        .as_ref()
        .ok_or_else(|| DmError::Final("Slack is not set up on this server".into()))?;
    match client
        .call_form(
            Some(token),
            "users.lookupByEmail",
            &[("email", &user.email)],
        )
        .await
    {
        Ok(answer) => Ok(answer["user"]["id"].as_str().map(str::to_string)),
        Err(e) if e.code() == Some("users_not_found") => Ok(None),
        Err(e) => Err(dm_error(e)),
    }
}

/// What a page's DM says about it.
async fn notice(state: &AppState, page: &Page) -> PageNotice {
    let base = state.config.public_url.trim_end_matches('/');
    PageNotice {
        page_id: page.id,
        title: page.title.clone(),
        message: page.details["message"]
            .as_str()
            .filter(|m| !m.is_empty())
            .map(str::to_string),
        incident: page
            .incident_id
            .map(|i| (format!("INC-{i}"), format!("{base}/incidents/{i}"))),
        page_url: format!("{base}/pages/{}", page.id),
        opened_at: page.opened_at,
    }
}

/// The name of whoever acknowledged or resolved the page (`by`), or where it came from.
async fn who(state: &AppState, page: &Page, by: Option<i64>) -> String {
    match by {
        Some(id) => match state.store.user(id).await {
            Ok(u) => u.name,
            Err(_) => format!("user {id}"),
        },
        None if page.alert_id.is_some() => "the alert's sender".into(),
        None if page.incident_id.is_some() => "the incident's resolution".into(),
        None => "Debrief".into(),
    }
}

/// The message (`text` and `blocks`) showing the page as it is now.
async fn message_for(state: &AppState, page: &Page) -> Value {
    let n = notice(state, page).await;
    match (page.status, page.acknowledged_at, page.resolved_at) {
        (PageStatus::Resolved, _, Some(at)) => {
            blocks::page_resolved(&n, &who(state, page, page.resolved_by).await, at)
        }
        (PageStatus::Acknowledged, Some(at), _) => {
            blocks::page_acknowledged(&n, &who(state, page, page.acknowledged_by).await, at)
        }
        _ => blocks::page_dm(&n),
    }
}

/// Sends notification `n` of `page` to `user` as a Slack DM (once: see the module
/// documentation).
pub(crate) async fn dm_page(
    state: &AppState,
    page: &Page,
    n: &Notification,
    user: &User,
) -> Result<(), DmError> {
    if state
        .store
        .slack_page_message(n.id)
        .await
        .map_err(AppError::from)?
        .is_some()
    {
        return Ok(());
    }
    let Some((installation, token)) = workspace(state).await? else {
        return Err(DmError::Final(
            "Slack is not installed in a workspace yet (an admin installs it from /slack/install)"
                .into(),
        ));
    };
    let Some(slack_user) = slack_user_of(state, &installation.team_id, &token, user).await? else {
        return Err(DmError::Final(format!(
            "{} has no Slack account with their e-mail address; they can link theirs by typing /inc in Slack",
            user.name
        )));
    };
    let client = state
        .slack
        .as_ref()
        .ok_or_else(|| DmError::Final("Slack is not set up on this server".into()))?;
    let mut body = message_for(state, page).await;
    body["channel"] = json!(slack_user);
    body["unfurl_links"] = json!(false);
    let answer = client
        .call(&token, "chat.postMessage", body)
        .await
        .map_err(dm_error)?;
    let (Some(channel), Some(ts)) = (answer["channel"].as_str(), answer["ts"].as_str()) else {
        return Err(DmError::Transient(
            "Slack's answer to chat.postMessage has no channel or ts".into(),
        ));
    };
    state
        .store
        .add_slack_page_message(
            &SlackPageMessage {
                notification_id: n.id,
                page_id: page.id,
                channel_id: channel.to_string(),
                ts: ts.to_string(),
                shown: page.status.as_str().to_string(),
            },
            state.clock.now(),
        )
        .await
        .map_err(AppError::from)?;
    // The page may have moved on while the message was on its way.
    let now = state
        .store
        .oncall_page(page.id)
        .await
        .map_err(AppError::from)?;
    if now.status != page.status {
        follow_page(state, &now).await?;
    }
    Ok(())
}

/// Queues the job that brings the page's Slack DMs up to date with `page` (nothing when Slack
/// is not set up, or no DM was sent for it).
pub async fn follow_page(state: &AppState, page: &Page) -> Result<(), AppError> {
    if state.slack.is_none() || state.store.slack_page_messages(page.id).await?.is_empty() {
        return Ok(());
    }
    let job = new_job::<PageDmsJob, AppState>(
        state,
        format!("{PAGE_DMS_KIND}:{}:{}", page.id, page.status.as_str()),
        &PageDms { page_id: page.id },
        state.clock.now(),
    );
    enqueue(state, &job).await?;
    Ok(())
}

/// The stored kind of the job that updates a page's DMs.
pub const PAGE_DMS_KIND: &str = "slack.page_dms";

/// Which page's DMs to bring up to date.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PageDms {
    /// The page.
    pub page_id: i64,
}

/// Replaces every DM of a page that shows an older state of it.
pub struct PageDmsJob;

impl JobKind<AppState> for PageDmsJob {
    const KIND: &'static str = PAGE_DMS_KIND;
    type Payload = PageDms;

    fn summary(p: &PageDms) -> String {
        format!("updates the Slack DMs of page {}", p.page_id)
    }

    async fn run(state: &AppState, _: &Job, p: PageDms) -> Outcome {
        match update_dms(state, p.page_id).await {
            Ok(()) => Outcome::Done,
            Err(DmError::Later(wait, why)) => Outcome::Later(wait, why),
            Err(DmError::Transient(why)) => Outcome::Retry(why),
            Err(DmError::Final(why)) => Outcome::GiveUp(why),
        }
    }
}

async fn update_dms(state: &AppState, page_id: i64) -> Result<(), DmError> {
    let page = state
        .store
        .oncall_page(page_id)
        .await
        .map_err(AppError::from)?;
    let Some((_, token)) = workspace(state).await? else {
        return Err(DmError::Final("Slack is no longer installed".into()));
    };
    let client = state
        .slack
        .as_ref()
        .ok_or_else(|| DmError::Final("Slack is not set up on this server".into()))?;
    let shown = page.status.as_str();
    let message = message_for(state, &page).await;
    for m in state
        .store
        .slack_page_messages(page_id)
        .await
        .map_err(AppError::from)?
    {
        if m.shown == shown {
            continue;
        }
        let mut body = message.clone();
        body["channel"] = json!(m.channel_id);
        body["ts"] = json!(m.ts);
        match client.call(&token, "chat.update", body).await {
            Ok(_) => {}
            // The person deleted the DM, or left: there is nothing to keep current.
            Err(e) if matches!(e.code(), Some("message_not_found" | "channel_not_found")) => {}
            Err(e) => return Err(dm_error(e)),
        }
        state
            .store
            .set_slack_page_message_shown(m.notification_id, shown)
            .await
            .map_err(AppError::from)?;
    }
    Ok(())
}
