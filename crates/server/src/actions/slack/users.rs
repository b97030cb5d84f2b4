//! Which Debrief user a Slack user is.
//!
//! A stored link (`slack_users`) answers at once. Otherwise the Slack user's profile is read
//! (`users.info`, which needs `users:read.email`) and the Debrief user with the same e-mail
//! address, if any and not disabled, is linked for good. Slack only shows confirmed e-mail
//! addresses to apps, and Debrief's addresses are set by admins, so the match needs no
//! further check; a person whose addresses differ is not recognised (a "link me" command is
//! left for later).

use super::install::bot_token;
use super::{client, slack_config, slack_failed};
use crate::{AppError, AppState};
use debrief_store::StoreError;
use debrief_store::account::User;

/// The Debrief user behind `slack_user_id` of workspace `team_id`, linking them on first sight
/// by e-mail; `None` when there is none (or the app is not installed in `team_id`).
pub async fn debrief_user_for(
    state: &AppState,
    team_id: &str,
    slack_user_id: &str,
) -> Result<Option<User>, AppError> {
    if let Some(id) = state.store.slack_user_link(slack_user_id).await? {
        let user = state.store.user(id).await?;
        return Ok((!user.disabled).then_some(user));
    }
    let config = slack_config(state)?;
    let Some(token) = bot_token(state, team_id).await? else {
        return Ok(None);
    };
    let answer = match client(state, config)
        .call_form(Some(&token), "users.info", &[("user", slack_user_id)])
        .await
    {
        Ok(a) => a,
        Err(e) if e.code() == Some("user_not_found") => return Ok(None),
        Err(e) => return Err(slack_failed(e)),
    };
    let user = &answer["user"];
    if user["is_bot"].as_bool() == Some(true) || user["deleted"].as_bool() == Some(true) {
        return Ok(None);
    }
    let Some(email) = user["profile"]["email"].as_str().filter(|e| !e.is_empty()) else {
        return Ok(None);
    };
    let found = match state.store.user_by_email(email).await {
        Ok(u) if !u.disabled => u,
        Ok(_) | Err(StoreError::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    state
        .store
        .link_slack_user(slack_user_id, team_id, found.id, state.clock.now())
        .await?;
    tracing::info!(
        slack.user = slack_user_id,
        user.id = found.id,
        "Linked a Slack user by e-mail"
    );
    Ok(Some(found))
}
