//! A server with Slack set up and installed against the fake Slack, and Slack's requests to it
//! signed by Slack's own `slack_sdk` (`scripts/slack_sender.py`, one process per test, a line
//! per request).

use super::{BOT_TOKEN, BOT_USER_ID, Backend, CLIENT_ID, CLIENT_SECRET, FakeSlack, TEAM_ID};
use super::{TestApp, spawn_app_with};
use debrief_server::ServerConfig;
use debrief_server::outbound::slack::{SlackConfig, TokenKey};
use debrief_store::slack::SlackInstallation;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout};
use tokio::sync::Mutex;

/// The signing secret of the fake app (Slack's documented example secret).
pub const SIGNING_SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";

/// The operator's token key in these tests.
pub fn token_key() -> TokenKey {
    TokenKey::from_bytes([7; 32])
}

/// The Python of the test tools (`scripts/install-test-deps` made it).
pub fn python() -> PathBuf {
    let python = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.tools/venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/install-test-deps",
        python.display()
    );
    python
}

/// A Debrief server whose Slack is `fake`, installed in the fake's workspace.
pub struct SlackApp {
    /// The server.
    pub app: TestApp,
    /// The fake Slack.
    pub fake: FakeSlack,
    sender: Sender,
}

/// One answer of the server to a signed request.
#[derive(Debug, Clone)]
pub struct SlackAnswer {
    /// HTTP status.
    pub status: u16,
    /// The body.
    pub body: String,
}

impl SlackAnswer {
    /// The body as JSON (`Null` when it is not JSON, for example an empty 200).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    /// The text an answer shows (`text` of a JSON answer, else the body).
    pub fn text(&self) -> String {
        match self.json().get("text").and_then(Value::as_str) {
            Some(t) => t.to_string(),
            None => self.body.clone(),
        }
    }
}

struct Sender {
    _child: Child,
    io: Mutex<(ChildStdin, Lines<BufReader<ChildStdout>>)>,
}

/// What a signed request looks like, before it is sent.
#[derive(Debug, Clone, Default)]
pub struct Signed {
    /// `X-Slack-Request-Timestamp` (default: now).
    pub timestamp: Option<i64>,
    /// A signature to send instead of the SDK's.
    pub signature: Option<String>,
    /// A secret to sign with instead of the app's.
    pub secret: Option<String>,
    /// More headers (`X-Slack-Retry-Num`).
    pub headers: Vec<(String, String)>,
}

/// Sets Slack up on a server config: the fake's API, the test secrets and key.
pub fn configure_slack(c: &mut ServerConfig, api_url: String) {
    let mut s = SlackConfig::new(
        CLIENT_ID.into(),
        CLIENT_SECRET.into(),
        SIGNING_SECRET.into(),
        token_key(),
    );
    s.api_url = api_url;
    s.authorize_url = "https://slack.example/oauth/v2/authorize".into();
    c.slack = Some(s);
}

/// Stores the installation of the fake's workspace (as the OAuth callback would), the bot token
/// sealed under [`token_key`].
pub async fn install(app: &TestApp) {
    app.state
        .store
        .put_slack_installation(&SlackInstallation {
            team_id: TEAM_ID.into(),
            team_name: "Fake Workspace".into(),
            bot_user_id: BOT_USER_ID.into(),
            bot_token_sealed: token_key().seal(BOT_TOKEN),
            scope: "commands,chat:write".into(),
            installed_by: app.admin.id,
            installed_at: app.state.clock.now(),
        })
        .await
        .expect("store the installation");
}

impl SlackApp {
    /// Starts the fake, a server configured for it (and `configure`d further), and installs
    /// the app.
    pub async fn start(backend: Backend) -> SlackApp {
        Self::start_with(backend, |_| {}).await
    }

    /// [`SlackApp::start`] with more configuration (`manual_clock`, …).
    pub async fn start_with(
        backend: Backend,
        configure: impl FnOnce(&mut ServerConfig),
    ) -> SlackApp {
        let fake = FakeSlack::start().await;
        let api = fake.base_url();
        let app = spawn_app_with(backend, move |c| {
            configure_slack(c, api);
            configure(c);
        })
        .await;
        install(&app).await;
        let mut child = tokio::process::Command::new(python())
            .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/slack_sender.py"))
            .env("NO_PROXY", "*")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start scripts/slack_sender.py");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout")).lines();
        SlackApp {
            app,
            fake,
            sender: Sender {
                _child: child,
                io: Mutex::new((stdin, stdout)),
            },
        }
    }

    /// Sends `body` to `path` as Slack would, signed by `slack_sdk` (or as `how` says).
    pub async fn send_signed(
        &self,
        path: &str,
        content_type: &str,
        body: &str,
        how: &Signed,
    ) -> SlackAnswer {
        let headers: serde_json::Map<String, Value> = how
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        let request = json!({
            "url": self.app.url(path),
            "content_type": content_type,
            "body": body,
            "timestamp": how.timestamp,
            "signature": how.signature,
            "secret": how.secret.as_deref().unwrap_or(SIGNING_SECRET),
            "headers": headers,
        });
        let mut io = self.sender.io.lock().await;
        let line = format!("{request}\n");
        io.0.write_all(line.as_bytes())
            .await
            .expect("write to the sender");
        io.0.flush().await.expect("flush the sender");
        let answer =
            io.1.next_line()
                .await
                .expect("read the sender")
                .expect("the sender answered");
        let v: Value = serde_json::from_str(&answer).expect("the sender answers JSON");
        let status = v["status"].as_u64().unwrap_or(0) as u16;
        assert_ne!(status, 0, "the sender failed: {}", v["body"]);
        SlackAnswer {
            status,
            body: v["body"].as_str().unwrap_or_default().to_string(),
        }
    }

    /// A slash command `/inc {text}` typed by Slack user `user_id` in channel `channel_id`, with
    /// the form fields Slack sends; `response_url` points at the fake.
    pub fn slash_body(&self, text: &str, user_id: &str, channel_id: &str) -> String {
        let response_url = self.fake.response_url(&format!("cmd-{}", unique()));
        let trigger_id = format!("{}.{}.trigger", unique(), unique());
        let fields = [
            ("token", "gIkuvaNzQIHg97ATvDxqgjtO"),
            ("team_id", TEAM_ID),
            ("team_domain", "fake"),
            ("channel_id", channel_id),
            ("channel_name", "somewhere"),
            ("user_id", user_id),
            ("user_name", "someone"),
            ("command", "/inc"),
            ("text", text),
            ("api_app_id", "A0DEBRIEF"),
            ("is_enterprise_install", "false"),
            ("response_url", &response_url),
            ("trigger_id", &trigger_id),
        ];
        let mut url = reqwest::Url::parse("http://form.invalid/").expect("a URL");
        url.query_pairs_mut().extend_pairs(fields);
        url.query().unwrap_or_default().to_string()
    }

    /// Sends `/inc {text}` as `user_id` in `channel_id`, signed.
    pub async fn slash(&self, text: &str, user_id: &str, channel_id: &str) -> SlackAnswer {
        let body = self.slash_body(text, user_id, channel_id);
        self.send_signed(
            "/slack/commands",
            "application/x-www-form-urlencoded",
            &body,
            &Signed::default(),
        )
        .await
    }

    /// Sends an interactivity payload (`block_actions`, `view_submission`), form-encoded as
    /// `payload=` the way Slack does, signed.
    pub async fn interact(&self, payload: &Value) -> SlackAnswer {
        let mut url = reqwest::Url::parse("http://form.invalid/").expect("a URL");
        url.query_pairs_mut()
            .append_pair("payload", &payload.to_string());
        let body = url.query().unwrap_or_default().to_string();
        self.send_signed(
            "/slack/interactivity",
            "application/x-www-form-urlencoded",
            &body,
            &Signed::default(),
        )
        .await
    }

    /// Sends an Events API envelope, signed; `retry` sets `X-Slack-Retry-Num`.
    pub async fn event(&self, envelope: &Value, retry: Option<u32>) -> SlackAnswer {
        let mut how = Signed::default();
        if let Some(n) = retry {
            how.headers
                .push(("X-Slack-Retry-Num".into(), n.to_string()));
            how.headers
                .push(("X-Slack-Retry-Reason".into(), "http_timeout".into()));
        }
        self.send_signed(
            "/slack/events",
            "application/json",
            &envelope.to_string(),
            &how,
        )
        .await
    }

    /// An `event_callback` envelope around `event`, with event id `event_id`.
    pub fn envelope(&self, event_id: &str, event: Value) -> Value {
        json!({
            "token": "XXYYZZ",
            "team_id": TEAM_ID,
            "api_app_id": "A0DEBRIEF",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": jiff::Timestamp::now().as_second(),
            "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": true}],
        })
    }
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(1);
    N.fetch_add(1, Ordering::Relaxed)
}
