//! Per-incident metrics, exactly as DESIGN.md defines them, and MTTx over sets of incidents.
//!
//! [`DEFINITIONS`] is the one statement of how each metric is measured: the web UI shows it
//! beside each number, the API answers it, exports carry it and `docs/metrics.md` repeats it
//! (a server test checks the OpenAPI descriptions against it).
//!
//! A metric whose timestamps are missing is `None`, never guessed. A metric whose inputs
//! contradict each other (it would be negative) is `None` too, and the contradiction is named in
//! [`IncidentMetrics::contradictions`] instead (issue 9, part 8).

use crate::Timestamp;
use crate::timestamps::{KeyTimestamps, Origin};
use serde::Serialize;

/// How one metric is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Definition {
    /// The metric's name in the API and exports: `time_to_detect_seconds`.
    pub metric: &'static str,
    /// Its name for people: `Time to detect`.
    pub label: &'static str,
    /// How it is measured, in words: `detected − started`.
    pub how_measured: &'static str,
    /// `seconds` or `minutes`.
    pub unit: &'static str,
}

/// Every metric of an incident and how it is measured, in the order pages show them.
pub const DEFINITIONS: [Definition; 6] = [
    Definition {
        metric: "time_to_detect_seconds",
        label: "Time to detect",
        how_measured: "detected − started",
        unit: "seconds",
    },
    Definition {
        metric: "time_to_acknowledge_seconds",
        label: "Time to acknowledge",
        how_measured: "acknowledged − detected",
        unit: "seconds",
    },
    Definition {
        metric: "time_to_communicate_seconds",
        label: "Time to communicate",
        how_measured: "first external comms − detected",
        unit: "seconds",
    },
    Definition {
        metric: "time_to_mitigate_seconds",
        label: "Time to mitigate",
        how_measured: "mitigated − started",
        unit: "seconds",
    },
    Definition {
        metric: "time_to_resolve_seconds",
        label: "Time to resolve",
        how_measured: "resolved − started",
        unit: "seconds",
    },
    Definition {
        metric: "downtime_minutes",
        label: "Downtime",
        how_measured: "started → mitigated (or → resolved when never mitigated), for each affected service",
        unit: "minutes",
    },
];

/// The definition of a metric by name.
pub fn definition(metric: &str) -> Option<&'static Definition> {
    DEFINITIONS.iter().find(|d| d.metric == metric)
}

/// Two key timestamps out of order, so a metric measured between them is not a number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contradiction {
    /// The metric left null: `time_to_communicate_seconds`.
    pub metric: &'static str,
    /// The key timestamps that contradict each other: the one that should come first, then the
    /// one found before it (`["detected_at", "first_external_comms_at"]`).
    pub inputs: [&'static str; 2],
    /// In words, with where to look: "first external comms is before detection: check the
    /// overrides".
    pub message: String,
}

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
    /// resolved − started.
    pub time_to_resolve_seconds: Option<f64>,
    /// started → mitigated, or → resolved when never mitigated, in minutes.
    pub downtime_minutes: Option<f64>,
    /// Downtime counted for each affected service.
    pub service_downtime: Vec<ServiceDowntime>,
    /// Metrics left null because their inputs contradict each other, and why.
    pub contradictions: Vec<Contradiction>,
}

impl IncidentMetrics {
    /// A metric's value by name, in its own unit.
    pub fn value(&self, metric: &str) -> Option<f64> {
        match metric {
            "time_to_detect_seconds" => self.time_to_detect_seconds,
            "time_to_acknowledge_seconds" => self.time_to_acknowledge_seconds,
            "time_to_communicate_seconds" => self.time_to_communicate_seconds,
            "time_to_mitigate_seconds" => self.time_to_mitigate_seconds,
            "time_to_resolve_seconds" => self.time_to_resolve_seconds,
            "downtime_minutes" => self.downtime_minutes,
            _ => None,
        }
    }

    /// A metric's value by name, in seconds whatever its unit (for writing it as a duration).
    pub fn seconds(&self, metric: &str) -> Option<f64> {
        let v = self.value(metric)?;
        Some(match definition(metric).map(|d| d.unit) {
            Some("minutes") => v * 60.0,
            _ => v,
        })
    }

    /// Why a metric is not a number, when its inputs contradict each other.
    pub fn contradiction(&self, metric: &str) -> Option<&Contradiction> {
        self.contradictions.iter().find(|c| c.metric == metric)
    }
}

/// Downtime of one affected service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceDowntime {
    /// Service slug.
    pub service: String,
    /// Minutes of downtime.
    pub minutes: f64,
}

/// A key timestamp as a sentence's subject: "first external comms is before detection".
fn noun(field: &str) -> &'static str {
    match field {
        "started_at" => "the start",
        "detected_at" => "detection",
        "acknowledged_at" => "acknowledgement",
        "first_comms_at" => "first comms",
        "first_external_comms_at" => "first external comms",
        "mitigated_at" => "mitigation",
        "resolved_at" => "resolution",
        "closed_at" => "closing",
        _ => "a key timestamp",
    }
}

/// Where to look to mend two contradicting key timestamps: the overrides when either is
/// overridden, else the start given at declaration, else the timeline events' times.
fn where_to_look(k: &KeyTimestamps, fields: [&str; 2]) -> &'static str {
    let origins = fields.map(|f| k.origin(f));
    if origins.contains(&Origin::Override) {
        "check the overrides"
    } else if origins.contains(&Origin::Given) {
        "check the start given at declaration"
    } else {
        "check the times of the timeline events"
    }
}

/// `to − from` in seconds, or `None` when either is missing or they contradict each other (then
/// the contradiction is recorded).
fn span(
    k: &KeyTimestamps,
    metric: &'static str,
    from: &'static str,
    to: &'static str,
    contradictions: &mut Vec<Contradiction>,
) -> Option<f64> {
    let (a, b): (Timestamp, Timestamp) = (k.get(from)?, k.get(to)?);
    let ms = b.as_millisecond() - a.as_millisecond();
    if ms < 0 {
        contradictions.push(Contradiction {
            metric,
            inputs: [from, to],
            message: format!(
                "{} is before {}: {}",
                noun(to),
                noun(from),
                where_to_look(k, [from, to])
            ),
        });
        return None;
    }
    Some(ms as f64 / 1000.0)
}

/// Computes the metrics of one incident from its key timestamps and affected services.
pub fn compute(k: &KeyTimestamps, services: &[String]) -> IncidentMetrics {
    let mut c = Vec::new();
    let time_to_detect_seconds = span(
        k,
        "time_to_detect_seconds",
        "started_at",
        "detected_at",
        &mut c,
    );
    let time_to_acknowledge_seconds = span(
        k,
        "time_to_acknowledge_seconds",
        "detected_at",
        "acknowledged_at",
        &mut c,
    );
    let time_to_communicate_seconds = span(
        k,
        "time_to_communicate_seconds",
        "detected_at",
        "first_external_comms_at",
        &mut c,
    );
    let time_to_mitigate_seconds = span(
        k,
        "time_to_mitigate_seconds",
        "started_at",
        "mitigated_at",
        &mut c,
    );
    let time_to_resolve_seconds = span(
        k,
        "time_to_resolve_seconds",
        "started_at",
        "resolved_at",
        &mut c,
    );
    let downtime_end = if k.mitigated_at.is_some() {
        "mitigated_at"
    } else {
        "resolved_at"
    };
    let downtime_minutes =
        span(k, "downtime_minutes", "started_at", downtime_end, &mut c).map(|s| s / 60.0);
    IncidentMetrics {
        time_to_detect_seconds,
        time_to_acknowledge_seconds,
        time_to_communicate_seconds,
        time_to_mitigate_seconds,
        time_to_resolve_seconds,
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
        contradictions: c,
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
        // Resolution is measured from the start, like mitigation (issue 9, part 8).
        assert_eq!(m.time_to_resolve_seconds, Some(4200.0));
        assert_eq!(m.downtime_minutes, Some(30.0));
        assert_eq!(m.service_downtime.len(), 2);
        assert!(m.contradictions.is_empty());
        assert!(
            m.time_to_resolve_seconds >= m.time_to_mitigate_seconds,
            "resolving never comes out shorter than mitigating"
        );
    }

    #[test]
    fn every_metric_has_one_definition_in_the_order_pages_show_them() {
        let m = compute(&KeyTimestamps::default(), &[]);
        let names: Vec<&str> = DEFINITIONS.iter().map(|d| d.metric).collect();
        let json = serde_json::to_value(&m).unwrap();
        for name in &names {
            assert!(json.get(name).is_some(), "{name} is a field of the metrics");
        }
        assert_eq!(names.len(), 6);
        assert_eq!(
            definition("time_to_resolve_seconds").map(|d| d.how_measured),
            Some("resolved − started")
        );
        assert_eq!(definition("nonsense"), None);
    }

    #[test]
    fn the_docs_page_states_every_definition() {
        let page = include_str!("../../../docs/metrics.md");
        for d in DEFINITIONS {
            let row = format!(
                "| {} (`{}`) | {} | {} |",
                d.label, d.metric, d.how_measured, d.unit
            );
            assert!(page.contains(&row), "docs/metrics.md lacks: {row}");
        }
    }

    #[test]
    fn a_negative_metric_is_null_and_its_contradiction_is_named() {
        // First external comms overridden to before detection.
        let events = [
            crate::timestamps::EventFact {
                id: 1,
                kind: crate::timeline::EventKind::Declared,
                at: t("10:00:00").unwrap(),
                source: crate::timeline::Source::Web,
                status_to: None,
                r#override: None,
            },
            crate::timestamps::EventFact {
                id: 2,
                kind: crate::timeline::EventKind::TimestampOverride,
                at: t("10:10:00").unwrap(),
                source: crate::timeline::Source::Web,
                status_to: None,
                r#override: Some(("first_external_comms_at".into(), t("09:55:00"))),
            },
        ];
        let k = crate::timestamps::derive(None, &events);
        let m = compute(&k, &["api".into()]);
        assert_eq!(m.time_to_communicate_seconds, None);
        assert_eq!(
            m.contradictions,
            [Contradiction {
                metric: "time_to_communicate_seconds",
                inputs: ["detected_at", "first_external_comms_at"],
                message: "first external comms is before detection: check the overrides".into(),
            }]
        );
        assert_eq!(m.time_to_detect_seconds, Some(0.0), "the others stay");
        assert!(m.contradiction("time_to_detect_seconds").is_none());
    }

    #[test]
    fn a_start_given_after_mitigation_names_the_declaration_and_empties_service_downtime() {
        let mut k = KeyTimestamps {
            started_at: t("10:30:00"),
            detected_at: t("10:00:00"),
            mitigated_at: t("10:20:00"),
            resolved_at: t("11:00:00"),
            ..Default::default()
        };
        k.origins.push(("started_at", Origin::Given));
        let m = compute(&k, &["api".into()]);
        assert_eq!(m.downtime_minutes, None);
        assert!(m.service_downtime.is_empty());
        assert_eq!(m.time_to_resolve_seconds, Some(1800.0));
        let named: Vec<(&str, &str)> = m
            .contradictions
            .iter()
            .map(|c| (c.metric, c.message.as_str()))
            .collect();
        assert_eq!(
            named,
            [
                (
                    "time_to_detect_seconds",
                    "detection is before the start: check the start given at declaration"
                ),
                (
                    "time_to_mitigate_seconds",
                    "mitigation is before the start: check the start given at declaration"
                ),
                (
                    "downtime_minutes",
                    "mitigation is before the start: check the start given at declaration"
                ),
            ]
        );
        assert_eq!(m.seconds("downtime_minutes"), None);
    }

    #[test]
    fn values_by_name_and_in_seconds() {
        let k = KeyTimestamps {
            started_at: t("10:00:00"),
            detected_at: t("10:00:00"),
            resolved_at: t("10:45:00"),
            ..Default::default()
        };
        let m = compute(&k, &[]);
        assert_eq!(m.value("downtime_minutes"), Some(45.0));
        assert_eq!(m.seconds("downtime_minutes"), Some(2700.0));
        assert_eq!(m.seconds("time_to_resolve_seconds"), Some(2700.0));
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
