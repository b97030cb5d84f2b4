//! Deliveries (the job queue as admins see it) and outgoing webhook endpoints. Admins only.

use crate::auth::{Actor, new_secret};
use crate::jobs::{self, webhook};
use crate::{AppError, AppState};
use debrief_core::access::AccountRole;
use debrief_core::validation::ValidationError;
use debrief_store::jobs::{Job, JobFilter, NewWebhookEndpoint, WebhookEndpoint};

/// Deliveries matching a filter, newest first.
pub async fn list_deliveries(
    state: &AppState,
    actor: &Actor,
    filter: &JobFilter,
) -> Result<Vec<Job>, AppError> {
    actor.require(AccountRole::Admin)?;
    Ok(state.store.list_jobs(filter).await?)
}

/// Runs a failed or dead delivery again now.
pub async fn retry_delivery(state: &AppState, actor: &Actor, id: i64) -> Result<Job, AppError> {
    actor.require(AccountRole::Admin)?;
    let job = state.store.retry_job(id, state.clock.now()).await?;
    state.jobs.wake();
    tracing::info!(job.id = id, job.kind = %job.kind, user.id = actor.user.id, "Delivery {id} retried by an admin");
    Ok(job)
}

/// The body of `POST /api/v1/webhooks`.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewWebhookInput {
    /// Where deliveries are POSTed (`https://…`; `http://` for testing); not a private address
    /// unless the operator allows it (see [`crate::outbound`]).
    pub url: String,
    /// Events to receive; `["*"]` (every event) when left out.
    #[serde(default)]
    pub events: Option<Vec<String>>,
    /// The signing secret; a random one when left out.
    #[serde(default)]
    pub secret: Option<String>,
}

/// Registers a webhook endpoint; returns it with its secret, which is never shown again.
pub async fn create_webhook(
    state: &AppState,
    actor: &Actor,
    input: &NewWebhookInput,
) -> Result<(WebhookEndpoint, String), AppError> {
    actor.require(AccountRole::Admin)?;
    let mut e = ValidationError::default();
    let url = input.url.trim();
    // A host that is a refused address (loopback, private, metadata …) is refused now; a host
    // name is checked when a delivery resolves it.
    if let Err(refusal) = state.config.destinations.check_url(url) {
        e.push("url", refusal.to_string());
    }
    if url.len() > 2000 {
        e.push("url", "must be at most 2000 characters");
    }
    let mut events = input.events.clone().unwrap_or_else(|| vec!["*".into()]);
    events.iter_mut().for_each(|ev| *ev = ev.trim().to_string());
    events.sort();
    events.dedup();
    if events.is_empty() {
        e.push(
            "events",
            "needs at least one event, or \"*\" for every event",
        );
    }
    for (i, ev) in events.iter().enumerate() {
        if jobs::check_event(ev, true).is_err() {
            e.push(
                format!("events[{i}]"),
                "is not an event name like postmortem.reminder, or \"*\"",
            );
        }
    }
    let secret = match &input.secret {
        Some(s) if !(16..=200).contains(&s.chars().count()) => {
            e.push("secret", "must be 16 to 200 characters");
            String::new()
        }
        Some(s) => s.clone(),
        None => new_secret(),
    };
    e.into_result(())?;
    let endpoint = state
        .store
        .create_webhook_endpoint(
            &NewWebhookEndpoint {
                url: url.into(),
                secret: secret.clone(),
                events,
            },
            state.clock.now(),
        )
        .await?;
    tracing::info!(
        webhook.id = endpoint.id,
        user.id = actor.user.id,
        "Webhook {} registered for {}",
        endpoint.id,
        webhook::shown_url(url)
    );
    Ok((endpoint, secret))
}

/// Every webhook endpoint.
pub async fn list_webhooks(
    state: &AppState,
    actor: &Actor,
) -> Result<Vec<WebhookEndpoint>, AppError> {
    actor.require(AccountRole::Admin)?;
    Ok(state.store.list_webhook_endpoints().await?)
}

/// Removes a webhook endpoint; its pending deliveries die with a reason saying so.
pub async fn delete_webhook(state: &AppState, actor: &Actor, id: i64) -> Result<(), AppError> {
    actor.require(AccountRole::Admin)?;
    state.store.delete_webhook_endpoint(id).await?;
    tracing::info!(
        webhook.id = id,
        user.id = actor.user.id,
        "Webhook {id} deleted"
    );
    Ok(())
}

/// Sends a `ping` event to one endpoint (whatever it subscribed to); returns the delivery.
pub async fn test_webhook(state: &AppState, actor: &Actor, id: i64) -> Result<Job, AppError> {
    actor.require(AccountRole::Admin)?;
    let endpoint = state.store.webhook_endpoint(id).await?;
    let now = state.clock.now();
    let job = webhook::delivery_job(
        state,
        endpoint.id,
        "ping",
        format!("webhook:ping/{}/{}", endpoint.id, new_secret()),
        now,
        serde_json::json!({"webhook_id": endpoint.id}),
        now,
    );
    let job_id = jobs::enqueue(state, &job)
        .await?
        .ok_or_else(|| AppError::Conflict("a ping with this key exists; try again".into()))?;
    Ok(state.store.job(job_id).await?)
}
