//! Where the job tests' e-mail and webhooks go: a real SMTP server (aiosmtpd, in the Python
//! virtualenv that `scripts/install-test-deps` makes) and a small HTTP receiver that checks
//! signatures the way a webhook consumer would, and can be told to fail.

use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::oneshot;

/// The workspace root (where `scripts/` and `.tools/` are).
pub(super) fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A loopback SMTP server that writes each message it accepts as one JSON line.
pub struct SmtpSink {
    /// Its port on 127.0.0.1.
    pub port: u16,
    out: PathBuf,
    _dir: TempDir,
    _child: Child,
}

/// A temporary directory removed on drop.
pub(super) struct TempDir(pub(super) PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl SmtpSink {
    /// Starts the sink on a free port; with `auth`, it requires AUTH with that user and password.
    /// Fails (never skips) when the virtualenv is missing.
    pub async fn start(auth: Option<(&str, &str)>) -> SmtpSink {
        let python = workspace().join(".tools/venv/bin/python");
        assert!(
            python.exists(),
            "{} is missing: run scripts/install-test-deps (it installs aiosmtpd for the e-mail tests)",
            python.display()
        );
        let dir = std::env::temp_dir().join(super::db::unique_name("debrief_smtp"));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        let out = dir.join("mail.jsonl");
        for _ in 0..5 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
            let mut cmd = Command::new(&python);
            cmd.arg(workspace().join("scripts/smtp_sink.py"))
                .arg(port.to_string())
                .arg(&out)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .kill_on_drop(true);
            if let Some((user, pass)) = auth {
                cmd.args([user, pass]);
            }
            let mut child = cmd.spawn().expect("start the SMTP sink");
            let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
            // It prints one line once it listens; nothing when the port was taken meanwhile.
            if let Ok(Ok(Some(line))) =
                tokio::time::timeout(Duration::from_secs(15), lines.next_line()).await
                && line.contains("smtp sink on")
            {
                return SmtpSink {
                    port,
                    out,
                    _dir: TempDir(dir),
                    _child: child,
                };
            }
            let _ = child.kill().await;
        }
        panic!("the SMTP sink did not start on any of 5 ports");
    }

    /// `smtp://127.0.0.1:PORT`, or with credentials.
    pub fn url(&self, auth: Option<(&str, &str)>) -> String {
        match auth {
            Some((u, p)) => format!("smtp://{u}:{p}@127.0.0.1:{}", self.port),
            None => format!("smtp://127.0.0.1:{}", self.port),
        }
    }

    /// The messages received so far (`mail_from`, `rcpt_tos`, `auth_user`, `headers`, `text`, `raw`).
    pub fn messages(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.out)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect()
    }

    /// Waits until at least `n` messages arrived (at most `within`), and returns them all.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Value> {
        let deadline = Instant::now() + within;
        loop {
            let m = self.messages();
            if m.len() >= n || Instant::now() >= deadline {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A header of a recorded message.
pub fn header<'a>(message: &'a Value, name: &str) -> Option<&'a str> {
    message["headers"].as_array()?.iter().find_map(|h| {
        (h[0].as_str()?.eq_ignore_ascii_case(name))
            .then(|| h[1].as_str())
            .flatten()
    })
}

/// The component changes among Statuspage subscriber webhooks, as (old, new) states, sorted.
pub fn component_moves(hits: &[Hit]) -> Vec<(&str, &str)> {
    let mut moves: Vec<(&str, &str)> = hits
        .iter()
        .filter_map(|h| {
            let u = h.body.get("component_update")?;
            Some((u["old_status"].as_str()?, u["new_status"].as_str()?))
        })
        .collect();
    moves.sort_unstable();
    moves
}

/// One request the webhook receiver got.
#[derive(Debug, Clone)]
pub struct Hit {
    /// The path it was sent to.
    pub path: String,
    /// `X-Debrief-Event`.
    pub event: String,
    /// `X-Debrief-Delivery`.
    pub delivery: String,
    /// Whether `X-Debrief-Signature` is the HMAC of `{timestamp}.{body}` under the secret.
    pub signed: bool,
    /// The status the receiver answered.
    pub answered: u16,
    /// The JSON body.
    pub body: Value,
    /// `User-Agent`.
    pub user_agent: String,
    /// `Content-Type`.
    pub content_type: String,
    /// `Authorization`.
    pub authorization: String,
}

#[derive(Default)]
struct Shared {
    secret: Mutex<String>,
    fail_next: AtomicUsize,
    hits: Mutex<Vec<Hit>>,
}

/// An HTTP server on a loopback port that receives webhooks, checks their signature and
/// answers 500 to the next `fail_next` requests, then 200.
pub struct WebhookReceiver {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
}

impl WebhookReceiver {
    /// Starts the receiver.
    pub async fn start() -> WebhookReceiver {
        let shared = Arc::new(Shared::default());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = format!("http://{}", listener.local_addr().expect("address"));
        let app = axum::Router::new()
            .fallback(axum::routing::post(receive))
            .with_state(shared.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
        });
        WebhookReceiver {
            address,
            shared,
            stop: Some(stop),
        }
    }

    /// The secret signatures are checked with (the one the endpoint was created with).
    pub fn set_secret(&self, secret: &str) {
        *self.shared.secret.lock().expect("lock") = secret.into();
    }

    /// Answers 500 to the next `n` requests.
    pub fn fail_next(&self, n: usize) {
        self.shared.fail_next.store(n, Ordering::SeqCst);
    }

    /// Every request so far.
    pub fn hits(&self) -> Vec<Hit> {
        self.shared.hits.lock().expect("lock").clone()
    }

    /// Waits until `done(hits)` holds (at most `within`), and returns the hits.
    pub async fn wait_until(&self, within: Duration, done: impl Fn(&[Hit]) -> bool) -> Vec<Hit> {
        let deadline = Instant::now() + within;
        loop {
            let h = self.hits();
            if done(&h) || Instant::now() >= deadline {
                return h;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

impl Drop for WebhookReceiver {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

async fn receive(
    axum::extract::State(shared): axum::extract::State<Arc<Shared>>,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
    body: String,
) -> axum::http::StatusCode {
    let h = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let timestamp = h("x-debrief-timestamp");
    let signed = {
        let secret = shared.secret.lock().expect("lock").clone();
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("a key");
        mac.update(format!("{timestamp}.{body}").as_bytes());
        let expected: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        h("x-debrief-signature") == format!("v1={expected}")
    };
    let failing = shared
        .fail_next
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    let status = if failing { 500 } else { 200 };
    shared.hits.lock().expect("lock").push(Hit {
        path: uri.path().to_string(),
        event: h("x-debrief-event"),
        delivery: h("x-debrief-delivery"),
        signed,
        answered: status,
        body: serde_json::from_str(&body).unwrap_or(Value::Null),
        user_agent: h("user-agent"),
        content_type: h("content-type"),
        authorization: h("authorization"),
    });
    axum::http::StatusCode::from_u16(status).expect("a status")
}
