//! Alerts after intake: routing them to incidents, people acknowledging and resolving them,
//! integrations and their keys, routing rules and silences, and change events.
//!
//! Every alert that opens, is acknowledged or is resolved queues one routing job
//! ([`RouteJob`], kind [`ROUTE_KIND`]) in the transaction that records it. The job decides with
//! `debrief_core::alert::routing::route`:
//! - an opened alert joins its group's active incident, or (mode `attach`) the service's, or
//!   opens an incident when its severity is at or above the rule's; otherwise it only pages
//!   (the on-call work of a later issue reads `routed`); a silence suppresses all of it. An
//!   alert that opens or joins an incident writes an `alert` event (source `alert`) at the
//!   time the sender says it started, so time to detect is the sender's.
//! - a resolved alert of an incident writes an `alert` event; when it was the incident's last
//!   open alert and the incident was opened by alerts, a note suggests resolving it. Debrief
//!   never resolves an incident by itself.

mod manage;

pub use manage::*;

use crate::auth::Actor;
use crate::jobs::{JobKind, Outcome};
use crate::{AppError, AppState};
use debrief_core::Timestamp;
use debrief_core::access::AccountRole;
use debrief_core::alert::routing::{AlertRule, GroupBy, Route, RouteFacts, RouteMode, route};
use debrief_core::alert::{AlertStatus, ChangeEvent};
use debrief_core::status::Status;
use debrief_core::timeline::{EventKind, Link, Source};
use debrief_core::validation::{ValidationError, required_text};
use debrief_store::StoreError;
use debrief_store::alert::{Alert, AlertNote, Integration, NewIntegration, Silence};
use debrief_store::incident::NewIncident;
use debrief_store::jobs::Job;
use debrief_store::timeline::EventDraft;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;

/// Text as stored: PostgreSQL text cannot hold NUL, so a NUL a sender put in a decoded string
/// (`"\u0000"` in its JSON) becomes U+FFFD, the same way on both databases and for every event
/// of an alert (a dedup key is mapped alike on trigger, acknowledge and resolve).
pub fn clean(text: &str) -> String {
    text.replace('\0', "\u{FFFD}")
}

/// Routing reads what it needs whatever the incident's privacy.
fn everyone() -> debrief_core::access::Viewer {
    debrief_core::access::Viewer::of(0, AccountRole::Admin)
}

/// The routing job's stored kind name.
pub const ROUTE_KIND: &str = "alert.route";

/// The kinds of integration, by the format their senders speak.
pub const KINDS: [&str; 5] = [
    "pagerduty",
    "alertmanager",
    "grafana",
    "opsgenie",
    "generic",
];

/// What the routing job is told.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RouteChange {
    /// The alert.
    pub alert_id: i64,
    /// `opened`, `acknowledged` or `resolved`.
    pub change: String,
}

/// Routes an alert's change (see the module documentation).
pub struct RouteJob;

impl JobKind<AppState> for RouteJob {
    const KIND: &'static str = ROUTE_KIND;
    type Payload = RouteChange;

    fn summary(p: &RouteChange) -> String {
        format!("routes alert {} ({})", p.alert_id, p.change)
    }

    async fn run(state: &AppState, _: &Job, p: RouteChange) -> Outcome {
        let alert = match state.store.alert(p.alert_id).await {
            Ok(a) => a,
            Err(StoreError::NotFound(_)) => {
                return Outcome::GiveUp(format!("alert {} no longer exists", p.alert_id));
            }
            Err(e) => return Outcome::Retry(e.to_string()),
        };
        let done = match p.change.as_str() {
            "opened" => opened(state, &alert).await,
            "resolved" => match crate::actions::oncall::follow_alert(state, alert.id, true).await {
                Ok(()) => resolved(state, &alert).await,
                Err(e) => Err(e),
            },
            "acknowledged" => crate::actions::oncall::follow_alert(state, alert.id, false).await,
            other => return Outcome::GiveUp(format!("no routing for the change '{other}'")),
        };
        match done {
            Ok(()) => Outcome::Done,
            Err(e) => Outcome::Retry(e.to_string()),
        }
    }
}

/// The service's rule: its own, or the default from the catalogue's severities.
pub async fn rule_of(state: &AppState, service: &str) -> Result<AlertRule, AppError> {
    Ok(rule_in_force(state, service).await?.0)
}

/// The service's rule in force, and whether it is the service's own (`false`: the default
/// from the catalogue's severities).
pub async fn rule_in_force(state: &AppState, service: &str) -> Result<(AlertRule, bool), AppError> {
    let severities = severity_keys(state).await?;
    Ok(match state.store.alert_rule(service).await? {
        Some(row) => {
            let map: BTreeMap<String, String> = row.severity_map;
            let rule = AlertRule::from_parts(&row.mode, row.open_at.as_str(), &map, &severities)
                .unwrap_or_else(|_| AlertRule::default_for(&severities));
            (rule, true)
        }
        None => (AlertRule::default_for(&severities), false),
    })
}

async fn severity_keys(state: &AppState) -> Result<Vec<String>, AppError> {
    let mut sevs = crate::actions::incident::severities(state, None).await?;
    sevs.sort_by_key(|s| s.rank);
    Ok(sevs.into_iter().map(|s| s.key).collect())
}

fn alert_links(alert: &Alert) -> Vec<Link> {
    alert.details["links"]
        .as_array()
        .map(|links| {
            links
                .iter()
                .filter_map(|l| {
                    let url = l["href"].as_str()?;
                    (url.starts_with("http://") || url.starts_with("https://")).then(|| Link {
                        url: url.to_string(),
                        title: l["text"].as_str().map(str::to_string),
                    })
                })
                .take(10)
                .collect()
        })
        .unwrap_or_default()
}

/// The `alert` timeline event of an alert that opened or joined an incident, at the sender's
/// start time.
fn alert_event(alert: &Alert, body: String, at: Timestamp, now: Timestamp) -> EventDraft {
    EventDraft {
        kind: EventKind::Alert,
        at,
        source: Source::Alert,
        author_id: None,
        author_name: None,
        body,
        links: alert_links(alert),
        data: json!({
            "alert_id": alert.id, "integration_id": alert.integration_id,
            "dedup_key": alert.dedup_key, "severity": alert.severity,
            "status": alert.status, "source": alert.source,
        }),
        starred: false,
        created_at: now,
    }
}

async fn opened(state: &AppState, alert: &Alert) -> Result<(), AppError> {
    if let Some(routed) = &alert.routed {
        // Already routed (the job ran before and its answer was lost, or it stopped between
        // opening the incident and paging): page if the route pages; a page is unique per
        // alert, so this never pages twice.
        if routed.starts_with("opened ") {
            crate::actions::oncall::page_for_alert(state, alert, incident_number(alert)).await?;
        }
        return Ok(());
    }
    let now = state.clock.now();
    let rule = rule_of(state, &alert.service).await?;
    let silenced = state
        .store
        .silences(Some(&alert.service), now)
        .await?
        .into_iter()
        .find(|s| s.starts_at <= now);
    // What routing reads depends on the rule: a silenced service or a page-only rule needs
    // no incident lookups.
    let looks_for_incidents = silenced.is_none() && rule.mode != RouteMode::Page;
    let facts = RouteFacts {
        severity: alert.severity,
        silenced: silenced.is_some(),
        group_incident: if looks_for_incidents {
            state
                .store
                .group_incident(alert.integration_id, &alert.group_key, alert.id)
                .await?
        } else {
            None
        },
        service_incident: if looks_for_incidents && rule.mode == RouteMode::Attach {
            state.store.service_open_incident(&alert.service).await?
        } else {
            None
        },
    };
    let body = format!(
        "Alert ({}): {}{}",
        alert.severity,
        alert.summary,
        alert
            .source
            .as_deref()
            .map(|s| format!(" on {s}"))
            .unwrap_or_default()
    );
    match route(&rule, &facts) {
        Route::Suppressed => {
            let until = silenced.map(|s| debrief_core::format_utc(s.ends_at));
            let why = format!(
                "suppressed: {} is silenced until {}",
                alert.service,
                until.unwrap_or_default()
            );
            state
                .store
                .set_alert_route(alert.id, None, &why, now)
                .await?;
        }
        Route::PageOnly => {
            let paged = crate::actions::oncall::page_for_alert(state, alert, None).await?;
            let why = match paged {
                Some(p) => format!("page only: page {}", p.id),
                None => format!(
                    "page only: {} has no escalation policy, nobody was paged",
                    alert.service
                ),
            };
            state
                .store
                .set_alert_route(alert.id, None, &why, now)
                .await?;
        }
        Route::Join(incident_id) => {
            let events = state
                .store
                .add_events(
                    incident_id,
                    &[alert_event(alert, body, alert.started_at, now)],
                )
                .await?;
            let private = state
                .store
                .incident_private(incident_id, everyone())
                .await?;
            state.live.publish(incident_id, private, &events);
            state
                .store
                .set_alert_route(
                    alert.id,
                    Some(incident_id),
                    &format!("joined INC-{incident_id}"),
                    now,
                )
                .await?;
        }
        Route::Open(severity) => {
            let new = NewIncident {
                title: alert.summary.chars().take(200).collect(),
                summary: None,
                severity: severity.clone(),
                status: Status::Triage,
                incident_type: "default".into(),
                services: vec![alert.service.clone()],
                customer_impact: false,
                private: false,
                started_at: None,
                declared_by: None,
            };
            let declared = EventDraft {
                kind: EventKind::Declared,
                at: now,
                source: Source::Alert,
                author_id: None,
                author_name: None,
                body: format!(
                    "Debrief opened the incident as {severity} from a {} alert: {}",
                    alert.severity, alert.summary
                ),
                links: Vec::new(),
                data: json!({
                    "title": new.title, "severity": severity, "status": new.status,
                    "type": new.incident_type, "services": new.services,
                    "customer_impact": false, "private": false, "started_at": null,
                    "alert_id": alert.id,
                }),
                starred: false,
                created_at: now,
            };
            let opened = state
                .store
                .declare_for_alert(
                    &new,
                    declared,
                    alert_event(alert, body, alert.started_at, now),
                    alert.id,
                    |reference| format!("opened {reference}"),
                    now,
                )
                .await?;
            if let Some((incident, events)) = opened {
                tracing::info!(incident.reference = %incident.reference, alert = alert.id, "Opened incident {} from an alert", incident.reference);
                state.live.publish(incident.id, false, &events);
                crate::actions::slack::channels::follow_incident(state, incident.id, &events).await;
                crate::actions::oncall::page_for_alert(state, alert, Some(incident.id)).await?;
            }
        }
    }
    Ok(())
}

async fn resolved(state: &AppState, alert: &Alert) -> Result<(), AppError> {
    let Some(incident_id) = incident_number(alert) else {
        return Ok(());
    };
    let now = state.clock.now();
    let by = alert.resolved_by.clone().unwrap_or_default();
    let mut drafts = vec![alert_event(
        alert,
        format!("Alert resolved by {by}: {}", alert.summary),
        alert.resolved_at.unwrap_or(now),
        now,
    )];
    let incident = state.store.incident(incident_id, everyone()).await?;
    let opened_by_alerts = incident.declared_by.is_none();
    if opened_by_alerts
        && incident.status.is_active()
        && state.store.open_alerts_of_incident(incident_id).await? == 0
    {
        drafts.push(EventDraft {
            kind: EventKind::Note,
            at: now,
            source: Source::System,
            author_id: None,
            author_name: None,
            body: "Every alert of this incident is resolved. If the problem is over, resolve the incident; Debrief does not resolve it by itself.".into(),
            links: Vec::new(),
            data: json!({"suggestion": "resolve"}),
            starred: false,
            created_at: now,
        });
    }
    let events = state.store.add_events(incident_id, &drafts).await?;
    state.live.publish(incident_id, incident.private, &events);
    Ok(())
}

/// A change event: recorded for the service, and a `change` event on the timeline of each of
/// its active incidents.
pub async fn record_change(
    state: &AppState,
    integration: &Integration,
    change: &ChangeEvent,
) -> Result<(), AppError> {
    let now = state.clock.now();
    let happened = change.timestamp.unwrap_or(now);
    let details = json!({"custom_details": change.custom_details, "links": change.links});
    state
        .store
        .record_change(
            &debrief_store::alert::NewChange {
                integration_id: integration.id,
                service: integration.service.clone(),
                summary: clean(&change.summary),
                source: change.source.as_deref().map(clean),
                happened_at: happened,
                details,
            },
            now,
        )
        .await?;
    for incident_id in state
        .store
        .service_open_incidents(&integration.service)
        .await?
    {
        let draft = EventDraft {
            kind: EventKind::Change,
            at: happened,
            source: Source::Alert,
            author_id: None,
            author_name: None,
            body: format!(
                "Change on {}: {}{}",
                integration.service,
                clean(&change.summary),
                change
                    .source
                    .as_deref()
                    .map(|s| format!(" (from {})", clean(s)))
                    .unwrap_or_default()
            ),
            links: change
                .links
                .iter()
                .filter(|l| l.href.starts_with("http://") || l.href.starts_with("https://"))
                .map(|l| Link {
                    url: l.href.clone(),
                    title: l.text.clone(),
                })
                .collect(),
            data: json!({"integration_id": integration.id, "custom_details": change.custom_details}),
            starred: false,
            created_at: now,
        };
        let events = state.store.add_events(incident_id, &[draft]).await?;
        let private = state
            .store
            .incident_private(incident_id, everyone())
            .await?;
        state.live.publish(incident_id, private, &events);
    }
    Ok(())
}
