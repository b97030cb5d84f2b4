//! `/api/v1` for pages and how people are told of them: pages (responders open, acknowledge
//! and resolve), the paging settings and unreachable people (admins), each user's
//! notification settings and Web Push subscriptions, and the server's VAPID key.

use super::Page as List;
use super::oncall::id_of;
use crate::actions::oncall::{self as act, NotifyInput, PageInput, PushInput};
use crate::auth::Actor;
use crate::request::{ApiJson, QueryPairs, page_cursor, page_limit};
use crate::{AppError, AppState};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{delete, get, post};
use debrief_core::access::AccountRole;
use debrief_core::validation::ValidationError;
use debrief_store::oncall::{Page, PageFilter, PageStatus};
use serde::Deserialize;
use serde_json::{Value, json};

/// The page routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/on-call/settings", get(get_settings).put(put_settings))
        .route("/on-call/unreachable", get(unreachable))
        .route("/pages", get(list_pages).post(open_page))
        .route("/pages/{id}", get(get_page))
        .route("/pages/{id}/acknowledge", post(acknowledge))
        .route("/pages/{id}/resolve", post(resolve))
        .route("/users/me/notifications", get(get_notify).put(put_notify))
        .route("/users/me/push-subscriptions", post(subscribe))
        .route("/users/me/push-subscriptions/{id}", delete(unsubscribe))
        .route("/push/vapid-public-key", get(vapid_public_key))
}

async fn get_settings(
    State(state): State<AppState>,
    _actor: Actor,
) -> Result<Json<Value>, AppError> {
    Ok(Json(
        json!({"page_declared_at": act::page_declared_at(&state).await?}),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsInput {
    page_declared_at: Option<String>,
}

async fn put_settings(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(input): ApiJson<SettingsInput>,
) -> Result<Json<Value>, AppError> {
    let v = act::set_page_declared_at(&state, &actor, input.page_declared_at.as_deref()).await?;
    Ok(Json(json!({"page_declared_at": v})))
}

async fn unreachable(State(state): State<AppState>, actor: Actor) -> Result<Json<Value>, AppError> {
    actor.require(AccountRole::Admin)?;
    let items: Vec<Value> = act::unreachable_on_call(&state)
        .await?
        .into_iter()
        .map(|(u, why)| json!({"user": u, "reason": why}))
        .collect();
    Ok(Json(json!({"items": items})))
}

async fn list_pages(
    State(state): State<AppState>,
    actor: Actor,
    QueryPairs(pairs): QueryPairs,
) -> Result<Json<List<Page>>, AppError> {
    let mut e = ValidationError::default();
    let mut f = PageFilter {
        limit: 50,
        ..PageFilter::default()
    };
    for (k, v) in &pairs {
        match k.as_str() {
            "status" => {
                for s in v.split(',').filter(|s| !s.is_empty()) {
                    match s.parse::<PageStatus>() {
                        Ok(st) => f.statuses.push(st),
                        Err(m) => e.push("status", m),
                    }
                }
            }
            "mine" => match v.as_str() {
                "true" => f.user_id = Some(actor.user.id),
                "false" => {}
                _ => e.push("mine", "must be true or false"),
            },
            "incident" => match v.trim_start_matches("INC-").parse::<i64>() {
                Ok(n) => f.incident_id = Some(n),
                Err(_) => e.push("incident", "is not an incident like INC-42"),
            },
            "cursor" => f.before = page_cursor(&mut e, v),
            // An empty limit is the default, as in the other lists.
            "limit" if v.trim().is_empty() => {}
            "limit" => f.limit = page_limit(&mut e, v).unwrap_or(50),
            other => e.push(other, "is not a filter of this list"),
        }
    }
    if !e.fields.is_empty() {
        return Err(e.into());
    }
    let items = act::list_pages(&state, &actor, &f).await?;
    let next = (items.len() as i64 == f.limit)
        .then(|| items.last().map(|p| p.id.to_string()))
        .flatten();
    Ok(Json(List {
        items,
        next_cursor: super::Skip::Present(next),
    }))
}

async fn open_page(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(input): ApiJson<PageInput>,
) -> Result<(StatusCode, Json<Page>), AppError> {
    Ok((
        StatusCode::CREATED,
        Json(act::page_by_person(&state, &actor, &input).await?),
    ))
}

async fn get_page(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let page = act::get_page(&state, &actor, id_of("page", &id)?).await?;
    let firings = state.store.firings(page.id).await?;
    let notifications = state.store.notifications(page.id).await?;
    let mut body = serde_json::to_value(&page).map_err(AppError::internal)?;
    body["firings"] = serde_json::to_value(firings).map_err(AppError::internal)?;
    body["notifications"] = serde_json::to_value(notifications).map_err(AppError::internal)?;
    Ok(Json(body))
}

async fn acknowledge(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<Page>, AppError> {
    Ok(Json(
        act::change_page(&state, &actor, id_of("page", &id)?, false).await?,
    ))
}

async fn resolve(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<Page>, AppError> {
    Ok(Json(
        act::change_page(&state, &actor, id_of("page", &id)?, true).await?,
    ))
}

async fn get_notify(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<Json<act::NotifySettings>, AppError> {
    Ok(Json(act::notify_settings(&state, actor.user.id).await?))
}

async fn put_notify(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(input): ApiJson<NotifyInput>,
) -> Result<Json<act::NotifySettings>, AppError> {
    Ok(Json(
        act::set_notify_settings(&state, &actor, &input).await?,
    ))
}

async fn subscribe(
    State(state): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    ApiJson(input): ApiJson<PushInput>,
) -> Result<(StatusCode, Json<debrief_store::oncall::PushSubscriptionRow>), AppError> {
    let agent = headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    Ok((
        StatusCode::CREATED,
        Json(act::subscribe_push(&state, &actor, &input, agent).await?),
    ))
}

async fn unsubscribe(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    act::unsubscribe_push(&state, &actor, id_of("push subscription", &id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn vapid_public_key(
    State(state): State<AppState>,
    _actor: Actor,
) -> Result<Json<Value>, AppError> {
    let key = act::vapid_key(&state).await?;
    Ok(Json(json!({"public_key": key.public_key_b64()})))
}
