//! The Opsgenie Alert API v2, against bodies written from Opsgenie's documentation.

use super::{fixture, json, t, with, without};
use crate::alert::opsgenie::{
    self, ActionKind, IdentifierType, OpsgenieError, OpsgeniePriority, RequestOutcome,
    parse_action, parse_create, parse_identifier,
};
use crate::alert::{AlertSeverity, SignalAction};
use serde_json::json;
use std::collections::BTreeMap;

const CREATE: &str = fixture!("from-docs/opsgenie-create-alert.json");

fn refused(body: &[u8]) -> BTreeMap<String, String> {
    let err = parse_create(body).expect_err("refused");
    assert_eq!(err.status, 422, "{err:?}");
    err.errors
}

#[test]
fn the_documented_create_parses_with_alias_as_the_dedup_key() {
    let created = parse_create(CREATE.as_bytes()).expect("valid");
    assert_eq!(created.priority, OpsgeniePriority::P1);
    assert!(created.truncated.is_empty());
    let s = created.signal;
    assert_eq!(s.action, SignalAction::Trigger);
    assert_eq!(
        s.dedup_key.as_deref(),
        Some("Life is too short for no alias")
    );
    assert_eq!(s.summary.as_deref(), Some("An example alert message"));
    assert_eq!(
        s.description.as_deref(),
        Some("Every alert needs a description")
    );
    assert_eq!(s.component.as_deref(), Some("An example entity"));
    assert_eq!(s.severity, Some(AlertSeverity::Critical));
    assert_eq!(s.labels["key1"], "value1");
    assert_eq!(
        s.details["tags"],
        json!(["OverwriteQuietHours", "Critical"])
    );
    assert_eq!(s.details["responders"].as_array().map(Vec::len), Some(8));
    assert_eq!(s.details["visibleTo"].as_array().map(Vec::len), Some(4));
    assert_eq!(s.details["actions"], json!(["Restart", "AnExampleAction"]));
    assert_eq!(s.details["priority"], "P1");
}

#[test]
fn a_minimal_create_is_p3_with_no_alias() {
    let created = parse_create(br#"{"message": "disk full"}"#).expect("valid");
    assert_eq!(created.priority, OpsgeniePriority::P3);
    assert_eq!(created.signal.severity, Some(AlertSeverity::Warning));
    assert_eq!(created.signal.dedup_key, None, "the server generates one");
}

#[test]
fn priorities_map_to_severities() {
    let expected = [
        ("P1", AlertSeverity::Critical),
        ("P2", AlertSeverity::Error),
        ("P3", AlertSeverity::Warning),
        ("P4", AlertSeverity::Info),
        ("P5", AlertSeverity::Info),
    ];
    for (p, sev) in expected {
        let body = with(CREATE, "/priority", json!(p));
        assert_eq!(
            parse_create(&body).expect("valid").signal.severity,
            Some(sev)
        );
    }
    for bad in [json!("P6"), json!("p1"), json!(1)] {
        let errors = refused(&with(CREATE, "/priority", bad));
        assert_eq!(
            errors["priority"],
            "should be one of [ P1, P2, P3, P4, P5 ]"
        );
    }
}

#[test]
fn a_create_without_message_gets_opsgenies_422() {
    let err = parse_create(&without(CREATE, "/message")).expect_err("refused");
    assert_eq!(err.status, opsgenie::UNPROCESSABLE_STATUS);
    assert_eq!(
        json(&err.body(0.002, "req-1")),
        r#"{"message":"Request body is not processable. Please check the errors.","errors":{"message":"Message can not be empty."},"took":0.002,"requestId":"req-1"}"#
    );
    assert_eq!(
        refused(&with(CREATE, "/message", json!("   ")))["message"],
        "Message can not be empty."
    );
    assert_eq!(
        refused(&with(CREATE, "/message", json!(5)))["message"],
        "Message should be a string."
    );
}

#[test]
fn a_message_over_130_characters_is_cut_like_opsgenie_does() {
    let exact = with(CREATE, "/message", json!("m".repeat(130)));
    let created = parse_create(&exact).expect("valid");
    assert!(created.truncated.is_empty());
    assert_eq!(created.signal.summary.map(|m| m.len()), Some(130));
    let over = with(CREATE, "/message", json!("é".repeat(131)));
    let created = parse_create(&over).expect("valid");
    assert_eq!(created.truncated, ["message"]);
    assert_eq!(created.signal.summary, Some("é".repeat(130)));
}

#[test]
fn text_fields_are_cut_at_their_limits() {
    let cases = [
        ("/description", 15_000, "description"),
        ("/entity", 512, "entity"),
        ("/source", 100, "source"),
        ("/user", 100, "user"),
        ("/note", 25_000, "note"),
    ];
    for (pointer, max, field) in cases {
        let exact = parse_create(&with(CREATE, pointer, json!("x".repeat(max)))).expect("valid");
        assert!(exact.truncated.is_empty(), "{field} at its limit");
        let over = parse_create(&with(CREATE, pointer, json!("x".repeat(max + 1)))).expect("valid");
        assert_eq!(over.truncated, [field]);
    }
    let created = parse_create(&with(CREATE, "/note", json!("n".repeat(25_001)))).expect("valid");
    assert_eq!(created.note.map(|n| n.len()), Some(25_000));
}

#[test]
fn an_alias_over_512_characters_is_refused_not_cut() {
    assert!(parse_create(&with(CREATE, "/alias", json!("a".repeat(512)))).is_ok());
    let errors = refused(&with(CREATE, "/alias", json!("a".repeat(513))));
    assert_eq!(
        errors["alias"],
        "Alias can not be longer than 512 characters."
    );
}

#[test]
fn tags_and_actions_are_cut_to_their_limits() {
    let tags: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
    let created = parse_create(&with(CREATE, "/tags", json!(tags))).expect("valid");
    assert_eq!(created.truncated, ["tags"]);
    assert_eq!(
        created.signal.details["tags"].as_array().map(Vec::len),
        Some(20)
    );
    let created = parse_create(&with(CREATE, "/tags", json!(["t".repeat(51)]))).expect("valid");
    assert_eq!(
        created.signal.details["tags"][0].as_str().map(str::len),
        Some(50)
    );
    let twenty: Vec<String> = (0..20).map(|i| format!("{i:0>50}")).collect();
    assert!(
        parse_create(&with(CREATE, "/tags", json!(twenty)))
            .expect("valid")
            .truncated
            .is_empty()
    );
    let actions: Vec<String> = (0..11).map(|i| format!("a{i}")).collect();
    let created = parse_create(&with(CREATE, "/actions", json!(actions))).expect("valid");
    assert_eq!(created.truncated, ["actions"]);
    assert_eq!(
        refused(&with(CREATE, "/tags", json!("one")))["tags"],
        "Tags should be a list of strings."
    );
    assert_eq!(
        refused(&with(CREATE, "/tags", json!([1])))["tags"],
        "Tags should be a list of strings."
    );
}

#[test]
fn details_are_a_string_map_of_at_most_8000_characters() {
    let ok = json!({"k": "v".repeat(7_999)});
    assert!(parse_create(&with(CREATE, "/details", ok)).is_ok());
    let over = json!({"k": "v".repeat(8_000)});
    assert_eq!(
        refused(&with(CREATE, "/details", over))["details"],
        "Details can not be longer than 8000 characters in total."
    );
    assert_eq!(
        refused(&with(CREATE, "/details", json!({"n": 1})))["details"],
        "Details should be a map of string keys to string values."
    );
}

#[test]
fn responders_of_an_unknown_type_are_refused() {
    let errors = refused(&with(
        CREATE,
        "/responders",
        json!([{"type": "bb", "name": "x"}]),
    ));
    assert_eq!(errors["responders#type"], "Invalid responder type 'bb'");
    let errors = refused(&with(CREATE, "/responders", json!([{"type": "team"}])));
    assert_eq!(
        errors["responders"],
        "Responders should have an id, name or username."
    );
    let errors = refused(&with(CREATE, "/visibleTo", json!("NOC")));
    assert_eq!(errors["visibleTo"], "VisibleTo should be a list.");
}

#[test]
fn a_body_that_is_not_json_is_a_400() {
    for body in [&b"nope"[..], b"[]", b""] {
        let err = parse_create(body).expect_err("refused");
        assert_eq!(err.status, opsgenie::BAD_REQUEST_STATUS);
        assert_eq!(
            json(&err.body(0.0, "r")),
            r#"{"message":"Request body is not a valid JSON object.","took":0.0,"requestId":"r"}"#
        );
    }
}

#[test]
fn the_documented_action_bodies_parse() {
    let cases = [
        (
            ActionKind::Acknowledge,
            fixture!("from-docs/opsgenie-acknowledge-alert.json"),
        ),
        (
            ActionKind::Close,
            fixture!("from-docs/opsgenie-close-alert.json"),
        ),
        (
            ActionKind::AddNote,
            fixture!("from-docs/opsgenie-add-note.json"),
        ),
    ];
    for (kind, body) in cases {
        let action = parse_action(kind, body.as_bytes()).expect("valid");
        assert_eq!(action.kind, kind);
        assert_eq!(action.user.as_deref(), Some("Monitoring Script"));
        assert_eq!(action.source.as_deref(), Some("AWS Lambda"));
        assert!(action.note.is_some());
    }
    assert_eq!(
        ActionKind::Acknowledge.signal_action(),
        Some(SignalAction::Acknowledge)
    );
    assert_eq!(
        ActionKind::Close.signal_action(),
        Some(SignalAction::Resolve)
    );
    assert_eq!(ActionKind::AddNote.signal_action(), None);
    assert_eq!(ActionKind::AddNote.request_action(), "AddNote");
}

#[test]
fn action_bodies_are_optional_except_a_notes_note() {
    for body in [&b""[..], b"  \n", b"{}"] {
        let action = parse_action(ActionKind::Close, body).expect("valid");
        assert_eq!(
            (action.user, action.source, action.note),
            (None, None, None)
        );
        let err = parse_action(ActionKind::AddNote, body).expect_err("a note is needed");
        assert_eq!(err.errors["note"], "Note can not be empty.");
    }
    let err = parse_action(ActionKind::Acknowledge, br#"{"user": 7}"#).expect_err("refused");
    assert_eq!(err.errors["user"], "User should be a string.");
    let err = parse_action(ActionKind::AddNote, br#"{"note": []}"#).expect_err("refused");
    assert_eq!(err.errors["note"], "Note should be a string.");
    let err = parse_action(ActionKind::Acknowledge, b"{").expect_err("refused");
    assert_eq!(err.status, 400);
    let long = format!(r#"{{"user": "{}"}}"#, "u".repeat(101));
    let action = parse_action(ActionKind::Acknowledge, long.as_bytes()).expect("valid");
    assert_eq!(action.user.map(|u| u.len()), Some(100));
}

#[test]
fn identifier_types_default_to_id() {
    let cases = [
        (None, IdentifierType::Id),
        (Some(""), IdentifierType::Id),
        (Some("id"), IdentifierType::Id),
        (Some("tiny"), IdentifierType::Tiny),
        (Some("alias"), IdentifierType::Alias),
    ];
    for (value, expected) in cases {
        assert_eq!(IdentifierType::parse(value), Ok(expected), "{value:?}");
    }
    let err: OpsgenieError = IdentifierType::parse(Some("name")).expect_err("refused");
    assert_eq!(
        err.errors["identifierType"],
        "should be one of [ id, tiny, alias ]"
    );
    let id = parse_identifier("Life is too short", Some("alias")).expect("valid");
    assert_eq!(id.kind, IdentifierType::Alias);
    assert_eq!(id.value, "Life is too short");
    assert_eq!(IdentifierType::Alias.as_str(), "alias");
    assert!(parse_identifier(" ", None).is_err());
}

#[test]
fn the_accepted_answer_is_opsgenies() {
    assert_eq!(
        json(&opsgenie::accepted(
            0.0,
            "43a29c5c-3dbf-4fa4-9c26-f4f71023e120"
        )),
        r#"{"result":"Request will be processed","took":0.0,"requestId":"43a29c5c-3dbf-4fa4-9c26-f4f71023e120"}"#
    );
    assert_eq!(opsgenie::ACCEPTED_STATUS, 202);
}

#[test]
fn the_request_status_document_is_the_documented_one() {
    let outcome = RequestOutcome {
        action: "Create",
        success: true,
        processed_at: t("2017-05-24T14:24:20.844Z"),
        integration_id: "c9cec2cb-e782-4ebb-bc1d-1b2fa703cf03".into(),
        status: opsgenie::STATUS_CREATED_ALERT.into(),
        alert_id: "8743a1b2-11da-480e-8493-744660987bef".into(),
        alias: "8743a1b2-11da-480e-8493-744660987bef".into(),
    };
    let documented = r#"{
        "data": {
            "success": true,
            "action": "Create",
            "processedAt": "2017-05-24T14:24:20.844Z",
            "integrationId": "c9cec2cb-e782-4ebb-bc1d-1b2fa703cf03",
            "isSuccess": true,
            "status": "Created alert",
            "alertId": "8743a1b2-11da-480e-8493-744660987bef",
            "alias": "8743a1b2-11da-480e-8493-744660987bef"
        },
        "took": 0.022,
        "requestId": "ec7e1d8e-1c75-442e-a271-731070a7fa4d"
    }"#;
    let compact: serde_json::Value = serde_json::from_str(documented).expect("JSON");
    let ours = opsgenie::request_status(&outcome, 0.022, "ec7e1d8e-1c75-442e-a271-731070a7fa4d");
    assert_eq!(serde_json::to_value(&ours).expect("JSON"), compact);
    assert_eq!(
        json(&ours),
        r#"{"data":{"success":true,"action":"Create","processedAt":"2017-05-24T14:24:20.844Z","integrationId":"c9cec2cb-e782-4ebb-bc1d-1b2fa703cf03","isSuccess":true,"status":"Created alert","alertId":"8743a1b2-11da-480e-8493-744660987bef","alias":"8743a1b2-11da-480e-8493-744660987bef"},"took":0.022,"requestId":"ec7e1d8e-1c75-442e-a271-731070a7fa4d"}"#
    );
    let missing = RequestOutcome {
        action: ActionKind::Acknowledge.request_action(),
        success: false,
        status: opsgenie::STATUS_ALERT_DOES_NOT_EXIST.into(),
        alert_id: String::new(),
        alias: String::new(),
        ..outcome
    };
    let v = serde_json::to_value(opsgenie::request_status(&missing, 0.019, "r")).expect("JSON");
    assert_eq!(v["data"]["isSuccess"], false);
    assert_eq!(v["data"]["status"], "Alert does not exist");
    assert_eq!(v["data"]["action"], "Acknowledge");
}
