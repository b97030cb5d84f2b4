//! `debrief schedule list|show|override` and `debrief policy list|preview`: on-call schedules
//! (final schedules, overrides) and escalation policies (what a page would do).

use super::oncall::{list, name_of, parse_instant, person_or_nobody, query_instant, users_by_id};
use super::output::{table, text, time};
use super::{Api, ClientArgs};
use reqwest::Method;
use serde_json::{Map, Value, json};

/// Schedule commands.
#[derive(clap::Subcommand)]
pub enum ScheduleCommand {
    /// List schedules with who is on call now.
    List {
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Show a schedule's final schedule: who is on call when, overrides included.
    Show {
        #[command(flatten)]
        client: ClientArgs,
        /// The schedule's number.
        id: i64,
        /// From (default: now); RFC 3339, or a local date and time.
        #[arg(long)]
        from: Option<String>,
        /// To (default: 7 days after --from); RFC 3339, or a local date and time.
        #[arg(long)]
        to: Option<String>,
    },
    /// Put someone on call in a schedule over a stretch (an override).
    Override {
        #[command(flatten)]
        client: ClientArgs,
        /// The schedule's number.
        id: i64,
        /// Who is on call (e-mail address or id).
        #[arg(long)]
        user: String,
        /// First instant; RFC 3339, or a local date and time.
        #[arg(long)]
        start: String,
        /// First instant after; RFC 3339, or a local date and time.
        #[arg(long)]
        end: String,
        /// Why.
        #[arg(long)]
        note: Option<String>,
    },
}

/// Escalation policy commands.
#[derive(clap::Subcommand)]
pub enum PolicyCommand {
    /// List escalation policies.
    List {
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Show what a page opened with a policy would do: each level, whom it notifies, how and
    /// when, until it is acknowledged.
    Preview {
        #[command(flatten)]
        client: ClientArgs,
        /// The policy's number.
        id: i64,
        /// When the page opens (default: now); RFC 3339, or a local date and time.
        #[arg(long)]
        opened_at: Option<String>,
        /// When it is acknowledged (default: never); RFC 3339, or a local date and time.
        #[arg(long)]
        ack_at: Option<String>,
    },
}

/// Runs a schedule command.
pub async fn run(cmd: ScheduleCommand) -> anyhow::Result<()> {
    match cmd {
        ScheduleCommand::List { client } => {
            let all = Api::new(&client)?
                .call(Method::GET, "/schedules", None)
                .await?;
            if client.json {
                println!("{}", serde_json::to_string_pretty(&all["items"])?);
                return Ok(());
            }
            let rows: Vec<Vec<String>> = list(&all["items"])
                .iter()
                .map(|s| {
                    vec![
                        text(&s["id"]),
                        text(&s["name"]),
                        text(&s["time_zone"]),
                        text(&s["team"]),
                        person_or_nobody(&s["on_call_now"]),
                        list(&s["gaps_next_two_weeks"]).len().to_string(),
                    ]
                })
                .collect();
            if rows.is_empty() {
                println!("No schedules yet.");
            } else {
                table(
                    &[
                        "ID",
                        "NAME",
                        "ZONE",
                        "TEAM",
                        "ON CALL NOW",
                        "GAPS (2 WEEKS)",
                    ],
                    &rows,
                );
            }
        }
        ScheduleCommand::Show {
            client,
            id,
            from,
            to,
        } => {
            let api = Api::new(&client)?;
            let mut q = Vec::new();
            if let Some(f) = from {
                q.push(format!("from={}", query_instant("--from", &f)?));
            }
            if let Some(t) = to {
                q.push(format!("to={}", query_instant("--to", &t)?));
            }
            let path = match q.is_empty() {
                true => format!("/schedules/{id}/final"),
                false => format!("/schedules/{id}/final?{}", q.join("&")),
            };
            let fin = api.call(Method::GET, &path, None).await?;
            if client.json {
                println!("{}", serde_json::to_string_pretty(&fin)?);
                return Ok(());
            }
            let s = api
                .call(Method::GET, &format!("/schedules/{id}"), None)
                .await?;
            print_final(&s, &fin, &users_by_id(&api).await?);
        }
        ScheduleCommand::Override {
            client,
            id,
            user,
            start,
            end,
            note,
        } => {
            let mut body = Map::new();
            body.insert("user".into(), json!(user));
            body.insert(
                "start".into(),
                json!(parse_instant("--start", &start)?.to_string()),
            );
            body.insert(
                "end".into(),
                json!(parse_instant("--end", &end)?.to_string()),
            );
            if let Some(n) = note {
                body.insert("note".into(), json!(n));
            }
            let api = Api::new(&client)?;
            let o = api
                .call(
                    Method::POST,
                    &format!("/schedules/{id}/overrides"),
                    Some(&Value::Object(body)),
                )
                .await?;
            if client.json {
                println!("{}", serde_json::to_string_pretty(&o)?);
            } else {
                let users = users_by_id(&api).await?;
                println!(
                    "Added override {} to schedule {id}: {} is on call from {} to {}.",
                    text(&o["id"]),
                    name_of(&users, &o["user_id"]),
                    time(&o["start"]),
                    time(&o["end"])
                );
            }
        }
    }
    Ok(())
}

/// Prints a schedule's final schedule, its gaps and its overrides.
fn print_final(s: &Value, fin: &Value, users: &std::collections::BTreeMap<i64, String>) {
    println!(
        "Schedule {}  {} ({}{})",
        text(&s["id"]),
        text(&s["name"]),
        text(&s["time_zone"]),
        s["team"]
            .as_str()
            .map(|t| format!(", team {t}"))
            .unwrap_or_default()
    );
    println!("  on call now  {}", person_or_nobody(&s["on_call_now"]));
    println!("  from         {}", time(&fin["from"]));
    println!("  to           {}", time(&fin["to"]));
    println!();
    let rows: Vec<Vec<String>> = list(&fin["entries"])
        .iter()
        .map(|e| {
            vec![
                time(&e["start"]),
                time(&e["end"]),
                match e["user"].is_null() {
                    true => name_of(users, &e["user_id"]),
                    false => person_or_nobody(&e["user"]),
                },
            ]
        })
        .collect();
    if rows.is_empty() {
        println!("Nobody is on call in this range.");
    } else {
        table(&["START", "END", "ON CALL"], &rows);
    }
    let gaps = list(&fin["gaps"]);
    if !gaps.is_empty() {
        println!("\nNobody on call");
        for g in gaps {
            println!("  {} to {}", time(&g["start"]), time(&g["end"]));
        }
    }
    let overrides = list(&fin["overrides"]);
    if !overrides.is_empty() {
        println!("\nOverrides");
        for o in overrides {
            let note = o["note"].as_str().filter(|n| !n.is_empty());
            println!(
                "  {}  {} to {}: {} ({}){}",
                text(&o["id"]),
                time(&o["start"]),
                time(&o["end"]),
                name_of(users, &o["user_id"]),
                text(&o["kind"]),
                note.map(|n| format!(": {n}")).unwrap_or_default()
            );
        }
    }
}

/// Runs an escalation policy command.
pub async fn run_policy(cmd: PolicyCommand) -> anyhow::Result<()> {
    match cmd {
        PolicyCommand::List { client } => {
            let all = Api::new(&client)?
                .call(Method::GET, "/escalation-policies", None)
                .await?;
            if client.json {
                println!("{}", serde_json::to_string_pretty(&all["items"])?);
                return Ok(());
            }
            let rows: Vec<Vec<String>> = list(&all["items"])
                .iter()
                .map(|p| {
                    let services: Vec<String> = list(&p["services"]).iter().map(text).collect();
                    vec![
                        text(&p["id"]),
                        text(&p["name"]),
                        text(&p["team"]),
                        list(&p["levels"]).len().to_string(),
                        text(&p["repeat"]),
                        services.join(", "),
                        list(&p["warnings"]).len().to_string(),
                    ]
                })
                .collect();
            if rows.is_empty() {
                println!("No escalation policies yet.");
            } else {
                table(
                    &[
                        "ID", "NAME", "TEAM", "LEVELS", "REPEAT", "SERVICES", "WARNINGS",
                    ],
                    &rows,
                );
            }
        }
        PolicyCommand::Preview {
            client,
            id,
            opened_at,
            ack_at,
        } => {
            let mut body = Map::new();
            for (k, flag, v) in [
                ("opened_at", "--opened-at", opened_at),
                ("acknowledged_at", "--ack-at", ack_at),
            ] {
                if let Some(v) = v {
                    body.insert(k.into(), json!(parse_instant(flag, &v)?.to_string()));
                }
            }
            let api = Api::new(&client)?;
            let preview = api
                .call(
                    Method::POST,
                    &format!("/escalation-policies/{id}/preview"),
                    Some(&Value::Object(body)),
                )
                .await?;
            if client.json {
                println!("{}", serde_json::to_string_pretty(&preview)?);
            } else {
                print_preview(&preview, &users_by_id(&api).await?);
            }
        }
    }
    Ok(())
}

/// Prints each level firing of a preview, whom it notifies and each contact.
fn print_preview(preview: &Value, users: &std::collections::BTreeMap<i64, String>) {
    let firings = list(&preview["firings"]);
    if firings.is_empty() {
        println!("Nothing fires: the page is acknowledged before its first level.");
        return;
    }
    let mut rows = Vec::new();
    for f in firings {
        let who: Vec<String> = list(&f["users"])
            .iter()
            .map(|u| name_of(users, u))
            .collect();
        rows.push(vec![
            time(&f["at"]),
            format!(
                "{} (pass {})",
                f["level"].as_i64().unwrap_or(0) + 1,
                f["pass"].as_i64().unwrap_or(0) + 1
            ),
            if who.is_empty() {
                "nobody".into()
            } else {
                who.join(", ")
            },
            list(&f["notes"])
                .iter()
                .map(text)
                .collect::<Vec<_>>()
                .join("; "),
        ]);
        for c in list(&f["contacts"]) {
            rows.push(vec![
                format!("  {}", time(&c["at"])),
                String::new(),
                format!(
                    "  {} by {}",
                    name_of(users, &c["user_id"]),
                    text(&c["channel"])
                ),
                String::new(),
            ]);
        }
    }
    table(&["WHEN", "LEVEL", "NOTIFIES", "NOTES"], &rows);
}
