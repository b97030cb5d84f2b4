//! Building the on-call world through the API, as an admin would: users, teams, services,
//! 1,000 varied schedules, one busy schedule with 300 overrides, and a policy per service; and
//! the same schedules as `debrief-core` [`ScheduleSpec`]s for the in-process computation.
//!
//! Everything is made with a bounded number of concurrent requests ([`SETUP_CONCURRENCY`]), and
//! picked by a fixed-seed generator, so every run builds the same world.

use crate::client::{Call, Conn};
use crate::load::Rng;
use anyhow::{Context, Result, bail};
use bytes::Bytes;
use debrief_core::oncall::schedule::ScheduleSpec;
use hyper::{Method, StatusCode};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::task::JoinSet;

/// How many setup requests are in flight at once.
pub const SETUP_CONCURRENCY: usize = 8;
/// Users taking part in the schedules.
pub const USERS: usize = 100;
/// Ordinary schedules.
pub const SCHEDULES: usize = 1_000;
/// Overrides on the busy schedule.
pub const BUSY_OVERRIDES: usize = 300;
/// Days the busy schedule's overrides (and its measured final schedule) span.
pub const DAYS: i64 = 90;
/// Teams in the catalogue (the schedules and services belong to them).
pub const TEAMS: usize = 10;
/// Services, each with a policy paging two schedules and a user.
pub const SERVICES: usize = 30;

/// The zones the schedules are written in.
const ZONES: [&str; 4] = [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Kolkata",
];

/// What was built, and its `debrief-core` twin.
#[derive(Debug, Clone)]
pub struct World {
    /// Every schedule (the 1,000 and the busy one, last) as `debrief-core` reads it, with
    /// their overrides.
    pub specs: Vec<ScheduleSpec>,
    /// The busy schedule's id.
    pub busy: i64,
    /// The instant the measured requests ask about (`at`, and `from` of the final schedule).
    pub at: Timestamp,
    /// Layers across the schedules, restricted layers among them.
    pub layers: usize,
    /// Restricted layers.
    pub restricted: usize,
}

/// Sends `calls` (path and JSON body) with at most [`SETUP_CONCURRENCY`] in flight, each
/// expecting `expect`; returns the answers' JSON in the order of `calls`.
pub async fn send_many(
    addr: SocketAddr,
    token: &str,
    method: Method,
    expect: StatusCode,
    calls: Vec<(String, Value)>,
) -> Result<Vec<Value>> {
    let calls = Arc::new(calls);
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = JoinSet::new();
    for _ in 0..SETUP_CONCURRENCY.min(calls.len()) {
        let mut conn = Conn::open(addr, Some(token)).await?;
        let (calls, next, method) = (calls.clone(), next.clone(), method.clone());
        workers.spawn(async move {
            let mut out = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((path, body)) = calls.get(i) else {
                    return Ok::<_, anyhow::Error>(out);
                };
                let call = Call {
                    method: method.clone(),
                    path: path.clone(),
                    body: Bytes::from(body.to_string()),
                    expect,
                    ..Call::default()
                };
                let answer = conn.expect(&call).await?;
                let v: Value = serde_json::from_slice(&answer.body)
                    .with_context(|| format!("{method} {path} answered non-JSON"))?;
                out.push((i, v));
            }
        });
    }
    let mut all = Vec::with_capacity(calls.len());
    while let Some(done) = workers.join_next().await {
        all.extend(done.context("A setup worker panicked")??);
    }
    all.sort_by_key(|(i, _)| *i);
    Ok(all.into_iter().map(|(_, v)| v).collect())
}

/// POSTs each body to its path, expecting `201 Created`.
pub async fn post_many(
    addr: SocketAddr,
    token: &str,
    calls: Vec<(String, Value)>,
) -> Result<Vec<Value>> {
    send_many(addr, token, Method::POST, StatusCode::CREATED, calls).await
}

/// The `id` of an answer.
pub fn id(v: &Value) -> Result<i64> {
    v["id"]
        .as_i64()
        .with_context(|| format!("an answer without an id: {v}"))
}

/// Creates `n` responders named `prefix-k@example.com`; returns their ids.
pub async fn users(addr: SocketAddr, token: &str, prefix: &str, n: usize) -> Result<Vec<i64>> {
    let calls = (0..n)
        .map(|k| {
            let body = json!({"email": format!("{prefix}-{k}@example.com"),
                              "name": format!("Bench {prefix} {k}"), "role": "responder"});
            ("/api/v1/users".to_string(), body)
        })
        .collect();
    post_many(addr, token, calls)
        .await?
        .iter()
        .map(id)
        .collect()
}

/// A layer's start: a local wall-clock time some days into 2026.
fn local_start(rng: &mut Rng) -> String {
    let day = jiff::civil::date(2026, 1, 5)
        .checked_add(jiff::Span::new().days(rng.below(300) as i64))
        .unwrap_or(jiff::civil::date(2026, 1, 5));
    let hour = [0, 8, 9, 10, 17][rng.below(5) as usize];
    format!("{day}T{hour:02}:00:00")
}

fn restriction(rng: &mut Rng) -> Value {
    match rng.below(3) {
        0 => json!({"type": "daily", "start": "09:00", "end": "17:00"}),
        1 => json!({"type": "daily", "start": "18:00", "end": "08:00"}),
        _ => json!({"type": "weekly", "start_day": "friday", "start_time": "18:00",
                    "end_day": "monday", "end_time": "09:00"}),
    }
}

/// One of the 1,000: 1–3 layers of 3–8 participants, daily, weekly or hours:N; about a third
/// of the layers above the first are restricted. Participants are user ids.
fn ordinary(rng: &mut Rng, i: usize, users: &[i64]) -> Value {
    let layers: Vec<Value> = (0..1 + rng.below(3))
        .map(|n| {
            let size = 3 + rng.below(6) as usize;
            let first = rng.below(users.len() as u64) as usize;
            let participants: Vec<i64> = (0..size)
                .map(|k| users[(first + k * 7) % users.len()])
                .collect();
            let rotation = match rng.below(4) {
                0 => "daily".to_string(),
                1 => "weekly".to_string(),
                _ => format!("hours:{}", [8, 12, 24, 48][rng.below(4) as usize]),
            };
            let restrictions = if n > 0 && rng.below(3) == 0 {
                vec![restriction(rng)]
            } else {
                Vec::new()
            };
            json!({"participants": participants, "rotation": rotation,
                   "start": local_start(rng), "restrictions": restrictions})
        })
        .collect();
    json!({"name": format!("Schedule {i:04}"), "time_zone": ZONES[i % ZONES.len()],
           "team": format!("team-{}", i % TEAMS), "layers": layers})
}

/// The busy schedule: a weekly base, restricted nights on top, a restricted weekend layer.
fn busy(users: &[i64]) -> Value {
    let pick = |from: usize, n: usize| -> Vec<i64> { users[from..from + n].to_vec() };
    json!({"name": "Busy schedule", "time_zone": "Europe/Berlin", "team": "team-0",
           "layers": [
        {"participants": pick(0, 6), "rotation": "weekly", "start": "2026-01-05T09:00:00"},
        {"participants": pick(10, 8), "rotation": "daily", "start": "2026-01-05T18:00:00",
         "restrictions": [{"type": "daily", "start": "18:00", "end": "08:00"}]},
        {"participants": pick(20, 4), "rotation": "hours:12", "start": "2026-01-09T18:00:00",
         "restrictions": [{"type": "weekly", "start_day": "friday", "start_time": "18:00",
                           "end_day": "monday", "end_time": "09:00"}]},
    ]})
}

/// The busy schedule's overrides: one every 7.2 hours over [`DAYS`] days from `at`, each 1 to
/// 12 hours long (so some overlap), each putting one of the 100 users on call.
fn overrides(rng: &mut Rng, at: Timestamp, users: &[i64]) -> Vec<Value> {
    let step = SignedDuration::from_hours(24 * DAYS) / BUSY_OVERRIDES as i32;
    (0..BUSY_OVERRIDES)
        .map(|k| {
            let start = at + step * k as i32 + SignedDuration::from_mins(rng.below(60) as i64);
            let end = start + SignedDuration::from_hours(1 + rng.below(12) as i64);
            let user = users[rng.below(users.len() as u64) as usize];
            json!({"user": user, "start": start.to_string(), "end": end.to_string()})
        })
        .collect()
}

/// The `debrief-core` spec of a schedule as submitted (participant ids as text, as Debrief
/// stores them) with `overrides`.
fn spec(body: &Value, overrides: &[Value]) -> Result<ScheduleSpec> {
    let mut v = body.clone();
    if let Some(o) = v.as_object_mut() {
        o.remove("team");
    }
    for layer in v["layers"].as_array_mut().into_iter().flatten() {
        let ids: Vec<String> = layer["participants"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| p.to_string())
            .collect();
        layer["participants"] = json!(ids);
    }
    v["overrides"] = overrides
        .iter()
        .map(|o| json!({"user": o["user"].to_string(), "start": o["start"], "end": o["end"]}))
        .collect();
    serde_json::from_value(v).context("A schedule the core library cannot read")
}

/// Builds everything through the API with the admin `token`.
pub async fn build(addr: SocketAddr, token: &str) -> Result<World> {
    let users = users(addr, token, "oncall", USERS).await?;
    let teams = (0..TEAMS)
        .map(|t| {
            let body = json!({"slug": format!("team-{t}"), "name": format!("Team {t}")});
            ("/api/v1/teams".to_string(), body)
        })
        .collect();
    post_many(addr, token, teams).await?;
    let services = (0..SERVICES)
        .map(|s| {
            let body = json!({"slug": format!("svc-{s}"), "name": format!("Service {s}"),
                              "team": format!("team-{}", s % TEAMS)});
            ("/api/v1/services".to_string(), body)
        })
        .collect();
    post_many(addr, token, services).await?;

    let mut rng = Rng::new(12);
    let mut bodies: Vec<Value> = (0..SCHEDULES)
        .map(|i| ordinary(&mut rng, i, &users))
        .collect();
    bodies.push(busy(&users));
    let calls = bodies
        .iter()
        .map(|b| ("/api/v1/schedules".to_string(), b.clone()))
        .collect();
    let ids: Vec<i64> = post_many(addr, token, calls)
        .await?
        .iter()
        .map(id)
        .collect::<Result<_>>()?;
    let busy_id = *ids.last().context("no schedule made")?;

    // A minute ahead, so every override still ends in the future when it is made.
    let at = Timestamp::from_second(Timestamp::now().as_second() + 60)?;
    let made = overrides(&mut rng, at, &users);
    let calls = made
        .iter()
        .map(|o| (format!("/api/v1/schedules/{busy_id}/overrides"), o.clone()))
        .collect();
    post_many(addr, token, calls).await?;

    let policies = (0..SERVICES)
        .map(|s| {
            let a = ids[(s * 31) % SCHEDULES];
            let b = ids[(s * 31 + 7) % SCHEDULES];
            let body = json!({"name": format!("Service {s} policy"), "levels": [
                {"targets": [{"type": "schedule", "id": a}, {"type": "schedule", "id": b},
                             {"type": "user", "id": users[s % USERS]}], "delay_minutes": 10},
                {"targets": [{"type": "schedule", "id": busy_id}], "delay_minutes": 10}]});
            ("/api/v1/escalation-policies".to_string(), body)
        })
        .collect();
    let policies = post_many(addr, token, policies).await?;
    let puts = policies
        .iter()
        .enumerate()
        .map(|(s, p)| {
            Ok((
                format!("/api/v1/services/svc-{s}/escalation-policy"),
                json!({"policy_id": id(p)?}),
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    send_many(addr, token, Method::PUT, StatusCode::OK, puts).await?;

    let mut specs = Vec::with_capacity(bodies.len());
    for (n, b) in bodies.iter().enumerate() {
        let o: &[Value] = if n == SCHEDULES { &made } else { &[] };
        specs.push(spec(b, o)?);
    }
    let layers = specs.iter().map(|s| s.layers.len()).sum();
    let restricted = specs
        .iter()
        .flat_map(|s| &s.layers)
        .filter(|l| !l.restrictions.is_empty())
        .count();
    if specs.len() != SCHEDULES + 1 {
        bail!("built {} schedules, not {}", specs.len(), SCHEDULES + 1);
    }
    Ok(World {
        specs,
        busy: busy_id,
        at,
        layers,
        restricted,
    })
}

/// The path of the final schedule measured: the busy one over [`DAYS`] days from `at`.
pub fn final_path(world: &World) -> String {
    let to = world.at + SignedDuration::from_hours(24 * DAYS);
    format!(
        "/api/v1/schedules/{}/final?from={}&to={to}",
        world.busy, world.at
    )
}

/// The path of who is on call at `at`.
pub fn on_call_path(world: &World) -> String {
    format!("/api/v1/on-call?at={}", world.at)
}
