//! `/api/v1/slack/settings`: where new incidents are announced (a channel per severity), the
//! reaction that adds a channel message to the timeline, and archiving on close (admins).

use crate::actions::slack::settings::{SlackSettings, put_slack_settings, slack_settings};
use crate::auth::Actor;
use crate::request::ApiJson;
use crate::{AppError, AppState};
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use debrief_core::access::AccountRole;

/// The Slack settings routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/slack/settings", get(get_settings).put(put_settings))
}

async fn get_settings(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<Json<SlackSettings>, AppError> {
    actor.require(AccountRole::Admin)?;
    Ok(Json(slack_settings(&state).await?))
}

async fn put_settings(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(s): ApiJson<SlackSettings>,
) -> Result<Json<SlackSettings>, AppError> {
    Ok(Json(put_slack_settings(&state, &actor, &s).await?))
}
