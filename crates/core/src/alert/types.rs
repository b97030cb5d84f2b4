//! The normalized vocabulary every sender's format is parsed into.

use crate::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// Where an alert is in its life, as Debrief stores it.
///
/// An alert is *open* while it is triggered or acknowledged; a resolved alert is closed for
/// good, and a later trigger with the same dedup key opens a new alert (PagerDuty's rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertStatus {
    /// Firing and nobody has said they are on it.
    Triggered,
    /// Firing, and someone (or the sender) has acknowledged it.
    Acknowledged,
    /// Over: the sender resolved it, or a person did.
    Resolved,
}

impl AlertStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [AlertStatus; 3] = [Self::Triggered, Self::Acknowledged, Self::Resolved];

    /// The name used in the API and the store: `triggered`, `acknowledged`, `resolved`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Triggered => "triggered",
            Self::Acknowledged => "acknowledged",
            Self::Resolved => "resolved",
        }
    }

    /// Parses a name written by [`AlertStatus::as_str`].
    pub fn parse(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown alert status '{s}'; expected one of triggered, acknowledged, resolved"
                )
            })
    }

    /// Whether the alert is still open (triggered or acknowledged).
    pub fn is_open(self) -> bool {
        self != Self::Resolved
    }
}

impl fmt::Display for AlertStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AlertStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::parse(s)
    }
}

/// How bad the sender says things are: PagerDuty's four levels.
///
/// Declared from least to most severe, so `Ord` answers "at or above":
/// `severity >= AlertSeverity::Error` holds for `Error` and `Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertSeverity {
    /// For information; nothing is wrong yet.
    Info,
    /// Something may go wrong.
    Warning,
    /// Something is wrong.
    Error,
    /// Something is badly wrong; someone should be woken up.
    Critical,
}

/// The severity of a trigger whose sender gave none (or one no mapping knows): `error`, the
/// value Alertmanager's own PagerDuty receiver sends when it is not told otherwise.
pub const DEFAULT_SEVERITY: AlertSeverity = AlertSeverity::Error;

impl AlertSeverity {
    /// Every severity, least severe first.
    pub const ALL: [AlertSeverity; 4] = [Self::Info, Self::Warning, Self::Error, Self::Critical];

    /// PagerDuty's name: `critical`, `error`, `warning`, `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Error => "error",
            Self::Critical => "critical",
        }
    }

    /// Parses PagerDuty's names exactly (lowercase, as the Events API requires them).
    pub fn parse(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| {
                format!("unknown severity '{s}'; expected one of critical, error, warning, info")
            })
    }

    /// Reads a monitoring label's severity leniently (case and surrounding spaces ignored):
    ///
    /// | label value | severity |
    /// | --- | --- |
    /// | `critical`, `crit`, `page`, `p1`, `fatal`, `emergency`, `alert` | critical |
    /// | `error`, `err`, `high`, `major`, `p2` | error |
    /// | `warning`, `warn`, `medium`, `minor`, `p3` | warning |
    /// | `info`, `informational`, `low`, `none`, `notice`, `ok`, `p4`, `p5` | info |
    ///
    /// Anything else is `None`; callers then use [`DEFAULT_SEVERITY`].
    pub fn from_label(value: &str) -> Option<Self> {
        let v = value.trim().to_ascii_lowercase();
        Some(match v.as_str() {
            "critical" | "crit" | "page" | "p1" | "fatal" | "emergency" | "alert" => Self::Critical,
            "error" | "err" | "high" | "major" | "p2" => Self::Error,
            "warning" | "warn" | "medium" | "minor" | "p3" => Self::Warning,
            "info" | "informational" | "low" | "none" | "notice" | "ok" | "p4" | "p5" => Self::Info,
            _ => return None,
        })
    }
}

impl fmt::Display for AlertSeverity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AlertSeverity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::parse(s)
    }
}

/// What a signal asks to happen to the alert with its dedup key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalAction {
    /// Something is wrong: open an alert, or count a repeat of the open one.
    Trigger,
    /// Someone is on it.
    Acknowledge,
    /// It is over.
    Resolve,
}

impl SignalAction {
    /// Every action.
    pub const ALL: [SignalAction; 3] = [Self::Trigger, Self::Acknowledge, Self::Resolve];

    /// PagerDuty's name: `trigger`, `acknowledge`, `resolve`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Trigger => "trigger",
            Self::Acknowledge => "acknowledge",
            Self::Resolve => "resolve",
        }
    }

    /// Parses PagerDuty's names exactly.
    pub fn parse(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| {
                format!("unknown action '{s}'; expected one of trigger, acknowledge, resolve")
            })
    }
}

impl fmt::Display for SignalAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A link attached to an alert (a runbook, a graph, the rule in the sender's UI).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// Where it points.
    pub href: String,
    /// What to show instead of the address, if the sender said.
    pub text: Option<String>,
}

/// An image attached to an alert (a graph snapshot).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Image {
    /// The image's address.
    pub src: String,
    /// Where a click on the image leads, if anywhere.
    pub href: Option<String>,
    /// Text for readers who cannot see the image.
    pub alt: Option<String>,
}

/// One alert event from any sender, in one shape.
///
/// Text is kept as the sender wrote it: dedup keys are compared byte for byte, and nothing is
/// trimmed except where a format's limit forces a cut (documented at the parser).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Signal {
    /// What to do with the alert this signal is about.
    pub action: SignalAction,
    /// The key that identifies the alert within its integration. `None` only for a trigger
    /// whose sender gave none (PagerDuty, Opsgenie): the server generates one, which also makes
    /// the trigger open a new alert, and returns it to the sender.
    pub dedup_key: Option<String>,
    /// The sender's grouping of several alerts (Alertmanager's and Grafana's `groupKey`).
    pub group_key: Option<String>,
    /// One line saying what is wrong. Always present on triggers; follow-up events
    /// (acknowledge, resolve) of PagerDuty and Opsgenie carry none.
    pub summary: Option<String>,
    /// Longer text about the alert, when the sender has a field for it.
    pub description: Option<String>,
    /// The affected system (PagerDuty's `payload.source`: a host name, a service).
    pub source: Option<String>,
    /// How bad it is. Always present on triggers; `None` when the sender said nothing on a
    /// follow-up event.
    pub severity: Option<AlertSeverity>,
    /// The broken part of the source (`mysql`, `eth0`).
    pub component: Option<String>,
    /// A logical grouping of components (`app-stack`).
    pub group: Option<String>,
    /// The kind of problem (`cpu load`, the alert rule's name).
    pub class: Option<String>,
    /// When the sender says the thing happened: the start of the problem for a trigger, its end
    /// for a resolve. `None` when the sender gave no time (then the receive time applies).
    #[serde(with = "crate::ts_opt")]
    pub occurred_at: Option<Timestamp>,
    /// Free-form details (`custom_details`, annotations, ...); `null` when there are none.
    pub details: serde_json::Value,
    /// Key-value labels (Alertmanager's and Grafana's labels); empty for other senders.
    pub labels: BTreeMap<String, String>,
    /// Links to show with the alert.
    pub links: Vec<Link>,
    /// Images to show with the alert.
    pub images: Vec<Image>,
    /// The name of the sending tool (`Alertmanager`, `Grafana`, PagerDuty's `client`).
    pub client: Option<String>,
    /// A link back to the sending tool.
    pub client_url: Option<String>,
}

impl Signal {
    /// An empty signal with `action`, for parsers to fill in.
    pub fn new(action: SignalAction) -> Self {
        Self {
            action,
            dedup_key: None,
            group_key: None,
            summary: None,
            description: None,
            source: None,
            severity: None,
            component: None,
            group: None,
            class: None,
            occurred_at: None,
            details: serde_json::Value::Null,
            labels: BTreeMap::new(),
            links: Vec::new(),
            images: Vec::new(),
            client: None,
            client_url: None,
        }
    }
}

/// A change that is not a problem (a deploy, a config push, a rollback), for the timeline:
/// PagerDuty's change events.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeEvent {
    /// What changed, in one line.
    pub summary: String,
    /// Where the change happened (a pipeline, a host), if the sender said.
    pub source: Option<String>,
    /// When the change happened, if the sender said (otherwise the receive time applies).
    #[serde(with = "crate::ts_opt")]
    pub timestamp: Option<Timestamp>,
    /// Free-form details; `null` when there are none.
    pub custom_details: serde_json::Value,
    /// Links to show with the change.
    pub links: Vec<Link>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in AlertStatus::ALL {
            assert_eq!(AlertStatus::parse(s.as_str()), Ok(s));
            assert_eq!(s.to_string().parse::<AlertStatus>(), Ok(s));
        }
        for s in AlertSeverity::ALL {
            assert_eq!(AlertSeverity::parse(s.as_str()), Ok(s));
            assert_eq!(s.to_string().parse::<AlertSeverity>(), Ok(s));
            assert_eq!(AlertSeverity::from_label(s.as_str()), Some(s));
        }
        for a in SignalAction::ALL {
            assert_eq!(SignalAction::parse(a.as_str()), Ok(a));
        }
        assert!(AlertStatus::parse("open").is_err());
        assert!(
            AlertSeverity::parse("Critical").is_err(),
            "PagerDuty's names are lowercase"
        );
        assert!(SignalAction::parse("close").is_err());
    }

    #[test]
    fn severities_compare_at_or_above() {
        let at_or_above_error: Vec<_> = AlertSeverity::ALL
            .into_iter()
            .filter(|s| *s >= AlertSeverity::Error)
            .collect();
        assert_eq!(
            at_or_above_error,
            [AlertSeverity::Error, AlertSeverity::Critical]
        );
        assert!(AlertSeverity::Info < AlertSeverity::Warning);
        assert_eq!(
            AlertSeverity::ALL.iter().max(),
            Some(&AlertSeverity::Critical)
        );
    }

    #[test]
    fn only_resolved_alerts_are_closed() {
        assert!(AlertStatus::Triggered.is_open());
        assert!(AlertStatus::Acknowledged.is_open());
        assert!(!AlertStatus::Resolved.is_open());
    }

    #[test]
    fn a_signal_serializes_with_snake_case_names_and_utc_times() {
        let mut s = Signal::new(SignalAction::Trigger);
        s.severity = Some(AlertSeverity::Critical);
        s.occurred_at = Some("2026-11-21T10:22:00+01:00".parse().expect("a time"));
        let v = serde_json::to_value(&s).expect("serializable");
        assert_eq!(v["action"], "trigger");
        assert_eq!(v["severity"], "critical");
        assert_eq!(v["occurred_at"], "2026-11-21T09:22:00.000Z");
        assert_eq!(v["dedup_key"], serde_json::Value::Null);
    }
}
