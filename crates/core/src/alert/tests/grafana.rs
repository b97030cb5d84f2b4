//! Grafana's webhook (version 1), against bodies written from Grafana's documentation, and its
//! HMAC signature.

use super::{fixture, t, with, without};
use crate::alert::alertmanager::{WebhookFlavor, parse_webhook};
use crate::alert::grafana::{is_grafana_body, sign, timestamp_is_fresh, verify_grafana_signature};
use crate::alert::{AlertSeverity, SignalAction};
use jiff::SignedDuration;
use serde_json::json;

const FIRING: &str = fixture!("from-docs/grafana-webhook-firing.json");
const RESOLVED: &str = fixture!("from-docs/grafana-webhook-resolved.json");

#[test]
fn the_documented_firing_body_gives_two_triggers() {
    let batch = parse_webhook(FIRING.as_bytes()).expect("valid");
    assert_eq!(batch.flavor, WebhookFlavor::Grafana);
    assert_eq!(batch.receiver.as_deref(), Some("My Super Webhook"));
    assert_eq!(batch.group_key.as_deref(), Some("{}:{}"));
    let [first, second] = batch.signals.as_slice() else {
        panic!("two alerts")
    };
    assert_eq!(first.action, SignalAction::Trigger);
    assert_eq!(first.dedup_key.as_deref(), Some("c6eadffa33fcdf37"));
    assert_eq!(second.dedup_key.as_deref(), Some("bc97ff14869b13e3"));
    assert_eq!(
        first.summary.as_deref(),
        Some("This alert was triggered for zone us-1")
    );
    assert_eq!(
        first.occurred_at,
        Some(t("2021-10-12T07:51:03.157076Z")),
        "+02:00 read"
    );
    assert_eq!(first.client.as_deref(), Some("Grafana"));
    assert_eq!(
        first.client_url.as_deref(),
        Some("https://play.grafana.org/")
    );
    let texts: Vec<_> = first
        .links
        .iter()
        .filter_map(|l| l.text.as_deref())
        .collect();
    assert_eq!(
        texts,
        ["Source", "Runbook", "Silence"],
        "empty dashboard and panel URLs skipped"
    );
    assert_eq!(
        first.details["values"],
        json!({"B": 44.23943737541908, "C": 1})
    );
    assert_eq!(
        first.severity,
        Some(crate::alert::DEFAULT_SEVERITY),
        "no severity label"
    );
    assert!(first.images.is_empty());
}

#[test]
fn the_resolved_body_resolves_with_its_image_and_links() {
    let batch = parse_webhook(RESOLVED.as_bytes()).expect("valid");
    let [s] = batch.signals.as_slice() else {
        panic!("one alert")
    };
    assert_eq!(s.action, SignalAction::Resolve);
    assert_eq!(s.occurred_at, Some(t("2026-11-21T09:41:30Z")));
    assert_eq!(s.severity, Some(AlertSeverity::Critical), "severity=page");
    assert_eq!(s.summary.as_deref(), Some("p99 checkout latency above 2s"));
    let texts: Vec<_> = s.links.iter().filter_map(|l| l.text.as_deref()).collect();
    assert_eq!(texts, ["Source", "Silence", "Dashboard", "Panel"]);
    let [image] = s.images.as_slice() else {
        panic!("one image")
    };
    assert_eq!(
        image.src,
        "https://grafana.example/public/img/attachments/abc123.png"
    );
    assert_eq!(
        image.href.as_deref(),
        Some("https://grafana.example/d/checkout?orgId=1&viewPanel=4")
    );
    assert_eq!(image.alt, s.summary);
    assert_eq!(
        s.details["valueString"],
        "[ var='A' labels={} value=1.7 ], [ var='C' labels={} value=0 ]"
    );
}

#[test]
fn grafana_is_told_apart_by_org_id_or_version_1_with_title_or_state() {
    assert!(is_grafana_body(FIRING.as_bytes()));
    assert!(!is_grafana_body(
        fixture!("alertmanager-webhook-firing.json").as_bytes()
    ));
    let no_org = without(FIRING, "/orgId");
    assert!(is_grafana_body(&no_org), "version 1 with title and state");
    let no_org = std::str::from_utf8(&no_org).expect("UTF-8");
    let no_title = without(no_org, "/title");
    assert!(is_grafana_body(&no_title), "state alone is enough");
    let bare = without(std::str::from_utf8(&no_title).expect("UTF-8"), "/state");
    assert!(!is_grafana_body(&bare));
    let batch = parse_webhook(&bare).expect("still a valid webhook");
    assert_eq!(batch.flavor, WebhookFlavor::Alertmanager);
    let org_only = with(
        fixture!("alertmanager-webhook-firing.json"),
        "/orgId",
        json!(1),
    );
    assert!(is_grafana_body(&org_only));
    assert!(!is_grafana_body(b"not json"));
}

#[test]
fn the_groups_title_is_the_last_summary_before_the_fingerprint() {
    let body = with(RESOLVED, "/alerts/0/annotations", json!({}));
    let body = with(
        std::str::from_utf8(&body).expect("UTF-8"),
        "/alerts/0/labels",
        json!({}),
    );
    let s = &parse_webhook(&body).expect("valid").signals[0];
    assert_eq!(
        s.summary.as_deref(),
        Some("[RESOLVED] Checkout latency Payments (page)")
    );
}

// RFC 4231, test case 2: HMAC-SHA256 with key "Jefe".
const JEFE_BODY: &[u8] = b"what do ya want for nothing?";
const JEFE_MAC: &str = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";

#[test]
fn the_signature_is_hex_hmac_sha256_of_the_body() {
    assert_eq!(sign(b"Jefe", None, JEFE_BODY), JEFE_MAC);
    assert!(verify_grafana_signature(b"Jefe", None, JEFE_BODY, JEFE_MAC));
    assert!(verify_grafana_signature(
        b"Jefe",
        None,
        JEFE_BODY,
        &JEFE_MAC.to_uppercase()
    ));
    assert!(verify_grafana_signature(
        b"Jefe",
        None,
        JEFE_BODY,
        &format!(" {JEFE_MAC}\n")
    ));
}

#[test]
fn with_a_timestamp_the_signature_covers_timestamp_colon_body() {
    let body = FIRING.as_bytes();
    let signed = sign(b"s3cret", Some("1763717000"), body);
    let mut joined = b"1763717000:".to_vec();
    joined.extend_from_slice(body);
    assert_eq!(signed, sign(b"s3cret", None, &joined));
    assert!(verify_grafana_signature(
        b"s3cret",
        Some("1763717000"),
        body,
        &signed
    ));
    assert!(!verify_grafana_signature(
        b"s3cret",
        Some("1763717001"),
        body,
        &signed
    ));
    assert!(!verify_grafana_signature(b"s3cret", None, body, &signed));
}

#[test]
fn a_wrong_signature_is_refused() {
    let body = FIRING.as_bytes();
    let good = sign(b"s3cret", None, body);
    let mut tampered = body.to_vec();
    tampered[10] ^= 1;
    let cases = [
        sign(b"other", None, body),
        format!("sha256={good}"),
        good.chars().take(63).collect(),
        good.chars().take(62).collect(),
        format!("{good}00"),
        "zz".repeat(32),
        String::new(),
        "é".repeat(32),
    ];
    for signature in &cases {
        assert!(
            !verify_grafana_signature(b"s3cret", None, body, signature),
            "{signature:?}"
        );
    }
    assert!(!verify_grafana_signature(b"s3cret", None, &tampered, &good));
    assert!(
        verify_grafana_signature(b"", None, body, &sign(b"", None, body)),
        "an empty key is a key"
    );
}

#[test]
fn a_timestamp_is_fresh_within_the_skew_either_way() {
    let now = t("2026-11-21T09:30:00Z");
    let skew = SignedDuration::from_mins(5);
    let secs = now.as_second();
    assert!(timestamp_is_fresh(&secs.to_string(), now, skew));
    assert!(timestamp_is_fresh(&(secs - 300).to_string(), now, skew));
    assert!(timestamp_is_fresh(&(secs + 300).to_string(), now, skew));
    assert!(!timestamp_is_fresh(&(secs - 301).to_string(), now, skew));
    assert!(!timestamp_is_fresh(&(secs + 301).to_string(), now, skew));
    for junk in ["", "soon", "1.5", "99999999999999999999", "-99999999999999"] {
        assert!(!timestamp_is_fresh(junk, now, skew), "{junk}");
    }
}
