//! Declaring an incident, with its severity and services checked against the catalogue.

use super::*;
use debrief_core::custom_field::FieldValues;

/// Adds to `e` an error for the severity and each service that is well-formed but not
/// configured, named by its place in the request (`services[2]`). Run beside the syntax checks,
/// so that one answer names every bad field.
pub(super) async fn check_catalog(
    state: &AppState,
    e: &mut ValidationError,
    severity: Option<&str>,
    services: &[String],
) -> Result<(), AppError> {
    // Values with a syntax error were reported by the parser; check the others as it reads them.
    let mut scratch = ValidationError::default();
    if let Some(key) = severity.map(|s| severity::parse_key(&mut scratch, "severity", s))
        && scratch.fields.is_empty()
    {
        let known = severities(state, Some(&key)).await?;
        if !known.iter().any(|s| s.key == key) {
            let names = known
                .iter()
                .map(|s| s.key.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            e.push_missing(
                "severity",
                format!("unknown severity '{key}'; configured: {names}"),
            );
        }
    }
    if !services.is_empty() {
        let mut known = state.caches.services().unwrap_or_default();
        for (i, s) in services.iter().enumerate() {
            let mut scratch = ValidationError::default();
            let s = slug(&mut scratch, "services", s);
            if scratch.fields.is_empty() && !known.contains(&s) {
                // A miss is checked against the database before it counts as unknown.
                known = state
                    .store
                    .list_services()
                    .await?
                    .into_iter()
                    .map(|k| k.slug)
                    .collect();
                state.caches.put_services(known.clone());
            }
            if scratch.fields.is_empty() && !known.contains(&s) {
                e.push_missing(
                    format!("services[{i}]"),
                    format!("unknown service '{s}'; add it first (POST /api/v1/services)"),
                );
            }
        }
    }
    Ok(())
}

/// The configured severities, from the cache unless `wanted` is missing from it.
pub(crate) async fn severities(
    state: &AppState,
    wanted: Option<&str>,
) -> Result<Vec<debrief_core::severity::Severity>, AppError> {
    if let Some(cached) = state.caches.severities()
        && wanted.is_none_or(|w| cached.iter().any(|s| s.key == w))
    {
        return Ok(cached);
    }
    let fresh = state.store.list_severities().await?;
    state.caches.put_severities(fresh.clone());
    Ok(fresh)
}

/// Declares an incident; the declarer becomes its commander.
pub async fn declare_incident(
    state: &AppState,
    actor: &Actor,
    input: &DeclareInput,
    source: Source,
) -> Result<Incident, AppError> {
    actor.require(AccountRole::Responder)?;
    let now = state.clock.now();
    let validated = input.validate(now);
    let mut e = validated.as_ref().err().cloned().unwrap_or_default();
    check_catalog(state, &mut e, input.severity.as_deref(), &input.services).await?;
    let wanted_type = input.incident_type.as_deref().map(str::trim);
    let wanted_type = wanted_type.filter(|t| !t.is_empty()).unwrap_or("default");
    crate::actions::incident_type::check_incident_type(state, &mut e, wanted_type).await?;
    // Every form asks for the custom fields (Slack's declare modal too), so required ones are
    // enforced whatever the source.
    let custom =
        super::custom_values::parse_custom(state, &mut e, &input.custom_fields, true).await?;
    let d = match validated {
        Ok(d) if e.fields.is_empty() => d,
        _ => return Err(e.into()),
    };
    let severity = match &d.severity {
        Some(s) => s.clone(),
        None => severities(state, None)
            .await?
            .into_iter()
            .max_by_key(|s| s.rank)
            .map(|s| s.key)
            .ok_or_else(|| AppError::Conflict("no severity is configured; add one first".into()))?,
    };
    let new = NewIncident {
        title: d.title.clone(),
        summary: d.summary.clone(),
        severity: severity.clone(),
        status: d.status,
        incident_type: d.incident_type.clone(),
        services: d.services.clone(),
        customer_impact: d.customer_impact,
        private: d.private,
        started_at: d.started_at,
        declared_by: Some(actor.user.id),
    };
    let declared = draft_event(
        actor,
        source,
        EventKind::Declared,
        now,
        format!(
            "{} declared the incident as {severity}: {}",
            actor.user.name, d.title
        ),
        json!({
            "title": d.title, "severity": severity, "status": d.status, "type": d.incident_type,
            "services": d.services, "customer_impact": d.customer_impact, "private": d.private,
            "started_at": d.started_at.map(debrief_core::format_utc),
        }),
    );
    let commander = draft_event(
        actor,
        source,
        EventKind::RoleChange,
        now,
        format!("{} is the commander", actor.user.name),
        json!({"role": "commander", "from": null, "to": {"id": actor.user.id, "name": actor.user.name}}),
    );
    let (incident, events) = state
        .store
        .declare_incident(
            &new,
            declared,
            Some((
                RoleAssignment {
                    role: "commander".into(),
                    user_id: actor.user.id,
                    user_name: actor.user.name.clone(),
                    user_email: actor.user.email.clone(),
                },
                commander,
            )),
            custom.change(actor, source, now, &FieldValues::new(), true),
            now,
        )
        .await?;
    tracing::info!(incident.reference = %incident.reference, "Declared incident {}", incident.reference);
    state.live.publish(incident.id, incident.private, &events);
    crate::actions::slack::channels::follow_incident(state, incident.id, &events).await;
    // Severe enough: the services' escalation policies are paged. The incident is declared
    // whatever happens to the page; a failure to open one is logged and the alert or person
    // pages again.
    if let Err(e) = crate::actions::oncall::page_for_incident(state, &incident).await {
        tracing::warn!(incident.reference = %incident.reference, error = %e, "Could not page for {}", incident.reference);
    }
    Ok(incident)
}
