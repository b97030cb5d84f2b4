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

use crate::auth::Actor;
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

fn sse(state: AppState, actor: Actor, only: Option<i64>, after: Option<i64>) -> SseStream {
    let viewer = actor.viewer();
    let store = state.store.clone();
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
