//! SQLite set-up: a WAL-mode file, one writer connection and a few readers.

use crate::{DatabaseUrl, StoreResult};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor};
use std::time::Duration;

/// Opens the reader and writer pools on a SQLite file, creating it if missing.
pub(crate) async fn pools(url: &DatabaseUrl) -> StoreResult<(AnyPool, AnyPool)> {
    let mut u = url.expose().to_string();
    if !u.contains("mode=") {
        u.push_str(if u.contains('?') {
            "&mode=rwc"
        } else {
            "?mode=rwc"
        });
    }
    let options = || {
        AnyPoolOptions::new()
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(|conn, _| {
                Box::pin(async move {
                    // WAL lets readers run beside the writer. synchronous=NORMAL in WAL mode keeps
                    // every committed transaction across a process crash (kill -9); only a power
                    // loss can drop the last commits.
                    conn.execute(
                        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; \
                         PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000; PRAGMA cache_size=-4000;",
                    )
                    .await?;
                    Ok(())
                })
            })
    };
    let write = options()
        .max_connections(1)
        .min_connections(1)
        .connect(&u)
        .await?;
    let read = options()
        .max_connections(4)
        .min_connections(1)
        .connect(&u)
        .await?;
    Ok((read, write))
}

/// Takes the next incident number. Writers are serialized, so the numbers have no gaps.
pub(crate) const NEXT_INCIDENT_NUMBER: &str =
    "UPDATE counters SET value = value + 1 WHERE name = 'incident' RETURNING value";

/// Claims due jobs (`$1` now, `$2` the lease's end, `$3` how many). The one writer connection
/// runs claims one at a time, so a plain `UPDATE … RETURNING` never hands a job out twice.
pub(crate) const CLAIM_JOBS: &str = "UPDATE jobs SET status = 'running', attempts = attempts + 1, \
     locked_until = $2, updated_at = $1 WHERE id IN (SELECT id FROM jobs \
     WHERE (status IN ('queued', 'failed') AND run_at <= $1) OR (status = 'running' AND locked_until <= $1) \
     ORDER BY run_at, id LIMIT $3) \
     RETURNING id, kind, dedupe_key, payload, status, attempts, max_attempts, run_at, \
     locked_until, last_error, created_at, updated_at, done_at";

/// The file a `sqlite://PATH?options` URL names.
pub(crate) fn file_path(url: &DatabaseUrl) -> String {
    let u = url.expose();
    let rest = u
        .strip_prefix("sqlite://")
        .or_else(|| u.strip_prefix("sqlite:"))
        .unwrap_or(u);
    rest.split('?').next().unwrap_or(rest).to_string()
}

/// Runs the SQLite migrations.
pub(crate) async fn migrate(pool: &AnyPool) -> StoreResult<()> {
    sqlx::migrate!("./migrations/sqlite").run(pool).await?;
    Ok(())
}
