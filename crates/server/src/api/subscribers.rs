//! `/api/v1/status-pages/{slug}/subscribers` (admins): a page's subscribers with their delivery
//! failures (addresses shown, tokens never), and removing one.

use crate::actions::subscribers as act;
use crate::auth::Actor;
use crate::{AppError, AppState};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use serde_json::{Value, json};

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/status-pages/{slug}/subscribers", get(list_subscribers))
        .route(
            "/status-pages/{slug}/subscribers/{id}",
            delete(remove_subscriber),
        )
}

async fn list_subscribers(
    State(state): State<AppState>,
    actor: Actor,
    Path(slug): Path<String>,
) -> Result<Json<Value>, AppError> {
    let items = act::list_subscribers(&state, &actor, &slug).await?;
    Ok(Json(json!({ "items": items })))
}

async fn remove_subscriber(
    State(state): State<AppState>,
    actor: Actor,
    Path((slug, id)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    let id = id
        .parse()
        .map_err(|_| AppError::NotFound(format!("subscriber '{id}'")))?;
    act::remove_subscriber(&state, &actor, &slug, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
