//! Alert intake from PagerDuty's own Python clients (issue 11): `pdpyras` 5.4.1 and `pagerduty`
//! 7.2.0 send Events API v2 alert and change events to the server, unchanged but for the base
//! URL, and must get the answers they expect (they fail when `dedup_key` is missing). The
//! deduplication rules are checked through the alerts API after each event.

use crate::e2e_test;
use crate::harness::{
    Integration, PdClients, PdResult, TestApp, id_of, st, states, time, with_key,
};
use serde_json::{Value, json};

/// The alerts of `integration` with this key as `(status, count)`, oldest first.
async fn keyed(app: &TestApp, integration: &Integration, key: &str) -> Vec<(String, i64)> {
    states(&app.alerts_of(integration).await, key)
}

async fn pdpyras_triggers_repeats_acknowledges_and_resolves(app: &TestApp) {
    // Arrange: a service with a PagerDuty integration, and pdpyras pointed at the server.
    app.create_service("checkout").await;
    let pd = app
        .create_integration("checkout", "pagerduty", "pdpyras")
        .await;
    let mut clients = PdClients::start(&app.address).await;
    let k = pd.key.as_str();
    let started = "2026-11-21T09:22:00Z";
    let trigger = |dedup: Option<&str>, severity: &str| {
        let mut kwargs = json!({
            "severity": severity,
            "payload": {"timestamp": started},
            "custom_details": {"used_pct": 97},
            "links": [{"href": "https://runbooks.example/disk", "text": "runbook"}],
        });
        if let Some(d) = dedup {
            kwargs["dedup_key"] = json!(d);
        }
        (json!(["disk full on db-1", "db-1"]), kwargs)
    };

    // Act and assert, event by event.
    // A trigger with a dedup key returns it; a critical alert opens a SEV2 detected at the
    // payload's timestamp.
    let (args, kwargs) = trigger(Some("db-1-disk"), "critical");
    let key = clients
        .call("pdpyras", k, "trigger", args, kwargs)
        .await
        .key();
    assert_eq!(key, "db-1-disk");
    assert_eq!(keyed(app, &pd, &key).await, st(&[("triggered", 1)]));
    app.settle().await;
    let incidents = app.incidents_of("checkout").await;
    assert_eq!(incidents.len(), 1, "{incidents:#?}");
    assert_eq!(incidents[0]["severity"], "SEV2", "{}", incidents[0]);
    let inc = incidents[0]["reference"]
        .as_str()
        .expect("a reference")
        .to_string();
    app.assert_detected_at(&inc, started.parse().expect("a time"))
        .await;
    let alerts = app.alerts_of(&pd).await;
    let first = with_key(&alerts, &key)[0].clone();
    assert_eq!(first["incident"], inc.as_str(), "{first}");
    assert_eq!(first["severity"], "critical", "{first}");
    assert_eq!(first["source"], "db-1", "{first}");
    assert_eq!(first["summary"], "disk full on db-1", "{first}");
    assert_eq!(time(&first["started_at"]), started.parse().expect("a time"));
    assert_eq!(first["details"]["details"]["used_pct"], 97, "{first}");

    // The same trigger again counts; an acknowledgement returns the key; a trigger on the
    // acknowledged alert counts and leaves it acknowledged.
    let (args, kwargs) = trigger(Some("db-1-disk"), "critical");
    clients
        .call("pdpyras", k, "trigger", args, kwargs)
        .await
        .key();
    assert_eq!(keyed(app, &pd, &key).await, st(&[("triggered", 2)]));
    let acked = clients
        .call("pdpyras", k, "acknowledge", json!([key]), json!({}))
        .await
        .key();
    assert_eq!(acked, key);
    assert_eq!(keyed(app, &pd, &key).await, st(&[("acknowledged", 2)]));
    let (args, kwargs) = trigger(Some("db-1-disk"), "critical");
    clients
        .call("pdpyras", k, "trigger", args, kwargs)
        .await
        .key();
    assert_eq!(keyed(app, &pd, &key).await, st(&[("acknowledged", 3)]));

    // Resolve; resolving again is accepted and changes nothing.
    let resolved = clients
        .call("pdpyras", k, "resolve", json!([key]), json!({}))
        .await
        .key();
    assert_eq!(resolved, key);
    let after_resolve = app.alerts_of(&pd).await;
    assert_eq!(states(&after_resolve, &key), st(&[("resolved", 3)]));
    let one = with_key(&after_resolve, &key)[0];
    assert!(
        !one["acknowledged_at"].is_null() && !one["resolved_at"].is_null(),
        "{one}"
    );
    clients
        .call("pdpyras", k, "resolve", json!([key]), json!({}))
        .await
        .key();
    clients
        .call("pdpyras", k, "acknowledge", json!([key]), json!({}))
        .await
        .key();
    assert_eq!(app.alerts_of(&pd).await, after_resolve, "nothing changed");

    // A trigger after the resolution opens a new alert, in the same incident (its group's).
    let (args, kwargs) = trigger(Some("db-1-disk"), "critical");
    clients
        .call("pdpyras", k, "trigger", args, kwargs)
        .await
        .key();
    assert_eq!(
        keyed(app, &pd, &key).await,
        st(&[("resolved", 3), ("triggered", 1)])
    );
    app.settle().await;
    let alerts = app.alerts_of(&pd).await;
    assert_eq!(with_key(&alerts, &key)[1]["incident"], inc.as_str());
    assert_eq!(app.incidents_of("checkout").await.len(), 1);

    // A trigger without a dedup key gets one generated and returned; a warning opens nothing.
    let (args, kwargs) = trigger(None, "warning");
    let generated = clients
        .call("pdpyras", k, "trigger", args, kwargs)
        .await
        .key();
    assert!(!generated.is_empty() && generated != key, "{generated}");
    assert_eq!(keyed(app, &pd, &generated).await, st(&[("triggered", 1)]));
    app.settle().await;
    let alerts = app.alerts_of(&pd).await;
    let warning = with_key(&alerts, &generated)[0].clone();
    assert!(warning["incident"].is_null(), "{warning}");
    assert_eq!(app.incidents_of("checkout").await.len(), 1);

    // Acknowledging and resolving a key never seen are accepted and change nothing.
    let before = app.alerts_of(&pd).await;
    for action in ["acknowledge", "resolve"] {
        let back = clients
            .call("pdpyras", k, action, json!(["never-seen"]), json!({}))
            .await
            .key();
        assert_eq!(back, "never-seen");
    }
    assert_eq!(app.alerts_of(&pd).await, before, "nothing changed");

    // An unknown routing key is refused as PagerDuty refuses it.
    let (args, kwargs) = trigger(Some("db-1-disk"), "critical");
    let refused = clients
        .call("pdpyras", &"0".repeat(32), "trigger", args, kwargs)
        .await;
    match &refused {
        PdResult::Err { status, body, .. } => {
            assert_eq!(*status, Some(400), "{refused:?}");
            assert!(
                body.as_deref()
                    .is_some_and(|b| b.contains("Invalid routing key")),
                "{refused:?}"
            );
        }
        PdResult::Ok(v) => panic!("an unknown routing key was accepted: {v}"),
    }
    assert_eq!(app.alerts_of(&pd).await, before, "nothing changed");

    // The alerts API acknowledges and resolves too, once each (then 409).
    let id = id_of(&warning);
    let path = |action: &str| format!("/api/v1/alerts/{id}/{action}");
    let (s, _, acked) = app
        .post(&path("acknowledge"), &app.admin_token, &json!({}))
        .await;
    assert_eq!(s, 200, "{acked}");
    assert_eq!(acked["status"], "acknowledged", "{acked}");
    assert!(!acked["acknowledged_by"].is_null(), "{acked}");
    let (s, _, again) = app
        .post(&path("acknowledge"), &app.admin_token, &json!({}))
        .await;
    assert_eq!(s, 409, "{again}");
    let (s, _, done) = app
        .post(&path("resolve"), &app.admin_token, &json!({}))
        .await;
    assert_eq!(s, 200, "{done}");
    assert_eq!(done["status"], "resolved", "{done}");
    assert!(!done["resolved_by"].is_null(), "{done}");
    let (s, _, again) = app
        .post(&path("resolve"), &app.admin_token, &json!({}))
        .await;
    assert_eq!(s, 409, "{again}");
    let (s, _, again) = app
        .post(&path("acknowledge"), &app.admin_token, &json!({}))
        .await;
    assert_eq!(s, 409, "{again}");
    clients.stop().await;
}

e2e_test!(pdpyras_triggers_repeats_acknowledges_and_resolves);

async fn the_pagerduty_client_sends_alerts_and_a_change_event(app: &TestApp) {
    // Arrange: an incident open on the service (a critical trigger), and pagerduty 7.2.0.
    app.create_service("checkout").await;
    let pd = app
        .create_integration("checkout", "pagerduty", "pagerduty 7")
        .await;
    let mut clients = PdClients::start(&app.address).await;
    let k = pd.key.as_str();
    let trigger = |severity: &str| {
        (
            json!(["checkout 5xx", "web-1"]),
            json!({"dedup_key": "pd7-incident-1", "severity": severity,
                   "custom_details": {"ratio": 0.12}}),
        )
    };

    // Act and assert: trigger, repeat, acknowledge, resolve.
    let (args, kwargs) = trigger("critical");
    let key = clients
        .call("pagerduty", k, "trigger", args, kwargs)
        .await
        .key();
    assert_eq!(key, "pd7-incident-1");
    let (args, kwargs) = trigger("critical");
    clients
        .call("pagerduty", k, "trigger", args, kwargs)
        .await
        .key();
    assert_eq!(keyed(app, &pd, &key).await, st(&[("triggered", 2)]));
    app.settle().await;
    let incidents = app.incidents_of("checkout").await;
    assert_eq!(incidents.len(), 1, "{incidents:#?}");
    let inc = incidents[0]["reference"]
        .as_str()
        .expect("a reference")
        .to_string();
    let back = clients
        .call("pagerduty", k, "acknowledge", json!([key]), json!({}))
        .await
        .key();
    assert_eq!(back, key);
    assert_eq!(keyed(app, &pd, &key).await, st(&[("acknowledged", 2)]));

    // A change event (with the timestamp 7.2.0 needs) lands on the open incident's timeline.
    let at = "2026-11-21T09:30:00Z";
    let sent = clients
        .call(
            "pagerduty",
            k,
            "submit",
            json!(["deploy v1.2.3"]),
            json!({"source": "ci", "custom_details": {"sha": "abc123"}, "timestamp": at}),
        )
        .await
        .ok();
    assert!(sent.is_null(), "submit returns nothing: {sent}");
    app.settle().await;
    let events = app.timeline(&inc).await;
    let change: Vec<&Value> = events
        .iter()
        .filter(|e| {
            e["body"]
                .as_str()
                .is_some_and(|b| b.contains("deploy v1.2.3"))
        })
        .collect();
    assert_eq!(change.len(), 1, "one change event on {inc}: {events:#?}");
    assert_eq!(change[0]["kind"], "change", "{}", change[0]);
    assert_eq!(time(&change[0]["at"]), at.parse().expect("a time"));
    assert_eq!(change[0]["source"], "alert", "{}", change[0]);
    assert_eq!(
        keyed(app, &pd, &key).await,
        st(&[("acknowledged", 2)]),
        "a change event is not an alert"
    );

    // Resolve; the incident stays open with a note suggesting to resolve it.
    let back = clients
        .call("pagerduty", k, "resolve", json!([key]), json!({}))
        .await
        .key();
    assert_eq!(back, key);
    assert_eq!(keyed(app, &pd, &key).await, st(&[("resolved", 2)]));
    app.settle().await;
    let incident = &app.incidents_of("checkout").await[0];
    assert_ne!(incident["status"], "resolved", "{incident}");
    let events = app.timeline(&inc).await;
    assert!(
        events.iter().any(|e| e["kind"] == "note"
            && e["body"]
                .as_str()
                .is_some_and(|b| b.to_lowercase().contains("resolv"))),
        "a note suggests resolving {inc}: {events:#?}"
    );

    // An unknown routing key: the client raises on the 400.
    let (args, kwargs) = trigger("critical");
    let refused = clients
        .call("pagerduty", &"f".repeat(32), "trigger", args, kwargs)
        .await;
    assert!(
        matches!(&refused, PdResult::Err { status: Some(400), body: Some(b), .. }
            if b.contains("Invalid routing key")),
        "{refused:?}"
    );
    clients.stop().await;
}

e2e_test!(the_pagerduty_client_sends_alerts_and_a_change_event);
