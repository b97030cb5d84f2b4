//! An incident's custom field values: checked against the definitions when declaring or
//! changing, written in the incident write's transaction with a timeline event naming each
//! change, and shown as
//! `custom_fields: {key: value | [values]}`.

use super::*;
use debrief_core::custom_field::{CustomField, FieldValues, parse_values, value_json};
use std::collections::HashMap;

/// Custom field values asked for, checked against the definitions (kept to name the fields
/// in the timeline).
pub(super) struct CustomInput {
    /// The values, by field key.
    pub(super) values: FieldValues,
    defs: Vec<CustomField>,
}

/// Checks `input` against the definitions, adding each problem to `e` (named
/// `custom_fields.<key>`); `declaring` enforces the required ones.
pub(super) async fn parse_custom(
    state: &AppState,
    e: &mut ValidationError,
    input: &serde_json::Map<String, serde_json::Value>,
    declaring: bool,
) -> Result<CustomInput, AppError> {
    let defs = state.store.list_custom_fields().await?;
    if input.is_empty() && (!declaring || defs.iter().all(|d| !d.required || d.archived)) {
        return Ok(CustomInput {
            values: FieldValues::new(),
            defs,
        });
    }
    let values = parse_values(&defs, input, declaring).unwrap_or_else(|v| {
        e.fields.extend(v.fields);
        FieldValues::new()
    });
    Ok(CustomInput { values, defs })
}

impl CustomInput {
    /// The values that differ from `current`, with the one timeline event (`incident_update`,
    /// `data.custom_fields.<key>: {from, to}`) naming them, to be written with the incident
    /// change or declaration; `None` when nothing changes.
    pub(super) fn change(
        &self,
        actor: &Actor,
        source: Source,
        now: Timestamp,
        current: &FieldValues,
        declared: bool,
    ) -> Option<(FieldValues, EventDraft)> {
        let changed: FieldValues = self
            .values
            .iter()
            .filter(|(k, v)| current.get(*k).map_or(!v.is_empty(), |c| c != *v))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if changed.is_empty() {
            return None;
        }
        let label = |k: &str| {
            self.defs
                .iter()
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
            now,
            format!("{} {verb} {}", actor.user.name, notes.join(", ")),
            json!({ "custom_fields": data }),
        );
        Some((changed, event))
    }
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
