//! The status suite's report: what setup found at each path, a table of the three runs of each
//! path and encoding, what the publisher did, and issue #4's targets marked PASS or MISS. The
//! targets are information, never the exit code.

use super::StatusReport;
use super::setup::Found;
use crate::report::{ratio, thousands};
use crate::stats::RunFigures;
use crate::suite::Config;
use std::fmt::Write as _;

/// Debrief's throughput must be at least this share of the baseline's.
const TARGET_RATIO: f64 = 0.5;
/// Debrief's p99 must be under this, ms.
const TARGET_P99_MS: f64 = 5.0;
/// The concurrency the targets are stated for.
const TARGET_CONCURRENCY: usize = 64;

/// The report's heading: what was run, on what.
pub fn header(cfg: &Config) -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!(
        "Debrief status page benchmark (issue #4): each run at most {} requests or {:.0} s after {} warm-up\n\
         requests; concurrency {:?}; loopback 127.0.0.1; {cpus} CPUs; load average before the run (1, 5, 15 min): {}.\n\
         baseline = a bare axum handler serving the bytes fetched from Debrief at the same path; debrief = the\n\
         same requests to Debrief right after; publishing = Debrief again while an update that changes the page\n\
         is published every 100 ms. The load generator is one thread of this process, on the same machine.\n",
        thousands(cfg.requests as f64),
        cfg.max.as_secs_f64(),
        thousands(cfg.warmup as f64),
        cfg.concurrency,
        cfg.loadavg,
    )
}

fn enc(gzip: bool) -> &'static str {
    if gzip { "gzip" } else { "identity" }
}

fn figures_line(s: &mut String, path: &str, e: &str, c: usize, run: &str, f: &RunFigures) {
    let _ = writeln!(
        s,
        "{path:<36} {e:<8} {c:>4} {run:<10} {:>6} {:>6.2} {:>8} {:>7.3} {:>7.3} {:>7.2} {:>4} {:>7} {:>6.0} {:>8}",
        f.ok,
        f.elapsed.as_secs_f64(),
        thousands(f.throughput),
        f.p50_ms,
        f.p99_ms,
        f.max_ms,
        f.errors,
        f.body_bytes,
        f.cpu_us_per_req,
        f.versions,
    );
}

/// One backend's tables.
pub fn backend(r: &StatusReport) -> String {
    let mut s = String::new();
    let p = &r.page;
    let _ = writeln!(
        s,
        "== {}: a page of {} components in 3 groups, {} incidents, {} published updates ==\n",
        r.backend.name(),
        p.components.len(),
        p.incidents,
        p.updates
    );
    let _ = writeln!(
        s,
        "Public paths at setup (the baseline serves these bytes):"
    );
    for f in &r.found {
        let _ = match f {
            Found::Served(f) => writeln!(
                s,
                "  {:<36} {:<28} {:>8} bytes, gzip {}",
                f.path,
                f.content_type.to_str().unwrap_or("?"),
                thousands(f.body.len() as f64),
                f.gzip.as_ref().map_or("not offered".into(), |g| format!(
                    "{} bytes",
                    thousands(g.len() as f64)
                ))
            ),
            Found::Skipped { path, status } => writeln!(
                s,
                "  {path:<36} SKIPPED: answered {status} at setup, so NOT measured (not served by this build)"
            ),
        };
    }
    if r.rows.is_empty() {
        let _ = writeln!(s, "\nNothing to measure.");
        return s;
    }
    let _ = writeln!(
        s,
        "\n{:<36} {:<8} {:>4} {:<10} {:>6} {:>6} {:>8} {:>7} {:>7} {:>7} {:>4} {:>7} {:>6} {:>8}",
        "path",
        "encoding",
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
        "CPU us",
        "versions"
    );
    for row in &r.rows {
        let (e, c) = (enc(row.gzip), row.concurrency);
        figures_line(&mut s, &row.path, e, c, "baseline", &row.baseline);
        figures_line(&mut s, "", "", c, "debrief", &row.debrief);
        figures_line(&mut s, "", "", c, "publishing", &row.publishing);
    }
    let _ = writeln!(
        s,
        "(bytes: mean body as sent; CPU us: the server's CPU time per request; versions: distinct ETags served)"
    );
    let _ = writeln!(s, "\nPublishing during the publishing runs:");
    for row in &r.rows {
        let p = &row.published;
        let _ = writeln!(
            s,
            "  {:<36} {:<8} {:>4} updates published ({} failed), {} versions served; one publish p50 {:.1} ms, slowest {:.1} ms",
            row.path,
            enc(row.gzip),
            p.updates,
            p.errors,
            row.publishing.versions,
            p.p50_ms,
            p.max_ms
        );
    }
    for row in &r.rows {
        let errors = [&row.baseline, &row.debrief, &row.publishing]
            .into_iter()
            .find_map(|f| f.first_error.as_deref())
            .or(row.published.first_error.as_deref());
        if let Some(e) = errors {
            let _ = writeln!(s, "  errors in {} {}: {e}", row.path, enc(row.gzip));
        }
    }
    s.push_str(&targets(r));
    s
}

fn verdict(pass: bool) -> &'static str {
    if pass { "PASS" } else { "MISS" }
}

fn targets(r: &StatusReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\nTargets of issue #4 ({}; headline: gzip; informational, never the exit code):\n  \
         throughput at least {TARGET_RATIO:.2}x the baseline's, p99 under {TARGET_P99_MS} ms, at {TARGET_CONCURRENCY} connections",
        r.backend.name()
    );
    for row in &r.rows {
        for (run, f) in [("debrief", &row.debrief), ("publishing", &row.publishing)] {
            let x = row.baseline.throughput;
            let share = if x > 0.0 { f.throughput / x } else { 0.0 };
            let note = if row.concurrency == TARGET_CONCURRENCY {
                String::new()
            } else {
                format!(" (at c={}, not {TARGET_CONCURRENCY})", row.concurrency)
            };
            let _ = writeln!(
                s,
                "  {:<36} {:<8} {run:<10} req/s {:>7} of baseline {}   p99 {:>7.2} ms {}{note}",
                row.path,
                enc(row.gzip),
                ratio(f.throughput, x),
                verdict(share >= TARGET_RATIO),
                f.p99_ms,
                verdict(f.p99_ms < TARGET_P99_MS),
            );
        }
    }
    for f in &r.found {
        if let Found::Skipped { path, status } = f {
            let _ = writeln!(s, "  {path:<36} not measured: answered {status} at setup");
        }
    }
    let _ = writeln!(
        s,
        "Checks: every counted answer was 200 with the expected Content-Type and Content-Encoding;\n  \
         a conditional GET with the ETag answered 304 (no body) at setup and after each path's runs."
    );
    s
}
