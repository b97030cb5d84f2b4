//! Malformed input gets a 4xx problem document naming each bad field, and changes nothing.

use crate::harness::{Raw, TestApp, expect_problem};
use debrief_core::access::AccountRole;
use debrief_core::{Timestamp, format_utc};
use reqwest::Method;
use serde_json::json;

/// What is wrong, the request (method, path, body), the status and the fields named.
type Case<'a> = (&'a str, (Method, String, String), u16, Vec<&'a str>);

fn tomorrow() -> String {
    format_utc(Timestamp::from_second(Timestamp::now().as_second() + 86_400).expect("in range"))
}

/// Declarations that cannot be parsed or validated.
async fn malformed_declarations_are_refused_with_a_problem_naming_each_field(app: &TestApp) {
    // Arrange: a service and a responder.
    app.post(
        "/api/v1/services",
        &app.admin_token,
        &json!({"slug": "api", "name": "API"}),
    )
    .await;
    let (_, t) = app.create_user(AccountRole::Responder).await;
    let post = || Raw::new(Method::POST, "/api/v1/incidents").token(&t);
    let future = json!({"title": "a", "started_at": tomorrow()}).to_string();

    // Act and assert: each request is refused and changes nothing.
    expect_problem(
        app,
        "a syntax error",
        post().json(r#"{"title": "#),
        400,
        &[],
    )
    .await;
    expect_problem(
        app,
        "text after the JSON",
        post().json(r#"{"title": "a"} {"title": "b"}"#),
        400,
        &[],
    )
    .await;
    expect_problem(app, "an empty body", post().json(""), 400, &[]).await;
    let mut no_type = post();
    no_type.body = Some(r#"{"title": "a"}"#);
    expect_problem(app, "no content type", no_type, 415, &[]).await;
    expect_problem(
        app,
        "a text body",
        post().typed("text/plain", r#"{"title": "a"}"#),
        415,
        &[],
    )
    .await;
    expect_problem(
        app,
        "a form body",
        post().typed("application/x-www-form-urlencoded", "title=a"),
        415,
        &[],
    )
    .await;
    expect_problem(
        app,
        "an unknown field",
        post().json(r#"{"title": "a", "colour": "red"}"#),
        422,
        &["colour"],
    )
    .await;
    expect_problem(app, "no title", post().json("{}"), 422, &["title"]).await;
    expect_problem(
        app,
        "a title of the wrong type",
        post().json(r#"{"title": 42}"#),
        422,
        &["title"],
    )
    .await;
    expect_problem(app, "a list for a body", post().json("[]"), 422, &["body"]).await;
    expect_problem(
        app,
        "a malformed severity",
        post().json(r#"{"title": "a", "severity": "sev 1"}"#),
        422,
        &["severity"],
    )
    .await;
    expect_problem(
        app,
        "an unknown severity",
        post().json(r#"{"title": "a", "severity": "SEV9"}"#),
        404,
        &["severity"],
    )
    .await;
    expect_problem(
        app,
        "an unknown service",
        post().json(r#"{"title": "a", "services": ["api", "nope"]}"#),
        404,
        &["services[1]"],
    )
    .await;
    expect_problem(
        app,
        "a time that is not one",
        post().json(r#"{"title": "a", "started_at": "yesterday"}"#),
        422,
        &["started_at"],
    )
    .await;
    expect_problem(
        app,
        "a time without a zone",
        post().json(r#"{"title": "a", "started_at": "2026-01-01T10:00:00"}"#),
        422,
        &["started_at"],
    )
    .await;
    expect_problem(
        app,
        "a start in the future",
        post().json(&future),
        409,
        &["started_at"],
    )
    .await;
    expect_problem(
        app,
        "a declaration as resolved",
        post().json(r#"{"title": "a", "status": "resolved"}"#),
        422,
        &["status"],
    )
    .await;
    let mixed = r#"{"title": " ", "severity": "SEV9", "services": ["nope", "Not OK!"]}"#;
    expect_problem(
        app,
        "syntax and catalogue errors together",
        post().json(mixed),
        422,
        &["title", "services[1]", "severity", "services[0]"],
    )
    .await;
    let repeated = r#"{"title": "a", "services": ["api", "api", "nope"]}"#;
    expect_problem(
        app,
        "an unknown service after a repeated one",
        post().json(repeated),
        404,
        &["services[2]"],
    )
    .await;
    let twice = r#"{"title": "a", "title": "b"}"#;
    expect_problem(
        app,
        "a field given twice",
        post().json(twice),
        422,
        &["title"],
    )
    .await;
    let many = r#"{"title": " ", "severity": "sev 1", "services": ["Not OK!"], "started_at": "x"}"#;
    let problem = expect_problem(
        app,
        "several bad fields",
        post().json(many),
        422,
        &["title", "severity", "services[0]", "started_at"],
    )
    .await;
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("4 invalid field")),
        "{problem}"
    );
}

crate::e2e_test!(malformed_declarations_are_refused_with_a_problem_naming_each_field);

/// Changes to an existing incident that cannot be parsed, validated or allowed.
async fn malformed_changes_to_an_incident_are_refused_and_change_nothing(app: &TestApp) {
    // Arrange: an incident under investigation, and paths to change it.
    let (_, t) = app.create_user(AccountRole::Responder).await;
    let incident = app
        .declare(
            &t,
            &json!({"title": "Queue backlog", "status": "investigating"}),
        )
        .await;
    let r = incident["reference"]
        .as_str()
        .expect("reference")
        .to_string();
    let declared_at: Timestamp = incident["declared_at"]
        .as_str()
        .expect("time")
        .parse()
        .expect("a time");
    // A first status change, so that a later one can be dated before it.
    app.transition(&t, &r, &json!({"to": "identified"})).await;
    let before_declaration =
        format_utc(Timestamp::from_second(declared_at.as_second() - 60).expect("in range"));
    let (inc, timeline, transitions, timestamps, roles, merge) = (
        format!("/api/v1/incidents/{r}"),
        format!("/api/v1/incidents/{r}/timeline"),
        format!("/api/v1/incidents/{r}/transitions"),
        format!("/api/v1/incidents/{r}/timestamps"),
        format!("/api/v1/incidents/{r}/roles"),
        format!("/api/v1/incidents/{r}/merge"),
    );
    let req = |m: Method, path: &str, body: String| (m, path.to_string(), body);
    let tomorrow = tomorrow();

    // Act and assert: each request is refused with the fields it got wrong, and changes nothing.
    let cases: Vec<Case<'_>> = vec![
        ("an unknown field in an update", req(Method::PATCH, &inc, json!({"colour": "red"}).to_string()), 422, vec!["colour"]),
        ("a bad severity in an update", req(Method::PATCH, &inc, json!({"severity": "SEV9"}).to_string()), 404, vec!["severity"]),
        ("an unknown service in an update", req(Method::PATCH, &inc, json!({"services": ["nope"]}).to_string()), 404, vec![
            "services[0]",
        ]),
        ("a blank title in an update", req(Method::PATCH, &inc, json!({"title": ""}).to_string()), 422, vec!["title"]),
        ("a blank title and an unknown severity", req(Method::PATCH, &inc, json!({"title": "", "severity": "SEV9"}).to_string()), 422, vec![
            "title", "severity",
        ]),
        ("a system kind of event", req(Method::POST, &timeline, json!({"kind": "status_change", "body": "x"}).to_string()), 422, vec![
            "kind",
        ]),
        ("an event in the future", req(Method::POST, &timeline, json!({"kind": "note", "body": "x", "at": tomorrow}).to_string()), 409, vec![
            "at",
        ]),
        (
            "an event with a bad link and source",
            req(
                Method::POST,
                &timeline,
                json!({"kind": "note", "body": "x", "links": [{"url": "javascript:alert(1)"}], "source": "system"}).to_string(),
            ),
            422,
            vec!["links[0].url", "source"],
        ),
        (
            "an unknown field in a link",
            req(Method::POST, &timeline, json!({"kind": "note", "body": "x", "links": [{"url": "https://a.example.com", "colour": 1}]}).to_string()),
            422,
            vec!["links[0].colour"],
        ),
        (
            "a link with its url twice",
            req(Method::POST, &timeline, r#"{"kind": "note", "body": "x", "links": [{"url": "https://a.example.com", "url": "https://b.example.com"}]}"#.to_string()),
            422,
            vec!["links[0].url"],
        ),
        (
            "a link without a url",
            req(Method::POST, &timeline, json!({"kind": "note", "body": "x", "links": [{"title": "graph"}]}).to_string()),
            422,
            vec!["links[0].url"],
        ),
        ("an event without a body", req(Method::POST, &timeline, json!({"kind": "note"}).to_string()), 422, vec!["body"]),
        ("a status that does not exist", req(Method::POST, &transitions, json!({"to": "done"}).to_string()), 422, vec!["to"]),
        ("a transition in the future", req(Method::POST, &transitions, json!({"to": "monitoring", "at": tomorrow}).to_string()), 409, vec![
            "at",
        ]),
        (
            "a transition dated before the previous status change",
            req(Method::POST, &transitions, json!({"to": "monitoring", "at": before_declaration}).to_string()),
            409,
            vec!["at"],
        ),
        // Issue 9: accepted before, and gave a time to resolve of -1.8e9 seconds.
        ("a transition dated 1970", req(Method::POST, &transitions, json!({"to": "monitoring", "at": "1970-01-01T00:00:00Z"}).to_string()), 409, vec![
            "at",
        ]),
        ("an override without a reason", req(Method::PATCH, &timestamps, json!({"detected_at": null}).to_string()), 422, vec![
            "reason",
        ]),
        (
            "an override of an unknown timestamp",
            req(Method::PATCH, &timestamps, json!({"detected": tomorrow, "reason": "x"}).to_string()),
            422,
            vec!["detected"],
        ),
        (
            "an override in the future",
            req(Method::PATCH, &timestamps, json!({"detected_at": tomorrow, "reason": "x"}).to_string()),
            409,
            vec!["detected_at"],
        ),
        ("an override that is not a time", req(Method::PATCH, &timestamps, json!({"mitigated_at": 5, "reason": "x"}).to_string()), 422, vec![
            "mitigated_at",
        ]),
        ("a role that is not a slug", req(Method::POST, &roles, json!({"role": "two words"}).to_string()), 422, vec!["role"]),
        ("a role for nobody", req(Method::POST, &roles, json!({"role": "ops", "user_id": 9999}).to_string()), 404, vec!["user_id"]),
        ("a merge into itself", req(Method::POST, &merge, json!({"into": r}).to_string()), 409, vec!["into"]),
        ("a merge into nothing", req(Method::POST, &merge, json!({"into": "INC-999"}).to_string()), 404, vec!["into"]),
        // Issue 9: byte 4 falls inside a multi-byte character; this used to drop the connection.
        ("a merge into a reference with multi-byte characters", req(Method::POST, &merge, json!({"into": "0\u{80}\u{80}"}).to_string()), 422, vec![
            "into",
        ]),
    ];
    for (what, (method, path, body), status, fields) in &cases {
        expect_problem(
            app,
            what,
            Raw::new(method.clone(), path).token(&t).json(body),
            *status,
            fields,
        )
        .await;
    }

    // Act and assert: a move the lifecycle forbids is a conflict that says why.
    let closing = json!({"to": "closed"}).to_string();
    let problem = expect_problem(
        app,
        "closing an open incident",
        Raw::new(Method::POST, &transitions)
            .token(&t)
            .json(&closing),
        409,
        &[],
    )
    .await;
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("resolve the incident first")),
        "{problem}"
    );
    assert_eq!(problem["type"], "/problems/transition-not-allowed");
    let triage = json!({"to": "triage"}).to_string();
    let problem = expect_problem(
        app,
        "going back to triage",
        Raw::new(Method::POST, &transitions).token(&t).json(&triage),
        409,
        &[],
    )
    .await;
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("never goes back to triage")),
        "{problem}"
    );

    // Act and assert: malformed list filters and a malformed If-Match.
    for (query, field) in [
        ("limit=0", "limit"),
        ("status=done", "status"),
        ("colour=red", "colour"),
        ("from=yesterday", "from"),
    ] {
        let path = format!("/api/v1/incidents?{query}");
        expect_problem(
            app,
            query,
            Raw::new(Method::GET, &path).token(&t),
            422,
            &[field],
        )
        .await;
    }
    let body = json!({"title": "x"}).to_string();
    let headers = [("if-match", "three")];
    expect_problem(
        app,
        "a malformed If-Match",
        Raw::new(Method::PATCH, &inc)
            .token(&t)
            .json(&body)
            .headers(&headers),
        400,
        &[],
    )
    .await;
}

crate::e2e_test!(malformed_changes_to_an_incident_are_refused_and_change_nothing);

/// The catalogue and accounts refuse bad input the same way.
async fn malformed_catalogue_and_account_input_is_refused(app: &TestApp) {
    // Arrange: the admin's token.
    let t = app.admin_token.as_str();
    let cases = [
        (
            "a service slug with spaces",
            Method::POST,
            "/api/v1/services",
            json!({"slug": "a b", "name": "x"}),
            vec!["slug"],
        ),
        (
            "a team without a name",
            Method::POST,
            "/api/v1/teams",
            json!({"slug": "ab", "name": ""}),
            vec!["name"],
        ),
        (
            "a severity rank out of range",
            Method::PUT,
            "/api/v1/severities/SEV5",
            json!({"name": "x", "rank": 0}),
            vec!["rank"],
        ),
        (
            "a user with a bad email and role",
            Method::POST,
            "/api/v1/users",
            json!({"email": "nope", "name": "x", "role": "root"}),
            vec!["email", "role"],
        ),
        (
            "a token without a name",
            Method::POST,
            "/api/v1/tokens",
            json!({"name": " "}),
            vec!["name"],
        ),
        (
            "a token with an unknown scope",
            Method::POST,
            "/api/v1/tokens",
            json!({"name": "x", "scope": "root"}),
            vec!["scope"],
        ),
    ];

    // Act and assert.
    for (what, method, path, body, fields) in cases {
        let body = body.to_string();
        expect_problem(
            app,
            what,
            Raw::new(method, path).token(t).json(&body),
            422,
            &fields,
        )
        .await;
    }
    // A well-formed team that does not exist is a missing reference: 404, naming it.
    let unknown_team = json!({"slug": "ab", "name": "x", "team": "nope"}).to_string();
    expect_problem(
        app,
        "a service of an unknown team",
        Raw::new(Method::POST, "/api/v1/services")
            .token(t)
            .json(&unknown_team),
        404,
        &["team"],
    )
    .await;
}

crate::e2e_test!(malformed_catalogue_and_account_input_is_refused);

/// Issue 9: text that used to panic the server or break a response header.
async fn text_that_once_panicked_or_broke_a_header_is_refused_or_served(app: &TestApp) {
    // Arrange: a viewer, a responder and an incident.
    let (_, viewer) = app.create_user(AccountRole::Viewer).await;
    let (_, t) = app.create_user(AccountRole::Responder).await;
    let incident = app.declare(&t, &json!({"title": "Disk full"})).await;
    let r = incident["reference"]
        .as_str()
        .expect("reference")
        .to_string();

    // Act and assert: a multi-byte character across byte 4 of a reference is a 422, not a panic.
    expect_problem(
        app,
        "an action item filter with a multi-byte reference",
        Raw::new(Method::GET, "/api/v1/action-items?incident=aaa%C3%A9").token(&viewer),
        422,
        &["incident"],
    )
    .await;

    // Act and assert: a file name with a line break is refused when uploaded.
    let path = format!("/api/v1/incidents/{r}/attachments?filename=a%0Ab.txt");
    expect_problem(
        app,
        "an attachment named with a line break",
        Raw::new(Method::POST, &path)
            .token(&t)
            .typed("text/plain", "hello"),
        422,
        &["filename"],
    )
    .await;

    // Arrange: such a name stored before the check existed.
    let id: i64 = r.trim_start_matches("INC-").parse().expect("a number");
    let stored = app
        .state
        .store
        .add_attachment(&debrief_store::postmortem::NewAttachment {
            incident_id: id,
            filename: "a\nb \"é\".txt",
            content_type: "text/plain",
            bytes: b"hello",
            sha256: "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
            created_by: 1,
            now: Timestamp::now(),
        })
        .await
        .expect("stored");

    // Act: download it.
    let url = app.url(&format!("/api/v1/incidents/{r}/attachments/{}", stored.id));
    let res = app
        .client
        .get(url)
        .bearer_auth(&t)
        .send()
        .await
        .expect("an answer");

    // Assert: served, with the exact name in filename* and a safe ASCII fallback.
    assert_eq!(res.status(), 200);
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .expect("ASCII")
        .to_string();
    assert_eq!(
        disposition,
        "inline; filename=\"a_b ___.txt\"; filename*=UTF-8''a%0Ab%20%22%C3%A9%22.txt"
    );
    assert_eq!(res.text().await.expect("a body"), "hello");
}

crate::e2e_test!(text_that_once_panicked_or_broke_a_header_is_refused_or_served);
