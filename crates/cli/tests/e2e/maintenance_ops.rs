//! Maintenance after scheduling (issue #4): updates for customers that may move it forward,
//! early completion, a new window. Each shows on the public page and documents, reaches
//! subscribers, and leaves the old time jobs with nothing to do.

use crate::harness::{Backend, Raw, TestApp, WebhookReceiver, manual_clock, spawn_app_with};
use crate::status_pages::setup_page;
use debrief_store::jobs::{JobFilter, JobStatus};
use jiff::SignedDuration;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

/// An RFC 3339 time `ms` milliseconds from now, on the app's clock.
pub(crate) fn at(app: &TestApp, ms: i64) -> String {
    debrief_core::format_utc(app.state.clock.now() + jiff::SignedDuration::from_millis(ms))
}

/// Schedules maintenance on `acme` from `starts` to `ends` ms from now, and returns it.
pub(crate) async fn schedule(
    app: &TestApp,
    title: &str,
    (starts, ends, verify): (i64, i64, i64),
    components: &[i64],
) -> Value {
    let (s, _, m) = app
        .post(
            "/api/v1/status-pages/acme/maintenances",
            &app.admin_token,
            &json!({"title": title, "body": "We upgrade the database.", "starts_at": at(app, starts),
                    "ends_at": at(app, ends), "verify_minutes": verify, "components": components}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    m
}

/// A public file of `acme`, read without credentials.
pub(crate) async fn public(app: &TestApp, path: &str) -> (StatusCode, String) {
    let res = crate::harness::http_client()
        .get(app.url(&format!("/status/acme{path}")))
        .send()
        .await
        .expect("the public page");
    (res.status(), res.text().await.expect("a body"))
}

/// Maintenance `id` in a v2 document's `scheduled_maintenances` (by the public id admins
/// read on it), if it is there.
pub(crate) async fn in_document(app: &TestApp, doc: &str, id: i64) -> Option<Value> {
    let public_id = read(app, id).await["public_id"].clone();
    assert!(
        public_id
            .as_str()
            .is_some_and(debrief_core::statuspage::public_id::is_public_id),
        "{public_id}"
    );
    let (s, text) = public(app, &format!("/api/v2/{doc}")).await;
    assert_eq!(s, StatusCode::OK, "{doc}: {text}");
    let v: Value = serde_json::from_str(&text).expect("JSON");
    v["scheduled_maintenances"]
        .as_array()
        .expect("a list")
        .iter()
        .find(|m| m["id"] == public_id)
        .cloned()
}

/// A component's state now.
pub(crate) async fn state_of(app: &TestApp, id: i64) -> String {
    let (_, _, list) = app
        .get("/api/v1/status-pages/acme/components", &app.admin_token)
        .await;
    list["items"]
        .as_array()
        .expect("components")
        .iter()
        .find(|c| c["id"] == id)
        .expect("the component")["state"]
        .as_str()
        .expect("a state")
        .to_string()
}

/// A maintenance as admins read it.
pub(crate) async fn read(app: &TestApp, id: i64) -> Value {
    let (s, _, m) = app
        .get(
            &format!("/api/v1/status-pages/acme/maintenances/{id}"),
            &app.admin_token,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{m}");
    m
}

fn statuses(m: &Value) -> Vec<String> {
    m["updates"]
        .as_array()
        .expect("updates")
        .iter()
        .map(|u| u["status"].as_str().expect("a status").to_string())
        .collect()
}

/// Every time job of maintenance.
async fn time_jobs(app: &TestApp) -> Vec<debrief_store::jobs::Job> {
    app.state
        .store
        .list_jobs(&JobFilter {
            kind: Some("maintenance".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .expect("jobs")
}

async fn updates_on_maintenance_are_public_move_it_forward_and_reach_subscribers(backend: Backend) {
    // Arrange: a webhook subscriber; maintenance an hour from now.
    let receiver = WebhookReceiver::start().await;
    let app = spawn_app_with(backend, |c| {
        c.jobs.poll_interval = Duration::from_millis(100);
    })
    .await;
    let (api, _) = setup_page(&app).await;
    let hook = format!("{}/hook", receiver.address);
    crate::subscriber_admin::confirmed(&app, "webhook", &hook, Some("hooks@example.com"), vec![])
        .await;
    let m = schedule(&app, "Database upgrade", (3_600_000, 7_200_000, 15), &[api]).await;
    let id = m["id"].as_i64().unwrap();
    let path = format!("/api/v1/status-pages/acme/maintenances/{id}/updates");
    let t = &app.admin_token;

    // Act: a note, then the work starts early, a step back is refused, then it is verified.
    let note = app
        .post(&path, t, &json!({"body": "We start with the replicas."}))
        .await;
    let started = app
        .post(
            &path,
            t,
            &json!({"body": "We started early.", "status": "in_progress"}),
        )
        .await;
    let under = state_of(&app, api).await;
    let active = in_document(&app, "scheduled-maintenances/active.json", id).await;
    let before_back = read(&app, id).await;
    let back = app
        .post(&path, t, &json!({"body": "Oops.", "status": "scheduled"}))
        .await;
    let after_back = read(&app, id).await;
    let verifying = app
        .post(
            &path,
            t,
            &json!({"body": "The work is done; we watch it.", "status": "verifying", "version": 3}),
        )
        .await;
    receiver
        .wait_until(Duration::from_secs(15), |h| h.len() >= 6)
        .await;

    // Assert: each update is stored, public and delivered; the refused one changed nothing.
    assert_eq!(note.0, StatusCode::CREATED, "{}", note.2);
    assert_eq!(note.2["status"], "scheduled");
    assert_eq!(note.2["version"], 2);
    assert_eq!(started.2["status"], "in_progress");
    assert_eq!(under, "under_maintenance");
    let active = active.expect("the maintenance is active in the v2 documents");
    assert_eq!(active["status"], "in_progress");
    assert_eq!(active["incident_updates"][0]["body"], "We started early.");
    assert_eq!(
        active["incident_updates"][1]["body"],
        "We start with the replicas."
    );
    crate::harness::assert_problem(&back, 409);
    assert!(
        back.2["detail"]
            .as_str()
            .unwrap()
            .contains("only moves forward"),
        "{}",
        back.2
    );
    assert_eq!(before_back, after_back, "a refused move changes nothing");
    assert_eq!(verifying.0, StatusCode::CREATED, "{}", verifying.2);
    assert_eq!(state_of(&app, api).await, "operational", "given back");
    assert_eq!(
        statuses(&verifying.2),
        ["scheduled", "scheduled", "in_progress", "verifying"]
    );
    let all = in_document(&app, "scheduled-maintenances.json", id)
        .await
        .expect("listed");
    assert_eq!(all["status"], "verifying");
    assert_eq!(all["incident_updates"].as_array().unwrap().len(), 4);
    let (_, html) = public(&app, "").await;
    assert!(
        html.contains("Database upgrade")
            && html.contains("Verifying")
            && html.contains("We start with the replicas."),
        "the page shows the maintenance with its updates: {html}"
    );
    let shortlink = all["shortlink"].as_str().expect("shortlink");
    let own = crate::harness::http_client()
        .get(shortlink)
        .send()
        .await
        .expect("the maintenance's own page");
    assert_eq!(own.status(), StatusCode::OK, "{shortlink}");
    let own = own.text().await.expect("html");
    assert!(
        own.contains("id=\"window\"") && own.contains("The work is done; we watch it."),
        "{own}"
    );
    app.settle().await;
    let hits = receiver.hits();
    let said: Vec<&str> = hits
        .iter()
        .filter_map(|h| h.body["incident"]["incident_updates"][0]["body"].as_str())
        .collect();
    for text in [
        "We start with the replicas.",
        "We started early.",
        "The work is done; we watch it.",
    ] {
        assert!(said.contains(&text), "{text} not delivered: {said:?}");
    }
    let moves = crate::harness::component_moves(&hits);
    assert_eq!(
        moves,
        [
            ("operational", "under_maintenance"),
            ("under_maintenance", "operational")
        ]
    );
    assert_eq!(
        hits.len(),
        6,
        "scheduled + three updates + the two component changes, once each"
    );
    let doc = crate::openapi::document(&app).await;
    let template = "/api/v1/status-pages/{slug}/maintenances/{id}/updates";
    crate::openapi::conforms(&doc, "post", template, &note);
    crate::openapi::conforms(&doc, "post", template, &back);
    app.close().await;
}

crate::e2e_test!(
    updates_on_maintenance_are_public_move_it_forward_and_reach_subscribers,
    backend
);

async fn completing_early_gives_components_back_and_its_time_jobs_do_nothing(backend: Backend) {
    // Arrange: a degraded component under maintenance from one hour to two hours from now,
    // on a clock the test moves; the window starts.
    let app = spawn_app_with(backend, manual_clock).await;
    let (api, _) = setup_page(&app).await;
    let t = &app.admin_token;
    app.patch(
        &format!("/api/v1/status-pages/acme/components/{api}"),
        t,
        &json!({"state": "degraded_performance"}),
    )
    .await;
    let m = schedule(&app, "Cache swap", (3_600_000, 7_200_000, 0), &[api]).await;
    let id = m["id"].as_i64().unwrap();
    app.advance(SignedDuration::from_hours(1)).await;
    assert_eq!(read(&app, id).await["status"], "in_progress");
    let during = state_of(&app, api).await;

    // Act: the work finished early (no body at all); then the window's end passes.
    let done = app
        .raw(
            Raw::new(
                Method::POST,
                &format!("/api/v1/status-pages/acme/maintenances/{id}/complete"),
            )
            .token(t),
        )
        .await;
    let after = state_of(&app, api).await;
    app.advance(SignedDuration::from_hours(1)).await;
    let jobs = time_jobs(&app).await;
    let again = app
        .post(
            &format!("/api/v1/status-pages/acme/maintenances/{id}/complete"),
            t,
            &json!({}),
        )
        .await;

    // Assert: completed now, the earlier state back, and the later jobs changed nothing.
    assert_eq!(during, "under_maintenance");
    assert_eq!(done.0, StatusCode::OK, "{}", done.2);
    assert_eq!(done.2["status"], "completed");
    assert_eq!(after, "degraded_performance");
    assert!(jobs.iter().all(|j| j.status == JobStatus::Done), "{jobs:?}");
    let m = read(&app, id).await;
    assert_eq!(statuses(&m), ["scheduled", "in_progress", "completed"]);
    assert_eq!(m["version"], done.2["version"], "no job wrote after it");
    assert_eq!(state_of(&app, api).await, "degraded_performance");
    let public = in_document(&app, "scheduled-maintenances.json", id)
        .await
        .expect("listed");
    assert_eq!(public["status"], "completed");
    assert!(public["resolved_at"].is_string(), "{public}");
    assert!(
        in_document(&app, "scheduled-maintenances/active.json", id)
            .await
            .is_none()
    );
    crate::harness::assert_problem(&again, 409);
    assert!(
        again.2["detail"]
            .as_str()
            .unwrap()
            .contains("already completed")
    );
    let doc = crate::openapi::document(&app).await;
    let template = "/api/v1/status-pages/{slug}/maintenances/{id}/complete";
    crate::openapi::conforms(&doc, "post", template, &done);
    crate::openapi::conforms(&doc, "post", template, &again);
    app.close().await;
}

crate::e2e_test!(
    completing_early_gives_components_back_and_its_time_jobs_do_nothing,
    backend
);

async fn a_rescheduled_window_runs_on_its_new_times_only(backend: Backend) {
    // Arrange: on a clock the test moves, a window from one to two minutes from now.
    let app = spawn_app_with(backend, manual_clock).await;
    let (api, _) = setup_page(&app).await;
    let m = schedule(&app, "Router firmware", (60_000, 120_000, 0), &[api]).await;
    let id = m["id"].as_i64().unwrap();
    let path = format!("/api/v1/status-pages/acme/maintenances/{id}/reschedule");
    let t = &app.admin_token;

    // Act: move it an hour later, and let the old window pass.
    let later = (at(&app, 3_600_000), at(&app, 7_200_000));
    let moved = app
        .post(
            &path,
            t,
            &json!({"starts_at": later.0, "ends_at": later.1, "version": 1}),
        )
        .await;
    app.advance(SignedDuration::from_mins(3)).await;
    let jobs = time_jobs(&app).await;
    let after_old_window = read(&app, id).await;
    let upcoming = in_document(&app, "scheduled-maintenances/upcoming.json", id).await;
    // Then move it to a short window again: its new jobs run it to completion.
    let soon = app
        .post(
            &path,
            t,
            &json!({"starts_at": at(&app, 800), "ends_at": at(&app, 1600), "verify_minutes": 0,
                    "body": "Sooner than planned."}),
        )
        .await;
    app.advance(SignedDuration::from_secs(1)).await;
    app.advance(SignedDuration::from_secs(1)).await;
    let finished = read(&app, id).await;

    // Assert
    assert_eq!(moved.0, StatusCode::OK, "{}", moved.2);
    assert_eq!(moved.2["status"], "scheduled");
    let said = moved.2["updates"][1]["body"].as_str().unwrap();
    assert!(said.contains("rescheduled"), "{said}");
    let (done, queued): (Vec<_>, Vec<_>) = jobs.iter().partition(|j| j.status == JobStatus::Done);
    assert_eq!((done.len(), queued.len()), (3, 3), "{jobs:?}");
    assert_eq!(
        after_old_window["status"], "scheduled",
        "{after_old_window}"
    );
    assert_eq!(after_old_window["version"], 2, "the old jobs wrote nothing");
    assert_eq!(state_of(&app, api).await, "operational");
    let upcoming = upcoming.expect("upcoming in the v2 documents");
    let instant = |v: &str| {
        v.parse::<jiff::Timestamp>()
            .expect("a time")
            .as_millisecond()
    };
    assert_eq!(
        instant(upcoming["scheduled_for"].as_str().unwrap()),
        instant(&later.0)
    );
    assert_eq!(upcoming["incident_updates"][0]["body"], said);
    assert_eq!(soon.0, StatusCode::OK, "{}", soon.2);
    assert_eq!(
        statuses(&finished),
        [
            "scheduled",
            "scheduled",
            "scheduled",
            "in_progress",
            "completed"
        ]
    );
    assert_eq!(finished["updates"][2]["body"], "Sooner than planned.");
    assert_eq!(state_of(&app, api).await, "operational");
    let refused = app
        .post(
            &path,
            t,
            &json!({"starts_at": at(&app, 3_600_000), "ends_at": at(&app, 7_200_000)}),
        )
        .await;
    crate::harness::assert_problem(&refused, 409);
    let doc = crate::openapi::document(&app).await;
    let template = "/api/v1/status-pages/{slug}/maintenances/{id}/reschedule";
    crate::openapi::conforms(&doc, "post", template, &moved);
    crate::openapi::conforms(&doc, "post", template, &refused);
    app.close().await;
}

crate::e2e_test!(a_rescheduled_window_runs_on_its_new_times_only, backend);
