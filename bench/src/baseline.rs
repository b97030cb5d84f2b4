//! The baseline: a bare axum server with the same routes as the benchmarked API, each answering
//! at once with a fixed JSON body shaped and sized like Debrief's answer (one incident, one event,
//! a page of 50 incidents). POST handlers parse their JSON body, as any JSON API must.
//!
//! It runs as its own process (`debrief-bench baseline-server`), on the same kind of tokio
//! runtime as `debrief serve`, so its start-up, memory and latency are measured exactly as
//! Debrief's are. The gap between the two is what Debrief adds: auth, validation, the database,
//! logging.

use anyhow::{Context, Result};
use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use serde_json::{Value, json};
use std::net::SocketAddr;

/// An incident as the API shows it.
fn incident(n: u64) -> Value {
    json!({
        "reference": format!("INC-{n}"),
        "title": format!("Checkout errors above 2% in eu-west ({n})"),
        "summary": "Payment provider timeouts after the 14:02 deploy.",
        "severity": "SEV2",
        "status": "investigating",
        "type": "default",
        "services": [],
        "customer_impact": true,
        "private": false,
        "started_at": null,
        "declared_at": "2026-11-21T09:30:00.000Z",
        "declared_by": 1,
        "merged_into": null,
        "version": 1,
        "updated_at": "2026-11-21T09:30:00.000Z",
        "roles": [{"role": "commander", "user_id": 1, "user_name": "Bench Admin", "user_email": "bench@example.com"}],
    })
}

/// A timeline event as the API shows it.
fn event() -> Value {
    json!({
        "id": 200_001, "incident": "INC-4242", "kind": "note", "at": "2026-11-21T09:31:00.000Z",
        "source": "api", "author_id": 1, "author_name": "Bench Admin",
        "body": "Rolled back the canary; error rate back under 0.1% (bench 0/1)",
        "links": [], "data": {}, "starred": false, "revision": 1, "created_at": "2026-11-21T09:31:00.000Z",
    })
}

#[derive(Clone)]
struct Bodies {
    incident: Bytes,
    event: Bytes,
    page: Bytes,
}

fn answer(status: StatusCode, body: &Bytes) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.clone(),
    )
        .into_response()
}

fn router() -> Router {
    let page = json!({"items": (0..50).map(|i| incident(99_999 - i * 7)).collect::<Vec<_>>(), "next_cursor": "99650"});
    let b = Bodies {
        incident: Bytes::from(incident(4242).to_string()),
        event: Bytes::from(event().to_string()),
        page: Bytes::from(page.to_string()),
    };
    let (b1, b2, b3, b4) = (b.clone(), b.clone(), b.clone(), b);
    Router::new()
        .route(
            "/api/v1/incidents",
            get(move || async move { answer(StatusCode::OK, &b1.page) })
                .post(move |_: axum::Json<Value>| async move { answer(StatusCode::CREATED, &b2.incident) }),
        )
        .route("/api/v1/incidents/{reference}", get(move || async move { answer(StatusCode::OK, &b3.incident) }))
        .route(
            "/api/v1/incidents/{reference}/timeline",
            post(move |_: axum::Json<Value>| async move { answer(StatusCode::CREATED, &b4.event) }),
        )
        .route("/healthz", get(|| async { "ok" }))
}

/// Runs the baseline server on `listen` until killed.
pub fn serve(listen: SocketAddr) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("Failed to start the async runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("Failed to listen on {listen}"))?;
        axum::serve(listener, router())
            .await
            .context("The baseline server failed")
    })
}
