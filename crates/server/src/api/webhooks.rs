//! `/api/v1/webhooks`: the endpoints outgoing webhooks are POSTed to. Admins only. The signing
//! secret is shown once, in the answer to the creation, and never again.

use super::deliveries::Delivery;
use crate::actions::delivery::{self as act, NewWebhookInput};
use crate::auth::Actor;
use crate::request::ApiJson;
use crate::{AppError, AppState};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use serde_json::{Value, json};

/// The webhook routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/webhooks", get(list_webhooks).post(create_webhook))
        .route("/webhooks/{id}", delete(delete_webhook))
        .route("/webhooks/{id}/test", post(test_webhook))
}

fn webhook_id(id: &str) -> Result<i64, AppError> {
    id.parse()
        .map_err(|_| AppError::NotFound(format!("webhook '{id}'")))
}

async fn list_webhooks(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<Json<Value>, AppError> {
    Ok(Json(
        json!({"items": act::list_webhooks(&state, &actor).await?}),
    ))
}

async fn create_webhook(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(input): ApiJson<NewWebhookInput>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let (endpoint, secret) = act::create_webhook(&state, &actor, &input).await?;
    let mut body = serde_json::to_value(&endpoint).map_err(AppError::internal)?;
    body["secret"] = Value::String(secret);
    Ok((StatusCode::CREATED, Json(body)))
}

async fn delete_webhook(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    act::delete_webhook(&state, &actor, webhook_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn test_webhook(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Delivery>), AppError> {
    let job = act::test_webhook(&state, &actor, webhook_id(&id)?).await?;
    Ok((StatusCode::ACCEPTED, Json(Delivery::new(&state, job))))
}
