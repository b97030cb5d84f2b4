//! What the faces of the server (the JSON API, the web UI, the public status pages) read from
//! a request the same way: JSON bodies and query strings whose problems become clear problem
//! documents instead of axum's plain text, versions (`If-Match`, a body's `version`), the
//! incident reference in the path, the filters of an incident list, a timeline event's id.
//! The faces import this; none imports another.

use crate::AppError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use debrief_core::incident::{IncidentRef, parse_time};
use debrief_core::status::Status;
use debrief_core::validation::ValidationError;
use debrief_store::incident::IncidentFilter;
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
/// the body malformed (400), like a syntax error. A number with no fractional part is an integer
/// (`3.0` where an integer is expected reads as `3`), as JSON Schema counts it.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    // Every body of the API is an object: serde would also build a struct from an array of
    // its fields in order (`[null, null]`), which nobody means.
    if bytes.trim_ascii_start().first().is_some_and(|b| *b != b'{') {
        return Err(ValidationError::one("body", "must be a JSON object ({…})").into());
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let typed = serde_path_to_error::deserialize(&mut de);
    let value = match typed {
        Ok(v) => v,
        Err(e) => {
            let first = problem_of(e);
            // Only a float where an integer belongs is read again, with integral numbers as
            // integers; everything else (a repeated field, say) stays refused as it was.
            let float = matches!(&first, AppError::Validation(v)
                if v.fields.iter().any(|f| f.message.starts_with("invalid type: floating point")));
            if !float {
                return Err(first);
            }
            let Ok(mut json) = serde_json::from_slice::<serde_json::Value>(bytes) else {
                return Err(first);
            };
            integral_numbers_as_integers(&mut json);
            return serde_path_to_error::deserialize(json).map_err(problem_of);
        }
    };
    // Without this, `{"title": "a"} trailing text` was accepted as if it were `{"title": "a"}`.
    de.end()
        .map_err(|e| AppError::BadRequest(format!("the body is not valid JSON: {e}")))?;
    if let Some(field) = nul_field(bytes) {
        return Err(
            ValidationError::one(field, "must not contain NUL characters (\\u0000)").into(),
        );
    }
    Ok(value)
}

/// The first field (`reason`, `links[2].url`) whose name or text holds a NUL character, which
/// no text in Debrief means and PostgreSQL refuses to store (a 500 where a 422 belongs). Only
/// a body that spells `\u0000` somewhere is read again.
fn nul_field(bytes: &[u8]) -> Option<String> {
    fn walk(v: &serde_json::Value, path: &str) -> Option<String> {
        let name = |p: &str| {
            if p.is_empty() {
                "body".to_string()
            } else {
                p.to_string()
            }
        };
        match v {
            serde_json::Value::String(s) if s.contains('\0') => Some(name(path)),
            serde_json::Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, x)| walk(x, &format!("{}[{i}]", name(path)))),
            serde_json::Value::Object(fields) => fields.iter().find_map(|(k, x)| {
                let at = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                if k.contains('\0') {
                    Some(at)
                } else {
                    walk(x, &at)
                }
            }),
            _ => None,
        }
    }
    if !bytes.windows(6).any(|w| w == b"\\u0000") {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    walk(&value, "")
}

/// The problem for a body that does not parse as `T`, naming the field at fault.
fn problem_of(e: serde_path_to_error::Error<serde_json::Error>) -> AppError {
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
}

/// Writes every number with no fractional part (`564.0`, `1e3`) as an integer: JSON Schema and
/// JSON itself do not tell `3` from `3.0`, so a field documented as an integer accepts both.
fn integral_numbers_as_integers(value: &mut serde_json::Value) {
    /// 2^63: the integers an `i64` holds are below it (and at or above its negation).
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    match value {
        serde_json::Value::Number(n) if !(n.is_i64() || n.is_u64()) => {
            if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                // Exclusive at both ends: -2^63 itself comes here only as an integer out of
                // range (-9223372036854775809) rounded onto it, since serde reads -2^63 as i64.
                && f > -LIMIT
                && f < LIMIT
            {
                #[expect(
                    clippy::cast_possible_truncation,
                    reason = "integral and within the i64 range, so exact"
                )]
                let i = f as i64;
                *value = serde_json::Value::from(i);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(integral_numbers_as_integers),
        serde_json::Value::Object(fields) => {
            fields.values_mut().for_each(integral_numbers_as_integers)
        }
        _ => {}
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

/// A stale version is answered by where it came from: `If-Match` is a precondition of the
/// request, so it fails with 412 (RFC 9110); a `version` in the body is part of a well-formed
/// request that conflicts with the current state, so it fails with 409.
pub fn by_version_source<T>(
    headers: &axum::http::HeaderMap,
    result: Result<T, AppError>,
) -> Result<T, AppError> {
    let conditional = headers.contains_key(header::IF_MATCH);
    result.map_err(|e| match e {
        AppError::PreconditionFailed(m) if !conditional => AppError::Conflict(m),
        e => e,
    })
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
        // No filter means anything with a NUL in it, and PostgreSQL refuses such text outright
        // (a 500 where a 400 belongs: `?service=%00`).
        if pairs
            .iter()
            .any(|(k, v)| k.contains('\0') || v.contains('\0'))
        {
            return Err(AppError::BadRequest(
                "the query string is malformed: it contains a NUL character (%00)".into(),
            ));
        }
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

/// Parses list filters from query pairs.
pub fn parse_filter(pairs: &[(String, String)]) -> Result<IncidentFilter, AppError> {
    let mut e = ValidationError::default();
    let mut f = IncidentFilter {
        limit: 50,
        ..Default::default()
    };
    for (k, v) in pairs {
        let v = v.trim();
        if v.is_empty() {
            continue;
        }
        match k.as_str() {
            "status" => {
                for s in v.split(',') {
                    match s.trim().parse::<Status>() {
                        Ok(s) => f.statuses.push(s),
                        Err(m) => e.push("status", m),
                    }
                }
            }
            "severity" => f.severities.extend(v.split(',').map(|s| s.trim().to_ascii_uppercase())),
            "service" => f.service = Some(v.to_ascii_lowercase()),
            "q" => f.text = Some(v.chars().take(200).collect()),
            // Filters: any moment is a bound (a future one just matches nothing yet).
            "from" => f.declared_from = parse_time(&mut e, "from", v, jiff::Timestamp::MAX),
            "to" => f.declared_to = parse_time(&mut e, "to", v, jiff::Timestamp::MAX),
            "private" => match v {
                "true" => f.private = Some(true),
                "false" => f.private = Some(false),
                _ => e.push("private", "must be true or false"),
            },
            "cursor" => f.before = page_cursor(&mut e, v).or(f.before),
            "limit" => f.limit = page_limit(&mut e, v).unwrap_or(f.limit),
            // A custom field's value: `cf.region=eu` (several are all required).
            other if other.starts_with("cf.") && f.custom.len() < 20 => {
                let raw = other.strip_prefix("cf.").unwrap_or_default();
                let key = debrief_core::validation::slug(&mut e, other, raw);
                f.custom.push((key, v.chars().take(200).collect()));
            }
            other => e.push(other, "unknown filter; use status, severity, service, q, from, to, private, cursor, limit, cf.<custom field>"),
        }
    }
    e.into_result(f).map_err(Into::into)
}

/// A list's `cursor`: the `next_cursor` of the page before.
pub fn page_cursor(e: &mut ValidationError, v: &str) -> Option<i64> {
    match v.parse::<i64>() {
        Ok(n) if n > 0 => Some(n),
        _ => {
            e.push("cursor", "must be the next_cursor of a previous page");
            None
        }
    }
}

/// A list's `limit`: how many items a page holds, 1 to 200.
pub fn page_limit(e: &mut ValidationError, v: &str) -> Option<i64> {
    match v.parse::<i64>() {
        Ok(n) if (1..=200).contains(&n) => Some(n),
        _ => {
            e.push("limit", "must be a whole number from 1 to 200");
            None
        }
    }
}

/// An event id from a path segment; anything else is a 404.
pub fn event_id(raw: &str) -> Result<i64, AppError> {
    raw.parse()
        .map_err(|_| AppError::NotFound(format!("timeline event '{raw}'")))
}
