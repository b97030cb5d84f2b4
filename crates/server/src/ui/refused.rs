//! No dead-end error pages for form posts: when a form's handler answers an error a person can
//! fix (400, 404, 409, 422: [`FormRefusal`], put on the response by
//! [`crate::ui::session::UiError`]), the page the form was posted from (the same-origin
//! `Referer`) is rendered again for the same session and the form refilled there
//! ([`crate::ui::refill`]) with what was typed and each message beside its field. The answer
//! keeps the error's status. Nothing is written twice: the page is only read.
//!
//! Pages that render their own errors (declaring, editing an incident, the catalogue, people)
//! answer a page, not a `UiError`, and are left as they are.

use crate::ui::form::Pairs;
use crate::ui::refill::{Refusal, refill};
use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;

/// The largest form body read (axum's own default limit for forms).
const FORM_LIMIT: usize = 2 * 1024 * 1024;
/// The largest page refilled.
const PAGE_LIMIT: usize = 16 * 1024 * 1024;

/// A form post refused for something a person can correct: the messages by field, and the
/// others.
#[derive(Debug, Clone, Default)]
pub struct FormRefusal {
    /// Messages by field name.
    pub fields: Vec<(String, String)>,
    /// Messages for no field.
    pub general: Vec<String>,
}

/// The middleware (state: the UI router, to render the page again).
pub async fn rerender(State(ui): State<Router>, req: Request, next: Next) -> Response {
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    if req.method() != Method::POST || !is_form {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, FORM_LIMIT).await else {
        return crate::ui::session::UiError(crate::AppError::BadRequest(
            "the form is larger than 2 MiB".into(),
        ))
        .into_response();
    };
    let back = same_origin_referer(&parts.headers);
    let action = parts.uri.path().to_string();
    let mut get = Request::new(Body::empty());
    *get.extensions_mut() = parts.extensions.clone();
    for name in [
        header::COOKIE,
        header::HOST,
        header::ACCEPT_LANGUAGE,
        header::USER_AGENT,
    ] {
        if let Some(v) = parts.headers.get(&name) {
            get.headers_mut().insert(name, v.clone());
        }
    }
    let res = next
        .run(Request::from_parts(parts, Body::from(bytes.clone())))
        .await;
    let (Some(refusal), Some(back)) = (res.extensions().get::<FormRefusal>().cloned(), back) else {
        return res;
    };
    *get.uri_mut() = back;
    let Ok(page) = ui.oneshot(get).await;
    let html = page
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if page.status() != StatusCode::OK || !html {
        return res;
    }
    let headers = page.headers().clone();
    let Ok(body) = to_bytes(page.into_body(), PAGE_LIMIT).await else {
        return res;
    };
    let (Ok(text), Ok(pairs)) = (
        std::str::from_utf8(&body),
        serde_urlencoded::from_bytes::<Pairs>(&bytes),
    ) else {
        return res;
    };
    let refused = Refusal {
        action: &action,
        pairs: &pairs,
        fields: &refusal.fields,
        general: &refusal.general,
    };
    let Some(filled) = refill(text, &refused) else {
        return res;
    };
    let mut out = (res.status(), filled).into_response();
    for name in [header::CONTENT_TYPE, header::CACHE_CONTROL] {
        if let Some(v) = headers.get(&name) {
            out.headers_mut().insert(name, v.clone());
        }
    }
    out.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Cookie"));
    out
}

/// The path and query of the `Referer` when it names this site (the `Host` the post came to).
fn same_origin_referer(headers: &HeaderMap) -> Option<Uri> {
    let referer: Uri = headers.get(header::REFERER)?.to_str().ok()?.parse().ok()?;
    let host = headers.get(header::HOST)?.to_str().ok()?;
    if referer.authority()?.as_str() != host {
        return None;
    }
    referer.path_and_query()?.as_str().parse().ok()
}
