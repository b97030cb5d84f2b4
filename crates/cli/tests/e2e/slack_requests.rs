//! Slack's requests are Slack's (issue 13, part 2): every request to `/slack/commands`,
//! `/slack/interactivity` and `/slack/events` is signed by Slack's own `slack_sdk`; forged,
//! stale, future and replayed ones are refused with `401` and change nothing; the Events API's
//! `url_verification` is answered; a retried event (same event id, `X-Slack-Retry-Num`) is
//! answered `200` and not acted on again.
//!
//! The helpers at the end (a person Slack and Debrief both know, an incident with a channel)
//! are shared by `slack_commands` and `slack_timeline`.

use crate::harness::{Backend, SIGNING_SECRET, Signed, SlackApp, TEAM_ID, manual_clock};
use debrief_core::access::AccountRole;
use debrief_server::ServerConfig;
use debrief_store::account::User;
use debrief_store::slack::SlackChannel;
use serde_json::{Value, json};
use std::time::Duration;

const FORM: &str = "application/x-www-form-urlencoded";

/// Jobs picked up quickly (the tests also `settle`, which runs them at once).
pub(crate) fn quick(c: &mut ServerConfig) {
    c.jobs.poll_interval = Duration::from_millis(100);
    c.jobs.retry_base = Duration::from_millis(300);
    c.jobs.retry_cap = Duration::from_secs(1);
}

/// A responder Debrief knows, whose Slack account (`slack_id`) has their e-mail address.
pub(crate) async fn slack_person(s: &SlackApp, slack_id: &str) -> User {
    let (user, _) = s.app.create_user(AccountRole::Responder).await;
    s.fake.add_user(slack_id, &user.email, &user.name);
    user
}

/// An incident (declared by the admin through the API) with a channel in the fake Slack that
/// Debrief knows as its channel; `(reference, id, channel id)`.
pub(crate) async fn incident_with_channel(
    s: &SlackApp,
    title: &str,
    members: &[&str],
) -> (String, i64, String) {
    let inc = s
        .app
        .declare(
            &s.app.admin_token,
            &json!({"title": title, "severity": "SEV3"}),
        )
        .await;
    let reference = inc["reference"].as_str().expect("a reference").to_string();
    let id: i64 = reference
        .trim_start_matches("INC-")
        .parse()
        .expect("a reference like INC-42");
    // A server that makes incident channels itself may have made this one already.
    s.app.settle().await;
    let store = &s.app.state.store;
    if let Some(c) = store.slack_channel(id).await.expect("read the channel") {
        return (reference, id, c.channel_id);
    }
    let name = format!("inc-{id}-test");
    let channel = s.fake.add_channel(&name, false, members);
    store
        .add_slack_channel(&SlackChannel {
            incident_id: id,
            team_id: TEAM_ID.into(),
            channel_id: channel.clone(),
            name,
            private: false,
            summary_ts: None,
            posted_through: 0,
            archived_at: None,
            created_at: s.app.state.clock.now(),
        })
        .await
        .expect("record the channel");
    (reference, id, channel)
}

/// The incident as the API shows it.
pub(crate) async fn incident(s: &SlackApp, reference: &str) -> Value {
    let (status, _, v) = s
        .app
        .get(
            &format!("/api/v1/incidents/{reference}"),
            &s.app.admin_token,
        )
        .await;
    assert!(status.is_success(), "{v}");
    v
}

/// The incident's timeline as the API shows it.
pub(crate) async fn timeline(s: &SlackApp, reference: &str) -> Vec<Value> {
    let (status, _, v) = s
        .app
        .get(
            &format!("/api/v1/incidents/{reference}/timeline"),
            &s.app.admin_token,
        )
        .await;
    assert!(status.is_success(), "{v}");
    v.get("items")
        .unwrap_or(&v)
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

async fn forged_stale_and_replayed_requests_are_refused(backend: Backend) {
    // Arrange: an incident in triage with its channel; a person Slack and Debrief know.
    let s = SlackApp::start_with(backend, quick).await;
    slack_person(&s, "U0DANA00001").await;
    let (reference, _, channel) = incident_with_channel(&s, "Checkout fails", &[]).await;
    let body = s.slash_body("status investigating", "U0DANA00001", &channel);
    let send = |how: Signed| {
        let (s, body) = (&s, body.clone());
        async move { s.send_signed("/slack/commands", FORM, &body, &how).await }
    };

    // Act and assert: a forged signature, another secret, no signature, a stale and a future
    // timestamp are all refused with a reason.
    let zeros = format!("v0={}", "0".repeat(64));
    let cases = [
        (
            "forged",
            Signed {
                signature: Some(zeros),
                ..Signed::default()
            },
            "not Slack's",
        ),
        (
            "another secret",
            Signed {
                secret: Some("not-the-signing-secret".into()),
                ..Signed::default()
            },
            "does not match",
        ),
        (
            "no signature",
            Signed {
                signature: Some(String::new()),
                ..Signed::default()
            },
            "X-Slack-Signature",
        ),
        (
            "stale",
            Signed {
                timestamp: Some(now() - 301 - 30),
                ..Signed::default()
            },
            "window",
        ),
        (
            "future",
            Signed {
                timestamp: Some(now() + 400),
                ..Signed::default()
            },
            "window",
        ),
    ];
    // A body changed after Slack signed it (the signature is another body's).
    let ts = now();
    let other = s.slash_body("status resolved", "U0DANA00001", &channel);
    let tampered = Signed {
        timestamp: Some(ts),
        signature: Some(debrief_core::slack::sign(
            SIGNING_SECRET.as_bytes(),
            &ts.to_string(),
            other.as_bytes(),
        )),
        ..Signed::default()
    };
    let cases = cases
        .into_iter()
        .chain([("tampered", tampered, "does not match")]);
    for (what, how, says) in cases {
        let answer = send(how).await;
        assert_eq!(answer.status, 401, "{what}: {answer:?}");
        assert!(answer.body.contains(says), "{what}: {answer:?}");
    }
    assert_eq!(incident(&s, &reference).await["status"], "triage");

    // A signed request works once; the same bytes again (same timestamp and signature) do not.
    let at = Signed {
        timestamp: Some(now()),
        ..Signed::default()
    };
    let first = send(at.clone()).await;
    assert_eq!(first.status, 200, "{first:?}");
    assert_eq!(incident(&s, &reference).await["status"], "investigating");
    let again = send(at).await;
    assert_eq!(again.status, 401, "{again:?}");
    assert!(again.body.contains("received before"), "{again:?}");

    // The other two endpoints check the same way.
    for (path, ct, body) in [
        (
            "/slack/interactivity",
            FORM,
            "payload=%7B%22type%22%3A%22shortcut%22%7D",
        ),
        (
            "/slack/events",
            "application/json",
            r#"{"type":"url_verification","challenge":"abc"}"#,
        ),
    ] {
        let forged = s
            .send_signed(
                path,
                ct,
                body,
                &Signed {
                    secret: Some("forger".into()),
                    ..Signed::default()
                },
            )
            .await;
        assert_eq!(forged.status, 401, "{path}: {forged:?}");
        let signed = s.send_signed(path, ct, body, &Signed::default()).await;
        assert_eq!(signed.status, 200, "{path}: {signed:?}");
    }
    s.app.close().await;
}

async fn the_window_is_kept_by_the_servers_clock(backend: Backend) {
    // Arrange: the server's clock runs ten minutes ahead of the sender's.
    let s = SlackApp::start_with(backend, manual_clock).await;
    s.app.clock().advance(jiff::SignedDuration::from_mins(10));

    // Act: a request signed now, by the sender's clock.
    let answer = s.slash("help", "U0DANA00001", "C0GENERAL01").await;

    // Assert: to the server it is ten minutes old.
    assert_eq!(answer.status, 401, "{answer:?}");
    assert!(answer.body.contains("window"), "{answer:?}");
    let back = jiff::Timestamp::now();
    s.app.clock().set(back);
    let answer = s.slash("help", "U0DANA00001", "C0GENERAL01").await;
    assert_eq!(answer.status, 200, "{answer:?}");
    s.app.close().await;
}

async fn url_verification_is_answered_with_its_challenge(backend: Backend) {
    let s = SlackApp::start(backend).await;
    // Slack's documented example.
    let answer = s
        .event(
            &json!({"token": "Jhj5dZrVaK7ZwHHjRyZWjbDl",
                    "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                    "type": "url_verification"}),
            None,
        )
        .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(
        answer.json()["challenge"],
        "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    );
    s.app.close().await;
}

async fn the_ssl_check_is_answered_and_does_nothing(backend: Backend) {
    let s = SlackApp::start(backend).await;
    let post = |body: &'static str| {
        reqwest::Client::new()
            .post(s.app.url("/slack/commands"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    // Slack's check of the command URL's certificate: unsigned, answered 200 and empty.
    let r = post("ssl_check=1&token=gIkuvaNzQIHg97ATvDxqgjtO")
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.text().await.expect("body"), "");
    // A command dressed as one is still refused without a signature.
    let r = post("ssl_check=1&command=%2Finc&text=help&user_id=U1&team_id=T1")
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 401);
    assert!(s.fake.all_calls().is_empty(), "{:?}", s.fake.all_calls());
    s.app.close().await;
}

/// A `reaction_added` event with the timeline emoji on message `ts` of `channel`.
pub(crate) fn reaction(user: &str, channel: &str, ts: &str, item_user: &str) -> Value {
    json!({"type": "reaction_added", "user": user, "reaction": "pushpin", "item_user": item_user,
           "item": {"type": "message", "channel": channel, "ts": ts},
           "event_ts": format!("{}.000200", now())})
}

async fn a_retried_event_is_taken_once(backend: Backend) {
    // Arrange: two messages in an incident channel.
    let s = SlackApp::start_with(backend, quick).await;
    slack_person(&s, "U0DANA00001").await;
    let (reference, _, channel) = incident_with_channel(&s, "Queue stuck", &["U0DANA00001"]).await;
    let a = s.fake.add_message(&channel, "U0DANA00001", "message A");
    let b = s.fake.add_message(&channel, "U0DANA00001", "message B");

    // Act: event Ev1 about A; then Slack's retry of Ev1, whose body (for this test) names B.
    let first = s
        .event(
            &s.envelope(
                "Ev0RETRY0001",
                reaction("U0DANA00001", &channel, &a, "U0DANA00001"),
            ),
            None,
        )
        .await;
    assert_eq!(first.status, 200, "{first:?}");
    let retry = s
        .event(
            &s.envelope(
                "Ev0RETRY0001",
                reaction("U0DANA00001", &channel, &b, "U0DANA00001"),
            ),
            Some(1),
        )
        .await;
    assert_eq!(retry.status, 200, "{retry:?}");
    s.app.settle().await;

    // Assert: the retry was not acted on (B is not on the timeline); a new event id is.
    let texts = |events: &[Value]| -> Vec<String> {
        events
            .iter()
            .filter(|e| e["kind"] == "chat")
            .map(|e| e["body"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(texts(&timeline(&s, &reference).await), ["message A"]);
    let new = s
        .event(
            &s.envelope(
                "Ev0RETRY0002",
                reaction("U0DANA00001", &channel, &b, "U0DANA00001"),
            ),
            None,
        )
        .await;
    assert_eq!(new.status, 200, "{new:?}");
    s.app.settle().await;
    assert_eq!(
        texts(&timeline(&s, &reference).await),
        ["message A", "message B"]
    );
    s.app.close().await;
}

crate::e2e_test!(forged_stale_and_replayed_requests_are_refused, backend);
crate::e2e_test!(the_window_is_kept_by_the_servers_clock, backend);
crate::e2e_test!(url_verification_is_answered_with_its_challenge, backend);
crate::e2e_test!(a_retried_event_is_taken_once, backend);
crate::e2e_test!(the_ssl_check_is_answered_and_does_nothing, backend);
