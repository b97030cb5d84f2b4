//! Alert intake from Grafana and Opsgenie senders (issue 11), replayed byte for byte from the
//! bodies written from their documentation (`crates/core/tests/fixtures/alert/from-docs/`; no
//! real Grafana or Opsgenie could be run), and Debrief's own generic format. Every answer's
//! status and body is checked, and every alert's state and count; a refused request changes
//! nothing.

use crate::alerts_replay::{everything, fixture, keyed, refused, send_json};
use crate::e2e_test;
use crate::harness::{TestApp, st, states, with_key};
use reqwest::Method;
use serde_json::{Value, json};

async fn grafana_webhooks_from_the_docs_replayed(app: &TestApp) {
    // Arrange: a Grafana integration on payments.
    app.create_service("payments").await;
    let g = app
        .create_integration("payments", "grafana", "grafana")
        .await;
    assert_eq!(g.url, app.url("/hooks/grafana"), "{:?}", g.body);
    let bearer = format!("Bearer {}", g.key);
    let auth = [("Authorization", bearer.as_str())];
    let firing = fixture("from-docs/grafana-webhook-firing.json");
    let (us, eu) = ("c6eadffa33fcdf37", "bc97ff14869b13e3");

    // Act and assert: firing by POST, then by PUT (Grafana's method is configurable).
    for (method, count) in [(Method::POST, 1), (Method::PUT, 2)] {
        let (s, answer) = send_json(app, method.clone(), "/hooks/grafana", &auth, &firing).await;
        assert_eq!(s, 202, "{method}: {answer}");
        let alerts = app.alerts_of(&g).await;
        assert_eq!(states(&alerts, us), st(&[("triggered", count)]), "{method}");
        assert_eq!(states(&alerts, eu), st(&[("triggered", count)]), "{method}");
    }
    let alerts = app.alerts_of(&g).await;
    let a = with_key(&alerts, us)[0];
    assert_eq!(a["service"], "payments", "{a}");
    assert_eq!(
        crate::harness::time(&a["started_at"]),
        "2021-10-12T07:51:03.157Z".parse().expect("a time"),
        "startsAt to the millisecond, in UTC: {a}"
    );

    // The documented resolved body names an alert never seen: nothing changes.
    let before = everything(app).await;
    let (s, answer) = send_json(
        app,
        Method::POST,
        "/hooks/grafana",
        &auth,
        &fixture("from-docs/grafana-webhook-resolved.json"),
    )
    .await;
    assert_eq!(s, 202, "{answer}");
    assert_eq!(
        states(&app.alerts_of(&g).await, "5f1c0d9b2a7e4c33"),
        st(&[])
    );
    assert!(everything(app).await == before, "nothing changed");

    // The firing body with its first alert resolved: only that one resolves.
    let mut doc: Value = serde_json::from_str(&firing).expect("JSON");
    doc["alerts"][0]["status"] = json!("resolved");
    doc["alerts"][0]["endsAt"] = json!("2021-10-12T10:01:03.157076+02:00");
    let (s, answer) = send_json(app, Method::PUT, "/hooks/grafana", &auth, &doc.to_string()).await;
    assert_eq!(s, 202, "{answer}");
    let alerts = app.alerts_of(&g).await;
    assert_eq!(states(&alerts, us), st(&[("resolved", 2)]));
    assert_eq!(states(&alerts, eu), st(&[("triggered", 3)]));

    // Refused, changing nothing.
    refused(app, "no credentials", 401, "/hooks/grafana", &[], &firing).await;
    let wrong = format!("Bearer {}", "0".repeat(32));
    refused(
        app,
        "an unknown key",
        401,
        "/hooks/grafana",
        &[("Authorization", wrong.as_str())],
        &firing,
    )
    .await;
    refused(
        app,
        "not JSON",
        400,
        "/hooks/grafana",
        &auth,
        "state: alerting",
    )
    .await;
    refused(
        app,
        "a cut body",
        400,
        "/hooks/grafana",
        &auth,
        &firing[..firing.len() / 3],
    )
    .await;
    refused(app, "a number", 400, "/hooks/grafana", &auth, "42").await;

    // With a signing secret, only bodies signed as Grafana signs them are taken: the hex
    // HMAC-SHA256 of the body, or of `timestamp:body` with the timestamp header.
    let secret = "grafana-hmac-secret-0123";
    let (s, _, patched) = app
        .patch(
            &format!("/api/v1/integrations/{}", g.id),
            &app.admin_token,
            &json!({"signing_secret": secret}),
        )
        .await;
    assert_eq!(s, 200, "{patched}");
    refused(app, "no signature", 401, "/hooks/grafana", &auth, &firing).await;
    let wrong = hmac_hex(b"another-secret-0123456", firing.as_bytes());
    let headers = [auth[0], ("X-Grafana-Alerting-Signature", wrong.as_str())];
    refused(
        app,
        "a wrong signature",
        401,
        "/hooks/grafana",
        &headers,
        &firing,
    )
    .await;
    let signed = hmac_hex(secret.as_bytes(), firing.as_bytes());
    let headers = [auth[0], ("X-Grafana-Alerting-Signature", signed.as_str())];
    let (s, answer) = send_json(app, Method::POST, "/hooks/grafana", &headers, &firing).await;
    assert_eq!(s, 202, "{answer}");
    assert_eq!(
        states(&app.alerts_of(&g).await, eu),
        st(&[("triggered", 4)])
    );
    let now = jiff::Timestamp::now().as_second().to_string();
    let stale = (jiff::Timestamp::now().as_second() - 3600).to_string();
    for (ts, status) in [(now.as_str(), 202), (stale.as_str(), 401)] {
        let sig = hmac_hex(secret.as_bytes(), format!("{ts}:{firing}").as_bytes());
        let headers = [
            auth[0],
            ("X-Grafana-Alerting-Signature", sig.as_str()),
            ("X-Grafana-Alerting-Signature-Timestamp", ts),
        ];
        if status == 202 {
            let (s, answer) =
                send_json(app, Method::POST, "/hooks/grafana", &headers, &firing).await;
            assert_eq!(s, 202, "{answer}");
        } else {
            refused(
                app,
                "a stale timestamp",
                401,
                "/hooks/grafana",
                &headers,
                &firing,
            )
            .await;
        }
    }
    assert_eq!(
        states(&app.alerts_of(&g).await, eu),
        st(&[("triggered", 5)])
    );
}

/// Lowercase hex HMAC-SHA256, as Grafana signs.
fn hmac_hex(secret: &[u8], message: &[u8]) -> String {
    use hmac::{Hmac, KeyInit, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).expect("a key");
    mac.update(message);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

e2e_test!(grafana_webhooks_from_the_docs_replayed);

/// Opsgenie's answer to an accepted request; returns its `requestId`.
fn accepted(answer: &Value) -> String {
    assert_eq!(answer["result"], "Request will be processed", "{answer}");
    assert!(answer["took"].is_number(), "{answer}");
    answer["requestId"]
        .as_str()
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| panic!("a requestId: {answer}"))
        .to_string()
}

async fn opsgenie_requests_from_the_docs_replayed(app: &TestApp) {
    // Arrange: an Opsgenie integration on search.
    app.create_service("search").await;
    let og = app
        .create_integration("search", "opsgenie", "opsgenie")
        .await;
    let genie = format!("GenieKey {}", og.key);
    let auth = [("Authorization", genie.as_str())];
    let create = fixture("from-docs/opsgenie-create-alert.json");
    let alias = "Life is too short for no alias";
    let by_alias = "Life%20is%20too%20short%20for%20no%20alias";
    let post = |path: String, body: String| async move {
        let (s, answer) = send_json(app, Method::POST, &path, &auth, &body).await;
        assert_eq!(s, 202, "POST {path}: {answer}");
        let id = accepted(&answer);
        app.settle().await;
        id
    };
    let status_of = |request: String| async move {
        let path = format!("/v2/alerts/requests/{request}");
        let (s, _, answer) = app
            .raw(crate::harness::Raw::new(Method::GET, &path).headers(&auth))
            .await;
        assert_eq!(s, 200, "GET {path}: {answer}");
        answer["data"].clone()
    };

    // Act and assert: create; its request status names the alert.
    let request = post("/v2/alerts".into(), create.clone()).await;
    let data = status_of(request).await;
    assert_eq!(data["success"], true, "{data}");
    assert_eq!(data["isSuccess"], true, "{data}");
    assert_eq!(data["action"], "Create", "{data}");
    assert_eq!(data["status"], "Created alert", "{data}");
    assert_eq!(data["alias"], alias, "{data}");
    let alert_id = data["alertId"].as_str().expect("an alertId").to_string();
    assert!(!alert_id.is_empty());
    assert_eq!(keyed(app, &og, alias).await, st(&[("triggered", 1)]));
    let alerts = app.alerts_of(&og).await;
    let a = with_key(&alerts, alias)[0];
    assert_eq!(a["summary"], "An example alert message", "{a}");
    assert_eq!(a["severity"], "critical", "P1 is critical: {a}");

    // The same alias again counts; a note and an acknowledgement by id; close by alias.
    post("/v2/alerts".into(), create.clone()).await;
    assert_eq!(keyed(app, &og, alias).await, st(&[("triggered", 2)]));
    let note = post(
        format!("/v2/alerts/{by_alias}/notes?identifierType=alias"),
        fixture("from-docs/opsgenie-add-note.json"),
    )
    .await;
    let data = status_of(note).await;
    assert_eq!(
        (data["action"].clone(), data["success"].clone()),
        (json!("AddNote"), json!(true)),
        "{data}"
    );
    assert_eq!(keyed(app, &og, alias).await, st(&[("triggered", 2)]));
    let ack = post(
        format!("/v2/alerts/{alert_id}/acknowledge?identifierType=id"),
        fixture("from-docs/opsgenie-acknowledge-alert.json"),
    )
    .await;
    assert_eq!(status_of(ack).await["success"], true);
    assert_eq!(keyed(app, &og, alias).await, st(&[("acknowledged", 2)]));
    let close = post(
        format!("/v2/alerts/{by_alias}/close?identifierType=alias"),
        fixture("from-docs/opsgenie-close-alert.json"),
    )
    .await;
    let data = status_of(close).await;
    assert_eq!(
        (data["action"].clone(), data["success"].clone()),
        (json!("Close"), json!(true)),
        "{data}"
    );
    let closed = app.alerts_of(&og).await;
    assert_eq!(states(&closed, alias), st(&[("resolved", 2)]));

    // After the close: acknowledging by alias is accepted and changes nothing; a create with
    // the alias opens a new alert.
    let late = post(
        format!("/v2/alerts/{by_alias}/acknowledge?identifierType=alias"),
        fixture("from-docs/opsgenie-acknowledge-alert.json"),
    )
    .await;
    status_of(late).await;
    assert_eq!(app.alerts_of(&og).await, closed, "nothing changed");
    let again = post("/v2/alerts".into(), create.clone()).await;
    assert_eq!(
        keyed(app, &og, alias).await,
        st(&[("resolved", 2), ("triggered", 1)])
    );

    // The new alert acknowledged by its tiny id.
    let tiny = status_of(again).await["alertId"]
        .as_str()
        .expect("an alertId")
        .to_string();
    assert_ne!(tiny, alert_id, "a new alert");
    post(
        format!("/v2/alerts/{tiny}/acknowledge?identifierType=tiny"),
        fixture("from-docs/opsgenie-acknowledge-alert.json"),
    )
    .await;
    assert_eq!(
        keyed(app, &og, alias).await,
        st(&[("resolved", 2), ("acknowledged", 1)])
    );

    // Creates without an alias each open an alert.
    let before = app.alerts_of(&og).await.len();
    for _ in 0..2 {
        post(
            "/v2/alerts".into(),
            json!({"message": "disk full"}).to_string(),
        )
        .await;
    }
    let alerts = app.alerts_of(&og).await;
    assert_eq!(alerts.len(), before + 2, "{alerts:#?}");

    // Refused, changing nothing: no message (422, Opsgenie's envelope), no or a wrong key.
    let mut no_message: Value = serde_json::from_str(&create).expect("JSON");
    no_message
        .as_object_mut()
        .expect("an object")
        .remove("message");
    let answer = refused(
        app,
        "no message",
        422,
        "/v2/alerts",
        &auth,
        &no_message.to_string(),
    )
    .await;
    assert_eq!(
        answer["message"], "Request body is not processable. Please check the errors.",
        "{answer}"
    );
    assert!(answer["errors"].get("message").is_some(), "{answer}");
    let answer = refused(
        app,
        "an empty message",
        422,
        "/v2/alerts",
        &auth,
        r#"{"message": ""}"#,
    )
    .await;
    assert!(answer["errors"].get("message").is_some(), "{answer}");
    refused(
        app,
        "an unknown priority",
        422,
        "/v2/alerts",
        &auth,
        r#"{"message": "m", "priority": "P9"}"#,
    )
    .await;
    refused(app, "no key", 401, "/v2/alerts", &[], &create).await;
    let wrong = format!("GenieKey {}", "0".repeat(32));
    refused(
        app,
        "an unknown key",
        401,
        "/v2/alerts",
        &[("Authorization", wrong.as_str())],
        &create,
    )
    .await;
    refused(app, "not JSON", 400, "/v2/alerts", &auth, "message=hi").await;
}

e2e_test!(opsgenie_requests_from_the_docs_replayed);

async fn generic_events_trigger_repeat_and_resolve(app: &TestApp) {
    // Arrange: a generic integration (a nightly backup script).
    app.create_service("storage").await;
    let generic = app.create_integration("storage", "generic", "backup").await;
    assert_eq!(generic.url, app.url("/hooks/generic"), "{:?}", generic.body);
    let bearer = format!("Bearer {}", generic.key);
    let auth = [("Authorization", bearer.as_str())];
    let event = |action: &str| {
        json!({"action": action, "dedup_key": "nightly-backup",
               "summary": "Nightly backup of db-1 failed", "severity": "error",
               "source": "backup-runner-1", "occurred_at": "2026-11-21T03:12:09Z",
               "details": {"exit_code": 2}, "labels": {"team": "storage"},
               "links": [{"href": "https://ci.example/jobs/881", "text": "Job log"}]})
        .to_string()
    };

    // Act and assert
    for (action, expected) in [
        ("trigger", st(&[("triggered", 1)])),
        ("trigger", st(&[("triggered", 2)])),
        ("resolve", st(&[("resolved", 2)])),
        ("resolve", st(&[("resolved", 2)])),
        ("trigger", st(&[("resolved", 2), ("triggered", 1)])),
    ] {
        let (s, answer) =
            send_json(app, Method::POST, "/hooks/generic", &auth, &event(action)).await;
        assert_eq!(s, 202, "{action}: {answer}");
        assert_eq!(
            keyed(app, &generic, "nightly-backup").await,
            expected,
            "{action}"
        );
    }
    app.settle().await;
    let incidents = app.incidents_of("storage").await;
    assert_eq!(
        incidents.len(),
        1,
        "an error opens an incident: {incidents:#?}"
    );
    assert_eq!(incidents[0]["severity"], "SEV3", "{}", incidents[0]);
    app.assert_detected_at(
        incidents[0]["reference"].as_str().expect("a reference"),
        "2026-11-21T03:12:09Z".parse().expect("a time"),
    )
    .await;
    let mut misspelt: Value = serde_json::from_str(&event("trigger")).expect("JSON");
    misspelt["sumary"] = json!("typo");
    refused(
        app,
        "a misspelt field",
        400,
        "/hooks/generic",
        &auth,
        &misspelt.to_string(),
    )
    .await;
    refused(
        app,
        "no summary",
        400,
        "/hooks/generic",
        &auth,
        r#"{"dedup_key": "k"}"#,
    )
    .await;
    refused(
        app,
        "no credentials",
        401,
        "/hooks/generic",
        &[],
        &event("trigger"),
    )
    .await;
}

e2e_test!(generic_events_trigger_repeat_and_resolve);
