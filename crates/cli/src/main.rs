//! The `debrief` binary: `serve`, `migrate`, admin commands, and client commands that talk to a
//! running server over the API.
//!
//! # Layout
//! - [`serve`]: start the server (HTTP API, web UI) on SQLite or PostgreSQL.
//! - [`admin`]: commands that work on the database directly (`migrate`, `user`, `token`).
//! - [`client`]: commands that call a server's `/api/v1` with a token (`incident`, `timeline`).

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
}

fn main() -> ExitCode {
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
        match cli.command {
            Command::Serve(args) => serve::run(args).await,
            Command::Migrate(args) => admin::migrate(args).await,
            Command::User(cmd) => admin::user(cmd).await,
            Command::Token(cmd) => admin::token(cmd).await,
            Command::Incident(cmd) => client::incident::run(cmd).await,
            Command::Timeline(cmd) => client::timeline::run(cmd).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
