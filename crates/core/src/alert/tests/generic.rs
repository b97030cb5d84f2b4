//! Debrief's generic JSON format.

use super::{t, with, without};
use crate::alert::generic::{MAX_BODY_BYTES, parse};
use crate::alert::{AlertSeverity, DEFAULT_SEVERITY, SignalAction};
use serde_json::json;

/// The example of the format's documentation.
const EXAMPLE: &str = r#"{
  "action": "trigger",
  "dedup_key": "nightly-backup",
  "summary": "Nightly backup of db-1 failed",
  "severity": "error",
  "source": "backup-runner-1",
  "occurred_at": "2026-11-21T03:12:09Z",
  "details": {"exit_code": 2, "log": "s3: access denied"},
  "labels": {"team": "storage"},
  "links": [{"href": "https://ci.example/jobs/881", "text": "Job log"}]
}"#;

fn refused(body: &[u8]) -> Vec<String> {
    parse(body)
        .expect_err("refused")
        .fields
        .into_iter()
        .map(|f| f.field)
        .collect()
}

#[test]
fn the_documented_example_parses() {
    let s = parse(EXAMPLE.as_bytes()).expect("valid");
    assert_eq!(s.action, SignalAction::Trigger);
    assert_eq!(s.dedup_key.as_deref(), Some("nightly-backup"));
    assert_eq!(s.summary.as_deref(), Some("Nightly backup of db-1 failed"));
    assert_eq!(s.severity, Some(AlertSeverity::Error));
    assert_eq!(s.source.as_deref(), Some("backup-runner-1"));
    assert_eq!(s.occurred_at, Some(t("2026-11-21T03:12:09Z")));
    assert_eq!(s.details["exit_code"], 2);
    assert_eq!(s.labels["team"], "storage");
    assert_eq!(s.links[0].text.as_deref(), Some("Job log"));
}

#[test]
fn a_bare_summary_is_a_trigger_of_the_default_severity() {
    let s = parse(br#"{"summary": "cron job failed"}"#).expect("valid");
    assert_eq!(s.action, SignalAction::Trigger);
    assert_eq!(s.severity, Some(DEFAULT_SEVERITY));
    assert_eq!(s.dedup_key, None);
}

#[test]
fn follow_ups_need_a_key_and_triggers_a_summary() {
    assert_eq!(refused(br#"{"action": "resolve"}"#), ["dedup_key"]);
    assert_eq!(refused(br#"{"action": "acknowledge"}"#), ["dedup_key"]);
    assert_eq!(
        refused(br#"{"action": "trigger", "dedup_key": "k"}"#),
        ["summary"]
    );
    let s = parse(br#"{"action": "resolve", "dedup_key": "nightly-backup"}"#).expect("valid");
    assert_eq!(s.action, SignalAction::Resolve);
    assert_eq!(s.severity, None);
    assert_eq!(
        refused(br#"{"action": "snooze", "summary": "x"}"#),
        ["action"]
    );
}

#[test]
fn a_misspelt_field_is_refused_by_name() {
    let err = parse(br#"{"sumary": "x", "summary": "y"}"#).expect_err("refused");
    assert_eq!(err.fields[0].field, "sumary");
    assert!(
        err.fields[0]
            .message
            .starts_with("is not a field of this format")
    );
}

#[test]
fn limits_allow_the_limit_and_refuse_one_more() {
    let cases = [
        ("/dedup_key", 255),
        ("/summary", 1024),
        ("/description", 15_000),
    ];
    for (pointer, max) in cases {
        assert!(
            parse(&with(EXAMPLE, pointer, json!("é".repeat(max)))).is_ok(),
            "{pointer}"
        );
        assert_eq!(
            refused(&with(EXAMPLE, pointer, json!("é".repeat(max + 1)))),
            [pointer.trim_start_matches('/')]
        );
    }
    let base = with(EXAMPLE, "/details", json!({"pad": ""}));
    let pad = MAX_BODY_BYTES - base.len();
    let exact = with(EXAMPLE, "/details", json!({"pad": "p".repeat(pad)}));
    assert_eq!(exact.len(), MAX_BODY_BYTES);
    assert!(parse(&exact).is_ok());
    let over = with(EXAMPLE, "/details", json!({"pad": "p".repeat(pad + 1)}));
    assert_eq!(refused(&over), ["body"]);
}

#[test]
fn severities_are_read_leniently_but_unknown_ones_are_refused() {
    let s = parse(&with(EXAMPLE, "/severity", json!("warn"))).expect("valid");
    assert_eq!(s.severity, Some(AlertSeverity::Warning));
    let s = parse(&with(EXAMPLE, "/severity", json!("PAGE"))).expect("valid");
    assert_eq!(s.severity, Some(AlertSeverity::Critical));
    assert_eq!(
        refused(&with(EXAMPLE, "/severity", json!("bogus"))),
        ["severity"]
    );
    let s = parse(&without(EXAMPLE, "/severity")).expect("valid");
    assert_eq!(s.severity, Some(DEFAULT_SEVERITY));
}

#[test]
fn wrong_types_and_bad_values_are_named() {
    let cases = [
        ("/occurred_at", json!("tomorrow"), "occurred_at"),
        ("/occurred_at", json!(12), "occurred_at"),
        ("/labels", json!(["a"]), "labels"),
        ("/labels", json!({"n": 1}), "labels.n"),
        ("/links", json!({}), "links"),
        ("/links", json!([1]), "links[0]"),
        ("/links", json!([{"text": "t"}]), "links[0].href"),
        ("/links", json!([{"href": 1}]), "links[0].href"),
        (
            "/links",
            json!([{"href": "h", "text": []}]),
            "links[0].text",
        ),
        ("/source", json!(true), "source"),
        ("/dedup_key", json!(5), "dedup_key"),
    ];
    for (pointer, value, field) in cases {
        assert_eq!(
            refused(&with(EXAMPLE, pointer, value)),
            [field],
            "{pointer}"
        );
    }
    assert_eq!(refused(b"{nope"), ["body"]);
    assert_eq!(refused(b"[]"), ["body"]);
}
