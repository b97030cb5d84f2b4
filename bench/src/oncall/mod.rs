//! The `oncall` suite (issue #12, part 4): who is on call now across 1,000 schedules, the final
//! schedule of a busy schedule over 90 days, and how many notifications a second the job runner
//! sends.
//!
//! For each backend: a fresh database, `debrief serve --allow-private-destinations` (so webhooks
//! may go to loopback), and the world of [`setup`] built through the API. The two reads are
//! fetched once and the baseline process (`baseline-server --files`) serves exactly those
//! bytes at the same paths; it is also the webhook receiver. Then, per read and concurrency: a
//! warm-up and a run on the baseline, a warm-up and a run on Debrief, and the same computation
//! done by `debrief-core` in this process ([`compute`]). Last, [`notify`]'s 2,000 notifications.
//!
//! # Layout
//! - this module: one backend's run.
//! - [`setup`]: the users, schedules, overrides, teams, services and policies.
//! - [`compute`]: the in-process "compute only" baseline.
//! - [`notify`]: the notification run and its baseline.
//! - [`report`]: the printed tables.

mod compute;
mod notify;
mod report;
mod setup;

use crate::client::{Call, Conn};
use crate::database::{Backend, BenchDb};
use crate::load::{self, Plan, Target};
use crate::process::Server;
use crate::stats::RunFigures;
use crate::status::setup::{Fetched, write_manifest};
use crate::suite::Config;
use anyhow::{Context, Result};
use compute::{Prepared, Work};
use hyper::header::CONTENT_TYPE;
use notify::NotifyFigures;
use setup::World;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One read at one concurrency: the baseline, Debrief, and the computation in process.
#[derive(Debug, Clone)]
pub struct Row {
    /// What was asked.
    pub name: &'static str,
    /// Concurrent connections (threads, for the computation).
    pub concurrency: usize,
    /// The bare axum baseline serving the same bytes.
    pub baseline: RunFigures,
    /// Debrief.
    pub debrief: RunFigures,
    /// The computation in process: with compiling (as the handler does) and without.
    pub compute: Vec<(Work, RunFigures)>,
}

/// Everything measured on one backend.
#[derive(Debug, Clone)]
pub struct OncallReport {
    /// Which backend.
    pub backend: Backend,
    /// How long setup through the API took.
    pub setup_time: Duration,
    /// Schedules and layers built.
    pub schedules: usize,
    /// Layers across them.
    pub layers: usize,
    /// Restricted layers.
    pub restricted: usize,
    /// The two reads: what, path (with its query) and answer size in bytes.
    pub sizes: Vec<(&'static str, String, usize)>,
    /// The measured reads.
    pub rows: Vec<Row>,
    /// The notification run.
    pub notify: NotifyFigures,
}

impl OncallReport {
    /// Failed requests and a failed notification run.
    pub fn errors(&self) -> u64 {
        let reads: u64 = self
            .rows
            .iter()
            .map(|r| r.baseline.errors + r.debrief.errors)
            .sum();
        reads + self.notify.baseline.errors + u64::from(self.notify.error.is_some())
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
    let errors: u64 = reports.iter().map(OncallReport::errors).sum();
    if errors > 0 {
        eprintln!("error: {errors} requests or checks failed (see the report)");
    }
    Ok(errors == 0)
}

async fn run_backend(cfg: &Config, backend: Backend) -> Result<OncallReport> {
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

async fn run_on(cfg: &Config, db: &BenchDb) -> Result<OncallReport> {
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
        "--allow-private-destinations",
    ]
    .map(String::from);
    let log = cfg
        .work_dir
        .join(format!("debrief-oncall-{}.log", name.to_lowercase()));
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
        format!("The {name} on-call run failed; the server's log ends with:\n{log_tail}")
    })?;
    stopped?;
    Ok(report)
}

/// Fetches `path` from Debrief as the baseline will serve it.
async fn fetch(conn: &mut Conn, path: &str) -> Result<Fetched> {
    let answer = conn.expect(&Call::get(path)).await?;
    let content_type = answer
        .headers
        .get(CONTENT_TYPE)
        .cloned()
        .with_context(|| format!("GET {path} answered without a Content-Type"))?;
    Ok(Fetched {
        path: path.split('?').next().unwrap_or(path).to_string(),
        content_type,
        body: answer.body,
        gzip: None,
    })
}

async fn build_and_measure(
    cfg: &Config,
    backend: Backend,
    server: &Server,
    token: &str,
) -> Result<OncallReport> {
    let name = backend.name();
    eprintln!(
        "[{name}] building {} users, {} schedules, a busy one with {} overrides, {} services through the API",
        setup::USERS,
        setup::SCHEDULES,
        setup::BUSY_OVERRIDES,
        setup::SERVICES
    );
    let started = Instant::now();
    let world = setup::build(server.addr, token).await?;
    let setup_time = started.elapsed();
    eprintln!("[{name}] built in {:.1} s", setup_time.as_secs_f64());
    let reads = [
        ("who is on call now", setup::on_call_path(&world)),
        ("final schedule, 90 days", setup::final_path(&world)),
    ];
    let mut conn = Conn::open(server.addr, Some(token)).await?;
    let mut fetched = Vec::new();
    for (_, path) in &reads {
        fetched.push(fetch(&mut conn, path).await?);
    }
    let files = cfg
        .work_dir
        .join(format!("oncall-files-{}", name.to_lowercase()));
    let manifest = write_manifest(&files, &fetched)?;
    let me =
        std::env::current_exe().context("Failed to find this program to start the baseline")?;
    let baseline_addr = crate::process::free_port()?;
    let args = [
        "baseline-server".to_string(),
        "--listen".into(),
        baseline_addr.to_string(),
        "--files".into(),
        manifest.display().to_string(),
    ];
    let log = cfg.work_dir.join("baseline-oncall.log");
    let baseline = Server::start("on-call baseline", &me, &args, baseline_addr, &log).await?;
    let measured = measure_all(cfg, name, server, &baseline, token, &world, &reads).await;
    let stopped = baseline.stop().await;
    let (rows, notify) = measured?;
    stopped?;
    Ok(OncallReport {
        backend,
        setup_time,
        schedules: world.specs.len(),
        layers: world.layers,
        restricted: world.restricted,
        sizes: reads
            .iter()
            .zip(&fetched)
            .map(|((n, p), f)| (*n, p.clone(), f.body.len()))
            .collect(),
        rows,
        notify,
    })
}

/// One load run of the same `GET` on every request.
async fn get_run(target: Target<'_>, plan: Plan, call: &Arc<Call>) -> Result<RunFigures> {
    let call = call.clone();
    load::run_calls(target, plan, move |_, _, _| call.clone()).await
}

async fn measure_all(
    cfg: &Config,
    name: &str,
    server: &Server,
    baseline: &Server,
    token: &str,
    world: &World,
    reads: &[(&'static str, String)],
) -> Result<(Vec<Row>, NotifyFigures)> {
    let mut rows = Vec::new();
    for (n, (what, path)) in reads.iter().enumerate() {
        let works = if n == 0 {
            [Work::OnCallCompiled, Work::OnCallOnly]
        } else {
            [Work::FinalCompiled, Work::FinalOnly]
        };
        let prepared = works
            .iter()
            .map(|w| Prepared::new(&world.specs, *w, world.at, setup::DAYS))
            .collect::<Result<Vec<_>>>()?;
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
            let call = Arc::new(Call::get(path.as_str()));
            let on_baseline = Target {
                addr: baseline.addr,
                pid: Some(baseline.pid),
                token: Some(token),
            };
            let on_debrief = Target {
                addr: server.addr,
                pid: Some(server.pid),
                token: Some(token),
            };
            get_run(on_baseline, warm, &call).await?;
            let b = get_run(on_baseline, plan, &call).await?;
            get_run(on_debrief, warm, &call).await?;
            let d = get_run(on_debrief, plan, &call).await?;
            let mut computed = Vec::new();
            for (w, p) in works.iter().zip(&prepared) {
                compute::run(p, *w, warm);
                computed.push((*w, compute::run(p, *w, plan)));
            }
            eprintln!(
                "[{name}] {what} c={concurrency}: debrief {:.0} req/s p50 {:.2} ms p99 {:.2} ms; baseline {:.0} req/s; compute {:.0}/s p50 {:.3} ms",
                d.throughput,
                d.p50_ms,
                d.p99_ms,
                b.throughput,
                computed[0].1.throughput,
                computed[0].1.p50_ms
            );
            rows.push(Row {
                name: what,
                concurrency,
                baseline: b,
                debrief: d,
                compute: computed,
            });
        }
    }
    eprintln!(
        "[{name}] opening {} pages to {} webhook users at once",
        notify::PAGES,
        notify::USERS
    );
    let notified = notify::measure(server, token, baseline).await?;
    eprintln!(
        "[{name}] {} notifications in {:.0} ms: {:.0}/s (baseline {:.0}/s)",
        notified.received, notified.all_ms, notified.per_second, notified.baseline.throughput
    );
    Ok((rows, notified))
}
