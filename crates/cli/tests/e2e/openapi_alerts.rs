//! Real answers of the alert intake's `/api/v1` routes (integrations, alerts, rules, silences,
//! change events), successes and problems alike, checked against the schemas the OpenAPI
//! document gives for them.

use crate::harness::TestApp;
use crate::openapi::{conforms, document};
use debrief_core::access::AccountRole;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// A time the way the API writes every time: RFC 3339 UTC with exactly three fractional digits.
fn is_api_time(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        s.len() == "2026-11-21T09:30:00.000Z".len() && s.ends_with('Z') && s.as_bytes()[19] == b'.'
    })
}

/// Integrations, alerts, rules, silences and change events: real answers (an alert sent by a
/// PagerDuty event, routed into an incident) conform to the schemas the document gives.
async fn alert_answers_conform_to_the_documented_schemas(app: &TestApp) {
    // Arrange: a service, a viewer and a responder.
    let doc = document(app).await;
    let t = app.admin_token.clone();
    let (_, viewer) = app.create_user(AccountRole::Viewer).await;
    let (_, responder) = app.create_user(AccountRole::Responder).await;
    let c = |m: &str, p: &str, a: &(StatusCode, HeaderMap, Value)| conforms(&doc, m, p, a);
    app.post(
        "/api/v1/services",
        &t,
        &json!({"slug": "api", "name": "API"}),
    )
    .await;
    let one = "/api/v1/integrations/{id}";

    // Act and assert: integrations.
    let created = app
        .post(
            "/api/v1/integrations",
            &t,
            &json!({"service": "api", "kind": "pagerduty", "name": "PagerDuty"}),
        )
        .await;
    assert_eq!(created.0, StatusCode::CREATED, "{}", created.2);
    c("post", "/api/v1/integrations", &created);
    let grafana = app
        .post(
            "/api/v1/integrations",
            &t,
            &json!({"service": "api", "kind": "grafana", "name": "Grafana",
                    "group_by": "labels: alertname , team", "signing_secret": "a-secret-of-16-chars"}),
        )
        .await;
    assert_eq!(
        (grafana.0, &grafana.2["integration"]["group_by"]),
        (StatusCode::CREATED, &json!("labels:alertname,team")),
        "{}",
        grafana.2
    );
    c("post", "/api/v1/integrations", &grafana);
    let id = created.2["integration"]["id"].clone();
    let path = format!("/api/v1/integrations/{id}");
    c(
        "get",
        "/api/v1/integrations",
        &app.get("/api/v1/integrations", &t).await,
    );
    c(
        "get",
        "/api/v1/integrations",
        &app.get("/api/v1/integrations?service=api", &t).await,
    );
    let got = app.get(&path, &t).await;
    assert!(
        got.2["url"]
            .as_str()
            .is_some_and(|u| u.ends_with("/v2/enqueue")),
        "{}",
        got.2
    );
    assert!(is_api_time(&got.2["created_at"]), "{}", got.2);
    c("get", one, &got);
    let patched = app
        .patch(
            &path,
            &t,
            &json!({"name": "PagerDuty prod", "group_by": "labels: host"}),
        )
        .await;
    assert_eq!(patched.2["group_by"], "labels:host", "{}", patched.2);
    c("patch", one, &patched);
    let rotated = app
        .post(
            &format!("{path}/rotate"),
            &t,
            &json!({"overlap_minutes": 60}),
        )
        .await;
    assert_eq!(rotated.0, StatusCode::OK, "{}", rotated.2);
    c("post", &format!("{one}/rotate"), &rotated);
    let key = rotated.2["key"].as_str().expect("a key").to_string();

    // Act and assert: integration problems.
    for (body, status) in [
        (
            json!({"service": "api", "kind": "nagios", "name": "x"}),
            422,
        ),
        (
            json!({"service": "nope", "kind": "generic", "name": "x"}),
            404,
        ),
        (
            json!({"service": "api", "kind": "generic", "name": "x", "group_by": "labels:a\u{0}"}),
            422,
        ),
        (
            json!({"service": "api", "kind": "generic", "name": "x", "signing_secret": "a-secret-of-16-chars"}),
            422,
        ),
    ] {
        let answer = app.post("/api/v1/integrations", &t, &body).await;
        assert_eq!(answer.0.as_u16(), status, "{body}: {}", answer.2);
        c("post", "/api/v1/integrations", &answer);
    }
    let conflict = app
        .patch(
            &path,
            &t,
            &json!({"signing_secret": "a-secret-of-16-chars"}),
        )
        .await;
    assert_eq!(conflict.0, StatusCode::CONFLICT, "{}", conflict.2);
    c("patch", one, &conflict);
    c(
        "get",
        "/api/v1/integrations",
        &app.get("/api/v1/integrations", &viewer).await,
    );
    c("get", one, &app.get("/api/v1/integrations/999", &t).await);
    c(
        "post",
        &format!("{one}/rotate"),
        &app.post(
            &format!("{path}/rotate"),
            &t,
            &json!({"overlap_minutes": 10081}),
        )
        .await,
    );

    // Arrange: a critical PagerDuty trigger (it opens INC-1) and a warning (it only pages).
    for (dedup, severity) in [("disk-1", "critical"), ("cpu-1", "warning")] {
        let sent = app
            .request(
                Method::POST,
                "/v2/enqueue",
                None,
                Some(&json!({"routing_key": key, "event_action": "trigger", "dedup_key": dedup,
                    "payload": {"summary": format!("{dedup} is bad"), "source": "db-1", "severity": severity},
                    "links": [{"href": "https://runbooks.example/disk", "text": "runbook"}]})),
            )
            .await;
        assert_eq!(sent.0, StatusCode::ACCEPTED, "{}", sent.2);
    }
    app.settle().await;

    // Act and assert: alerts.
    let list = app.get("/api/v1/alerts", &viewer).await;
    assert_eq!(
        list.2["items"].as_array().map(Vec::len),
        Some(2),
        "{}",
        list.2
    );
    c("get", "/api/v1/alerts", &list);
    let paged = app
        .get(
            "/api/v1/alerts?status=triggered,%20acknowledged&service=api&limit=1",
            &viewer,
        )
        .await;
    assert!(paged.2["next_cursor"].is_string(), "{}", paged.2);
    c("get", "/api/v1/alerts", &paged);
    let disk = list.2["items"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["dedup_key"] == "disk-1"))
        .expect("the disk alert")
        .clone();
    assert_eq!(disk["incident"], "INC-1", "{disk}");
    assert!(is_api_time(&disk["first_seen_at"]), "{disk}");
    let alert = format!("/api/v1/alerts/{}", disk["id"]);
    let note = app
        .post(
            &format!("{alert}/notes"),
            &responder,
            &json!({"note": "looking"}),
        )
        .await;
    assert_eq!(note.0, StatusCode::CREATED, "{}", note.2);
    c("post", "/api/v1/alerts/{id}/notes", &note);
    let shown = app.get(&alert, &viewer).await;
    assert_eq!(shown.2["notes"][0]["note"], "looking", "{}", shown.2);
    // A viewer reads the payload, but never the integration key in it (intake drops it).
    assert!(
        shown.2["payload"].get("routing_key").is_none(),
        "{}",
        shown.2
    );
    assert!(!shown.2.to_string().contains(key.as_str()), "{}", shown.2);
    assert!(!list.2.to_string().contains(&key), "{}", list.2);
    c("get", "/api/v1/alerts/{id}", &shown);
    c(
        "get",
        "/api/v1/incidents/{reference}/alerts",
        &app.get("/api/v1/incidents/INC-1/alerts", &viewer).await,
    );
    for (verb, first, again) in [("acknowledge", 200, 409), ("resolve", 200, 409)] {
        let template = format!("/api/v1/alerts/{{id}}/{verb}");
        let done = app
            .post(&format!("{alert}/{verb}"), &responder, &json!({}))
            .await;
        let repeated = app
            .post(&format!("{alert}/{verb}"), &responder, &json!({}))
            .await;
        assert_eq!(
            (done.0.as_u16(), repeated.0.as_u16()),
            (first, again),
            "{verb}: {}",
            done.2
        );
        c("post", &template, &done);
        c("post", &template, &repeated);
        c(
            "post",
            &template,
            &app.post(&format!("{alert}/{verb}"), &viewer, &json!({}))
                .await,
        );
        c(
            "post",
            &template,
            &app.post(&format!("/api/v1/alerts/999/{verb}"), &t, &json!({}))
                .await,
        );
    }
    c(
        "get",
        "/api/v1/alerts",
        &app.get("/api/v1/alerts?status=firing", &t).await,
    );
    // PostgreSQL refuses text with a NUL: a filter with one is a 400, never a 500.
    let nul = app.get("/api/v1/alerts?service=%00", &t).await;
    assert_eq!(nul.0, StatusCode::BAD_REQUEST, "{}", nul.2);
    c("get", "/api/v1/alerts", &nul);
    c(
        "get",
        "/api/v1/alerts/{id}",
        &app.get("/api/v1/alerts/999", &t).await,
    );
    c(
        "post",
        "/api/v1/alerts/{id}/notes",
        &app.post(&format!("{alert}/notes"), &responder, &json!({"note": " "}))
            .await,
    );

    // Act and assert: the routing rule.
    let rule = "/api/v1/services/{slug}/alert-rule";
    let default = app.get("/api/v1/services/api/alert-rule", &viewer).await;
    assert_eq!(default.2["default"], true, "{}", default.2);
    c("get", rule, &default);
    let put = |body: Value, token: String| async move {
        app.request(
            Method::PUT,
            "/api/v1/services/api/alert-rule",
            Some(&token),
            Some(&body),
        )
        .await
    };
    let set = put(
        json!({"mode": "attach", "open_at": "warning", "severity_map": {"critical": "SEV1"}}),
        t.clone(),
    )
    .await;
    assert_eq!(
        (set.0, &set.2["default"]),
        (StatusCode::OK, &json!(false)),
        "{}",
        set.2
    );
    c("put", rule, &set);
    for (body, token, status) in [
        (
            json!({"mode": "loud", "open_at": "warning"}),
            t.clone(),
            422,
        ),
        (
            json!({"mode": "page", "open_at": "error", "severity_map": {"error": "SEV9"}}),
            t.clone(),
            404,
        ),
        (
            json!({"mode": "page", "open_at": "error"}),
            responder.clone(),
            403,
        ),
    ] {
        let answer = put(body.clone(), token).await;
        assert_eq!(answer.0.as_u16(), status, "{body}: {}", answer.2);
        c("put", rule, &answer);
    }
    c(
        "get",
        rule,
        &app.get("/api/v1/services/nope/alert-rule", &viewer).await,
    );

    // Act and assert: silences.
    let silences = "/api/v1/services/{slug}/silences";
    let ends = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(1);
    let silence = app
        .post(
            "/api/v1/services/api/silences",
            &responder,
            &json!({"ends_at": ends.to_string(), "reason": "database upgrade"}),
        )
        .await;
    assert_eq!(silence.0, StatusCode::CREATED, "{}", silence.2);
    c("post", silences, &silence);
    let past = app
        .post(
            "/api/v1/services/api/silences",
            &responder,
            &json!({"ends_at": "2020-01-01T00:00:00Z", "reason": "too late"}),
        )
        .await;
    assert_eq!(past.0, StatusCode::CONFLICT, "{}", past.2);
    c("post", silences, &past);
    // No text may hold a NUL, which PostgreSQL cannot store: a 422 naming the field, not a 500.
    let nul = app
        .post(
            "/api/v1/services/api/silences",
            &responder,
            &json!({"ends_at": ends.to_string(), "reason": "upgrade\u{0}"}),
        )
        .await;
    assert_eq!(nul.0, StatusCode::UNPROCESSABLE_ENTITY, "{}", nul.2);
    assert_eq!(nul.2["errors"][0]["field"], "reason", "{}", nul.2);
    c("post", silences, &nul);
    let nul = app
        .patch(
            "/api/v1/incidents/INC-1/timestamps",
            &responder,
            &json!({"detected_at": "2026-01-01T00:00:00Z", "reason": "x\u{0}"}),
        )
        .await;
    assert_eq!(nul.0, StatusCode::UNPROCESSABLE_ENTITY, "{}", nul.2);
    c("patch", "/api/v1/incidents/{reference}/timestamps", &nul);
    c(
        "get",
        silences,
        &app.get("/api/v1/services/api/silences", &viewer).await,
    );
    c(
        "get",
        silences,
        &app.get("/api/v1/services/nope/silences", &viewer).await,
    );
    let end = format!("/api/v1/silences/{}", silence.2["id"]);
    let ended = app.delete(&end, &responder).await;
    assert_eq!(ended.0, StatusCode::NO_CONTENT, "{}", ended.2);
    c("delete", "/api/v1/silences/{id}", &ended);
    c(
        "delete",
        "/api/v1/silences/{id}",
        &app.delete(&end, &responder).await,
    );

    // Act and assert: change events.
    let change = app
        .request(
            Method::POST,
            "/v2/change/enqueue",
            None,
            Some(
                &json!({"routing_key": key, "payload": {"summary": "deploy v1.2.3", "source": "ci",
                "timestamp": "2026-11-21T09:30:00Z", "custom_details": {"sha": "abc123"}}}),
            ),
        )
        .await;
    assert_eq!(change.0, StatusCode::ACCEPTED, "{}", change.2);
    let changes = app.get("/api/v1/services/api/changes", &viewer).await;
    assert_eq!(
        changes.2["items"][0]["happened_at"], "2026-11-21T09:30:00.000Z",
        "{}",
        changes.2
    );
    c("get", "/api/v1/services/{slug}/changes", &changes);
    c(
        "get",
        "/api/v1/services/{slug}/changes",
        &app.get("/api/v1/services/nope/changes", &viewer).await,
    );
}

crate::e2e_test!(alert_answers_conform_to_the_documented_schemas);
