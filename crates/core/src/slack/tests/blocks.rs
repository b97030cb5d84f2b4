//! Block Kit builders: structure, ids and Slack's limits.

use super::CAPTURED;
use crate::Timestamp;
use crate::custom_field::{CustomField, FieldKind};
use crate::slack::blocks::*;
use serde_json::Value;

fn at(s: &str) -> Timestamp {
    s.parse().expect("a timestamp")
}

fn types(message: &Value) -> Vec<&str> {
    message["blocks"]
        .as_array()
        .expect("blocks")
        .iter()
        .map(|b| b["type"].as_str().expect("a type"))
        .collect()
}

fn buttons(message: &Value) -> Vec<(String, String)> {
    message["blocks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|b| b["type"] == "actions")
        .flat_map(|b| b["elements"].as_array().into_iter().flatten())
        .map(|e| {
            (
                e["action_id"].as_str().unwrap_or_default().to_string(),
                e["value"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn all_text(v: &Value) -> String {
    v.to_string()
}

fn summary() -> IncidentSummary {
    IncidentSummary {
        reference: "INC-42".into(),
        title: "Checkout <fails> & payments".into(),
        status: "identified".into(),
        severity: "SEV1".into(),
        roles: vec![
            (
                "commander".into(),
                Person {
                    name: "Dana".into(),
                    slack_id: Some("U024BE7LH".into()),
                },
            ),
            (
                "scribe".into(),
                Person {
                    name: "Sam <ops>".into(),
                    slack_id: None,
                },
            ),
        ],
        incident_url: "https://debrief.example.com/incidents/INC-42?tab=a&b=c".into(),
        status_page_url: Some("https://status.example.com/incidents/7".into()),
    }
}

fn notice() -> PageNotice {
    PageNotice {
        page_id: 17,
        title: "Checkout fails".into(),
        message: Some("p99 > 2s & rising".into()),
        incident: Some((
            "INC-42".into(),
            "https://debrief.example.com/incidents/INC-42".into(),
        )),
        page_url: "https://debrief.example.com/pages/17".into(),
        opened_at: at("2026-12-07T09:30:00Z"),
    }
}

#[test]
fn text_is_escaped_for_mrkdwn_and_cut_outside_entities() {
    assert_eq!(escape("a & <b>"), "a &amp; &lt;b&gt;");
    assert_eq!(truncate("abcdef", 4), "abc…");
    assert_eq!(truncate("abc", 3), "abc");
    assert_eq!(truncate("ab&amp;cd", 5), "ab…", "never half an entity");
    assert_eq!(
        link("https://x.example/?a=1&b=2", "Q&A | docs"),
        "<https://x.example/?a=1&amp;b=2|Q&amp;A ¦ docs>"
    );
}

#[test]
fn dates_use_slacks_token_so_each_viewer_sees_their_zone() {
    assert_eq!(
        slack_date(at("2026-12-07T09:30:00Z")),
        "<!date^1796635800^{date_short_pretty} at {time}|2026-12-07 09:30 UTC>"
    );
}

#[test]
fn the_incident_summary_has_a_header_status_severity_roles_and_links() {
    let m = incident_summary(&summary());
    assert_eq!(types(&m), ["header", "section", "section", "context"]);
    assert_eq!(
        m["blocks"][0]["text"]["text"], "INC-42: Checkout <fails> & payments",
        "headers are plain text, not escaped"
    );
    let fields = &m["blocks"][1]["fields"];
    assert_eq!(fields[0]["text"], "*Status*\nidentified");
    assert_eq!(fields[1]["text"], "*Severity*\nSEV1");
    assert_eq!(
        m["blocks"][2]["text"]["text"],
        "*Roles*\ncommander: <@U024BE7LH> · scribe: Sam &lt;ops&gt;"
    );
    let links = m["blocks"][3]["elements"][0]["text"]
        .as_str()
        .expect("links");
    assert!(
        links.contains(
            "<https://debrief.example.com/incidents/INC-42?tab=a&amp;b=c|INC-42 in Debrief>"
        ),
        "{links}"
    );
    assert!(links.contains("|Status page>"), "{links}");
    assert!(
        m["text"].as_str().is_some_and(|t| t.contains("INC-42")),
        "a fallback text"
    );
    assert!(limit_problems(&m).is_empty());
}

#[test]
fn a_summary_without_roles_or_status_page_says_so() {
    let m = incident_summary(&IncidentSummary {
        roles: vec![],
        status_page_url: None,
        ..summary()
    });
    assert_eq!(m["blocks"][2]["text"]["text"], "*Roles*\nnobody yet");
    assert!(!all_text(&m).contains("Status page"));
}

#[test]
fn a_page_dm_has_acknowledge_and_resolve_buttons_carrying_the_page_id() {
    let m = page_dm(&notice());
    assert_eq!(types(&m), ["header", "section", "context", "actions"]);
    assert_eq!(
        buttons(&m),
        [
            (PAGE_ACK.to_string(), "17".to_string()),
            (PAGE_RESOLVE.to_string(), "17".to_string())
        ]
    );
    assert_eq!(
        m["blocks"][1]["text"]["text"],
        "*Checkout fails*\np99 &gt; 2s &amp; rising"
    );
    assert!(all_text(&m).contains("<!date^1796635800^"));
    assert!(limit_problems(&m).is_empty());
}

#[test]
fn an_acknowledged_page_says_who_and_when_and_keeps_only_resolve() {
    let m = page_acknowledged(&notice(), "Dana <D>", at("2026-12-07T09:32:00Z"));
    assert_eq!(
        types(&m),
        ["header", "section", "context", "section", "actions"]
    );
    assert_eq!(
        m["blocks"][3]["text"]["text"],
        ":white_check_mark: Acknowledged by Dana &lt;D&gt; at <!date^1796635920^{date_short_pretty} at {time}|2026-12-07 09:32 UTC>"
    );
    assert_eq!(buttons(&m), [(PAGE_RESOLVE.to_string(), "17".to_string())]);
    let r = page_resolved(&notice(), "Dana", at("2026-12-07T09:40:00Z"));
    assert!(buttons(&r).is_empty());
    assert!(all_text(&r).contains("Resolved by Dana"));
}

#[test]
fn long_texts_are_cut_to_slacks_limits() {
    let long = "x".repeat(5000);
    let m = page_dm(&PageNotice {
        title: long.clone(),
        message: Some("<&>".repeat(2000)),
        ..notice()
    });
    assert!(limit_problems(&m).is_empty(), "{:?}", limit_problems(&m));
    assert_eq!(
        m["blocks"][0]["text"]["text"]
            .as_str()
            .map(|t| t.chars().count()),
        Some(MAX_HEADER)
    );
    let s = incident_summary(&IncidentSummary {
        title: long,
        ..summary()
    });
    assert!(limit_problems(&s).is_empty());
    let oversized: Value = serde_json::json!({"blocks": [
        {"type": "header", "text": {"type": "plain_text", "text": "h".repeat(151)}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "s".repeat(3001)}},
        {"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "ok"}, "value": "v".repeat(2001), "action_id": "a"}]},
    ]});
    assert_eq!(
        limit_problems(&oversized).len(),
        3,
        "{:?}",
        limit_problems(&oversized)
    );
}

#[test]
fn the_declare_modal_has_the_four_inputs() {
    let form = DeclareForm {
        title: Some("Checkout fails".into()),
        severities: vec![
            ("SEV1".into(), "Critical".into()),
            ("SEV2".into(), "Major".into()),
        ],
        default_severity: Some("SEV2".into()),
        services: vec![("checkout".into(), "Checkout".into())],
        custom_fields: Vec::new(),
        private_metadata: "C0GENERAL".into(),
    };
    let v = declare_modal(&form);
    assert_eq!(v["type"], "modal");
    assert_eq!(v["callback_id"], DECLARE_CALLBACK);
    assert_eq!(v["private_metadata"], "C0GENERAL");
    let inputs: Vec<(&str, &str, &str)> = v["blocks"]
        .as_array()
        .expect("blocks")
        .iter()
        .map(|b| {
            assert_eq!(b["type"], "input");
            (
                b["block_id"].as_str().unwrap_or_default(),
                b["element"]["action_id"].as_str().unwrap_or_default(),
                b["element"]["type"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        inputs,
        [
            (DECLARE_TITLE, DECLARE_TITLE, "plain_text_input"),
            (DECLARE_SEVERITY, DECLARE_SEVERITY, "static_select"),
            (DECLARE_SERVICES, DECLARE_SERVICES, "multi_static_select"),
            (DECLARE_PRIVATE, DECLARE_PRIVATE, "checkboxes"),
        ]
    );
    assert_eq!(v["blocks"][0]["element"]["initial_value"], "Checkout fails");
    assert_eq!(v["blocks"][1]["element"]["initial_option"]["value"], "SEV2");
    assert_eq!(
        v["blocks"][3]["element"]["options"][0]["value"],
        PRIVATE_VALUE
    );
    assert!(limit_problems(&v).is_empty(), "{:?}", limit_problems(&v));
    let bare = declare_modal(&DeclareForm::default());
    assert!(
        !all_text(&bare).contains("\"services\""),
        "no services input when there are none to pick"
    );
}

#[test]
fn the_update_confirmation_quotes_the_text_escaped() {
    let v = update_confirm_modal(
        "INC-42",
        "Fixed <now> &\nmonitoring",
        "{\"incident\":\"INC-42\"}",
    );
    assert_eq!(v["callback_id"], UPDATE_CONFIRM_CALLBACK);
    assert_eq!(v["submit"]["text"], "Publish");
    assert_eq!(
        v["blocks"][1]["text"]["text"],
        ">Fixed &lt;now&gt; &amp;\n>monitoring"
    );
    assert!(limit_problems(&v).is_empty());
}

#[test]
fn messages_slack_sdk_sent_pass_the_same_limit_check() {
    for (name, body) in CAPTURED {
        let v: Value = serde_json::from_str(body).expect(name);
        assert!(limit_problems(&v).is_empty(), "{name}");
        assert!(!types(&v).is_empty(), "{name}");
    }
}

#[test]
fn the_page_dm_has_the_shape_slack_sdk_sent_for_a_button_message() {
    // Same block and element keys as a message slack_sdk posted (captured).
    let sent: Value = serde_json::from_str(CAPTURED[0].1).expect("json");
    let ours = page_dm(&notice());
    let keys = |v: &Value| {
        let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
        k.sort();
        k
    };
    let sent_button = &sent["blocks"][1]["elements"][0];
    let our_button = &ours["blocks"][3]["elements"][0];
    for key in keys(sent_button) {
        assert!(our_button.get(&key).is_some(), "button lacks {key}");
    }
    assert_eq!(
        sent["blocks"][0]["text"]["type"],
        ours["blocks"][1]["text"]["type"]
    );
}

fn field(key: &str, kind: FieldKind, options: Vec<String>, required: bool) -> CustomField {
    CustomField {
        key: key.into(),
        label: format!("The {key}"),
        description: String::new(),
        kind,
        options,
        required,
        position: 0,
        archived: false,
    }
}

#[test]
fn the_declare_modal_asks_for_the_custom_fields_within_slacks_limits() {
    // Arrange: a required text, a select of 100 long options, a multi-select, an archived one.
    let long: Vec<String> = (0..100)
        .map(|i| format!("{i:03}{}", "x".repeat(97)))
        .collect();
    let mut old = field("old", FieldKind::Text, Vec::new(), false);
    old.archived = true;
    let form = DeclareForm {
        severities: vec![("SEV1".into(), "Critical".into())],
        custom_fields: vec![
            field("ticket", FieldKind::Text, Vec::new(), true),
            field("region", FieldKind::Select, long.clone(), false),
            field(
                "areas",
                FieldKind::MultiSelect,
                vec!["web".into(), "api".into()],
                false,
            ),
            old,
        ],
        ..DeclareForm::default()
    };

    // Act
    let v = declare_modal(&form);

    // Assert: one input per field that is not archived, before the private checkbox.
    let blocks = v["blocks"].as_array().expect("blocks");
    let ids: Vec<&str> = blocks
        .iter()
        .filter_map(|b| b["block_id"].as_str())
        .collect();
    assert_eq!(
        ids,
        [
            DECLARE_TITLE,
            DECLARE_SEVERITY,
            "cf.ticket",
            "cf.region",
            "cf.areas",
            DECLARE_PRIVATE
        ]
    );
    let (ticket, region, areas) = (&blocks[2], &blocks[3], &blocks[4]);
    assert_eq!(ticket["optional"], false);
    assert_eq!(ticket["label"]["text"], "The ticket");
    assert_eq!(ticket["element"]["type"], "plain_text_input");
    assert_eq!(ticket["element"]["action_id"], "cf.ticket");
    assert_eq!(region["optional"], true);
    assert_eq!(region["element"]["type"], "static_select");
    let options = region["element"]["options"].as_array().expect("options");
    assert_eq!(options.len(), MAX_OPTIONS);
    assert_eq!(
        options[7]["value"],
        long[7].as_str(),
        "the value is kept whole"
    );
    let text = options[7]["text"]["text"].as_str().unwrap_or_default();
    assert_eq!(
        text.chars().count(),
        MAX_OPTION_TEXT,
        "the label is cut: {text}"
    );
    assert_eq!(areas["element"]["type"], "multi_static_select");
    assert_eq!(areas["element"]["options"][1]["value"], "api");
    assert!(limit_problems(&v).is_empty(), "{:?}", limit_problems(&v));
}
