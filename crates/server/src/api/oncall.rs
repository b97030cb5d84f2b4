//! `/api/v1` for on call: schedules (admins write; everyone reads), overrides and swaps
//! (responders), who is on call, final schedules, escalation policies and each service's
//! policy (admins), a user's shifts, and iCalendar feeds. Pages, notification settings and
//! push subscriptions: [`super::pages`].

use super::Page as List;
use crate::actions::oncall::{self as act, OverrideInput, PolicyInput, ScheduleInput, SwapInput};
use crate::auth::Actor;
use crate::request::{ApiJson, QueryPairs};
use crate::{AppError, AppState};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{delete, get, post};
use debrief_core::Timestamp;
use debrief_core::validation::ValidationError;
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
        .route("/users/me/shifts", get(my_shifts))
        .route("/users/me/shifts.ics", get(my_calendar))
        .route("/feeds/{token}/on-call.ics", get(feed_user_calendar))
        .route(
            "/feeds/{token}/schedules/{file}",
            get(feed_schedule_calendar),
        )
}

pub(super) fn id_of(what: &str, raw: &str) -> Result<i64, AppError> {
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

/// The `at` of a query (default: now), and nothing else.
fn at_param(state: &AppState, pairs: &[(String, String)]) -> Result<Timestamp, AppError> {
    let mut e = ValidationError::default();
    let mut at = None;
    for (k, v) in pairs {
        match k.as_str() {
            "at" => at = instant(&mut e, "at", v),
            other => e.push(other, "is not a parameter here; use at"),
        }
    }
    e.into_result(at.unwrap_or_else(|| state.clock.now()))
        .map_err(AppError::from)
}

/// `from` and `to` of a query (defaults: now, and `days` after `from`), and nothing else.
pub(super) fn range(
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
    let at = at_param(&state, &pairs)?;
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
    let at = at_param(&state, &pairs)?;
    Ok(Json(act::on_call_overview(&state, at).await?))
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
