//! A timeline built from Slack (issue 13, part 4): in an incident's channel, a reaction with
//! the timeline emoji or a pin adds the message to the incident's timeline, keeping its author
//! (the Debrief user they are, else their Slack name), its Slack permalink and its time; other
//! reactions and other channels add nothing; the same message added twice is one entry.

use crate::harness::{Backend, SlackApp};
use crate::slack_requests::{incident_with_channel, quick, reaction, slack_person, timeline};
use serde_json::{Value, json};

/// The chat events of a timeline (what Slack added).
fn chats(events: &[Value]) -> Vec<Value> {
    events
        .iter()
        .filter(|e| e["kind"] == "chat")
        .cloned()
        .collect()
}

/// The milliseconds a Slack `ts` stands for.
fn ts_millis(ts: &str) -> i64 {
    let (secs, micros) = ts.split_once('.').expect("a ts");
    secs.parse::<i64>().expect("seconds") * 1000 + micros.parse::<i64>().expect("micros") / 1000
}

fn at_millis(event: &Value) -> i64 {
    let at = event["at"].as_str().expect("an at");
    at.parse::<jiff::Timestamp>()
        .expect("RFC 3339")
        .as_millisecond()
}

/// A `pin_added` event for message `ts` of `channel`, as Slack sends it (the item carries the
/// message).
fn pin(user: &str, channel: &str, ts: &str, author: &str, text: &str) -> Value {
    json!({"type": "pin_added", "user": user, "channel_id": channel,
           "item": {"type": "message", "channel": channel, "created": 1_700_000_000, "created_by": user,
                    "message": {"type": "message", "user": author, "text": text, "ts": ts,
                                "permalink": "https://debrief-fake.slack.com/archives/x"}},
           "event_ts": "1700000000.000300"})
}

async fn reactions_and_pins_keep_author_permalink_and_time(backend: Backend) {
    // Arrange: Dana is a Debrief user (same e-mail in Slack); Sam is only in Slack.
    let s = SlackApp::start_with(backend, quick).await;
    let dana = slack_person(&s, "U0DANA00001").await;
    s.fake
        .add_user("U0SAM000001", "sam@elsewhere.example", "Sam Stranger");
    let (reference, _, channel) =
        incident_with_channel(&s, "Checkout fails", &["U0DANA00001", "U0SAM000001"]).await;
    let other = s.fake.add_channel("random", false, &["U0DANA00001"]);
    let by_dana = s
        .fake
        .add_message(&channel, "U0DANA00001", "rolled back &amp; watching <3");
    let by_sam = s
        .fake
        .add_message(&channel, "U0SAM000001", "db CPU is at 100%");
    let ignored = s.fake.add_message(&channel, "U0DANA00001", "lunch?");
    let elsewhere = s.fake.add_message(&other, "U0DANA00001", "not about it");
    s.fake
        .add_reaction(&channel, &by_dana, "pushpin", "U0SAM000001");

    // Act: the timeline reaction on Dana's message, a pin of Sam's, another emoji on a third
    // message, and the timeline reaction in a channel that is not an incident's.
    let sent = [
        s.envelope(
            "Ev0TL000001",
            reaction("U0SAM000001", &channel, &by_dana, "U0DANA00001"),
        ),
        s.envelope(
            "Ev0TL000002",
            pin(
                "U0DANA00001",
                &channel,
                &by_sam,
                "U0SAM000001",
                "db CPU is at 100%",
            ),
        ),
        s.envelope("Ev0TL000003", {
            let mut r = reaction("U0SAM000001", &channel, &ignored, "U0DANA00001");
            r["reaction"] = json!("eyes");
            r
        }),
        s.envelope(
            "Ev0TL000004",
            reaction("U0DANA00001", &other, &elsewhere, "U0DANA00001"),
        ),
    ];
    for envelope in &sent {
        let answer = s.event(envelope, None).await;
        assert_eq!(answer.status, 200, "{answer:?}");
    }
    s.app.settle().await;

    // Assert: two entries, in time order, each with its author, permalink and time.
    let added = chats(&timeline(&s, &reference).await);
    assert_eq!(added.len(), 2, "{added:#?}");
    let (d, m) = (&added[0], &added[1]);
    assert_eq!(d["body"], "rolled back & watching <3");
    assert_eq!(d["author_id"], dana.id);
    assert_eq!(d["author_name"], dana.name.as_str());
    assert_eq!(d["source"], "slack");
    assert_eq!(at_millis(d), ts_millis(&by_dana));
    let permalink = format!(
        "https://debrief-fake.slack.com/archives/{channel}/p{}",
        by_dana.replace('.', "")
    );
    assert_eq!(d["links"][0]["url"], permalink.as_str(), "{d}");
    assert_eq!(m["body"], "db CPU is at 100%");
    assert_eq!(m["author_id"], Value::Null);
    assert_eq!(m["author_name"], "Sam Stranger");
    assert_eq!(at_millis(m), ts_millis(&by_sam));
    assert!(
        m["links"][0]["url"]
            .as_str()
            .is_some_and(|u| u.ends_with(&by_sam.replace('.', ""))),
        "{m}"
    );
    // The message was read with the methods Slack documents for it.
    assert_eq!(s.fake.calls("reactions.get").len(), 2);
    assert_eq!(s.fake.calls("chat.getPermalink").len(), 2);
    s.app.close().await;
}

async fn the_same_message_twice_is_one_entry(backend: Backend) {
    // Arrange: one message in an incident channel.
    let s = SlackApp::start_with(backend, quick).await;
    slack_person(&s, "U0DANA00001").await;
    slack_person(&s, "U0RAVI00001").await;
    let (reference, _, channel) =
        incident_with_channel(&s, "Queue stuck", &["U0DANA00001", "U0RAVI00001"]).await;
    let ts = s
        .fake
        .add_message(&channel, "U0DANA00001", "restarted the consumer");

    // Act: two people react with the timeline emoji, and someone pins it; then again later.
    let events = [
        s.envelope(
            "Ev0DUP00001",
            reaction("U0DANA00001", &channel, &ts, "U0DANA00001"),
        ),
        s.envelope(
            "Ev0DUP00002",
            reaction("U0RAVI00001", &channel, &ts, "U0DANA00001"),
        ),
        s.envelope(
            "Ev0DUP00003",
            pin(
                "U0RAVI00001",
                &channel,
                &ts,
                "U0DANA00001",
                "restarted the consumer",
            ),
        ),
    ];
    for e in &events {
        assert_eq!(s.event(e, None).await.status, 200);
    }
    s.app.settle().await;
    let again = s.envelope(
        "Ev0DUP00004",
        reaction("U0RAVI00001", &channel, &ts, "U0DANA00001"),
    );
    assert_eq!(s.event(&again, None).await.status, 200);
    s.app.settle().await;

    // Assert: one entry.
    let added = chats(&timeline(&s, &reference).await);
    assert_eq!(added.len(), 1, "{added:#?}");
    assert_eq!(added[0]["body"], "restarted the consumer");
    s.app.close().await;
}

crate::e2e_test!(reactions_and_pins_keep_author_permalink_and_time, backend);
crate::e2e_test!(the_same_message_twice_is_one_entry, backend);
