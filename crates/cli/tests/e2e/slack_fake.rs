//! The fake Slack Web API speaks the wire format Slack's own `slack_sdk` expects, and the
//! server's `SlackClient` talks to it: JSON and form calls, `ok: false` errors, `429` storms
//! that delay calls but lose none, and tokens that never show in an error.

use crate::harness::{
    BOT_TOKEN, BOT_USER_ID, CLIENT_ID, CLIENT_SECRET, FakeSlack, ResponseHit, SlackFailure,
};
use debrief_server::outbound::slack::{SlackClient, SlackError};
use debrief_server::outbound::{DestinationPolicy, Outbound};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// `slack_sdk`'s `WebClient` against the fake; prints one JSON object of what it got.
const SDK_SCRIPT: &str = r#"
import json, sys, time
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

base, token, code, client_id, client_secret, response_url = sys.argv[1:7]
client = WebClient(token=token, base_url=base + "/")
client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))

def error_of(call):
    try:
        call()
        return None
    except SlackApiError as e:
        return e.response["error"]

out = {}
out["created"] = client.conversations_create(name="inc-42-checkout-fails").data
out["taken"] = error_of(lambda: client.conversations_create(name="inc-42-checkout-fails"))
out["bad_name"] = error_of(lambda: client.conversations_create(name="INC 42!"))
channel = out["created"]["channel"]["id"]
blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*INC-42* declared"}}]
out["posted"] = client.chat_postMessage(channel=channel, text="INC-42 declared", blocks=blocks).data
start = time.monotonic()
out["updated"] = client.chat_update(channel=channel, ts=out["posted"]["ts"], text="INC-42 resolved").data
out["waited_s"] = time.monotonic() - start
out["user"] = client.users_lookupByEmail(email="dana@example.com").data
out["no_user"] = error_of(lambda: client.users_lookupByEmail(email="nobody@example.com"))
out["bad_token"] = error_of(lambda: WebClient(token="xoxb-wrong", base_url=base + "/").auth_test())
out["oauth"] = WebClient(base_url=base + "/").oauth_v2_access(
    client_id=client_id, client_secret=client_secret, code=code).data
answered = WebhookClient(response_url).send(text="INC-42 declared", response_type="ephemeral")
out["response_url_status"] = answered.status_code
print(json.dumps(out))
"#;

fn python() -> PathBuf {
    let python = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.tools/venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/install-test-deps (it installs slack_sdk)",
        python.display()
    );
    python
}

fn client(fake: &FakeSlack) -> SlackClient {
    let outbound = Outbound::new(DestinationPolicy::allow_all(), Duration::from_secs(10));
    SlackClient::new(outbound, fake.base_url())
}

#[tokio::test]
async fn slack_sdk_accepts_the_fakes_answers_errors_and_rate_limits() {
    // Arrange: a user to look up, a 429 for the first chat.update, a code to exchange.
    let fake = FakeSlack::start().await;
    fake.add_user("U0DANA", "dana@example.com", "dana");
    fake.rate_limit("chat.update", 1, 1);
    let code = fake.oauth_code();

    // Act
    let run = tokio::process::Command::new(python())
        .args(["-c", SDK_SCRIPT, &fake.base_url(), BOT_TOKEN, &code])
        .args([
            CLIENT_ID,
            CLIENT_SECRET,
            &fake.response_url("T0DEBRIEF/42/abc"),
        ])
        .env("NO_PROXY", "*")
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("slack_sdk finishes within 60 s")
        .expect("run python");
    assert!(
        out.status.success(),
        "slack_sdk failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");

    // Assert: answers the SDK read.
    let channel = &got["created"]["channel"];
    assert_eq!(channel["name"], "inc-42-checkout-fails");
    assert_eq!(channel["is_private"], false);
    assert_eq!(got["taken"], "name_taken");
    assert_eq!(got["bad_name"], "invalid_name_specials");
    assert_eq!(got["posted"]["channel"], channel["id"]);
    assert_eq!(got["posted"]["message"]["text"], "INC-42 declared");
    assert_eq!(got["updated"]["text"], "INC-42 resolved");
    assert!(got["waited_s"].as_f64().expect("seconds") >= 0.9, "{got}");
    assert_eq!(got["user"]["user"]["id"], "U0DANA");
    assert_eq!(got["no_user"], "users_not_found");
    assert_eq!(got["bad_token"], "invalid_auth");
    assert!(
        got["oauth"]["access_token"]
            .as_str()
            .expect("a token")
            .starts_with("xoxb-")
    );
    assert_eq!(got["oauth"]["bot_user_id"], BOT_USER_ID);

    // Assert: the wire format the SDK used, as recorded.
    let post = &fake.calls("chat.postMessage")[0];
    assert_eq!(
        post.header("content-type"),
        Some("application/json;charset=utf-8")
    );
    assert_eq!(
        post.header("authorization"),
        Some(format!("Bearer {BOT_TOKEN}").as_str())
    );
    assert_eq!(
        post.json_arg("blocks").expect("blocks")[0]["type"],
        "section"
    );
    let create = &fake.calls("conversations.create")[0];
    assert_eq!(
        create.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(create.arg("name").as_deref(), Some("inc-42-checkout-fails"));
    let updates: Vec<u16> = fake.calls("chat.update").iter().map(|c| c.status).collect();
    assert_eq!(updates, [429, 200], "the SDK retried after Retry-After");
    let stored = fake.messages(channel["id"].as_str().expect("an id"));
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].text, "INC-42 resolved");
    assert_eq!(got["response_url_status"], 200);
    let hits: Vec<ResponseHit> = fake.wait_for_responses(1, Duration::from_secs(5)).await;
    assert_eq!(hits[0].id, "T0DEBRIEF/42/abc");
    assert!(hits[0].content_type.starts_with("application/json"));
    assert_eq!(hits[0].body["response_type"], "ephemeral");
}

#[tokio::test]
async fn slack_client_sends_json_and_form_calls_and_reads_errors() {
    // Arrange
    let fake = FakeSlack::start().await;
    fake.add_user("U0DANA", "dana@example.com", "dana");
    let slack = client(&fake);

    // Act: JSON calls.
    let created = slack
        .call(
            BOT_TOKEN,
            "conversations.create",
            json!({"name": "inc-7-db", "is_private": true}),
        )
        .await
        .expect("created");
    let id = created["channel"]["id"]
        .as_str()
        .expect("an id")
        .to_string();
    let posted = slack
        .call(
            BOT_TOKEN,
            "chat.postMessage",
            json!({"channel": id, "text": "INC-7 declared"}),
        )
        .await
        .expect("posted");

    // Assert
    assert_eq!(created["channel"]["is_private"], true);
    assert_eq!(posted["channel"], id.as_str());
    let call = &fake.calls("chat.postMessage")[0];
    assert_eq!(
        call.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(
        call.header("authorization"),
        Some(format!("Bearer {BOT_TOKEN}").as_str())
    );
    assert_eq!(call.arg("text").as_deref(), Some("INC-7 declared"));

    // Act and assert: form calls, with a token and with client credentials.
    let user = slack
        .call_form(
            Some(BOT_TOKEN),
            "users.lookupByEmail",
            &[("email", "dana@example.com")],
        )
        .await
        .expect("found");
    assert_eq!(user["user"]["id"], "U0DANA");
    let lookup = &fake.calls("users.lookupByEmail")[0];
    assert_eq!(
        lookup.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let code = fake.oauth_code();
    let form = [
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
        ("code", &code),
    ];
    let installed = slack
        .call_form(None, "oauth.v2.access", &form)
        .await
        .expect("installed");
    let bot_token = installed["access_token"].as_str().expect("a token");
    assert!(slack.call(bot_token, "auth.test", json!({})).await.is_ok());
    let reused = slack.call_form(None, "oauth.v2.access", &form).await;
    assert_eq!(reused.expect_err("one use").code(), Some("invalid_code"));

    // Act and assert: ok:false answers and failures.
    let e = slack
        .call(
            BOT_TOKEN,
            "chat.postMessage",
            json!({"channel": "C0NOPE", "text": "x"}),
        )
        .await
        .expect_err("no channel");
    assert_eq!(e.code(), Some("channel_not_found"));
    fake.fail_next("conversations.info", 1, SlackFailure::Http(503));
    let e = slack
        .call_form(Some(BOT_TOKEN), "conversations.info", &[("channel", &id)])
        .await
        .expect_err("503");
    assert!(matches!(e, SlackError::Status { status: 503, .. }), "{e}");
    assert!(e.is_transient());
    fake.fail_next("pins.add", 1, SlackFailure::Error("missing_scope".into()));
    let e = slack
        .call(
            BOT_TOKEN,
            "pins.add",
            json!({"channel": id, "timestamp": posted["ts"]}),
        )
        .await
        .expect_err("scope");
    assert_eq!(e.code(), Some("missing_scope"));
}

#[tokio::test]
async fn tokens_and_secrets_never_show_in_errors() {
    // Arrange: a wrong token, and a closed port for a transport failure.
    let fake = FakeSlack::start().await;
    let slack = client(&fake);
    let secret = "xoxb-9999-8888-VerySecretTokenValue";
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("address").port()
    };
    let nowhere = SlackClient::new(
        Outbound::new(DestinationPolicy::allow_all(), Duration::from_secs(5)),
        format!("http://127.0.0.1:{closed}/api"),
    );

    // Act
    let refused = slack
        .call(secret, "auth.test", json!({}))
        .await
        .expect_err("invalid");
    let unreachable = nowhere
        .call_form(None, "oauth.v2.access", &[("client_secret", CLIENT_SECRET)])
        .await
        .expect_err("unreachable");
    let also = nowhere
        .call(secret, "auth.test", json!({}))
        .await
        .expect_err("unreachable");

    // Assert
    assert_eq!(refused.code(), Some("invalid_auth"));
    for e in [&refused, &unreachable, &also] {
        let shown = format!("{e} {e:?}");
        assert!(
            !shown.contains(secret) && !shown.contains(CLIENT_SECRET),
            "{shown}"
        );
    }
    assert!(matches!(also, SlackError::Transport { .. }), "{also}");
}

#[tokio::test]
async fn a_429_storm_delays_calls_but_loses_none() {
    // Arrange: a channel, and three 429s (Retry-After: 1) for the posts to it.
    let fake = FakeSlack::start().await;
    let channel = fake.add_channel("inc-9-storm", false, &[]);
    fake.rate_limit("chat.postMessage", 3, 1);
    let slack = client(&fake);
    let started = Instant::now();

    // Act: three posts at once.
    let posts = (0..3).map(|i| {
        let (slack, channel) = (slack.clone(), channel.clone());
        tokio::spawn(async move {
            let body = json!({"channel": channel, "text": format!("update {i}")});
            slack.call(BOT_TOKEN, "chat.postMessage", body).await
        })
    });
    let results = futures_join(posts.collect()).await;

    // Assert: every post arrived, once, after waiting out Retry-After.
    for r in results {
        r.expect("posted after the storm");
    }
    assert!(started.elapsed() >= Duration::from_secs(1));
    let mut texts: Vec<String> = fake
        .messages(&channel)
        .into_iter()
        .map(|m| m.text)
        .collect();
    texts.sort();
    assert_eq!(texts, ["update 0", "update 1", "update 2"]);
    let limited = fake
        .wait_for("chat.postMessage", 6, Duration::from_secs(5))
        .await
        .iter()
        .filter(|c| c.status == 429)
        .count();
    assert_eq!(limited, 3);
}

#[tokio::test]
async fn after_a_429_the_method_waits_for_retry_after_before_the_next_call() {
    // Arrange: a client that does not retry by itself.
    let fake = FakeSlack::start().await;
    let channel = fake.add_channel("inc-10-held", false, &[]);
    fake.rate_limit("conversations.info", 1, 2);
    let slack = client(&fake).with_rate_limit_retries(0);

    // Act
    let started = Instant::now();
    let first = slack
        .call_form(
            Some(BOT_TOKEN),
            "conversations.info",
            &[("channel", &channel)],
        )
        .await;
    let second = slack
        .call_form(
            Some(BOT_TOKEN),
            "conversations.info",
            &[("channel", &channel)],
        )
        .await;

    // Assert: the first failed with Retry-After; the second waited for it, then worked.
    let e = first.expect_err("rate-limited");
    assert!(
        matches!(e, SlackError::RateLimited { retry_after, .. } if retry_after == Duration::from_secs(2)),
        "{e}"
    );
    assert!(second.is_ok());
    assert!(started.elapsed() >= Duration::from_secs(2));
}

#[tokio::test]
async fn paginate_follows_cursors_to_the_last_page() {
    // Arrange: five channels, listed two at a time.
    let fake = FakeSlack::start().await;
    for i in 0..5 {
        fake.add_channel(&format!("inc-{i}"), false, &[]);
    }
    let slack = client(&fake);

    // Act
    let all = slack
        .paginate(
            BOT_TOKEN,
            "conversations.list",
            &[("limit", "2")],
            "channels",
        )
        .await
        .expect("listed");

    // Assert
    let names: Vec<&str> = all.iter().filter_map(|c| c["name"].as_str()).collect();
    assert_eq!(names, ["inc-0", "inc-1", "inc-2", "inc-3", "inc-4"]);
    let cursors: Vec<Option<String>> = fake
        .calls("conversations.list")
        .iter()
        .map(|c| c.arg("cursor"))
        .collect();
    assert_eq!(cursors.len(), 3);
    assert_eq!(cursors[0], None);
}

/// Awaits every task.
async fn futures_join<T>(tasks: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.expect("the task ran"));
    }
    out
}
