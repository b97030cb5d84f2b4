//! `/api/v1/incident-types`: list, create, change (archive with `"archived": true`).

use crate::actions::incident_type::{self as act, IncidentTypeInput};
use crate::auth::Actor;
use crate::request::ApiJson;
use crate::{AppError, AppState};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, patch};
use debrief_store::incident_type::IncidentType;
use serde_json::{Value, json};

/// The incident type routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/incident-types",
            get(list_incident_types).post(create_incident_type),
        )
        .route("/incident-types/{slug}", patch(update_incident_type))
}

async fn list_incident_types(
    State(state): State<AppState>,
    _: Actor,
) -> Result<Json<Value>, AppError> {
    Ok(Json(
        json!({"items": state.store.list_incident_types().await?}),
    ))
}

async fn create_incident_type(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(input): ApiJson<IncidentTypeInput>,
) -> Result<(StatusCode, Json<IncidentType>), AppError> {
    Ok((
        StatusCode::CREATED,
        Json(act::create_incident_type(&state, &actor, &input).await?),
    ))
}

async fn update_incident_type(
    State(state): State<AppState>,
    actor: Actor,
    Path(slug): Path<String>,
    ApiJson(input): ApiJson<IncidentTypeInput>,
) -> Result<Json<IncidentType>, AppError> {
    if input.slug.is_some() {
        return Err(debrief_core::validation::ValidationError::one(
            "slug",
            "the slug of a type cannot change",
        )
        .into());
    }
    Ok(Json(
        act::update_incident_type(&state, &actor, &slug, &input).await?,
    ))
}
