//! Live timelines as server-sent events: `/api/v1/incidents/{reference}/stream` and `/api/v1/stream`.
//!
//! A stream sends each new or changed timeline event as an `event: timeline` message whose data is
//! the event's JSON, with the event's id as the message id. Private incidents are filtered per
//! viewer on every message, so an incident made private later stops reaching those who may no
//! longer see it.
//!
//! A client that reconnects with `Last-Event-ID` (browsers' `EventSource` does so by itself)
//! first gets the events recorded since that one, then the live ones; when too many were missed
//! it gets one `event: reload` instead.
//!
//! A stream ends as soon as the credential it was opened with stops working: its account
//! deactivated, its session ended or its token revoked. Such changes are announced to every
//! server ([`crate::cache::Caches::account_changes`]), and each stream of the named account
//! checks its credential again.

use crate::auth::{Actor, Via};
use crate::live::LiveEvent;
use crate::request::RefPath;
use crate::{AppError, AppState};
use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use debrief_core::access::Viewer;
use debrief_core::timeline::TimelineEvent;
use debrief_store::Store;
use futures_util::stream::Stream;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;

/// The stream routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/incidents/{reference}/stream", get(incident_stream))
        .route("/stream", get(all_stream))
}

type SseStream = Sse<
    axum::response::sse::KeepAliveStream<
        std::pin::Pin<Box<dyn Stream<Item = Result<Event, Infallible>> + Send>>,
    >,
>;

/// At most this many missed events are replayed after a reconnect; beyond, the client reloads.
const CATCH_UP_LIMIT: i64 = 1000;

/// The `Last-Event-ID` a reconnecting client sends: the id of the last event it received.
fn last_event_id(headers: &HeaderMap) -> Option<i64> {
    headers
        .get("last-event-id")?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn timeline_message(event: &TimelineEvent) -> Option<Event> {
    let data = serde_json::to_string(event).ok()?;
    Some(
        Event::default()
            .event("timeline")
            .id(event.id.to_string())
            .data(data),
    )
}

/// The events recorded after `after` that the viewer may see, as messages.
async fn catch_up(store: Store, viewer: Viewer, only: Option<i64>, after: i64) -> Vec<Event> {
    match store.events_after(after, viewer, CATCH_UP_LIMIT).await {
        Ok(events) if (events.len() as i64) < CATCH_UP_LIMIT => events
            .iter()
            .filter(|e| only.is_none_or(|id| e.incident == format!("INC-{id}")))
            .filter_map(timeline_message)
            .collect(),
        Ok(_) => vec![
            Event::default()
                .event("reload")
                .data("{\"missed\":\"many\"}"),
        ],
        Err(e) => {
            tracing::warn!(error = %e, "Could not replay missed timeline events");
            vec![Event::default().event("reload").data("{\"missed\":null}")]
        }
    }
}

/// Whether `actor`'s credential still works: the account active, and its session alive or its
/// token unrevoked. When the database cannot say, the stream goes on (the next request
/// checks again).
async fn still_allowed(state: &AppState, actor: &Actor) -> bool {
    let store = &state.store;
    let credential = match &actor.via {
        Via::Session { token_hash, .. } => store
            .session(token_hash, state.clock.now())
            .await
            .map(|s| s.is_some()),
        Via::Token { token_id } => store.list_tokens(Some(actor.user.id)).await.map(|tokens| {
            tokens
                .iter()
                .any(|t| t.id == *token_id && t.revoked_at.is_none())
        }),
        _ => Ok(true),
    };
    let active = match store.user(actor.user.id).await {
        Err(debrief_store::StoreError::NotFound(_)) => Ok(false),
        other => other.map(|u| !u.disabled),
    };
    match (credential, active) {
        (Ok(c), Ok(a)) => c && a,
        (Err(e), _) | (_, Err(e)) => {
            tracing::warn!(error = %e, user.id = actor.user.id, "Could not re-check a live stream's credential");
            true
        }
    }
}

/// Completes once `actor`'s credential stops working, checked whenever a change to the
/// account is announced (or, after missing announcements, at the next one).
async fn credential_ends(state: AppState, actor: Actor, mut changes: broadcast::Receiver<i64>) {
    loop {
        match changes.recv().await {
            Ok(id) if id != actor.user.id => continue,
            Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
            // The caches live as long as the server: nothing more will be announced.
            Err(broadcast::error::RecvError::Closed) => std::future::pending().await,
        }
        if !still_allowed(&state, &actor).await {
            tracing::info!(
                user.id = actor.user.id,
                "Ended a live stream whose credential stopped working"
            );
            return;
        }
    }
}

fn sse(state: AppState, actor: Actor, only: Option<i64>, after: Option<i64>) -> SseStream {
    let viewer = actor.viewer();
    let store = state.store.clone();
    // Subscribed now, so a change made right after the stream opens is not missed.
    let ended = Box::pin(credential_ends(
        state.clone(),
        actor,
        state.caches.account_changes(),
    ));
    // Subscribe before reading what was missed, so nothing falls between the two (an event in
    // both is sent twice; clients keep events by id).
    let live = BroadcastStream::new(state.live.subscribe());
    let replay_store = store.clone();
    let replay = futures_util::stream::once(async move {
        let missed = match after {
            Some(after) => catch_up(replay_store, viewer, only, after).await,
            None => Vec::new(),
        };
        tokio_stream::iter(missed.into_iter().map(Some))
    });
    let replay = futures_util::StreamExt::flatten(replay);
    let stream = live.then(move |item| {
        let store = store.clone();
        async move {
            match item {
                Ok(LiveEvent {
                    incident_id,
                    private,
                    event,
                }) => {
                    if only.is_some_and(|id| id != incident_id) {
                        return None;
                    }
                    // Re-check on every message: the incident may have become private.
                    if private || !viewer.sees_all {
                        match store.incident(incident_id, viewer).await {
                            Ok(_) => {}
                            Err(_) => return None,
                        }
                    }
                    timeline_message(&event)
                }
                Err(BroadcastStreamRecvError::Lagged(n)) => Some(
                    Event::default()
                        .event("reload")
                        .data(format!("{{\"missed\":{n}}}")),
                ),
            }
        }
    });
    let stream = replay.chain(stream).filter_map(|e| e.map(Ok));
    let stream = futures_util::StreamExt::take_until(stream, ended);
    Sse::new(Box::pin(stream) as std::pin::Pin<Box<dyn Stream<Item = _> + Send>>)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

async fn incident_stream(
    State(state): State<AppState>,
    actor: Actor,
    RefPath(r): RefPath,
    headers: HeaderMap,
) -> Result<SseStream, AppError> {
    state.store.incident(r.0, actor.viewer()).await?;
    Ok(sse(state, actor, Some(r.0), last_event_id(&headers)))
}

async fn all_stream(State(state): State<AppState>, actor: Actor, headers: HeaderMap) -> SseStream {
    sse(state, actor, None, last_event_id(&headers))
}
