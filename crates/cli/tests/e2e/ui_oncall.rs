//! On call in a real browser: an admin sets up a team, a schedule and a policy over the API; a
//! responder opens the schedule's page, sees its picture and final schedule, takes someone's
//! shift with one click (the API then answers that the responder is on call), swaps a shift of
//! their own, acknowledges a page from its page, sets their notification rules, and finds the
//! team on `/on-call`; an admin creates a schedule with the UI's form, adds an override typed
//! in the browser's zone and removes it, creates a policy (levels as rows) and sees its
//! preview, and pages someone by hand. Editing and deleting schedules: [`crate::ui_oncall_edit`].

use crate::browser::{Browser, at_path, attr_of, click, text_of, when_found};
use crate::e2e_test;
use crate::harness::TestApp;
use crate::ui::{sign_in, user_with_password};
use fantoccini::Locator;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

pub(crate) async fn created(app: &TestApp, path: &str, body: &Value) -> Value {
    let (s, _, answer) = app.post(path, &app.admin_token, body).await;
    assert_eq!(s, StatusCode::CREATED, "{path}: {answer}");
    answer
}

pub(crate) async fn user_id(app: &TestApp, email: &str) -> i64 {
    app.state
        .store
        .list_users()
        .await
        .expect("users")
        .into_iter()
        .find(|u| u.email == email)
        .expect("the user")
        .id
}

/// Who the API says is on call in `schedule` at `at`.
pub(crate) async fn on_call(app: &TestApp, schedule: i64, at: &str) -> Option<i64> {
    let (s, _, body) = app
        .get(
            &format!("/api/v1/schedules/{schedule}/on-call?at={at}"),
            &app.admin_token,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    body["user_id"].as_i64()
}

async fn a_responder_takes_and_swaps_shifts_and_acknowledges_a_page(app: &TestApp) {
    // Arrange: a team, its service, a daily rotation of Ada and Bo, a policy paging it.
    user_with_password(app, "ada@example.com", "Ada Lovelace", "responder").await;
    user_with_password(app, "bo@example.com", "Bo Responder", "responder").await;
    let (ada, bo) = (
        user_id(app, "ada@example.com").await,
        user_id(app, "bo@example.com").await,
    );
    created(
        app,
        "/api/v1/teams",
        &json!({"slug": "payments", "name": "Payments"}),
    )
    .await;
    created(
        app,
        "/api/v1/services",
        &json!({"slug": "checkout", "name": "Checkout", "team": "payments"}),
    )
    .await;
    let schedule = created(
        app,
        "/api/v1/schedules",
        &json!({"name": "Payments primary", "time_zone": "UTC", "team": "payments",
                "layers": [{"participants": [ada, bo], "rotation": "daily", "start": "2026-01-01T00:00:00"}]}),
    )
    .await["id"]
        .as_i64()
        .expect("a schedule id");
    let policy = created(
        app,
        "/api/v1/escalation-policies",
        &json!({"name": "Payments", "team": "payments",
                "levels": [{"targets": [{"type": "schedule", "id": schedule}], "delay_minutes": 5}]}),
    )
    .await["id"]
        .as_i64()
        .expect("a policy id");
    let (s, _, body) = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/services/checkout/escalation-policy",
            Some(&app.admin_token),
            Some(&json!({"policy_id": policy})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let b = Browser::start().await;

    // Act: Bo opens the schedule.
    let path = format!("/schedules/{schedule}");
    sign_in(&b, app, "bo@example.com", &path).await;
    let picture = text_of(&b, "figure.sched-picture").await;
    let rows = b
        .client
        .find_all(Locator::Css("#final-schedule tr[data-user]"))
        .await
        .expect("rows");
    let zone = text_of(&b, "#schedule-zone").await;
    let local = text_of(&b, "#final-schedule tr[data-user] time").await;
    b.screenshot(&format!("oncall-schedule-{:?}", app.backend))
        .await;

    // Assert: the picture's bars and a week of daily turns, in the viewer's zone.
    for part in ["Layer 1", "Overrides", "On call", "Schedule zone: UTC"] {
        assert!(picture.contains(part), "'{part}' in the picture: {picture}");
    }
    assert!(rows.len() >= 7, "a week of daily turns: {}", rows.len());
    assert_eq!(zone, "UTC");
    assert!(
        local.contains("CET") || local.contains("GMT+1"),
        "Berlin time: {local}"
    );

    // Act: one click takes Ada's first open shift.
    let ada_row = format!("#final-schedule tr[data-user=\"{ada}\"]");
    let start = attr_of(&b, &format!("{ada_row} input[name=start]"), "value").await;
    let end = attr_of(&b, &format!("{ada_row} input[name=end]"), "value").await;
    click(&b, &format!("{ada_row} .take-form button")).await;
    at_path(&b, &path).await;
    when_found(&b, "#override-list li[data-override]", |e| async move {
        e.text().await
    })
    .await;

    // Assert: the API says Bo is on call in that shift, and the override names it taken.
    assert_eq!(on_call(app, schedule, &start).await, Some(bo), "{start}");
    let (_, _, overrides) = app
        .get(
            &format!("/api/v1/schedules/{schedule}/overrides"),
            &app.admin_token,
        )
        .await;
    assert_eq!(overrides["items"][0]["kind"], "take", "{overrides}");
    assert_eq!(overrides["items"][0]["replaces_user_id"], ada);
    assert_eq!(overrides["items"][0]["end"].as_str(), Some(end.as_str()));

    // Act: Bo swaps one of their open shifts with Ada's next one.
    let mine = "#final-schedule tr.mine .swap-form";
    let my_start = attr_of(&b, &format!("{mine} input[name=start]"), "value").await;
    let other = attr_of(&b, &format!("{mine} select[name=other] option"), "value").await;
    let other_start = other.split('|').nth(1).expect("a start").to_string();
    click(&b, &format!("{mine} button")).await;
    at_path(&b, &path).await;

    // Assert: each is on call in the other's shift.
    assert!(other.starts_with(&format!("{ada}|")), "{other}");
    let swapped_in = async || on_call(app, schedule, &other_start).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while swapped_in().await != Some(bo) {
        assert!(Instant::now() < deadline, "the swap never showed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        on_call(app, schedule, &my_start).await,
        Some(ada),
        "{my_start}"
    );

    // Act: the team is paged; Bo acknowledges on the page's page.
    let page = created(
        app,
        "/api/v1/pages",
        &json!({"title": "Checkout is down", "team": "payments"}),
    )
    .await["id"]
        .as_i64()
        .expect("a page id");
    b.client
        .goto(&app.url(&format!("/pages/{page}")))
        .await
        .expect("the page");
    let before = attr_of(&b, "#page-status", "data-status").await;
    click(&b, "#ack-form button").await;
    when_found(&b, "#page-acknowledged", |e| async move { e.text().await }).await;

    // Assert: acknowledged by Bo, here and in the API.
    assert_eq!(before, "triggered");
    assert_eq!(
        attr_of(&b, "#page-status", "data-status").await,
        "acknowledged"
    );
    assert!(
        text_of(&b, "#page-acknowledged")
            .await
            .contains("Bo Responder")
    );
    let (_, _, answer) = app
        .get(&format!("/api/v1/pages/{page}"), &app.admin_token)
        .await;
    assert_eq!(answer["status"], "acknowledged", "{answer}");
    assert_eq!(answer["acknowledged_by"], bo, "{answer}");
    b.screenshot(&format!("oncall-page-{:?}", app.backend))
        .await;

    // Act: who is on call now.
    b.client.goto(&app.url("/on-call")).await.expect("on call");
    let team = text_of(&b, "#oncall-teams tr[data-team=payments]").await;
    let service = text_of(&b, "#oncall-services tr[data-service=checkout]").await;
    let now = on_call(app, schedule, &jiff_now()).await;
    b.screenshot(&format!("oncall-overview-{:?}", app.backend))
        .await;

    // Assert: the team and its service, with whoever the schedule has on call now.
    assert!(team.contains("Payments"), "{team}");
    assert!(
        service.contains("Checkout") && service.contains("Payments"),
        "{service}"
    );
    let name = if now == Some(ada) {
        "Ada Lovelace"
    } else {
        "Bo Responder"
    };
    assert!(
        team.contains(name) && service.contains(name),
        "{name}: {team} / {service}"
    );

    // Act: Bo's own on-call page: shifts, and rules (push at once, e-mail after 5 minutes).
    b.client
        .goto(&app.url("/me/on-call"))
        .await
        .expect("my on call");
    let shifts = text_of(&b, "#my-shifts").await;
    let form = b
        .client
        .form(Locator::Id("notify-form"))
        .await
        .expect("the rules form");
    form.set_by_name("rule_channel", "web_push")
        .await
        .expect("channel");
    form.set_by_name("rule_after", "0").await.expect("after");
    form.submit().await.expect("save");
    // The answer is the same page again: wait (bounded) for the saved rule's problem rather
    // than read the page the form was sent from.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let problems = loop {
        let p = text_of(&b, "#rule-problems").await;
        if p.contains("no browser is subscribed") || std::time::Instant::now() > deadline {
            break p;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let push_button = text_of(&b, "#push-enable").await;
    b.screenshot(&format!("oncall-me-{:?}", app.backend)).await;

    // Assert: the shifts link their schedule; the rule's problem is shown.
    assert!(shifts.contains("Payments primary"), "{shifts}");
    assert!(problems.contains("no browser is subscribed"), "{problems}");
    assert_eq!(push_button, "Enable push notifications in this browser");
    let rules = debrief_server::actions::oncall::rules_of(&app.state, bo)
        .await
        .expect("rules");
    assert_eq!(rules[0].channel.as_str(), "web_push", "{rules:?}");

    // Act: the service worker.
    let sw = app
        .client
        .get(app.url("/sw.js"))
        .send()
        .await
        .expect("the service worker");

    // Assert: served as JavaScript, allowed to control the whole site.
    assert_eq!(sw.status(), StatusCode::OK);
    assert_eq!(sw.headers()["service-worker-allowed"], "/");
    assert!(
        sw.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("text/javascript")
    );
    assert!(
        sw.text()
            .await
            .unwrap_or_default()
            .contains("showNotification")
    );
    b.close().await;
}
e2e_test!(a_responder_takes_and_swaps_shifts_and_acknowledges_a_page);

fn jiff_now() -> String {
    jiff::Timestamp::now().to_string()
}

async fn an_admin_creates_a_schedule_and_a_policy_in_the_browser(app: &TestApp) {
    // Arrange
    user_with_password(app, "ina@example.com", "Ina Admin", "admin").await;
    user_with_password(app, "cy@example.com", "Cy Responder", "responder").await;
    let cy = user_id(app, "cy@example.com").await;
    let b = Browser::start().await;

    // Act: a schedule with one layer, from the form.
    sign_in(&b, app, "ina@example.com", "/schedules").await;
    let form = b
        .client
        .form(Locator::Id("schedule-form"))
        .await
        .expect("the schedule form");
    form.set_by_name("name", "Database").await.expect("name");
    form.set_by_name("time_zone", "Europe/Berlin")
        .await
        .expect("zone");
    form.set_by_name("l0_participant", &cy.to_string())
        .await
        .expect("a participant");
    form.set_by_name("l0_rotation", "daily")
        .await
        .expect("rotation");
    form.set_by_name("l0_start", "2026-01-01T09:00")
        .await
        .expect("start");
    form.submit().await.expect("create");
    let on_call_now = text_of(&b, "#on-call-now").await;
    let schedule: i64 = attr_of(&b, "#schedule-head", "data-schedule")
        .await
        .parse()
        .expect("an id");

    // Assert
    assert_eq!(on_call_now, "Cy Responder");
    assert_eq!(text_of(&b, "#schedule-zone").await, "Europe/Berlin");

    // Act: an override for Cy, typed in the browser's zone (Europe/Berlin), on a later week.
    b.client
        .goto(&app.url(&format!("/schedules/{schedule}?from=2027-01-08")))
        .await
        .expect("a later week");
    let zone_label = text_of(&b, "#override-form [data-viewer-zone-label]").await;
    let form = b
        .client
        .form(Locator::Id("override-form"))
        .await
        .expect("the override form");
    form.set_by_name("user", &cy.to_string())
        .await
        .expect("user");
    form.set_by_name("start", "2027-01-10T10:00")
        .await
        .expect("start");
    form.set_by_name("end", "2027-01-10T12:00")
        .await
        .expect("end");
    form.submit().await.expect("add");
    let listed = text_of(&b, "#override-list li[data-override]").await;
    let (_, _, overrides) = app
        .get(
            &format!("/api/v1/schedules/{schedule}/overrides"),
            &app.admin_token,
        )
        .await;

    // Assert: read as Berlin time (UTC+1 in January), listed on the week it was added from.
    assert_eq!(zone_label, "Europe/Berlin");
    assert!(listed.contains("Cy Responder"), "{listed}");
    let start = overrides["items"][0]["start"].as_str().unwrap_or_default();
    assert!(start.starts_with("2027-01-10T09:00:00"), "{overrides}");

    // Act: remove it.
    click(&b, "#override-list li[data-override] button").await;
    when_found(
        &b,
        "#override-list li.empty",
        |e| async move { e.text().await },
    )
    .await;
    let (_, _, overrides) = app
        .get(
            &format!("/api/v1/schedules/{schedule}/overrides"),
            &app.admin_token,
        )
        .await;

    // Assert
    assert_eq!(overrides["items"], json!([]), "{overrides}");

    // Act: a policy paging the schedule, then Cy after 10 minutes, repeated once.
    b.client
        .goto(&app.url("/policies"))
        .await
        .expect("policies");
    let form = b
        .client
        .form(Locator::Id("policy-form"))
        .await
        .expect("the policy form");
    form.set_by_name("name", "Database").await.expect("name");
    form.set_by_name("repeat", "1").await.expect("repeat");
    form.set_by_name("delay_0", "5").await.expect("delay");
    form.set_by_name("delay_1", "10").await.expect("delay");
    click(
        &b,
        &format!("select[name=targets_0] option[value=\"schedule:{schedule}\"]"),
    )
    .await;
    click(
        &b,
        &format!("select[name=targets_1] option[value=\"user:{cy}\"]"),
    )
    .await;
    form.submit().await.expect("create");
    let preview = text_of(&b, "#preview-table").await;
    let id: i64 = attr_of(&b, "#policy-head", "data-policy")
        .await
        .parse()
        .expect("an id");
    let (_, _, stored) = app
        .get(
            &format!("/api/v1/escalation-policies/{id}"),
            &app.admin_token,
        )
        .await;

    // Assert: two levels, two passes in the preview.
    assert_eq!(
        stored["levels"],
        json!([{"targets": [{"type": "schedule", "id": schedule}], "delay_minutes": 5},
               {"targets": [{"type": "user", "id": cy}], "delay_minutes": 10}]),
        "{stored}"
    );
    assert_eq!(stored["repeat"], 1);
    assert_eq!(
        b.client
            .find_all(Locator::Css("#preview-table tbody tr"))
            .await
            .expect("rows")
            .len(),
        4,
        "{preview}"
    );
    assert!(preview.contains("Cy Responder"), "{preview}");
    b.screenshot(&format!("oncall-policy-{:?}", app.backend))
        .await;

    // Act: page Cy by hand from the pages list.
    b.client.goto(&app.url("/pages")).await.expect("pages");
    let form = b
        .client
        .form(Locator::Id("page-form"))
        .await
        .expect("the page form");
    form.set_by_name("title", "Replica lag on db-2")
        .await
        .expect("title");
    form.set_by_name("target", "users").await.expect("target");
    click(
        &b,
        &format!("#page-form select[name=users] option[value=\"{cy}\"]"),
    )
    .await;
    form.submit().await.expect("page");
    let title = text_of(&b, "#page-title").await;
    let status = attr_of(&b, "#page-status", "data-status").await;
    b.client
        .goto(&app.url("/pages?tab=triggered"))
        .await
        .expect("the list");
    let row = text_of(&b, "#page-list tr[data-page]").await;

    // Assert
    assert_eq!(title, "Replica lag on db-2");
    assert_eq!(status, "triggered");
    assert!(
        row.contains("Replica lag on db-2") && row.contains("Triggered"),
        "{row}"
    );
    b.close().await;
}
e2e_test!(an_admin_creates_a_schedule_and_a_policy_in_the_browser);
