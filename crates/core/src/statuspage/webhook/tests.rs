//! Tests of the parent module: the payloads have exactly the keys Statuspage sends.

use super::*;
use crate::statuspage::testdata::*;
use serde_json::{Value, json};

/// The keys of Statuspage's webhook objects, as its real payloads carry them.
const INCIDENT_KEYS: &[&str] = &[
    "name",
    "status",
    "created_at",
    "updated_at",
    "monitoring_at",
    "resolved_at",
    "impact",
    "shortlink",
    "postmortem_ignored",
    "postmortem_body",
    "postmortem_body_last_updated_at",
    "postmortem_published_at",
    "postmortem_notified_subscribers",
    "postmortem_notified_twitter",
    "backfilled",
    "scheduled_for",
    "scheduled_until",
    "scheduled_remind_prior",
    "scheduled_reminded_at",
    "impact_override",
    "scheduled_auto_in_progress",
    "scheduled_auto_completed",
    "id",
    "page_id",
    "incident_updates",
    "components",
];
const UPDATE_KEYS: &[&str] = &[
    "status",
    "body",
    "created_at",
    "wants_twitter_update",
    "twitter_updated_at",
    "updated_at",
    "display_at",
    "affected_components",
    "custom_tweet",
    "deliver_notifications",
    "id",
    "incident_id",
];
const COMPONENT_KEYS: &[&str] = &[
    "status",
    "name",
    "created_at",
    "updated_at",
    "position",
    "description",
    "showcase",
    "id",
    "page_id",
    "group_id",
];
const COMPONENT_UPDATE_KEYS: &[&str] = &[
    "old_status",
    "new_status",
    "created_at",
    "component_type",
    "id",
    "component_id",
];

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

fn expected(k: &[&str]) -> Vec<String> {
    let mut k: Vec<String> = k.iter().map(|s| s.to_string()).collect();
    k.sort();
    k
}

fn meta() -> Meta {
    Meta {
        unsubscribe: "http://127.0.0.1:18090/subscriptions/s1/unsubscribe".into(),
        documentation: "http://127.0.0.1:18090/docs/webhooks".into(),
        generated_at: fixture_now(),
    }
}

#[test]
fn an_incident_payload_has_statuspages_keys_and_the_latest_update_first() {
    let p = fixture_page();
    let w = incident_webhook(&p, "inc-open1", meta(), fixture_now()).unwrap();
    let v = serde_json::to_value(&w).unwrap();
    assert_eq!(keys(&v), ["incident", "meta", "page"]);
    assert_eq!(
        v["page"],
        json!({"id": "pg0001", "status_indicator": "major",
               "status_description": "Partial System Outage"})
    );
    assert_eq!(
        v["meta"]["generated_at"], "2026-11-21T08:30:00.000Z",
        "UTC with milliseconds"
    );
    let inc = &v["incident"];
    assert_eq!(keys(inc), expected(INCIDENT_KEYS));
    assert_eq!(keys(&inc["incident_updates"][0]), expected(UPDATE_KEYS));
    assert_eq!(keys(&inc["components"][0]), expected(COMPONENT_KEYS));
    assert_eq!(inc["status"], "identified");
    assert_eq!(inc["impact"], "major");
    assert_eq!(inc["scheduled_for"], Value::Null);
    assert_eq!(
        inc["incident_updates"][0]["body"],
        "Root cause identified: bad deploy."
    );
    assert_eq!(
        inc["incident_updates"][1]["affected_components"][0]["new_status"],
        "major_outage"
    );
}

#[test]
fn a_maintenance_payload_carries_its_window_and_maintenance_status() {
    let p = fixture_page();
    let w = incident_webhook(&p, "mnt-1", meta(), fixture_now()).unwrap();
    let v = serde_json::to_value(&w).unwrap();
    let inc = &v["incident"];
    assert_eq!(keys(inc), expected(INCIDENT_KEYS));
    assert_eq!(inc["status"], "in_progress");
    assert_eq!(inc["impact"], "maintenance");
    assert_eq!(inc["scheduled_for"], "2026-11-21T08:05:00.000Z");
    assert_eq!(inc["scheduled_until"], "2026-11-21T10:00:00.000Z");
    assert_eq!(inc["scheduled_auto_completed"], true);
    assert_eq!(inc["incident_updates"][0]["status"], "in_progress");
    assert_eq!(inc["components"][0]["status"], "under_maintenance");
}

#[test]
fn an_unknown_incident_or_component_has_no_payload() {
    let p = fixture_page();
    assert!(incident_webhook(&p, "nope", meta(), fixture_now()).is_none());
    assert!(
        component_webhook(
            &p,
            "nope",
            "cu1",
            ComponentState::Operational,
            ComponentState::MajorOutage,
            fixture_now(),
            meta()
        )
        .is_none()
    );
}

#[test]
fn a_component_payload_has_the_change_and_the_component() {
    let p = fixture_page();
    let w = component_webhook(
        &p,
        "cmp-api",
        "cu1",
        ComponentState::Operational,
        ComponentState::MajorOutage,
        t("2026-11-21T08:05:00Z"),
        meta(),
    )
    .unwrap();
    let v = serde_json::to_value(&w).unwrap();
    assert_eq!(keys(&v), ["component", "component_update", "meta", "page"]);
    assert_eq!(keys(&v["component"]), expected(COMPONENT_KEYS));
    assert_eq!(
        keys(&v["component_update"]),
        expected(COMPONENT_UPDATE_KEYS)
    );
    assert_eq!(
        v["component_update"],
        json!({"old_status": "operational", "new_status": "major_outage",
               "created_at": "2026-11-21T08:05:00.000Z", "component_type": "Component",
               "id": "cu1", "component_id": "cmp-api"})
    );
    assert_eq!(v["component"]["name"], "API");
}

#[test]
fn statuspage_shaped_payloads_round_trip() {
    let incident: Value = serde_json::from_str(
        r#"{
        "meta": {"unsubscribe": "https://status.example.com/?unsubscribe=abc",
                 "documentation": "https://status.example.com/docs",
                 "generated_at": "2026-11-21T08:31:00.000Z"},
        "page": {"id": "pg0001", "status_indicator": "none",
                 "status_description": "All Systems Operational"},
        "incident": {
            "name": "Slow queries", "status": "resolved",
            "created_at": "2026-11-21T08:00:00.000Z", "updated_at": "2026-11-21T08:30:00.000Z",
            "monitoring_at": null, "resolved_at": "2026-11-21T08:30:00.000Z",
            "impact": "minor", "shortlink": "https://status.example.com/incidents/i1",
            "postmortem_ignored": false, "postmortem_body": null,
            "postmortem_body_last_updated_at": null, "postmortem_published_at": null,
            "postmortem_notified_subscribers": false, "postmortem_notified_twitter": false,
            "backfilled": false, "scheduled_for": null, "scheduled_until": null,
            "scheduled_remind_prior": false, "scheduled_reminded_at": null,
            "impact_override": null, "scheduled_auto_in_progress": false,
            "scheduled_auto_completed": false, "id": "i1", "page_id": "pg0001",
            "incident_updates": [{
                "status": "resolved", "body": "Fixed.",
                "created_at": "2026-11-21T08:30:00.000Z", "wants_twitter_update": false,
                "twitter_updated_at": null, "updated_at": "2026-11-21T08:30:00.000Z",
                "display_at": "2026-11-21T08:30:00.000Z",
                "affected_components": [{"code": "c1", "name": "DB",
                    "old_status": "degraded_performance", "new_status": "operational"}],
                "custom_tweet": null, "deliver_notifications": true,
                "id": "u1", "incident_id": "i1"}],
            "components": [{"status": "operational", "name": "DB",
                "created_at": "2026-11-01T00:00:00.000Z", "updated_at": "2026-11-21T08:30:00.000Z",
                "position": 1, "description": null, "showcase": true, "id": "c1",
                "page_id": "pg0001", "group_id": null}]
        }
    }"#,
    )
    .unwrap();
    let parsed: IncidentWebhook = serde_json::from_value(incident.clone()).unwrap();
    assert_eq!(
        parsed.incident.status,
        EventStatus::Incident(UpdateStatus::Resolved)
    );
    assert_eq!(serde_json::to_value(&parsed).unwrap(), incident);

    let component = json!({
        "meta": incident["meta"], "page": incident["page"],
        "component": incident["incident"]["components"][0],
        "component_update": {"old_status": "operational", "new_status": "under_maintenance",
            "created_at": "2026-11-21T08:00:00.000Z", "component_type": "Component",
            "id": "cu9", "component_id": "c1"}
    });
    let parsed: ComponentWebhook = serde_json::from_value(component.clone()).unwrap();
    assert_eq!(serde_json::to_value(&parsed).unwrap(), component);
}

#[test]
fn a_webhook_page_can_be_made_from_a_page_status() {
    let s = crate::statuspage::page_status(&[ComponentState::UnderMaintenance], &[], false);
    assert_eq!(
        webhook_page("pg", s),
        WebhookPage {
            id: "pg".into(),
            status_indicator: Indicator::Maintenance,
            status_description: "Service Under Maintenance".into()
        }
    );
}
