//! Reads as plain rows, one text of SQL for both databases.
//!
//! The hot reads (an incident, the incident list, a timeline, a session) go through
//! [`Store::read_rows`]: on SQLite a small set of rusqlite connections called in place (WAL lets
//! them read beside the writer), on PostgreSQL the sqlx pool. Rows come back as [`Row`]s of
//! integers, text and nulls, the only types Debrief stores.

use crate::write::{Arg, lite_error};
use crate::{Store, StoreError, StoreResult};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::Mutex;

/// One column value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Val {
    /// NULL.
    Null,
    /// An integer.
    I(i64),
    /// Text.
    S(String),
    /// Bytes.
    B(Vec<u8>),
}

/// One row.
#[derive(Debug, Clone)]
pub(crate) struct Row(Vec<Val>);

impl Row {
    /// An integer column (NULL reads as 0).
    pub(crate) fn i(&self, n: usize) -> i64 {
        self.oi(n).unwrap_or(0)
    }

    /// An integer column that may be NULL.
    pub(crate) fn oi(&self, n: usize) -> Option<i64> {
        match self.0.get(n) {
            Some(Val::I(v)) => Some(*v),
            Some(Val::S(s)) => s.parse().ok(),
            _ => None,
        }
    }

    /// A text column (NULL reads as empty).
    pub(crate) fn s(&self, n: usize) -> String {
        self.os(n).unwrap_or_default()
    }

    /// A bytes column (NULL and text read as their bytes).
    pub(crate) fn bytes(&self, n: usize) -> Vec<u8> {
        match self.0.get(n) {
            Some(Val::B(b)) => b.clone(),
            Some(Val::S(s)) => s.clone().into_bytes(),
            _ => Vec::new(),
        }
    }

    /// A text column that may be NULL.
    pub(crate) fn os(&self, n: usize) -> Option<String> {
        match self.0.get(n) {
            Some(Val::S(s)) => Some(s.clone()),
            Some(Val::I(v)) => Some(v.to_string()),
            _ => None,
        }
    }
}

/// Read-only SQLite connections, used in turn.
#[derive(Debug, Clone)]
pub(crate) struct LiteReaders {
    conns: Arc<Vec<Arc<Mutex<rusqlite::Connection>>>>,
    next: Arc<AtomicUsize>,
}

impl LiteReaders {
    /// Opens `n` read-only connections on a SQLite file.
    pub(crate) fn open(path: &str, n: usize) -> StoreResult<Self> {
        let mut conns = Vec::with_capacity(n);
        for _ in 0..n {
            let conn = rusqlite::Connection::open_with_flags(
                path,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                    | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(lite_error)?;
            conn.execute_batch("PRAGMA busy_timeout=10000; PRAGMA cache_size=-4000;")
                .map_err(lite_error)?;
            conn.set_prepared_statement_cache_capacity(128);
            conns.push(Arc::new(Mutex::new(conn)));
        }
        Ok(Self {
            conns: Arc::new(conns),
            next: Arc::new(AtomicUsize::new(0)),
        })
    }

    async fn rows(&self, sql: &str, args: &[Arg<'_>]) -> StoreResult<Vec<Row>> {
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        // Take a free connection if there is one, else wait for the next in turn.
        let conn = match (0..self.conns.len()).find_map(|k| {
            self.conns[(start + k) % self.conns.len()]
                .clone()
                .try_lock_owned()
                .ok()
        }) {
            Some(c) => c,
            None => {
                self.conns[start % self.conns.len()]
                    .clone()
                    .lock_owned()
                    .await
            }
        };
        lite_rows(&conn, sql, args)
    }
}

/// Runs a statement on a SQLite connection and collects its rows (reads, and `RETURNING`).
pub(crate) fn lite_rows(
    conn: &rusqlite::Connection,
    sql: &str,
    args: &[Arg<'_>],
) -> StoreResult<Vec<Row>> {
    let mut stmt = conn.prepare_cached(sql).map_err(lite_error)?;
    crate::write::bind(&mut stmt, args)?;
    let columns = stmt.column_count();
    let mut rows = stmt.raw_query();
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(lite_error)? {
        let mut vals = Vec::with_capacity(columns);
        for c in 0..columns {
            vals.push(match r.get_ref(c).map_err(lite_error)? {
                rusqlite::types::ValueRef::Null => Val::Null,
                rusqlite::types::ValueRef::Integer(v) => Val::I(v),
                rusqlite::types::ValueRef::Real(v) => Val::I(v as i64),
                rusqlite::types::ValueRef::Text(t) => {
                    Val::S(String::from_utf8_lossy(t).into_owned())
                }
                rusqlite::types::ValueRef::Blob(b) => Val::B(b.to_vec()),
            });
        }
        out.push(Row(vals));
    }
    Ok(out)
}

/// Converts a sqlx row to a [`Row`].
pub(crate) fn any_row(row: &sqlx::any::AnyRow) -> StoreResult<Row> {
    use sqlx::any::AnyTypeInfoKind as K;
    use sqlx::{Column, Row as _, TypeInfo as _};
    let mut vals = Vec::with_capacity(row.len());
    for (n, col) in row.columns().iter().enumerate() {
        let kind = col.type_info().kind();
        let v = match kind {
            K::Null => Val::Null,
            K::Bool | K::SmallInt | K::Integer | K::BigInt => {
                row.try_get::<Option<i64>, _>(n)?.map_or(Val::Null, Val::I)
            }
            K::Text => row
                .try_get::<Option<String>, _>(n)?
                .map_or(Val::Null, Val::S),
            K::Blob => row
                .try_get::<Option<Vec<u8>>, _>(n)?
                .map_or(Val::Null, Val::B),
            other => {
                return Err(StoreError::Other(
                    format!(
                        "column {} has a type Debrief does not store ({other:?}, {})",
                        col.name(),
                        col.type_info().name()
                    )
                    .into(),
                ));
            }
        };
        vals.push(v);
    }
    Ok(Row(vals))
}

impl Store {
    /// Runs a read and returns its rows.
    pub(crate) async fn read_rows(&self, sql: &str, args: &[Arg<'_>]) -> StoreResult<Vec<Row>> {
        if let Some(readers) = &self.lite_readers {
            return readers.rows(sql, args).await;
        }
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()));
        for a in args {
            q = match *a {
                Arg::I(v) => q.bind(v),
                Arg::OI(v) => q.bind(v),
                Arg::S(v) => q.bind(v),
                Arg::OS(v) => q.bind(v),
                Arg::B(v) => q.bind(v.to_vec()),
            };
        }
        q.fetch_all(self.reader())
            .await?
            .iter()
            .map(any_row)
            .collect()
    }
}
