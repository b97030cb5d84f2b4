//! Jobs the registry cannot run: a payload that no longer parses, or a kind no server runs,
//! is dead at once with its reason, and summed up by its kind wherever deliveries are listed.

use crate::harness::{Backend, http_client, spawn_app_with};
use crate::jobs::{fast_jobs, wait_for_delivery};
use crate::openapi::{conforms, document};
use debrief_core::Timestamp;
use debrief_store::jobs::NewJob;
use serde_json::{Value, json};

/// Jobs queued by an older server (or written by hand) whose payload no longer parses, or whose
/// kind no server runs, are dead at once with the reason; the deliveries API and the settings
/// page sum each one up by its kind.
async fn a_payload_that_does_not_parse_is_dead_with_its_reason(backend: Backend) {
    // Arrange: jobs stored as the queue keeps them, a kind name and JSON.
    let app = spawn_app_with(backend, fast_jobs).await;
    let t = app.admin_token.as_str();
    let doc = document(&app).await;
    let now = Timestamp::now();
    let stored = |kind: &str, key: &str, payload: Value| NewJob {
        kind: kind.into(),
        dedupe_key: format!("{kind}:{key}"),
        run_at: now,
        payload,
        max_attempts: 5,
        lease: None,
    };
    let batch = [
        stored(
            "status_notice",
            "bad",
            json!({"page_id": "seven", "changes": []}),
        ),
        stored("retired_kind", "old", json!({})),
        stored(
            "maintenance",
            "999:in_progress:0",
            json!({"maintenance_id": 999, "status": "in_progress", "at": 0}),
        ),
    ];

    // Act
    app.state
        .store
        .enqueue_jobs(&batch, now)
        .await
        .expect("enqueue");
    app.state.jobs.wake();

    // Assert: each is dead after one attempt, with its reason, and summed up by its kind.
    let notice = wait_for_delivery(&app, "status=dead&kind=status_notice", |_| true).await;
    let reason = notice["last_error"].as_str().expect("a reason");
    assert!(
        reason.starts_with(
            "the status_notice payload does not parse: invalid type: string \"seven\", expected i64"
        ),
        "{reason}"
    );
    assert_eq!(notice["attempts"], 1, "retrying cannot fix a payload");
    assert_eq!(
        notice["summary"],
        "status_notice job whose payload does not parse"
    );
    let retired = wait_for_delivery(&app, "status=dead&kind=retired_kind", |_| true).await;
    assert_eq!(
        retired["last_error"],
        "no worker runs jobs of kind 'retired_kind'"
    );
    assert_eq!(retired["summary"], "retired_kind");
    let step = wait_for_delivery(&app, "status=dead&kind=maintenance", |_| true).await;
    assert_eq!(step["last_error"], "maintenance 999 no longer exists");
    assert_eq!(step["summary"], "moves maintenance 999 to in_progress");
    let page = app.get("/api/v1/deliveries?status=dead", t).await;
    conforms(&doc, "get", "/api/v1/deliveries", &page);
    assert_eq!(page.2["items"].as_array().map(Vec::len), Some(3));
    // The settings page lists them with the same summaries.
    crate::ui::user_with_password(&app, "ops@example.com", "Ops", "admin").await;
    let browser =
        crate::accounts::sign_in(&app, "ops@example.com", "correct horse battery staple").await;
    let html = http_client()
        .get(app.url("/settings/postmortems"))
        .header("cookie", browser.session.as_str())
        .send()
        .await
        .expect("the settings page")
        .text()
        .await
        .expect("HTML");
    for summary in [
        "status_notice job whose payload does not parse",
        "moves maintenance 999 to in_progress",
    ] {
        assert!(html.contains(summary), "{summary} is not in {html}");
    }
    app.close().await;
}

crate::e2e_test!(
    a_payload_that_does_not_parse_is_dead_with_its_reason,
    backend
);
