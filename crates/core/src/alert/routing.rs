//! What a recorded alert does: open an incident, join one, or only page; and which group it
//! belongs to.
//!
//! Each service has a rule ([`AlertRule`]; a service without one uses [`AlertRule::default_for`]):
//! - mode [`RouteMode::Incident`]: an alert at or above `open_at` opens an incident, with the
//!   incident severity its own severity maps to, unless another alert of its group already
//!   joined an active incident, which it joins instead. Alerts below `open_at` only page.
//! - mode [`RouteMode::Attach`]: as `incident`, but an alert first joins the service's active
//!   incident when there is one, whatever its severity.
//! - mode [`RouteMode::Page`]: alerts never open or join incidents; they only page.
//!
//! While a silence covers the service, alerts are recorded and nothing else happens
//! ([`Route::Suppressed`]).
//!
//! Alerts of one integration are grouped by [`GroupBy`] (by default the sender's own grouping:
//! Alertmanager's `groupKey`, else the dedup key), so one storm is one group: one incident and
//! one page, not hundreds.

use crate::alert::{AlertSeverity, Signal};
use crate::validation::ValidationError;
use serde::Serialize;
use std::collections::BTreeMap;

/// What a service's alerts may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteMode {
    /// Open incidents (at or above a severity), joining their group's incident.
    Incident,
    /// Join the service's active incident first; otherwise as `Incident`.
    Attach,
    /// Only page.
    Page,
}

impl RouteMode {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            RouteMode::Incident => "incident",
            RouteMode::Attach => "attach",
            RouteMode::Page => "page",
        }
    }

    /// Parses a stored or submitted name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "incident" => Some(RouteMode::Incident),
            "attach" => Some(RouteMode::Attach),
            "page" => Some(RouteMode::Page),
            _ => None,
        }
    }
}

/// A service's routing rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertRule {
    /// What alerts may do.
    pub mode: RouteMode,
    /// The lowest alert severity that opens an incident.
    pub open_at: AlertSeverity,
    /// The incident severity (a key of the catalogue) each alert severity opens with.
    pub severity_map: BTreeMap<AlertSeverity, String>,
}

impl AlertRule {
    /// The rule of a service that has none of its own, given the catalogue's incident
    /// severities, most severe first (`SEV1`, `SEV2`, …): `critical` and `error` alerts open
    /// incidents; `critical` → the second most severe (SEV2: a machine is sure something is
    /// broken, a person decides whether it is the worst kind), `error` → the third, `warning`
    /// → the fourth, `info` → the least severe (clamped to what exists).
    pub fn default_for(severities: &[String]) -> Self {
        let pick = |k: usize| {
            severities
                .get(k.min(severities.len().saturating_sub(1)))
                .cloned()
        };
        let mut severity_map = BTreeMap::new();
        for (alert, k) in [
            (AlertSeverity::Critical, 1),
            (AlertSeverity::Error, 2),
            (AlertSeverity::Warning, 3),
            (AlertSeverity::Info, usize::MAX),
        ] {
            if let Some(s) = pick(k) {
                severity_map.insert(alert, s);
            }
        }
        Self {
            mode: RouteMode::Incident,
            open_at: AlertSeverity::Error,
            severity_map,
        }
    }

    /// Builds a rule from submitted parts, checking each: the mode, the severity that opens
    /// incidents, and a map whose keys are alert severities and whose values are known incident
    /// severities. Severities missing from the map take the default's.
    pub fn from_parts(
        mode: &str,
        open_at: &str,
        map: &BTreeMap<String, String>,
        severities: &[String],
    ) -> Result<Self, ValidationError> {
        let mut e = ValidationError::default();
        let mode = RouteMode::parse(mode);
        if mode.is_none() {
            e.push("mode", "must be incident, attach or page");
        }
        let open_at = AlertSeverity::parse(open_at).ok();
        if open_at.is_none() {
            e.push("open_at", "must be critical, error, warning or info");
        }
        let mut rule = Self::default_for(severities);
        for (alert, incident) in map {
            match AlertSeverity::parse(alert) {
                Err(_) => e.push(
                    "severity_map",
                    format!("'{alert}' is not an alert severity (critical, error, warning, info)"),
                ),
                // A well-formed reference to a severity the catalogue lacks: missing, not
                // malformed (answered 404, as every other unknown reference is).
                Ok(_) if !severities.contains(incident) => e.push_missing(
                    "severity_map",
                    format!("'{incident}' is not a configured incident severity"),
                ),
                Ok(a) => {
                    rule.severity_map.insert(a, incident.clone());
                }
            }
        }
        match (mode, open_at) {
            (Some(mode), Some(open_at)) if e.fields.is_empty() => {
                rule.mode = mode;
                rule.open_at = open_at;
                Ok(rule)
            }
            _ => Err(e),
        }
    }

    /// The incident severity an alert of severity `s` opens with.
    pub fn incident_severity(&self, s: AlertSeverity) -> Option<&str> {
        self.severity_map.get(&s).map(String::as_str)
    }
}

/// What routing knows of an alert when it decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteFacts {
    /// The alert's severity.
    pub severity: AlertSeverity,
    /// Whether a silence covers its service now.
    pub silenced: bool,
    /// The active incident another alert of its group joined.
    pub group_incident: Option<i64>,
    /// The service's active incident.
    pub service_incident: Option<i64>,
}

/// What an alert does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Join this incident.
    Join(i64),
    /// Open an incident with this severity.
    Open(String),
    /// Only page.
    PageOnly,
    /// Recorded only: a silence covers the service.
    Suppressed,
}

/// Decides what an alert does under `rule`.
pub fn route(rule: &AlertRule, f: &RouteFacts) -> Route {
    if f.silenced {
        return Route::Suppressed;
    }
    if rule.mode == RouteMode::Page {
        return Route::PageOnly;
    }
    if let Some(i) = f.group_incident {
        return Route::Join(i);
    }
    if rule.mode == RouteMode::Attach
        && let Some(i) = f.service_incident
    {
        return Route::Join(i);
    }
    match rule.incident_severity(f.severity) {
        Some(s) if f.severity >= rule.open_at => Route::Open(s.to_string()),
        _ => Route::PageOnly,
    }
}

/// How an integration's alerts are grouped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupBy {
    /// The sender's own grouping (Alertmanager and Grafana: `groupKey`), else the dedup key.
    Sender,
    /// Each alert (dedup key) is its own group.
    Alert,
    /// Alerts with the same values of these labels (or PagerDuty/Opsgenie details) group.
    Labels(Vec<String>),
}

impl GroupBy {
    /// Parses `sender`, `alert` or `labels:name,name,…`.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "sender" => Ok(GroupBy::Sender),
            "alert" => Ok(GroupBy::Alert),
            _ => {
                let Some(list) = s.strip_prefix("labels:") else {
                    return Err(format!(
                        "'{s}' is not a grouping: use sender, alert or labels:name,name"
                    ));
                };
                if list.chars().any(char::is_control) {
                    return Err("label names must not contain control characters".into());
                }
                let names: Vec<String> = list
                    .split(',')
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(str::to_string)
                    .collect();
                if names.is_empty() {
                    return Err("labels: needs at least one label name".into());
                }
                Ok(GroupBy::Labels(names))
            }
        }
    }

    /// The stored form.
    pub fn as_string(&self) -> String {
        match self {
            GroupBy::Sender => "sender".into(),
            GroupBy::Alert => "alert".into(),
            GroupBy::Labels(names) => format!("labels:{}", names.join(",")),
        }
    }

    /// The group key of a signal whose dedup key is `dedup_key`.
    pub fn group_key(&self, signal: &Signal, dedup_key: &str) -> String {
        match self {
            GroupBy::Sender => signal
                .group_key
                .clone()
                .unwrap_or_else(|| dedup_key.to_string()),
            GroupBy::Alert => dedup_key.to_string(),
            GroupBy::Labels(names) => names
                .iter()
                .map(|n| {
                    let v = signal
                        .labels
                        .get(n)
                        .cloned()
                        .or_else(|| {
                            signal
                                .details
                                .get(n)
                                .and_then(|v| v.as_str().map(str::to_string))
                        })
                        .unwrap_or_default();
                    format!("{n}={v}")
                })
                .collect::<Vec<_>>()
                .join(","),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sevs() -> Vec<String> {
        ["SEV1", "SEV2", "SEV3", "SEV4"].map(String::from).to_vec()
    }

    fn facts(severity: AlertSeverity) -> RouteFacts {
        RouteFacts {
            severity,
            silenced: false,
            group_incident: None,
            service_incident: None,
        }
    }

    #[test]
    fn the_default_rule_opens_critical_as_sev2_and_pages_below_error() {
        let rule = AlertRule::default_for(&sevs());
        assert_eq!(
            route(&rule, &facts(AlertSeverity::Critical)),
            Route::Open("SEV2".into())
        );
        assert_eq!(
            route(&rule, &facts(AlertSeverity::Error)),
            Route::Open("SEV3".into())
        );
        assert_eq!(
            route(&rule, &facts(AlertSeverity::Warning)),
            Route::PageOnly
        );
        assert_eq!(route(&rule, &facts(AlertSeverity::Info)), Route::PageOnly);
        // Fewer severities: clamped.
        let two = AlertRule::default_for(&["P1".to_string(), "P2".to_string()]);
        assert_eq!(two.incident_severity(AlertSeverity::Critical), Some("P2"));
        assert_eq!(two.incident_severity(AlertSeverity::Info), Some("P2"));
        assert!(AlertRule::default_for(&[]).severity_map.is_empty());
    }

    #[test]
    fn groups_join_their_incident_attach_joins_the_service_and_silences_suppress() {
        let rule = AlertRule::default_for(&sevs());
        let mut f = facts(AlertSeverity::Critical);
        f.group_incident = Some(7);
        f.service_incident = Some(9);
        assert_eq!(route(&rule, &f), Route::Join(7));
        f.group_incident = None;
        assert_eq!(
            route(&rule, &f),
            Route::Open("SEV2".into()),
            "incident mode ignores the service's incident"
        );
        let attach = AlertRule {
            mode: RouteMode::Attach,
            ..rule.clone()
        };
        let mut low = facts(AlertSeverity::Info);
        low.service_incident = Some(9);
        assert_eq!(route(&attach, &low), Route::Join(9));
        let page = AlertRule {
            mode: RouteMode::Page,
            ..rule.clone()
        };
        assert_eq!(route(&page, &f), Route::PageOnly);
        f.silenced = true;
        assert_eq!(route(&rule, &f), Route::Suppressed);
    }

    #[test]
    fn rules_are_built_from_checked_parts() {
        let mut map = BTreeMap::new();
        map.insert("critical".to_string(), "SEV1".to_string());
        let rule = AlertRule::from_parts("attach", "warning", &map, &sevs()).unwrap();
        assert_eq!(rule.mode, RouteMode::Attach);
        assert_eq!(
            rule.incident_severity(AlertSeverity::Critical),
            Some("SEV1")
        );
        assert_eq!(rule.incident_severity(AlertSeverity::Error), Some("SEV3"));
        map.insert("fatal".to_string(), "SEV9".to_string());
        let e = AlertRule::from_parts("loud", "nope", &map, &sevs()).unwrap_err();
        let fields: Vec<&str> = e.fields.iter().map(|f| f.field.as_str()).collect();
        assert!(
            fields.contains(&"mode")
                && fields.contains(&"open_at")
                && fields.contains(&"severity_map"),
            "{fields:?}"
        );
        let unknown = BTreeMap::from([("critical".to_string(), "SEV9".to_string())]);
        let e = AlertRule::from_parts("page", "error", &unknown, &sevs()).unwrap_err();
        assert_eq!(
            e.problem(),
            crate::validation::Problem::Missing,
            "an incident severity the catalogue lacks is missing, not malformed"
        );
    }

    #[test]
    fn grouping_parses_and_keys_signals() {
        assert_eq!(GroupBy::parse("sender").unwrap(), GroupBy::Sender);
        assert_eq!(
            GroupBy::parse("labels: alertname , service")
                .unwrap()
                .as_string(),
            "labels:alertname,service"
        );
        assert!(GroupBy::parse("labels:").is_err());
        assert!(GroupBy::parse("labels: , ").is_err());
        assert!(GroupBy::parse("labels:host\u{0}").is_err());
        assert!(GroupBy::parse("everything").is_err());
    }
}
