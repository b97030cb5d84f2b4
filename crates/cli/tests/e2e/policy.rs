//! The postmortem policy over the API (issue #3, first part): read, save, and try it out on a
//! described incident against given or stored history, writing nothing.

use crate::e2e_test;
use crate::harness::TestApp;
use debrief_core::access::AccountRole;
use reqwest::StatusCode;
use serde_json::json;

async fn the_policy_decides_a_described_incident_with_every_reason(app: &TestApp) {
    // Arrange
    let path = "/api/v1/postmortem-policy/evaluate";
    let sev1 = json!({"severity": "SEV1", "title": "Checkout down", "services": ["checkout"],
                      "declared_at": "2026-11-20T10:00:00Z", "resolved_at": "2026-11-20T11:00:00Z",
                      "past": [{"reference": "INC-12", "title": "Checkout is down", "services": ["checkout"],
                                "resolved_at": "2026-10-21T12:00:00+02:00"}]});
    let (_, responder) = app.create_user(AccountRole::Responder).await;

    // Act
    let (status, _, d) = app.post(path, &app.admin_token, &sev1).await;
    let (waived_status, _, waived) = app
        .post(path, &app.admin_token, &json!({"severity": "SEV2", "title": "x", "declared_at": "2026-11-20T10:00:00Z",
                                               "waiver_reason": "covered by INC-3's review", "past": []}))
        .await;
    let (breach_status, _, breach) = app
        .post(path, &app.admin_token, &json!({"severity": "SEV4", "type": "security_breach", "title": "Leaked key",
                                               "declared_at": "2026-11-20T10:00:00Z", "waiver_reason": "small", "past": []}))
        .await;
    let (forbidden, _, _) = app.post(path, &responder, &sev1).await;
    let (bad, _, problem) = app
        .post(
            path,
            &app.admin_token,
            &json!({"severity": "SEV1", "title": "", "declared_at": "yesterday"}),
        )
        .await;

    // Assert
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!(d["required"], true);
    assert_eq!(d["tags"], json!(["severity", "repeated"]));
    assert_eq!(
        d["summary"],
        "required: severity SEV1 at or above SEV2; repeated, like INC-12"
    );
    assert_eq!(
        (waived_status, &waived["required"], &waived["tags"]),
        (
            StatusCode::OK,
            &json!(false),
            &json!(["severity", "waived"])
        )
    );
    assert_eq!(
        (breach_status, &breach["required"], &breach["tags"]),
        (
            StatusCode::OK,
            &json!(true),
            &json!(["type:security_breach"])
        )
    );
    assert_eq!(forbidden, StatusCode::FORBIDDEN, "only admins try policies");
    assert_eq!(bad, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(fields, ["declared_at", "title"]);
    let (_, _, list) = app.get("/api/v1/incidents", &app.admin_token).await;
    assert_eq!(
        list["items"].as_array().map(Vec::len),
        Some(0),
        "evaluating writes nothing"
    );
}
e2e_test!(the_policy_decides_a_described_incident_with_every_reason);

async fn without_given_history_the_stored_resolved_incidents_count_as_repeats(app: &TestApp) {
    // Arrange: a resolved incident on a service, recently.
    app.post(
        "/api/v1/services",
        &app.admin_token,
        &json!({"slug": "search", "name": "Search"}),
    )
    .await;
    let first = app.declare(&app.admin_token, &json!({"title": "Search results are slow", "severity": "SEV4", "services": ["search"]})).await;
    let r = first["reference"].as_str().expect("reference");
    app.transition(&app.admin_token, r, &json!({"to": "resolved"}))
        .await;
    let now = debrief_core::format_utc(debrief_core::Timestamp::now());

    // Act
    let ask = |title: &str, service: &str| json!({"severity": "SEV4", "title": title, "services": [service], "declared_at": now});
    let (_, _, similar) = app
        .post(
            "/api/v1/postmortem-policy/evaluate",
            &app.admin_token,
            &ask("Slow search results", "search"),
        )
        .await;
    let (_, _, elsewhere) = app
        .post(
            "/api/v1/postmortem-policy/evaluate",
            &app.admin_token,
            &ask("Slow search results", "checkout"),
        )
        .await;

    // Assert
    assert_eq!(similar["tags"], json!(["repeated"]), "{similar}");
    assert!(
        similar["summary"]
            .as_str()
            .unwrap_or("")
            .contains(&format!("like {r}"))
    );
    assert_eq!(elsewhere["required"], false, "no shared service, no repeat");
}
e2e_test!(without_given_history_the_stored_resolved_incidents_count_as_repeats);

async fn admins_save_a_policy_that_is_checked_first(app: &TestApp) {
    // Arrange
    let (_, responder) = app.create_user(AccountRole::Responder).await;

    // Act
    let (status, _, saved) = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/postmortem-policy",
            Some(&app.admin_token),
            Some(&json!({"severity_threshold": "SEV1", "long_open_hours": 48})),
        )
        .await;
    let (_, _, read) = app.get("/api/v1/postmortem-policy", &responder).await;
    let (bad, _, problem) = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/postmortem-policy",
            Some(&app.admin_token),
            Some(&json!({"severity_threshold": "SEV9", "repeat_window_days": 0})),
        )
        .await;
    let (forbidden, _, _) = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/postmortem-policy",
            Some(&responder),
            Some(&json!({"severity_threshold": "SEV3"})),
        )
        .await;
    let (_, _, d) = app
        .post("/api/v1/postmortem-policy/evaluate", &app.admin_token, &json!({"severity": "SEV2", "title": "x", "declared_at": "2026-11-20T10:00:00Z", "past": []}))
        .await;

    // Assert
    assert_eq!(status, StatusCode::OK);
    assert_eq!(saved["severity_threshold"], "SEV1");
    assert_eq!(read["long_open_hours"], 48);
    assert_eq!(
        read["repeat_window_days"], 30,
        "unsent fields keep their defaults"
    );
    assert_eq!(bad, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        problem["errors"].as_array().map(Vec::len),
        Some(2),
        "{problem}"
    );
    assert_eq!(forbidden, StatusCode::FORBIDDEN);
    assert_eq!(d["required"], false, "the saved threshold (SEV1) is used");
}
e2e_test!(admins_save_a_policy_that_is_checked_first);
