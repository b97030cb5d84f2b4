//! Alerts of a private incident are as private as the incident (issue 11, with the privacy
//! rule of DESIGN.md), and an alert never shows its integration's key: outsiders do not see them in the alert list, by id, through the
//! incident filter, nor can they act on them; participants and admins do.

use crate::e2e_test;
use crate::harness::TestApp;
use debrief_core::access::AccountRole;
use reqwest::StatusCode;
use serde_json::json;

async fn alerts_of_a_private_incident_are_hidden_from_outsiders(app: &TestApp) {
    // Arrange: a critical PagerDuty alert opens INC-1, which an admin then makes private.
    let admin = app.admin_token.clone();
    app.create_service("checkout").await;
    let pd = app
        .create_integration("checkout", "pagerduty", "Prometheus")
        .await;
    let event = json!({"routing_key": pd.key, "event_action": "trigger", "dedup_key": "k1",
        "payload": {"summary": "card payments failing", "source": "pay-1", "severity": "critical"}})
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
    let (_, _, page) = app.get("/api/v1/alerts", &admin).await;
    let alert = page["items"][0].clone();
    assert_eq!(alert["incident"], "INC-1", "{page}");
    let id = alert["id"].as_i64().expect("an id");
    // The stored body is the sender's, without the integration key: reading alerts must not
    // let anyone send them.
    assert_eq!(alert["payload"]["dedup_key"], "k1", "{alert}");
    assert!(alert["payload"].get("routing_key").is_none(), "{alert}");
    assert!(
        !alert.to_string().contains(&pd.key),
        "the key is nowhere in the alert"
    );
    let (s, _, body) = app
        .patch("/api/v1/incidents/INC-1", &admin, &json!({"private": true}))
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (_, viewer) = app.create_user(AccountRole::Viewer).await;
    let (_, responder) = app.create_user(AccountRole::Responder).await;

    // Act and assert: outsiders see nothing of it.
    for token in [&viewer, &responder] {
        let (_, _, page) = app.get("/api/v1/alerts", token).await;
        assert_eq!(page["items"], json!([]), "{page}");
        let (s, _, _) = app.get(&format!("/api/v1/alerts/{id}"), token).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (_, _, page) = app.get("/api/v1/alerts?incident=INC-1", token).await;
        assert_eq!(page["items"], json!([]), "{page}");
    }
    let (s, _, _) = app
        .post(
            &format!("/api/v1/alerts/{id}/acknowledge"),
            &responder,
            &json!({}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "an outsider cannot act on it either"
    );
    let (s, _, _) = app
        .post(
            &format!("/api/v1/alerts/{id}/notes"),
            &responder,
            &json!({"note": "hi"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The admin still sees and acts on it, also through the incident filter.
    let (_, _, page) = app.get("/api/v1/alerts?incident=INC-1", &admin).await;
    assert_eq!(page["items"][0]["id"], id, "{page}");
    let (s, _, body) = app
        .post(
            &format!("/api/v1/alerts/{id}/acknowledge"),
            &admin,
            &json!({}),
        )
        .await;
    assert_eq!(
        (s, &body["status"]),
        (StatusCode::OK, &json!("acknowledged")),
        "{body}"
    );
}

e2e_test!(alerts_of_a_private_incident_are_hidden_from_outsiders);
