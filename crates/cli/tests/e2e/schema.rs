//! A small JSON Schema validator for the OpenAPI 3.1 document's schemas: enough of JSON Schema
//! 2020-12 for what the document uses, and strict about it.
//!
//! Supported: `$ref` (JSON pointers into the document), `type` (a name or a list of names, so
//! `["string", "null"]` is nullable), `enum`, `const`, `properties`, `required`,
//! `additionalProperties` (`false` or a schema), `minProperties`, `items`, `minItems`,
//! `maxItems`, `oneOf`, `anyOf`, `allOf`, `minimum`, `maximum`, `minLength`, `maxLength` and
//! `format: date-time`. Annotations (`description`, `default`, `examples`) and `pattern` are
//! not checked.

use serde_json::Value;

/// Validates values against schemas of one document (which `$ref`s point into).
pub struct Validator<'a> {
    doc: &'a Value,
}

impl<'a> Validator<'a> {
    /// A validator for `doc`.
    pub fn new(doc: &'a Value) -> Self {
        Self { doc }
    }

    /// The value a `$ref` like `#/components/schemas/Incident` points at.
    pub fn resolve(&self, reference: &str) -> &'a Value {
        let pointer = reference
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("only local references: {reference}"));
        self.doc
            .pointer(pointer)
            .unwrap_or_else(|| panic!("{reference} points at nothing"))
    }

    /// Every way `value` breaks `schema`, each with the JSON path where it does; empty when it
    /// conforms.
    pub fn errors(&self, schema: &Value, value: &Value) -> Vec<String> {
        let mut errors = Vec::new();
        self.check(schema, value, "$", &mut errors);
        errors
    }

    fn check(&self, schema: &Value, value: &Value, path: &str, errors: &mut Vec<String>) {
        let Some(s) = schema.as_object() else {
            match schema {
                Value::Bool(true) => {}
                Value::Bool(false) => errors.push(format!("{path}: no value is allowed here")),
                other => panic!("not a schema at {path}: {other}"),
            }
            return;
        };
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            self.check(self.resolve(r), value, path, errors);
        }
        if let Some(t) = s.get("type") {
            let names: Vec<&str> = match t {
                Value::String(n) => vec![n.as_str()],
                Value::Array(a) => a.iter().map(|n| n.as_str().expect("a type name")).collect(),
                other => panic!("a bad type at {path}: {other}"),
            };
            if !names.iter().any(|n| is_type(value, n)) {
                errors.push(format!("{path}: {value} is not of type {t}"));
                return;
            }
        }
        if let Some(options) = s.get("enum").and_then(Value::as_array)
            && !options.contains(value)
        {
            errors.push(format!(
                "{path}: {value} is not one of {}",
                Value::Array(options.clone())
            ));
        }
        if let Some(c) = s.get("const")
            && c != value
        {
            errors.push(format!("{path}: {value} is not {c}"));
        }
        for (key, kind) in [("allOf", "all"), ("anyOf", "any"), ("oneOf", "one")] {
            let Some(list) = s.get(key).and_then(Value::as_array) else {
                continue;
            };
            let passing = list
                .iter()
                .filter(|sub| self.errors_at(sub, value, path).is_empty())
                .count();
            let ok = match kind {
                "all" => passing == list.len(),
                "any" => passing >= 1,
                _ => passing == 1,
            };
            if !ok {
                errors.push(format!(
                    "{path}: {passing} of the {} {key} schemas match {value}",
                    list.len()
                ));
            }
        }
        match value {
            Value::Object(map) => self.check_object(s, map, path, errors),
            Value::Array(items) => {
                if let Some(n) = s.get("minItems").and_then(Value::as_u64)
                    && (items.len() as u64) < n
                {
                    errors.push(format!("{path}: fewer than {n} items"));
                }
                if let Some(n) = s.get("maxItems").and_then(Value::as_u64)
                    && items.len() as u64 > n
                {
                    errors.push(format!("{path}: more than {n} items"));
                }
                if let Some(item) = s.get("items") {
                    for (i, v) in items.iter().enumerate() {
                        self.check(item, v, &format!("{path}[{i}]"), errors);
                    }
                }
            }
            Value::Number(n) => {
                let n = n.as_f64().expect("a number");
                if s.get("minimum")
                    .and_then(Value::as_f64)
                    .is_some_and(|m| n < m)
                {
                    errors.push(format!("{path}: {n} is below the minimum {}", s["minimum"]));
                }
                if s.get("maximum")
                    .and_then(Value::as_f64)
                    .is_some_and(|m| n > m)
                {
                    errors.push(format!("{path}: {n} is above the maximum {}", s["maximum"]));
                }
            }
            Value::String(text) => {
                let len = text.chars().count() as u64;
                if s.get("minLength")
                    .and_then(Value::as_u64)
                    .is_some_and(|m| len < m)
                {
                    errors.push(format!("{path}: shorter than {}", s["minLength"]));
                }
                if s.get("maxLength")
                    .and_then(Value::as_u64)
                    .is_some_and(|m| len > m)
                {
                    errors.push(format!("{path}: longer than {}", s["maxLength"]));
                }
                if s.get("format").and_then(Value::as_str) == Some("date-time")
                    && text.parse::<jiff::Timestamp>().is_err()
                {
                    errors.push(format!("{path}: '{text}' is not an RFC 3339 date-time"));
                }
            }
            Value::Null | Value::Bool(_) => {}
        }
    }

    fn check_object(
        &self,
        s: &serde_json::Map<String, Value>,
        map: &serde_json::Map<String, Value>,
        path: &str,
        errors: &mut Vec<String>,
    ) {
        let properties = s.get("properties").and_then(Value::as_object);
        for name in s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = name.as_str().expect("a property name");
            if !map.contains_key(name) {
                errors.push(format!("{path}: the required property '{name}' is missing"));
            }
        }
        if let Some(n) = s.get("minProperties").and_then(Value::as_u64)
            && (map.len() as u64) < n
        {
            errors.push(format!("{path}: fewer than {n} properties"));
        }
        for (name, v) in map {
            let at = format!("{path}.{name}");
            match properties.and_then(|p| p.get(name)) {
                Some(sub) => self.check(sub, v, &at, errors),
                None => match s.get("additionalProperties") {
                    None | Some(Value::Bool(true)) => {}
                    Some(Value::Bool(false)) => errors.push(format!(
                        "{path}: the property '{name}' is not in the schema"
                    )),
                    Some(sub) => self.check(sub, v, &at, errors),
                },
            }
        }
    }

    fn errors_at(&self, schema: &Value, value: &Value, path: &str) -> Vec<String> {
        let mut errors = Vec::new();
        self.check(schema, value, path, &mut errors);
        errors
    }
}

fn is_type(value: &Value, name: &str) -> bool {
    match name {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => {
            value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        other => panic!("unknown JSON type '{other}'"),
    }
}

#[cfg(test)]
mod tests {
    use super::Validator;
    use serde_json::json;

    fn doc() -> serde_json::Value {
        json!({"components": {"schemas": {
            "Status": {"type": "string", "enum": ["open", "closed"]},
            "Thing": {"type": "object", "additionalProperties": false, "required": ["id", "status", "note", "at"],
                      "properties": {"id": {"type": "integer", "minimum": 1}, "status": {"$ref": "#/components/schemas/Status"},
                                     "note": {"type": ["string", "null"]}, "at": {"type": "string", "format": "date-time"},
                                     "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1}}},
            "Either": {"oneOf": [{"type": "integer"}, {"type": "number", "minimum": 0}]}
        }}})
    }

    #[test]
    fn a_conforming_value_has_no_errors() {
        let d = doc();
        let v = Validator::new(&d);
        let thing = json!({"id": 1, "status": "open", "note": null, "at": "2026-11-21T09:30:00.000Z", "tags": ["a"]});
        assert_eq!(
            v.errors(v.resolve("#/components/schemas/Thing"), &thing),
            Vec::<String>::new()
        );
    }

    #[test]
    fn each_kind_of_mismatch_is_reported_with_its_path() {
        let d = doc();
        let v = Validator::new(&d);
        let thing =
            json!({"id": 0, "status": "lost", "at": "yesterday", "tags": [], "extra": true});
        let errors = v.errors(v.resolve("#/components/schemas/Thing"), &thing);
        for expected in [
            "'note' is missing",
            "$.id: 0 is below",
            "$.status: \"lost\" is not one of",
            "$.at: 'yesterday'",
            "$.tags: fewer than 1",
            "'extra' is not in the schema",
        ] {
            assert!(
                errors.iter().any(|e| e.contains(expected)),
                "{expected} not in {errors:?}"
            );
        }
        assert_eq!(
            v.errors(v.resolve("#/components/schemas/Thing"), &json!(null))
                .len(),
            1,
            "null is not an object"
        );
        assert_eq!(
            v.errors(&json!({"type": ["string", "null"]}), &json!(null)),
            Vec::<String>::new()
        );
        assert_eq!(v.errors(&json!({"type": "integer"}), &json!(1.5)).len(), 1);
    }

    #[test]
    fn one_of_needs_exactly_one_match() {
        let d = doc();
        let v = Validator::new(&d);
        let either = v.resolve("#/components/schemas/Either");
        assert_eq!(v.errors(either, &json!(0.5)), Vec::<String>::new());
        assert_eq!(
            v.errors(either, &json!(-1.5)).len(),
            1,
            "-1.5 matches neither"
        );
        assert_eq!(
            v.errors(either, &json!(2)).len(),
            1,
            "2 is an integer and a non-negative number"
        );
        assert_eq!(
            v.errors(
                &json!({"anyOf": [{"type": "string"}, {"const": 3}]}),
                &json!(4)
            )
            .len(),
            1
        );
    }
}
