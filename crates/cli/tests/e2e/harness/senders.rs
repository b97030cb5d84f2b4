//! Real alert senders on loopback: Prometheus Alertmanager (Debian's `prometheus-alertmanager`)
//! as a child process with its HA cluster off, and PagerDuty's Python clients (`pdpyras`,
//! `pagerduty`) driven through `scripts/pd_events.py`. Both are installed by
//! `scripts/install-test-deps`; a test fails, never skips, when they are missing.

use super::http_client;
use super::sinks::{TempDir, workspace};
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// Where Debian installs Alertmanager.
const ALERTMANAGER: &str = "/usr/bin/prometheus-alertmanager";

/// A running Alertmanager on `127.0.0.1`, with a fresh storage directory (notification log,
/// silences) and no cluster listener.
pub struct Alertmanager {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    child: Option<Child>,
    log: std::path::PathBuf,
    _dir: TempDir,
}

impl Alertmanager {
    /// Starts Alertmanager with the configuration `config` (YAML) and waits until `/-/ready`
    /// answers 200. A port taken between choosing and binding it makes Alertmanager exit; then
    /// another port is tried. Fails with Alertmanager's log when it does not start.
    pub async fn start(config: &str) -> Alertmanager {
        assert!(
            std::path::Path::new(ALERTMANAGER).exists(),
            "{ALERTMANAGER} is missing: run scripts/install-test-deps (Debian prometheus-alertmanager)"
        );
        let dir = std::env::temp_dir().join(super::db::unique_name("debrief_alertmanager"));
        std::fs::create_dir_all(dir.join("data")).expect("a temporary directory");
        let file = dir.join("alertmanager.yml");
        std::fs::write(&file, config).expect("write the configuration");
        let log = dir.join("alertmanager.log");
        let client = http_client();
        for _ in 0..5 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
            let address = format!("http://127.0.0.1:{port}");
            let out = std::fs::File::create(&log).expect("the log file");
            let mut child = Command::new(ALERTMANAGER)
                .arg(format!("--config.file={}", file.display()))
                .arg(format!("--storage.path={}", dir.join("data").display()))
                .arg(format!("--web.listen-address=127.0.0.1:{port}"))
                .arg(format!("--web.external-url={address}"))
                // Empty: no HA gossip listener (it would listen on 0.0.0.0:9094).
                .arg("--cluster.listen-address=")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(out)
                .kill_on_drop(true)
                .spawn()
                .expect("start Alertmanager");
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                if let Some(status) = child.try_wait().expect("poll Alertmanager") {
                    eprintln!(
                        "Alertmanager exited with {status} on port {port}; trying another port. Its log:\n{}",
                        std::fs::read_to_string(&log).unwrap_or_default()
                    );
                    break;
                }
                let ready = client
                    .get(format!("{address}/-/ready"))
                    .send()
                    .await
                    .is_ok_and(|r| r.status() == 200);
                if ready {
                    return Alertmanager {
                        address,
                        child: Some(child),
                        log,
                        _dir: TempDir(dir),
                    };
                }
                assert!(
                    Instant::now() < deadline,
                    "Alertmanager was not ready within 30 s; its log:\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
        }
        panic!("Alertmanager could not start on any of 5 ports");
    }

    /// Posts alerts to Alertmanager's API v2 (`POST /api/v2/alerts`), as Prometheus does.
    pub async fn post_alerts(&self, alerts: &Value) {
        let res = http_client()
            .post(format!("{}/api/v2/alerts", self.address))
            .json(alerts)
            .send()
            .await
            .expect("Alertmanager answers");
        let status = res.status();
        let body = res.text().await.unwrap_or_default();
        assert_eq!(status, 200, "Alertmanager refused {alerts}: {body}");
    }

    /// What Alertmanager logged so far (it logs failed notifications).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Stops Alertmanager (SIGKILL: its state is thrown away with its directory) and reaps it.
    pub async fn stop(mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().await.expect("stop Alertmanager");
        }
    }
}

/// PagerDuty's Python clients, kept in one process: `pdpyras` 5.4.1 (`EventsAPISession`) and
/// `pagerduty` 7.2.0 (`EventsApiV2Client`), both pointed at the server over plain HTTP, or over
/// HTTPS trusting the server's certificate ([`PdClients::start_tls`]).
pub struct PdClients {
    child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
}

/// What a client method did: its return value, or the error it raised.
#[derive(Debug, Clone)]
pub enum PdResult {
    /// The method returned (for triggers, acknowledgements and resolutions: the dedup key).
    Ok(Value),
    /// The method raised.
    Err {
        /// The exception's class (`PDHTTPError`, `HttpError`, …).
        error: String,
        /// Its message.
        message: String,
        /// The HTTP status of the answer, when there was one.
        status: Option<u16>,
        /// The answer's body, when there was one.
        body: Option<String>,
    },
}

impl PdResult {
    /// The returned value; fails the test when the method raised.
    pub fn ok(self) -> Value {
        match self {
            PdResult::Ok(v) => v,
            PdResult::Err {
                error,
                message,
                status,
                body,
            } => panic!("the client raised {error}: {message} (HTTP {status:?}, body {body:?})"),
        }
    }

    /// The returned dedup key; fails the test when the method raised or returned no string.
    pub fn key(self) -> String {
        let v = self.ok();
        v.as_str()
            .unwrap_or_else(|| panic!("a dedup key, got {v}"))
            .to_string()
    }
}

impl PdClients {
    /// Starts the clients for a server at `base` (`http://127.0.0.1:PORT`).
    pub async fn start(base: &str) -> PdClients {
        Self::launch(&[base]).await
    }

    /// Starts the clients for a server at `base` (`https://127.0.0.1:PORT`) whose certificate
    /// is `ca` (PEM): `pagerduty` is built the supported way, `base_url=` and `verify=` an SSL
    /// context trusting `ca`.
    pub async fn start_tls(base: &str, ca: &Path) -> PdClients {
        Self::launch(&[base, &ca.display().to_string()]).await
    }

    async fn launch(args: &[&str]) -> PdClients {
        let python = workspace().join(".tools/venv/bin/python");
        assert!(
            python.exists(),
            "{} is missing: run scripts/install-test-deps (it installs pdpyras and pagerduty)",
            python.display()
        );
        let mut child = Command::new(&python)
            .arg(workspace().join("scripts/pd_events.py"))
            .args(args)
            .env("NO_PROXY", "*")
            .env("PYTHONWARNINGS", "ignore")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("start scripts/pd_events.py");
        let stdin = child.stdin.take().expect("stdin");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let first = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("the PagerDuty clients start within 30 s")
            .expect("read the clients' output");
        assert_eq!(
            first.as_deref(),
            Some(r#"{"ready": true}"#),
            "the PagerDuty clients did not start (are pdpyras and pagerduty installed?)"
        );
        PdClients {
            child,
            stdin,
            lines,
        }
    }

    /// Calls `method` of the `client` (`"pdpyras"` or `"pagerduty"`) whose routing key is
    /// `key`, with positional `args` and keyword `kwargs`.
    pub async fn call(
        &mut self,
        client: &str,
        key: &str,
        method: &str,
        args: Value,
        kwargs: Value,
    ) -> PdResult {
        let cmd =
            json!({"client": client, "key": key, "method": method, "args": args, "kwargs": kwargs});
        self.stdin
            .write_all(format!("{cmd}\n").as_bytes())
            .await
            .expect("send a command to the clients");
        self.stdin.flush().await.expect("flush");
        let line = tokio::time::timeout(Duration::from_secs(60), self.lines.next_line())
            .await
            .unwrap_or_else(|_| panic!("{cmd} did not finish within 60 s"))
            .expect("read the clients' answer")
            .unwrap_or_else(|| panic!("the clients exited on {cmd}"));
        let a: Value = serde_json::from_str(&line).expect("a JSON line");
        if a["ok"] == true {
            PdResult::Ok(a["result"].clone())
        } else {
            PdResult::Err {
                error: a["error"].as_str().unwrap_or_default().into(),
                message: a["message"].as_str().unwrap_or_default().into(),
                status: a["status"].as_u64().and_then(|s| u16::try_from(s).ok()),
                body: a["body"].as_str().map(str::to_string),
            }
        }
    }

    /// Stops the clients (closing their input ends the script) and reaps the process.
    pub async fn stop(mut self) {
        drop(self.stdin);
        if tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}

/// Runs the `pagerduty` command line of `pagerduty` 7.2.0 (installed in `.tools/venv` by
/// `scripts/install-test-deps`) with `args`, trusting the certificate `ca` (PEM) through
/// `SSL_CERT_FILE`, as its users would; returns what it did.
pub async fn pagerduty_cli(ca: &Path, args: &[&str]) -> Output {
    let cli = workspace().join(".tools/venv/bin/pagerduty");
    assert!(
        cli.exists(),
        "{} is missing: run scripts/install-test-deps (it installs pagerduty 7.2.0)",
        cli.display()
    );
    let run = Command::new(&cli)
        .args(args)
        .env("SSL_CERT_FILE", ca)
        .env("NO_PROXY", "*")
        .env("PYTHONWARNINGS", "ignore")
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .unwrap_or_else(|_| panic!("pagerduty {args:?} did not finish within 60 s"))
        .expect("run the pagerduty command line")
}
