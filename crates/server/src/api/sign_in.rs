//! `/api/v1/sign-in/settings`: the OpenID provider and whether password sign-in stays on
//! (admins). The client secret is write-only: answers say only whether one is set.

use crate::actions::oidc::{SettingsView, save_settings, settings, view};
use crate::auth::Actor;
use crate::oidc::OidcSettings;
use crate::request::ApiJson;
use crate::{AppError, AppState};
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use debrief_core::access::AccountRole;

/// The sign-in settings routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/sign-in/settings", get(get_settings).put(put_settings))
}

async fn get_settings(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<Json<SettingsView>, AppError> {
    actor.require(AccountRole::Admin)?;
    Ok(Json(view(&state, &settings(&state).await?)))
}

async fn put_settings(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(input): ApiJson<OidcSettings>,
) -> Result<Json<SettingsView>, AppError> {
    let saved = save_settings(&state, &actor, &input).await?;
    Ok(Json(view(&state, &saved)))
}
