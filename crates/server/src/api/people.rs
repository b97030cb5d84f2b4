//! `/api/v1/invites` and `/api/v1/users/{id}/password-reset`: single-use links an admin makes
//! (the address is answered once, to copy when there is no SMTP).

use crate::actions::people::{self, InviteInput, IssuedLink};
use crate::auth::Actor;
use crate::request::ApiJson;
use crate::{AppError, AppState};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use debrief_core::access::AccountRole;
use serde_json::{Value, json};

/// The people routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/invites", get(list_invites).post(create_invite))
        .route("/invites/{id}", delete(revoke_invite))
        .route("/users/{id}/password-reset", post(create_reset))
}

fn issued(i: IssuedLink) -> (StatusCode, Json<Value>) {
    let mut v = serde_json::to_value(&i.link).unwrap_or_else(|_| json!({}));
    v["url"] = json!(i.url);
    v["emailed"] = json!(i.emailed);
    (StatusCode::CREATED, Json(v))
}

fn id_of(what: &str, id: &str) -> Result<i64, AppError> {
    id.parse()
        .map_err(|_| AppError::NotFound(format!("{what} '{id}'")))
}

async fn list_invites(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<Json<Value>, AppError> {
    actor.require(AccountRole::Admin)?;
    let items = state.store.pending_invites(state.clock.now()).await?;
    Ok(Json(json!({ "items": items })))
}

async fn create_invite(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(input): ApiJson<InviteInput>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    Ok(issued(people::invite(&state, &actor, &input).await?))
}

async fn revoke_invite(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    people::revoke_invite(&state, &actor, id_of("invitation", &id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn create_reset(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    Ok(issued(
        people::reset_link(&state, &actor, id_of("user", &id)?).await?,
    ))
}
