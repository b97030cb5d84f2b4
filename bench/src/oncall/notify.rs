//! Notifications per second: 50 users whose one rule is a webhook at 0 minutes pointing at the
//! baseline process's receiver, one policy whose one level targets all 50, and 40 pages opened
//! at once: 2,000 notifications. Timed from the first page's opening until the receiver has
//! counted all 2,000; the baseline is the same 2,000 POSTs, the same size, sent straight to the
//! receiver from this process at the job runner's concurrency.

use super::setup::{self, id, post_many};
use crate::client::{Call, Conn};
use crate::load::{self, Plan, Target};
use crate::process::{Server, cpu_ms};
use crate::stats::RunFigures;
use anyhow::{Context, Result, bail};
use bytes::Bytes;
use hyper::{Method, StatusCode};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

/// Users paged by every page.
pub const USERS: usize = 50;
/// Pages opened at once.
pub const PAGES: usize = 40;
/// The job runner's batch: how many jobs it runs at once (`JobsConfig::batch`, 32).
pub const RUNNER_CONCURRENCY: usize = 32;
/// How long the receiver may take to count every notification before the run fails.
const LIMIT: Duration = Duration::from_secs(120);

/// What the notification run measured.
#[derive(Debug, Clone, Default)]
pub struct NotifyFigures {
    /// Notifications expected (users × pages).
    pub expected: u64,
    /// Notifications the receiver counted (more than expected: some were sent twice).
    pub received: u64,
    /// From the first page's opening to the last page's `201`, ms.
    pub opened_ms: f64,
    /// From the first page's opening to the first notification counted, ms.
    pub first_ms: f64,
    /// From the first page's opening to the last notification counted, ms.
    pub all_ms: f64,
    /// Notifications per second over `all_ms`.
    pub per_second: f64,
    /// Mean body bytes of a notification.
    pub body_bytes: u64,
    /// The server's CPU time per notification, microseconds.
    pub cpu_us: f64,
    /// The baseline: the same POSTs straight to the receiver.
    pub baseline: RunFigures,
    /// What failed, if anything.
    pub error: Option<String>,
}

/// The receiver's count and bytes so far.
async fn counted(conn: &mut Conn) -> Result<(u64, u64)> {
    let answer = conn.expect(&Call::get("/hooks-count")).await?;
    let v: Value = serde_json::from_slice(&answer.body).context("a count that is not JSON")?;
    Ok((
        v["count"].as_u64().unwrap_or(0),
        v["bytes"].as_u64().unwrap_or(0),
    ))
}

/// Makes the 50 users, their own webhook rules (each with its own token) and the policy;
/// returns the policy's id.
async fn prepare(addr: SocketAddr, token: &str, receiver: SocketAddr) -> Result<i64> {
    let users = setup::users(addr, token, "notify", USERS).await?;
    let tokens = (0..USERS)
        .map(|k| {
            let body = json!({"name": "bench notifications", "scope": "write",
                              "email": format!("notify-{k}@example.com")});
            ("/api/v1/tokens".to_string(), body)
        })
        .collect();
    let tokens = post_many(addr, token, tokens).await?;
    for (k, t) in tokens.iter().enumerate() {
        let secret = t["token"]
            .as_str()
            .context("a token answer without a token")?;
        let mut conn = Conn::open(addr, Some(secret)).await?;
        let body = json!({"rules": [{"channel": "webhook", "after_minutes": 0}],
                          "webhook_url": format!("http://{receiver}/hooks/{k}"),
                          "webhook_secret": "bench-webhook-secret-not-secret"});
        let call = Call {
            method: Method::PUT,
            path: "/api/v1/users/me/notifications".into(),
            body: Bytes::from(body.to_string()),
            ..Call::default()
        };
        conn.expect(&call)
            .await
            .context("A user could not set their own webhook rule")?;
    }
    let targets: Vec<Value> = users
        .iter()
        .map(|u| json!({"type": "user", "id": u}))
        .collect();
    let policy = post_many(
        addr,
        token,
        vec![(
            "/api/v1/escalation-policies".into(),
            json!({"name": "Bench notifications", "levels": [{"targets": targets, "delay_minutes": 30}]}),
        )],
    )
    .await?;
    id(&policy[0])
}

/// Sets up, opens the pages at once, and waits for the receiver to count every notification;
/// then sends the baseline's POSTs.
pub async fn measure(server: &Server, token: &str, receiver: &Server) -> Result<NotifyFigures> {
    let policy = prepare(server.addr, token, receiver.addr).await?;
    let mut count = Conn::open(receiver.addr, None).await?;
    let (before, bytes_before) = counted(&mut count).await?;
    let mut conns = Vec::with_capacity(PAGES);
    for _ in 0..PAGES {
        conns.push(Conn::open(server.addr, Some(token)).await?);
    }
    let expected = (USERS * PAGES) as u64;
    let cpu_before = cpu_ms(server.pid)?;
    let started = Instant::now();
    let mut opening = JoinSet::new();
    for (n, mut conn) in conns.into_iter().enumerate() {
        opening.spawn(async move {
            let call = Call {
                method: Method::POST,
                path: "/api/v1/pages".into(),
                body: Bytes::from(
                    json!({"title": format!("Bench page {n}: checkout errors above 2%"),
                           "policy_id": policy})
                    .to_string(),
                ),
                expect: StatusCode::CREATED,
                ..Call::default()
            };
            conn.expect(&call).await.map(|_| started.elapsed())
        });
    }
    let mut f = NotifyFigures {
        expected,
        ..NotifyFigures::default()
    };
    let mut opened = Duration::ZERO;
    while let Some(done) = opening.join_next().await {
        opened = opened.max(done.context("A page opener panicked")??);
    }
    f.opened_ms = opened.as_secs_f64() * 1e3;
    let (mut got, mut bytes) = (0, 0);
    while got < expected {
        if started.elapsed() > LIMIT {
            f.error = Some(format!(
                "only {got} of {expected} notifications arrived within {LIMIT:?}"
            ));
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
        let (c, b) = counted(&mut count).await?;
        (got, bytes) = (c - before, b - bytes_before);
        if got > 0 && f.first_ms == 0.0 {
            f.first_ms = started.elapsed().as_secs_f64() * 1e3;
        }
    }
    let all = started.elapsed();
    f.cpu_us = (cpu_ms(server.pid)? - cpu_before) * 1e3 / got.max(1) as f64;
    // Anything sent twice would show up here.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (c, _) = counted(&mut count).await?;
    f.received = c - before;
    f.all_ms = all.as_secs_f64() * 1e3;
    f.per_second = got as f64 / all.as_secs_f64();
    f.body_bytes = bytes.checked_div(got).unwrap_or(0);
    if f.received > expected && f.error.is_none() {
        f.error = Some(format!(
            "{} notifications arrived, {expected} expected",
            f.received
        ));
    }
    f.baseline = baseline(receiver, expected, f.body_bytes as usize).await?;
    Ok(f)
}

/// The same number of POSTs of the same size straight to the receiver, at the runner's
/// concurrency, each on a keep-alive connection.
async fn baseline(receiver: &Server, n: u64, size: usize) -> Result<RunFigures> {
    let pad = size.saturating_sub(60).max(1);
    let body = json!({"event": "page.notification", "data": {"text": "x".repeat(pad)}});
    let call = std::sync::Arc::new(Call {
        method: Method::POST,
        path: "/hooks/baseline".into(),
        body: Bytes::from(body.to_string()),
        ..Call::default()
    });
    let plan = Plan {
        concurrency: RUNNER_CONCURRENCY,
        requests: n,
        max: LIMIT,
        incidents: 1,
    };
    let target = Target {
        addr: receiver.addr,
        pid: Some(receiver.pid),
        token: None,
    };
    let figures = load::run_calls(target, plan, move |_, _, _| call.clone()).await?;
    if figures.ok != n {
        bail!("the baseline sent {} of {n} POSTs", figures.ok);
    }
    Ok(figures)
}
