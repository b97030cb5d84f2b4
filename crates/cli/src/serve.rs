//! `debrief serve`: the server on SQLite (default `./debrief.db`) or PostgreSQL.

use crate::admin::{DbArgs, open_store};
use anyhow::Context;
use debrief_server::jobs::SmtpConfig;
use debrief_server::outbound::slack::{SlackConfig, TokenKey};
use debrief_server::outbound::{DestinationPolicy, Network};
use debrief_server::{AppState, ServerConfig};
use std::net::SocketAddr;
use std::path::PathBuf;
use tracing_subscriber::EnvFilter;

/// Options of `debrief serve`.
#[derive(clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Address to listen on.
    #[arg(long, env = "DEBRIEF_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The URL people use to reach this server (used in links; default: from --listen, with
    /// https:// when TLS is on).
    #[arg(long, env = "DEBRIEF_PUBLIC_URL")]
    public_url: Option<String>,
    /// Serve HTTPS with this certificate chain (PEM, the server's certificate first); needs
    /// --tls-key. Without both, the server speaks plain HTTP.
    #[arg(
        long,
        env = "DEBRIEF_TLS_CERT",
        value_name = "PATH",
        requires = "tls_key"
    )]
    tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM: PKCS#8, PKCS#1 or SEC1, unencrypted); needs
    /// --tls-cert.
    #[arg(
        long,
        env = "DEBRIEF_TLS_KEY",
        value_name = "PATH",
        requires = "tls_cert"
    )]
    tls_key: Option<PathBuf>,
    /// Where e-mail goes: smtp://host:port (no encryption; loopback only),
    /// smtp+starttls://user:password@host:587 or smtps://user:password@host:465 (percent-encode
    /// reserved characters). Without it, e-mail deliveries fail with a reason saying so.
    #[arg(long, env = "DEBRIEF_SMTP_URL", hide_env_values = true)]
    smtp_url: Option<String>,
    /// The sender of e-mail, e.g. "Debrief <debrief@example.com>" (needed with --smtp-url).
    #[arg(long, env = "DEBRIEF_SMTP_FROM")]
    smtp_from: Option<String>,
    /// How many seconds a public status page snapshot is served before a request checks the
    /// database for changes it was not told of (on PostgreSQL, servers sharing the database
    /// announce their changes at once; this is the safety net).
    #[arg(long, env = "DEBRIEF_STATUS_RECHECK_SECS", default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=3600))]
    status_recheck_secs: u64,
    /// Sign-in attempts allowed per client address per minute (0: no limit). Behind a reverse
    /// proxy every client shares the proxy's address: raise it there.
    #[arg(
        long,
        env = "DEBRIEF_SIGN_INS_PER_MINUTE_PER_ADDRESS",
        default_value_t = 30
    )]
    sign_ins_per_minute_per_address: usize,

    /// Alert events each integration may send per minute; more are answered 429 with
    /// `Retry-After`, as PagerDuty and Opsgenie throttle (a burst of up to a minute's worth
    /// passes at once). 0: no limit.
    #[arg(long, env = "DEBRIEF_ALERT_EVENTS_PER_MINUTE", default_value_t = 0)]
    alert_events_per_minute: usize,
    /// Let webhooks and other outgoing requests go to every address, private ones included
    /// (loopback, private networks, link-local, …). Refused by default, so nobody can make the
    /// server call its own network; prefer --allow-destination for the networks you need.
    #[arg(long, env = "DEBRIEF_ALLOW_PRIVATE_DESTINATIONS")]
    allow_private_destinations: bool,
    /// A network outgoing requests may go to although it is private, e.g. 10.20.0.0/16 or
    /// fd00:1::/64 or one address (repeat the flag, or give a comma-separated list in the
    /// environment variable).
    #[arg(
        long = "allow-destination",
        env = "DEBRIEF_ALLOW_DESTINATIONS",
        value_name = "CIDR",
        value_delimiter = ','
    )]
    allow_destinations: Vec<Network>,
    /// The Slack app's client id (from the app's "Basic Information" page). Slack is set up
    /// when this, the client secret, the signing secret and the encryption key are all given.
    #[arg(long, env = "DEBRIEF_SLACK_CLIENT_ID")]
    slack_client_id: Option<String>,
    /// The Slack app's client secret. Prefer the environment variable: a flag shows in `ps`.
    #[arg(long, env = "DEBRIEF_SLACK_CLIENT_SECRET", hide_env_values = true)]
    slack_client_secret: Option<String>,
    /// The Slack app's signing secret. Prefer the environment variable.
    #[arg(long, env = "DEBRIEF_SLACK_SIGNING_SECRET", hide_env_values = true)]
    slack_signing_secret: Option<String>,
    /// The key that encrypts secrets kept in the database (Slack bot tokens, the OpenID
    /// provider's client secret): 32 bytes as 64 hex digits or base64 (`openssl rand -hex 32`).
    /// Keep it apart from database backups; losing it means installing the Slack app and saving
    /// the provider's secret again. Prefer the environment variable.
    #[arg(long, env = "DEBRIEF_SLACK_ENCRYPTION_KEY", hide_env_values = true)]
    slack_encryption_key: Option<String>,
    /// Break glass: allow sign-in with e-mail and password even when an admin switched it off
    /// in the sign-in settings (for when the identity provider is down or misconfigured).
    #[arg(long, env = "DEBRIEF_ALLOW_PASSWORD_SIGN_IN")]
    allow_password_sign_in: bool,
    /// The bearer token Prometheus scrapes `GET /metrics` with (an admin's API token works
    /// too). Prefer the environment variable.
    #[arg(long, env = "DEBRIEF_METRICS_TOKEN", hide_env_values = true)]
    metrics_token: Option<String>,
    /// The Slack Web API base URL (tests point it at a fake).
    #[arg(long, env = "DEBRIEF_SLACK_API_URL", hide = true)]
    slack_api_url: Option<String>,
    /// Slack's OAuth v2 consent page (tests point it at a fake).
    #[arg(long, env = "DEBRIEF_SLACK_AUTHORIZE_URL", hide = true)]
    slack_authorize_url: Option<String>,
    /// Log format: `pretty` for people, `json` for log collectors.
    #[arg(long, env = "DEBRIEF_LOG_FORMAT", default_value = "pretty", value_parser = ["pretty", "json"])]
    log_format: String,
    /// For tests of the real binary only: take "now" from this file (an RFC 3339 instant the
    /// test writes, moving time forward) instead of the system clock, so several servers
    /// share one moved clock. Hidden from `--help`; never for production.
    #[arg(
        long,
        env = "DEBRIEF_TEST_CLOCK_FILE",
        hide = true,
        value_name = "PATH"
    )]
    test_clock_file: Option<PathBuf>,
}

/// A manual clock that follows the instant written in `path` (forward only), read every
/// 20 ms, for tests that move the time of several real servers at once.
fn file_clock(path: PathBuf) -> anyhow::Result<debrief_server::clock::Clock> {
    let read = |p: &std::path::Path| -> Option<debrief_core::Timestamp> {
        std::fs::read_to_string(p).ok()?.trim().parse().ok()
    };
    let start = read(&path).with_context(|| {
        format!(
            "--test-clock-file {} must hold an instant like 2026-12-07T10:00:00Z",
            path.display()
        )
    })?;
    let clock = debrief_server::clock::Clock::manual(start);
    let follower = clock.clone();
    tracing::warn!(
        "The clock follows {} (--test-clock-file): for tests only",
        path.display()
    );
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            if let (Some(t), Some(m)) = (read(&path), follower.manual_clock())
                && t > m.now()
            {
                m.set(t);
            }
        }
    });
    Ok(clock)
}

fn init_tracing(format: &str) {
    let filter =
        EnvFilter::try_from_env("DEBRIEF_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Runs the server until Ctrl-C or SIGTERM.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    init_tracing(&args.log_format);
    // Read before anything else starts, so a wrong path fails at once, naming the file.
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => {
            let config = debrief_server::tls::load_server_config(cert, key)?;
            tracing::info!(
                "Serving HTTPS with the certificate {} (and its key {})",
                cert.display(),
                key.display()
            );
            Some(config)
        }
        (None, None) => None,
        // clap's `requires` refuses one without the other; this is the same rule.
        _ => anyhow::bail!(
            "--tls-cert (DEBRIEF_TLS_CERT) and --tls-key (DEBRIEF_TLS_KEY) go together"
        ),
    };
    let smtp = match (&args.smtp_url, &args.smtp_from) {
        (Some(url), Some(from)) => Some(SmtpConfig::parse(url, from).map_err(anyhow::Error::msg)?),
        (Some(_), None) => anyhow::bail!(
            "--smtp-url needs --smtp-from (DEBRIEF_SMTP_FROM), the sender of e-mail, e.g. \"Debrief <debrief@example.com>\""
        ),
        (None, _) => None,
    };
    match &smtp {
        Some(s) => tracing::info!(smtp = %s.redacted(), "E-mail goes through {}", s.redacted()),
        None => tracing::info!(
            "No SMTP server is configured (--smtp-url): e-mail deliveries will fail until one is"
        ),
    }
    if args.allow_private_destinations {
        tracing::warn!(
            "Outgoing requests may go to private addresses (--allow-private-destinations): \
             anyone who can save a webhook URL can make this server call its own network"
        );
    } else if !args.allow_destinations.is_empty() {
        let list: Vec<String> = args
            .allow_destinations
            .iter()
            .map(ToString::to_string)
            .collect();
        tracing::info!(
            "Outgoing requests may go to these private networks: {}",
            list.join(", ")
        );
    }
    let slack = slack_config(&args)?;
    if let Some(s) = &slack {
        tracing::info!(slack.client_id = %s.client_id, "Slack is set up (install it from /slack/install)");
    }
    let sealing_key = match args.slack_encryption_key.as_deref().map(str::trim) {
        Some(k) if !k.is_empty() => Some(
            TokenKey::parse(k).map_err(|e| anyhow::anyhow!("DEBRIEF_SLACK_ENCRYPTION_KEY: {e}"))?,
        ),
        _ => None,
    };
    if args.allow_password_sign_in {
        tracing::warn!(
            "Password sign-in is on whatever the sign-in settings say (--allow-password-sign-in)"
        );
    }
    let store = open_store(&args.db).await?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| {
            format!(
                "Failed to listen on {} (is another server running there? use --listen)",
                args.listen
            )
        })?;
    let local = listener.local_addr()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let public_url = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("{scheme}://{local}"));
    let state = AppState::new(
        store.clone(),
        ServerConfig {
            public_url: public_url.clone(),
            smtp,
            status_recheck: std::time::Duration::from_secs(args.status_recheck_secs),
            sign_ins_per_address_per_minute: args.sign_ins_per_minute_per_address,
            alert_events_per_minute: args.alert_events_per_minute,
            slack,
            sealing_key,
            force_password_sign_in: args.allow_password_sign_in,
            metrics_token: args.metrics_token.clone().filter(|t| !t.trim().is_empty()),
            destinations: DestinationPolicy {
                allow_private: args.allow_private_destinations,
                allowed: args.allow_destinations.clone(),
            },
            clock: match args.test_clock_file.clone() {
                Some(path) => file_clock(path)?,
                None => debrief_server::clock::Clock::system(),
            },
            ..Default::default()
        },
    );
    if let Some(token) = debrief_server::actions::account::prepare_setup(&state).await? {
        // Printed, not logged: the link is a one-time secret for the person starting the server.
        eprintln!(
            "\nNo users yet. Create the first admin by opening this one-time link:\n\n    {public_url}/setup?token={token}\n"
        );
    }
    tracing::info!(listen = %local, "Debrief is listening on {public_url}");
    let listener: debrief_server::HttpListener = match tls {
        Some(config) => debrief_server::tls::TlsListener::new(listener, config).into(),
        None => listener.into(),
    };
    debrief_server::run(listener, state, shutdown_signal())
        .await
        .context("The HTTP server failed")?;
    store.close().await;
    tracing::info!("Stopped");
    Ok(())
}

/// The Slack settings: all four given, or none (Slack off); anything between is refused at
/// start, naming what is missing (never a value).
fn slack_config(args: &ServeArgs) -> anyhow::Result<Option<SlackConfig>> {
    let parts = [
        (
            "--slack-client-id (DEBRIEF_SLACK_CLIENT_ID)",
            &args.slack_client_id,
        ),
        ("DEBRIEF_SLACK_CLIENT_SECRET", &args.slack_client_secret),
        ("DEBRIEF_SLACK_SIGNING_SECRET", &args.slack_signing_secret),
        ("DEBRIEF_SLACK_ENCRYPTION_KEY", &args.slack_encryption_key),
    ];
    let given = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
    let missing: Vec<&str> = parts
        .iter()
        .filter(|(_, v)| !given(v))
        .map(|(n, _)| *n)
        .collect();
    if missing.len() == parts.len() {
        return Ok(None);
    }
    if !missing.is_empty() {
        anyhow::bail!(
            "Slack needs its client id, client secret, signing secret and encryption key together; missing: {}",
            missing.join(", ")
        );
    }
    let text = |v: &Option<String>| v.as_deref().unwrap_or_default().trim().to_string();
    let key = TokenKey::parse(&text(&args.slack_encryption_key))
        .map_err(|e| anyhow::anyhow!("DEBRIEF_SLACK_ENCRYPTION_KEY: {e}"))?;
    let mut config = SlackConfig::new(
        text(&args.slack_client_id),
        text(&args.slack_client_secret),
        text(&args.slack_signing_secret),
        key,
    );
    if let Some(url) = &args.slack_api_url {
        config.api_url = url.trim_end_matches('/').to_string();
    }
    if let Some(url) = &args.slack_authorize_url {
        config.authorize_url = url.clone();
    }
    Ok(Some(config))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
