//! Opsgenie's Alert API v2, as its clients (and Alertmanager's `opsgenie_configs`) call it:
//! `Authorization: GenieKey KEY`; every accepted request answers `202` with a `requestId`
//! that `GET /v2/alerts/requests/{requestId}` resolves, as Opsgenie processes requests
//! asynchronously. Here the work is done (and durable) before the answer, so the request's
//! status is final at once.

use super::{group_by, integration_for, record, stored};
use crate::{AppError, AppState};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use debrief_core::alert::opsgenie::{
    self, ActionKind, IdentifierType, OpsgenieError, RequestOutcome, parse_action, parse_create,
    parse_identifier,
};
use debrief_store::alert::{Integration, RequestRecord, SignalOutcome};
use serde::Deserialize;
use serde_json::json;
use std::time::Instant;

/// Who acknowledges or closes an alert when the Opsgenie API does and names no user.
const BY: &str = "Opsgenie API";

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST)
}

/// A request id, shaped like Opsgenie's (a UUID).
fn request_id() -> String {
    use crate::auth::new_hex;
    format!(
        "{}-{}-{}-{}-{}",
        new_hex(4),
        new_hex(2),
        new_hex(2),
        new_hex(2),
        new_hex(6)
    )
}

fn took(started: Instant) -> f64 {
    (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0
}

fn refused(e: &OpsgenieError, started: Instant, id: &str) -> Response {
    (status(e.status), Json(e.body(took(started), id))).into_response()
}

fn accepted(started: Instant, id: &str) -> Response {
    (
        status(opsgenie::ACCEPTED_STATUS),
        Json(opsgenie::accepted(took(started), id)),
    )
        .into_response()
}

/// Opsgenie's answer to a sender over its rate, with `Retry-After`.
fn throttled(started: Instant, id: &str, secs: u64) -> Response {
    let mut r = (
        StatusCode::TOO_MANY_REQUESTS,
        Json(
            json!({"message": "Rate limit exceeded for this integration; retry later.",
            "took": took(started), "requestId": id}),
        ),
    )
        .into_response();
    r.headers_mut().insert(header::RETRY_AFTER, secs.into());
    r
}

/// Opsgenie's answer to a missing or unknown key.
fn unauthenticated(started: Instant, id: &str) -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({"message": "Could not authenticate", "took": took(started), "requestId": id})),
    )
        .into_response()
}

async fn authenticated(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<Integration>, AppError> {
    let key = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, key) = v.trim().split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("geniekey")
                .then(|| key.trim().to_string())
        });
    match key {
        Some(k) => integration_for(state, &k, "opsgenie").await,
        None => Ok(None),
    }
}

/// `POST /v2/alerts`: creates an alert, or adds to the open one with the same alias.
pub async fn create(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (started, id) = (Instant::now(), request_id());
    let integration = match authenticated(&state, &headers).await {
        Ok(Some(i)) => i,
        Ok(None) => return unauthenticated(started, &id),
        Err(e) => return e.into_response(),
    };
    let alert = match parse_create(&body) {
        Ok(a) => a,
        Err(e) => return refused(&e, started, &id),
    };
    if let Err(secs) = super::throttle(&state, &integration, 1) {
        return throttled(started, &id, secs);
    }
    let alias = alert.signal.dedup_key.clone();
    // Without an alias, every create opens a new alert.
    let key = alias.clone().unwrap_or_else(super::new_dedup_key);
    let s = stored(
        &alert.signal,
        key,
        &group_by(&integration),
        String::from_utf8_lossy(&body).into_owned(),
        state.clock.now(),
    );
    let by = alert.user.clone().unwrap_or_else(|| BY.to_string());
    let request = RequestRecord {
        id: id.clone(),
        action: "Create".into(),
        alias,
    };
    match record(&state, &integration, &by, vec![s], Some(request)).await {
        Ok(_) => accepted(started, &id),
        Err(e) => e.into_response(),
    }
}

/// The query of an action: how to read the path's identifier.
#[derive(Debug, Deserialize)]
pub struct ActionQuery {
    #[serde(rename = "identifierType")]
    identifier_type: Option<String>,
}

/// `POST /v2/alerts/{identifier}/{acknowledge|close|notes}?identifierType=id|tiny|alias`.
pub async fn action(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((identifier, action)): Path<(String, String)>,
    Query(q): Query<ActionQuery>,
    body: Bytes,
) -> Response {
    let (started, id) = (Instant::now(), request_id());
    let integration = match authenticated(&state, &headers).await {
        Ok(Some(i)) => i,
        Ok(None) => return unauthenticated(started, &id),
        Err(e) => return e.into_response(),
    };
    let kind = match action.as_str() {
        "acknowledge" => ActionKind::Acknowledge,
        "close" => ActionKind::Close,
        "notes" => ActionKind::AddNote,
        other => {
            return AppError::NotFound(format!(
                "the Opsgenie alert action '{other}' (acknowledge, close and notes are supported)"
            ))
            .into_response();
        }
    };
    let target = match parse_identifier(&identifier, q.identifier_type.as_deref()) {
        Ok(t) => t,
        Err(e) => return refused(&e, started, &id),
    };
    // An empty body is an action with no user, source or note.
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        &body
    };
    let act = match parse_action(kind, body) {
        Ok(a) => a,
        Err(e) => return refused(&e, started, &id),
    };
    if let Err(secs) = super::throttle(&state, &integration, 1) {
        return throttled(started, &id, secs);
    }
    // The alert named: by alias, its open alert; by id or tiny id, that alert of this
    // integration.
    let found = match target.kind {
        IdentifierType::Alias => {
            state
                .store
                .latest_alert(integration.id, &target.value)
                .await
        }
        IdentifierType::Id | IdentifierType::Tiny => match target.value.trim().parse::<i64>() {
            Ok(n) => match state.store.alert(n).await {
                Ok(a) => Ok(Some(a)),
                Err(debrief_store::StoreError::NotFound(_)) => Ok(None),
                Err(e) => Err(e),
            },
            Err(_) => Ok(None),
        },
    };
    let alert = match found {
        Ok(a) => a.filter(|a| a.integration_id == integration.id),
        Err(e) => return AppError::from(e).into_response(),
    };
    let request = RequestRecord {
        id: id.clone(),
        action: kind.request_action().to_string(),
        alias: alert.as_ref().map(|a| a.dedup_key.clone()),
    };
    let by = act.user.clone().unwrap_or_else(|| BY.to_string());
    let now = state.clock.now();
    let done: Result<(), AppError> = match (alert, kind.signal_action()) {
        (None, _) => state
            .store
            .record_request(
                integration.id,
                &request,
                opsgenie::STATUS_ALERT_DOES_NOT_EXIST,
                now,
            )
            .await
            .map_err(AppError::from),
        (Some(a), None) => {
            let note = act.note.clone().unwrap_or_default();
            state
                .store
                .add_alert_note(a.id, &note, &by, Some((integration.id, &request)), now)
                .await
                .map(|_| ())
                .map_err(AppError::from)
        }
        (Some(a), Some(signal_action)) => {
            let mut signal = debrief_core::alert::Signal::new(signal_action);
            signal.dedup_key = Some(a.dedup_key.clone());
            let s = stored(
                &signal,
                a.dedup_key.clone(),
                &group_by(&integration),
                String::from_utf8_lossy(body).into_owned(),
                now,
            );
            let note = act.note.clone();
            match record(&state, &integration, &by, vec![s], Some(request)).await {
                Ok(outcomes) => {
                    if let (
                        Some(note),
                        Some(
                            SignalOutcome::Acknowledged { alert_id }
                            | SignalOutcome::Resolved { alert_id },
                        ),
                    ) = (
                        note.filter(|n| !n.trim().is_empty()),
                        outcomes.first().copied(),
                    ) {
                        state
                            .store
                            .add_alert_note(alert_id, &note, &by, None, now)
                            .await
                            .map(|_| ())
                            .map_err(AppError::from)
                    } else {
                        Ok(())
                    }
                }
                Err(e) => Err(e),
            }
        }
    };
    match done {
        Ok(()) => accepted(started, &id),
        Err(e) => e.into_response(),
    }
}

/// `GET /v2/alerts/requests/{requestId}`: what a request did.
pub async fn request(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(request_id): Path<String>,
) -> Response {
    let (started, id) = (Instant::now(), request_id.clone());
    let integration = match authenticated(&state, &headers).await {
        Ok(Some(i)) => i,
        Ok(None) => return unauthenticated(started, &id),
        Err(e) => return e.into_response(),
    };
    let row = match state.store.alert_request(integration.id, &request_id).await {
        Ok(r) => r,
        Err(e) => return AppError::from(e).into_response(),
    };
    let Some(row) = row else {
        return (
            StatusCode::NOT_FOUND,
            Json(
                json!({"message": "Request not found. It might not be processed, yet.",
                "took": took(started), "requestId": id}),
            ),
        )
            .into_response();
    };
    let action: &'static str = match row.action.as_str() {
        "Create" => "Create",
        "Acknowledge" => "Acknowledge",
        "Close" => "Close",
        _ => "AddNote",
    };
    let outcome = RequestOutcome {
        action,
        success: row.success,
        processed_at: row.processed_at,
        integration_id: row.integration_id.to_string(),
        status: row.status,
        alert_id: row.alert_id.map(|a| a.to_string()).unwrap_or_default(),
        alias: row.alias.unwrap_or_default(),
    };
    (
        StatusCode::OK,
        Json(opsgenie::request_status(&outcome, took(started), &id)),
    )
        .into_response()
}
