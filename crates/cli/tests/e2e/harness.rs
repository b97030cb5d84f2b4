//! The end-to-end harness: the real server on a random loopback port, over a fresh database.
//!
//! [`spawn_app`] binds `127.0.0.1:0` first and only then starts the server, so a test can talk to
//! it at once (no sleeps). Each app gets its own database: a SQLite file in a fresh temporary
//! directory, or a fresh PostgreSQL database made through `DEBRIEF_TEST_DATABASE_URL`. Both are
//! removed when the app is closed or dropped; when the test failed they are kept, and their
//! names printed, so the data can be looked at.
//!
//! Write a test once as `async fn name(app: &TestApp)` and let [`e2e_test!`] run it on both
//! backends. Set `TEST_LOG=1` to see the server's logs.
//!
//! Time is moved, not waited for: start the app with `spawn_app_with(backend, manual_clock)`
//! and call [`TestApp::advance`] to move its clock (jobs and reminders due by then run before
//! it returns). To show that nothing more is sent, [`TestApp::settle`] runs what is due and
//! waits for the jobs under way: the queue is then empty, with no sleep.

mod alerts;
mod db;
mod oidc;
mod oncall;
mod process;
mod requests;
mod senders;
mod sinks;
mod slack;
mod slack_app;
mod tls;

pub use alerts::{DELIVERY, Integration, fetch_alerts, id_of, st, states, time, with_key};
pub use db::{Backend, TestDb, unique_name};
pub use oidc::{OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OidcProvider};
pub use oncall::{NtfyReceiver, link};
pub use process::{ServerProcess, debrief, prepare_admin};
pub use requests::{Raw, assert_problem, expect_problem, send};
pub use senders::{Alertmanager, PdClients, PdResult, pagerduty_cli};
pub use sinks::{Hit, SmtpSink, WebhookReceiver, component_moves, header};
pub use slack::{
    BOT_ID, BOT_TOKEN, BOT_USER_ID, CLIENT_ID, CLIENT_SECRET, FakeChannel, FakeMessage, FakeSlack,
    FakeUser, ResponseHit, SlackCall, SlackFailure, TEAM_ID,
};
#[allow(
    unused_imports,
    reason = "the Slack test helpers: not every one is used by the Slack tests of every branch"
)]
pub use slack_app::{
    SIGNING_SECRET, Signed, SlackAnswer, SlackApp, configure_slack, install as install_slack,
};
pub use tls::TestCert;

use debrief_core::access::{AccountRole, NewUserInput, Scope};
use debrief_server::actions::account::{create_token, create_user};
use debrief_server::clock::{Clock, ManualClock};
use debrief_server::outbound::DestinationPolicy;
use debrief_server::{AppState, ServerConfig};
use debrief_store::account::User;
use debrief_store::{DatabaseUrl, Store};
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Prints the server's logs when `TEST_LOG` is set.
fn init_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            let filter =
                tracing_subscriber::EnvFilter::try_from_env("DEBRIEF_LOG").unwrap_or_else(|_| {
                    tracing_subscriber::EnvFilter::new("debug,sqlx=warn,hyper=info")
                });
            let _ = tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_test_writer()
                .try_init();
        }
    });
}

/// A running server and what a test needs to talk to it.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// An HTTP client (no proxies).
    pub client: reqwest::Client,
    /// The server's state (the store, the live hub).
    pub state: AppState,
    /// Which database is behind it.
    pub backend: Backend,
    /// The admin created at start.
    pub admin: User,
    /// The admin's email.
    pub admin_email: String,
    /// An admin-scoped API token of the admin.
    pub admin_token: String,
    db: Option<TestDb>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
    users: AtomicU64,
}

/// An HTTP client that never goes through a proxy.
pub fn http_client() -> reqwest::Client {
    debrief_server::install_crypto_provider();
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("an HTTP client")
}

/// Connects to a database, migrates it and seeds the default severities.
pub async fn open_store(url: &str) -> Store {
    let store = Store::connect(&DatabaseUrl::parse(url).expect("a database URL"))
        .await
        .expect("connect to the database");
    store.migrate().await.expect("migrate");
    store.seed_defaults().await.expect("seed defaults");
    store
}

/// The settings of a test server reached at `public_url`: the defaults, except that outgoing
/// requests may go to private addresses, since the tests' webhook receivers listen on loopback
/// (the `ssrf` tests put the default policy back).
pub fn server_config(public_url: &str) -> ServerConfig {
    ServerConfig {
        public_url: public_url.into(),
        destinations: DestinationPolicy::allow_all(),
        ..Default::default()
    }
}

/// Runs the server on a manual clock set to the present, which only the test moves (see
/// [`TestApp::advance`]): `spawn_app_with(backend, manual_clock)`.
pub fn manual_clock(config: &mut ServerConfig) {
    config.clock = Clock::manual(jiff::Timestamp::now());
}

/// Starts the real server in-process on a fresh database, with an admin and their token.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// [`spawn_app`] with settings changed by `configure` (SMTP, job retry delays, …).
pub async fn spawn_app_with(
    backend: Backend,
    configure: impl FnOnce(&mut ServerConfig),
) -> TestApp {
    spawn_app_via(backend, str::to_string, configure).await
}

/// [`spawn_app_with`] whose server reaches its fresh database at the URL `route` makes of the
/// database's own (through a proxy that a test can cut, for example).
pub async fn spawn_app_via(
    backend: Backend,
    route: impl FnOnce(&str) -> String,
    configure: impl FnOnce(&mut ServerConfig),
) -> TestApp {
    init_logs();
    let db = TestDb::create(backend).await;
    let store = open_store(&route(db.url())).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let addr = listener.local_addr().expect("a local address");
    let address = format!("http://{addr}");
    let mut config = server_config(&address);
    configure(&mut config);
    let state = AppState::new(store, config);
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(debrief_server::run(listener, state.clone(), async move {
        let _ = rx.await;
    }));
    let admin_email = "admin@example.com".to_string();
    let input = NewUserInput {
        email: admin_email.clone(),
        name: "Ada Admin".into(),
        role: Some("admin".into()),
        password: None,
    };
    let admin = create_user(&state, None, &input)
        .await
        .expect("create the admin");
    let (_, admin_token) = create_token(&state, &admin, "e2e admin", Scope::Admin)
        .await
        .expect("create the admin token");
    TestApp {
        address,
        client: http_client(),
        state,
        backend,
        admin,
        admin_email,
        admin_token,
        db: Some(db),
        shutdown: Some(tx),
        server: Some(server),
        users: AtomicU64::new(0),
    }
}

impl TestApp {
    /// Creates a user with `role` and an API token scoped to that role.
    pub async fn create_user(&self, role: AccountRole) -> (User, String) {
        let n = self.users.fetch_add(1, Ordering::Relaxed) + 1;
        let input = NewUserInput {
            email: format!("{role}{n}@example.com"),
            name: format!("{} {n}", capitalized(role.as_str())),
            role: Some(role.as_str().into()),
            password: None,
        };
        let user = create_user(&self.state, None, &input)
            .await
            .expect("create a user");
        let scope = match role {
            AccountRole::Viewer => Scope::Read,
            AccountRole::Responder => Scope::Write,
            AccountRole::Admin => Scope::Admin,
        };
        let (_, token) = create_token(&self.state, &user, "e2e", scope)
            .await
            .expect("create a token");
        (user, token)
    }

    /// The URL of the app's database.
    pub fn database_url(&self) -> &str {
        self.db.as_ref().map_or("", TestDb::url)
    }

    /// The absolute URL of a path like `/api/v1/incidents`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Sends a request; the body, when given, is sent as JSON. Returns the status, the headers
    /// and the body parsed as JSON (`Null` when empty, a string when not JSON).
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (StatusCode, HeaderMap, Value) {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req
                .header(CONTENT_TYPE, "application/json")
                .body(b.to_string());
        }
        send(req).await
    }

    /// Sends a request with a raw body, content type and extra headers, for malformed requests.
    pub async fn raw(&self, req: Raw<'_>) -> (StatusCode, HeaderMap, Value) {
        let mut b = self.client.request(req.method, self.url(req.path));
        if let Some(t) = req.token {
            b = b.bearer_auth(t);
        }
        if let Some(ct) = req.content_type {
            b = b.header(CONTENT_TYPE, ct);
        }
        for (k, v) in req.headers {
            b = b.header(*k, *v);
        }
        if let Some(body) = req.body {
            b = b.body(body.to_string());
        }
        send(b).await
    }

    /// `GET path`.
    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, HeaderMap, Value) {
        self.request(Method::GET, path, Some(token), None).await
    }

    /// `POST path` with a JSON body.
    pub async fn post(
        &self,
        path: &str,
        token: &str,
        body: &Value,
    ) -> (StatusCode, HeaderMap, Value) {
        self.request(Method::POST, path, Some(token), Some(body))
            .await
    }

    /// `PATCH path` with a JSON body.
    pub async fn patch(
        &self,
        path: &str,
        token: &str,
        body: &Value,
    ) -> (StatusCode, HeaderMap, Value) {
        self.request(Method::PATCH, path, Some(token), Some(body))
            .await
    }

    /// `PUT path` without a body.
    pub async fn put(&self, path: &str, token: &str) -> (StatusCode, HeaderMap, Value) {
        self.request(Method::PUT, path, Some(token), None).await
    }

    /// `DELETE path`.
    pub async fn delete(&self, path: &str, token: &str) -> (StatusCode, HeaderMap, Value) {
        self.request(Method::DELETE, path, Some(token), None).await
    }

    /// Declares an incident and returns it, failing the test unless the answer is 201.
    pub async fn declare(&self, token: &str, body: &Value) -> Value {
        let (status, _, incident) = self.post("/api/v1/incidents", token, body).await;
        assert_eq!(status, StatusCode::CREATED, "declare failed: {incident}");
        incident
    }

    /// Adds a timeline event and returns it, failing the test unless the answer is 201.
    pub async fn add_event(&self, token: &str, reference: &str, body: &Value) -> Value {
        let (status, _, event) = self
            .post(
                &format!("/api/v1/incidents/{reference}/timeline"),
                token,
                body,
            )
            .await;
        assert_eq!(
            status,
            StatusCode::CREATED,
            "adding an event failed: {event}"
        );
        event
    }

    /// Moves an incident to a status, failing the test unless the answer is 200.
    pub async fn transition(&self, token: &str, reference: &str, body: &Value) -> Value {
        let (status, _, incident) = self
            .post(
                &format!("/api/v1/incidents/{reference}/transitions"),
                token,
                body,
            )
            .await;
        assert_eq!(
            status,
            StatusCode::OK,
            "transition {body} failed: {incident}"
        );
        incident
    }

    /// Stops the server and removes the database.
    pub async fn close(mut self) {
        self.stop().await;
        self.state.store.close().await;
        if let Some(db) = self.db.take() {
            db.remove().await;
        }
    }

    /// The server's manual clock. Panics when the app runs on the system clock: start it with
    /// `spawn_app_with(backend, manual_clock)`.
    pub fn clock(&self) -> &ManualClock {
        self.state
            .clock
            .manual_clock()
            .expect("the app runs on a manual clock (spawn_app_with(backend, manual_clock))")
    }

    /// Does what is due at the server's clock (the reminder scan, every due job) and waits for
    /// the jobs under way: afterwards nothing more is sent until the clock moves or something is
    /// written. Returns how many jobs ran here.
    pub async fn settle(&self) -> usize {
        debrief_server::settle(&self.state)
            .await
            .expect("the due work runs")
    }

    /// Settles, moves the server's manual clock forward by `by`, and settles again (so what the
    /// passing time caused has happened); returns the new time.
    pub async fn advance(&self, by: jiff::SignedDuration) -> jiff::Timestamp {
        self.settle().await;
        let now = self.clock().advance(by);
        self.settle().await;
        now
    }

    /// Stops the server (the database stays, for a restart).
    pub async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(mut server) = self.server.take() {
            // Open event streams keep a graceful shutdown waiting; do not wait for them long.
            if tokio::time::timeout(Duration::from_secs(5), &mut server)
                .await
                .is_err()
            {
                server.abort();
            }
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
        }
        let Some(db) = self.db.take() else { return };
        if std::thread::panicking() {
            eprintln!(
                "The test failed; its database is kept for a look: {}",
                db.url()
            );
        } else {
            db.remove_blocking();
        }
    }
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The longest a single end-to-end test may take before it fails instead of hanging.
pub const TEST_TIMEOUT: Duration = Duration::from_secs(180);

/// Runs `async fn name(app: &TestApp)` on both backends, as the tests `name::sqlite` and
/// `name::postgres` (a module beside the function, which lives in another namespace).
/// `e2e_test!(name, manual_clock)` runs it on a server whose clock only the test moves
/// ([`manual_clock`], [`TestApp::advance`]); `e2e_test!(name, backend)` passes the [`Backend`]
/// instead, for tests that start their own server.
#[macro_export]
macro_rules! e2e_test {
    ($name:ident) => {
        $crate::e2e_test!($name, configured |_: &mut debrief_server::ServerConfig| {});
    };
    ($name:ident, manual_clock) => {
        $crate::e2e_test!($name, configured $crate::harness::manual_clock);
    };
    ($name:ident, configured $configure:expr) => {
        mod $name {
            async fn run(backend: $crate::harness::Backend) {
                let app = $crate::harness::spawn_app_with(backend, $configure).await;
                tokio::time::timeout($crate::harness::TEST_TIMEOUT, super::$name(&app))
                    .await
                    .expect("the test timed out");
                app.close().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run($crate::harness::Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                run($crate::harness::Backend::Postgres).await;
            }
        }
    };
    ($name:ident, backend) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                tokio::time::timeout(
                    $crate::harness::TEST_TIMEOUT,
                    super::$name($crate::harness::Backend::Sqlite),
                )
                .await
                .expect("the test timed out");
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                tokio::time::timeout(
                    $crate::harness::TEST_TIMEOUT,
                    super::$name($crate::harness::Backend::Postgres),
                )
                .await
                .expect("the test timed out");
            }
        }
    };
}
