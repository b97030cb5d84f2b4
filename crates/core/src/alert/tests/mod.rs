//! Tests of the alert parsers against captured bodies (`tests/fixtures/alert/`) and bodies
//! written from the vendors' documentation (`tests/fixtures/alert/from-docs/`).

mod alertmanager;
mod fuzz;
mod generic;
mod grafana;
mod opsgenie;
mod pagerduty;
mod pagerduty_change;
mod pagerduty_v1;

use crate::Timestamp;

/// A fixture file's text, by name, from the repository's copy.
macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../../tests/fixtures/alert/", $name))
    };
}
pub(super) use fixture;

/// Every captured body, by name.
pub(super) const CAPTURED: [(&str, &str); 13] = [
    (
        "alertmanager-webhook-firing.json",
        fixture!("alertmanager-webhook-firing.json"),
    ),
    (
        "alertmanager-webhook-resolved.json",
        fixture!("alertmanager-webhook-resolved.json"),
    ),
    (
        "alertmanager-webhook-mixed-group.json",
        fixture!("alertmanager-webhook-mixed-group.json"),
    ),
    (
        "alertmanager-pagerduty-trigger.json",
        fixture!("alertmanager-pagerduty-trigger.json"),
    ),
    (
        "alertmanager-pagerduty-resolve.json",
        fixture!("alertmanager-pagerduty-resolve.json"),
    ),
    ("pdpyras-trigger.json", fixture!("pdpyras-trigger.json")),
    (
        "pdpyras-trigger-no-dedup-key.json",
        fixture!("pdpyras-trigger-no-dedup-key.json"),
    ),
    (
        "pdpyras-acknowledge.json",
        fixture!("pdpyras-acknowledge.json"),
    ),
    ("pdpyras-resolve.json", fixture!("pdpyras-resolve.json")),
    (
        "pagerduty7-trigger.json",
        fixture!("pagerduty7-trigger.json"),
    ),
    (
        "pagerduty7-acknowledge.json",
        fixture!("pagerduty7-acknowledge.json"),
    ),
    (
        "pagerduty7-resolve.json",
        fixture!("pagerduty7-resolve.json"),
    ),
    ("pagerduty7-change.json", fixture!("pagerduty7-change.json")),
];

/// Every body written from documentation, by name.
pub(super) const FROM_DOCS: [(&str, &str); 6] = [
    (
        "grafana-webhook-firing.json",
        fixture!("from-docs/grafana-webhook-firing.json"),
    ),
    (
        "grafana-webhook-resolved.json",
        fixture!("from-docs/grafana-webhook-resolved.json"),
    ),
    (
        "opsgenie-create-alert.json",
        fixture!("from-docs/opsgenie-create-alert.json"),
    ),
    (
        "opsgenie-acknowledge-alert.json",
        fixture!("from-docs/opsgenie-acknowledge-alert.json"),
    ),
    (
        "opsgenie-close-alert.json",
        fixture!("from-docs/opsgenie-close-alert.json"),
    ),
    (
        "opsgenie-add-note.json",
        fixture!("from-docs/opsgenie-add-note.json"),
    ),
];

/// A time written in RFC 3339.
pub(super) fn t(s: &str) -> Timestamp {
    s.parse().expect("a test time")
}

/// A JSON value as compact text, for comparing answers byte for byte.
pub(super) fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("serializable")
}

/// `body` with the JSON value at `pointer` replaced by `value`.
pub(super) fn with(body: &str, pointer: &str, value: serde_json::Value) -> Vec<u8> {
    let mut v: serde_json::Value = serde_json::from_str(body).expect("a JSON fixture");
    match v.pointer_mut(pointer) {
        Some(slot) => *slot = value,
        None => {
            // Add a new key to the parent object.
            let (parent, key) = pointer.rsplit_once('/').expect("a pointer with a key");
            let parent = if parent.is_empty() {
                &mut v
            } else {
                v.pointer_mut(parent).expect("the parent exists")
            };
            parent
                .as_object_mut()
                .expect("the parent is an object")
                .insert(key.to_string(), value);
        }
    }
    serde_json::to_vec(&v).expect("serializable")
}

/// `body` without the key at `pointer`.
pub(super) fn without(body: &str, pointer: &str) -> Vec<u8> {
    let mut v: serde_json::Value = serde_json::from_str(body).expect("a JSON fixture");
    let (parent, key) = pointer.rsplit_once('/').expect("a pointer with a key");
    let parent = if parent.is_empty() {
        &mut v
    } else {
        v.pointer_mut(parent).expect("the parent exists")
    };
    parent
        .as_object_mut()
        .expect("the parent is an object")
        .remove(key);
    serde_json::to_vec(&v).expect("serializable")
}
