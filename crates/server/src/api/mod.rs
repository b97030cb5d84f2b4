//! The `/api/v1` JSON API.
//!
//! Every error is an RFC 9457 problem document, including the ones axum would answer by itself
//! (unknown path, wrong method with its `Allow` header, unparsable body). The OpenAPI document
//! at `/api/v1/openapi.json` describes every route here.

pub mod accounts;
pub mod alerts;
pub mod catalog;
pub mod custom_fields;
pub mod deliveries;
pub mod export;
pub mod incident_insights;
pub mod incident_types;
pub mod incidents;
pub mod insights;
pub mod maintenances;
pub mod meetings;
pub mod metrics;
pub mod oncall;
pub mod pages;
pub mod people;
pub mod policy;
pub mod postmortems;
pub mod search;
pub mod sign_in;
pub mod similar;
pub mod slack;
pub mod status_pages;
pub mod stream;
pub mod subscribers;
pub mod timeline;
pub mod webhooks;

use crate::{AppError, AppState};
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// A page of a list, serialized straight from the items (no intermediate `serde_json::Value`).
#[derive(Debug, serde::Serialize)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// The cursor of the next page, when there is one (incident list only).
    #[serde(skip_serializing_if = "Skip::skip")]
    pub next_cursor: Skip<String>,
}

/// A field that is either left out or present (possibly `null`).
#[derive(Debug)]
pub enum Skip<T> {
    /// Left out of the JSON.
    Absent,
    /// Present, `null` when `None`.
    Present(Option<T>),
}

impl<T> Skip<T> {
    fn skip(&self) -> bool {
        matches!(self, Skip::Absent)
    }
}

impl<T: serde::Serialize> serde::Serialize for Skip<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Skip::Absent => s.serialize_none(),
            Skip::Present(v) => v.serialize(s),
        }
    }
}

impl<T> Page<T> {
    /// A complete list (no further pages).
    pub fn all(items: Vec<T>) -> Self {
        Self {
            items,
            next_cursor: Skip::Absent,
        }
    }
}

/// The OpenAPI document, kept beside the handlers it describes.
pub const OPENAPI: &str = include_str!("openapi.json");

/// The API's routes.
pub fn router() -> Router<AppState> {
    let v1 = Router::new()
        .merge(incidents::router())
        .merge(alerts::router())
        .merge(oncall::router())
        .merge(pages::router())
        .merge(export::router())
        .merge(policy::router())
        .merge(insights::router())
        .merge(incident_insights::router())
        .merge(similar::router())
        .merge(search::router())
        .merge(postmortems::router())
        .merge(timeline::router())
        .merge(catalog::router())
        .merge(incident_types::router())
        .merge(custom_fields::router())
        .merge(accounts::router())
        .merge(people::router())
        .merge(stream::router())
        .merge(deliveries::router())
        .merge(webhooks::router())
        .merge(meetings::router())
        .merge(status_pages::router())
        .merge(maintenances::router())
        .merge(subscribers::router())
        .merge(slack::router())
        .merge(sign_in::router())
        .route("/openapi.json", get(openapi))
        .fallback(not_found);
    Router::new()
        .nest("/api/v1", v1)
        .route("/healthz", get(healthz))
        .layer(axum::middleware::map_response(
            method_not_allowed_as_problem,
        ))
}

/// Readiness for a load balancer: 200 when the database answers within two seconds, else 503
/// with `Retry-After`. It recovers by itself when the database comes back.
async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    let answered =
        tokio::time::timeout(std::time::Duration::from_secs(2), state.store.ping()).await;
    match answered {
        Ok(Ok(())) => {
            axum::Json(serde_json::json!({"status": "ok", "database": "ok"})).into_response()
        }
        failed => {
            let why = match failed {
                Ok(Err(e)) => e.to_string(),
                _ => "no answer within 2 s".to_string(),
            };
            tracing::warn!(reason = %why, "Health check: the database is not answering");
            let mut res = (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({"status": "unavailable", "database": why})),
            )
                .into_response();
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            res
        }
    }
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

async fn not_found(uri: axum::http::Uri) -> AppError {
    AppError::NotFound(format!("no API route {}", uri.path()))
}

/// Turns axum's bare 405 into a problem document, keeping its `Allow` header.
async fn method_not_allowed_as_problem(res: Response) -> Response {
    if res.status() != StatusCode::METHOD_NOT_ALLOWED {
        return res;
    }
    let (mut parts, _) = res.into_parts();
    let problem = crate::error::Problem {
        r#type: "/problems/method-not-allowed".into(),
        title: "Method Not Allowed".into(),
        status: 405,
        detail: "this path does not accept that method; the Allow header lists the ones it does"
            .into(),
        errors: None,
    };
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(
        parts,
        Body::from(serde_json::to_vec(&problem).expect("serializes")),
    )
}
