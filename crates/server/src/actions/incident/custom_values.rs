//! An incident's custom field values: checked against the definitions when declaring or
//! changing, written with a timeline event naming each change, and shown as
//! `custom_fields: {key: value | [values]}`.

use super::*;
use debrief_core::custom_field::{CustomField, FieldValues, parse_values, value_json};
use std::collections::HashMap;

/// Checks `input` against the definitions, adding each problem to `e` (named
/// `custom_fields.<key>`); `declaring` enforces the required ones.
pub(super) async fn parse_custom(
    state: &AppState,
    e: &mut ValidationError,
    input: &serde_json::Map<String, serde_json::Value>,
    declaring: bool,
) -> Result<FieldValues, AppError> {
    let defs = state.store.list_custom_fields().await?;
    if input.is_empty() && (!declaring || defs.iter().all(|d| !d.required || d.archived)) {
        return Ok(FieldValues::new());
    }
    Ok(parse_values(&defs, input, declaring).unwrap_or_else(|v| {
        e.fields.extend(v.fields);
        FieldValues::new()
    }))
}

/// Writes the values of `incident` that differ from its current ones, with one timeline event
/// (`incident_update`, `data.custom_fields.<key>: {from, to}`) naming them.
pub(super) async fn record_custom(
    state: &AppState,
    actor: &Actor,
    source: Source,
    incident: &Incident,
    values: &FieldValues,
    declared: bool,
) -> Result<(), AppError> {
    if values.is_empty() {
        return Ok(());
    }
    let current = state
        .store
        .custom_values(&[incident.id])
        .await?
        .remove(&incident.id)
        .unwrap_or_default();
    let changed: FieldValues = values
        .iter()
        .filter(|(k, v)| current.get(*k).map_or(!v.is_empty(), |c| c != *v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if changed.is_empty() {
        return Ok(());
    }
    state.store.set_custom_values(incident.id, &changed).await?;
    let defs = state.store.list_custom_fields().await?;
    let label = |k: &str| {
        defs.iter()
            .find(|d| d.key == k)
            .map_or(k.to_string(), |d| d.label.clone())
    };
    let mut notes = Vec::new();
    let mut data = serde_json::Map::new();
    for (k, v) in &changed {
        notes.push(match v.is_empty() {
            true => format!("cleared {}", label(k)),
            false => format!("{} to {}", label(k), v.join(", ")),
        });
        data.insert(
            k.clone(),
            json!({"from": current.get(k).cloned().unwrap_or_default(), "to": v}),
        );
    }
    let verb = if declared { "set" } else { "changed" };
    let event = draft_event(
        actor,
        source,
        EventKind::IncidentUpdate,
        state.clock.now(),
        format!("{} {verb} {}", actor.user.name, notes.join(", ")),
        json!({ "custom_fields": data }),
    );
    let events = state.store.add_events(incident.id, &[event]).await?;
    state.live.publish(incident.id, incident.private, &events);
    Ok(())
}

/// The `custom_fields` object of each incident: every field that is not archived (`null` or
/// `[]` when not filled in) and archived ones that have a value.
pub async fn custom_fields_json(
    state: &AppState,
    ids: &[i64],
) -> Result<HashMap<i64, serde_json::Value>, AppError> {
    let defs: Vec<CustomField> = state.store.list_custom_fields().await?;
    let mut values = state.store.custom_values(ids).await?;
    Ok(ids
        .iter()
        .map(|id| {
            let mine = values.remove(id).unwrap_or_default();
            let object: serde_json::Map<String, serde_json::Value> = defs
                .iter()
                .filter(|d| !d.archived || mine.contains_key(&d.key))
                .map(|d| {
                    let v = mine.get(&d.key).map_or(&[][..], Vec::as_slice);
                    (d.key.clone(), value_json(d.kind, v))
                })
                .collect();
            (*id, serde_json::Value::Object(object))
        })
        .collect())
}
