//! What every handler can reach.

use crate::cache::Caches;
use crate::clock::Clock;
use crate::jobs::{JobContext, Jobs, JobsConfig, Registry, SmtpConfig};
use crate::limiter::{LoginLimiter, SubscribeLimiter};
use crate::live::LiveHub;
use crate::outbound::{DestinationPolicy, Outbound};
use debrief_store::Store;
use std::sync::Arc;

/// Server settings that handlers need.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The URL people use to reach this server (links in messages, the set-up link).
    pub public_url: String,
    /// Whether cookies carry the `Secure` attribute. `None`: when `public_url` is `https`.
    pub secure_cookies: Option<bool>,
    /// How long a web session lasts, in hours.
    pub session_hours: i64,
    /// Where e-mail goes; `None`: e-mail jobs fail with a reason saying so.
    pub smtp: Option<SmtpConfig>,
    /// The job runner's polling, retries and timeouts.
    pub jobs: JobsConfig,
    /// How old a status page snapshot may grow before a request checks the database for
    /// changes it was not told of (on PostgreSQL, other servers announce theirs at once).
    pub status_recheck: std::time::Duration,
    /// Sign-in attempts allowed per client address per minute (0: no limit).
    pub sign_ins_per_address_per_minute: usize,
    /// Where the server takes "now" from: the system clock, or a manual clock a test moves
    /// (see [`crate::clock`]).
    pub clock: Clock,
    /// Alert events each integration may send per minute before being answered 429 (0: no
    /// limit).
    pub alert_events_per_minute: usize,
    /// Where outgoing requests (webhooks) may go: by default nowhere private (loopback,
    /// private networks, link-local, …); see [`crate::outbound`].
    pub destinations: DestinationPolicy,
    /// The Slack app (client, signing secret, token key); `None`: Slack is not set up and its
    /// routes answer 404.
    pub slack: Option<crate::outbound::slack::SlackConfig>,
    /// The key that seals secrets kept in the database (an OpenID provider's client secret;
    /// `DEBRIEF_SLACK_ENCRYPTION_KEY`); `None`: such secrets cannot be saved.
    pub sealing_key: Option<crate::outbound::slack::TokenKey>,
    /// Break glass: password sign-in works even when an admin switched it off
    /// (`--allow-password-sign-in`).
    pub force_password_sign_in: bool,
    /// The bearer token Prometheus scrapes `/metrics` with (`--metrics-token`); `None`: only
    /// an admin's credentials open it.
    pub metrics_token: Option<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            public_url: "http://127.0.0.1:8080".into(),
            secure_cookies: None,
            session_hours: 24 * 14,
            smtp: None,
            jobs: JobsConfig::default(),
            status_recheck: std::time::Duration::from_secs(1),
            sign_ins_per_address_per_minute: 30,
            clock: Clock::system(),
            alert_events_per_minute: 0,
            destinations: DestinationPolicy::default(),
            slack: None,
            sealing_key: None,
            force_password_sign_in: false,
            metrics_token: None,
        }
    }
}

impl ServerConfig {
    /// Whether to mark cookies `Secure`.
    pub fn cookies_secure(&self) -> bool {
        self.secure_cookies
            .unwrap_or_else(|| self.public_url.starts_with("https://"))
    }
}

/// Shared state: the store, the live hub and the configuration. One `Arc`: axum hands every
/// request its own clone of the state, and one reference count is cheaper to bump (and to keep
/// in one core's cache) than one per part.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] shares.
pub struct Shared {
    /// Persistence.
    pub store: Store,
    /// Live timeline updates.
    pub live: LiveHub,
    /// Settings.
    pub config: Arc<ServerConfig>,
    /// Failed sign-ins, to slow down password guessing.
    pub logins: Arc<LoginLimiter>,
    /// Sign-in attempts per client address.
    pub sign_in_addresses: crate::password::AddressLimiter,
    /// Where every Argon2 computation runs, under a bound.
    pub passwords: crate::password::PasswordGate,
    /// Tokens and catalogue, read by almost every request.
    pub caches: Arc<Caches>,
    /// Where "now" comes from (see [`crate::clock`]).
    pub clock: Clock,
    /// The job runner's wake-up signal and clients (the worker itself runs in [`crate::run`]).
    pub jobs: Arc<Jobs<AppState>>,
    /// Status page snapshots, served to the public without rendering.
    pub status: Arc<crate::status_snapshot::Snapshots>,
    /// Alert events per integration, to answer a runaway sender 429.
    pub alert_events: crate::limiter::EventLimiter,
    /// This server's request and alert counters, for `/metrics` (see [`crate::prom`]).
    pub metrics: crate::prom::Registry,
    /// Subscription requests to status pages, to slow floods down.
    pub subscribers: Arc<SubscribeLimiter>,
    /// The one Slack Web API client (its rate-limit buckets are shared by every call this
    /// server makes), when Slack is set up.
    pub slack: Option<crate::outbound::slack::SlackClient>,
    /// What this server's Slack channel syncs hold: a lock per incident, and what each channel
    /// was last told.
    pub slack_channels: Arc<crate::slack_memory::ChannelMemory>,
    /// The OpenID provider's discovery document and keys, fetched when first needed.
    pub oidc: Arc<crate::oidc::Providers>,
}

impl AppState {
    /// Builds the state around a connected, migrated store, with the job kinds the worker runs
    /// (`AppState::new`, where the server is assembled, passes every kind).
    pub(crate) fn with_kinds(
        store: Store,
        config: ServerConfig,
        kinds: Registry<AppState>,
    ) -> Self {
        let jobs = Arc::new(Jobs::new(
            kinds,
            Outbound::new(config.destinations.clone(), config.jobs.webhook_timeout),
            config.smtp.clone(),
        ));
        let slack = config.slack.as_ref().map(|s| {
            crate::outbound::slack::SlackClient::new(jobs.outbound().clone(), s.api_url.clone())
        });
        let caches = crate::cache::Caches::for_store(&store);
        Self(Arc::new(Shared {
            jobs,
            slack,
            status: crate::status_snapshot::Snapshots::for_store(
                &store,
                &config.public_url,
                config.status_recheck,
                config.clock.clone(),
            ),
            live: LiveHub::for_store(&store),
            sign_in_addresses: crate::password::AddressLimiter::new(
                config.sign_ins_per_address_per_minute,
            ),
            passwords: crate::password::PasswordGate::for_this_machine(),
            alert_events: crate::limiter::EventLimiter::new(config.alert_events_per_minute),
            metrics: crate::prom::Registry::default(),
            store,
            clock: config.clock.clone(),
            config: Arc::new(config),
            logins: Arc::default(),
            caches,
            subscribers: Arc::default(),
            slack_channels: Arc::default(),
            oidc: Arc::default(),
        }))
    }
}

/// The job runner reaches the store, the clock, its settings and its parts through the state.
impl JobContext for AppState {
    fn store(&self) -> &Store {
        &self.store
    }

    fn clock(&self) -> &Clock {
        &self.clock
    }

    fn jobs_config(&self) -> &JobsConfig {
        &self.config.jobs
    }

    fn jobs(&self) -> &Jobs<Self> {
        &self.jobs
    }
}
