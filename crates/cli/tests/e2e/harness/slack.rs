//! A fake Slack Web API on a loopback port, speaking Slack's documented wire format: `POST`
//! (or `GET`) `/api/{method}` with a JSON or form body, `Authorization: Bearer xoxb-…`, answers
//! `{"ok":true,…}` or `{"ok":false,"error":"…"}` with HTTP 200, and `429` with `Retry-After`
//! when told to. Slack's own `slack_sdk` accepts it (`slack_fake.rs`).
//!
//! It records every call (method, headers, arguments), keeps a small workspace (channels,
//! messages, users the test seeds, views: see [`methods`]), and also receives the `POST`s a
//! slash command's `response_url` gets (`/response/…`).

mod methods;

pub use methods::{BOT_ID, BOT_USER_ID, FakeChannel, FakeMessage, FakeUser, TEAM_ID};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use methods::{Params, Workspace};
use serde_json::{Map, Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// The bot token the fake accepts from the start.
pub const BOT_TOKEN: &str = "xoxb-0000000001-0000000002-debriefFakeBotToken";
/// The OAuth client id of the fake app.
pub const CLIENT_ID: &str = "1111111111.2222222222";
/// The OAuth client secret of the fake app.
pub const CLIENT_SECRET: &str = "fake0client0secret0debrief000000";

/// Methods whose documentation lists only `application/x-www-form-urlencoded` arguments (read
/// methods): Slack ignores a JSON body there, so the fake refuses one with `invalid_arguments`.
pub const FORM_ONLY: &[&str] = &[
    "conversations.info",
    "conversations.list",
    "conversations.history",
    "conversations.members",
    "chat.getPermalink",
    "reactions.get",
    "users.info",
    "users.lookupByEmail",
];

/// How the fake answers a call it is told to fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlackFailure {
    /// HTTP 200 with `{"ok":false,"error":CODE}`.
    Error(String),
    /// This HTTP status with a plain-text body.
    Http(u16),
    /// HTTP 429 with `Retry-After: SECONDS` and `{"ok":false,"error":"ratelimited"}`.
    RateLimited(u64),
}

/// One call the fake received.
#[derive(Debug, Clone)]
pub struct SlackCall {
    /// The Web API method, `chat.postMessage`.
    pub method: String,
    /// The request's headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The arguments: the JSON body, or form fields (or the query) as a JSON object of strings.
    pub body: Value,
    /// The raw body.
    pub raw: String,
    /// The HTTP status answered.
    pub status: u16,
    /// The JSON answered (`Null` for a plain-text failure).
    pub answer: Value,
}

impl SlackCall {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// An argument as a string (a form field, or a JSON string or number).
    pub fn arg(&self, key: &str) -> Option<String> {
        Params(&self.body).str(key)
    }

    /// An argument that is JSON (`blocks`, `view`), given as JSON or as a JSON string.
    pub fn json_arg(&self, key: &str) -> Option<Value> {
        Params(&self.body).json(key)
    }
}

/// One `POST` to a `response_url`.
#[derive(Debug, Clone)]
pub struct ResponseHit {
    /// The path after `/response/`.
    pub id: String,
    /// `Content-Type`.
    pub content_type: String,
    /// The JSON body.
    pub body: Value,
}

#[derive(Default)]
struct Shared {
    workspace: Mutex<Workspace>,
    calls: Mutex<Vec<SlackCall>>,
    failures: Mutex<HashMap<String, VecDeque<SlackFailure>>>,
    responses: Mutex<Vec<ResponseHit>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The fake Slack Web API (stops when dropped).
pub struct FakeSlack {
    address: String,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
}

impl FakeSlack {
    /// Starts the fake on a free loopback port.
    pub async fn start() -> FakeSlack {
        let shared = Arc::new(Shared::default());
        lock(&shared.workspace).tokens.insert(BOT_TOKEN.into());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = format!("http://{}", listener.local_addr().expect("address"));
        let app = axum::Router::new()
            .route("/api/{method}", axum::routing::post(api).get(api))
            .route("/response/{*id}", axum::routing::post(response_url))
            .with_state(shared.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
        });
        FakeSlack {
            address,
            shared,
            stop: Some(stop),
        }
    }

    /// `http://127.0.0.1:PORT/api`, the base URL of the Web API (`slack_sdk` wants a `/` after it).
    pub fn base_url(&self) -> String {
        format!("{}/api", self.address)
    }

    /// A `response_url` for a slash command or an interaction, `http://127.0.0.1:PORT/response/ID`.
    pub fn response_url(&self, id: &str) -> String {
        format!("{}/response/{id}", self.address)
    }

    /// Answers the next `n` calls of `method` with `failure` (after any failures already queued).
    pub fn fail_next(&self, method: &str, n: usize, failure: SlackFailure) {
        let mut f = lock(&self.shared.failures);
        let q = f.entry(method.to_string()).or_default();
        q.extend(std::iter::repeat_n(failure, n));
    }

    /// Answers the next `n` calls of `method` with `429` and `Retry-After: retry_after_secs`.
    pub fn rate_limit(&self, method: &str, n: usize, retry_after_secs: u64) {
        self.fail_next(method, n, SlackFailure::RateLimited(retry_after_secs));
    }

    /// Every call so far, in order.
    pub fn all_calls(&self) -> Vec<SlackCall> {
        lock(&self.shared.calls).clone()
    }

    /// The calls of `method` so far, in order (failed ones included: see [`SlackCall::status`]).
    pub fn calls(&self, method: &str) -> Vec<SlackCall> {
        lock(&self.shared.calls)
            .iter()
            .filter(|c| c.method == method)
            .cloned()
            .collect()
    }

    /// Waits until `method` was called at least `n` times (at most `within`), and returns its calls.
    pub async fn wait_for(&self, method: &str, n: usize, within: Duration) -> Vec<SlackCall> {
        let deadline = Instant::now() + within;
        loop {
            let c = self.calls(method);
            if c.len() >= n || Instant::now() >= deadline {
                return c;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The `POST`s to `response_url`s so far.
    pub fn responses(&self) -> Vec<ResponseHit> {
        lock(&self.shared.responses).clone()
    }

    /// Waits until at least `n` `response_url` `POST`s arrived (at most `within`).
    pub async fn wait_for_responses(&self, n: usize, within: Duration) -> Vec<ResponseHit> {
        let deadline = Instant::now() + within;
        loop {
            let r = self.responses();
            if r.len() >= n || Instant::now() >= deadline {
                return r;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Adds a user that `users.lookupByEmail`, `users.info` and invitations know.
    pub fn add_user(&self, id: &str, email: &str, name: &str) {
        lock(&self.shared.workspace).users.push(FakeUser {
            id: id.into(),
            email: email.into(),
            name: name.into(),
        });
    }

    /// Adds a channel the bot is in (with `members` besides it), and returns its id.
    pub fn add_channel(&self, name: &str, is_private: bool, members: &[&str]) -> String {
        lock(&self.shared.workspace).add_channel(name, is_private, members)
    }

    /// Adds a channel as the bot's `conversations.create` would have made it (a run that
    /// stopped before recording it), and returns its id.
    pub fn add_bot_channel(&self, name: &str, is_private: bool) -> String {
        let mut ws = lock(&self.shared.workspace);
        let id = ws.add_channel(name, is_private, &[]);
        if let Some(c) = ws.channels.iter_mut().find(|c| c.id == id) {
            c.creator = BOT_USER_ID.into();
        }
        id
    }

    /// Posts a message in `channel` as `user` (a person, not the bot), and returns its `ts`.
    pub fn add_message(&self, channel: &str, user: &str, text: &str) -> String {
        lock(&self.shared.workspace).add_message(channel, user, text)
    }

    /// Adds `user`'s reaction `name` (`eyes`) to the message `ts` in `channel`.
    pub fn add_reaction(&self, channel: &str, ts: &str, name: &str, user: &str) {
        let mut ws = lock(&self.shared.workspace);
        let m = ws
            .messages
            .iter_mut()
            .find(|m| m.channel == channel && m.ts == ts)
            .expect("a message to react to");
        match m.reactions.iter_mut().find(|(n, _)| n == name) {
            Some((_, users)) => users.push(user.into()),
            None => m.reactions.push((name.into(), vec![user.into()])),
        }
    }

    /// A channel by name or id.
    pub fn channel(&self, name_or_id: &str) -> Option<FakeChannel> {
        lock(&self.shared.workspace)
            .channels
            .iter()
            .find(|c| c.id == name_or_id || c.name == name_or_id)
            .cloned()
    }

    /// Every channel, in creation order.
    pub fn channels(&self) -> Vec<FakeChannel> {
        lock(&self.shared.workspace).channels.clone()
    }

    /// The messages posted in the channel `id` (ephemeral ones included), in order.
    pub fn messages(&self, id: &str) -> Vec<FakeMessage> {
        lock(&self.shared.workspace)
            .messages
            .iter()
            .filter(|m| m.channel == id)
            .cloned()
            .collect()
    }

    /// The views opened, as last updated.
    pub fn views(&self) -> Vec<Value> {
        lock(&self.shared.workspace).views.clone()
    }

    /// A fresh one-time code for `oauth.v2.access` (what Slack hands the redirect URL).
    pub fn oauth_code(&self) -> String {
        lock(&self.shared.workspace).new_code()
    }

    /// Makes `token` valid (as if another workspace installed the app).
    pub fn add_token(&self, token: &str) {
        lock(&self.shared.workspace).tokens.insert(token.into());
    }

    /// Revokes `token`: calls with it answer `invalid_auth`.
    pub fn revoke_token(&self, token: &str) {
        lock(&self.shared.workspace).tokens.remove(token);
    }
}

impl Drop for FakeSlack {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

/// The arguments of a call: a JSON object body, or form fields from the body or the query.
fn arguments(headers: &HeaderMap, uri: &Uri, raw: &str) -> Value {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type.starts_with("application/json") {
        return serde_json::from_str(raw).unwrap_or(Value::Null);
    }
    let mut fields = Map::new();
    for text in [uri.query().unwrap_or(""), raw] {
        let url = reqwest::Url::parse(&format!("http://x/?{text}")).expect("a query parses");
        for (k, v) in url.query_pairs() {
            fields.insert(k.into_owned(), Value::String(v.into_owned()));
        }
    }
    Value::Object(fields)
}

/// The token of a call: `Authorization: Bearer …`, or a `token` argument.
fn token_of(headers: &HeaderMap, args: &Value) -> Option<String> {
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if let Some(t) = auth.and_then(|a| a.strip_prefix("Bearer ")) {
        return Some(t.trim().to_string());
    }
    Params(args).str("token")
}

/// `client_id` and `client_secret` from HTTP Basic auth (how `slack_sdk` sends them) or the body.
fn client_of(headers: &HeaderMap, args: &Value) -> (Option<String>, Option<String>) {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|a| a.strip_prefix("Basic "))
        .and_then(|b| base64_decode(b.trim()))
        .and_then(|s| {
            s.split_once(':')
                .map(|(i, s)| (i.to_string(), s.to_string()))
        });
    match basic {
        Some((id, secret)) => (Some(id), Some(secret)),
        None => (
            Params(args).str("client_id"),
            Params(args).str("client_secret"),
        ),
    }
}

fn base64_decode(s: &str) -> Option<String> {
    const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let (mut bits, mut n, mut out) = (0u32, 0u32, Vec::new());
    for c in s.bytes().filter(|&c| c != b'=') {
        let v = u32::try_from(ABC.iter().position(|&a| a == c)?).ok()?;
        bits = (bits << 6) | v;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push(u8::try_from((bits >> n) & 0xff).ok()?);
        }
    }
    String::from_utf8(out).ok()
}

fn oauth_access(ws: &mut Workspace, headers: &HeaderMap, args: &Value) -> Value {
    let (id, secret) = client_of(headers, args);
    if id.as_deref() != Some(CLIENT_ID) {
        return json!({"ok": false, "error": "invalid_client_id"});
    }
    if secret.as_deref() != Some(CLIENT_SECRET) {
        return json!({"ok": false, "error": "bad_client_secret"});
    }
    let Some(code) = Params(args).str("code").filter(|c| ws.codes.remove(c)) else {
        return json!({"ok": false, "error": "invalid_code"});
    };
    let token = format!("xoxb-0000000001-{}", code.replace('.', "-"));
    ws.tokens.insert(token.clone());
    json!({"ok": true, "access_token": token, "token_type": "bot",
        "scope": "commands,chat:write,chat:write.public,channels:manage,groups:write,channels:join,pins:write,reactions:read,users:read,users:read.email",
        "bot_user_id": BOT_USER_ID, "app_id": "A0DEBRIEF",
        "team": {"id": TEAM_ID, "name": "Debrief Fake"}, "enterprise": null,
        "is_enterprise_install": false, "authed_user": {"id": "U0INSTALLER"}})
}

async fn api(
    State(shared): State<Arc<Shared>>,
    Path(method): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let raw = String::from_utf8_lossy(&body).into_owned();
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/json"));
    let args = arguments(&headers, &uri, &raw);
    let failure = lock(&shared.failures)
        .get_mut(&method)
        .and_then(VecDeque::pop_front);
    let (status, answer, retry_after) = match failure {
        Some(SlackFailure::Error(code)) => (200, json!({"ok": false, "error": code}), None),
        Some(SlackFailure::Http(status)) => (status, Value::Null, None),
        Some(SlackFailure::RateLimited(secs)) => (
            429,
            json!({"ok": false, "error": "ratelimited"}),
            Some(secs),
        ),
        None => {
            let mut ws = lock(&shared.workspace);
            let answer = if method == "oauth.v2.access" {
                oauth_access(&mut ws, &headers, &args)
            } else {
                match token_of(&headers, &args) {
                    None => json!({"ok": false, "error": "not_authed"}),
                    Some(t) if !ws.tokens.contains(&t) => {
                        json!({"ok": false, "error": "invalid_auth"})
                    }
                    Some(_) if is_json && FORM_ONLY.contains(&method.as_str()) => {
                        json!({"ok": false, "error": "invalid_arguments", "response_metadata":
                            {"messages": ["[ERROR] this method takes form arguments, not JSON"]}})
                    }
                    Some(_) => ws.answer(&method, &Params(&args)),
                }
            };
            (200, answer, None)
        }
    };
    lock(&shared.calls).push(SlackCall {
        method,
        headers: headers
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
            .collect(),
        body: args,
        raw,
        status,
        answer: answer.clone(),
    });
    let code = StatusCode::from_u16(status).expect("a valid status");
    if answer.is_null() {
        return (code, "fake Slack failure").into_response();
    }
    let mut r = (code, axum::Json(answer)).into_response();
    if let Some(secs) = retry_after {
        r.headers_mut().insert(
            header::RETRY_AFTER,
            secs.to_string().parse().expect("a number"),
        );
    }
    r
}

async fn response_url(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    lock(&shared.responses).push(ResponseHit {
        id,
        content_type,
        body,
    });
    // Slack answers a response_url POST with 200 and `ok`.
    (StatusCode::OK, "ok").into_response()
}
