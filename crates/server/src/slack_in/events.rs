//! The Events API: `url_verification` is answered with its challenge; in an incident's
//! channel, a reaction with the timeline emoji (the Slack settings' `timeline_emoji`) or a pin
//! adds the message to the incident's timeline, by a job ([`super::timeline`]), so the answer
//! is immediate.
//!
//! Slack sends an event again when it got no `200` within three seconds, with
//! `X-Slack-Retry-Num` (and a fresh signature). Each event id is remembered once taken, for
//! longer than Slack retries (its retries come within about an hour), so a retry is answered
//! `200` and nothing is done twice. An event that could not be taken (the database was
//! unreachable) is answered with an error and not remembered, so Slack's retry takes it.

use super::timeline::queue_message;
use super::{json_answer, plain, verify_request};
use crate::actions::slack::settings::{is_timeline_reaction, slack_settings};
use crate::{AppError, AppState};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use debrief_core::Timestamp;
use debrief_core::slack::payloads::{Event, EventCallback, EventEnvelope, ItemRef, parse_event};
use serde_json::{Value, json};

/// How long an event id is remembered: Slack retries within about an hour.
const REMEMBER_SECS: i64 = 2 * 3600;

/// `POST /slack/events`.
pub(super) async fn event(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(refused) = verify_request(&state, &headers, &body).await {
        return refused;
    }
    let envelope = match parse_event(&body) {
        Ok(e) => e,
        Err(e) => return plain(StatusCode::BAD_REQUEST, e.to_string()),
    };
    match envelope {
        EventEnvelope::UrlVerification { challenge } => {
            json_answer(json!({ "challenge": challenge }))
        }
        EventEnvelope::EventCallback(cb) => {
            let retry = headers
                .get("x-slack-retry-num")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            match take_once(&state, &cb, retry.as_deref()).await {
                Ok(()) => json_answer(Value::Null),
                Err(e) => e.into_response(),
            }
        }
        EventEnvelope::Other => json_answer(Value::Null),
    }
}

/// Takes an event unless it was taken before (then it is a retry, and nothing is done).
async fn take_once(
    state: &AppState,
    cb: &EventCallback,
    retry: Option<&str>,
) -> Result<(), AppError> {
    let key = format!("event:{}", cb.event_id);
    let now = state.clock.now();
    if state.store.slack_seen(&key, now).await? {
        tracing::info!(
            slack.event_id = %cb.event_id,
            slack.retry = retry.unwrap_or("none"),
            "Slack sent event {} again; it was taken already",
            cb.event_id
        );
        return Ok(());
    }
    take(state, cb).await?;
    let until = Timestamp::from_second(now.as_second() + REMEMBER_SECS).unwrap_or(now);
    state.store.add_slack_seen(&key, until, now).await?;
    Ok(())
}

/// The message a reaction or pin is on, if it is a message.
fn message_ts(item: &ItemRef) -> Option<&str> {
    if item.kind.as_deref().is_some_and(|k| k != "message") {
        return None;
    }
    item.ts
        .as_deref()
        .or_else(|| item.message.as_ref().map(|m| m.ts.as_str()))
}

async fn take(state: &AppState, cb: &EventCallback) -> Result<(), AppError> {
    match &cb.event {
        Event::ReactionAdded {
            user,
            reaction,
            item,
            ..
        } => {
            if !is_timeline_reaction(&slack_settings(state).await?, reaction) {
                return Ok(());
            }
            let (Some(channel), Some(ts)) = (item.channel.as_deref(), message_ts(item)) else {
                return Ok(());
            };
            queue_message(state, &cb.team_id, channel, ts, user, "reaction").await
        }
        Event::PinAdded {
            user,
            channel_id,
            item,
            ..
        } => {
            let channel = item.channel.as_deref().unwrap_or(channel_id);
            let Some(ts) = message_ts(item) else {
                return Ok(());
            };
            queue_message(state, &cb.team_id, channel, ts, user, "pin").await
        }
        Event::Message(_) | Event::Other => Ok(()),
    }
}
