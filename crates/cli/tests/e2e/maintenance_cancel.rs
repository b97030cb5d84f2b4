//! Cancelling maintenance, and the maintenance changes that are refused (issue #4): a cancelled
//! maintenance leaves the public page and documents but stays for admins, and subscribers are
//! told; a bad move is a problem document naming the reason, and changes nothing.

use crate::harness::{
    Backend, Raw, SmtpSink, TestApp, WebhookReceiver, assert_problem, header, spawn_app_with,
};
use crate::maintenance_ops::{in_document, public, read, schedule};
use crate::status_pages::setup_page;
use crate::subscriber_admin::confirmed;
use debrief_core::access::AccountRole;
use debrief_server::jobs::SmtpConfig;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

async fn a_cancelled_maintenance_leaves_the_public_page_and_subscribers_are_told(backend: Backend) {
    // Arrange: a webhook and a confirmed e-mail subscriber; maintenance in an hour.
    let sink = SmtpSink::start(None).await;
    let url = sink.url(None);
    let receiver = WebhookReceiver::start().await;
    let app = spawn_app_with(backend, |c| {
        c.jobs.poll_interval = Duration::from_millis(100);
        c.smtp = Some(SmtpConfig::parse(&url, "Debrief <debrief@example.com>").expect("SMTP"));
    })
    .await;
    let (api, _) = setup_page(&app).await;
    let hook = format!("{}/hook", receiver.address);
    confirmed(&app, "email", "ops@example.com", None, Vec::new()).await;
    confirmed(
        &app,
        "webhook",
        &hook,
        Some("hooks@example.com"),
        Vec::new(),
    )
    .await;
    let m = schedule(
        &app,
        "Network switch swap",
        (3_600_000, 7_200_000, 15),
        &[api],
    )
    .await;
    let id = m["id"].as_i64().unwrap();
    receiver
        .wait_until(Duration::from_secs(15), |h| !h.is_empty())
        .await;
    let (_, before) = public(&app, "").await;
    let t = &app.admin_token;

    // Act
    let cancelled = app
        .post(
            &format!("/api/v1/status-pages/acme/maintenances/{id}/cancel"),
            t,
            &json!({"body": "Postponed: the vendor is late."}),
        )
        .await;
    let hits = receiver
        .wait_until(Duration::from_secs(15), |h| h.len() >= 2)
        .await;
    let mails = sink.wait_for(2, Duration::from_secs(15)).await;

    // Assert: gone from the public page and every document, kept for admins.
    assert_eq!(cancelled.0, StatusCode::OK, "{}", cancelled.2);
    assert_eq!(cancelled.2["status"], "cancelled");
    assert!(before.contains("Network switch swap"));
    let (_, html) = public(&app, "").await;
    assert!(!html.contains("Network switch swap"), "{html}");
    for doc in [
        "scheduled-maintenances.json",
        "scheduled-maintenances/upcoming.json",
        "summary.json",
    ] {
        assert!(in_document(&app, doc, id).await.is_none(), "{doc}");
    }
    let (_, feed) = public(&app, "/feed.atom").await;
    assert!(!feed.contains("Network switch swap"), "{feed}");
    let (_, _, list) = app.get("/api/v1/status-pages/acme/maintenances", t).await;
    assert_eq!(list["items"][0]["status"], "cancelled");
    assert_eq!(
        list["items"][0]["updates"][1]["body"],
        "Postponed: the vendor is late."
    );
    assert_eq!(
        crate::maintenance_ops::state_of(&app, api).await,
        "operational"
    );
    // Subscribers are told, once: webhooks see it completed with the cancellation's text.
    assert_eq!(hits.len(), 2, "scheduled, cancelled");
    let told = &hits
        .iter()
        .find(|h| h.body["incident"]["status"] == "completed")
        .expect("the cancellation's webhook")
        .body["incident"];
    assert_eq!(told["name"], "Network switch swap");
    assert_eq!(told["status"], "completed");
    assert_eq!(
        told["incident_updates"][0]["body"],
        "Postponed: the vendor is late."
    );
    let mail = mails
        .iter()
        .find(|m| header(m, "Subject").is_some_and(|s| s.contains("cancelled")))
        .expect("the cancellation's e-mail");
    assert!(
        header(mail, "Subject")
            .unwrap_or_default()
            .contains("Network switch swap")
    );
    assert!(
        mail["text"]
            .as_str()
            .unwrap_or_default()
            .contains("Postponed: the vendor is late.")
    );
    // Nothing more can happen to it.
    let base = format!("/api/v1/status-pages/acme/maintenances/{id}");
    for (path, body) in [
        ("cancel", json!({})),
        ("complete", json!({})),
        ("updates", json!({"body": "x"})),
        (
            "reschedule",
            json!({"starts_at": crate::maintenance_ops::at(&app, 60_000),
                   "ends_at": crate::maintenance_ops::at(&app, 120_000)}),
        ),
    ] {
        let answer = app.post(&format!("{base}/{path}"), t, &body).await;
        assert_problem(&answer, 409);
        assert!(
            answer.2["detail"].as_str().unwrap().contains("cancelled"),
            "{path}: {}",
            answer.2
        );
    }
    app.settle().await;
    assert_eq!(receiver.hits().len(), 2);
    let doc = crate::openapi::document(&app).await;
    let template = "/api/v1/status-pages/{slug}/maintenances/{id}/cancel";
    crate::openapi::conforms(&doc, "post", template, &cancelled);
    app.close().await;
}

crate::e2e_test!(
    a_cancelled_maintenance_leaves_the_public_page_and_subscribers_are_told,
    backend
);

/// A maintenance change that must be refused with `status`, naming `fields` (for a 422) or a
/// detail containing `says`; it must leave the maintenance as it was.
async fn refused(
    app: &TestApp,
    id: i64,
    (token, path, body): (&str, &str, Option<Value>),
    status: u16,
    says: &str,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let before = read(app, id).await;
    let body_text = body.map(|b| b.to_string());
    let mut req = Raw::new(Method::POST, path).token(token);
    if let Some(b) = &body_text {
        req = req.json(b);
    }
    let answer = app.raw(req).await;
    let fields = assert_problem(&answer, status);
    let text = format!("{} {}", answer.2["detail"], fields.join(" "));
    assert!(text.contains(says), "{path}: '{says}' not in {}", answer.2);
    assert_eq!(
        before,
        read(app, id).await,
        "{path} changed the maintenance"
    );
    answer
}

async fn bad_maintenance_changes_are_refused_and_change_nothing(app: &TestApp) {
    // Arrange: maintenance in an hour; another page with its own maintenance; a viewer.
    let (api, _) = setup_page(app).await;
    let m = schedule(app, "Disk swap", (3_600_000, 7_200_000, 15), &[api]).await;
    let id = m["id"].as_i64().unwrap();
    let t = app.admin_token.as_str();
    app.post(
        "/api/v1/status-pages",
        t,
        &json!({"slug": "other", "name": "Other"}),
    )
    .await;
    let (_, viewer) = app.create_user(AccountRole::Viewer).await;
    let base = format!("/api/v1/status-pages/acme/maintenances/{id}");
    let p = |s: &str| format!("{base}/{s}");
    let at = |ms| crate::maintenance_ops::at(app, ms);

    // Act + assert: each refusal names its reason and changes nothing.
    let not_started = refused(app, id, (t, &p("complete"), None), 409, "has not started").await;
    refused(
        app,
        id,
        (
            t,
            &p("updates"),
            Some(json!({"body": "x", "status": "completed"})),
        ),
        409,
        "in_progress first",
    )
    .await;
    let unknown = refused(
        app,
        id,
        (
            t,
            &p("updates"),
            Some(json!({"body": "x", "status": "done"})),
        ),
        422,
        "status",
    )
    .await;
    refused(
        app,
        id,
        (t, &p("updates"), Some(json!({"body": " "}))),
        422,
        "body",
    )
    .await;
    refused(
        app,
        id,
        (
            t,
            &p("reschedule"),
            Some(json!({"starts_at": at(7_200_000), "ends_at": at(3_600_000)})),
        ),
        409,
        "ends_at",
    )
    .await;
    refused(
        app,
        id,
        (
            t,
            &p("reschedule"),
            Some(json!({"starts_at": at(-7_200_000), "ends_at": at(-3_600_000)})),
        ),
        409,
        "must be in the future",
    )
    .await;
    let stale = refused(
        app,
        id,
        (t, &p("cancel"), Some(json!({"version": 7}))),
        409,
        "version 1, not 7",
    )
    .await;
    refused(
        app,
        id,
        (t, &p("cancel"), Some(json!({"reason": "x"}))),
        422,
        "reason",
    )
    .await;
    refused(
        app,
        id,
        (&viewer, &p("updates"), Some(json!({"body": "x"}))),
        403,
        "responder",
    )
    .await;
    let other = format!("/api/v1/status-pages/other/maintenances/{id}/cancel");
    refused(app, id, (t, &other, None), 404, "maintenance").await;
    refused(
        app,
        id,
        (t, "/api/v1/status-pages/acme/maintenances/x/cancel", None),
        404,
        "maintenance",
    )
    .await;
    let (s, _, _) = app
        .get("/api/v1/status-pages/acme/maintenances/999", t)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let m = read(app, id).await;
    assert_eq!(
        (m["version"].as_i64(), m["status"].as_str()),
        (Some(1), Some("scheduled"))
    );
    let doc = crate::openapi::document(app).await;
    for (template, answer) in [
        ("complete", &not_started),
        ("updates", &unknown),
        ("cancel", &stale),
    ] {
        let template = format!("/api/v1/status-pages/{{slug}}/maintenances/{{id}}/{template}");
        crate::openapi::conforms(&doc, "post", &template, answer);
    }
    let got = app.get(&base, t).await;
    crate::openapi::conforms(
        &doc,
        "get",
        "/api/v1/status-pages/{slug}/maintenances/{id}",
        &got,
    );
}

crate::e2e_test!(bad_maintenance_changes_are_refused_and_change_nothing);
