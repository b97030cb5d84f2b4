//! Setting up Slack (admins, web session): the app manifest with this server's URLs, the
//! install link to Slack's consent page, the OAuth callback, and the settings page
//! (`/settings/slack`: announcement channels, the timeline reaction, archiving). The logic is
//! in [`crate::actions::slack`].

use super::form::{CsrfForm, field};
use super::session::{UiActor, UiError};
use crate::AppState;
use crate::actions::slack::settings::{SlackSettings, put_slack_settings, slack_settings};
use crate::actions::slack::{install, manifest, slack_config};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Json, Redirect, Response};
use axum::routing::get;
use debrief_core::access::AccountRole;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/slack/manifest.json", get(app_manifest))
        .route("/slack/install", get(start_install))
        .route("/slack/oauth/callback", get(oauth_callback))
        .route("/settings/slack", get(settings_page).post(settings_form))
}

#[derive(Template, WebTemplate)]
#[template(path = "slack_settings.html")]
struct SettingsPage {
    user: String,
    csrf: String,
    saved: bool,
    /// Whether Slack is set up on this server.
    configured: bool,
    /// The workspace's name, once installed.
    workspace: Option<String>,
    /// Every configured severity and the channel it is announced in (empty: none).
    severities: Vec<(String, String)>,
    timeline_emoji: String,
    archive_on_close: bool,
}

/// `?saved` after a save.
#[derive(Deserialize)]
struct Saved {
    saved: Option<String>,
}

async fn settings_page(
    State(state): State<AppState>,
    actor: UiActor,
    Query(q): Query<Saved>,
) -> Result<Response, UiError> {
    actor.0.require(AccountRole::Admin)?;
    let s = slack_settings(&state).await?;
    let workspace = match state.config.slack {
        Some(_) => state
            .store
            .slack_installations()
            .await?
            .into_iter()
            .max_by_key(|i| i.installed_at)
            .map(|i| i.team_name),
        None => None,
    };
    let severities = state
        .store
        .list_severities()
        .await?
        .into_iter()
        .map(|sev| {
            let channel = s.announce.get(&sev.key).cloned().unwrap_or_default();
            (sev.key, channel)
        })
        .collect();
    Ok(SettingsPage {
        user: actor.0.user.name.clone(),
        csrf: actor.csrf(),
        saved: q.saved.is_some(),
        configured: state.config.slack.is_some(),
        workspace,
        severities,
        timeline_emoji: s.timeline_emoji,
        archive_on_close: s.archive_on_close,
    }
    .into_response())
}

/// Saves the form: `announce_{SEVERITY}` (empty: not announced), `timeline_emoji`,
/// `archive_on_close`; the same checks as the API, a refusal naming the field.
async fn settings_form(
    State(state): State<AppState>,
    actor: UiActor,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    let announce: BTreeMap<String, String> = pairs
        .iter()
        .filter_map(|(k, v)| {
            Some((
                k.strip_prefix("announce_")?.to_string(),
                v.trim().to_string(),
            ))
        })
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let s = SlackSettings {
        announce,
        timeline_emoji: field(&pairs, "timeline_emoji").trim().to_string(),
        archive_on_close: field(&pairs, "archive_on_close") == "on",
    };
    put_slack_settings(&state, &actor.0, &s).await?;
    Ok(Redirect::to("/settings/slack?saved=1").into_response())
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
