//! Statuspage public API v2 (issue #4): a page with every kind of object Statuspage has (a group
//! and its children, an ungrouped component with a description, incidents in every status, a
//! published postmortem, maintenance in every state) read through all eight documents by a
//! strict reader, `scripts/statuspage-v2-check`; the reader's own self-test; and maintenance read
//! the moment time has moved it, before its job has written the update.

use crate::e2e_test;
use crate::harness::TestApp;
use crate::status_pages::setup_page;
use debrief_core::access::AccountRole;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The eight documents, under `/status/{slug}/api/v2/`.
const DOCUMENTS: [&str; 8] = [
    "summary.json",
    "status.json",
    "components.json",
    "incidents.json",
    "incidents/unresolved.json",
    "scheduled-maintenances.json",
    "scheduled-maintenances/upcoming.json",
    "scheduled-maintenances/active.json",
];

/// The strict reader, from the repository's `scripts/`.
fn reader() -> String {
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scripts/statuspage-v2-check"
    )
    .to_string()
}

/// Runs the strict reader with `args`: whether it passed, and what it printed.
async fn run_reader(args: &[&str]) -> (bool, String) {
    let out = tokio::process::Command::new("python3")
        .arg(reader())
        .args(args)
        .output()
        .await
        .expect("run python3 (the strict reader needs only its standard library)");
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), printed)
}

/// Declares an incident and returns its reference.
async fn declare(app: &TestApp, title: &str, private: bool) -> String {
    let inc = app
        .declare(
            &app.admin_token,
            &json!({"title": title, "severity": "SEV2", "private": private}),
        )
        .await;
    inc["reference"].as_str().unwrap().to_string()
}

/// Publishes an update of incident `r` on page `acme`; the answer's status and body.
async fn publish(app: &TestApp, r: &str, update: Value) -> (StatusCode, Value) {
    let mut body = json!({"page": "acme"});
    body.as_object_mut()
        .unwrap()
        .extend(update.as_object().unwrap().clone());
    let (s, _, v) = app
        .post(
            &format!("/api/v1/incidents/{r}/status-updates"),
            &app.admin_token,
            &body,
        )
        .await;
    (s, v)
}

/// Publishes, failing the test unless the update is accepted.
async fn published(app: &TestApp, r: &str, update: Value) {
    let (s, v) = publish(app, r, update).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
}

/// Resolves incident `r` and publishes its postmortem with a customer-facing summary.
async fn publish_postmortem(app: &TestApp, r: &str, summary: &str) {
    let t = &app.admin_token;
    app.transition(t, r, &json!({"to": "resolved"})).await;
    let pm = format!("/api/v1/incidents/{r}/postmortem");
    let (reviewer, reviewer_token) = app.create_user(AccountRole::Responder).await;
    let (s, _, v) = app
        .patch(
            &pm,
            t,
            &json!({"customer_summary": summary, "reviewer_ids": [reviewer.id]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    app.post(&format!("{pm}/steps"), t, &json!({"step": "submit"}))
        .await;
    app.post(
        &format!("{pm}/reviews"),
        &reviewer_token,
        &json!({"verdict": "approved"}),
    )
    .await;
    let (s, _, v) = app
        .post(&format!("{pm}/steps"), t, &json!({"step": "publish"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

/// Schedules maintenance on `acme` from `from` to `until` minutes from now.
async fn schedule(app: &TestApp, title: &str, from: i64, until: i64, verify: i64, on: &[i64]) {
    let at = |mins: i64| {
        debrief_core::format_utc(jiff::Timestamp::now() + jiff::SignedDuration::from_mins(mins))
    };
    let (s, _, m) = app
        .post(
            "/api/v1/status-pages/acme/maintenances",
            &app.admin_token,
            &json!({"title": title, "body": format!("{title}: planned work."),
                    "starts_at": at(from), "ends_at": at(until), "verify_minutes": verify,
                    "components": on}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
}

/// Waits until the maintenance jobs have moved every maintenance to `expected` (by title) and
/// the public documents show the updates they wrote, so the page holds still while it is read.
async fn wait_for_maintenance(app: &TestApp, expected: &[(&str, &str)]) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let (_, _, list) = app
            .get("/api/v1/status-pages/acme/maintenances", &app.admin_token)
            .await;
        let stored: Vec<(String, String, usize)> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                let updates = m["updates"].as_array().map_or(0, Vec::len);
                (
                    m["title"].as_str().unwrap().to_string(),
                    m["status"].as_str().unwrap().to_string(),
                    updates,
                )
            })
            .collect();
        let public = document(app, "scheduled-maintenances.json").await;
        let shown: Vec<(String, usize)> = public["scheduled_maintenances"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                let updates = m["incident_updates"].as_array().map_or(0, Vec::len);
                (m["name"].as_str().unwrap().to_string(), updates)
            })
            .collect();
        let settled = expected.iter().all(|(title, status)| {
            stored
                .iter()
                .any(|(t, s, n)| t == title && s == status && shown.contains(&(t.clone(), *n)))
        });
        if settled {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "maintenance never settled: stored {stored:?}, shown {shown:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// One public document, as anyone reads it.
async fn document(app: &TestApp, name: &str) -> Value {
    let res = crate::harness::http_client()
        .get(app.url(&format!("/status/acme/api/v2/{name}")))
        .send()
        .await
        .expect("a public document");
    assert_eq!(res.status(), StatusCode::OK, "{name}");
    res.json().await.expect("JSON")
}

/// Builds the rich page `acme` (see the module docs); the private incident's names.
async fn rich_page(app: &TestApp) -> [&'static str; 2] {
    let (api, dashboard) = setup_page(app).await;
    let (s, _, search) = app
        .post(
            "/api/v1/status-pages/acme/components",
            &app.admin_token,
            &json!({"name": "Search", "description": "Full-text search of every workspace"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{search}");
    let search = search["id"].as_i64().unwrap();

    // An outage being investigated.
    let down = declare(app, "API 5xx", false).await;
    let update = json!({"status": "investigating", "name": "Elevated API errors",
                        "body": "We are investigating errors on the API.",
                        "components": [{"id": api, "state": "major_outage"}]});
    published(app, &down, update).await;
    // Identified with a component, then monitoring with none (affected_components: null).
    let slow = declare(app, "Dashboard slow", false).await;
    let update = json!({"status": "identified", "name": "Slow dashboard",
                        "body": "A slow query; a fix is rolling out.",
                        "components": [{"id": dashboard, "state": "partial_outage"}]});
    published(app, &slow, update).await;
    let update = json!({"status": "monitoring", "body": "The fix is out; we are watching."});
    published(app, &slow, update).await;
    // Resolved, giving its component back.
    let past = declare(app, "Search degraded", false).await;
    let update = json!({"status": "investigating", "name": "Slow search",
                        "body": "Searches are slow.",
                        "components": [{"id": search, "state": "degraded_performance"}]});
    published(app, &past, update).await;
    let update = json!({"status": "resolved", "body": "Searches are fast again.",
                        "components": [{"id": search, "state": "operational"}]});
    published(app, &past, update).await;
    // Resolved, and its postmortem published.
    let reviewed = declare(app, "Queue stuck", false).await;
    let update = json!({"status": "resolved", "name": "Delayed e-mails",
                        "body": "E-mails are delivered again."});
    published(app, &reviewed, update).await;
    let summary = "A **full disk** delayed e-mails for 20 minutes.";
    publish_postmortem(app, &reviewed, summary).await;
    // Private: refused outright, or gone from the page once made private.
    let secret = declare(app, "Key leak", true).await;
    let update = json!({"status": "investigating", "name": "Leaked signing key",
                        "body": "Rotating keys."});
    let (refused, _) = publish(app, &secret, update).await;
    assert_eq!(refused, StatusCode::CONFLICT);
    let hidden = declare(app, "Payroll export", false).await;
    let update = json!({"status": "investigating", "name": "Payroll exports failing",
                        "body": "Exports fail."});
    published(app, &hidden, update).await;
    app.patch(
        &format!("/api/v1/incidents/{hidden}"),
        &app.admin_token,
        &json!({"private": true}),
    )
    .await;

    // Maintenance in each state; no job is due while the page is read.
    schedule(app, "Search reindex", 24 * 60, 26 * 60, 15, &[search]).await;
    schedule(app, "Dashboard upgrade", -30, 180, 15, &[dashboard]).await;
    schedule(app, "API failover drill", -120, -1, 120, &[api]).await;
    schedule(app, "Network upgrade", -180, -120, 0, &[]).await;
    wait_for_maintenance(
        app,
        &[
            ("Search reindex", "scheduled"),
            ("Dashboard upgrade", "in_progress"),
            ("API failover drill", "verifying"),
            ("Network upgrade", "completed"),
        ],
    )
    .await;
    // Operators' notes: a second update at the same status.
    let (_, _, list) = app
        .get("/api/v1/status-pages/acme/maintenances", &app.admin_token)
        .await;
    for (title, note) in [
        ("Search reindex", "Reindexing starts on the replicas."),
        ("Dashboard upgrade", "Half of the dashboards are upgraded."),
    ] {
        let items = list["items"].as_array().expect("items");
        let m = items.iter().find(|m| m["title"] == title).expect(title);
        let path = format!("/api/v1/status-pages/acme/maintenances/{}/updates", m["id"]);
        let (s, _, v) = app
            .post(&path, &app.admin_token, &json!({"body": note}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    ["Leaked signing key", "Payroll exports failing"]
}

async fn a_strict_statuspage_reader_accepts_every_document(app: &TestApp) {
    // Arrange
    let private_names = rich_page(app).await;
    let mut texts = Vec::new();
    for name in DOCUMENTS {
        let text = crate::harness::http_client()
            .get(app.url(&format!("/status/acme/api/v2/{name}")))
            .send()
            .await
            .expect("a public document")
            .text()
            .await
            .expect("text");
        texts.push((name, text));
    }

    // Act
    let (passed, printed) = run_reader(&["--opaque-ids", &app.url("/status/acme")]).await;

    // Assert: the reader found nothing wrong…
    assert!(passed, "the strict reader found violations:\n{printed}");
    assert!(printed.contains("8 documents OK"), "{printed}");
    // …on a page that really has every kind of object…
    let incidents = document(app, "incidents.json").await;
    let statuses: Vec<&str> = incidents["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    for s in ["investigating", "monitoring", "resolved", "postmortem"] {
        assert!(statuses.contains(&s), "{s} in {statuses:?}");
    }
    let maintenances = document(app, "scheduled-maintenances.json").await;
    let mut states: Vec<&str> = maintenances["scheduled_maintenances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["status"].as_str().unwrap())
        .collect();
    states.sort_unstable();
    assert_eq!(
        states,
        ["completed", "in_progress", "scheduled", "verifying"]
    );
    let components = document(app, "components.json").await;
    let comps = components["components"].as_array().unwrap();
    assert!(comps.iter().any(|c| c["group"] == true), "{components}");
    assert!(
        comps.iter().any(
            |c| c["description"] == "Full-text search of every workspace"
                && c["group_id"].is_null()
        ),
        "{components}"
    );
    // …and what only the writer knows: the postmortem is the customer summary, the monitoring
    // update changed no component, and private incidents appear nowhere.
    let by_name = |n: &str| {
        incidents["incidents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["name"] == n)
            .unwrap_or_else(|| panic!("{n} in {incidents}"))
            .clone()
    };
    let postmortem = by_name("Delayed e-mails");
    assert_eq!(postmortem["status"], "postmortem");
    assert!(
        postmortem["incident_updates"][0]["body"]
            .as_str()
            .unwrap()
            .contains("full disk"),
        "{postmortem}"
    );
    assert_eq!(postmortem["incident_updates"][1]["status"], "resolved");
    let monitoring = by_name("Slow dashboard");
    assert!(monitoring["incident_updates"][0]["affected_components"].is_null());
    assert_eq!(
        monitoring["incident_updates"][1]["affected_components"][0]["new_status"],
        "partial_outage"
    );
    for (name, text) in &texts {
        for secret in private_names.iter().chain(&["Key leak", "Payroll export"]) {
            assert!(!text.contains(secret), "{secret} is in {name}: {text}");
        }
    }
    // An incident's shortlink leads to its page. (A maintenance's does not yet: no page is
    // rendered for maintenance.)
    for i in incidents["incidents"].as_array().unwrap() {
        let link = i["shortlink"].as_str().unwrap();
        let res = crate::harness::http_client()
            .get(link)
            .send()
            .await
            .expect("shortlink");
        assert_eq!(res.status(), StatusCode::OK, "{link}");
    }
}

#[test]
fn the_strict_reader_catches_broken_documents() {
    // Arrange + act: the reader's self-test breaks the fixture in memory in each way it checks.
    let out = std::process::Command::new("python3")
        .arg(reader())
        .arg("--self-test")
        .output()
        .expect("run python3");
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // Assert: every broken document was caught, and the intact fixture passed.
    assert!(out.status.success(), "{printed}");
    assert!(printed.contains("the fixture passes"), "{printed}");
}

e2e_test!(a_strict_statuspage_reader_accepts_every_document);

async fn maintenance_read_the_moment_it_is_scheduled_shows_its_own_status_first(app: &TestApp) {
    // Arrange: a page already read (so it is snapshotted), and maintenance whose window has
    // already opened: time says `in_progress` before its job has written that update.
    let (api, _) = setup_page(app).await;
    document(app, "summary.json").await;
    let mut seen = Vec::new();

    // Act: read it at once, several times (the job usually wins the race, not always).
    for n in 0..10 {
        schedule(app, &format!("Upgrade {n}"), -30, 180, 15, &[api]).await;
        let active = document(app, "scheduled-maintenances/active.json").await;
        let m = active["scheduled_maintenances"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == format!("Upgrade {n}"))
            .unwrap_or_else(|| panic!("Upgrade {n} in {active}"))
            .clone();
        seen.push((
            m["status"].clone(),
            m["incident_updates"][0]["status"].clone(),
        ));
    }

    // Assert: a reader never sees an `in_progress` maintenance whose latest update says otherwise.
    assert!(
        seen.iter().all(|(s, u)| s == "in_progress" && u == s),
        "{seen:?}"
    );
}

e2e_test!(maintenance_read_the_moment_it_is_scheduled_shows_its_own_status_first);
