//! Alert intake from a real Prometheus Alertmanager 0.25 (Debian's package) on loopback (issue
//! 11): its `webhook_configs` (bearer and basic credentials) and `pagerduty_configs` receivers
//! point at the server, alerts are posted to Alertmanager's own API, and the server must show
//! what Alertmanager's notifications mean: per-alert status in a mixed group, counts of re-sent
//! alerts, a new alert after a resolution, and incidents detected at the alerts' `startsAt`.

use crate::e2e_test;
use crate::harness::{Alertmanager, TestApp, WebhookReceiver, id_of, st, states, time, with_key};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Alertmanager's configuration: every alert goes to three receivers (a webhook with a bearer
/// key, a webhook with basic credentials, PagerDuty Events v2), grouped by alert name and
/// service, sent at once and on every change a second later, never repeated during the test.
/// Each receiver is `(url, key)`.
fn config(bearer: (&str, &str), basic: (&str, &str), pagerduty: (&str, &str)) -> String {
    format!(
        r#"global:
  resolve_timeout: 5m
route:
  receiver: "null"
  group_by: ["alertname", "service"]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
  routes:
    - receiver: bearer
      matchers: ['alertname=~".+"']
      continue: true
    - receiver: basic
      matchers: ['alertname=~".+"']
      continue: true
    - receiver: pagerduty
      matchers: ['alertname=~".+"']
receivers:
  - name: "null"
  - name: bearer
    webhook_configs:
      - url: {bearer_url}
        send_resolved: true
        http_config:
          authorization: {{type: Bearer, credentials: {bearer_key}}}
  - name: basic
    webhook_configs:
      - url: {basic_url}
        send_resolved: true
        http_config:
          basic_auth: {{username: alertmanager, password: {basic_key}}}
  - name: pagerduty
    pagerduty_configs:
      - routing_key: {pd_key}
        url: {enqueue}
        send_resolved: true
"#,
        bearer_url = bearer.0,
        bearer_key = bearer.1,
        basic_url = basic.0,
        basic_key = basic.1,
        enqueue = pagerduty.0,
        pd_key = pagerduty.1,
    )
}

/// An alert as Prometheus posts it; `ends` resolves it.
fn alert(instance: &str, starts: jiff::Timestamp, ends: Option<jiff::Timestamp>) -> Value {
    let mut a = json!({
        "labels": {"alertname": "HighErrorRate", "service": "checkout", "severity": "critical",
                   "instance": instance},
        "annotations": {"summary": format!("Checkout 5xx rate above 5% on {instance}"),
                        "runbook_url": "https://runbooks.example/checkout"},
        "startsAt": starts.to_string(),
        "generatorURL": "http://prometheus.local/graph?g0.expr=rate",
    });
    if let Some(e) = ends {
        a["endsAt"] = json!(e.to_string());
    }
    a
}

/// Now, to the whole second (Alertmanager echoes the times it is given).
fn whole_second(offset_secs: i64) -> jiff::Timestamp {
    let now = jiff::Timestamp::now().as_second() + offset_secs;
    jiff::Timestamp::from_second(now).expect("a time")
}

/// Alertmanager's fingerprint of the alert on `instance`, from its own API.
async fn fingerprint(am: &Alertmanager, instance: &str) -> String {
    let alerts: Value = crate::harness::http_client()
        .get(format!("{}/api/v2/alerts", am.address))
        .send()
        .await
        .expect("Alertmanager answers")
        .json()
        .await
        .expect("JSON");
    alerts
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|x| x["labels"]["instance"] == instance)
                .and_then(|x| x["fingerprint"].as_str())
        })
        .unwrap_or_else(|| panic!("Alertmanager lists {instance}: {alerts}"))
        .to_string()
}

async fn a_real_alertmanager_fires_resolves_and_refires_through_webhooks_and_pagerduty(
    app: &TestApp,
) {
    // Arrange: three services, one integration each, and Alertmanager pointed at them.
    for s in ["checkout", "search", "payments"] {
        app.create_service(s).await;
    }
    let bearer = app
        .create_integration("checkout", "alertmanager", "prometheus")
        .await;
    let basic = app
        .create_integration("search", "alertmanager", "prometheus (basic)")
        .await;
    let pd = app
        .create_integration("payments", "pagerduty", "alertmanager via events v2")
        .await;
    assert_eq!(
        bearer.url,
        app.url("/hooks/alertmanager"),
        "{:?}",
        bearer.body
    );
    let enqueue = app.url("/v2/enqueue");
    assert!(
        pd.url == enqueue || pd.url.trim_end_matches('/') == app.address,
        "the PagerDuty integration's URL is the server's Events API: {}",
        pd.url
    );
    let am = Alertmanager::start(&config(
        (&bearer.url, &bearer.key),
        (&basic.url, &basic.key),
        (&enqueue, &pd.key),
    ))
    .await;
    let log = || format!("Alertmanager's log:\n{}", am.log());
    let a_starts = whole_second(-120);
    let b_starts = whole_second(-60);

    // Act 1: A fires.
    am.post_alerts(&json!([alert("web-1", a_starts, None)]))
        .await;
    let fp_a = fingerprint(&am, "web-1").await;

    // Assert 1: one alert per webhook integration, keyed by fingerprint; PagerDuty's key is
    // the SHA-256 of the group key.
    let hook = app
        .wait_for_alerts(&bearer, "A triggered once", log, |a| {
            states(a, &fp_a) == st(&[("triggered", 1)])
        })
        .await;
    let a1 = with_key(&hook, &fp_a)[0].clone();
    assert_eq!(time(&a1["started_at"]), a_starts, "{a1}");
    assert_eq!(a1["severity"], "critical", "{a1}");
    assert_eq!(a1["service"], "checkout", "{a1}");
    assert!(
        a1["summary"]
            .as_str()
            .is_some_and(|s| s.contains("Checkout 5xx rate above 5% on web-1")),
        "{a1}"
    );
    let group_key = a1["group_key"].as_str().expect("a group key").to_string();
    assert_eq!(
        group_key, r#"{}/{alertname=~".+"}:{alertname="HighErrorRate", service="checkout"}"#,
        "the group is Alertmanager's groupKey"
    );
    let pd_key: String = Sha256::digest(group_key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    app.wait_for_alerts(&basic, "A triggered once (basic)", log, |a| {
        states(a, &fp_a) == st(&[("triggered", 1)])
    })
    .await;
    let paged = app
        .wait_for_alerts(&pd, "the group triggered once (PagerDuty)", log, |a| {
            states(a, &pd_key) == st(&[("triggered", 1)])
        })
        .await;
    assert_eq!(paged.len(), 1, "{paged:#?}");
    assert_eq!(
        paged[0]["severity"], "error",
        "Alertmanager's default: {}",
        paged[0]
    );

    // The critical alert opened a SEV2 on checkout, detected at A's startsAt; PagerDuty's
    // "error" opened a SEV3 on payments.
    app.settle().await;
    let checkout = app.incidents_of("checkout").await;
    assert_eq!(checkout.len(), 1, "{checkout:#?}");
    let inc = checkout[0]["reference"]
        .as_str()
        .expect("a reference")
        .to_string();
    assert_eq!(checkout[0]["severity"], "SEV2", "{}", checkout[0]);
    app.assert_detected_at(&inc, a_starts).await;
    let a1 = app.alerts_of(&bearer).await;
    assert_eq!(with_key(&a1, &fp_a)[0]["incident"], inc.as_str(), "{a1:#?}");
    let payments = app.incidents_of("payments").await;
    assert_eq!(payments.len(), 1, "{payments:#?}");
    assert_eq!(payments[0]["severity"], "SEV3", "{}", payments[0]);

    // Act 2: B fires in the same group.
    am.post_alerts(&json!([alert("web-2", b_starts, None)]))
        .await;
    let fp_b = fingerprint(&am, "web-2").await;

    // Assert 2: the group is re-sent: A counts twice, B once; PagerDuty's group twice.
    for i in [&bearer, &basic] {
        app.wait_for_alerts(i, "A twice, B once", log, |a| {
            states(a, &fp_a) == st(&[("triggered", 2)])
                && states(a, &fp_b) == st(&[("triggered", 1)])
        })
        .await;
    }
    app.wait_for_alerts(&pd, "the group triggered twice", log, |a| {
        states(a, &pd_key) == st(&[("triggered", 2)])
    })
    .await;
    app.settle().await;
    assert_eq!(
        app.incidents_of("checkout").await.len(),
        1,
        "B joined its group's incident"
    );

    // Act 3: A resolves; the group is mixed (top-level status still "firing").
    // (A second before now: the re-fire below starts after it, so Alertmanager does not merge
    // the two into one alert with the first start.)
    am.post_alerts(&json!([alert("web-1", a_starts, Some(whole_second(-1)))]))
        .await;

    // Assert 3: A resolved by its own status, B counted again; PagerDuty got a trigger.
    for i in [&bearer, &basic] {
        app.wait_for_alerts(i, "A resolved, B twice", log, |a| {
            states(a, &fp_a) == st(&[("resolved", 2)])
                && states(a, &fp_b) == st(&[("triggered", 2)])
        })
        .await;
    }
    app.wait_for_alerts(&pd, "the group triggered three times", log, |a| {
        states(a, &pd_key) == st(&[("triggered", 3)])
    })
    .await;

    // Act 4: B resolves: the whole group is resolved.
    am.post_alerts(&json!([alert("web-2", b_starts, Some(whole_second(0)))]))
        .await;

    // Assert 4: everything resolved; the incident stays open with a note suggesting to resolve.
    for i in [&bearer, &basic] {
        app.wait_for_alerts(i, "A and B resolved", log, |a| {
            states(a, &fp_a) == st(&[("resolved", 2)]) && states(a, &fp_b) == st(&[("resolved", 2)])
        })
        .await;
    }
    app.wait_for_alerts(&pd, "the group resolved", log, |a| {
        states(a, &pd_key) == st(&[("resolved", 3)])
    })
    .await;
    app.settle().await;
    let of_incident = app.incident_alerts(&inc).await;
    let mut keys: Vec<&str> = of_incident
        .iter()
        .filter_map(|a| a["dedup_key"].as_str())
        .collect();
    keys.sort_unstable();
    let mut expected = vec![fp_a.as_str(), fp_b.as_str()];
    expected.sort_unstable();
    assert_eq!(keys, expected, "{of_incident:#?}");
    assert!(
        of_incident.iter().all(|a| a["status"] == "resolved"),
        "{of_incident:#?}"
    );
    let checkout = app.incidents_of("checkout").await;
    assert_ne!(checkout[0]["status"], "resolved", "{}", checkout[0]);
    let events = app.timeline(&inc).await;
    assert!(
        events.iter().any(|e| e["kind"] == "note"
            && e["body"]
                .as_str()
                .is_some_and(|b| b.to_lowercase().contains("resolv"))),
        "a note suggests resolving {inc}: {events:#?}"
    );

    // Act 5: A fires again.
    let a_again = whole_second(0);
    am.post_alerts(&json!([alert("web-1", a_again, None)]))
        .await;

    // Assert 5: a new alert for A's fingerprint (the resolved one unchanged), B untouched; a
    // new PagerDuty alert for the group; A joins its group's incident again.
    for i in [&bearer, &basic] {
        app.wait_for_alerts(i, "A anew", log, |a| {
            states(a, &fp_a) == st(&[("resolved", 2), ("triggered", 1)])
                && states(a, &fp_b) == st(&[("resolved", 2)])
        })
        .await;
    }
    app.wait_for_alerts(&pd, "the group anew", log, |a| {
        states(a, &pd_key) == st(&[("resolved", 3), ("triggered", 1)])
    })
    .await;
    app.settle().await;
    let hook = app.alerts_of(&bearer).await;
    let fresh = with_key(&hook, &fp_a)[1];
    assert_eq!(time(&fresh["started_at"]), a_again, "{fresh}");
    assert_eq!(fresh["incident"], inc.as_str(), "{fresh}");
    let (s, _, one) = app
        .get(
            &format!("/api/v1/alerts/{}", id_of(fresh)),
            &app.admin_token,
        )
        .await;
    assert_eq!(s, 200, "{one}");
    assert_eq!(one["id"], fresh["id"]);
    assert!(
        one["payload"].to_string().contains(&fp_a),
        "the raw payload is kept: {one}"
    );
    assert_eq!(app.incidents_of("checkout").await.len(), 1);

    // The list's filters: by status, service and integration; an incident's alerts.
    let ids = |alerts: &[Value]| {
        let mut v: Vec<String> = alerts.iter().map(id_of).collect();
        v.sort();
        v
    };
    let resolved = app
        .alerts(&format!("status=resolved&integration={}", bearer.id))
        .await;
    assert_eq!(
        ids(&resolved),
        ids(&[
            with_key(&hook, &fp_a)[0].clone(),
            with_key(&hook, &fp_b)[0].clone()
        ])
    );
    let open = app
        .alerts("status=triggered,acknowledged&service=search")
        .await;
    let basic_alerts = app.alerts_of(&basic).await;
    assert_eq!(
        ids(&open),
        ids(&[with_key(&basic_alerts, &fp_a)[1].clone()])
    );
    // (The list has no `incident` filter: 422 "is not a filter of this list"; an incident's
    // alerts are its own list.)
    assert_eq!(ids(&app.incident_alerts(&inc).await), ids(&hook));
    assert!(
        !am.log().contains("Notify attempt failed")
            && !am.log().contains("Notify for alerts failed"),
        "every notification was accepted at once: {}",
        am.log()
    );
    am.stop().await;
}

e2e_test!(a_real_alertmanager_fires_resolves_and_refires_through_webhooks_and_pagerduty);

/// Without the server: what this machine's Alertmanager sends, received by a plain recorder,
/// has the shape of the captures the server is built from (`crates/core/tests/fixtures/alert/`),
/// with the credentials of `http_config`. A newer Alertmanager that sends something else fails
/// here first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn this_alertmanager_sends_what_was_captured() {
    tokio::time::timeout(crate::harness::TEST_TIMEOUT, async {
        // Arrange: Alertmanager pointed at a recorder.
        let recorder = WebhookReceiver::start().await;
        let url = |p: &str| format!("{}{p}", recorder.address);
        let am = Alertmanager::start(&config(
            (&url("/hooks/alertmanager"), "bearer-key"),
            (&url("/hooks/basic"), "basic-key"),
            (&url("/v2/enqueue"), "R0UT1NGKEY0000000000000000000000"),
        ))
        .await;
        let starts = whole_second(-60);

        // Act: fire, then resolve.
        am.post_alerts(&json!([alert("web-1", starts, None)])).await;
        let fired = recorder
            .wait_until(crate::harness::DELIVERY, |h| h.len() >= 3)
            .await;
        am.post_alerts(&json!([alert("web-1", starts, Some(whole_second(0)))]))
            .await;
        let all = recorder
            .wait_until(crate::harness::DELIVERY, |h| h.len() >= 6)
            .await;
        let log = am.log();
        am.stop().await;

        // Assert: three receivers, twice each, shaped like the captures.
        assert_eq!(fired.len(), 3, "{fired:#?}\n{log}");
        assert_eq!(all.len(), 6, "{all:#?}\n{log}");
        let captured: Value = serde_json::from_str(&crate::alerts_replay::fixture(
            "alertmanager-webhook-firing.json",
        ))
        .expect("JSON");
        let keys = |v: &Value| {
            v.as_object()
                .map(|o| o.keys().cloned().collect::<Vec<_>>())
                .unwrap_or_default()
        };
        for (i, hit) in all.iter().enumerate() {
            let status = if i < 3 { "firing" } else { "resolved" };
            assert!(hit.user_agent.starts_with("Alertmanager/"), "{hit:?}");
            assert_eq!(hit.content_type, "application/json", "{hit:?}");
            match hit.path.as_str() {
                "/hooks/alertmanager" | "/hooks/basic" => {
                    let expected = if hit.path == "/hooks/basic" {
                        format!(
                            "Basic {}",
                            crate::alerts_replay::base64("alertmanager:basic-key")
                        )
                    } else {
                        "Bearer bearer-key".to_string()
                    };
                    assert_eq!(hit.authorization, expected, "{hit:?}");
                    assert_eq!(keys(&hit.body), keys(&captured), "{}", hit.body);
                    assert_eq!(
                        keys(&hit.body["alerts"][0]),
                        keys(&captured["alerts"][0]),
                        "{}",
                        hit.body
                    );
                    assert_eq!(hit.body["version"], "4");
                    assert_eq!(hit.body["status"], status);
                    assert_eq!(hit.body["alerts"][0]["status"], status);
                    assert_eq!(time(&hit.body["alerts"][0]["startsAt"]), starts);
                    assert_eq!(hit.body["groupKey"], captured["groupKey"]);
                }
                "/v2/enqueue" => {
                    assert_eq!(hit.authorization, "", "{hit:?}");
                    let group_key = captured["groupKey"].as_str().expect("a group key");
                    let dedup: String = Sha256::digest(group_key.as_bytes())
                        .iter()
                        .map(|b| format!("{b:02x}"))
                        .collect();
                    assert_eq!(hit.body["dedup_key"], dedup.as_str(), "{}", hit.body);
                    let action = if i < 3 { "trigger" } else { "resolve" };
                    assert_eq!(hit.body["event_action"], action, "{}", hit.body);
                    assert_eq!(hit.body["payload"]["severity"], "error", "{}", hit.body);
                    assert_eq!(hit.body["routing_key"], "R0UT1NGKEY0000000000000000000000");
                }
                other => panic!("an unexpected path {other}"),
            }
        }
    })
    .await
    .expect("the test timed out");
}
