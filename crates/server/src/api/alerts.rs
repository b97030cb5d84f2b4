//! `/api/v1` for alert intake: integrations (admins; a key is shown once, on creation and on
//! rotation), alerts (everyone reads; responders acknowledge, resolve and add notes), an
//! incident's alerts, and each service's routing rule, silences and change events.

use super::Page;
use crate::actions::alerts::{
    self as act, IntegrationInput, IntegrationPatch, RuleInput, SilenceInput,
};
use crate::auth::Actor;
use crate::request::{ApiJson, QueryPairs, RefPath, page_cursor, page_limit};
use crate::{AppError, AppState};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use debrief_core::access::AccountRole;
use debrief_core::alert::AlertStatus;
use debrief_core::validation::{ValidationError, required_text};
use debrief_store::alert::{Alert, AlertFilter, Integration};
use serde::Deserialize;
use serde_json::{Value, json};

/// The alert routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/integrations",
            get(list_integrations).post(create_integration),
        )
        .route(
            "/integrations/{id}",
            get(get_integration).patch(update_integration),
        )
        .route("/integrations/{id}/rotate", post(rotate))
        .route("/alerts", get(list_alerts))
        .route("/alerts/{id}", get(get_alert))
        .route("/alerts/{id}/acknowledge", post(acknowledge))
        .route("/alerts/{id}/resolve", post(resolve))
        .route("/alerts/{id}/notes", post(add_note))
        .route("/incidents/{reference}/alerts", get(incident_alerts))
        .route("/services/{slug}/alert-rule", get(get_rule).put(put_rule))
        .route(
            "/services/{slug}/silences",
            get(list_silences).post(create_silence),
        )
        .route("/silences/{id}", delete(end_silence))
        .route("/services/{slug}/changes", get(list_changes))
}

fn id_of(what: &str, raw: &str) -> Result<i64, AppError> {
    raw.parse()
        .map_err(|_| AppError::NotFound(format!("{what} '{raw}'")))
}

async fn list_integrations(
    State(state): State<AppState>,
    actor: Actor,
    QueryPairs(pairs): QueryPairs,
) -> Result<Json<Page<Integration>>, AppError> {
    actor.require(AccountRole::Admin)?;
    let mut service = None;
    for (k, v) in &pairs {
        match k.as_str() {
            "service" => service = Some(v.clone()),
            other => {
                return Err(ValidationError::one(other, "is not a filter of this list").into());
            }
        }
    }
    Ok(Json(Page {
        items: state.store.integrations(service.as_deref()).await?,
        next_cursor: super::Skip::Absent,
    }))
}

async fn create_integration(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(input): ApiJson<IntegrationInput>,
) -> Result<(StatusCode, Json<act::IntegrationCreated>), AppError> {
    Ok((
        StatusCode::CREATED,
        Json(act::create_integration(&state, &actor, &input).await?),
    ))
}

async fn get_integration(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    actor.require(AccountRole::Admin)?;
    let integration = state.store.integration(id_of("integration", &id)?).await?;
    let url = act::intake_url(&state, &integration.kind);
    let mut body = serde_json::to_value(&integration).map_err(AppError::internal)?;
    body["url"] = Value::String(url);
    Ok(Json(body))
}

async fn update_integration(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    ApiJson(p): ApiJson<IntegrationPatch>,
) -> Result<Json<Integration>, AppError> {
    Ok(Json(
        act::update_integration(&state, &actor, id_of("integration", &id)?, &p).await?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RotateInput {
    #[serde(default)]
    overlap_minutes: i64,
}

async fn rotate(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<RotateInput>,
) -> Result<Json<act::IntegrationCreated>, AppError> {
    Ok(Json(
        act::rotate_key(
            &state,
            &actor,
            id_of("integration", &id)?,
            input.overlap_minutes,
        )
        .await?,
    ))
}

/// Reads an alert list's filters, for `actor` (alerts of incidents they may not see are left
/// out).
fn alert_filter(actor: &Actor, pairs: &[(String, String)]) -> Result<AlertFilter, AppError> {
    let mut f = AlertFilter {
        limit: 50,
        viewer: Some(actor.viewer()),
        ..AlertFilter::default()
    };
    let mut e = ValidationError::default();
    for (k, v) in pairs {
        // An empty value filters nothing, as in the incident list.
        let v = v.trim_matches(' ');
        if v.is_empty() {
            continue;
        }
        match k.as_str() {
            "status" => {
                for s in v.split(',').map(|s| s.trim_matches(' ')) {
                    match s.parse::<AlertStatus>() {
                        Ok(s) => f.statuses.push(s),
                        Err(_) => e.push(
                            "status",
                            format!("'{s}' is not triggered, acknowledged or resolved"),
                        ),
                    }
                }
            }
            "service" => f.service = Some(v.to_string()),
            "integration" => match v.parse() {
                Ok(n) => f.integration_id = Some(n),
                Err(_) => e.push("integration", "must be an integration id"),
            },
            "incident" => match v.trim_start_matches("INC-").parse::<i64>() {
                Ok(n) if n > 0 => f.incident_id = Some(n),
                _ => e.push("incident", "must be an incident reference like INC-42"),
            },
            "cursor" => f.before = page_cursor(&mut e, v),
            "limit" => f.limit = page_limit(&mut e, v).unwrap_or(50),
            other => e.push(other, "is not a filter of this list"),
        }
    }
    if e.fields.is_empty() {
        Ok(f)
    } else {
        Err(e.into())
    }
}

/// Masks the integration key a PagerDuty body carries (`routing_key`, v1 `service_key`) to its
/// last characters, as the integration's `key_hint` does: the payload is kept as sent, and
/// anyone who may read alerts (viewers too) must not be able to send them with that key.
fn masked(mut alert: Alert) -> Alert {
    if let Some(body) = alert.payload.as_object_mut() {
        for field in ["routing_key", "service_key"] {
            if let Some(Value::String(key)) = body.get_mut(field) {
                let tail: Vec<char> = key.chars().rev().take(4).collect();
                *key = format!("…{}", tail.into_iter().rev().collect::<String>());
            }
        }
    }
    alert
}

async fn page_of(state: &AppState, f: AlertFilter) -> Result<Page<Alert>, AppError> {
    let limit = f.limit;
    let mut items = state
        .store
        .alerts(&AlertFilter {
            limit: limit + 1,
            ..f
        })
        .await?;
    let next = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().map(|a| a.id.to_string())
    } else {
        None
    };
    Ok(Page {
        items: items.into_iter().map(masked).collect(),
        next_cursor: super::Skip::Present(next),
    })
}

async fn list_alerts(
    State(state): State<AppState>,
    actor: Actor,
    QueryPairs(pairs): QueryPairs,
) -> Result<Json<Page<Alert>>, AppError> {
    actor.require(AccountRole::Viewer)?;
    let f = alert_filter(&actor, &pairs)?;
    Ok(Json(page_of(&state, f).await?))
}

async fn get_alert(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    actor.require(AccountRole::Viewer)?;
    let id = id_of("alert", &id)?;
    let alert = masked(act::visible_alert(&state, &actor, id).await?);
    let notes = state.store.alert_notes(id).await?;
    let mut body = serde_json::to_value(&alert).map_err(AppError::internal)?;
    body["notes"] = serde_json::to_value(&notes).map_err(AppError::internal)?;
    Ok(Json(body))
}

async fn acknowledge(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<Alert>, AppError> {
    Ok(Json(masked(
        act::set_status(
            &state,
            &actor,
            id_of("alert", &id)?,
            AlertStatus::Acknowledged,
        )
        .await?,
    )))
}

async fn resolve(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<Alert>, AppError> {
    Ok(Json(masked(
        act::set_status(&state, &actor, id_of("alert", &id)?, AlertStatus::Resolved).await?,
    )))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteInput {
    note: String,
}

async fn add_note(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NoteInput>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    actor.require(AccountRole::Responder)?;
    let id = id_of("alert", &id)?;
    act::visible_alert(&state, &actor, id).await?;
    let mut e = ValidationError::default();
    // A person's comment, as long as a review comment (Opsgenie senders' notes keep their own
    // 25,000).
    let note = required_text(&mut e, "note", &input.note, 10_000);
    e.into_result(())?;
    let n = state
        .store
        .add_alert_note(id, &note, &actor.user.name, None, state.clock.now())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::to_value(n).map_err(AppError::internal)?),
    ))
}

async fn incident_alerts(
    State(state): State<AppState>,
    actor: Actor,
    RefPath(r): RefPath,
    QueryPairs(pairs): QueryPairs,
) -> Result<Json<Page<Alert>>, AppError> {
    let incident = crate::actions::incident::get_incident(&state, &actor, r).await?;
    let mut f = alert_filter(&actor, &pairs)?;
    f.incident_id = Some(incident.id);
    Ok(Json(page_of(&state, f).await?))
}

async fn get_rule(
    State(state): State<AppState>,
    actor: Actor,
    Path(slug): Path<String>,
) -> Result<Json<Value>, AppError> {
    actor.require(AccountRole::Viewer)?;
    act::known_service(&state, &slug).await?;
    let (rule, own) = act::rule_in_force(&state, &slug).await?;
    Ok(Json(
        json!({"service": slug, "default": !own, "rule": rule}),
    ))
}

async fn put_rule(
    State(state): State<AppState>,
    actor: Actor,
    Path(slug): Path<String>,
    ApiJson(input): ApiJson<RuleInput>,
) -> Result<Json<Value>, AppError> {
    let rule = act::put_rule(&state, &actor, &slug, &input).await?;
    Ok(Json(
        json!({"service": slug, "default": false, "rule": rule}),
    ))
}

async fn list_silences(
    State(state): State<AppState>,
    actor: Actor,
    Path(slug): Path<String>,
) -> Result<Json<Value>, AppError> {
    actor.require(AccountRole::Viewer)?;
    act::known_service(&state, &slug).await?;
    Ok(Json(json!({
        "items": state.store.silences(Some(&slug), state.clock.now()).await?
    })))
}

async fn create_silence(
    State(state): State<AppState>,
    actor: Actor,
    Path(slug): Path<String>,
    ApiJson(input): ApiJson<SilenceInput>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let s = act::create_silence(&state, &actor, &slug, &input).await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::to_value(s).map_err(AppError::internal)?),
    ))
}

async fn end_silence(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    actor.require(AccountRole::Responder)?;
    state
        .store
        .end_silence(id_of("silence", &id)?, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_changes(
    State(state): State<AppState>,
    actor: Actor,
    Path(slug): Path<String>,
) -> Result<Json<Value>, AppError> {
    actor.require(AccountRole::Viewer)?;
    act::known_service(&state, &slug).await?;
    Ok(Json(
        json!({"items": state.store.changes(&slug, 100).await?}),
    ))
}
