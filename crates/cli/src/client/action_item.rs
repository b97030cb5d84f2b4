//! `debrief action-item list|add|done|wont-do`.

use super::incident::urlencode;
use super::output::{table, text, time};
use super::{Api, ClientArgs};
use reqwest::Method;
use serde_json::{Map, Value, json};

/// Action item commands.
#[derive(clap::Subcommand)]
pub enum ActionItemCommand {
    /// List action items of every incident you may see (the board), by due day.
    List {
        #[command(flatten)]
        client: ClientArgs,
        /// Only yours.
        #[arg(long)]
        mine: bool,
        /// Only those past their due day and not done.
        #[arg(long)]
        overdue: bool,
        /// Only those of this incident, e.g. INC-42.
        #[arg(long)]
        incident: Option<String>,
        /// Only those of this team (slug).
        #[arg(long)]
        team: Option<String>,
        /// Only those of incidents affecting this service (slug).
        #[arg(long)]
        service: Option<String>,
        /// Status filter (comma-separated: open, in_progress, done, wont_do).
        #[arg(long)]
        status: Option<String>,
    },
    /// Add an action item to an incident.
    Add {
        #[command(flatten)]
        client: ClientArgs,
        /// Reference, e.g. INC-42.
        reference: String,
        /// What to do, in a line.
        #[arg(long)]
        title: String,
        /// Who does it: an email or a user id.
        #[arg(long)]
        owner: Option<String>,
        /// The day it is due (YYYY-MM-DD).
        #[arg(long)]
        due: Option<String>,
        /// urgent, high, medium (the default) or low.
        #[arg(long)]
        priority: Option<String>,
        /// The owning team (slug).
        #[arg(long)]
        team: Option<String>,
        /// More detail (Markdown).
        #[arg(long)]
        description: Option<String>,
        /// A link to the issue in a tracker.
        #[arg(long)]
        tracker_url: Option<String>,
    },
    /// Mark an action item done.
    Done {
        #[command(flatten)]
        client: ClientArgs,
        /// Reference, e.g. INC-42.
        reference: String,
        /// The action item's number.
        id: i64,
    },
    /// Mark an action item won't do, with the reason.
    WontDo {
        #[command(flatten)]
        client: ClientArgs,
        /// Reference, e.g. INC-42.
        reference: String,
        /// The action item's number.
        id: i64,
        /// Why it won't be done.
        #[arg(long)]
        reason: String,
    },
}

/// Runs an action item command.
pub async fn run(cmd: ActionItemCommand) -> anyhow::Result<()> {
    match cmd {
        ActionItemCommand::List {
            client,
            mine,
            overdue,
            incident,
            team,
            service,
            status,
        } => {
            let api = Api::new(&client)?;
            let mut q: Vec<String> = Vec::new();
            for (flag, name) in [(mine, "mine"), (overdue, "overdue")] {
                if flag {
                    q.push(format!("{name}=true"));
                }
            }
            for (name, v) in [
                ("incident", incident),
                ("team", team),
                ("service", service),
                ("status", status),
            ] {
                if let Some(v) = v {
                    q.push(format!("{name}={}", urlencode(&v)));
                }
            }
            let path = match q.is_empty() {
                true => "/action-items".to_string(),
                false => format!("/action-items?{}", q.join("&")),
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
                    let status = match i["overdue"].as_bool() {
                        Some(true) => format!("{} (overdue)", text(&i["status"])),
                        _ => text(&i["status"]),
                    };
                    vec![
                        text(&i["incident"]),
                        text(&i["id"]),
                        text(&i["title"]),
                        text(&i["owner"]),
                        text(&i["team"]),
                        text(&i["due_on"]),
                        text(&i["priority"]),
                        status,
                    ]
                })
                .collect();
            if rows.is_empty() {
                println!("No action items match.");
            } else {
                table(
                    &[
                        "INCIDENT", "ID", "TITLE", "OWNER", "TEAM", "DUE", "PRIORITY", "STATUS",
                    ],
                    &rows,
                );
            }
        }
        ActionItemCommand::Add {
            client,
            reference,
            title,
            owner,
            due,
            priority,
            team,
            description,
            tracker_url,
        } => {
            let api = Api::new(&client)?;
            let mut body = Map::new();
            body.insert("title".into(), json!(title));
            if let Some(owner) = owner {
                body.insert("owner_id".into(), json!(user_id(&api, &owner).await?));
            }
            for (key, v) in [
                ("due_on", due),
                ("priority", priority),
                ("team", team),
                ("description", description),
                ("tracker_url", tracker_url),
            ] {
                if let Some(v) = v {
                    body.insert(key.into(), json!(v));
                }
            }
            let item = api
                .call(
                    Method::POST,
                    &format!("/incidents/{}/action-items", urlencode(&reference)),
                    Some(&Value::Object(body)),
                )
                .await?;
            print_item(&client, "Added", &item)?;
        }
        ActionItemCommand::Done {
            client,
            reference,
            id,
        } => {
            let item = change(&client, &reference, id, json!({"status": "done"})).await?;
            print_item(&client, "Done:", &item)?;
        }
        ActionItemCommand::WontDo {
            client,
            reference,
            id,
            reason,
        } => {
            let body = json!({"status": "wont_do", "wont_do_reason": reason});
            let item = change(&client, &reference, id, body).await?;
            print_item(&client, "Won't do:", &item)?;
        }
    }
    Ok(())
}

/// Changes an action item.
async fn change(
    client: &ClientArgs,
    reference: &str,
    id: i64,
    body: Value,
) -> anyhow::Result<Value> {
    Api::new(client)?
        .call(
            Method::PATCH,
            &format!("/incidents/{}/action-items/{id}", urlencode(reference)),
            Some(&body),
        )
        .await
}

/// Prints an item in a line (or as JSON): `Added INC-42 #3: Add a canary (owner Dana, due …)`.
fn print_item(client: &ClientArgs, verb: &str, i: &Value) -> anyhow::Result<()> {
    if client.json {
        println!("{}", serde_json::to_string_pretty(i)?);
        return Ok(());
    }
    let mut about = vec![text(&i["status"]), text(&i["priority"])];
    if !i["owner"].is_null() {
        about.push(format!("owner {}", text(&i["owner"])));
    }
    if !i["due_on"].is_null() {
        about.push(format!("due {}", text(&i["due_on"])));
    }
    if !i["settled_at"].is_null() {
        about.push(format!("settled {}", time(&i["settled_at"])));
    }
    println!(
        "{verb} {} #{}: {} ({})",
        text(&i["incident"]),
        text(&i["id"]),
        text(&i["title"]),
        about.join(", ")
    );
    Ok(())
}

/// The id of a user given by id or by email.
async fn user_id(api: &Api, who: &str) -> anyhow::Result<i64> {
    if let Ok(id) = who.trim().parse::<i64>() {
        return Ok(id);
    }
    let users = api.call(Method::GET, "/users", None).await?;
    users["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|u| {
            u["email"]
                .as_str()
                .is_some_and(|e| e.eq_ignore_ascii_case(who.trim()))
        })
        .and_then(|u| u["id"].as_i64())
        .ok_or_else(|| {
            anyhow::anyhow!("--owner: no user with the email '{who}' (give an email or a user id)")
        })
}
