//! `debrief incident declare|list|show|update|resolve`.

use super::output::{duration, table, text, time};
use super::{Api, ClientArgs};
use reqwest::Method;
use serde_json::{Map, Value, json};

/// Incident commands.
#[derive(clap::Subcommand)]
pub enum IncidentCommand {
    /// Declare an incident.
    Declare {
        #[command(flatten)]
        client: ClientArgs,
        /// What is happening.
        #[arg(long)]
        title: String,
        /// Severity key, e.g. SEV2.
        #[arg(long)]
        severity: Option<String>,
        /// More detail.
        #[arg(long)]
        summary: Option<String>,
        /// Incident type, e.g. failed_deployment.
        #[arg(long = "type")]
        incident_type: Option<String>,
        /// Affected service (repeat for several).
        #[arg(long = "service")]
        services: Vec<String>,
        /// Customers are affected.
        #[arg(long)]
        customer_impact: bool,
        /// Visible only to participants and admins.
        #[arg(long)]
        private: bool,
        /// When impact began (RFC 3339), if earlier than now.
        #[arg(long)]
        started_at: Option<String>,
    },
    /// List incidents, newest first.
    List {
        #[command(flatten)]
        client: ClientArgs,
        /// Status filter (comma-separated).
        #[arg(long)]
        status: Option<String>,
        /// Severity filter (comma-separated).
        #[arg(long)]
        severity: Option<String>,
        /// Service filter.
        #[arg(long)]
        service: Option<String>,
        /// Text in the title or summary.
        #[arg(long, short)]
        query: Option<String>,
        /// How many.
        #[arg(long, default_value = "50")]
        limit: u32,
    },
    /// Show an incident with its key timestamps and metrics.
    Show {
        #[command(flatten)]
        client: ClientArgs,
        /// Reference, e.g. INC-42.
        reference: String,
    },
    /// Change an incident's fields or status.
    Update {
        #[command(flatten)]
        client: ClientArgs,
        /// Reference, e.g. INC-42.
        reference: String,
        /// New title.
        #[arg(long)]
        title: Option<String>,
        /// New severity.
        #[arg(long)]
        severity: Option<String>,
        /// New summary.
        #[arg(long)]
        summary: Option<String>,
        /// New status (a lifecycle transition).
        #[arg(long)]
        status: Option<String>,
        /// A note for the status change.
        #[arg(long)]
        message: Option<String>,
    },
    /// Resolve an incident.
    Resolve {
        #[command(flatten)]
        client: ClientArgs,
        /// Reference, e.g. INC-42.
        reference: String,
        /// A note for the timeline.
        #[arg(long)]
        message: Option<String>,
        /// When it was resolved (RFC 3339), if earlier than now.
        #[arg(long)]
        at: Option<String>,
    },
}

fn put(map: &mut Map<String, Value>, key: &str, v: Option<String>) {
    if let Some(v) = v {
        map.insert(key.into(), json!(v));
    }
}

/// Prints one incident.
fn print_incident(i: &Value) {
    println!("{}  {}", text(&i["reference"]), text(&i["title"]));
    println!("  status     {}", text(&i["status"]));
    println!("  severity   {}", text(&i["severity"]));
    println!("  type       {}", text(&i["type"]));
    let services: Vec<String> = i["services"]
        .as_array()
        .map(|a| a.iter().map(text).collect())
        .unwrap_or_default();
    println!(
        "  services   {}",
        if services.is_empty() {
            "—".into()
        } else {
            services.join(", ")
        }
    );
    println!("  declared   {}", time(&i["declared_at"]));
    if let Some(roles) = i["roles"].as_array() {
        for r in roles {
            println!(
                "  {:<10} {} <{}>",
                text(&r["role"]),
                text(&r["user_name"]),
                text(&r["user_email"])
            );
        }
    }
    if i["private"].as_bool() == Some(true) {
        println!("  private    yes");
    }
}

/// Runs an incident command.
pub async fn run(cmd: IncidentCommand) -> anyhow::Result<()> {
    match cmd {
        IncidentCommand::Declare {
            client,
            title,
            severity,
            summary,
            incident_type,
            services,
            customer_impact,
            private,
            started_at,
        } => {
            let api = Api::new(&client)?;
            let mut body = Map::new();
            body.insert("title".into(), json!(title));
            put(&mut body, "severity", severity);
            put(&mut body, "summary", summary);
            put(&mut body, "type", incident_type);
            put(&mut body, "started_at", started_at);
            body.insert("services".into(), json!(services));
            body.insert("customer_impact".into(), json!(customer_impact));
            body.insert("private".into(), json!(private));
            let i = api
                .call(Method::POST, "/incidents", Some(&Value::Object(body)))
                .await?;
            if client.json {
                println!("{}", serde_json::to_string_pretty(&i)?);
            } else {
                println!(
                    "Declared {} ({}): {}",
                    text(&i["reference"]),
                    text(&i["severity"]),
                    text(&i["title"])
                );
            }
        }
        IncidentCommand::List {
            client,
            status,
            severity,
            service,
            query,
            limit,
        } => {
            let api = Api::new(&client)?;
            let mut q: Vec<(String, String)> =
                vec![("limit".into(), limit.clamp(1, 200).to_string())];
            for (k, v) in [
                ("status", status),
                ("severity", severity),
                ("service", service),
                ("q", query),
            ] {
                if let Some(v) = v {
                    q.push((k.into(), v));
                }
            }
            let qs: Vec<String> = q
                .iter()
                .map(|(k, v)| format!("{k}={}", urlencode(v)))
                .collect();
            let page = api
                .call(Method::GET, &format!("/incidents?{}", qs.join("&")), None)
                .await?;
            if client.json {
                println!("{}", serde_json::to_string_pretty(&page["items"])?);
                return Ok(());
            }
            let rows: Vec<Vec<String>> = page["items"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|i| {
                            let commander = i["roles"]
                                .as_array()
                                .and_then(|r| r.iter().find(|r| r["role"] == "commander"))
                                .map(|r| text(&r["user_name"]))
                                .unwrap_or_else(|| "—".into());
                            vec![
                                text(&i["reference"]),
                                text(&i["severity"]),
                                text(&i["status"]),
                                text(&i["title"]),
                                commander,
                                time(&i["declared_at"]),
                            ]
                        })
                        .collect()
                })
                .unwrap_or_default();
            if rows.is_empty() {
                println!("No incidents match.");
            } else {
                table(
                    &["REF", "SEV", "STATUS", "TITLE", "COMMANDER", "DECLARED"],
                    &rows,
                );
            }
        }
        IncidentCommand::Show { client, reference } => {
            let api = Api::new(&client)?;
            let r = urlencode(&reference);
            let i = api
                .call(Method::GET, &format!("/incidents/{r}"), None)
                .await?;
            let m = api
                .call(Method::GET, &format!("/incidents/{r}/metrics"), None)
                .await?;
            if client.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&json!({"incident": i, "metrics": m}))?
                );
                return Ok(());
            }
            print_incident(&i);
            println!("\nKey timestamps");
            let ts = &m["timestamps"];
            for f in [
                "started_at",
                "detected_at",
                "acknowledged_at",
                "first_comms_at",
                "first_external_comms_at",
                "mitigated_at",
                "resolved_at",
                "closed_at",
            ] {
                let origin = ts["origins"][f].as_str().unwrap_or("derived");
                let note = if origin == "derived" {
                    String::new()
                } else {
                    format!("  ({origin})")
                };
                println!("  {f:<24} {}{note}", time(&ts[f]));
            }
            println!("\nMetrics");
            let mm = &m["metrics"];
            for d in debrief_core::metrics::DEFINITIONS {
                let contradiction = mm["contradictions"]
                    .as_array()
                    .and_then(|cs| cs.iter().find(|c| c["metric"] == d.metric))
                    .and_then(|c| c["message"].as_str());
                let value = match contradiction {
                    Some(why) => format!("not measured: {why}"),
                    None if d.unit == "minutes" => {
                        duration(&json!(mm[d.metric].as_f64().map(|v| v * 60.0)))
                    }
                    None => duration(&mm[d.metric]),
                };
                println!(
                    "  {:<24} {value:<12} ({})",
                    d.label.to_lowercase(),
                    d.how_measured
                );
            }
        }
        IncidentCommand::Update {
            client,
            reference,
            title,
            severity,
            summary,
            status,
            message,
        } => {
            let api = Api::new(&client)?;
            let r = urlencode(&reference);
            let mut body = Map::new();
            put(&mut body, "title", title);
            put(&mut body, "severity", severity);
            put(&mut body, "summary", summary);
            let mut incident = Value::Null;
            if !body.is_empty() {
                incident = api
                    .call(
                        Method::PATCH,
                        &format!("/incidents/{r}"),
                        Some(&Value::Object(body)),
                    )
                    .await?;
            }
            if let Some(to) = status {
                let mut t = Map::new();
                t.insert("to".into(), json!(to));
                put(&mut t, "message", message);
                incident = api
                    .call(
                        Method::POST,
                        &format!("/incidents/{r}/transitions"),
                        Some(&Value::Object(t)),
                    )
                    .await?;
            }
            if incident.is_null() {
                anyhow::bail!("nothing to change: give --title, --severity, --summary or --status");
            }
            if client.json {
                println!("{}", serde_json::to_string_pretty(&incident)?);
            } else {
                print_incident(&incident);
            }
        }
        IncidentCommand::Resolve {
            client,
            reference,
            message,
            at,
        } => {
            let api = Api::new(&client)?;
            let mut t = Map::new();
            t.insert("to".into(), json!("resolved"));
            put(&mut t, "message", message);
            put(&mut t, "at", at);
            let i = api
                .call(
                    Method::POST,
                    &format!("/incidents/{}/transitions", urlencode(&reference)),
                    Some(&Value::Object(t)),
                )
                .await?;
            if client.json {
                println!("{}", serde_json::to_string_pretty(&i)?);
            } else {
                println!("Resolved {}: {}", text(&i["reference"]), text(&i["title"]));
            }
        }
    }
    Ok(())
}

/// Percent-encodes a query or path value.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
