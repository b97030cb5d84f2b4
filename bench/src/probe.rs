//! `debrief-bench load`: one scenario's load (or a `GET` of one path, like a status page) against
//! a Debrief server already running on loopback, with its figures printed on one line; for
//! profiling a single request mix (run the server under `perf`, say) without the whole benchmark
//! around it.

use crate::client::Call;
use crate::load;
use anyhow::{Result, bail};
use hyper::header::{ACCEPT_ENCODING, HeaderValue};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// Options of `debrief-bench load`.
#[derive(clap::Args)]
pub struct LoadArgs {
    /// The server's loopback address, like 127.0.0.1:8080.
    #[arg(long)]
    addr: SocketAddr,
    /// An API token (from `debrief token create`).
    #[arg(long, env = "DEBRIEF_TOKEN")]
    token: String,
    /// The server's process id, for its CPU and RSS figures.
    #[arg(long)]
    pid: Option<u32>,
    /// The request mix.
    #[arg(long, value_enum, required_unless_present = "path")]
    scenario: Option<load::Scenario>,
    /// Instead of a scenario, `GET` this path every time (a status page, say), expecting 200.
    #[arg(long, conflicts_with = "scenario")]
    path: Option<String>,
    /// With `--path`: send `Accept-Encoding: gzip`.
    #[arg(long, requires = "path")]
    gzip: bool,
    /// Concurrent connections.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Most requests to send.
    #[arg(long, default_value_t = 10_000)]
    requests: u64,
    /// Time cap in seconds.
    #[arg(long, default_value_t = 10.0)]
    max_seconds: f64,
    /// Incidents INC-1 … INC-n that get and timeline pick from.
    #[arg(long, default_value_t = 100_000)]
    incidents: u64,
}

/// Runs one scenario against a running server and prints its figures.
pub async fn run(a: LoadArgs) -> Result<bool> {
    if !a.addr.ip().is_loopback() {
        bail!("--addr must be a loopback address: the benchmark never loads another machine");
    }
    let sane = a.max_seconds > 0.0 && a.max_seconds <= 600.0 && (1..=256).contains(&a.concurrency);
    if !sane {
        bail!("--max-seconds must be in (0, 600] and --concurrency in 1..=256");
    }
    let target = load::Target {
        addr: a.addr,
        pid: a.pid,
        token: Some(&a.token),
    };
    let plan = load::Plan {
        concurrency: a.concurrency,
        requests: a.requests,
        max: Duration::from_secs_f64(a.max_seconds),
        incidents: a.incidents.max(1),
    };
    let (name, f) = match (a.scenario, &a.path) {
        (Some(scenario), _) => (
            scenario.name().to_string(),
            load::run(target, scenario, plan).await?,
        ),
        (None, Some(path)) => {
            let mut call = Call::get(path.as_str());
            if a.gzip {
                call.headers
                    .push((ACCEPT_ENCODING, HeaderValue::from_static("gzip")));
            }
            let call = Arc::new(call);
            let f = load::run_calls(target, plan, move |_, _, _| call.clone()).await?;
            (format!("GET {path}"), f)
        }
        (None, None) => bail!("give --scenario or --path"),
    };
    println!(
        "{} c={}: {} ok, {} errors in {:.2} s: {:.0} req/s, p50 {:.3} ms, p99 {:.3} ms, max {:.2} ms, \
         {:.0} us CPU/req, peak RSS {:.1} MiB",
        name,
        a.concurrency,
        f.ok,
        f.errors,
        f.elapsed.as_secs_f64(),
        f.throughput,
        f.p50_ms,
        f.p99_ms,
        f.max_ms,
        f.cpu_us_per_req,
        f.peak_rss_kb as f64 / 1024.0
    );
    if let Some(e) = &f.first_error {
        println!("first error: {e}");
    }
    Ok(f.errors == 0)
}
