//! Integration keys are rotated with an overlap (issue 11): during the overlap the old and the
//! new key both work, so senders can be moved one by one; after it, the old key is refused as
//! an unknown one (PagerDuty: 400 "Invalid routing key"; bearer and GenieKey endpoints: 401).
//! Time is moved on the server's manual clock, not waited for.

use crate::alerts_replay::{keyed, refused, send_json};
use crate::e2e_test;
use crate::harness::{Integration, TestApp, st};
use debrief_core::access::AccountRole;
use reqwest::Method;
use serde_json::{Value, json};

/// A PagerDuty trigger for `key` with the dedup key `rotating`.
fn pd_trigger(key: &str) -> String {
    json!({"routing_key": key, "event_action": "trigger", "dedup_key": "rotating",
           "payload": {"summary": "queue backlog", "source": "worker-3", "severity": "warning"}})
    .to_string()
}

/// An Alertmanager notification with one firing alert `fp`.
fn am_firing() -> String {
    json!({"receiver": "debrief", "status": "firing", "version": "4",
           "groupKey": "{}:{alertname=\"QueueBacklog\"}", "truncatedAlerts": 0,
           "groupLabels": {"alertname": "QueueBacklog"}, "commonLabels": {}, "commonAnnotations": {},
           "externalURL": "http://127.0.0.1:9093",
           "alerts": [{"status": "firing", "labels": {"alertname": "QueueBacklog", "severity": "warning"},
                       "annotations": {"summary": "queue backlog"},
                       "startsAt": "2026-11-21T09:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
                       "generatorURL": "", "fingerprint": "0123456789abcdef"}]})
    .to_string()
}

/// Rotates an integration's key with `overlap` minutes; returns the new key.
async fn rotate(app: &TestApp, i: &Integration, overlap: i64) -> String {
    let (s, _, body) = app
        .post(
            &format!("/api/v1/integrations/{}/rotate", i.id),
            &app.admin_token,
            &json!({"overlap_minutes": overlap}),
        )
        .await;
    assert_eq!(s, 200, "rotate: {body}");
    assert_eq!(body["integration"]["id"], i.body["id"], "{body}");
    let key = body["key"].as_str().expect("a new key").to_string();
    assert!(
        key.len() == 32 && key.bytes().all(|b| b.is_ascii_hexdigit()),
        "{body}"
    );
    assert_ne!(key, i.key, "a new key");
    assert!(
        !body.to_string().contains(&i.key),
        "the old key is not shown: {body}"
    );
    key
}

/// Sends with each key; checks each answer's status.
async fn pd_with(app: &TestApp, key: &str) -> (u16, Value) {
    send_json(app, Method::POST, "/v2/enqueue", &[], &pd_trigger(key)).await
}

async fn am_with(app: &TestApp, key: &str) -> (u16, Value) {
    let bearer = format!("Bearer {key}");
    send_json(
        app,
        Method::POST,
        "/hooks/alertmanager",
        &[("Authorization", bearer.as_str())],
        &am_firing(),
    )
    .await
}

async fn og_with(app: &TestApp, key: &str) -> (u16, Value) {
    let genie = format!("GenieKey {key}");
    send_json(
        app,
        Method::POST,
        "/v2/alerts",
        &[("Authorization", genie.as_str())],
        r#"{"message": "queue backlog", "alias": "rotating", "priority": "P4"}"#,
    )
    .await
}

async fn a_rotated_key_overlaps_then_the_old_key_is_refused(app: &TestApp) {
    // Arrange: one integration of each kind that authenticates differently.
    app.create_service("queue").await;
    let pd = app.create_integration("queue", "pagerduty", "pd").await;
    let am = app.create_integration("queue", "alertmanager", "am").await;
    let og = app.create_integration("queue", "opsgenie", "og").await;

    // Act: rotate each with an hour's overlap.
    let pd_new = rotate(app, &pd, 60).await;
    let am_new = rotate(app, &am, 60).await;
    let og_new = rotate(app, &og, 60).await;

    // Assert: both keys work during the overlap, and reach the same integration's alerts.
    for key in [&pd.key, &pd_new] {
        let (s, answer) = pd_with(app, key).await;
        assert_eq!(s, 202, "{answer}");
    }
    assert_eq!(keyed(app, &pd, "rotating").await, st(&[("triggered", 2)]));
    for key in [&am.key, &am_new] {
        let (s, answer) = am_with(app, key).await;
        assert_eq!(s, 202, "{answer}");
    }
    assert_eq!(
        keyed(app, &am, "0123456789abcdef").await,
        st(&[("triggered", 2)])
    );
    for key in [&og.key, &og_new] {
        let (s, answer) = og_with(app, key).await;
        assert_eq!(s, 202, "{answer}");
    }
    app.settle().await;
    assert_eq!(keyed(app, &og, "rotating").await, st(&[("triggered", 2)]));

    // Act: an hour and a minute later.
    app.advance(jiff::SignedDuration::from_mins(61)).await;

    // Assert: the old keys are refused (changing nothing), the new ones work.
    let answer = refused(
        app,
        "the old PagerDuty key",
        400,
        "/v2/enqueue",
        &[],
        &pd_trigger(&pd.key),
    )
    .await;
    assert!(
        answer["errors"]
            .as_array()
            .is_some_and(|e| e.iter().any(|x| x
                .as_str()
                .is_some_and(|x| x.contains("Invalid routing key")))),
        "{answer}"
    );
    let old_am = format!("Bearer {}", am.key);
    refused(
        app,
        "the old Alertmanager key",
        401,
        "/hooks/alertmanager",
        &[("Authorization", old_am.as_str())],
        &am_firing(),
    )
    .await;
    let old_og = format!("GenieKey {}", og.key);
    refused(
        app,
        "the old Opsgenie key",
        401,
        "/v2/alerts",
        &[("Authorization", old_og.as_str())],
        r#"{"message": "queue backlog", "alias": "rotating"}"#,
    )
    .await;
    assert_eq!(pd_with(app, &pd_new).await.0, 202);
    assert_eq!(am_with(app, &am_new).await.0, 202);
    assert_eq!(og_with(app, &og_new).await.0, 202);
    app.settle().await;
    assert_eq!(keyed(app, &pd, "rotating").await, st(&[("triggered", 3)]));
    assert_eq!(
        keyed(app, &am, "0123456789abcdef").await,
        st(&[("triggered", 3)])
    );
    assert_eq!(keyed(app, &og, "rotating").await, st(&[("triggered", 3)]));
}

e2e_test!(
    a_rotated_key_overlaps_then_the_old_key_is_refused,
    manual_clock
);

async fn a_rotation_without_overlap_refuses_the_old_key_at_once(app: &TestApp) {
    // Arrange
    app.create_service("queue").await;
    let pd = app.create_integration("queue", "pagerduty", "pd").await;
    let (_, responder) = app.create_user(AccountRole::Responder).await;

    // Act: a responder may not rotate; an unknown integration is not found; an admin rotates.
    let path = format!("/api/v1/integrations/{}/rotate", pd.id);
    let (s, _, body) = app
        .post(&path, &responder, &json!({"overlap_minutes": 0}))
        .await;
    assert_eq!(s, 403, "{body}");
    assert_eq!(pd_with(app, &pd.key).await.0, 202, "the key still works");
    let (s, _, body) = app
        .post(
            "/api/v1/integrations/999999/rotate",
            &app.admin_token,
            &json!({"overlap_minutes": 0}),
        )
        .await;
    assert_eq!(s, 404, "{body}");
    let (s, _, body) = app
        .post(&path, &app.admin_token, &json!({"overlap_minutes": -5}))
        .await;
    assert!(
        matches!(s.as_u16(), 400 | 422),
        "a negative overlap is refused: {s} {body}"
    );
    let new = rotate(app, &pd, 0).await;

    // Assert
    let (s, answer) = pd_with(app, &pd.key).await;
    assert_eq!(s, 400, "{answer}");
    assert_eq!(pd_with(app, &new).await.0, 202);
}

e2e_test!(
    a_rotation_without_overlap_refuses_the_old_key_at_once,
    manual_clock
);

async fn a_disabled_integration_refuses_its_key_until_enabled(app: &TestApp) {
    // Arrange
    app.create_service("queue").await;
    let pd = app.create_integration("queue", "pagerduty", "pd").await;
    let am = app.create_integration("queue", "alertmanager", "am").await;
    let set = |i: &Integration, disabled: bool| {
        let path = format!("/api/v1/integrations/{}", i.id);
        async move {
            let (s, _, body) = app
                .patch(&path, &app.admin_token, &json!({"disabled": disabled}))
                .await;
            assert_eq!(s, 200, "{body}");
        }
    };

    // Act: disable both.
    set(&pd, true).await;
    set(&am, true).await;

    // Assert: refused as unknown keys, changing nothing; enabled again, they work.
    let answer = refused(
        app,
        "a disabled PagerDuty integration",
        400,
        "/v2/enqueue",
        &[],
        &pd_trigger(&pd.key),
    )
    .await;
    assert!(
        answer.to_string().contains("Invalid routing key"),
        "{answer}"
    );
    let bearer = format!("Bearer {}", am.key);
    refused(
        app,
        "a disabled Alertmanager integration",
        401,
        "/hooks/alertmanager",
        &[("Authorization", bearer.as_str())],
        &am_firing(),
    )
    .await;
    set(&pd, false).await;
    set(&am, false).await;
    assert_eq!(pd_with(app, &pd.key).await.0, 202);
    assert_eq!(am_with(app, &am.key).await.0, 202);
}

e2e_test!(a_disabled_integration_refuses_its_key_until_enabled);
