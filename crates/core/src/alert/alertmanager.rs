//! The Prometheus Alertmanager webhook (version `4`) and Grafana Alerting's webhook (version
//! `1`, the same shape with a few more fields), parsed into one [`Signal`] per alert.
//!
//! ```json
//! {"receiver": "our-webhook", "status": "firing", "version": "4",
//!  "groupKey": "{}/{alertname=~\".+\"}:{alertname=\"HighErrorRate\", service=\"checkout\"}",
//!  "externalURL": "http://alertmanager:9093", "truncatedAlerts": 0,
//!  "groupLabels": {…}, "commonLabels": {…}, "commonAnnotations": {…},
//!  "alerts": [{"status": "firing", "labels": {…}, "annotations": {…},
//!              "startsAt": "2026-11-21T09:22:00Z", "endsAt": "0001-01-01T00:00:00Z",
//!              "generatorURL": "http://prometheus/graph?…", "fingerprint": "ac36b8d065d4a922"}]}
//! ```
//!
//! One notification carries a whole group, and the group is sent again on every group or
//! repeat interval, so each alert is an upsert keyed by its fingerprint. How each alert becomes
//! a [`Signal`]:
//!
//! | signal | from |
//! | --- | --- |
//! | action | the alert's **own** `status`: `firing` → trigger, `resolved` → resolve (a group that is still `firing` may carry resolved alerts); the group's `status` only when the alert has none |
//! | dedup key | `fingerprint`; when it is missing or blank, Alertmanager's own fingerprint of the labels ([`fingerprint`]) |
//! | group key | `groupKey` |
//! | summary | the first of annotation `summary`, annotation `title`, label `alertname`, Grafana's group `title`, `alert <dedup key>`; cut to 1024 characters |
//! | description | annotation `description` |
//! | severity | label `severity` read by [`AlertSeverity::from_label`], else [`DEFAULT_SEVERITY`] |
//! | source, component, class | labels `instance` (else `job`), `service`, `alertname` |
//! | occurred at | `startsAt` for a trigger, `endsAt` for a resolve; `0001-01-01T00:00:00Z` (Go's zero time) means unknown |
//! | links | `generatorURL` (Source), annotation `runbook_url` (Runbook), and Grafana's `silenceURL`, `dashboardURL`, `panelURL`; empty ones are skipped |
//! | images | Grafana's `imageURL`, linking to the panel |
//! | labels | `labels`, unchanged |
//! | details | `{"annotations": …, "startsAt": …, "endsAt": …}` plus Grafana's `values` and `valueString` |
//! | client, client URL | `Alertmanager` or `Grafana`, and `externalURL` |
//!
//! A body that is not this JSON is refused with a [`ValidationError`] naming each wrong field
//! (`alerts[1].startsAt`), which the server answers 400; Alertmanager does not retry a 4xx.

use super::fields::{self, Object, Problem};
use super::grafana;
use super::types::{AlertSeverity, DEFAULT_SEVERITY, Image, Link, Signal, SignalAction};
use crate::Timestamp;
use crate::validation::ValidationError;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The longest summary kept; longer ones are cut (the sender cannot be asked to shorten them).
pub const MAX_SUMMARY_CHARS: usize = 1024;

/// Which tool sent a webhook body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WebhookFlavor {
    /// Prometheus Alertmanager, `version: "4"`.
    Alertmanager,
    /// Grafana Alerting, `version: "1"`, told apart by [`grafana::is_grafana`].
    Grafana,
}

impl WebhookFlavor {
    /// The sender's name, used as the signals' `client`.
    pub fn client_name(self) -> &'static str {
        match self {
            Self::Alertmanager => "Alertmanager",
            Self::Grafana => "Grafana",
        }
    }
}

/// One webhook notification: the group's facts and one signal per alert, in the body's order.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookBatch {
    /// Who sent it.
    pub flavor: WebhookFlavor,
    /// The receiver's name in the sender's configuration.
    pub receiver: Option<String>,
    /// The group's key (also on every signal).
    pub group_key: Option<String>,
    /// How many alerts the sender left out (`max_alerts`); they arrive with a later
    /// notification, so nothing is lost, but the UI may say so.
    pub truncated_alerts: u64,
    /// One signal per entry of `alerts`.
    pub signals: Vec<Signal>,
}

/// Parses an Alertmanager or Grafana webhook body.
pub fn parse_webhook(body: &[u8]) -> Result<WebhookBatch, ValidationError> {
    let obj = fields::object(body).map_err(|p| match p {
        fields::BodyProblem::NotJson(e) => {
            ValidationError::one("body", format!("is not JSON: {e}"))
        }
        fields::BodyProblem::NotObject => ValidationError::one("body", "must be a JSON object"),
    })?;
    let mut errors = ValidationError::default();
    let flavor = if grafana::is_grafana(&obj) {
        WebhookFlavor::Grafana
    } else {
        WebhookFlavor::Alertmanager
    };

    match fields::opt_str(&obj, "version") {
        Ok(None | Some("4" | "1")) => {}
        Ok(Some(v)) => errors.push(
            "version",
            format!(
                "unsupported webhook version '{v}'; expected '4' (Alertmanager) or '1' (Grafana)"
            ),
        ),
        Err(p) => errors.push("version", describe(&p)),
    }
    let group_status = match fields::opt_str(&obj, "status") {
        Ok(s) => match s.map(status_action).transpose() {
            Ok(a) => a,
            Err(m) => {
                errors.push("status", m);
                None
            }
        },
        Err(p) => {
            errors.push("status", describe(&p));
            None
        }
    };
    let receiver = text(&obj, "receiver", "receiver", &mut errors);
    let group_key = text(&obj, "groupKey", "groupKey", &mut errors);
    let external_url = text(&obj, "externalURL", "externalURL", &mut errors);
    let title = text(&obj, "title", "title", &mut errors);
    let truncated_alerts = match fields::get(&obj, "truncatedAlerts") {
        None => 0,
        Some(v) => v.as_u64().unwrap_or_else(|| {
            errors.push("truncatedAlerts", "must be a whole number");
            0
        }),
    };

    let group = Group {
        flavor,
        group_key: group_key.clone(),
        group_status,
        external_url,
        title,
    };
    let mut signals = Vec::new();
    match fields::opt_array(&obj, "alerts") {
        Ok(Some(alerts)) => {
            for (i, alert) in alerts.iter().enumerate() {
                let path = format!("alerts[{i}]");
                match alert.as_object() {
                    Some(alert) => {
                        if let Some(s) = group.signal(alert, &path, &mut errors) {
                            signals.push(s);
                        }
                    }
                    None => errors.push(path, "must be an object"),
                }
            }
        }
        Ok(None) => errors.push("alerts", "is required: the list of alerts in the group"),
        Err(p) => errors.push("alerts", describe(&p)),
    }

    errors.into_result(WebhookBatch {
        flavor,
        receiver,
        group_key,
        truncated_alerts,
        signals,
    })
}

/// Alertmanager's fingerprint of a label set, as 16 lowercase hex digits: 64-bit FNV-1a over
/// the labels sorted by name, each name and value followed by the byte `0xff` (the Prometheus
/// `model.LabelSet.Fingerprint`). Used when an alert arrives without its `fingerprint`.
pub fn fingerprint(labels: &BTreeMap<String, String>) -> String {
    const OFFSET: u64 = 14_695_981_039_346_656_037;
    const PRIME: u64 = 1_099_511_628_211;
    const SEPARATOR: u8 = 0xff;
    let mut hash = OFFSET;
    let mut add = |b: u8| {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(PRIME);
    };
    for (name, value) in labels {
        name.bytes().for_each(&mut add);
        add(SEPARATOR);
        value.bytes().for_each(&mut add);
        add(SEPARATOR);
    }
    format!("{hash:016x}")
}

/// The `dedup_key` Alertmanager's own PagerDuty receiver sends for a group: the lowercase hex
/// SHA-256 of its `groupKey`. With it the server can relate a group that arrives through both
/// the webhook and the PagerDuty endpoint.
pub fn pagerduty_dedup_key(group_key: &str) -> String {
    fields::hex(&Sha256::digest(group_key.as_bytes()))
}

/// The group-level facts every alert's signal shares.
struct Group {
    flavor: WebhookFlavor,
    group_key: Option<String>,
    group_status: Option<SignalAction>,
    external_url: Option<String>,
    title: Option<String>,
}

impl Group {
    fn signal(&self, alert: &Object, path: &str, errors: &mut ValidationError) -> Option<Signal> {
        let before = errors.fields.len();
        let action = match fields::opt_str(alert, "status") {
            Ok(Some(s)) => status_action(s)
                .map_err(|m| errors.push(format!("{path}.status"), m))
                .ok(),
            Ok(None) => {
                if self.group_status.is_none() {
                    errors.push(
                        format!("{path}.status"),
                        "is required: 'firing' or 'resolved'",
                    );
                }
                self.group_status
            }
            Err(p) => {
                errors.push(format!("{path}.status"), describe(&p));
                None
            }
        };
        let labels = map(alert, "labels", path, errors);
        let annotations = map(alert, "annotations", path, errors);
        let starts_at = go_time(alert, "startsAt", path, errors);
        let ends_at = go_time(alert, "endsAt", path, errors);
        let url = |key: &str, errors: &mut ValidationError| {
            text(alert, key, &format!("{path}.{key}"), errors)
        };
        let generator_url = url("generatorURL", errors);
        let fingerprint_sent = url("fingerprint", errors);
        let silence_url = url("silenceURL", errors);
        let dashboard_url = url("dashboardURL", errors);
        let panel_url = url("panelURL", errors);
        let image_url = url("imageURL", errors);
        let value_string = url("valueString", errors);
        let values = fields::get(alert, "values").cloned();
        if errors.fields.len() > before {
            return None;
        }
        let action = action?;

        let mut s = Signal::new(action);
        s.dedup_key = Some(fingerprint_sent.unwrap_or_else(|| fingerprint(&labels)));
        s.group_key = self.group_key.clone();
        let summary = [
            annotations.get("summary"),
            annotations.get("title"),
            labels.get("alertname"),
            self.title.as_ref(),
        ]
        .into_iter()
        .flatten()
        .find(|v| !v.trim().is_empty())
        .cloned()
        .unwrap_or_else(|| format!("alert {}", s.dedup_key.as_deref().unwrap_or_default()));
        s.summary = Some(fields::truncate_chars(&summary, MAX_SUMMARY_CHARS));
        s.description = non_empty(annotations.get("description"));
        s.severity = Some(
            labels
                .get("severity")
                .and_then(|v| AlertSeverity::from_label(v))
                .unwrap_or(DEFAULT_SEVERITY),
        );
        s.source = non_empty(labels.get("instance")).or_else(|| non_empty(labels.get("job")));
        s.component = non_empty(labels.get("service"));
        s.class = non_empty(labels.get("alertname"));
        s.occurred_at = match action {
            SignalAction::Resolve => ends_at.known,
            _ => starts_at.known,
        };

        let mut links = Vec::new();
        let mut link = |href: Option<&String>, text: &str| {
            if let Some(href) = href.filter(|h| !h.trim().is_empty()) {
                links.push(Link {
                    href: href.clone(),
                    text: Some(text.to_string()),
                });
            }
        };
        link(generator_url.as_ref(), "Source");
        link(annotations.get("runbook_url"), "Runbook");
        link(silence_url.as_ref(), "Silence");
        link(dashboard_url.as_ref(), "Dashboard");
        link(panel_url.as_ref(), "Panel");
        s.links = links;
        if let Some(src) = image_url {
            s.images.push(Image {
                src,
                href: panel_url.or(dashboard_url),
                alt: s.summary.clone(),
            });
        }

        let mut details = Map::new();
        details.insert("annotations".into(), to_value(&annotations));
        details.insert(
            "startsAt".into(),
            starts_at.raw.map_or(Value::Null, Value::String),
        );
        details.insert(
            "endsAt".into(),
            ends_at.raw.map_or(Value::Null, Value::String),
        );
        if let Some(values) = values {
            details.insert("values".into(), values);
        }
        if let Some(v) = value_string {
            details.insert("valueString".into(), Value::String(v));
        }
        s.details = Value::Object(details);
        s.labels = labels;
        s.client = Some(self.flavor.client_name().to_string());
        s.client_url = self.external_url.clone();
        Some(s)
    }
}

fn status_action(s: &str) -> Result<SignalAction, String> {
    match s {
        "firing" => Ok(SignalAction::Trigger),
        "resolved" => Ok(SignalAction::Resolve),
        other => Err(format!(
            "unknown status '{other}'; expected 'firing' or 'resolved'"
        )),
    }
}

fn describe(p: &Problem) -> String {
    match p {
        Problem::Missing => "is required".to_string(),
        Problem::WrongType(t) => format!("must be {t}"),
    }
}

/// An optional string at `key`; blank counts as absent.
fn text(obj: &Object, key: &str, field: &str, errors: &mut ValidationError) -> Option<String> {
    match fields::non_blank(obj, key) {
        Ok(v) => v.map(str::to_string),
        Err(p) => {
            errors.push(field, describe(&p));
            None
        }
    }
}

fn map(
    obj: &Object,
    key: &str,
    path: &str,
    errors: &mut ValidationError,
) -> BTreeMap<String, String> {
    fields::string_map(obj, key).unwrap_or_else(|(k, p)| {
        match k {
            Some(k) => errors.push(format!("{path}.{key}.{k}"), describe(&p)),
            None => errors.push(format!("{path}.{key}"), "must be an object of strings"),
        }
        BTreeMap::new()
    })
}

/// A time as Alertmanager and Grafana write it: the raw text, and the moment unless it is Go's
/// zero time (`0001-01-01T00:00:00Z`, "unknown").
struct GoTime {
    raw: Option<String>,
    known: Option<Timestamp>,
}

fn go_time(obj: &Object, key: &str, path: &str, errors: &mut ValidationError) -> GoTime {
    let field = format!("{path}.{key}");
    let Some(raw) = text(obj, key, &field, errors) else {
        return GoTime {
            raw: None,
            known: None,
        };
    };
    let known = match fields::timestamp(&raw) {
        // Go's zero time, 0001-01-01T00:00:00Z, and anything before it.
        Some(ts) if ts.as_second() <= -62_135_596_800 => None,
        Some(ts) => Some(ts),
        None => {
            errors.push(
                field,
                "must be an RFC 3339 time such as 2026-11-21T09:22:00Z",
            );
            None
        }
    };
    GoTime {
        raw: Some(raw),
        known,
    }
}

fn non_empty(v: Option<&String>) -> Option<String> {
    v.filter(|s| !s.trim().is_empty()).cloned()
}

fn to_value(map: &BTreeMap<String, String>) -> Value {
    Value::Object(
        map.iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}
