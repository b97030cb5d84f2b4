//! `/api/v1/status-pages`: pages, components and their history; publishing incident updates.

use super::incidents::channel;
use crate::actions::status_pages::{self as act, ComponentInput, PageInput, PublishInput};
use crate::auth::Actor;
use crate::request::ApiJson;
use crate::request::RefPath;
use crate::{AppError, AppState};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, patch, post};
use debrief_store::status_page::{Component, PageIncident, StatusPage};
use serde_json::{Value, json};

/// An incident as published on a page, with its public id: what the public page, its
/// documents, its feed and subscribers' messages call it
/// (`/status/{slug}/incidents/{public_id}`).
#[derive(Debug, serde::Serialize)]
pub struct Published {
    #[serde(flatten)]
    incident: PageIncident,
    public_id: String,
    /// Only when publishing asked to move the incident: where it moved (`null`: it did not).
    #[serde(skip_serializing_if = "Option::is_none")]
    incident_moved_to: Option<Option<String>>,
}

async fn published(state: &AppState, incident: PageIncident) -> Result<Published, AppError> {
    let public_id = state.status.ids().await?.incident(incident.incident_id);
    Ok(Published {
        incident,
        public_id,
        incident_moved_to: None,
    })
}

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/status-pages", get(list_pages).post(create_page))
        .route("/status-pages/{slug}", get(get_page).patch(update_page))
        .route(
            "/status-pages/{slug}/components",
            get(list_components).post(add_component),
        )
        .route(
            "/status-pages/{slug}/components/{id}",
            patch(update_component).delete(remove_component),
        )
        .route(
            "/status-pages/{slug}/components/{id}/history",
            get(component_history),
        )
        .route(
            "/incidents/{reference}/status-updates",
            post(publish).get(list_published),
        )
}

fn component_id(raw: &str) -> Result<i64, AppError> {
    raw.parse()
        .map_err(|_| AppError::NotFound(format!("component '{raw}'")))
}

async fn list_pages(State(state): State<AppState>, _: Actor) -> Result<Json<Value>, AppError> {
    Ok(Json(json!({"items": state.store.pages().await?})))
}

async fn create_page(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(input): ApiJson<PageInput>,
) -> Result<(StatusCode, Json<StatusPage>), AppError> {
    Ok((
        StatusCode::CREATED,
        Json(act::create_page(&state, &actor, &input).await?),
    ))
}

async fn get_page(
    State(state): State<AppState>,
    _: Actor,
    Path(slug): Path<String>,
) -> Result<Json<StatusPage>, AppError> {
    Ok(Json(state.store.page_by_slug(&slug).await?))
}

async fn update_page(
    State(state): State<AppState>,
    actor: Actor,
    Path(slug): Path<String>,
    ApiJson(input): ApiJson<PageInput>,
) -> Result<Json<StatusPage>, AppError> {
    Ok(Json(act::update_page(&state, &actor, &slug, &input).await?))
}

async fn list_components(
    State(state): State<AppState>,
    _: Actor,
    Path(slug): Path<String>,
) -> Result<Json<Value>, AppError> {
    let page = state.store.page_by_slug(&slug).await?;
    Ok(Json(
        json!({"items": state.store.components(page.id).await?}),
    ))
}

async fn add_component(
    State(state): State<AppState>,
    actor: Actor,
    Path(slug): Path<String>,
    ApiJson(input): ApiJson<ComponentInput>,
) -> Result<(StatusCode, Json<Component>), AppError> {
    Ok((
        StatusCode::CREATED,
        Json(act::add_component(&state, &actor, &slug, &input).await?),
    ))
}

async fn update_component(
    State(state): State<AppState>,
    actor: Actor,
    Path((slug, id)): Path<(String, String)>,
    ApiJson(input): ApiJson<ComponentInput>,
) -> Result<Json<Component>, AppError> {
    Ok(Json(
        act::update_component(&state, &actor, &slug, component_id(&id)?, &input).await?,
    ))
}

async fn remove_component(
    State(state): State<AppState>,
    actor: Actor,
    Path((slug, id)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    crate::actions::status_layout::remove_component(&state, &actor, &slug, component_id(&id)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn component_history(
    State(state): State<AppState>,
    _: Actor,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Json<Value>, AppError> {
    let page = state.store.page_by_slug(&slug).await?;
    let c = state.store.component(component_id(&id)?).await?;
    if c.page_id != page.id {
        return Err(AppError::NotFound(format!("component {id} of '{slug}'")));
    }
    Ok(Json(
        json!({"items": state.store.component_history(c.id, jiff::Timestamp::MIN).await?}),
    ))
}

async fn publish(
    State(state): State<AppState>,
    actor: Actor,
    RefPath(r): RefPath,
    headers: HeaderMap,
    ApiJson(input): ApiJson<PublishInput>,
) -> Result<(StatusCode, Json<Published>), AppError> {
    let p = crate::actions::status_incident::publish_and_move(
        &state,
        &actor,
        r,
        &input,
        input.move_incident,
        channel(&headers),
    )
    .await?;
    let mut body = published(&state, p.page_incident).await?;
    if input.move_incident {
        body.incident_moved_to = Some(p.moved_to.map(|s| s.as_str().to_string()));
    }
    Ok((StatusCode::CREATED, Json(body)))
}

async fn list_published(
    State(state): State<AppState>,
    actor: Actor,
    RefPath(r): RefPath,
) -> Result<Json<Value>, AppError> {
    let incident = state.store.incident(r.0, actor.viewer()).await?;
    let mut items = Vec::new();
    for page in state.store.pages().await? {
        if let Some(p) = state.store.page_incident(page.id, incident.id).await? {
            items.push(json!({"page": page.slug, "incident": published(&state, p).await?}));
        }
    }
    Ok(Json(json!({"items": items})))
}
