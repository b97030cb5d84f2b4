//! PostgreSQL set-up: one pool shared by reads and writes, for one or many servers.

use crate::{DatabaseUrl, StoreError, StoreResult};
use sqlx::Executor;
use sqlx::SqlSafeStr;
use sqlx::postgres::{PgPool, PgPoolOptions};
use std::time::Duration;

/// The columns of one timeline event in the JSON array a statement takes (see
/// `timeline::events_json`): `i` is the event's place, so ids are handed out in that order.
macro_rules! event_record {
    () => {
        "e(i bigint, kind text, at bigint, source text, author_id bigint, body text, \
         links text, data text, starred bigint, created_at bigint)"
    };
}

/// Declares an incident in one statement, so in one round trip and atomically without an
/// explicit transaction: takes the next number from the sequence (a counter row's lock would be
/// held through each commit's fsync and serialize every declaration; a failed declaration leaves
/// a gap), inserts the incident, its
/// services (`$6`, the JSON list also stored on the row), its participants (`$11` the declarer
/// and `$13`, each when not NULL), its role (`$14` held by `$15`, when `$15` is not NULL) and its
/// events (`$16`, a JSON array), with the roles' copy on its row (`$17`, see
/// `incident::roles_json`) and its custom field values (`$18`, a JSON array of
/// `{field, value}`, see `custom_field::values_json`), and returns one row per event: the incident's number and the
/// event's id, in the order of the array. Foreign keys are checked at the end of the statement,
/// when the incident row is there. `$10` is now; `$12` the search text.
pub(crate) const DECLARE_INCIDENT: &str = concat!(
    "WITH n AS (SELECT nextval('incident_number') AS id), \
     inc AS (INSERT INTO incidents (id, title, summary, severity, status, incident_type, services, \
         customer_impact, private, started_at, declared_at, declared_by, merged_into, version, updated_at, search, roles) \
         SELECT n.id, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, 1, $10, $12, $17 FROM n RETURNING id), \
     svc AS (INSERT INTO incident_services (incident_id, service) \
         SELECT inc.id, s.value FROM inc, json_array_elements_text($6::json) s), \
     par AS (INSERT INTO incident_participants (incident_id, user_id) \
         SELECT DISTINCT inc.id, p.u FROM inc, (VALUES ($11::bigint), ($13::bigint)) p(u) WHERE p.u IS NOT NULL), \
     rol AS (INSERT INTO incident_roles (incident_id, role, user_id, assigned_at) \
         SELECT inc.id, $14, $15, $10 FROM inc WHERE $15::bigint IS NOT NULL), \
     cfv AS (INSERT INTO incident_field_values (incident_id, field, value) \
         SELECT DISTINCT inc.id, v.field, v.value FROM inc, json_to_recordset($18::json) AS v(field text, value text)), \
     ev AS (INSERT INTO timeline_events (incident_id, kind, at, source, author_id, body, links, data, \
         starred, revision, created_at) \
         SELECT inc.id, e.kind, e.at, e.source, e.author_id, e.body, e.links, e.data, e.starred, 1, e.created_at \
         FROM inc, json_to_recordset($16::json) AS ",
    event_record!(),
    " ORDER BY e.i RETURNING id) \
     SELECT inc.id, ev.id FROM inc, ev ORDER BY ev.id"
);

/// Adds events (`$2`, a JSON array) to incident `$1` in one statement, making their authors
/// participants; returns one row per event (the incident's number and the event's id, in the
/// order of the array), or one row with a NULL event id when the array is empty, or no row when
/// the incident does not exist.
pub(crate) const ADD_EVENTS: &str = concat!(
    "WITH inc AS (SELECT id FROM incidents WHERE id = $1), \
     ev AS (INSERT INTO timeline_events (incident_id, kind, at, source, author_id, body, links, data, \
         starred, revision, created_at) \
         SELECT inc.id, e.kind, e.at, e.source, e.author_id, e.body, e.links, e.data, e.starred, 1, e.created_at \
         FROM inc, json_to_recordset($2::json) AS ",
    event_record!(),
    " ORDER BY e.i RETURNING id), \
     par AS (INSERT INTO incident_participants (incident_id, user_id) \
         SELECT DISTINCT inc.id, e.author_id FROM inc, json_to_recordset($2::json) AS e(author_id bigint) \
         WHERE e.author_id IS NOT NULL ON CONFLICT (incident_id, user_id) DO NOTHING) \
     SELECT inc.id, ev.id FROM inc LEFT JOIN ev ON true ORDER BY ev.id"
);

/// Claims due jobs (`$1` now, `$2` the lease's end, `$3` how many). `FOR UPDATE SKIP LOCKED`
/// makes servers sharing the database pass over rows another claim has locked, and a row
/// claimed and committed meanwhile is re-checked against the `WHERE` (it is `running` now), so
/// no job is handed out twice.
pub(crate) const CLAIM_JOBS: &str = "UPDATE jobs SET status = 'running', attempts = attempts + 1, \
     locked_until = COALESCE($1 + lease_ms, $2), updated_at = $1 WHERE id IN (SELECT id FROM jobs \
     WHERE (status IN ('queued', 'failed') AND run_at <= $1) OR (status = 'running' AND locked_until <= $1) \
     ORDER BY run_at, id LIMIT $3 FOR UPDATE SKIP LOCKED) \
     RETURNING id, kind, dedupe_key, payload, status, attempts, max_attempts, run_at, \
     locked_until, last_error, created_at, updated_at, done_at";

/// Opens the pool; the same pool serves reads and writes.
pub(crate) async fn pool(url: &DatabaseUrl) -> StoreResult<PgPool> {
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .min_connections(1)
        // While the database is unreachable, requests fail with 503 after this wait instead of
        // hanging; a busy pool hands out a connection long before it.
        .acquire_timeout(Duration::from_secs(5))
        // No ping before handing out a pooled connection: it is a round trip of its own, as
        // long as the one statement a declaration takes. A connection the server has dropped
        // fails the one request that gets it (503) and is then discarded.
        .test_before_acquire(false)
        .after_connect(|conn, _| {
            Box::pin(async move {
                // Filters are dynamic (the incident list): a plan made for the actual values
                // uses the right index; a generic one scans newest-first and filters everything.
                // No JIT: it compiles for a query the planner thinks costly (counting a million
                // incidents) and spent 0.5 s doing so, more than the query itself.
                conn.execute("SET plan_cache_mode = force_custom_plan; SET jit = off")
                    .await?;
                Ok(())
            })
        })
        .connect(url.expose())
        .await?;
    Ok(pool)
}

/// Runs the PostgreSQL migrations (embedded, see [`crate::migrations`]) with sqlx's migrator,
/// which records them in `_sqlx_migrations` as `sqlx::migrate!` did. Several servers starting
/// at once are safe: sqlx takes an advisory lock around the run.
pub(crate) async fn migrate(pool: &PgPool) -> StoreResult<()> {
    use sqlx::migrate::{Migration, MigrationType, Migrator};
    use std::borrow::Cow;
    let migrations = crate::migrations::MIGRATIONS
        .iter()
        .map(|m| {
            let bad = || StoreError::Other(format!("migration file name '{}'", m.name).into());
            let (version, rest) = m.name.split_once('_').ok_or_else(bad)?;
            Ok(Migration::new(
                version.parse().map_err(|_| bad())?,
                Cow::Owned(rest.strip_suffix(".sql").ok_or_else(bad)?.replace('_', " ")),
                MigrationType::Simple,
                sqlx::AssertSqlSafe(m.postgres).into_sql_str(),
                m.postgres.starts_with("-- no-transaction"),
            ))
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Migrator {
        migrations: Cow::Owned(migrations),
        ..Migrator::DEFAULT
    }
    .run(pool)
    .await?;
    Ok(())
}

/// The channel that carries committed timeline events between servers.
const CHANNEL: &str = "debrief_timeline";

/// Sends a notice on channel `$1` for each string of the JSON array `$2`, in order.
const NOTIFY_EACH: &str = "SELECT pg_notify($1, n.value) FROM json_array_elements_text($2::json) WITH ORDINALITY AS n(value, k) \
     ORDER BY n.k";

/// A committed timeline event announced by some server sharing the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EventNotice {
    /// The incident's number.
    pub incident_id: i64,
    /// The event's id.
    pub event_id: i64,
    /// Whether the incident was private when the event was written.
    pub private: bool,
}

/// The channel that tells servers sharing the database that a status page changed.
const PAGES_CHANNEL: &str = "debrief_status_pages";

/// A status page changed through some server sharing the database.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PageNotice {
    /// The announcing server (so it can pass over its own notices).
    pub server: u64,
    /// The page's slug; `None` when any page may have changed.
    pub slug: Option<String>,
}

/// The channel that tells servers sharing the database that an account lost access (deactivated,
/// a token revoked, a role changed), so they forget what they cached about it at once.
const ACCOUNTS_CHANNEL: &str = "debrief_accounts";

/// An account's access changed through some server sharing the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AccountNotice {
    /// The account.
    pub user_id: i64,
}

/// Receives announced notices of type `T` from every server on the same PostgreSQL database.
pub struct Listener<T>(sqlx::postgres::PgListener, std::marker::PhantomData<T>);

/// Receives [`EventNotice`]s.
pub type EventListener = Listener<EventNotice>;

/// Receives [`PageNotice`]s.
pub type PageListener = Listener<PageNotice>;

/// Receives [`AccountNotice`]s.
pub type AccountListener = Listener<AccountNotice>;

impl<T: serde::de::DeserializeOwned> Listener<T> {
    /// The next notice; the listener reconnects by itself when the connection drops (notices
    /// sent meanwhile are lost).
    pub async fn recv(&mut self) -> StoreResult<T> {
        loop {
            let n = self.0.recv().await?;
            if let Ok(notice) = serde_json::from_str(n.payload()) {
                return Ok(notice);
            }
        }
    }
}

impl crate::Store {
    /// The PostgreSQL pool, for the statements only PostgreSQL runs (declaring, adding events,
    /// announcing); an error on SQLite, where the callers never get.
    pub(crate) fn pg(&self) -> StoreResult<&PgPool> {
        match &self.db {
            crate::Db::Postgres(pool) => Ok(pool),
            _ => Err(StoreError::Other(
                "a PostgreSQL statement was sent to SQLite".into(),
            )),
        }
    }

    async fn notify(&self, channel: &str, payload: String) -> StoreResult<()> {
        if let crate::Db::Postgres(pool) = &self.db {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(channel)
                .bind(payload)
                .execute(pool)
                .await?;
        }
        Ok(())
    }

    async fn listen<T>(&self, channel: &str) -> StoreResult<Option<Listener<T>>> {
        if self.backend() != crate::Backend::Postgres {
            return Ok(None);
        }
        let mut listener = sqlx::postgres::PgListener::connect(self.url.expose()).await?;
        listener.listen(channel).await?;
        Ok(Some(Listener(listener, std::marker::PhantomData)))
    }

    /// Announces a committed event to every server (PostgreSQL only; a no-op on SQLite).
    pub async fn notify_event(&self, notice: EventNotice) -> StoreResult<()> {
        let payload = serde_json::to_string(&notice).expect("a notice serializes");
        self.notify(CHANNEL, payload).await
    }

    /// Announces several committed events in one statement, one round trip, in order
    /// (PostgreSQL only; a no-op on SQLite).
    pub async fn notify_events(&self, notices: &[EventNotice]) -> StoreResult<()> {
        if self.backend() != crate::Backend::Postgres || notices.is_empty() {
            return Ok(());
        }
        let payloads: Vec<String> = notices
            .iter()
            .map(|n| serde_json::to_string(n).expect("a notice serializes"))
            .collect();
        let list = serde_json::to_string(&payloads).expect("strings serialize");
        sqlx::query(NOTIFY_EACH)
            .bind(CHANNEL)
            .bind(list)
            .execute(self.pg()?)
            .await?;
        Ok(())
    }

    /// Listens for announced events (PostgreSQL only; `None` on SQLite, where one server is all).
    pub async fn listen_events(&self) -> StoreResult<Option<EventListener>> {
        self.listen(CHANNEL).await
    }

    /// Announces a committed change of a status page to every server (PostgreSQL only; a
    /// no-op on SQLite).
    pub async fn notify_page(&self, notice: &PageNotice) -> StoreResult<()> {
        let payload = serde_json::to_string(notice).expect("a notice serializes");
        self.notify(PAGES_CHANNEL, payload).await
    }

    /// Listens for announced page changes (PostgreSQL only; `None` on SQLite).
    pub async fn listen_pages(&self) -> StoreResult<Option<PageListener>> {
        self.listen(PAGES_CHANNEL).await
    }

    /// Announces that an account's access changed (PostgreSQL only; a no-op on SQLite).
    pub async fn notify_account(&self, notice: AccountNotice) -> StoreResult<()> {
        let payload = serde_json::to_string(&notice).expect("a notice serializes");
        self.notify(ACCOUNTS_CHANNEL, payload).await
    }

    /// Listens for announced account changes (PostgreSQL only; `None` on SQLite).
    pub async fn listen_accounts(&self) -> StoreResult<Option<AccountListener>> {
        self.listen(ACCOUNTS_CHANNEL).await
    }
}
