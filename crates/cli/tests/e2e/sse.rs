//! A small client for the server-sent-event streams (`/api/v1/stream`,
//! `/api/v1/incidents/{reference}/stream`).
//!
//! A stream is subscribed once the server has answered its headers, so what is written after
//! [`EventStream::open`] returns reaches it. Reading is bounded by deadlines: a message that does
//! not come fails the test instead of hanging it.

use crate::harness::TestApp;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// One server-sent event.
#[derive(Debug, Clone)]
pub struct Message {
    /// The `event:` field (`timeline`, `reload`).
    pub event: String,
    /// The `data:` field, parsed as JSON.
    pub data: Value,
}

/// An open stream and every message read from it so far.
pub struct EventStream {
    res: reqwest::Response,
    buf: String,
    /// Messages read so far, in order.
    pub messages: Vec<Message>,
}

impl EventStream {
    /// Opens a stream as the holder of `token`; fails the test unless it is a 200 event stream.
    pub async fn open(app: &TestApp, path: &str, token: &str) -> EventStream {
        Self::reconnect(app, path, token, None).await
    }

    /// Opens a stream as a client reconnecting after the event `last_event_id` would.
    pub async fn reconnect(
        app: &TestApp,
        path: &str,
        token: &str,
        last_event_id: Option<&Value>,
    ) -> EventStream {
        let mut req = app.client.get(app.url(path)).bearer_auth(token);
        if let Some(id) = last_event_id {
            req = req.header("last-event-id", id.to_string());
        }
        Self::of(req.send().await.expect("open the stream"), path)
    }

    /// The stream a sent request answered (any server, any credential); fails the test unless
    /// it is a 200 event stream.
    pub fn of(res: reqwest::Response, path: &str) -> EventStream {
        assert_eq!(res.status(), 200, "opening {path}");
        let content_type = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(
            content_type.starts_with("text/event-stream"),
            "{path}: {content_type}"
        );
        EventStream {
            res,
            buf: String::new(),
            messages: Vec::new(),
        }
    }

    /// Reads until a message matches `wanted`; `false` if none has come within `within`.
    pub async fn wait_for(&mut self, within: Duration, wanted: impl Fn(&Message) -> bool) -> bool {
        let deadline = Instant::now() + within;
        let mut checked = 0;
        loop {
            if self.messages[checked..].iter().any(&wanted) {
                return true;
            }
            checked = self.messages.len();
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            match tokio::time::timeout(left, self.res.chunk()).await {
                Ok(Ok(Some(bytes))) => {
                    self.buf.push_str(&String::from_utf8_lossy(&bytes));
                    self.parse();
                }
                Ok(Ok(None)) => panic!("the stream ended; read so far: {:?}", self.messages),
                Ok(Err(e)) => panic!("the stream failed: {e}"),
                Err(_) => return false,
            }
        }
    }

    /// Reads until the server ends the stream: `true` once it has, `false` if it is still
    /// open after `within` (a failure for the caller, never a pause).
    pub async fn ends(&mut self, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.res.chunk()).await {
                Ok(Ok(Some(bytes))) => {
                    self.buf.push_str(&String::from_utf8_lossy(&bytes));
                    self.parse();
                }
                Ok(Ok(None)) => return true,
                Ok(Err(e)) => panic!("the stream failed instead of ending: {e}"),
                Err(_) => return false,
            }
        }
    }

    /// Reads until the timeline event with this id has come; fails the test after 10 s.
    pub async fn expect_event(&mut self, id: &Value) {
        let found = self
            .wait_for(Duration::from_secs(10), |m| {
                m.event == "timeline" && m.data["id"] == *id
            })
            .await;
        assert!(
            found,
            "timeline event {id} did not arrive; read: {:?}",
            self.messages
        );
    }

    /// The timeline events read so far.
    pub fn timeline(&self) -> Vec<&Value> {
        self.messages
            .iter()
            .filter(|m| m.event == "timeline")
            .map(|m| &m.data)
            .collect()
    }

    fn parse(&mut self) {
        while let Some(end) = self.buf.find("\n\n") {
            let block: String = self.buf.drain(..end + 2).collect();
            let mut event = String::from("message");
            let mut data = Vec::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    event = v.trim().to_string();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push(v.strip_prefix(' ').unwrap_or(v).to_string());
                }
            }
            if data.is_empty() {
                continue; // a keep-alive comment
            }
            let data = data.join("\n");
            let data = serde_json::from_str(&data).unwrap_or(Value::String(data));
            self.messages.push(Message { event, data });
        }
    }
}

/// Waits until live events flow: on PostgreSQL they travel through `LISTEN`/`NOTIFY`, whose
/// listener starts beside the server. Adds notes to `reference` until one reaches a stream
/// (bounded: 20 tries of 500 ms).
pub async fn wait_until_live(app: &TestApp, reference: &str) {
    let mut stream = EventStream::open(app, "/api/v1/stream", &app.admin_token).await;
    for attempt in 0..20 {
        let body = json!({"kind": "note", "body": format!("is this live? #{attempt}")});
        let event = app.add_event(&app.admin_token, reference, &body).await;
        let id = event["id"].clone();
        if stream
            .wait_for(Duration::from_millis(500), |m| m.data["id"] == id)
            .await
        {
            return;
        }
    }
    panic!("no live event arrived after 20 tries");
}
