//! Exports carry what the caller may see, and nothing private to others.

use crate::e2e_test;
use crate::harness::TestApp;
use debrief_core::access::AccountRole;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// An export's body as text (`query` is `""` or `"?format=ndjson"`).
pub(crate) async fn export_text(app: &TestApp, token: &str, query: &str) -> String {
    let res = app
        .client
        .get(app.url(&format!("/api/v1/incidents/export{query}")))
        .bearer_auth(token)
        .send()
        .await
        .expect("export");
    assert_eq!(res.status(), StatusCode::OK);
    res.text().await.expect("text")
}

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

/// Issue 9, part 8: exports carry each incident's metrics with how each is measured: CSV
/// headers say it, NDJSON lines have the metrics object the API answers (documented in the
/// OpenAPI document's ExportedIncident).
async fn exports_carry_the_metrics_with_their_definitions(app: &TestApp) {
    // Arrange: impact began ten minutes ago; an alert two minutes later; mitigated and resolved.
    let now = debrief_core::Timestamp::now();
    let started = debrief_core::Timestamp::from_second(now.as_second() - 600).expect("in range");
    let at = |s: i64| {
        debrief_core::format_utc(
            debrief_core::Timestamp::from_second(started.as_second() + s).expect("in range"),
        )
    };
    let incident = app
        .declare(
            &app.admin_token,
            &json!({"title": "Checkout errors", "severity": "SEV2", "started_at": at(0)}),
        )
        .await;
    let r = incident["reference"].as_str().expect("reference");
    app.add_event(
        &app.admin_token,
        r,
        &json!({"kind": "alert", "body": "5xx", "at": at(120), "source": "alert"}),
    )
    .await;
    app.transition(
        &app.admin_token,
        r,
        &json!({"to": "monitoring", "at": at(300)}),
    )
    .await;
    app.transition(
        &app.admin_token,
        r,
        &json!({"to": "resolved", "at": at(540)}),
    )
    .await;
    let (_, _, m) = app
        .get(&format!("/api/v1/incidents/{r}/metrics"), &app.admin_token)
        .await;

    // Act
    let csv = export_text(app, &app.admin_token, "").await;
    let ndjson = export_text(app, &app.admin_token, "?format=ndjson").await;
    let doc = crate::openapi::document(app).await;

    // Assert: the header says how each metric is measured, and the row has the numbers the
    // API answers (by hand: detect 120 s, mitigate 300 s, resolve 540 s, downtime 5 min).
    let mut lines = csv.lines();
    let header = lines.next().expect("a header");
    for d in debrief_core::metrics::DEFINITIONS {
        let column = format!("{} ({})", d.metric, d.how_measured);
        assert!(header.contains(&column), "{column} missing from {header}");
    }
    assert!(header.ends_with(",metric_contradictions"), "{header}");
    let row = lines.next().expect("a row");
    let tail: Vec<&str> = row
        .rsplitn(8, ',')
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let acknowledge = m["metrics"]["time_to_acknowledge_seconds"]
        .as_f64()
        .expect("a number")
        .to_string();
    assert_eq!(
        tail[1..],
        ["120", acknowledge.as_str(), "", "300", "540", "5", ""]
    );
    // NDJSON: the same metrics object as the API's, and the line matches its documented schema.
    let line: Value = serde_json::from_str(ndjson.lines().next().expect("a line")).expect("JSON");
    assert_eq!(line["metrics"], m["metrics"]);
    assert_eq!(line["metrics"]["time_to_resolve_seconds"], 540.0);
    let v = crate::schema::Validator::new(&doc);
    let schema = json!({"$ref": "#/components/schemas/ExportedIncident"});
    assert_eq!(v.errors(&schema, &line), Vec::<String>::new());
    let documented = &doc["paths"]["/api/v1/incidents/export"]["get"]["responses"]["200"]["content"]
        ["application/x-ndjson"]["x-item-schema"]["$ref"];
    assert_eq!(documented, "#/components/schemas/ExportedIncident");
}
e2e_test!(exports_carry_the_metrics_with_their_definitions);
