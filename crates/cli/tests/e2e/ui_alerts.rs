//! Alerts in a real browser: an admin creates an integration and sees its key once; an alert
//! sent with that key shows on the alerts page; a responder acknowledges and resolves it and
//! the incident it opened lists it; a viewer sees alerts (but not those of a private incident)
//! and cannot change them or reach the integrations; an admin rotates, disables and re-enables a key and sets up a service's
//! routing rule and silences; an acknowledge that comes too late is a message on the page.

use crate::browser::{Browser, attr_of, click, text_of, wait};
use crate::e2e_test;
use crate::harness::TestApp;
use crate::ui::{sign_in, user_with_password};
use fantoccini::Locator;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Adds a service to the catalogue.
async fn service(app: &TestApp, slug: &str, name: &str) {
    let (s, _, body) = app
        .post(
            "/api/v1/services",
            &app.admin_token,
            &json!({"slug": slug, "name": name}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
}

/// Sends a PagerDuty Events API v2 body as a sender would (no credentials but the key in it).
async fn enqueue(app: &TestApp, body: &Value) -> (StatusCode, Value) {
    let (s, _, answer) = app
        .request(Method::POST, "/v2/enqueue", None, Some(body))
        .await;
    (s, answer)
}

fn trigger(key: &str, dedup_key: &str, summary: &str) -> Value {
    json!({
        "routing_key": key,
        "event_action": "trigger",
        "dedup_key": dedup_key,
        "payload": {"summary": summary, "source": "db-1", "severity": "critical",
                    "custom_details": {"free_bytes": 0, "mount": "/var/lib/postgresql"}},
        "links": [{"href": "https://runbooks.example/disk-full", "text": "Runbook: disk full"}],
        "client": "Prometheus", "client_url": "https://prometheus.example/alerts"
    })
}

async fn value_of(b: &Browser, css: &str) -> String {
    attr_of(b, css, "value").await
}

/// Signs the browser out (forgets the session) and signs in as someone else.
async fn switch_user(b: &Browser, app: &TestApp, email: &str, then: &str) {
    b.client
        .delete_all_cookies()
        .await
        .expect("forget the session");
    sign_in(b, app, email, then).await;
}

/// Creates an integration over the API; returns its id and key.
async fn integration(app: &TestApp, kind: &str, name: &str) -> (i64, String) {
    let (s, _, body) = app
        .post(
            "/api/v1/integrations",
            &app.admin_token,
            &json!({"service": "checkout", "kind": kind, "name": name}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    (
        body["integration"]["id"].as_i64().expect("an id"),
        body["key"].as_str().expect("a key").to_string(),
    )
}

/// The id of the newest alert.
async fn newest_alert(app: &TestApp) -> i64 {
    let (_, _, list) = app.get("/api/v1/alerts", &app.admin_token).await;
    list["items"][0]["id"].as_i64().expect("an alert")
}

async fn an_admin_sets_up_an_integration_and_a_responder_handles_its_alert(app: &TestApp) {
    // Arrange
    user_with_password(app, "ina@example.com", "Ina Admin", "admin").await;
    user_with_password(app, "rory@example.com", "Rory Responder", "responder").await;
    service(app, "checkout", "Checkout").await;
    let b = Browser::start().await;

    // Act: the admin creates a PagerDuty integration in the browser.
    sign_in(&b, app, "ina@example.com", "/settings/integrations").await;
    let form = b
        .client
        .form(Locator::Id("integration-form"))
        .await
        .expect("the integration form");
    form.set_by_name("service", "checkout")
        .await
        .expect("service");
    form.set_by_name("kind", "pagerduty").await.expect("kind");
    form.set_by_name("name", "Prometheus production")
        .await
        .expect("name");
    form.submit().await.expect("create");
    let key = value_of(&b, "#integration-key").await;
    let url = value_of(&b, "#integration-url").await;
    let steps = text_of(&b, "#setup-steps").await;
    b.screenshot(&format!("integration-key-{:?}", app.backend))
        .await;

    // Assert: the key is shown with the URL and the set-up to paste into the sender.
    assert_eq!(key.len(), 32, "a 32-character key: {key}");
    assert_eq!(url, app.url("/v2/enqueue"));
    assert!(
        steps.contains(&format!("routing_key: {key}")) && steps.contains(&url),
        "{steps}"
    );

    // Act: back on the list.
    click(&b, "#back-to-integrations").await;
    let row = text_of(&b, "table.integrations tr[data-kind=pagerduty]").await;
    let source = b.client.source().await.expect("page source");

    // Assert: only the key's hint is ever shown again.
    assert!(!source.contains(&key), "the key is shown only once");
    assert!(
        row.contains("Prometheus production")
            && row.contains(&format!("…{}", &key[28..]))
            && row.contains("enabled")
            && row.contains("sender"),
        "{row}"
    );

    // Act: the sender sends an alert twice with that key; routing opens an incident.
    for _ in 0..2 {
        let (s, answer) = enqueue(app, &trigger(&key, "disk-db-1", "Disk full on db-1")).await;
        assert_eq!(s, StatusCode::ACCEPTED, "{answer}");
    }
    app.settle().await;
    switch_user(&b, app, "rory@example.com", "/alerts").await;
    let row = text_of(&b, "#alert-list tr[data-alert]").await;
    let open = text_of(&b, "#alert-tabs a[data-tab=open] .count").await;
    b.screenshot(&format!("alerts-{:?}", app.backend)).await;

    // Assert: the alerts page shows it, with the incident it opened.
    for part in [
        "critical",
        "Disk full on db-1",
        "checkout",
        "Prometheus production",
        "Triggered",
        "INC-1",
    ] {
        assert!(row.contains(part), "'{part}' in the row: {row}");
    }
    assert_eq!(
        text_of(&b, "#alert-list tr[data-alert] td.count").await,
        "2"
    );
    assert_eq!(open, "1");
    assert!(
        text_of(&b, "#alert-list tr[data-alert] time")
            .await
            .contains("UTC"),
        "times show UTC beside the viewer's zone"
    );

    // Act: open the alert and acknowledge it.
    click(&b, "#alert-list a.alert-summary").await;
    wait(&b, "#ack-form").await;
    let alert_path = b.path().await;
    let payload = text_of(&b, "#alert-payload").await;
    let links = text_of(&b, "#alert-links").await;
    click(&b, "#ack-form button").await;
    wait(&b, "#alert-status.astatus-acknowledged").await;
    let acknowledged = text_of(&b, "#alert-fields tr[data-field=acknowledged]").await;

    // Assert: the alert's page shows the raw payload (without the key) and its links.
    assert!(
        payload.contains("\"summary\": \"Disk full on db-1\"") && !payload.contains(&key),
        "{payload}"
    );
    assert!(
        links.contains("Runbook: disk full") && links.contains("Open in Prometheus"),
        "{links}"
    );
    assert!(acknowledged.contains("Rory Responder"), "{acknowledged}");

    // Act: resolve it and add a note.
    click(&b, "#resolve-form button").await;
    wait(&b, "#alert-status.astatus-resolved").await;
    let buttons = b
        .client
        .find_all(Locator::Css("#ack-form, #resolve-form"))
        .await
        .expect("query");
    let form = b
        .client
        .form(Locator::Id("note-form"))
        .await
        .expect("the note form");
    form.set_by_name("note", "Freed 20 GB; the cause goes in the postmortem")
        .await
        .expect("note");
    form.submit().await.expect("add the note");
    let notes = text_of(&b, "#alert-notes li:not(.empty)").await;
    b.screenshot(&format!("alert-{:?}", app.backend)).await;

    // Assert
    assert!(buttons.is_empty(), "a resolved alert offers no buttons");
    assert!(
        notes.contains("Freed 20 GB") && notes.contains("Rory Responder"),
        "{notes}"
    );
    let id = alert_path.trim_start_matches("/alerts/");
    let (_, _, alert) = app
        .get(&format!("/api/v1/alerts/{id}"), &app.admin_token)
        .await;
    assert_eq!(alert["status"], "resolved", "{alert}");
    assert_eq!(alert["resolved_by"], "Rory Responder");
    assert_eq!(alert["acknowledged_by"], "Rory Responder");

    // Act: the incident's page.
    app.settle().await;
    b.client
        .goto(&app.url("/incidents/INC-1"))
        .await
        .expect("the incident");
    let listed = text_of(&b, &format!("#alerts tr[data-alert='{id}']")).await;
    b.screenshot(&format!("incident-alerts-{:?}", app.backend))
        .await;
    click(&b, &format!("#alerts tr[data-alert='{id}'] a")).await;
    wait(&b, "#alert-summary").await;

    // Assert: it lists its alert, which links to the alert's page.
    assert!(
        listed.contains("Disk full on db-1") && listed.contains("Resolved"),
        "{listed}"
    );
    assert_eq!(b.path().await, alert_path);
    b.client
        .goto(&app.url("/alerts?tab=resolved"))
        .await
        .expect("resolved tab");
    assert!(
        text_of(&b, "#alert-list")
            .await
            .contains("Disk full on db-1")
    );
    b.client.goto(&app.url("/alerts")).await.expect("open tab");
    wait(&b, "#no-alerts").await;
    b.close().await;
}
e2e_test!(an_admin_sets_up_an_integration_and_a_responder_handles_its_alert);

async fn a_viewer_sees_alerts_but_cannot_change_them_or_reach_integrations(app: &TestApp) {
    // Arrange: an alert from a generic integration.
    user_with_password(app, "vic@example.com", "Vic Viewer", "viewer").await;
    service(app, "checkout", "Checkout").await;
    let (_, key) = integration(app, "generic", "Backup script").await;
    for (dedup_key, summary) in [
        ("nightly-backup", "Nightly backup failed"),
        ("card-data", "Card data readable from the backup bucket"),
    ] {
        let body = json!({"dedup_key": dedup_key, "summary": summary, "severity": "error"});
        let (s, _, answer) = app
            .raw(crate::harness::Raw {
                method: Method::POST,
                path: "/hooks/generic",
                token: Some(&key),
                content_type: Some("application/json"),
                headers: &[],
                body: Some(&body.to_string()),
            })
            .await;
        assert_eq!(s, StatusCode::ACCEPTED, "{answer}");
        app.settle().await;
    }
    // The second alert opened INC-2, which becomes private: its alert is as private as it.
    let private_alert = newest_alert(app).await;
    let (s, _, body) = app
        .patch(
            "/api/v1/incidents/INC-2",
            &app.admin_token,
            &json!({"private": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let b = Browser::start().await;

    // Act
    sign_in(&b, app, "vic@example.com", "/alerts").await;
    let row = text_of(&b, "#alert-list").await;
    click(&b, "#alert-list a.alert-summary").await;
    wait(&b, "#alert-status").await;
    let forms = b
        .client
        .find_all(Locator::Css("#ack-form, #resolve-form, #note-form"))
        .await
        .expect("query");
    b.client
        .goto(&app.url("/alerts?service=checkout"))
        .await
        .expect("the service's alerts");
    let rule = text_of(&b, "#rule-summary").await;
    let service_forms = b
        .client
        .find_all(Locator::Css("#rule-form, #silence-form"))
        .await
        .expect("query");
    b.client
        .goto(&app.url("/settings/integrations"))
        .await
        .expect("the integrations page");
    let refused = text_of(&b, "#error-detail").await;
    let source = b.client.source().await.expect("page source");
    b.client
        .goto(&app.url(&format!("/alerts/{private_alert}")))
        .await
        .expect("the private incident's alert");
    let hidden = text_of(&b, "#error-detail").await;

    // Assert
    assert!(
        row.contains("Nightly backup failed") && row.contains("Backup script"),
        "{row}"
    );
    assert!(
        !row.contains("Card data"),
        "the alert of a private incident is not listed: {row}"
    );
    assert!(hidden.contains("not found"), "{hidden}");
    assert!(forms.is_empty(), "a viewer gets no buttons or note form");
    assert!(
        rule.contains("incident"),
        "the viewer sees the rule: {rule}"
    );
    assert!(
        service_forms.is_empty(),
        "a viewer changes no rule or silence"
    );
    assert!(refused.contains("admin"), "{refused}");
    assert!(
        !source.contains("Backup script"),
        "nothing of the integrations shows"
    );
    b.close().await;
}
e2e_test!(a_viewer_sees_alerts_but_cannot_change_them_or_reach_integrations);

async fn an_admin_rotates_and_disables_a_key_and_sets_up_the_service(app: &TestApp) {
    // Arrange
    user_with_password(app, "ina@example.com", "Ina Admin", "admin").await;
    service(app, "checkout", "Checkout").await;
    let (id, old_key) = integration(app, "pagerduty", "Checkout monitors").await;
    let b = Browser::start().await;

    // Act: rotate with no overlap.
    sign_in(&b, app, "ina@example.com", "/settings/integrations").await;
    let row = format!("#integration-{id}");
    click(&b, &format!("{row} details.edit summary")).await;
    let form = b
        .client
        .form(Locator::Css(&format!("{row} form.rotate-form")))
        .await
        .expect("the rotate form");
    form.set_by_name("overlap_minutes", "0")
        .await
        .expect("overlap");
    form.submit().await.expect("rotate");
    let new_key = value_of(&b, "#integration-key").await;
    let overlap = text_of(&b, "#rotation-overlap").await;
    let (old_status, old_answer) = enqueue(app, &trigger(&old_key, "a", "Old key")).await;
    let (new_status, _) = enqueue(app, &trigger(&new_key, "b", "New key")).await;

    // Assert
    assert_ne!(new_key, old_key);
    assert!(overlap.contains("no longer works"), "{overlap}");
    assert_eq!(old_status, StatusCode::BAD_REQUEST, "{old_answer}");
    assert_eq!(new_status, StatusCode::ACCEPTED);

    // Act: disable, then enable again.
    b.client
        .goto(&app.url("/settings/integrations"))
        .await
        .expect("the integrations");
    click(&b, &format!("{row} form.enabled-form button")).await;
    wait(&b, &format!("{row} .badge.disabled")).await;
    let (disabled_status, _) = enqueue(app, &trigger(&new_key, "c", "While disabled")).await;
    click(&b, &format!("{row} form.enabled-form button")).await;
    wait(&b, &format!("{row} .badge.enabled")).await;
    let (enabled_status, _) = enqueue(app, &trigger(&new_key, "d", "Enabled again")).await;

    // Assert
    assert_eq!(disabled_status, StatusCode::BAD_REQUEST);
    assert_eq!(enabled_status, StatusCode::ACCEPTED);

    // Act: the service's routing rule, a silence and a change event on its alerts page.
    let (s, _, answer) = app
        .request(
            Method::POST,
            "/v2/change/enqueue",
            None,
            Some(&json!({"routing_key": new_key, "payload": {"summary": "Deployed checkout 2026.11.3", "source": "ci"},
                         "links": [{"href": "https://ci.example/builds/881", "text": "Build 881"}]})),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{answer}");
    b.client
        .goto(&app.url("/alerts?service=checkout"))
        .await
        .expect("the service's alerts");
    let changes = text_of(&b, "#changes").await;
    b.screenshot(&format!("alerts-service-{:?}", app.backend))
        .await;
    click(&b, "#service details summary").await;
    let form = b
        .client
        .form(Locator::Id("rule-form"))
        .await
        .expect("the rule form");
    form.set_by_name("mode", "page").await.expect("mode");
    form.set_by_name("map_critical", "SEV1").await.expect("map");
    form.submit().await.expect("save the rule");
    wait(&b, "#rule-mode[data-mode=page]").await;
    let mode = text_of(&b, "#rule-mode").await;
    let form = b
        .client
        .form(Locator::Id("silence-form"))
        .await
        .expect("the silence form");
    form.set_by_name("reason", "Database migration")
        .await
        .expect("reason");
    form.submit().await.expect("silence");
    let silence = text_of(&b, "#silences li[data-silence]").await;
    let (_, _, silences) = app
        .get("/api/v1/services/checkout/silences", &app.admin_token)
        .await;
    click(&b, "#silences li[data-silence] .end-silence-form button").await;
    wait(&b, "#no-silences").await;

    // Assert
    assert!(
        changes.contains("Deployed checkout 2026.11.3") && changes.contains("Build 881"),
        "{changes}"
    );
    assert_eq!(mode, "page");
    let (_, _, rule) = app
        .get("/api/v1/services/checkout/alert-rule", &app.admin_token)
        .await;
    assert_eq!(rule["default"], false, "{rule}");
    assert_eq!(rule["rule"]["mode"], "page", "{rule}");
    assert_eq!(rule["rule"]["severity_map"]["critical"], "SEV1", "{rule}");
    assert!(silence.contains("Database migration"), "{silence}");
    assert_eq!(silences["items"][0]["reason"], "Database migration");
    let (_, _, after) = app
        .get("/api/v1/services/checkout/silences", &app.admin_token)
        .await;
    assert_eq!(after["items"], json!([]), "ended: {after}");

    // Act: open an alert, let the sender resolve it meanwhile, then acknowledge from the page.
    let alert = newest_alert(app).await;
    b.client
        .goto(&app.url(&format!("/alerts/{alert}")))
        .await
        .expect("the alert");
    wait(&b, "#ack-form").await;
    let (s, _) = enqueue(
        app,
        &json!({"routing_key": new_key, "event_action": "resolve", "dedup_key": "d"}),
    )
    .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    click(&b, "#ack-form button").await;
    let message = text_of(&b, "#alert-message").await;

    // Assert: a message on the alert's page, which now shows it resolved.
    assert!(message.contains("cannot become acknowledged"), "{message}");
    assert_eq!(text_of(&b, "#alert-status").await, "Resolved");
    assert!(
        b.client
            .find_all(Locator::Id("error-detail"))
            .await
            .expect("query")
            .is_empty(),
        "not an error page"
    );
    b.close().await;
}
e2e_test!(an_admin_rotates_and_disables_a_key_and_sets_up_the_service);
