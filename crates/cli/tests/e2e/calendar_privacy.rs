//! Private stays private in calendars (issue 9.6): a viewer invited to a private incident's
//! meeting, or to a public one's that is made private later, sees it in their calendar feed and
//! invitation e-mail only as "Private incident meeting", with no title, link or location, while
//! a participant sees everything.

use crate::harness::{Backend, SmtpSink, TestApp, header, spawn_app_with};
use debrief_core::access::AccountRole;
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;

async fn feed_of(app: &TestApp, token: &str) -> String {
    let (s, _, feed) = app
        .post("/api/v1/me/calendar-feed", token, &json!({}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{feed}");
    let url = feed["url"].as_str().expect("a feed URL");
    let res = app.client.get(url).send().await.expect("the feed");
    assert_eq!(res.status(), StatusCode::OK);
    res.text().await.expect("feed text").replace("\r\n ", "")
}

async fn meeting(app: &TestApp, r: &str, attendee: i64, room: &str) -> serde_json::Value {
    let (s, _, m) = app
        .post(
            &format!("/api/v1/incidents/{r}/meetings"),
            &app.admin_token,
            &json!({"kind": "review", "starts_at": "2030-01-08T14:00:00Z", "duration_minutes": 30,
                    "location": format!("https://meet.example.com/{room}"), "attendee_ids": [attendee]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    m
}

async fn a_private_meeting_shows_to_outsiders_without_title_or_link(backend: Backend) {
    // Arrange: an SMTP sink, a viewer who takes no part, a private and a public incident.
    let sink = SmtpSink::start(None).await;
    let smtp = sink.url(None);
    let app = spawn_app_with(backend, |c| {
        c.jobs.poll_interval = Duration::from_millis(100);
        c.smtp = Some(
            debrief_server::jobs::SmtpConfig::parse(&smtp, "Debrief <debrief@example.com>")
                .expect("SMTP"),
        );
    })
    .await;
    let (viewer, viewer_token) = app.create_user(AccountRole::Viewer).await;
    let private = app
        .declare(
            &app.admin_token,
            &json!({"title": "Signing key exposed", "severity": "SEV1", "private": true}),
        )
        .await;
    let private = private["reference"].as_str().unwrap().to_string();
    let public = app
        .declare(
            &app.admin_token,
            &json!({"title": "Checkout latency", "severity": "SEV2"}),
        )
        .await;
    let public = public["reference"].as_str().unwrap().to_string();

    // Act: the viewer is invited to both; then the public incident is made private.
    let hidden = meeting(&app, &private, viewer.id, "secret-room").await;
    meeting(&app, &public, viewer.id, "open-room").await;
    let before = feed_of(&app, &viewer_token).await;
    let (s, _, body) = app
        .patch(
            &format!("/api/v1/incidents/{public}"),
            &app.admin_token,
            &json!({"private": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let after = feed_of(&app, &viewer_token).await;
    let admin_feed = feed_of(&app, &app.admin_token).await;
    let mails = sink.wait_for(3, Duration::from_secs(15)).await;
    let direct = app
        .get(&format!("/api/v1/meetings/{}", hidden["id"]), &viewer_token)
        .await
        .0;

    // Assert: the private incident's meeting is there for the viewer, but only as a private
    // meeting; the public one shows until it is made private.
    assert_eq!(direct, StatusCode::NOT_FOUND);
    assert_eq!(before.matches("BEGIN:VEVENT").count(), 2, "{before}");
    assert!(
        before.contains("SUMMARY:Private incident meeting"),
        "{before}"
    );
    assert!(before.contains("Checkout latency"), "{before}");
    for leak in ["Signing key exposed", "secret-room", &private] {
        assert!(!before.contains(leak), "{leak} leaked: {before}");
    }
    assert_eq!(
        after.matches("SUMMARY:Private incident meeting").count(),
        2,
        "{after}"
    );
    for leak in [
        "Signing key exposed",
        "Checkout latency",
        "secret-room",
        "open-room",
        &private,
        &public,
    ] {
        assert!(!after.contains(leak), "{leak} leaked after: {after}");
    }
    assert!(admin_feed.contains("Signing key exposed"), "{admin_feed}");
    // E-mail: three invitations; the viewer's for the private incident says nothing of it.
    let raw = |m: &serde_json::Value| m["raw"].as_str().unwrap_or("").to_string();
    assert_eq!(mails.len(), 3, "{mails:#?}");
    let private_mail = mails
        .iter()
        .find(|m| header(m, "Subject").is_some_and(|s| s.contains("Private incident meeting")))
        .expect("a private invitation");
    assert!(
        header(private_mail, "To").is_some_and(|t| t.contains(&viewer.email)),
        "{private_mail}"
    );
    for leak in ["Signing key exposed", "secret-room", &private] {
        assert!(!raw(private_mail).contains(leak), "{leak}: {private_mail}");
    }
    let full = mails
        .iter()
        .find(|m| header(m, "Subject").is_some_and(|s| s.contains("Signing key exposed")))
        .expect("the organiser's invitation");
    assert!(
        header(full, "To").is_some_and(|t| !t.contains(&viewer.email)),
        "{full}"
    );
    app.close().await;
}

crate::e2e_test!(
    a_private_meeting_shows_to_outsiders_without_title_or_link,
    backend
);
