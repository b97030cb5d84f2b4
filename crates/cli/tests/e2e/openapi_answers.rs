//! Real answers of the server, successes and problems alike, checked against the schemas the
//! OpenAPI document gives for them.

use crate::harness::{Raw, TestApp};
use crate::openapi::{conforms, document};
use debrief_core::access::AccountRole;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Real answers, successes and problems alike, conform to the schemas the document gives.
async fn real_answers_conform_to_the_documented_schemas(app: &TestApp) {
    // Arrange
    let doc = document(app).await;
    let t = app.admin_token.clone();
    let (_, viewer) = app.create_user(AccountRole::Viewer).await;
    let inc = "/api/v1/incidents/{reference}";
    let c = |m: &str, p: &str, a: &(StatusCode, HeaderMap, Value)| conforms(&doc, m, p, a);

    // Act and assert: the catalogue and accounts.
    c(
        "post",
        "/api/v1/teams",
        &app.post("/api/v1/teams", &t, &json!({"slug": "sre", "name": "SRE"}))
            .await,
    );
    c(
        "post",
        "/api/v1/services",
        &app.post(
            "/api/v1/services",
            &t,
            &json!({"slug": "api", "name": "API", "team": "sre"}),
        )
        .await,
    );
    c(
        "put",
        "/api/v1/severities/{key}",
        &app.request(
            Method::PUT,
            "/api/v1/severities/SEV5",
            Some(&t),
            Some(&json!({"name": "Trivial", "rank": 5})),
        )
        .await,
    );
    c(
        "delete",
        "/api/v1/severities/{key}",
        &app.delete("/api/v1/severities/SEV5", &t).await,
    );
    for path in [
        "/api/v1/teams",
        "/api/v1/services",
        "/api/v1/severities",
        "/api/v1/users",
        "/api/v1/users/me",
        "/api/v1/tokens",
    ] {
        c("get", path, &app.get(path, &t).await);
    }
    let created = app
        .post(
            "/api/v1/users",
            &t,
            &json!({"email": "dana@example.com", "name": "Dana", "role": "responder"}),
        )
        .await;
    c("post", "/api/v1/users", &created);
    let user = format!("/api/v1/users/{}", created.2["id"]);
    c(
        "patch",
        "/api/v1/users/{id}",
        &app.patch(&user, &t, &json!({"role": "viewer"})).await,
    );
    let token = app
        .post(
            "/api/v1/tokens",
            &t,
            &json!({"name": "ci", "scope": "read"}),
        )
        .await;
    c("post", "/api/v1/tokens", &token);
    c(
        "delete",
        "/api/v1/tokens/{id}",
        &app.delete(&format!("/api/v1/tokens/{}", token.2["id"]), &t)
            .await,
    );

    // Act and assert: incidents.
    let declared = app.post("/api/v1/incidents", &t, &json!({"title": "Schema check", "services": ["api"], "started_at": "2026-01-01T00:00:00Z"})).await;
    c("post", "/api/v1/incidents", &declared);
    app.declare(&t, &json!({"title": "Duplicate"})).await;
    for path in [
        "/api/v1/incidents",
        "/api/v1/incidents?limit=1",
        "/api/v1/incidents/stats",
        "/api/v1/incidents/export",
        "/api/v1/incidents/export?format=ndjson",
    ] {
        let template = path.split('?').next().expect("a path");
        c("get", template, &app.get(path, &t).await);
    }
    c("get", inc, &app.get("/api/v1/incidents/INC-1", &t).await);
    c(
        "patch",
        inc,
        &app.patch(
            "/api/v1/incidents/INC-1",
            &t,
            &json!({"severity": "SEV2", "summary": "checking"}),
        )
        .await,
    );
    c(
        "post",
        &format!("{inc}/transitions"),
        &app.post(
            "/api/v1/incidents/INC-1/transitions",
            &t,
            &json!({"to": "monitoring"}),
        )
        .await,
    );
    c(
        "post",
        &format!("{inc}/roles"),
        &app.post(
            "/api/v1/incidents/INC-1/roles",
            &t,
            &json!({"role": "scribe", "email": "dana@example.com"}),
        )
        .await,
    );
    c(
        "post",
        &format!("{inc}/participants"),
        &app.post(
            "/api/v1/incidents/INC-1/participants",
            &t,
            &json!({"email": "dana@example.com"}),
        )
        .await,
    );
    c(
        "get",
        &format!("{inc}/participants"),
        &app.get("/api/v1/incidents/INC-1/participants", &t).await,
    );
    let event = app.post("/api/v1/incidents/INC-1/timeline", &t, &json!({"kind": "alert", "source": "alert", "body": "5xx", "links": [{"url": "https://x.example.com", "title": "graph"}]})).await;
    c("post", &format!("{inc}/timeline"), &event);
    let e = format!("/api/v1/incidents/INC-1/timeline/{}", event.2["id"]);
    let et = format!("{inc}/timeline/{{event_id}}");
    c(
        "patch",
        &et,
        &app.patch(&e, &t, &json!({"body": "5xx rate 7%"})).await,
    );
    c("get", &et, &app.get(&e, &t).await);
    c(
        "put",
        &format!("{et}/star"),
        &app.put(&format!("{e}/star"), &t).await,
    );
    c(
        "delete",
        &format!("{et}/star"),
        &app.delete(&format!("{e}/star"), &t).await,
    );
    c(
        "get",
        &format!("{et}/revisions"),
        &app.get(&format!("{e}/revisions"), &t).await,
    );
    c(
        "get",
        &format!("{inc}/timeline"),
        &app.get("/api/v1/incidents/INC-1/timeline", &t).await,
    );
    let overrides = json!({"mitigated_at": "2026-01-01T01:00:00Z", "reason": "the graph shows it"});
    c(
        "patch",
        &format!("{inc}/timestamps"),
        &app.patch("/api/v1/incidents/INC-1/timestamps", &t, &overrides)
            .await,
    );
    c(
        "get",
        &format!("{inc}/timestamps"),
        &app.get("/api/v1/incidents/INC-1/timestamps", &t).await,
    );
    c(
        "get",
        &format!("{inc}/metrics"),
        &app.get("/api/v1/incidents/INC-1/metrics", &t).await,
    );
    c(
        "post",
        &format!("{inc}/merge"),
        &app.post(
            "/api/v1/incidents/INC-2/merge",
            &t,
            &json!({"into": "INC-1"}),
        )
        .await,
    );
    c(
        "get",
        "/api/v1/openapi.json",
        &app.request(Method::GET, "/api/v1/openapi.json", None, None)
            .await,
    );
    c(
        "get",
        "/healthz",
        &app.request(Method::GET, "/healthz", None, None).await,
    );

    // Act and assert: problems.
    let bad = |body: &'static str| {
        Raw::new(Method::POST, "/api/v1/incidents")
            .token(&t)
            .json(body)
    };
    c(
        "post",
        "/api/v1/incidents",
        &app.raw(bad(r#"{"title": "", "severity": "nope nope"}"#))
            .await,
    );
    c(
        "post",
        "/api/v1/incidents",
        &app.raw(bad(r#"{"title": "#)).await,
    );
    c(
        "post",
        "/api/v1/incidents",
        &app.raw(
            Raw::new(Method::POST, "/api/v1/incidents")
                .token(&t)
                .typed("text/plain", "x"),
        )
        .await,
    );
    c(
        "post",
        "/api/v1/incidents",
        &app.post("/api/v1/incidents", &viewer, &json!({"title": "x"}))
            .await,
    );
    c(
        "get",
        "/api/v1/incidents",
        &app.request(Method::GET, "/api/v1/incidents", None, None)
            .await,
    );
    c("get", inc, &app.get("/api/v1/incidents/INC-999", &t).await);
    c(
        "post",
        &format!("{inc}/transitions"),
        &app.post(
            "/api/v1/incidents/INC-1/transitions",
            &t,
            &json!({"to": "closed"}),
        )
        .await,
    );
    let stale = app
        .raw(
            Raw::new(Method::PATCH, "/api/v1/incidents/INC-1")
                .token(&t)
                .json(r#"{"title": "x"}"#)
                .headers(&[("if-match", "\"1\"")]),
        )
        .await;
    c("patch", inc, &stale);
    let (_, _, timeline) = app.get("/api/v1/incidents/INC-1/timeline", &t).await;
    let declared_event = &timeline["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|e| e["kind"] == "declared")
        .expect("declared")["id"];
    c(
        "patch",
        &et,
        &app.patch(
            &format!("/api/v1/incidents/INC-1/timeline/{declared_event}"),
            &t,
            &json!({"body": "x"}),
        )
        .await,
    );
}

crate::e2e_test!(real_answers_conform_to_the_documented_schemas);
