//! The storage baseline: each scenario's database work sent straight through the driver, with no
//! HTTP and no Debrief code, at the same concurrency and right before the Debrief run. The gap
//! between it and Debrief is what the server adds on top of the database (parsing, auth,
//! validation, JSON, logging, the pool); its own figures are the most the database gives.
//!
//! The statements are the ones Debrief sends, copied here as text:
//! - PostgreSQL (sqlx, one `PgConnection` per worker, on a 2-thread runtime like `debrief serve`):
//!   a declaration is one statement with data-modifying CTEs (number, incident, participant,
//!   commander role, `declared` and `role_change` events); a timeline event is the visibility
//!   read then one statement (event and participant); get is the row then its roles; a list page
//!   is one statement whose rows bring their roles as JSON.
//! - SQLite (rusqlite, one thread per worker): writes share one writer connection in WAL mode
//!   with `synchronous=NORMAL` behind a mutex, one statement per row in a `BEGIN IMMEDIATE`
//!   transaction, with automatic checkpoints off and a checkpoint every 500 ms on another
//!   connection (as Debrief's writer does); reads use one connection per worker.
//!
//! If Debrief's SQL changes, change these copies with it.

use crate::database::{Backend, BenchDb, EMAIL};
use crate::load::{Plan, Rng, Scenario};
use crate::stats::{Latencies, RunFigures, ServerUse, Tally};
mod postgres;
mod search;
mod sqlite;

use anyhow::{Context, Result};
use sqlx::{AssertSqlSafe, Connection, PgConnection};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The bench user, as the visibility rule sees it.
#[derive(Debug, Clone)]
pub struct Storage {
    backend: Backend,
    url: String,
    user_id: i64,
    user_name: String,
    integration_id: i64,
}

const VISIBLE: &str = "(i.private = 0 OR $2 = 1 OR (SELECT 1 FROM incident_participants p \
     WHERE p.incident_id = i.id AND p.user_id = $1) = 1)";

const COLUMNS: &str = "i.id, i.title, i.summary, i.severity, i.status, i.incident_type, i.services, \
     i.customer_impact, i.private, i.started_at, i.declared_at, i.declared_by, i.merged_into, i.version, i.updated_at, \
     i.roles";

/// Debrief's PostgreSQL declaration (`crates/store/src/postgres.rs`, `DECLARE_INCIDENT`).
const PG_DECLARE: &str = "WITH n AS (SELECT nextval('incident_number') AS id), \
     inc AS (INSERT INTO incidents (id, title, summary, severity, status, incident_type, services, \
         customer_impact, private, started_at, declared_at, declared_by, merged_into, version, updated_at, search, roles) \
         SELECT n.id, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, 1, $10, $12, $17 FROM n RETURNING id), \
     svc AS (INSERT INTO incident_services (incident_id, service) \
         SELECT inc.id, s.value FROM inc, json_array_elements_text($6::json) s), \
     par AS (INSERT INTO incident_participants (incident_id, user_id) \
         SELECT DISTINCT inc.id, p.u FROM inc, (VALUES ($11::bigint), ($13::bigint)) p(u) WHERE p.u IS NOT NULL), \
     rol AS (INSERT INTO incident_roles (incident_id, role, user_id, assigned_at) \
         SELECT inc.id, $14, $15, $10 FROM inc WHERE $15::bigint IS NOT NULL), \
     ev AS (INSERT INTO timeline_events (incident_id, kind, at, source, author_id, body, links, data, \
         starred, revision, created_at) \
         SELECT inc.id, e.kind, e.at, e.source, e.author_id, e.body, e.links, e.data, e.starred, 1, e.created_at \
         FROM inc, json_to_recordset($16::json) AS e(i bigint, kind text, at bigint, source text, author_id bigint, \
         body text, links text, data text, starred bigint, created_at bigint) ORDER BY e.i RETURNING id) \
     SELECT inc.id, ev.id FROM inc, ev ORDER BY ev.id";

/// Debrief's PostgreSQL timeline insert (`ADD_EVENTS`).
const PG_ADD_EVENTS: &str = "WITH inc AS (SELECT id FROM incidents WHERE id = $1), \
     ev AS (INSERT INTO timeline_events (incident_id, kind, at, source, author_id, body, links, data, \
         starred, revision, created_at) \
         SELECT inc.id, e.kind, e.at, e.source, e.author_id, e.body, e.links, e.data, e.starred, 1, e.created_at \
         FROM inc, json_to_recordset($2::json) AS e(i bigint, kind text, at bigint, source text, author_id bigint, \
         body text, links text, data text, starred bigint, created_at bigint) ORDER BY e.i RETURNING id), \
     par AS (INSERT INTO incident_participants (incident_id, user_id) \
         SELECT DISTINCT inc.id, e.author_id FROM inc, json_to_recordset($2::json) AS e(author_id bigint) \
         WHERE e.author_id IS NOT NULL ON CONFLICT (incident_id, user_id) DO NOTHING) \
     SELECT inc.id, ev.id FROM inc LEFT JOIN ev ON true ORDER BY ev.id";

const LITE_NEXT: &str =
    "UPDATE counters SET value = value + 1 WHERE name = 'incident' RETURNING value";
const LITE_INCIDENT: &str = "INSERT INTO incidents (id, title, summary, severity, status, incident_type, services, \
     customer_impact, private, started_at, declared_at, declared_by, merged_into, version, updated_at, search, roles) \
     VALUES (?1, ?2, NULL, 'SEV2', 'triage', 'default', '[]', 0, 0, NULL, ?3, ?4, NULL, 1, ?3, ?5, ?6)";
const LITE_PARTICIPANT: &str = "INSERT INTO incident_participants (incident_id, user_id) VALUES (?1, ?2) \
     ON CONFLICT (incident_id, user_id) DO NOTHING";
const LITE_ROLE: &str =
    "INSERT INTO incident_roles (incident_id, role, user_id, assigned_at) VALUES (?1, ?2, ?3, ?4)";
const LITE_EVENT: &str = "INSERT INTO timeline_events (incident_id, kind, at, source, author_id, body, links, data, \
     starred, revision, created_at) VALUES (?1, ?2, ?3, 'api', ?4, ?5, '[]', ?6, 0, 1, ?3) RETURNING id";

/// Debrief's alert upsert (`crates/store/src/alert/mod.rs`): one open alert per dedup key, a
/// repeat adds to its count. `$1` integration, `$2` dedup key, `$3` summary, `$4` details,
/// `$5` payload, `$6` now.
const ALERT_UPSERT: &str = "INSERT INTO alerts (integration_id, service, dedup_key, group_key, status, severity, \
     summary, source, details, payload, count, started_at, first_seen_at, last_seen_at, updated_at) \
     VALUES ($1, 'bench', $2, $2, 'triggered', 'warning', $3, 'db-1', $4, $5, 1, $6, $6, $6, $6) \
     ON CONFLICT (integration_id, dedup_key) WHERE status <> 'resolved' DO UPDATE SET \
     count = alerts.count + 1, last_seen_at = excluded.last_seen_at, \
     payload = excluded.payload, updated_at = excluded.updated_at RETURNING id, count";

/// The routing job a new alert queues with it (`$1` dedupe key, `$2` payload, `$3` now).
const ALERT_JOB: &str = "INSERT INTO jobs (kind, dedupe_key, payload, status, attempts, max_attempts, run_at, \
     created_at, updated_at) VALUES ('alert.route', $1, $2, 'queued', 0, 5, $3, $3, $3) \
     ON CONFLICT (dedupe_key) DO NOTHING RETURNING id";

/// What Debrief stores of an alert event: its details and its body.
fn alert_parts(key: &str) -> (String, String, String) {
    let event = crate::load::alert_event(key);
    let summary = event["payload"]["summary"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let details = serde_json::json!({"description": null, "details": event["payload"]["custom_details"],
        "labels": {}, "links": [], "images": [], "component": null, "group": null, "class": null,
        "client": null, "client_url": null});
    (summary, details.to_string(), event.to_string())
}

/// The page size of `load::LIST_QUERY`.
const LIST_LIMIT: usize = 50;

/// The read statement of a scenario (for a timeline event, the visibility check), in `$N`
/// (PostgreSQL) or `?N` (SQLite) form. Each incident row carries its roles (`i.roles`).
fn read_sql(scenario: Scenario, backend: Backend) -> Arc<str> {
    let rows = match scenario {
        Scenario::Search => search::sql(Backend::Postgres),
        _ => read_sql_pg(scenario),
    };
    if scenario == Scenario::Search && backend == Backend::Sqlite {
        return search::sql(Backend::Sqlite).replace('$', "?").into();
    }
    match backend {
        Backend::Postgres => rows.into(),
        // `?N` binds by position on SQLite, whatever order the numbers first appear in.
        Backend::Sqlite => rows.replace('$', "?").into(),
    }
}

fn read_sql_pg(scenario: Scenario) -> String {
    match scenario {
        Scenario::List => format!(
            "SELECT {COLUMNS} FROM incidents i WHERE {VISIBLE} AND i.status IN ($3) AND i.severity IN ($4) \
             ORDER BY i.id DESC LIMIT {LIST_LIMIT}"
        ),
        Scenario::Get => format!("SELECT {COLUMNS} FROM incidents i WHERE i.id = $3 AND {VISIBLE}"),
        _ => format!("SELECT i.private FROM incidents i WHERE i.id = $3 AND {VISIBLE}"),
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A worker's share of a run, then all of them merged.
#[derive(Default)]
struct Part {
    latencies: Latencies,
    tally: Tally,
}

impl Part {
    fn record(&mut self, t0: Instant, outcome: Result<()>) {
        match outcome {
            Ok(()) => self.latencies.record(t0.elapsed()),
            Err(e) => {
                self.tally.errors += 1;
                self.tally
                    .first_error
                    .get_or_insert_with(|| format!("{e:#}"));
            }
        }
    }

    fn figures(parts: Vec<Part>, elapsed: Duration) -> RunFigures {
        let mut latencies = Latencies::default();
        let mut tally = Tally::default();
        for p in parts {
            latencies.merge(p.latencies);
            tally.merge(p.tally);
        }
        RunFigures::from_samples(latencies, tally, elapsed, ServerUse::default())
    }
}

/// Hands out request numbers until the budget or the time cap is spent.
struct Budget {
    sent: AtomicU64,
    requests: u64,
    deadline: Instant,
}

impl Budget {
    fn next(&self) -> Option<u64> {
        if Instant::now() >= self.deadline {
            return None;
        }
        let n = self.sent.fetch_add(1, Ordering::Relaxed);
        (n < self.requests).then_some(n)
    }
}

impl Storage {
    /// The bench integration's id (see `seed::integration_sql`).
    fn integration_id(&self) -> i64 {
        self.integration_id
    }

    /// Looks up the bench user in a seeded database.
    pub async fn open(db: &BenchDb) -> Result<Self> {
        const USER: &str = "SELECT u.id, u.name, (SELECT i.id FROM integrations i WHERE i.service = 'bench') \
             FROM users u WHERE u.email = $1";
        let (user_id, user_name, integration_id): (i64, String, i64) = match db
            .url
            .strip_prefix("sqlite://")
        {
            Some(path) => rusqlite::Connection::open(path)
                .and_then(|c| c.query_row(USER, [EMAIL], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))))
                .context("Failed to find the bench user")?,
            None => {
                let mut conn = PgConnection::connect(&db.url)
                    .await
                    .context("Failed to connect for the storage baseline")?;
                let user = sqlx::query_as(USER)
                    .bind(EMAIL)
                    .fetch_one(&mut conn)
                    .await
                    .context("Failed to find the bench user")?;
                conn.close().await.ok();
                user
            }
        };
        Ok(Self {
            backend: db.backend,
            url: db.url.clone(),
            user_id,
            user_name,
            integration_id,
        })
    }

    /// Runs one scenario's database work at the plan's concurrency and measures it.
    pub async fn run(&self, scenario: Scenario, plan: Plan) -> Result<RunFigures> {
        let me = self.clone();
        tokio::task::spawn_blocking(move || match me.backend {
            Backend::Postgres => me.run_pg(scenario, plan),
            Backend::Sqlite => me.run_lite(scenario, plan),
        })
        .await
        .context("The storage baseline panicked")?
    }

    fn declared_json(&self, title: &str) -> String {
        let declared = serde_json::json!({
            "title": title, "severity": "SEV2", "status": "triage", "type": "default", "services": [],
            "customer_impact": false, "private": false, "started_at": null,
        });
        declared.to_string()
    }

    /// The copy of a new incident's roles its row keeps (`incidents.roles`).
    fn roles_json(&self) -> String {
        serde_json::json!([["commander", self.user_id, self.user_name, EMAIL]]).to_string()
    }

    fn commander_json(&self) -> String {
        serde_json::json!({"role": "commander", "from": null,
            "to": {"id": self.user_id, "name": self.user_name}})
        .to_string()
    }
}
