//! Slack's requests into Debrief (issue 13, parts 2, 3, 4 and 6): slash commands, interactivity
//! and the Events API, at `/slack/commands`, `/slack/interactivity` and `/slack/events` (the
//! URLs the app manifest names).
//!
//! Every request is Slack's only if `verify_request` says so: the `v0` signature over the
//! **raw** body with the app's signing secret, a timestamp within five minutes of the server's
//! clock, and a signature not seen before (a replayed request is refused, even inside the
//! window). A refusal is a `401` with a plain reason; nothing is parsed before the check.
//!
//! Slack waits three seconds for an answer. Commands and modal submissions do their work
//! inline (database writes, and `views.open`, whose `trigger_id` expires after three seconds
//! anyway); what needs more Web API calls (a message added to the timeline reads the message,
//! its permalink and its author) is a job, and messages after the answer go to the request's
//! `response_url` through a job too ([`respond`]).
//!
//! # Layout
//! - this module: the routes and the checks every request passes.
//! - [`commands`]: `/inc …`, parsed by `debrief_core::slack::command`, run as the Slack user's
//!   Debrief user with the same actions the API and CLI call.
//! - [`target`]: which incident a command is about, and who a mention names.
//! - [`modals`]: the declare and update-confirmation modals, opened and submitted.
//! - [`events`]: `url_verification`, and reactions and pins in incident channels.
//! - [`timeline`]: the job that adds a Slack message to its incident's timeline.
//! - [`respond`]: the job that answers through a `response_url`.
//! - [`link`]: the signed `/slack/link` that lets a Slack user Debrief cannot match by e-mail
//!   link their account (the page itself is `ui::slack_link`).

pub mod commands;
pub mod events;
pub mod link;
pub mod modals;
pub mod respond;
pub mod target;
pub mod timeline;

use crate::{AppError, AppState};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use debrief_core::Timestamp;
use debrief_core::slack::signature::{self, MAX_AGE_SECS, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use serde_json::Value;

/// The largest body taken from Slack (its payloads are a few kilobytes; a modal's state with
/// every option at most tens).
const MAX_BODY: usize = 512 * 1024;

/// The routes Slack posts to. They take no session and no CSRF token: the signature is the
/// credential.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/slack/commands", post(commands::slash_command))
        .route("/slack/interactivity", post(modals::interaction))
        .route("/slack/events", post(events::event))
        .layer(DefaultBodyLimit::max(MAX_BODY))
}

/// How long a request waits for Slack's Web API itself (`users.info` to know who typed a
/// command, `views.open`): less than the three seconds Slack waits for the answer. The client
/// holds calls back under Slack's rate limits, so without a bound a command could outlast them.
pub(crate) const INLINE_SLACK_WAIT: std::time::Duration = std::time::Duration::from_millis(2500);

/// `work`, unless Slack makes it outlast [`INLINE_SLACK_WAIT`]: then a sentence to show.
pub(crate) async fn within_ack<T>(
    work: impl std::future::Future<Output = T>,
) -> Result<T, target::Miss> {
    tokio::time::timeout(INLINE_SLACK_WAIT, work)
        .await
        .map_err(|_| {
            target::Miss::Say(
                "Slack is slow to answer Debrief just now; type the command again in a moment."
                    .into(),
            )
        })
}

/// A plain-text answer (refusals Slack's app settings page shows as they are).
pub(crate) fn plain(status: StatusCode, text: impl Into<String>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text.into(),
    )
        .into_response()
}

/// A JSON answer; `Null` is an empty `200` (what Slack wants when there is nothing to say).
pub(crate) fn json_answer(v: Value) -> Response {
    if v.is_null() {
        return StatusCode::OK.into_response();
    }
    axum::Json(v).into_response()
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// Checks that a request is Slack's, as the module documentation says; `Err` is the answer to
/// send instead (`404` when Slack is not set up, `401` when the request is not Slack's or was
/// seen before, `503` when the database cannot say).
pub(crate) async fn verify_request(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), Response> {
    let Some(config) = state.config.slack.as_ref() else {
        return Err(plain(
            StatusCode::NOT_FOUND,
            "Slack is not set up on this server (see --slack-client-id in `debrief serve --help`)",
        ));
    };
    let timestamp = header_str(headers, TIMESTAMP_HEADER);
    let sig = header_str(headers, SIGNATURE_HEADER);
    let now = state.clock.now();
    if let Err(e) = signature::verify(
        config.signing_secret.as_bytes(),
        timestamp,
        sig,
        body,
        now.as_second(),
    ) {
        tracing::warn!(error = %e, "Refused a request to /slack not signed by Slack");
        return Err(plain(
            StatusCode::UNAUTHORIZED,
            format!("This request is not Slack's: {e}."),
        ));
    }
    // Signed and fresh: it may still be a copy of one already taken. Its signature is kept
    // for as long as its timestamp would pass the window.
    let sent: i64 = timestamp.trim().parse().unwrap_or(now.as_second());
    let expires = Timestamp::from_second(sent.saturating_add(MAX_AGE_SECS + 1)).unwrap_or(now);
    let key = format!("sig:{}", sig.trim().to_ascii_lowercase());
    match state.store.add_slack_seen(&key, expires, now).await {
        Ok(true) => Ok(()),
        Ok(false) => {
            tracing::warn!("Refused a replayed Slack request");
            Err(plain(
                StatusCode::UNAUTHORIZED,
                "This request was received before: a replayed request is not taken twice.",
            ))
        }
        Err(e) => Err(AppError::from(e).into_response()),
    }
}
