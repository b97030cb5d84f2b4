//! The load generator: the four request mixes of issue #2 and a run of N concurrent workers,
//! each on its own keep-alive connection, that together send at most `requests` requests and stop
//! at the time cap, whichever comes first.

use crate::client::{Call, Conn};
use crate::process::{RssSampler, cpu_ms};
use crate::stats::{Latencies, RunFigures, ServerUse, Tally};
use anyhow::{Context, Result};
use bytes::Bytes;
use hyper::header::ETAG;
use hyper::{Method, StatusCode};
use std::borrow::Borrow;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

/// The filtered first page every `list` request asks for.
pub const LIST_QUERY: &str = "/api/v1/incidents?status=investigating&severity=SEV2&limit=50";

/// One request mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scenario {
    /// `POST /api/v1/incidents` (a new SEV2 incident each time).
    Declare,
    /// `POST /api/v1/incidents/INC-n/timeline` (a note on a random seeded incident).
    Timeline,
    /// `GET /api/v1/incidents/INC-n` (a random seeded incident).
    Get,
    /// `GET /api/v1/incidents?status=investigating&severity=SEV2&limit=50`.
    List,
    /// `POST /v2/enqueue`: a PagerDuty Events v2 trigger (issue 11), one in four with a new
    /// dedup key, the others repeating one of [`HOT_KEYS`] keys (a flapping monitor).
    Alert,
    /// `GET /api/v1/search?q=…` (the search suite): a rare word, a common word, two words or
    /// a prefix, in turn at random ([`search_words`]).
    Search,
}

/// The words of the `search` scenario's next request: a rare word (one of the 997 `zqN`
/// tags of the seeded notes, about 100 incidents each), a common word (in two summaries of
/// three), two words, or a prefix.
pub fn search_words(rng: &mut Rng) -> String {
    const TWO: [&str; 4] = [
        "replica lag",
        "payment timeouts",
        "cache cluster",
        "rolled back",
    ];
    const PREFIX: [&str; 4] = ["check", "webho", "throttl", "ingre"];
    match rng.below(4) {
        0 => format!("zq{}", rng.below(997)),
        1 => "customers".into(),
        2 => TWO[rng.below(TWO.len() as u64) as usize].into(),
        _ => PREFIX[rng.below(PREFIX.len() as u64) as usize].into(),
    }
}

/// The routing key of the bench's PagerDuty integration (seeded with the incidents).
pub const ROUTING_KEY: &str = "be9c0000000000000000000000a1e47s";

/// How many dedup keys the repeated alert events share.
pub const HOT_KEYS: u64 = 200;

impl Scenario {
    /// Every scenario, in the order they run: reads first, so `list` and `get` see exactly the
    /// seeded incidents (the declare runs add thousands of new SEV2 incidents on top, which
    /// would change what the filtered list has to skip).
    pub const RUN_ORDER: [Scenario; 5] = [
        Scenario::Get,
        Scenario::List,
        Scenario::Timeline,
        Scenario::Declare,
        Scenario::Alert,
    ];

    /// Every scenario, in the order of the report (the order).
    pub const ALL: [Scenario; 5] = [
        Scenario::Declare,
        Scenario::Timeline,
        Scenario::Get,
        Scenario::List,
        Scenario::Alert,
    ];

    /// The name in the report.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Declare => "declare",
            Scenario::Timeline => "add timeline event",
            Scenario::Get => "get incident",
            Scenario::List => "list (filtered, first page)",
            Scenario::Alert => "alert event (PagerDuty v2)",
            Scenario::Search => "search (mixed words)",
        }
    }

    /// The `n`-th request of worker `worker`; `incidents` is how many seeded incidents there are
    /// (numbered 1 to `incidents`).
    fn call(self, rng: &mut Rng, worker: usize, n: u64, incidents: u64) -> Call {
        let json = |v: serde_json::Value| Bytes::from(v.to_string());
        match self {
            Scenario::Declare => Call {
                method: Method::POST,
                path: "/api/v1/incidents".into(),
                body: json(serde_json::json!({
                    "title": format!("Checkout errors above 2% (bench worker {worker}, request {n})"),
                    "severity": "SEV2",
                })),
                expect: StatusCode::CREATED,
                ..Call::default()
            },
            Scenario::Timeline => Call {
                method: Method::POST,
                path: format!(
                    "/api/v1/incidents/INC-{}/timeline",
                    rng.below(incidents) + 1
                ),
                body: json(serde_json::json!({
                    "kind": "note",
                    "body": format!("Rolled back the canary; error rate back under 0.1% (bench {worker}/{n})"),
                })),
                expect: StatusCode::CREATED,
                ..Call::default()
            },
            Scenario::Get => Call::get(format!(
                "/api/v1/incidents/INC-{}",
                rng.below(incidents) + 1
            )),
            Scenario::List => Call::get(LIST_QUERY),
            Scenario::Search => Call::get(format!(
                "/api/v1/search?q={}",
                search_words(rng).replace(' ', "%20")
            )),
            Scenario::Alert => Call {
                method: Method::POST,
                path: "/v2/enqueue".into(),
                body: json(alert_event(&alert_key(rng, worker, n))),
                expect: StatusCode::ACCEPTED,
                ..Call::default()
            },
        }
    }
}

/// The dedup key of the `n`-th alert event of worker `worker`: one in four new, the others one
/// of [`HOT_KEYS`] repeated keys.
pub fn alert_key(rng: &mut Rng, worker: usize, n: u64) -> String {
    if rng.below(4) == 0 {
        format!("new-{worker}-{n}")
    } else {
        format!("hot-{}", rng.below(HOT_KEYS))
    }
}

/// A PagerDuty Events v2 trigger with dedup key `key`, shaped like pdpyras sends it.
pub fn alert_event(key: &str) -> serde_json::Value {
    serde_json::json!({
        "event_action": "trigger",
        "routing_key": ROUTING_KEY,
        "dedup_key": key,
        "payload": {
            "summary": format!("Disk 97% full on db-{key}"),
            "source": "db-1",
            "severity": "warning",
            "custom_details": {"used_pct": 97}
        }
    })
}

/// A small deterministic generator (xorshift64*), one per worker, so runs pick the same incidents.
pub struct Rng(u64);

impl Rng {
    /// A generator for worker `seed - 1`.
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// A number in `0..n` (`n` ≥ 1).
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n.max(1)
    }
}

/// How long one request may take before the run counts it failed and stops that worker, so a
/// stuck server cannot hold a run past its time cap for long.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How much load to send.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Concurrent workers, one connection each.
    pub concurrency: usize,
    /// Most requests in the run (shared by all workers).
    pub requests: u64,
    /// Time cap: workers send nothing new after this.
    pub max: Duration,
    /// Seeded incidents (INC-1 … INC-n) that `get` and `timeline` pick from.
    pub incidents: u64,
}

/// The server a run targets.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// Its loopback address.
    pub addr: SocketAddr,
    /// Its process id, for RSS and CPU figures (none: those figures stay 0).
    pub pid: Option<u32>,
    /// The API token to send, if any.
    pub token: Option<&'a str>,
}

/// Runs one scenario against a server and measures it.
pub async fn run(target: Target<'_>, scenario: Scenario, plan: Plan) -> Result<RunFigures> {
    let incidents = plan.incidents;
    run_calls(target, plan, move |rng, worker, n| {
        scenario.call(rng, worker, n, incidents)
    })
    .await
}

/// Runs a load whose `n`-th request (sent by worker `worker`) is `make(rng, worker, n)`, and
/// measures it. `make` may hand out a shared request (`Arc<Call>`) rather than build one.
pub async fn run_calls<F, C>(target: Target<'_>, plan: Plan, make: F) -> Result<RunFigures>
where
    F: Fn(&mut Rng, usize, u64) -> C + Clone + Send + 'static,
    C: Borrow<Call> + Send,
{
    let mut conns = Vec::with_capacity(plan.concurrency);
    for _ in 0..plan.concurrency {
        conns.push(Conn::open(target.addr, target.token).await?);
    }
    let sent = Arc::new(AtomicU64::new(0));
    let sampler = target.pid.map(RssSampler::start);
    let cpu_before = target.pid.map(cpu_ms).transpose()?;
    let started = Instant::now();
    let deadline = started + plan.max;
    let mut workers = JoinSet::new();
    for (worker, mut conn) in conns.into_iter().enumerate() {
        let sent = sent.clone();
        let make = make.clone();
        workers.spawn(async move {
            let mut rng = Rng::new(worker as u64 + 1);
            let mut latencies = Latencies::with_capacity(1024);
            let mut tally = Tally::default();
            while Instant::now() < deadline {
                let n = sent.fetch_add(1, Ordering::Relaxed);
                if n >= plan.requests {
                    break;
                }
                let made = make(&mut rng, worker, n);
                let call: &Call = made.borrow();
                let t0 = Instant::now();
                let outcome = match tokio::time::timeout(REQUEST_TIMEOUT, conn.expect(call)).await {
                    Ok(outcome) => outcome,
                    Err(_) => {
                        tally.errors += 1;
                        tally.first_error.get_or_insert_with(|| {
                            format!(
                                "{} {}: no answer within {REQUEST_TIMEOUT:?}",
                                call.method, call.path
                            )
                        });
                        break;
                    }
                };
                let took = t0.elapsed();
                match outcome {
                    Ok(answer) => {
                        latencies.record(took);
                        tally.body_bytes += answer.body.len() as u64;
                        if let Some(etag) = answer.headers.get(ETAG) {
                            tally.saw_etag(etag);
                        }
                    }
                    Err(e) => {
                        tally.errors += 1;
                        tally.first_error.get_or_insert_with(|| format!("{e:#}"));
                        if conn.closed() {
                            break;
                        }
                    }
                }
            }
            (latencies, tally)
        });
    }
    let mut latencies = Latencies::with_capacity(plan.requests.min(1 << 20) as usize);
    let mut tally = Tally::default();
    while let Some(done) = workers.join_next().await {
        let (l, t) = done.context("A load worker panicked")?;
        latencies.merge(l);
        tally.merge(t);
    }
    let elapsed = started.elapsed();
    let cpu_ms = match (target.pid, cpu_before) {
        (Some(pid), Some(before)) => cpu_ms(pid)? - before,
        _ => 0.0,
    };
    let server = ServerUse {
        peak_rss_kb: sampler.map_or(0, RssSampler::finish),
        cpu_ms,
    };
    Ok(RunFigures::from_samples(latencies, tally, elapsed, server))
}
