//! A whole incident run over the API with given times, and its metrics checked against values
//! worked out by hand from DESIGN.md's definitions (as issue 9, part 8 set them: mitigation and
//! resolution are both measured from the start; an alert event is never the acknowledgement; a
//! metric whose inputs contradict each other is null and the contradiction is named).

use crate::harness::TestApp;
use debrief_core::access::AccountRole;
use debrief_core::{Timestamp, format_utc};
use jiff::SignedDuration;
use serde_json::{Value, json};

/// `base + seconds`.
fn plus(base: Timestamp, seconds: i64) -> Timestamp {
    base.checked_add(SignedDuration::from_secs(seconds))
        .expect("in range")
}

/// The time as the API writes it.
fn iso(t: Timestamp) -> String {
    format_utc(t)
}

/// `to − from` in seconds, the way DESIGN.md defines every "time to …".
fn seconds(from: Timestamp, to: Timestamp) -> f64 {
    (to.as_millisecond() - from.as_millisecond()) as f64 / 1000.0
}

fn ts(v: &Value) -> Timestamp {
    v.as_str()
        .unwrap_or_else(|| panic!("expected a time, got {v}"))
        .parse()
        .expect("an RFC 3339 time")
}

/// The metrics document the server must answer, built from the key timestamps by the glossary.
fn expected_metrics(
    started: Timestamp,
    detected: Timestamp,
    acknowledged: Timestamp,
    first_external: Timestamp,
    mitigated: Option<Timestamp>,
    resolved: Timestamp,
    service: &str,
) -> Value {
    // Downtime runs from the start to mitigation, or to resolution when never mitigated.
    let downtime_minutes = seconds(started, mitigated.unwrap_or(resolved)) / 60.0;
    json!({
        "time_to_detect_seconds": seconds(started, detected),
        "time_to_acknowledge_seconds": seconds(detected, acknowledged),
        "time_to_communicate_seconds": seconds(detected, first_external),
        "time_to_mitigate_seconds": mitigated.map(|m| seconds(started, m)),
        // From the start, like mitigation (it was from detection before issue 9, which made
        // resolving come out shorter than mitigating).
        "time_to_resolve_seconds": seconds(started, resolved),
        "downtime_minutes": downtime_minutes,
        "service_downtime": [{"service": service, "minutes": downtime_minutes}],
        "contradictions": [],
    })
}

/// A scripted run: back-dated start, alerts before the declaration, a person's notes, internal
/// and external comms, mitigation that did not hold, a resolve, a reopen and a second resolve,
/// then timestamp overrides and the removal of one.
async fn metrics_of_a_scripted_run_equal_the_values_worked_out_by_hand(app: &TestApp) {
    // Arrange: a service, a responder, and a start of impact two hours ago in whole seconds.
    let (status, _, _) = app
        .post(
            "/api/v1/services",
            &app.admin_token,
            &json!({"slug": "checkout", "name": "Checkout"}),
        )
        .await;
    assert_eq!(status, 201);
    let (_, token) = app.create_user(AccountRole::Responder).await;
    let now = Timestamp::now();
    let base = Timestamp::from_second(now.as_second() - 2 * 3600).expect("in range");
    let started = base;

    // Act: declare, back-dated.
    let incident = app
        .declare(
            &token,
            &json!({"title": "Checkout errors", "severity": "SEV2", "services": ["checkout"],
                    "status": "investigating", "started_at": iso(started), "customer_impact": true}),
        )
        .await;
    let r = incident["reference"]
        .as_str()
        .expect("a reference")
        .to_string();
    let declared = ts(&incident["declared_at"]);
    assert_eq!(ts(&incident["started_at"]), started);

    // Act: what happened before the declaration, added afterwards with its own times.
    let mut events = Vec::new();
    for (kind, offset, source, body) in [
        ("alert", 600, Some("alert"), "p99 latency above 2s"),
        ("alert", 240, Some("alert"), "checkout 5xx rate above 5%"),
        (
            "note",
            180,
            None,
            "Looked at the deploy log before the alerts fired",
        ),
        ("note", 420, None, "Dana is looking at the 5xx spike"),
        ("comms_internal", 540, None, "Posted in #incidents"),
        (
            "comms_external",
            1200,
            None,
            "Emailed the affected merchants",
        ),
        (
            "status_page_update",
            900,
            None,
            "Investigating elevated checkout errors",
        ),
    ] {
        let mut body = json!({"kind": kind, "at": iso(plus(base, offset)), "body": body});
        if let Some(s) = source {
            body["source"] = json!(s);
        }
        let event = app.add_event(&token, &r, &body).await;
        assert_eq!(event["source"], source.unwrap_or("api"));
        events.push(event);
    }

    // Act: the lifecycle after the declaration, at given whole seconds after it.
    let d = Timestamp::from_second(declared.as_second() + 1).expect("in range");
    for (to, offset) in [
        ("monitoring", 30),
        ("investigating", 60),
        ("monitoring", 90),
        ("resolved", 120),
    ] {
        app.transition(&token, &r, &json!({"to": to, "at": iso(plus(d, offset))}))
            .await;
    }
    app.transition(
        &token,
        &r,
        &json!({"to": "investigating", "at": iso(plus(d, 150)), "message": "errors are back"}),
    )
    .await;
    let (_, _, reopened) = app
        .get(&format!("/api/v1/incidents/{r}/timestamps"), &token)
        .await;
    app.transition(
        &token,
        &r,
        &json!({"to": "resolved", "at": iso(plus(d, 180))}),
    )
    .await;
    let (status, _, m) = app
        .get(&format!("/api/v1/incidents/{r}/metrics"), &token)
        .await;

    // Assert: a reopen cleared the resolution while it lasted.
    assert_eq!(
        reopened["resolved_at"],
        Value::Null,
        "a reopen clears resolved_at: {reopened}"
    );
    assert_eq!(reopened["mitigated_at"], iso(plus(d, 30)));

    // Assert: the key timestamps follow the glossary.
    assert_eq!(status, 200);
    let detected = plus(base, 240); // the earliest alert
    let acknowledged = plus(base, 420); // the first person's event at or after detection
    let first_comms = plus(base, 540);
    let first_external = plus(base, 900); // the status page update beat the email
    let mitigated = plus(d, 30); // the first move into monitoring
    let resolved = plus(d, 180); // the latest move into resolved
    let expected_ts = json!({
        "started_at": iso(started), "detected_at": iso(detected), "acknowledged_at": iso(acknowledged),
        "first_comms_at": iso(first_comms), "first_external_comms_at": iso(first_external),
        "mitigated_at": iso(mitigated), "resolved_at": iso(resolved), "closed_at": null,
        "origins": {"started_at": "given", "detected_at": "derived", "acknowledged_at": "derived",
                    "first_comms_at": "derived", "first_external_comms_at": "derived", "mitigated_at": "derived",
                    "resolved_at": "derived", "closed_at": "derived"},
    });
    assert_eq!(m["timestamps"], expected_ts);
    assert_eq!(m["reference"], r);

    // Assert: the metrics, exactly.
    let expected = expected_metrics(
        started,
        detected,
        acknowledged,
        first_external,
        Some(mitigated),
        resolved,
        "checkout",
    );
    assert_eq!(m["metrics"], expected);
    assert_eq!(m["metrics"]["time_to_detect_seconds"], 240.0);
    assert_eq!(m["metrics"]["time_to_acknowledge_seconds"], 180.0);
    assert_eq!(m["metrics"]["time_to_communicate_seconds"], 660.0);
    // By hand: d is the declaration's whole second plus one, about two hours after the start;
    // the latest resolve is d + 180 s and the first mitigation d + 30 s, so time to resolve is
    // (d − started) + 180 s and time to mitigate is 150 s less, never more.
    let ttr = seconds(started, d) + 180.0;
    assert_eq!(m["metrics"]["time_to_resolve_seconds"], ttr);
    assert_eq!(
        m["metrics"]["time_to_mitigate_seconds"],
        ttr - 150.0,
        "mitigating comes before resolving, both from the start"
    );
    assert_eq!(
        m["definitions"]["time_to_resolve_seconds"],
        "resolved − started"
    );

    // Act: override detection (earlier) and mitigation, with a reason.
    let override_body = json!({"detected_at": iso(plus(base, 170)), "mitigated_at": iso(plus(base, 3000)),
                               "reason": "the first alert was routed to the wrong team"});
    let (status, _, patched) = app
        .patch(
            &format!("/api/v1/incidents/{r}/timestamps"),
            &token,
            &override_body,
        )
        .await;
    let (_, _, m) = app
        .get(&format!("/api/v1/incidents/{r}/metrics"), &token)
        .await;

    // Assert: overrides win, and what derives from detection moves with it: the note at +180s
    // is now the first person's event at or after detection.
    assert_eq!(status, 200, "{patched}");
    assert_eq!(
        patched, m["timestamps"],
        "the PATCH answers the new key timestamps"
    );
    let detected = plus(base, 170);
    let acknowledged = plus(base, 180);
    let mitigated = plus(base, 3000);
    assert_eq!(m["timestamps"]["detected_at"], iso(detected));
    assert_eq!(m["timestamps"]["acknowledged_at"], iso(acknowledged));
    assert_eq!(m["timestamps"]["origins"]["detected_at"], "override");
    assert_eq!(m["timestamps"]["origins"]["mitigated_at"], "override");
    assert_eq!(m["timestamps"]["origins"]["acknowledged_at"], "derived");
    let expected = expected_metrics(
        started,
        detected,
        acknowledged,
        first_external,
        Some(mitigated),
        resolved,
        "checkout",
    );
    assert_eq!(m["metrics"], expected);
    assert_eq!(m["metrics"]["time_to_mitigate_seconds"], 3000.0);
    assert_eq!(m["metrics"]["downtime_minutes"], 50.0);

    // Act: remove the mitigation override.
    let (status, _, _) = app
        .patch(
            &format!("/api/v1/incidents/{r}/timestamps"),
            &token,
            &json!({"mitigated_at": null, "reason": "wrong value"}),
        )
        .await;
    let (_, _, m) = app
        .get(&format!("/api/v1/incidents/{r}/metrics"), &token)
        .await;

    // Assert: mitigation is derived again; detection stays overridden.
    assert_eq!(status, 200);
    let mitigated = plus(d, 30);
    assert_eq!(m["timestamps"]["mitigated_at"], iso(mitigated));
    assert_eq!(m["timestamps"]["origins"]["mitigated_at"], "derived");
    let expected = expected_metrics(
        started,
        detected,
        acknowledged,
        first_external,
        Some(mitigated),
        resolved,
        "checkout",
    );
    assert_eq!(m["metrics"], expected);

    // Assert: every override is on the timeline, with its reason, and the status changes are too.
    let (_, _, timeline) = app
        .get(&format!("/api/v1/incidents/{r}/timeline"), &token)
        .await;
    let items = timeline["items"].as_array().expect("items");
    let overrides: Vec<&Value> = items
        .iter()
        .filter(|e| e["kind"] == "timestamp_override")
        .collect();
    assert_eq!(overrides.len(), 3);
    assert!(overrides.iter().all(|e| e["data"]["reason"].is_string()));
    assert_eq!(
        overrides
            .iter()
            .filter(|e| e["data"]["value"].is_null())
            .count(),
        1
    );
    let moves: Vec<&str> = items
        .iter()
        .filter(|e| e["kind"] == "status_change")
        .map(|e| e["data"]["to"].as_str().expect("to"))
        .collect();
    assert_eq!(
        moves,
        [
            "monitoring",
            "investigating",
            "monitoring",
            "resolved",
            "investigating",
            "resolved"
        ]
    );
    let times: Vec<Timestamp> = items.iter().map(|e| ts(&e["at"])).collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "the timeline is in time order"
    );
}

crate::e2e_test!(metrics_of_a_scripted_run_equal_the_values_worked_out_by_hand);

/// An incident nobody mitigated counts its downtime to resolution; a metric whose timestamps
/// are missing is null, never guessed.
async fn downtime_runs_to_resolution_and_missing_metrics_are_null(app: &TestApp) {
    // Arrange: an incident declared now, by a person, without alerts or comms.
    let incident = app
        .declare(&app.admin_token, &json!({"title": "Search is slow"}))
        .await;
    let r = incident["reference"]
        .as_str()
        .expect("a reference")
        .to_string();
    let declared = ts(&incident["declared_at"]);

    // Act: look before anything happened, then resolve it a given time later.
    let (_, _, open) = app
        .get(&format!("/api/v1/incidents/{r}/metrics"), &app.admin_token)
        .await;
    let resolved = Timestamp::from_second(declared.as_second() + 45).expect("in range");
    app.transition(
        &app.admin_token,
        &r,
        &json!({"to": "resolved", "at": iso(resolved)}),
    )
    .await;
    let (_, _, done) = app
        .get(&format!("/api/v1/incidents/{r}/metrics"), &app.admin_token)
        .await;

    // Assert: detection is the declaration, the declaring person acknowledged it, nothing else
    // is known while open; after resolution downtime runs to it.
    assert_eq!(open["timestamps"]["detected_at"], iso(declared));
    assert_eq!(open["timestamps"]["started_at"], iso(declared));
    assert_eq!(open["timestamps"]["acknowledged_at"], iso(declared));
    assert_eq!(
        open["metrics"],
        json!({"time_to_detect_seconds": 0.0, "time_to_acknowledge_seconds": 0.0, "time_to_communicate_seconds": null,
               "time_to_mitigate_seconds": null, "time_to_resolve_seconds": null, "downtime_minutes": null,
               "service_downtime": [], "contradictions": []})
    );
    let minutes = seconds(declared, resolved) / 60.0;
    assert_eq!(done["metrics"]["downtime_minutes"], minutes);
    // Started is the declaration here (none was given), so from the start is from it.
    assert_eq!(
        done["metrics"]["time_to_resolve_seconds"],
        seconds(declared, resolved)
    );
    assert_eq!(done["metrics"]["time_to_mitigate_seconds"], Value::Null);
    assert_eq!(done["metrics"]["time_to_communicate_seconds"], Value::Null);
}

crate::e2e_test!(downtime_runs_to_resolution_and_missing_metrics_are_null);

/// An incident recorded after the fact: every time given is before the declaration, the status
/// changes included, and the metrics follow the given times exactly.
async fn an_incident_recorded_after_the_fact_keeps_its_given_times(app: &TestApp) {
    // Arrange: a responder declares now what happened over the last hour.
    let (_, t) = app.create_user(AccountRole::Responder).await;
    let now = debrief_core::to_millis(Timestamp::now());
    let (started, alert, note, mitigated, resolved) = (
        plus(now, -3600),
        plus(now, -3300),
        plus(now, -3000),
        plus(now, -1800),
        plus(now, -600),
    );
    let incident = app
        .declare(&t, &json!({"title": "Payments failed overnight", "started_at": iso(started), "status": "investigating"}))
        .await;
    let r = incident["reference"]
        .as_str()
        .expect("reference")
        .to_string();

    // Act
    app.add_event(
        &t,
        &r,
        &json!({"kind": "alert", "body": "error rate > 5%", "at": iso(alert), "source": "alert"}),
    )
    .await;
    app.add_event(
        &t,
        &r,
        &json!({"kind": "note", "body": "looking at the payment gateway", "at": iso(note)}),
    )
    .await;
    app.transition(&t, &r, &json!({"to": "monitoring", "at": iso(mitigated)}))
        .await;
    app.transition(&t, &r, &json!({"to": "resolved", "at": iso(resolved)}))
        .await;
    let (_, _, m) = app.get(&format!("/api/v1/incidents/{r}/metrics"), &t).await;

    // Assert
    assert_eq!(ts(&m["timestamps"]["detected_at"]), plus(alert, 0));
    assert_eq!(ts(&m["timestamps"]["acknowledged_at"]), plus(note, 0));
    assert_eq!(ts(&m["timestamps"]["mitigated_at"]), plus(mitigated, 0));
    assert_eq!(ts(&m["timestamps"]["resolved_at"]), plus(resolved, 0));
    assert_eq!(
        m["metrics"]["time_to_detect_seconds"].as_f64(),
        Some(seconds(started, alert))
    );
    assert_eq!(
        m["metrics"]["time_to_mitigate_seconds"].as_f64(),
        Some(seconds(started, mitigated))
    );
    // By hand: resolved − started = 3600 s − 600 s (it was resolved − detected, 2700 s, before
    // issue 9).
    assert_eq!(
        m["metrics"]["time_to_resolve_seconds"].as_f64(),
        Some(seconds(started, resolved))
    );
    assert_eq!(m["metrics"]["time_to_resolve_seconds"], 3000.0);
    assert_eq!(
        m["metrics"]["downtime_minutes"].as_f64(),
        Some(seconds(started, mitigated) / 60.0)
    );
}
crate::e2e_test!(an_incident_recorded_after_the_fact_keeps_its_given_times);

/// The incident page as the admin sees it in a browser (a session cookie, no browser needed).
async fn incident_page(app: &TestApp, reference: &str) -> String {
    let secret = debrief_server::actions::account::start_session(&app.state, &app.admin, None)
        .await
        .expect("a session");
    let res = app
        .client
        .get(app.url(&format!("/incidents/{reference}")))
        .header("cookie", format!("debrief_session={secret}"))
        .send()
        .await
        .expect("the incident page");
    assert_eq!(res.status(), 200);
    res.text().await.expect("HTML")
}

/// Issue 9, part 8: an `alert` event a person typed in detects, but never acknowledges; the
/// acknowledgement is the first other thing a person did at or after detection.
async fn a_hand_entered_alert_event_is_not_the_acknowledgement(app: &TestApp) {
    // Arrange: a person declares, then types in the alert that fired five minutes earlier and
    // another one after the declaration.
    let (_, t) = app.create_user(AccountRole::Responder).await;
    let incident = app
        .declare(&t, &json!({"title": "Checkout errors", "severity": "SEV3"}))
        .await;
    let r = incident["reference"]
        .as_str()
        .expect("reference")
        .to_string();
    let declared = ts(&incident["declared_at"]);
    let alert_at = plus(declared, -300);

    // Act
    let alert = app
        .add_event(
            &t,
            &r,
            &json!({"kind": "alert", "body": "5xx above 5%", "at": iso(alert_at)}),
        )
        .await;
    app.add_event(
        &t,
        &r,
        &json!({"kind": "alert", "body": "still firing", "at": iso(plus(declared, -100))}),
    )
    .await;
    let (_, _, m) = app.get(&format!("/api/v1/incidents/{r}/metrics"), &t).await;

    // Assert: entered by a person (source api), the alert still detects; the person's
    // declaration, 300 s later, is the acknowledgement (it was the alert itself, 0 s, before).
    assert_eq!(alert["source"], "api");
    assert_eq!(m["timestamps"]["detected_at"], iso(alert_at));
    assert_eq!(m["timestamps"]["acknowledged_at"], iso(declared));
    assert_eq!(m["metrics"]["time_to_acknowledge_seconds"], 300.0);
}
crate::e2e_test!(a_hand_entered_alert_event_is_not_the_acknowledgement);

/// Issue 9, part 8: a metric whose inputs contradict each other is null, never negative, and the
/// contradiction is named: in the API, on the incident page and in exports.
async fn a_contradiction_is_named_and_its_metric_is_null(app: &TestApp) {
    // Arrange: an incident declared by a person; first external comms overridden to before
    // detection (the declaration).
    let incident = app
        .declare(
            &app.admin_token,
            &json!({"title": "Search is down", "severity": "SEV3"}),
        )
        .await;
    let r = incident["reference"]
        .as_str()
        .expect("reference")
        .to_string();
    let declared = ts(&incident["declared_at"]);
    let (status, _, body) = app
        .patch(
            &format!("/api/v1/incidents/{r}/timestamps"),
            &app.admin_token,
            &json!({"first_external_comms_at": iso(plus(declared, -600)), "reason": "typed the wrong hour"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    // Act
    let (_, _, m) = app
        .get(&format!("/api/v1/incidents/{r}/metrics"), &app.admin_token)
        .await;
    let page = incident_page(app, &r).await;
    let ndjson = crate::export::export_text(app, &app.admin_token, "?format=ndjson").await;
    let csv = crate::export::export_text(app, &app.admin_token, "").await;

    // Assert: the API names the inputs and leaves the number null; the rest stay numbers.
    let message = "first external comms is before detection: check the overrides";
    assert_eq!(m["metrics"]["time_to_communicate_seconds"], Value::Null);
    assert_eq!(
        m["metrics"]["contradictions"],
        json!([{"metric": "time_to_communicate_seconds",
                "inputs": ["detected_at", "first_external_comms_at"], "message": message}])
    );
    assert_eq!(m["metrics"]["time_to_detect_seconds"], 0.0);
    // The page shows the message where the number would be, beside how it is measured.
    assert!(page.contains(&format!("not measured: {message}")), "{page}");
    assert!(page.contains("first external comms − detected"));
    // The exports: null in NDJSON, an empty cell and the message in CSV.
    let line: Value = serde_json::from_str(ndjson.lines().next().expect("a line")).expect("JSON");
    assert_eq!(line["metrics"]["time_to_communicate_seconds"], Value::Null);
    assert_eq!(line["metrics"]["contradictions"][0]["message"], message);
    let row = csv.lines().nth(1).expect("a row");
    // time to detect 0, to acknowledge 0, to communicate empty, the rest not known yet.
    assert!(
        row.ends_with(&format!(",0,0,,,,,time_to_communicate_seconds: {message}")),
        "{row}"
    );

    // Act: drop the override; a comms event dated before the declaration contradicts too.
    app.patch(
        &format!("/api/v1/incidents/{r}/timestamps"),
        &app.admin_token,
        &json!({"first_external_comms_at": null, "reason": "back to the timeline"}),
    )
    .await;
    app.add_event(
        &app.admin_token,
        &r,
        &json!({"kind": "comms_external", "body": "Emailed customers", "at": iso(plus(declared, -60))}),
    )
    .await;
    let (_, _, m) = app
        .get(&format!("/api/v1/incidents/{r}/metrics"), &app.admin_token)
        .await;

    // Assert
    assert_eq!(m["metrics"]["time_to_communicate_seconds"], Value::Null);
    assert_eq!(
        m["metrics"]["contradictions"][0]["message"],
        "first external comms is before detection: check the times of the timeline events"
    );
}
crate::e2e_test!(a_contradiction_is_named_and_its_metric_is_null);
