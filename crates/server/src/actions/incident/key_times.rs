//! Key timestamps: derived from the timeline, and overridden with a reason.

use super::*;

/// The facts the key-timestamp derivation needs from a timeline.
pub fn event_facts(events: &[TimelineEvent]) -> Vec<EventFact> {
    events
        .iter()
        .map(|e| EventFact {
            id: e.id,
            kind: e.kind,
            at: e.at,
            source: e.source,
            status_to: e
                .data
                .get("to")
                .and_then(|v| v.as_str())
                .and_then(|s| s.parse().ok()),
            r#override: (e.kind == EventKind::TimestampOverride).then(|| {
                let field = e
                    .data
                    .get("field")
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string();
                let value = e
                    .data
                    .get("value")
                    .and_then(|v| v.as_str())
                    .and_then(|s| s.parse().ok());
                (field, value)
            }),
        })
        .collect()
}

/// The key timestamps of an incident, derived from its timeline.
pub fn key_timestamps(incident: &Incident, events: &[TimelineEvent]) -> KeyTimestamps {
    timestamps::derive(incident.started_at, &event_facts(events))
}

/// Overrides key timestamps (a value) or removes overrides (`null`), with a reason; each is a
/// `timestamp_override` event.
pub async fn override_timestamps(
    state: &AppState,
    actor: &Actor,
    r: IncidentRef,
    body: &serde_json::Map<String, serde_json::Value>,
    source: Source,
) -> Result<(Incident, Vec<TimelineEvent>), AppError> {
    actor.require(AccountRole::Responder)?;
    let now = state.clock.now();
    let incident = state.store.incident(r.0, actor.viewer()).await?;
    let mut e = ValidationError::default();
    let reason = match body.get("reason") {
        Some(serde_json::Value::String(s)) => optional_text(&mut e, "reason", Some(s), 2000),
        Some(_) => {
            e.push("reason", "must be a string");
            None
        }
        None => None,
    };
    if reason.is_none() && !e.fields.iter().any(|f| f.field == "reason") {
        e.push("reason", "say why the timestamp is overridden");
    }
    let mut changes: Vec<(&'static str, Option<Timestamp>)> = Vec::new();
    for (k, v) in body {
        if k == "reason" {
            continue;
        }
        match timestamps::parse_field(k) {
            Err(m) => e.push(k.clone(), m),
            Ok(field) => match v {
                serde_json::Value::Null => changes.push((field, None)),
                serde_json::Value::String(s) => {
                    if let Some(t) = parse_time(&mut e, field, s, now) {
                        changes.push((field, Some(t)));
                    }
                }
                _ => e.push(
                    k.clone(),
                    "must be an RFC 3339 time, or null to remove the override",
                ),
            },
        }
    }
    if changes.is_empty() && e.fields.is_empty() {
        e.push(
            "detected_at",
            format!(
                "give at least one key timestamp: {}",
                timestamps::FIELDS.join(", ")
            ),
        );
    }
    e.into_result(())?;
    let reason = reason.expect("validated");
    let before = key_timestamps(&incident, &state.store.list_events(r.0).await?);
    let drafts: Vec<EventDraft> = changes
        .iter()
        .map(|(field, value)| {
            let previous = before.get(field).map(debrief_core::format_utc);
            let body = match value {
                Some(v) => format!("{field} overridden to {}: {reason}", debrief_core::format_utc(*v)),
                None => format!("{field} override removed: {reason}"),
            };
            draft_event(
                actor,
                source,
                EventKind::TimestampOverride,
                now,
                body,
                json!({"field": field, "value": value.map(debrief_core::format_utc), "previous": previous, "reason": reason}),
            )
        })
        .collect();
    let written = state.store.add_events(r.0, &drafts).await?;
    state.live.publish(incident.id, incident.private, &written);
    Ok((incident, written))
}
