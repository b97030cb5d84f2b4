//! PostgreSQL set-up: one pool shared by reads and writes, for one or many servers.

use crate::{DatabaseUrl, StoreError, StoreResult};
use sqlx::Executor;
use sqlx::SqlSafeStr;
use sqlx::postgres::{PgPool, PgPoolOptions};
use std::time::Duration;

/// Takes the next incident number from a sequence: a counter row's lock would be held through
/// each commit's fsync and serialize every declaration. A failed declaration leaves a gap.
pub(crate) const NEXT_INCIDENT_NUMBER: &str = "SELECT nextval('incident_number')";

/// Claims due jobs (`$1` now, `$2` the lease's end, `$3` how many). `FOR UPDATE SKIP LOCKED`
/// makes servers sharing the database pass over rows another claim has locked, and a row
/// claimed and committed meanwhile is re-checked against the `WHERE` (it is `running` now), so
/// no job is handed out twice.
pub(crate) const CLAIM_JOBS: &str = "UPDATE jobs SET status = 'running', attempts = attempts + 1, \
     locked_until = $2, updated_at = $1 WHERE id IN (SELECT id FROM jobs \
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
        .after_connect(|conn, _| {
            Box::pin(async move {
                // Filters are dynamic (the incident list): a plan made for the actual values
                // uses the right index; a generic one scans newest-first and filters everything.
                conn.execute("SET plan_cache_mode = force_custom_plan")
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

/// Receives announced notices of type `T` from every server on the same PostgreSQL database.
pub struct Listener<T>(sqlx::postgres::PgListener, std::marker::PhantomData<T>);

/// Receives [`EventNotice`]s.
pub type EventListener = Listener<EventNotice>;

/// Receives [`PageNotice`]s.
pub type PageListener = Listener<PageNotice>;

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
}
