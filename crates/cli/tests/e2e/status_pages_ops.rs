//! Status pages, operations: maintenance moved on time by jobs, the CLI, the public subscribe
//! form.

use crate::e2e_test;
use crate::harness::TestApp;
use crate::status_pages::setup_page;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn maintenance_moves_on_time_and_puts_its_components_under_maintenance(
    backend: crate::harness::Backend,
) {
    // Arrange: on a clock the test moves, maintenance from one hour to two hours from now,
    // verified 0 min.
    let app = crate::harness::spawn_app_with(backend, crate::harness::manual_clock).await;
    let (api, dashboard) = setup_page(&app).await;
    let at = |ms: i64| crate::maintenance_ops::at(&app, ms);
    let (s, _, m) = app
        .post(
            "/api/v1/status-pages/acme/maintenances",
            &app.admin_token,
            &json!({"title": "Database upgrade", "body": "We upgrade the database.",
                    "starts_at": at(3_600_000), "ends_at": at(7_200_000), "verify_minutes": 0,
                    "components": [api]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    let state_of = |items: &Value, id: i64| -> String {
        items["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap()["state"]
            .as_str()
            .unwrap()
            .to_string()
    };

    // Act + assert: scheduled, then in progress with the component under maintenance, then
    // completed with it operational again, as the clock passes the window's start and end; the
    // other component never moves.
    assert_eq!(m["status"], "scheduled");
    let mut seen = Vec::new();
    for step in [0, 3_600_000, 3_600_000] {
        app.advance(jiff::SignedDuration::from_millis(step)).await;
        let (_, _, list) = app
            .get("/api/v1/status-pages/acme/maintenances", &app.admin_token)
            .await;
        let (_, _, comps) = app
            .get("/api/v1/status-pages/acme/components", &app.admin_token)
            .await;
        let status = list["items"][0]["status"].as_str().unwrap().to_string();
        let pair = (status.clone(), state_of(&comps, api));
        if seen.last() != Some(&pair) {
            seen.push(pair);
        }
        assert_eq!(state_of(&comps, dashboard), "operational");
    }
    assert_eq!(
        seen.iter().map(|(s, _)| s.as_str()).collect::<Vec<_>>(),
        ["scheduled", "in_progress", "completed"],
        "one step per move of the clock: {seen:?}"
    );
    assert!(
        seen.contains(&("in_progress".into(), "under_maintenance".into())),
        "{seen:?}"
    );
    assert_eq!(
        seen.last().unwrap(),
        &("completed".to_string(), "operational".to_string()),
        "{seen:?}"
    );
    let (_, _, list) = app
        .get("/api/v1/status-pages/acme/maintenances", &app.admin_token)
        .await;
    let statuses: Vec<&str> = list["items"][0]["updates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["status"].as_str().unwrap())
        .collect();
    // With no verification time, the work goes straight from in progress to completed.
    assert_eq!(statuses, ["scheduled", "in_progress", "completed"]);
    app.close().await;
}

crate::e2e_test!(
    maintenance_moves_on_time_and_puts_its_components_under_maintenance,
    backend
);

async fn the_cli_lists_pages_and_publishes_an_update(app: &TestApp) {
    // Arrange
    let (api, _) = setup_page(app).await;
    let inc = app
        .declare(&app.admin_token, &json!({"title": "x", "severity": "SEV3"}))
        .await;
    let r = inc["reference"].as_str().unwrap();
    let component = format!("{api}=degraded_performance");

    // Act
    let published = crate::cli::ok(
        app,
        &app.admin_token,
        &[
            "status",
            "publish",
            r,
            "--page",
            "acme",
            "--status",
            "identified",
            "--name",
            "Slow API",
            "--body",
            "A slow query; fix coming.",
            "--component",
            &component,
        ],
    )
    .await;
    let pages = crate::cli::ok(app, &app.admin_token, &["status", "pages"]).await;
    let bad = crate::cli::client(
        app,
        Some(&app.admin_token),
        &[
            "status", "publish", r, "--page", "acme", "--status", "fixed", "--body", "x",
        ],
    )
    .await;

    // Assert
    assert!(
        published.contains("Slow API is identified (impact minor)"),
        "{published}"
    );
    assert!(
        pages.contains("API") && pages.contains("degraded_performance"),
        "{pages}"
    );
    assert!(!bad.ok, "a bad status fails");
    assert!(bad.stderr.contains("status"), "{}", bad.stderr);
}

async fn the_public_page_subscribes_by_a_plain_form(app: &TestApp) {
    // Arrange
    let (api, _) = setup_page(app).await;
    let client = crate::harness::http_client();

    // Act: the page's form, as a browser without script sends it.
    let page = client
        .get(app.url("/status/acme"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    let res = client
        .post(app.url("/status/acme/subscribe-form"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("email=dave%40example.com&components={api}"))
        .send()
        .await
        .expect("subscribe");
    let status = res.status();
    let html = res.text().await.expect("html");
    let bad = client
        .post(app.url("/status/acme/subscribe-form"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("email=nope")
        .send()
        .await
        .expect("subscribe")
        .status();

    // Assert
    assert!(
        page.contains("action=\"/status/acme/subscribe-form\""),
        "{page}"
    );
    assert!(
        page.contains(&format!("name=\"components\" value=\"{api}\"> Core / API")),
        "the form offers each component: {page}"
    );
    assert_eq!(status, StatusCode::ACCEPTED);
    assert!(html.contains("a confirmation link is on its way"), "{html}");
    assert_eq!(bad, StatusCode::UNPROCESSABLE_ENTITY);
}

e2e_test!(the_public_page_subscribes_by_a_plain_form);
e2e_test!(the_cli_lists_pages_and_publishes_an_update);

async fn an_old_unresolved_incident_stays_on_the_page(app: &TestApp) {
    // Arrange: one incident left open, then more resolved ones than the page lists as recent.
    setup_page(app).await;
    let t = &app.admin_token;
    let publish = |name: String, status: &'static str| async move {
        let inc = app
            .declare(t, &json!({"title": name, "severity": "SEV3"}))
            .await;
        let r = inc["reference"].as_str().unwrap().to_string();
        let (s, _, v) = app
            .post(
                &format!("/api/v1/incidents/{r}/status-updates"),
                t,
                &json!({"page": "acme", "status": status, "name": name, "body": "Update."}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    };
    publish("Long-running slowness".into(), "investigating").await;
    for n in 0..51 {
        publish(format!("Blip {n}"), "resolved").await;
    }
    let client = crate::harness::http_client();
    let get = |path: &'static str| {
        let client = client.clone();
        async move {
            let res = client.get(app.url(&format!("/status/acme{path}"))).send();
            res.await.expect("get").text().await.expect("body")
        }
    };

    // Act
    let unresolved: Value =
        serde_json::from_str(&get("/api/v2/incidents/unresolved.json").await).expect("JSON");
    let recent: Value = serde_json::from_str(&get("/api/v2/incidents.json").await).expect("JSON");
    let summary: Value = serde_json::from_str(&get("/api/v2/summary.json").await).expect("JSON");
    let html = get("").await;

    // Assert: the open incident is unresolved everywhere; the recent list holds 50.
    let names = |v: &Value| -> Vec<String> {
        v["incidents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(&unresolved), ["Long-running slowness"]);
    assert_eq!(names(&summary), ["Long-running slowness"]);
    assert_eq!(names(&recent).len(), 50);
    assert!(!names(&recent).contains(&"Long-running slowness".to_string()));
    let active = html
        .split("id=\"active\"")
        .nth(1)
        .expect("an active section");
    assert!(active.contains("Long-running slowness"), "{html}");
}

e2e_test!(an_old_unresolved_incident_stays_on_the_page);

async fn the_cli_runs_maintenance_from_announcement_to_cancellation(app: &TestApp) {
    // Arrange
    let (api, _) = setup_page(app).await;
    let t = &app.admin_token;
    let at = |hours: i64| {
        debrief_core::format_utc(jiff::Timestamp::now() + jiff::SignedDuration::from_hours(hours))
    };
    let (starts, ends, later, later_end) = (at(24), at(26), at(48), at(50));
    let api = api.to_string();
    let cli = |args: Vec<&str>| {
        let mut all = vec!["status", "maintenance"];
        all.extend(args);
        let all: Vec<String> = all.into_iter().map(str::to_string).collect();
        async move {
            let all: Vec<&str> = all.iter().map(String::as_str).collect();
            crate::cli::client(app, Some(t), &all).await
        }
    };

    // Act
    let scheduled = cli(vec![
        "schedule",
        "--page",
        "acme",
        "--title",
        "Database upgrade",
        "--body",
        "Planned work.",
        "--starts",
        &starts,
        "--ends",
        &ends,
        "--component",
        &api,
    ])
    .await;
    let id = scheduled
        .stdout
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_string();
    let updated = cli(vec![
        "update",
        "--page",
        "acme",
        &id,
        "--body",
        "Replicas first.",
    ])
    .await;
    let moved = cli(vec![
        "reschedule",
        "--page",
        "acme",
        &id,
        "--starts",
        &later,
        "--ends",
        &later_end,
    ])
    .await;
    let cancelled = cli(vec![
        "cancel",
        "--page",
        "acme",
        &id,
        "--body",
        "Not needed.",
    ])
    .await;
    let list = cli(vec!["list", "--page", "acme"]).await;
    let refused = cli(vec!["complete", "--page", "acme", &id]).await;

    // Assert
    assert!(
        scheduled.ok
            && scheduled
                .stdout
                .contains("\"Database upgrade\" on acme is scheduled"),
        "{}{}",
        scheduled.stdout,
        scheduled.stderr
    );
    assert!(updated.ok, "{}", updated.stderr);
    assert!(
        moved.ok && moved.stdout.contains("is scheduled"),
        "{}",
        moved.stderr
    );
    assert!(
        cancelled.ok && cancelled.stdout.contains("is cancelled"),
        "{}",
        cancelled.stdout
    );
    assert!(
        list.stdout.contains("Database upgrade") && list.stdout.contains("cancelled"),
        "{}",
        list.stdout
    );
    assert!(!refused.ok, "completing cancelled maintenance fails");
    assert!(refused.stderr.contains("cancelled"), "{}", refused.stderr);
}

e2e_test!(the_cli_runs_maintenance_from_announcement_to_cancellation);

/// The HTML of one component's row on the public page (from its `<div class="component"` to the
/// next), found by its name.
fn component_row<'a>(html: &'a str, name: &str) -> &'a str {
    html.split(r#"<div class="component""#)
        .find(|row| row.contains(&format!(">{name}</span>")))
        .unwrap_or_else(|| panic!("no component {name} on the page: {html}"))
}

async fn the_public_page_shows_each_components_uptime_from_its_history(app: &TestApp) {
    // Arrange: the API goes down briefly and comes back; the Dashboard never changes.
    let (api, _) = setup_page(app).await;
    let t = &app.admin_token;
    let inc = app
        .declare(t, &json!({"title": "API down", "severity": "SEV2"}))
        .await;
    let path = format!(
        "/api/v1/incidents/{}/status-updates",
        inc["reference"].as_str().unwrap()
    );
    for (status, state) in [
        ("investigating", "major_outage"),
        ("resolved", "operational"),
    ] {
        let (s, _, v) = app
            .post(
                &path,
                t,
                &json!({"page": "acme", "status": status, "body": "The API.",
                        "components": [{"id": api, "state": state}]}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        app.advance(jiff::SignedDuration::from_secs(20)).await;
    }

    // Act: the public page, as anyone reads it.
    let (_, html) = crate::maintenance_ops::public(app, "").await;

    // Assert: ninety days a bar; the days before the components existed have no data; today
    // shows the outage, rounded up to a minute, and the percentage is below 100 for the API only.
    let bars = |row: &str| -> Vec<(String, String)> {
        row.split("<i class=\"")
            .skip(1)
            .map(|b| {
                let (class, rest) = b.split_once("\" title=\"").expect("a titled bar");
                (
                    class.to_string(),
                    rest.split('"').next().unwrap().to_string(),
                )
            })
            .collect()
    };
    let (api_row, dashboard_row) = (
        component_row(&html, "API"),
        component_row(&html, "Dashboard"),
    );
    let (api_bars, dashboard_bars) = (bars(api_row), bars(dashboard_row));
    assert_eq!(
        (api_bars.len(), dashboard_bars.len()),
        (90, 90),
        "{api_row}"
    );
    let no_data = api_bars.iter().filter(|(c, _)| c == "none").count();
    assert!(no_data >= 88, "{api_bars:?}");
    assert!(api_bars[0].1.ends_with(": no data"), "{api_bars:?}");
    let (class, title) = api_bars.last().unwrap();
    assert_eq!(class, "major", "{api_bars:?}");
    assert!(title.ends_with(", 1m 00s major outage"), "{title}");
    let (class, title) = dashboard_bars.last().unwrap();
    assert_eq!(class, "ok");
    assert!(title.ends_with(": 100.00% uptime"), "{title}");
    assert!(
        dashboard_row.contains(">100.00% uptime</span>"),
        "{dashboard_row}"
    );
    let pct: f64 = api_row
        .split(r#"<span class="pct">"#)
        .nth(1)
        .and_then(|s| s.split('%').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("a percentage in {api_row}"));
    assert!(pct > 0.0 && pct < 100.0, "{pct}");
}

e2e_test!(
    the_public_page_shows_each_components_uptime_from_its_history,
    manual_clock
);
