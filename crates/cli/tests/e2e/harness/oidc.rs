//! A real OpenID provider on loopback: panva's certified `oidc-provider` (npm, pinned by
//! `scripts/oidc/package-lock.json`, installed into `.tools/oidc` by `scripts/install-test-deps`),
//! run by `scripts/oidc/provider.mjs` with one client (allowed to come back to `/login` after
//! signing out there) and the accounts a test gives. The Node
//! process is killed when the provider is dropped.

use super::sinks::{TempDir, workspace};
use serde_json::Value;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The client id the provider knows Debrief by.
pub const OIDC_CLIENT_ID: &str = "debrief-e2e";
/// That client's secret.
pub const OIDC_CLIENT_SECRET: &str = "e2e-client-secret-not-for-production";

/// A running provider.
pub struct OidcProvider {
    /// Its issuer, `http://127.0.0.1:PORT`.
    pub issuer: String,
    _dir: TempDir,
    _child: Child,
}

impl OidcProvider {
    /// Starts the provider with a client whose redirect URI is `redirect_uri` and `accounts`
    /// (login → claims). Fails (never skips) when the npm package is not installed.
    pub async fn start(redirect_uri: &str, accounts: &Value) -> OidcProvider {
        Self::launch(redirect_uri, accounts, false).await
    }

    /// [`OidcProvider::start`], but the provider gives the accounts' claims only at its
    /// UserInfo endpoint: the ID token carries none of them.
    pub async fn start_with_claims_in_userinfo(
        redirect_uri: &str,
        accounts: &Value,
    ) -> OidcProvider {
        Self::launch(redirect_uri, accounts, true).await
    }

    async fn launch(redirect_uri: &str, accounts: &Value, userinfo_only: bool) -> OidcProvider {
        let modules = workspace().join(".tools/oidc/node_modules");
        assert!(
            modules.join("oidc-provider/package.json").exists(),
            "{} is missing: run scripts/install-test-deps (it installs oidc-provider with npm)",
            modules.display()
        );
        let dir = std::env::temp_dir().join(super::db::unique_name("debrief_oidc"));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        let file = dir.join("accounts.json");
        std::fs::write(&file, accounts.to_string()).expect("write the accounts");
        for _ in 0..5 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
            let mut child = Command::new("node")
                .arg(workspace().join("scripts/oidc/provider.mjs"))
                .args([
                    &port.to_string(),
                    OIDC_CLIENT_ID,
                    OIDC_CLIENT_SECRET,
                    redirect_uri,
                ])
                .arg(&file)
                .env("OIDC_PROVIDER_MODULES", &modules)
                .env(
                    "OIDC_CLAIMS_IN_USERINFO",
                    if userinfo_only { "1" } else { "0" },
                )
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .kill_on_drop(true)
                .spawn()
                .expect("start node (Node.js is needed for the OpenID provider)");
            let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
            // One line once it listens; nothing when the port was taken meanwhile.
            if let Ok(Ok(Some(line))) =
                tokio::time::timeout(Duration::from_secs(20), lines.next_line()).await
                && let Some(issuer) = line.strip_prefix("ready ")
            {
                // Keep reading its stdout so the process never blocks on a full pipe.
                tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
                return OidcProvider {
                    issuer: issuer.trim().to_string(),
                    _dir: TempDir(dir),
                    _child: child,
                };
            }
            let _ = child.kill().await;
        }
        panic!("the OpenID provider did not start on any of 5 ports");
    }
}
