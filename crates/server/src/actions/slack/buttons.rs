//! The buttons of Slack messages Debrief sent (`block_actions`): Acknowledge and Resolve on a
//! page's DM.
//!
//! The press acts as the Debrief user the Slack user is (their link, else their e-mail), with
//! that user's role, exactly as the web's buttons do; the DM (and every other DM of the page)
//! is then replaced by the page DM job. Slack shows nothing of the HTTP answer to a
//! `block_actions` request, so a refusal (not a responder, a page they may not see, Slack
//! user unknown) is told to the presser alone through the payload's `response_url`.

use super::users::debrief_user_for;
use super::workspace;
use crate::auth::{Actor, Via};
use crate::{AppError, AppState};
use debrief_core::slack::blocks::{PAGE_ACK, PAGE_RESOLVE};
use debrief_core::slack::payloads::{Action, BlockActions};
use serde_json::{Value, json};

/// Runs the button a Slack user pressed; the answer is the JSON to reply with (an empty 200
/// body is `Value::Null`).
pub async fn block_actions(state: &AppState, actions: &BlockActions) -> Result<Value, AppError> {
    for action in &actions.actions {
        let resolve = match action.action_id.as_str() {
            PAGE_ACK => false,
            PAGE_RESOLVE => true,
            // Buttons that only open links (and anything Slack adds) need no answer.
            _ => continue,
        };
        if let Err(e) = page_button(state, actions, action, resolve).await {
            tell_presser(state, actions, &e.to_string()).await;
        }
    }
    Ok(Value::Null)
}

async fn page_button(
    state: &AppState,
    payload: &BlockActions,
    action: &Action,
    resolve: bool,
) -> Result<(), AppError> {
    let page_id: i64 = action
        .value
        .as_deref()
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| AppError::BadRequest("this button does not name a page".into()))?;
    let team = match &payload.user.team_id {
        Some(t) => t.clone(),
        None => match workspace(state).await? {
            Some((i, _)) => i.team_id,
            None => return Err(AppError::BadRequest("Debrief is not installed here".into())),
        },
    };
    let Some(user) = debrief_user_for(state, &team, &payload.user.id).await? else {
        return Err(AppError::Forbidden(
            "Debrief does not know your Slack account: type /inc in Slack to link it, then press the button again"
                .into(),
        ));
    };
    let actor = Actor {
        role: user.role,
        via: Via::Slack,
        user,
    };
    let page = crate::actions::oncall::change_page(state, &actor, page_id, resolve).await?;
    // A press on a page already in that state changed nothing; its DMs may still show an
    // older state (the job's dedupe key makes this a no-op when they do not).
    super::pages::follow_page(state, &page).await
}

/// Tells the presser (and only them) why their press did nothing.
async fn tell_presser(state: &AppState, payload: &BlockActions, why: &str) {
    let Some(url) = payload.response_url.as_deref() else {
        return;
    };
    let body = json!({
        "response_type": "ephemeral",
        "replace_original": false,
        "text": format!("That did not work: {why}"),
    });
    let sent = match state.jobs.outbound().post(url) {
        Ok(r) => r
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .map(|_| ())
            .map_err(|e| e.without_url().to_string()),
        Err(refusal) => Err(refusal.to_string()),
    };
    if let Err(e) = sent {
        tracing::warn!(error = %e, "Could not answer a Slack button through its response_url");
    }
}
