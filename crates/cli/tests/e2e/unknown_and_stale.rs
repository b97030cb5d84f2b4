//! Requests that name nothing or something out of date get a 4xx problem document and change
//! nothing: unknown routes and incidents (404), unknown methods (405 with `Allow`), stale
//! versions (412 for If-Match, 409 for a version in the body).

use crate::harness::{Raw, TestApp, assert_problem, expect_problem};
use reqwest::Method;
use serde_json::json;

/// Unknown routes and incidents are 404, unknown methods 405 with the `Allow` header.
async fn unknown_routes_are_not_found_and_unknown_methods_are_not_allowed(app: &TestApp) {
    // Arrange: one incident with one event.
    let t = app.admin_token.as_str();
    let incident = app.declare(t, &json!({"title": "Cache stampede"})).await;
    let r = incident["reference"]
        .as_str()
        .expect("reference")
        .to_string();

    // Act and assert: 404s.
    for path in [
        "/api/v1/nope".to_string(),
        "/api/v1/incidents/INC-999".into(),
        "/api/v1/incidents/not-a-reference".into(),
        "/api/v1/incidents/INC-999/timeline".into(),
        "/api/v1/incidents/INC-999/metrics".into(),
        format!("/api/v1/incidents/{r}/timeline/999999"),
        format!("/api/v1/incidents/{r}/timeline/abc"),
        format!("/api/v1/incidents/{r}/timeline/999999/revisions"),
    ] {
        expect_problem(app, &path, Raw::new(Method::GET, &path).token(t), 404, &[]).await;
    }
    let note = json!({"kind": "note", "body": "x"}).to_string();
    expect_problem(
        app,
        "an event for no incident",
        Raw::new(Method::POST, "/api/v1/incidents/INC-999/timeline")
            .token(t)
            .json(&note),
        404,
        &[],
    )
    .await;

    // Act and assert: 405s list what the path accepts.
    let incident_path = format!("/api/v1/incidents/{r}");
    for (method, path, allowed) in [
        (
            Method::DELETE,
            "/api/v1/incidents",
            vec!["GET", "HEAD", "POST"],
        ),
        (
            Method::PUT,
            incident_path.as_str(),
            vec!["GET", "HEAD", "PATCH"],
        ),
        (Method::POST, "/api/v1/openapi.json", vec!["GET", "HEAD"]),
        (
            Method::GET,
            "/api/v1/severities/SEV1",
            vec!["DELETE", "PUT"],
        ),
    ] {
        let before = app.snapshot().await;
        let answer = app.raw(Raw::new(method.clone(), path).token(t)).await;
        assert_problem(&answer, 405);
        let allow = answer
            .1
            .get("allow")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("{method} {path}: no Allow"));
        let mut listed: Vec<&str> = allow.split(',').map(str::trim).collect();
        listed.sort_unstable();
        assert_eq!(listed, allowed, "{method} {path}");
        assert!(app.snapshot().await == before, "a 405 changed something");
    }
}

crate::e2e_test!(unknown_routes_are_not_found_and_unknown_methods_are_not_allowed);

/// A change that names a version other than the current one fails (412 by If-Match, 409 by the body) and changes nothing.
async fn a_change_based_on_a_stale_version_fails_its_precondition(app: &TestApp) {
    // Arrange: an incident changed once since it was read.
    let t = app.admin_token.as_str();
    let incident = app.declare(t, &json!({"title": "Payments slow"})).await;
    let r = incident["reference"]
        .as_str()
        .expect("reference")
        .to_string();
    let path = format!("/api/v1/incidents/{r}");
    let (_, headers, first) = app.get(&path, t).await;
    assert_eq!(
        headers.get("etag").and_then(|v| v.to_str().ok()),
        Some(format!("\"{}\"", first["version"]).as_str())
    );
    let (status, headers, second) = app.patch(&path, t, &json!({"severity": "SEV2"})).await;
    assert_eq!(status, 200);
    assert_eq!(
        second["version"],
        first["version"].as_i64().expect("version") + 1
    );
    assert_eq!(
        headers.get("etag").and_then(|v| v.to_str().ok()),
        Some(format!("\"{}\"", second["version"]).as_str())
    );
    let stale = format!("\"{}\"", first["version"]);
    let if_match = [("if-match", stale.as_str())];

    // Act and assert: If-Match on an update and on a transition, and a version in the body.
    let update = json!({"title": "Payments very slow"}).to_string();
    let problem = expect_problem(
        app,
        "a stale If-Match",
        Raw::new(Method::PATCH, &path)
            .token(t)
            .json(&update)
            .headers(&if_match),
        412,
        &[],
    )
    .await;
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("reload")),
        "{problem}"
    );
    let transition = json!({"to": "investigating"}).to_string();
    let transitions = format!("{path}/transitions");
    expect_problem(
        app,
        "a stale transition",
        Raw::new(Method::POST, &transitions)
            .token(t)
            .json(&transition)
            .headers(&if_match),
        412,
        &[],
    )
    .await;
    let versioned = json!({"title": "Payments very slow", "version": first["version"]}).to_string();
    expect_problem(
        app,
        "a stale version in the body",
        Raw::new(Method::PATCH, &path).token(t).json(&versioned),
        409,
        &[],
    )
    .await;

    // Assert: the current version works.
    let current = format!("\"{}\"", second["version"]);
    let answer = app
        .raw(
            Raw::new(Method::PATCH, &path)
                .token(t)
                .json(&update)
                .headers(&[("if-match", current.as_str())]),
        )
        .await;
    assert_eq!(answer.0, 200, "{}", answer.2);
    assert_eq!(answer.2["title"], "Payments very slow");

    // Assert: `If-Match: *` asks only that the incident exists.
    let anything = [("if-match", "*")];
    let answer = app
        .raw(
            Raw::new(Method::PATCH, &path)
                .token(t)
                .json(r#"{"title": "Payments back"}"#)
                .headers(&anything),
        )
        .await;
    assert_eq!(answer.0, 200, "{}", answer.2);
    let answer = app
        .raw(
            Raw::new(Method::PATCH, "/api/v1/incidents/INC-999")
                .token(t)
                .json(r#"{"title": "x"}"#)
                .headers(&anything),
        )
        .await;
    assert_eq!(answer.0, 404, "{}", answer.2);
}

crate::e2e_test!(a_change_based_on_a_stale_version_fails_its_precondition);
