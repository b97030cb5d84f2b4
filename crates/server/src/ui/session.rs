//! The UI's caller: a signed-in session, or a redirect to the sign-in page.

use crate::auth::{Actor, Via, authenticate};
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};

/// A signed-in person using the web UI.
pub struct UiActor(pub Actor);

/// Why a UI request did not reach its handler.
pub enum UiRejection {
    /// Not signed in: go to the sign-in page, then come back.
    SignIn(String),
    /// Anything else, shown as an error page.
    Error(AppError),
}

impl IntoResponse for UiRejection {
    fn into_response(self) -> Response {
        match self {
            UiRejection::SignIn(next) => {
                Redirect::to(&format!("/login?next={}", urlencode(&next))).into_response()
            }
            UiRejection::Error(e) => UiError(e).into_response(),
        }
    }
}

impl FromRequestParts<AppState> for UiActor {
    type Rejection = UiRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match authenticate(parts, state).await {
            Ok(Some(actor)) if matches!(actor.via, Via::Session { .. }) => {
                // The form's CSRF field is checked by `CsrfForm`; a browser that says the
                // request came from another site is refused here, before any handler runs.
                if !crate::auth::is_safe(&parts.method) {
                    crate::auth::check_same_origin(parts, state).map_err(UiRejection::Error)?;
                }
                // For `CsrfForm`, which reads the body after this.
                if let Some(t) = actor.csrf_token() {
                    parts
                        .extensions
                        .insert(crate::ui::form::SessionCsrf(t.to_string()));
                }
                Ok(UiActor(actor))
            }
            Ok(_) => {
                let next = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_else(|| "/".into());
                Err(UiRejection::SignIn(next))
            }
            Err(e) => Err(UiRejection::Error(e)),
        }
    }
}

impl UiActor {
    /// The session's CSRF token, for forms.
    pub fn csrf(&self) -> String {
        self.0.csrf_token().unwrap_or_default().to_string()
    }
}

/// An error shown as an HTML page.
pub struct UiError(pub AppError);

impl From<AppError> for UiError {
    fn from(e: AppError) -> Self {
        UiError(e)
    }
}

impl From<debrief_store::StoreError> for UiError {
    fn from(e: debrief_store::StoreError) -> Self {
        UiError(e.into())
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    status: u16,
    title: String,
    detail: String,
    fields: Vec<(String, String)>,
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        self.0.log();
        let status = self.0.status();
        let fields = match &self.0 {
            AppError::Validation(v) => v
                .fields
                .iter()
                .map(|f| (f.field.clone(), f.message.clone()))
                .collect(),
            _ => Vec::new(),
        };
        let page = ErrorPage {
            status: status.as_u16(),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            detail: self.0.detail(),
            fields: fields.clone(),
        };
        let refusal = match &self.0 {
            AppError::Validation(_) => Some(crate::ui::refused::FormRefusal {
                fields,
                general: Vec::new(),
            }),
            AppError::BadRequest(_)
            | AppError::NotFound(_)
            | AppError::Conflict(_)
            | AppError::PreconditionFailed(_)
            | AppError::Transition(_) => Some(crate::ui::refused::FormRefusal {
                fields: Vec::new(),
                general: vec![self.0.detail()],
            }),
            _ => None,
        };
        let mut res = (
            if status.is_server_error() && status != StatusCode::SERVICE_UNAVAILABLE {
                StatusCode::INTERNAL_SERVER_ERROR
            } else {
                status
            },
            page,
        )
            .into_response();
        self.0.add_retry_after(&mut res);
        if let Some(r) = refusal {
            res.extensions_mut().insert(r);
        }
        res
    }
}

/// Percent-encodes a value for a URL.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Only same-site paths are followed after sign-in (no open redirects).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".into(),
    }
}
