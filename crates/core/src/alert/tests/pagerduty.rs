//! PagerDuty Events API v2 alert events: captured bodies, limits and answers.

use super::{fixture, json, t, with, without};
use crate::alert::pagerduty::{self, MAX_BODY_BYTES, PagerDutyError, parse_event};
use crate::alert::{AlertSeverity, Link, SignalAction, alertmanager};
use serde_json::json;

const KEY: &str = "R0UT1NGKEY0000000000000000000000";
const PDPYRAS_TRIGGER: &str = fixture!("pdpyras-trigger.json");
const PD7_TRIGGER: &str = fixture!("pagerduty7-trigger.json");

fn errors(body: &[u8]) -> Vec<String> {
    match parse_event(body) {
        Err(PagerDutyError::Invalid(errors)) => errors,
        other => panic!("expected an invalid event, got {other:?}"),
    }
}

fn has(errors: &[String], message: &str) -> bool {
    errors.iter().any(|e| e == message)
}

#[test]
fn the_pdpyras_trigger_parses_with_its_key_summary_and_links() {
    let event = parse_event(PDPYRAS_TRIGGER.as_bytes()).expect("a valid event");
    assert_eq!(event.routing_key, KEY);
    let s = event.signal;
    assert_eq!(s.action, SignalAction::Trigger);
    assert_eq!(s.dedup_key.as_deref(), Some("pdpyras-incident-1"));
    assert_eq!(s.summary.as_deref(), Some("pdpyras: disk full on db-1"));
    assert_eq!(s.source.as_deref(), Some("db-1"));
    assert_eq!(s.severity, Some(AlertSeverity::Warning));
    assert_eq!(s.details, json!({"used_pct": 97}));
    assert_eq!(
        s.links,
        vec![Link {
            href: "https://runbooks.example/disk".into(),
            text: Some("runbook".into())
        }]
    );
    assert_eq!(s.occurred_at, None, "pdpyras sends no timestamp");
}

#[test]
fn a_trigger_without_a_dedup_key_leaves_the_key_to_the_server() {
    let event = parse_event(fixture!("pdpyras-trigger-no-dedup-key.json").as_bytes())
        .expect("a valid event");
    assert_eq!(event.signal.dedup_key, None);
    assert_eq!(event.signal.severity, Some(AlertSeverity::Critical));
    assert_eq!(event.signal.summary.as_deref(), Some("no dedup key"));
}

#[test]
fn the_pagerduty7_trigger_parses() {
    let s = parse_event(PD7_TRIGGER.as_bytes()).expect("valid").signal;
    assert_eq!(s.dedup_key.as_deref(), Some("pd7-incident-1"));
    assert_eq!(s.severity, Some(AlertSeverity::Critical));
    assert_eq!(s.source.as_deref(), Some("web-1"));
    assert_eq!(s.details, json!({"ratio": 0.12}));
}

#[test]
fn captured_acknowledges_and_resolves_carry_only_their_key() {
    let cases = [
        (
            fixture!("pdpyras-acknowledge.json"),
            SignalAction::Acknowledge,
            "pdpyras-incident-1",
        ),
        (
            fixture!("pdpyras-resolve.json"),
            SignalAction::Resolve,
            "pdpyras-incident-1",
        ),
        (
            fixture!("pagerduty7-acknowledge.json"),
            SignalAction::Acknowledge,
            "pd7-incident-1",
        ),
        (
            fixture!("pagerduty7-resolve.json"),
            SignalAction::Resolve,
            "pd7-incident-1",
        ),
    ];
    for (body, action, key) in cases {
        let event = parse_event(body.as_bytes()).expect("a valid event");
        assert_eq!(event.routing_key, KEY);
        assert_eq!(event.signal.action, action);
        assert_eq!(event.signal.dedup_key.as_deref(), Some(key));
        assert_eq!(event.signal.summary, None);
        assert_eq!(event.signal.severity, None);
    }
}

#[test]
fn alertmanagers_pagerduty_events_parse_and_key_on_the_group() {
    let trigger = parse_event(fixture!("alertmanager-pagerduty-trigger.json").as_bytes())
        .expect("valid")
        .signal;
    let resolve = parse_event(fixture!("alertmanager-pagerduty-resolve.json").as_bytes())
        .expect("valid")
        .signal;
    assert_eq!(trigger.action, SignalAction::Trigger);
    assert_eq!(resolve.action, SignalAction::Resolve);
    assert_eq!(
        trigger.dedup_key, resolve.dedup_key,
        "one key for the group"
    );
    assert_eq!(
        trigger.summary.as_deref(),
        Some("[FIRING:1] HighErrorRate checkout (web-1:9100 critical)")
    );
    assert_eq!(
        trigger.severity,
        Some(AlertSeverity::Error),
        "Alertmanager's default"
    );
    assert_eq!(trigger.client.as_deref(), Some("Alertmanager"));
    assert_eq!(
        trigger.client_url.as_deref(),
        Some("http://127.0.0.1:19093/#/alerts?receiver=our-pagerduty")
    );
    assert_eq!(trigger.details["num_firing"], "1");

    // The key is the SHA-256 of the group key the webhook receiver saw for the same group.
    let webhook =
        alertmanager::parse_webhook(fixture!("alertmanager-webhook-firing.json").as_bytes())
            .expect("valid");
    let group_key = webhook.group_key.expect("a group key");
    assert_eq!(
        trigger.dedup_key.as_deref(),
        Some(alertmanager::pagerduty_dedup_key(&group_key).as_str())
    );
}

#[test]
fn the_documented_trigger_with_every_field_parses() {
    let body = json!({
        "payload": {
            "summary": "Example alert on host1.example.com",
            "timestamp": "2015-07-17T08:42:58.315+0000",
            "source": "monitoringtool:cloudvendor:central-region-dc-01:852559987:cluster/api-stats-prod-003",
            "severity": "info", "component": "postgres", "group": "prod-datapipe", "class": "deploy",
            "custom_details": {"ping time": "1500ms", "load avg": 0.75}
        },
        "routing_key": KEY, "dedup_key": "samplekeyhere",
        "images": [{"src": "https://www.pagerduty.com/logo.png", "href": "https://example.com/", "alt": "Example text"}],
        "links": [{"href": "https://example.com/", "text": "Link text"}],
        "event_action": "trigger", "client": "Sample Monitoring Service",
        "client_url": "https://monitoring.example.com"
    });
    let s = parse_event(body.to_string().as_bytes())
        .expect("valid")
        .signal;
    assert_eq!(s.occurred_at, Some(t("2015-07-17T08:42:58.315Z")));
    assert_eq!(s.component.as_deref(), Some("postgres"));
    assert_eq!(s.group.as_deref(), Some("prod-datapipe"));
    assert_eq!(s.class.as_deref(), Some("deploy"));
    assert_eq!(s.images.len(), 1);
    assert_eq!(s.images[0].alt.as_deref(), Some("Example text"));
    assert_eq!(s.client.as_deref(), Some("Sample Monitoring Service"));
    assert_eq!(s.severity, Some(AlertSeverity::Info));
}

#[test]
fn custom_details_may_be_any_json() {
    for details in [
        json!("text"),
        json!([1, 2]),
        json!(3),
        json!({"a": {"b": [null]}}),
    ] {
        let body = with(PD7_TRIGGER, "/payload/custom_details", details.clone());
        assert_eq!(parse_event(&body).expect("valid").signal.details, details);
    }
}

#[test]
fn the_routing_key_must_be_32_characters() {
    let exact = with(PD7_TRIGGER, "/routing_key", json!("k".repeat(32)));
    assert!(parse_event(&exact).is_ok());
    for len in [31, 33] {
        let body = with(PD7_TRIGGER, "/routing_key", json!("k".repeat(len)));
        assert_eq!(
            errors(&body),
            ["Length of 'routing_key' is incorrect (should be 32 characters)"]
        );
    }
    let body = without(PD7_TRIGGER, "/routing_key");
    assert_eq!(errors(&body), ["'routing_key' cannot be blank"]);
    let body = with(PD7_TRIGGER, "/routing_key", json!(42));
    assert_eq!(
        errors(&body),
        ["'routing_key' is invalid (must be a string)"]
    );
}

#[test]
fn the_dedup_key_may_be_255_characters_and_no_more() {
    let ok = with(PD7_TRIGGER, "/dedup_key", json!("d".repeat(255)));
    assert_eq!(
        parse_event(&ok)
            .expect("valid")
            .signal
            .dedup_key
            .map(|k| k.len()),
        Some(255)
    );
    let over = with(PD7_TRIGGER, "/dedup_key", json!("d".repeat(256)));
    assert_eq!(
        errors(&over),
        ["'dedup_key' is too long (maximum is 255 characters)"]
    );
    // Characters, not bytes.
    let wide = with(PD7_TRIGGER, "/dedup_key", json!("é".repeat(255)));
    assert!(parse_event(&wide).is_ok());
}

#[test]
fn the_summary_may_be_1024_characters_and_no_more() {
    let ok = with(PD7_TRIGGER, "/payload/summary", json!("s".repeat(1024)));
    assert!(parse_event(&ok).is_ok());
    let wide = with(PD7_TRIGGER, "/payload/summary", json!("é".repeat(1024)));
    assert!(parse_event(&wide).is_ok());
    let over = with(PD7_TRIGGER, "/payload/summary", json!("s".repeat(1025)));
    assert_eq!(
        errors(&over),
        ["'payload.summary' is too long (maximum is 1024 characters)"]
    );
}

#[test]
fn a_body_may_be_512_kb_and_no_more() {
    let base = with(PD7_TRIGGER, "/payload/custom_details", json!({"pad": ""}));
    let pad = MAX_BODY_BYTES - base.len();
    let exact = with(
        PD7_TRIGGER,
        "/payload/custom_details",
        json!({"pad": "p".repeat(pad)}),
    );
    assert_eq!(exact.len(), MAX_BODY_BYTES);
    assert!(parse_event(&exact).is_ok());
    let over = with(
        PD7_TRIGGER,
        "/payload/custom_details",
        json!({"pad": "p".repeat(pad + 1)}),
    );
    assert_eq!(
        parse_event(&over),
        Err(PagerDutyError::TooLarge {
            bytes: MAX_BODY_BYTES + 1
        })
    );
    assert_eq!(
        json(&PagerDutyError::TooLarge { bytes: 0 }.body()),
        r#"{"status":"invalid event","message":"Event object is invalid","errors":["Event object is too large (maximum is 512 KB)"]}"#
    );
}

#[test]
fn an_empty_object_names_the_routing_key_and_the_action() {
    assert_eq!(
        errors(b"{}"),
        [
            "'routing_key' cannot be blank",
            "'event_action' is missing or blank"
        ]
    );
}

#[test]
fn an_unknown_action_is_refused() {
    let body = with(PD7_TRIGGER, "/event_action", json!("snooze"));
    assert_eq!(
        errors(&body),
        [
            "'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')"
        ]
    );
    let body = with(PD7_TRIGGER, "/event_action", json!("TRIGGER"));
    assert_eq!(errors(&body).len(), 1, "actions are lowercase");
}

#[test]
fn a_trigger_needs_a_payload_with_summary_source_and_severity() {
    assert_eq!(
        errors(&without(PD7_TRIGGER, "/payload")),
        ["'payload' is missing or blank"]
    );
    assert_eq!(
        errors(&with(PD7_TRIGGER, "/payload", json!("text"))),
        ["'payload' is invalid (must be an object)"]
    );
    let body = with(PD7_TRIGGER, "/payload", json!({"custom_details": {}}));
    assert_eq!(
        errors(&body),
        [
            "'payload.summary' is missing or blank",
            "'payload.source' is missing or blank",
            "'payload.severity' is missing or blank",
        ]
    );
    let blank = with(PD7_TRIGGER, "/payload/source", json!("   "));
    assert_eq!(errors(&blank), ["'payload.source' is missing or blank"]);
}

#[test]
fn a_severity_outside_pagerdutys_four_is_refused_in_its_words() {
    for bad in ["fatal", "Critical", "p1", ""] {
        let body = with(PD7_TRIGGER, "/payload/severity", json!(bad));
        let e = errors(&body);
        assert!(
            has(
                &e,
                "'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')"
            ) || (bad.is_empty() && has(&e, "'payload.severity' is missing or blank")),
            "{bad}: {e:?}"
        );
    }
}

#[test]
fn follow_ups_need_a_dedup_key_and_ignore_the_payload() {
    for action in ["acknowledge", "resolve"] {
        let body = json!({"routing_key": KEY, "event_action": action});
        assert_eq!(
            errors(body.to_string().as_bytes()),
            ["'dedup_key' is missing or blank"]
        );
        let body = json!({"routing_key": KEY, "event_action": action, "dedup_key": "k",
                          "payload": "not even an object", "links": 7});
        let s = parse_event(body.to_string().as_bytes())
            .expect("valid")
            .signal;
        assert_eq!(s.links, vec![], "trigger-only fields are ignored");
    }
}

#[test]
fn a_timestamp_must_be_iso_8601() {
    let body = with(PD7_TRIGGER, "/payload/timestamp", json!("yesterday"));
    assert_eq!(
        errors(&body),
        ["'payload.timestamp' is invalid (must be an ISO 8601 timestamp)"]
    );
    let body = with(
        PD7_TRIGGER,
        "/payload/timestamp",
        json!("2026-11-21T10:30:00+01:00"),
    );
    assert_eq!(
        parse_event(&body).expect("valid").signal.occurred_at,
        Some(t("2026-11-21T09:30:00Z"))
    );
}

#[test]
fn wrong_types_are_named() {
    let cases = [
        (
            "/dedup_key",
            json!(7),
            "'dedup_key' is invalid (must be a string)",
        ),
        (
            "/payload/summary",
            json!(["a"]),
            "'payload.summary' is invalid (must be a string)",
        ),
        (
            "/payload/component",
            json!({}),
            "'payload.component' is invalid (must be a string)",
        ),
        (
            "/links",
            json!("x"),
            "'links' is invalid (must be an array)",
        ),
        (
            "/links",
            json!(["x"]),
            "'links[0]' is invalid (must be an object)",
        ),
        (
            "/links",
            json!([{"text": "t"}]),
            "'links[0].href' is missing or blank",
        ),
        (
            "/links",
            json!([{"href": "h", "text": 1}]),
            "'links[0].text' is invalid (must be a string)",
        ),
        (
            "/images",
            json!([{"alt": "a"}]),
            "'images[0].src' is missing or blank",
        ),
        (
            "/client_url",
            json!(false),
            "'client_url' is invalid (must be a string)",
        ),
    ];
    for (pointer, value, message) in cases {
        let body = with(PD7_TRIGGER, pointer, value);
        assert_eq!(errors(&body), [message], "{pointer}");
    }
}

#[test]
fn a_body_that_is_not_a_json_object_is_unrecognized() {
    for body in [
        &b"not json"[..],
        b"[]",
        b"\"text\"",
        b"",
        b"{\"routing_key\":",
    ] {
        let err = parse_event(body).expect_err("refused");
        assert!(matches!(err, PagerDutyError::Unrecognized(_)), "{err:?}");
        assert_eq!(err.status(), 400);
        assert_eq!(
            json(&err.body()),
            r#"{"status":"Unrecognized object","message":"Event object format is unrecognized","errors":["JSON parse error"]}"#
        );
    }
}

#[test]
fn answers_have_pagerdutys_shape_byte_for_byte() {
    assert_eq!(
        json(&pagerduty::accepted("srv01/HTTP")),
        r#"{"status":"success","message":"Event processed","dedup_key":"srv01/HTTP"}"#
    );
    assert_eq!(
        json(&pagerduty::change_accepted()),
        r#"{"status":"success","message":"Change event processed"}"#
    );
    let err = PagerDutyError::Invalid(vec![
        "Length of 'routing_key' is incorrect (should be 32 characters)".into(),
    ]);
    assert_eq!(
        json(&err.body()),
        r#"{"status":"invalid event","message":"Event object is invalid","errors":["Length of 'routing_key' is incorrect (should be 32 characters)"]}"#
    );
    assert_eq!(pagerduty::ACCEPTED_STATUS, 202);
}
