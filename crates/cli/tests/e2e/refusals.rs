//! Requests the caller may not make get a 4xx problem document and change
//! nothing: missing, unknown and revoked tokens (401) and too little power (403).

use crate::harness::{Raw, TestApp, expect_problem};
use debrief_core::access::AccountRole;
use reqwest::Method;
use serde_json::json;

/// Without a valid token nothing is shown and nothing changes.
async fn requests_without_a_valid_token_are_unauthorized(app: &TestApp) {
    // Arrange: an incident, and a token that is then revoked over the API.
    let (_, t) = app.create_user(AccountRole::Responder).await;
    app.declare(&t, &json!({"title": "Disk full"})).await;
    let (status, _, token) = app
        .post("/api/v1/tokens", &t, &json!({"name": "laptop"}))
        .await;
    assert_eq!(status, 201, "{token}");
    let revoked = token["token"].as_str().expect("the secret").to_string();
    assert_eq!(
        app.get("/api/v1/incidents", &revoked).await.0,
        200,
        "the new token works"
    );
    let (status, _, _) = app
        .delete(&format!("/api/v1/tokens/{}", token["id"]), &t)
        .await;
    assert_eq!(status, 204);
    let declare = json!({"title": "x"}).to_string();

    // Act and assert.
    for path in [
        "/api/v1/incidents",
        "/api/v1/incidents/INC-1",
        "/api/v1/users/me",
        "/api/v1/stream",
    ] {
        expect_problem(app, path, Raw::new(Method::GET, path), 401, &[]).await;
    }
    expect_problem(
        app,
        "a declaration without a token",
        Raw::new(Method::POST, "/api/v1/incidents").json(&declare),
        401,
        &[],
    )
    .await;
    expect_problem(
        app,
        "an unknown token",
        Raw::new(Method::GET, "/api/v1/incidents").token("dbr_nope"),
        401,
        &[],
    )
    .await;
    let basic = [("authorization", "Basic YWRtaW46YWRtaW4=")];
    expect_problem(
        app,
        "basic auth",
        Raw::new(Method::GET, "/api/v1/incidents").headers(&basic),
        401,
        &[],
    )
    .await;
    expect_problem(
        app,
        "a revoked token",
        Raw::new(Method::GET, "/api/v1/incidents").token(&revoked),
        401,
        &[],
    )
    .await;
    let problem = expect_problem(
        app,
        "a write with a revoked token",
        Raw::new(Method::POST, "/api/v1/incidents")
            .token(&revoked)
            .json(&declare),
        401,
        &[],
    )
    .await;
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("token")),
        "{problem}"
    );
}

crate::e2e_test!(requests_without_a_valid_token_are_unauthorized);

/// A viewer reads but never writes; a responder runs incidents but does not administer. The
/// refusal comes before any look at the body, so it is the same for good and bad input.
async fn callers_without_the_role_for_a_change_are_forbidden(app: &TestApp) {
    // Arrange: an incident with an event, a viewer and a responder.
    let (_, responder) = app.create_user(AccountRole::Responder).await;
    let (_, viewer) = app.create_user(AccountRole::Viewer).await;
    let incident = app
        .declare(
            &responder,
            &json!({"title": "Login failures", "status": "investigating"}),
        )
        .await;
    let r = incident["reference"]
        .as_str()
        .expect("reference")
        .to_string();
    let event = app
        .add_event(&responder, &r, &json!({"kind": "note", "body": "looking"}))
        .await;
    let other = app
        .declare(&responder, &json!({"title": "Login failures again"}))
        .await;
    let base = format!("/api/v1/incidents/{r}");
    let writes: Vec<(Method, String, serde_json::Value, serde_json::Value)> = vec![
        (
            Method::POST,
            "/api/v1/incidents".into(),
            json!({"title": "x"}),
            json!({"title": ""}),
        ),
        (
            Method::PATCH,
            base.clone(),
            json!({"title": "y"}),
            json!({"title": "", "severity": "nope"}),
        ),
        (
            Method::POST,
            format!("{base}/transitions"),
            json!({"to": "monitoring"}),
            json!({"to": "done"}),
        ),
        (
            Method::POST,
            format!("{base}/roles"),
            json!({"role": "scribe", "user_id": 1}),
            json!({"role": "x y"}),
        ),
        (
            Method::POST,
            format!("{base}/merge"),
            json!({"into": other["reference"]}),
            json!({"into": "x"}),
        ),
        (
            Method::PATCH,
            format!("{base}/timestamps"),
            json!({"detected_at": null, "reason": "x"}),
            json!({"x": 1}),
        ),
        (
            Method::POST,
            format!("{base}/timeline"),
            json!({"kind": "note", "body": "x"}),
            json!({"kind": "x", "body": ""}),
        ),
        (
            Method::PATCH,
            format!("{base}/timeline/{}", event["id"]),
            json!({"body": "x"}),
            json!({"body": ""}),
        ),
        (
            Method::POST,
            format!("{base}/participants"),
            json!({"email": app.admin_email}),
            json!({"email": "nobody"}),
        ),
    ];

    // Act and assert: the viewer is refused every write, with good input and with bad.
    for (method, path, good, bad) in &writes {
        for body in [good.to_string(), bad.to_string()] {
            let what = format!("a viewer's {method} {path} {body}");
            expect_problem(
                app,
                &what,
                Raw::new(method.clone(), path).token(&viewer).json(&body),
                403,
                &[],
            )
            .await;
        }
    }
    for method in [Method::PUT, Method::DELETE] {
        let path = format!("{base}/timeline/{}/star", event["id"]);
        expect_problem(
            app,
            "a viewer starring",
            Raw::new(method, &path).token(&viewer),
            403,
            &[],
        )
        .await;
    }

    // Act and assert: a responder may not administer.
    let admin_writes = [
        (
            Method::POST,
            "/api/v1/services",
            json!({"slug": "web", "name": "Web"}),
        ),
        (
            Method::POST,
            "/api/v1/teams",
            json!({"slug": "sre", "name": "SRE"}),
        ),
        (
            Method::PUT,
            "/api/v1/severities/SEV5",
            json!({"name": "Trivial", "rank": 5}),
        ),
        (
            Method::POST,
            "/api/v1/users",
            json!({"email": "eve@example.com", "name": "Eve", "role": "admin"}),
        ),
        (Method::PATCH, "/api/v1/users/1", json!({"role": "viewer"})),
        (
            Method::POST,
            "/api/v1/tokens",
            json!({"name": "x", "email": app.admin_email}),
        ),
    ];
    for (method, path, body) in admin_writes {
        let body = body.to_string();
        expect_problem(
            app,
            &format!("a responder's {method} {path}"),
            Raw::new(method, path).token(&responder).json(&body),
            403,
            &[],
        )
        .await;
    }
    expect_problem(
        app,
        "a responder deleting a severity",
        Raw::new(Method::DELETE, "/api/v1/severities/SEV4").token(&responder),
        403,
        &[],
    )
    .await;

    // Assert: the viewer still reads.
    assert_eq!(app.get(&base, &viewer).await.0, 200);
    assert_eq!(app.get(&format!("{base}/timeline"), &viewer).await.0, 200);
}

crate::e2e_test!(callers_without_the_role_for_a_change_are_forbidden);

/// A token never grants more than the token that made it: a read-only token cannot mint a
/// token that writes.
async fn a_read_only_token_cannot_create_a_token_that_writes(app: &TestApp) {
    // Arrange: a responder's read-only token.
    let (_, responder) = app.create_user(AccountRole::Responder).await;
    let (status, _, read) = app
        .post(
            "/api/v1/tokens",
            &responder,
            &json!({"name": "dashboards", "scope": "read"}),
        )
        .await;
    assert_eq!(status, 201, "{read}");
    let read = read["token"].as_str().expect("secret").to_string();
    let declare = json!({"title": "x"}).to_string();
    expect_problem(
        app,
        "a read token declaring",
        Raw::new(Method::POST, "/api/v1/incidents")
            .token(&read)
            .json(&declare),
        403,
        &[],
    )
    .await;

    // Act and assert: minting a write or admin token with it is refused and creates nothing.
    for scope in ["write", "admin"] {
        let body = json!({"name": "escalate", "scope": scope}).to_string();
        expect_problem(
            app,
            scope,
            Raw::new(Method::POST, "/api/v1/tokens")
                .token(&read)
                .json(&body),
            403,
            &[],
        )
        .await;
    }

    // Assert: a read token may still make another read token, and a responder's write token
    // may ask for admin scope, which acts as the responder it belongs to.
    let (status, _, _) = app
        .post(
            "/api/v1/tokens",
            &read,
            &json!({"name": "another", "scope": "read"}),
        )
        .await;
    assert_eq!(status, 201);
    let (status, _, wide) = app
        .post(
            "/api/v1/tokens",
            &responder,
            &json!({"name": "wide", "scope": "admin"}),
        )
        .await;
    assert_eq!(status, 201);
    let (_, _, me) = app
        .get("/api/v1/users/me", wide["token"].as_str().expect("secret"))
        .await;
    assert_eq!(me["acting_as"], "responder");
}

crate::e2e_test!(a_read_only_token_cannot_create_a_token_that_writes);
