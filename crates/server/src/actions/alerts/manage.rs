//! Integrations and their keys, people acknowledging, resolving and noting alerts, routing rules
//! and silences.

use super::*;

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

/// A field that may be sent as `null`: absent → `None`, `null` → `Some(None)`.
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// What may change on an integration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntegrationPatch {
    /// A new name.
    pub name: Option<String>,
    /// A new grouping.
    pub group_by: Option<String>,
    /// Grafana: a new HMAC secret; `null` stops checking signatures.
    #[serde(default, deserialize_with = "present")]
    pub signing_secret: Option<Option<String>>,
    /// Whether it is disabled.
    pub disabled: Option<bool>,
}

/// Changes an integration's name, grouping, signing secret (Grafana) or whether it is enabled
/// (admins); what the patch leaves out stays as it is.
pub async fn update_integration(
    state: &AppState,
    actor: &Actor,
    id: i64,
    p: &IntegrationPatch,
) -> Result<Integration, AppError> {
    actor.require(AccountRole::Admin)?;
    let current = state.store.integration(id).await?;
    let mut e = ValidationError::default();
    let name = match &p.name {
        Some(n) => required_text(&mut e, "name", n, 200),
        None => current.name.clone(),
    };
    // Stored as parsed (`labels: a , b` as `labels:a,b`), as creating an integration does.
    let group_by = match p.group_by.as_deref().map(GroupBy::parse) {
        None => current.group_by.clone(),
        Some(Ok(g)) => g.as_string(),
        Some(Err(m)) => {
            e.push("group_by", m);
            current.group_by.clone()
        }
    };
    let secret = match &p.signing_secret {
        None => current.signing_secret.clone(),
        Some(None) => None,
        Some(Some(s)) => {
            if let Some(m) = secret_problem(s) {
                e.push("signing_secret", m);
            } else if current.kind != "grafana" {
                // Well formed, but this integration's kind has no signatures: a conflict with
                // what it is, not a malformed field.
                e.push_conflict(
                    "signing_secret",
                    "only Grafana integrations check signatures",
                );
            }
            Some(s.clone())
        }
    };
    if !e.fields.is_empty() {
        return Err(e.into());
    }
    let disabled = p.disabled.unwrap_or(current.disabled_at.is_some());
    Ok(state
        .store
        .update_integration(
            current.id,
            &name,
            &group_by,
            secret.as_deref(),
            disabled,
            state.clock.now(),
        )
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
