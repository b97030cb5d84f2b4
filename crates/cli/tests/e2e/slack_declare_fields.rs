//! The Slack declare modal asks for the catalogue's custom fields (not the archived ones): a
//! text input, a select or a multi-select each, optional unless required; its submission
//! declares an incident carrying the values, and a bad or missing value is answered under its
//! own input.

use crate::harness::{Backend, SlackApp};
use crate::slack_commands::{submission, submit_declare};
use crate::slack_requests::{quick, slack_person, timeline};
use serde_json::{Value, json};

const DANA: &str = "U0DANA00001";

/// Defines custom field `body` as the admin.
async fn define(s: &SlackApp, body: Value) {
    let (status, _, f) = s
        .app
        .post("/api/v1/custom-fields", &s.app.admin_token, &body)
        .await;
    assert!(status.is_success(), "{f}");
}

/// A select's state in a submission, choosing `value` (or nothing).
fn chosen(value: Option<&str>) -> Value {
    json!({"type": "static_select", "selected_option":
        value.map(|v| json!({"text": {"type": "plain_text", "text": v, "emoji": true}, "value": v}))})
}

async fn the_declare_modal_asks_for_custom_fields(backend: Backend) {
    // Arrange: a required select, a multi-select, a text field and an archived one.
    let s = SlackApp::start_with(backend, quick).await;
    let dana = slack_person(&s, DANA).await;
    define(
        &s,
        json!({"key": "region", "label": "Region", "kind": "select",
        "options": ["eu", "us"], "required": true, "position": 1}),
    )
    .await;
    define(
        &s,
        json!({"key": "areas", "label": "Areas", "kind": "multi_select",
        "options": ["web", "api"], "position": 2}),
    )
    .await;
    define(
        &s,
        json!({"key": "ticket", "label": "Ticket", "kind": "text", "position": 3}),
    )
    .await;
    define(
        &s,
        json!({"key": "old", "label": "Old", "kind": "text", "archived": true}),
    )
    .await;

    // Act: /inc declare.
    let answer = s.slash("declare queue stuck", DANA, "C0GENERAL01").await;
    assert_eq!(answer.status, 200, "{answer:?}");
    let view = s.fake.views().last().expect("a view").clone();

    // Assert: an input per field that is not archived, required ones not optional.
    let blocks = view["blocks"].as_array().cloned().unwrap_or_default();
    let block = |id: &str| blocks.iter().find(|b| b["block_id"] == id).cloned();
    let region = block("cf.region").expect("region is asked for");
    assert_eq!(region["optional"], false);
    assert_eq!(region["element"]["type"], "static_select");
    assert_eq!(region["element"]["options"][1]["value"], "us");
    let areas = block("cf.areas").expect("areas are asked for");
    assert_eq!(areas["optional"], true);
    assert_eq!(areas["element"]["type"], "multi_static_select");
    let ticket = block("cf.ticket").expect("the ticket is asked for");
    assert_eq!(ticket["element"]["type"], "plain_text_input");
    assert!(block("cf.old").is_none(), "archived fields are not offered");

    // Act + Assert: a value not offered, and a required one missing, are answered under
    // their inputs; nothing is declared.
    let title = json!({"title": {"type": "plain_text_input", "value": "Queue stuck"}});
    for (region, says) in [(Some("mars"), "mars"), (None, "")] {
        let values = json!({"title": title, "cf.region": {"cf.region": chosen(region)}});
        let answer = s.interact(&submission(&view, DANA, values)).await;
        assert_eq!(answer.status, 200, "{answer:?}");
        let v = answer.json();
        assert_eq!(v["response_action"], "errors", "{v}");
        let under = v["errors"]["cf.region"].as_str().unwrap_or_default();
        assert!(!under.is_empty() && under.contains(says), "{v}");
    }

    // Act: the filled-in modal.
    let values = json!({
        "title": title,
        "cf.region": {"cf.region": chosen(Some("eu"))},
        "cf.areas": {"cf.areas": {"type": "multi_static_select", "selected_options": [
            {"text": {"type": "plain_text", "text": "web"}, "value": "web"},
            {"text": {"type": "plain_text", "text": "api"}, "value": "api"}]}},
        "cf.ticket": {"cf.ticket": {"type": "plain_text_input", "value": "OPS-9"}},
        "private": {"private": {"type": "checkboxes", "selected_options": []}},
    });
    let items = submit_declare(&s, &view, DANA, values).await;

    // Assert: declared with the values, their one event from Slack, by Dana.
    assert_eq!(items.len(), 1, "declared once: {items:?}");
    assert_eq!(
        items[0]["custom_fields"],
        json!({"region": "eu", "areas": ["api", "web"], "ticket": "OPS-9"})
    );
    let r = items[0]["reference"].as_str().expect("a reference");
    let named: Vec<Value> = timeline(&s, r)
        .await
        .into_iter()
        .filter(|e| !e["data"]["custom_fields"].is_null())
        .collect();
    assert_eq!(named.len(), 1, "{named:?}");
    assert_eq!(named[0]["source"], "slack");
    assert_eq!(named[0]["author_id"], dana.id);
    assert_eq!(
        named[0]["data"]["custom_fields"]["region"],
        json!({"from": [], "to": ["eu"]})
    );
    s.app.close().await;
}

crate::e2e_test!(the_declare_modal_asks_for_custom_fields, backend);
