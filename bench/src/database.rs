//! The database a backend run uses: a SQLite file in the run's work directory, or a fresh
//! PostgreSQL database (`debrief_bench_<pid>`) created for the run and dropped after it; and the
//! admin account and API token made for it with the `debrief` CLI, as an operator would.

use anyhow::{Context, Result, bail};
use sqlx::{AssertSqlSafe, Connection, PgConnection};
use std::path::{Path, PathBuf};
use tokio::process::Command;

/// The benchmark's user.
pub const EMAIL: &str = "bench@example.com";
const NAME: &str = "Bench Admin";
/// The benchmark user's password (the slack suite signs in with it).
pub const PASSWORD: &str = "bench-password-not-secret";

/// Which database Debrief runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file.
    Sqlite,
    /// A PostgreSQL database.
    Postgres,
}

impl Backend {
    /// The name in the report.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// A database made for one backend run.
pub struct BenchDb {
    /// Which backend.
    pub backend: Backend,
    /// The URL `debrief --database` gets.
    pub url: String,
    /// For PostgreSQL: the maintenance URL and the database's name, to drop it.
    drop: Option<(String, String)>,
}

impl BenchDb {
    /// Makes a fresh, empty database.
    pub async fn create(
        backend: Backend,
        work_dir: &Path,
        postgres_admin_url: &str,
    ) -> Result<Self> {
        match backend {
            Backend::Sqlite => {
                let path = work_dir.join("debrief-bench.db");
                let path =
                    std::path::absolute(&path).context("Failed to resolve the SQLite path")?;
                Ok(Self {
                    backend,
                    url: format!("sqlite://{}", path.display()),
                    drop: None,
                })
            }
            Backend::Postgres => {
                let name = format!("debrief_bench_{}", std::process::id());
                let base = postgres_admin_url
                    .rsplit_once('/')
                    .filter(|(b, _)| b.contains("://") && !b.ends_with('/'))
                    .map(|(b, _)| b)
                    .with_context(|| {
                        format!(
                            "Failed to read '{postgres_admin_url}' as postgres://USER@HOST:PORT/DB"
                        )
                    })?;
                let mut admin = PgConnection::connect(postgres_admin_url)
                    .await
                    .with_context(|| {
                        format!("Failed to connect to PostgreSQL at {base} (set --postgres-url)")
                    })?;
                sqlx::raw_sql(AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&mut admin)
                .await
                .context("Failed to drop a stale benchmark database")?;
                sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut admin)
                    .await
                    .with_context(|| format!("Failed to create the database {name}"))?;
                admin.close().await.ok();
                Ok(Self {
                    backend,
                    url: format!("{base}/{name}"),
                    drop: Some((postgres_admin_url.to_string(), name)),
                })
            }
        }
    }

    /// Drops the PostgreSQL database (the SQLite file goes with the work directory).
    pub async fn remove(self) -> Result<()> {
        if let Some((admin_url, name)) = self.drop {
            let mut admin = PgConnection::connect(&admin_url)
                .await
                .context("Failed to reconnect to PostgreSQL")?;
            sqlx::raw_sql(AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut admin)
            .await
            .with_context(|| format!("Failed to drop the database {name}"))?;
            admin.close().await.ok();
        }
        Ok(())
    }

    /// Creates the admin account (which also migrates the database) and an API token for it
    /// with `scope` (`write` or `admin`), with `debrief user create` and `debrief token create`;
    /// returns the token.
    pub async fn make_token(&self, debrief: &Path, scope: &str) -> Result<String> {
        let db = ["--database", self.url.as_str()];
        let user = [
            "user",
            "create",
            "--email",
            EMAIL,
            "--name",
            NAME,
            "--role",
            "admin",
            "--password",
            PASSWORD,
        ];
        cli(debrief, &[&user[..], &db[..]].concat()).await?;
        // The API suite uses a write-scoped token, as integrations do: it acts as a responder,
        // so listing applies the private-incident visibility rule. The status suite needs an
        // admin-scoped one to create the page and its components.
        let token = cli(
            debrief,
            &[
                &["token", "create", "--email", EMAIL, "--scope", scope][..],
                &db[..],
            ]
            .concat(),
        )
        .await?;
        let token = token.trim().to_string();
        if token.is_empty() || token.contains(char::is_whitespace) {
            bail!("'debrief token create' printed '{token}', not a token");
        }
        Ok(token)
    }
}

/// Runs the `debrief` CLI and returns its stdout.
async fn cli(debrief: &Path, args: &[&str]) -> Result<String> {
    let out = Command::new(debrief)
        .args(args)
        .env_remove("DEBRIEF_PASSWORD")
        .output()
        .await
        .with_context(|| format!("Failed to run {}", debrief.display()))?;
    if !out.status.success() {
        bail!(
            "debrief {} failed ({}): {}",
            args[..2].join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    String::from_utf8(out.stdout).context("The debrief CLI printed something other than UTF-8")
}

/// The directory a run works in (SQLite file, server logs), removed at the end.
pub fn work_dir() -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("debrief-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("Failed to create {}", dir.display()))?;
    Ok(dir)
}
