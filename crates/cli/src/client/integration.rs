//! `debrief integration create|list|rotate`: where monitoring sends alerts (admins).

use super::output::{table, text, time};
use super::{Api, ClientArgs};
use reqwest::Method;
use serde_json::{Map, Value, json};

/// Integration commands.
#[derive(clap::Subcommand)]
pub enum IntegrationCommand {
    /// Create an integration; prints its key (once) and the URL to give the sender.
    Create {
        #[command(flatten)]
        client: ClientArgs,
        /// The service its alerts are for (slug).
        #[arg(long)]
        service: String,
        /// The sender's format: pagerduty, alertmanager, grafana, opsgenie or generic.
        #[arg(long)]
        kind: String,
        /// A name people recognise, e.g. "Prometheus production".
        #[arg(long)]
        name: String,
        /// How its alerts are grouped: sender (the default), alert, or labels:name,name.
        #[arg(long)]
        group_by: Option<String>,
    },
    /// List integrations (never their keys).
    List {
        #[command(flatten)]
        client: ClientArgs,
        /// Only those of this service (slug).
        #[arg(long)]
        service: Option<String>,
    },
    /// Give an integration a new key; prints it (once). The old key keeps working for the
    /// overlap, so senders can be moved over.
    Rotate {
        #[command(flatten)]
        client: ClientArgs,
        /// The integration's number.
        id: i64,
        /// How long the old key keeps working, in minutes (0 to 10080, a week).
        #[arg(long, default_value = "0")]
        overlap_minutes: i64,
    },
}

/// Runs an integration command.
pub async fn run(cmd: IntegrationCommand) -> anyhow::Result<()> {
    match cmd {
        IntegrationCommand::Create {
            client,
            service,
            kind,
            name,
            group_by,
        } => {
            let api = Api::new(&client)?;
            let mut body = Map::new();
            body.insert("service".into(), json!(service));
            body.insert("kind".into(), json!(kind));
            body.insert("name".into(), json!(name));
            if let Some(g) = group_by {
                body.insert("group_by".into(), json!(g));
            }
            let created = api
                .call(Method::POST, "/integrations", Some(&Value::Object(body)))
                .await?;
            if client.json {
                println!("{}", serde_json::to_string_pretty(&created)?);
            } else {
                let i = &created["integration"];
                println!(
                    "Created integration {} '{}' ({}) for {}.",
                    text(&i["id"]),
                    text(&i["name"]),
                    text(&i["kind"]),
                    text(&i["service"])
                );
                print_key(&created);
            }
        }
        IntegrationCommand::List { client, service } => {
            let api = Api::new(&client)?;
            let path = match service {
                Some(s) => format!("/integrations?service={}", super::incident::urlencode(&s)),
                None => "/integrations".to_string(),
            };
            let page = api.call(Method::GET, &path, None).await?;
            if client.json {
                println!("{}", serde_json::to_string_pretty(&page["items"])?);
                return Ok(());
            }
            let rows: Vec<Vec<String>> = page["items"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|i| {
                    let state = match (i["disabled_at"].is_null(), i["signed"].as_bool()) {
                        (false, _) => format!("disabled {}", time(&i["disabled_at"])),
                        (true, Some(true)) => "enabled, signed".to_string(),
                        (true, _) => "enabled".to_string(),
                    };
                    vec![
                        text(&i["id"]),
                        text(&i["service"]),
                        text(&i["kind"]),
                        text(&i["name"]),
                        text(&i["key_hint"]),
                        text(&i["group_by"]),
                        state,
                        time(&i["created_at"]),
                    ]
                })
                .collect();
            if rows.is_empty() {
                println!("No integrations yet: create one with 'debrief integration create'.");
            } else {
                table(
                    &[
                        "ID", "SERVICE", "KIND", "NAME", "KEY", "GROUP BY", "STATE", "CREATED",
                    ],
                    &rows,
                );
            }
        }
        IntegrationCommand::Rotate {
            client,
            id,
            overlap_minutes,
        } => {
            let api = Api::new(&client)?;
            let rotated = api
                .call(
                    Method::POST,
                    &format!("/integrations/{id}/rotate"),
                    Some(&json!({"overlap_minutes": overlap_minutes})),
                )
                .await?;
            if client.json {
                println!("{}", serde_json::to_string_pretty(&rotated)?);
            } else {
                let i = &rotated["integration"];
                println!(
                    "Rotated the key of integration {} '{}'.",
                    text(&i["id"]),
                    text(&i["name"])
                );
                print_key(&rotated);
                if overlap_minutes > 0 {
                    println!(
                        "The previous key keeps working until {}.",
                        time(&i["previous_key_expires_at"])
                    );
                } else {
                    println!("The previous key no longer works.");
                }
            }
        }
    }
    Ok(())
}

/// Prints a new key (shown once) and where the sender puts it.
fn print_key(created: &Value) {
    let key = text(&created["key"]);
    let url = text(&created["url"]);
    println!("Key (shown only now; store it in the sender's configuration):\n  {key}");
    let how = match created["integration"]["kind"].as_str().unwrap_or_default() {
        "pagerduty" => {
            "PagerDuty Events API v2 with the key as routing_key; in Alertmanager's \
             pagerduty_configs, set url and routing_key"
        }
        "opsgenie" => "as the Opsgenie API URL, with 'Authorization: GenieKey <key>'",
        _ => "with 'Authorization: Bearer <key>', or the key as the password of basic auth",
    };
    println!("Point the sender at:\n  {url}\n  ({how})");
}
