//! Custom fields on incidents: their definitions (key, label, kind, options, required on
//! declare, order, archived) and the rules a definition must meet.

use crate::validation::{ValidationError, not_null, optional_text, required_text, slug};
use serde::{Deserialize, Serialize};

/// What a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// Free text.
    Text,
    /// One of the options.
    Select,
    /// Any of the options.
    MultiSelect,
}

impl FieldKind {
    /// Every kind, in the order forms offer them.
    pub const ALL: [FieldKind; 3] = [FieldKind::Text, FieldKind::Select, FieldKind::MultiSelect];

    /// The stored and API name (`multi_select`).
    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Select => "select",
            FieldKind::MultiSelect => "multi_select",
        }
    }

    /// The name people read (`Multi-select`).
    pub fn label(self) -> &'static str {
        match self {
            FieldKind::Text => "Text",
            FieldKind::Select => "Select",
            FieldKind::MultiSelect => "Multi-select",
        }
    }

    /// Whether it picks from options.
    pub fn has_options(self) -> bool {
        self != FieldKind::Text
    }
}

impl std::str::FromStr for FieldKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FieldKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("must be one of text, select, multi_select (not '{s}')"))
    }
}

/// A custom field's definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomField {
    /// Key, e.g. `region`; what the API and filters use (`cf.region=eu`).
    pub key: String,
    /// Label shown on forms.
    pub label: String,
    /// Help shown beside it.
    pub description: String,
    /// What it holds.
    pub kind: FieldKind,
    /// The choices of a select or multi-select (empty for text).
    pub options: Vec<String>,
    /// Whether a declaration must fill it in.
    pub required: bool,
    /// Order on forms (lower first).
    pub position: i64,
    /// Archived fields are kept on incidents but no longer offered.
    pub archived: bool,
}

/// A new definition, or (fields absent stay; `key` and `kind` cannot change) a change to one.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomFieldInput {
    /// Key (on creation).
    #[serde(default, deserialize_with = "not_null")]
    pub key: Option<String>,
    /// Label.
    #[serde(default, deserialize_with = "not_null")]
    pub label: Option<String>,
    /// Help text.
    pub description: Option<String>,
    /// `text`, `select` or `multi_select` (on creation).
    #[serde(default, deserialize_with = "not_null")]
    pub kind: Option<String>,
    /// Choices of a select.
    #[serde(default, deserialize_with = "not_null")]
    pub options: Option<Vec<String>>,
    /// Required on declare.
    #[serde(default, deserialize_with = "not_null")]
    pub required: Option<bool>,
    /// Order.
    #[serde(default, deserialize_with = "not_null")]
    pub position: Option<i64>,
    /// Archived.
    #[serde(default, deserialize_with = "not_null")]
    pub archived: Option<bool>,
}

/// The most options a select may have.
pub const MAX_OPTIONS: usize = 100;

impl CustomFieldInput {
    /// A new definition from this input.
    pub fn create(&self) -> Result<CustomField, ValidationError> {
        let mut e = ValidationError::default();
        let key = slug(&mut e, "key", self.key.as_deref().unwrap_or(""));
        let kind = match self.kind.as_deref() {
            None => {
                e.push("kind", "must be one of text, select, multi_select");
                FieldKind::Text
            }
            Some(k) => k.parse().unwrap_or_else(|m: String| {
                e.push("kind", m);
                FieldKind::Text
            }),
        };
        let blank = CustomField {
            key,
            label: String::new(),
            description: String::new(),
            kind,
            options: Vec::new(),
            required: false,
            position: 0,
            archived: false,
        };
        let f = self.fill(&mut e, &blank, true);
        e.into_result(f)
    }

    /// `current` changed by this input.
    pub fn change(&self, current: &CustomField) -> Result<CustomField, ValidationError> {
        let mut e = ValidationError::default();
        if self.key.as_deref().is_some_and(|k| k != current.key) {
            e.push("key", "the key of a field cannot change");
        }
        if self
            .kind
            .as_deref()
            .is_some_and(|k| k != current.kind.as_str())
        {
            e.push("kind", "the kind of a field cannot change");
        }
        let f = self.fill(&mut e, current, false);
        e.into_result(f)
    }

    /// `current` with this input's label, description, options, flags and order, each
    /// checked into `e` (`creating`: a new field, whose kind the input names).
    fn fill(&self, e: &mut ValidationError, current: &CustomField, creating: bool) -> CustomField {
        let label = required_text(
            e,
            "label",
            self.label.as_deref().unwrap_or(&current.label),
            100,
        );
        let description = optional_text(
            e,
            "description",
            Some(self.description.as_deref().unwrap_or(&current.description)),
            2000,
        )
        .unwrap_or_default();
        let options = match &self.options {
            Some(list) => parse_options(e, list),
            None => current.options.clone(),
        };
        // On a new field the body names the kind, so options that do not suit it are malformed
        // (the document says so); on a change they contradict the stored kind (a conflict).
        let mut wrong = |m: &str| {
            if creating {
                e.push("options", m);
            } else {
                e.push_conflict("options", m);
            }
        };
        if current.kind.has_options() && options.is_empty() {
            wrong("a select needs at least one option");
        }
        if !current.kind.has_options() && !options.is_empty() {
            wrong("a text field has no options");
        }
        let position = self.position.unwrap_or(current.position);
        if !(0..=10_000).contains(&position) {
            e.push("position", "must be between 0 and 10000");
        }
        CustomField {
            key: current.key.clone(),
            label,
            description,
            kind: current.kind,
            options,
            required: self.required.unwrap_or(current.required),
            position,
            archived: self.archived.unwrap_or(current.archived),
        }
    }
}

/// Trimmed options without blanks or repeats, each named by its place (`options[2]`) when bad.
fn parse_options(e: &mut ValidationError, list: &[String]) -> Vec<String> {
    if list.len() > MAX_OPTIONS {
        e.push("options", format!("at most {MAX_OPTIONS} options"));
    }
    let mut out: Vec<String> = Vec::new();
    for (i, o) in list.iter().enumerate() {
        let o = required_text(e, &format!("options[{i}]"), o, 100);
        if !o.is_empty() && !out.contains(&o) {
            out.push(o);
        }
    }
    out
}

/// An incident's values: each field's key with its values (one for text and select, any
/// number for a multi-select; none: not filled in).
pub type FieldValues = std::collections::BTreeMap<String, Vec<String>>;

/// The JSON of a field's values: a string (or `null`) for text and select, a list for a
/// multi-select.
pub fn value_json(kind: FieldKind, values: &[String]) -> serde_json::Value {
    match kind {
        FieldKind::MultiSelect => serde_json::json!(values),
        _ => values
            .first()
            .map_or(serde_json::Value::Null, |v| serde_json::json!(v)),
    }
}

/// Checks the `custom_fields` of a declaration or change against the definitions; each problem
/// is named `custom_fields.<key>`. A field given as `null` (or `""`, or `[]`) is cleared. On a
/// declaration (`declaring`) every required field that is not archived must be filled in; a
/// change may not clear one.
pub fn parse_values(
    defs: &[CustomField],
    input: &serde_json::Map<String, serde_json::Value>,
    declaring: bool,
) -> Result<FieldValues, ValidationError> {
    use serde_json::Value;
    let mut e = ValidationError::default();
    let mut out = FieldValues::new();
    for (key, raw) in input {
        let name = format!("custom_fields.{key}");
        let Some(def) = defs.iter().find(|d| d.key == *key && !d.archived) else {
            e.push_missing(&name, format!("unknown custom field '{key}'"));
            continue;
        };
        let values: Vec<String> = match (def.kind, raw) {
            (_, Value::Null) => Vec::new(),
            (FieldKind::Text, Value::String(t)) => optional_text(&mut e, &name, Some(t), 2000)
                .into_iter()
                .collect(),
            (FieldKind::Select, Value::String(t)) if t.trim().is_empty() => Vec::new(),
            (FieldKind::Select, Value::String(t)) => vec![t.trim().to_string()],
            (FieldKind::MultiSelect, Value::Array(items)) => {
                let mut list: Vec<String> = Vec::new();
                for item in items {
                    match item.as_str().map(str::trim) {
                        Some(v) if !list.iter().any(|l| l == v) => list.push(v.to_string()),
                        Some(_) => {}
                        None => e.push_conflict(&name, "must be a list of strings"),
                    }
                }
                list
            }
            (FieldKind::MultiSelect, _) => {
                e.push_conflict(&name, "must be a list of options (or null)");
                continue;
            }
            _ => {
                e.push_conflict(&name, "must be a string (or null)");
                continue;
            }
        };
        if def.kind.has_options() {
            for v in &values {
                if !def.options.contains(v) {
                    e.push_missing(
                        &name,
                        format!(
                            "'{v}' is not an option; options: {}",
                            def.options.join(", ")
                        ),
                    );
                }
            }
        }
        if def.required && values.is_empty() && !declaring {
            e.push_conflict(&name, "is required and cannot be cleared");
        }
        out.insert(key.clone(), values);
    }
    if declaring {
        for def in defs.iter().filter(|d| d.required && !d.archived) {
            if out.get(&def.key).is_none_or(Vec::is_empty) {
                e.push_conflict(format!("custom_fields.{}", def.key), "is required");
            }
        }
    }
    e.into_result(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn region() -> Vec<CustomField> {
        vec![
            CustomFieldInput {
                key: Some("region".into()),
                label: Some("Region".into()),
                kind: Some("select".into()),
                options: Some(vec!["eu".into(), "us".into()]),
                required: Some(true),
                ..CustomFieldInput::default()
            }
            .create()
            .unwrap(),
            CustomFieldInput {
                key: Some("areas".into()),
                label: Some("Areas".into()),
                kind: Some("multi_select".into()),
                options: Some(vec!["web".into(), "api".into()]),
                ..CustomFieldInput::default()
            }
            .create()
            .unwrap(),
        ]
    }

    fn map(v: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn values_are_checked_against_their_definitions() {
        let defs = region();
        let ok = parse_values(
            &defs,
            &map(json!({"region": "eu", "areas": ["api", "api"]})),
            true,
        );
        assert_eq!(ok.unwrap()["areas"], ["api"]);
        let bad = parse_values(
            &defs,
            &map(json!({"areas": "web", "nope": 1, "region": "mars"})),
            true,
        );
        assert_eq!(
            names(bad.unwrap_err()),
            [
                "custom_fields.areas",
                "custom_fields.nope",
                "custom_fields.region"
            ]
        );
        let missing = parse_values(&defs, &map(json!({})), true);
        assert_eq!(names(missing.unwrap_err()), ["custom_fields.region"]);
        let cleared = parse_values(&defs, &map(json!({"region": null})), false);
        assert_eq!(names(cleared.unwrap_err()), ["custom_fields.region"]);
        assert_eq!(value_json(FieldKind::Select, &[]), serde_json::Value::Null);
    }

    fn names(e: ValidationError) -> Vec<String> {
        e.fields.into_iter().map(|f| f.field).collect()
    }

    #[test]
    fn a_select_needs_options_and_keeps_each_once() {
        let input = CustomFieldInput {
            key: Some("region".into()),
            label: Some("Region".into()),
            kind: Some("select".into()),
            options: Some(vec![" eu ".into(), "us".into(), "eu".into()]),
            ..CustomFieldInput::default()
        };
        let f = input.create().unwrap();
        assert_eq!(f.options, ["eu", "us"]);
        assert_eq!(f.kind, FieldKind::Select);
        let none = CustomFieldInput {
            options: Some(vec![]),
            ..input
        };
        assert_eq!(names(none.create().unwrap_err()), ["options"]);
    }

    #[test]
    fn a_bad_definition_names_every_field() {
        let input = CustomFieldInput {
            key: Some("Not a key".into()),
            kind: Some("number".into()),
            label: Some(" ".into()),
            options: Some(vec!["".into()]),
            ..CustomFieldInput::default()
        };
        assert_eq!(
            names(input.create().unwrap_err()),
            ["key", "kind", "label", "options[0]"]
        );
    }

    #[test]
    fn key_and_kind_never_change() {
        let f = CustomFieldInput {
            key: Some("note".into()),
            label: Some("Note".into()),
            kind: Some("text".into()),
            ..CustomFieldInput::default()
        }
        .create()
        .unwrap();
        let change = CustomFieldInput {
            key: Some("other".into()),
            kind: Some("select".into()),
            ..CustomFieldInput::default()
        };
        assert_eq!(names(change.change(&f).unwrap_err()), ["key", "kind"]);
        let fine = CustomFieldInput {
            archived: Some(true),
            ..CustomFieldInput::default()
        };
        assert!(fine.change(&f).unwrap().archived);
    }
}
