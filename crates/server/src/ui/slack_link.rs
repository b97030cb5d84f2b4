//! `/slack/link`: a Slack user whose e-mail address is not their Debrief one links their Slack
//! account to their Debrief user, from the signed link `/inc` gave them (see
//! [`crate::slack_in::link`]). Opening the link shows whom it links; the button (a form with
//! the session's CSRF token) stores the link.

use super::form::{CsrfForm, field};
use super::session::{UiActor, UiError};
use crate::slack_in::link::{LinkClaim, check_claim};
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/slack/link", get(show_link).post(take_link))
}

#[derive(Template, WebTemplate)]
#[template(path = "slack_link.html")]
struct LinkPage {
    user: String,
    csrf: String,
    team: String,
    slack_user: String,
    expires: i64,
    sig: String,
    done: bool,
}

fn refused() -> UiError {
    AppError::Gone(
        "this link is not one Debrief made, or it has expired: type /inc in Slack for a new one"
            .into(),
    )
    .into()
}

async fn show_link(
    State(state): State<AppState>,
    actor: UiActor,
    Query(claim): Query<LinkClaim>,
) -> Result<Response, UiError> {
    if !check_claim(&state, &claim, state.clock.now()) {
        return Err(refused());
    }
    Ok(LinkPage {
        user: actor.0.user.name.clone(),
        csrf: actor.csrf(),
        team: claim.team,
        slack_user: claim.user,
        expires: claim.expires,
        sig: claim.sig,
        done: false,
    }
    .into_response())
}

async fn take_link(
    State(state): State<AppState>,
    actor: UiActor,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    let claim = LinkClaim {
        team: field(&pairs, "team").to_string(),
        user: field(&pairs, "user").to_string(),
        expires: field(&pairs, "expires").parse().unwrap_or(0),
        sig: field(&pairs, "sig").to_string(),
    };
    let now = state.clock.now();
    if !check_claim(&state, &claim, now) {
        return Err(refused());
    }
    state
        .store
        .link_slack_user(&claim.user, &claim.team, actor.0.user.id, now)
        .await
        .map_err(AppError::from)?;
    tracing::info!(slack.user = %claim.user, user.id = actor.0.user.id, "Linked a Slack user by hand");
    Ok(LinkPage {
        user: actor.0.user.name.clone(),
        csrf: actor.csrf(),
        team: claim.team,
        slack_user: claim.user,
        expires: claim.expires,
        sig: String::new(),
        done: true,
    }
    .into_response())
}
