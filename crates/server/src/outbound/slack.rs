//! A client of Slack's Web API (`https://slack.com/api/{method}`), over the server's one
//! outgoing client [`Outbound`], so Slack calls obey the same destination policy as webhooks.
//!
//! Slack answers almost everything with HTTP 200 and a JSON body whose `ok` says whether the
//! call worked: `{"ok":false,"error":"channel_not_found"}` is a [`SlackError::Api`]. A `429`
//! carries `Retry-After` (seconds): the method is then held for that long (see [`limit`]) and
//! the call is retried, up to [`SlackClient::with_rate_limit_retries`] times, before it fails
//! with [`SlackError::RateLimited`] (the job that made it then retries later: nothing is
//! dropped). Calls also wait for Slack's documented per-method limits before they are sent.
//!
//! Tokens and client secrets are sent, never kept in errors or logs: every error names the
//! method and what went wrong, not the request.

pub mod config;
pub mod limit;

pub use config::{SlackConfig, TokenKey};

use super::{Outbound, Refusal};
use limit::{Key, Limiter};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, RETRY_AFTER};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// Slack's Web API, where production calls go.
pub const SLACK_API: &str = "https://slack.com/api";

/// The longest `Retry-After` a call waits out itself; a longer one fails the call at once, so
/// the job queue (not a held worker) waits.
const LONGEST_WAIT: Duration = Duration::from_secs(60);

/// Pages [`SlackClient::paginate`] reads at most, in case a cursor never ends.
const MAX_PAGES: usize = 100;

/// Why a Slack call failed. Its `Display` never includes a token or a request body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlackError {
    /// Slack answered `ok: false` (`channel_not_found`, `name_taken`, `missing_scope`, …).
    #[error("Slack refused {method}: {error}{}", needed.as_ref().map(|n| format!(" (needs scope {n})")).unwrap_or_default())]
    Api {
        /// The Web API method, `chat.postMessage`.
        method: String,
        /// Slack's error code.
        error: String,
        /// The scope that was missing, for `missing_scope`.
        needed: Option<String>,
    },
    /// Slack answered `429 Too Many Requests` (after any retries this client made).
    #[error("Slack rate-limited {method}; retry after {} s", retry_after.as_secs())]
    RateLimited {
        /// The Web API method.
        method: String,
        /// How long Slack asked us to wait.
        retry_after: Duration,
    },
    /// Slack answered with an HTTP status other than 200 and 429.
    #[error("Slack answered {method} with HTTP {status}")]
    Status {
        /// The Web API method.
        method: String,
        /// The HTTP status.
        status: u16,
    },
    /// Slack's answer was not the JSON object with `ok` that the Web API always sends.
    #[error("Slack's answer to {method} is not a Web API answer: {reason}")]
    Malformed {
        /// The Web API method.
        method: String,
        /// What was wrong with it.
        reason: String,
    },
    /// The request could not be sent or its answer read (connection, timeout).
    #[error("could not reach Slack for {method}: {reason}")]
    Transport {
        /// The Web API method.
        method: String,
        /// What failed (without the URL).
        reason: String,
    },
    /// The destination policy refused Slack's address (a base URL on a private network).
    #[error("Slack call {method} refused: {refusal}")]
    Refused {
        /// The Web API method.
        method: String,
        /// Why.
        refusal: Refusal,
    },
}

impl SlackError {
    /// Slack's error code, for an `ok: false` answer.
    pub fn code(&self) -> Option<&str> {
        match self {
            SlackError::Api { error, .. } => Some(error),
            _ => None,
        }
    }

    /// Whether trying again later may work: rate limits, server errors and transport failures,
    /// and the few `ok: false` codes that say so.
    pub fn is_transient(&self) -> bool {
        match self {
            SlackError::RateLimited { .. } | SlackError::Transport { .. } => true,
            SlackError::Status { status, .. } => *status >= 500 || *status == 408,
            SlackError::Api { error, .. } => matches!(
                error.as_str(),
                "ratelimited"
                    | "internal_error"
                    | "fatal_error"
                    | "service_unavailable"
                    | "request_timeout"
            ),
            SlackError::Malformed { .. } | SlackError::Refused { .. } => false,
        }
    }
}

/// A request body: JSON, or form fields.
enum Body<'a> {
    Json(&'a Value),
    Form(&'a [(&'a str, &'a str)]),
}

/// A Slack Web API client: cheap to clone, sharing its rate-limit buckets.
#[derive(Debug, Clone)]
pub struct SlackClient {
    outbound: Outbound,
    base_url: String,
    limiter: Arc<Limiter>,
    rate_limit_retries: u32,
}

impl SlackClient {
    /// A client sending through `outbound` to `base_url` ([`SLACK_API`], or a fake's in tests).
    pub fn new(outbound: Outbound, base_url: String) -> SlackClient {
        SlackClient {
            outbound,
            base_url: base_url.trim_end_matches('/').to_string(),
            limiter: Arc::new(Limiter::default()),
            rate_limit_retries: 5,
        }
    }

    /// How many `429`s in a row a call waits out before failing with
    /// [`SlackError::RateLimited`] (5 by default).
    pub fn with_rate_limit_retries(mut self, retries: u32) -> SlackClient {
        self.rate_limit_retries = retries;
        self
    }

    /// The base URL calls go to, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Calls `method` with a JSON body, authorized by the bot `token`; the `ok: true` answer
    /// is returned whole. Slack takes JSON only for methods that write (`chat.postMessage`,
    /// `conversations.create`, `views.open`, …); read methods (`conversations.info`,
    /// `users.info`, `reactions.get`, `chat.getPermalink`) need [`SlackClient::call_form`].
    pub async fn call(&self, token: &str, method: &str, body: Value) -> Result<Value, SlackError> {
        let channel = body.get("channel").and_then(Value::as_str);
        let key = Key::new(token, method, channel);
        self.send(Some(token), method, &key, Body::Json(&body))
            .await
    }

    /// Calls `method` with a form body: for methods Slack documents as taking only
    /// `application/x-www-form-urlencoded` arguments (`users.lookupByEmail`, `users.info`,
    /// `conversations.info`, `reactions.get`, `chat.getPermalink`), and for
    /// `oauth.v2.access`, which is authorized by `client_id`/`client_secret` fields instead of a
    /// token (`token: None`).
    pub async fn call_form(
        &self,
        token: Option<&str>,
        method: &str,
        form: &[(&str, &str)],
    ) -> Result<Value, SlackError> {
        let channel = form.iter().find(|(k, _)| *k == "channel").map(|(_, v)| *v);
        let key = Key::new(token.unwrap_or_default(), method, channel);
        self.send(token, method, &key, Body::Form(form)).await
    }

    /// Calls a paginated read `method` (`conversations.list`, `users.list`, …) with form
    /// arguments, following `response_metadata.next_cursor` until it is empty, and returns the
    /// items of every page under `items` (`"channels"`, `"members"`).
    pub async fn paginate(
        &self,
        token: &str,
        method: &str,
        args: &[(&str, &str)],
        items: &str,
    ) -> Result<Vec<Value>, SlackError> {
        let mut all = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut page_args = args.to_vec();
            if let Some(c) = &cursor {
                page_args.push(("cursor", c));
            }
            let page = self.call_form(Some(token), method, &page_args).await?;
            if let Some(list) = page.get(items).and_then(Value::as_array) {
                all.extend(list.iter().cloned());
            }
            cursor = next_cursor(&page);
            if cursor.is_none() {
                return Ok(all);
            }
        }
        Err(SlackError::Malformed {
            method: method.to_string(),
            reason: format!("the cursor did not end within {MAX_PAGES} pages"),
        })
    }

    async fn send(
        &self,
        token: Option<&str>,
        method: &str,
        key: &Key,
        body: Body<'_>,
    ) -> Result<Value, SlackError> {
        let url = format!("{}/{method}", self.base_url);
        let mut limited = 0;
        loop {
            self.limiter.acquire(key).await;
            let refused = |refusal| SlackError::Refused {
                method: method.to_string(),
                refusal,
            };
            let mut request = self.outbound.post(&url).map_err(refused)?;
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            request = match &body {
                Body::Json(json) => request
                    .header(CONTENT_TYPE, "application/json; charset=utf-8")
                    .body(json.to_string()),
                Body::Form(fields) => request
                    .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(form_body(fields)),
            };
            let answer = match request.send().await {
                Ok(r) => r,
                Err(e) => return Err(transport(method, e)),
            };
            let status = answer.status().as_u16();
            let retry_after = answer
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let bytes = answer.bytes().await.map_err(|e| transport(method, e))?;
            match parse_answer(method, status, retry_after.as_deref(), &bytes) {
                Err(SlackError::RateLimited { retry_after, .. })
                    if limited < self.rate_limit_retries && retry_after <= LONGEST_WAIT =>
                {
                    limited += 1;
                    tracing::info!(
                        slack.method = method,
                        retry_after_s = retry_after.as_secs(),
                        "Slack rate-limited {method}; waiting {} s",
                        retry_after.as_secs()
                    );
                    self.limiter.hold(key, retry_after);
                }
                Err(e @ SlackError::RateLimited { retry_after, .. }) => {
                    self.limiter.hold(key, retry_after);
                    return Err(e);
                }
                other => return other,
            }
        }
    }
}

/// A transport failure, with the policy's refusal when that is why, and without the URL.
fn transport(method: &str, e: reqwest::Error) -> SlackError {
    if let Some(refusal) = Refusal::of(&e) {
        return SlackError::Refused {
            method: method.to_string(),
            refusal: refusal.clone(),
        };
    }
    let reason = if e.is_timeout() {
        "timed out".to_string()
    } else {
        e.without_url().to_string()
    };
    SlackError::Transport {
        method: method.to_string(),
        reason,
    }
}

/// `a=1&b=x+y`: fields encoded as `application/x-www-form-urlencoded`.
pub fn form_body(fields: &[(&str, &str)]) -> String {
    let mut url = reqwest::Url::parse("http://form.invalid/").expect("a constant URL parses");
    url.query_pairs_mut().extend_pairs(fields);
    url.query().unwrap_or_default().to_string()
}

/// Reads Slack's answer to `method`: HTTP `status`, its `Retry-After` header, and its body.
pub fn parse_answer(
    method: &str,
    status: u16,
    retry_after: Option<&str>,
    body: &[u8],
) -> Result<Value, SlackError> {
    let method_name = || method.to_string();
    if status == StatusCode::TOO_MANY_REQUESTS.as_u16() {
        // Slack always sends whole seconds; an unreadable value is taken as one second.
        let secs = retry_after
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(1);
        return Err(SlackError::RateLimited {
            method: method_name(),
            retry_after: Duration::from_secs(secs),
        });
    }
    if status != StatusCode::OK.as_u16() {
        return Err(SlackError::Status {
            method: method_name(),
            status,
        });
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| SlackError::Malformed {
        method: method_name(),
        reason: format!("not JSON ({e})"),
    })?;
    match value.get("ok").and_then(Value::as_bool) {
        Some(true) => Ok(value),
        Some(false) => Err(SlackError::Api {
            method: method_name(),
            error: value
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or("unknown_error")
                .to_string(),
            needed: value
                .get("needed")
                .and_then(Value::as_str)
                .map(str::to_string),
        }),
        None => Err(SlackError::Malformed {
            method: method_name(),
            reason: "no boolean \"ok\"".to_string(),
        }),
    }
}

/// The cursor of the next page of a paginated answer, if there is one (Slack sends `""` on
/// the last page).
pub fn next_cursor(answer: &Value) -> Option<String> {
    answer
        .pointer("/response_metadata/next_cursor")
        .and_then(Value::as_str)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_ok_answer_is_returned_whole() {
        let body = br#"{"ok":true,"channel":"C1","ts":"1700000000.000100"}"#;
        let v = parse_answer("chat.postMessage", 200, None, body).expect("ok");
        assert_eq!(v["ts"], "1700000000.000100");
    }

    #[test]
    fn an_ok_false_answer_is_an_api_error_with_its_code() {
        let body = br#"{"ok":false,"error":"channel_not_found"}"#;
        let e = parse_answer("chat.postMessage", 200, None, body).expect_err("refused");
        assert_eq!(e.code(), Some("channel_not_found"));
        assert_eq!(
            e.to_string(),
            "Slack refused chat.postMessage: channel_not_found"
        );
        assert!(!e.is_transient());
    }

    #[test]
    fn a_missing_scope_names_the_scope_needed() {
        let body = br#"{"ok":false,"error":"missing_scope","needed":"channels:manage","provided":"chat:write"}"#;
        let e = parse_answer("conversations.create", 200, None, body).expect_err("refused");
        assert_eq!(
            e,
            SlackError::Api {
                method: "conversations.create".into(),
                error: "missing_scope".into(),
                needed: Some("channels:manage".into()),
            }
        );
        assert!(e.to_string().contains("needs scope channels:manage"));
    }

    #[test]
    fn a_429_is_rate_limited_for_its_retry_after() {
        let body = br#"{"ok":false,"error":"ratelimited"}"#;
        let e = parse_answer("chat.update", 429, Some("7"), body).expect_err("limited");
        assert_eq!(
            e,
            SlackError::RateLimited {
                method: "chat.update".into(),
                retry_after: Duration::from_secs(7),
            }
        );
        assert!(e.is_transient());
        let e = parse_answer("chat.update", 429, None, b"").expect_err("limited");
        assert!(
            matches!(e, SlackError::RateLimited { retry_after, .. } if retry_after == Duration::from_secs(1))
        );
    }

    #[test]
    fn other_statuses_and_bodies_that_are_not_answers_are_errors() {
        let e = parse_answer("auth.test", 503, None, b"<html>").expect_err("failed");
        assert!(e.is_transient());
        assert_eq!(e.to_string(), "Slack answered auth.test with HTTP 503");
        let e = parse_answer("auth.test", 200, None, b"<html>").expect_err("failed");
        assert!(matches!(e, SlackError::Malformed { .. }));
        let e = parse_answer("auth.test", 200, None, br#"{"channel":"C1"}"#).expect_err("no ok");
        assert!(matches!(e, SlackError::Malformed { .. }));
    }

    #[test]
    fn the_next_cursor_is_read_and_an_empty_one_ends_the_pages() {
        let more = json!({"ok":true,"response_metadata":{"next_cursor":"dGVhbTpDMDYxRkE1UEI="}});
        assert_eq!(next_cursor(&more).as_deref(), Some("dGVhbTpDMDYxRkE1UEI="));
        assert_eq!(
            next_cursor(&json!({"ok":true,"response_metadata":{"next_cursor":""}})),
            None
        );
        assert_eq!(next_cursor(&json!({"ok":true})), None);
    }

    #[test]
    fn form_bodies_are_url_encoded() {
        assert_eq!(
            form_body(&[("email", "dana+ops@example.com"), ("name", "a b&c")]),
            "email=dana%2Bops%40example.com&name=a+b%26c"
        );
    }
}
