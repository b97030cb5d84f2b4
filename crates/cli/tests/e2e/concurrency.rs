//! Concurrent requests: incident references stay unique and gap-free, and concurrent changes to
//! one incident never lose an update.

use crate::harness::TestApp;
use debrief_core::access::AccountRole;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Sends `POST`/`PATCH` requests all at once, each on its own task, and returns the answers in
/// the order given.
async fn all_at_once(
    app: &TestApp,
    requests: Vec<(reqwest::Method, String, String, Value)>,
) -> Vec<(StatusCode, Value)> {
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|(method, path, token, body)| {
            let req = app
                .client
                .request(method, app.url(&path))
                .bearer_auth(token)
                .json(&body);
            tokio::spawn(async move {
                let res = req.send().await.expect("the server answers");
                let status = res.status();
                (status, res.json::<Value>().await.unwrap_or(Value::Null))
            })
        })
        .collect();
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.expect("the task finishes"));
    }
    answers
}

/// Fifty declarations at once get INC-1 to INC-50, each exactly once.
async fn concurrent_declarations_get_unique_gap_free_references(app: &TestApp) {
    // Arrange: fifty declarations from three responders.
    let mut tokens = Vec::new();
    for _ in 0..3 {
        tokens.push(app.create_user(AccountRole::Responder).await.1);
    }
    let requests = (0..50)
        .map(|i| {
            (
                reqwest::Method::POST,
                "/api/v1/incidents".to_string(),
                tokens[i % 3].clone(),
                json!({"title": format!("Outage {i}")}),
            )
        })
        .collect();

    // Act: send them all at once.
    let answers = all_at_once(app, requests).await;

    // Assert: every one was declared, with its own reference, and together they are INC-1..50.
    let mut refs = BTreeSet::new();
    for (i, (status, incident)) in answers.iter().enumerate() {
        assert_eq!(*status, StatusCode::CREATED, "declaration {i}: {incident}");
        assert_eq!(incident["title"], format!("Outage {i}"));
        let n: u32 = incident["reference"]
            .as_str()
            .and_then(|r| r.strip_prefix("INC-"))
            .and_then(|n| n.parse().ok())
            .expect("INC-n");
        assert!(refs.insert(n), "INC-{n} was given twice");
    }
    assert_eq!(refs, (1..=50).collect::<BTreeSet<u32>>());

    // Assert: the list agrees, and each incident has its own declaration event.
    let (_, _, page) = app
        .get("/api/v1/incidents?limit=200", &app.admin_token)
        .await;
    let listed: Vec<String> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["reference"].as_str().expect("ref").to_string())
        .collect();
    assert_eq!(
        listed,
        (1..=50)
            .rev()
            .map(|n| format!("INC-{n}"))
            .collect::<Vec<_>>()
    );
    let (_, _, stats) = app.get("/api/v1/incidents/stats", &app.admin_token).await;
    assert_eq!(stats["total"], 50);
    for n in [1, 25, 50] {
        let (_, _, timeline) = app
            .get(
                &format!("/api/v1/incidents/INC-{n}/timeline"),
                &app.admin_token,
            )
            .await;
        let declared: Vec<&Value> = timeline["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|e| e["kind"] == "declared")
            .collect();
        assert_eq!(declared.len(), 1, "INC-{n}");
        assert_eq!(declared[0]["incident"], format!("INC-{n}"));
    }
}

crate::e2e_test!(concurrent_declarations_get_unique_gap_free_references);

/// Twenty changes at once to one incident: the fourteen that name no version all land; of the
/// six that carry the version read before any of them, at most one lands and the rest get 409.
async fn concurrent_changes_to_one_incident_never_lose_an_update(app: &TestApp) {
    // Arrange: an incident at version 1, a service, and eight responders to take roles.
    let t = app.admin_token.clone();
    app.post(
        "/api/v1/services",
        &t,
        &json!({"slug": "api", "name": "API"}),
    )
    .await;
    let incident = app
        .declare(&t, &json!({"title": "Original title", "severity": "SEV3"}))
        .await;
    assert_eq!(incident["version"], 1);
    let r = incident["reference"]
        .as_str()
        .expect("reference")
        .to_string();
    let path = format!("/api/v1/incidents/{r}");
    let mut holders = Vec::new();
    for _ in 0..8 {
        holders.push(app.create_user(AccountRole::Responder).await.0);
    }
    let roles = [
        "communications",
        "scribe",
        "ops",
        "liaison",
        "security",
        "support",
        "deputy",
        "observer",
    ];
    let fields = [
        json!({"summary": "Requests time out"}),
        json!({"severity": "SEV1"}),
        json!({"type": "failed_deployment"}),
        json!({"services": ["api"]}),
        json!({"customer_impact": true}),
        json!({"private": true}),
    ];
    let mut requests = Vec::new();
    for body in &fields {
        requests.push((
            reqwest::Method::PATCH,
            path.clone(),
            t.clone(),
            body.clone(),
        ));
    }
    for (role, user) in roles.iter().zip(&holders) {
        requests.push((
            reqwest::Method::POST,
            format!("{path}/roles"),
            t.clone(),
            json!({"role": role, "user_id": user.id}),
        ));
    }
    for i in 0..6 {
        requests.push((
            reqwest::Method::PATCH,
            path.clone(),
            t.clone(),
            json!({"title": format!("Stale title {i}"), "version": 1}),
        ));
    }

    // Act: send all twenty at once.
    let answers = all_at_once(app, requests).await;

    // Assert: every unversioned change landed; stale ones (a version in the body) conflict.
    for (i, (status, body)) in answers[..14].iter().enumerate() {
        assert_eq!(*status, StatusCode::OK, "change {i}: {body}");
    }
    let stale: Vec<StatusCode> = answers[14..].iter().map(|(s, _)| *s).collect();
    assert!(
        stale
            .iter()
            .all(|s| *s == StatusCode::OK || *s == StatusCode::CONFLICT),
        "{stale:?}"
    );
    let landed = stale.iter().filter(|s| **s == StatusCode::OK).count();
    assert!(
        landed <= 1,
        "two changes based on version 1 both landed: {stale:?}"
    );

    // Assert: the incident holds every change, and its version counts each one.
    let (_, _, now) = app.get(&path, &t).await;
    assert_eq!(now["version"], 1 + 14 + landed as i64, "{now}");
    assert_eq!(now["summary"], "Requests time out");
    assert_eq!(now["severity"], "SEV1");
    assert_eq!(now["type"], "failed_deployment");
    assert_eq!(now["services"], json!(["api"]));
    assert_eq!(now["customer_impact"], true);
    assert_eq!(now["private"], true);
    match answers[14..].iter().position(|(s, _)| *s == StatusCode::OK) {
        Some(i) => assert_eq!(now["title"], format!("Stale title {i}")),
        None => assert_eq!(now["title"], "Original title"),
    }
    for (role, user) in roles.iter().zip(&holders) {
        let held = now["roles"]
            .as_array()
            .expect("roles")
            .iter()
            .find(|a| a["role"] == *role);
        assert_eq!(
            held.map(|a| a["user_id"].clone()),
            Some(json!(user.id)),
            "{role}: {now}"
        );
    }

    // Assert: each change is on the timeline once.
    let (_, _, timeline) = app.get(&format!("{path}/timeline"), &t).await;
    let count = |kind: &str| {
        timeline["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|e| e["kind"] == kind)
            .count()
    };
    assert_eq!(
        count("role_change"),
        1 + 8,
        "the commander at declaration, then eight more"
    );
    assert_eq!(count("severity_change"), 1);
    assert_eq!(count("incident_update"), 5 + landed);
}

crate::e2e_test!(concurrent_changes_to_one_incident_never_lose_an_update);
