//! Prometheus metrics of Debrief itself, served at `GET /metrics` in the text exposition format
//! (version 0.0.4, as the Prometheus client libraries write it): HTTP requests by route and
//! status with their durations, alert events received, and, read from the database at scrape
//! time, the job queue's depth and age, failed deliveries and open incidents by severity.
//!
//! Counters live in this server's memory ([`Registry`], one per [`crate::AppState`]), so each
//! server of a fleet reports its own and a restart starts them again from zero (Prometheus's
//! `rate()` understands resets). Gauges read from the database are the fleet's.
//!
//! The endpoint (`api::metrics`) needs either the bearer token given by `--metrics-token`
//! (`DEBRIEF_METRICS_TOKEN`), for a Prometheus scrape config, or an admin's credentials: the
//! counts include private incidents.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// Upper bounds of the request duration buckets, in seconds.
pub const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// A histogram's cumulative bucket counts, sum and count.
#[derive(Debug, Default, Clone)]
pub struct Histogram {
    /// Cumulative counts, one per bucket of [`BUCKETS`].
    pub buckets: [u64; BUCKETS.len()],
    /// The sum of the observed durations.
    pub sum: f64,
    /// How many were observed.
    pub count: u64,
}

/// This server's counters.
#[derive(Debug, Default)]
pub struct Registry {
    /// Requests by (method, route, status).
    pub(crate) requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    /// Durations by (method, route).
    pub(crate) durations: Mutex<BTreeMap<(String, String), Histogram>>,
    /// Alert events received, by integration kind.
    pub(crate) alerts: Mutex<BTreeMap<String, u64>>,
}

impl Registry {
    /// Counts one answered request.
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let key = (method.to_string(), route.to_string());
        if let Ok(mut r) = self.requests.lock() {
            *r.entry((key.0.clone(), key.1.clone(), status)).or_default() += 1;
        }
        if let Ok(mut d) = self.durations.lock() {
            let h = d.entry(key).or_default();
            for (i, bound) in BUCKETS.iter().enumerate() {
                if seconds <= *bound {
                    h.buckets[i] += 1;
                }
            }
            h.sum += seconds;
            h.count += 1;
        }
    }

    /// Counts alert events received by an integration of `kind`.
    pub fn alerts_received(&self, kind: &str, n: u64) {
        if let Ok(mut a) = self.alerts.lock() {
            *a.entry(kind.to_string()).or_default() += n;
        }
    }
}

/// A label value escaped as the format wants (`\`, `"` and newlines).
pub fn esc(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_fill_every_bucket_at_or_above_them() {
        let r = Registry::default();
        r.observe("GET", "/api/v1/incidents", 200, 0.02);
        r.observe("GET", "/api/v1/incidents", 404, 3.0);
        let d = r.durations.lock().unwrap();
        let h = &d[&("GET".to_string(), "/api/v1/incidents".to_string())];
        assert_eq!(h.count, 2);
        assert_eq!(h.buckets[0], 0, "0.005");
        assert_eq!(h.buckets[2], 1, "0.025");
        assert_eq!(h.buckets[10], 2, "10");
        assert_eq!(esc("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
