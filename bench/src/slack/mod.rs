//! The `slack` suite (issue 13): Slack's signed requests to the real server, which must answer
//! within the three seconds Slack waits.
//!
//! One fake Slack Web API runs in this process ([`fake`]) and one baseline process
//! (`baseline-server --slack-signing-secret`) answers the same paths with a fixed `200` after
//! checking the signature itself. For each backend: a fresh database, the admin and an
//! admin-scoped token from the CLI, `debrief serve --allow-private-destinations` with Slack set
//! up against the fake, and [`setup`]: the app installed through the product's own OAuth flow
//! and one incident per connection, each given its channel by the server's `slack.sync` job.
//! Then per scenario and concurrency: a warm-up and a run on the baseline, a warm-up and a run
//! on Debrief, with every request signed and one of a kind ([`signed`]).
//!
//! # Layout
//! - this module: the scenarios and one backend's run.
//! - [`fake`]: the fake Slack Web API.
//! - [`setup`]: signing in, installing the app, the incidents and their channels.
//! - [`signed`]: signed slash commands and events.
//! - [`report`]: the printed tables.

mod fake;
mod report;
mod setup;
mod signed;

use crate::client::Call;
use crate::database::{Backend, BenchDb};
use crate::load::{self, Plan, Target};
use crate::process::Server;
use crate::stats::RunFigures;
use crate::suite::Config;
use anyhow::{Context, Result};
use fake::FakeSlack;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The app's signing secret (Slack's documented example secret; nothing real).
const SIGNING_SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
/// The key sealing the bot token in the database (32 bytes of hex; nothing real).
const ENCRYPTION_KEY: &str = "0707070707070707070707070707070707070707070707070707070707070707";

/// One kind of request Slack sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// `/inc help`: the signature, the replay table, the parse, a static answer.
    Help,
    /// `/inc status monitoring "…"` in an incident's channel: the channel's incident, the Slack
    /// user's Debrief user, a status change (toggled with `identified`, so every one is a
    /// change) committed with its timeline event and its `slack.sync` job.
    Status,
    /// A `reaction_added` event with the timeline emoji in an incident channel: answered
    /// after queueing the job that adds the message to the timeline.
    Reaction,
}

impl Scenario {
    /// Every scenario, in the order they run and are reported.
    pub const ALL: [Scenario; 3] = [Scenario::Help, Scenario::Status, Scenario::Reaction];

    /// The name in the report.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Help => "/inc help",
            Scenario::Status => "/inc status (channel)",
            Scenario::Reaction => "reaction_added event",
        }
    }
}

/// One scenario at one concurrency, on the baseline and on Debrief.
#[derive(Debug, Clone)]
pub struct Row {
    /// The request.
    pub scenario: Scenario,
    /// Concurrent connections.
    pub concurrency: usize,
    /// The baseline: signature check and a fixed answer.
    pub baseline: RunFigures,
    /// Debrief.
    pub debrief: RunFigures,
}

/// Everything measured on one backend.
#[derive(Debug, Clone)]
pub struct SlackReport {
    /// Which backend.
    pub backend: Backend,
    /// Incidents (and channels) made, one per connection.
    pub channels: usize,
    /// Setup (sign-in, install, incidents, channels) in seconds.
    pub setup_s: f64,
    /// The measured runs.
    pub rows: Vec<Row>,
    /// Web API calls the fake answered during this backend's run (setup and background jobs).
    pub fake_calls: u64,
}

impl SlackReport {
    /// Failed requests.
    pub fn errors(&self) -> u64 {
        self.rows
            .iter()
            .map(|r| r.baseline.errors + r.debrief.errors)
            .sum()
    }
}

/// Runs the suite on each backend and prints the report; `Ok(false)` when something failed.
pub async fn run(cfg: &Config, backends: &[Backend]) -> Result<bool> {
    let fake = FakeSlack::start()?;
    let me =
        std::env::current_exe().context("Failed to find this program to start the baseline")?;
    let baseline_addr = crate::process::free_port()?;
    let args = [
        "baseline-server".to_string(),
        "--listen".into(),
        baseline_addr.to_string(),
        "--slack-signing-secret".into(),
        SIGNING_SECRET.into(),
    ];
    let log = cfg.work_dir.join("baseline-slack.log");
    let baseline = Server::start("Slack baseline", &me, &args, baseline_addr, &log).await?;
    let mut reports = Vec::new();
    let mut failure = None;
    for &backend in backends {
        match run_backend(cfg, backend, &fake, &baseline).await {
            Ok(r) => reports.push(r),
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    baseline.stop().await?;
    println!("{}", report::header(cfg));
    for r in &reports {
        println!("{}", report::backend(r));
    }
    if let Some(e) = failure {
        return Err(e);
    }
    let errors: u64 = reports.iter().map(SlackReport::errors).sum();
    if errors > 0 {
        eprintln!("error: {errors} requests failed (see the report)");
    }
    Ok(errors == 0)
}

async fn run_backend(
    cfg: &Config,
    backend: Backend,
    fake: &FakeSlack,
    baseline: &Server,
) -> Result<SlackReport> {
    let db = BenchDb::create(backend, &cfg.work_dir, &cfg.postgres_url).await?;
    let result = run_on(cfg, &db, fake, baseline).await;
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
    fake: &FakeSlack,
    baseline: &Server,
) -> Result<SlackReport> {
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
        "--slack-client-id",
        "1000000000.2000000000",
        "--slack-client-secret",
        "bench-client-secret-not-secret",
        "--slack-signing-secret",
        SIGNING_SECRET,
        "--slack-encryption-key",
        ENCRYPTION_KEY,
        "--slack-api-url",
        &fake.url(),
    ]
    .map(String::from);
    let log = cfg
        .work_dir
        .join(format!("debrief-slack-{}.log", name.to_lowercase()));
    let server = Server::start(
        &format!("debrief on {name}"),
        &cfg.debrief,
        &args,
        addr,
        &log,
    )
    .await?;
    let calls_before = fake.calls();
    let result = set_up_and_measure(cfg, db.backend, &server, baseline, fake, &token).await;
    let log_tail = server.log_tail();
    let stopped = server.stop().await;
    let mut report = result.with_context(|| {
        format!("The {name} Slack run failed; the server's log ends with:\n{log_tail}")
    })?;
    stopped?;
    report.fake_calls = fake.calls() - calls_before;
    Ok(report)
}

async fn set_up_and_measure(
    cfg: &Config,
    backend: Backend,
    server: &Server,
    baseline: &Server,
    fake: &FakeSlack,
    token: &str,
) -> Result<SlackReport> {
    let name = backend.name();
    let started = std::time::Instant::now();
    let incidents = cfg.concurrency.iter().copied().max().unwrap_or(1);
    eprintln!(
        "[{name}] installing the Slack app through /slack/install, declaring {incidents} incidents and waiting for their channels"
    );
    let world = setup::build(server.addr, token, fake, incidents).await?;
    let setup_s = started.elapsed().as_secs_f64();
    eprintln!(
        "[{name}] set up in {setup_s:.1} s: channels {}",
        world.channels.join(", ")
    );
    let world = Arc::new(world);
    let runs = AtomicU64::new(0);
    let mut rows = Vec::new();
    for scenario in Scenario::ALL {
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
            let measure = async |target: Target<'_>, plan: Plan, debrief: bool| {
                let run = runs.fetch_add(1, Ordering::Relaxed);
                let world = world.clone();
                load::run_calls(target, plan, move |_, worker, n| {
                    call(&world, scenario, run, worker, n, debrief)
                })
                .await
            };
            measure(on_baseline, warm, false).await?;
            let b = measure(on_baseline, plan, false).await?;
            measure(on_debrief, warm, true).await?;
            let d = measure(on_debrief, plan, true).await?;
            eprintln!(
                "[{name}] {:<22} c={concurrency}: debrief {:.0} req/s p50 {:.2} ms p99 {:.2} ms ({} errors, {} over 3 s); baseline {:.0} req/s p50 {:.2} ms",
                scenario.name(),
                d.throughput,
                d.p50_ms,
                d.p99_ms,
                d.errors,
                d.over_slack_wait,
                b.throughput,
                b.p50_ms
            );
            if let Some(e) = &d.first_error {
                eprintln!("[{name}]   first error: {e}");
            }
            rows.push(Row {
                scenario,
                concurrency,
                baseline: b,
                debrief: d,
            });
        }
    }
    Ok(SlackReport {
        backend,
        channels: world.channels.len(),
        setup_s,
        rows,
        fake_calls: 0,
    })
}

/// The `n`-th request of a run (`run` numbers the runs), sent by `worker`. Status commands go
/// to the worker's own incident channel and alternate its status, so each is a real change
/// (`debrief`: the answer must say so; the baseline's fixed answer is not checked beyond 200).
fn call(
    world: &setup::World,
    scenario: Scenario,
    run: u64,
    worker: usize,
    n: u64,
    debrief: bool,
) -> Call {
    let channel = world
        .channels
        .get(worker % world.channels.len().max(1))
        .map_or("CBENCH0001", String::as_str);
    let unique = format!("{run}.{worker}.{n}.bench");
    match scenario {
        Scenario::Help => command_call(channel, "help", &unique, debrief.then_some("runs the")),
        Scenario::Status => {
            let status = if debrief {
                world.next_status(worker)
            } else {
                "monitoring"
            };
            let text = format!("status {status} \"Bench update {unique}\"");
            command_call(channel, &text, &unique, Some("is now"))
        }
        Scenario::Reaction => signed::reaction(
            SIGNING_SECRET,
            channel,
            &format!("1765100000.{:06}", n % 1000),
            &format!("Ev{}", unique.replace('.', "X").to_uppercase()),
        ),
    }
}

fn command_call(channel: &str, text: &str, unique: &str, expect: Option<&str>) -> Call {
    signed::command(SIGNING_SECRET, channel, text, unique, expect)
}
