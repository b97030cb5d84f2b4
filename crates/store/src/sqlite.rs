//! SQLite set-up: a WAL-mode file, one rusqlite writer connection and a few readers, the
//! migrator, and `blocking`, which keeps SQLite calls off the async worker threads' queues.
//!
//! # Migrations
//! `migrate` applies the embedded `migrations/sqlite/*.sql` (`migrations::MIGRATIONS`) and
//! records them in the `_sqlx_migrations` table exactly as `sqlx::migrate!` recorded them before
//! Debrief ran SQLite through rusqlite only: same columns, the description taken from the file
//! name, the SHA-384 of the SQL as checksum. So a file made by an earlier build migrates on,
//! and an edited migration or a partly applied one is refused, as sqlx refused it.

use crate::migrations::MIGRATIONS;
use crate::write::lite_error;
use crate::{DatabaseUrl, StoreError, StoreResult};
use sha2::{Digest, Sha384};
use std::time::Instant;

/// Runs a SQLite call that may block so that it does not stall the async workers: reads that may
/// scan, taking the write lock, opening and migrating (keyed lookups, `Store::read_keyed`, and
/// the statements inside a write transaction run in place, see `WriteTx::begin_lite`).
///
/// On a multi-threaded runtime the call runs under [`tokio::task::block_in_place`]: the worker
/// thread hands its queue of tasks to another thread for the call's duration, so a slow call
/// (a wait on the write lock, a long read) holds up only its own request. That hand-over costs
/// about 15 µs on a worker thread. On a current-thread runtime (tests, the CLI's one-shot
/// commands) nothing else could run meanwhile anyway, and `block_in_place` is not allowed there:
/// the call runs in place.
pub(crate) fn blocking<R>(f: impl FnOnce() -> R) -> R {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

/// Takes the next incident number. Writers are serialized, so the numbers have no gaps.
pub(crate) const NEXT_INCIDENT_NUMBER: &str =
    "UPDATE counters SET value = value + 1 WHERE name = 'incident' RETURNING value";

/// Claims due jobs (`$1` now, `$2` the lease's end, `$3` how many). The one writer connection
/// runs claims one at a time, so a plain `UPDATE … RETURNING` never hands a job out twice.
pub(crate) const CLAIM_JOBS: &str = "UPDATE jobs SET status = 'running', attempts = attempts + 1, \
     locked_until = COALESCE($1 + lease_ms, $2), updated_at = $1 WHERE id IN (SELECT id FROM jobs \
     WHERE (status IN ('queued', 'failed') AND run_at <= $1) OR (status = 'running' AND locked_until <= $1) \
     ORDER BY run_at, id LIMIT $3) \
     RETURNING id, kind, dedupe_key, payload, status, attempts, max_attempts, run_at, \
     locked_until, last_error, created_at, updated_at, done_at";

/// The file a `sqlite://PATH` URL names (anything after `?` is ignored).
pub(crate) fn file_path(url: &DatabaseUrl) -> String {
    let u = url.expose();
    let rest = u
        .strip_prefix("sqlite://")
        .or_else(|| u.strip_prefix("sqlite:"))
        .unwrap_or(u);
    rest.split('?').next().unwrap_or(rest).to_string()
}

/// A migration as `_sqlx_migrations` records it.
struct Migration {
    version: i64,
    description: String,
    sql: &'static str,
    checksum: Vec<u8>,
}

impl Migration {
    /// Reads `<version>_<words>.sql` as sqlx does: the version, the words with `_` as spaces.
    fn of(name: &str, sql: &'static str) -> StoreResult<Self> {
        let bad = || StoreError::Other(format!("migration file name '{name}'").into());
        let (version, rest) = name.split_once('_').ok_or_else(bad)?;
        Ok(Self {
            version: version.parse().map_err(|_| bad())?,
            description: rest.strip_suffix(".sql").ok_or_else(bad)?.replace('_', " "),
            sql,
            checksum: Sha384::digest(sql.as_bytes()).to_vec(),
        })
    }
}

/// The table of applied migrations, as sqlx creates it.
const MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS _sqlx_migrations (
    version BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    success BOOLEAN NOT NULL,
    checksum BLOB NOT NULL,
    execution_time BIGINT NOT NULL
);";

/// Applies the migrations of [`MIGRATIONS`] that have not run yet, each in its own transaction
/// with its row in `_sqlx_migrations`. Call it through [`blocking`], on the writer connection.
pub(crate) fn migrate(conn: &rusqlite::Connection) -> StoreResult<()> {
    let migrations = MIGRATIONS
        .iter()
        .map(|m| Migration::of(m.name, m.sqlite))
        .collect::<StoreResult<Vec<_>>>()?;
    conn.execute_batch(MIGRATIONS_TABLE).map_err(lite_error)?;
    let applied: Vec<(i64, bool, Vec<u8>)> = conn
        .prepare("SELECT version, success, checksum FROM _sqlx_migrations ORDER BY version")
        .and_then(|mut s| {
            s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect()
        })
        .map_err(lite_error)?;
    let refuse = |why: String| Err(StoreError::Other(why.into()));
    for (version, success, checksum) in &applied {
        if !success {
            return refuse(format!(
                "migration {version} was partially applied; repair the database by hand"
            ));
        }
        match migrations.iter().find(|m| m.version == *version) {
            None => {
                return refuse(format!(
                    "migration {version} was applied but is unknown to this build (a newer \
                     Debrief migrated this database)"
                ));
            }
            Some(m) if m.checksum != *checksum => {
                return refuse(format!(
                    "migration {version} was applied but has been modified since"
                ));
            }
            Some(_) => {}
        }
    }
    for m in migrations
        .iter()
        .filter(|m| !applied.iter().any(|(v, _, _)| *v == m.version))
    {
        let started = Instant::now();
        let tx = conn.unchecked_transaction().map_err(lite_error)?;
        tx.execute_batch(m.sql).map_err(|e| {
            StoreError::Other(format!("migration {} failed: {e}", m.version).into())
        })?;
        tx.execute(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (?1, ?2, TRUE, ?3, ?4)",
            rusqlite::params![
                m.version,
                m.description,
                m.checksum,
                i64::try_from(started.elapsed().as_nanos()).unwrap_or(i64::MAX)
            ],
        )
        .map_err(lite_error)?;
        tx.commit().map_err(lite_error)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02X}")).collect()
    }

    /// What `sqlx::migrate!` 0.9 recorded for each migration (read from a file it migrated).
    const SQLX_RECORDED: &[(i64, &str, &str)] = &[
        (
            20261121100000,
            "create core",
            "8AE29CF90F298FAC5C61FD86C7973CE837640243F4EAA82BE989884141A87115A5C6ACD0AD4DC44D03C413401C6FB386",
        ),
        (
            20261121120000,
            "add incident filter index",
            "A5C71E3E204ABE4FB69AEA2716F94EA81395ECC86B2E86B634ACAE0E4DD31B9419D2EB4F6392119DC83647AF2E28023E",
        ),
        (
            20261121130000,
            "add incident number sequence",
            "6DAF9A044CE0B0A5D1CA18AB932A427816599513C6FBA5333EDFB9447A63F722619A262B92EAA483479FB9BED1784947",
        ),
        (
            20261121140000,
            "create jobs",
            "BDC9CCA6F2A78F355EEFF726595393F64DD7F6D25A398C0B69953A6565FD8C1E4F8200A8FB375A46E144C2A405E0E21A",
        ),
        (
            20261121150000,
            "create postmortems",
            "A0882F11EE7329844A30B19AC628D9594A69AB8D228423B4701B2252B1E40EEC0E7173663EE3D7B66F0FD5A11C09A929",
        ),
        (
            20261121160000,
            "create meetings",
            "31D4E9422BA4CF3154128E851EFAF2ADE43A17D70BD0CF4BA16FF5AEAE12782E9D970D0789AE94587BB729A3AAF1D08A",
        ),
        (
            20261121170000,
            "create status pages",
            "6B23D189360D7E4D3D738936CBAF157C9B944B320BF85D4FBC55236DAF969858F08555A5EA6BB1910C5BD4AF3750B2A7",
        ),
        (
            20261121180000,
            "create maintenances",
            "3FABD4253B0B0B9A96B601AAB436CFDA891D30BF3E0126B8057EB1B34007AE93D56521A3F73CA8F63E2F12101CE24996",
        ),
        (
            20261121190000,
            "create subscribers",
            "B3738958DD4788FF64678917BEF41074787A62AF8FDD6F8346245C2AAC15AEB44C61D1D6E87A69BB254CE852D62737E2",
        ),
        (
            20261122100000,
            "add maintenance version",
            "162B7BE01D41B842DD115A0A1902008DDF16E0419320894FBD763D5383D4B3E5C0859D174039744567898FCCA635F6E9",
        ),
        (
            20261123120000,
            "add subscriber contact",
            "96B5C967734E3449B3C78E156D3310CB36C387A8F6EF85064160F5F8365D7E5A90D4796A1C89A7E21DF64B99A95BC4C4",
        ),
    ];

    fn recorded(conn: &rusqlite::Connection) -> Vec<(i64, String, String)> {
        conn.prepare("SELECT version, description, checksum FROM _sqlx_migrations ORDER BY version")
            .unwrap()
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, hex(&r.get::<_, Vec<u8>>(2)?)))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    /// A file as an earlier build left it: sqlx's table, and the first `n` migrations applied
    /// and recorded as sqlx recorded them.
    fn old_file(dir: &std::path::Path, n: usize) -> rusqlite::Connection {
        let conn = rusqlite::Connection::open(dir.join("old.db")).unwrap();
        conn.execute_batch(MIGRATIONS_TABLE).unwrap();
        for (m, (version, description, checksum)) in MIGRATIONS.iter().zip(SQLX_RECORDED).take(n) {
            conn.execute_batch(m.sqlite).unwrap();
            conn.execute_batch(&format!(
                "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
                 VALUES ({version}, '{description}', TRUE, X'{checksum}', 1234567)"
            ))
            .unwrap();
        }
        conn
    }

    fn temp_dir(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("debrief-store-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn migrations_are_recorded_as_sqlx_recorded_them() {
        let dir = temp_dir("fresh");
        let conn = rusqlite::Connection::open(dir.join("new.db")).unwrap();
        migrate(&conn).unwrap();
        let expected: Vec<(i64, String, String)> = SQLX_RECORDED
            .iter()
            .map(|(v, d, c)| (*v, d.to_string(), c.to_string()))
            .collect();
        // The migrations sqlx recorded (captured from a file it made) are recorded the same;
        // later ones follow.
        let rows = recorded(&conn);
        assert_eq!(rows.len(), MIGRATIONS.len());
        assert_eq!(rows[..expected.len()], expected[..]);
        // Running again changes nothing.
        migrate(&conn).unwrap();
        assert_eq!(recorded(&conn).len(), MIGRATIONS.len());
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn a_file_migrated_by_sqlx_migrates_on() {
        let dir = temp_dir("old");
        let conn = old_file(&dir, 9);
        migrate(&conn).unwrap();
        let rows = recorded(&conn);
        assert_eq!(rows.len(), MIGRATIONS.len());
        for (row, (v, d, c)) in rows.iter().zip(SQLX_RECORDED) {
            assert_eq!(row, &(*v, d.to_string(), c.to_string()));
        }
        // The later migrations ran: the column added by the last one is there.
        conn.execute_batch("SELECT contact_email FROM subscribers")
            .unwrap();
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn a_modified_or_partial_migration_is_refused() {
        let dir = temp_dir("refused");
        let conn = old_file(&dir, 2);
        conn.execute_batch(
            "UPDATE _sqlx_migrations SET checksum = X'00' WHERE version = 20261121120000",
        )
        .unwrap();
        let e = migrate(&conn).unwrap_err();
        assert!(format!("{e:?}").contains("modified"), "{e:?}");
        conn.execute_batch(&format!(
            "UPDATE _sqlx_migrations SET checksum = X'{}', success = FALSE \
             WHERE version = 20261121120000",
            SQLX_RECORDED[1].2
        ))
        .unwrap();
        let e = migrate(&conn).unwrap_err();
        assert!(format!("{e:?}").contains("partially"), "{e:?}");
        std::fs::remove_dir_all(dir).ok();
    }
}
