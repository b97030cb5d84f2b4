//! Rows read by column name, one text of SQL for both databases.
//!
//! Every read goes through [`Store::read_rows`]: on SQLite one of a few read-only rusqlite
//! connections (WAL lets them read beside the writer), called through `sqlite::blocking` so a
//! long read does not stall the async workers; on PostgreSQL the sqlx pool. A [`Row`]
//! holds integers, text, bytes and nulls (the only types Debrief stores) with the names of its
//! columns; typed getters ([`Row::get`], [`Row::opt`], [`Row::time`], [`Row::parse`],
//! [`Row::json`]) look a column up by name and fail with a [`StoreError::Decode`] naming the
//! column and the query when it is missing, NULL where a value is required, of another type, or
//! holds text or a time that does not parse. Nothing falls back to a default.

use crate::write::{Arg, lite_error};
use crate::{Store, StoreError, StoreResult};
use debrief_core::Timestamp;
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

impl Val {
    fn kind(&self) -> &'static str {
        match self {
            Val::Null => "NULL",
            Val::I(_) => "an integer",
            Val::S(_) => "text",
            Val::B(_) => "bytes",
        }
    }
}

/// The column names of a result, and the start of the query that made it (for errors).
#[derive(Debug)]
pub(crate) struct Columns {
    names: Vec<String>,
    query: String,
}

impl Columns {
    /// The columns of a result of `sql`; only the query's start is kept, as written (errors
    /// tidy it up, see [`Columns::query`]).
    pub(crate) fn new(names: Vec<String>, sql: &str) -> Arc<Self> {
        let start = match sql.char_indices().nth(160) {
            Some((end, _)) => sql.get(..end).unwrap_or(sql),
            None => sql,
        };
        Arc::new(Self {
            names,
            query: start.to_string(),
        })
    }

    /// The start of the query on one line, for an error message.
    fn query(&self) -> String {
        let one_line = self.query.split_whitespace().collect::<Vec<_>>().join(" ");
        match one_line.char_indices().nth(80) {
            Some((end, _)) => format!("{}…", one_line.get(..end).unwrap_or(&one_line)),
            None if one_line.len() < self.query.trim().len() => format!("{one_line}…"),
            None => one_line,
        }
    }
}

/// Why a column could not be read: it names the column and the query.
#[derive(Debug, thiserror::Error)]
#[error("column '{column}' of `{query}`: {problem}")]
pub struct DecodeError {
    column: String,
    query: String,
    problem: String,
}

/// A column type a [`Row`] can read.
pub(crate) trait FromVal: Sized {
    /// What the type is called in errors.
    const WHAT: &'static str;
    /// The value, or `None` when it is of another type (never called with NULL).
    fn from_val(v: &Val) -> Option<Self>;
}

impl FromVal for i64 {
    const WHAT: &'static str = "an integer";
    fn from_val(v: &Val) -> Option<Self> {
        match v {
            Val::I(i) => Some(*i),
            _ => None,
        }
    }
}

impl FromVal for bool {
    const WHAT: &'static str = "a 0/1 flag";
    fn from_val(v: &Val) -> Option<Self> {
        match v {
            Val::I(0) => Some(false),
            Val::I(1) => Some(true),
            _ => None,
        }
    }
}

impl FromVal for String {
    const WHAT: &'static str = "text";
    fn from_val(v: &Val) -> Option<Self> {
        match v {
            Val::S(s) => Some(s.clone()),
            _ => None,
        }
    }
}

impl FromVal for Vec<u8> {
    const WHAT: &'static str = "bytes";
    fn from_val(v: &Val) -> Option<Self> {
        match v {
            Val::B(b) => Some(b.clone()),
            _ => None,
        }
    }
}

/// One row, with the names of its columns.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    columns: Arc<Columns>,
    vals: Vec<Val>,
}

impl Row {
    /// A row of `vals` under `columns` (one value per column).
    pub(crate) fn new(columns: Arc<Columns>, vals: Vec<Val>) -> Self {
        Self { columns, vals }
    }

    fn error(&self, column: &str, problem: String) -> StoreError {
        StoreError::Decode(DecodeError {
            column: column.to_string(),
            query: self.columns.query(),
            problem,
        })
    }

    /// The value of a column, or an error when the result has no such column.
    fn val(&self, column: &str) -> StoreResult<&Val> {
        self.columns
            .names
            .iter()
            .position(|n| n == column)
            .and_then(|k| self.vals.get(k))
            .ok_or_else(|| {
                self.error(
                    column,
                    format!(
                        "no such column (the result has {})",
                        self.columns.names.join(", ")
                    ),
                )
            })
    }

    /// The integer of a one-column row (a scalar statement: `RETURNING id`, `SELECT 1`).
    pub(crate) fn only_int(&self) -> StoreResult<Option<i64>> {
        match self.columns.names.as_slice() {
            [name] => self.opt::<i64>(name),
            names => Err(self.error(
                &names.join(", "),
                "a scalar statement must return exactly one column".into(),
            )),
        }
    }

    /// A column that may be NULL.
    pub(crate) fn opt<T: FromVal>(&self, column: &str) -> StoreResult<Option<T>> {
        match self.val(column)? {
            Val::Null => Ok(None),
            v => T::from_val(v)
                .map(Some)
                .ok_or_else(|| self.error(column, format!("holds {}, not {}", v.kind(), T::WHAT))),
        }
    }

    /// The value of the `i`-th column (0-based), which must hold one: for results whose
    /// columns share a name (`SELECT inc.id, ev.id`).
    pub(crate) fn get_at<T: FromVal>(&self, i: usize) -> StoreResult<T> {
        let column = format!("column {}", i + 1);
        match self.vals.get(i) {
            None | Some(Val::Null) => Err(self.error(&column, format!("holds no {}", T::WHAT))),
            Some(v) => T::from_val(v)
                .ok_or_else(|| self.error(&column, format!("holds {}, not {}", v.kind(), T::WHAT))),
        }
    }

    /// A column that must hold a value.
    pub(crate) fn get<T: FromVal>(&self, column: &str) -> StoreResult<T> {
        self.opt(column)?
            .ok_or_else(|| self.error(column, format!("is NULL where {} is required", T::WHAT)))
    }

    /// A time column (milliseconds since the epoch) that may be NULL.
    pub(crate) fn opt_time(&self, column: &str) -> StoreResult<Option<Timestamp>> {
        self.opt::<i64>(column)?
            .map(|ms| {
                Timestamp::from_millisecond(ms).map_err(|e| {
                    self.error(
                        column,
                        format!("holds {ms}, not a time in milliseconds ({e})"),
                    )
                })
            })
            .transpose()
    }

    /// A time column (milliseconds since the epoch).
    pub(crate) fn time(&self, column: &str) -> StoreResult<Timestamp> {
        self.opt_time(column)?
            .ok_or_else(|| self.error(column, "is NULL where a time is required".into()))
    }

    /// A text column parsed into `T` (a status, a scope, a date) that may be NULL.
    pub(crate) fn opt_parse<T: std::str::FromStr>(&self, column: &str) -> StoreResult<Option<T>> {
        self.opt::<String>(column)?
            .map(|s| {
                s.parse().map_err(|_| {
                    self.error(
                        column,
                        format!(
                            "holds '{s}', not a valid {}",
                            std::any::type_name::<T>()
                                .rsplit("::")
                                .next()
                                .unwrap_or("value")
                        ),
                    )
                })
            })
            .transpose()
    }

    /// A text column parsed into `T` (a status, a scope, a date).
    pub(crate) fn parse<T: std::str::FromStr>(&self, column: &str) -> StoreResult<T> {
        self.opt_parse(column)?
            .ok_or_else(|| self.error(column, "is NULL where a value is required".into()))
    }

    /// A JSON text column that may be NULL.
    pub(crate) fn opt_json<T: serde::de::DeserializeOwned>(
        &self,
        column: &str,
    ) -> StoreResult<Option<T>> {
        self.opt::<String>(column)?
            .map(|s| {
                serde_json::from_str(&s).map_err(|e| {
                    self.error(
                        column,
                        format!("holds text that is not the JSON expected ({e})"),
                    )
                })
            })
            .transpose()
    }

    /// A JSON text column.
    pub(crate) fn json<T: serde::de::DeserializeOwned>(&self, column: &str) -> StoreResult<T> {
        self.opt_json(column)?
            .ok_or_else(|| self.error(column, "is NULL where JSON text is required".into()))
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
                    | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX
                    | rusqlite::OpenFlags::SQLITE_OPEN_URI,
            )
            .map_err(lite_error)?;
            // Sorts that spill stay in memory (see the writer's pragmas).
            conn.execute_batch(
                "PRAGMA busy_timeout=10000; PRAGMA cache_size=-4000; PRAGMA temp_store=MEMORY;",
            )
            .map_err(lite_error)?;
            conn.set_prepared_statement_cache_capacity(128);
            conns.push(Arc::new(Mutex::new(conn)));
        }
        Ok(Self {
            conns: Arc::new(conns),
            next: Arc::new(AtomicUsize::new(0)),
        })
    }

    /// Runs a read on a free connection; `in_place` skips [`crate::sqlite::blocking`].
    async fn rows(&self, sql: &str, args: &[Arg<'_>], in_place: bool) -> StoreResult<Vec<Row>> {
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
        if in_place {
            lite_rows(&conn, sql, args)
        } else {
            crate::sqlite::blocking(|| lite_rows(&conn, sql, args))
        }
    }
}

/// Runs a statement on a SQLite connection and collects its rows (reads, and `RETURNING`).
/// Call it through [`crate::sqlite::blocking`].
pub(crate) fn lite_rows(
    conn: &rusqlite::Connection,
    sql: &str,
    args: &[Arg<'_>],
) -> StoreResult<Vec<Row>> {
    let mut stmt = conn.prepare_cached(sql).map_err(lite_error)?;
    crate::write::bind(&mut stmt, args)?;
    let columns = Columns::new(
        stmt.column_names().into_iter().map(String::from).collect(),
        sql,
    );
    let count = columns.names.len();
    let mut rows = stmt.raw_query();
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(lite_error)? {
        let mut vals = Vec::with_capacity(count);
        for c in 0..count {
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
        out.push(Row::new(columns.clone(), vals));
    }
    Ok(out)
}

/// Converts PostgreSQL rows to [`Row`]s.
pub(crate) fn pg_rows(rows: &[sqlx::postgres::PgRow], sql: &str) -> StoreResult<Vec<Row>> {
    use sqlx::{Column, Row as _, TypeInfo as _};
    let Some(first) = rows.first() else {
        return Ok(Vec::new());
    };
    let columns = Columns::new(
        first
            .columns()
            .iter()
            .map(|c| c.name().to_string())
            .collect(),
        sql,
    );
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let mut vals = Vec::with_capacity(row.len());
        for (n, col) in row.columns().iter().enumerate() {
            let v = match col.type_info().name() {
                "INT8" => row.try_get::<Option<i64>, _>(n)?.map_or(Val::Null, Val::I),
                "INT4" => row
                    .try_get::<Option<i32>, _>(n)?
                    .map_or(Val::Null, |v| Val::I(v.into())),
                "INT2" => row
                    .try_get::<Option<i16>, _>(n)?
                    .map_or(Val::Null, |v| Val::I(v.into())),
                "BOOL" => row
                    .try_get::<Option<bool>, _>(n)?
                    .map_or(Val::Null, |v| Val::I(v.into())),
                "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" => row
                    .try_get::<Option<String>, _>(n)?
                    .map_or(Val::Null, Val::S),
                "BYTEA" => row
                    .try_get::<Option<Vec<u8>>, _>(n)?
                    .map_or(Val::Null, Val::B),
                "VOID" => Val::Null,
                other => {
                    return Err(StoreError::Decode(DecodeError {
                        column: col.name().to_string(),
                        query: columns.query(),
                        problem: format!("has a type Debrief does not store ({other})"),
                    }));
                }
            };
            vals.push(v);
        }
        out.push(Row::new(columns.clone(), vals));
    }
    Ok(out)
}

/// A PostgreSQL query with its arguments bound.
pub(crate) fn pg_query<'q>(
    sql: &'q str,
    args: &[Arg<'q>],
) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for a in args {
        q = match *a {
            Arg::I(v) => q.bind(v),
            Arg::OI(v) => q.bind(v),
            Arg::S(v) => q.bind(v),
            Arg::OS(v) => q.bind(v),
            Arg::B(v) => q.bind(v),
        };
    }
    q
}

impl Store {
    /// Runs a read and returns its rows. On SQLite it runs through [`crate::sqlite::blocking`],
    /// since a read may scan many rows.
    pub(crate) async fn read_rows(&self, sql: &str, args: &[Arg<'_>]) -> StoreResult<Vec<Row>> {
        self.read(sql, args, false).await
    }

    /// Runs a keyed lookup (a few rows found by primary or unique key, such as an incident by
    /// id or a session by its hash) and returns its rows. On SQLite it runs in place: it takes
    /// microseconds and cannot wait on the writer (WAL), less than the `block_in_place`
    /// hand-over would cost, and these lookups are on every request's path.
    pub(crate) async fn read_keyed(&self, sql: &str, args: &[Arg<'_>]) -> StoreResult<Vec<Row>> {
        self.read(sql, args, true).await
    }

    async fn read(&self, sql: &str, args: &[Arg<'_>], in_place: bool) -> StoreResult<Vec<Row>> {
        match &self.db {
            crate::Db::Sqlite { readers, .. } => readers.rows(sql, args, in_place).await,
            crate::Db::Postgres(pool) => {
                let rows = pg_query(sql, args).fetch_all(pool).await?;
                pg_rows(&rows, sql)
            }
        }
    }

    /// Runs a keyed lookup of one row (see [`Store::read_keyed`]) and returns it, if any.
    pub(crate) async fn read_row(&self, sql: &str, args: &[Arg<'_>]) -> StoreResult<Option<Row>> {
        Ok(self.read_keyed(sql, args).await?.into_iter().next())
    }
}

#[cfg(test)]
mod tests {
    use crate::{DatabaseUrl, Store, StoreError};
    use debrief_core::status::Status;

    /// Reads one row of `sql` (a literal `SELECT`, no tables needed).
    async fn row(store: &Store, sql: &str) -> super::Row {
        store
            .read_rows(sql, &[])
            .await
            .expect("the query runs")
            .into_iter()
            .next()
            .expect("a row")
    }

    /// The message of a decode error, which must name `column`.
    fn message<T: std::fmt::Debug>(r: Result<T, StoreError>, column: &str) -> String {
        match r {
            Err(e @ StoreError::Decode(_)) => {
                let m = e.to_string();
                assert!(m.contains(&format!("'{column}'")), "{m}");
                m
            }
            other => panic!("expected a decode error about {column}, got {other:?}"),
        }
    }

    /// Every way a row can fail to decode, on the store's real driver.
    async fn decode_errors_name_the_column(store: &Store) {
        let null = row(store, "SELECT NULL AS summary, 7 AS id").await;
        assert_eq!(null.opt::<String>("summary").unwrap(), None);
        assert_eq!(null.get::<i64>("id").unwrap(), 7);
        let m = message(null.get::<String>("summary"), "summary");
        assert!(m.contains("NULL"), "{m}");
        assert!(
            m.contains("SELECT NULL AS summary"),
            "the query is named: {m}"
        );
        message(null.time("summary"), "summary");

        let m = message(null.get::<i64>("declared_at"), "declared_at");
        assert!(m.contains("no such column"), "{m}");
        assert!(
            m.contains("summary, id"),
            "the columns there are listed: {m}"
        );

        let wrong = row(store, "SELECT 'seven' AS id").await;
        let m = message(wrong.get::<i64>("id"), "id");
        assert!(m.contains("text, not an integer"), "{m}");

        let time = row(
            store,
            "SELECT 1700000000000 AS declared_at, 9223372036854775807 AS updated_at",
        )
        .await;
        assert_eq!(
            time.time("declared_at").unwrap(),
            debrief_core::Timestamp::from_millisecond(1_700_000_000_000).unwrap()
        );
        let m = message(time.time("updated_at"), "updated_at");
        assert!(m.contains("not a time"), "{m}");
        message(time.opt_time("updated_at"), "updated_at");

        let status = row(store, "SELECT 'resolved' AS status, 'on_fire' AS bad").await;
        assert_eq!(status.parse::<Status>("status").unwrap(), Status::Resolved);
        let m = message(status.parse::<Status>("bad"), "bad");
        assert!(m.contains("'on_fire'") && m.contains("Status"), "{m}");

        let json = row(store, "SELECT '[\"api\"]' AS services, 'not json' AS links").await;
        assert_eq!(json.json::<Vec<String>>("services").unwrap(), ["api"]);
        message(json.json::<Vec<String>>("links"), "links");

        let flag = row(store, "SELECT 1 AS private, 2 AS starred").await;
        assert!(flag.get::<bool>("private").unwrap());
        message(flag.get::<bool>("starred"), "starred");
    }

    fn temp_sqlite(name: &str) -> (std::path::PathBuf, DatabaseUrl) {
        let dir = std::env::temp_dir().join(format!("debrief-read-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let url = DatabaseUrl::parse(&format!("sqlite://{}", dir.join("t.db").display())).unwrap();
        (dir, url)
    }

    #[tokio::test]
    async fn sqlite_decode_errors_name_the_column() {
        let (dir, url) = temp_sqlite("current");
        let store = Store::connect(&url).await.unwrap();
        decode_errors_name_the_column(&store).await;
        drop(store);
        std::fs::remove_dir_all(dir).ok();
    }

    /// On a multi-threaded runtime SQLite calls run under `block_in_place`.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_reads_and_writes_on_a_multi_threaded_runtime() {
        let (dir, url) = temp_sqlite("multi");
        let store = Store::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        decode_errors_name_the_column(&store).await;
        store.set_setting("k", "v").await.unwrap();
        assert_eq!(store.setting("k").await.unwrap().as_deref(), Some("v"));
        drop(store);
        std::fs::remove_dir_all(dir).ok();
    }

    #[tokio::test]
    async fn postgres_decode_errors_name_the_column() {
        // Never skipped: without PostgreSQL the test fails (scripts/test finds one and sets this).
        let url = std::env::var("DEBRIEF_TEST_DATABASE_URL")
            .expect("DEBRIEF_TEST_DATABASE_URL names a PostgreSQL database (scripts/test sets it)");
        let store = Store::connect(&DatabaseUrl::parse(&url).unwrap())
            .await
            .unwrap();
        decode_errors_name_the_column(&store).await;
        store.close().await;
    }
}
