//! Changing an incident: its fields, and its status through the lifecycle.

use super::*;
use crate::actions::postmortem::decide::{PolicyInputs, redecide};
use crate::actions::postmortem::resolved_at;

/// Updates an incident's fields; severity changes and other changes are timeline events.
pub async fn update_incident(
    state: &AppState,
    actor: &Actor,
    r: IncidentRef,
    input: &UpdateInput,
    if_match: Option<i64>,
    source: Source,
) -> Result<Incident, AppError> {
    // Who may change comes before what the change is: a viewer gets 403, never a 422.
    actor.require(AccountRole::Responder)?;
    let probe = state.store.incident(r.0, actor.viewer()).await?;
    let mut e = input.validate(&probe).err().unwrap_or_default();
    let services = input.services.as_deref().unwrap_or_default();
    check_catalog(state, &mut e, input.severity.as_deref(), services).await?;
    // A type is checked only when it changes: incidents keep a type archived since.
    if let Some(t) = input.incident_type.as_deref().map(str::trim)
        && t != probe.incident_type
    {
        crate::actions::incident_type::check_incident_type(state, &mut e, t).await?;
    }
    let no_values = serde_json::Map::new();
    let raw = input.custom_fields.as_ref().unwrap_or(&no_values);
    let custom = super::custom_values::parse_custom(state, &mut e, raw, false).await?;
    e.into_result(())?;
    let expected = if_match.or(input.version);
    let policy_fields =
        input.severity.is_some() || input.incident_type.is_some() || input.services.is_some();
    let inputs = match policy_fields {
        true => Some(PolicyInputs::load(state, &probe).await?),
        false => None,
    };
    // The custom values are read with the incident on each try and written with its version
    // check, so a racing change makes this one decide again instead of interleaving.
    let with_custom = !custom.values.is_empty();
    let reads = Reads {
        postmortem: true,
        custom: with_custom,
    };
    let (incident, _) = change_reading(state, actor, r, expected, reads, |current, read| {
        let (events, pm) = (read.events, read.postmortem);
        let c = input.validate(current)?;
        let now = state.clock.now();
        let values = custom.change(actor, source, now, read.custom, false);
        if c.is_empty() && values.is_none() {
            return Ok(None);
        }
        let mut write = update_write(actor, source, current, &c, now);
        // A resolved incident whose severity, type or services change is decided again.
        if let Some(inputs) = &inputs
            && (c.severity.is_some() || c.incident_type.is_some() || c.services.is_some())
            && let Some(at) = resolved_at(current, events)
        {
            let mut pm = pm.clone();
            if let Some(ev) = redecide(inputs, &write.incident, &mut pm, at, state.clock.now()) {
                write.events.push(ev);
                write.postmortem = Some(pm);
            }
        }
        if let Some((values, event)) = values {
            write.custom_values = values;
            write.events.push(event);
        }
        Ok(Some(write))
    })
    .await?;
    if input.private.is_some() {
        state.status.invalidate_all();
    }
    Ok(incident)
}

fn update_write(
    actor: &Actor,
    source: Source,
    current: &Incident,
    c: &IncidentChanges,
    now: Timestamp,
) -> IncidentWrite {
    let mut next = current.clone();
    let mut w_events = Vec::new();
    if let Some(s) = &c.severity {
        next.severity = s.clone();
        w_events.push(draft_event(
            actor,
            source,
            EventKind::SeverityChange,
            now,
            format!("Severity changed from {} to {s}", current.severity),
            json!({"from": current.severity, "to": s}),
        ));
    }
    let who = &actor.user.name;
    // One timeline event per corrected field, so each reads on its own ("Dana changed the
    // title …") and its `data` holds that field's `from` and `to`.
    let mut field_event =
        |field: &str, body: String, from: serde_json::Value, to: serde_json::Value| {
            w_events.push(draft_event(
                actor,
                source,
                EventKind::IncidentUpdate,
                now,
                body,
                json!({ field: {"from": from, "to": to} }),
            ));
        };
    if let Some(t) = &c.title {
        field_event(
            "title",
            format!(
                "{who} changed the title from \"{}\" to \"{t}\"",
                current.title
            ),
            json!(current.title),
            json!(t),
        );
        next.title = t.clone();
    }
    if let Some(s) = &c.summary {
        let body = match s {
            Some(text) => format!("{who} changed the summary to: {}", clip(text, 280)),
            None => format!("{who} cleared the summary"),
        };
        field_event("summary", body, json!(current.summary), json!(s));
        next.summary = s.clone();
    }
    if let Some(t) = &c.incident_type {
        field_event(
            "type",
            format!(
                "{who} changed the type from {} to {}",
                current.incident_type, t
            ),
            json!(current.incident_type),
            json!(t),
        );
        next.incident_type = t.clone();
    }
    if let Some(s) = &c.services {
        let list = |v: &[String]| match v.is_empty() {
            true => "none".to_string(),
            false => v.join(", "),
        };
        field_event(
            "services",
            format!(
                "{who} changed the affected services to {} (were {})",
                list(s),
                list(&current.services)
            ),
            json!(current.services),
            json!(s),
        );
        next.services = s.clone();
    }
    if let Some(v) = c.customer_impact {
        let body = match v {
            true => format!("{who} marked the incident as affecting customers"),
            false => format!("{who} marked the incident as not affecting customers"),
        };
        field_event(
            "customer_impact",
            body,
            json!(current.customer_impact),
            json!(v),
        );
        next.customer_impact = v;
    }
    if let Some(v) = c.private {
        let body = match v {
            true => format!("{who} made the incident private"),
            false => format!("{who} made the incident public"),
        };
        field_event("private", body, json!(current.private), json!(v));
        next.private = v;
    }
    IncidentWrite {
        services_changed: c.services.is_some(),
        events: w_events,
        participants: vec![actor.user.id],
        ..IncidentWrite::new(next)
    }
}

/// Input of a status transition.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionInput {
    /// The status to move to.
    pub to: String,
    /// When it happened (RFC 3339); now when absent.
    pub at: Option<String>,
    /// A note for the timeline.
    pub message: Option<String>,
    /// The version the client last saw.
    pub version: Option<i64>,
}

/// Moves an incident to another status, if the lifecycle allows it.
pub async fn transition_incident(
    state: &AppState,
    actor: &Actor,
    r: IncidentRef,
    input: &TransitionInput,
    if_match: Option<i64>,
    source: Source,
) -> Result<Incident, AppError> {
    actor.require(AccountRole::Responder)?;
    let now = state.clock.now();
    let mut e = ValidationError::default();
    let to = match input.to.parse::<Status>() {
        Ok(s) => Some(s),
        Err(m) => {
            e.push("to", m);
            None
        }
    };
    let at = input
        .at
        .as_deref()
        .and_then(|s| parse_time(&mut e, "at", s, now));
    let message = optional_text(&mut e, "message", input.message.as_deref(), 5000);
    let to = e.into_result(to)?.expect("validated");
    let probe = state.store.incident(r.0, actor.viewer()).await?;
    if to == Status::Closed
        && let Some(why) = crate::actions::postmortem::close_blocker(state, r.0).await?
    {
        return Err(AppError::Conflict(format!(
            "{} cannot be closed yet: {why}",
            probe.reference
        )));
    }
    let inputs = match to {
        Status::Resolved => Some(PolicyInputs::load(state, &probe).await?),
        _ => None,
    };
    let (incident, _) = change_with(
        state,
        actor,
        r,
        if_match.or(input.version),
        true,
        |current, events, pm| {
            current.status.check_transition(to)?;
            let at = at.unwrap_or(now);
            // Status changes must stay in time order, so the lifecycle read back from the
            // timeline is the one that happened. A change may be dated before the declaration
            // (an incident recorded after the fact), but not before the incident began.
            current.check_not_before_start("at", at)?;
            if let Some(last) = events
                .iter()
                .filter(|e| e.kind == EventKind::StatusChange)
                .map(|e| e.at)
                .max()
                .filter(|last| at < *last)
            {
                return Err(ValidationError::conflict(
                    "at",
                    format!(
                        "must not be before the previous status change ({})",
                        debrief_core::format_utc(last)
                    ),
                )
                .into());
            }
            let mut next = current.clone();
            next.status = to;
            let body = match &message {
                Some(m) => format!("Status changed from {} to {to}: {m}", current.status),
                None => format!("Status changed from {} to {to}", current.status),
            };
            let mut write = IncidentWrite {
                // Dated `at` (it may be back-dated), recorded now.
                events: vec![EventDraft {
                    created_at: now,
                    ..draft_event(
                        actor,
                        source,
                        EventKind::StatusChange,
                        at,
                        body,
                        json!({"from": current.status, "to": to}),
                    )
                }],
                participants: vec![actor.user.id],
                ..IncidentWrite::new(next)
            };
            if let Some(inputs) = &inputs {
                let mut pm = pm.clone();
                if let Some(ev) = redecide(inputs, &write.incident, &mut pm, at, now) {
                    write.events.push(ev);
                    write.postmortem = Some(pm);
                }
            }
            Ok(Some(write))
        },
    )
    .await?;
    if !incident.status.is_active() {
        // The incident is over: its pages stop escalating.
        crate::actions::oncall::resolve_incident_pages(state, incident.id).await?;
    }
    Ok(incident)
}

/// The first `max` characters of `text`, with an ellipsis when cut.
fn clip(text: &str, max: usize) -> String {
    match text.chars().nth(max) {
        Some(_) => format!("{}…", text.chars().take(max).collect::<String>()),
        None => text.to_string(),
    }
}
