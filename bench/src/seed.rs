//! Seeds a migrated Debrief database with N incidents, written straight into the schema in one
//! transaction with multi-row `INSERT`s: each incident as `debrief incident declare` would leave
//! it (its `declared` and commander `role_change` events, the declarer as participant and
//! commander), with statuses, severities and private flags spread like a real history, and the
//! `incident` counter set so new declarations continue at INC-(N+1).

use anyhow::{Context, Result, bail};
use sqlx::{AssertSqlSafe, Connection, PgConnection};
use std::fmt::Write as _;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Rows per `INSERT` statement.
const CHUNK: u64 = 500;

const TITLES: [&str; 8] = [
    "Checkout errors above 2%",
    "API latency p99 over 2 s",
    "Login failures for SSO users",
    "Webhooks delayed by 10+ minutes",
    "Search results stale",
    "Payment provider timeouts",
    "Elevated 5xx at the edge",
    "Database replica lag",
];
const REGIONS: [&str; 4] = ["eu-west", "us-east", "ap-south", "all regions"];

/// The search suite's notes: what was done, to what, and what recovered.
const ACTIONS: [&str; 8] = [
    "Restarted",
    "Rolled back",
    "Drained",
    "Scaled up",
    "Failed over",
    "Patched",
    "Throttled",
    "Rebuilt",
];
const COMPONENTS: [&str; 10] = [
    "the primary database",
    "the cache cluster",
    "the ingress controller",
    "the payment gateway",
    "the search index",
    "the message queue",
    "the auth service",
    "the DNS resolver",
    "the CDN edge",
    "the job scheduler",
];
const SIGNALS: [&str; 5] = [
    "throughput",
    "latency",
    "the error rate",
    "queue depth",
    "memory",
];

/// What to seed besides the incidents as declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extra {
    /// Nothing (the api suite).
    None,
    /// A responder's note on every incident, with varied words and a rare tag `zqN` (N below
    /// 997), for the search suite.
    Notes,
}

/// The note of incident `i` (hash `h`) for the search suite.
fn note(i: u64, h: u64) -> String {
    format!(
        "{} {} in {}; {} recovered after {} minutes (ref zq{})",
        ACTIONS[(h >> 40) as usize % ACTIONS.len()],
        COMPONENTS[(h >> 44) as usize % COMPONENTS.len()],
        REGIONS[(h >> 48) as usize % REGIONS.len()],
        SIGNALS[(h >> 52) as usize % SIGNALS.len()],
        (h >> 56) % 50 + 2,
        i % 997
    )
}

/// An SQL string literal.
fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A well-mixed hash of the incident number (splitmix64), so spreads are fixed run to run.
fn mix(i: u64) -> u64 {
    let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Status by share: mostly closed history, a few percent in each active state.
fn status(h: u64) -> (&'static str, i64) {
    match h % 100 {
        0..=2 => ("triage", 1),
        3..=6 => ("investigating", 2),
        7..=9 => ("identified", 3),
        10..=12 => ("monitoring", 4),
        13..=22 => ("resolved", 5),
        23..=27 => ("postmortem", 6),
        28..=32 => ("follow_up", 7),
        33..=37 => ("declined", 2),
        38..=39 => ("merged", 2),
        _ => ("closed", 8),
    }
}

fn severity(h: u64) -> &'static str {
    match (h >> 8) % 100 {
        0..=4 => "SEV1",
        5..=24 => "SEV2",
        25..=64 => "SEV3",
        _ => "SEV4",
    }
}

/// Appends the incident rows, their events, participants and roles for `ids` to four statements.
fn chunk_sql(
    ids: std::ops::RangeInclusive<u64>,
    n: u64,
    admin: (i64, &str, &str),
    now_ms: i64,
    extra: Extra,
) -> [String; 4] {
    let (admin_id, admin_name, admin_email) = admin;
    // The copy of its roles each incident row keeps (`incidents.roles`).
    let roles_copy =
        lit(&serde_json::json!([["commander", admin_id, admin_name, admin_email]]).to_string());
    let span_ms: i64 = 3 * 365 * 24 * 3600 * 1000;
    let mut inc = String::from(
        "INSERT INTO incidents (id, title, summary, severity, status, incident_type, services, customer_impact, \
         private, started_at, declared_at, declared_by, merged_into, version, updated_at, search, roles) VALUES ",
    );
    let mut ev = String::from(
        "INSERT INTO timeline_events (incident_id, kind, at, source, author_id, body, links, data, starred, \
         revision, created_at) VALUES ",
    );
    let mut part = String::from("INSERT INTO incident_participants (incident_id, user_id) VALUES ");
    let mut roles = String::from(
        "INSERT INTO incident_roles (incident_id, role, user_id, assigned_at) VALUES ",
    );
    for (k, i) in ids.enumerate() {
        let sep = if k == 0 { "" } else { "," };
        let h = mix(i);
        let (status, version) = status(h);
        let sev = severity(h);
        let title = format!(
            "{} ({}) #{i}",
            TITLES[(h >> 16) as usize % TITLES.len()],
            REGIONS[(h >> 20) as usize % REGIONS.len()]
        );
        let summary = (!(h >> 24).is_multiple_of(3)).then(|| {
            format!(
                "Customers saw failures; see the runbook for {}.",
                sev.to_lowercase()
            )
        });
        let private = i64::from((h >> 28).is_multiple_of(50));
        let impact = i64::from((h >> 32).is_multiple_of(3));
        let declared_at = now_ms - span_ms + span_ms * i as i64 / n.max(1) as i64;
        let updated_at = declared_at + ((h >> 36) % 72) as i64 * 3_600_000;
        let merged_into = if status == "merged" && i > 1 {
            (i - 1).to_string()
        } else {
            "NULL".into()
        };
        let search = format!("{}\n{}", title, summary.as_deref().unwrap_or("")).to_lowercase();
        let summary_sql = summary.as_deref().map_or("NULL".into(), lit);
        let _ = write!(
            inc,
            "{sep}({i}, {}, {summary_sql}, '{sev}', '{status}', 'default', '[]', {impact}, {private}, NULL, \
             {declared_at}, {admin_id}, {merged_into}, {version}, {updated_at}, {}, {roles_copy})",
            lit(&title),
            lit(&search),
        );
        let declared = serde_json::json!({
            "title": title, "severity": sev, "status": "triage", "type": "default", "services": [],
            "customer_impact": impact == 1, "private": private == 1, "started_at": null,
        });
        let commander = serde_json::json!({"role": "commander", "from": null, "to": {"id": admin_id, "name": admin_name}});
        let _ = write!(
            ev,
            "{sep}({i}, 'declared', {declared_at}, 'api', {admin_id}, {}, '[]', {}, 0, 1, {declared_at}),\
             ({i}, 'role_change', {declared_at}, 'api', {admin_id}, {}, '[]', {}, 0, 1, {declared_at})",
            lit(&format!(
                "{admin_name} declared the incident as {sev}: {title}"
            )),
            lit(&declared.to_string()),
            lit(&format!("{admin_name} is the commander")),
            lit(&commander.to_string()),
        );
        if extra == Extra::Notes {
            let at = declared_at + 600_000;
            let _ = write!(
                ev,
                ",({i}, 'note', {at}, 'api', {admin_id}, {}, '[]', '{{}}', 0, 1, {at})",
                lit(&note(i, h)),
            );
        }
        let _ = write!(part, "{sep}({i}, {admin_id})");
        let _ = write!(roles, "{sep}({i}, 'commander', {admin_id}, {declared_at})");
    }
    [inc, ev, part, roles]
}

/// Seeds `n` incidents declared by the user `email` (and `extra`); returns how long it took.
pub async fn seed(url: &str, n: u64, email: &str, extra: Extra) -> Result<Duration> {
    let started = Instant::now();
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .context("Failed to read the clock")?
        .as_millis() as i64;
    if let Some(path) = url.strip_prefix("sqlite://") {
        let (path, email) = (path.to_string(), email.to_string());
        tokio::task::spawn_blocking(move || seed_sqlite(&path, n, &email, now_ms, extra))
            .await
            .context("The SQLite seeding thread failed")??;
        return Ok(started.elapsed());
    }
    let mut conn = PgConnection::connect(url)
        .await
        .context("Failed to connect to the database to seed it")?;
    let (admin_id, admin_name): (i64, String) =
        sqlx::query_as("SELECT id, name FROM users WHERE email = $1")
            .bind(email)
            .fetch_one(&mut conn)
            .await
            .with_context(|| {
                format!("Failed to find the user {email} to declare the seeded incidents")
            })?;
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM incidents")
        .fetch_one(&mut conn)
        .await?;
    if existing != 0 {
        bail!("the database already holds {existing} incidents; the benchmark seeds a fresh one");
    }
    let mut tx = conn
        .begin()
        .await
        .context("Failed to begin the seeding transaction")?;
    let mut first = 1;
    while first <= n {
        let last = (first + CHUNK - 1).min(n);
        for sql in chunk_sql(
            first..=last,
            n,
            (admin_id, &admin_name, email),
            now_ms,
            extra,
        ) {
            sqlx::raw_sql(AssertSqlSafe(sql))
                .execute(&mut *tx)
                .await
                .with_context(|| format!("Failed to insert incidents {first} to {last}"))?;
        }
        first = last + 1;
    }
    sqlx::query("UPDATE counters SET value = $1 WHERE name = 'incident'")
        .bind(n as i64)
        .execute(&mut *tx)
        .await
        .context("Failed to set the incident counter")?;
    // PostgreSQL numbers incidents from a sequence (the counter row is SQLite's).
    sqlx::query("SELECT setval('incident_number', $1)")
        .bind(n as i64)
        .execute(&mut *tx)
        .await
        .context("Failed to set the incident number sequence")?;
    sqlx::raw_sql(AssertSqlSafe(integration_sql(now_ms)))
        .execute(&mut *tx)
        .await
        .context("Failed to add the bench integration")?;
    tx.commit()
        .await
        .context("Failed to commit the seeded incidents")?;
    // A live PostgreSQL would have auto-analyzed a table this size; do it now so the planner
    // sees the 100,000 rows rather than an empty table.
    sqlx::raw_sql("ANALYZE")
        .execute(&mut conn)
        .await
        .context("Failed to ANALYZE the seeded database")?;
    conn.close()
        .await
        .context("Failed to close the seeding connection")?;
    Ok(started.elapsed())
}

/// The service and PagerDuty integration the alert scenario sends to (its key is
/// [`crate::load::ROUTING_KEY`]); the service's rule only pages, so the storm opens no incidents.
fn integration_sql(now_ms: i64) -> String {
    use sha2::Digest;
    let hash: String = sha2::Sha256::digest(crate::load::ROUTING_KEY.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!(
        "INSERT INTO services (slug, name, description, team, created_at) VALUES ('bench', 'Bench', '', NULL, {now_ms}); \
         INSERT INTO integrations (service, kind, name, key_hash, key_hint, group_by, created_at, updated_at) \
         VALUES ('bench', 'pagerduty', 'Bench monitor', '{hash}', '…e47s', 'sender', {now_ms}, {now_ms}); \
         INSERT INTO alert_rules (service, mode, open_at, severity_map, updated_at) \
         VALUES ('bench', 'page', 'critical', '{{}}', {now_ms});"
    )
}

/// Seeds a SQLite file (see [`seed`]), with rusqlite on a blocking thread.
fn seed_sqlite(path: &str, n: u64, email: &str, now_ms: i64, extra: Extra) -> Result<()> {
    let mut conn =
        rusqlite::Connection::open(path).context("Failed to open the SQLite file to seed it")?;
    conn.busy_timeout(Duration::from_secs(10))?;
    let (admin_id, admin_name): (i64, String) = conn
        .query_row(
            "SELECT id, name FROM users WHERE email = ?1",
            [email],
            |r| Ok((r.get("id")?, r.get("name")?)),
        )
        .with_context(|| {
            format!("Failed to find the user {email} to declare the seeded incidents")
        })?;
    let existing: i64 =
        conn.query_row("SELECT COUNT(*) AS n FROM incidents", [], |r| r.get("n"))?;
    if existing != 0 {
        bail!("the database already holds {existing} incidents; the benchmark seeds a fresh one");
    }
    let tx = conn
        .transaction()
        .context("Failed to begin the seeding transaction")?;
    let mut first = 1;
    while first <= n {
        let last = (first + CHUNK - 1).min(n);
        for sql in chunk_sql(
            first..=last,
            n,
            (admin_id, &admin_name, email),
            now_ms,
            extra,
        ) {
            tx.execute_batch(&sql)
                .with_context(|| format!("Failed to insert incidents {first} to {last}"))?;
        }
        first = last + 1;
    }
    tx.execute(
        "UPDATE counters SET value = ?1 WHERE name = 'incident'",
        [n as i64],
    )
    .context("Failed to set the incident counter")?;
    tx.execute_batch(&integration_sql(now_ms))
        .context("Failed to add the bench integration")?;
    tx.commit()
        .context("Failed to commit the seeded incidents")?;
    Ok(())
}
