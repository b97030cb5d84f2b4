//! Debrief's HTTP server: the `/api/v1` JSON API, the web UI and live timelines.
//!
//! A request is handled in five steps: the handler parses its input, calls one function in
//! [`actions`], which loads state from the store, lets `debrief-core` decide, and persists the
//! result and its timeline events in one store call; the handler then renders the answer as JSON
//! ([`api`]) or HTML ([`ui`]).
//!
//! # Layout
//! - [`state`]: [`AppState`], what every handler can reach.
//! - [`clock`]: where "now" comes from: the system clock, or a manual clock tests move.
//! - [`error`]: [`AppError`] and its RFC 9457 problem documents.
//! - [`header_value`]: header values built from text a person chose (file names).
//! - [`auth`]: who is asking (session cookie or bearer token), passwords, secrets, CSRF.
//! - [`password`]: Argon2 on a bounded set of threads; sign-ins limited per client address.
//! - [`actions`]: one function per domain command, shared by the API and the UI.
//! - [`live`]: the hub that pushes new timeline events to server-sent-event streams.
//! - [`api`], [`ui`]: the two faces of the server; neither imports the other.
//! - [`request`]: what both faces read from a request the same way (the incident reference,
//!   list filters, event ids).
//! - [`status`]: the public status pages' routes, subscribers and the notices they get;
//!   [`status_snapshot`]: the pages' rendered snapshots, which the routes serve.
//! - [`jobs`]: the job runner (e-mail, outgoing webhooks) and the functions that enqueue jobs,
//!   generic over the context jobs run with ([`jobs::JobContext`], which [`AppState`] implements).
//! - `kinds`: the one list of job kinds the runner runs (each kind lives beside its work).
//! - [`outbound`]: the one HTTP client for requests to URLs people gave, and the destination
//!   policy that keeps it off loopback and private networks.
//! - [`oidc`]: OpenID Connect sign-in: settings, discovery and keys, the ID token checks.
//! - [`slack_in`]: Slack's signed requests: slash commands, interactivity, the Events API.
//! - [`slack_memory`]: what the Slack channel syncs keep between runs (a lock per incident).
//! - [`tls`]: HTTPS (`--tls-cert`, `--tls-key`): the certificate and key from PEM files, and the
//!   listener that terminates TLS in front of the router.
//!
//! These modules import one another without a circle: what the state holds (`jobs`,
//! `status_snapshot`, `limiter`, `live`, …) never imports [`state`] (see `module_graph.rs`,
//! the test that keeps it so).

pub mod actions;
pub mod api;
pub mod auth;
pub mod cache;
pub mod clock;
pub mod error;
pub mod header_value;
pub mod intake;
pub mod jobs;
mod kinds;
pub mod limiter;
pub mod live;
pub mod markdown;
#[cfg(test)]
mod module_graph;
pub mod oidc;
pub mod outbound;
pub mod password;
pub mod prom;
pub mod request;
pub mod slack_in;
pub mod slack_memory;
pub mod state;
pub mod status;
pub mod status_snapshot;
pub mod tls;
pub mod ui;

pub use error::AppError;
pub use state::{AppState, ServerConfig};

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::serve::ListenerExt;
use std::future::Future;
use tokio::net::TcpListener;

/// The whole application as one router (handy for tests and benchmarks).
pub fn app(state: AppState) -> Router {
    // A refused form post renders its page again through the UI router itself.
    // Each routed request is counted for `/metrics` under its route's pattern.
    let count = || axum::middleware::from_fn_with_state(state.clone(), api::metrics::track);
    let ui = ui::router().route_layer(count()).with_state(state.clone());
    let ui = ui.clone().layer(axum::middleware::from_fn_with_state(
        ui,
        ui::refused::rerender,
    ));
    let routes = Router::new()
        .merge(api::router())
        .merge(intake::router())
        .merge(status::router())
        .merge(slack_in::router())
        .route_layer(count())
        .route("/metrics", axum::routing::get(api::metrics::endpoint))
        .with_state(state.clone())
        .merge(ui);
    // A page's custom domain rewrites the path before routing, so the middleware wraps the
    // routed application rather than sitting inside it.
    Router::new()
        .fallback_service(routes)
        .layer(axum::middleware::from_fn_with_state(
            state,
            status::domain::custom_domain,
        ))
        .layer(axum::middleware::map_response(security_headers))
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
    let html = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if html && !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
    }
    res
}

/// The Content-Security-Policy of every HTML page (issue 9.7): scripts, styles, fonts and
/// connections (the live timeline's event stream) only from this origin, nothing inline; images
/// also from `data:` and HTTPS (a status page's logo); forms post only here; no framing, no
/// `<base>`, no plugins. Pages therefore carry no inline script, handler or style: behaviour is
/// in `static/app.js`, looks in `static/app.css` and each status page's `theme.css`.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data: https:; font-src 'self'; connect-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// Where the server takes its connections from: plain HTTP, or HTTPS ([`tls::TlsListener`]).
#[derive(Debug)]
pub enum HttpListener {
    /// Plain HTTP on a bound TCP listener.
    Plain(TcpListener),
    /// HTTPS: TLS terminated by the server itself.
    Tls(tls::TlsListener),
}

impl From<TcpListener> for HttpListener {
    fn from(listener: TcpListener) -> Self {
        Self::Plain(listener)
    }
}

impl From<tls::TlsListener> for HttpListener {
    fn from(listener: tls::TlsListener) -> Self {
        Self::Tls(listener)
    }
}

/// Serves the application on a bound listener (a [`TcpListener`] for plain HTTP, or a
/// [`tls::TlsListener`]), and runs the job worker beside it, until `shutdown` completes. The
/// worker stops at the same signal (or when this future is dropped), after finishing the jobs
/// under way.
pub async fn run(
    listener: impl Into<HttpListener>,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop, stopped) = tokio::sync::watch::channel(());
    let reminders = tokio::spawn(actions::notify::run_reminders(
        state.clone(),
        stopped.clone(),
    ));
    let worker = tokio::spawn(jobs::run_worker(state.clone(), stopped));
    // The peer address reaches handlers (sign-ins are limited per client address).
    let service = app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let shutdown = async move {
        shutdown.await;
        drop(stop);
    };
    let served = match listener.into() {
        HttpListener::Plain(tcp) => {
            axum::serve(tcp, service)
                .with_graceful_shutdown(shutdown)
                .await
        }
        // axum hands `ConnectInfo<SocketAddr>` to handlers for any listener wrapped by
        // `tap_io` (the orphan rule keeps us from implementing `Connected` for our own), so
        // the TLS listener goes through a `tap_io` that does nothing.
        HttpListener::Tls(tls) => {
            axum::serve(tls.tap_io(|_| {}), service)
                .with_graceful_shutdown(shutdown)
                .await
        }
    };
    let _ = worker.await;
    let _ = reminders.await;
    served
}

impl AppState {
    /// Builds the state around a connected, migrated store, with every job kind of
    /// `kinds` (inside a Tokio runtime: on PostgreSQL it starts listening for other servers'
    /// timeline events).
    pub fn new(store: debrief_store::Store, config: ServerConfig) -> Self {
        Self::with_kinds(store, config, kinds::registry())
    }
}

/// Does at once what is due at the server's clock: the reminder scan and the Slack catch-up
/// ([`actions::slack::adopt::catch_up`]), then every due job
/// until nothing is due or running (see [`jobs::drain`]); returns how many jobs ran. Tests call
/// it after moving a manual clock, to see what the passing time caused and that nothing more
/// is sent.
pub async fn settle(state: &AppState) -> Result<usize, AppError> {
    actions::notify::scan(state, state.clock.now()).await?;
    actions::slack::adopt::catch_up(state).await?;
    jobs::drain(state).await
}

/// Makes ring the process's TLS crypto provider (webhooks over HTTPS, SMTP with TLS). Call it
/// first thing in `main` and in test set-up; calling it again does nothing.
pub fn install_crypto_provider() {
    // Err means a provider is installed already, which is all this wants.
    let _ = rustls::crypto::ring::default_provider().install_default();
}
