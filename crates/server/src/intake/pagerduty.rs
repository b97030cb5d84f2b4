//! PagerDuty's Events API: v2 alert events, v2 change events, and the legacy v1 API, answered
//! as PagerDuty answers them (`202 {"status":"success","message":"Event processed",
//! "dedup_key":…}`; `400 {"status":"invalid event","message":"Event object is invalid",
//! "errors":[…]}`; an unknown key is `400` "Invalid routing key").

use super::{group_by, integration_for, new_dedup_key, record, stored};
use crate::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use debrief_core::alert::Signal;
use debrief_core::alert::pagerduty::{
    self, ErrorBody, PagerDutyError, parse_change_event, parse_event, parse_v1_event,
};

/// Who acknowledges or resolves an alert when PagerDuty's API does.
const BY: &str = "PagerDuty Events API";

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST)
}

fn refused(e: &PagerDutyError, v1: bool) -> Response {
    let body = if v1 { e.v1_body() } else { e.body() };
    (status(e.status()), Json(body)).into_response()
}

/// PagerDuty's answer to a key it does not know.
fn invalid_key(v1: bool) -> Response {
    let (message, what) = if v1 {
        ("Event object is invalid", "Service key is invalid")
    } else {
        ("Event object is invalid", "Invalid routing key")
    };
    (
        StatusCode::BAD_REQUEST,
        Json(ErrorBody {
            status: "invalid event",
            message,
            errors: vec![what.to_string()],
        }),
    )
        .into_response()
}

/// PagerDuty's answer to a sender over its rate, with `Retry-After`.
fn throttled(secs: u64) -> Response {
    let mut r = (
        StatusCode::TOO_MANY_REQUESTS,
        Json(ErrorBody {
            status: "throttle event",
            message: "Requests for this service are arriving too quickly. Please retry later.",
            errors: vec!["Too many events for this routing key".to_string()],
        }),
    )
        .into_response();
    r.headers_mut()
        .insert(axum::http::header::RETRY_AFTER, secs.into());
    r
}

/// The body as stored with the alert: as sent, but without the integration key PagerDuty
/// senders put in it (`routing_key`, v1 `service_key`), since whoever may read alerts must not
/// be able to send them.
fn without_key(body: &Bytes) -> String {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(mut m)) => {
            m.remove("routing_key");
            m.remove("service_key");
            serde_json::Value::Object(m).to_string()
        }
        _ => String::from_utf8_lossy(body).into_owned(),
    }
}

/// Records one alert event through the integration whose key is `key`; answers its dedup key,
/// or the response to send instead.
async fn accept(
    state: &AppState,
    key: &str,
    signal: Signal,
    body: &Bytes,
    v1: bool,
) -> Result<String, Response> {
    let integration = match integration_for(state, key, "pagerduty").await {
        Ok(Some(i)) => i,
        Ok(None) => return Err(invalid_key(v1)),
        Err(e) => return Err(e.into_response()),
    };
    super::throttle(state, &integration, 1).map_err(throttled)?;
    let dedup_key = signal.dedup_key.clone().unwrap_or_else(new_dedup_key);
    let payload = without_key(body);
    let s = stored(
        &signal,
        dedup_key.clone(),
        &group_by(&integration),
        payload,
        state.clock.now(),
    );
    match record(state, &integration, BY, vec![s], None).await {
        Ok(_) => Ok(dedup_key),
        Err(e) => Err(e.into_response()),
    }
}

/// `POST /v2/enqueue`: an alert event (trigger, acknowledge, resolve).
pub async fn enqueue(State(state): State<AppState>, body: Bytes) -> Response {
    let event = match parse_event(&body) {
        Ok(e) => e,
        Err(e) => return refused(&e, false),
    };
    match accept(&state, &event.routing_key, event.signal, &body, false).await {
        Ok(dedup_key) => (
            status(pagerduty::ACCEPTED_STATUS),
            Json(pagerduty::accepted(&dedup_key)),
        )
            .into_response(),
        Err(r) => r,
    }
}

/// `POST /generic/2010-04-15/create_event.json`: the legacy v1 API.
pub async fn v1(State(state): State<AppState>, body: Bytes) -> Response {
    let event = match parse_v1_event(&body) {
        Ok(e) => e,
        Err(e) => return refused(&e, true),
    };
    match accept(&state, &event.service_key, event.signal, &body, true).await {
        Ok(key) => (
            status(pagerduty::V1_ACCEPTED_STATUS),
            Json(pagerduty::v1_accepted(&key)),
        )
            .into_response(),
        Err(r) => r,
    }
}

/// `POST /v2/change/enqueue`: a change event (a deploy, a rollback), recorded for the service
/// and put on the timelines of its active incidents.
pub async fn change(State(state): State<AppState>, body: Bytes) -> Response {
    let event = match parse_change_event(&body) {
        Ok(e) => e,
        Err(e) => return refused(&e, false),
    };
    let integration = match integration_for(&state, &event.routing_key, "pagerduty").await {
        Ok(Some(i)) => i,
        Ok(None) => return invalid_key(false),
        Err(e) => return e.into_response(),
    };
    if let Err(secs) = super::throttle(&state, &integration, 1) {
        return throttled(secs);
    }
    match crate::actions::alerts::record_change(&state, &integration, &event.change).await {
        Ok(()) => (
            status(pagerduty::ACCEPTED_STATUS),
            Json(pagerduty::change_accepted()),
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}
