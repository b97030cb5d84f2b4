//! Webhooks authenticated by the integration key: Alertmanager (version 4), Grafana alerting
//! (version 1, with its optional HMAC signature) and Debrief's generic JSON.
//!
//! The key comes as a bearer token (`Authorization: Bearer KEY`) or as the password of basic
//! credentials (`Authorization: Basic base64(any-user:KEY)`), the two ways Alertmanager's
//! `http_config` sends credentials. A missing or unknown key is `401`; a body that is not the
//! documented JSON is `400` naming what is wrong, and records nothing. Accepted bodies answer
//! `202` with what each alert did.

use super::{group_by, integration_for, record, stored};
use crate::{AppError, AppState};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use debrief_core::alert::alertmanager::parse_webhook;
use debrief_core::alert::grafana::{SIGNATURE_HEADER, verify_grafana_signature};
use debrief_core::alert::{generic, grafana};
use debrief_store::alert::{Integration, SignalOutcome};
use serde_json::{Value, json};

/// The headers that may carry the time Grafana signed at, when its contact point is set to send
/// one (Grafana lets the operator name it; these are the names its documentation and its
/// Terraform provider use).
const GRAFANA_TIMESTAMP_HEADERS: [&str; 2] = [
    "X-Grafana-Alerting-Timestamp",
    "X-Grafana-Alerting-Signature-Timestamp",
];

/// The key in the request's `Authorization` header: a bearer token, or the password of basic
/// credentials (the user name when the password is empty).
fn key_of(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, rest) = value.split_once(' ')?;
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some(rest.to_string());
    }
    if scheme.eq_ignore_ascii_case("basic") {
        use base64::Engine as _;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest)
            .ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (user, password) = text.split_once(':').unwrap_or((text.as_str(), ""));
        return Some(if password.is_empty() { user } else { password }.to_string());
    }
    None
}

async fn authenticated(
    state: &AppState,
    headers: &HeaderMap,
    kind: &str,
) -> Result<Integration, AppError> {
    let Some(key) = key_of(headers) else {
        return Err(AppError::Unauthorized(format!(
            "send the {kind} integration's key as a bearer token or as the password of basic credentials"
        )));
    };
    integration_for(state, &key, kind).await?.ok_or_else(|| {
        AppError::Unauthorized(format!(
            "the key is not the key of an enabled {kind} integration"
        ))
    })
}

fn answer(outcomes: &[SignalOutcome]) -> Response {
    (
        StatusCode::ACCEPTED,
        Json(json!({"status": "accepted", "alerts": outcomes})),
    )
        .into_response()
}

/// An Alertmanager or Grafana body, one alert per entry of `alerts[]`.
async fn webhook(
    state: &AppState,
    integration: &Integration,
    body: &Bytes,
) -> Result<Response, AppError> {
    let batch = parse_webhook(body).map_err(|e| AppError::BadRequest(e.to_string()))?;
    // Each alert keeps its own entry of the body as its payload.
    let entries: Vec<Value> = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("alerts").and_then(Value::as_array).cloned())
        .unwrap_or_default();
    super::throttle(state, integration, batch.signals.len().max(1)).map_err(super::too_many)?;
    let grouping = group_by(integration);
    let now = state.clock.now();
    let by = batch.flavor.client_name();
    let signals = batch
        .signals
        .iter()
        .enumerate()
        .map(|(n, signal)| {
            let payload = entries
                .get(n)
                .map_or_else(|| "{}".to_string(), Value::to_string);
            // Alertmanager always sends a fingerprint; the parser computes one when missing.
            let key = signal
                .dedup_key
                .clone()
                .unwrap_or_else(super::new_dedup_key);
            stored(signal, key, &grouping, payload, now)
        })
        .collect();
    let outcomes = record(state, integration, by, signals, None).await?;
    Ok(answer(&outcomes))
}

/// `POST|PUT /hooks/alertmanager`.
pub async fn alertmanager(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let integration = authenticated(&state, &headers, "alertmanager").await?;
    webhook(&state, &integration, &body).await
}

/// `POST|PUT /hooks/grafana`: checks the signature when the integration has a signing secret.
pub async fn grafana(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let integration = authenticated(&state, &headers, "grafana").await?;
    if let Some(secret) = &integration.signing_secret {
        let header_text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let Some(signature) = header_text(SIGNATURE_HEADER) else {
            return Err(AppError::Unauthorized(format!(
                "this integration checks signatures: the {SIGNATURE_HEADER} header is missing"
            )));
        };
        let timestamp = GRAFANA_TIMESTAMP_HEADERS
            .iter()
            .find_map(|h| header_text(h));
        if let Some(ts) = timestamp
            && !grafana::timestamp_is_fresh(
                ts,
                state.clock.now(),
                jiff::SignedDuration::from_mins(5),
            )
        {
            return Err(AppError::Unauthorized(
                "the signature's timestamp header is more than 5 minutes from now".into(),
            ));
        }
        if !verify_grafana_signature(secret.as_bytes(), timestamp, &body, signature) {
            return Err(AppError::Unauthorized(format!(
                "the {SIGNATURE_HEADER} header does not match the body"
            )));
        }
    }
    webhook(&state, &integration, &body).await
}

/// `POST|PUT /hooks/generic`: one alert in Debrief's own format
/// (see `debrief_core::alert::generic`).
pub async fn generic(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let integration = authenticated(&state, &headers, "generic").await?;
    let signal = generic::parse(&body).map_err(|e| AppError::BadRequest(e.to_string()))?;
    super::throttle(&state, &integration, 1).map_err(super::too_many)?;
    let key = signal
        .dedup_key
        .clone()
        .unwrap_or_else(super::new_dedup_key);
    let payload = String::from_utf8_lossy(&body).into_owned();
    let s = stored(
        &signal,
        key.clone(),
        &group_by(&integration),
        payload,
        state.clock.now(),
    );
    let outcomes = record(&state, &integration, "generic API", vec![s], None).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"status": "accepted", "dedup_key": key, "alerts": outcomes})),
    )
        .into_response())
}
