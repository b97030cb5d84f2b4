//! `debrief timeline add|list`.

use super::incident::urlencode;
use super::output::{table, text, time};
use super::{Api, ClientArgs};
use reqwest::Method;
use serde_json::{Map, Value, json};

/// Timeline commands.
#[derive(clap::Subcommand)]
pub enum TimelineCommand {
    /// Add an event to an incident's timeline.
    Add {
        #[command(flatten)]
        client: ClientArgs,
        /// Reference, e.g. INC-42.
        reference: String,
        /// What happened.
        body: String,
        /// Kind: note, alert, comms_internal, comms_external, status_page_update, remediation, chat, action_item.
        #[arg(long, default_value = "note")]
        kind: String,
        /// When it happened (RFC 3339), if earlier than now.
        #[arg(long)]
        at: Option<String>,
        /// A link (repeat for several).
        #[arg(long = "link")]
        links: Vec<String>,
        /// Mark as a key moment.
        #[arg(long)]
        star: bool,
    },
    /// Show an incident's timeline.
    List {
        #[command(flatten)]
        client: ClientArgs,
        /// Reference, e.g. INC-42.
        reference: String,
    },
}

/// Runs a timeline command.
pub async fn run(cmd: TimelineCommand) -> anyhow::Result<()> {
    match cmd {
        TimelineCommand::Add {
            client,
            reference,
            body,
            kind,
            at,
            links,
            star,
        } => {
            let api = Api::new(&client)?;
            let mut b = Map::new();
            b.insert("kind".into(), json!(kind));
            b.insert("body".into(), json!(body));
            if let Some(at) = at {
                b.insert("at".into(), json!(at));
            }
            b.insert(
                "links".into(),
                json!(links.iter().map(|u| json!({"url": u})).collect::<Vec<_>>()),
            );
            b.insert("starred".into(), json!(star));
            let e = api
                .call(
                    Method::POST,
                    &format!("/incidents/{}/timeline", urlencode(&reference)),
                    Some(&Value::Object(b)),
                )
                .await?;
            if client.json {
                println!("{}", serde_json::to_string_pretty(&e)?);
            } else {
                println!(
                    "Added {} event {} to {} at {}",
                    text(&e["kind"]),
                    text(&e["id"]),
                    text(&e["incident"]),
                    time(&e["at"])
                );
            }
        }
        TimelineCommand::List { client, reference } => {
            let api = Api::new(&client)?;
            let page = api
                .call(
                    Method::GET,
                    &format!("/incidents/{}/timeline", urlencode(&reference)),
                    None,
                )
                .await?;
            if client.json {
                println!("{}", serde_json::to_string_pretty(&page["items"])?);
                return Ok(());
            }
            let rows: Vec<Vec<String>> = page["items"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|e| {
                            vec![
                                time(&e["at"]),
                                if e["starred"] == true {
                                    "★".into()
                                } else {
                                    String::new()
                                },
                                text(&e["kind"]),
                                text(&e["author_name"]),
                                text(&e["body"]),
                            ]
                        })
                        .collect()
                })
                .unwrap_or_default();
            table(&["AT", "", "KIND", "BY", "WHAT"], &rows);
        }
    }
    Ok(())
}
