//! Learning metrics end to end (issue requirement 9): postmortems on time, late, missing,
//! pending and waived, action items in every state, a repeat, a private incident and a team,
//! counted by `GET /api/v1/insights/learning` and drawn on the `/insights` page.

use crate::browser::Browser;
use crate::e2e_test;
use crate::harness::{TestApp, assert_problem};
use crate::openapi::{conforms, document};
use crate::ui::{sign_in, text_of, user_with_password};
use debrief_core::Timestamp;
use debrief_core::access::AccountRole;
use fantoccini::Locator;
use jiff::{SignedDuration, ToSpan};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn ago(hours: i64) -> String {
    debrief_core::format_utc(Timestamp::now() - SignedDuration::from_hours(hours))
}

fn day(days_from_today: i64) -> String {
    let today = Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    (today + days_from_today.days()).to_string()
}

/// Declares an incident, runs the steps the test needs, and returns its reference.
async fn incident(app: &TestApp, mut body: Value, resolved_hours_ago: i64) -> String {
    // Impact began an hour before the back-dated resolution: a status change may not be dated
    // before the incident began.
    body["started_at"] = json!(ago(resolved_hours_ago + 1));
    let inc = app.declare(&app.admin_token, &body).await;
    let r = inc["reference"].as_str().unwrap().to_string();
    app.transition(
        &app.admin_token,
        &r,
        &json!({"to": "resolved", "at": ago(resolved_hours_ago)}),
    )
    .await;
    r
}

async fn publish(app: &TestApp, r: &str) {
    let steps = format!("/api/v1/incidents/{r}/postmortem/steps");
    for step in [
        json!({"step": "submit"}),
        json!({"step": "publish", "acknowledge_findings": true}),
    ] {
        let (s, _, pm) = app.post(&steps, &app.admin_token, &step).await;
        assert_eq!(s, StatusCode::OK, "{step}: {pm}");
    }
}

async fn item(app: &TestApp, r: &str, title: &str, due: &str, status: Value) {
    let items = format!("/api/v1/incidents/{r}/action-items");
    let (s, _, created) = app
        .post(
            &items,
            &app.admin_token,
            &json!({"title": title, "due_on": due}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    if !status.is_null() {
        let (s, _, changed) = app
            .patch(
                &format!("{items}/{}", created["id"]),
                &app.admin_token,
                &status,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{changed}");
    }
}

/// Seven incidents with known outcomes; see the comments for what each one counts as.
async fn arrange(app: &TestApp) {
    // No approvals needed, so publishing is submit then publish.
    let (_, _, mut policy) = app.get("/api/v1/postmortem-policy", &app.admin_token).await;
    policy["approvals_required"] = json!(0);
    let (s, _, body) = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/postmortem-policy",
            Some(&app.admin_token),
            Some(&policy),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    for (path, body) in [
        (
            "/api/v1/teams",
            json!({"slug": "payments", "name": "Payments"}),
        ),
        (
            "/api/v1/services",
            json!({"slug": "checkout", "name": "Checkout", "team": "payments"}),
        ),
        (
            "/api/v1/services",
            json!({"slug": "search", "name": "Search"}),
        ),
    ] {
        let (s, _, b) = app.post(path, &app.admin_token, &body).await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
    let sev = |title: &str, sev: &str, service: &str| json!({"title": title, "severity": sev, "services": [service]});

    // On time: resolved 10 hours ago, published now (deadlines days ahead). Its action items
    // are in every state.
    let a = incident(app, sev("Checkout latency spike", "SEV1", "checkout"), 10).await;
    publish(app, &a).await;
    item(app, &a, "Alert on p99", &day(10), json!({"status": "done"})).await;
    item(
        app,
        &a,
        "Fix the retry storm",
        "2020-01-01",
        json!({"status": "done"}),
    )
    .await;
    item(app, &a, "Load test checkout", "2020-01-01", Value::Null).await;
    item(
        app,
        &a,
        "Write the runbook",
        &day(10),
        json!({"status": "in_progress"}),
    )
    .await;
    item(
        app,
        &a,
        "Rewrite the cache",
        &day(10),
        json!({"status": "wont_do", "wont_do_reason": "the cache goes away in Q1"}),
    )
    .await;
    // Late: resolved 20 days ago, published now.
    let b = incident(
        app,
        sev("Card payments declined", "SEV1", "checkout"),
        20 * 24,
    )
    .await;
    publish(app, &b).await;
    // Missing: resolved 25 days ago, never published; on a service of no team.
    incident(app, sev("Search index stale", "SEV2", "search"), 25 * 24).await;
    // Waived before resolution.
    let mut queue = sev("Queue backlog", "SEV2", "search");
    queue["started_at"] = json!(ago(25));
    let d = app.declare(&app.admin_token, &queue).await;
    let d = d["reference"].as_str().unwrap();
    let (s, _, body) = app
        .post(
            &format!("/api/v1/incidents/{d}/postmortem/waive"),
            &app.admin_token,
            &json!({"reason": "covered by another review"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    app.transition(
        &app.admin_token,
        d,
        &json!({"to": "resolved", "at": ago(24)}),
    )
    .await;
    // A repeat of the late one (same service, similar title), required only for that; its
    // deadline is ahead, so it is pending.
    let e = incident(
        app,
        sev("Card payments declined again", "SEV3", "checkout"),
        5,
    )
    .await;
    let (_, _, pm) = app
        .get(
            &format!("/api/v1/incidents/{e}/postmortem"),
            &app.admin_token,
        )
        .await;
    assert_eq!(pm["decision"]["tags"], json!(["repeated"]), "{pm}");
    // Private and missing: only its participants and admins count it.
    incident(
        app,
        json!({"title": "Signing key exposed", "severity": "SEV1", "services": ["checkout"], "private": true}),
        15 * 24,
    )
    .await;
    // Resolved before the period.
    incident(app, sev("Login outage", "SEV1", "search"), 90 * 24).await;
}

async fn report(app: &TestApp, token: &str, query: &str) -> Value {
    let (s, _, body) = app
        .get(&format!("/api/v1/insights/learning?{query}"), token)
        .await;
    assert_eq!(s, StatusCode::OK, "{query}: {body}");
    body
}

fn counts(c: &Value, keys: &[&str]) -> Vec<i64> {
    keys.iter().map(|k| c[*k].as_i64().unwrap_or(-1)).collect()
}

const OUTCOMES: [&str; 8] = [
    "incidents",
    "repeated",
    "required",
    "on_time",
    "late",
    "missing",
    "pending",
    "waived",
];

fn assert_hours(c: &Value, field: &str, want: f64) {
    let got = c[field].as_f64().unwrap_or(f64::NAN);
    assert!((got - want).abs() < 0.1, "{field}: {got}, not about {want}");
}

async fn learning_metrics_count_postmortems_items_and_repeats_by_hand(app: &TestApp) {
    // Arrange
    arrange(app).await;
    let (_, viewer) = app.create_user(AccountRole::Viewer).await;
    let period = format!("from={}&to={}", day(-60), day(1));

    // Act
    let all = report(app, &app.admin_token, &period).await;
    let team = report(
        app,
        &app.admin_token,
        &format!("{period}&team=payments&bucket=week"),
    )
    .await;
    let seen = report(app, &viewer, &period).await;

    // Assert: six incidents in the period (not the one 90 days ago); five owed a postmortem.
    let t = &all["totals"];
    assert_eq!(counts(t, &OUTCOMES), [6, 1, 5, 1, 1, 2, 1, 1], "{t}");
    // Drafted and published right after resolution: 10 h for the on-time one, 480 h for the
    // late one. Median of two is their mean; p90 is the larger.
    assert_hours(t, "median_hours_to_draft", 245.0);
    assert_hours(t, "p90_hours_to_draft", 480.0);
    assert_hours(t, "median_hours_to_publication", 245.0);
    assert_hours(t, "p90_hours_to_publication", 480.0);
    assert_eq!(
        t["action_items"],
        json!({"done_on_time": 1, "done_late": 1, "overdue": 1, "open": 1, "wont_do": 1})
    );
    assert_eq!(
        (all["bucket"].as_str(), &all["team"]),
        (Some("month"), &Value::Null)
    );
    let months = all["by_bucket"].as_array().unwrap();
    assert!((3..=4).contains(&months.len()), "{months:?}");
    let sum = |key: &str| months.iter().map(|b| b[key].as_i64().unwrap()).sum::<i64>();
    assert_eq!((sum("incidents"), sum("required")), (6, 5));

    // The team's incidents are those on checkout: not the search ones.
    let tt = &team["totals"];
    assert_eq!(counts(tt, &OUTCOMES), [4, 1, 4, 1, 1, 1, 1, 0], "{tt}");
    assert_eq!(team["team"], "payments");
    let weeks = team["by_bucket"].as_array().unwrap();
    assert!((9..=10).contains(&weeks.len()), "{} weeks", weeks.len());
    assert!(weeks.iter().skip(1).all(|w| {
        w["start"]
            .as_str()
            .and_then(|s| s.parse::<jiff::civil::Date>().ok())
            .is_some_and(|d| d.weekday() == jiff::civil::Weekday::Monday)
    }));

    // A viewer outside the private incident does not count it.
    assert_eq!(counts(&seen["totals"], &OUTCOMES), [5, 1, 4, 1, 1, 1, 1, 1]);

    // The answer is what the OpenAPI document says.
    let doc = document(app).await;
    let answer = app
        .get(
            &format!("/api/v1/insights/learning?{period}"),
            &app.admin_token,
        )
        .await;
    conforms(&doc, "get", "/api/v1/insights/learning", &answer);
}
e2e_test!(learning_metrics_count_postmortems_items_and_repeats_by_hand);

async fn learning_metrics_default_to_ninety_days_and_name_bad_parameters(app: &TestApp) {
    // Act
    let defaults = report(app, &app.admin_token, "").await;
    let bad = app
        .get(
            "/api/v1/insights/learning?from=last-week&to=2026-02-30&bucket=day&team=nobody&x=1",
            &app.admin_token,
        )
        .await;
    let unknown_team = app
        .get("/api/v1/insights/learning?team=nobody", &app.admin_token)
        .await;
    let backwards = app
        .get(
            "/api/v1/insights/learning?from=2026-11-02&to=2026-11-01",
            &app.admin_token,
        )
        .await;

    // Assert
    assert_eq!(
        (defaults["from"].as_str(), defaults["to"].as_str()),
        (Some(day(-89).as_str()), Some(day(1).as_str()))
    );
    assert_eq!(defaults["bucket"], "month");
    assert_eq!(defaults["totals"]["incidents"], 0);
    assert_eq!(defaults["totals"]["median_hours_to_draft"], Value::Null);
    assert_eq!(assert_problem(&bad, 422), ["from", "to", "bucket", "x"]);
    // A team that does not exist is a 404; a period that ends before it starts is empty.
    assert_eq!(assert_problem(&unknown_team, 404), ["team"]);
    assert_eq!(backwards.0, reqwest::StatusCode::OK, "{}", backwards.2);
    assert_eq!(backwards.2["totals"]["incidents"], 0);
}
e2e_test!(learning_metrics_default_to_ninety_days_and_name_bad_parameters);

async fn the_insights_page_draws_the_numbers_as_charts(app: &TestApp) {
    // Arrange
    arrange(app).await;
    user_with_password(app, "lee@example.com", "Lee Lead", "admin").await;
    let b = Browser::start().await;
    let page = format!("/insights?from={}&to={}", day(-60), day(1));

    // Act
    sign_in(&b, app, "lee@example.com", "/insights").await;
    b.client.goto(&app.url(&page)).await.expect("open insights");

    // Assert: the headline numbers, and three accessible SVG charts with a title per bar.
    assert_eq!(text_of(&b, "#n-required").await, "5");
    assert_eq!(text_of(&b, "#n-missing").await, "2");
    assert_eq!(text_of(&b, "#n-overdue").await, "1");
    let charts = b
        .client
        .find_all(Locator::Css("section svg.chart[role=img]"))
        .await
        .expect("charts");
    assert_eq!(charts.len(), 3);
    let source = b.client.source().await.expect("page source");
    for needle in [
        "Required postmortems by outcome",
        "Hours from resolution to publication",
        "Action items by state",
        ": Late 1</title>",
        "Overdue: 1</title>",
    ] {
        assert!(source.contains(needle), "{needle} on the page");
    }
    assert!(!source.contains("NaN"));
    b.screenshot(&format!("insights-{:?}", app.backend)).await;
    b.client
        .find(Locator::Css("a[href='/insights']"))
        .await
        .expect("an Insights link in the navigation");

    // Act: bad parameters show what is wrong instead of charts.
    b.client
        .goto(&app.url("/insights?from=soon&bucket=day"))
        .await
        .expect("open insights");
    let errors = text_of(&b, "#insights-errors").await;
    assert!(
        errors.contains("from") && errors.contains("bucket"),
        "{errors}"
    );
    b.close().await;
}
e2e_test!(the_insights_page_draws_the_numbers_as_charts);
