//! PostgreSQL set-up: one pool shared by reads and writes, for one or many servers.

use crate::{DatabaseUrl, StoreResult};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor};
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
pub(crate) async fn pools(url: &DatabaseUrl) -> StoreResult<(AnyPool, AnyPool)> {
    let pool = AnyPoolOptions::new()
        .max_connections(16)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(30))
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
    Ok((pool.clone(), pool))
}

/// Runs the PostgreSQL migrations. Several servers starting at once are safe: sqlx takes an
/// advisory lock around the run.
pub(crate) async fn migrate(pool: &AnyPool) -> StoreResult<()> {
    sqlx::migrate!("./migrations/postgres").run(pool).await?;
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

/// Receives [`EventNotice`]s from every server on the same PostgreSQL database.
pub struct EventListener(sqlx::postgres::PgListener);

impl EventListener {
    /// The next notice; the listener reconnects by itself when the connection drops.
    pub async fn recv(&mut self) -> StoreResult<EventNotice> {
        loop {
            let n = self.0.recv().await?;
            if let Ok(notice) = serde_json::from_str(n.payload()) {
                return Ok(notice);
            }
        }
    }
}

impl crate::Store {
    /// Announces a committed event to every server (PostgreSQL only; a no-op on SQLite).
    pub async fn notify_event(&self, notice: EventNotice) -> StoreResult<()> {
        if self.backend() == crate::Backend::Postgres {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(serde_json::to_string(&notice).expect("a notice serializes"))
                .execute(self.writer())
                .await?;
        }
        Ok(())
    }

    /// Listens for announced events (PostgreSQL only; `None` on SQLite, where one server is all).
    pub async fn listen_events(&self) -> StoreResult<Option<EventListener>> {
        if self.backend() != crate::Backend::Postgres {
            return Ok(None);
        }
        let mut listener = sqlx::postgres::PgListener::connect(self.url.expose()).await?;
        listener.listen(CHANNEL).await?;
        Ok(Some(EventListener(listener)))
    }
}
