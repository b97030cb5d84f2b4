//! `/api/v1/status-pages/{slug}/maintenances`: scheduling maintenance, and what operators do
//! with it afterwards (updates, early completion, a new window, cancellation).

use crate::actions::maintenance::{
    self as act, CancelInput, CompleteInput, MaintenanceInput, MaintenanceUpdateInput,
    RescheduleInput,
};
use crate::auth::Actor;
use crate::request::{ApiJson, OptionalJson};
use crate::{AppError, AppState};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use debrief_store::status_page::Maintenance;
use serde_json::{Value, json};

/// A maintenance with its public id: what the public page, its documents, its feed and
/// subscribers' messages call it (`/status/{slug}/incidents/{public_id}`).
#[derive(Debug, serde::Serialize)]
pub struct Shown {
    #[serde(flatten)]
    maintenance: Maintenance,
    public_id: String,
}

async fn shown(state: &AppState, maintenance: Maintenance) -> Result<Shown, AppError> {
    let public_id = state.status.ids().await?.maintenance(maintenance.id);
    Ok(Shown {
        maintenance,
        public_id,
    })
}

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
    let mut items = Vec::new();
    for m in act::list_maintenances(&state, &actor, &slug).await? {
        items.push(shown(&state, m).await?);
    }
    Ok(Json(json!({ "items": items })))
}

async fn schedule_maintenance(
    State(state): State<AppState>,
    actor: Actor,
    Path(slug): Path<String>,
    ApiJson(input): ApiJson<MaintenanceInput>,
) -> Result<(StatusCode, Json<Shown>), AppError> {
    Ok((
        StatusCode::CREATED,
        Json(shown(&state, act::schedule(&state, &actor, &slug, &input).await?).await?),
    ))
}

async fn get_maintenance(
    State(state): State<AppState>,
    actor: Actor,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Json<Shown>, AppError> {
    let id = maintenance_id(&id)?;
    let m = act::get_maintenance(&state, &actor, &slug, id).await?;
    Ok(Json(shown(&state, m).await?))
}

async fn post_update(
    State(state): State<AppState>,
    actor: Actor,
    Path((slug, id)): Path<(String, String)>,
    ApiJson(input): ApiJson<MaintenanceUpdateInput>,
) -> Result<(StatusCode, Json<Shown>), AppError> {
    let id = maintenance_id(&id)?;
    Ok((
        StatusCode::CREATED,
        Json(
            shown(
                &state,
                act::post_update(&state, &actor, &slug, id, &input).await?,
            )
            .await?,
        ),
    ))
}

async fn complete(
    State(state): State<AppState>,
    actor: Actor,
    Path((slug, id)): Path<(String, String)>,
    OptionalJson(input): OptionalJson<CompleteInput>,
) -> Result<Json<Shown>, AppError> {
    let id = maintenance_id(&id)?;
    let m = act::complete(&state, &actor, &slug, id, &input).await?;
    Ok(Json(shown(&state, m).await?))
}

async fn reschedule(
    State(state): State<AppState>,
    actor: Actor,
    Path((slug, id)): Path<(String, String)>,
    ApiJson(input): ApiJson<RescheduleInput>,
) -> Result<Json<Shown>, AppError> {
    let id = maintenance_id(&id)?;
    let m = act::reschedule(&state, &actor, &slug, id, &input).await?;
    Ok(Json(shown(&state, m).await?))
}

async fn cancel(
    State(state): State<AppState>,
    actor: Actor,
    Path((slug, id)): Path<(String, String)>,
    OptionalJson(input): OptionalJson<CancelInput>,
) -> Result<Json<Shown>, AppError> {
    let id = maintenance_id(&id)?;
    let m = act::cancel(&state, &actor, &slug, id, &input).await?;
    Ok(Json(shown(&state, m).await?))
}
