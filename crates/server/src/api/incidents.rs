//! `/api/v1/incidents`: declare, list, get, update, transitions, roles, merge, participants,
//! key timestamps and metrics.

use crate::actions::incident::{self as act, RoleInput, TransitionInput, key_timestamps};
use crate::auth::Actor;
use crate::request::{ApiJson, QueryPairs, by_version_source, if_match};
use crate::request::{RefPath, parse_filter};
use crate::{AppError, AppState};
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use debrief_core::access::AccountRole;
use debrief_core::incident::{DeclareInput, Incident, UpdateInput};
use debrief_core::metrics;
use debrief_core::timeline::Source;
use debrief_core::timestamps::{FIELDS, KeyTimestamps};
use debrief_core::validation::ValidationError;
use debrief_store::incident::IncidentFilter;
use serde_json::{Value, json};

/// The incident routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/incidents", get(list_incidents).post(declare_incident))
        .route("/incidents/stats", get(incident_stats))
        .route(
            "/incidents/{reference}",
            get(get_incident).patch(update_incident),
        )
        .route(
            "/incidents/{reference}/transitions",
            post(transition_incident),
        )
        .route("/incidents/{reference}/roles", post(assign_role))
        .route("/incidents/{reference}/merge", post(merge_incident))
        .route(
            "/incidents/{reference}/participants",
            get(list_participants).post(add_participant),
        )
        .route(
            "/incidents/{reference}/timestamps",
            get(get_timestamps).patch(override_timestamps),
        )
        .route("/incidents/{reference}/metrics", get(get_metrics))
}

/// An incident as the API shows it: its fields and its `custom_fields`.
async fn incident_json(state: &AppState, incident: &Incident) -> Result<Value, AppError> {
    let mut v = serde_json::to_value(incident).map_err(AppError::internal)?;
    v["custom_fields"] = act::custom_fields_json(state, &[incident.id])
        .await?
        .remove(&incident.id)
        .unwrap_or_default();
    Ok(v)
}

/// An incident with its `ETag`.
async fn incident_response(
    state: &AppState,
    status: StatusCode,
    incident: &Incident,
) -> Result<Response, AppError> {
    let mut res = (status, Json(incident_json(state, incident).await?)).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", incident.version)) {
        res.headers_mut().insert(header::ETAG, v);
    }
    if status == StatusCode::CREATED
        && let Ok(v) = HeaderValue::from_str(&format!("/api/v1/incidents/{}", incident.reference))
    {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

async fn declare_incident(
    State(state): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    ApiJson(input): ApiJson<DeclareInput>,
) -> Result<Response, AppError> {
    let incident = act::declare_incident(&state, &actor, &input, channel(&headers)).await?;
    incident_response(&state, StatusCode::CREATED, &incident).await
}

/// The source recorded for API calls: `cli` when the CLI says so, `api` otherwise.
pub fn channel(headers: &HeaderMap) -> Source {
    match headers
        .get("x-debrief-client")
        .and_then(|v| v.to_str().ok())
    {
        Some("cli") => Source::Cli,
        _ => Source::Api,
    }
}

async fn list_incidents(
    State(state): State<AppState>,
    actor: Actor,
    QueryPairs(pairs): QueryPairs,
) -> Result<Json<super::Page<Value>>, AppError> {
    let f = parse_filter(&pairs)?;
    let mut page = state
        .store
        .list_incidents(
            &IncidentFilter {
                limit: f.limit + 1,
                ..f.clone()
            },
            actor.viewer(),
        )
        .await?;
    let next = if page.len() as i64 > f.limit {
        page.truncate(f.limit as usize);
        page.last().map(|i| i.id.to_string())
    } else {
        None
    };
    let ids: Vec<i64> = page.iter().map(|i| i.id).collect();
    let mut custom = act::custom_fields_json(&state, &ids).await?;
    let items = page
        .iter()
        .map(|i| {
            let mut v = serde_json::to_value(i).map_err(AppError::internal)?;
            v["custom_fields"] = custom.remove(&i.id).unwrap_or_default();
            Ok(v)
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok(Json(super::Page {
        items,
        next_cursor: super::Skip::Present(next),
    }))
}

async fn incident_stats(
    State(state): State<AppState>,
    actor: Actor,
    QueryPairs(pairs): QueryPairs,
) -> Result<Json<Value>, AppError> {
    let f = parse_filter(&pairs)?;
    let counts = state.store.count_incidents(&f, actor.viewer()).await?;
    let total: i64 = counts.iter().map(|(_, n)| n).sum();
    let by_status: serde_json::Map<String, Value> = counts
        .into_iter()
        .map(|(s, n)| (s.as_str().to_string(), json!(n)))
        .collect();
    Ok(Json(json!({"total": total, "by_status": by_status})))
}

async fn get_incident(
    State(state): State<AppState>,
    actor: Actor,
    RefPath(r): RefPath,
) -> Result<Response, AppError> {
    let incident = act::get_incident(&state, &actor, r).await?;
    incident_response(&state, StatusCode::OK, &incident).await
}

async fn update_incident(
    State(state): State<AppState>,
    actor: Actor,
    RefPath(r): RefPath,
    headers: HeaderMap,
    ApiJson(input): ApiJson<UpdateInput>,
) -> Result<Response, AppError> {
    let incident = by_version_source(
        &headers,
        act::update_incident(
            &state,
            &actor,
            r,
            &input,
            if_match(&headers)?,
            channel(&headers),
        )
        .await,
    )?;
    incident_response(&state, StatusCode::OK, &incident).await
}

async fn transition_incident(
    State(state): State<AppState>,
    actor: Actor,
    RefPath(r): RefPath,
    headers: HeaderMap,
    ApiJson(input): ApiJson<TransitionInput>,
) -> Result<Response, AppError> {
    let incident = by_version_source(
        &headers,
        act::transition_incident(
            &state,
            &actor,
            r,
            &input,
            if_match(&headers)?,
            channel(&headers),
        )
        .await,
    )?;
    incident_response(&state, StatusCode::OK, &incident).await
}

async fn assign_role(
    State(state): State<AppState>,
    actor: Actor,
    RefPath(r): RefPath,
    headers: HeaderMap,
    ApiJson(input): ApiJson<RoleInput>,
) -> Result<Response, AppError> {
    let incident = act::assign_role(&state, &actor, r, &input, channel(&headers)).await?;
    incident_response(&state, StatusCode::OK, &incident).await
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct MergeInput {
    into: String,
}

async fn merge_incident(
    State(state): State<AppState>,
    actor: Actor,
    RefPath(r): RefPath,
    headers: HeaderMap,
    ApiJson(input): ApiJson<MergeInput>,
) -> Result<Response, AppError> {
    let incident = act::merge_incident(&state, &actor, r, &input.into, channel(&headers)).await?;
    incident_response(&state, StatusCode::OK, &incident).await
}

async fn list_participants(
    State(state): State<AppState>,
    actor: Actor,
    RefPath(r): RefPath,
) -> Result<Json<Value>, AppError> {
    state.store.incident_private(r.0, actor.viewer()).await?;
    // One read of the users instead of one per participant.
    let ids = state.store.participants(r.0).await?;
    let mut found = state.store.list_users().await?;
    found.sort_by_key(|u| u.id);
    let users: Vec<Value> = found
        .into_iter()
        .filter(|u| ids.contains(&u.id))
        .map(|u| json!({"id": u.id, "name": u.name, "email": u.email}))
        .collect();
    Ok(Json(json!({"items": users})))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ParticipantInput {
    email: String,
}

async fn add_participant(
    State(state): State<AppState>,
    actor: Actor,
    RefPath(r): RefPath,
    headers: HeaderMap,
    ApiJson(input): ApiJson<ParticipantInput>,
) -> Result<Json<Value>, AppError> {
    actor.require(AccountRole::Responder)?;
    let incident = state.store.incident(r.0, actor.viewer()).await?;
    let user = state.store.user_by_email(&input.email).await.map_err(|_| {
        ValidationError::missing("email", format!("no user with email {}", input.email))
    })?;
    let event = debrief_store::timeline::EventDraft {
        kind: debrief_core::timeline::EventKind::RoleChange,
        at: state.clock.now(),
        source: channel(&headers),
        author_id: Some(actor.user.id),
        author_name: Some(actor.user.name.clone()),
        body: format!("{} added {} as a participant", actor.user.name, user.name),
        links: Vec::new(),
        data: json!({"participant": {"id": user.id, "name": user.name}}),
        starred: false,
        created_at: state.clock.now(),
    };
    let write = debrief_store::incident::IncidentWrite {
        participants: vec![user.id, actor.user.id],
        events: vec![event],
        ..debrief_store::incident::IncidentWrite::new(incident.clone())
    };
    let events = state.store.apply(&[write], state.clock.now()).await?;
    state.live.publish(incident.id, incident.private, &events);
    Ok(Json(
        json!({"id": user.id, "name": user.name, "email": user.email}),
    ))
}

/// The key timestamps as JSON, each with where its value came from.
pub fn timestamps_json(k: &KeyTimestamps) -> Value {
    let mut v = serde_json::to_value(k).expect("serializes");
    let origins: serde_json::Map<String, Value> = FIELDS
        .iter()
        .map(|f| (f.to_string(), json!(k.origin(f))))
        .collect();
    v["origins"] = Value::Object(origins);
    v
}

async fn get_timestamps(
    State(state): State<AppState>,
    actor: Actor,
    RefPath(r): RefPath,
) -> Result<Json<Value>, AppError> {
    let incident = state.store.incident(r.0, actor.viewer()).await?;
    let events = state.store.list_events(r.0).await?;
    Ok(Json(timestamps_json(&key_timestamps(&incident, &events))))
}

async fn override_timestamps(
    State(state): State<AppState>,
    actor: Actor,
    RefPath(r): RefPath,
    headers: HeaderMap,
    ApiJson(body): ApiJson<serde_json::Map<String, Value>>,
) -> Result<Json<Value>, AppError> {
    let (incident, _) =
        act::override_timestamps(&state, &actor, r, &body, channel(&headers)).await?;
    let events = state.store.list_events(r.0).await?;
    Ok(Json(timestamps_json(&key_timestamps(&incident, &events))))
}

/// How each metric is measured, by metric name (from [`metrics::DEFINITIONS`]).
pub fn definitions_json() -> Value {
    Value::Object(
        metrics::DEFINITIONS
            .iter()
            .map(|d| (d.metric.to_string(), json!(d.how_measured)))
            .collect(),
    )
}

/// The metrics document of one incident: key timestamps, metrics (with the contradictions that
/// left any of them null) and how each metric is measured.
pub fn metrics_json(incident: &Incident, k: &KeyTimestamps) -> Value {
    json!({
        "reference": incident.reference,
        "timestamps": timestamps_json(k),
        "metrics": metrics::compute(k, &incident.services),
        "definitions": definitions_json(),
    })
}

async fn get_metrics(
    State(state): State<AppState>,
    actor: Actor,
    RefPath(r): RefPath,
) -> Result<Json<Value>, AppError> {
    let incident = state.store.incident(r.0, actor.viewer()).await?;
    let events = state.store.list_events(r.0).await?;
    Ok(Json(metrics_json(
        &incident,
        &key_timestamps(&incident, &events),
    )))
}

#[cfg(test)]
mod tests {
    use super::definitions_json;
    use debrief_core::metrics::DEFINITIONS;
    use serde_json::Value;

    /// The OpenAPI document is written by hand; this keeps its metric definitions those of
    /// `debrief_core::metrics::DEFINITIONS`, the one place they are stated.
    #[test]
    fn the_api_document_states_the_definitions_of_core() {
        let doc: Value = serde_json::from_str(crate::api::OPENAPI).expect("JSON");
        let schemas = &doc["components"]["schemas"];
        for d in DEFINITIONS {
            let described = schemas["Metrics"]["properties"][d.metric]["description"]
                .as_str()
                .unwrap_or_default();
            assert!(
                described.starts_with(&format!("How measured: {} (", d.how_measured)),
                "{}: {described}",
                d.metric
            );
            assert_eq!(
                schemas["MetricDefinitions"]["properties"][d.metric]["const"],
                d.how_measured
            );
            assert_eq!(definitions_json()[d.metric], d.how_measured);
        }
    }
}
