//! Real answers of the on-call `/api/v1` routes (schedules, overrides and swaps, who is on
//! call, final schedules, escalation policies and previews, each service's policy, pages,
//! notification settings, push subscriptions, shifts and iCalendar feeds), successes and
//! problems alike, checked against the schemas the OpenAPI document gives for them.

use crate::harness::TestApp;
use crate::openapi::{conforms, document};
use debrief_core::access::AccountRole;
use jiff::{SignedDuration, Timestamp};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// An instant `hours` from now, as the API takes it.
fn in_hours(hours: i64) -> String {
    (Timestamp::now() + SignedDuration::from_hours(hours)).to_string()
}

/// A schedule, a policy paging it, a service with that policy, a page opened, acknowledged
/// and resolved, and everything read on the way: each answer conforms to its documented schema.
async fn on_call_answers_conform_to_the_documented_schemas(app: &TestApp) {
    // Arrange: two responders on call, a viewer, a team and a service.
    let doc = document(app).await;
    let t = app.admin_token.clone();
    let (ada, ada_t) = app.create_user(AccountRole::Responder).await;
    let (bob, bob_t) = app.create_user(AccountRole::Responder).await;
    let (_, viewer) = app.create_user(AccountRole::Viewer).await;
    let c = |m: &str, p: &str, a: &(StatusCode, HeaderMap, Value)| conforms(&doc, m, p, a);
    let put = |path: String, token: String, body: Value| async move {
        app.request(Method::PUT, &path, Some(&token), Some(&body))
            .await
    };
    app.post(
        "/api/v1/teams",
        &t,
        &json!({"slug": "payments", "name": "Payments"}),
    )
    .await;
    app.post(
        "/api/v1/services",
        &t,
        &json!({"slug": "api", "name": "API", "team": "payments"}),
    )
    .await;

    // Act and assert: schedules.
    let schedule_body = json!({"name": "Payments primary", "time_zone": "Europe/Berlin",
        "team": "payments", "description": "Week by week",
        "layers": [{"participants": [ada.email, bob.id], "rotation": "weekly",
                    "start": "2026-01-05T09:00:00",
                    "restrictions": []}]});
    let created = app.post("/api/v1/schedules", &t, &schedule_body).await;
    assert_eq!(created.0, StatusCode::CREATED, "{}", created.2);
    c("post", "/api/v1/schedules", &created);
    let sid = created.2["id"].as_i64().expect("a schedule id");
    let schedule = format!("/api/v1/schedules/{sid}");
    assert!(created.2["on_call_now"]["id"].is_i64(), "{}", created.2);
    let taken = app.post("/api/v1/schedules", &t, &schedule_body).await;
    assert_eq!(taken.0, StatusCode::CONFLICT, "{}", taken.2);
    c("post", "/api/v1/schedules", &taken);
    for (body, token, status) in [
        (
            json!({"name": "x", "time_zone": "Mars/Base", "layers": []}),
            t.clone(),
            422,
        ),
        (
            json!({"name": "x", "time_zone": "UTC", "layers": [{"participants": ["nobody@example.com"],
                "rotation": "daily", "start": "2026-01-05T09:00:00"}]}),
            t.clone(),
            404,
        ),
        (
            json!({"name": "x", "time_zone": "UTC", "layers": [], "colour": "red"}),
            t.clone(),
            422,
        ),
        (
            json!({"name": "x", "time_zone": "UTC", "layers": []}),
            ada_t.clone(),
            403,
        ),
    ] {
        let answer = app.post("/api/v1/schedules", &token, &body).await;
        assert_eq!(answer.0.as_u16(), status, "{body}: {}", answer.2);
        c("post", "/api/v1/schedules", &answer);
    }
    c(
        "get",
        "/api/v1/schedules",
        &app.get("/api/v1/schedules", &viewer).await,
    );
    c(
        "get",
        "/api/v1/schedules/{id}",
        &app.get(&schedule, &viewer).await,
    );
    c(
        "get",
        "/api/v1/schedules/{id}",
        &app.get("/api/v1/schedules/999", &viewer).await,
    );
    let updated = put(schedule.clone(), t.clone(), schedule_body.clone()).await;
    assert_eq!(updated.0, StatusCode::OK, "{}", updated.2);
    c("put", "/api/v1/schedules/{id}", &updated);
    let on_call = app.get(&format!("{schedule}/on-call"), &viewer).await;
    assert!(on_call.2["user_id"].is_i64(), "{}", on_call.2);
    c("get", "/api/v1/schedules/{id}/on-call", &on_call);
    c(
        "get",
        "/api/v1/schedules/{id}/on-call",
        &app.get(&format!("{schedule}/on-call?at=yesterday"), &viewer)
            .await,
    );
    let final_schedule = app
        .get(
            &format!("{schedule}/final?from=2026-03-20T00:00:00Z&to=2026-04-10T00:00:00Z"),
            &viewer,
        )
        .await;
    assert!(
        final_schedule.2["entries"]
            .as_array()
            .is_some_and(|e| e.len() >= 3),
        "{}",
        final_schedule.2
    );
    c("get", "/api/v1/schedules/{id}/final", &final_schedule);
    c(
        "get",
        "/api/v1/schedules/{id}/final",
        &app.get(&format!("{schedule}/final?days=3"), &viewer).await,
    );
    c(
        "get",
        "/api/v1/schedules/{id}/final",
        &app.get("/api/v1/schedules/999/final", &viewer).await,
    );

    // Act and assert: overrides and swaps.
    let overrides = "/api/v1/schedules/{id}/overrides";
    let added = app
        .post(
            &format!("{schedule}/overrides"),
            &bob_t,
            &json!({"user": bob.email, "start": in_hours(1), "end": in_hours(3),
                    "replaces": ada.id, "note": "dentist"}),
        )
        .await;
    assert_eq!(added.0, StatusCode::CREATED, "{}", added.2);
    c("post", overrides, &added);
    let past = app
        .post(
            &format!("{schedule}/overrides"),
            &bob_t,
            &json!({"user": bob.id, "start": "2020-01-01T00:00:00Z", "end": "2020-01-02T00:00:00Z"}),
        )
        .await;
    assert_eq!(past.0, StatusCode::UNPROCESSABLE_ENTITY, "{}", past.2);
    c("post", overrides, &past);
    c(
        "post",
        overrides,
        &app.post(
            &format!("{schedule}/overrides"),
            &viewer,
            &json!({"user": bob.id, "start": in_hours(1), "end": in_hours(2)}),
        )
        .await,
    );
    c(
        "get",
        overrides,
        &app.get(&format!("{schedule}/overrides"), &viewer).await,
    );
    c(
        "get",
        overrides,
        &app.get(
            &format!("{schedule}/overrides?from=2026-01-01T00:00:00Z&to=2027-06-01T00:00:00Z"),
            &viewer,
        )
        .await,
    );
    let swapped = app
        .post(
            &format!("{schedule}/swaps"),
            &ada_t,
            &json!({"a": {"user": ada.id, "start": in_hours(200), "end": in_hours(201)},
                    "b": {"user": bob.email, "start": in_hours(300), "end": in_hours(301)},
                    "note": "holiday"}),
        )
        .await;
    assert_eq!(swapped.0, StatusCode::CREATED, "{}", swapped.2);
    c("post", "/api/v1/schedules/{id}/swaps", &swapped);
    let same = app
        .post(
            &format!("{schedule}/swaps"),
            &ada_t,
            &json!({"a": {"user": ada.id, "start": in_hours(200), "end": in_hours(201)},
                    "b": {"user": ada.id, "start": in_hours(300), "end": in_hours(301)}}),
        )
        .await;
    assert_eq!(same.0, StatusCode::UNPROCESSABLE_ENTITY, "{}", same.2);
    c("post", "/api/v1/schedules/{id}/swaps", &same);
    let one = "/api/v1/schedules/{id}/overrides/{override_id}";
    let remove = format!("{schedule}/overrides/{}", swapped.2["items"][0]["id"]);
    c("delete", one, &app.delete(&remove, &viewer).await);
    let removed = app.delete(&remove, &ada_t).await;
    assert_eq!(removed.0, StatusCode::NO_CONTENT, "{}", removed.2);
    c("delete", one, &removed);
    c("delete", one, &app.delete(&remove, &ada_t).await);
    let ics = app.get(&format!("{schedule}/calendar.ics"), &viewer).await;
    assert_eq!(ics.0, StatusCode::OK, "{}", ics.2);
    c("get", "/api/v1/schedules/{id}/calendar.ics", &ics);

    // Act and assert: escalation policies and a service's policy.
    let policy_body = json!({"name": "API", "team": "payments",
        "levels": [{"targets": [{"type": "schedule", "id": sid}], "delay_minutes": 5},
                   {"targets": [{"type": "user", "id": app.admin.id}], "delay_minutes": 10}],
        "repeat": 1});
    let policy = app
        .post("/api/v1/escalation-policies", &t, &policy_body)
        .await;
    assert_eq!(policy.0, StatusCode::CREATED, "{}", policy.2);
    c("post", "/api/v1/escalation-policies", &policy);
    let pid = policy.2["id"].as_i64().expect("a policy id");
    let policy_path = format!("/api/v1/escalation-policies/{pid}");
    for (body, token, status) in [
        (json!({"name": "Empty", "levels": []}), t.clone(), 422),
        (
            json!({"name": "Loud", "levels": [{"targets": [{"type": "user", "id": 999}], "delay_minutes": 5}]}),
            t.clone(),
            404,
        ),
        (
            json!({"name": "Mine", "levels": [{"targets": [{"type": "user", "id": ada.id}], "delay_minutes": 5}]}),
            ada_t.clone(),
            403,
        ),
    ] {
        let answer = app.post("/api/v1/escalation-policies", &token, &body).await;
        assert_eq!(answer.0.as_u16(), status, "{body}: {}", answer.2);
        c("post", "/api/v1/escalation-policies", &answer);
    }
    c(
        "get",
        "/api/v1/escalation-policies",
        &app.get("/api/v1/escalation-policies", &viewer).await,
    );
    c(
        "get",
        "/api/v1/escalation-policies/{id}",
        &app.get(&policy_path, &viewer).await,
    );
    c(
        "put",
        "/api/v1/escalation-policies/{id}",
        &put(policy_path.clone(), t.clone(), policy_body.clone()).await,
    );
    let preview = app
        .post(
            &format!("{policy_path}/preview"),
            &viewer,
            &json!({"opened_at": in_hours(1), "acknowledged_at": in_hours(2)}),
        )
        .await;
    assert_eq!(preview.0, StatusCode::OK, "{}", preview.2);
    assert!(
        preview.2["firings"]
            .as_array()
            .is_some_and(|f| !f.is_empty()),
        "{}",
        preview.2
    );
    c("post", "/api/v1/escalation-policies/{id}/preview", &preview);
    let backwards = app
        .post(
            &format!("{policy_path}/preview"),
            &viewer,
            &json!({"opened_at": in_hours(2), "acknowledged_at": in_hours(1)}),
        )
        .await;
    // An acknowledgement before the opening contradicts it (409), like other times out of order.
    assert_eq!(backwards.0, StatusCode::CONFLICT, "{}", backwards.2);
    c(
        "post",
        "/api/v1/escalation-policies/{id}/preview",
        &backwards,
    );
    let in_use = app.delete(&schedule, &t).await;
    assert_eq!(in_use.0, StatusCode::CONFLICT, "{}", in_use.2);
    c("delete", "/api/v1/schedules/{id}", &in_use);
    let service_policy = "/api/v1/services/{slug}/escalation-policy";
    c(
        "get",
        service_policy,
        &app.get("/api/v1/services/api/escalation-policy", &viewer)
            .await,
    );
    let set = put(
        "/api/v1/services/api/escalation-policy".into(),
        t.clone(),
        json!({"policy_id": pid}),
    )
    .await;
    assert_eq!(set.2["policy_id"], pid, "{}", set.2);
    c("put", service_policy, &set);
    for (slug, body, token) in [
        ("api", json!({"policy_id": pid}), ada_t.clone()),
        ("nope", json!({"policy_id": pid}), t.clone()),
        ("api", json!({"policy_id": 999}), t.clone()),
    ] {
        c(
            "put",
            service_policy,
            &put(
                format!("/api/v1/services/{slug}/escalation-policy"),
                token,
                body,
            )
            .await,
        );
    }

    // Act and assert: who is on call, settings, notification rules.
    let now = app.get("/api/v1/on-call", &viewer).await;
    assert_eq!(now.2["services"][0]["slug"], "api", "{}", now.2);
    c("get", "/api/v1/on-call", &now);
    c(
        "get",
        "/api/v1/on-call",
        &app.get("/api/v1/on-call?at=2026-03-29T01:30:00Z", &viewer)
            .await,
    );
    c(
        "get",
        "/api/v1/on-call",
        &app.get("/api/v1/on-call?when=now", &viewer).await,
    );
    c(
        "get",
        "/api/v1/on-call/settings",
        &app.get("/api/v1/on-call/settings", &viewer).await,
    );
    let settings = "/api/v1/on-call/settings";
    for (body, token) in [
        (json!({"page_declared_at": "SEV1"}), t.clone()),
        (json!({"page_declared_at": "SEV9"}), t.clone()),
        (json!({"page_declared_at": null}), ada_t.clone()),
    ] {
        c("put", settings, &put(settings.into(), token, body).await);
    }
    c(
        "get",
        "/api/v1/on-call/unreachable",
        &app.get("/api/v1/on-call/unreachable", &t).await,
    );
    c(
        "get",
        "/api/v1/on-call/unreachable",
        &app.get("/api/v1/on-call/unreachable", &viewer).await,
    );
    let notifications = "/api/v1/users/me/notifications";
    c("get", notifications, &app.get(notifications, &ada_t).await);
    let rules = put(
        notifications.into(),
        ada_t.clone(),
        json!({"rules": [{"channel": "email", "after_minutes": 0},
                         {"channel": "ntfy", "after_minutes": 2}],
               "ntfy_url": "https://ntfy.example.com/oncall-ada"}),
    )
    .await;
    assert_eq!(rules.0, StatusCode::OK, "{}", rules.2);
    c("put", notifications, &rules);
    c(
        "put",
        notifications,
        &put(
            notifications.into(),
            ada_t.clone(),
            json!({"rules": [{"channel": "pigeon", "after_minutes": 0}]}),
        )
        .await,
    );
    c(
        "get",
        "/api/v1/users/me/shifts",
        &app.get("/api/v1/users/me/shifts", &ada_t).await,
    );
    c(
        "get",
        "/api/v1/users/me/shifts",
        &app.get("/api/v1/users/me/shifts?to=2020-01-01T00:00:00Z", &ada_t)
            .await,
    );
    c(
        "get",
        "/api/v1/users/me/shifts.ics",
        &app.get("/api/v1/users/me/shifts.ics", &ada_t).await,
    );
    c(
        "get",
        "/api/v1/push/vapid-public-key",
        &app.get("/api/v1/push/vapid-public-key", &ada_t).await,
    );
    c(
        "post",
        "/api/v1/users/me/push-subscriptions",
        &app.post(
            "/api/v1/users/me/push-subscriptions",
            &ada_t,
            &json!({"endpoint": "https://push.example.com/x", "keys": {"p256dh": "bad", "auth": "bad"}}),
        )
        .await,
    );
    c(
        "delete",
        "/api/v1/users/me/push-subscriptions/{id}",
        &app.delete("/api/v1/users/me/push-subscriptions/999", &ada_t)
            .await,
    );
    c(
        "get",
        "/api/v1/feeds/{token}/on-call.ics",
        &app.request(
            Method::GET,
            "/api/v1/feeds/not-a-token/on-call.ics",
            None,
            None,
        )
        .await,
    );
    c(
        "get",
        "/api/v1/feeds/{token}/schedules/{file}",
        &app.request(
            Method::GET,
            &format!("/api/v1/feeds/not-a-token/schedules/{sid}.ics"),
            None,
            None,
        )
        .await,
    );

    // Act and assert: a page opened for the service, read, acknowledged and resolved.
    let opened = app
        .post(
            "/api/v1/pages",
            &bob_t,
            &json!({"title": "Checkout is down", "service": "api", "message": "502s everywhere"}),
        )
        .await;
    assert_eq!(opened.0, StatusCode::CREATED, "{}", opened.2);
    assert_eq!(opened.2["status"], "triggered", "{}", opened.2);
    c("post", "/api/v1/pages", &opened);
    for (body, token, status) in [
        (
            json!({"title": "Both", "service": "api", "policy_id": pid}),
            bob_t.clone(),
            422,
        ),
        (json!({"title": "Nobody"}), bob_t.clone(), 422),
        (
            json!({"title": "Viewer", "users": [ada.id]}),
            viewer.clone(),
            403,
        ),
        (
            json!({"title": "Lost", "policy_id": 999}),
            bob_t.clone(),
            404,
        ),
        (
            json!({"title": "People", "users": [ada.email], "incident": "INC-77"}),
            bob_t.clone(),
            404,
        ),
    ] {
        let answer = app.post("/api/v1/pages", &token, &body).await;
        assert_eq!(answer.0.as_u16(), status, "{body}: {}", answer.2);
        c("post", "/api/v1/pages", &answer);
    }
    app.settle().await;
    let page = format!("/api/v1/pages/{}", opened.2["id"]);
    let shown = app.get(&page, &viewer).await;
    assert!(
        shown.2["firings"].as_array().is_some_and(|f| !f.is_empty()),
        "{}",
        shown.2
    );
    c("get", "/api/v1/pages/{id}", &shown);
    c(
        "get",
        "/api/v1/pages/{id}",
        &app.get("/api/v1/pages/999", &viewer).await,
    );
    c(
        "get",
        "/api/v1/pages",
        &app.get("/api/v1/pages", &viewer).await,
    );
    c(
        "get",
        "/api/v1/pages",
        &app.get(
            "/api/v1/pages?status=triggered,acknowledged&mine=true&limit=1",
            &ada_t,
        )
        .await,
    );
    for bad in ["status=open", "mine=yes", "incident=INC-x", "colour=red"] {
        let answer = app.get(&format!("/api/v1/pages?{bad}"), &viewer).await;
        assert_eq!(
            answer.0,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            answer.2
        );
        c("get", "/api/v1/pages", &answer);
    }
    for verb in ["acknowledge", "resolve"] {
        let template = format!("/api/v1/pages/{{id}}/{verb}");
        let done = app
            .post(&format!("{page}/{verb}"), &ada_t, &json!({}))
            .await;
        assert_eq!(done.0, StatusCode::OK, "{verb}: {}", done.2);
        c("post", &template, &done);
        c(
            "post",
            &template,
            &app.post(&format!("{page}/{verb}"), &ada_t, &json!({}))
                .await,
        );
        c(
            "post",
            &template,
            &app.post(&format!("{page}/{verb}"), &viewer, &json!({}))
                .await,
        );
        c(
            "post",
            &template,
            &app.post(&format!("/api/v1/pages/999/{verb}"), &ada_t, &json!({}))
                .await,
        );
    }
    let resolved = app.get(&page, &viewer).await;
    assert_eq!(resolved.2["status"], "resolved", "{}", resolved.2);
    assert_eq!(resolved.2["acknowledged_by"], ada.id, "{}", resolved.2);

    // Act and assert: what is left can be deleted in order.
    let unset = put(
        "/api/v1/services/api/escalation-policy".into(),
        t.clone(),
        json!({"policy_id": null}),
    )
    .await;
    assert!(unset.2["policy_id"].is_null(), "{}", unset.2);
    c("put", service_policy, &unset);
    let gone = app.delete(&policy_path, &t).await;
    assert_eq!(gone.0, StatusCode::NO_CONTENT, "{}", gone.2);
    c("delete", "/api/v1/escalation-policies/{id}", &gone);
    c(
        "delete",
        "/api/v1/escalation-policies/{id}",
        &app.delete(&policy_path, &t).await,
    );
    c(
        "delete",
        "/api/v1/schedules/{id}",
        &app.delete(&schedule, &ada_t).await,
    );
    let deleted = app.delete(&schedule, &t).await;
    assert_eq!(deleted.0, StatusCode::NO_CONTENT, "{}", deleted.2);
    c("delete", "/api/v1/schedules/{id}", &deleted);
}

crate::e2e_test!(on_call_answers_conform_to_the_documented_schemas);
