//! Per-incident metrics, exactly as DESIGN.md defines them, and MTTx over sets of incidents.
//!
//! A metric whose timestamps are missing is `None`, never guessed.

use crate::Timestamp;
use crate::timestamps::KeyTimestamps;
use serde::Serialize;

/// The metrics of one incident, durations in seconds (millisecond precision).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentMetrics {
    /// detected − started.
    pub time_to_detect_seconds: Option<f64>,
    /// acknowledged − detected.
    pub time_to_acknowledge_seconds: Option<f64>,
    /// first external comms − detected.
    pub time_to_communicate_seconds: Option<f64>,
    /// mitigated − started.
    pub time_to_mitigate_seconds: Option<f64>,
    /// resolved − detected.
    pub time_to_resolve_seconds: Option<f64>,
    /// started → mitigated, or → resolved when never mitigated, in minutes.
    pub downtime_minutes: Option<f64>,
    /// Downtime counted for each affected service.
    pub service_downtime: Vec<ServiceDowntime>,
}

/// Downtime of one affected service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceDowntime {
    /// Service slug.
    pub service: String,
    /// Minutes of downtime.
    pub minutes: f64,
}

fn seconds(from: Option<Timestamp>, to: Option<Timestamp>) -> Option<f64> {
    let (from, to) = (from?, to?);
    Some((to.as_millisecond() - from.as_millisecond()) as f64 / 1000.0)
}

/// Computes the metrics of one incident from its key timestamps and affected services.
pub fn compute(k: &KeyTimestamps, services: &[String]) -> IncidentMetrics {
    let downtime_end = k.mitigated_at.or(k.resolved_at);
    let downtime_minutes = seconds(k.started_at, downtime_end).map(|s| s / 60.0);
    IncidentMetrics {
        time_to_detect_seconds: seconds(k.started_at, k.detected_at),
        time_to_acknowledge_seconds: seconds(k.detected_at, k.acknowledged_at),
        time_to_communicate_seconds: seconds(k.detected_at, k.first_external_comms_at),
        time_to_mitigate_seconds: seconds(k.started_at, k.mitigated_at),
        time_to_resolve_seconds: seconds(k.detected_at, k.resolved_at),
        downtime_minutes,
        service_downtime: match downtime_minutes {
            Some(m) => services
                .iter()
                .map(|s| ServiceDowntime {
                    service: s.clone(),
                    minutes: m,
                })
                .collect(),
            None => Vec::new(),
        },
    }
}

/// Mean, median and 90th percentile of a set of durations (MTTx).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// How many incidents had the metric.
    pub count: usize,
    /// Arithmetic mean.
    pub mean: Option<f64>,
    /// Median (average of the middle two for an even count).
    pub median: Option<f64>,
    /// 90th percentile (nearest rank).
    pub p90: Option<f64>,
}

/// Summarises the present values, ignoring incidents where the metric is missing.
pub fn summarize(values: impl IntoIterator<Item = Option<f64>>) -> Summary {
    let mut v: Vec<f64> = values.into_iter().flatten().collect();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        return Summary {
            count: 0,
            mean: None,
            median: None,
            p90: None,
        };
    }
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    };
    let rank = ((0.9 * n as f64).ceil() as usize).clamp(1, n);
    Summary {
        count: n,
        mean: Some(v.iter().sum::<f64>() / n as f64),
        median: Some(median),
        p90: Some(v[rank - 1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Option<Timestamp> {
        Some(format!("2026-11-21T{s}Z").parse().unwrap())
    }

    #[test]
    fn metrics_follow_the_definitions() {
        let k = KeyTimestamps {
            started_at: t("09:50:00"),
            detected_at: t("10:00:00"),
            acknowledged_at: t("10:02:30.500"),
            first_comms_at: t("10:03:00"),
            first_external_comms_at: t("10:05:00"),
            mitigated_at: t("10:20:00"),
            resolved_at: t("11:00:00"),
            ..Default::default()
        };
        let m = compute(&k, &["api".into(), "web".into()]);
        assert_eq!(m.time_to_detect_seconds, Some(600.0));
        assert_eq!(m.time_to_acknowledge_seconds, Some(150.5));
        assert_eq!(m.time_to_communicate_seconds, Some(300.0));
        assert_eq!(m.time_to_mitigate_seconds, Some(1800.0));
        assert_eq!(m.time_to_resolve_seconds, Some(3600.0));
        assert_eq!(m.downtime_minutes, Some(30.0));
        assert_eq!(m.service_downtime.len(), 2);
    }

    #[test]
    fn downtime_runs_to_resolution_when_never_mitigated_and_missing_values_stay_null() {
        let k = KeyTimestamps {
            started_at: t("10:00:00"),
            detected_at: t("10:00:00"),
            resolved_at: t("10:45:00"),
            ..Default::default()
        };
        let m = compute(&k, &[]);
        assert_eq!(m.downtime_minutes, Some(45.0));
        assert_eq!(m.time_to_mitigate_seconds, None);
        assert_eq!(m.time_to_acknowledge_seconds, None);
        let open = compute(
            &KeyTimestamps {
                started_at: t("10:00:00"),
                ..Default::default()
            },
            &[],
        );
        assert_eq!(open.downtime_minutes, None);
    }

    #[test]
    fn summaries_give_mean_median_and_p90() {
        let s = summarize((1..=10).map(|i| Some(i as f64)).chain([None]));
        assert_eq!(
            (s.count, s.mean, s.median, s.p90),
            (10, Some(5.5), Some(5.5), Some(9.0))
        );
        assert_eq!(summarize([None]).mean, None);
    }
}
