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
}

const VISIBLE: &str = "(i.private = 0 OR $2 = 1 OR (SELECT 1 FROM incident_participants p \
     WHERE p.incident_id = i.id AND p.user_id = $1) = 1)";

const COLUMNS: &str = "i.id, i.title, i.summary, i.severity, i.status, i.incident_type, i.services, \
     i.customer_impact, i.private, i.started_at, i.declared_at, i.declared_by, i.merged_into, i.version, i.updated_at";

/// Debrief's PostgreSQL declaration (`crates/store/src/postgres.rs`, `DECLARE_INCIDENT`).
const PG_DECLARE: &str = "WITH n AS (SELECT nextval('incident_number') AS id), \
     inc AS (INSERT INTO incidents (id, title, summary, severity, status, incident_type, services, \
         customer_impact, private, started_at, declared_at, declared_by, merged_into, version, updated_at, search) \
         SELECT n.id, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, 1, $10, $12 FROM n RETURNING id), \
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
     customer_impact, private, started_at, declared_at, declared_by, merged_into, version, updated_at, search) \
     VALUES (?1, ?2, NULL, 'SEV2', 'triage', 'default', '[]', 0, 0, NULL, ?3, ?4, NULL, 1, ?3, ?5)";
const LITE_PARTICIPANT: &str = "INSERT INTO incident_participants (incident_id, user_id) VALUES (?1, ?2) \
     ON CONFLICT (incident_id, user_id) DO NOTHING";
const LITE_ROLE: &str =
    "INSERT INTO incident_roles (incident_id, role, user_id, assigned_at) VALUES (?1, ?2, ?3, ?4)";
const LITE_EVENT: &str = "INSERT INTO timeline_events (incident_id, kind, at, source, author_id, body, links, data, \
     starred, revision, created_at) VALUES (?1, ?2, ?3, 'api', ?4, ?5, '[]', ?6, 0, 1, ?3) RETURNING id";

/// Debrief's roles column of a PostgreSQL list (`ROLES_JSON`).
const PG_ROLES_JSON: &str = "(SELECT json_agg(json_build_array(r.role, u.id, u.name, u.email) \
     ORDER BY r.role)::text FROM incident_roles r JOIN users u ON u.id = r.user_id \
     WHERE r.incident_id = i.id) AS roles";

/// The page size of `load::LIST_QUERY`.
const LIST_LIMIT: usize = 50;

/// The read statements of a scenario: the rows (for a timeline event, the visibility check),
/// then the roles of the rows; in `$N` (PostgreSQL) or `?N` (SQLite) form.
#[derive(Clone)]
struct ReadSql {
    rows: Arc<str>,
    roles: Arc<str>,
}

fn read_sql(scenario: Scenario, backend: Backend) -> ReadSql {
    let (mut rows, roles) = read_sql_pg(scenario);
    if backend == Backend::Postgres && scenario == Scenario::List {
        // Debrief's PostgreSQL list is one statement: each row brings its roles as JSON.
        rows = rows.replace(
            " FROM incidents i WHERE",
            &format!(", {PG_ROLES_JSON} FROM incidents i WHERE"),
        );
    }
    let form = |s: String| -> Arc<str> {
        match backend {
            Backend::Postgres => s.into(),
            // `?N` binds by position on SQLite, whatever order the numbers first appear in.
            Backend::Sqlite => s.replace('$', "?").into(),
        }
    };
    ReadSql {
        rows: form(rows),
        roles: form(roles),
    }
}

fn read_sql_pg(scenario: Scenario) -> (String, String) {
    let slots = match scenario {
        Scenario::List => 64,
        _ => 1,
    };
    let list = (1..=slots)
        .map(|k| format!("${k}"))
        .collect::<Vec<_>>()
        .join(",");
    let roles = format!(
        "SELECT r.incident_id, r.role, u.id, u.name, u.email FROM incident_roles r \
         JOIN users u ON u.id = r.user_id WHERE r.incident_id IN ({list}) ORDER BY r.incident_id, r.role"
    );
    let rows = match scenario {
        Scenario::List => format!(
            "SELECT {COLUMNS} FROM incidents i WHERE {VISIBLE} AND i.status IN ($3) AND i.severity IN ($4) \
             ORDER BY i.id DESC LIMIT {LIST_LIMIT}"
        ),
        Scenario::Get => format!("SELECT {COLUMNS} FROM incidents i WHERE i.id = $3 AND {VISIBLE}"),
        _ => format!("SELECT i.private FROM incidents i WHERE i.id = $3 AND {VISIBLE}"),
    };
    (rows, roles)
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
    /// Looks up the bench user in a seeded database.
    pub async fn open(db: &BenchDb) -> Result<Self> {
        const USER: &str = "SELECT id, name FROM users WHERE email = $1";
        let (user_id, user_name): (i64, String) = match db.url.strip_prefix("sqlite://") {
            Some(path) => rusqlite::Connection::open(path)
                .and_then(|c| c.query_row(USER, [EMAIL], |r| Ok((r.get(0)?, r.get(1)?))))
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

    fn commander_json(&self) -> String {
        serde_json::json!({"role": "commander", "from": null,
            "to": {"id": self.user_id, "name": self.user_name}})
        .to_string()
    }

    fn run_pg(&self, scenario: Scenario, plan: Plan) -> Result<RunFigures> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .context("Failed to start the storage baseline's runtime")?;
        rt.block_on(async {
            let mut conns = Vec::with_capacity(plan.concurrency);
            for _ in 0..plan.concurrency {
                let mut c = PgConnection::connect(&self.url)
                    .await
                    .context("Failed to connect to PostgreSQL")?;
                // As Debrief's pool sets it (custom plans for the dynamic list filters).
                sqlx::raw_sql("SET plan_cache_mode = force_custom_plan")
                    .execute(&mut c)
                    .await?;
                conns.push(c);
            }
            let started = Instant::now();
            let budget = Arc::new(Budget {
                sent: AtomicU64::new(0),
                requests: plan.requests,
                deadline: started + plan.max,
            });
            let sql = read_sql(scenario, Backend::Postgres);
            let mut workers = tokio::task::JoinSet::new();
            for (worker, mut conn) in conns.into_iter().enumerate() {
                let (me, budget, sql) = (self.clone(), budget.clone(), sql.clone());
                workers.spawn(async move {
                    let mut rng = Rng::new(worker as u64 + 1);
                    let mut part = Part::default();
                    while let Some(n) = budget.next() {
                        let t0 = Instant::now();
                        let outcome = me
                            .pg_once(
                                &mut conn,
                                &sql,
                                scenario,
                                &mut rng,
                                (worker, n),
                                plan.incidents,
                            )
                            .await;
                        part.record(t0, outcome);
                    }
                    conn.close().await.ok();
                    part
                });
            }
            let mut parts = Vec::new();
            while let Some(p) = workers.join_next().await {
                parts.push(p.context("A storage worker panicked")?);
            }
            Ok(Part::figures(parts, started.elapsed()))
        })
    }

    async fn pg_once(
        &self,
        conn: &mut PgConnection,
        sql: &ReadSql,
        scenario: Scenario,
        rng: &mut Rng,
        (worker, n): (usize, u64),
        incidents: u64,
    ) -> Result<()> {
        let (uid, name) = (self.user_id, &self.user_name);
        let now = now_ms();
        match scenario {
            Scenario::Declare => {
                let title =
                    format!("Checkout errors above 2% (storage worker {worker}, request {n})");
                let events = serde_json::json!([
                    {"i": 0, "kind": "declared", "at": now, "source": "api", "author_id": uid,
                     "body": format!("{name} declared the incident as SEV2: {title}"), "links": "[]",
                     "data": self.declared_json(&title), "starred": 0, "created_at": now},
                    {"i": 1, "kind": "role_change", "at": now, "source": "api", "author_id": uid,
                     "body": format!("{name} is the commander"), "links": "[]",
                     "data": self.commander_json(), "starred": 0, "created_at": now},
                ]);
                let rows: Vec<(i64, i64)> = sqlx::query_as(PG_DECLARE)
                    .bind(&title)
                    .bind(None::<&str>)
                    .bind("SEV2")
                    .bind("triage")
                    .bind("default")
                    .bind("[]")
                    .bind(0i64)
                    .bind(0i64)
                    .bind(None::<i64>)
                    .bind(now)
                    .bind(Some(uid))
                    .bind(format!("{title}\n").to_lowercase())
                    .bind(None::<i64>)
                    .bind(Some("commander"))
                    .bind(Some(uid))
                    .bind(events.to_string())
                    .fetch_all(&mut *conn)
                    .await?;
                anyhow::ensure!(rows.len() == 2, "{} events declared, not 2", rows.len());
            }
            Scenario::Timeline => {
                let id = (rng.below(incidents) + 1) as i64;
                let private: Option<i64> = sqlx::query_scalar(AssertSqlSafe(sql.rows.clone()))
                    .bind(uid)
                    .bind(0i64)
                    .bind(id)
                    .fetch_optional(&mut *conn)
                    .await?;
                anyhow::ensure!(private.is_some(), "INC-{id} is not visible");
                let events = serde_json::json!([
                    {"i": 0, "kind": "note", "at": now, "source": "api", "author_id": uid,
                     "body": format!("Rolled back the canary (storage {worker}/{n})"), "links": "[]",
                     "data": "{}", "starred": 0, "created_at": now},
                ]);
                let rows: Vec<(i64, Option<i64>)> = sqlx::query_as(PG_ADD_EVENTS)
                    .bind(id)
                    .bind(events.to_string())
                    .fetch_all(&mut *conn)
                    .await?;
                anyhow::ensure!(rows.len() == 1, "no event written");
            }
            Scenario::Get | Scenario::List => {
                use sqlx::Row;
                let q = sqlx::query(AssertSqlSafe(sql.rows.clone()))
                    .bind(uid)
                    .bind(0i64);
                let q = match scenario {
                    Scenario::List => q.bind("investigating").bind("SEV2"),
                    _ => q.bind((rng.below(incidents) + 1) as i64),
                };
                let rows = q.fetch_all(&mut *conn).await?;
                anyhow::ensure!(!rows.is_empty(), "no incident read");
                let ids: Vec<i64> = rows
                    .iter()
                    .map(|r| r.try_get::<i64, _>(0))
                    .collect::<Result<_, _>>()?;
                if scenario == Scenario::List {
                    // The roles came with the rows.
                    for r in &rows {
                        r.try_get::<Option<String>, _>("roles")?;
                    }
                    return Ok(());
                }
                let slots = if scenario == Scenario::List { 64 } else { 1 };
                let mut q = sqlx::query(AssertSqlSafe(sql.roles.clone()));
                for k in 0..slots {
                    q = q.bind(ids[k.min(ids.len() - 1)]);
                }
                q.fetch_all(&mut *conn).await?;
            }
        }
        Ok(())
    }

    fn run_lite(&self, scenario: Scenario, plan: Plan) -> Result<RunFigures> {
        let path = self
            .url
            .strip_prefix("sqlite://")
            .unwrap_or(&self.url)
            .to_string();
        let open = || -> Result<rusqlite::Connection> {
            let c = rusqlite::Connection::open(&path).context("Failed to open the SQLite file")?;
            c.execute_batch(
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; \
                 PRAGMA busy_timeout=10000; PRAGMA cache_size=-4000; PRAGMA wal_autocheckpoint=0;",
            )?;
            c.set_prepared_statement_cache_capacity(128);
            Ok(c)
        };
        let writer = Mutex::new(open()?);
        let checkpointer = open()?;
        let mut readers = Vec::with_capacity(plan.concurrency);
        for _ in 0..plan.concurrency {
            readers.push(open()?);
        }
        let started = Instant::now();
        let budget = Budget {
            sent: AtomicU64::new(0),
            requests: plan.requests,
            deadline: started + plan.max,
        };
        let done = AtomicBool::new(false);
        let sql = read_sql(scenario, Backend::Sqlite);
        let parts = std::thread::scope(|s| {
            let done = &done;
            s.spawn(move || {
                // Debrief's writer checkpoints every 500 ms off the committing path.
                let mut last = Instant::now();
                while !done.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(10));
                    if last.elapsed() >= Duration::from_millis(500) {
                        let _ = checkpointer.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                            r.get::<_, i64>(0)
                        });
                        last = Instant::now();
                    }
                }
            });
            let handles: Vec<_> = readers
                .into_iter()
                .enumerate()
                .map(|(worker, reader)| {
                    let (budget, writer, sql) = (&budget, &writer, &sql);
                    s.spawn(move || {
                        let mut rng = Rng::new(worker as u64 + 1);
                        let mut part = Part::default();
                        while let Some(n) = budget.next() {
                            let t0 = Instant::now();
                            let outcome = self.lite_once(
                                (&reader, writer),
                                sql,
                                scenario,
                                &mut rng,
                                (worker, n),
                                plan.incidents,
                            );
                            part.record(t0, outcome);
                        }
                        part
                    })
                })
                .collect();
            let parts: Vec<Part> = handles
                .into_iter()
                .map(|h| h.join().unwrap_or_default())
                .collect();
            done.store(true, Ordering::Relaxed);
            parts
        });
        let elapsed = started.elapsed();
        Ok(Part::figures(parts, elapsed))
    }

    /// One declaration's statements on the writer, inside the caller's transaction.
    fn lite_declare(&self, w: &rusqlite::Connection, title: &str, now: i64) -> Result<()> {
        let (uid, name) = (self.user_id, &self.user_name);
        let id: i64 = w.prepare_cached(LITE_NEXT)?.query_row([], |r| r.get(0))?;
        w.prepare_cached(LITE_INCIDENT)?.execute(rusqlite::params![
            id,
            title,
            now,
            uid,
            format!("{title}\n").to_lowercase()
        ])?;
        w.prepare_cached(LITE_PARTICIPANT)?
            .execute(rusqlite::params![id, uid])?;
        let body = format!("{name} declared the incident as SEV2: {title}");
        w.prepare_cached(LITE_EVENT)?.query_row(
            rusqlite::params![id, "declared", now, uid, body, self.declared_json(title)],
            |r| r.get::<_, i64>(0),
        )?;
        w.prepare_cached(LITE_ROLE)?
            .execute(rusqlite::params![id, "commander", uid, now])?;
        w.prepare_cached(LITE_EVENT)?.query_row(
            rusqlite::params![
                id,
                "role_change",
                now,
                uid,
                format!("{name} is the commander"),
                self.commander_json()
            ],
            |r| r.get::<_, i64>(0),
        )?;
        Ok(())
    }

    /// SQLite declarations with group commit: workers hand their declarations to one writer
    /// thread, which writes all those waiting in one transaction (each in a savepoint, so one
    /// failing would not undo the others) and answers them after its commit. What Debrief could
    /// reach if its writer grouped concurrent declarations.
    pub async fn run_lite_grouped(&self, plan: Plan) -> Result<RunFigures> {
        let me = self.clone();
        tokio::task::spawn_blocking(move || me.lite_grouped(plan))
            .await
            .context("The storage baseline panicked")?
    }

    fn lite_grouped(&self, plan: Plan) -> Result<RunFigures> {
        use std::sync::mpsc;
        type Job = (String, mpsc::Sender<Result<(), String>>);
        let path = self
            .url
            .strip_prefix("sqlite://")
            .unwrap_or(&self.url)
            .to_string();
        let w = rusqlite::Connection::open(&path).context("Failed to open the SQLite file")?;
        w.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; \
             PRAGMA busy_timeout=10000; PRAGMA cache_size=-4000; PRAGMA wal_autocheckpoint=0;",
        )?;
        w.set_prepared_statement_cache_capacity(128);
        let (send, recv) = mpsc::channel::<Job>();
        let started = Instant::now();
        let budget = Budget {
            sent: AtomicU64::new(0),
            requests: plan.requests,
            deadline: started + plan.max,
        };
        let parts = std::thread::scope(|s| {
            s.spawn(move || {
                while let Ok(first) = recv.recv() {
                    let mut batch = vec![first];
                    while let Ok(more) = recv.try_recv() {
                        batch.push(more);
                    }
                    let now = now_ms();
                    let mut results = Vec::with_capacity(batch.len());
                    let tx = Tx::begin(&w);
                    for (title, _) in &batch {
                        let one = w
                            .execute_batch("SAVEPOINT d")
                            .map_err(anyhow::Error::from)
                            .and_then(|()| self.lite_declare(&w, title, now))
                            .and_then(|()| Ok(w.execute_batch("RELEASE d")?));
                        if one.is_err() {
                            let _ = w.execute_batch("ROLLBACK TO d; RELEASE d");
                        }
                        results.push(one.map_err(|e| format!("{e:#}")));
                    }
                    let committed = tx.and_then(Tx::commit).map_err(|e| format!("{e:#}"));
                    for ((_, reply), r) in batch.into_iter().zip(results) {
                        let _ = reply.send(committed.clone().and(r));
                    }
                }
            });
            let handles: Vec<_> = (0..plan.concurrency)
                .map(|worker| {
                    let (budget, send) = (&budget, send.clone());
                    s.spawn(move || {
                        let mut part = Part::default();
                        while let Some(n) = budget.next() {
                            let t0 = Instant::now();
                            let (reply, answer) = mpsc::channel();
                            let title = format!(
                                "Checkout errors above 2% (grouped worker {worker}, request {n})"
                            );
                            let outcome = send
                                .send((title, reply))
                                .map_err(|_| anyhow::anyhow!("the writer stopped"))
                                .and_then(|()| {
                                    answer
                                        .recv()
                                        .map_err(|_| anyhow::anyhow!("the writer stopped"))?
                                        .map_err(|e| anyhow::anyhow!(e))
                                });
                            part.record(t0, outcome);
                        }
                        part
                    })
                })
                .collect();
            drop(send);
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_default())
                .collect::<Vec<Part>>()
        });
        let elapsed = started.elapsed();
        // Checkpoint after the run, outside its time (Debrief's writer does it every 500 ms).
        rusqlite::Connection::open(&path)?.query_row(
            "PRAGMA wal_checkpoint(PASSIVE)",
            [],
            |r| r.get::<_, i64>(0),
        )?;
        Ok(Part::figures(parts, elapsed))
    }

    fn lite_once(
        &self,
        (reader, writer): (&rusqlite::Connection, &Mutex<rusqlite::Connection>),
        sql: &ReadSql,
        scenario: Scenario,
        rng: &mut Rng,
        (worker, n): (usize, u64),
        incidents: u64,
    ) -> Result<()> {
        let uid = self.user_id;
        let now = now_ms();
        match scenario {
            Scenario::Declare => {
                let title =
                    format!("Checkout errors above 2% (storage worker {worker}, request {n})");
                let w = writer.lock().unwrap_or_else(|e| e.into_inner());
                let tx = Tx::begin(&w)?;
                self.lite_declare(&w, &title, now)?;
                tx.commit()?;
            }
            Scenario::Timeline => {
                let id = (rng.below(incidents) + 1) as i64;
                let private: Option<i64> = reader
                    .prepare_cached(&sql.rows)?
                    .query_row(rusqlite::params![uid, 0, id], |r| r.get(0))
                    .ok();
                anyhow::ensure!(private.is_some(), "INC-{id} is not visible");
                let w = writer.lock().unwrap_or_else(|e| e.into_inner());
                let tx = Tx::begin(&w)?;
                w.prepare_cached("SELECT 1 FROM incidents WHERE id = ?1")?
                    .query_row([id], |r| r.get::<_, i64>(0))?;
                w.prepare_cached(LITE_EVENT)?.query_row(
                    rusqlite::params![
                        id,
                        "note",
                        now,
                        uid,
                        format!("Rolled back the canary (storage {worker}/{n})"),
                        "{}"
                    ],
                    |r| r.get::<_, i64>(0),
                )?;
                w.prepare_cached(LITE_PARTICIPANT)?
                    .execute(rusqlite::params![id, uid])?;
                tx.commit()?;
            }
            Scenario::Get | Scenario::List => {
                let mut stmt = reader.prepare_cached(&sql.rows)?;
                let mut rows = match scenario {
                    Scenario::List => {
                        stmt.query(rusqlite::params![uid, 0, "investigating", "SEV2"])?
                    }
                    _ => {
                        stmt.query(rusqlite::params![uid, 0, (rng.below(incidents) + 1) as i64])?
                    }
                };
                let mut ids = Vec::new();
                while let Some(r) = rows.next()? {
                    ids.push(r.get::<_, i64>(0)?);
                    // Read every column, as a decoder would.
                    for c in 1..15 {
                        let _: rusqlite::types::Value = r.get(c)?;
                    }
                }
                anyhow::ensure!(!ids.is_empty(), "no incident read");
                let slots = if scenario == Scenario::List { 64 } else { 1 };
                let args: Vec<i64> = (0..slots).map(|k| ids[k.min(ids.len() - 1)]).collect();
                let mut stmt = reader.prepare_cached(&sql.roles)?;
                let mut roles = stmt.query(rusqlite::params_from_iter(args))?;
                while let Some(r) = roles.next()? {
                    let _: String = r.get(3)?;
                }
            }
        }
        Ok(())
    }
}

/// A `BEGIN IMMEDIATE` transaction on the writer, rolled back unless committed.
struct Tx<'c>(&'c rusqlite::Connection, bool);

impl<'c> Tx<'c> {
    fn begin(c: &'c rusqlite::Connection) -> Result<Self> {
        c.execute_batch("BEGIN IMMEDIATE")?;
        Ok(Self(c, false))
    }

    fn commit(mut self) -> Result<()> {
        self.0.execute_batch("COMMIT")?;
        self.1 = true;
        Ok(())
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if !self.1 {
            let _ = self.0.execute_batch("ROLLBACK");
        }
    }
}
