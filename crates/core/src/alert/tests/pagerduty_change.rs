//! PagerDuty Events API v2 change events.

use super::{fixture, t, with, without};
use crate::alert::pagerduty::{PagerDutyError, parse_change_event};
use serde_json::json;

const KEY: &str = "R0UT1NGKEY0000000000000000000000";

#[test]
fn the_captured_change_event_parses() {
    let event = parse_change_event(fixture!("pagerduty7-change.json").as_bytes()).expect("valid");
    assert_eq!(event.routing_key, KEY);
    let c = event.change;
    assert_eq!(c.summary, "deploy v1.2.3");
    assert_eq!(c.source.as_deref(), Some("ci"));
    assert_eq!(c.timestamp, Some(t("2026-11-21T09:30:00Z")));
    assert_eq!(c.custom_details, json!({"sha": "abc123"}));
    assert!(c.links.is_empty());
}

#[test]
fn a_change_event_needs_a_summary_of_at_most_1024_characters() {
    let body = fixture!("pagerduty7-change.json");
    let change_errors = |b: &[u8]| match parse_change_event(b) {
        Err(PagerDutyError::Invalid(e)) => e,
        other => panic!("expected invalid, got {other:?}"),
    };
    assert_eq!(
        change_errors(&without(body, "/payload/summary")),
        ["'payload.summary' is missing or blank"]
    );
    assert!(parse_change_event(&with(body, "/payload/summary", json!("c".repeat(1024)))).is_ok());
    assert_eq!(
        change_errors(&with(body, "/payload/summary", json!("c".repeat(1025)))),
        ["'payload.summary' is too long (maximum is 1024 characters)"]
    );
    assert_eq!(
        change_errors(&without(body, "/payload")),
        ["'payload' is missing or blank"]
    );
    let no_source = without(body, "/payload/source");
    assert_eq!(
        parse_change_event(&no_source).expect("valid").change.source,
        None
    );
    assert_eq!(
        change_errors(&with(body, "/routing_key", json!("short"))),
        ["Length of 'routing_key' is incorrect (should be 32 characters)"]
    );
    let linked = with(
        body,
        "/links",
        json!([{"href": "https://ci.example/2", "text": "Build"}]),
    );
    assert_eq!(
        parse_change_event(&linked)
            .expect("valid")
            .change
            .links
            .len(),
        1
    );
    assert!(matches!(
        parse_change_event(b"nope"),
        Err(PagerDutyError::Unrecognized(_))
    ));
}
