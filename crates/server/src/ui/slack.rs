//! Setting up Slack (admins, web session): the app manifest with this server's URLs, the
//! install link to Slack's consent page, and the OAuth callback. The logic is in
//! [`crate::actions::slack`].

use super::session::{UiActor, UiError};
use crate::AppState;
use crate::actions::slack::{install, manifest, slack_config};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use debrief_core::access::AccountRole;
use serde::Deserialize;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/slack/manifest.json", get(app_manifest))
        .route("/slack/install", get(start_install))
        .route("/slack/oauth/callback", get(oauth_callback))
}

async fn app_manifest(State(state): State<AppState>, actor: UiActor) -> Result<Response, UiError> {
    actor.0.require(AccountRole::Admin)?;
    slack_config(&state)?;
    Ok(Json(manifest::app_manifest(&state.config.public_url)).into_response())
}

async fn start_install(State(state): State<AppState>, actor: UiActor) -> Result<Response, UiError> {
    let url = install::start_install(&state, &actor.0).await?;
    // 302 Found, as Slack's documentation sends people to its consent page.
    Ok((
        axum::http::StatusCode::FOUND,
        [(axum::http::header::LOCATION, url)],
    )
        .into_response())
}

/// What Slack appends to the redirect URL: a code and our state, or an `error` when the admin
/// declined.
#[derive(Deserialize)]
struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "slack_connected.html")]
struct Connected {
    user: String,
    csrf: String,
    team: String,
}

async fn oauth_callback(
    State(state): State<AppState>,
    actor: UiActor,
    Query(q): Query<Callback>,
) -> Result<Response, UiError> {
    let (Some(code), Some(oauth_state)) = (q.code, q.state) else {
        let why = q.error.unwrap_or_else(|| "no code".into());
        return Err(crate::AppError::BadRequest(format!(
            "Slack did not install the app ({why}); start again from /slack/install"
        ))
        .into());
    };
    let installation = install::finish_install(&state, &actor.0, &code, &oauth_state).await?;
    Ok(Connected {
        user: actor.0.user.name.clone(),
        csrf: actor.csrf(),
        team: installation.team_name,
    }
    .into_response())
}
