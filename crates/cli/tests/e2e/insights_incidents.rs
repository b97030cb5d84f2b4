//! Insights on incidents end to end (issue 15, part 4): a three-week history seeded through the
//! API with the server's clock moved, counted by `GET /api/v1/insights/incidents` and its CSV,
//! against numbers worked out by hand; a private incident counts only for those who may see
//! it; and the `/insights/incidents` page draws a chart per section with a CSV link. The
//! history, in a table, is in `insights_seed::arrange`.

use crate::browser::{Browser, submit};
use crate::e2e_test;
use crate::harness::{TestApp, assert_problem};
use crate::insights_seed::{arrange, at};
use crate::openapi::{conforms, document};
use crate::ui::{sign_in, text_of, user_with_password};
use fantoccini::Locator;
use reqwest::StatusCode;
use serde_json::{Value, json};

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

    // Without a zone asked for, the busiest hours are in the viewer's own zone setting.
    b.client
        .goto(&app.url("/settings/me"))
        .await
        .expect("settings");
    submit(&b, "profile-form", &[("time_zone", "Asia/Tokyo")]).await;
    text_of(&b, "#notice").await;
    let without_zone = format!(
        "/insights/incidents?from={}&to={}&bucket=week",
        s.from, s.to
    );
    b.client
        .goto(&app.url(&without_zone))
        .await
        .expect("open the page");
    assert_eq!(text_of(&b, "#insights-zone").await, "Asia/Tokyo");
    b.close().await;
}
e2e_test!(
    the_incident_insights_page_draws_a_chart_per_section,
    manual_clock
);
