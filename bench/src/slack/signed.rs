//! Slack's requests as Slack sends them: a slash command (a form body) or an Events API
//! callback (JSON), signed with the app's signing secret (`v0` HMAC-SHA256 of
//! `v0:{timestamp}:{body}`, by `debrief_core::slack::signature::sign`, the function Debrief's
//! own check is tested against) and dated now, so Debrief's five-minute window takes them.
//! Every request differs (its `trigger_id` or `event_id` and so its signature), so Debrief's
//! replay table takes each once.

use super::fake::{TEAM_ID, USER_ID};
use crate::client::Call;
use bytes::Bytes;
use debrief_core::slack::signature::sign;
use hyper::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use hyper::{Method, StatusCode};

/// Percent-encodes a form value (everything but unreserved characters).
pub fn encode(v: &str) -> String {
    let mut out = String::with_capacity(v.len() * 3);
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A `POST` of `body` to `path`, signed now with `secret`.
fn signed(secret: &str, path: &str, content_type: &'static str, body: String) -> Call {
    let ts = now_unix().to_string();
    let signature = sign(secret.as_bytes(), &ts, body.as_bytes());
    let header = |v: &str| HeaderValue::from_str(v).unwrap_or(HeaderValue::from_static(""));
    Call {
        method: Method::POST,
        path: path.into(),
        body: Bytes::from(body),
        headers: vec![
            (CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                HeaderName::from_static("x-slack-request-timestamp"),
                header(&ts),
            ),
            (
                HeaderName::from_static("x-slack-signature"),
                header(&signature),
            ),
        ],
        expect: StatusCode::OK,
        ..Call::default()
    }
}

/// `/inc {text}` typed in `channel`; `unique` makes its `trigger_id` (and so the request) one
/// of a kind. The answer must contain `expect` when given.
pub fn command(
    secret: &str,
    channel: &str,
    text: &str,
    unique: &str,
    expect: Option<&str>,
) -> Call {
    let fields = [
        ("token", "bench-verification-token-unused"),
        ("team_id", TEAM_ID),
        ("team_domain", "bench"),
        ("channel_id", channel),
        ("channel_name", "inc-bench"),
        ("user_id", USER_ID),
        ("user_name", "bench"),
        ("command", "/inc"),
        ("text", text),
        ("api_app_id", "ABENCH0001"),
        ("is_enterprise_install", "false"),
        (
            "response_url",
            "https://hooks.slack.example/commands/TBENCH0001/1/bench",
        ),
        ("trigger_id", unique),
    ];
    let body = fields
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let mut call = signed(
        secret,
        "/slack/commands",
        "application/x-www-form-urlencoded",
        body,
    );
    call.expect_text = expect.map(str::to_string);
    call
}

/// A `reaction_added` event: the bench user adds `:pushpin:` (the default timeline emoji) to
/// message `ts` in `channel`; `event_id` makes it one of a kind.
pub fn reaction(secret: &str, channel: &str, ts: &str, event_id: &str) -> Call {
    let now = now_unix();
    let body = serde_json::json!({
        "token": "bench-verification-token-unused",
        "team_id": TEAM_ID,
        "api_app_id": "ABENCH0001",
        "event": {
            "type": "reaction_added",
            "user": USER_ID,
            "reaction": "pushpin",
            "item": {"type": "message", "channel": channel, "ts": ts},
            "item_user": USER_ID,
            "event_ts": format!("{now}.000200"),
        },
        "type": "event_callback",
        "event_id": event_id,
        "event_time": now,
        "authorizations": [{"team_id": TEAM_ID, "user_id": "UBENCHBOT1", "is_bot": true}],
        "is_ext_shared_channel": false,
    });
    signed(
        secret,
        "/slack/events",
        "application/json",
        body.to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use debrief_core::slack::signature::{SIGNATURE_HEADER, TIMESTAMP_HEADER};

    #[test]
    fn headers_are_the_ones_debrief_reads() {
        assert!(TIMESTAMP_HEADER.eq_ignore_ascii_case("x-slack-request-timestamp"));
        assert!(SIGNATURE_HEADER.eq_ignore_ascii_case("x-slack-signature"));
    }

    #[test]
    fn a_signed_command_passes_debriefs_check() {
        let call = command("s3cret", "C1", "help", "t.1", None);
        let get = |n: &str| {
            call.headers
                .iter()
                .find(|(h, _)| h.as_str() == n)
                .and_then(|(_, v)| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        let (ts, sig) = (get("x-slack-request-timestamp"), get("x-slack-signature"));
        let now: i64 = ts.parse().unwrap_or(0);
        assert_eq!(
            debrief_core::slack::signature::verify(b"s3cret", &ts, &sig, &call.body, now),
            Ok(())
        );
    }
}
