//! Custom fields in the incident forms: the declare form's fields, the incident page's section
//! (`templates/incident_custom_fields.html`) and the list's filters. A field is posted as
//! `cf.<key>` (a multi-select once per value), as the list filters by it.

use super::form::Pairs;
use debrief_core::custom_field::{CustomField, FieldKind, FieldValues};
use serde_json::{Map, Value, json};

/// A custom field as a form shows it.
pub struct FieldView {
    /// Key.
    pub key: String,
    /// The form field's name, `cf.<key>`.
    pub name: String,
    /// Label.
    pub label: String,
    /// Help.
    pub description: String,
    /// `text`, `select` or `multi_select`.
    pub kind: &'static str,
    /// Whether a declaration needs it.
    pub required: bool,
    /// The choices.
    pub options: Vec<String>,
    /// The values shown: what was typed, or what the incident has.
    pub values: Vec<String>,
}

impl FieldView {
    /// Whether `option` is among the values.
    pub fn has(&self, option: &str) -> bool {
        self.values.iter().any(|v| v == option)
    }

    /// The first value (a text field's text).
    pub fn first(&self) -> &str {
        self.values.first().map_or("", String::as_str)
    }

    /// The values for reading: joined, or a dash.
    pub fn shown(&self) -> String {
        match self.values.is_empty() {
            true => "—".into(),
            false => self.values.join(", "),
        }
    }
}

/// The views of the fields that are not archived, with `values` (by key) filled in.
pub fn views(defs: &[CustomField], values: &FieldValues) -> Vec<FieldView> {
    defs.iter()
        .filter(|d| !d.archived)
        .map(|d| FieldView {
            key: d.key.clone(),
            name: format!("cf.{}", d.key),
            label: d.label.clone(),
            description: d.description.clone(),
            kind: d.kind.as_str(),
            required: d.required,
            options: d.options.clone(),
            values: values.get(&d.key).cloned().unwrap_or_default(),
        })
        .collect()
}

/// What a form posted for each field that is not archived, by key.
pub fn posted(defs: &[CustomField], pairs: &Pairs) -> FieldValues {
    defs.iter()
        .filter(|d| !d.archived)
        .map(|d| {
            let name = format!("cf.{}", d.key);
            let values = pairs
                .iter()
                .filter(|(k, v)| *k == name && !v.trim().is_empty())
                .map(|(_, v)| v.trim().to_string())
                .collect();
            (d.key.clone(), values)
        })
        .collect()
}

/// The `custom_fields` of an action's input from posted values: on a declaration
/// (`clear_empty` false) empty fields are left out; on a change they are cleared.
pub fn input(defs: &[CustomField], values: &FieldValues, clear_empty: bool) -> Map<String, Value> {
    defs.iter()
        .filter_map(|d| {
            let v = values.get(&d.key)?;
            let json = match (d.kind, v.is_empty()) {
                (_, true) if !clear_empty => return None,
                (FieldKind::MultiSelect, _) => json!(v),
                (_, true) => Value::Null,
                _ => json!(v.first()),
            };
            Some((d.key.clone(), json))
        })
        .collect()
}
