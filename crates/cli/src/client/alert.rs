//! `debrief alert list|show|ack|resolve`: alerts from monitoring, as people see them.

use super::incident::urlencode;
use super::output::{table, text, time};
use super::{Api, ClientArgs};
use reqwest::Method;
use serde_json::{Value, json};

/// Alert commands.
#[derive(clap::Subcommand)]
pub enum AlertCommand {
    /// List alerts, newest first.
    List {
        #[command(flatten)]
        client: ClientArgs,
        /// Status filter (comma-separated: triggered, acknowledged, resolved).
        #[arg(long)]
        status: Option<String>,
        /// Only alerts of this service (slug).
        #[arg(long)]
        service: Option<String>,
        /// Only alerts that came through this integration (its number).
        #[arg(long)]
        integration: Option<i64>,
        /// How many.
        #[arg(long, default_value = "50")]
        limit: u32,
    },
    /// Show an alert with what its sender sent and its notes.
    Show {
        #[command(flatten)]
        client: ClientArgs,
        /// The alert's number.
        id: i64,
    },
    /// Acknowledge a triggered alert: someone is on it.
    Ack {
        #[command(flatten)]
        client: ClientArgs,
        /// The alert's number.
        id: i64,
    },
    /// Resolve an alert.
    Resolve {
        #[command(flatten)]
        client: ClientArgs,
        /// The alert's number.
        id: i64,
    },
}

/// Runs an alert command.
pub async fn run(cmd: AlertCommand) -> anyhow::Result<()> {
    match cmd {
        AlertCommand::List {
            client,
            status,
            service,
            integration,
            limit,
        } => {
            let api = Api::new(&client)?;
            let mut q = vec![format!("limit={}", limit.clamp(1, 200))];
            for (k, v) in [
                ("status", status),
                ("service", service),
                ("integration", integration.map(|i| i.to_string())),
            ] {
                if let Some(v) = v {
                    q.push(format!("{k}={}", urlencode(&v)));
                }
            }
            let page = api
                .call(Method::GET, &format!("/alerts?{}", q.join("&")), None)
                .await?;
            if client.json {
                println!("{}", serde_json::to_string_pretty(&page["items"])?);
                return Ok(());
            }
            let rows: Vec<Vec<String>> = page["items"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|a| {
                    vec![
                        text(&a["id"]),
                        text(&a["status"]),
                        text(&a["severity"]),
                        text(&a["service"]),
                        text(&a["summary"]),
                        text(&a["count"]),
                        text(&a["incident"]),
                        time(&a["last_seen_at"]),
                    ]
                })
                .collect();
            if rows.is_empty() {
                println!("No alerts match.");
            } else {
                table(
                    &[
                        "ID",
                        "STATUS",
                        "SEVERITY",
                        "SERVICE",
                        "SUMMARY",
                        "COUNT",
                        "INCIDENT",
                        "LAST SEEN",
                    ],
                    &rows,
                );
            }
        }
        AlertCommand::Show { client, id } => {
            let api = Api::new(&client)?;
            let a = api
                .call(Method::GET, &format!("/alerts/{id}"), None)
                .await?;
            if client.json {
                println!("{}", serde_json::to_string_pretty(&a)?);
            } else {
                print_alert(&a)?;
            }
        }
        AlertCommand::Ack { client, id } => {
            let a = change(&client, id, "acknowledge").await?;
            print_change(&client, "Acknowledged", &a)?;
        }
        AlertCommand::Resolve { client, id } => {
            let a = change(&client, id, "resolve").await?;
            print_change(&client, "Resolved", &a)?;
        }
    }
    Ok(())
}

/// Acknowledges or resolves an alert.
async fn change(client: &ClientArgs, id: i64, verb: &str) -> anyhow::Result<Value> {
    Api::new(client)?
        .call(
            Method::POST,
            &format!("/alerts/{id}/{verb}"),
            Some(&json!({})),
        )
        .await
}

/// `Acknowledged alert 3 (critical, checkout): Disk full on db-1`, or the alert as JSON.
fn print_change(client: &ClientArgs, verb: &str, a: &Value) -> anyhow::Result<()> {
    if client.json {
        println!("{}", serde_json::to_string_pretty(a)?);
    } else {
        println!(
            "{verb} alert {} ({}, {}): {}",
            text(&a["id"]),
            text(&a["severity"]),
            text(&a["service"]),
            text(&a["summary"])
        );
    }
    Ok(())
}

/// Prints an alert, its payload and its notes.
fn print_alert(a: &Value) -> anyhow::Result<()> {
    println!("Alert {}  {}", text(&a["id"]), text(&a["summary"]));
    let by = |at: &str, who: &str| match a[at].is_null() {
        true => "—".to_string(),
        false => format!("{} by {}", time(&a[at]), text(&a[who])),
    };
    for (label, value) in [
        ("status", text(&a["status"])),
        ("severity", text(&a["severity"])),
        ("service", text(&a["service"])),
        ("integration", text(&a["integration_id"])),
        ("source", text(&a["source"])),
        ("dedup key", text(&a["dedup_key"])),
        ("group", text(&a["group_key"])),
        ("count", text(&a["count"])),
        ("started", time(&a["started_at"])),
        ("first seen", time(&a["first_seen_at"])),
        ("last seen", time(&a["last_seen_at"])),
        ("acknowledged", by("acknowledged_at", "acknowledged_by")),
        ("resolved", by("resolved_at", "resolved_by")),
        ("incident", text(&a["incident"])),
        ("routed", text(&a["routed"])),
    ] {
        println!("  {label:<13}{value}");
    }
    println!("\nPayload");
    for line in serde_json::to_string_pretty(&a["payload"])?.lines() {
        println!("  {line}");
    }
    let notes = a["notes"].as_array().map(Vec::as_slice).unwrap_or_default();
    println!("\nNotes");
    if notes.is_empty() {
        println!("  none");
    }
    for n in notes {
        println!(
            "  {}  {}: {}",
            time(&n["created_at"]),
            text(&n["author"]),
            text(&n["note"])
        );
    }
    Ok(())
}
