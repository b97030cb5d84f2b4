//! Reading URL-encoded form fields, as every page's form handler does, and [`CsrfForm`], the
//! extractor that refuses a form whose CSRF field does not match the session's.

use crate::AppError;
use crate::AppState;
use crate::auth::constant_time_eq;
use crate::ui::session::UiError;
use axum::extract::{FromRequest, Request};

/// A form's fields in order (a name may repeat: checkboxes, multi-selects).
pub type Pairs = Vec<(String, String)>;

/// The first value of a field, empty when absent.
pub fn field<'a>(pairs: &'a Pairs, name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// The first value of a field, trimmed; `None` when absent or blank.
pub fn opt(pairs: &Pairs, name: &str) -> Option<String> {
    Some(field(pairs, name).trim().to_string()).filter(|s| !s.is_empty())
}

/// The session's CSRF token, put in the request's extensions by [`crate::ui::session::UiActor`]
/// for [`CsrfForm`] to check against.
#[derive(Clone, Debug)]
pub(crate) struct SessionCsrf(pub String);

/// A form posted from one of this site's pages: its fields, extracted only when its `csrf`
/// field equals the session's token (put there by the page). Use it after `UiActor` in the
/// handler's arguments; without a signed-in session the form is refused.
pub struct CsrfForm(pub Pairs);

impl FromRequest<AppState> for CsrfForm {
    type Rejection = UiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let expected = req.extensions().get::<SessionCsrf>().cloned();
        let axum::Form(pairs) = axum::Form::<Pairs>::from_request(req, state)
            .await
            .map_err(|e| UiError(AppError::BadRequest(format!("the form is malformed: {e}"))))?;
        match expected {
            Some(SessionCsrf(t)) if !t.is_empty() && constant_time_eq(&t, field(&pairs, "csrf")) => {
                Ok(CsrfForm(pairs))
            }
            _ => Err(UiError(AppError::Forbidden(
                "the form has expired or did not come from this site; reload the page and try again"
                    .into(),
            ))),
        }
    }
}
