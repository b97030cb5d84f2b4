//! Nothing acknowledged is lost when the server is killed (`kill -9`) in the middle of writes.
//!
//! These tests run the real `debrief` binary: `user create` and `token create` prepare the
//! database, `serve` answers a burst of declarations from several tasks, is killed with SIGKILL
//! while they are still sending, and is started again on the same database.

use crate::harness::{Backend, ServerProcess, TestDb, http_client, prepare_admin};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::{Mutex, Notify};

/// How many declarations must be acknowledged before the kill.
const ACKNOWLEDGED_BEFORE_KILL: usize = 40;
/// How many sending tasks.
const TASKS: usize = 4;
/// The most each task sends (the kill comes long before).
const MAX_PER_TASK: usize = 400;

/// A burst of declarations is cut by `kill -9`; after a restart every acknowledged incident is
/// there with its title, every number is used once, and only the declarations in flight at the
/// kill can have left a number unused (none on SQLite, whose counter is gap-free).
async fn acknowledged_declarations_survive_a_kill_9(backend: Backend) {
    // Arrange: a fresh database with an admin, and the server on it.
    let db = TestDb::create(backend).await;
    let token = prepare_admin(db.url()).await;
    let server = ServerProcess::start(db.url()).await;
    let client = http_client();
    let acknowledged: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let (count, enough, failed) = (
        Arc::new(AtomicUsize::new(0)),
        Arc::new(Notify::new()),
        Arc::new(AtomicUsize::new(0)),
    );

    // Act: several tasks declare as fast as they can; kill the server once enough were
    // acknowledged, while the tasks are still sending.
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let (client, url, token) = (
                client.clone(),
                format!("{}/api/v1/incidents", server.address),
                token.clone(),
            );
            let (acknowledged, count, enough, failed) = (
                acknowledged.clone(),
                count.clone(),
                enough.clone(),
                failed.clone(),
            );
            tokio::spawn(async move {
                for i in 0..MAX_PER_TASK {
                    let title = format!("Durable {task}-{i}");
                    let sent = client
                        .post(&url)
                        .bearer_auth(&token)
                        .json(&json!({"title": title}))
                        .send()
                        .await;
                    let answer = match sent {
                        Ok(res) if res.status() == 201 => res.json::<Value>().await.ok(),
                        Ok(res) => panic!("declaration answered {} before the kill", res.status()),
                        Err(_) => None,
                    };
                    let Some(incident) = answer else {
                        failed.fetch_add(1, Ordering::Relaxed);
                        return; // the server is gone
                    };
                    let reference = incident["reference"]
                        .as_str()
                        .expect("a reference")
                        .to_string();
                    acknowledged.lock().await.push((reference, title));
                    if count.fetch_add(1, Ordering::Relaxed) + 1 == ACKNOWLEDGED_BEFORE_KILL {
                        enough.notify_one();
                    }
                }
            })
        })
        .collect();
    tokio::time::timeout(Duration::from_secs(60), enough.notified())
        .await
        .expect("enough declarations within 60 s");
    server.kill_9().await;
    for t in tasks {
        t.await.expect("a sending task finished");
    }
    let restarted = ServerProcess::start(db.url()).await;

    // Assert: the kill cut the burst short.
    assert_eq!(
        failed.load(Ordering::Relaxed),
        TASKS,
        "every task was cut off by the kill"
    );
    let acknowledged = acknowledged.lock().await.clone();
    assert!(
        acknowledged.len() >= ACKNOWLEDGED_BEFORE_KILL && acknowledged.len() < TASKS * MAX_PER_TASK
    );

    // Assert: every acknowledged incident is there with its title.
    for (reference, title) in &acknowledged {
        let res = client
            .get(format!(
                "{}/api/v1/incidents/{reference}",
                restarted.address
            ))
            .bearer_auth(&token)
            .send()
            .await
            .expect("get");
        assert_eq!(
            res.status(),
            200,
            "{reference} was acknowledged but is gone"
        );
        let incident: Value = res.json().await.expect("JSON");
        assert_eq!(incident["title"], title.as_str(), "{reference}");
    }

    // Assert: what the database holds is INC-1..INC-n without gaps (acknowledged or not).
    let res = client
        .get(format!("{}/api/v1/incidents?limit=200", restarted.address))
        .bearer_auth(&token)
        .send()
        .await
        .expect("list");
    let page: Value = res.json().await.expect("JSON");
    let mut numbers: Vec<u64> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            i["reference"]
                .as_str()
                .and_then(|r| r.strip_prefix("INC-"))
                .and_then(|n| n.parse().ok())
                .expect("INC-n")
        })
        .collect();
    numbers.sort_unstable();
    let res = client
        .get(format!("{}/api/v1/incidents/stats", restarted.address))
        .bearer_auth(&token)
        .send()
        .await
        .expect("stats");
    let stats: Value = res.json().await.expect("JSON");
    assert_eq!(
        stats["total"],
        numbers.len(),
        "the page holds every incident"
    );
    assert!(numbers.len() >= acknowledged.len());
    let mut unique = numbers.clone();
    unique.dedup();
    assert_eq!(unique, numbers, "every number is used once");
    let highest = *numbers.last().expect("some incidents");
    let unused = highest as usize - numbers.len();
    match backend {
        // One serialized writer takes the counter row: no number is taken without its incident.
        Backend::Sqlite => assert_eq!(unused, 0, "numbers are gap-free: {numbers:?}"),
        // A sequence number is taken before commit; a declaration cut off by the kill leaves
        // its number unused, so only the declarations in flight at that moment can leave gaps.
        Backend::Postgres => assert!(
            unused <= TASKS,
            "{unused} numbers unused, more than the {TASKS} declarations in flight: {numbers:?}"
        ),
    }

    restarted.kill_9().await;
    db.remove().await;
}

crate::e2e_test!(acknowledged_declarations_survive_a_kill_9, backend);
