//! A tiny fake of Slack's Web API on loopback, in this process (on a thread and runtime of its
//! own, so it does not share the load generator's): what `debrief serve --slack-api-url` calls.
//!
//! It answers every method `{"ok": true, …}` with the fields Debrief reads: `oauth.v2.access`
//! the bot token of the bench workspace, `users.info` a person whose e-mail address is the
//! bench admin's (so the Slack user maps to that Debrief user), `conversations.create` a new
//! channel id each time, and every other method (`chat.postMessage`, `chat.update`,
//! `conversations.invite`, `chat.getPermalink`, `reactions.get`, …) one answer carrying a
//! message, a `ts` and a permalink. It remembers which channels it made and which of them a
//! later call named (the sign that Debrief recorded the channel and went on to post in it).

use crate::database::EMAIL;
use anyhow::{Context, Result};
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::post;
use bytes::Bytes;
use serde_json::{Value, json};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// The bench workspace.
pub const TEAM_ID: &str = "TBENCH0001";
/// The Slack user who types the commands and adds the reactions.
pub const USER_ID: &str = "UBENCH0001";
const BOT_USER_ID: &str = "UBENCHBOT1";
const BOT_TOKEN: &str = "xoxb-bench-not-a-real-token";

/// What the fake has seen.
#[derive(Default)]
struct Seen {
    /// Channels made, with whether a later call named them.
    channels: Mutex<Vec<(String, bool)>>,
    /// Calls answered.
    calls: AtomicU64,
}

/// The running fake (it lives as long as this process).
pub struct FakeSlack {
    /// Where it listens.
    pub addr: SocketAddr,
    seen: Arc<Seen>,
}

impl FakeSlack {
    /// Starts the fake on a free loopback port.
    pub fn start() -> Result<Self> {
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .context("Failed to listen for the fake Slack")?;
        listener
            .set_nonblocking(true)
            .context("Failed to set up the fake Slack's socket")?;
        let addr = listener.local_addr().context("the fake Slack's address")?;
        let seen = Arc::new(Seen::default());
        let app = Router::new()
            .route("/{method}", post(answer))
            .with_state(seen.clone());
        std::thread::Builder::new()
            .name("fake-slack".into())
            .spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async move {
                    if let Ok(l) = tokio::net::TcpListener::from_std(listener) {
                        let _ = axum::serve(l, app).await;
                    }
                });
            })
            .context("Failed to start the fake Slack's thread")?;
        Ok(Self { addr, seen })
    }

    /// The base URL Debrief gets as `--slack-api-url`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The channels made so far that a later call named.
    pub fn used_channels(&self) -> Vec<String> {
        let channels = self.seen.channels.lock().unwrap_or_else(|e| e.into_inner());
        channels
            .iter()
            .filter(|(_, used)| *used)
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// Calls answered so far.
    pub fn calls(&self) -> u64 {
        self.seen.calls.load(Ordering::Relaxed)
    }
}

async fn answer(
    State(seen): State<Arc<Seen>>,
    Path(method): Path<String>,
    body: Bytes,
) -> axum::Json<Value> {
    seen.calls.fetch_add(1, Ordering::Relaxed);
    let text = String::from_utf8_lossy(&body);
    let mut channels = seen.channels.lock().unwrap_or_else(|e| e.into_inner());
    for (id, used) in channels.iter_mut() {
        if !*used && text.contains(id.as_str()) {
            *used = true;
        }
    }
    let v: Value = match method.as_str() {
        "oauth.v2.access" => json!({
            "ok": true, "access_token": BOT_TOKEN, "token_type": "bot",
            "scope": "commands,chat:write,channels:manage,users:read,users:read.email",
            "bot_user_id": BOT_USER_ID, "app_id": "ABENCH0001",
            "team": {"id": TEAM_ID, "name": "Bench Workspace"},
        }),
        "users.info" => json!({
            "ok": true,
            "user": {"id": USER_ID, "team_id": TEAM_ID, "name": "bench", "real_name": "Bench Admin",
                     "is_bot": false, "deleted": false,
                     "profile": {"email": EMAIL, "real_name": "Bench Admin", "display_name": "bench"}},
        }),
        "conversations.create" => {
            let id = format!("CBENCH{:04}", channels.len() + 1);
            channels.push((id.clone(), false));
            let name = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|b| b["name"].as_str().map(str::to_string))
                .unwrap_or_else(|| id.to_lowercase());
            json!({"ok": true, "channel": {"id": id, "name": name, "is_private": false}})
        }
        _ => {
            let message = json!({"type": "message", "ts": "1765100000.000100", "user": USER_ID,
                                 "text": "Rolled back the canary; errors are back under 0.1%."});
            json!({
                "ok": true, "ts": "1765100000.000100", "channel": "CBENCH0001",
                "message": message, "messages": [message], "type": "message",
                "permalink": "https://bench.slack.example/archives/CBENCH0001/p1765100000000100",
                "channels": [], "members": [], "response_metadata": {"next_cursor": ""},
            })
        }
    };
    axum::Json(v)
}
