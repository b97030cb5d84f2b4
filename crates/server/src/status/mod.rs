//! Public status pages over HTTP: the routes that serve a page's snapshot, subscribing, and
//! telling subscribers of changes.
//!
//! What a page serves is rendered ahead into snapshots by [`crate::status_snapshot`] (see there
//! why and when they are rebuilt); the handler here only picks the file, checks that an
//! internal page's reader is signed in, and answers with its cache headers (`ETag`, gzip).
//!
//! # Layout
//! - this module: the HTTP handler.
//! - [`subscribers`]: subscribing and unsubscribing; [`notices`]: telling subscribers of changes.
//! - [`domain`]: serving a page on its custom domain (by the `Host` header).

pub mod domain;
pub mod notices;
pub mod subscribers;

use crate::{AppError, AppState};
use axum::Router;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// The public routes: `/status/{slug}/…`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/status/{slug}", get(serve_index))
        .route(
            "/status/{slug}/subscribe",
            axum::routing::post(subscribers::subscribe),
        )
        .route(
            "/status/{slug}/subscribe-form",
            axum::routing::post(subscribers::subscribe_form),
        )
        .route("/status/{slug}/confirm", get(subscribers::confirm))
        .route(
            "/status/{slug}/unsubscribe",
            get(subscribers::unsubscribe_form).post(subscribers::unsubscribe),
        )
        .route("/status/{slug}/{*path}", get(serve_path))
}

async fn serve_index(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    parts: Parts,
) -> Result<Response, AppError> {
    serve(state, slug, "index.html".into(), parts).await
}

async fn serve_path(
    State(state): State<AppState>,
    Path((slug, path)): Path<(String, String)>,
    parts: Parts,
) -> Result<Response, AppError> {
    serve(state, slug, path, parts).await
}

fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|e| {
            let mut p = e.trim().split(';');
            p.next()
                .is_some_and(|n| n.trim().eq_ignore_ascii_case("gzip"))
                && !p.any(|q| q.trim().replace(' ', "") == "q=0")
        })
}

async fn serve(
    state: AppState,
    slug: String,
    path: String,
    mut parts: Parts,
) -> Result<Response, AppError> {
    let snapshots = state.status.clone();
    let snap = snapshots.get(&slug).await?;
    if !snap.public {
        // An internal page: signed-in users only; others learn nothing of it.
        crate::auth::Actor::from_request_parts(&mut parts, &state)
            .await
            .map_err(|_| AppError::NotFound(format!("status page '{slug}'")))?;
    }
    let file = snap
        .file(path.trim_end_matches('/'))?
        .ok_or_else(|| AppError::NotFound(format!("'{path}' on status page '{slug}'")))?;
    let gzip = accepts_gzip(&parts.headers);
    let etag = if gzip {
        format!("\"{}-gzip\"", file.etag)
    } else {
        format!("\"{}\"", file.etag)
    };
    let mut h = HeaderMap::new();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(file.content_type),
    );
    h.insert(
        header::ETAG,
        HeaderValue::from_str(&etag).expect("hex is a valid header"),
    );
    h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if snap.public {
            "public, max-age=5, stale-while-revalidate=30"
        } else {
            "private, max-age=5"
        }),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    let matches = parts
        .headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == "*" || t.trim().trim_start_matches("W/") == etag)
        });
    if matches {
        return Ok((StatusCode::NOT_MODIFIED, h).into_response());
    }
    let body = if gzip {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        file.gzip.clone()
    } else {
        file.body.clone()
    };
    Ok((h, body).into_response())
}
