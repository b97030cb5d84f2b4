//! Errors of the server, and how they are shown.
//!
//! Which error to use where:
//! * Handlers and actions return [`AppError`]; the API renders it as an RFC 9457
//!   `application/problem+json` document (one shape for every error), the UI as an HTML page.
//! * Bad input is [`AppError::Validation`] (422, with one entry per field) or
//!   [`AppError::BadRequest`] (400, when the request cannot even be parsed).
//! * A 5xx never shows its cause to the client: the source is logged once, here, and the client
//!   gets a generic message.
//! * Outside requests (start-up, CLI), use `anyhow::Result` with `.context(…)`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use debrief_core::status::TransitionError;
use debrief_core::validation::{FieldError, Problem as FieldProblem, ValidationError};
use debrief_store::StoreError;
use serde::Serialize;

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: the request could not be parsed.
    #[error("{0}")]
    BadRequest(String),
    /// 401: no valid credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: authenticated but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// 404: no such thing (or not visible to the caller).
    #[error("{0} not found")]
    NotFound(String),
    /// 409: the change conflicts with the current state.
    #[error("{0}")]
    Conflict(String),
    /// 409: the lifecycle forbids this transition.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// 410: the thing existed and is gone for good (a used or expired single-use link).
    #[error("{0}")]
    Gone(String),
    /// 412: an `If-Match` precondition failed.
    #[error("{0}")]
    PreconditionFailed(String),
    /// 415: the body is not JSON.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 422: fields are invalid.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// 429: too many attempts by this caller; `Retry-After` says when to try again.
    #[error("{detail}")]
    TooManyRequests {
        /// What was limited.
        detail: String,
        /// Seconds until a new attempt may succeed.
        retry_after_secs: u64,
    },
    /// 503: the server cannot take this now (all password checks busy, the database
    /// unreachable); `Retry-After` says when to try again.
    #[error("{detail}")]
    Unavailable {
        /// What is unavailable.
        detail: String,
        /// Seconds after which trying again makes sense.
        retry_after_secs: u64,
    },
    /// 500: something broke on our side; the source is logged, never shown.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => AppError::NotFound(what),
            StoreError::Conflict(why) => AppError::Conflict(why),
            StoreError::Unavailable(source) => {
                tracing::warn!(error = %source, "The database is unreachable");
                AppError::Unavailable {
                    detail: "the database is unreachable just now; try again shortly".into(),
                    retry_after_secs: 5,
                }
            }
            StoreError::Decode(e) => AppError::Internal(Box::new(e)),
            StoreError::Other(source) => AppError::Internal(source),
        }
    }
}

impl AppError {
    /// A 500 from any error.
    pub fn internal(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        AppError::Internal(Box::new(e))
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) | AppError::Transition(_) => StatusCode::CONFLICT,
            AppError::Gone(_) => StatusCode::GONE,
            AppError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Validation(v) => match v.problem() {
                FieldProblem::Malformed => StatusCode::UNPROCESSABLE_ENTITY,
                FieldProblem::Missing => StatusCode::NOT_FOUND,
                FieldProblem::Conflict => StatusCode::CONFLICT,
            },
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The problem type slug, appended to `/problems/`.
    fn slug(&self) -> &'static str {
        match self {
            AppError::BadRequest(_) => "bad-request",
            AppError::Unauthorized(_) => "unauthorized",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound(_) => "not-found",
            AppError::Conflict(_) => "conflict",
            AppError::Transition(_) => "transition-not-allowed",
            AppError::Gone(_) => "gone",
            AppError::PreconditionFailed(_) => "precondition-failed",
            AppError::UnsupportedMediaType(_) => "unsupported-media-type",
            AppError::Validation(v) => match v.problem() {
                FieldProblem::Malformed => "validation",
                FieldProblem::Missing => "not-found",
                FieldProblem::Conflict => "conflict",
            },
            AppError::TooManyRequests { .. } => "too-many-requests",
            AppError::Unavailable { .. } => "unavailable",
            AppError::Internal(_) => "internal",
        }
    }

    /// What a person reads: safe to show (never the cause of a 500).
    pub fn detail(&self) -> String {
        match self {
            AppError::Internal(_) => {
                "Something went wrong on our side; it has been logged. Try again.".into()
            }
            AppError::Validation(v) => {
                let fields = v
                    .fields
                    .iter()
                    .map(|f| format!("{}: {}", f.field, f.message))
                    .collect::<Vec<_>>()
                    .join("; ");
                match v.problem() {
                    FieldProblem::Malformed => format!(
                        "The request has {} invalid field(s): {fields}",
                        v.fields.len()
                    ),
                    FieldProblem::Missing => {
                        format!("The request refers to something that does not exist: {fields}")
                    }
                    FieldProblem::Conflict => {
                        format!("The request conflicts with the current state: {fields}")
                    }
                }
            }
            other => other.to_string(),
        }
    }

    /// The RFC 9457 problem document.
    pub fn problem(&self) -> Problem {
        let status = self.status();
        Problem {
            r#type: format!("/problems/{}", self.slug()),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail: self.detail(),
            errors: match self {
                AppError::Validation(v) => Some(v.fields.clone()),
                _ => None,
            },
        }
    }

    /// For 429 and 503: the seconds to put in `Retry-After`.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            AppError::TooManyRequests {
                retry_after_secs, ..
            }
            | AppError::Unavailable {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            _ => None,
        }
    }

    /// Adds `Retry-After` to a response for this error, when it has one.
    pub fn add_retry_after(&self, res: &mut Response) {
        if let Some(secs) = self.retry_after_secs() {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
        }
    }

    /// Logs a server-side failure once.
    pub fn log(&self) {
        if let AppError::Internal(source) = self {
            tracing::error!(error = %source, error.debug = ?source, "Request failed with an internal error");
        }
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize)]
pub struct Problem {
    /// A URI reference naming the problem type.
    pub r#type: String,
    /// The status's reason phrase.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What happened and what to do.
    pub detail: String,
    /// For validation problems, each invalid field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let mut res = problem_response(self.status(), &self.problem());
        self.add_retry_after(&mut res);
        res
    }
}

/// Renders a problem document with its content type.
pub fn problem_response(status: StatusCode, problem: &Problem) -> Response {
    let body = serde_json::to_vec(problem).expect("a problem serializes");
    let mut res = (status, body).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    res
}
