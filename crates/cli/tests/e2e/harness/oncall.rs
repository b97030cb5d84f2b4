//! On call as the tests see it: schedules, policies and rules made through the API, and a
//! receiver that speaks ntfy's publish API (<https://docs.ntfy.sh/publish/>) on loopback,
//! standing in for an ntfy server this machine cannot reach.

use super::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

impl TestApp {
    /// Creates a schedule (as the admin) and returns it.
    pub async fn create_schedule(&self, body: &Value) -> Value {
        let (s, _, v) = self
            .post("/api/v1/schedules", &self.admin_token, body)
            .await;
        assert_eq!(s, StatusCode::CREATED, "create schedule: {v}");
        v
    }

    /// Creates an escalation policy (as the admin) and returns it.
    pub async fn create_policy(&self, body: &Value) -> Value {
        let (s, _, v) = self
            .post("/api/v1/escalation-policies", &self.admin_token, body)
            .await;
        assert_eq!(s, StatusCode::CREATED, "create policy: {v}");
        v
    }

    /// Gives `service` the policy `policy_id`.
    pub async fn set_service_policy(&self, service: &str, policy_id: i64) {
        let (s, _, v) = self
            .request(
                reqwest::Method::PUT,
                &format!("/api/v1/services/{service}/escalation-policy"),
                Some(&self.admin_token),
                Some(&json!({"policy_id": policy_id})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "set the policy of {service}: {v}");
    }

    /// Sets the notification settings of the token's user.
    pub async fn set_notifications(&self, token: &str, body: &Value) -> Value {
        let (s, _, v) = self
            .request(
                reqwest::Method::PUT,
                "/api/v1/users/me/notifications",
                Some(token),
                Some(body),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "set notifications: {v}");
        v
    }

    /// A page with its firings and notifications.
    pub async fn page(&self, id: i64) -> Value {
        let (s, _, v) = self
            .get(&format!("/api/v1/pages/{id}"), &self.admin_token)
            .await;
        assert_eq!(s, StatusCode::OK, "page {id}: {v}");
        v
    }

    /// Every page, newest first.
    pub async fn pages(&self) -> Vec<Value> {
        let (s, _, v) = self.get("/api/v1/pages", &self.admin_token).await;
        assert_eq!(s, StatusCode::OK, "pages: {v}");
        v["items"].as_array().cloned().unwrap_or_default()
    }
}

/// One message the ntfy receiver got.
#[derive(Debug, Clone)]
pub struct NtfyMessage {
    /// The topic (the path).
    pub topic: String,
    /// `Title`.
    pub title: String,
    /// `Priority`.
    pub priority: String,
    /// `Actions`.
    pub actions: String,
    /// `Click`.
    pub click: String,
    /// `Authorization`.
    pub authorization: String,
    /// The message.
    pub body: String,
}

type Messages = Arc<Mutex<Vec<NtfyMessage>>>;

/// An ntfy server's publish endpoint on a loopback port: `POST /{topic}` with the message as
/// the body and its options as headers, answered as ntfy answers (the message as JSON).
pub struct NtfyReceiver {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    messages: Messages,
    stop: Option<oneshot::Sender<()>>,
}

impl NtfyReceiver {
    /// Starts the receiver.
    pub async fn start() -> NtfyReceiver {
        let messages: Messages = Arc::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = format!("http://{}", listener.local_addr().expect("address"));
        let app = axum::Router::new()
            .route("/{topic}", axum::routing::post(publish))
            .with_state(messages.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
        });
        NtfyReceiver {
            address,
            messages,
            stop: Some(stop),
        }
    }

    /// Every message so far.
    pub fn messages(&self) -> Vec<NtfyMessage> {
        self.messages.lock().expect("lock").clone()
    }

    /// Waits until at least `n` messages arrived (at most `within`), and returns them all.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<NtfyMessage> {
        let deadline = Instant::now() + within;
        loop {
            let m = self.messages();
            if m.len() >= n || Instant::now() >= deadline {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

impl Drop for NtfyReceiver {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

async fn publish(
    axum::extract::State(messages): axum::extract::State<Messages>,
    axum::extract::Path(topic): axum::extract::Path<String>,
    headers: axum::http::HeaderMap,
    body: String,
) -> axum::Json<Value> {
    let h = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let m = NtfyMessage {
        topic: topic.clone(),
        title: h("title"),
        priority: h("priority"),
        actions: h("actions"),
        click: h("click"),
        authorization: h("authorization"),
        body: body.clone(),
    };
    let n = {
        let mut all = messages.lock().expect("lock");
        all.push(m.clone());
        all.len()
    };
    axum::Json(json!({
        "id": format!("msg{n}"), "time": 0, "event": "message", "topic": topic,
        "title": m.title, "message": body, "priority": 5,
    }))
}

/// The links in a notification's text, by their label (`Acknowledge: https://…`).
pub fn link(text: &str, label: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{label}: ")))
        .unwrap_or_else(|| panic!("no '{label}:' line in {text}"))
        .trim()
        .to_string()
}
