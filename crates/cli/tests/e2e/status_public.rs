//! Status pages as a strict reader sees them (issue 9, part 10): opaque public ids that tell
//! nothing of internal numbers and are the same on every server; `maintenance` while
//! maintenance runs; a page that follows time without any write (uptime to the minute, the
//! day bars at midnight); an Atom feed that names the address it is served at.

use crate::e2e_test;
use crate::harness::{Backend, TestApp, spawn_app_with};
use crate::maintenance_ops::{public, schedule};
use crate::status_pages::setup_page;
use debrief_core::statuspage::public_id::is_public_id;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A public v2 document of `acme`.
async fn document(app: &TestApp, name: &str) -> Value {
    let (s, text) = public(app, &format!("/api/v2/{name}")).await;
    assert_eq!(s, StatusCode::OK, "{name}: {text}");
    serde_json::from_str(&text).expect("JSON")
}

/// Publishes an update of a new incident on `acme`: the incident's reference and the answer.
async fn publish_new(app: &TestApp, title: &str, update: Value) -> (String, Value) {
    let inc = app
        .declare(
            &app.admin_token,
            &json!({"title": title, "severity": "SEV2"}),
        )
        .await;
    let r = inc["reference"].as_str().unwrap().to_string();
    let mut body = json!({"page": "acme", "status": "investigating", "body": "Looking."});
    body.as_object_mut()
        .unwrap()
        .extend(update.as_object().unwrap().clone());
    let (s, _, published) = app
        .post(
            &format!("/api/v1/incidents/{r}/status-updates"),
            &app.admin_token,
            &body,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{published}");
    (r, published)
}

/// The ids a document shows for its page, incidents, maintenance and their updates.
fn ids_in(doc: &Value) -> Vec<String> {
    let mut ids = vec![doc["page"]["id"].as_str().unwrap_or("?").to_string()];
    for key in ["incidents", "scheduled_maintenances"] {
        for e in doc[key].as_array().into_iter().flatten() {
            ids.push(e["id"].as_str().unwrap_or("?").to_string());
            for u in e["incident_updates"].as_array().into_iter().flatten() {
                ids.push(u["id"].as_str().unwrap_or("?").to_string());
                assert_eq!(u["incident_id"], e["id"], "{u}");
            }
        }
    }
    ids
}

async fn public_ids_are_opaque_and_the_same_on_every_server(backend: Backend) {
    // Arrange: two public incidents with a private one declared between them (numbers 1, 2, 3),
    // and maintenance, on a page read through this server.
    let app = spawn_app_with(backend, |_| {}).await;
    let (api, _) = setup_page(&app).await;
    let (first, one) = publish_new(&app, "API errors", json!({"name": "API errors"})).await;
    let hidden = app
        .declare(
            &app.admin_token,
            &json!({"title": "Key leak", "severity": "SEV1", "private": true}),
        )
        .await;
    let (third, three) = publish_new(
        &app,
        "Slow search",
        json!({"name": "Slow search", "components": [{"id": api, "state": "partial_outage"}]}),
    )
    .await;
    let m = schedule(&app, "Database upgrade", (3_600_000, 7_200_000, 0), &[api]).await;
    let numbers: Vec<String> = [&first, hidden["reference"].as_str().unwrap(), &third]
        .iter()
        .map(|r| r.trim_start_matches("INC-").to_string())
        .collect();
    assert_eq!(numbers, ["1", "2", "3"], "a gap the public must not see");

    // Act: read everything public here, and the summary through another server.
    let incidents = document(&app, "incidents.json").await;
    let maintenances = document(&app, "scheduled-maintenances.json").await;
    let summary = document(&app, "summary.json").await;
    let (_, feed) = public(&app, "/feed.atom").await;
    let (_, html) = public(&app, "").await;
    let other = crate::harness::ServerProcess::start_with(app.database_url(), &[]).await;
    let elsewhere: Value = crate::harness::http_client()
        .get(format!("{}/status/acme/api/v2/summary.json", other.address))
        .send()
        .await
        .expect("the other server")
        .json()
        .await
        .expect("JSON");
    other.kill_9().await;

    // Assert: ids in Statuspage's shape, the ones admins are told, never the numbers…
    let (one_id, three_id) = (
        one["public_id"].as_str().expect("public_id"),
        three["public_id"].as_str().expect("public_id"),
    );
    let m_id = m["public_id"].as_str().expect("public_id");
    let listed: Vec<&str> = incidents["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [three_id, one_id]);
    assert_eq!(maintenances["scheduled_maintenances"][0]["id"], m_id);
    let mut all = ids_in(&incidents);
    all.extend(ids_in(&maintenances));
    assert!(all.iter().all(|id| is_public_id(id)), "{all:?}");
    for n in &numbers {
        let m_n = format!("m{}", m["id"]);
        for text in [
            &feed,
            &html,
            &incidents.to_string(),
            &maintenances.to_string(),
        ] {
            for link in [format!("/incidents/{n}\""), format!("/incidents/{n}<")] {
                assert!(!text.contains(&link), "{link} in {text}");
            }
            assert!(!text.contains(&format!("/incidents/{m_n}")), "{text}");
        }
    }
    // …whose pages are there under the public id only…
    for (id, s) in [
        (one_id, StatusCode::OK),
        (m_id, StatusCode::OK),
        ("1", StatusCode::NOT_FOUND),
        (&format!("m{}", m["id"]), StatusCode::NOT_FOUND),
    ] {
        assert_eq!(public(&app, &format!("/incidents/{id}")).await.0, s, "{id}");
    }
    assert!(html.contains(&format!("/status/acme/incidents/{three_id}\"")));
    assert!(feed.contains(&format!("/status/acme/incidents/{one_id}</id>")));
    // …and the same on another server sharing the database (the key is in the database).
    assert_eq!(ids_in(&elsewhere), ids_in(&summary));
    assert!(is_public_id(summary["page"]["id"].as_str().unwrap()));
    app.close().await;
}

e2e_test!(public_ids_are_opaque_and_the_same_on_every_server, backend);

async fn maintenance_in_progress_is_the_maintenance_indicator(app: &TestApp) {
    // Arrange: every component operational, no incident; maintenance whose window is open.
    let (api, dashboard) = setup_page(app).await;
    schedule(app, "Database upgrade", (-60_000, 3_600_000, 0), &[api]).await;

    // Act
    let status = document(app, "status.json").await;
    let summary = document(app, "summary.json").await;
    let (_, html) = public(app, "").await;
    let (passed, printed) = strict_reader(app).await;
    // A degraded component is worse than maintenance.
    publish_new(
        app,
        "Slow dashboard",
        json!({"components": [{"id": dashboard, "state": "degraded_performance"}]}),
    )
    .await;
    let worse = document(app, "status.json").await;

    // Assert
    let maintenance =
        json!({"indicator": "maintenance", "description": "Service Under Maintenance"});
    assert_eq!(status["status"], maintenance, "{status}");
    assert_eq!(summary["status"], maintenance);
    assert_eq!(
        summary["scheduled_maintenances"][0]["status"],
        "in_progress"
    );
    assert!(html.contains("class=\"overall maintenance\""), "{html}");
    assert!(passed, "the strict reader found violations:\n{printed}");
    assert_eq!(worse["status"]["indicator"], "minor", "{worse}");
}

e2e_test!(maintenance_in_progress_is_the_maintenance_indicator);

/// Runs `scripts/statuspage-v2-check --opaque-ids` on `acme`.
async fn strict_reader(app: &TestApp) -> (bool, String) {
    let out = tokio::process::Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../scripts/statuspage-v2-check"
        ))
        .arg("--opaque-ids")
        .arg(app.url("/status/acme"))
        .output()
        .await
        .expect("run python3");
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), printed)
}

/// What the page shows of a component: its window's uptime and each day bar's tooltip.
fn uptime_of(html: &str, name: &str) -> (String, Vec<String>) {
    let label = format!("aria-label=\"{name}: ");
    let start = html.find(&label).expect("the component's bars") + label.len();
    let rest = &html[start..];
    let uptime = rest[..rest.find(" uptime over").expect("uptime")].to_string();
    let bars = &rest[..rest.find("</div>").expect("end of bars")];
    let titles = bars
        .split("title=\"")
        .skip(1)
        .map(|t| t[..t.find('"').expect("end of title")].to_string())
        .collect();
    (uptime, titles)
}

/// Seconds of major outage the day bars' tooltips add up to (durations as
/// `debrief_core::duration::format_seconds` writes them: `59s`, `3m 22s`, `1h 05m`, `2d 4h`).
fn outage_seconds(titles: &[String]) -> i64 {
    titles
        .iter()
        .filter_map(|t| {
            let head = t.strip_suffix(" major outage")?;
            let spell = head.rsplit(", ").next()?;
            spell
                .split(' ')
                .map(|part| {
                    let unit = part.chars().last()?;
                    let n: i64 = part.trim_end_matches(unit).parse().ok()?;
                    Some(match unit {
                        'd' => n * 86_400,
                        'h' => n * 3_600,
                        'm' => n * 60,
                        's' => n,
                        _ => return None,
                    })
                })
                .sum::<Option<i64>>()
        })
        .sum()
}

async fn an_outage_loses_uptime_as_time_passes_without_any_write(backend: Backend) {
    // Arrange: the server's clock is moved by the test, so it can read the page two minutes later
    // without waiting a minute; the API goes down.
    let app = spawn_app_with(backend, crate::harness::manual_clock).await;
    let (api, _) = setup_page(&app).await;
    publish_new(
        &app,
        "API down",
        json!({"components": [{"id": api, "state": "major_outage"}]}),
    )
    .await;
    app.advance(jiff::SignedDuration::from_secs(1)).await;
    let (_, before) = public(&app, "").await;
    let written = document(&app, "summary.json").await["page"]["updated_at"].clone();

    // Act: two minutes later (a page's figures may be a minute old: they are rebuilt at most
    // once a minute), then just after the next midnight in the page's zone; no write.
    let now = app.advance(jiff::SignedDuration::from_secs(120)).await;
    let (_, later) = public(&app, "").await;
    let zone = jiff::tz::TimeZone::get("Europe/Berlin").expect("the page's zone");
    let midnight = debrief_core::statuspage::uptime::next_day_start(now, &zone);
    app.clock()
        .set(midnight + jiff::SignedDuration::from_secs(60));
    let (_, tomorrow) = public(&app, "").await;
    let unwritten = document(&app, "summary.json").await["page"]["updated_at"].clone();

    // Assert: the outage grew by a minute and the uptime fell, without a write…
    assert_eq!(written, unwritten, "nothing was written");
    let (pct_before, bars_before) = uptime_of(&before, "API");
    let (pct_later, bars_later) = uptime_of(&later, "API");
    assert!(
        outage_seconds(&bars_later) > outage_seconds(&bars_before),
        "{bars_before:?} → {bars_later:?}"
    );
    let pct = |s: &str| {
        s.trim_end_matches('%')
            .parse::<f64>()
            .expect("a percentage")
    };
    assert!(
        pct(&pct_later) <= pct(&pct_before),
        "{pct_before} → {pct_later}"
    );
    assert_ne!(before, later, "the page changed");
    // …and after midnight the bars rolled over to the new day.
    let (_, bars_tomorrow) = uptime_of(&tomorrow, "API");
    let today = midnight.to_zoned(zone).date().to_string();
    assert_eq!(bars_tomorrow.len(), 90);
    assert!(
        bars_tomorrow.last().expect("a bar").starts_with(&today),
        "{:?}",
        bars_tomorrow.last()
    );
    assert!(!bars_later.last().expect("a bar").starts_with(&today));
    app.close().await;
}

e2e_test!(
    an_outage_loses_uptime_as_time_passes_without_any_write,
    backend
);

async fn the_feed_names_the_address_it_is_served_at(app: &TestApp) {
    // Arrange
    setup_page(app).await;
    publish_new(app, "API errors", json!({"name": "API errors"})).await;

    for path in ["feed.atom", "history.atom"] {
        // Act
        let (s, xml) = public(app, &format!("/{path}")).await;

        // Assert: the feed's id and self link are its own absolute URL.
        let url = app.url(&format!("/status/acme/{path}"));
        assert_eq!(s, StatusCode::OK);
        assert!(xml.contains(&format!("\n  <id>{url}</id>\n")), "{xml}");
        assert!(
            xml.contains(&format!(
                "<link rel=\"self\" type=\"application/atom+xml\" href=\"{url}\"/>"
            )),
            "{xml}"
        );
    }
}

e2e_test!(the_feed_names_the_address_it_is_served_at);
