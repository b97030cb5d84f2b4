//! Debrief's HTTP server: the `/api/v1` JSON API, the web UI and live timelines.
//!
//! A request is handled in five steps: the handler parses its input, calls one function in
//! [`actions`], which loads state from the store, lets `debrief-core` decide, and persists the
//! result and its timeline events in one store call; the handler then renders the answer as JSON
//! ([`api`]) or HTML ([`ui`]).
//!
//! # Layout
//! - [`state`]: [`AppState`], what every handler can reach.
//! - [`error`]: [`AppError`] and its RFC 9457 problem documents.
//! - [`auth`]: who is asking (session cookie or bearer token), passwords, secrets, CSRF.
//! - [`actions`]: one function per domain command, shared by the API and the UI.
//! - [`live`]: the hub that pushes new timeline events to server-sent-event streams.
//! - [`api`], [`ui`]: the two faces of the server.

pub mod actions;
pub mod api;
pub mod auth;
pub mod cache;
pub mod error;
pub mod limiter;
pub mod live;
pub mod state;
pub mod ui;

pub use error::AppError;
pub use state::{AppState, ServerConfig};

use axum::Router;
use axum::http::{HeaderValue, header};
use std::future::Future;
use tokio::net::TcpListener;

/// The whole application as one router (handy for tests and benchmarks).
pub fn app(state: AppState) -> Router {
    Router::new()
        .merge(api::router())
        .merge(ui::router())
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

async fn security_headers(mut res: axum::response::Response) -> axum::response::Response {
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    res
}

/// Serves the application on a bound listener until `shutdown` completes.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await
}
