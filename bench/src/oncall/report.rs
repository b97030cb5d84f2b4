//! The on-call suite's report: per read and concurrency, the baseline, Debrief and the
//! in-process computation with the ratios; then the notification run beside its baseline.
//! Nothing here is a target: speed is reported, never asserted.

use super::{OncallReport, Row};
use crate::report::{ratio, thousands};
use crate::stats::RunFigures;
use crate::suite::Config;
use std::fmt::Write as _;

/// The report's heading: what was run, on what.
pub fn header(cfg: &Config) -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!(
        "Debrief on-call benchmark (issue #12): each run at most {} requests or {:.0} s after {} warm-up requests;\n\
         concurrency {:?}; loopback 127.0.0.1; {cpus} CPUs; load average before the run (1, 5, 15 min): {}.\n\
         baseline = a bare axum handler serving the bytes fetched from Debrief at the same path (same connections,\n\
         same token header); compute = the same computation by debrief-core in this process on as many threads as\n\
         connections (no HTTP, no database, no JSON). The load generator is one thread of this process.\n",
        thousands(cfg.requests as f64),
        cfg.max.as_secs_f64(),
        thousands(cfg.warmup as f64),
        cfg.concurrency,
        cfg.loadavg,
    )
}

fn line(s: &mut String, what: &str, c: usize, run: &str, f: &RunFigures) {
    let _ = writeln!(
        s,
        "{what:<24} {c:>4} {run:<36} {:>6} {:>6.2} {:>8} {:>8.3} {:>8.3} {:>8.2} {:>4} {:>8} {:>7.0}",
        f.ok,
        f.elapsed.as_secs_f64(),
        thousands(f.throughput),
        f.p50_ms,
        f.p99_ms,
        f.max_ms,
        f.errors,
        thousands(f.body_bytes as f64),
        f.cpu_us_per_req,
    );
}

fn ratios(s: &mut String, row: &Row) {
    let (d, b) = (&row.debrief, &row.baseline);
    let _ = writeln!(
        s,
        "{:<24} {:>4} debrief / baseline: req/s {}  p50 {}  p99 {}  CPU {}",
        "",
        row.concurrency,
        ratio(d.throughput, b.throughput),
        ratio(d.p50_ms, b.p50_ms),
        ratio(d.p99_ms, b.p99_ms),
        ratio(d.cpu_us_per_req, b.cpu_us_per_req),
    );
    for (w, c) in &row.compute {
        let _ = writeln!(
            s,
            "{:<24} {:>4} debrief / {:<33} req/s {}  p50 {}  p99 {}",
            "",
            row.concurrency,
            w.name().trim_start_matches("compute: "),
            ratio(d.throughput, c.throughput),
            ratio(d.p50_ms, c.p50_ms),
            ratio(d.p99_ms, c.p99_ms),
        );
    }
}

/// One backend's tables.
pub fn backend(r: &OncallReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "== {}: {} schedules ({} layers, {} restricted; 4 zones), the busy one with 300 overrides over 90 days;\n   \
         100 users, 10 teams, 30 services with policies; built through the API in {:.1} s ==\n",
        r.backend.name(),
        r.schedules,
        r.layers,
        r.restricted,
        r.setup_time.as_secs_f64()
    );
    for (what, path, size) in &r.sizes {
        let _ = writeln!(s, "  {what}: GET {path}: {} bytes", thousands(*size as f64));
    }
    let _ = writeln!(
        s,
        "\n{:<24} {:>4} {:<36} {:>6} {:>6} {:>8} {:>8} {:>8} {:>8} {:>4} {:>8} {:>7}",
        "read",
        "conc",
        "run",
        "n",
        "time s",
        "req/s",
        "p50 ms",
        "p99 ms",
        "max ms",
        "err",
        "bytes",
        "CPU us"
    );
    for row in &r.rows {
        line(
            &mut s,
            row.name,
            row.concurrency,
            "baseline (same bytes)",
            &row.baseline,
        );
        line(&mut s, "", row.concurrency, "debrief", &row.debrief);
        for (w, c) in &row.compute {
            line(&mut s, "", row.concurrency, w.name(), c);
        }
        ratios(&mut s, row);
    }
    let _ = writeln!(
        s,
        "(req/s of a compute line: operations a second; CPU us: the server's CPU time per request)"
    );
    for row in &r.rows {
        if let Some(e) = [&row.baseline, &row.debrief]
            .iter()
            .find_map(|f| f.first_error.as_deref())
        {
            let _ = writeln!(s, "  errors in {} c={}: {e}", row.name, row.concurrency);
        }
    }
    let n = &r.notify;
    let _ = writeln!(
        s,
        "\nNotifications: {} users with one webhook rule at 0 minutes, one policy level targeting all of them,\n\
         {} pages opened at once: {} notifications expected, {} received (mean body {} bytes).",
        super::notify::USERS,
        super::notify::PAGES,
        n.expected,
        n.received,
        thousands(n.body_bytes as f64)
    );
    let _ = writeln!(
        s,
        "  all pages opened (last 201) after {:.0} ms; first notification after {:.0} ms; all after {:.0} ms",
        n.opened_ms, n.first_ms, n.all_ms
    );
    let _ = writeln!(
        s,
        "  debrief:  {:>8} notifications/s (server CPU {:.0} us per notification)",
        thousands(n.per_second),
        n.cpu_us
    );
    let b = &n.baseline;
    let _ = writeln!(
        s,
        "  baseline: {:>8} POSTs/s straight to the receiver at {} connections (the runner's batch), p50 {:.2} ms, p99 {:.2} ms",
        thousands(b.throughput),
        super::notify::RUNNER_CONCURRENCY,
        b.p50_ms,
        b.p99_ms
    );
    let _ = writeln!(
        s,
        "  debrief / baseline: {}",
        ratio(n.per_second, b.throughput)
    );
    if let Some(e) = &n.error {
        let _ = writeln!(s, "  ERROR: {e}");
    }
    s
}
