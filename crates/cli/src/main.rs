//! The `debrief` binary: `serve`, `migrate`, admin commands, and client commands that talk to a
//! running server over the API.
//!
//! # Layout
//! - [`serve`]: start the server (HTTP API, web UI) on SQLite or PostgreSQL.
//! - [`admin`]: commands that work on the database directly (`migrate`, `user`, `token`).
//! - [`client`]: commands that call a server's `/api/v1` with a token (`incident`, `timeline`,
//!   `postmortem`, `action-item`, `status`, `alert`, `integration`, `page`, `oncall`, `schedule`,
//!   `policy`).

mod admin;
mod client;
mod serve;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Debrief: incident management and postmortems, in one binary.
#[derive(Parser)]
#[command(name = "debrief", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (web UI and API).
    Serve(serve::ServeArgs),
    /// Apply database migrations and exit.
    Migrate(admin::DbArgs),
    /// Manage users directly in the database.
    #[command(subcommand)]
    User(admin::UserCommand),
    /// Manage API tokens directly in the database.
    #[command(subcommand)]
    Token(admin::TokenCommand),
    /// Work with incidents on a running server.
    #[command(subcommand)]
    Incident(client::incident::IncidentCommand),
    /// Work with incident timelines on a running server.
    #[command(subcommand)]
    Timeline(client::timeline::TimelineCommand),
    /// Work with postmortems on a running server: show, export, lint.
    #[command(subcommand)]
    Postmortem(client::postmortem::PostmortemCommand),
    /// Work with action items on a running server.
    #[command(subcommand)]
    ActionItem(client::action_item::ActionItemCommand),
    /// Work with status pages on a running server: list them, publish an incident's update.
    #[command(subcommand)]
    Status(client::status::StatusCommand),
    /// Work with alerts on a running server: list, show, acknowledge, resolve.
    #[command(subcommand)]
    Alert(client::alert::AlertCommand),
    /// Manage alert integrations on a running server (admins): create, list, rotate keys.
    #[command(subcommand)]
    Integration(client::integration::IntegrationCommand),
    /// Work with pages on a running server: list, show, open (page someone), acknowledge, resolve.
    #[command(subcommand)]
    Page(client::page::PageCommand),
    /// Show who is on call now (or at --at) in each schedule, service and team.
    Oncall(client::oncall::OncallArgs),
    /// Work with on-call schedules on a running server: list, final schedule, overrides.
    #[command(subcommand)]
    Schedule(client::schedule::ScheduleCommand),
    /// Work with escalation policies on a running server: list, preview.
    #[command(subcommand)]
    Policy(client::schedule::PolicyCommand),
}

fn main() -> ExitCode {
    // Before any TLS client is built: ring is the one rustls provider of the binary.
    debrief_server::install_crypto_provider();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        let done = match cli.command {
            Command::Serve(args) => serve::run(args).await,
            Command::Migrate(args) => admin::migrate(args).await,
            Command::User(cmd) => admin::user(cmd).await,
            Command::Token(cmd) => admin::token(cmd).await,
            Command::Incident(cmd) => client::incident::run(cmd).await,
            Command::Timeline(cmd) => client::timeline::run(cmd).await,
            // `postmortem lint` exits 1 for findings, so it chooses its own code.
            Command::Postmortem(cmd) => return client::postmortem::run(cmd).await,
            Command::ActionItem(cmd) => client::action_item::run(cmd).await,
            Command::Status(cmd) => client::status::run(cmd).await,
            Command::Alert(cmd) => client::alert::run(cmd).await,
            Command::Integration(cmd) => client::integration::run(cmd).await,
            Command::Page(cmd) => client::page::run(cmd).await,
            Command::Oncall(args) => client::oncall::run(args).await,
            Command::Schedule(cmd) => client::schedule::run(cmd).await,
            Command::Policy(cmd) => client::schedule::run_policy(cmd).await,
        };
        done.map(|()| ExitCode::SUCCESS)
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
