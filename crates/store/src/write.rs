//! Write transactions, one text of SQL for both databases.
//!
//! On PostgreSQL a [`WriteTx`] is a sqlx transaction on the shared pool. On SQLite it is the one
//! writer connection, opened with rusqlite and called on the requesting task's thread: a SQLite
//! statement takes microseconds, while a round trip to a separate SQLite thread costs tens of
//! them, and a declaration runs seven statements while holding the only write lock. The one step
//! that can wait, taking the write lock, runs through [`crate::sqlite::blocking`]
//! (see [`WriteTx::begin_lite`]). Statements use `$N` parameters on both; on
//! SQLite they are bound by name, so order and reuse do not matter.

use crate::read::{Columns, Row, Val, lite_rows, pg_query, pg_rows};
use crate::sqlite::blocking;
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

/// How long the writer waits for another process (a CLI command, a backup) to let the write
/// lock go; the `PRAGMA busy_timeout=10000` its connection opens with.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The SQLite writer connection, shared by every write transaction in turn.
#[derive(Debug, Clone)]
pub(crate) struct LiteWriter(Arc<Mutex<rusqlite::Connection>>);

impl LiteWriter {
    /// Opens the writer connection on a SQLite file, creating it if missing.
    pub(crate) fn open(path: &str) -> StoreResult<Self> {
        let conn = rusqlite::Connection::open(path).map_err(lite_error)?;
        // Checkpoints run in the background (see `checkpoint`), not inside a committing request.
        // Statement journals (kept while a statement inside a transaction may need undoing:
        // upserts, foreign keys, savepoints) and temporary sorts stay in memory: as files, SQLite
        // created and removed one in /var/tmp for every declaration.
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; \
             PRAGMA busy_timeout=10000; PRAGMA cache_size=-4000; PRAGMA wal_autocheckpoint=0; \
             PRAGMA temp_store=MEMORY;",
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

    /// Waits for the writer connection (held until the guard is dropped).
    pub(crate) async fn lock(&self) -> OwnedMutexGuard<rusqlite::Connection> {
        self.0.clone().lock_owned().await
    }

    /// Applies the SQLite migrations on the writer connection (see [`crate::sqlite::migrate`]).
    pub(crate) async fn migrate(&self) -> StoreResult<()> {
        let conn = self.0.lock().await;
        blocking(|| crate::sqlite::migrate(&conn))
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
    Pg(Option<sqlx::Transaction<'static, sqlx::Postgres>>),
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
fn pg_tx<'t>(
    tx: &'t mut Option<sqlx::Transaction<'static, sqlx::Postgres>>,
) -> StoreResult<&'t mut sqlx::Transaction<'static, sqlx::Postgres>> {
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

impl WriteTx {
    /// Begins a SQLite write transaction, waiting for the writer connection.
    ///
    /// Only this step can block for long: `BEGIN IMMEDIATE` waits (up to the busy timeout) while
    /// another connection to the file, such as a CLI command or a backup, holds the write lock,
    /// so it runs through [`blocking`]. Once it holds the lock, the transaction's statements and
    /// its `COMMIT` cannot wait on anyone (WAL mode: readers never block the writer; commits do
    /// not fsync with `synchronous=NORMAL`; checkpoints run on their own thread) and take
    /// microseconds, so they run in place: `block_in_place` costs about 15 µs per call on a
    /// worker thread (measured), more than the statements themselves.
    pub(crate) async fn begin_lite(w: &LiteWriter) -> StoreResult<Self> {
        Self::begin_on(w.lock().await)
    }

    /// Begins a SQLite write transaction on the writer connection, once its lock is held.
    ///
    /// `BEGIN IMMEDIATE` (which takes the write lock now, so the transaction never fails
    /// half-way for it) is first tried in place without waiting: the writer connection is
    /// this server's only writer, so the lock is almost always free and the try takes a few
    /// microseconds. Only when another process holds it does the wait (up to the busy timeout)
    /// run through [`blocking`].
    pub(crate) fn begin_on(conn: OwnedMutexGuard<rusqlite::Connection>) -> StoreResult<Self> {
        conn.busy_timeout(Duration::ZERO).map_err(lite_error)?;
        let tried = conn.execute_batch("BEGIN IMMEDIATE");
        conn.busy_timeout(BUSY_TIMEOUT).map_err(lite_error)?;
        match tried {
            Ok(()) => {}
            Err(rusqlite::Error::SqliteFailure(f, _))
                if f.code == rusqlite::ErrorCode::DatabaseBusy =>
            {
                blocking(|| conn.execute_batch("BEGIN IMMEDIATE")).map_err(lite_error)?;
            }
            Err(e) => return Err(lite_error(e)),
        }
        Ok(WriteTx::Lite(conn, false))
    }

    /// Begins a PostgreSQL write transaction.
    pub(crate) async fn begin_pg(pool: &sqlx::PgPool) -> StoreResult<Self> {
        Ok(WriteTx::Pg(Some(pool.begin().await?)))
    }

    /// Runs a statement; returns the number of rows changed.
    pub(crate) async fn exec(&mut self, sql: &'static str, args: &[Arg<'_>]) -> StoreResult<u64> {
        match self {
            WriteTx::Pg(tx) => Ok(pg_query(sql, args)
                .execute(&mut **pg_tx(tx)?)
                .await?
                .rows_affected()),
            WriteTx::Lite(conn, _) => {
                let mut stmt = conn.prepare_cached(sql).map_err(lite_error)?;
                bind(&mut stmt, args)?;
                Ok(stmt.raw_execute().map_err(lite_error)? as u64)
            }
        }
    }

    /// Runs a statement of one integer column (`RETURNING id`, `SELECT COUNT(*) AS n`,
    /// `SELECT 1`) and returns its value in the first row, `None` when there is no row. A
    /// statement with another number of columns, or a value that is not an integer, is an error.
    pub(crate) async fn int(
        &mut self,
        sql: &'static str,
        args: &[Arg<'_>],
    ) -> StoreResult<Option<i64>> {
        let row = match self {
            WriteTx::Pg(tx) => {
                let row = pg_query(sql, args)
                    .fetch_optional(&mut **pg_tx(tx)?)
                    .await?;
                pg_rows(row.as_slice(), sql)?.into_iter().next()
            }
            WriteTx::Lite(conn, _) => {
                let mut stmt = conn.prepare_cached(sql).map_err(lite_error)?;
                bind(&mut stmt, args)?;
                let columns = Columns::new(
                    stmt.column_names().into_iter().map(String::from).collect(),
                    sql,
                );
                let mut rows = stmt.raw_query();
                let first = match rows.next().map_err(lite_error)? {
                    Some(r) => Some(Row::new(
                        columns,
                        vec![match r.get_ref(0).map_err(lite_error)? {
                            rusqlite::types::ValueRef::Null => Val::Null,
                            rusqlite::types::ValueRef::Integer(v) => Val::I(v),
                            rusqlite::types::ValueRef::Text(t) => {
                                Val::S(String::from_utf8_lossy(t).into_owned())
                            }
                            _ => Val::B(Vec::new()),
                        }],
                    )),
                    None => None,
                };
                // Step a RETURNING statement to its end so its changes are complete.
                while rows.next().map_err(lite_error)?.is_some() {}
                first
            }
        };
        row.map(|r| r.only_int()).transpose().map(Option::flatten)
    }

    /// Runs a statement and returns all its rows (for `UPDATE … RETURNING` of several rows).
    pub(crate) async fn rows(
        &mut self,
        sql: &'static str,
        args: &[Arg<'_>],
    ) -> StoreResult<Vec<Row>> {
        match self {
            WriteTx::Pg(tx) => {
                let rows = pg_query(sql, args).fetch_all(&mut **pg_tx(tx)?).await?;
                pg_rows(&rows, sql)
            }
            WriteTx::Lite(conn, _) => lite_rows(conn, sql, args),
        }
    }

    /// Commits.
    pub(crate) async fn commit(mut self) -> StoreResult<()> {
        match &mut self {
            WriteTx::Pg(tx) => {
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
