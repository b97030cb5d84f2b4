//! `debrief status maintenance …`: scheduled maintenance on a status page, from announcement to
//! completion (or cancellation).

use super::output::{table, text, time};
use super::{Api, ClientArgs};
use reqwest::Method;
use serde_json::{Value, json};

/// Which maintenance.
#[derive(clap::Args)]
pub struct Target {
    #[command(flatten)]
    client: ClientArgs,
    /// The page's slug.
    #[arg(long)]
    page: String,
    /// The maintenance's id.
    id: i64,
}

/// Maintenance commands.
#[derive(clap::Subcommand)]
pub enum MaintenanceCommand {
    /// List a page's maintenance (cancelled included) with its status and window.
    List {
        #[command(flatten)]
        client: ClientArgs,
        /// The page's slug.
        #[arg(long)]
        page: String,
    },
    /// Announce maintenance: it moves on by itself at its window's start and end.
    Schedule {
        #[command(flatten)]
        client: ClientArgs,
        /// The page's slug.
        #[arg(long)]
        page: String,
        /// Its title for customers.
        #[arg(long)]
        title: String,
        /// What will happen, for customers.
        #[arg(long)]
        body: String,
        /// Window start (RFC 3339, e.g. 2026-11-28T02:00:00Z).
        #[arg(long)]
        starts: String,
        /// Window end (RFC 3339).
        #[arg(long)]
        ends: String,
        /// Minutes of verification after the window (default 15).
        #[arg(long)]
        verify_minutes: Option<i64>,
        /// An affected component's id (repeatable).
        #[arg(long = "component")]
        components: Vec<i64>,
    },
    /// Post an update for customers, optionally moving it forward (in_progress, verifying,
    /// completed).
    Update {
        #[command(flatten)]
        target: Target,
        /// The text for customers.
        #[arg(long)]
        body: String,
        /// The status to move to.
        #[arg(long)]
        status: Option<String>,
    },
    /// Finish the work now: it completes and its components get their states back.
    Complete {
        #[command(flatten)]
        target: Target,
        /// The text for customers (a default one otherwise).
        #[arg(long)]
        body: Option<String>,
    },
    /// Move a window that has not started.
    Reschedule {
        #[command(flatten)]
        target: Target,
        /// New window start (RFC 3339).
        #[arg(long)]
        starts: String,
        /// New window end (RFC 3339).
        #[arg(long)]
        ends: String,
        /// The text for customers.
        #[arg(long)]
        body: Option<String>,
    },
    /// Call off maintenance that has not started: it leaves the page; subscribers are told.
    Cancel {
        #[command(flatten)]
        target: Target,
        /// The text for customers.
        #[arg(long)]
        body: Option<String>,
    },
}

fn with_body(mut v: Value, body: Option<String>) -> Value {
    if let Some(b) = body {
        v["body"] = Value::String(b);
    }
    v
}

/// Runs a maintenance command.
pub async fn run(cmd: MaintenanceCommand) -> anyhow::Result<()> {
    let (client, page, id, action, input) = match cmd {
        MaintenanceCommand::List { client, page } => {
            let api = Api::new(&client)?;
            let list = api
                .call(
                    Method::GET,
                    &format!("/status-pages/{page}/maintenances"),
                    None,
                )
                .await?;
            if client.json {
                println!("{}", serde_json::to_string_pretty(&list["items"])?);
                return Ok(());
            }
            let rows: Vec<Vec<String>> = list["items"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|m| {
                    vec![
                        text(&m["id"]),
                        text(&m["title"]),
                        text(&m["status"]),
                        time(&m["starts_at"]),
                        time(&m["ends_at"]),
                    ]
                })
                .collect();
            table(&["ID", "TITLE", "STATUS", "STARTS", "ENDS"], &rows);
            return Ok(());
        }
        MaintenanceCommand::Schedule {
            client,
            page,
            title,
            body,
            starts,
            ends,
            verify_minutes,
            components,
        } => {
            let mut input = json!({"title": title, "body": body, "starts_at": starts,
                                   "ends_at": ends, "components": components});
            if let Some(v) = verify_minutes {
                input["verify_minutes"] = v.into();
            }
            (client, page, None, "", input)
        }
        MaintenanceCommand::Update {
            target: Target { client, page, id },
            body,
            status,
        } => {
            let mut input = json!({"body": body});
            if let Some(s) = status {
                input["status"] = Value::String(s);
            }
            (client, page, Some(id), "/updates", input)
        }
        MaintenanceCommand::Complete {
            target: Target { client, page, id },
            body,
        } => (
            client,
            page,
            Some(id),
            "/complete",
            with_body(json!({}), body),
        ),
        MaintenanceCommand::Reschedule {
            target: Target { client, page, id },
            starts,
            ends,
            body,
        } => {
            let input = json!({"starts_at": starts, "ends_at": ends});
            (
                client,
                page,
                Some(id),
                "/reschedule",
                with_body(input, body),
            )
        }
        MaintenanceCommand::Cancel {
            target: Target { client, page, id },
            body,
        } => (
            client,
            page,
            Some(id),
            "/cancel",
            with_body(json!({}), body),
        ),
    };
    let api = Api::new(&client)?;
    let path = match id {
        Some(id) => format!("/status-pages/{page}/maintenances/{id}{action}"),
        None => format!("/status-pages/{page}/maintenances"),
    };
    let m = api.call(Method::POST, &path, Some(&input)).await?;
    if client.json {
        println!("{}", serde_json::to_string_pretty(&m)?);
    } else {
        println!(
            "Maintenance {} \"{}\" on {page} is {} ({} – {}).",
            text(&m["id"]),
            text(&m["title"]),
            text(&m["status"]),
            time(&m["starts_at"]),
            time(&m["ends_at"])
        );
    }
    Ok(())
}
