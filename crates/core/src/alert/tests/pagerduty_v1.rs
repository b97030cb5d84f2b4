//! PagerDuty's legacy v1 generic API.

use super::{json, with, without};
use crate::alert::pagerduty::{self, PagerDutyError, parse_v1_event};
use crate::alert::{DEFAULT_SEVERITY, SignalAction};
use serde_json::json;

/// The request example of PagerDuty's v1 OpenAPI document.
const DOCUMENTED: &str = r#"{
  "service_key": "e93facc04764012d7bfb002500d5d1a6",
  "incident_key": "srv01/HTTP",
  "event_type": "trigger",
  "description": "FAILURE for production/HTTP on machine srv01.acme.com",
  "client": "Sample Monitoring Service",
  "client_url": "https://monitoring.service.com",
  "details": {"ping time": "1500ms", "load avg": 0.75},
  "contexts": [
    {"type": "link", "href": "http://acme.pagerduty.com"},
    {"type": "link", "href": "http://acme.pagerduty.com", "text": "View the incident on PagerDuty"},
    {"type": "image", "src": "https://chart.googleapis.com/chart?chs=600x400"},
    {"type": "image", "src": "https://chart.googleapis.com/chart?chs=600x400", "href": "https://google.com"}
  ]
}"#;

fn errors(body: &[u8]) -> Vec<String> {
    match parse_v1_event(body) {
        Err(PagerDutyError::Invalid(e)) => e,
        other => panic!("expected an invalid event, got {other:?}"),
    }
}

#[test]
fn the_documented_v1_trigger_parses() {
    let event = parse_v1_event(DOCUMENTED.as_bytes()).expect("valid");
    assert_eq!(event.service_key, "e93facc04764012d7bfb002500d5d1a6");
    let s = event.signal;
    assert_eq!(s.action, SignalAction::Trigger);
    assert_eq!(s.dedup_key.as_deref(), Some("srv01/HTTP"));
    assert_eq!(
        s.summary.as_deref(),
        Some("FAILURE for production/HTTP on machine srv01.acme.com")
    );
    assert_eq!(s.severity, Some(DEFAULT_SEVERITY), "v1 has no severity");
    assert_eq!(s.details["load avg"], 0.75);
    assert_eq!(s.links.len(), 2);
    assert_eq!(
        s.links[1].text.as_deref(),
        Some("View the incident on PagerDuty")
    );
    assert_eq!(s.images.len(), 2);
    assert_eq!(s.images[1].href.as_deref(), Some("https://google.com"));
    assert_eq!(s.client.as_deref(), Some("Sample Monitoring Service"));
}

#[test]
fn v1_follow_ups_need_an_incident_key() {
    for action in ["acknowledge", "resolve"] {
        let body = json!({"service_key": "e93facc04764012d7bfb002500d5d1a6", "event_type": action});
        assert_eq!(
            errors(body.to_string().as_bytes()),
            ["Incident key can't be blank"]
        );
        let body = json!({"service_key": "e93facc04764012d7bfb002500d5d1a6", "event_type": action,
                          "incident_key": "srv01/HTTP", "description": "Andrew now working on it"});
        let s = parse_v1_event(body.to_string().as_bytes())
            .expect("valid")
            .signal;
        assert_eq!(s.action, SignalAction::parse(action).expect("an action"));
        assert_eq!(s.summary, None);
        assert_eq!(s.description.as_deref(), Some("Andrew now working on it"));
    }
}

#[test]
fn v1_limits_and_rules_answer_in_v1s_words() {
    assert_eq!(
        errors(&with(DOCUMENTED, "/service_key", json!("short"))),
        ["Service key is the wrong length (should be 32 characters)"]
    );
    assert_eq!(
        errors(&without(DOCUMENTED, "/service_key")),
        ["Service key can't be blank"]
    );
    assert_eq!(
        errors(&with(DOCUMENTED, "/event_type", json!("escalate"))),
        ["Event type is not included in the list"]
    );
    assert_eq!(
        errors(&without(DOCUMENTED, "/description")),
        ["Description can't be blank"]
    );
    assert!(parse_v1_event(&with(DOCUMENTED, "/description", json!("d".repeat(1024)))).is_ok());
    assert_eq!(
        errors(&with(DOCUMENTED, "/description", json!("d".repeat(1025)))),
        ["Description is too long (maximum is 1024 characters)"]
    );
    assert!(parse_v1_event(&with(DOCUMENTED, "/incident_key", json!("i".repeat(255)))).is_ok());
    assert_eq!(
        errors(&with(DOCUMENTED, "/incident_key", json!("i".repeat(256)))),
        ["Incident key is too long (maximum is 255 characters)"]
    );
    assert_eq!(
        errors(&with(
            DOCUMENTED,
            "/contexts",
            json!([{"type": "video", "src": "x"}])
        )),
        ["Contexts is invalid"]
    );
    assert_eq!(
        errors(&with(DOCUMENTED, "/contexts", json!([{"type": "link"}]))),
        ["Contexts is invalid"]
    );
    assert_eq!(
        errors(&with(DOCUMENTED, "/client", json!(3))),
        ["Client is invalid"]
    );
    assert_eq!(
        errors(b"{}"),
        [
            "Service key can't be blank",
            "Event type can't be blank",
            "Description can't be blank"
        ]
    );
}

#[test]
fn a_v1_trigger_without_incident_key_leaves_the_key_to_the_server() {
    let s = parse_v1_event(&without(DOCUMENTED, "/incident_key"))
        .expect("valid")
        .signal;
    assert_eq!(s.dedup_key, None);
}

#[test]
fn v1_answers_have_v1s_shape() {
    assert_eq!(
        json(&pagerduty::v1_accepted("srv01/HTTP")),
        r#"{"status":"success","message":"Event processed","incident_key":"srv01/HTTP"}"#
    );
    assert_eq!(pagerduty::V1_ACCEPTED_STATUS, 200);
    let err = parse_v1_event(b"{oops").expect_err("refused");
    assert_eq!(
        json(&err.v1_body()),
        r#"{"status":"unrecognized object","message":"Event object format is unrecognized","errors":["JSON parse error"]}"#
    );
    let err = parse_v1_event(&with(DOCUMENTED, "/service_key", json!("x"))).expect_err("refused");
    assert_eq!(
        json(&err.v1_body()),
        r#"{"status":"invalid event","message":"Event object is invalid","errors":["Service key is the wrong length (should be 32 characters)"]}"#
    );
}
