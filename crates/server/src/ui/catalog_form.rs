//! What the catalogue's settings pages (teams, services, incident types) share: each lists
//! things with an edit form per thing and a form for a new one, and when a post fails it
//! re-renders the page (422) with that one form open, showing what was typed and the messages
//! beside its fields ([`FieldErrors`]).

use super::field_errors::FieldErrors;
use super::session::UiError;
use crate::AppError;
use axum::http::StatusCode;

/// Which form of a page failed, with what was typed into it.
pub struct FormState<T> {
    /// The key of the thing whose form failed (`""`: the form for a new one); `None` when the
    /// page is shown for the first time.
    failed: Option<String>,
    /// What was typed into the failed form.
    pub draft: T,
    /// The messages.
    pub errors: FieldErrors,
}

impl<T: Default + Clone> FormState<T> {
    /// A page shown for the first time.
    pub fn none() -> Self {
        Self {
            failed: None,
            draft: T::default(),
            errors: FieldErrors::none(),
        }
    }

    /// The form for `key` (`""`: the new one) failed with `errors`; `draft` is what was typed.
    pub fn failed(key: &str, draft: T, errors: FieldErrors) -> Self {
        Self {
            failed: Some(key.to_string()),
            draft,
            errors,
        }
    }

    /// What a post came to: `None` when it succeeded, else the page's state for showing its
    /// errors: in the form for `key` (`Some("")`: the new one) with `draft` typed in it, or
    /// (`key` `None`, a refused deletion) at the top of the page. Errors a person cannot fix
    /// in the form (`known`: its field names) are an error page.
    pub fn after<R>(
        key: Option<&str>,
        draft: T,
        result: Result<R, AppError>,
        known: &[&str],
    ) -> Result<Option<Self>, UiError> {
        let Err(e) = result else {
            return Ok(None);
        };
        let errors = FieldErrors::from_error(e, known)?;
        Ok(Some(match key {
            Some(k) => Self::failed(k, draft, errors),
            None => Self {
                failed: None,
                draft,
                errors,
            },
        }))
    }

    /// Whether the form for `key` is the one that failed.
    pub fn on(&self, key: &str) -> bool {
        self.failed.as_deref() == Some(key)
    }

    /// What the form for `key` shows: what was typed if it failed, else `stored`.
    pub fn values(&self, key: &str, stored: T) -> T {
        if self.on(key) {
            self.draft.clone()
        } else {
            stored
        }
    }

    /// What the form for a new thing shows: what was typed if it failed, else blanks.
    pub fn new_values(&self) -> T {
        self.values("", T::default())
    }

    /// The message for `field` of the form for `key`, if that form failed.
    pub fn error(&self, key: &str, field: &str) -> Option<String> {
        self.on(key).then(|| self.errors.get(field)).flatten()
    }

    /// Messages of the failed form that belong to none of its fields.
    pub fn general(&self) -> &[String] {
        self.errors.general()
    }

    /// The page's status: 422 when a form failed.
    pub fn status(&self) -> StatusCode {
        match self.errors.any() {
            true => StatusCode::UNPROCESSABLE_ENTITY,
            false => StatusCode::OK,
        }
    }
}
