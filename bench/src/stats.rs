//! Latency samples and the figures drawn from them: throughput, p50, p99, max.
//!
//! Every request's latency is kept (a run is bounded to a few thousand requests), so the
//! percentiles are exact nearest-rank values rather than bucket estimates.

use hyper::header::HeaderValue;
use std::time::Duration;

/// The latencies of one load run, in nanoseconds.
#[derive(Debug, Default, Clone)]
pub struct Latencies {
    nanos: Vec<u64>,
    sorted: bool,
}

impl Latencies {
    /// An empty set with room for `n` samples.
    pub fn with_capacity(n: usize) -> Self {
        Self {
            nanos: Vec::with_capacity(n),
            sorted: true,
        }
    }

    /// Adds one sample.
    pub fn record(&mut self, d: Duration) {
        self.nanos
            .push(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
        self.sorted = false;
    }

    /// Adds every sample of another set.
    pub fn merge(&mut self, other: Latencies) {
        self.nanos.extend(other.nanos);
        self.sorted = false;
    }

    /// How many samples there are.
    pub fn len(&self) -> usize {
        self.nanos.len()
    }

    fn sort(&mut self) {
        if !self.sorted {
            self.nanos.sort_unstable();
            self.sorted = true;
        }
    }

    /// The nearest-rank percentile `p` (0 < p ≤ 100) in milliseconds; 0 when empty.
    pub fn percentile_ms(&mut self, p: f64) -> f64 {
        self.sort();
        if self.nanos.is_empty() {
            return 0.0;
        }
        let rank = ((p / 100.0) * self.nanos.len() as f64).ceil() as usize;
        let i = rank.clamp(1, self.nanos.len()) - 1;
        self.nanos[i] as f64 / 1e6
    }

    /// How many samples took longer than `limit`.
    pub fn count_over(&self, limit: Duration) -> u64 {
        let limit = u64::try_from(limit.as_nanos()).unwrap_or(u64::MAX);
        self.nanos.iter().filter(|n| **n > limit).count() as u64
    }

    /// The slowest sample in milliseconds; 0 when empty.
    pub fn max_ms(&mut self) -> f64 {
        self.sort();
        self.nanos.last().map_or(0.0, |n| *n as f64 / 1e6)
    }
}

/// Counts kept beside the latencies during a run.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// Failed requests.
    pub errors: u64,
    /// The first failure's message.
    pub first_error: Option<String>,
    /// Total body bytes of the successful answers.
    pub body_bytes: u64,
    /// The distinct `ETag`s of successful answers, in the order first seen: how many versions of
    /// a changing document the run was served.
    pub etags: Vec<HeaderValue>,
}

impl Tally {
    /// Notes an answer's `ETag` (cheap when it is the last one seen, as it nearly always is).
    pub fn saw_etag(&mut self, etag: &HeaderValue) {
        if self.etags.last() != Some(etag) && !self.etags.contains(etag) {
            self.etags.push(etag.clone());
        }
    }

    /// Adds another worker's counts.
    pub fn merge(&mut self, other: Tally) {
        self.errors += other.errors;
        self.body_bytes += other.body_bytes;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
        for e in &other.etags {
            self.saw_etag(e);
        }
    }
}

/// What the server process used during a run.
#[derive(Debug, Clone, Copy, Default)]
pub struct ServerUse {
    /// Highest RSS sampled, kB.
    pub peak_rss_kb: u64,
    /// CPU time used, ms.
    pub cpu_ms: f64,
}

/// What one load run measured.
#[derive(Debug, Clone, Default)]
pub struct RunFigures {
    /// Requests answered with the expected status.
    pub ok: u64,
    /// Requests that failed (wrong status or a connection error).
    pub errors: u64,
    /// The first failure, for the report.
    pub first_error: Option<String>,
    /// Wall time from the first request sent to the last answer received.
    pub elapsed: Duration,
    /// Mean size of a successful answer's body, in bytes.
    pub body_bytes: u64,
    /// Successful requests per second.
    pub throughput: f64,
    /// Median latency in ms.
    pub p50_ms: f64,
    /// 99th percentile latency in ms.
    pub p99_ms: f64,
    /// Slowest request in ms.
    pub max_ms: f64,
    /// The server's highest resident set size sampled during the run, in kB.
    pub peak_rss_kb: u64,
    /// The server's CPU time (all threads) per successful request, in microseconds.
    pub cpu_us_per_req: f64,
    /// Distinct `ETag`s among the answers (0 when the server sends none): the versions of the
    /// document served during the run.
    pub versions: u64,
    /// Answers that took longer than [`SLACK_WAIT`], the three seconds Slack waits (issue 13).
    pub over_slack_wait: u64,
}

/// How long Slack waits for an answer to a command or an event before it shows the user an
/// error (issue 13).
pub const SLACK_WAIT: Duration = Duration::from_secs(3);

impl RunFigures {
    /// Draws the figures from a run's samples.
    pub fn from_samples(
        mut lat: Latencies,
        tally: Tally,
        elapsed: Duration,
        server: ServerUse,
    ) -> Self {
        let ok = lat.len() as u64;
        let versions = tally.etags.len() as u64;
        let over_slack_wait = lat.count_over(SLACK_WAIT);
        let secs = elapsed.as_secs_f64();
        Self {
            ok,
            errors: tally.errors,
            first_error: tally.first_error,
            elapsed,
            body_bytes: tally.body_bytes.checked_div(ok).unwrap_or(0),
            throughput: if secs > 0.0 { ok as f64 / secs } else { 0.0 },
            p50_ms: lat.percentile_ms(50.0),
            p99_ms: lat.percentile_ms(99.0),
            max_ms: lat.max_ms(),
            peak_rss_kb: server.peak_rss_kb,
            cpu_us_per_req: if ok > 0 {
                server.cpu_ms * 1e3 / ok as f64
            } else {
                0.0
            },
            versions,
            over_slack_wait,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let mut l = Latencies::with_capacity(100);
        for ms in 1..=100u64 {
            l.record(Duration::from_millis(ms));
        }
        assert_eq!(l.percentile_ms(50.0), 50.0);
        assert_eq!(l.percentile_ms(99.0), 99.0);
        assert_eq!(l.max_ms(), 100.0);
        assert_eq!(Latencies::default().percentile_ms(99.0), 0.0);
    }

    #[test]
    fn throughput_counts_only_answered_requests() {
        let mut l = Latencies::with_capacity(10);
        for _ in 0..10 {
            l.record(Duration::from_millis(1));
        }
        let tally = Tally {
            errors: 2,
            first_error: None,
            body_bytes: 1000,
            etags: Vec::new(),
        };
        let f = RunFigures::from_samples(
            l,
            tally,
            Duration::from_secs(2),
            ServerUse {
                peak_rss_kb: 0,
                cpu_ms: 50.0,
            },
        );
        assert_eq!(f.ok, 10);
        assert_eq!(f.body_bytes, 100);
        assert_eq!(f.cpu_us_per_req, 5000.0);
        assert_eq!(f.throughput, 5.0);
    }

    #[test]
    fn versions_count_distinct_etags_across_workers() {
        let (a, b) = (
            HeaderValue::from_static("\"a\""),
            HeaderValue::from_static("\"b\""),
        );
        let mut one = Tally::default();
        for e in [&a, &a, &b, &a] {
            one.saw_etag(e);
        }
        let mut two = Tally::default();
        two.saw_etag(&b);
        two.merge(one);
        let f = RunFigures::from_samples(
            Latencies::default(),
            two,
            Duration::from_secs(1),
            ServerUse::default(),
        );
        assert_eq!(f.versions, 2);
    }
}
