//! Exports carry what the caller may see, and nothing private to others.

use crate::e2e_test;
use crate::harness::TestApp;
use debrief_core::access::AccountRole;
use reqwest::StatusCode;
use serde_json::json;

async fn exports_list_visible_incidents_only(app: &TestApp) {
    // Arrange
    app.declare(
        &app.admin_token,
        &json!({"title": "Public, with a \"quote\", and a comma", "severity": "SEV3"}),
    )
    .await;
    app.declare(
        &app.admin_token,
        &json!({"title": "Secret breach", "severity": "SEV1", "private": true}),
    )
    .await;
    let (_, viewer) = app.create_user(AccountRole::Viewer).await;

    // Act
    let csv = app
        .client
        .get(app.url("/api/v1/incidents/export"))
        .bearer_auth(&viewer)
        .send()
        .await
        .expect("export");
    let status = csv.status();
    let content_type = csv.headers()["content-type"]
        .to_str()
        .expect("text")
        .to_string();
    let body = csv.text().await.expect("csv");
    let (_, _, admin_ndjson) = app
        .get("/api/v1/incidents/export?format=ndjson", &app.admin_token)
        .await;
    let (bad, _, problem) = app
        .get("/api/v1/incidents/export?format=xlsx", &app.admin_token)
        .await;

    // Assert
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/csv"));
    let lines: Vec<&str> = body.lines().collect();
    assert!(lines[0].starts_with("reference,title,severity,status"));
    assert_eq!(
        lines.len(),
        2,
        "the viewer's export has one incident: {body}"
    );
    assert!(
        lines[1].contains("\"Public, with a \"\"quote\"\", and a comma\""),
        "{}",
        lines[1]
    );
    assert!(!body.contains("Secret breach"));
    let admin_lines = admin_ndjson.as_str().expect("ndjson text").lines().count();
    assert_eq!(admin_lines, 2, "an admin exports both");
    assert_eq!(bad, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "format");
}
e2e_test!(exports_list_visible_incidents_only);
