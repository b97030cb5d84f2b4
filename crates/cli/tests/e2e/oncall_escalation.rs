//! On call end to end, with time moved (issue 12, part 4): an alert in → a page → level 1 by
//! e-mail (a real SMTP sink) and a signed webhook → no acknowledgement → level 2 after the
//! delay, by ntfy (a receiver speaking ntfy's publish API) and e-mail → the acknowledge link
//! in the e-mail is clicked → nothing more, ever; the link works once.

use crate::e2e_test;
use crate::harness::{
    Backend, NtfyReceiver, SmtpSink, TestApp, WebhookReceiver, link, manual_clock, spawn_app_with,
};
use debrief_core::access::AccountRole;
use debrief_server::ServerConfig;
use debrief_server::jobs::SmtpConfig;
use jiff::SignedDuration;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

pub(crate) fn fast(c: &mut ServerConfig, smtp: &str) {
    manual_clock(c);
    c.jobs.poll_interval = Duration::from_millis(100);
    c.jobs.retry_base = Duration::from_millis(300);
    c.jobs.retry_cap = Duration::from_secs(1);
    c.smtp = Some(SmtpConfig::parse(smtp, "Debrief <debrief@example.com>").expect("SMTP"));
}

/// A local date-time in `zone`, `days` days before the app's now, at 09:00.
pub(crate) fn local_start(app: &TestApp, zone: &str, days: i64) -> String {
    let now = app.clock().now();
    let d = now
        .in_tz(zone)
        .expect("a zone")
        .date()
        .checked_sub(jiff::Span::new().days(days))
        .expect("a date");
    format!("{d}T09:00:00")
}

fn texts_to(messages: &[Value], to: &str) -> Vec<String> {
    messages
        .iter()
        .filter(|m| {
            m["rcpt_tos"]
                .as_array()
                .is_some_and(|r| r.iter().any(|x| x.as_str() == Some(to)))
        })
        .map(|m| m["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

async fn alert_to_acknowledgement(backend: Backend) {
    // Arrange: mail, webhook and ntfy receivers; a server on a manual clock.
    let sink = SmtpSink::start(None).await;
    let hooks = WebhookReceiver::start().await;
    let ntfy = NtfyReceiver::start().await;
    let smtp = sink.url(None);
    let app = spawn_app_with(backend, |c| fast(c, &smtp)).await;
    let (alice, alice_token) = app.create_user(AccountRole::Responder).await;
    let (bob, bob_token) = app.create_user(AccountRole::Responder).await;
    app.create_service("checkout").await;
    let schedule = app
        .create_schedule(&json!({
            "name": "Checkout primary", "time_zone": "Europe/Berlin",
            "layers": [{"participants": [alice.id], "rotation": "weekly",
                        "start": local_start(&app, "Europe/Berlin", 3)}],
        }))
        .await;
    assert_eq!(schedule["on_call_now"]["id"], alice.id, "{schedule}");
    let policy = app
        .create_policy(&json!({
            "name": "Checkout", "repeat": 0,
            "levels": [
                {"targets": [{"type": "schedule", "id": schedule["id"]}], "delay_minutes": 5},
                {"targets": [{"type": "user", "id": bob.id}], "delay_minutes": 10},
            ],
        }))
        .await;
    app.set_service_policy("checkout", policy["id"].as_i64().expect("an id"))
        .await;
    let alice_settings = app
        .set_notifications(
            &alice_token,
            &json!({"rules": [{"channel": "email", "after_minutes": 0},
                              {"channel": "webhook", "after_minutes": 1}],
                    "webhook_url": format!("{}/alice", hooks.address),
                    "webhook_secret": "alice-webhook-secret-123"}),
        )
        .await;
    assert_eq!(
        alice_settings["unreachable"],
        Value::Null,
        "{alice_settings}"
    );
    hooks.set_secret("alice-webhook-secret-123");
    app.set_notifications(
        &bob_token,
        &json!({"rules": [{"channel": "ntfy", "after_minutes": 0},
                          {"channel": "email", "after_minutes": 0}],
                "ntfy_url": format!("{}/oncall-bob", ntfy.address),
                "ntfy_token": "tk_bob_secret_token_1"}),
    )
    .await;
    let generic = app.create_integration("checkout", "generic", "probe").await;
    let opened_at = app.clock().now();

    // Act 1: the alert comes in.
    let event = json!({"action": "trigger", "dedup_key": "checkout-5xx",
                       "summary": "Checkout answers 5xx", "severity": "critical"})
    .to_string();
    let (s, _, body) = app
        .raw(crate::harness::Raw {
            method: reqwest::Method::POST,
            path: "/hooks/generic",
            token: Some(&generic.key),
            content_type: Some("application/json"),
            body: Some(&event),
            headers: &[],
        })
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{body}");
    app.settle().await;

    // Assert 1: one page, level 1 notified Alice by e-mail at once; nothing else yet.
    let pages = app.pages().await;
    assert_eq!(pages.len(), 1, "{pages:#?}");
    let page_id = pages[0]["id"].as_i64().expect("an id");
    assert_eq!(pages[0]["status"], "triggered");
    assert!(
        pages[0]["incident_id"].is_i64(),
        "a critical alert opens an incident: {}",
        pages[0]
    );
    let mail = sink.wait_for(1, WAIT).await;
    let alice_mail = texts_to(&mail, &alice.email);
    assert_eq!(alice_mail.len(), 1, "{mail:#?}");
    assert!(
        alice_mail[0].contains("Checkout answers 5xx"),
        "{}",
        alice_mail[0]
    );
    assert!(hooks.hits().is_empty(), "the webhook is due after a minute");
    assert!(ntfy.messages().is_empty());

    // Act 2 and assert: a minute later (once the clock has passed the minute: an
    // acknowledgement at exactly that instant would still stop it), Alice's webhook, signed.
    app.advance(SignedDuration::from_mins(1)).await;
    assert!(hooks.hits().is_empty(), "not before the minute has passed");
    app.advance(SignedDuration::from_millis(1)).await;
    let hits = hooks.wait_until(WAIT, |h| !h.is_empty()).await;
    assert_eq!(hits.len(), 1, "{hits:#?}");
    assert!(hits[0].signed, "the webhook is signed with Alice's secret");
    assert_eq!(hits[0].event, "page.notification");
    assert_eq!(hits[0].body["data"]["page"]["id"], page_id);
    assert_eq!(hits[0].body["data"]["level"], 1);

    // Act 3: nobody acknowledges; at five minutes level 2 notifies Bob.
    app.advance(SignedDuration::from_mins(4)).await;
    let pushed = ntfy.wait_for(1, WAIT).await;
    let mail = sink.wait_for(2, WAIT).await;

    // Assert 3: ntfy as ntfy expects it: title, urgency, the token, one-tap buttons.
    assert_eq!(pushed.len(), 1, "{pushed:#?}");
    let n = &pushed[0];
    assert_eq!(n.topic, "oncall-bob");
    assert_eq!(n.priority, "urgent");
    assert_eq!(n.authorization, "Bearer tk_bob_secret_token_1");
    assert!(n.title.contains("Checkout answers 5xx"), "{n:?}");
    assert!(
        n.actions.starts_with("http, Acknowledge, http") && n.actions.contains("method=POST"),
        "{}",
        n.actions
    );
    assert!(n.click.ends_with(&format!("/pages/{page_id}")), "{n:?}");
    assert!(n.body.contains("Acknowledge: http"), "{n:?}");
    let bob_mail = texts_to(&mail, &bob.email);
    assert_eq!(bob_mail.len(), 1, "{mail:#?}");

    // Act 4: Bob clicks the acknowledge link in his e-mail.
    let ack = link(&bob_mail[0], "Acknowledge");
    let res = reqwest::get(&ack).await.expect("open the link");
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.expect("a page");
    assert!(html.contains("acknowledged the page"), "{html}");

    // Assert 4: acknowledged by Bob; nothing more is sent, however long we wait.
    let page = app.page(page_id).await;
    assert_eq!(page["status"], "acknowledged", "{page}");
    assert_eq!(page["acknowledged_by"], bob.id);
    let (_, _, alerts) = app.get("/api/v1/alerts", &app.admin_token).await;
    assert_eq!(
        alerts["items"][0]["status"], "acknowledged",
        "the alert follows its page: {alerts}"
    );
    let before = (
        sink.messages().len(),
        hooks.hits().len(),
        ntfy.messages().len(),
    );
    for _ in 0..4 {
        app.advance(SignedDuration::from_mins(30)).await;
    }
    assert_eq!(
        (
            sink.messages().len(),
            hooks.hits().len(),
            ntfy.messages().len()
        ),
        before,
        "nothing after the acknowledgement"
    );
    let again = reqwest::get(&ack).await.expect("open the link again");
    assert_eq!(again.status(), StatusCode::GONE, "a link works once");
    // A forged link (one character of its signature changed) is not a link at all; a day
    // later the resolve link has expired; neither changes anything.
    let resolve = link(&bob_mail[0], "Resolve");
    let mut forged = resolve.clone();
    let last = forged.pop().expect("a character");
    forged.push(if last == 'A' { 'B' } else { 'A' });
    let res = reqwest::get(&forged).await.expect("open a forged link");
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    app.advance(SignedDuration::from_hours(23)).await;
    let res = reqwest::get(&resolve).await.expect("open an expired link");
    assert_eq!(res.status(), StatusCode::GONE);
    assert!(res.text().await.unwrap_or_default().contains("expired"));
    assert_eq!(app.page(page_id).await["status"], "acknowledged");
    let firings = page["firings"].as_array().expect("firings");
    assert_eq!(firings.len(), 2, "{page}");
    assert_eq!(firings[0]["users"], json!([alice.id]));
    assert_eq!(firings[1]["users"], json!([bob.id]));
    assert_eq!(
        firings[1]["at"].as_str().expect("a time"),
        debrief_core::format_utc(opened_at + SignedDuration::from_mins(5))
    );
    let statuses: Vec<(String, String)> = page["notifications"]
        .as_array()
        .expect("notifications")
        .iter()
        .map(|n| {
            (
                n["channel"].as_str().unwrap_or_default().to_string(),
                n["status"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert!(statuses.iter().all(|(_, s)| s == "sent"), "{statuses:?}");
    assert_eq!(statuses.len(), 4, "{statuses:?}");
    app.close().await;
}

e2e_test!(alert_to_acknowledgement, backend);
