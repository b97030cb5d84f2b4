//! `debrief oncall [--at TIME]`: who is on call in each schedule, and whom each service and
//! team pages first; and what the on-call commands share (times given on the command line,
//! names of users).

use super::incident::urlencode;
use super::output::{table, text, time};
use super::{Api, ClientArgs};
use anyhow::{Context, bail};
use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use reqwest::Method;
use serde_json::Value;
use std::collections::BTreeMap;

/// Arguments of `debrief oncall`.
#[derive(clap::Args)]
pub struct OncallArgs {
    #[command(flatten)]
    client: ClientArgs,
    /// The instant to ask about (default: now): RFC 3339 (2026-03-29T09:00:00Z), or a local
    /// date and time in this machine's zone (2026-03-29 09:00, or 2026-03-29 for its start).
    #[arg(long)]
    at: Option<String>,
}

/// Runs `debrief oncall`.
pub async fn run(args: OncallArgs) -> anyhow::Result<()> {
    let api = Api::new(&args.client)?;
    let path = match &args.at {
        Some(at) => format!("/on-call?at={}", query_instant("--at", at)?),
        None => "/on-call".to_string(),
    };
    let overview = api.call(Method::GET, &path, None).await?;
    if args.client.json {
        println!("{}", serde_json::to_string_pretty(&overview)?);
        return Ok(());
    }
    println!("On call at {}", time(&overview["at"]));
    let mut rows: Vec<Vec<String>> = Vec::new();
    for s in list(&overview["schedules"]) {
        rows.push(vec![
            "schedule".into(),
            text(&s["name"]),
            text(&s["team"]),
            "—".into(),
            person_or_nobody(&s["user"]),
        ]);
    }
    for (kind, key) in [("service", "services"), ("team", "teams")] {
        for s in list(&overview[key]) {
            let users: Vec<String> = list(&s["users"]).iter().map(person).collect();
            rows.push(vec![
                kind.into(),
                text(&s["slug"]),
                if kind == "team" {
                    text(&s["slug"])
                } else {
                    "—".into()
                },
                text(&s["policy"]),
                if users.is_empty() {
                    "nobody".into()
                } else {
                    users.join(", ")
                },
            ]);
        }
    }
    if rows.is_empty() {
        println!("No schedules, services or teams yet.");
    } else {
        table(&["KIND", "NAME", "TEAM", "POLICY", "ON CALL"], &rows);
    }
    Ok(())
}

/// The items of a JSON array (none when it is not one).
pub fn list(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or_default()
}

/// `Ada Admin <ada@example.com>` of a user object.
pub fn person(u: &Value) -> String {
    match u["email"].as_str().filter(|e| !e.is_empty()) {
        Some(email) => format!("{} <{email}>", text(&u["name"])),
        None => text(&u["name"]),
    }
}

/// [`person`], or `nobody` for `null`.
pub fn person_or_nobody(u: &Value) -> String {
    if u.is_null() {
        "nobody".into()
    } else {
        person(u)
    }
}

/// The server's users by id, to name the people in answers that only give ids.
pub async fn users_by_id(api: &Api) -> anyhow::Result<BTreeMap<i64, String>> {
    let users = api.call(Method::GET, "/users", None).await?;
    Ok(list(&users["items"])
        .iter()
        .filter_map(|u| Some((u["id"].as_i64()?, text(&u["name"]))))
        .collect())
}

/// The name of user `id`, or `user 7` when unknown.
pub fn name_of(users: &BTreeMap<i64, String>, id: &Value) -> String {
    match id.as_i64() {
        Some(i) => users
            .get(&i)
            .cloned()
            .unwrap_or_else(|| format!("user {i}")),
        None => text(id),
    }
}

/// Reads an instant given on the command line: RFC 3339 with an offset, or a local date and
/// time (`2026-03-29 09:00`, `2026-03-29T09:00:00`) or date (its start) in this machine's zone,
/// or `now`.
pub fn parse_instant(flag: &str, raw: &str) -> anyhow::Result<Timestamp> {
    let s = raw.trim();
    if s.eq_ignore_ascii_case("now") {
        return Ok(Timestamp::now());
    }
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(t);
    }
    let local = s.replacen(' ', "T", 1).parse::<DateTime>().or_else(|_| {
        s.parse::<Date>()
            .map(|d| d.to_datetime(jiff::civil::Time::midnight()))
    });
    if let Ok(local) = local {
        return local
            .to_zoned(TimeZone::system())
            .map(|z| z.timestamp())
            .with_context(|| format!("{flag} {raw}: not a time in this machine's zone"));
    }
    bail!(
        "{flag} '{raw}' is not a time: give 2026-03-29T09:00:00Z, 2026-03-29T11:00:00+02:00, or a local 2026-03-29 09:00 or 2026-03-29"
    )
}

/// [`parse_instant`], written for a query string.
pub fn query_instant(flag: &str, raw: &str) -> anyhow::Result<String> {
    Ok(urlencode(&parse_instant(flag, raw)?.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_are_read_with_an_offset_or_in_the_local_zone() {
        assert_eq!(
            parse_instant("--at", "2026-03-29T11:00:00+02:00")
                .map(|t| t.to_string())
                .ok(),
            Some("2026-03-29T09:00:00Z".to_string())
        );
        assert!(parse_instant("--at", "2026-03-29 09:00").is_ok());
        assert!(parse_instant("--from", "2026-03-29").is_ok());
        assert!(parse_instant("--at", "tomorrow-ish").is_err());
    }
}
