//! The seeded history of the incident insights' end-to-end tests (issue 15, part 4): teams,
//! services, five incidents over three weeks with known key timestamps, pages and action items,
//! all through the API with the server's clock moved.

use crate::harness::TestApp;
use debrief_core::Timestamp;
use debrief_core::access::AccountRole;
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
pub(crate) fn at(m: Timestamp, day: i64, hhmm: &str) -> Timestamp {
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

pub(crate) struct Seeded {
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) alice: (i64, String),
    pub(crate) bob: (i64, String),
    pub(crate) bob_token: String,
    pub(crate) private: String,
    pub(crate) repeat: String,
    pub(crate) monday: Timestamp,
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
pub(crate) async fn arrange(app: &TestApp) -> Seeded {
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
