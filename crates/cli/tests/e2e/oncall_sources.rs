//! Where pages come from and what becomes of them (issue 12, part 2 and 3): a declared incident
//! pages its services' policies when severe enough (not otherwise) and its pages are resolved
//! with it; a failed delivery is retried and shows its reason; a user no channel can reach is
//! flagged to admins; a "page only" service's alert pages once (a repeat does not page again)
//! with no incident, and its page is resolved when the sender resolves the alert.

use crate::e2e_test;
use crate::harness::{TestApp, WebhookReceiver};
use debrief_core::access::AccountRole;
use jiff::SignedDuration;
use reqwest::StatusCode;
use serde_json::json;

fn fast(c: &mut debrief_server::ServerConfig) {
    crate::harness::manual_clock(c);
    c.jobs.retry_base = std::time::Duration::from_secs(1);
    c.jobs.retry_cap = std::time::Duration::from_secs(2);
}

async fn declared_incidents_page_by_severity_and_failures_are_retried(app: &TestApp) {
    // Arrange: a service with a one-level policy paging a user by webhook; the receiver fails
    // the first delivery.
    let hooks = WebhookReceiver::start().await;
    hooks.fail_next(1);
    let (user, token) = app.create_user(AccountRole::Responder).await;
    let (idle, idle_token) = app.create_user(AccountRole::Responder).await;
    app.create_service("search").await;
    let policy = app
        .create_policy(&json!({"name": "Search", "levels": [
            {"targets": [{"type": "user", "id": user.id}, {"type": "user", "id": idle.id}],
             "delay_minutes": 10}]}))
        .await;
    app.set_service_policy("search", policy["id"].as_i64().expect("an id"))
        .await;
    app.set_notifications(
        &token,
        &json!({"rules": [{"channel": "webhook", "after_minutes": 0}],
                "webhook_url": format!("{}/pager", hooks.address)}),
    )
    .await;
    // The other user wants ntfy but never said where: nobody can reach them.
    app.set_notifications(
        &idle_token,
        &json!({"rules": [{"channel": "ntfy", "after_minutes": 0}]}),
    )
    .await;
    let (s, _, unreachable) = app
        .get("/api/v1/on-call/unreachable", &app.admin_token)
        .await;
    assert_eq!(s, StatusCode::OK, "{unreachable}");
    let flagged: Vec<i64> = unreachable["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["user"]["id"].as_i64().expect("an id"))
        .collect();
    assert_eq!(flagged, vec![idle.id], "{unreachable}");
    let (_, _, p) = app
        .get(
            &format!("/api/v1/escalation-policies/{}", policy["id"]),
            &app.admin_token,
        )
        .await;
    assert!(
        p["warnings"].to_string().contains("cannot be reached"),
        "the policy warns of it: {p}"
    );

    // Act 1: a SEV4 incident on the service pages nobody; a SEV1 pages the policy.
    app.declare(
        &token,
        &json!({"title": "Slow search", "severity": "SEV4", "services": ["search"]}),
    )
    .await;
    app.settle().await;
    assert!(
        app.pages().await.is_empty(),
        "SEV4 is below the paging severity"
    );
    let inc = app
        .declare(
            &token,
            &json!({"title": "Search is down", "severity": "SEV1", "services": ["search"]}),
        )
        .await;
    app.settle().await;

    // Assert 1: one page for the incident; the first delivery failed and says why.
    let pages = app.pages().await;
    assert_eq!(pages.len(), 1, "{pages:#?}");
    assert_eq!(
        format!("INC-{}", pages[0]["incident_id"]),
        inc["reference"].as_str().expect("a reference"),
        "{}",
        pages[0]
    );
    let id = pages[0]["id"].as_i64().expect("an id");
    let page = app.page(id).await;
    let mine = |p: &serde_json::Value, u: i64| {
        p["notifications"]
            .as_array()
            .expect("notifications")
            .iter()
            .find(|n| n["user_id"] == u)
            .cloned()
            .expect("a notification")
    };
    let n = mine(&page, user.id);
    assert_eq!(n["status"], "failed", "{page}");
    assert!(
        n["error"].as_str().unwrap_or("").contains("HTTP 500"),
        "{n}"
    );
    let idle_n = mine(&page, idle.id);
    assert_eq!(idle_n["status"], "given_up", "{page}");
    assert!(
        idle_n["error"]
            .as_str()
            .unwrap_or("")
            .contains("no ntfy topic URL"),
        "{idle_n}"
    );

    // Act 2: the retry is due after the back-off.
    app.advance(SignedDuration::from_secs(3)).await;

    // Assert 2: delivered on the second try, with the same delivery id.
    let page = app.page(id).await;
    let n = mine(&page, user.id);
    assert_eq!(n["status"], "sent", "{page}");
    assert_eq!(n["attempts"], 2, "{n}");
    let hits = hooks.hits();
    assert_eq!(hits.len(), 2, "{hits:?}");
    assert_eq!(hits[0].delivery, hits[1].delivery);

    // Act 3: the incident is resolved.
    let reference = inc["reference"].as_str().expect("a reference");
    app.transition(&token, reference, &json!({"to": "resolved"}))
        .await;

    // Assert 3: its page is resolved with it; nothing more is sent.
    let page = app.page(id).await;
    assert_eq!(page["status"], "resolved", "{page}");
    app.advance(SignedDuration::from_mins(30)).await;
    assert_eq!(hooks.hits().len(), 2);
    let (_, _, timeline) = app
        .get(&format!("/api/v1/incidents/{reference}/timeline"), &token)
        .await;
    assert!(
        timeline.to_string().contains("Page level 1: notified"),
        "the firing is on the incident's timeline: {timeline}"
    );
}

e2e_test!(
    declared_incidents_page_by_severity_and_failures_are_retried,
    configured super::fast
);

async fn a_page_only_service_pages_without_an_incident(app: &TestApp) {
    // Arrange: a service whose alerts only page; its policy pages an admin-made user at once.
    let (user, _) = app.create_user(AccountRole::Responder).await;
    app.create_service("batch").await;
    let policy = app
        .create_policy(&json!({"name": "Batch", "levels": [
            {"targets": [{"type": "user", "id": user.id}], "delay_minutes": 15}]}))
        .await;
    app.set_service_policy("batch", policy["id"].as_i64().expect("an id"))
        .await;
    let (s, _, rule) = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/services/batch/alert-rule",
            Some(&app.admin_token),
            Some(&json!({"mode": "page", "open_at": "critical"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{rule}");
    let generic = app.create_integration("batch", "generic", "cron").await;
    let auth = format!("Bearer {}", generic.key);
    let event = |action: &str| {
        json!({"action": action, "dedup_key": "nightly", "summary": "Nightly export failed",
               "severity": "critical"})
        .to_string()
    };

    let send = |action: &'static str| {
        let (auth, body) = (auth.clone(), event(action));
        async move {
            let (s, answer) = crate::alerts_replay::send_json(
                app,
                reqwest::Method::POST,
                "/hooks/generic",
                &[("Authorization", auth.as_str())],
                &body,
            )
            .await;
            assert_eq!(s, 202, "{action}: {answer}");
        }
    };

    // Act: the alert fires, and fires again (a repeat of the same alert).
    send("trigger").await;
    send("trigger").await;
    app.settle().await;

    // Assert: one page, no incident, the routing outcome names the page.
    let pages = app.pages().await;
    assert_eq!(pages.len(), 1, "{pages:#?}");
    assert_eq!(pages[0]["incident_id"], serde_json::Value::Null);
    assert!(app.incidents_of("batch").await.is_empty());
    let alerts = app.alerts("").await;
    assert!(
        alerts[0]["routed"]
            .as_str()
            .unwrap_or("")
            .starts_with("page only: page "),
        "{alerts:#?}"
    );

    // Act and assert: the sender resolves the alert; its page is resolved too.
    send("resolve").await;
    app.settle().await;
    let page = app.page(pages[0]["id"].as_i64().expect("an id")).await;
    assert_eq!(page["status"], "resolved", "{page}");
}

e2e_test!(a_page_only_service_pages_without_an_incident);
