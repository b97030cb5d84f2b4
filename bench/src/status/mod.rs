//! The `status` suite (issue #4, requirement 7): a public status page under a stampede.
//!
//! For each backend: a fresh database, `debrief serve`, and a page built through the admin API
//! (12 components in 3 groups, 20 incidents published with their updates). Each public path is
//! fetched from Debrief (plain and gzip), and the baseline (`baseline-server --files`) serves
//! exactly those bytes at the same paths, so the two differ only in what Debrief adds. Then, per
//! path and encoding, at 64 connections: the baseline, Debrief, and Debrief again while
//! [`publisher`] publishes an update every 100 ms. Every answer must be `200` with the expected
//! `Content-Type` and `Content-Encoding`; a conditional request with the `ETag` must answer
//! `304`, at setup and after each path's runs.
//!
//! # Layout
//! - this module: one backend's run.
//! - [`setup`]: the page, and fetching its files.
//! - [`publisher`]: the background publisher.
//! - [`report`]: the printed tables and targets.

mod publisher;
mod report;
pub(crate) mod setup;

use crate::client::{Call, Conn};
use crate::database::{Backend, BenchDb};
use crate::load::{self, Plan, Target};
use crate::process::Server;
use crate::stats::RunFigures;
use crate::suite::Config;
use anyhow::{Context, Result};
use hyper::header::{CONTENT_ENCODING, CONTENT_TYPE, HeaderValue};
use publisher::{Published, Publisher};
use setup::{Fetched, Found, Page};
use std::sync::Arc;

/// One path in one encoding: the baseline, Debrief, and Debrief during publishing.
#[derive(Debug, Clone)]
pub struct Row {
    /// The full path.
    pub path: String,
    /// Whether the requests asked for gzip.
    pub gzip: bool,
    /// Concurrent connections.
    pub concurrency: usize,
    /// The baseline's run.
    pub baseline: RunFigures,
    /// Debrief's run, nothing else going on.
    pub debrief: RunFigures,
    /// Debrief's run while updates were being published.
    pub publishing: RunFigures,
    /// What the publisher did during that run.
    pub published: Published,
}

/// Everything measured on one backend.
#[derive(Debug, Clone)]
pub struct StatusReport {
    /// Which backend.
    pub backend: Backend,
    /// The page built.
    pub page: Page,
    /// What setup found at each path.
    pub found: Vec<Found>,
    /// The measured rows.
    pub rows: Vec<Row>,
}

impl StatusReport {
    /// Failed requests, failed publishes: anything that makes the figures untrustworthy.
    pub fn errors(&self) -> u64 {
        self.rows
            .iter()
            .map(|r| {
                r.baseline.errors + r.debrief.errors + r.publishing.errors + r.published.errors
            })
            .sum()
    }
}

/// Runs the suite on each backend and prints the report; `Ok(false)` when something failed.
pub async fn run(cfg: &Config, backends: &[Backend]) -> Result<bool> {
    let mut reports = Vec::new();
    let mut failure = None;
    for &backend in backends {
        match run_backend(cfg, backend).await {
            Ok(r) => reports.push(r),
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    println!("{}", report::header(cfg));
    for r in &reports {
        println!("{}", report::backend(r));
    }
    if let Some(e) = failure {
        return Err(e);
    }
    let errors: u64 = reports.iter().map(StatusReport::errors).sum();
    if errors > 0 {
        eprintln!(
            "error: {errors} requests or publishes failed (see the report); the figures above are not trustworthy"
        );
    }
    Ok(errors == 0)
}

async fn run_backend(cfg: &Config, backend: Backend) -> Result<StatusReport> {
    let db = BenchDb::create(backend, &cfg.work_dir, &cfg.postgres_url).await?;
    let result = run_on(cfg, &db).await;
    let removed = if cfg.keep {
        eprintln!("[{}] kept the database {}", backend.name(), db.url);
        Ok(())
    } else {
        db.remove().await
    };
    let report = result?;
    removed?;
    Ok(report)
}

async fn run_on(cfg: &Config, db: &BenchDb) -> Result<StatusReport> {
    let name = db.backend.name();
    eprintln!("[{name}] creating the admin and an admin-scoped API token with the debrief CLI");
    let token = db.make_token(&cfg.debrief, "admin").await?;
    let addr = crate::process::free_port()?;
    let args = [
        "serve",
        "--database",
        &db.url,
        "--listen",
        &addr.to_string(),
    ]
    .map(String::from);
    let log = cfg
        .work_dir
        .join(format!("debrief-status-{}.log", name.to_lowercase()));
    let server = Server::start(
        &format!("debrief on {name}"),
        &cfg.debrief,
        &args,
        addr,
        &log,
    )
    .await?;
    let result = build_and_measure(cfg, db.backend, &server, &token).await;
    let log_tail = server.log_tail();
    let stopped = server.stop().await;
    let report = result.with_context(|| {
        format!("The {name} status run failed; the server's log ends with:\n{log_tail}")
    })?;
    stopped?;
    Ok(report)
}

async fn build_and_measure(
    cfg: &Config,
    backend: Backend,
    server: &Server,
    token: &str,
) -> Result<StatusReport> {
    let name = backend.name();
    eprintln!("[{name}] building the status page through the API");
    let mut conn = Conn::open(server.addr, Some(token)).await?;
    let page = setup::build_page(&mut conn).await?;
    let mut found = Vec::new();
    for path in &cfg.status_paths {
        let f = setup::fetch(server.addr, path).await?;
        match &f {
            Found::Served(s) => eprintln!(
                "[{name}] {}: {} bytes, gzip {} bytes, {:?}",
                s.path,
                s.body.len(),
                s.gzip.as_ref().map_or(0, |g| g.len()),
                s.content_type
            ),
            Found::Skipped { path, status } => {
                eprintln!("[{name}] {path} answered {status} at setup: skipped, not measured")
            }
        }
        found.push(f);
    }
    let served: Vec<Fetched> = found
        .iter()
        .filter_map(|f| match f {
            Found::Served(s) => Some(s.clone()),
            Found::Skipped { .. } => None,
        })
        .collect();
    let mut rows = Vec::new();
    if !served.is_empty() {
        let files = cfg
            .work_dir
            .join(format!("status-files-{}", name.to_lowercase()));
        let manifest = setup::write_manifest(&files, &served)?;
        let me =
            std::env::current_exe().context("Failed to find this program to start the baseline")?;
        let addr = crate::process::free_port()?;
        let args = [
            "baseline-server".to_string(),
            "--listen".into(),
            addr.to_string(),
            "--files".into(),
            manifest.display().to_string(),
        ];
        let log = cfg.work_dir.join("baseline-status.log");
        let baseline = Server::start("status baseline", &me, &args, addr, &log).await?;
        let measured = measure(cfg, name, server, &baseline, token, &page, &served).await;
        baseline.stop().await?;
        rows = measured?;
    }
    Ok(StatusReport {
        backend,
        page,
        found,
        rows,
    })
}

/// The request of a run on `file`, with what every answer must carry.
fn call_for(file: &Fetched, gzip: bool) -> Call {
    let mut call = setup::get(&file.path, gzip);
    let encoding = (gzip && file.gzip.is_some()).then(|| HeaderValue::from_static("gzip"));
    call.expect_headers = vec![
        (CONTENT_TYPE, Some(file.content_type.clone())),
        (CONTENT_ENCODING, encoding),
    ];
    call
}

async fn measure(
    cfg: &Config,
    name: &str,
    server: &Server,
    baseline: &Server,
    token: &str,
    page: &Page,
    served: &[Fetched],
) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    for file in served {
        // gzip first: the headline (every browser asks for it).
        for gzip in [true, false] {
            for &concurrency in &cfg.concurrency {
                let plan = Plan {
                    concurrency,
                    requests: cfg.requests,
                    max: cfg.max,
                    incidents: 1,
                };
                let warm = Plan {
                    requests: cfg.warmup,
                    ..plan
                };
                let call = Arc::new(call_for(file, gzip));
                let run = |target: Target<'static>, plan: Plan| {
                    let call = call.clone();
                    load::run_calls(target, plan, move |_, _, _| call.clone())
                };
                let on_baseline = Target {
                    addr: baseline.addr,
                    pid: Some(baseline.pid),
                    token: None,
                };
                let on_debrief = Target {
                    addr: server.addr,
                    pid: Some(server.pid),
                    token: None,
                };
                run(on_baseline, warm).await?;
                let b = run(on_baseline, plan).await?;
                run(on_debrief, warm).await?;
                let d = run(on_debrief, plan).await?;
                let publisher =
                    Publisher::start(server.addr, token, &page.live_incident, page.live_component)
                        .await?;
                let p = run(on_debrief, plan).await;
                let published = publisher.finish().await?;
                let p = p?;
                // The page changed under the run: its new ETag must still validate.
                let mut conn = Conn::open(server.addr, None).await?;
                setup::not_modified(&mut conn, &file.path, gzip).await?;
                let enc = if gzip { "gzip" } else { "identity" };
                eprintln!(
                    "[{name}] {} {enc} c={concurrency}: debrief {:.0} req/s p99 {:.2} ms; publishing {:.0} req/s p99 {:.2} ms ({} updates); baseline {:.0} req/s p99 {:.2} ms",
                    file.path,
                    d.throughput,
                    d.p99_ms,
                    p.throughput,
                    p.p99_ms,
                    published.updates,
                    b.throughput,
                    b.p99_ms,
                );
                rows.push(Row {
                    path: file.path.clone(),
                    gzip,
                    concurrency,
                    baseline: b,
                    debrief: d,
                    publishing: p,
                    published,
                });
            }
        }
    }
    Ok(rows)
}
