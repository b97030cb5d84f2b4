//! Alert intake: the endpoints monitoring posts to, speaking each sender's own protocol.
//!
//! Existing senders work by changing one URL:
//! - PagerDuty Events API v2 (`POST /v2/enqueue`, change events `POST /v2/change/enqueue`) and
//!   the legacy v1 API (`POST /generic/2010-04-15/create_event.json`): [`pagerduty`]. The
//!   integration is chosen by the body's `routing_key` / `service_key`.
//! - Alertmanager (`/hooks/alertmanager`), Grafana (`/hooks/grafana`) and Debrief's generic
//!   JSON (`/hooks/generic`), `POST` or `PUT`, authenticated by the integration key as a bearer
//!   token or as the password of basic credentials, as Alertmanager's `http_config` sends them:
//!   [`hooks`].
//! - Opsgenie Alert API v2 (`POST /v2/alerts`, `POST /v2/alerts/{identifier}/{acknowledge,
//!   close,notes}`, `GET /v2/alerts/requests/{id}`), authenticated by `GenieKey`: [`opsgenie`].
//!
//! The bodies are parsed and checked by `debrief_core::alert` (which also builds the senders'
//! answers); each request's signals are recorded in one transaction
//! ([`debrief_store::Store::record_signals`]) before the answer, so an accepted signal is
//! durable. Routing (opening or joining incidents) runs as a job afterwards
//! ([`crate::actions::alerts`]), so a storm of alerts is answered at the speed of the store.

pub mod hooks;
pub mod opsgenie;
pub mod pagerduty;

use crate::actions::alerts::clean;
use crate::{AppError, AppState};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use debrief_core::Timestamp;
use debrief_core::alert::routing::GroupBy;
use debrief_core::alert::{DEFAULT_SEVERITY, Signal, SignalAction};
use debrief_store::alert::{Integration, RequestRecord, SignalOutcome, SignalWrite, StoredSignal};

/// The largest body read from a sender. PagerDuty's limit is 512 KB, which its parser answers
/// in PagerDuty's words; this is the hard stop above it.
const MAX_BODY: usize = 1024 * 1024;

/// The intake routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v2/enqueue", post(pagerduty::enqueue))
        .route("/v2/change/enqueue", post(pagerduty::change))
        .route("/generic/2010-04-15/create_event.json", post(pagerduty::v1))
        .route(
            "/hooks/alertmanager",
            post(hooks::alertmanager).put(hooks::alertmanager),
        )
        .route("/hooks/grafana", post(hooks::grafana).put(hooks::grafana))
        .route("/hooks/generic", post(hooks::generic).put(hooks::generic))
        .route("/v2/alerts", post(opsgenie::create))
        .route("/v2/alerts/requests/{id}", get(opsgenie::request))
        .route("/v2/alerts/{identifier}/{action}", post(opsgenie::action))
        .layer(DefaultBodyLimit::max(MAX_BODY))
}

/// The enabled integration of kind `kind` whose key (current, or previous within its overlap)
/// is `key`.
pub(crate) async fn integration_for(
    state: &AppState,
    key: &str,
    kind: &str,
) -> Result<Option<Integration>, AppError> {
    if key.is_empty() {
        return Ok(None);
    }
    let found = state
        .store
        .integration_by_key(&crate::auth::hash_secret(key), state.clock.now())
        .await?;
    Ok(found.filter(|i| i.kind == kind))
}

/// Takes `n` events from the integration's allowance (`ServerConfig::alert_events_per_minute`);
/// `Err` carries the seconds until they would fit, for `Retry-After`.
pub(crate) fn throttle(state: &AppState, integration: &Integration, n: usize) -> Result<(), u64> {
    state
        .alert_events
        .take(integration.id, n, std::time::Instant::now())
        .map_err(|wait| wait.as_secs().max(1))
}

/// The 429 of the webhook endpoints.
pub(crate) fn too_many(secs: u64) -> AppError {
    AppError::TooManyRequests {
        detail: "this integration is sending more alert events than it is allowed per minute; retry later".into(),
        retry_after_secs: secs,
    }
}

/// A new dedup key for a trigger that came without one (32 hex characters, as PagerDuty's).
pub(crate) fn new_dedup_key() -> String {
    crate::auth::new_hex(16)
}

/// A signal as stored: its details gathered into one JSON object, its summary and severity
/// defaulted for follow-up events that carry none, its group from the integration's grouping.
pub(crate) fn stored(
    signal: &Signal,
    dedup_key: String,
    group_by: &GroupBy,
    payload: String,
    now: Timestamp,
) -> StoredSignal {
    let details = serde_json::json!({
        "description": signal.description,
        "details": signal.details,
        "labels": signal.labels,
        "links": signal.links,
        "images": signal.images,
        "component": signal.component,
        "group": signal.group,
        "class": signal.class,
        "client": signal.client,
        "client_url": signal.client_url,
    });
    let dedup_key = clean(&dedup_key);
    StoredSignal {
        action: signal.action,
        group_key: clean(&group_by.group_key(signal, &dedup_key)),
        dedup_key,
        severity: signal.severity.unwrap_or(DEFAULT_SEVERITY),
        summary: clean(signal.summary.as_deref().unwrap_or("(no summary)")),
        source: signal.source.as_deref().map(clean),
        details: details.to_string(),
        payload,
        started_at: match signal.action {
            SignalAction::Trigger => signal.occurred_at.unwrap_or(now),
            _ => now,
        },
    }
}

/// Records a request's signals through `integration` in one transaction; durable when it
/// returns.
pub(crate) async fn record(
    state: &AppState,
    integration: &Integration,
    by: &str,
    signals: Vec<StoredSignal>,
    request: Option<RequestRecord>,
) -> Result<Vec<SignalOutcome>, AppError> {
    let now = state.clock.now();
    state
        .metrics
        .alerts_received(&integration.kind, signals.len() as u64);
    let outcomes = state
        .store
        .record_signals(SignalWrite {
            integration_id: integration.id,
            service: integration.service.clone(),
            by: by.to_string(),
            now,
            signals,
            route_kind: crate::actions::alerts::ROUTE_KIND,
            request,
        })
        .await?;
    state.jobs.wake();
    Ok(outcomes)
}

/// The integration's grouping; a stored value that no longer parses groups by the sender's own
/// grouping (and says so in the log).
pub(crate) fn group_by(integration: &Integration) -> GroupBy {
    GroupBy::parse(&integration.group_by).unwrap_or_else(|e| {
        tracing::warn!(integration = integration.id, error = %e, "An integration's grouping does not parse; grouping by the sender's");
        GroupBy::Sender
    })
}
