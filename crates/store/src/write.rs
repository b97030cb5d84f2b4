//! Write transactions, one text of SQL for both databases.
//!
//! On PostgreSQL a [`WriteTx`] is a sqlx transaction on the shared pool. On SQLite it is the one
//! writer connection, opened with rusqlite and called in place: a SQLite statement takes
//! microseconds, while a round trip to sqlx's SQLite worker thread costs tens of them, and a
//! declaration runs seven statements while holding the only write lock. Statements use `$N`
//! parameters on both; on SQLite they are bound by name, so order and reuse do not matter.

use crate::{StoreError, StoreResult};
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// A parameter value.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Arg<'a> {
    /// An integer (times in ms, flags 0/1, ids).
    I(i64),
    /// An integer or NULL.
    OI(Option<i64>),
    /// Text.
    S(&'a str),
    /// Text or NULL.
    OS(Option<&'a str>),
    /// Bytes (attachments).
    B(&'a [u8]),
}

/// The SQLite writer connection, shared by every write transaction in turn.
#[derive(Debug, Clone)]
pub(crate) struct LiteWriter(Arc<Mutex<rusqlite::Connection>>);

impl LiteWriter {
    /// Opens the writer connection on an existing (migrated) SQLite file.
    pub(crate) fn open(path: &str) -> StoreResult<Self> {
        let conn = rusqlite::Connection::open(path).map_err(lite_error)?;
        // Checkpoints run in the background (see `checkpoint`), not inside a committing request.
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; \
             PRAGMA busy_timeout=10000; PRAGMA cache_size=-4000; PRAGMA wal_autocheckpoint=0;",
        )
        .map_err(lite_error)?;
        conn.set_prepared_statement_cache_capacity(128);
        let writer = Self(Arc::new(Mutex::new(conn)));
        let checkpointer = rusqlite::Connection::open(path).map_err(lite_error)?;
        checkpointer
            .execute_batch("PRAGMA busy_timeout=10000;")
            .map_err(lite_error)?;
        tokio::spawn(checkpoint(Arc::downgrade(&writer.0), checkpointer));
        Ok(writer)
    }
}

/// Copies the WAL into the database file every half second, on a blocking thread, for as long as
/// the writer lives. Left to SQLite, the checkpoint (and its fsyncs, milliseconds each) would run
/// inside whichever commit crossed the threshold, on an async worker thread.
async fn checkpoint(writer: Weak<Mutex<rusqlite::Connection>>, conn: rusqlite::Connection) {
    let conn = Arc::new(std::sync::Mutex::new(conn));
    while writer.strong_count() > 0 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let c = conn.clone();
        let done = tokio::task::spawn_blocking(move || {
            let c = c.lock().unwrap_or_else(|e| e.into_inner());
            c.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get::<_, i64>(0))
        })
        .await;
        if let Ok(Err(e)) = done {
            tracing::warn!(error = %e, "A SQLite checkpoint failed; it is retried");
        }
    }
}

/// An open write transaction; dropped without [`WriteTx::commit`], it rolls back.
pub(crate) enum WriteTx {
    /// PostgreSQL (sqlx); `None` once committed.
    Any(Option<sqlx::Transaction<'static, sqlx::Any>>),
    /// SQLite (rusqlite), with whether it has ended.
    Lite(OwnedMutexGuard<rusqlite::Connection>, bool),
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        if let WriteTx::Lite(conn, false) = self {
            // A failed or abandoned transaction: undo it before the connection is reused.
            let _ = conn.execute_batch("ROLLBACK");
        }
    }
}

/// The transaction of a PostgreSQL write, once begun.
fn any_tx<'t>(
    tx: &'t mut Option<sqlx::Transaction<'static, sqlx::Any>>,
) -> StoreResult<&'t mut sqlx::Transaction<'static, sqlx::Any>> {
    tx.as_mut()
        .ok_or_else(|| StoreError::Other("the transaction has ended".into()))
}

/// Maps a rusqlite error: constraint violations are conflicts.
pub(crate) fn lite_error(e: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(f, msg) = &e {
        const UNIQUE: i32 = 2067;
        const PRIMARY_KEY: i32 = 1555;
        const FOREIGN_KEY: i32 = 787;
        let msg = msg.clone().unwrap_or_default();
        match f.extended_code {
            UNIQUE | PRIMARY_KEY => return StoreError::Conflict(msg),
            FOREIGN_KEY => {
                return StoreError::Conflict(format!(
                    "something this change refers to was removed meanwhile ({msg}); reload and try again"
                ));
            }
            _ => {}
        }
    }
    StoreError::Other(Box::new(e))
}

pub(crate) fn bind(stmt: &mut rusqlite::CachedStatement<'_>, args: &[Arg<'_>]) -> StoreResult<()> {
    for i in 1..=stmt.parameter_count() {
        let name = stmt.parameter_name(i).unwrap_or("");
        let n: usize = name.trim_start_matches('$').parse().map_err(|_| {
            StoreError::Other(format!("parameter '{name}' is not of the form $N").into())
        })?;
        let arg = args
            .get(n.wrapping_sub(1))
            .ok_or_else(|| StoreError::Other(format!("no value for parameter {name}").into()))?;
        let r = match *arg {
            Arg::I(v) => stmt.raw_bind_parameter(i, v),
            Arg::OI(v) => stmt.raw_bind_parameter(i, v),
            Arg::S(v) => stmt.raw_bind_parameter(i, v),
            Arg::OS(v) => stmt.raw_bind_parameter(i, v),
            Arg::B(v) => stmt.raw_bind_parameter(i, v),
        };
        r.map_err(lite_error)?;
    }
    Ok(())
}

fn any_query<'q>(
    sql: &'static str,
    args: &[Arg<'q>],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    let mut q = sqlx::query(sql);
    for a in args {
        q = match *a {
            Arg::I(v) => q.bind(v),
            Arg::OI(v) => q.bind(v),
            Arg::S(v) => q.bind(v),
            Arg::OS(v) => q.bind(v),
            Arg::B(v) => q.bind(v.to_vec()),
        };
    }
    q
}

impl WriteTx {
    /// Begins a SQLite write transaction, waiting for the writer connection.
    pub(crate) async fn begin_lite(w: &LiteWriter) -> StoreResult<Self> {
        let conn = w.0.clone().lock_owned().await;
        // IMMEDIATE takes the write lock now, so the transaction never fails half-way for it.
        conn.execute_batch("BEGIN IMMEDIATE").map_err(lite_error)?;
        Ok(WriteTx::Lite(conn, false))
    }

    /// Runs a statement; returns the number of rows changed.
    pub(crate) async fn exec(&mut self, sql: &'static str, args: &[Arg<'_>]) -> StoreResult<u64> {
        match self {
            WriteTx::Any(tx) => Ok(any_query(sql, args)
                .execute(&mut **any_tx(tx)?)
                .await?
                .rows_affected()),
            WriteTx::Lite(conn, _) => {
                let mut stmt = conn.prepare_cached(sql).map_err(lite_error)?;
                bind(&mut stmt, args)?;
                Ok(stmt.raw_execute().map_err(lite_error)? as u64)
            }
        }
    }

    /// Runs a statement and returns the first column of its first row as an integer (for
    /// `RETURNING id`, `COUNT(*)`, `SELECT 1`), `None` when there is no row.
    pub(crate) async fn int(
        &mut self,
        sql: &'static str,
        args: &[Arg<'_>],
    ) -> StoreResult<Option<i64>> {
        match self {
            WriteTx::Any(tx) => {
                use sqlx::Row;
                let row = any_query(sql, args)
                    .fetch_optional(&mut **any_tx(tx)?)
                    .await?;
                Ok(match row {
                    Some(r) => r.try_get::<Option<i64>, _>(0)?,
                    None => None,
                })
            }
            WriteTx::Lite(conn, _) => {
                let mut stmt = conn.prepare_cached(sql).map_err(lite_error)?;
                bind(&mut stmt, args)?;
                let mut rows = stmt.raw_query();
                let first = rows.next().map_err(lite_error)?;
                let v = match first {
                    Some(r) => r.get::<_, Option<i64>>(0).map_err(lite_error)?,
                    None => None,
                };
                // Step a RETURNING statement to its end so its changes are complete.
                while rows.next().map_err(lite_error)?.is_some() {}
                Ok(v)
            }
        }
    }

    /// Runs a statement and returns all its rows (for `UPDATE … RETURNING` of several rows).
    pub(crate) async fn rows(
        &mut self,
        sql: &'static str,
        args: &[Arg<'_>],
    ) -> StoreResult<Vec<crate::read::Row>> {
        match self {
            WriteTx::Any(tx) => any_query(sql, args)
                .fetch_all(&mut **any_tx(tx)?)
                .await?
                .iter()
                .map(crate::read::any_row)
                .collect(),
            WriteTx::Lite(conn, _) => crate::read::lite_rows(conn, sql, args),
        }
    }

    /// Commits.
    pub(crate) async fn commit(mut self) -> StoreResult<()> {
        match &mut self {
            WriteTx::Any(tx) => {
                if let Some(tx) = tx.take() {
                    tx.commit().await?;
                }
                Ok(())
            }
            WriteTx::Lite(conn, done) => {
                conn.execute_batch("COMMIT").map_err(lite_error)?;
                *done = true;
                Ok(())
            }
        }
    }
}
