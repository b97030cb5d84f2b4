//! Status pages (issue #4, first part): pages and components, publishing an incident's public
//! updates with component changes, and private incidents kept off the page.

use crate::e2e_test;
use crate::harness::TestApp;
use debrief_core::access::AccountRole;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A page `acme` with two components (`API` and `Dashboard` in group `Core`); their ids.
pub(crate) async fn setup_page(app: &TestApp) -> (i64, i64) {
    let t = &app.admin_token;
    let (s, _, page) = app
        .post(
            "/api/v1/status-pages",
            t,
            &json!({"slug": "acme", "name": "Acme Cloud", "time_zone": "Europe/Berlin",
                    "branding": {"accent_color": "#1f6feb", "header": "Live status"}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{page}");
    let mut ids = Vec::new();
    for name in ["API", "Dashboard"] {
        let (s, _, c) = app
            .post(
                "/api/v1/status-pages/acme/components",
                t,
                &json!({"name": name, "group": "Core"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{c}");
        ids.push(c["id"].as_i64().unwrap());
    }
    (ids[0], ids[1])
}

async fn a_published_update_changes_components_and_is_on_the_timeline(app: &TestApp) {
    // Arrange
    let (api, _dashboard) = setup_page(app).await;
    let inc = app
        .declare(
            &app.admin_token,
            &json!({"title": "API errors", "severity": "SEV2"}),
        )
        .await;
    let r = inc["reference"].as_str().unwrap();
    let path = format!("/api/v1/incidents/{r}/status-updates");

    // Act
    let (s, _, published) = app
        .post(
            &path,
            &app.admin_token,
            &json!({"page": "acme", "status": "investigating", "name": "Elevated API error rates",
                    "body": "We are looking into errors on the API.",
                    "components": [{"id": api, "state": "major_outage"}]}),
        )
        .await;
    let (_, _, times) = app
        .get(
            &format!("/api/v1/incidents/{r}/timestamps"),
            &app.admin_token,
        )
        .await;
    let listed = app
        .get("/api/v1/status-pages/acme/components", &app.admin_token)
        .await;
    let components = listed.2.clone();
    let (_, _, history) = app
        .get(
            &format!("/api/v1/status-pages/acme/components/{api}/history"),
            &app.admin_token,
        )
        .await;
    let (bad, _, problem) = app
        .post(
            &path,
            &app.admin_token,
            &json!({"page": "acme", "status": "fixed", "body": "",
                    "components": [{"id": 999, "state": "broken"}]}),
        )
        .await;

    // Assert
    let doc = crate::openapi::document(app).await;
    crate::openapi::conforms(
        &doc,
        "get",
        "/api/v1/status-pages/{slug}/components",
        &listed,
    );
    assert_eq!(s, StatusCode::CREATED, "{published}");
    assert_eq!(published["name"], "Elevated API error rates");
    assert_eq!(published["impact"], "critical");
    assert_eq!(
        published["updates"][0]["components"][0]["old_state"],
        "operational"
    );
    let event_at = published["updates"][0]["at"].clone();
    assert_eq!(
        times["timestamps"]["first_external_comms_at"]
            .clone()
            .max_or(&times["first_external_comms_at"]),
        event_at,
        "{times}"
    );
    let api_now = components["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == api)
        .unwrap();
    assert_eq!(api_now["state"], "major_outage");
    let states: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["operational", "major_outage"]);
    assert_eq!(bad, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default();
    for f in ["status", "body", "components[0].state", "components[0].id"] {
        assert!(fields.contains(&f), "{f} in {problem}");
    }
}

trait MaxOr {
    fn max_or(self, other: &Value) -> Value;
}

impl MaxOr for Value {
    fn max_or(self, other: &Value) -> Value {
        if self.is_null() { other.clone() } else { self }
    }
}

async fn private_incidents_never_reach_a_page(app: &TestApp) {
    // Arrange
    let (api, _) = setup_page(app).await;
    let secret = app
        .declare(
            &app.admin_token,
            &json!({"title": "Key leak", "severity": "SEV1", "private": true}),
        )
        .await;
    let open = app
        .declare(
            &app.admin_token,
            &json!({"title": "Slow API", "severity": "SEV3"}),
        )
        .await;
    let update = json!({"page": "acme", "status": "investigating", "body": "Looking into it.",
                        "components": [{"id": api, "state": "degraded_performance"}]});

    // Act
    let (refused, _, _) = app
        .post(
            &format!(
                "/api/v1/incidents/{}/status-updates",
                secret["reference"].as_str().unwrap()
            ),
            &app.admin_token,
            &update,
        )
        .await;
    let o = open["reference"].as_str().unwrap();
    let (s, _, _) = app
        .post(
            &format!("/api/v1/incidents/{o}/status-updates"),
            &app.admin_token,
            &update,
        )
        .await;
    let (_, responder) = app.create_user(AccountRole::Responder).await;
    let (forbidden, _, _) = app
        .post(
            "/api/v1/status-pages",
            &responder,
            &json!({"slug": "x", "name": "X"}),
        )
        .await;
    // The published incident becomes private afterwards.
    app.patch(
        &format!("/api/v1/incidents/{o}"),
        &app.admin_token,
        &json!({"private": true}),
    )
    .await;
    let (_, _, listed) = app
        .get(
            &format!("/api/v1/incidents/{o}/status-updates"),
            &app.admin_token,
        )
        .await;

    // Assert
    assert_eq!(refused, StatusCode::CONFLICT);
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(forbidden, StatusCode::FORBIDDEN);
    assert_eq!(listed["items"].as_array().unwrap().len(), 0, "{listed}");
}

async fn the_public_page_is_served_from_a_snapshot_with_validators(app: &TestApp) {
    // Arrange: a page with an incident published on it.
    let (api, _) = setup_page(app).await;
    let inc = app
        .declare(
            &app.admin_token,
            &json!({"title": "Internal title", "severity": "SEV2"}),
        )
        .await;
    let r = inc["reference"].as_str().unwrap();
    app.post(
        &format!("/api/v1/incidents/{r}/status-updates"),
        &app.admin_token,
        &json!({"page": "acme", "status": "identified", "name": "Login failures",
                "body": "A <b>bad</b> deploy; rolling back.", "components": [{"id": api, "state": "partial_outage"}]}),
    )
    .await;
    let client = crate::harness::http_client();
    let url = app.url("/status/acme");

    // Act: no credentials at all, as the public.
    let first = client.get(&url).send().await.expect("page");
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    let html = first.text().await.expect("html");
    let again = client
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("page");
    let gz = client
        .get(&url)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .expect("page");
    let missing = client
        .get(app.url("/status/nope"))
        .send()
        .await
        .expect("404");
    // The incident becomes private: it leaves the page at once.
    app.patch(
        &format!("/api/v1/incidents/{r}"),
        &app.admin_token,
        &json!({"private": true}),
    )
    .await;
    let after = client
        .get(&url)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");

    // Assert
    assert!(
        html.contains("Login failures") && html.contains("Partial outage"),
        "{html}"
    );
    assert!(
        html.contains("A &#60;b&#62;bad&#60;/b&#62; deploy") && !html.contains("<b>bad</b>"),
        "escaped: {html}"
    );
    assert!(!html.contains("Internal title") && !html.contains("<script"));
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    assert_ne!(gz.headers()["etag"].to_str().unwrap(), etag);
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(
        !after.contains("Login failures"),
        "a private incident is gone: {after}"
    );
}

async fn a_real_statuspage_reader_reads_the_summary(app: &TestApp) {
    // Arrange: a page with an open incident, as the reader's documentation shows one.
    let (api, _) = setup_page(app).await;
    let inc = app
        .declare(&app.admin_token, &json!({"title": "x", "severity": "SEV2"}))
        .await;
    let r = inc["reference"].as_str().unwrap();
    app.post(
        &format!("/api/v1/incidents/{r}/status-updates"),
        &app.admin_token,
        &json!({"page": "acme", "status": "investigating", "name": "Elevated API error rates",
                "body": "Looking into it.", "components": [{"id": api, "state": "major_outage"}]}),
    )
    .await;
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let exporter = format!("{root}/.tools/venv/bin/statuspage-prometheus-exporter");
    assert!(
        std::path::Path::new(&exporter).exists(),
        "{exporter} is missing: run scripts/install-test-deps"
    );
    let dir = std::env::temp_dir().join(crate::harness::unique_name("debrief_exporter"));
    std::fs::create_dir_all(dir.join("metrics")).expect("a temp dir");
    std::fs::write(
        dir.join("services.json"),
        json!({"ours": {"url": app.url("/status/acme/api/v2/summary.json"), "name": "Acme"}})
            .to_string(),
    )
    .expect("services.json");

    // Act: one pass of the real reader.
    let out = tokio::process::Command::new(&exporter)
        .current_dir(&dir)
        .env("RUN_MODE", "once")
        .env("SERVICES_JSON_PATH", dir.join("services.json"))
        .env("METRICS_TEXTFILE_PATH", dir.join("metrics/statuspage.prom"))
        .env("CLEAR_CACHE", "true")
        .env("NO_PROXY", "*")
        .output()
        .await
        .expect("run the exporter");
    let prom = std::fs::read_to_string(dir.join("metrics/statuspage.prom")).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);

    // Assert: it understood the page: not operational, the incident, the component down.
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        prom.contains(r#"statuspage_service_status{service_name="Acme"} 0.0"#),
        "{prom}"
    );
    assert!(
        prom.contains(r#"incident_name="Elevated API error rates""#)
            && prom.contains(r#"affected_components="API""#),
        "{prom}"
    );
    assert!(
        prom.contains(r#"statuspage_component_status{component_name="API""#),
        "{prom}"
    );
}

async fn the_published_postmortem_summary_shows_on_the_page(app: &TestApp) {
    // Arrange: a SEV2 published on the page and resolved; its postmortem reviewed.
    setup_page(app).await;
    let t = &app.admin_token;
    let inc = app
        .declare(t, &json!({"title": "Queue stuck", "severity": "SEV2"}))
        .await;
    let r = inc["reference"].as_str().unwrap();
    let (_, _, published) = app
        .post(
            &format!("/api/v1/incidents/{r}/status-updates"),
            t,
            &json!({"page": "acme", "status": "resolved", "name": "Delayed e-mails", "body": "Fixed."}),
        )
        .await;
    let id = published["public_id"].as_str().expect("its public id");
    app.transition(t, r, &json!({"to": "resolved"})).await;
    let pm = format!("/api/v1/incidents/{r}/postmortem");
    let (reviewer, reviewer_token) = app.create_user(AccountRole::Responder).await;
    app.patch(
        &pm,
        t,
        &json!({"customer_summary": "A **full disk** delayed e-mails for 20 minutes.",
                              "reviewer_ids": [reviewer.id]}),
    )
    .await;
    let page = app.url(&format!("/status/acme/incidents/{id}"));
    let client = crate::harness::http_client();
    let before = client
        .get(&page)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");

    // Act: submit, approve, publish.
    app.post(&format!("{pm}/steps"), t, &json!({"step": "submit"}))
        .await;
    app.post(
        &format!("{pm}/reviews"),
        &reviewer_token,
        &json!({"verdict": "approved"}),
    )
    .await;
    let (s, _, body) = app
        .post(&format!("{pm}/steps"), t, &json!({"step": "publish"}))
        .await;
    let after = client
        .get(&page)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");

    // Assert
    assert_eq!(s, StatusCode::OK, "{body}");
    assert!(!before.contains("full disk"), "not before publication");
    assert!(after.contains("<strong>full disk</strong>"), "{after}");
}

async fn a_change_through_another_server_reaches_the_snapshot(app: &TestApp) {
    // Arrange: another server shares the database and serves the page from its snapshot. On
    // PostgreSQL it rechecks the database only hourly, so only the announced change (NOTIFY)
    // can reach it in time; SQLite has no announcements and relies on a 1 s recheck.
    setup_page(app).await;
    let recheck = match app.backend {
        crate::harness::Backend::Postgres => "3600",
        crate::harness::Backend::Sqlite => "1",
    };
    let other = crate::harness::ServerProcess::start_with(
        app.database_url(),
        &["--status-recheck-secs", recheck],
    )
    .await;
    let client = crate::harness::http_client();
    let page = format!("{}/status/acme", other.address);
    let read = || async {
        let html = client.get(&page).send().await.expect("page");
        html.text().await.expect("html")
    };
    let first = read().await;
    let inc = app
        .declare(&app.admin_token, &json!({"title": "x", "severity": "SEV3"}))
        .await;

    // Act: publish through this server.
    let (published, _, body) = app
        .post(
            &format!("/api/v1/incidents/{}/status-updates", inc["reference"].as_str().unwrap()),
            &app.admin_token,
            &json!({"page": "acme", "status": "investigating", "name": "Slow search", "body": "Looking."}),
        )
        .await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut seen = false;
    while !seen && std::time::Instant::now() < deadline {
        seen = read().await.contains("Slow search");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    other.kill_9().await;

    // Assert
    assert_eq!(published, StatusCode::CREATED, "{body}");
    assert!(!first.contains("Slow search"));
    assert!(seen, "the other server's snapshot never saw the change");
}

e2e_test!(a_change_through_another_server_reaches_the_snapshot);
e2e_test!(the_published_postmortem_summary_shows_on_the_page);
e2e_test!(a_real_statuspage_reader_reads_the_summary);
e2e_test!(the_public_page_is_served_from_a_snapshot_with_validators);
e2e_test!(a_published_update_changes_components_and_is_on_the_timeline);
e2e_test!(private_incidents_never_reach_a_page);
