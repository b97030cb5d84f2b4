//! Payload parsing against Slack's documented examples and Debrief-shaped bodies.

use super::fixture;
use crate::slack::blocks::DECLARE_TITLE;
use crate::slack::command::{Command, UserMention, Vocabulary, parse};
use crate::slack::payloads::*;
use crate::slack::signature;

/// Encodes a value for a form body the way Slack does.
fn form_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn interaction_body(json: &str) -> Vec<u8> {
    format!("payload={}", form_encode(json)).into_bytes()
}

#[test]
fn the_documented_slash_command_parses() {
    let body = fixture!("from-docs/slash-command.form");
    let c = parse_slash_command(body.as_bytes()).expect("parses");
    assert_eq!(c.team_id, "T1DC2JH3J");
    assert_eq!(c.channel_id, "G8PSS9T3V");
    assert_eq!(c.user_id, "U2CERLKJA");
    assert_eq!(c.command, "/webhook-collect");
    assert_eq!(c.text, "");
    assert_eq!(
        c.response_url,
        "https://hooks.slack.com/commands/T1DC2JH3J/397700885554/96rGlfmibIGlgcZRskXaIFfN"
    );
    assert_eq!(
        c.trigger_id.as_deref(),
        Some("398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c")
    );
    // The same body is Slack's signing example: verify, then parse.
    let sig = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
    assert_eq!(
        signature::verify(
            b"8f742231b10e8888abcd99yyyzzz85a5",
            "1531420618",
            sig,
            body.as_bytes(),
            1_531_420_700
        ),
        Ok(())
    );
}

#[test]
fn the_documented_enterprise_slash_command_parses() {
    let c = parse_slash_command(fixture!("from-docs/slash-command-weather.form").as_bytes())
        .expect("parses");
    assert_eq!(c.enterprise_id.as_deref(), Some("E0001"));
    assert_eq!(c.text, "94070");
    assert_eq!(c.api_app_id.as_deref(), Some("A123456"));
}

#[test]
fn an_inc_command_parses_through_to_a_command() {
    let c = parse_slash_command(fixture!("from-docs/debrief-slash-inc-role.form").as_bytes())
        .expect("parses");
    assert_eq!(c.command, "/inc");
    assert_eq!(c.text, "role commander <@U024BE7LH|bob>");
    assert_eq!(
        parse(&c.text, &Vocabulary::default()),
        Ok(Command::Role {
            role: "commander".into(),
            user: UserMention::Slack {
                id: "U024BE7LH".into(),
                name: Some("bob".into())
            }
        })
    );
}

#[test]
fn a_slash_command_without_its_fields_is_refused() {
    let e = parse_slash_command(b"text=hello").expect_err("no ids");
    assert_eq!(e.kind, "slash command");
    assert!(parse_form(b"a=%zz&b=%C3%A9+x&&c").contains(&("b".into(), "é x".into())));
    assert_eq!(
        parse_form(b"a=%zz&c"),
        [("a".into(), "%zz".into()), ("c".into(), String::new())]
    );
}

#[test]
fn the_documented_block_actions_payload_parses() {
    let i = parse_interaction(&interaction_body(fixture!("from-docs/block-actions.json")))
        .expect("parses");
    let Interaction::BlockActions(a) = i else {
        panic!("block_actions: {i:?}")
    };
    assert_eq!(a.user.id, "UA8RXUSPL");
    assert_eq!(a.actions[0].action_id, "WaXA");
    assert_eq!(a.actions[0].value.as_deref(), Some("click_me_123"));
    assert_eq!(
        a.message.as_ref().map(|m| m.ts.as_str()),
        Some("1548261231.000200")
    );
    assert_eq!(a.channel.as_ref().map(|c| c.id.as_str()), Some("CBR2V3XEX"));
    assert!(a.response_url.is_some());
}

#[test]
fn a_page_acknowledgement_click_carries_the_page_id() {
    let i = parse_interaction(&interaction_body(fixture!(
        "from-docs/debrief-page-ack.json"
    )))
    .expect("parses");
    let Interaction::BlockActions(a) = i else {
        panic!("block_actions: {i:?}")
    };
    assert_eq!(a.actions[0].action_id, crate::slack::blocks::PAGE_ACK);
    assert_eq!(a.actions[0].value.as_deref(), Some("17"));
    assert_eq!(a.user.id, "U024BE7LH");
    assert_eq!(a.channel.map(|c| c.id), Some("D0DANA".into()));
}

#[test]
fn the_documented_view_submission_parses() {
    let i = parse_interaction(&interaction_body(fixture!(
        "from-docs/view-submission.json"
    )))
    .expect("parses");
    let Interaction::ViewSubmission(s) = i else {
        panic!("view_submission: {i:?}")
    };
    assert_eq!(s.view.callback_id, "modal-with-inputs");
    assert_eq!(s.view.private_metadata, "shhh-its-secret");
    assert_eq!(
        s.view.state.values["multi-line"]["ml-value"]
            .value
            .as_deref(),
        Some("This is my example inputted value")
    );
}

#[test]
fn the_declare_modal_submission_reads_all_four_inputs() {
    let i = parse_interaction(&interaction_body(fixture!(
        "from-docs/debrief-declare-submission.json"
    )))
    .expect("parses");
    let Interaction::ViewSubmission(s) = i else {
        panic!("view_submission: {i:?}")
    };
    assert_eq!(s.view.callback_id, crate::slack::blocks::DECLARE_CALLBACK);
    assert_eq!(
        declare_submission(&s.view),
        Ok(DeclareSubmission {
            title: "Checkout fails".into(),
            severity: Some("SEV1".into()),
            services: vec!["checkout".into(), "payments".into()],
            private: true,
            custom_fields: serde_json::Map::new(),
        })
    );
    let mut blank = s.view.clone();
    blank.state.values.clear();
    let e = declare_submission(&blank).expect_err("no title");
    assert_eq!(
        e.fields[0].field, DECLARE_TITLE,
        "named by block_id for response_action errors"
    );
}

#[test]
fn other_interactions_and_malformed_bodies() {
    let shortcut = r#"{"type":"shortcut","callback_id":"x","trigger_id":"1","user":{"id":"U1"}}"#;
    assert_eq!(
        parse_interaction(&interaction_body(shortcut)),
        Ok(Interaction::Other)
    );
    let closed = r#"{"type":"view_closed","user":{"id":"U1"},"view":{"id":"V1"}}"#;
    assert!(matches!(
        parse_interaction(&interaction_body(closed)),
        Ok(Interaction::ViewClosed { .. })
    ));
    assert_eq!(
        parse_interaction(b"foo=bar").map_err(|e| e.reason),
        Err("no payload field".into())
    );
    assert!(parse_interaction(b"payload=%7Bnot+json").is_err());
}

#[test]
fn url_verification_gives_the_challenge() {
    assert_eq!(
        parse_event(fixture!("from-docs/url-verification.json").as_bytes()),
        Ok(EventEnvelope::UrlVerification {
            challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P".into()
        })
    );
}

fn callback(body: &str) -> EventCallback {
    match parse_event(body.as_bytes()).expect("parses") {
        EventEnvelope::EventCallback(c) => *c,
        other => panic!("event_callback: {other:?}"),
    }
}

#[test]
fn the_documented_reaction_added_event_parses() {
    let c = callback(fixture!("from-docs/event-reaction-added.json"));
    assert_eq!(c.event_id, "Ev123ABC456");
    assert_eq!(c.event_time, Some(1_360_782_804));
    let Event::ReactionAdded {
        user,
        reaction,
        item,
        item_user,
        event_ts,
    } = c.event
    else {
        panic!("reaction_added")
    };
    assert_eq!(user, "U123ABC456");
    assert_eq!(reaction, "thumbsup");
    assert_eq!(item.channel.as_deref(), Some("C123ABC456"));
    assert_eq!(item.ts.as_deref(), Some("1360782400.498405"));
    assert_eq!(item_user.as_deref(), Some("U222222222"));
    assert_eq!(event_ts, "1360782804.083113");
}

#[test]
fn a_pin_added_event_carries_the_pinned_message() {
    let c = callback(fixture!("from-docs/event-pin-added.json"));
    let Event::PinAdded {
        user,
        channel_id,
        item,
        ..
    } = c.event
    else {
        panic!("pin_added")
    };
    assert_eq!(
        (user.as_str(), channel_id.as_str()),
        ("U123ABC456", "C123ABC456")
    );
    let m = item.message.expect("the message");
    assert_eq!(m.user.as_deref(), Some("U222222222"));
    assert_eq!(m.ts, "1360782400.498405");
    assert!(m.permalink.is_some());
}

#[test]
fn a_message_event_parses_and_unknown_events_are_other() {
    let c = callback(fixture!("from-docs/event-message.json"));
    let Event::Message(m) = c.event else {
        panic!("message")
    };
    assert_eq!(m.channel.as_deref(), Some("C123ABC456"));
    assert_eq!(m.text.as_deref(), Some("Hello world"));
    assert_eq!(m.subtype, None);
    assert_eq!(
        callback(fixture!("from-docs/event-app-mention.json")).event,
        Event::Other
    );
    assert_eq!(
        parse_event(fixture!("from-docs/app-rate-limited.json").as_bytes()),
        Ok(EventEnvelope::Other)
    );
    assert_eq!(parse_event(b"[]").map_err(|e| e.kind), Err("event"));
}

#[test]
fn the_declare_modal_submission_reads_the_custom_fields() {
    // Arrange: the documented submission, with custom field inputs in the same shapes as its
    // text input, select and multi-select.
    let mut payload: serde_json::Value =
        serde_json::from_str(fixture!("from-docs/debrief-declare-submission.json")).expect("json");
    let values = &mut payload["view"]["state"]["values"];
    let title = values["title"]["title"].clone();
    let severity = values["severity"]["severity"].clone();
    let services = values["services"]["services"].clone();
    let mut ticket = title.clone();
    ticket["value"] = " OPS-1 ".into();
    let mut empty = title;
    empty["value"] = serde_json::Value::Null;
    let mut unset = severity.clone();
    unset["selected_option"] = serde_json::Value::Null;
    values["cf.ticket"] = serde_json::json!({"cf.ticket": ticket});
    values["cf.note"] = serde_json::json!({"cf.note": empty});
    values["cf.region"] = serde_json::json!({"cf.region": severity});
    values["cf.tier"] = serde_json::json!({"cf.tier": unset});
    values["cf.areas"] = serde_json::json!({"cf.areas": services});
    let i = parse_interaction(&interaction_body(&payload.to_string())).expect("parses");
    let Interaction::ViewSubmission(s) = i else {
        panic!("view_submission: {i:?}")
    };

    // Act
    let d = declare_submission(&s.view).expect("valid");

    // Assert: keyed by field, as the API takes them.
    assert_eq!(
        serde_json::Value::Object(d.custom_fields),
        serde_json::json!({
            "ticket": "OPS-1", "note": null, "region": "SEV1", "tier": null,
            "areas": ["checkout", "payments"],
        })
    );
}
