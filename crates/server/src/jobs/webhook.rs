//! `webhook_event` and `webhook` jobs: signed JSON POSTs to the endpoints admins registered.
//!
//! An event is enqueued once, as a `webhook_event` job (inside the caller's transaction if need
//! be). Running it fans out: one `webhook` job per active endpoint subscribed to the event, with
//! the dedupe key `{event job's key}/endpoint-{id}`, so each endpoint retries on its own and a
//! failing endpoint never makes the others receive an event twice.
//!
//! A delivery is `POST {url}` with the body `{"event", "id", "created_at", "data"}` and the
//! headers `X-Debrief-Event`, `X-Debrief-Delivery` (the same `id` on every retry, so receivers
//! can drop repeats), `X-Debrief-Timestamp` (unix seconds) and
//! `X-Debrief-Signature: v1=<hex HMAC-SHA256(secret, "{timestamp}.{body}")>`. It goes through
//! the server's one outgoing client ([`crate::outbound`]): a destination the policy refuses is
//! not sent anything, and the delivery is dead at once with the reason.

use super::{JobContext, JobKind, Outcome, new_job};
use crate::outbound::Refusal;
use debrief_core::Timestamp;
use debrief_store::StoreError;
use debrief_store::jobs::{Job, NewJob};
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// The job kind of an event before fan-out.
pub const EVENT_KIND: &str = "webhook_event";
/// The job kind of one delivery to one endpoint.
pub const DELIVERY_KIND: &str = "webhook";

/// The payload of a `webhook_event` job.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct EventPayload {
    pub(crate) event: String,
    pub(crate) data: Value,
}

/// The payload of a `webhook` job.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct DeliveryPayload {
    pub(crate) endpoint_id: i64,
    pub(crate) event: String,
    /// Unique per delivery and stable across its retries.
    pub(crate) delivery_id: String,
    /// When the event happened (RFC 3339).
    pub(crate) created_at: String,
    pub(crate) data: Value,
}

/// The signature header's value for a body sent at `timestamp` (unix seconds).
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any size");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    let tag = mac.finalize().into_bytes();
    format!("v1={}", hex(&tag))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A delivery id: derived from the delivery's dedupe key, so it is the same however often the
/// fan-out runs.
fn delivery_id(dedupe_key: &str) -> String {
    hex(&Sha256::digest(dedupe_key.as_bytes())[..16])
}

/// A URL as it may be shown: no credentials, no query (tokens often travel there).
pub(crate) fn shown_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.set_query(None);
            u.set_fragment(None);
            u.to_string()
        }
        Err(_) => "(an invalid URL)".into(),
    }
}

/// The delivery job of one event to one endpoint.
pub(crate) fn delivery_job<C: JobContext>(
    ctx: &C,
    endpoint_id: i64,
    event: &str,
    dedupe_key: String,
    created_at: Timestamp,
    data: Value,
    run_at: Timestamp,
) -> NewJob {
    let payload = DeliveryPayload {
        endpoint_id,
        event: event.into(),
        delivery_id: delivery_id(&dedupe_key),
        created_at: debrief_core::format_utc(created_at),
        data,
    };
    new_job::<WebhookJob, C>(ctx, dedupe_key, &payload, run_at)
}

/// The `webhook_event` job: an event, fanned out to the endpoints subscribed to it.
pub(crate) struct WebhookEventJob;

impl<C: JobContext> JobKind<C> for WebhookEventJob {
    const KIND: &'static str = EVENT_KIND;
    type Payload = EventPayload;

    fn summary(p: &EventPayload) -> String {
        format!("{} to every subscribed webhook", p.event)
    }

    async fn run(ctx: &C, job: &Job, p: EventPayload) -> Outcome {
        fan_out(ctx, job, p, ctx.clock().now()).await
    }
}

/// The `webhook` job: one signed POST to one endpoint.
pub(crate) struct WebhookJob;

impl<C: JobContext> JobKind<C> for WebhookJob {
    const KIND: &'static str = DELIVERY_KIND;
    type Payload = DeliveryPayload;

    fn summary(p: &DeliveryPayload) -> String {
        format!("{} to webhook {}", p.event, p.endpoint_id)
    }

    async fn run(ctx: &C, _: &Job, p: DeliveryPayload) -> Outcome {
        deliver(ctx, p, ctx.clock().now()).await
    }
}

/// Runs a `webhook_event` job: enqueues one delivery per subscribed endpoint.
async fn fan_out<C: JobContext>(ctx: &C, job: &Job, p: EventPayload, now: Timestamp) -> Outcome {
    let endpoints = match ctx.store().list_webhook_endpoints().await {
        Ok(e) => e,
        Err(e) => return Outcome::Retry(format!("the database failed: {e}")),
    };
    let jobs: Vec<NewJob> = endpoints
        .iter()
        .filter(|e| e.wants(&p.event))
        .map(|e| {
            delivery_job(
                ctx,
                e.id,
                &p.event,
                format!("{}/endpoint-{}", job.dedupe_key, e.id),
                job.created_at,
                p.data.clone(),
                now,
            )
        })
        .collect();
    match ctx.store().enqueue_jobs(&jobs, now).await {
        Ok(_) => {
            ctx.jobs().wake();
            Outcome::Done
        }
        Err(e) => Outcome::Retry(format!("the database failed: {e}")),
    }
}

/// Runs a `webhook` job: one signed POST.
async fn deliver<C: JobContext>(ctx: &C, p: DeliveryPayload, now: Timestamp) -> Outcome {
    let endpoint = match ctx.store().webhook_endpoint(p.endpoint_id).await {
        Ok(e) => e,
        Err(StoreError::NotFound(_)) => {
            return Outcome::GiveUp(format!("webhook {} was deleted", p.endpoint_id));
        }
        Err(e) => return Outcome::Retry(format!("the database failed: {e}")),
    };
    if !endpoint.active {
        return Outcome::GiveUp(format!("webhook {} is disabled", endpoint.id));
    }
    let body = json!({
        "event": p.event,
        "id": p.delivery_id,
        "created_at": p.created_at,
        "data": p.data,
    })
    .to_string();
    let timestamp = now.as_second();
    let url = shown_url(&endpoint.url);
    let timeout = ctx.jobs_config().webhook_timeout;
    let request = match ctx.jobs().outbound.post(&endpoint.url) {
        Ok(r) => r,
        Err(refusal) => return Outcome::GiveUp(refused(&url, &refusal)),
    };
    let sent = request
        .timeout(timeout)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("X-Debrief-Event", &p.event)
        .header("X-Debrief-Delivery", &p.delivery_id)
        .header("X-Debrief-Timestamp", timestamp.to_string())
        .header(
            "X-Debrief-Signature",
            signature(&endpoint.secret, timestamp, &body),
        )
        .body(body)
        .send()
        .await;
    match sent {
        Ok(res) if res.status().is_success() => Outcome::Done,
        Ok(res) => Outcome::Retry(format!("HTTP {} from {url}", res.status().as_u16())),
        Err(e) => match Refusal::of(&e) {
            Some(refusal) => Outcome::GiveUp(refused(&url, refusal)),
            None => Outcome::Retry(transport_reason(&e, &url, timeout)),
        },
    }
}

/// Why nothing was sent to `url`, for the deliveries page: retrying cannot change the policy,
/// so such a delivery is given up at once (an admin retries it once the operator allowed the
/// destination).
pub(crate) fn refused(url: &str, refusal: &Refusal) -> String {
    format!(
        "not sent to {url}: {refusal} (--allow-destination CIDR or --allow-private-destinations)"
    )
}

/// Why a request failed, in words, without reqwest's text (it would repeat the full URL).
pub(crate) fn transport_reason(e: &reqwest::Error, url: &str, timeout: Duration) -> String {
    if e.is_timeout() {
        return format!("timed out after {} s waiting for {url}", timeout.as_secs());
    }
    let mut source: Option<&dyn std::error::Error> = Some(e);
    while let Some(inner) = source {
        if let Some(io) = inner.downcast_ref::<std::io::Error>() {
            return match io.kind() {
                std::io::ErrorKind::ConnectionRefused => format!("connection refused by {url}"),
                std::io::ErrorKind::TimedOut => format!("timed out connecting to {url}"),
                _ => format!("could not reach {url}: {io}"),
            };
        }
        source = inner.source();
    }
    if e.is_connect() {
        format!("could not connect to {url}")
    } else {
        format!("the request to {url} failed")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_dot_body() {
        // Worked out with Python: hmac.new(b"whsec_test", b'1700000000.{"event":"ping"}', sha256)
        assert_eq!(
            signature("whsec_test", 1_700_000_000, r#"{"event":"ping"}"#),
            "v1=aa8efe37b751e71157c508c5ac4acb1e9fe5225db98355dfc00f4b680afbc447"
        );
    }

    #[test]
    fn shown_urls_lose_credentials_and_query() {
        assert_eq!(
            shown_url("https://user:pw@hooks.example.com/in?token=abc#x"),
            "https://hooks.example.com/in"
        );
    }
}
