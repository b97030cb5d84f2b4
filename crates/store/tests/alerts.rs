//! Alert deduplication in the store, on a real SQLite file and a fresh PostgreSQL database:
//! every cell of the rule (`debrief_core::alert::dedup`), and concurrent senders repeating
//! the same keys. PostgreSQL comes from `DEBRIEF_TEST_DATABASE_URL` (a role that may
//! `CREATE DATABASE`); the test fails without it (scripts/test sets it).

use debrief_core::Timestamp;
use debrief_core::alert::{AlertSeverity, AlertStatus, SignalAction};
use debrief_store::alert::{AlertFilter, NewIntegration, SignalOutcome, SignalWrite, StoredSignal};
use debrief_store::{DatabaseUrl, Store};
use sqlx::{AssertSqlSafe, Connection, PgConnection};

async fn sqlite_store(name: &str) -> Store {
    let dir = std::env::temp_dir().join(format!("debrief-alerts-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let url = DatabaseUrl::parse(&format!("sqlite://{}", dir.join("a.db").display())).unwrap();
    let store = Store::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    store.seed_defaults().await.unwrap();
    store
}

/// The database of [`postgres_store`] (to drop once its test passed).
fn postgres_db(name: &str) -> String {
    format!("debrief_alerts_{name}_{}", std::process::id())
}

async fn postgres_store(name: &str) -> Store {
    // Never skipped: without PostgreSQL the test fails (scripts/test finds one and sets this).
    let admin_url = std::env::var("DEBRIEF_TEST_DATABASE_URL").expect(
        "DEBRIEF_TEST_DATABASE_URL names a PostgreSQL role that may CREATE DATABASE (scripts/test sets it)",
    );
    let (base, _) = admin_url.rsplit_once('/').expect("a database in the URL");
    let db = postgres_db(name);
    let mut admin = PgConnection::connect(&admin_url).await.expect("connect");
    for sql in [
        format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
        format!("CREATE DATABASE {db}"),
    ] {
        sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(&mut admin)
            .await
            .expect("create the database");
    }
    let store = Store::connect(&DatabaseUrl::parse(&format!("{base}/{db}")).unwrap())
        .await
        .unwrap();
    store.migrate().await.unwrap();
    store.seed_defaults().await.unwrap();
    store
}

async fn integration(store: &Store, now: Timestamp) -> i64 {
    store
        .create_service("checkout", "Checkout", "", None, now)
        .await
        .unwrap();
    store
        .create_integration(
            &NewIntegration {
                service: "checkout".into(),
                kind: "pagerduty".into(),
                name: "Prometheus".into(),
                key_hash: "hash-of-the-key".into(),
                key_hint: "…abcd".into(),
                signing_secret: None,
                group_by: "sender".into(),
                created_by: None,
            },
            now,
        )
        .await
        .unwrap()
        .id
}

fn signal(action: SignalAction, key: &str, now: Timestamp) -> StoredSignal {
    StoredSignal {
        action,
        dedup_key: key.into(),
        group_key: key.into(),
        severity: AlertSeverity::Critical,
        summary: format!("{key} is down"),
        source: Some("web-1".into()),
        details: "{}".into(),
        payload: format!(r#"{{"dedup_key":"{key}"}}"#),
        started_at: now,
    }
}

async fn send(
    store: &Store,
    id: i64,
    action: SignalAction,
    key: &str,
    now: Timestamp,
) -> SignalOutcome {
    let w = SignalWrite {
        integration_id: id,
        service: "checkout".into(),
        by: "PagerDuty Events API".into(),
        now,
        signals: vec![signal(action, key, now)],
        route_kind: "alert.route",
        request: None,
    };
    store.record_signals(w).await.unwrap()[0]
}

async fn the_rule_holds(store: &Store) {
    use SignalAction::{Acknowledge, Resolve, Trigger};
    let now: Timestamp = "2026-12-07T09:00:00Z".parse().unwrap();
    let id = integration(store, now).await;

    // Acknowledge or resolve of an unknown key: accepted, nothing changes.
    assert_eq!(
        send(store, id, Acknowledge, "k1", now).await,
        SignalOutcome::Ignored
    );
    assert_eq!(
        send(store, id, Resolve, "k1", now).await,
        SignalOutcome::Ignored
    );
    // Trigger opens; a repeat counts; acknowledge; a trigger on an acknowledged alert counts
    // and leaves it acknowledged; acknowledging again changes nothing.
    let SignalOutcome::Opened { alert_id: first } = send(store, id, Trigger, "k1", now).await
    else {
        panic!("a trigger opens an alert")
    };
    assert_eq!(
        send(store, id, Trigger, "k1", now).await,
        SignalOutcome::Repeated {
            alert_id: first,
            count: 2
        }
    );
    assert_eq!(
        send(store, id, Acknowledge, "k1", now).await,
        SignalOutcome::Acknowledged { alert_id: first }
    );
    assert_eq!(
        send(store, id, Trigger, "k1", now).await,
        SignalOutcome::Repeated {
            alert_id: first,
            count: 3
        }
    );
    assert_eq!(
        send(store, id, Acknowledge, "k1", now).await,
        SignalOutcome::Ignored
    );
    let a = store.alert(first).await.unwrap();
    assert_eq!((a.status, a.count), (AlertStatus::Acknowledged, 3));
    // Resolve; resolving again changes nothing; a trigger after the resolution opens a new one.
    assert_eq!(
        send(store, id, Resolve, "k1", now).await,
        SignalOutcome::Resolved { alert_id: first }
    );
    assert_eq!(
        send(store, id, Resolve, "k1", now).await,
        SignalOutcome::Ignored
    );
    let SignalOutcome::Opened { alert_id: second } = send(store, id, Trigger, "k1", now).await
    else {
        panic!("a trigger after a resolution opens a new alert")
    };
    assert_ne!(first, second);
    let a = store.alert(first).await.unwrap();
    assert_eq!(
        (a.status, a.count, a.resolved_by.as_deref()),
        (AlertStatus::Resolved, 3, Some("PagerDuty Events API"))
    );
    let open = store
        .alerts(&AlertFilter {
            statuses: vec![AlertStatus::Triggered, AlertStatus::Acknowledged],
            limit: 10,
            ..AlertFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(open.iter().map(|a| a.id).collect::<Vec<_>>(), vec![second]);

    // A storm: 16 senders at once, 25 triggers each over 5 keys: 5 alerts, counts add up.
    let tasks: Vec<_> = (0..16)
        .map(|t| {
            let store = store.clone();
            tokio::spawn(async move {
                for n in 0..25 {
                    send(&store, id, Trigger, &format!("storm-{}", (t + n) % 5), now).await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let mut total = 0;
    for k in 0..5 {
        let a = store
            .open_alert(id, &format!("storm-{k}"))
            .await
            .unwrap()
            .expect("one open alert per key");
        total += a.count;
    }
    assert_eq!(
        total,
        16 * 25,
        "every trigger counted once, no row per repeat"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dedup_rule_holds_on_sqlite() {
    the_rule_holds(&sqlite_store("rule").await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dedup_rule_holds_on_postgres() {
    let store = postgres_store("rule").await;
    the_rule_holds(&store).await;
    // Passed: drop the database (a failing test leaves it to look at).
    store.close().await;
    let admin_url = std::env::var("DEBRIEF_TEST_DATABASE_URL").expect("set above");
    let mut admin = PgConnection::connect(&admin_url).await.expect("connect");
    sqlx::raw_sql(AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
        postgres_db("rule")
    )))
    .execute(&mut admin)
    .await
    .expect("drop the database");
}
