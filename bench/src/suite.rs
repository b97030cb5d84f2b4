//! One backend's run: make and seed the database, start `debrief serve`, time its start-up, read
//! its idle memory, then run every scenario at every concurrency, each right after the same load
//! against the baseline, so each pair of figures shares the machine's state of the moment.

use crate::client::{Call, Conn};
use crate::database::{Backend, BenchDb, EMAIL};
use crate::load::{self, LIST_QUERY, Plan, Scenario, Target};
use crate::process::Server;
use crate::stats::RunFigures;
use anyhow::{Context, Result};
use std::path::PathBuf;
use std::time::Duration;

/// How long a server sits after its first answer before its idle RSS is read.
const SETTLE: Duration = Duration::from_millis(500);

/// Which benchmark to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Suite {
    /// The incident API (issue #2): declare, timeline, get, list.
    Api,
    /// The public status page (issue #4): its HTML and JSON at 64 connections, also while
    /// updates are being published.
    Status,
    /// On call (issue #12): who is on call now in 1,000 schedules, a busy schedule's final
    /// schedule over 90 days, and notifications sent per second.
    Oncall,
    /// Slack (issue #13): signed slash commands and events, answered within Slack's 3 s.
    Slack,
    /// Search (issue #15): `GET /api/v1/search` over incidents seeded with a note each.
    Search,
}

/// What the whole run was asked to do.
#[derive(Debug, Clone)]
pub struct Config {
    /// The `debrief` binary.
    pub debrief: PathBuf,
    /// Which benchmark.
    pub suite: Suite,
    /// Incidents seeded before the server starts.
    pub incidents: u64,
    /// Most requests per measured run.
    pub requests: u64,
    /// Requests per warm-up run (not measured).
    pub warmup: u64,
    /// Time cap per run.
    pub max: Duration,
    /// The concurrency levels.
    pub concurrency: Vec<usize>,
    /// Status suite: the public paths to measure, under `/status/SLUG` (`/` is the page).
    pub status_paths: Vec<String>,
    /// A PostgreSQL URL of a role that may create databases.
    pub postgres_url: String,
    /// `/proc/loadavg`'s three averages when the run began (other work on the machine).
    pub loadavg: String,
    /// Keep the work directory and the PostgreSQL database after the run.
    pub keep: bool,
    /// Where the SQLite file and the logs go.
    pub work_dir: PathBuf,
}

/// How many times each server is started to time its start-up.
pub const STARTS: usize = 3;

/// Start-up and memory of one server process.
#[derive(Debug, Clone, Default)]
pub struct ProcessFigures {
    /// Spawn to first `200` from `/healthz`, ms: the median of [`STARTS`] starts.
    pub startup_ms: f64,
    /// The slowest of those starts, ms.
    pub startup_max_ms: f64,
    /// RSS after start-up, before any load, kB.
    pub idle_rss_kb: u64,
    /// Highest RSS sampled during the loads, kB.
    pub peak_rss_kb: u64,
}

impl ProcessFigures {
    /// Start-up figures from the times of several starts (memory figures 0).
    pub fn startup(times: &[f64]) -> Self {
        let mut t = times.to_vec();
        t.sort_by(f64::total_cmp);
        let median = t.get(t.len() / 2).copied().unwrap_or(0.0);
        Self {
            startup_ms: median,
            startup_max_ms: t.last().copied().unwrap_or(0.0),
            ..Self::default()
        }
    }
}

/// One scenario at one concurrency, on Debrief and on the baseline.
#[derive(Debug, Clone)]
pub struct Row {
    /// The request mix.
    pub scenario: Scenario,
    /// Concurrent connections.
    pub concurrency: usize,
    /// Debrief's figures.
    pub debrief: RunFigures,
    /// The baseline's figures, measured just before.
    pub baseline: RunFigures,
    /// The storage baseline's figures (the same database work without HTTP), measured between.
    pub storage: RunFigures,
    /// SQLite declare only: the storage baseline with group commit (every declaration waiting
    /// for the writer in one transaction), measured right after the storage baseline.
    pub grouped: Option<RunFigures>,
}

/// Everything measured for one backend.
#[derive(Debug, Clone)]
pub struct BackendReport {
    /// Which backend.
    pub backend: Backend,
    /// Incidents seeded.
    pub incidents: u64,
    /// Time taken to seed them.
    pub seed_time: Duration,
    /// Debrief's start-up and memory.
    pub debrief: ProcessFigures,
    /// The baseline's start-up and memory (peak over this backend's loads).
    pub baseline: ProcessFigures,
    /// The load figures.
    pub rows: Vec<Row>,
}

/// Runs every scenario on one backend; the database is removed whatever happens (unless kept).
pub async fn run_backend(
    cfg: &Config,
    backend: Backend,
    baseline: &Server,
    baseline_idle: &ProcessFigures,
) -> Result<BackendReport> {
    let db = BenchDb::create(backend, &cfg.work_dir, &cfg.postgres_url).await?;
    let result = run_on(cfg, &db, baseline, baseline_idle).await;
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

async fn run_on(
    cfg: &Config,
    db: &BenchDb,
    baseline: &Server,
    baseline_idle: &ProcessFigures,
) -> Result<BackendReport> {
    let name = db.backend.name();
    eprintln!("[{name}] creating the admin and an API token with the debrief CLI");
    let token = db.make_token(&cfg.debrief, "write").await?;
    eprintln!("[{name}] seeding {} incidents", cfg.incidents);
    let extra = match cfg.suite {
        Suite::Search => crate::seed::Extra::Notes,
        _ => crate::seed::Extra::None,
    };
    let seed_time = crate::seed::seed(&db.url, cfg.incidents, EMAIL, extra).await?;
    eprintln!(
        "[{name}] seeded in {:.1} s; starting debrief serve",
        seed_time.as_secs_f64()
    );

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
        .join(format!("debrief-{}.log", name.to_lowercase()));
    let label = format!("debrief on {name}");
    let (server, startups) =
        Server::start_repeatedly(STARTS, &label, &cfg.debrief, &args, addr, &log).await?;
    let result = measure(cfg, db, &server, &startups, &token, baseline, baseline_idle).await;
    let log_tail = server.log_tail();
    let stopped = server.stop().await;
    let mut report = result.with_context(|| {
        format!("The {name} run failed; the server's log ends with:\n{log_tail}")
    })?;
    stopped?;
    report.seed_time = seed_time;
    Ok(report)
}

async fn measure(
    cfg: &Config,
    db: &BenchDb,
    server: &Server,
    startups: &[f64],
    token: &str,
    baseline: &Server,
    baseline_idle: &ProcessFigures,
) -> Result<BackendReport> {
    let backend = db.backend;
    let name = backend.name();
    tokio::time::sleep(SETTLE).await;
    let mut debrief = ProcessFigures {
        idle_rss_kb: server.rss_kb()?,
        ..ProcessFigures::startup(startups)
    };
    let mut base = ProcessFigures {
        peak_rss_kb: 0,
        ..baseline_idle.clone()
    };
    eprintln!(
        "[{name}] first answer {startups:.1?} ms after spawn; idle RSS {:.1} MiB",
        debrief.idle_rss_kb as f64 / 1024.0
    );
    // One real request first, so a wrong token or a broken list fails here with its answer.
    let probe = Call::get(LIST_QUERY);
    Conn::open(server.addr, Some(token))
        .await?
        .expect(&probe)
        .await
        .context("The first API request failed")?;

    let storage = crate::storage::Storage::open(db).await?;
    let mut rows = Vec::new();
    let scenarios: &[Scenario] = match cfg.suite {
        Suite::Search => &[Scenario::Search],
        _ => &Scenario::RUN_ORDER,
    };
    for &scenario in scenarios {
        // Alert intake is judged at 8 and 64 senders (issue 11), whatever the other runs use.
        let levels: Vec<usize> = match scenario {
            Scenario::Alert => vec![8, 64],
            _ => cfg.concurrency.clone(),
        };
        for &concurrency in &levels {
            let plan = Plan {
                concurrency,
                requests: cfg.requests,
                max: cfg.max,
                incidents: cfg.incidents,
            };
            let warm = Plan {
                requests: cfg.warmup,
                ..plan
            };
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
            load::run(on_baseline, scenario, warm).await?;
            let b = load::run(on_baseline, scenario, plan).await?;
            storage.run(scenario, warm).await?;
            let st = storage.run(scenario, plan).await?;
            let grouped = match (backend, scenario) {
                (Backend::Sqlite, Scenario::Declare | Scenario::Alert) => {
                    storage.run_lite_grouped(scenario, warm).await?;
                    Some(storage.run_lite_grouped(scenario, plan).await?)
                }
                _ => None,
            };
            load::run(on_debrief, scenario, warm).await?;
            let d = load::run(on_debrief, scenario, plan).await?;
            eprintln!(
                "[{name}] {:<28} c={concurrency}: {:>8.0} req/s  p50 {:.2} ms  p99 {:.2} ms  ({} errors; baseline {:.0} req/s, storage {:.0} req/s, {} errors)",
                scenario.name(),
                d.throughput,
                d.p50_ms,
                d.p99_ms,
                d.errors,
                b.throughput,
                st.throughput,
                st.errors
            );
            debrief.peak_rss_kb = debrief.peak_rss_kb.max(d.peak_rss_kb);
            base.peak_rss_kb = base.peak_rss_kb.max(b.peak_rss_kb);
            rows.push(Row {
                scenario,
                concurrency,
                debrief: d,
                baseline: b,
                storage: st,
                grouped,
            });
        }
    }
    rows.sort_by_key(|r| Scenario::ALL.iter().position(|s| *s == r.scenario));
    Ok(BackendReport {
        backend,
        incidents: cfg.incidents,
        seed_time: Duration::ZERO,
        debrief,
        baseline: base,
        rows,
    })
}
