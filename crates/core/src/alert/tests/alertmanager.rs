//! The Alertmanager webhook (version 4), against Alertmanager 0.25's captured bodies.

use super::{fixture, t, with, without};
use crate::alert::alertmanager::{
    self, MAX_SUMMARY_CHARS, WebhookFlavor, fingerprint, pagerduty_dedup_key, parse_webhook,
};
use crate::alert::{AlertSeverity, DEFAULT_SEVERITY, Link, SignalAction};
use crate::validation::ValidationError;
use serde_json::json;
use std::collections::BTreeMap;

const FIRING: &str = fixture!("alertmanager-webhook-firing.json");
const RESOLVED: &str = fixture!("alertmanager-webhook-resolved.json");
const MIXED: &str = fixture!("alertmanager-webhook-mixed-group.json");
const GROUP_KEY: &str = r#"{}/{alertname=~".+"}:{alertname="HighErrorRate", service="checkout"}"#;

fn fields(err: ValidationError) -> Vec<(String, String)> {
    err.fields
        .into_iter()
        .map(|f| (f.field, f.message))
        .collect()
}

fn refused(body: &[u8]) -> Vec<String> {
    fields(parse_webhook(body).expect_err("refused"))
        .into_iter()
        .map(|(f, _)| f)
        .collect()
}

#[test]
fn the_captured_firing_group_gives_one_trigger_with_everything() {
    let batch = parse_webhook(FIRING.as_bytes()).expect("valid");
    assert_eq!(batch.flavor, WebhookFlavor::Alertmanager);
    assert_eq!(batch.receiver.as_deref(), Some("our-webhook"));
    assert_eq!(batch.group_key.as_deref(), Some(GROUP_KEY));
    assert_eq!(batch.truncated_alerts, 0);
    let [s] = batch.signals.as_slice() else {
        panic!("one alert, got {:?}", batch.signals)
    };
    assert_eq!(s.action, SignalAction::Trigger);
    assert_eq!(s.dedup_key.as_deref(), Some("ac36b8d065d4a922"));
    assert_eq!(s.group_key.as_deref(), Some(GROUP_KEY));
    assert_eq!(s.summary.as_deref(), Some("Checkout 5xx rate above 5%"));
    assert_eq!(s.description.as_deref(), Some("5xx ratio is 12% for 5m"));
    assert_eq!(s.severity, Some(AlertSeverity::Critical));
    assert_eq!(s.source.as_deref(), Some("web-1:9100"));
    assert_eq!(s.component.as_deref(), Some("checkout"));
    assert_eq!(s.class.as_deref(), Some("HighErrorRate"));
    assert_eq!(s.occurred_at, Some(t("2026-11-21T09:22:00Z")));
    assert_eq!(
        s.links,
        vec![
            Link {
                href: "http://prometheus.local/graph?g0.expr=rate".into(),
                text: Some("Source".into())
            },
            Link {
                href: "https://runbooks.example/checkout".into(),
                text: Some("Runbook".into())
            },
        ]
    );
    assert!(s.images.is_empty());
    assert_eq!(s.labels.len(), 4);
    assert_eq!(s.labels["instance"], "web-1:9100");
    assert_eq!(
        s.details["annotations"]["runbook_url"],
        "https://runbooks.example/checkout"
    );
    assert_eq!(s.details["startsAt"], "2026-11-21T09:22:00Z");
    assert_eq!(s.details["endsAt"], "0001-01-01T00:00:00Z");
    assert_eq!(s.client.as_deref(), Some("Alertmanager"));
    assert_eq!(s.client_url.as_deref(), Some("http://127.0.0.1:19093"));
}

#[test]
fn the_captured_resolved_group_resolves_at_its_end_time() {
    let batch = parse_webhook(RESOLVED.as_bytes()).expect("valid");
    let [s] = batch.signals.as_slice() else {
        panic!("one alert")
    };
    assert_eq!(s.action, SignalAction::Resolve);
    assert_eq!(
        s.dedup_key.as_deref(),
        Some("ac36b8d065d4a922"),
        "the same alert"
    );
    assert_eq!(s.occurred_at, Some(t("2026-11-21T09:22:07Z")));
    assert_eq!(s.severity, Some(AlertSeverity::Critical));
}

#[test]
fn a_mixed_group_gives_one_resolve_and_one_trigger_by_each_alerts_own_status() {
    let batch = parse_webhook(MIXED.as_bytes()).expect("valid");
    let [first, second] = batch.signals.as_slice() else {
        panic!("two alerts")
    };
    assert_eq!(
        first.action,
        SignalAction::Resolve,
        "the group says firing; the alert does not"
    );
    assert_eq!(first.dedup_key.as_deref(), Some("eaf09244f2c30009"));
    assert_eq!(first.summary.as_deref(), Some("disk 95%"));
    assert_eq!(first.occurred_at, Some(t("2026-11-21T09:22:38Z")));
    assert_eq!(second.action, SignalAction::Trigger);
    assert_eq!(second.dedup_key.as_deref(), Some("aa1156dbc34c089a"));
    assert_eq!(second.occurred_at, Some(t("2026-11-21T09:22:26Z")));
    for s in [first, second] {
        assert_eq!(s.severity, Some(AlertSeverity::Warning));
        assert!(s.links.is_empty(), "an empty generatorURL is no link");
        assert_eq!(
            s.source.as_deref(),
            s.labels.get("instance").map(String::as_str)
        );
    }
}

#[test]
fn our_fingerprint_is_alertmanagers() {
    for body in [FIRING, RESOLVED, MIXED] {
        let v: serde_json::Value = serde_json::from_str(body).expect("JSON");
        for alert in v["alerts"].as_array().expect("alerts") {
            let labels: BTreeMap<String, String> =
                serde_json::from_value(alert["labels"].clone()).expect("labels");
            assert_eq!(
                Some(fingerprint(&labels).as_str()),
                alert["fingerprint"].as_str()
            );
        }
    }
    assert_eq!(
        fingerprint(&BTreeMap::new()),
        "cbf29ce484222325",
        "FNV-1a's offset basis"
    );
}

#[test]
fn an_alert_without_a_fingerprint_is_keyed_by_its_labels() {
    let body = without(FIRING, "/alerts/0/fingerprint");
    let batch = parse_webhook(&body).expect("valid");
    assert_eq!(
        batch.signals[0].dedup_key.as_deref(),
        Some("ac36b8d065d4a922")
    );
    let body = with(FIRING, "/alerts/0/fingerprint", json!(""));
    let batch = parse_webhook(&body).expect("valid");
    assert_eq!(
        batch.signals[0].dedup_key.as_deref(),
        Some("ac36b8d065d4a922")
    );
}

#[test]
fn alertmanagers_pagerduty_key_is_the_sha256_of_the_group_key() {
    assert_eq!(
        pagerduty_dedup_key(GROUP_KEY),
        "7addfc2333291bba635391f78a0b94cc4461933f23a8a5bfe83e4bf6f3b51db9"
    );
}

#[test]
fn the_summary_comes_from_summary_then_title_then_alertname() {
    let title = with(
        FIRING,
        "/alerts/0/annotations",
        json!({"title": "Title here"}),
    );
    let s = &parse_webhook(&title).expect("valid").signals[0];
    assert_eq!(s.summary.as_deref(), Some("Title here"));
    assert_eq!(s.description, None);

    let blank = with(FIRING, "/alerts/0/annotations", json!({"summary": "  "}));
    let s = &parse_webhook(&blank).expect("valid").signals[0];
    assert_eq!(s.summary.as_deref(), Some("HighErrorRate"));

    let bare = with(FIRING, "/alerts/0/annotations", json!({}));
    let bare = with(
        std::str::from_utf8(&bare).expect("UTF-8"),
        "/alerts/0/labels",
        json!({}),
    );
    let s = &parse_webhook(&bare).expect("valid").signals[0];
    assert_eq!(s.summary.as_deref(), Some("alert ac36b8d065d4a922"));
    assert_eq!(s.severity, Some(DEFAULT_SEVERITY));
    assert_eq!(s.source, None);

    let long = with(
        FIRING,
        "/alerts/0/annotations/summary",
        json!("é".repeat(2000)),
    );
    let s = &parse_webhook(&long).expect("valid").signals[0];
    assert_eq!(
        s.summary.as_deref().map(|x| x.chars().count()),
        Some(MAX_SUMMARY_CHARS)
    );
}

#[test]
fn severity_labels_are_read_leniently() {
    let cases = [
        ("critical", AlertSeverity::Critical),
        ("PAGE", AlertSeverity::Critical),
        (" p1 ", AlertSeverity::Critical),
        ("error", AlertSeverity::Error),
        ("high", AlertSeverity::Error),
        ("warning", AlertSeverity::Warning),
        ("warn", AlertSeverity::Warning),
        ("info", AlertSeverity::Info),
        ("low", AlertSeverity::Info),
        ("none", AlertSeverity::Info),
        ("bogus", DEFAULT_SEVERITY),
        ("", DEFAULT_SEVERITY),
    ];
    for (label, expected) in cases {
        let body = with(FIRING, "/alerts/0/labels/severity", json!(label));
        let s = &parse_webhook(&body).expect("valid").signals[0];
        assert_eq!(s.severity, Some(expected), "{label:?}");
    }
    let body = without(FIRING, "/alerts/0/labels/severity");
    assert_eq!(
        parse_webhook(&body).expect("valid").signals[0].severity,
        Some(DEFAULT_SEVERITY)
    );
}

#[test]
fn an_alert_without_a_status_takes_the_groups() {
    let body = without(RESOLVED, "/alerts/0/status");
    let s = &parse_webhook(&body).expect("valid").signals[0];
    assert_eq!(s.action, SignalAction::Resolve);
    let body = without(std::str::from_utf8(&body).expect("UTF-8"), "/status");
    assert_eq!(refused(&body), ["alerts[0].status"]);
}

#[test]
fn malformed_bodies_are_refused_naming_the_field() {
    let cases: [(Vec<u8>, &str); 14] = [
        (b"not json".to_vec(), "body"),
        (b"[1,2]".to_vec(), "body"),
        (without(FIRING, "/alerts"), "alerts"),
        (with(FIRING, "/alerts", json!({})), "alerts"),
        (with(FIRING, "/alerts", json!(["x"])), "alerts[0]"),
        (
            with(FIRING, "/alerts/0/status", json!("pending")),
            "alerts[0].status",
        ),
        (
            with(FIRING, "/alerts/0/status", json!(1)),
            "alerts[0].status",
        ),
        (
            with(FIRING, "/alerts/0/startsAt", json!("soon")),
            "alerts[0].startsAt",
        ),
        (
            with(FIRING, "/alerts/0/endsAt", json!(5)),
            "alerts[0].endsAt",
        ),
        (
            with(FIRING, "/alerts/0/labels/severity", json!(3)),
            "alerts[0].labels.severity",
        ),
        (
            with(FIRING, "/alerts/0/annotations", json!([])),
            "alerts[0].annotations",
        ),
        (with(FIRING, "/version", json!("5")), "version"),
        (with(FIRING, "/status", json!("burning")), "status"),
        (
            with(FIRING, "/truncatedAlerts", json!("many")),
            "truncatedAlerts",
        ),
    ];
    for (body, field) in cases {
        assert_eq!(
            refused(&body),
            [field],
            "{}",
            String::from_utf8_lossy(&body)
        );
    }
    let (field, message) =
        fields(parse_webhook(&with(FIRING, "/version", json!("5"))).expect_err("refused"))
            .remove(0);
    assert_eq!(field, "version");
    assert_eq!(
        message,
        "unsupported webhook version '5'; expected '4' (Alertmanager) or '1' (Grafana)"
    );
}

#[test]
fn an_empty_alert_list_is_an_empty_batch() {
    let body = with(FIRING, "/alerts", json!([]));
    assert!(parse_webhook(&body).expect("valid").signals.is_empty());
}

#[test]
fn several_wrong_alerts_are_all_named() {
    let body = with(
        MIXED,
        "/alerts",
        json!([{"status": "odd"}, {"status": "firing", "startsAt": "never"}]),
    );
    assert_eq!(refused(&body), ["alerts[0].status", "alerts[1].startsAt"]);
}

#[test]
fn the_module_exports_what_the_server_needs() {
    assert_eq!(WebhookFlavor::Grafana.client_name(), "Grafana");
    assert_eq!(alertmanager::MAX_SUMMARY_CHARS, 1024);
}
