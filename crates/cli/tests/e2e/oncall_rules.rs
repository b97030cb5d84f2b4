//! The on-call rules of issue 12 through the API, with time moved: who is on call around DST
//! changes and over ranges; escalation with repeats, schedule targets, a DST change in the
//! middle, and an acknowledgement exactly at a level's instant (nothing due then is sent).

use crate::e2e_test;
use crate::harness::TestApp;
use debrief_core::Timestamp;
use debrief_core::access::AccountRole;
use jiff::SignedDuration;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn t(s: &str) -> Timestamp {
    s.parse().expect("an instant")
}

async fn on_call(app: &TestApp, schedule: &Value, at: &str) -> Value {
    let (s, _, v) = app
        .get(
            &format!("/api/v1/schedules/{}/on-call?at={at}", schedule["id"]),
            &app.admin_token,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["user_id"].clone()
}

async fn who_is_on_call_around_dst_changes(app: &TestApp) {
    // Arrange: Berlin, daily handoff at 02:30 local (a time that does not exist on
    // 2026-03-29); New York weekly at 01:30 (ambiguous on 2026-11-01); Lord Howe (30-minute
    // DST shift) every 12 absolute hours; an override on top of Berlin.
    let (a, a_token) = app.create_user(AccountRole::Responder).await;
    let (b, _) = app.create_user(AccountRole::Responder).await;
    let (c, _) = app.create_user(AccountRole::Responder).await;
    let berlin = app
        .create_schedule(&json!({"name": "Berlin", "time_zone": "Europe/Berlin",
            "layers": [{"participants": [a.id, b.id], "rotation": "daily",
                        "start": "2026-03-27T02:30:00"}]}))
        .await;
    let ny = app
        .create_schedule(&json!({"name": "New York", "time_zone": "America/New_York",
            "layers": [{"participants": [a.id, b.id], "rotation": "weekly",
                        "start": "2026-10-25T01:30:00"}]}))
        .await;
    let lord_howe = app
        .create_schedule(
            &json!({"name": "Lord Howe", "time_zone": "Australia/Lord_Howe",
            "layers": [{"participants": [a.id, b.id, c.id], "rotation": "hours:12",
                        "start": "2026-04-04T12:00:00"}]}),
        )
        .await;

    // Assert: Berlin. Turn 0 (a) from 03-27 01:30Z, turn 1 (b) from 03-28 01:30Z, turn 2 (a)
    // at 02:30 on 03-29, which does not exist: 03:00 CEST, 01:00Z (a 23.5-hour turn).
    assert_eq!(
        on_call(app, &berlin, "2026-03-27T01:29:59Z").await,
        Value::Null
    );
    assert_eq!(on_call(app, &berlin, "2026-03-27T01:30:00Z").await, a.id);
    assert_eq!(on_call(app, &berlin, "2026-03-28T01:30:00Z").await, b.id);
    assert_eq!(
        on_call(app, &berlin, "2026-03-29T00:59:59.999Z").await,
        b.id
    );
    assert_eq!(on_call(app, &berlin, "2026-03-29T01:00:00Z").await, a.id);
    assert_eq!(on_call(app, &berlin, "2026-03-30T00:30:00Z").await, b.id);
    // New York: 01:30 on 11-01 happens twice; the earlier (EDT, 05:30Z) is the handoff.
    assert_eq!(on_call(app, &ny, "2026-11-01T05:29:59Z").await, a.id);
    assert_eq!(on_call(app, &ny, "2026-11-01T05:30:00Z").await, b.id);
    // Lord Howe: DST ends 2026-04-05 02:00 (+11) → 01:30 (+10:30), at 15:00Z on 04-04. Turns
    // count absolute hours from 04-04 12:00 +11 (01:00Z): 13:00Z to b, 04-05 01:00Z to c,
    // 13:00Z to a, whatever the local clock did in between.
    assert_eq!(on_call(app, &lord_howe, "2026-04-04T12:59:59Z").await, a.id);
    assert_eq!(on_call(app, &lord_howe, "2026-04-04T13:00:00Z").await, b.id);
    assert_eq!(on_call(app, &lord_howe, "2026-04-05T01:00:00Z").await, c.id);
    assert_eq!(on_call(app, &lord_howe, "2026-04-05T13:00:00Z").await, a.id);

    // The iCalendar feeds of a schedule and of a user's own shifts pass the strict validator.
    for (path, token) in [
        (
            format!("/api/v1/schedules/{}/calendar.ics", berlin["id"]),
            &app.admin_token,
        ),
        ("/api/v1/users/me/shifts.ics".to_string(), &a_token),
    ] {
        let res = reqwest::Client::new()
            .get(app.url(&path))
            .bearer_auth(token)
            .send()
            .await
            .expect("a feed");
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let ics = res.text().await.expect("a calendar");
        assert!(ics.contains("BEGIN:VEVENT"), "{path}: {ics}");
        crate::reminders::validate_ics(&ics);
    }

    // Act: an override on Berlin (c), and a later one on top (b) overlapping its end.
    for (user, start, end) in [
        (c.id, "2099-01-01T00:00:00Z", "2099-01-01T06:00:00Z"),
        (b.id, "2099-01-01T04:00:00Z", "2099-01-01T08:00:00Z"),
    ] {
        let (s, _, v) = app
            .post(
                &format!("/api/v1/schedules/{}/overrides", berlin["id"]),
                &app.admin_token,
                &json!({"user": user, "start": start, "end": end}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }

    // Assert: the final schedule of that day, merged and clipped.
    let (s, _, f) = app
        .get(
            &format!(
                "/api/v1/schedules/{}/final?from=2098-12-31T23:00:00Z&to=2099-01-01T10:00:00Z",
                berlin["id"]
            ),
            &app.admin_token,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{f}");
    let entries: Vec<(i64, String, String)> = f["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            (
                e["user_id"].as_i64().expect("a user"),
                e["start"].as_str().expect("a start").to_string(),
                e["end"].as_str().expect("an end").to_string(),
            )
        })
        .collect();
    // 2099-01-01 02:30 CET = 01:30Z is a handoff; layer turns alternate a/b from 2026-03-27.
    let turn = |at: &str| {
        let days = (t(at).as_second() - t("2026-03-27T01:30:00Z").as_second()) / 86_400;
        if days % 2 == 0 { a.id } else { b.id }
    };
    let before = turn("2098-12-31T23:00:00Z");
    assert_eq!(entries[0].0, before, "{entries:?}");
    assert_eq!(
        t(&entries[0].1),
        t("2098-12-31T23:00:00Z"),
        "clipped to the range"
    );
    assert_eq!(t(&entries[0].2), t("2099-01-01T00:00:00Z"));
    assert_eq!(entries[1].0, c.id);
    assert_eq!(t(&entries[1].1), t("2099-01-01T00:00:00Z"));
    assert_eq!(t(&entries[1].2), t("2099-01-01T04:00:00Z"));
    let after = turn("2099-01-01T09:00:00Z");
    if after == b.id {
        assert_eq!(entries.len(), 3, "merged across sources: {entries:?}");
        assert_eq!(t(&entries[2].2), t("2099-01-01T10:00:00Z"));
    } else {
        assert_eq!(t(&entries[2].2), t("2099-01-01T08:00:00Z"));
    }
    assert_eq!(entries[2].0, b.id);
    assert_eq!(t(&entries[2].1), t("2099-01-01T04:00:00Z"));
    assert!(f["gaps"].as_array().expect("gaps").is_empty(), "{f}");
}

e2e_test!(who_is_on_call_around_dst_changes);

async fn preview(app: &TestApp, policy: &Value, body: Value) -> Vec<(Timestamp, Vec<i64>)> {
    let (s, _, v) = app
        .post(
            &format!("/api/v1/escalation-policies/{}/preview", policy["id"]),
            &app.admin_token,
            &body,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["firings"]
        .as_array()
        .expect("firings")
        .iter()
        .map(|f| {
            (
                t(f["at"].as_str().expect("a time")),
                f["users"]
                    .as_array()
                    .expect("users")
                    .iter()
                    .map(|u| u.as_i64().expect("an id"))
                    .collect(),
            )
        })
        .collect()
}

async fn escalation_with_repeats_schedules_dst_and_exact_acknowledgement(app: &TestApp) {
    // Arrange: a Berlin schedule handing over daily at 03:00 local (a on 03-28, b on 03-29,
    // from 03:00 CEST = 01:00Z, after the spring-forward gap); a schedule with nobody on call;
    // a policy of two levels (5 and 10 minutes) repeated twice.
    let (a, _) = app.create_user(AccountRole::Responder).await;
    let (b, _) = app.create_user(AccountRole::Responder).await;
    let (boss, _) = app.create_user(AccountRole::Responder).await;
    let day = app
        .create_schedule(&json!({"name": "Berlin days", "time_zone": "Europe/Berlin",
            "layers": [{"participants": [a.id, b.id], "rotation": "daily",
                        "start": "2026-03-28T03:00:00"}]}))
        .await;
    let empty = app
        .create_schedule(&json!({"name": "Nobody yet", "time_zone": "UTC",
            "layers": [{"participants": [boss.id], "rotation": "weekly",
                        "start": "2030-01-01T00:00:00"}]}))
        .await;
    let policy = app
        .create_policy(&json!({"name": "Repeats", "repeat": 2, "levels": [
            {"targets": [{"type": "schedule", "id": day["id"]}], "delay_minutes": 5},
            {"targets": [{"type": "schedule", "id": empty["id"]},
                         {"type": "user", "id": boss.id}], "delay_minutes": 10}]}))
        .await;
    assert!(
        policy["warnings"]
            .as_array()
            .expect("warnings")
            .iter()
            .any(|w| w.as_str().unwrap_or("").contains("Nobody yet")),
        "an admin is warned of the schedule with nobody on call: {policy}"
    );

    // Assert: the preview, opened at 00:58Z on the DST day: level 1 asks the schedule at
    // 00:58Z (a), 01:03Z... one pass is 15 minutes; passes at 00:58, 01:13, 01:28.
    let all = preview(app, &policy, json!({"opened_at": "2026-03-29T00:58:00Z"})).await;
    assert_eq!(
        all,
        vec![
            (t("2026-03-29T00:58:00Z"), vec![a.id]),
            (t("2026-03-29T01:03:00Z"), vec![boss.id]),
            (t("2026-03-29T01:13:00Z"), vec![b.id]),
            (t("2026-03-29T01:18:00Z"), vec![boss.id]),
            (t("2026-03-29T01:28:00Z"), vec![b.id]),
            (t("2026-03-29T01:33:00Z"), vec![boss.id]),
        ]
    );
    // Acknowledged exactly at the second pass's level 1 (01:13Z): that firing is not sent.
    let acked = preview(
        app,
        &policy,
        json!({"opened_at": "2026-03-29T00:58:00Z", "acknowledged_at": "2026-03-29T01:13:00Z"}),
    )
    .await;
    assert_eq!(acked.len(), 2, "{acked:?}");

    // Act: the same for real, on the moved clock: open at 00:58Z, move to exactly 01:13Z,
    // acknowledge there, then let an hour pass.
    app.clock().set(t("2026-03-29T00:58:00Z"));
    let (s, _, page) = app
        .post(
            "/api/v1/pages",
            &app.admin_token,
            &json!({"title": "Checkout down", "policy_id": policy["id"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{page}");
    let id = page["id"].as_i64().expect("an id");
    app.advance(SignedDuration::from_mins(15)).await;
    let (s, _, acked) = app
        .post(
            &format!("/api/v1/pages/{id}/acknowledge"),
            &app.admin_token,
            &json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{acked}");
    assert_eq!(
        t(acked["acknowledged_at"].as_str().expect("a time")),
        t("2026-03-29T01:13:00Z")
    );
    for _ in 0..6 {
        app.advance(SignedDuration::from_mins(10)).await;
    }

    // Assert: level 1 (a) and level 2 (boss; the empty schedule notified nobody), no more.
    let p = app.page(id).await;
    let fired: Vec<(String, Value, String)> = p["firings"]
        .as_array()
        .expect("firings")
        .iter()
        .map(|f| {
            (
                f["at"].as_str().unwrap_or("").to_string(),
                f["users"].clone(),
                f["note"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(fired.len(), 2, "{fired:?}");
    assert_eq!(fired[0].1, json!([a.id]));
    assert_eq!(fired[1].1, json!([boss.id]));
    assert!(
        fired[1].2.contains("nobody on call in 'Nobody yet'"),
        "{fired:?}"
    );
    assert_eq!(p["status"], "acknowledged");
}

e2e_test!(
    escalation_with_repeats_schedules_dst_and_exact_acknowledgement,
    manual_clock
);

async fn bad_schedules_and_policies_are_refused_naming_the_field(app: &TestApp) {
    let (a, _) = app.create_user(AccountRole::Responder).await;
    for (body, field) in [
        (
            json!({"name": "x", "time_zone": "Mars/Olympus", "layers": [
            {"participants": [a.id], "rotation": "daily", "start": "2026-01-01T00:00:00"}]}),
            "time_zone",
        ),
        (
            json!({"name": "x", "time_zone": "UTC", "layers": [
            {"participants": [999_999], "rotation": "daily", "start": "2026-01-01T00:00:00"}]}),
            "layers[0].participants[0]",
        ),
        (
            json!({"name": "x", "time_zone": "UTC", "layers": [
            {"participants": [a.id], "rotation": "hours:0", "start": "2026-01-01T00:00:00"}]}),
            "layers[0].rotation",
        ),
        (
            json!({"name": "x", "time_zone": "UTC", "layers": []}),
            "layers",
        ),
    ] {
        let (s, _, v) = app.post("/api/v1/schedules", &app.admin_token, &body).await;
        assert!(s.is_client_error(), "{body}: {s} {v}");
        assert!(v.to_string().contains(field), "{field} named: {v}");
    }
    let (s, _, v) = app
        .post(
            "/api/v1/escalation-policies",
            &app.admin_token,
            &json!({"name": "p", "levels": [{"targets": [{"type": "schedule", "id": 424242}],
                                              "delay_minutes": 0}]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v.to_string().contains("levels[0].delay_minutes"), "{v}");
    assert!(v.to_string().contains("levels[0].targets[0]"), "{v}");
    let (s, _, v) = app.get("/api/v1/schedules", &app.admin_token).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["items"], json!([]), "nothing was stored");
}

e2e_test!(bad_schedules_and_policies_are_refused_naming_the_field);
