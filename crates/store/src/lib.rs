//! Debrief's persistence: one [`Store`] with SQLite and PostgreSQL behind it.
//!
//! Every method is one operation in one transaction: a domain change and the timeline events it
//! causes commit together or not at all. Queries are written once, in SQL both databases accept
//! (`$1` placeholders, `RETURNING`). Each database has one driver: SQLite is reached through
//! rusqlite only (one writer connection in `write.rs`, a few read-only connections in
//! `read.rs`, the migrator in [`sqlite`]), PostgreSQL through sqlx's PostgreSQL driver (one
//! `PgPool`, see [`postgres`]). Every write is a `WriteTx`, every read a
//! `read_rows`; rows are read by column name into typed values, and a column that is missing,
//! NULL where a value is required, of another type, or holding a time or text that does not
//! parse is a [`StoreError::Decode`] naming the column, never a silent default. SQLite calls that
//! can block (reads that may scan, taking the write lock, migrating) go through `sqlite::blocking`
//! (`block_in_place` on a multi-threaded runtime) so they do not stall the async workers.
//!
//! # Layout
//! - [`error`]: [`StoreError`], the one error type of this crate.
//! - `group_commit` (private): SQLite writes of one kind (declarations, alert signals) that arrive
//!   together, written in one transaction.
//! - [`sqlite`], [`postgres`]: per-backend connection and migration set-up.
//! - `migrations` (private): the embedded migration files of both databases.
//! - `write`, `read` (private): write transactions, and reads into rows decoded by column name.
//! - [`account`]: users, web sessions, API tokens, settings.
//! - [`catalog`]: severities, services, teams.
//! - [`incident`]: declaring, reading and changing incidents; [`participant`]: who takes part.
//! - [`list`]: listing and counting incidents with filters.
//! - [`timeline`]: timeline events and their revisions.
//! - [`policy`]: the postmortem policy and the history it reads.
//! - [`jobs`]: the durable job queue and outgoing webhook endpoints.
//! - [`postmortem`]: postmortems, reviews, templates, attachments.
//! - [`action_item`]: action items.
//! - [`alert`]: alert intake: integrations, deduplicated alerts, routing rules, silences, change
//!   events.
//! - [`status_page`]: status pages, components and their history, published updates.
//! - [`insight`]: reads over many incidents for the learning metrics.
//! - [`insight_pages`]: pages and who they notified, for the incident insights' responder load.
//! - [`similar`]: the candidates of the similar-incident measure, with their evidence.
//! - [`meeting`]: postmortem meetings, the recurring review, calendar feeds.
//! - [`people`]: invitations and password-reset links, deactivation, a person's own settings.
//! - [`oidc`]: OpenID Connect identities and sign-ins under way.
//! - [`slack`]: Slack installations (bot tokens sealed by the server), install states, user links.

pub mod account;
pub mod action_item;
pub mod alert;
pub mod catalog;
pub mod custom_field;
pub mod error;
pub(crate) mod group_commit;
pub mod health;
pub mod incident;
pub mod incident_type;
pub mod insight;
pub mod insight_pages;
pub mod jobs;
pub mod list;
pub mod meeting;
pub(crate) mod migrations;
pub mod oidc;
pub mod oncall;
pub mod participant;
pub mod people;
pub mod policy;
pub mod postgres;
pub mod postmortem;
pub(crate) mod read;
pub mod search;
pub mod service;
pub mod similar;
pub mod slack;
pub mod sqlite;
pub mod status_page;
pub mod team;
pub mod timeline;
pub(crate) mod write;

pub use error::StoreError;
pub use read::DecodeError;

use debrief_core::Timestamp;
use std::fmt;

/// A result of a store operation.
pub type StoreResult<T> = Result<T, StoreError>;

/// Which database is behind the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file (single server).
    Sqlite,
    /// A PostgreSQL server (one or many servers).
    Postgres,
}

/// A database URL whose `Debug` and `Display` hide the password.
#[derive(Clone)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// Parses a URL or a bare SQLite path (`./debrief.db`).
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.starts_with("postgres://")
            || s.starts_with("postgresql://")
            || s.starts_with("sqlite:")
        {
            Ok(Self(s.to_string()))
        } else if s.contains("://") {
            Err(format!(
                "unsupported database URL scheme in '{}'; use sqlite://PATH or postgres://…",
                Self(s.to_string())
            ))
        } else if s.is_empty() {
            Err("the database URL is empty".into())
        } else {
            Ok(Self(format!("sqlite://{s}")))
        }
    }

    /// Which backend the URL names.
    pub fn backend(&self) -> Backend {
        if self.0.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        }
    }

    /// The URL itself, password included: pass it to the driver, never to a log.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // postgres://user:secret@host/db → postgres://user:***@host/db
        match (self.0.find("://"), self.0.rfind('@')) {
            (Some(scheme_end), Some(at)) if at > scheme_end => {
                let (head, host) = self.0.split_at(at);
                let (scheme, userinfo) = head.split_at(scheme_end + 3);
                match userinfo.split_once(':') {
                    Some((user, _secret)) => write!(f, "{scheme}{user}:***{host}"),
                    None => f.write_str(&self.0),
                }
            }
            _ => f.write_str(&self.0),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

/// The store: the connections to one database.
///
/// On SQLite writes go through the one writer connection, so writers queue in the process
/// instead of failing with `SQLITE_BUSY`, and reads run in parallel on a few read-only
/// connections (WAL mode). On PostgreSQL reads and writes share one pool.
#[derive(Clone, Debug)]
pub struct Store {
    backend: Backend,
    url: DatabaseUrl,
    db: Db,
}

/// The connections behind a [`Store`].
#[derive(Clone, Debug)]
pub(crate) enum Db {
    /// SQLite through rusqlite.
    Sqlite {
        /// The one writer connection (see [`mod@write`]).
        writer: write::LiteWriter,
        /// Read-only connections (see [`mod@read`]).
        readers: read::LiteReaders,
        /// Declarations, written in groups (see [`mod@group_commit`]).
        declarations: group_commit::Group<group_commit::Declaration>,
        /// Alert signals, written in groups.
        signals: group_commit::Group<alert::SignalWrite>,
    },
    /// PostgreSQL through sqlx.
    Postgres(sqlx::PgPool),
}

impl Store {
    /// Connects to the database, creating a SQLite file if needed. Does not migrate.
    pub async fn connect(url: &DatabaseUrl) -> StoreResult<Self> {
        let db = match url.backend() {
            Backend::Sqlite => {
                let path = sqlite::file_path(url);
                // The writer first: it creates the file and puts it in WAL mode, which the
                // read-only connections need.
                let writer = sqlite::blocking(|| write::LiteWriter::open(&path))?;
                let readers = sqlite::blocking(|| read::LiteReaders::open(&path, 4))?;
                Db::Sqlite {
                    writer,
                    readers,
                    declarations: group_commit::Group::default(),
                    signals: group_commit::Group::default(),
                }
            }
            Backend::Postgres => Db::Postgres(postgres::pool(url).await?),
        };
        Ok(Self {
            backend: url.backend(),
            url: url.clone(),
            db,
        })
    }

    /// Applies the migrations that have not run yet.
    pub async fn migrate(&self) -> StoreResult<()> {
        match &self.db {
            Db::Sqlite { writer, .. } => writer.migrate().await,
            Db::Postgres(pool) => postgres::migrate(pool).await,
        }
    }

    /// Asks the database one trivial question: `Ok` when it answers (a readiness check).
    pub async fn ping(&self) -> StoreResult<()> {
        self.read_rows("SELECT 1 AS one", &[]).await.map(|_| ())
    }

    /// Which database is behind the store.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes the connections, waiting for queries under way (PostgreSQL; SQLite's close
    /// when the last clone of the store is dropped).
    pub async fn close(&self) {
        if let Db::Postgres(pool) = &self.db {
            pool.close().await;
        }
    }

    /// Begins a write transaction.
    pub(crate) async fn begin_write(&self) -> StoreResult<write::WriteTx> {
        match &self.db {
            Db::Sqlite { writer, .. } => write::WriteTx::begin_lite(writer).await,
            Db::Postgres(pool) => write::WriteTx::begin_pg(pool).await,
        }
    }
}

/// Milliseconds since the epoch, as stored.
pub(crate) fn ms(ts: Timestamp) -> i64 {
    ts.as_millisecond()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_hide_their_password() {
        let u = DatabaseUrl::parse("postgres://app:s3cret@db:5432/debrief").unwrap();
        assert_eq!(u.to_string(), "postgres://app:***@db:5432/debrief");
        assert!(!format!("{u:?}").contains("s3cret"));
        assert_eq!(u.backend(), Backend::Postgres);
    }

    #[test]
    fn a_bare_path_is_a_sqlite_file() {
        let u = DatabaseUrl::parse("./debrief.db").unwrap();
        assert_eq!(u.expose(), "sqlite://./debrief.db");
        assert_eq!(u.backend(), Backend::Sqlite);
        assert!(DatabaseUrl::parse("mysql://x").is_err());
    }
}
