//! The slack suite's report: per scenario and concurrency, the baseline and Debrief with the
//! ratios and the share of answers slower than Slack's three seconds. Nothing here is a target:
//! speed is reported, never asserted.

use super::{Row, SlackReport};
use crate::report::{ratio, thousands};
use crate::stats::RunFigures;
use crate::suite::Config;
use std::fmt::Write as _;

/// The report's heading: what was run, on what.
pub fn header(cfg: &Config) -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!(
        "Debrief Slack benchmark (issue #13): each run at most {} requests or {:.0} s after {} warm-up requests;\n\
         concurrency {:?}; loopback 127.0.0.1; {cpus} CPUs; load average before the run (1, 5, 15 min): {}.\n\
         Every request is signed (v0 HMAC-SHA256) and one of a kind. baseline = a bare axum handler that checks\n\
         the signature and answers a fixed 200 JSON at the same path, so debrief / baseline is what Debrief adds\n\
         beyond signing: the replay table, the database, the action. Slack waits 3 s for an answer.\n\
         The load generator is one thread of this process; the fake Slack Web API another.\n",
        thousands(cfg.requests as f64),
        cfg.max.as_secs_f64(),
        thousands(cfg.warmup as f64),
        cfg.concurrency,
        cfg.loadavg,
    )
}

fn over_share(f: &RunFigures) -> String {
    let all = f.ok + f.errors;
    if all == 0 {
        return "-".into();
    }
    format!("{:.1}%", 100.0 * f.over_slack_wait as f64 / all as f64)
}

fn line(s: &mut String, what: &str, c: usize, run: &str, f: &RunFigures) {
    let _ = writeln!(
        s,
        "{what:<22} {c:>4} {run:<9} {:>6} {:>6.2} {:>8} {:>8.3} {:>8.3} {:>8.2} {:>4} {:>6} {:>7.0}",
        f.ok,
        f.elapsed.as_secs_f64(),
        thousands(f.throughput),
        f.p50_ms,
        f.p99_ms,
        f.max_ms,
        f.errors,
        over_share(f),
        f.cpu_us_per_req,
    );
}

fn ratios(s: &mut String, row: &Row) {
    let (d, b) = (&row.debrief, &row.baseline);
    let _ = writeln!(
        s,
        "{:<22} {:>4} debrief / baseline: req/s {}  p50 {}  p99 {}  CPU {}",
        "",
        row.concurrency,
        ratio(d.throughput, b.throughput),
        ratio(d.p50_ms, b.p50_ms),
        ratio(d.p99_ms, b.p99_ms),
        ratio(d.cpu_us_per_req, b.cpu_us_per_req),
    );
}

/// One backend's table.
pub fn backend(r: &SlackReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "== {}: app installed through /slack/install and the OAuth callback; {} incidents with a channel each\n   \
         (one per connection); set up in {:.1} s; the fake Slack answered {} Web API calls during this backend's run ==\n",
        r.backend.name(),
        r.channels,
        r.setup_s,
        thousands(r.fake_calls as f64),
    );
    let _ = writeln!(
        s,
        "{:<22} {:>4} {:<9} {:>6} {:>6} {:>8} {:>8} {:>8} {:>8} {:>4} {:>6} {:>7}",
        "scenario",
        "conc",
        "run",
        "n",
        "time s",
        "req/s",
        "p50 ms",
        "p99 ms",
        "max ms",
        "err",
        ">3 s",
        "CPU us"
    );
    for row in &r.rows {
        line(
            &mut s,
            row.scenario.name(),
            row.concurrency,
            "baseline",
            &row.baseline,
        );
        line(&mut s, "", row.concurrency, "debrief", &row.debrief);
        ratios(&mut s, row);
    }
    let _ = writeln!(
        s,
        "(>3 s: share of requests answered after Slack's 3 s, which Slack shows as a failure; CPU us: the server's CPU per request)"
    );
    for row in &r.rows {
        if let Some(e) = [&row.baseline, &row.debrief]
            .iter()
            .find_map(|f| f.first_error.as_deref())
        {
            let _ = writeln!(
                s,
                "  errors in {} c={}: {e}",
                row.scenario.name(),
                row.concurrency
            );
        }
    }
    s
}
