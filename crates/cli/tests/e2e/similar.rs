//! Similar past incidents end to end (issue 15, part 2): `GET /api/v1/incidents/{reference}/
//! similar` ranks earlier incidents with the same failure mechanism, says why, lists their open
//! action items, shows nothing for an incident that only shares a service, never shows a
//! private incident to someone who may not see it; and the incident and postmortem pages show
//! the "This looks like" section.

use crate::browser::Browser;
use crate::e2e_test;
use crate::harness::TestApp;
use crate::openapi::{conforms, document};
use crate::ui::{sign_in, user_with_password};
use debrief_core::access::AccountRole;
use fantoccini::Locator;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Declares an incident as the admin and returns its reference.
async fn declare(app: &TestApp, body: Value) -> String {
    let inc = app.declare(&app.admin_token, &body).await;
    inc["reference"].as_str().expect("a reference").to_string()
}

async fn similar(app: &TestApp, token: &str, r: &str) -> (StatusCode, Value) {
    let (s, _, body) = app
        .get(&format!("/api/v1/incidents/{r}/similar"), token)
        .await;
    (s, body)
}

fn references(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i["reference"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The incidents [`arrange`] declares.
struct Past {
    expiry: String,
    oom: String,
    private: String,
    unrelated: String,
}

/// Past incidents: a certificate expiry with a postmortem and action items, an out-of-memory
/// crash on the same service, a private certificate expiry, and an unrelated incident on the
/// same service.
async fn arrange(app: &TestApp) -> Past {
    for s in ["checkout", "billing"] {
        app.create_service(s).await;
    }
    let expiry = declare(
        app,
        json!({"title": "TLS certificate expired on the checkout API", "severity": "SEV2",
               "summary": "Clients got handshake failures for 40 minutes.",
               "services": ["checkout"]}),
    )
    .await;
    app.transition(&app.admin_token, &expiry, &json!({"to": "resolved"}))
        .await;
    let (s, _, pm) = app
        .patch(
            &format!("/api/v1/incidents/{expiry}/postmortem"),
            &app.admin_token,
            &json!({"sections": {
                "why_it_happened": "The certificate expired; the renewal job had been failing silently.",
                "contributing_factors": "- no alert on certificate expiry\n- renewal was a manual step"}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{pm}");
    let items = format!("/api/v1/incidents/{expiry}/action-items");
    for title in [
        "Alert 30 days before a certificate expires",
        "Automate renewal",
    ] {
        let (s, _, item) = app
            .post(&items, &app.admin_token, &json!({"title": title}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{item}");
        if title == "Automate renewal" {
            let (s, _, done) = app
                .patch(
                    &format!("{items}/{}", item["id"]),
                    &app.admin_token,
                    &json!({"status": "done"}),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{done}");
        }
    }
    let oom = declare(
        app,
        json!({"title": "Checkout pods OOMKilled in a loop", "severity": "SEV3",
               "summary": "A memory leak in the pricing cache.", "services": ["checkout"]}),
    )
    .await;
    let private = declare(
        app,
        json!({"title": "x509 certificate has expired on the billing admin", "severity": "SEV3",
               "services": ["billing"], "private": true}),
    )
    .await;
    // Only a shared service with the out-of-memory crash: nothing should show for it.
    let unrelated = declare(
        app,
        json!({"title": "Checkout button misaligned on small screens", "severity": "SEV4",
               "services": ["checkout"]}),
    )
    .await;
    Past {
        expiry,
        oom,
        private,
        unrelated,
    }
}

async fn similar_incidents_are_ranked_with_why_and_open_items_and_respect_privacy(app: &TestApp) {
    // Arrange
    let Past {
        expiry,
        oom,
        private,
        unrelated,
    } = arrange(app).await;
    let query = declare(
        app,
        json!({"title": "Billing portal down: SSL cert lapsed", "severity": "SEV3",
               "summary": "Browsers say the certificate is no longer valid.",
               "services": ["billing"]}),
    )
    .await;
    let (_, responder) = app.create_user(AccountRole::Responder).await;

    // Act
    let (admin_status, seen_by_admin) = similar(app, &app.admin_token, &query).await;
    let (responder_status, seen_by_responder) = similar(app, &responder, &query).await;
    let (_, for_unrelated) = similar(app, &app.admin_token, &unrelated).await;
    let (unknown, _) = similar(app, &app.admin_token, "INC-999").await;
    let (hidden, _) = similar(app, &responder, &private).await;
    let (earliest_status, earliest) = similar(app, &app.admin_token, &expiry).await;

    // Assert: both certificate expiries, not the out-of-memory crash.
    assert_eq!(admin_status, StatusCode::OK, "{seen_by_admin}");
    let mut refs = references(&seen_by_admin);
    refs.sort();
    let mut expected = vec![expiry.clone(), private.clone()];
    expected.sort();
    assert_eq!(refs, expected, "{seen_by_admin}");
    assert!(!refs.contains(&oom));
    // The private incident is not shown to a responder who does not take part in it.
    assert_eq!(responder_status, StatusCode::OK, "{seen_by_responder}");
    assert_eq!(references(&seen_by_responder), [expiry.as_str()]);
    let m = &seen_by_responder["items"][0];
    assert_eq!(m["title"], "TLS certificate expired on the checkout API");
    assert_eq!(m["status"], "postmortem");
    assert_eq!(m["severity"], "SEV2");
    assert!(m["score"].as_f64().unwrap_or(0.0) >= 0.3, "{m}");
    let words: Vec<&str> = m["why"]["words"]
        .as_array()
        .map(|w| w.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    assert!(words.contains(&"tls") && words.contains(&"expired"), "{m}");
    assert_eq!(m["why"]["services"], json!([]), "no shared service");
    let open: Vec<&str> = m["open_action_items"]
        .as_array()
        .map(|w| w.iter().filter_map(|i| i["title"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(open, ["Alert 30 days before a certificate expires"], "{m}");
    // A shared service alone shows nothing; nor is anything earlier than the first incident.
    assert_eq!(for_unrelated["items"], json!([]), "{for_unrelated}");
    assert_eq!(
        (earliest_status, &earliest["items"]),
        (StatusCode::OK, &json!([]))
    );
    // Unknown and unseen incidents are 404s.
    assert_eq!(unknown, StatusCode::NOT_FOUND);
    assert_eq!(hidden, StatusCode::NOT_FOUND);
    // The answer is what the OpenAPI document says.
    let doc = document(app).await;
    let answer = app
        .get(
            &format!("/api/v1/incidents/{query}/similar"),
            &app.admin_token,
        )
        .await;
    conforms(
        &doc,
        "get",
        "/api/v1/incidents/{reference}/similar",
        &answer,
    );
}
e2e_test!(similar_incidents_are_ranked_with_why_and_open_items_and_respect_privacy);

async fn the_incident_and_postmortem_pages_show_what_it_looks_like(app: &TestApp) {
    // Arrange: a repeat of the expiry that owes a postmortem (SEV2).
    let Past {
        expiry, unrelated, ..
    } = arrange(app).await;
    let query = declare(
        app,
        json!({"title": "Billing portal down: SSL cert lapsed", "severity": "SEV2",
               "services": ["billing"]}),
    )
    .await;
    app.transition(&app.admin_token, &query, &json!({"to": "resolved"}))
        .await;
    user_with_password(app, "lee@example.com", "Lee Lead", "admin").await;
    let b = Browser::start().await;

    // Act and assert: the incident page links the expiry, says why, and lists its open item.
    sign_in(&b, app, "lee@example.com", "/").await;
    b.client
        .goto(&app.url(&format!("/incidents/{query}")))
        .await
        .expect("open the incident");
    let link = b
        .wait_for(&format!("#similar li[data-reference='{expiry}'] a"))
        .await;
    assert_eq!(
        link.attr("href").await.ok().flatten(),
        Some(format!("/incidents/{expiry}"))
    );
    let text = b
        .client
        .find(Locator::Css("#similar"))
        .await
        .expect("the section")
        .text()
        .await
        .unwrap_or_default();
    assert!(
        text.contains("This looks like") && text.contains("tls"),
        "{text}"
    );
    assert!(
        text.contains("Alert 30 days before a certificate expires"),
        "{text}"
    );
    // The postmortem page has the same section.
    b.client
        .goto(&app.url(&format!("/incidents/{query}/postmortem")))
        .await
        .expect("open the postmortem");
    b.wait_for("#policy-actions").await;
    b.client
        .find(Locator::Css(&format!(
            "#similar li[data-reference='{expiry}'] a"
        )))
        .await
        .expect("the expiry on the postmortem page");
    // An incident that only shares a service says so quietly.
    b.client
        .goto(&app.url(&format!("/incidents/{unrelated}")))
        .await
        .expect("open the unrelated incident");
    b.wait_for("#no-similar").await;
    b.close().await;
}
e2e_test!(the_incident_and_postmortem_pages_show_what_it_looks_like);

/// Sends a critical PagerDuty trigger to an integration and lets it open an incident.
async fn page(app: &TestApp, key: &str, dedup_key: &str, summary: &str) {
    let event = json!({"routing_key": key, "event_action": "trigger", "dedup_key": dedup_key,
        "payload": {"summary": summary, "source": "db-1", "severity": "critical"}})
    .to_string();
    let (status, _, answer) = app
        .raw(crate::harness::Raw {
            method: reqwest::Method::POST,
            path: "/v2/enqueue",
            token: None,
            content_type: Some("application/json"),
            body: Some(&event),
            headers: &[],
        })
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    app.settle().await;
}

async fn incidents_opened_by_the_same_alert_share_its_fingerprint(app: &TestApp) {
    // Arrange: the same alert (dedup key) opens an incident on search, then on reports.
    for s in ["search", "reports"] {
        app.create_service(s).await;
    }
    let search = app.create_integration("search", "pagerduty", "Prom").await;
    let reports = app.create_integration("reports", "pagerduty", "Prom").await;
    page(
        app,
        &search.key,
        "host-disk-full",
        "Disk usage above 95% on the data volume",
    )
    .await;
    page(
        app,
        &reports.key,
        "host-disk-full",
        "No space left on device on the database host",
    )
    .await;
    let first = app.incidents_of("search").await;
    let second = app.incidents_of("reports").await;
    let r1 = first[0]["reference"]
        .as_str()
        .expect("an incident on search");
    let r2 = second[0]["reference"]
        .as_str()
        .expect("an incident on reports");

    // Act
    let (s, body) = similar(app, &app.admin_token, r2).await;

    // Assert: the first is like the second, by the alert and by the words of the alerts.
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(references(&body), [r1], "{body}");
    let why = &body["items"][0]["why"];
    assert_eq!(why["fingerprints"], json!(["host-disk-full"]), "{body}");
    assert!(
        why["words"]
            .as_array()
            .is_some_and(|w| w.iter().any(|x| x == "disk")),
        "{body}"
    );
}
e2e_test!(incidents_opened_by_the_same_alert_share_its_fingerprint);
