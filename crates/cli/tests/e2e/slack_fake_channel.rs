//! The fake Slack Web API keeps an incident channel's life as Slack would: invitations, topic,
//! a pinned summary kept current, reactions, ephemeral answers, DMs, modals and archiving,
//! with Slack's documented error codes for each misuse.

use crate::harness::{
    BOT_ID, BOT_TOKEN, FakeChannel, FakeMessage, FakeSlack, FakeUser, SlackCall, TEAM_ID,
};
use debrief_server::outbound::slack::{SlackClient, SlackError};
use debrief_server::outbound::{DestinationPolicy, Outbound};
use serde_json::{Value, json};
use std::time::Duration;

fn client(fake: &FakeSlack) -> SlackClient {
    let outbound = Outbound::new(DestinationPolicy::allow_all(), Duration::from_secs(10));
    SlackClient::new(outbound, fake.base_url())
}

#[tokio::test]
async fn an_incident_channels_life_on_the_fake_answers_as_slack_documents() {
    // Arrange: two people in the workspace and one outside the channel.
    let fake = FakeSlack::start().await;
    let people = [
        FakeUser {
            id: "U0DANA".into(),
            email: "dana@example.com".into(),
            name: "dana".into(),
        },
        FakeUser {
            id: "U0SAM".into(),
            email: "sam@example.com".into(),
            name: "sam".into(),
        },
        FakeUser {
            id: "U0OUT".into(),
            email: "out@example.com".into(),
            name: "out".into(),
        },
    ];
    for p in &people {
        fake.add_user(&p.id, &p.email, &p.name);
    }
    let slack = client(&fake);
    let call = |method: &'static str, body: Value| {
        let slack = slack.clone();
        async move { slack.call(BOT_TOKEN, method, body).await }
    };
    // Read methods take form arguments only (Slack ignores a JSON body there).
    let read = |method: &'static str, body: Value| {
        let slack = slack.clone();
        async move {
            let fields: Vec<(String, String)> = body
                .as_object()
                .expect("an object")
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map_or_else(|| v.to_string(), str::to_string),
                    )
                })
                .collect();
            let form: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            slack.call_form(Some(BOT_TOKEN), method, &form).await
        }
    };
    let code = |r: Result<Value, SlackError>| r.expect_err("refused").code().map(str::to_string);

    // Act and assert: create, invite, topic.
    let created = call(
        "conversations.create",
        json!({"name": "inc-42-checkout-fails"}),
    )
    .await;
    let id = created.expect("created")["channel"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let invite = [("channel", id.as_str()), ("users", "U0DANA,U0SAM")];
    slack
        .call_form(Some(BOT_TOKEN), "conversations.invite", &invite)
        .await
        .expect("invited");
    let recorded: SlackCall = fake.calls("conversations.invite").remove(0);
    assert_eq!(recorded.raw, format!("channel={id}&users=U0DANA%2CU0SAM"));
    assert_eq!(recorded.answer["channel"]["num_members"], 3);
    let again = call(
        "conversations.invite",
        json!({"channel": id, "users": "U0DANA"}),
    )
    .await;
    assert_eq!(code(again).as_deref(), Some("already_in_channel"));
    let nobody = call(
        "conversations.invite",
        json!({"channel": id, "users": "U0NOBODY"}),
    )
    .await;
    assert_eq!(code(nobody).as_deref(), Some("user_not_found"));
    call(
        "conversations.setTopic",
        json!({"channel": id, "topic": "SEV1 · investigating"}),
    )
    .await
    .expect("topic set");
    let ch: FakeChannel = fake.channel("inc-42-checkout-fails").expect("the channel");
    assert_eq!(
        (ch.topic.as_str(), ch.members.len()),
        ("SEV1 · investigating", 3)
    );

    // Act and assert: a pinned summary kept current, its permalink.
    let summary = call(
        "chat.postMessage",
        json!({"channel": id, "text": "INC-42 investigating"}),
    )
    .await
    .expect("posted");
    let ts = summary["ts"].as_str().expect("a ts").to_string();
    assert_eq!(summary["message"]["bot_id"], BOT_ID);
    call("pins.add", json!({"channel": id, "timestamp": ts}))
        .await
        .expect("pinned");
    let pinned = call("pins.add", json!({"channel": id, "timestamp": ts})).await;
    assert_eq!(code(pinned).as_deref(), Some("already_pinned"));
    call(
        "chat.update",
        json!({"channel": id, "ts": ts, "text": "INC-42 identified"}),
    )
    .await
    .expect("updated");
    let link = read(
        "chat.getPermalink",
        json!({"channel": id, "message_ts": ts}),
    )
    .await
    .expect("a permalink");
    assert!(
        link["permalink"]
            .as_str()
            .expect("a link")
            .ends_with(&ts.replace('.', ""))
    );

    // Act and assert: a person's message, a reaction, an ephemeral answer, a DM.
    let said = fake.add_message(&id, "U0DANA", "the database is down");
    fake.add_reaction(&id, &said, "eyes", "U0SAM");
    let got = read(
        "reactions.get",
        json!({"channel": id, "timestamp": said, "full": true}),
    )
    .await
    .expect("reactions");
    assert_eq!(got["message"]["user"], "U0DANA");
    assert_eq!(
        got["message"]["reactions"][0],
        json!({"name": "eyes", "users": ["U0SAM"], "count": 1})
    );
    call(
        "chat.postEphemeral",
        json!({"channel": id, "user": "U0DANA", "text": "Try /inc help"}),
    )
    .await
    .expect("ephemeral");
    let outside = call(
        "chat.postEphemeral",
        json!({"channel": id, "user": "U0OUT", "text": "x"}),
    )
    .await;
    assert_eq!(code(outside).as_deref(), Some("user_not_in_channel"));
    let dm = call(
        "chat.postMessage",
        json!({"channel": "U0DANA", "text": "You are paged"}),
    )
    .await
    .expect("a DM");
    assert!(dm["channel"].as_str().expect("an id").starts_with('D'));
    let messages: Vec<FakeMessage> = fake.messages(&id);
    assert_eq!(messages.len(), 3);
    assert_eq!((messages[0].pinned, messages[0].edits), (true, 1));
    assert_eq!(messages[2].ephemeral_to.as_deref(), Some("U0DANA"));

    // Act and assert: a modal opened once per trigger, updated with its hash.
    let modal = json!({"type": "modal", "callback_id": "declare", "title": {"type": "plain_text", "text": "Declare"}});
    let opened = call(
        "views.open",
        json!({"trigger_id": "12.34.ab", "view": modal}),
    )
    .await
    .expect("open");
    assert_eq!(opened["view"]["team_id"], TEAM_ID);
    let reused = call(
        "views.open",
        json!({"trigger_id": "12.34.ab", "view": modal}),
    )
    .await;
    assert_eq!(code(reused).as_deref(), Some("expired_trigger_id"));
    let view_id = opened["view"]["id"].clone();
    let stale = call(
        "views.update",
        json!({"view_id": view_id, "hash": "old", "view": modal}),
    )
    .await;
    assert_eq!(code(stale).as_deref(), Some("hash_conflict"));
    call(
        "views.update",
        json!({"view_id": view_id, "hash": opened["view"]["hash"], "view": modal}),
    )
    .await
    .expect("updated");
    assert_eq!(fake.views().len(), 1);
    let user = read("users.info", json!({"user": "U0SAM"}))
        .await
        .expect("a user");
    assert_eq!(user["user"]["profile"]["email"], "sam@example.com");

    // Act and assert: archived at the end; no more posts.
    call("conversations.archive", json!({"channel": id}))
        .await
        .expect("archived");
    let late = call("chat.postMessage", json!({"channel": id, "text": "late"})).await;
    assert_eq!(code(late).as_deref(), Some("is_archived"));
    let info = read("conversations.info", json!({"channel": id}))
        .await
        .expect("info");
    assert_eq!(info["channel"]["is_archived"], true);
    let json_read = call("conversations.info", json!({"channel": id})).await;
    assert_eq!(code(json_read).as_deref(), Some("invalid_arguments"));
    assert_eq!(fake.channels().len(), 2, "the channel and the DM");

    // Private channels cannot be joined, and calls without a token are not authed.
    call(
        "conversations.create",
        json!({"name": "inc-43-private", "is_private": true}),
    )
    .await
    .expect("created");
    let join = call("conversations.join", json!({"channel": "inc-43-private"})).await;
    assert_eq!(
        code(join).as_deref(),
        Some("method_not_supported_for_channel_type")
    );
    let anonymous = reqwest::Client::new()
        .post(format!("{}/auth.test", fake.base_url()))
        .send()
        .await
        .expect("an answer");
    let anonymous: Value = anonymous.json().await.expect("JSON");
    assert_eq!(anonymous, json!({"ok": false, "error": "not_authed"}));
    fake.revoke_token(BOT_TOKEN);
    assert_eq!(
        code(call("auth.test", json!({})).await).as_deref(),
        Some("invalid_auth")
    );
    fake.add_token(BOT_TOKEN);
    assert_eq!(
        fake.all_calls().last().map(|c| c.method.as_str()),
        Some("auth.test")
    );
}
