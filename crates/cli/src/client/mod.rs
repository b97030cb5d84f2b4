//! Client commands: they call a running server's `/api/v1` with an API token.

pub mod action_item;
pub mod alert;
pub mod incident;
pub mod integration;
pub mod maintenance;
pub mod oncall;
pub mod output;
pub mod page;
pub mod postmortem;
pub mod schedule;
pub mod status;
pub mod timeline;

use anyhow::{Context, bail};
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// Where the server is and how to authenticate; shared by every client command.
#[derive(clap::Args, Clone)]
pub struct ClientArgs {
    /// The server's URL.
    #[arg(
        long,
        env = "DEBRIEF_SERVER",
        default_value = "http://127.0.0.1:8080",
        global = true
    )]
    pub server: String,
    /// An API token (create one with 'debrief token create').
    #[arg(long, env = "DEBRIEF_TOKEN", hide_env_values = true, global = true)]
    pub token: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long, global = true)]
    pub json: bool,
}

/// A small API client.
pub struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    /// Builds a client, failing with advice when no token is configured.
    pub fn new(args: &ClientArgs) -> anyhow::Result<Self> {
        let token = args.token.clone().filter(|t| !t.trim().is_empty()).context(
            "no API token: pass --token or set DEBRIEF_TOKEN (create one with 'debrief token create --email you@example.com')",
        )?;
        Ok(Self {
            http: reqwest::Client::builder()
                .user_agent(concat!("debrief-cli/", env!("CARGO_PKG_VERSION")))
                .build()?,
            base: args.server.trim_end_matches('/').to_string(),
            token,
        })
    }

    /// Sends a request and returns the JSON answer, or an error made from the problem document.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<Value> {
        let (status, text) = self.send(method, path, body).await?;
        if status == StatusCode::NO_CONTENT || text.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(&text).context("the server answered with something that is not JSON")
    }

    /// Sends a `GET` and returns the answer as text (an export), or an error made from the
    /// problem document.
    pub async fn get_text(&self, path: &str) -> anyhow::Result<String> {
        Ok(self.send(Method::GET, path, None).await?.1)
    }

    /// Sends a request; a success answers its status and body, a failure is an error made from
    /// the problem document.
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<(StatusCode, String)> {
        let url = format!("{}/api/v1{path}", self.base);
        let mut req = self
            .http
            .request(method, &url)
            .bearer_auth(&self.token)
            .header("x-debrief-client", "cli");
        if let Some(b) = body {
            req = req.json(b);
        }
        let res = req.send().await.with_context(|| {
            format!("could not reach the server at {} (is 'debrief serve' running? set --server or DEBRIEF_SERVER)", self.base)
        })?;
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        if status.is_success() {
            return Ok((status, text));
        }
        let problem: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let detail = problem["detail"].as_str().unwrap_or(text.as_str());
        let mut msg = format!(
            "{} {}: {detail}",
            status.as_u16(),
            status.canonical_reason().unwrap_or("")
        );
        if let Some(errors) = problem["errors"].as_array() {
            for e in errors {
                msg.push_str(&format!(
                    "\n  - {}: {}",
                    e["field"].as_str().unwrap_or("?"),
                    e["message"].as_str().unwrap_or("")
                ));
            }
        }
        if status == StatusCode::UNAUTHORIZED {
            msg.push_str("\nCheck --token / DEBRIEF_TOKEN.");
        }
        bail!(msg)
    }
}
