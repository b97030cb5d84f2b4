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
            "resolved" => resolved(state, &alert).await,
            "acknowledged" => Ok(()),
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
    let severities = severity_keys(state).await?;
    Ok(match state.store.alert_rule(service).await? {
        Some(row) => {
            let map: BTreeMap<String, String> = row.severity_map;
            AlertRule::from_parts(&row.mode, row.open_at.as_str(), &map, &severities)
                .unwrap_or_else(|_| AlertRule::default_for(&severities))
        }
        None => AlertRule::default_for(&severities),
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
    if alert.routed.is_some() {
        // Already routed (the job ran before and its answer was lost).
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
    let facts = RouteFacts {
        severity: alert.severity,
        silenced: silenced.is_some(),
        group_incident: state
            .store
            .group_incident(alert.integration_id, &alert.group_key, alert.id)
            .await?,
        service_incident: if rule.mode == RouteMode::Attach {
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
            state
                .store
                .set_alert_route(alert.id, None, "page only", now)
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
            let (incident, mut events) = state
                .store
                .declare_incident(&new, declared, None, now)
                .await?;
            events.extend(
                state
                    .store
                    .add_events(
                        incident.id,
                        &[alert_event(alert, body, alert.started_at, now)],
                    )
                    .await?,
            );
            tracing::info!(incident.reference = %incident.reference, alert = alert.id, "Opened incident {} from an alert", incident.reference);
            state.live.publish(incident.id, false, &events);
            state
                .store
                .set_alert_route(
                    alert.id,
                    Some(incident.id),
                    &format!("opened {}", incident.reference),
                    now,
                )
                .await?;
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
                summary: crate::intake::clean(&change.summary),
                source: change.source.as_deref().map(crate::intake::clean),
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
                crate::intake::clean(&change.summary),
                change
                    .source
                    .as_deref()
                    .map(|s| format!(" (from {})", crate::intake::clean(s)))
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

/// What creating an integration needs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntegrationInput {
    /// The service (a catalogue slug).
    pub service: String,
    /// `pagerduty`, `alertmanager`, `grafana`, `opsgenie` or `generic`.
    pub kind: String,
    /// A name.
    pub name: String,
    /// `sender` (default), `alert` or `labels:name,…`.
    #[serde(default)]
    pub group_by: Option<String>,
    /// Grafana: the HMAC secret its contact point signs with.
    #[serde(default)]
    pub signing_secret: Option<String>,
}

/// A new integration and its key, shown once.
#[derive(Debug, Clone, Serialize)]
pub struct IntegrationCreated {
    /// The integration.
    pub integration: Integration,
    /// Its key: the routing key, GenieKey or bearer token to give the sender. Shown once.
    pub key: String,
    /// Where to point the sender.
    pub url: String,
}

/// Where a sender of `kind` posts.
pub fn intake_url(state: &AppState, kind: &str) -> String {
    let base = state.config.public_url.trim_end_matches('/');
    match kind {
        "pagerduty" => format!("{base}/v2/enqueue"),
        "opsgenie" => base.to_string(),
        other => format!("{base}/hooks/{other}"),
    }
}

/// What is wrong with a Grafana signing secret, if anything: 16 to 512 characters, none of them
/// control characters.
pub fn secret_problem(secret: &str) -> Option<&'static str> {
    if !(16..=512).contains(&secret.chars().count()) {
        Some("must be 16 to 512 characters")
    } else if secret.chars().any(char::is_control) {
        Some("must not contain control characters")
    } else {
        None
    }
}

fn new_key() -> String {
    crate::auth::new_hex(16)
}

fn hint(key: &str) -> String {
    let last: String = key.chars().rev().take(4).collect();
    format!("…{}", last.chars().rev().collect::<String>())
}

/// Creates an integration (admins).
pub async fn create_integration(
    state: &AppState,
    actor: &Actor,
    input: &IntegrationInput,
) -> Result<IntegrationCreated, AppError> {
    actor.require(AccountRole::Admin)?;
    let mut e = ValidationError::default();
    if !KINDS.contains(&input.kind.as_str()) {
        e.push("kind", format!("must be one of {}", KINDS.join(", ")));
    }
    let name = required_text(&mut e, "name", &input.name, 200);
    let group_by = match GroupBy::parse(input.group_by.as_deref().unwrap_or("sender")) {
        Ok(g) => g,
        Err(m) => {
            e.push("group_by", m);
            GroupBy::Sender
        }
    };
    if let Some(secret) = &input.signing_secret {
        if input.kind != "grafana" {
            e.push(
                "signing_secret",
                "only Grafana integrations check signatures",
            );
        } else if let Some(m) = secret_problem(secret) {
            e.push("signing_secret", m);
        }
    }
    if !state
        .store
        .list_services()
        .await?
        .iter()
        .any(|s| s.slug == input.service)
    {
        e.push_missing(
            "service",
            format!("no service '{}' in the catalogue", input.service),
        );
    }
    if !e.fields.is_empty() {
        return Err(e.into());
    }
    let key = new_key();
    let integration = state
        .store
        .create_integration(
            &NewIntegration {
                service: input.service.clone(),
                kind: input.kind.clone(),
                name,
                key_hash: crate::auth::hash_secret(&key),
                key_hint: hint(&key),
                signing_secret: input.signing_secret.clone(),
                group_by: group_by.as_string(),
                created_by: Some(actor.user.id),
            },
            state.clock.now(),
        )
        .await?;
    tracing::info!(integration = integration.id, kind = %integration.kind, "Created an integration");
    Ok(IntegrationCreated {
        url: intake_url(state, &integration.kind),
        integration,
        key,
    })
}

/// Gives an integration a new key; the old one keeps working for `overlap_minutes` (0 to 10080,
/// a week).
pub async fn rotate_key(
    state: &AppState,
    actor: &Actor,
    id: i64,
    overlap_minutes: i64,
) -> Result<IntegrationCreated, AppError> {
    actor.require(AccountRole::Admin)?;
    if !(0..=10_080).contains(&overlap_minutes) {
        return Err(ValidationError::one(
            "overlap_minutes",
            "must be between 0 and 10080 (a week)",
        )
        .into());
    }
    let now = state.clock.now();
    let until = now
        .checked_add(jiff::SignedDuration::from_mins(overlap_minutes))
        .unwrap_or(now);
    let key = new_key();
    let integration = state
        .store
        .rotate_integration_key(id, &crate::auth::hash_secret(&key), &hint(&key), until, now)
        .await?;
    tracing::info!(
        integration = id,
        overlap_minutes,
        "Rotated an integration's key"
    );
    Ok(IntegrationCreated {
        url: intake_url(state, &integration.kind),
        integration,
        key,
    })
}

/// An alert the caller may see: alerts of a private incident are hidden (`404`) from those
/// who may not see the incident, as the incident itself is.
pub async fn visible_alert(state: &AppState, actor: &Actor, id: i64) -> Result<Alert, AppError> {
    let alert = state.store.alert(id).await?;
    if let Some(n) = incident_number(&alert) {
        match state.store.incident_private(n, actor.viewer()).await {
            Ok(_) => {}
            Err(StoreError::NotFound(_)) => return Err(AppError::NotFound(format!("alert {id}"))),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(alert)
}

/// The number of the incident an alert opened or joined.
pub fn incident_number(alert: &Alert) -> Option<i64> {
    alert
        .incident
        .as_deref()
        .and_then(|r| r.trim_start_matches("INC-").parse::<i64>().ok())
}

/// A person acknowledges or resolves an alert (responders).
pub async fn set_status(
    state: &AppState,
    actor: &Actor,
    id: i64,
    to: AlertStatus,
) -> Result<Alert, AppError> {
    actor.require(AccountRole::Responder)?;
    let current = visible_alert(state, actor, id).await?;
    match state
        .store
        .set_alert_status(id, to, &actor.user.name, ROUTE_KIND, state.clock.now())
        .await?
    {
        Some(a) => {
            state.jobs.wake();
            Ok(a)
        }
        None => Err(AppError::Conflict(format!(
            "alert {id} is {}; it cannot become {to}",
            current.status
        ))),
    }
}

/// What a routing rule is set from.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleInput {
    /// `incident`, `attach` or `page`.
    pub mode: String,
    /// The lowest alert severity that opens an incident.
    pub open_at: String,
    /// Alert severity → incident severity key (missing ones keep the default).
    #[serde(default)]
    pub severity_map: BTreeMap<String, String>,
}

/// Sets a service's routing rule (admins); answers the rule in force.
pub async fn put_rule(
    state: &AppState,
    actor: &Actor,
    service: &str,
    input: &RuleInput,
) -> Result<AlertRule, AppError> {
    actor.require(AccountRole::Admin)?;
    known_service(state, service).await?;
    let severities = severity_keys(state).await?;
    let rule = AlertRule::from_parts(
        &input.mode,
        &input.open_at,
        &input.severity_map,
        &severities,
    )?;
    let map: BTreeMap<String, String> = rule
        .severity_map
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.clone()))
        .collect();
    state
        .store
        .put_alert_rule(
            service,
            rule.mode.as_str(),
            rule.open_at,
            &map,
            state.clock.now(),
        )
        .await?;
    Ok(rule)
}

/// A 404 unless `service` is a slug of the catalogue.
pub async fn known_service(state: &AppState, service: &str) -> Result<(), AppError> {
    if state
        .store
        .list_services()
        .await?
        .iter()
        .any(|s| s.slug == service)
    {
        Ok(())
    } else {
        Err(AppError::NotFound(format!("service {service}")))
    }
}

/// What a silence is created from.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SilenceInput {
    /// When it starts (default: now).
    #[serde(default, with = "debrief_core::ts_opt")]
    pub starts_at: Option<Timestamp>,
    /// When it ends.
    #[serde(with = "debrief_core::ts")]
    pub ends_at: Timestamp,
    /// Why.
    pub reason: String,
}

/// Silences a service's alerts for a while (responders).
pub async fn create_silence(
    state: &AppState,
    actor: &Actor,
    service: &str,
    input: &SilenceInput,
) -> Result<Silence, AppError> {
    actor.require(AccountRole::Responder)?;
    known_service(state, service).await?;
    let now = state.clock.now();
    let starts = input.starts_at.unwrap_or(now);
    let mut e = ValidationError::default();
    // Well-formed times that contradict each other or the clock: conflicts (409), as an
    // end before a start is everywhere else.
    if input.ends_at <= starts {
        e.push_conflict("ends_at", "must be after starts_at");
    }
    if input.ends_at <= now {
        e.push_conflict("ends_at", "must be in the future");
    }
    let reason = required_text(&mut e, "reason", &input.reason, 500);
    if !e.fields.is_empty() {
        return Err(e.into());
    }
    Ok(state
        .store
        .create_silence(
            service,
            starts,
            input.ends_at,
            &reason,
            Some(actor.user.id),
            now,
        )
        .await?)
}

/// Ends a silence now, or removes one that has not started (responders).
pub async fn end_silence(state: &AppState, actor: &Actor, id: i64) -> Result<(), AppError> {
    actor.require(AccountRole::Responder)?;
    state.store.end_silence(id, state.clock.now()).await?;
    tracing::info!(silence = id, "Ended a silence");
    Ok(())
}

/// A person adds a note to an alert they may see (responders): 1 to 25,000 characters.
pub async fn add_note(
    state: &AppState,
    actor: &Actor,
    id: i64,
    note: &str,
) -> Result<AlertNote, AppError> {
    actor.require(AccountRole::Responder)?;
    visible_alert(state, actor, id).await?;
    let note = note.trim();
    if note.is_empty() || note.chars().count() > 25_000 {
        return Err(ValidationError::one("note", "must be 1 to 25000 characters").into());
    }
    Ok(state
        .store
        .add_alert_note(id, note, &actor.user.name, None, state.clock.now())
        .await?)
}

/// Enables or disables an integration (admins); a disabled integration's key is refused.
/// Its name, grouping and signing secret stay as they are.
pub async fn set_integration_enabled(
    state: &AppState,
    actor: &Actor,
    id: i64,
    enabled: bool,
) -> Result<Integration, AppError> {
    actor.require(AccountRole::Admin)?;
    let current = state.store.integration(id).await?;
    let integration = state
        .store
        .update_integration(
            current.id,
            &current.name,
            &current.group_by,
            current.signing_secret.as_deref(),
            !enabled,
            state.clock.now(),
        )
        .await?;
    tracing::info!(
        integration = id,
        enabled,
        "Changed whether an integration is enabled"
    );
    Ok(integration)
}
