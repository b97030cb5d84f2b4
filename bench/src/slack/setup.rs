//! The slack suite's world, made through the product as an operator would: the admin signs in
//! (`/login`), installs the app (`/slack/install`, then Slack's redirect back to
//! `/slack/oauth/callback` with a code the fake exchanges for the bot token), declares one
//! incident per connection through the API, and the server's `slack.sync` job gives each its
//! channel through the fake.

use super::fake::FakeSlack;
use super::signed::encode;
use crate::client::{Call, Conn};
use crate::database::{EMAIL, PASSWORD};
use anyhow::{Context, Result, bail};
use bytes::Bytes;
use hyper::header::{CONTENT_TYPE, COOKIE, HeaderMap, HeaderValue, LOCATION, SET_COOKIE};
use hyper::{Method, StatusCode};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long the channels may take to appear.
const CHANNELS_WAIT: Duration = Duration::from_secs(60);

/// What the scenarios use.
pub struct World {
    /// Incident channels, one per connection (worker `w` types in channel `w`).
    pub channels: Vec<String>,
    /// Status commands sent per channel so far: even ones ask for `monitoring`, odd ones for
    /// `identified`, so every command is a change.
    toggles: Vec<AtomicU64>,
}

impl World {
    /// The status worker `worker`'s next command asks for.
    pub fn next_status(&self, worker: usize) -> &'static str {
        let sent = self
            .toggles
            .get(worker)
            .map_or(0, |t| t.fetch_add(1, Ordering::Relaxed));
        if sent.is_multiple_of(2) {
            "monitoring"
        } else {
            "identified"
        }
    }
}

/// The value of cookie `name` among an answer's `Set-Cookie` headers.
fn cookie(headers: &HeaderMap, name: &str) -> Result<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| {
            c.split(';')
                .next()?
                .strip_prefix(name)?
                .strip_prefix('=')
                .map(str::to_string)
        })
        .with_context(|| format!("no {name} cookie in the answer"))
}

fn header(v: &str) -> Result<HeaderValue> {
    HeaderValue::from_str(v).context("a header value")
}

/// Signs in as the bench admin and installs the app through the OAuth flow.
async fn install(addr: SocketAddr) -> Result<()> {
    let mut conn = Conn::open(addr, None).await?;
    let page = conn.expect(&Call::get("/login")).await?;
    let csrf = cookie(&page.headers, "debrief_csrf")?;
    let form = format!(
        "csrf={}&email={}&password={}&next=%2F",
        encode(&csrf),
        encode(EMAIL),
        encode(PASSWORD)
    );
    let signed_in = conn
        .expect(&Call {
            method: Method::POST,
            path: "/login".into(),
            body: Bytes::from(form),
            headers: vec![
                (
                    CONTENT_TYPE,
                    HeaderValue::from_static("application/x-www-form-urlencoded"),
                ),
                (COOKIE, header(&format!("debrief_csrf={csrf}"))?),
            ],
            expect: StatusCode::SEE_OTHER,
            ..Call::default()
        })
        .await
        .context("Signing in as the bench admin failed")?;
    let session = format!(
        "debrief_session={}",
        cookie(&signed_in.headers, "debrief_session")?
    );
    let with_session = |path: String, expect: StatusCode| -> Result<Call> {
        Ok(Call {
            path,
            headers: vec![(COOKIE, header(&session)?)],
            expect,
            ..Call::default()
        })
    };
    let started = conn
        .expect(&with_session("/slack/install".into(), StatusCode::FOUND)?)
        .await
        .context("GET /slack/install failed")?;
    let to_slack = started
        .headers
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .context("/slack/install sent no Location")?;
    let state = to_slack
        .split(['?', '&'])
        .find_map(|kv| kv.strip_prefix("state="))
        .context("/slack/install's Location has no state")?;
    let mut back = with_session(
        format!("/slack/oauth/callback?code=bench-code&state={state}"),
        StatusCode::OK,
    )?;
    back.expect_text = Some("Slack is connected".into());
    conn.expect(&back)
        .await
        .context("The OAuth callback did not install the app")?;
    Ok(())
}

/// Installs the app and makes `incidents` incidents with a channel each.
pub async fn build(
    addr: SocketAddr,
    token: &str,
    fake: &FakeSlack,
    incidents: usize,
) -> Result<World> {
    install(addr).await?;
    let known = fake.used_channels().len();
    let mut conn = Conn::open(addr, Some(token)).await?;
    for n in 0..incidents {
        let body = serde_json::json!({
            "title": format!("Checkout errors above 2% (slack bench {n})"),
            "severity": "SEV2",
            "status": "investigating",
        });
        conn.expect(&Call {
            method: Method::POST,
            path: "/api/v1/incidents".into(),
            body: Bytes::from(body.to_string()),
            expect: StatusCode::CREATED,
            ..Call::default()
        })
        .await
        .context("Declaring an incident failed")?;
    }
    let started = Instant::now();
    loop {
        let channels: Vec<String> = fake.used_channels().into_iter().skip(known).collect();
        if channels.len() >= incidents {
            return Ok(World {
                channels: channels.into_iter().take(incidents).collect(),
                toggles: (0..incidents).map(|_| AtomicU64::new(0)).collect(),
            });
        }
        if started.elapsed() > CHANNELS_WAIT {
            bail!(
                "only {} of {incidents} incident channels were made and used within {CHANNELS_WAIT:?}",
                channels.len()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
