//! The baseline: a bare axum server with the same routes as the benchmarked API, each answering
//! at once with a fixed JSON body shaped and sized like Debrief's answer (one incident, one event,
//! a page of 50 incidents). POST handlers parse their JSON body, as any JSON API must.
//!
//! Given `--files MANIFEST` (the status suite), it also serves files at fixed paths: the exact
//! bytes and `Content-Type` fetched from Debrief's status page, and their gzip variant (with
//! `Content-Encoding: gzip`) to requests whose `Accept-Encoding` names gzip.
//!
//! It is also the on-call suite's webhook receiver: `POST /hooks/{n}` answers `200` at once and
//! counts the request and its body's bytes; `GET /hooks-count` answers
//! `{"count": N, "bytes": B}` so far.
//!
//! Given `--slack-signing-secret` (the slack suite), it also answers `POST /slack/commands` and
//! `POST /slack/events` as a bare Slack app does: it checks the request's `v0` signature over
//! the raw body (`debrief_core::slack::signature::verify`, the check Debrief makes) and answers
//! `200` with a fixed ephemeral JSON message, or `401` when the signature is wrong.
//!
//! It runs as its own process (`debrief-bench baseline-server`), on the same kind of tokio
//! runtime as `debrief serve`, so its start-up, memory and latency are measured exactly as
//! Debrief's are. The gap between the two is what Debrief adds: auth, validation, the database,
//! logging.

use anyhow::{Context, Result};
use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

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

/// A page of 20 search results as the API shows it.
fn search_page() -> Value {
    let result = |n: u64| {
        json!({
            "kind": "timeline", "id": 300_000 + n, "rank": 412_345,
            "incident": {"reference": format!("INC-{n}"), "number": n,
                "title": format!("Checkout errors above 2% (eu-west) #{n}"),
                "status": "closed", "severity": "SEV3", "private": false},
            "snippet": {"text": "Rolled back the payment gateway in eu-west; latency recovered after 12 minutes (ref zq123)",
                "highlights": [[74, 79]]},
            "url": format!("/incidents/INC-{n}#timeline"),
        })
    };
    json!({"total": 103, "results": (0..20).map(|i| result(99_000 - i * 13)).collect::<Vec<_>>()})
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
    let search = Bytes::from(search_page().to_string());
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
        .route(
            "/v2/enqueue",
            post(|axum::Json(event): axum::Json<Value>| async move {
                // PagerDuty's answer, echoing the event's dedup key.
                let body = json!({"status": "success", "message": "Event processed",
                    "dedup_key": event["dedup_key"]});
                answer(StatusCode::ACCEPTED, &Bytes::from(body.to_string()))
            }),
        )
        .route("/api/v1/search", get(move || async move { answer(StatusCode::OK, &search) }))
        .route("/healthz", get(|| async { "ok" }))
        .merge(receiver())
}

/// The webhook receiver: counts every `POST /hooks/{n}` and its bytes.
fn receiver() -> Router {
    let count = Arc::new(AtomicU64::new(0));
    let bytes = Arc::new(AtomicU64::new(0));
    let (c, b) = (count.clone(), bytes.clone());
    Router::new()
        .route(
            "/hooks/{n}",
            post(move |body: Bytes| async move {
                b.fetch_add(body.len() as u64, Ordering::Relaxed);
                c.fetch_add(1, Ordering::Relaxed);
                StatusCode::OK
            }),
        )
        .route(
            "/hooks-count",
            get(move || async move {
                let body = json!({"count": count.load(Ordering::Relaxed),
                                  "bytes": bytes.load(Ordering::Relaxed)});
                answer(StatusCode::OK, &Bytes::from(body.to_string()))
            }),
        )
}

/// A file served as is.
#[derive(Clone)]
struct StaticFile {
    content_type: HeaderValue,
    body: Bytes,
    gzip: Option<Bytes>,
}

fn serve_static(file: &StaticFile, headers: &HeaderMap) -> Response {
    let wants_gzip = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("gzip"));
    match (&file.gzip, wants_gzip) {
        (Some(gzip), true) => (
            [
                (header::CONTENT_TYPE, file.content_type.clone()),
                (header::CONTENT_ENCODING, HeaderValue::from_static("gzip")),
            ],
            gzip.clone(),
        )
            .into_response(),
        _ => (
            [(header::CONTENT_TYPE, file.content_type.clone())],
            file.body.clone(),
        )
            .into_response(),
    }
}

/// Reads a manifest written by the status suite:
/// `{"files": [{"path", "content_type", "body": FILE, "gzip": FILE or null}]}`.
fn read_manifest(manifest: &Path) -> Result<Vec<(String, StaticFile)>> {
    let text = std::fs::read_to_string(manifest)
        .with_context(|| format!("Failed to read {}", manifest.display()))?;
    let doc: Value = serde_json::from_str(&text).context("Failed to parse the manifest")?;
    let read = |v: &Value| -> Result<Bytes> {
        let f = v.as_str().context("a file name in the manifest")?;
        Ok(Bytes::from(
            std::fs::read(f).with_context(|| format!("Failed to read {f}"))?,
        ))
    };
    let mut files = Vec::new();
    for f in doc["files"]
        .as_array()
        .context("no files in the manifest")?
    {
        let path = f["path"].as_str().context("a path in the manifest")?;
        let content_type = f["content_type"].as_str().unwrap_or("");
        files.push((
            path.to_string(),
            StaticFile {
                content_type: HeaderValue::from_str(content_type)
                    .context("a content type in the manifest")?,
                body: read(&f["body"])?,
                gzip: if f["gzip"].is_null() {
                    None
                } else {
                    Some(read(&f["gzip"])?)
                },
            },
        ));
    }
    Ok(files)
}

/// The Slack routes: verify the signature, then a fixed answer.
fn slack(secret: String) -> Router {
    let secret: Arc<str> = secret.into();
    let answer_body = Bytes::from(
        json!({"response_type": "ephemeral", "text": "INC-1 is now monitoring."}).to_string(),
    );
    let handler = move |headers: HeaderMap, body: Bytes| {
        let secret = secret.clone();
        let answer_body = answer_body.clone();
        async move {
            use debrief_core::slack::signature::{SIGNATURE_HEADER, TIMESTAMP_HEADER, verify};
            let header = |name: &str| {
                headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string()
            };
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64);
            let (ts, sig) = (header(TIMESTAMP_HEADER), header(SIGNATURE_HEADER));
            match verify(secret.as_bytes(), &ts, &sig, &body, now) {
                Ok(()) => answer(StatusCode::OK, &answer_body),
                Err(e) => (StatusCode::UNAUTHORIZED, e.to_string()).into_response(),
            }
        }
    };
    Router::new()
        .route("/slack/commands", post(handler.clone()))
        .route("/slack/events", post(handler))
}

/// Runs the baseline server on `listen` until killed; `files` names a manifest of files to
/// serve too, `slack_secret` the signing secret of the Slack routes (none: no Slack routes).
pub fn serve(listen: SocketAddr, files: Option<&Path>, slack_secret: Option<String>) -> Result<()> {
    let mut app = router();
    if let Some(secret) = slack_secret {
        app = app.merge(slack(secret));
    }
    for (path, file) in files.map(read_manifest).transpose()?.unwrap_or_default() {
        app = app.route(
            &path,
            get(move |headers: HeaderMap| async move { serve_static(&file, &headers) }),
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("Failed to start the async runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("Failed to listen on {listen}"))?;
        axum::serve(listener, app)
            .await
            .context("The baseline server failed")
    })
}
