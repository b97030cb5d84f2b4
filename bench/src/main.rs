//! `debrief-bench`: the HTTP benchmarks of issues #2 and #4, run by `bench/run`.
//!
//! The `api` suite (issue #2, the default) starts a bare axum baseline (this binary again,
//! `baseline-server`), then for each backend (SQLite, PostgreSQL) seeds a fresh database, starts
//! `debrief serve`, and measures declare, add timeline event, get incident and a filtered first
//! page of the list at each concurrency, each right after the same load on the baseline and the
//! same database work sent straight through the driver (the storage baseline). It prints
//! throughput, p50 and p99, start-up and memory, each beside the baselines' with the ratios, and
//! the issues' targets as PASS/MISS.
//!
//! The `status` suite (issue #4) builds a status page through the API, has the baseline serve
//! the exact bytes of its public files, and measures both at 64 connections, then Debrief again
//! while updates are being published (see [`status`]).
//!
//! The `oncall` suite (issue #12) sets up 1,000 schedules and a busy one through the API and
//! measures who is on call now and the busy schedule's 90-day final schedule beside the
//! baseline serving the same bytes and the same computation done by `debrief-core` in this
//! process, then how many notifications a second the job runner sends (see [`oncall`]).
//!
//! The `slack` suite (issue #13) installs the Slack app against a fake Web API in this process
//! and sends signed slash commands and events, beside a baseline that only checks the
//! signature (see [`slack`]).
//!
//! Each exits non-zero only when something failed (including any failed request or check),
//! never for a missed target.
//!
//! # Layout
//! - [`client`]: a lean keep-alive HTTP/1.1 connection.
//! - [`load`]: the request mixes and the bounded concurrent load run.
//! - [`stats`]: latency samples, percentiles and throughput.
//! - [`probe`]: `load`, one scenario against a server already running (for profiling).
//! - [`process`]: spawning servers, start-up time, RSS from `/proc`.
//! - [`baseline`]: the bare axum server.
//! - [`database`]: the per-run database and the CLI-made admin and token.
//! - [`seed`]: bulk-inserting the incidents.
//! - [`storage`]: the storage baseline: each scenario's statements straight through the driver.
//! - [`suite`]: one backend's run of the `api` suite.
//! - [`report`]: the `api` suite's printed tables.
//! - [`status`]: the `status` suite: setup, publisher, runs and report.
//! - [`oncall`]: the `oncall` suite: setup, in-process computation, notifications, report.
//! - [`slack`]: the `slack` suite: the fake Slack, install, signed requests, report.

mod baseline;
mod client;
mod database;
mod load;
mod oncall;
mod probe;
mod process;
mod report;
mod seed;
mod slack;
mod stats;
mod status;
mod storage;
mod suite;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use database::Backend;
use process::Server;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use suite::{Config, ProcessFigures, Suite};

/// HTTP benchmarks of the debrief server against a bare axum baseline.
#[derive(Parser)]
#[command(name = "debrief-bench")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the benchmark and print the report.
    Run(RunArgs),
    /// Send one scenario's load to a server already running on loopback and print its figures
    /// (for profiling a single request mix).
    Load(probe::LoadArgs),
    /// The baseline server (started by `run`).
    #[command(hide = true)]
    BaselineServer {
        /// Loopback address to listen on.
        #[arg(long)]
        listen: SocketAddr,
        /// A manifest of files to serve as well (written by the status suite).
        #[arg(long)]
        files: Option<PathBuf>,
        /// Answer Slack's signed requests too, checking them with this signing secret (the
        /// slack suite).
        #[arg(long)]
        slack_signing_secret: Option<String>,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Which {
    Sqlite,
    Postgres,
    Both,
}

#[derive(clap::Args)]
struct RunArgs {
    /// The debrief binary to benchmark.
    #[arg(long, default_value = "target/release/debrief")]
    debrief: PathBuf,
    /// What to measure: the incident API (issue #2), the public status page (issue #4), on
    /// call (issue #12) or Slack's signed requests (issue #13).
    #[arg(long, value_enum, default_value = "api")]
    suite: Suite,
    /// Which database(s) to run on.
    #[arg(long, value_enum, default_value = "both")]
    backend: Which,
    /// A short smoke run: 5,000 incidents, 300 requests per run, 30 warm-up, 2 s cap (status
    /// suite: 30,000 requests per run, 1,000 warm-up, 2 s cap).
    #[arg(long)]
    quick: bool,
    /// Incidents to seed (api suite) [default: 100000, quick 5000].
    #[arg(long)]
    incidents: Option<u64>,
    /// Most requests per measured run [default: 5000, quick 300; status: 200000, quick 30000;
    /// oncall: 2000, quick 200].
    #[arg(long)]
    requests: Option<u64>,
    /// Requests per unmeasured warm-up run [default: 200, quick 30; status: 5000, quick 1000;
    /// oncall: 20, quick 5].
    #[arg(long)]
    warmup: Option<u64>,
    /// Time cap per run, in seconds [default: 5, quick 2; oncall: 10, quick 2].
    #[arg(long)]
    max_seconds: Option<f64>,
    /// Concurrency levels [default: 1,8; status: 64; oncall: 1,4].
    #[arg(long, value_delimiter = ',')]
    concurrency: Vec<usize>,
    /// Status suite: the public paths to measure, under the page's `/status/SLUG` ("/" is the
    /// HTML page itself). A path that does not answer 200 at setup is skipped, and reported so.
    #[arg(long, value_delimiter = ',', default_value = "/,/api/v2/summary.json")]
    status_paths: Vec<String>,
    /// PostgreSQL URL of a role that may create databases (a fresh one is made and dropped).
    #[arg(
        long,
        env = "DEBRIEF_BENCH_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    postgres_url: String,
    /// Keep the work directory (SQLite file, server logs) and the PostgreSQL database, to look
    /// at them after the run.
    #[arg(long)]
    keep: bool,
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::BaselineServer {
            listen,
            files,
            slack_signing_secret,
        } => baseline::serve(listen, files.as_deref(), slack_signing_secret).map(|()| true),
        Command::Run(args) => runtime().and_then(|rt| rt.block_on(run(args))),
        Command::Load(args) => runtime().and_then(|rt| rt.block_on(probe::run(args))),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The load generator's runtime: one thread, so it takes at most one core from the server.
fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("Failed to start the async runtime")
}

fn config(args: &RunArgs, work_dir: PathBuf) -> Result<Config> {
    let pick =
        |v: Option<u64>, full: u64, quick: u64| v.unwrap_or(if args.quick { quick } else { full });
    let (requests, warmup) = match args.suite {
        // The page answers tens of thousands of requests a second: runs are long enough to
        // see dozens of updates published (one per 100 ms), so usually cut by the time cap.
        Suite::Status => (
            pick(args.requests, 200_000, 30_000),
            pick(args.warmup, 5_000, 1_000),
        ),
        // Who is on call in 1,001 schedules takes milliseconds: runs are cut by time.
        Suite::Oncall => (pick(args.requests, 2_000, 200), pick(args.warmup, 20, 5)),
        Suite::Api | Suite::Slack | Suite::Search => {
            (pick(args.requests, 5_000, 300), pick(args.warmup, 200, 30))
        }
    };
    let concurrency = match (args.concurrency.is_empty(), args.suite) {
        (false, _) => args.concurrency.clone(),
        (true, Suite::Status) => vec![64],
        (true, Suite::Oncall) => vec![1, 4],
        (true, Suite::Api | Suite::Slack | Suite::Search) => vec![1, 8],
    };
    // Who is on call in 1,001 schedules takes tens of milliseconds on PostgreSQL (a query per
    // schedule): a full oncall run gets 10 s per run to collect enough samples for a p99.
    let full = if matches!(args.suite, Suite::Oncall | Suite::Search) {
        10.0
    } else {
        5.0
    };
    let max = args
        .max_seconds
        .unwrap_or(if args.quick { 2.0 } else { full });
    if !(max > 0.0 && max <= 600.0) {
        bail!("--max-seconds must be between 0 and 600");
    }
    if concurrency.iter().any(|c| !(1..=256).contains(c)) {
        bail!("--concurrency takes levels from 1 to 256, like 1,8");
    }
    if args.status_paths.iter().any(|p| !p.starts_with('/')) {
        bail!("--status-paths takes paths that start with '/', like /,/api/v2/summary.json");
    }
    let debrief = std::path::absolute(&args.debrief).context("Failed to resolve --debrief")?;
    if !debrief.is_file() {
        bail!(
            "no debrief binary at {} (build it: cargo build --release -p debrief)",
            debrief.display()
        );
    }
    Ok(Config {
        debrief,
        suite: args.suite,
        incidents: pick(args.incidents, 100_000, 5_000).max(1),
        requests: requests.max(1),
        warmup,
        max: Duration::from_secs_f64(max),
        concurrency,
        status_paths: args.status_paths.clone(),
        postgres_url: args.postgres_url.clone(),
        keep: args.keep,
        loadavg: std::fs::read_to_string("/proc/loadavg")
            .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
            .unwrap_or_else(|_| "unknown".into()),
        work_dir,
    })
}

/// Runs the benchmark; `Ok(false)` when some request failed (the report is printed anyway).
async fn run(args: RunArgs) -> Result<bool> {
    let started = Instant::now();
    let work_dir = database::work_dir()?;
    let result = run_in(&args, work_dir.clone()).await;
    if args.keep {
        eprintln!("Kept the work directory {}", work_dir.display());
    } else {
        std::fs::remove_dir_all(&work_dir)
            .with_context(|| format!("Failed to remove {}", work_dir.display()))?;
    }
    let clean = result?;
    eprintln!(
        "Benchmark finished in {:.0} s.",
        started.elapsed().as_secs_f64()
    );
    Ok(clean)
}

async fn run_in(args: &RunArgs, work_dir: PathBuf) -> Result<bool> {
    let cfg = config(args, work_dir)?;
    let backends = match args.backend {
        Which::Sqlite => vec![Backend::Sqlite],
        Which::Postgres => vec![Backend::Postgres],
        Which::Both => vec![Backend::Sqlite, Backend::Postgres],
    };
    match cfg.suite {
        Suite::Status => return status::run(&cfg, &backends).await,
        Suite::Oncall => return oncall::run(&cfg, &backends).await,
        Suite::Slack => return slack::run(&cfg, &backends).await,
        Suite::Api | Suite::Search => {}
    }
    let me =
        std::env::current_exe().context("Failed to find this program to start the baseline")?;
    let addr = process::free_port()?;
    let baseline_args = [
        "baseline-server".to_string(),
        "--listen".into(),
        addr.to_string(),
    ];
    let log = cfg.work_dir.join("baseline.log");
    let (baseline, startups) =
        Server::start_repeatedly(suite::STARTS, "baseline", &me, &baseline_args, addr, &log)
            .await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle = ProcessFigures {
        idle_rss_kb: baseline.rss_kb()?,
        ..ProcessFigures::startup(&startups)
    };
    eprintln!(
        "Baseline: first answer {startups:.1?} ms after spawn; idle RSS {:.1} MiB",
        idle.idle_rss_kb as f64 / 1024.0
    );
    let mut reports = Vec::new();
    let mut failure = None;
    for backend in backends {
        match suite::run_backend(&cfg, backend, &baseline, &idle).await {
            Ok(r) => reports.push(r),
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    baseline.stop().await?;
    println!("{}", report::header(&cfg));
    for r in &reports {
        println!("{}", report::backend(r));
        println!("{}", report::targets(r));
    }
    if let Some(e) = failure {
        return Err(e);
    }
    let errors: u64 = reports
        .iter()
        .flat_map(|r| &r.rows)
        .map(|row| row.debrief.errors + row.baseline.errors + row.storage.errors)
        .sum();
    if errors > 0 {
        eprintln!(
            "error: {errors} requests failed (see the report); the figures above are not trustworthy"
        );
    }
    Ok(errors == 0)
}
