//! A runaway sender is throttled per integration (`--alert-events-per-minute`): past its
//! allowance it gets 429 with `Retry-After`, in each sender's own error shape, and nothing more
//! is recorded; other integrations are not held back.

use crate::e2e_test;
use crate::harness::{Raw, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn allow_five(c: &mut debrief_server::ServerConfig) {
    c.alert_events_per_minute = 5;
}

async fn send(
    app: &TestApp,
    key: &str,
    dedup: &str,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let event = json!({"routing_key": key, "event_action": "trigger", "dedup_key": dedup,
        "payload": {"summary": "flapping", "source": "web-1", "severity": "warning"}})
    .to_string();
    app.raw(Raw {
        method: Method::POST,
        path: "/v2/enqueue",
        token: None,
        content_type: Some("application/json"),
        body: Some(&event),
        headers: &[],
    })
    .await
}

async fn a_runaway_sender_gets_429_with_retry_after(app: &TestApp) {
    // Arrange: two PagerDuty integrations, five events a minute each.
    app.create_service("checkout").await;
    let noisy = app
        .create_integration("checkout", "pagerduty", "noisy")
        .await;
    let quiet = app
        .create_integration("checkout", "pagerduty", "quiet")
        .await;

    // Act: seven events from the noisy one, one from the quiet one.
    let mut statuses = Vec::new();
    let mut last = None;
    for n in 0..7 {
        let (s, headers, body) = send(app, &noisy.key, &format!("k{n}")).await;
        statuses.push(s.as_u16());
        last = Some((headers, body));
    }
    let (quiet_status, _, _) = send(app, &quiet.key, "q").await;

    // Assert: five accepted, then 429 in PagerDuty's shape with Retry-After; nothing recorded
    // past the allowance; the quiet integration is unaffected.
    assert_eq!(statuses, vec![202, 202, 202, 202, 202, 429, 429]);
    let (headers, body) = last.expect("an answer");
    assert_eq!(body["status"], "throttle event", "{body}");
    let retry: u64 = headers["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!(retry >= 1, "{retry}");
    assert_eq!(app.alerts_of(&noisy).await.len(), 5);
    assert_eq!(quiet_status, StatusCode::ACCEPTED);
}

e2e_test!(a_runaway_sender_gets_429_with_retry_after, configured super::allow_five);

/// A NUL in a sender's text (`"\u0000"`, valid JSON) is accepted on both databases and kept as
/// U+FFFD, the same for the trigger and the resolve of its dedup key.
async fn a_nul_in_a_senders_text_is_accepted_and_replaced(app: &TestApp) {
    app.create_service("checkout").await;
    let pd = app.create_integration("checkout", "pagerduty", "nul").await;
    let (s, _, body) = send(app, &pd.key, "a\u{0}b").await;
    assert_eq!(s, StatusCode::ACCEPTED, "{body}");
    let resolve = json!({"routing_key": pd.key, "event_action": "resolve", "dedup_key": "a\u{0}b"})
        .to_string();
    let (s, _, body) = app
        .raw(Raw {
            method: Method::POST,
            path: "/v2/enqueue",
            token: None,
            content_type: Some("application/json"),
            body: Some(&resolve),
            headers: &[],
        })
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{body}");
    let alerts = app.alerts_of(&pd).await;
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    assert_eq!(alerts[0]["dedup_key"], "a\u{FFFD}b");
    assert_eq!(alerts[0]["status"], "resolved");
}

e2e_test!(a_nul_in_a_senders_text_is_accepted_and_replaced);
