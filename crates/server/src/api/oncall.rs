//! `/api/v1` for on call: schedules (admins write; everyone reads), overrides and swaps
//! (responders), who is on call, final schedules, escalation policies and each service's
//! policy (admins), pages (responders open, acknowledge and resolve), each user's notification
//! settings and push subscriptions, and iCalendar feeds.

use super::Page as List;
use crate::actions::oncall::{
    self as act, NotifyInput, OverrideInput, PageInput, PolicyInput, PushInput, ScheduleInput,
    SwapInput,
};
use crate::auth::Actor;
use crate::request::{ApiJson, QueryPairs, page_cursor, page_limit};
use crate::{AppError, AppState};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{delete, get, post};
use debrief_core::Timestamp;
use debrief_core::access::AccountRole;
use debrief_core::validation::ValidationError;
use debrief_store::oncall::{Page, PageFilter, PageStatus};
use jiff::SignedDuration;
use serde::Deserialize;
use serde_json::{Value, json};

/// The on-call routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/schedules", get(list_schedules).post(create_schedule))
        .route(
            "/schedules/{id}",
            get(get_schedule)
                .put(update_schedule)
                .delete(delete_schedule),
        )
        .route("/schedules/{id}/on-call", get(on_call_at))
        .route("/schedules/{id}/final", get(final_schedule))
        .route(
            "/schedules/{id}/overrides",
            get(list_overrides).post(add_override),
        )
        .route(
            "/schedules/{id}/overrides/{override_id}",
            delete(delete_override),
        )
        .route("/schedules/{id}/swaps", post(swap))
        .route("/schedules/{id}/calendar.ics", get(schedule_calendar))
        .route(
            "/escalation-policies",
            get(list_policies).post(create_policy),
        )
        .route(
            "/escalation-policies/{id}",
            get(get_policy).put(update_policy).delete(delete_policy),
        )
        .route("/escalation-policies/{id}/preview", post(preview))
        .route(
            "/services/{slug}/escalation-policy",
            get(get_service_policy).put(put_service_policy),
        )
        .route("/on-call", get(on_call_now))
        .route("/on-call/settings", get(get_settings).put(put_settings))
        .route("/on-call/unreachable", get(unreachable))
        .route("/pages", get(list_pages).post(open_page))
        .route("/pages/{id}", get(get_page))
        .route("/pages/{id}/acknowledge", post(acknowledge))
        .route("/pages/{id}/resolve", post(resolve))
        .route("/users/me/notifications", get(get_notify).put(put_notify))
        .route("/users/me/shifts", get(my_shifts))
        .route("/users/me/shifts.ics", get(my_calendar))
        .route("/users/me/push-subscriptions", post(subscribe))
        .route("/users/me/push-subscriptions/{id}", delete(unsubscribe))
        .route("/push/vapid-public-key", get(vapid_public_key))
        .route("/feeds/{token}/on-call.ics", get(feed_user_calendar))
        .route(
            "/feeds/{token}/schedules/{file}",
            get(feed_schedule_calendar),
        )
}

fn id_of(what: &str, raw: &str) -> Result<i64, AppError> {
    raw.parse()
        .map_err(|_| AppError::NotFound(format!("{what} '{raw}'")))
}

fn instant(e: &mut ValidationError, field: &str, v: &str) -> Option<Timestamp> {
    match v.parse::<Timestamp>() {
        Ok(t) => Some(t),
        Err(_) => {
            e.push(
                field,
                "must be an instant like 2026-03-29T01:30:00Z or 2026-03-29T03:30:00+02:00",
            );
            None
        }
    }
}

/// `from` and `to` of a query (defaults: now, and `days` after `from`), and nothing else.
fn range(
    state: &AppState,
    pairs: &[(String, String)],
    days: i64,
) -> Result<(Timestamp, Timestamp), AppError> {
    let mut e = ValidationError::default();
    let (mut from, mut to) = (None, None);
    for (k, v) in pairs {
        match k.as_str() {
            "from" => from = instant(&mut e, "from", v),
            "to" => to = instant(&mut e, "to", v),
            other => e.push(other, "is not a parameter here; use from and to"),
        }
    }
    if !e.fields.is_empty() {
        return Err(e.into());
    }
    let from = from.unwrap_or_else(|| state.clock.now());
    let to = to.unwrap_or_else(|| {
        from.checked_add(SignedDuration::from_hours(24 * days))
            .unwrap_or(from)
    });
    act::check_range(from, to)?;
    Ok((from, to))
}

async fn list_schedules(
    State(state): State<AppState>,
    _actor: Actor,
) -> Result<Json<List<act::ScheduleView>>, AppError> {
    let mut out = Vec::new();
    for row in state.store.schedules().await? {
        out.push(act::schedule_view(&state, row).await?);
    }
    Ok(Json(List::all(out)))
}

async fn create_schedule(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(input): ApiJson<ScheduleInput>,
) -> Result<(StatusCode, Json<act::ScheduleView>), AppError> {
    let row = act::create_schedule(&state, &actor, &input).await?;
    Ok((
        StatusCode::CREATED,
        Json(act::schedule_view(&state, row).await?),
    ))
}

async fn get_schedule(
    State(state): State<AppState>,
    _actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<act::ScheduleView>, AppError> {
    let row = state.store.schedule(id_of("schedule", &id)?).await?;
    Ok(Json(act::schedule_view(&state, row).await?))
}

async fn update_schedule(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ScheduleInput>,
) -> Result<Json<act::ScheduleView>, AppError> {
    let row = act::update_schedule(&state, &actor, id_of("schedule", &id)?, &input).await?;
    Ok(Json(act::schedule_view(&state, row).await?))
}

async fn delete_schedule(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    act::delete_schedule(&state, &actor, id_of("schedule", &id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn on_call_at(
    State(state): State<AppState>,
    _actor: Actor,
    Path(id): Path<String>,
    QueryPairs(pairs): QueryPairs,
) -> Result<Json<Value>, AppError> {
    let id = id_of("schedule", &id)?;
    let mut e = ValidationError::default();
    let mut at = None;
    for (k, v) in &pairs {
        match k.as_str() {
            "at" => at = instant(&mut e, "at", v),
            other => e.push(other, "is not a parameter here; use at"),
        }
    }
    if !e.fields.is_empty() {
        return Err(e.into());
    }
    let at = at.unwrap_or_else(|| state.clock.now());
    let user = act::on_call_at(&state, id, at).await?;
    Ok(Json(json!({
        "schedule_id": id,
        "at": debrief_core::format_utc(at),
        "user_id": user.as_ref().map(|u| u.id),
        "user": user,
    })))
}

async fn final_schedule(
    State(state): State<AppState>,
    _actor: Actor,
    Path(id): Path<String>,
    QueryPairs(pairs): QueryPairs,
) -> Result<Json<act::FinalSchedule>, AppError> {
    let id = id_of("schedule", &id)?;
    state.store.schedule(id).await?;
    let (from, to) = range(&state, &pairs, 7)?;
    Ok(Json(act::final_schedule(&state, id, from, to).await?))
}

async fn list_overrides(
    State(state): State<AppState>,
    _actor: Actor,
    Path(id): Path<String>,
    QueryPairs(pairs): QueryPairs,
) -> Result<Json<List<debrief_store::oncall::OverrideRow>>, AppError> {
    let id = id_of("schedule", &id)?;
    state.store.schedule(id).await?;
    let r = if pairs.is_empty() {
        None
    } else {
        Some(range(&state, &pairs, 30)?)
    };
    Ok(Json(List::all(state.store.overrides(id, r).await?)))
}

async fn add_override(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<OverrideInput>,
) -> Result<(StatusCode, Json<debrief_store::oncall::OverrideRow>), AppError> {
    let o = act::add_override(&state, &actor, id_of("schedule", &id)?, &input).await?;
    Ok((StatusCode::CREATED, Json(o)))
}

async fn delete_override(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, override_id)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    act::delete_override(
        &state,
        &actor,
        id_of("schedule", &id)?,
        id_of("override", &override_id)?,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn swap(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<SwapInput>,
) -> Result<(StatusCode, Json<List<debrief_store::oncall::OverrideRow>>), AppError> {
    let made = act::swap_shifts(&state, &actor, id_of("schedule", &id)?, &input).await?;
    Ok((StatusCode::CREATED, Json(List::all(made))))
}

async fn schedule_calendar(
    State(state): State<AppState>,
    _actor: Actor,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = id_of("schedule", &id)?;
    let body = act::schedule_calendar(&state, id).await?;
    Ok(super::meetings::calendar_response(
        body,
        &format!("schedule-{id}.ics"),
    ))
}

async fn my_calendar(State(state): State<AppState>, actor: Actor) -> Result<Response, AppError> {
    let body = act::user_calendar(&state, actor.user.id).await?;
    Ok(super::meetings::calendar_response(body, "on-call.ics"))
}

async fn feed_user_calendar(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let user = act::feed_user(&state, &token).await?;
    let body = act::user_calendar(&state, user).await?;
    Ok(super::meetings::calendar_response(body, "on-call.ics"))
}

async fn feed_schedule_calendar(
    State(state): State<AppState>,
    Path((token, file)): Path<(String, String)>,
) -> Result<Response, AppError> {
    act::feed_user(&state, &token).await?;
    let id = file
        .strip_suffix(".ics")
        .and_then(|f| f.parse::<i64>().ok())
        .ok_or_else(|| AppError::NotFound(format!("schedule '{file}'")))?;
    let body = act::schedule_calendar(&state, id).await?;
    Ok(super::meetings::calendar_response(
        body,
        &format!("schedule-{id}.ics"),
    ))
}

async fn list_policies(
    State(state): State<AppState>,
    _actor: Actor,
) -> Result<Json<List<act::PolicyView>>, AppError> {
    let mut out = Vec::new();
    for p in state.store.escalation_policies().await? {
        out.push(act::policy_view(&state, p).await?);
    }
    Ok(Json(List::all(out)))
}

async fn create_policy(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(input): ApiJson<PolicyInput>,
) -> Result<(StatusCode, Json<act::PolicyView>), AppError> {
    let p = act::create_policy(&state, &actor, &input).await?;
    Ok((
        StatusCode::CREATED,
        Json(act::policy_view(&state, p).await?),
    ))
}

async fn get_policy(
    State(state): State<AppState>,
    _actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<act::PolicyView>, AppError> {
    let p = state
        .store
        .escalation_policy(id_of("escalation policy", &id)?)
        .await?;
    Ok(Json(act::policy_view(&state, p).await?))
}

async fn update_policy(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<PolicyInput>,
) -> Result<Json<act::PolicyView>, AppError> {
    let p = act::update_policy(&state, &actor, id_of("escalation policy", &id)?, &input).await?;
    Ok(Json(act::policy_view(&state, p).await?))
}

async fn delete_policy(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    act::delete_policy(&state, &actor, id_of("escalation policy", &id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn preview(
    State(state): State<AppState>,
    _actor: Actor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<act::PreviewInput>,
) -> Result<Json<Value>, AppError> {
    let p = state
        .store
        .escalation_policy(id_of("escalation policy", &id)?)
        .await?;
    let firings = act::preview(&state, &p.policy(), &input).await?;
    Ok(Json(json!({"policy_id": p.id, "firings": firings})))
}

async fn get_service_policy(
    State(state): State<AppState>,
    _actor: Actor,
    Path(slug): Path<String>,
) -> Result<Json<Value>, AppError> {
    if !state
        .store
        .list_services()
        .await?
        .iter()
        .any(|s| s.slug == slug)
    {
        return Err(AppError::NotFound(format!("service '{slug}'")));
    }
    let p = state.store.service_policy(&slug).await?;
    Ok(Json(json!({
        "service": slug,
        "policy_id": p.as_ref().map(|p| p.id),
        "policy": p.as_ref().map(|p| p.name.clone()),
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServicePolicyInput {
    policy_id: Option<i64>,
}

async fn put_service_policy(
    State(state): State<AppState>,
    actor: Actor,
    Path(slug): Path<String>,
    ApiJson(input): ApiJson<ServicePolicyInput>,
) -> Result<Json<Value>, AppError> {
    act::set_service_policy(&state, &actor, &slug, input.policy_id).await?;
    get_service_policy(State(state), actor, Path(slug)).await
}

async fn on_call_now(
    State(state): State<AppState>,
    _actor: Actor,
    QueryPairs(pairs): QueryPairs,
) -> Result<Json<act::OnCallOverview>, AppError> {
    let mut e = ValidationError::default();
    let mut at = None;
    for (k, v) in &pairs {
        match k.as_str() {
            "at" => at = instant(&mut e, "at", v),
            other => e.push(other, "is not a parameter here; use at"),
        }
    }
    if !e.fields.is_empty() {
        return Err(e.into());
    }
    let at = at.unwrap_or_else(|| state.clock.now());
    Ok(Json(act::on_call_overview(&state, at).await?))
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

async fn my_shifts(
    State(state): State<AppState>,
    actor: Actor,
    QueryPairs(pairs): QueryPairs,
) -> Result<Json<Value>, AppError> {
    let (from, to) = range(&state, &pairs, 14)?;
    let items: Vec<Value> = act::user_shifts(&state, actor.user.id, from, to)
        .await?
        .into_iter()
        .map(|(row, s)| {
            json!({
                "schedule_id": row.id, "schedule": row.name, "time_zone": row.time_zone,
                "start": debrief_core::format_utc(s.start), "end": debrief_core::format_utc(s.end),
            })
        })
        .collect();
    Ok(Json(json!({"items": items})))
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
