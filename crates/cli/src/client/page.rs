//! `debrief page list|show|open|ack|resolve`: pages, the requests that someone respond, and
//! their escalation.

use super::oncall::{list, name_of, users_by_id};
use super::output::{table, text, time};
use super::{Api, ClientArgs};
use anyhow::bail;
use reqwest::Method;
use serde_json::{Map, Value, json};

/// Page commands.
#[derive(clap::Subcommand)]
pub enum PageCommand {
    /// List pages, newest first.
    List {
        #[command(flatten)]
        client: ClientArgs,
        /// Status filter (comma-separated: triggered, acknowledged, resolved).
        #[arg(long)]
        status: Option<String>,
        /// Only pages whose escalation notified me.
        #[arg(long)]
        mine: bool,
        /// How many.
        #[arg(long, default_value = "50")]
        limit: u32,
    },
    /// Show a page with its level firings and notifications.
    Show {
        #[command(flatten)]
        client: ClientArgs,
        /// The page's number.
        id: i64,
    },
    /// Page someone by hand: exactly one of --team, --service, --policy or --user.
    Open {
        #[command(flatten)]
        client: ClientArgs,
        /// What it is about.
        #[arg(long)]
        title: String,
        /// Page a team's escalation policy (team slug).
        #[arg(long)]
        team: Option<String>,
        /// Page a service's escalation policy (service slug).
        #[arg(long)]
        service: Option<String>,
        /// Page with this escalation policy (its number).
        #[arg(long)]
        policy: Option<i64>,
        /// Page this person at once (e-mail address or id); repeat for more people.
        #[arg(long = "user")]
        users: Vec<String>,
        /// The incident it is for (INC-42).
        #[arg(long)]
        incident: Option<String>,
        /// More words for whoever is paged.
        #[arg(long)]
        message: Option<String>,
    },
    /// Acknowledge a page: you are on it, and escalation stops.
    Ack {
        #[command(flatten)]
        client: ClientArgs,
        /// The page's number.
        id: i64,
    },
    /// Resolve a page.
    Resolve {
        #[command(flatten)]
        client: ClientArgs,
        /// The page's number.
        id: i64,
    },
}

/// Runs a page command.
pub async fn run(cmd: PageCommand) -> anyhow::Result<()> {
    match cmd {
        PageCommand::List {
            client,
            status,
            mine,
            limit,
        } => {
            let api = Api::new(&client)?;
            let mut q = vec![format!("limit={}", limit.clamp(1, 200))];
            if let Some(s) = status {
                q.push(format!("status={}", super::incident::urlencode(&s)));
            }
            if mine {
                q.push("mine=true".into());
            }
            let page = api
                .call(Method::GET, &format!("/pages?{}", q.join("&")), None)
                .await?;
            if client.json {
                println!("{}", serde_json::to_string_pretty(&page["items"])?);
                return Ok(());
            }
            let rows: Vec<Vec<String>> = list(&page["items"])
                .iter()
                .map(|p| {
                    vec![
                        text(&p["id"]),
                        text(&p["status"]),
                        text(&p["title"]),
                        for_whom(p),
                        incident(&p["incident_id"]),
                        time(&p["opened_at"]),
                    ]
                })
                .collect();
            if rows.is_empty() {
                println!("No pages match.");
            } else {
                table(
                    &["ID", "STATUS", "TITLE", "FOR", "INCIDENT", "OPENED"],
                    &rows,
                );
            }
        }
        PageCommand::Show { client, id } => {
            let api = Api::new(&client)?;
            let p = api.call(Method::GET, &format!("/pages/{id}"), None).await?;
            if client.json {
                println!("{}", serde_json::to_string_pretty(&p)?);
            } else {
                print_page(&p, &users_by_id(&api).await?);
            }
        }
        PageCommand::Open {
            client,
            title,
            team,
            service,
            policy,
            users,
            incident,
            message,
        } => {
            let chosen = [
                team.is_some(),
                service.is_some(),
                policy.is_some(),
                !users.is_empty(),
            ];
            if chosen.iter().filter(|c| **c).count() != 1 {
                bail!("say whom to page: exactly one of --team, --service, --policy or --user");
            }
            let mut body = Map::new();
            body.insert("title".into(), json!(title));
            for (k, v) in [
                ("team", team),
                ("service", service),
                ("incident", incident),
                ("message", message),
            ] {
                if let Some(v) = v {
                    body.insert(k.into(), json!(v));
                }
            }
            if let Some(p) = policy {
                body.insert("policy_id".into(), json!(p));
            }
            if !users.is_empty() {
                body.insert("users".into(), json!(users));
            }
            let p = Api::new(&client)?
                .call(Method::POST, "/pages", Some(&Value::Object(body)))
                .await?;
            print_change(&client, "Opened", &p)?;
        }
        PageCommand::Ack { client, id } => {
            let p = change(&client, id, "acknowledge").await?;
            print_change(&client, "Acknowledged", &p)?;
        }
        PageCommand::Resolve { client, id } => {
            let p = change(&client, id, "resolve").await?;
            print_change(&client, "Resolved", &p)?;
        }
    }
    Ok(())
}

/// Acknowledges or resolves a page.
async fn change(client: &ClientArgs, id: i64, verb: &str) -> anyhow::Result<Value> {
    Api::new(client)?
        .call(
            Method::POST,
            &format!("/pages/{id}/{verb}"),
            Some(&json!({})),
        )
        .await
}

/// `Acknowledged page 3 (acknowledged): Checkout is down`, or the page as JSON.
fn print_change(client: &ClientArgs, verb: &str, p: &Value) -> anyhow::Result<()> {
    if client.json {
        println!("{}", serde_json::to_string_pretty(p)?);
    } else {
        println!(
            "{verb} page {} ({}): {}",
            text(&p["id"]),
            text(&p["status"]),
            text(&p["title"])
        );
    }
    Ok(())
}

/// The service, team or policy a page is for.
fn for_whom(p: &Value) -> String {
    if !p["service"].is_null() {
        format!("service {}", text(&p["service"]))
    } else if !p["team"].is_null() {
        format!("team {}", text(&p["team"]))
    } else if !p["policy_id"].is_null() {
        format!("policy {}", text(&p["policy_id"]))
    } else {
        "people".into()
    }
}

/// `INC-42` of an incident number, or a dash.
fn incident(id: &Value) -> String {
    match id.as_i64() {
        Some(n) => format!("INC-{n}"),
        None => "—".into(),
    }
}

/// Prints a page, its level firings and its notifications.
fn print_page(p: &Value, users: &std::collections::BTreeMap<i64, String>) {
    println!("Page {}  {}", text(&p["id"]), text(&p["title"]));
    let by = |at: &str, who: &str| match p[at].is_null() {
        true => "—".to_string(),
        false if p[who].is_null() => time(&p[at]),
        false => format!("{} by {}", time(&p[at]), name_of(users, &p[who])),
    };
    let message = p["details"]["message"]
        .as_str()
        .filter(|m| !m.is_empty())
        .map_or_else(|| "—".to_string(), str::to_string);
    for (label, value) in [
        ("status", text(&p["status"])),
        ("for", for_whom(p)),
        ("incident", incident(&p["incident_id"])),
        ("alert", text(&p["alert_id"])),
        ("message", message),
        ("opened", by("opened_at", "opened_by")),
        ("acknowledged", by("acknowledged_at", "acknowledged_by")),
        ("resolved", by("resolved_at", "resolved_by")),
    ] {
        println!("  {label:<13}{value}");
    }
    println!("\nEscalation");
    let firings = list(&p["firings"]);
    if firings.is_empty() {
        println!("  no level has fired yet");
    }
    for f in firings {
        let who: Vec<String> = list(&f["users"])
            .iter()
            .map(|u| name_of(users, u))
            .collect();
        let note = f["note"].as_str().filter(|n| !n.is_empty());
        println!(
            "  {}  level {} (pass {}): {}{}",
            time(&f["at"]),
            f["level"].as_i64().unwrap_or(0) + 1,
            f["pass"].as_i64().unwrap_or(0) + 1,
            if who.is_empty() {
                "nobody".to_string()
            } else {
                who.join(", ")
            },
            note.map(|n| format!(" ({n})")).unwrap_or_default()
        );
    }
    let rows: Vec<Vec<String>> = list(&p["notifications"])
        .iter()
        .map(|n| {
            vec![
                name_of(users, &n["user_id"]),
                text(&n["channel"]),
                time(&n["due_at"]),
                text(&n["status"]),
                text(&n["error"]),
            ]
        })
        .collect();
    println!("\nNotifications");
    if rows.is_empty() {
        println!("  none");
    } else {
        table(&["WHO", "CHANNEL", "DUE", "STATUS", "ERROR"], &rows);
    }
}
