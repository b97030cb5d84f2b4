//! A channel per incident (issue 13, part 4 and the postmortem decision of part 6) against
//! the fake Slack: an incident declared through the API gets `#inc-N-title` (private for a
//! private incident), its commander and paged responders invited, a topic, a pinned summary
//! kept current with `chat.update`; status, severity and role changes are posted there; the
//! resolution posts the postmortem decision and the draft link; closing archives it; a
//! channel someone archived in Slack is left alone. A `429` storm on `conversations.create`
//! and `chat.postMessage` delays but loses nothing.
//!
//! Time is the server's manual clock: `settle` runs what is due, so every assertion is about
//! a finished state, never a sleep.

use crate::harness::{Backend, FakeMessage, SlackApp, TestApp, manual_clock};
use debrief_core::access::AccountRole;
use jiff::SignedDuration;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The messages of a channel, by name, that are not the summary (the bot's changes).
fn posts(s: &SlackApp, channel_id: &str) -> Vec<FakeMessage> {
    s.fake.messages(channel_id)
}

fn text(m: &FakeMessage) -> String {
    format!("{} {}", m.text, m.blocks)
}

async fn declare(app: &TestApp, body: Value) -> (String, i64) {
    let inc = app.declare(&app.admin_token, &body).await;
    let r = inc["reference"].as_str().expect("a reference").to_string();
    let n: i64 = r.trim_start_matches("INC-").parse().expect("INC-<number>");
    (r, n)
}

async fn a_declared_incident_gets_a_channel_kept_current_until_resolved(backend: Backend) {
    // Arrange: the admin (who declares, so commands) and a responder are in Slack.
    let s = SlackApp::start_with(backend, manual_clock).await;
    let app = &s.app;
    s.fake
        .add_user("U0ADMIN0001", &app.admin.email, &app.admin.name);
    let (ravi, _) = app.create_user(AccountRole::Responder).await;
    s.fake.add_user("U0RAVI00001", &ravi.email, &ravi.name);

    // Act: declare through the API.
    let (r, n) = declare(app, json!({"title": "Checkout fails!", "severity": "SEV2"})).await;
    app.settle().await;

    // Assert: the channel, its members, topic and pinned summary.
    let name = format!("inc-{n}-checkout-fails");
    let ch = s.fake.channel(&name).expect("the incident channel");
    assert!(!ch.is_private);
    assert!(ch.members.iter().any(|m| m == "U0ADMIN0001"), "{ch:?}");
    assert!(ch.topic.contains("SEV2"), "{}", ch.topic);
    assert!(ch.topic.contains(&app.admin.name), "{}", ch.topic);
    assert!(
        ch.topic.contains(&format!("/incidents/{n}")),
        "{}",
        ch.topic
    );
    let msgs = posts(&s, &ch.id);
    assert_eq!(msgs.len(), 1, "only the summary: {msgs:#?}");
    assert!(msgs[0].pinned, "the summary is pinned");
    assert!(text(&msgs[0]).contains("Checkout fails!"));
    assert!(text(&msgs[0]).contains("<@U0ADMIN0001>"), "a mention");
    let summary_ts = msgs[0].ts.clone();

    // Act: page the responder for the incident.
    let (st, _, page) = app
        .post(
            "/api/v1/pages",
            &app.admin_token,
            &json!({"title": "Help with checkout", "users": [ravi.id], "incident": r}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{page}");
    app.settle().await;
    let ch = s.fake.channel(&name).expect("the channel");
    assert!(
        ch.members.iter().any(|m| m == "U0RAVI00001"),
        "the paged responder is invited: {ch:?}"
    );

    // Act: a status, a severity and a role change, then nothing until they are told.
    app.transition(&app.admin_token, &r, &json!({"to": "identified"}))
        .await;
    let (st, _, v) = app
        .patch(
            &format!("/api/v1/incidents/{r}"),
            &app.admin_token,
            &json!({"severity": "SEV1"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let (st, _, v) = app
        .post(
            &format!("/api/v1/incidents/{r}/roles"),
            &app.admin_token,
            &json!({"role": "scribe", "user_id": ravi.id}),
        )
        .await;
    assert!(st.is_success(), "{v}");
    app.settle().await;

    // Assert: each change posted once, in order; the summary updated in place.
    let msgs = posts(&s, &ch.id);
    let changes: Vec<String> = msgs.iter().skip(1).map(text).collect();
    assert_eq!(changes.len(), 3, "{changes:#?}");
    assert!(changes[0].contains("identified"), "{changes:#?}");
    assert!(changes[1].contains("SEV1"), "{changes:#?}");
    assert!(changes[2].contains("scribe"), "{changes:#?}");
    let summary = &msgs[0];
    assert_eq!(summary.ts, summary_ts);
    assert!(summary.edits >= 1, "chat.update kept it current");
    assert!(text(summary).contains("SEV1"), "{}", text(summary));
    assert!(text(summary).contains("identified"), "{}", text(summary));
    assert!(
        text(summary).contains("<@U0RAVI00001>"),
        "{}",
        text(summary)
    );
    assert!(!s.fake.calls("chat.update").is_empty());
    let topic = s.fake.channel(&name).expect("the channel").topic;
    assert!(topic.starts_with("SEV1 · identified"), "{topic}");

    // A second settle with nothing new makes no Slack call.
    let before = s.fake.all_calls().len();
    app.settle().await;
    assert_eq!(s.fake.all_calls().len(), before);

    // Act: resolve. Assert: the postmortem decision, its reason, deadline and draft link.
    app.transition(&app.admin_token, &r, &json!({"to": "resolved"}))
        .await;
    app.settle().await;
    let msgs = posts(&s, &ch.id);
    let decision = msgs
        .iter()
        .map(text)
        .find(|t| t.contains("postmortem is required"))
        .unwrap_or_else(|| panic!("the postmortem decision: {msgs:#?}"));
    assert!(decision.contains("SEV1"), "why: {decision}");
    assert!(decision.contains("Draft due"), "the deadline: {decision}");
    assert!(
        decision.contains(&format!("/incidents/{n}/postmortem")),
        "the draft link: {decision}"
    );
    assert!(!s.fake.channel(&name).expect("the channel").is_archived);
    s.app.close().await;
}

crate::e2e_test!(
    a_declared_incident_gets_a_channel_kept_current_until_resolved,
    backend
);

async fn a_private_incident_gets_a_private_channel_archived_when_it_closes(backend: Backend) {
    // Arrange: a minor incident needs no postmortem, so it can close at once.
    let s = SlackApp::start_with(backend, manual_clock).await;
    let app = &s.app;
    let (r, n) = declare(
        app,
        json!({"title": "Ledger drift", "severity": "SEV4", "private": true}),
    )
    .await;
    app.settle().await;
    let ch = s
        .fake
        .channel(&format!("inc-{n}-ledger-drift"))
        .expect("the incident channel");
    assert!(ch.is_private, "a private incident's channel is private");
    let created = s.fake.calls("conversations.create");
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].arg("is_private").as_deref(), Some("true"));

    // Act: resolve, then close.
    app.transition(&app.admin_token, &r, &json!({"to": "resolved"}))
        .await;
    app.settle().await;
    let told: Vec<String> = s.fake.messages(&ch.id).iter().map(text).collect();
    assert!(
        told.iter().any(|t| t.contains("No postmortem is required")),
        "{told:#?}"
    );
    app.transition(&app.admin_token, &r, &json!({"to": "closed"}))
        .await;
    app.settle().await;

    // Assert: the close was told, then the channel archived, once.
    let ch = s.fake.channel(&ch.id).expect("the channel");
    assert!(ch.is_archived, "archived on close");
    assert_eq!(s.fake.calls("conversations.archive").len(), 1);
    let told: Vec<String> = s.fake.messages(&ch.id).iter().map(text).collect();
    assert!(told.iter().any(|t| t.contains("closed")), "{told:#?}");
    s.app.close().await;
}

crate::e2e_test!(
    a_private_incident_gets_a_private_channel_archived_when_it_closes,
    backend
);

async fn two_incidents_with_one_title_get_two_names(backend: Backend) {
    let s = SlackApp::start_with(backend, manual_clock).await;
    // A channel of that name exists in Slack already (made by someone else).
    let (_, n) = declare(&s.app, json!({"title": "DNS", "severity": "SEV3"})).await;
    s.fake
        .add_channel(&format!("inc-{}-dns", n + 1), false, &[]);
    let (_, m) = declare(&s.app, json!({"title": "DNS", "severity": "SEV3"})).await;
    s.app.settle().await;
    assert!(s.fake.channel(&format!("inc-{n}-dns")).is_some());
    assert!(
        s.fake.channel(&format!("inc-{m}-dns-2")).is_some(),
        "name_taken → the next free name: {:#?}",
        s.fake.channels()
    );
    s.app.close().await;
}

crate::e2e_test!(two_incidents_with_one_title_get_two_names, backend);

async fn a_429_storm_delays_the_channel_but_loses_no_message(backend: Backend) {
    // Arrange: Slack answers 429 (Retry-After 1 s) to the next 7 channel creations and 8
    // posts: more than the client waits out, so the job is put off (without an attempt).
    let s = SlackApp::start_with(backend, manual_clock).await;
    let app = &s.app;
    s.fake.rate_limit("conversations.create", 7, 1);
    s.fake.rate_limit("chat.postMessage", 8, 1);
    let (r, n) = declare(app, json!({"title": "Payments down", "severity": "SEV3"})).await;
    app.transition(&app.admin_token, &r, &json!({"to": "identified"}))
        .await;
    app.transition(&app.admin_token, &r, &json!({"to": "monitoring"}))
        .await;

    // Meanwhile the API answers as usual.
    let (st, _, _) = app
        .get(&format!("/api/v1/incidents/{r}"), &app.admin_token)
        .await;
    assert_eq!(st, StatusCode::OK);

    // Act: time passes a second at a time until Slack has everything.
    let name = format!("inc-{n}-payments-down");
    let mut told = Vec::new();
    for _ in 0..30 {
        app.advance(SignedDuration::from_secs(1)).await;
        if let Some(ch) = s.fake.channel(&name) {
            told = s.fake.messages(&ch.id);
            if told.first().is_some_and(|m| m.pinned) {
                break;
            }
        }
    }

    // Assert: the storm happened, and the channel has its summary and the changes made
    // while it was being created (the summary shows them: monitoring), each once.
    let limited = |m: &str| s.fake.calls(m).iter().filter(|c| c.status == 429).count();
    assert_eq!(limited("conversations.create"), 7);
    assert_eq!(limited("chat.postMessage"), 8);
    let ch = s.fake.channel(&name).expect("the channel, after the storm");
    assert_eq!(
        s.fake
            .channels()
            .iter()
            .filter(|c| c.name.starts_with(&format!("inc-{n}-")))
            .count(),
        1,
        "one channel"
    );
    assert!(text(&told[0]).contains("monitoring"), "{told:#?}");
    assert!(told[0].pinned);

    // A change made now is posted once.
    s.fake.rate_limit("chat.postMessage", 3, 1);
    app.transition(&app.admin_token, &r, &json!({"to": "resolved"}))
        .await;
    for _ in 0..30 {
        app.advance(SignedDuration::from_secs(1)).await;
        if s.fake
            .messages(&ch.id)
            .iter()
            .any(|m| text(m).contains("postmortem"))
        {
            break;
        }
    }
    let all: Vec<String> = s.fake.messages(&ch.id).iter().map(text).collect();
    let resolved = all.iter().filter(|t| t.contains("resolved")).count();
    assert!(resolved >= 1, "{all:#?}");
    let decisions = all.iter().filter(|t| t.contains("postmortem is")).count();
    assert_eq!(decisions, 1, "{all:#?}");
    s.app.close().await;
}

crate::e2e_test!(a_429_storm_delays_the_channel_but_loses_no_message, backend);

async fn a_channel_archived_in_slack_is_left_alone(backend: Backend) {
    // Arrange: an incident's channel, then someone archives it in Slack.
    let s = SlackApp::start_with(backend, manual_clock).await;
    let app = &s.app;
    let (r, n) = declare(app, json!({"title": "Disk full", "severity": "SEV3"})).await;
    app.settle().await;
    let ch = s
        .fake
        .channel(&format!("inc-{n}-disk-full"))
        .expect("the incident channel");
    let archived = app
        .client
        .post(format!("{}/conversations.archive", s.fake.base_url()))
        .bearer_auth(crate::harness::BOT_TOKEN)
        .json(&json!({"channel": ch.id}))
        .send()
        .await
        .expect("archive in Slack");
    assert!(archived.status().is_success());

    // Act: changes go on.
    app.transition(&app.admin_token, &r, &json!({"to": "identified"}))
        .await;
    app.settle().await;
    app.transition(&app.admin_token, &r, &json!({"to": "monitoring"}))
        .await;
    app.settle().await;

    // Assert: the sync stopped telling it, without a failed delivery; the incident is fine.
    let (_, _, dead) = app
        .get("/api/v1/deliveries?status=dead", &app.admin_token)
        .await;
    assert_eq!(dead["items"], json!([]), "{dead}");
    let (_, _, failed) = app
        .get("/api/v1/deliveries?status=failed", &app.admin_token)
        .await;
    assert_eq!(failed["items"], json!([]), "{failed}");
    let topics = s.fake.calls("conversations.setTopic").len();
    assert_eq!(topics, 2, "one refused, then none");
    s.app.close().await;
}

crate::e2e_test!(a_channel_archived_in_slack_is_left_alone, backend);

async fn a_channel_made_but_not_recorded_is_taken_over(backend: Backend) {
    // Arrange: a run made the next incident's channel and stopped before recording it (a
    // server killed between Slack's answer and the row); someone else made a channel with
    // the name the incident after it will want.
    let s = SlackApp::start_with(backend, manual_clock).await;
    let (_, n) = declare(&s.app, json!({"title": "Queue", "severity": "SEV3"})).await;
    s.app.settle().await;
    let made = s
        .fake
        .add_bot_channel(&format!("inc-{}-disk-full", n + 1), false);
    s.fake
        .add_channel(&format!("inc-{}-disk-full", n + 2), false, &[]);

    // Act: the incidents are declared and their syncs run.
    let (r1, n1) = declare(&s.app, json!({"title": "Disk full", "severity": "SEV3"})).await;
    let (_, n2) = declare(&s.app, json!({"title": "Disk full", "severity": "SEV3"})).await;
    s.app.settle().await;

    // Assert: the bot's channel is the first one's (no `-2` beside it), with its summary;
    // the person's channel is left to them and the second gets the next free name.
    let first = s
        .fake
        .channel(&format!("inc-{n1}-disk-full"))
        .expect("the channel");
    assert_eq!(first.id, made, "{:#?}", s.fake.channels());
    assert!(s.fake.channel(&format!("inc-{n1}-disk-full-2")).is_none());
    let summary = s.fake.messages(&made);
    assert!(
        summary.iter().any(|m| text(m).contains(&r1)),
        "the summary is posted in the channel taken over: {summary:#?}"
    );
    assert!(s.fake.channel(&format!("inc-{n2}-disk-full-2")).is_some());
    let theirs = s
        .fake
        .channel(&format!("inc-{n2}-disk-full"))
        .expect("theirs");
    assert!(
        s.fake.messages(&theirs.id).is_empty(),
        "nothing posted in theirs"
    );
    s.app.close().await;
}
crate::e2e_test!(a_channel_made_but_not_recorded_is_taken_over, backend);

async fn an_incident_whose_sync_was_lost_gets_its_channel_later(backend: Backend) {
    // Arrange: Slack refuses the first channel creation for good, so the incident's own sync
    // ends without a channel (as when a server dies before queuing it).
    let s = SlackApp::start_with(backend, manual_clock).await;
    s.fake.fail_next(
        "conversations.create",
        1,
        crate::harness::SlackFailure::Error("restricted_action".into()),
    );
    let (_, n) = declare(&s.app, json!({"title": "Search slow", "severity": "SEV3"})).await;
    s.app.settle().await;
    let name = format!("inc-{n}-search-slow");
    assert!(s.fake.channel(&name).is_none(), "{:#?}", s.fake.channels());

    // Act: a minute passes; the catch-up scan runs with the reminders.
    s.app.advance(SignedDuration::from_secs(61)).await;
    s.app.settle().await;

    // Assert: the channel exists, once, with its summary; later scans add nothing.
    let ch = s
        .fake
        .channel(&name)
        .expect("the channel, made by the catch-up");
    assert_eq!(s.fake.messages(&ch.id).len(), 1, "the summary");
    let calls = s.fake.all_calls().len();
    s.app.advance(SignedDuration::from_secs(3600)).await;
    s.app.settle().await;
    assert_eq!(s.fake.all_calls().len(), calls, "nothing more to do");
    s.app.close().await;
}
crate::e2e_test!(
    an_incident_whose_sync_was_lost_gets_its_channel_later,
    backend
);
