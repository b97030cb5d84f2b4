//! Postmortems, administration: replaying a changed policy, attachments served by every server.

use crate::e2e_test;
use crate::harness::TestApp;
use debrief_core::access::AccountRole;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn a_changed_policy_is_replayed_over_the_last_90_days_before_saving(app: &TestApp) {
    // Arrange: a SEV2 and a SEV3 resolved today.
    for (title, sev) in [("Search down", "SEV2"), ("Slow reports", "SEV3")] {
        let i = app
            .declare(&app.admin_token, &json!({"title": title, "severity": sev}))
            .await;
        app.transition(
            &app.admin_token,
            i["reference"].as_str().unwrap(),
            &json!({"to": "resolved"}),
        )
        .await;
    }
    let (_, _, mut policy) = app.get("/api/v1/postmortem-policy", &app.admin_token).await;
    policy["severity_threshold"] = json!("SEV3");

    // Act
    let (s, _, replay) = app
        .post(
            "/api/v1/postmortem-policy/replay",
            &app.admin_token,
            &json!({"policy": policy}),
        )
        .await;
    let (_, _, saved) = app.get("/api/v1/postmortem-policy", &app.admin_token).await;
    let (_, responder) = app.create_user(AccountRole::Responder).await;
    let (forbidden, _, _) = app
        .post(
            "/api/v1/postmortem-policy/replay",
            &responder,
            &json!({"policy": policy}),
        )
        .await;

    // Assert: one more would be required; nothing was saved.
    assert_eq!(s, StatusCode::OK, "{replay}");
    assert_eq!(replay["incidents"], 2);
    assert_eq!(
        (
            replay["required_now"].as_i64(),
            replay["required_proposed"].as_i64()
        ),
        (Some(1), Some(2))
    );
    assert_eq!(replay["newly_required"], 1);
    let changed: Vec<&Value> = replay["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["changed"] == true)
        .collect();
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0]["title"], "Slow reports");
    assert_eq!(saved["severity_threshold"], "SEV2");
    assert_eq!(forbidden, StatusCode::FORBIDDEN);
}

async fn an_attachment_uploaded_through_one_server_is_served_by_another(app: &TestApp) {
    // Arrange: a second server on the same database.
    let inc = app
        .declare(
            &app.admin_token,
            &json!({"title": "Graphs", "severity": "SEV2"}),
        )
        .await;
    let r = inc["reference"].as_str().unwrap();
    let other = crate::harness::ServerProcess::start(app.database_url()).await;
    let png: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();

    // Act: upload through this server, download through the other.
    let up = app
        .client
        .post(app.url(&format!(
            "/api/v1/incidents/{r}/attachments?filename=latency.png"
        )))
        .bearer_auth(&app.admin_token)
        .header("content-type", "image/png")
        .body(png.clone())
        .send()
        .await
        .expect("upload");
    let status = up.status();
    let created: Value = up.json().await.expect("JSON");
    let down = app
        .client
        .get(format!(
            "{}{}",
            other.address,
            created["url"].as_str().unwrap()
        ))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .expect("download");
    let bad = app
        .client
        .post(app.url(&format!("/api/v1/incidents/{r}/attachments?filename=x.exe")))
        .bearer_auth(&app.admin_token)
        .header("content-type", "application/x-msdownload")
        .body(vec![1u8, 2, 3])
        .send()
        .await
        .expect("upload");

    // Assert
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(down.status(), StatusCode::OK);
    assert_eq!(down.headers()["content-type"], "image/png");
    assert_eq!(down.bytes().await.expect("bytes").to_vec(), png);
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    other.kill_9().await;
}

e2e_test!(a_changed_policy_is_replayed_over_the_last_90_days_before_saving);
e2e_test!(an_attachment_uploaded_through_one_server_is_served_by_another);
