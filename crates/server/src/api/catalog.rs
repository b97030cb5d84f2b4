//! `/api/v1/severities`, `/api/v1/services`, `/api/v1/teams` (with members).

use crate::actions::catalog::{self as act, CatalogInput};
use crate::actions::catalog_edit::{
    self as edit, ServiceDetail, ServicePatch, TeamDetail, TeamPatch,
};
use crate::auth::Actor;
use crate::request::ApiJson;
use crate::{AppError, AppState};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use debrief_core::access::AccountRole;
use debrief_core::severity::{Severity, SeverityInput};
use debrief_core::validation::ValidationError;
use debrief_store::catalog::{Service, Team};
use serde_json::{Value, json};

/// The catalogue routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/severities", get(list_severities))
        .route(
            "/severities/{key}",
            put(put_severity).delete(delete_severity),
        )
        .route("/services", get(list_services).post(create_service))
        .route(
            "/services/{slug}",
            get(get_service)
                .patch(update_service)
                .delete(delete_service),
        )
        .route("/teams", get(list_teams).post(create_team))
        .route(
            "/teams/{slug}",
            get(get_team).patch(update_team).delete(delete_team),
        )
        .route("/teams/{slug}/members", put(set_members))
}

async fn list_severities(State(state): State<AppState>, _: Actor) -> Result<Json<Value>, AppError> {
    Ok(Json(json!({"items": state.store.list_severities().await?})))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SeverityBody {
    name: String,
    description: Option<String>,
    rank: i64,
    #[serde(default)]
    postmortem_required: bool,
}

async fn put_severity(
    State(state): State<AppState>,
    actor: Actor,
    Path(key): Path<String>,
    ApiJson(b): ApiJson<SeverityBody>,
) -> Result<Json<Severity>, AppError> {
    let input = SeverityInput {
        key,
        name: b.name,
        description: b.description,
        rank: b.rank,
        postmortem_required: b.postmortem_required,
    };
    Ok(Json(act::put_severity(&state, &actor, &input).await?))
}

async fn delete_severity(
    State(state): State<AppState>,
    actor: Actor,
    Path(key): Path<String>,
) -> Result<StatusCode, AppError> {
    actor.require(AccountRole::Admin)?;
    let mut e = ValidationError::default();
    let key = debrief_core::severity::parse_key(&mut e, "key", &key);
    e.into_result(())?;
    state.store.delete_severity(&key).await?;
    state.caches.clear_catalog();
    Ok(StatusCode::NO_CONTENT)
}

async fn list_services(State(state): State<AppState>, _: Actor) -> Result<Json<Value>, AppError> {
    Ok(Json(json!({"items": state.store.list_services().await?})))
}

async fn create_service(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(input): ApiJson<CatalogInput>,
) -> Result<(StatusCode, Json<Service>), AppError> {
    Ok((
        StatusCode::CREATED,
        Json(act::create_service(&state, &actor, &input).await?),
    ))
}

async fn get_service(
    State(state): State<AppState>,
    _: Actor,
    Path(slug): Path<String>,
) -> Result<Json<ServiceDetail>, AppError> {
    Ok(Json(edit::service_detail(&state, &slug).await?))
}

async fn update_service(
    State(state): State<AppState>,
    actor: Actor,
    Path(slug): Path<String>,
    ApiJson(patch): ApiJson<ServicePatch>,
) -> Result<Json<ServiceDetail>, AppError> {
    Ok(Json(
        edit::update_service(&state, &actor, &slug, &patch).await?,
    ))
}

async fn delete_service(
    State(state): State<AppState>,
    actor: Actor,
    Path(slug): Path<String>,
) -> Result<StatusCode, AppError> {
    edit::delete_service(&state, &actor, &slug).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_teams(State(state): State<AppState>, _: Actor) -> Result<Json<Value>, AppError> {
    let members = state.store.team_memberships().await?;
    let items: Vec<TeamDetail> = state
        .store
        .list_teams()
        .await?
        .into_iter()
        .map(|team| TeamDetail {
            members: members
                .iter()
                .filter(|(t, _)| *t == team.slug)
                .map(|(_, m)| m.clone())
                .collect(),
            team,
        })
        .collect();
    Ok(Json(json!({ "items": items })))
}

async fn get_team(
    State(state): State<AppState>,
    _: Actor,
    Path(slug): Path<String>,
) -> Result<Json<TeamDetail>, AppError> {
    Ok(Json(edit::team_detail(&state, &slug).await?))
}

async fn update_team(
    State(state): State<AppState>,
    actor: Actor,
    Path(slug): Path<String>,
    ApiJson(patch): ApiJson<TeamPatch>,
) -> Result<Json<TeamDetail>, AppError> {
    Ok(Json(
        edit::update_team(&state, &actor, &slug, &patch).await?,
    ))
}

async fn delete_team(
    State(state): State<AppState>,
    actor: Actor,
    Path(slug): Path<String>,
) -> Result<StatusCode, AppError> {
    edit::delete_team(&state, &actor, &slug).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct MembersBody {
    /// User ids; the team's members become exactly these.
    members: Vec<i64>,
}

async fn set_members(
    State(state): State<AppState>,
    actor: Actor,
    Path(slug): Path<String>,
    ApiJson(b): ApiJson<MembersBody>,
) -> Result<Json<TeamDetail>, AppError> {
    Ok(Json(
        edit::set_team_members(&state, &actor, &slug, &b.members).await?,
    ))
}

async fn create_team(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(input): ApiJson<CatalogInput>,
) -> Result<(StatusCode, Json<Team>), AppError> {
    Ok((
        StatusCode::CREATED,
        Json(act::create_team(&state, &actor, &input).await?),
    ))
}
