//! `/api/v1/status-pages/{slug}/maintenances`: scheduling maintenance, and what operators do
//! with it afterwards (updates, early completion, a new window, cancellation).

use super::input::{ApiJson, OptionalJson};
use crate::actions::maintenance::{
    self as act, CancelInput, CompleteInput, MaintenanceInput, MaintenanceUpdateInput,
    RescheduleInput,
};
use crate::auth::Actor;
use crate::{AppError, AppState};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use debrief_store::status_page::Maintenance;
use serde_json::{Value, json};

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/status-pages/{slug}/maintenances",
            get(list_maintenances).post(schedule_maintenance),
        )
        .route(
            "/status-pages/{slug}/maintenances/{id}",
            get(get_maintenance),
        )
        .route(
            "/status-pages/{slug}/maintenances/{id}/updates",
            post(post_update),
        )
        .route(
            "/status-pages/{slug}/maintenances/{id}/complete",
            post(complete),
        )
        .route(
            "/status-pages/{slug}/maintenances/{id}/reschedule",
            post(reschedule),
        )
        .route(
            "/status-pages/{slug}/maintenances/{id}/cancel",
            post(cancel),
        )
}

fn maintenance_id(raw: &str) -> Result<i64, AppError> {
    raw.parse()
        .map_err(|_| AppError::NotFound(format!("maintenance '{raw}'")))
}

async fn list_maintenances(
    State(state): State<AppState>,
    actor: Actor,
    Path(slug): Path<String>,
) -> Result<Json<Value>, AppError> {
    let items = act::list_maintenances(&state, &actor, &slug).await?;
    Ok(Json(json!({ "items": items })))
}

async fn schedule_maintenance(
    State(state): State<AppState>,
    actor: Actor,
    Path(slug): Path<String>,
    ApiJson(input): ApiJson<MaintenanceInput>,
) -> Result<(StatusCode, Json<Maintenance>), AppError> {
    Ok((
        StatusCode::CREATED,
        Json(act::schedule(&state, &actor, &slug, &input).await?),
    ))
}

async fn get_maintenance(
    State(state): State<AppState>,
    actor: Actor,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Json<Maintenance>, AppError> {
    let id = maintenance_id(&id)?;
    Ok(Json(act::get_maintenance(&state, &actor, &slug, id).await?))
}

async fn post_update(
    State(state): State<AppState>,
    actor: Actor,
    Path((slug, id)): Path<(String, String)>,
    ApiJson(input): ApiJson<MaintenanceUpdateInput>,
) -> Result<(StatusCode, Json<Maintenance>), AppError> {
    let id = maintenance_id(&id)?;
    Ok((
        StatusCode::CREATED,
        Json(act::post_update(&state, &actor, &slug, id, &input).await?),
    ))
}

async fn complete(
    State(state): State<AppState>,
    actor: Actor,
    Path((slug, id)): Path<(String, String)>,
    OptionalJson(input): OptionalJson<CompleteInput>,
) -> Result<Json<Maintenance>, AppError> {
    let id = maintenance_id(&id)?;
    Ok(Json(
        act::complete(&state, &actor, &slug, id, &input).await?,
    ))
}

async fn reschedule(
    State(state): State<AppState>,
    actor: Actor,
    Path((slug, id)): Path<(String, String)>,
    ApiJson(input): ApiJson<RescheduleInput>,
) -> Result<Json<Maintenance>, AppError> {
    let id = maintenance_id(&id)?;
    Ok(Json(
        act::reschedule(&state, &actor, &slug, id, &input).await?,
    ))
}

async fn cancel(
    State(state): State<AppState>,
    actor: Actor,
    Path((slug, id)): Path<(String, String)>,
    OptionalJson(input): OptionalJson<CancelInput>,
) -> Result<Json<Maintenance>, AppError> {
    let id = maintenance_id(&id)?;
    Ok(Json(act::cancel(&state, &actor, &slug, id, &input).await?))
}
