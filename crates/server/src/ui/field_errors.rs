//! Form errors shown beside their fields: a form post that fails validation re-renders its page
//! (status 422) with what was typed kept and each message next to its field, instead of a
//! dead-end error page.
//!
//! A page's template takes a [`FieldErrors`] named `errors` and, for each field:
//!
//! ```html
//! <label>Title <input name="title" value="{{ title }}"
//!   {% if errors.has("title") %}aria-invalid="true" aria-describedby="title-error"{% endif %}></label>
//! {% if let Some(m) = errors.get("title") %}<p class="field-error" id="title-error">{{ m }}</p>{% endif %}
//! ```
//!
//! and shows [`FieldErrors::general`] (messages for no field of the form, or a conflict) at the
//! top of the form in a `role="alert"` box.

use crate::AppError;

/// Validation messages by field name, plus messages that belong to no single field.
#[derive(Debug, Clone, Default)]
pub struct FieldErrors {
    fields: Vec<(String, String)>,
    general: Vec<String>,
}

impl FieldErrors {
    /// No errors (a page shown for the first time).
    pub fn none() -> Self {
        Self::default()
    }

    /// The errors an action returned, when they are ones a person can fix in the form (bad
    /// input or a conflict with the current state); `Err` gives back any other error, which is
    /// shown as an error page. `known` lists the form's field names: a message about any other
    /// field is shown at the top of the form, naming the field. A message about `services[1]`
    /// or `a.b` goes to `services` or `a`, unless `known` names `a.b` itself.
    pub fn from_error(e: AppError, known: &[&str]) -> Result<Self, AppError> {
        let mut out = Self::default();
        match e {
            AppError::Validation(v) => {
                for f in v.fields {
                    let base = f.field.split(['[', '.']).next().unwrap_or("").to_string();
                    // A known name with a dot (`custom_fields.region`) keeps its whole name.
                    if known.contains(&f.field.as_str()) {
                        out.fields.push((f.field, f.message));
                    } else if known.contains(&base.as_str()) {
                        out.fields.push((base, f.message));
                    } else if f.field.is_empty() {
                        out.general.push(f.message);
                    } else {
                        out.general.push(format!("{}: {}", f.field, f.message));
                    }
                }
            }
            AppError::Conflict(m) | AppError::BadRequest(m) => out.general.push(m),
            other => return Err(other),
        }
        Ok(out)
    }

    /// One message beside `field`.
    pub fn one(field: &str, message: impl Into<String>) -> Self {
        Self {
            fields: vec![(field.to_string(), message.into())],
            general: Vec::new(),
        }
    }

    /// Whether anything is wrong.
    pub fn any(&self) -> bool {
        !self.fields.is_empty() || !self.general.is_empty()
    }

    /// Whether `field` has a message.
    pub fn has(&self, field: &str) -> bool {
        self.fields.iter().any(|(f, _)| f == field)
    }

    /// The message(s) for `field`, joined.
    pub fn get(&self, field: &str) -> Option<String> {
        let msgs: Vec<&str> = self
            .fields
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
            .collect();
        (!msgs.is_empty()).then(|| msgs.join("; "))
    }

    /// Messages that belong to no field of the form.
    pub fn general(&self) -> &[String] {
        &self.general
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use debrief_core::validation::ValidationError;

    #[test]
    fn messages_go_beside_known_fields_and_the_rest_to_the_top() {
        let mut v = ValidationError::default();
        v.push("title", "must not be empty");
        v.push("services[1]", "unknown service");
        v.push("started_at", "must not be in the future");
        let e = FieldErrors::from_error(AppError::Validation(v), &["title", "services"]).unwrap();
        assert_eq!(e.get("title").as_deref(), Some("must not be empty"));
        assert!(e.has("services"));
        assert!(!e.has("started_at"));
        assert_eq!(e.general(), ["started_at: must not be in the future"]);
        let c = FieldErrors::from_error(AppError::Conflict("changed".into()), &[]).unwrap();
        assert_eq!(c.general(), ["changed"]);
        assert!(FieldErrors::from_error(AppError::NotFound("x".into()), &[]).is_err());
    }
}
