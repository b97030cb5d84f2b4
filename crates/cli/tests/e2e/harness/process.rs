//! The real `debrief` binary: admin commands run to completion, and `debrief serve` as a child
//! process that can be killed like a crash would.

use super::http_client;
use super::tls::TestCert;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

/// The `debrief` binary with quiet logs (or the test's stderr with `TEST_LOG=1`).
pub fn debrief() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_debrief"));
    for var in [
        "DEBRIEF_DATABASE_URL",
        "DEBRIEF_SERVER",
        "DEBRIEF_TOKEN",
        "DEBRIEF_LISTEN",
        "DEBRIEF_PUBLIC_URL",
        "DEBRIEF_SMTP_URL",
        "DEBRIEF_SMTP_FROM",
        "DEBRIEF_SIGN_INS_PER_MINUTE_PER_ADDRESS",
        "DEBRIEF_ALLOW_PRIVATE_DESTINATIONS",
        "DEBRIEF_ALLOW_DESTINATIONS",
        "DEBRIEF_TLS_CERT",
        "DEBRIEF_TLS_KEY",
        "DEBRIEF_SLACK_CLIENT_ID",
        "DEBRIEF_SLACK_CLIENT_SECRET",
        "DEBRIEF_SLACK_SIGNING_SECRET",
        "DEBRIEF_SLACK_ENCRYPTION_KEY",
        "DEBRIEF_SLACK_API_URL",
        "DEBRIEF_SLACK_AUTHORIZE_URL",
    ] {
        c.env_remove(var);
    }
    c.env("DEBRIEF_LOG", "warn")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    if std::env::var_os("TEST_LOG").is_none() {
        c.stderr(Stdio::null());
    }
    c
}

/// Runs a `debrief` command to completion and returns its stdout; fails the test if it fails.
pub async fn run_ok(args: &[&str]) -> String {
    let out = debrief()
        .args(args)
        .stderr(Stdio::piped())
        .output()
        .await
        .expect("run debrief");
    assert!(
        out.status.success(),
        "debrief {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// Creates an admin and an admin token with the binary's own commands; returns the token.
pub async fn prepare_admin(database: &str) -> String {
    run_ok(&[
        "user",
        "create",
        "--database",
        database,
        "--email",
        "ops@example.com",
        "--name",
        "Ops",
        "--role",
        "admin",
        "--password",
        "correct horse battery",
    ])
    .await;
    let token = run_ok(&[
        "token",
        "create",
        "--database",
        database,
        "--email",
        "ops@example.com",
        "--scope",
        "admin",
    ])
    .await;
    token.trim().to_string()
}

/// A `debrief serve` process.
pub struct ServerProcess {
    child: Child,
    /// `http://127.0.0.1:PORT` (`https://` when started with [`ServerProcess::start_tls`]).
    pub address: String,
}

impl ServerProcess {
    /// Starts `debrief serve` on a free port and waits until it answers `/healthz`. A port taken
    /// between choosing and binding it makes the server exit; then another port is tried.
    pub async fn start(database: &str) -> ServerProcess {
        Self::start_with(database, &[]).await
    }

    /// [`ServerProcess::start`] with more `debrief serve` arguments (e.g. `--smtp-url`). Like
    /// every test server, it may send webhooks to private addresses
    /// (`--allow-private-destinations`): the tests' receivers listen on loopback.
    pub async fn start_with(database: &str, extra: &[&str]) -> ServerProcess {
        let mut args = vec!["--allow-private-destinations"];
        args.extend_from_slice(extra);
        Self::start_exactly(database, &args).await
    }

    /// `debrief serve` with exactly these arguments besides the database and the address (the
    /// server's own destination policy: private addresses refused unless `extra` allows them).
    pub async fn start_exactly(database: &str, extra: &[&str]) -> ServerProcess {
        Self::launch(database, extra, "http", &http_client()).await
    }

    /// `debrief serve` over HTTPS with `cert` (`--tls-cert`, `--tls-key`), like
    /// [`ServerProcess::start`] otherwise; `address` is `https://127.0.0.1:PORT`.
    pub async fn start_tls(database: &str, cert: &TestCert) -> ServerProcess {
        let (c, k) = (
            cert.cert.display().to_string(),
            cert.key.display().to_string(),
        );
        let args = [
            "--allow-private-destinations",
            "--tls-cert",
            c.as_str(),
            "--tls-key",
            k.as_str(),
        ];
        Self::launch(database, &args, "https", &cert.client()).await
    }

    /// Starts `debrief serve` and waits until `client` gets a 200 from
    /// `{scheme}://127.0.0.1:PORT/healthz`.
    async fn launch(
        database: &str,
        extra: &[&str],
        scheme: &str,
        client: &reqwest::Client,
    ) -> ServerProcess {
        for _ in 0..5 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .expect("bind")
                .local_addr()
                .expect("addr")
                .port();
            let listen = format!("127.0.0.1:{port}");
            let mut child = debrief()
                .args(["serve", "--database", database, "--listen", &listen])
                .args(extra)
                .spawn()
                .expect("start debrief serve");
            let address = format!("{scheme}://{listen}");
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                if let Some(status) = child.try_wait().expect("poll the server") {
                    eprintln!(
                        "debrief serve exited with {status} on port {port}; trying another port"
                    );
                    break;
                }
                let answer = client.get(format!("{address}/healthz")).send().await;
                if answer.as_ref().is_ok_and(|r| r.status() == 200) {
                    return ServerProcess { child, address };
                }
                assert!(
                    Instant::now() < deadline,
                    "debrief serve did not answer within 30 s; last: {answer:?}"
                );
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
        }
        panic!("debrief serve could not start on any of 5 ports");
    }

    /// The process id (to read `/proc/<pid>/status`).
    pub fn pid(&self) -> u32 {
        self.child.id().expect("a running server")
    }

    /// Stops the process with SIGTERM, as an operator would, and waits for it to exit: it
    /// finishes the jobs it is running first.
    pub async fn stop(mut self) {
        let pid = self.pid().to_string();
        let sent = tokio::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .await
            .expect("run kill");
        assert!(sent.success(), "SIGTERM to the server");
        let status = tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .expect("the server stops within 30 s of SIGTERM")
            .expect("reap the server");
        assert!(status.success(), "debrief serve exited with {status}");
    }

    /// Kills the process with SIGKILL (what `kill -9` sends) and reaps it.
    pub async fn kill_9(mut self) {
        self.child.kill().await.expect("SIGKILL the server");
    }
}
