//! `/api/v1/users` and `/api/v1/tokens`.

use crate::actions::account::{self as act, NewTokenInput};
use crate::actions::people::{self, ProfileInput};
use crate::auth::Actor;
use crate::request::ApiJson;
use crate::{AppError, AppState};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, patch};
use debrief_core::access::{AccountRole, NewUserInput};
use debrief_store::account::User;
use serde_json::{Value, json};

/// The account routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(list_users).post(create_user))
        .route("/users/me", get(me).patch(update_me))
        .route("/users/{id}", patch(update_user))
        .route("/tokens", get(list_tokens).post(create_token))
        .route("/tokens/{id}", delete(revoke_token))
}

async fn list_users(State(state): State<AppState>, _: Actor) -> Result<Json<Value>, AppError> {
    Ok(Json(json!({"items": state.store.list_users().await?})))
}

async fn me(State(state): State<AppState>, actor: Actor) -> Result<Json<Value>, AppError> {
    let profile = state.store.profile(actor.user.id).await?;
    Ok(Json(
        json!({"user": actor.user, "acting_as": actor.role, "csrf_token": actor.csrf_token(), "profile": profile}),
    ))
}

async fn update_me(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(input): ApiJson<ProfileInput>,
) -> Result<Json<Value>, AppError> {
    people::update_profile(&state, &actor, &input).await?;
    let user = state.store.user(actor.user.id).await?;
    let profile = state.store.profile(actor.user.id).await?;
    Ok(Json(json!({"user": user, "profile": profile})))
}

async fn create_user(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(input): ApiJson<NewUserInput>,
) -> Result<(StatusCode, Json<User>), AppError> {
    Ok((
        StatusCode::CREATED,
        Json(act::create_user(&state, Some(&actor), &input).await?),
    ))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct UserUpdate {
    role: Option<String>,
    disabled: Option<bool>,
}

async fn update_user(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<UserUpdate>,
) -> Result<Json<User>, AppError> {
    let id: i64 = id
        .parse()
        .map_err(|_| AppError::NotFound(format!("user '{id}'")))?;
    let mut user = None;
    if let Some(r) = input.role.as_deref() {
        user = Some(people::set_role(&state, &actor, id, r).await?);
    }
    if let Some(d) = input.disabled {
        user = Some(people::set_active(&state, &actor, id, !d).await?);
    }
    match user {
        Some(u) => Ok(Json(u)),
        None => {
            actor.require(AccountRole::Admin)?;
            Ok(Json(state.store.user(id).await?))
        }
    }
}

async fn list_tokens(State(state): State<AppState>, actor: Actor) -> Result<Json<Value>, AppError> {
    let owner = if actor.role == AccountRole::Admin {
        None
    } else {
        Some(actor.user.id)
    };
    Ok(Json(
        json!({"items": state.store.list_tokens(owner).await?}),
    ))
}

async fn create_token(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(input): ApiJson<NewTokenInput>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let (token, secret) = act::create_token_for(&state, &actor, &input).await?;
    let mut v = serde_json::to_value(&token).map_err(AppError::internal)?;
    v["token"] = json!(secret);
    Ok((StatusCode::CREATED, Json(v)))
}

async fn revoke_token(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    let id: i64 = id
        .parse()
        .map_err(|_| AppError::NotFound(format!("token '{id}'")))?;
    let owner = if actor.role == AccountRole::Admin {
        None
    } else {
        Some(actor.user.id)
    };
    let holder = state
        .store
        .revoke_token(id, owner, state.clock.now())
        .await?;
    people::announce(&state, holder).await;
    Ok(StatusCode::NO_CONTENT)
}
