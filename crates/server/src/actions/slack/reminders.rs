//! Reminders in Slack DMs (issue 13, part 6): the reminders of postmortems and action items
//! (`actions/notify.rs`) also go to each recipient's Slack DM when Slack is installed and
//! the person has a Slack account (their link, else the same e-mail).
//!
//! One `slack.dm` job per reminder and person, keyed by the reminder's own key: sent once.
//! A `429` puts it off by its `Retry-After` without spending an attempt.

use super::jobs::{Stop, stop};
use super::pages::{DmError, slack_user_of};
use super::workspace;
use crate::jobs::{JobKind, Outcome, enqueue, new_job};
use crate::{AppError, AppState};
use debrief_core::slack::blocks::{MAX_SECTION, escape, truncate};
use debrief_store::account::User;
use debrief_store::jobs::Job;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The stored kind of a reminder DM.
pub const DM_KIND: &str = "slack.dm";

/// A reminder to DM.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Dm {
    /// The Debrief user it is for.
    pub user_id: i64,
    /// The reminder (plain text; links are written out).
    pub text: String,
}

/// DMs one reminder to one person.
pub struct DmJob;

impl JobKind<AppState> for DmJob {
    const KIND: &'static str = DM_KIND;
    type Payload = Dm;

    fn summary(p: &Dm) -> String {
        format!("a Slack DM reminder to user {}", p.user_id)
    }

    async fn run(state: &AppState, _: &Job, p: Dm) -> Outcome {
        match dm(state, &p).await {
            Ok(()) => Outcome::Done,
            Err(s) => s.into(),
        }
    }
}

/// Queues reminder `key` (its text `text`) as a DM to each of `to` (nothing when Slack is not
/// set up on this server).
pub(crate) async fn remind(
    state: &AppState,
    key: &str,
    to: &[User],
    text: &str,
) -> Result<(), AppError> {
    if state.slack.is_none() {
        return Ok(());
    }
    for u in to.iter().filter(|u| !u.disabled) {
        let job = new_job::<DmJob, AppState>(
            state,
            format!("{DM_KIND}:{key}:{}", u.id),
            &Dm {
                user_id: u.id,
                text: text.to_string(),
            },
            state.clock.now(),
        );
        enqueue(state, &job).await?;
    }
    Ok(())
}

async fn dm(state: &AppState, p: &Dm) -> Result<(), Stop> {
    let Some((installation, token)) = workspace(state).await? else {
        return Ok(());
    };
    let Some(client) = state.slack.clone() else {
        return Ok(());
    };
    let user = match state.store.user(p.user_id).await {
        Ok(u) if !u.disabled => u,
        Ok(_) | Err(debrief_store::StoreError::NotFound(_)) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let slack_user = match slack_user_of(state, &installation.team_id, &token, &user).await {
        Ok(Some(id)) => id,
        // Nobody in Slack has their address: the e-mail is their reminder.
        Ok(None) => return Ok(()),
        Err(DmError::Later(wait, why)) => return Err(Stop::Later(wait, why)),
        Err(DmError::Transient(why)) => return Err(Stop::Transient(why)),
        Err(DmError::Final(why)) => return Err(Stop::Final(why)),
    };
    let text = truncate(&escape(&p.text), MAX_SECTION);
    let body = json!({
        "channel": slack_user,
        "text": text,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
        "unfurl_links": false,
    });
    client
        .call(&token, "chat.postMessage", body)
        .await
        .map_err(|e| stop("the reminder DM", e))?;
    Ok(())
}
