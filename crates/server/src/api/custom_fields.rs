//! `/api/v1/custom-fields`: the definitions of custom fields on incidents.

use crate::actions::custom_field as act;
use crate::auth::Actor;
use crate::request::ApiJson;
use crate::{AppError, AppState};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, patch};
use debrief_core::custom_field::{CustomField, CustomFieldInput};
use serde_json::{Value, json};

/// The custom field routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/custom-fields",
            get(list_custom_fields).post(create_custom_field),
        )
        .route(
            "/custom-fields/{key}",
            patch(update_custom_field).delete(delete_custom_field),
        )
}

async fn list_custom_fields(
    State(state): State<AppState>,
    _: Actor,
) -> Result<Json<Value>, AppError> {
    Ok(Json(
        json!({"items": state.store.list_custom_fields().await?}),
    ))
}

async fn create_custom_field(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(input): ApiJson<CustomFieldInput>,
) -> Result<(StatusCode, Json<CustomField>), AppError> {
    Ok((
        StatusCode::CREATED,
        Json(act::create_custom_field(&state, &actor, &input).await?),
    ))
}

async fn update_custom_field(
    State(state): State<AppState>,
    actor: Actor,
    Path(key): Path<String>,
    ApiJson(input): ApiJson<CustomFieldInput>,
) -> Result<Json<CustomField>, AppError> {
    Ok(Json(
        act::update_custom_field(&state, &actor, &key, &input).await?,
    ))
}

async fn delete_custom_field(
    State(state): State<AppState>,
    actor: Actor,
    Path(key): Path<String>,
) -> Result<StatusCode, AppError> {
    act::delete_custom_field(&state, &actor, &key).await?;
    Ok(StatusCode::NO_CONTENT)
}
