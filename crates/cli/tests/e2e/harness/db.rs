//! Fresh databases for tests: a SQLite file in its own temporary directory, or a PostgreSQL
//! database created through `DEBRIEF_TEST_DATABASE_URL`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

/// The environment variable naming a PostgreSQL role that may `CREATE DATABASE`.
pub const PG_URL_VAR: &str = "DEBRIEF_TEST_DATABASE_URL";

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file in a fresh temporary directory.
    Sqlite,
    /// A fresh database on the PostgreSQL server that `DEBRIEF_TEST_DATABASE_URL` names.
    Postgres,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A name no other test (in this or another process) uses: `<prefix>_<pid>_<counter>_<nanos>`.
pub fn unique_name(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A fresh, empty database and how to remove it.
#[derive(Debug, Clone)]
pub enum TestDb {
    /// A SQLite file inside its own directory.
    Sqlite {
        /// The directory (removed with everything in it).
        dir: PathBuf,
        /// The database URL.
        url: String,
    },
    /// A PostgreSQL database.
    Postgres {
        /// The admin URL it was created through.
        admin_url: String,
        /// The database's name.
        name: String,
        /// The database URL.
        url: String,
    },
}

impl TestDb {
    /// Creates a fresh database on `backend`.
    pub async fn create(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(unique_name("debrief_t"));
                std::fs::create_dir_all(&dir).expect("create a temporary directory");
                let url = format!("sqlite://{}", dir.join("debrief.db").display());
                TestDb::Sqlite { dir, url }
            }
            Backend::Postgres => {
                let admin_url = std::env::var(PG_URL_VAR).ok().filter(|v| !v.trim().is_empty()).unwrap_or_else(|| {
                    panic!(
                        "{PG_URL_VAR} is not set: the PostgreSQL tests need a server. Run `scripts/test` (it finds or \
                         starts one), or set {PG_URL_VAR}=postgres://USER@HOST:PORT/postgres (a role that may \
                         CREATE DATABASE)."
                    )
                });
                let name = unique_name("debrief_t");
                pg_admin(&admin_url, &format!("CREATE DATABASE {name}")).await;
                let url = with_database(&admin_url, &name);
                TestDb::Postgres {
                    admin_url,
                    name,
                    url,
                }
            }
        }
    }

    /// The database URL.
    pub fn url(&self) -> &str {
        match self {
            TestDb::Sqlite { url, .. } | TestDb::Postgres { url, .. } => url,
        }
    }

    /// Removes the database; call once nothing uses it any more.
    pub async fn remove(&self) {
        match self {
            TestDb::Sqlite { dir, .. } => {
                let _ = std::fs::remove_dir_all(dir);
            }
            TestDb::Postgres {
                admin_url, name, ..
            } => {
                pg_admin(
                    admin_url,
                    &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                )
                .await;
            }
        }
    }

    /// Removes the database from synchronous code (a `Drop`), on a thread of its own so it does
    /// not need the test's runtime.
    pub fn remove_blocking(&self) {
        let me = self.clone();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            rt.block_on(me.remove());
        })
        .join();
    }
}

/// Runs one statement on the PostgreSQL server as the admin role.
async fn pg_admin(admin_url: &str, sql: &str) {
    use sqlx::{Connection, Executor};
    let mut conn = sqlx::PgConnection::connect(admin_url)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to PostgreSQL through {PG_URL_VAR}: {e}"));
    conn.execute(sqlx::AssertSqlSafe(sql.to_string()))
        .await
        .unwrap_or_else(|e| panic!("`{sql}` failed: {e}"));
    let _ = conn.close().await;
}

/// The admin URL with its database name replaced.
fn with_database(admin_url: &str, name: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (admin_url, String::new()),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_part = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    format!("{host_part}/{name}{query}")
}
