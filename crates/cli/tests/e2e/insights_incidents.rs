//! Insights on incidents end to end (issue 15, part 4): a three-week history seeded through the
//! API with the server's clock moved, counted by `GET /api/v1/insights/incidents` and its CSV,
//! against numbers worked out by hand; a private incident counts only for those who may see
//! it; and the `/insights/incidents` page draws a chart per section with a CSV link.

use crate::browser::Browser;
use crate::e2e_test;
use crate::harness::{TestApp, assert_problem};
use crate::openapi::{conforms, document};
use crate::ui::{sign_in, text_of, user_with_password};
use debrief_core::Timestamp;
use debrief_core::access::AccountRole;
use fantoccini::Locator;
use jiff::ToSpan;
use jiff::tz::TimeZone;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The Monday (00:00 UTC) the history starts on: the first one after the clock's now.
fn monday(app: &TestApp) -> Timestamp {
    let today = app.clock().now().to_zoned(TimeZone::UTC).date();
    let back = i64::from(today.weekday().to_monday_zero_offset());
    let next = today + (7 - back).days();
    next.to_zoned(TimeZone::UTC).expect("a day").timestamp()
}

/// `day` days and `hh:mm` after the Monday.
fn at(m: Timestamp, day: i64, hhmm: &str) -> Timestamp {
    let (h, mi) = hhmm.split_once(':').expect("hh:mm");
    let minutes = day * 24 * 60 + h.parse::<i64>().unwrap() * 60 + mi.parse::<i64>().unwrap();
    m + jiff::SignedDuration::from_mins(minutes)
}

fn utc(t: Timestamp) -> String {
    debrief_core::format_utc(t)
}

/// Moves the server's clock forward to `t`.
async fn clock_to(app: &TestApp, t: Timestamp) {
    let now = app.clock().now();
    app.advance(t.duration_since(now)).await;
}

struct Seeded {
    from: String,
    to: String,
    alice: (i64, String),
    bob: (i64, String),
    bob_token: String,
    private: String,
    repeat: String,
    monday: Timestamp,
}

/// Declares an incident at `declared` (the clock moves there) and gives `commander` the role.
async fn incident(app: &TestApp, body: Value, declared: Timestamp, commander: &str) -> String {
    clock_to(app, declared).await;
    let inc = app.declare(&app.admin_token, &body).await;
    let r = inc["reference"].as_str().expect("a reference").to_string();
    let (s, _, b) = app
        .post(
            &format!("/api/v1/incidents/{r}/roles"),
            &app.admin_token,
            &json!({"role": "commander", "email": commander}),
        )
        .await;
    assert!(s.is_success(), "{b}");
    r
}

async fn override_times(app: &TestApp, r: &str, times: &[(&str, Timestamp)]) {
    let mut body: serde_json::Map<String, Value> = times
        .iter()
        .map(|(k, t)| ((*k).to_string(), json!(utc(*t))))
        .collect();
    body.insert("reason".into(), json!("times from the monitoring graphs"));
    let (s, _, b) = app
        .patch(
            &format!("/api/v1/incidents/{r}/timestamps"),
            &app.admin_token,
            &Value::Object(body),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}: {b}");
}

/// Adds an action item due on `due` to incident `r` (created now), in `status`.
async fn item(app: &TestApp, r: &str, due: &str, status: &str) {
    let items = format!("/api/v1/incidents/{r}/action-items");
    let (s, _, created) = app
        .post(
            &items,
            &app.admin_token,
            &json!({"title": "Follow up", "due_on": due}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    if status != "open" {
        let (s, _, changed) = app
            .patch(
                &format!("{items}/{}", created["id"]),
                &app.admin_token,
                &json!({"status": status}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{changed}");
    }
}

/// Opens a page to `users` for incident `r` at `t` and lets it fire.
async fn page(app: &TestApp, t: Timestamp, r: &str, users: &[i64]) -> i64 {
    clock_to(app, t).await;
    let (s, _, p) = app
        .post(
            "/api/v1/pages",
            &app.admin_token,
            &json!({"title": format!("Page for {r}"), "users": users, "incident": r}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    app.settle().await;
    p["id"].as_i64().expect("an id")
}

async fn acknowledge(app: &TestApp, t: Timestamp, id: i64, token: &str) {
    clock_to(app, t).await;
    let (s, _, b) = app
        .post(
            &format!("/api/v1/pages/{id}/acknowledge"),
            token,
            &json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
}

/// The history (M is a Monday, 00:00 UTC; weeks W1 = M.., W2 = M+7.., W3 = M+14..):
///
/// | incident | declared (UTC) | severity | services | commander | detect | ack | mitigate | resolve |
/// |---|---|---|---|---|---|---|---|---|
/// | A | Tue W1 10:00 | SEV1 | checkout | Alice | 5 m | 10 m | 60 m | 120 m |
/// | B | Wed W1 22:30 | SEV2 | checkout, search | Bob | 10 m | 30 m | – | 60 m |
/// | C | Tue W2 08:00 | SEV2 | search | Bob | 30 m | 10 m | 60 m | 180 m |
/// | P (private) | Thu W2 12:00 | SEV1 | checkout | Alice | 10 m | 10 m | – | 120 m |
/// | E (repeats A) | Tue W3 10:00 | SEV2 | checkout | Bob | 5 m | 5 m | – | 80 m |
///
/// (detect = detected − started, ack = acknowledged − detected, mitigate and resolve from the
/// start). Pages: P1 Tue W1 10:01 to Alice for A, she acknowledges at 10:05 (working hours);
/// P2 Wed W1 22:31 to Alice and Bob for B, Bob acknowledges at 22:40 (out of hours); P3 Thu
/// W2 12:05 to Alice for P, she acknowledges at 12:10. Checkout belongs to team payments,
/// search to discovery. Action items: one on A created Tue W1 12:00, due Thu W1, done at once
/// (on time); one on C created Tue W2 11:00, due Wed W2, left open (overdue at the end, Tue W3
/// 00:00); one on E created Tue W3 11:00, due Sat W3, open.
async fn arrange(app: &TestApp) -> Seeded {
    for (path, body) in [
        (
            "/api/v1/teams",
            json!({"slug": "payments", "name": "Payments"}),
        ),
        (
            "/api/v1/teams",
            json!({"slug": "discovery", "name": "Discovery"}),
        ),
        (
            "/api/v1/services",
            json!({"slug": "checkout", "name": "Checkout", "team": "payments"}),
        ),
        (
            "/api/v1/services",
            json!({"slug": "search", "name": "Search", "team": "discovery"}),
        ),
    ] {
        let (s, _, b) = app.post(path, &app.admin_token, &body).await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
    let (alice, alice_token) = app.create_user(AccountRole::Responder).await;
    let (bob, bob_token) = app.create_user(AccountRole::Responder).await;
    let m = monday(app);
    let day = |d: i64| (m.to_zoned(TimeZone::UTC).date() + d.days()).to_string();
    let inc = |title: &str, sev: &str, services: &[&str], started: Timestamp| json!({"title": title, "severity": sev, "services": services, "started_at": utc(started)});

    let a_started = at(m, 1, "09:50");
    let a = incident(
        app,
        inc("Checkout errors", "SEV1", &["checkout"], a_started),
        at(m, 1, "10:00"),
        &alice.email,
    )
    .await;
    let p1 = page(app, at(m, 1, "10:01"), &a, &[alice.id]).await;
    acknowledge(app, at(m, 1, "10:05"), p1, &alice_token).await;
    clock_to(app, at(m, 1, "12:00")).await;
    app.transition(&app.admin_token, &a, &json!({"to": "resolved"}))
        .await;
    item(app, &a, &day(3), "done").await;
    override_times(
        app,
        &a,
        &[
            ("detected_at", at(m, 1, "09:55")),
            ("acknowledged_at", at(m, 1, "10:05")),
            ("mitigated_at", at(m, 1, "10:50")),
            ("resolved_at", at(m, 1, "11:50")),
        ],
    )
    .await;

    let b_started = at(m, 2, "22:00");
    let b = incident(
        app,
        inc(
            "Search and checkout slow",
            "SEV2",
            &["checkout", "search"],
            b_started,
        ),
        at(m, 2, "22:30"),
        &bob.email,
    )
    .await;
    let p2 = page(app, at(m, 2, "22:31"), &b, &[alice.id, bob.id]).await;
    acknowledge(app, at(m, 2, "22:40"), p2, &bob_token).await;
    clock_to(app, at(m, 2, "23:30")).await;
    override_times(
        app,
        &b,
        &[
            ("detected_at", at(m, 2, "22:10")),
            ("acknowledged_at", at(m, 2, "22:40")),
            ("resolved_at", at(m, 2, "23:00")),
        ],
    )
    .await;

    let c_started = at(m, 8, "07:00");
    let c = incident(
        app,
        inc("Search index stale", "SEV2", &["search"], c_started),
        at(m, 8, "08:00"),
        &bob.email,
    )
    .await;
    clock_to(app, at(m, 8, "11:00")).await;
    item(app, &c, &day(9), "open").await;
    override_times(
        app,
        &c,
        &[
            ("detected_at", at(m, 8, "07:30")),
            ("acknowledged_at", at(m, 8, "07:40")),
            ("mitigated_at", at(m, 8, "08:00")),
            ("resolved_at", at(m, 8, "10:00")),
        ],
    )
    .await;

    let p_started = at(m, 10, "11:00");
    let mut private = inc("Payroll export leak", "SEV1", &["checkout"], p_started);
    private["private"] = json!(true);
    let p = incident(app, private, at(m, 10, "12:00"), &alice.email).await;
    let p3 = page(app, at(m, 10, "12:05"), &p, &[alice.id]).await;
    acknowledge(app, at(m, 10, "12:10"), p3, &alice_token).await;
    clock_to(app, at(m, 10, "15:00")).await;
    override_times(
        app,
        &p,
        &[
            ("detected_at", at(m, 10, "11:10")),
            ("acknowledged_at", at(m, 10, "11:20")),
            ("resolved_at", at(m, 10, "13:00")),
        ],
    )
    .await;

    // E repeats A (same service, a similar title, A resolved before it was declared).
    let e_started = at(m, 15, "09:40");
    let e = incident(
        app,
        inc("Checkout errors again", "SEV2", &["checkout"], e_started),
        at(m, 15, "10:00"),
        &bob.email,
    )
    .await;
    clock_to(app, at(m, 15, "11:00")).await;
    app.transition(&app.admin_token, &e, &json!({"to": "resolved"}))
        .await;
    override_times(
        app,
        &e,
        &[
            ("detected_at", at(m, 15, "09:45")),
            ("acknowledged_at", at(m, 15, "09:50")),
        ],
    )
    .await;
    item(app, &e, &day(20), "open").await;
    clock_to(app, at(m, 16, "00:00")).await;
    Seeded {
        from: day(0),
        to: day(21),
        alice: (alice.id, alice.name),
        bob: (bob.id, bob.name),
        bob_token,
        private: p,
        repeat: e,
        monday: m,
    }
}

fn mttx(count: i64, median: f64, p90: f64) -> Value {
    json!({"count": count, "median_seconds": median, "p90_seconds": p90})
}

fn none() -> Value {
    json!({"count": 0, "median_seconds": null, "p90_seconds": null})
}

async fn incident_insights_match_numbers_worked_by_hand(app: &TestApp) {
    // Arrange
    let s = arrange(app).await;
    let q = format!("from={}&to={}&bucket=week", s.from, s.to);

    // Act
    let (status, _, all) = app
        .get(&format!("/api/v1/insights/incidents?{q}"), &app.admin_token)
        .await;
    let (_, _, bobs) = app
        .get(&format!("/api/v1/insights/incidents?{q}"), &s.bob_token)
        .await;
    let (_, _, berlin) = app
        .get(
            &format!("/api/v1/insights/incidents?{q}&tz=Europe/Berlin&team=payments"),
            &app.admin_token,
        )
        .await;

    // Assert: the admin sees all four incidents.
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(all["incidents"], 5, "{all}");
    let trends = all["trends"].as_array().expect("trends");
    assert_eq!(trends.len(), 3);
    // W1: A and B. Detect 300 s and 600 s → median 450, p90 (nearest rank 2 of 2) 600;
    // acknowledge 600 and 1800; mitigate only A (B never was); resolve 7200 and 3600.
    assert_eq!(trends[0]["incidents"], 2);
    assert_eq!(trends[0]["mttd"], mttx(2, 450.0, 600.0));
    assert_eq!(trends[0]["mtta"], mttx(2, 1200.0, 1800.0));
    assert_eq!(trends[0]["mttm"], mttx(1, 3600.0, 3600.0));
    assert_eq!(trends[0]["mttr"], mttx(2, 5400.0, 7200.0));
    // W2: C and P. Detect 1800 and 600 → 1200 / 1800; acknowledge 600 and 600; mitigate C
    // only; resolve 10800 and 7200 → 9000 / 10800. W3: nothing, kept.
    assert_eq!(trends[1]["mttd"], mttx(2, 1200.0, 1800.0));
    assert_eq!(trends[1]["mtta"], mttx(2, 600.0, 600.0));
    assert_eq!(trends[1]["mttm"], mttx(1, 3600.0, 3600.0));
    assert_eq!(trends[1]["mttr"], mttx(2, 9000.0, 10800.0));
    // W3: E alone (detect 300, acknowledge 300, never mitigated, resolve 4800).
    assert_eq!(trends[2]["incidents"], 1);
    assert_eq!(trends[2]["mttd"], mttx(1, 300.0, 300.0));
    assert_eq!(trends[2]["mtta"], mttx(1, 300.0, 300.0));
    assert_eq!(trends[2]["mttm"], none());
    assert_eq!(trends[2]["mttr"], mttx(1, 4800.0, 4800.0));
    // Severity: W1 one of each; W2 one of each; W3 one SEV2.
    let mix: Vec<&Value> = all["severity_mix"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| &b["counts"])
        .collect();
    assert_eq!(
        mix,
        [
            &json!({"SEV1": 1, "SEV2": 1}),
            &json!({"SEV1": 1, "SEV2": 1}),
            &json!({"SEV1": 0, "SEV2": 1})
        ]
    );
    // Services: checkout A (60 m to mitigation), B (60 m to resolution), P (120 m), E (80 m):
    // 4, 320 m;
    // search B (60 m), C (60 m): 2, 120 m. Teams follow their services.
    assert_eq!(
        all["services"],
        json!([
            {"name": "checkout", "team": "payments", "incidents": 4, "downtime_minutes": 320.0},
            {"name": "search", "team": "discovery", "incidents": 2, "downtime_minutes": 120.0},
        ])
    );
    assert_eq!(
        all["teams"],
        json!([
            {"name": "payments", "incidents": 4, "downtime_minutes": 320.0},
            {"name": "discovery", "incidents": 2, "downtime_minutes": 120.0},
        ])
    );
    // Busiest hours (UTC): Tue 10 (A and E), Wed 22, Tue 08, Thu 12.
    let busy: Vec<(i64, i64, i64)> = all["busiest_hours"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["incidents"] != 0)
        .map(|c| {
            (
                c["weekday"].as_i64().unwrap(),
                c["hour"].as_i64().unwrap(),
                c["incidents"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(busy, [(2, 8, 1), (2, 10, 2), (3, 22, 1), (4, 12, 1)]);
    // Responders: Alice got P1 (Tue 10:01), P2 (Wed 22:31, out of hours) and P3 (Thu 12:05),
    // acknowledged P1 and P3; she commanded A (10:00 → 11:50) and P (12:00 → 13:00): 2.8333 h.
    // Bob got P2 (out of hours) and acknowledged it; he commanded B (22:30 → 23:00), C
    // (08:00 → 10:00) and E (10:00 → 11:00): 3.5 h.
    let (alice_id, alice_name) = &s.alice;
    let (bob_id, bob_name) = &s.bob;
    let load = |r: &Value, id: i64| {
        r["responders"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["user_id"] == id)
            .cloned()
            .unwrap_or(Value::Null)
    };
    let alice = load(&all, *alice_id);
    assert_eq!(
        (
            &alice["name"],
            &alice["pages_received"],
            &alice["pages_acknowledged"],
            &alice["out_of_hours_pages"]
        ),
        (&json!(alice_name), &json!(3), &json!(2), &json!(1)),
        "{all}"
    );
    assert!((alice["hours_on_incidents"].as_f64().unwrap() - 17.0 / 6.0).abs() < 1e-6);
    let bob = load(&all, *bob_id);
    assert_eq!(
        (
            &bob["name"],
            &bob["pages_received"],
            &bob["pages_acknowledged"],
            &bob["out_of_hours_pages"],
            &bob["hours_on_incidents"]
        ),
        (
            &json!(bob_name),
            &json!(1),
            &json!(1),
            &json!(1),
            &json!(3.5)
        )
    );
    // Action items by week of creation, in their state today.
    let items: Vec<Value> = all["action_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            json!([
                b["created"],
                b["done_on_time"],
                b["done_late"],
                b["overdue"],
                b["open"],
                b["wont_do"]
            ])
        })
        .collect();
    assert_eq!(
        items,
        [
            json!([1, 1, 0, 0, 0, 0]),
            json!([1, 0, 0, 1, 0, 0]),
            json!([1, 0, 0, 0, 1, 0])
        ]
    );
    // E is the one repeat.
    let repeats: Vec<(&Value, &Value, &Value)> = all["repeats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (&b["incidents"], &b["repeated"], &b["references"]))
        .collect();
    assert_eq!(
        repeats,
        [
            (&json!(2), &json!(0), &json!([])),
            (&json!(2), &json!(0), &json!([])),
            (&json!(1), &json!(1), &json!([s.repeat])),
        ]
    );

    // Bob may not see the private incident: four incidents, and Alice's load without it
    // (two pages, one acknowledged, A's 1h50 only).
    assert_eq!(bobs["incidents"], 4, "{bobs}");
    assert_eq!(bobs["trends"][1]["mttr"], mttx(1, 10800.0, 10800.0));
    assert!(!bobs.to_string().contains(&s.private), "{bobs}");
    let alice = load(&bobs, *alice_id);
    assert_eq!(
        (&alice["pages_received"], &alice["pages_acknowledged"]),
        (&json!(2), &json!(1))
    );
    assert!((alice["hours_on_incidents"].as_f64().unwrap() - 11.0 / 6.0).abs() < 1e-6);

    // Payments' incidents (A, B, P, E), with the busiest hours in Berlin's wall-clock time.
    assert_eq!(berlin["incidents"], 4);
    assert_eq!(berlin["tz"], "Europe/Berlin");
    let local = at(s.monday, 1, "10:00")
        .in_tz("Europe/Berlin")
        .expect("a zone");
    let cells = berlin["busiest_hours"].as_array().unwrap();
    let a_cell = cells
        .iter()
        .find(|c| c["weekday"] == 2 && c["hour"] == i64::from(local.hour()))
        .expect("A's hour");
    assert!(a_cell["incidents"].as_i64().unwrap() >= 1, "{a_cell}");
    let total: i64 = cells.iter().map(|c| c["incidents"].as_i64().unwrap()).sum();
    assert_eq!(total, 4);
    assert_eq!(
        berlin["teams"][0],
        json!({"name": "payments", "incidents": 4, "downtime_minutes": 320.0})
    );

    // The CSV of the trends, exactly.
    let res = app
        .client
        .get(app.url(&format!("/api/v1/insights/incidents/trends.csv?{q}")))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .expect("CSV");
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = res.text().await.expect("text");
    let b = |i: usize| {
        format!(
            "{},{}",
            trends[i]["start"].as_str().unwrap(),
            trends[i]["end"].as_str().unwrap()
        )
    };
    assert_eq!(
        csv,
        format!(
            "start,end,incidents,mttd_count,mttd_median_seconds,mttd_p90_seconds,mtta_count,mtta_median_seconds,mtta_p90_seconds,mttm_count,mttm_median_seconds,mttm_p90_seconds,mttr_count,mttr_median_seconds,mttr_p90_seconds\r\n\
             {},2,2,450,600,2,1200,1800,1,3600,3600,2,5400,7200\r\n\
             {},2,2,1200,1800,2,600,600,1,3600,3600,2,9000,10800\r\n\
             {},1,1,300,300,1,300,300,0,,,1,4800,4800\r\n",
            b(0),
            b(1),
            b(2)
        )
    );
    let services_csv = app
        .client
        .get(app.url(&format!("/api/v1/insights/incidents/services.csv?{q}")))
        .bearer_auth(&s.bob_token)
        .send()
        .await
        .expect("CSV")
        .text()
        .await
        .expect("text");
    // Bob does not see P: checkout has A, B and E (60 + 60 + 80 minutes).
    assert_eq!(
        services_csv,
        "service,team,incidents,downtime_minutes\r\ncheckout,payments,3,200\r\nsearch,discovery,2,120\r\n"
    );

    // The answer is what the OpenAPI document says.
    let doc = document(app).await;
    let answer = app
        .get(&format!("/api/v1/insights/incidents?{q}"), &app.admin_token)
        .await;
    conforms(&doc, "get", "/api/v1/insights/incidents", &answer);
}
e2e_test!(incident_insights_match_numbers_worked_by_hand, manual_clock);

async fn incident_insights_name_bad_parameters(app: &TestApp) {
    // Act
    let bad = app
        .get(
            "/api/v1/insights/incidents?from=soon&bucket=day&x=1",
            &app.admin_token,
        )
        .await;
    let zone = app
        .get("/api/v1/insights/incidents?tz=Mars/Base", &app.admin_token)
        .await;
    let team = app
        .get("/api/v1/insights/incidents?team=nobody", &app.admin_token)
        .await;
    let service = app
        .get(
            "/api/v1/insights/incidents?service=nothing",
            &app.admin_token,
        )
        .await;
    let section = app
        .get("/api/v1/insights/incidents/colours.csv", &app.admin_token)
        .await;

    // Assert
    assert_eq!(assert_problem(&bad, 422), ["x", "from", "bucket"]);
    // Unknown things are 404s naming the parameter.
    assert_eq!(assert_problem(&zone, 404), ["tz"]);
    assert_eq!(assert_problem(&team, 404), ["team"]);
    assert_eq!(assert_problem(&service, 404), ["service"]);
    assert_eq!(section.0, StatusCode::NOT_FOUND, "{}", section.2);
}
e2e_test!(incident_insights_name_bad_parameters);

async fn the_incident_insights_page_draws_a_chart_per_section(app: &TestApp) {
    // Arrange
    let s = arrange(app).await;
    user_with_password(app, "lee@example.com", "Lee Lead", "admin").await;
    let b = Browser::start().await;
    let page = format!(
        "/insights/incidents?from={}&to={}&bucket=week&tz=UTC",
        s.from, s.to
    );

    // Act
    sign_in(&b, app, "lee@example.com", "/insights").await;
    b.client
        .find(Locator::Css("#incident-insights-link"))
        .await
        .expect("a link from /insights");
    b.client.goto(&app.url(&page)).await.expect("open the page");

    // Assert: a section per chart, each with an accessible SVG and its CSV link.
    let scope = text_of(&b, "#insights-scope").await;
    assert!(scope.starts_with("5 incidents declared"), "{scope}");
    let charts = b
        .client
        .find_all(Locator::Css("section svg.chart[role=img]"))
        .await
        .expect("charts");
    assert_eq!(charts.len(), 12);
    let source = b.client.source().await.expect("page source");
    for needle in [
        "Median times, minutes",
        "Incidents by severity",
        "Incidents by service",
        "Tue 10: 2</title>",
        "Pages received per person",
        "Repeat incidents",
    ] {
        assert!(source.contains(needle), "{needle} on the page");
    }
    assert!(!source.contains("NaN"));
    b.screenshot(&format!("incident-insights-{:?}", app.backend))
        .await;

    // The CSV link beside the trends downloads the same numbers (the session is enough).
    let href = b
        .client
        .find(Locator::Css("#section-trends a.csv"))
        .await
        .expect("a CSV link")
        .attr("href")
        .await
        .expect("href")
        .expect("an href");
    let cookie = b
        .client
        .get_named_cookie("debrief_session")
        .await
        .expect("the session cookie");
    let csv = app
        .client
        .get(app.url(&href))
        .header("cookie", format!("debrief_session={}", cookie.value()))
        .send()
        .await
        .expect("CSV");
    assert_eq!(csv.status(), StatusCode::OK);
    let text = csv.text().await.expect("text");
    assert!(
        text.starts_with("start,end,incidents,mttd_count,"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 4);
    b.close().await;
}
e2e_test!(
    the_incident_insights_page_draws_a_chart_per_section,
    manual_clock
);
