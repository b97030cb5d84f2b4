//! Pages as Slack DMs (issue 13, part 5) against the fake Slack: a person whose rule says
//! Slack gets a DM with Acknowledge / Resolve buttons; pressing them (a `block_actions`
//! request signed by `slack_sdk`) acknowledges and resolves the page as that person and
//! replaces every DM of the page; a change made on the web or API replaces them too; a `429`
//! storm delays DMs but loses none; someone with no Slack account is told why.

use crate::harness::{Backend, SlackApp, TEAM_ID, TestApp, manual_clock};
use debrief_core::access::AccountRole;
use debrief_store::account::User;
use jiff::SignedDuration;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

/// How many seconds of the server's clock a test lets pass, at most, for what it waits for
/// (retries and `Retry-After` waits are on that clock).
const MAX_SECONDS: usize = 120;

/// Runs what is due and moves the server's clock a second at a time until `done` gives a
/// value; fails with `what` and the last state otherwise.
async fn until<T, F, Fut>(s: &SlackApp, what: &str, mut done: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let mut last = String::new();
    for _ in 0..MAX_SECONDS {
        s.app.settle().await;
        match done().await {
            Ok(v) => return v,
            Err(state) => last = state,
        }
        s.app.advance(SignedDuration::from_secs(1)).await;
    }
    panic!("{what}: {last}");
}

/// A responder whose only rule is Slack, known to the fake Slack as `slack_id` (by e-mail).
async fn slack_responder(s: &SlackApp, slack_id: &str) -> (User, String) {
    let (user, token) = s.app.create_user(AccountRole::Responder).await;
    s.fake.add_user(slack_id, &user.email, &user.name);
    let v = s
        .app
        .set_notifications(
            &token,
            &json!({"rules": [{"channel": "slack", "after_minutes": 0}]}),
        )
        .await;
    assert_eq!(v["unreachable"], Value::Null, "{v}");
    (user, token)
}

/// Pages `users` by hand; returns the page's id.
async fn page(app: &TestApp, title: &str, users: &[&User]) -> i64 {
    let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
    let (s, _, v) = app
        .post(
            "/api/v1/pages",
            &app.admin_token,
            &json!({"title": title, "message": "p99 over 2 s", "users": ids}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "open a page: {v}");
    v["id"].as_i64().expect("a page id")
}

/// The bot's DMs to Slack user `slack_id` (the fake names a DM by the user it is with).
fn dms_to(s: &SlackApp, slack_id: &str) -> Vec<crate::harness::FakeMessage> {
    let Some(dm) = s.fake.channel(slack_id) else {
        return Vec::new();
    };
    s.fake.messages(&dm.id)
}

/// Waits until `check` holds of the DMs to `slack_id`, and returns them.
async fn wait_dms(
    s: &SlackApp,
    slack_id: &str,
    what: &str,
    check: impl Fn(&[crate::harness::FakeMessage]) -> bool,
) -> Vec<crate::harness::FakeMessage> {
    until(s, what, || async {
        let dms = dms_to(s, slack_id);
        if check(&dms) {
            Ok(dms)
        } else {
            Err(format!("{dms:#?}"))
        }
    })
    .await
}

/// The action ids of a message's buttons.
fn buttons(m: &crate::harness::FakeMessage) -> Vec<String> {
    m.blocks
        .as_array()
        .into_iter()
        .flatten()
        .filter(|b| b["type"] == "actions")
        .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
        .filter_map(|e| e["action_id"].as_str().map(str::to_string))
        .collect()
}

fn text_of(m: &crate::harness::FakeMessage) -> String {
    m.blocks.to_string()
}

/// A `block_actions` payload as Slack sends it for a press of `action_id` on DM `m`.
fn press(
    slack_id: &str,
    m: &crate::harness::FakeMessage,
    action_id: &str,
    page: i64,
    response_url: &str,
) -> Value {
    json!({
        "type": "block_actions",
        "user": {"id": slack_id, "username": "someone", "name": "someone", "team_id": TEAM_ID},
        "api_app_id": "A0DEBRIEF",
        "token": "gIkuvaNzQIHg97ATvDxqgjtO",
        "container": {"type": "message", "message_ts": m.ts, "channel_id": m.channel, "is_ephemeral": false},
        "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        "team": {"id": TEAM_ID, "domain": "fake"},
        "enterprise": null,
        "is_enterprise_install": false,
        "channel": {"id": m.channel, "name": "directmessage"},
        "message": {"type": "message", "subtype": "bot_message", "text": m.text, "ts": m.ts, "bot_id": "B0DEBRIEFBOT", "blocks": m.blocks},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [{"action_id": action_id, "block_id": "page",
                     "text": {"type": "plain_text", "text": "Press", "emoji": true},
                     "value": page.to_string(), "type": "button", "action_ts": "1700000042.123456"}],
    })
}

async fn press_as(
    s: &SlackApp,
    slack_id: &str,
    m: &crate::harness::FakeMessage,
    action: &str,
    page: i64,
) {
    let url = s.fake.response_url(&format!("press-{page}-{action}"));
    let payload = press(slack_id, m, action, page, &url);
    let answer = s.interact(&payload).await;
    assert_eq!(answer.status, 200, "{answer:?}");
}

async fn dm_buttons_acknowledge_and_resolve(backend: Backend) {
    let s = SlackApp::start_with(backend, manual_clock).await;
    let (dana, _) = slack_responder(&s, "U0DANA00001").await;
    let (ravi, _) = slack_responder(&s, "U0RAVI00001").await;
    let id = page(&s.app, "Checkout answers 5xx", &[&dana, &ravi]).await;

    // Both get a DM with both buttons.
    for who in ["U0DANA00001", "U0RAVI00001"] {
        let dms = wait_dms(&s, who, "the page DM", |d| d.len() == 1).await;
        assert_eq!(buttons(&dms[0]), ["page_ack", "page_resolve"]);
        assert!(text_of(&dms[0]).contains("Checkout answers 5xx"));
        assert!(text_of(&dms[0]).contains("p99 over 2 s"));
    }
    // The DM shows in Slack before its send job records it: let the jobs under way finish.
    s.app.settle().await;
    let page_now = s.app.page(id).await;
    let statuses: Vec<&str> = page_now["notifications"]
        .as_array()
        .expect("notifications")
        .iter()
        .map(|n| n["status"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(statuses, ["sent", "sent"], "{page_now}");

    // Dana presses Acknowledge: the page is hers, and both DMs say so (Resolve stays).
    let dm = dms_to(&s, "U0DANA00001").remove(0);
    press_as(&s, "U0DANA00001", &dm, "page_ack", id).await;
    let page_now = s.app.page(id).await;
    assert_eq!(page_now["status"], "acknowledged", "{page_now}");
    assert_eq!(page_now["acknowledged_by"], dana.id, "{page_now}");
    for who in ["U0DANA00001", "U0RAVI00001"] {
        let dms = wait_dms(&s, who, "the acknowledged DM", |d| {
            d.len() == 1 && buttons(&d[0]) == ["page_resolve"]
        })
        .await;
        assert!(
            text_of(&dms[0]).contains(&format!("Acknowledged by {}", dana.name)),
            "{}",
            text_of(&dms[0])
        );
    }

    // Ravi presses Resolve on his: resolved by him, no buttons left anywhere.
    let dm = dms_to(&s, "U0RAVI00001").remove(0);
    press_as(&s, "U0RAVI00001", &dm, "page_resolve", id).await;
    let page_now = s.app.page(id).await;
    assert_eq!(page_now["status"], "resolved", "{page_now}");
    assert_eq!(page_now["resolved_by"], ravi.id, "{page_now}");
    for who in ["U0DANA00001", "U0RAVI00001"] {
        let dms = wait_dms(&s, who, "the resolved DM", |d| {
            d.len() == 1 && buttons(&d[0]).is_empty()
        })
        .await;
        assert!(text_of(&dms[0]).contains(&format!("Resolved by {}", ravi.name)));
    }
    // No DM was posted twice.
    assert_eq!(s.fake.calls("chat.postMessage").len(), 2);

    // A Slack user Debrief does not know presses a button: nothing changes, and they are told
    // (only them) what to do.
    let id2 = page(&s.app, "Search is slow", &[&dana]).await;
    let dm = wait_dms(&s, "U0DANA00001", "the second DM", |d| d.len() == 2)
        .await
        .remove(1);
    press_as(&s, "U0STRANGER1", &dm, "page_ack", id2).await;
    let hits = s.fake.wait_for_responses(1, WAIT).await;
    assert_eq!(hits.len(), 1, "{hits:?}");
    let said = hits[0].body.to_string();
    assert!(
        said.contains("ephemeral") && said.contains("link"),
        "{said}"
    );
    assert_eq!(s.app.page(id2).await["status"], "triggered");
}

async fn changes_elsewhere_replace_the_dm(backend: Backend) {
    let s = SlackApp::start_with(backend, manual_clock).await;
    let (dana, token) = slack_responder(&s, "U0DANA00002").await;
    let id = page(&s.app, "Queue is backing up", &[&dana]).await;
    wait_dms(&s, "U0DANA00002", "the page DM", |d| d.len() == 1).await;

    // Acknowledged through the API (as Dana): the DM follows.
    let (st, _, v) = s
        .app
        .post(
            &format!("/api/v1/pages/{id}/acknowledge"),
            &token,
            &json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    wait_dms(&s, "U0DANA00002", "the DM after the API", |d| {
        buttons(&d[0]) == ["page_resolve"]
    })
    .await;
    let (st, _, v) = s
        .app
        .post(&format!("/api/v1/pages/{id}/resolve"), &token, &json!({}))
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let dms = wait_dms(&s, "U0DANA00002", "the DM after resolving", |d| {
        buttons(&d[0]).is_empty()
    })
    .await;
    assert!(text_of(&dms[0]).contains(&format!("Resolved by {}", dana.name)));
}

async fn a_429_storm_delays_dms_but_loses_none(backend: Backend) {
    let s = SlackApp::start_with(backend, manual_clock).await;
    let mut people = Vec::new();
    for i in 0..4 {
        let (u, _) = slack_responder(&s, &format!("U0STORM0000{i}")).await;
        people.push(u);
    }
    // Slack answers the next 14 posts 429 (Retry-After 1 s): more than one call waits out.
    s.fake.rate_limit("chat.postMessage", 14, 1);
    let refs: Vec<&User> = people.iter().collect();
    let id = page(&s.app, "Payments down", &refs).await;

    // Meanwhile the API answers as usual.
    let (st, _, _) = s.app.get("/api/v1/pages", &s.app.admin_token).await;
    assert_eq!(st, StatusCode::OK);

    for i in 0..4 {
        let who = format!("U0STORM0000{i}");
        wait_dms(&s, &who, "every DM arrives after the storm", |d| {
            d.len() == 1
        })
        .await;
    }
    let limited = s
        .fake
        .calls("chat.postMessage")
        .iter()
        .filter(|c| c.status == 429)
        .count();
    assert_eq!(limited, 14, "the storm happened");
    let delivered = s
        .fake
        .calls("chat.postMessage")
        .iter()
        .filter(|c| c.status == 200 && c.answer["ok"] == true)
        .count();
    assert_eq!(delivered, 4, "one DM each, none twice");
    until(&s, "notifications", || async {
        let p = s.app.page(id).await;
        let all_sent = p["notifications"]
            .as_array()
            .is_some_and(|n| n.len() == 4 && n.iter().all(|n| n["status"] == "sent"));
        if all_sent { Ok(()) } else { Err(p.to_string()) }
    })
    .await;
}

async fn no_slack_account_is_told_not_retried(backend: Backend) {
    let s = SlackApp::start_with(backend, manual_clock).await;
    let (nobody, token) = s.app.create_user(AccountRole::Responder).await;
    s.app
        .set_notifications(
            &token,
            &json!({"rules": [{"channel": "slack", "after_minutes": 0}]}),
        )
        .await;
    let id = page(&s.app, "Disk full", &[&nobody]).await;
    let n = until(&s, "the notification given up", || async {
        let p = s.app.page(id).await;
        let n = p["notifications"][0].clone();
        if n["status"] == "given_up" {
            Ok(n)
        } else {
            Err(p.to_string())
        }
    })
    .await;
    let why = n["error"].as_str().unwrap_or_default();
    assert!(why.contains("no Slack account"), "{n}");
    assert!(s.fake.calls("chat.postMessage").is_empty());
}

crate::e2e_test!(dm_buttons_acknowledge_and_resolve, backend);
crate::e2e_test!(changes_elsewhere_replace_the_dm, backend);
crate::e2e_test!(a_429_storm_delays_dms_but_loses_none, backend);
crate::e2e_test!(no_slack_account_is_told_not_retried, backend);
