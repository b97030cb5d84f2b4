//! Extractors that turn bad input into clear problem documents instead of axum's plain text.

use crate::AppError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use debrief_core::incident::IncidentRef;
use debrief_core::validation::ValidationError;
use serde::de::DeserializeOwned;

/// Whether the body is declared JSON (`application/json` or `…+json`).
fn is_json(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            let mime = v
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            mime == "application/json" || mime.ends_with("+json")
        })
}

/// A JSON body, parsed with the path of the first bad field.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(AppError::UnsupportedMediaType(
                "send the body as JSON with 'Content-Type: application/json'".into(),
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| AppError::BadRequest(format!("could not read the body: {e}")))?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// A JSON body that may be left out (no body at all: `T::default()`), for commands whose fields
/// are all optional (`POST …/complete`). A body that is sent is read as [`ApiJson`] reads it.
pub struct OptionalJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for OptionalJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = is_json(req.headers());
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| AppError::BadRequest(format!("could not read the body: {e}")))?;
        if bytes.trim_ascii().is_empty() {
            return Ok(OptionalJson(T::default()));
        }
        if !json {
            return Err(AppError::UnsupportedMediaType(
                "send the body as JSON with 'Content-Type: application/json'".into(),
            ));
        }
        parse_json(&bytes).map(OptionalJson)
    }
}

/// Parses JSON, naming the field at fault. Anything but whitespace after the JSON value makes
/// the body malformed (400), like a syntax error.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                let msg = inner.to_string();
                let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
                // The path names the field at fault, but for an unknown, missing or repeated
                // field it may stop at the object holding it (`.` for the whole body); then the
                // field's name comes from the message.
                let named = ["unknown field `", "missing field `", "duplicate field `"]
                    .iter()
                    .find_map(|prefix| msg.strip_prefix(prefix))
                    .and_then(|r| r.split('`').next());
                let field = match named {
                    Some(f) if path == "." => f.to_string(),
                    Some(f) if path != f && !path.ends_with(&format!(".{f}")) => {
                        format!("{path}.{f}")
                    }
                    _ if path == "." => "body".to_string(),
                    _ => path,
                };
                AppError::Validation(ValidationError::one(field, msg))
            }
            _ => AppError::BadRequest(format!("the body is not valid JSON: {inner}")),
        }
    })?;
    // Without this, `{"title": "a"} trailing text` was accepted as if it were `{"title": "a"}`.
    de.end()
        .map_err(|e| AppError::BadRequest(format!("the body is not valid JSON: {e}")))?;
    Ok(value)
}

/// An incident reference from the path (`INC-42`).
pub struct RefPath(pub IncidentRef);

impl<S: Send + Sync> FromRequestParts<S> for RefPath {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let path = parts.uri.path().to_string();
        let segment = path
            .split('/')
            .skip_while(|s| *s != "incidents")
            .nth(1)
            .ok_or_else(|| AppError::NotFound("incident".into()))?;
        segment
            .parse()
            .map(RefPath)
            .map_err(|m: String| AppError::NotFound(format!("incident: {m}")))
    }
}

/// The `If-Match` header as a version number, if sent. `*` (any current version, RFC 9110)
/// names none.
pub fn if_match(headers: &axum::http::HeaderMap) -> Result<Option<i64>, AppError> {
    match headers.get(header::IF_MATCH) {
        None => Ok(None),
        Some(v) if v.as_bytes().trim_ascii() == b"*" => Ok(None),
        Some(v) => {
            let s = v
                .to_str()
                .unwrap_or("")
                .trim()
                .trim_start_matches("W/")
                .trim_matches('"');
            s.parse().map(Some).map_err(|_| {
                AppError::BadRequest("If-Match must be an incident version, like \"3\"".into())
            })
        }
    }
}

/// Query parameters as pairs, with a problem document when the query is malformed.
pub struct QueryPairs(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for QueryPairs {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Query(pairs) =
            axum::extract::Query::<Vec<(String, String)>>::from_request_parts(parts, state)
                .await
                .map_err(|e| AppError::BadRequest(format!("the query string is malformed: {e}")))?;
        Ok(QueryPairs(pairs))
    }
}

/// Typed query parameters; an unknown or malformed parameter is a 400 problem document naming it.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Query(v) = axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map_err(|e| AppError::BadRequest(e.body_text()))?;
        Ok(ApiQuery(v))
    }
}
