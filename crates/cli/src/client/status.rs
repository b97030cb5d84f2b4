//! `debrief status pages|publish|maintenance`: status pages, an incident's public updates and
//! scheduled maintenance.

use super::output::{table, text};
use super::{Api, ClientArgs};
use anyhow::Context;
use reqwest::Method;
use serde_json::{Value, json};

/// Status page commands.
#[derive(clap::Subcommand)]
pub enum StatusCommand {
    /// List the status pages with their components and states.
    Pages {
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Publish a public update of an incident on a status page.
    Publish {
        #[command(flatten)]
        client: ClientArgs,
        /// Reference, e.g. INC-42.
        reference: String,
        /// The page's slug.
        #[arg(long)]
        page: String,
        /// investigating, identified, monitoring or resolved.
        #[arg(long)]
        status: String,
        /// What customers should know.
        #[arg(long)]
        body: String,
        /// The customer-facing name (the incident's title by default).
        #[arg(long)]
        name: Option<String>,
        /// A component's new state, as COMPONENT_ID=STATE (repeatable), e.g. 3=major_outage.
        #[arg(long = "component")]
        components: Vec<String>,
    },
    /// Scheduled maintenance: list, schedule, update, complete, reschedule, cancel.
    Maintenance {
        #[command(subcommand)]
        cmd: super::maintenance::MaintenanceCommand,
    },
}

/// Runs a status page command.
pub async fn run(cmd: StatusCommand) -> anyhow::Result<()> {
    match cmd {
        StatusCommand::Maintenance { cmd } => super::maintenance::run(cmd).await,
        StatusCommand::Pages { client } => {
            let api = Api::new(&client)?;
            let pages = api.call(Method::GET, "/status-pages", None).await?;
            let mut all = Vec::new();
            for p in pages["items"].as_array().into_iter().flatten() {
                let slug = p["slug"].as_str().unwrap_or_default();
                let components = api
                    .call(
                        Method::GET,
                        &format!("/status-pages/{slug}/components"),
                        None,
                    )
                    .await?;
                all.push(json!({"page": p, "components": components["items"]}));
            }
            if client.json {
                println!("{}", serde_json::to_string_pretty(&all)?);
                return Ok(());
            }
            let mut rows = Vec::new();
            for entry in &all {
                for c in entry["components"].as_array().into_iter().flatten() {
                    rows.push(vec![
                        text(&entry["page"]["slug"]),
                        text(&c["id"]),
                        text(&c["group"]),
                        text(&c["name"]),
                        text(&c["state"]),
                    ]);
                }
            }
            table(&["PAGE", "ID", "GROUP", "COMPONENT", "STATE"], &rows);
            Ok(())
        }
        StatusCommand::Publish {
            client,
            reference,
            page,
            status,
            body,
            name,
            components,
        } => {
            let api = Api::new(&client)?;
            let mut changes = Vec::new();
            for c in &components {
                let (id, state) = c
                    .split_once('=')
                    .with_context(|| format!("--component '{c}' is not COMPONENT_ID=STATE"))?;
                let id: i64 = id
                    .trim()
                    .parse()
                    .with_context(|| format!("--component '{c}': '{id}' is not a component id"))?;
                changes.push(json!({"id": id, "state": state.trim()}));
            }
            let mut input =
                json!({"page": page, "status": status, "body": body, "components": changes});
            if let Some(n) = name {
                input["name"] = Value::String(n);
            }
            let published = api
                .call(
                    Method::POST,
                    &format!("/incidents/{reference}/status-updates"),
                    Some(&input),
                )
                .await?;
            println!(
                "Published on {page}: {} is {} (impact {}).",
                text(&published["name"]),
                text(&published["status"]),
                text(&published["impact"])
            );
            Ok(())
        }
    }
}
