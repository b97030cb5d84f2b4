//! `/api/v1/incidents/{reference}/timeline`: add, list, edit, star, revisions.

use super::incidents::channel;
use crate::actions::timeline as act;
use crate::auth::Actor;
use crate::request::ApiJson;
use crate::request::RefPath;
use crate::{AppError, AppState};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, patch, put};
use debrief_core::timeline::{EditEventInput, EventRevision, NewEventInput, TimelineEvent};
use serde_json::{Value, json};

/// The timeline routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/incidents/{reference}/timeline",
            get(list_events).post(add_event),
        )
        .route(
            "/incidents/{reference}/timeline/{event_id}",
            patch(edit_event).get(get_event),
        )
        .route(
            "/incidents/{reference}/timeline/{event_id}/star",
            put(star_event).delete(unstar_event),
        )
        .route(
            "/incidents/{reference}/timeline/{event_id}/revisions",
            get(list_revisions),
        )
}

async fn add_event(
    State(state): State<AppState>,
    actor: Actor,
    RefPath(r): RefPath,
    headers: HeaderMap,
    ApiJson(input): ApiJson<NewEventInput>,
) -> Result<(StatusCode, Json<TimelineEvent>), AppError> {
    let event = act::add_event(&state, &actor, r, &input, channel(&headers)).await?;
    Ok((StatusCode::CREATED, Json(event)))
}

async fn list_events(
    State(state): State<AppState>,
    actor: Actor,
    RefPath(r): RefPath,
) -> Result<Json<super::Page<TimelineEvent>>, AppError> {
    let events = act::list_events(&state, &actor, r).await?;
    Ok(Json(super::Page::all(events)))
}

async fn get_event(
    State(state): State<AppState>,
    actor: Actor,
    RefPath(r): RefPath,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<TimelineEvent>, AppError> {
    state.store.incident(r.0, actor.viewer()).await?;
    Ok(Json(
        state
            .store
            .event(r.0, crate::request::event_id(&id)?)
            .await?,
    ))
}

async fn edit_event(
    State(state): State<AppState>,
    actor: Actor,
    RefPath(r): RefPath,
    Path((_, id)): Path<(String, String)>,
    ApiJson(input): ApiJson<EditEventInput>,
) -> Result<Json<TimelineEvent>, AppError> {
    Ok(Json(
        act::edit_event(&state, &actor, r, crate::request::event_id(&id)?, &input).await?,
    ))
}

async fn star_event(
    State(state): State<AppState>,
    actor: Actor,
    RefPath(r): RefPath,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<TimelineEvent>, AppError> {
    Ok(Json(
        act::star_event(&state, &actor, r, crate::request::event_id(&id)?, true).await?,
    ))
}

async fn unstar_event(
    State(state): State<AppState>,
    actor: Actor,
    RefPath(r): RefPath,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<TimelineEvent>, AppError> {
    Ok(Json(
        act::star_event(&state, &actor, r, crate::request::event_id(&id)?, false).await?,
    ))
}

async fn list_revisions(
    State(state): State<AppState>,
    actor: Actor,
    RefPath(r): RefPath,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<Value>, AppError> {
    state.store.incident(r.0, actor.viewer()).await?;
    let id = crate::request::event_id(&id)?;
    let current = state.store.event(r.0, id).await?;
    let revisions: Vec<EventRevision> = state.store.event_revisions(id).await?;
    Ok(Json(json!({"current": current, "revisions": revisions})))
}
