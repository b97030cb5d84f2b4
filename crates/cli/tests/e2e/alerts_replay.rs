//! Alert intake, replayed byte for byte (issue 11): the bodies captured from Alertmanager 0.25,
//! `pdpyras` 5.4.1 and `pagerduty` 7.2.0 (`crates/core/tests/fixtures/alert/`) are sent again in
//! sequences (triggers, repeats, acknowledgements, resolutions, mixed groups, triggers after a
//! resolution), and malformed bodies after them; every answer's status and body is checked, and
//! every alert's state and count. A refused request changes nothing.
//!
//! The PagerDuty captures carry the routing key they were captured with; it is swapped for the
//! integration's key (same length), and nothing else is touched.

use crate::e2e_test;
use crate::harness::{Integration, Raw, TestApp, st, states, time, with_key};
use reqwest::Method;
use serde_json::{Value, json};

/// The routing key in the PagerDuty captures.
const CAPTURED_KEY: &str = "R0UT1NGKEY0000000000000000000000";

/// A captured or documented body, as bytes were captured.
pub(crate) fn fixture(name: &str) -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../core/tests/fixtures/alert/");
    std::fs::read_to_string(format!("{path}{name}"))
        .unwrap_or_else(|e| panic!("read the fixture {name}: {e}"))
}

/// A PagerDuty capture with the integration's routing key instead of the captured one.
fn keyed_fixture(name: &str, key: &str) -> String {
    let body = fixture(name);
    assert!(body.contains(CAPTURED_KEY), "{name} has the captured key");
    body.replace(CAPTURED_KEY, key)
}

/// Everything a request could change: the store's snapshot and every alert, once the work
/// that earlier requests left (routing jobs) is done.
pub(crate) async fn everything(app: &TestApp) -> Value {
    app.settle().await;
    json!({
        "snapshot": app.snapshot().await,
        "alerts": app.alerts("status=triggered,acknowledged,resolved").await,
    })
}

/// Sends `body` as JSON to `path` with `headers`; returns the status and the body.
pub(crate) async fn send_json(
    app: &TestApp,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, Value) {
    let (s, _, answer) = app
        .raw(Raw::new(method, path).json(body).headers(headers))
        .await;
    (s.as_u16(), answer)
}

/// Sends a request that must be refused with `status`; checks that nothing changed and returns
/// the answer's body.
pub(crate) async fn refused(
    app: &TestApp,
    what: &str,
    status: u16,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Value {
    let before = everything(app).await;
    let (s, answer) = send_json(app, Method::POST, path, headers, body).await;
    assert_eq!(s, status, "{what}: {answer}");
    app.settle().await;
    assert!(
        everything(app).await == before,
        "{what}: a refused request changed something"
    );
    answer
}

/// Posts a PagerDuty Events v2 body; checks PagerDuty's answer to an accepted event and returns
/// the dedup key it names.
async fn enqueue(app: &TestApp, body: &str) -> String {
    let (s, answer) = send_json(app, Method::POST, "/v2/enqueue", &[], body).await;
    assert_eq!(s, 202, "{body}: {answer}");
    assert_eq!(answer["status"], "success", "{answer}");
    assert_eq!(answer["message"], "Event processed", "{answer}");
    let key = answer["dedup_key"]
        .as_str()
        .unwrap_or_else(|| panic!("a dedup_key in {answer}"));
    assert!(!key.is_empty(), "{answer}");
    key.to_string()
}

/// PagerDuty's answer to an invalid event: 400, `errors` naming what is wrong; returns them.
fn pd_errors(answer: &Value) -> Vec<String> {
    assert!(
        answer["status"].is_string() && answer["message"].is_string(),
        "PagerDuty's error shape: {answer}"
    );
    let errors: Vec<String> = answer["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("errors is a list: {answer}"))
        .iter()
        .map(|e| e.as_str().unwrap_or_default().to_string())
        .collect();
    assert!(!errors.is_empty(), "{answer}");
    errors
}

async fn captured_alertmanager_webhooks_replayed(app: &TestApp) {
    // Arrange: an Alertmanager integration on checkout.
    app.create_service("checkout").await;
    let am = app
        .create_integration("checkout", "alertmanager", "prometheus")
        .await;
    let bearer = format!("Bearer {}", am.key);
    let auth = [("Authorization", bearer.as_str())];
    let fp = "ac36b8d065d4a922";
    let post = |name: &'static str| async move {
        let (s, answer) = send_json(
            app,
            Method::POST,
            "/hooks/alertmanager",
            &auth,
            &fixture(name),
        )
        .await;
        assert_eq!(s, 202, "{name}: {answer}");
    };

    // Act and assert: firing, firing again, resolved, resolved again.
    post("alertmanager-webhook-firing.json").await;
    let alerts = app.alerts_of(&am).await;
    assert_eq!(states(&alerts, fp), st(&[("triggered", 1)]));
    let a = with_key(&alerts, fp)[0];
    let starts: jiff::Timestamp = "2026-11-21T09:22:00Z".parse().expect("a time");
    assert_eq!(time(&a["started_at"]), starts, "{a}");
    assert_eq!(
        a["group_key"],
        r#"{}/{alertname=~".+"}:{alertname="HighErrorRate", service="checkout"}"#
    );
    assert_eq!(a["severity"], "critical");
    app.settle().await;
    let incidents = app.incidents_of("checkout").await;
    assert_eq!(incidents.len(), 1, "{incidents:#?}");
    assert_eq!(incidents[0]["severity"], "SEV2");
    let inc = incidents[0]["reference"].as_str().expect("a reference");
    app.assert_detected_at(inc, starts).await;
    post("alertmanager-webhook-firing.json").await;
    assert_eq!(
        states(&app.alerts_of(&am).await, fp),
        st(&[("triggered", 2)])
    );
    post("alertmanager-webhook-resolved.json").await;
    let resolved = app.alerts_of(&am).await;
    assert_eq!(states(&resolved, fp), st(&[("resolved", 2)]));
    post("alertmanager-webhook-resolved.json").await;
    assert_eq!(
        app.alerts_of(&am).await,
        resolved,
        "resolving again changes nothing"
    );

    // A mixed group: the resolved alert was never seen (nothing), the firing one is new.
    post("alertmanager-webhook-mixed-group.json").await;
    let alerts = app.alerts_of(&am).await;
    assert_eq!(states(&alerts, "eaf09244f2c30009"), st(&[]));
    assert_eq!(states(&alerts, "aa1156dbc34c089a"), st(&[("triggered", 1)]));
    assert_eq!(
        with_key(&alerts, "aa1156dbc34c089a")[0]["severity"],
        "warning"
    );

    // Firing after the resolution opens a new alert; basic credentials work like the bearer.
    post("alertmanager-webhook-firing.json").await;
    assert_eq!(
        states(&app.alerts_of(&am).await, fp),
        st(&[("resolved", 2), ("triggered", 1)])
    );
    let basic = format!("Basic {}", base64(&format!("alertmanager:{}", am.key)));
    let (s, answer) = send_json(
        app,
        Method::POST,
        "/hooks/alertmanager",
        &[("Authorization", basic.as_str())],
        &fixture("alertmanager-webhook-mixed-group.json"),
    )
    .await;
    assert_eq!(s, 202, "{answer}");
    assert_eq!(
        states(&app.alerts_of(&am).await, "aa1156dbc34c089a"),
        st(&[("triggered", 2)])
    );
    app.settle().await;
    let incidents = app.incidents_of("checkout").await;
    assert_eq!(
        incidents.len(),
        1,
        "warnings open nothing; A joined its group's: {incidents:#?}"
    );

    // Without its fingerprint, an alert is keyed by Alertmanager's own fingerprint of its
    // labels: the same key.
    let body = fixture("alertmanager-webhook-firing.json");
    let mut doc: Value = serde_json::from_str(&body).expect("JSON");
    doc["alerts"][0]
        .as_object_mut()
        .expect("an alert")
        .remove("fingerprint");
    let (s, answer) = send_json(
        app,
        Method::POST,
        "/hooks/alertmanager",
        &auth,
        &doc.to_string(),
    )
    .await;
    assert_eq!(s, 202, "{answer}");
    assert_eq!(
        states(&app.alerts_of(&am).await, fp),
        st(&[("resolved", 2), ("triggered", 2)])
    );

    // Refused, changing nothing: no or wrong credentials (401), bodies that are not the
    // documented JSON (400).
    refused(
        app,
        "no credentials",
        401,
        "/hooks/alertmanager",
        &[],
        &body,
    )
    .await;
    let wrong = format!("Bearer {}", "0".repeat(32));
    refused(
        app,
        "an unknown key",
        401,
        "/hooks/alertmanager",
        &[("Authorization", wrong.as_str())],
        &body,
    )
    .await;
    let wrong_basic = format!("Basic {}", base64("alertmanager:nope"));
    refused(
        app,
        "a wrong password",
        401,
        "/hooks/alertmanager",
        &[("Authorization", wrong_basic.as_str())],
        &body,
    )
    .await;
    let doc: Value = serde_json::from_str(&body).expect("JSON");
    let with = |pointer: &str, v: Option<Value>| {
        let mut d = doc.clone();
        let (parent, field) = pointer.rsplit_once('/').expect("a pointer");
        let obj = d
            .pointer_mut(parent)
            .and_then(Value::as_object_mut)
            .expect("the field's object");
        match v {
            Some(v) => obj.insert(field.to_string(), v),
            None => obj.remove(field),
        };
        d.to_string()
    };
    for (what, bad) in [
        ("not JSON", "alerts: firing".to_string()),
        ("a cut body", body[..body.len() / 2].to_string()),
        ("a list", "[]".to_string()),
        ("alerts not a list", with("/alerts", Some(json!("x")))),
        ("no alerts", with("/alerts", None)),
        (
            "an alert of an unknown status",
            with("/alerts/0/status", Some(json!("exploded"))),
        ),
        ("an unknown version", with("/version", Some(json!("5")))),
        (
            "a label that is not text",
            with("/alerts/0/labels/severity", Some(json!(5))),
        ),
        (
            "a start that is not a time",
            with("/alerts/0/startsAt", Some(json!("soon"))),
        ),
    ] {
        refused(app, what, 400, "/hooks/alertmanager", &auth, &bad).await;
    }
}

e2e_test!(captured_alertmanager_webhooks_replayed);

async fn captured_pagerduty_events_replayed(app: &TestApp) {
    // Arrange: a PagerDuty integration on checkout.
    app.create_service("checkout").await;
    let pd = app
        .create_integration("checkout", "pagerduty", "events v2")
        .await;
    let k = pd.key.as_str();
    let am_key = "7addfc2333291bba635391f78a0b94cc4461933f23a8a5bfe83e4bf6f3b51db9";

    // Act and assert: Alertmanager's trigger, repeated, then its resolve.
    let trigger = keyed_fixture("alertmanager-pagerduty-trigger.json", k);
    assert_eq!(enqueue(app, &trigger).await, am_key);
    assert_eq!(enqueue(app, &trigger).await, am_key);
    assert_eq!(
        states(&app.alerts_of(&pd).await, am_key),
        st(&[("triggered", 2)])
    );
    assert_eq!(
        enqueue(
            app,
            &keyed_fixture("alertmanager-pagerduty-resolve.json", k)
        )
        .await,
        am_key
    );
    assert_eq!(
        states(&app.alerts_of(&pd).await, am_key),
        st(&[("resolved", 2)])
    );

    // pdpyras and pagerduty 7: trigger, acknowledge, resolve; late acknowledgements change
    // nothing; a trigger after the resolution opens a new alert.
    for (prefix, key) in [
        ("pdpyras", "pdpyras-incident-1"),
        ("pagerduty7", "pd7-incident-1"),
    ] {
        let f = |action: &str| keyed_fixture(&format!("{prefix}-{action}.json"), k);
        assert_eq!(enqueue(app, &f("trigger")).await, key);
        assert_eq!(enqueue(app, &f("acknowledge")).await, key);
        assert_eq!(
            states(&app.alerts_of(&pd).await, key),
            st(&[("acknowledged", 1)])
        );
        assert_eq!(enqueue(app, &f("trigger")).await, key);
        assert_eq!(
            states(&app.alerts_of(&pd).await, key),
            st(&[("acknowledged", 2)])
        );
        assert_eq!(enqueue(app, &f("resolve")).await, key);
        let done = app.alerts_of(&pd).await;
        assert_eq!(states(&done, key), st(&[("resolved", 2)]));
        assert_eq!(enqueue(app, &f("acknowledge")).await, key);
        assert_eq!(enqueue(app, &f("resolve")).await, key);
        assert_eq!(app.alerts_of(&pd).await, done, "{prefix}: nothing changed");
        assert_eq!(enqueue(app, &f("trigger")).await, key);
        assert_eq!(
            states(&app.alerts_of(&pd).await, key),
            st(&[("resolved", 2), ("triggered", 1)])
        );
    }
    let alerts = app.alerts_of(&pd).await;
    let pdpyras = with_key(&alerts, "pdpyras-incident-1")[1];
    assert_eq!(pdpyras["severity"], "warning", "{pdpyras}");
    assert_eq!(pdpyras["source"], "db-1", "{pdpyras}");
    assert_eq!(pdpyras["details"]["details"]["used_pct"], 97, "{pdpyras}");

    // Triggers without a dedup key: each gets a new key, and a new alert.
    let no_key = keyed_fixture("pdpyras-trigger-no-dedup-key.json", k);
    let first = enqueue(app, &no_key).await;
    let second = enqueue(app, &no_key).await;
    assert_ne!(first, second);
    let alerts = app.alerts_of(&pd).await;
    assert_eq!(states(&alerts, &first), st(&[("triggered", 1)]));
    assert_eq!(states(&alerts, &second), st(&[("triggered", 1)]));

    // A change event: PagerDuty's own answer; no alert.
    let before = app.alerts_of(&pd).await;
    let (s, answer) = send_json(
        app,
        Method::POST,
        "/v2/change/enqueue",
        &[],
        &keyed_fixture("pagerduty7-change.json", k),
    )
    .await;
    assert_eq!(s, 202, "{answer}");
    assert_eq!(
        answer,
        json!({"status": "success", "message": "Change event processed"})
    );
    assert_eq!(
        app.alerts_of(&pd).await,
        before,
        "a change event is not an alert"
    );

    // Refused, changing nothing, as PagerDuty refuses.
    let captured = fixture("pdpyras-trigger.json");
    let answer = refused(
        app,
        "an unknown routing key",
        400,
        "/v2/enqueue",
        &[],
        &captured,
    )
    .await;
    assert!(
        pd_errors(&answer)
            .iter()
            .any(|e| e.contains("Invalid routing key")),
        "{answer}"
    );
    let answer = refused(
        app,
        "a change event with an unknown routing key",
        400,
        "/v2/change/enqueue",
        &[],
        &fixture("pagerduty7-change.json"),
    )
    .await;
    pd_errors(&answer);
    let trigger: Value =
        serde_json::from_str(&keyed_fixture("pdpyras-trigger.json", k)).expect("JSON");
    let with = |pointer: &str, v: Value| {
        let mut t = trigger.clone();
        let (parent, field) = pointer.rsplit_once('/').expect("a pointer");
        t.pointer_mut(parent)
            .and_then(Value::as_object_mut)
            .expect("the field's object")
            .insert(field.to_string(), v);
        t.to_string()
    };
    let mut no_summary = trigger.clone();
    no_summary["payload"]
        .as_object_mut()
        .expect("a payload")
        .remove("summary");
    let mut no_payload = trigger.clone();
    no_payload
        .as_object_mut()
        .expect("an object")
        .remove("payload");
    let ack_without_key = json!({"event_action": "acknowledge", "routing_key": k}).to_string();
    let big = with(
        "/payload/custom_details",
        json!({"blob": "x".repeat(513 * 1024)}),
    );
    for (what, bad) in [
        ("not JSON", "event_action=trigger".to_string()),
        (
            "a cut body",
            captured[..captured.len() / 2].replace(CAPTURED_KEY, k),
        ),
        ("a list", "[]".to_string()),
        ("no summary", no_summary.to_string()),
        ("no payload", no_payload.to_string()),
        (
            "an unknown severity",
            with("/payload/severity", json!("fatal")),
        ),
        ("an unknown action", with("/event_action", json!("explode"))),
        (
            "a summary of 1025 characters",
            with("/payload/summary", json!("s".repeat(1025))),
        ),
        (
            "a dedup key of 256 characters",
            with("/dedup_key", json!("d".repeat(256))),
        ),
        (
            "a timestamp that is not one",
            with("/payload/timestamp", json!("yesterday")),
        ),
        ("an acknowledgement without a dedup key", ack_without_key),
        ("a body over 512 KB", big),
    ] {
        let answer = refused(app, what, 400, "/v2/enqueue", &[], &bad).await;
        pd_errors(&answer);
    }
}

e2e_test!(captured_pagerduty_events_replayed);

async fn legacy_pagerduty_v1_events_are_accepted(app: &TestApp) {
    // Arrange
    app.create_service("checkout").await;
    let pd = app
        .create_integration("checkout", "pagerduty", "old nagios")
        .await;
    let path = "/generic/2010-04-15/create_event.json";
    let event = |event_type: &str| {
        json!({"service_key": pd.key, "event_type": event_type, "incident_key": "srv01/HTTP",
               "description": "FAILURE for production/HTTP on srv01",
               "client": "Sample Monitoring Service", "details": {"ping time": "1500ms"}})
        .to_string()
    };

    // Act and assert: trigger twice, resolve.
    for (action, expected) in [
        ("trigger", st(&[("triggered", 1)])),
        ("trigger", st(&[("triggered", 2)])),
        ("acknowledge", st(&[("acknowledged", 2)])),
        ("resolve", st(&[("resolved", 2)])),
    ] {
        let (s, answer) = send_json(app, Method::POST, path, &[], &event(action)).await;
        assert_eq!(s, 200, "{action}: {answer}");
        assert_eq!(
            answer,
            json!({"status": "success", "message": "Event processed", "incident_key": "srv01/HTTP"})
        );
        assert_eq!(
            states(&app.alerts_of(&pd).await, "srv01/HTTP"),
            expected,
            "{action}"
        );
    }
    let unknown = json!({"service_key": "0".repeat(32), "event_type": "trigger",
                         "incident_key": "x", "description": "y"})
    .to_string();
    let answer = refused(app, "an unknown service key", 400, path, &[], &unknown).await;
    pd_errors(&answer);
    refused(app, "not JSON", 400, path, &[], "service_key=1").await;
}

e2e_test!(legacy_pagerduty_v1_events_are_accepted);

/// Standard base64 (for basic credentials).
pub(crate) fn base64(s: &str) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = s.as_bytes();
    let mut out = String::new();
    for chunk in b.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &x)| n | (u32::from(x) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn base64_matches_the_rfc_examples() {
    assert_eq!(base64("foobar"), "Zm9vYmFy");
    assert_eq!(base64("fooba"), "Zm9vYmE=");
    assert_eq!(base64("foob"), "Zm9vYg==");
}

/// The integration's alerts with this key, as `(status, count)`.
pub(crate) async fn keyed(app: &TestApp, i: &Integration, key: &str) -> Vec<(String, i64)> {
    states(&app.alerts_of(i).await, key)
}
