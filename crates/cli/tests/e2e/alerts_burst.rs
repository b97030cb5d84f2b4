//! Never lose a signal (issue 11): the real binary is killed with SIGKILL in the middle of a
//! concurrent burst of PagerDuty triggers (new and repeated dedup keys), started again on the
//! same database, and every event it answered `202` must be there: each key's count is at least
//! the number of `202`s it got (and at most the number of events sent for it: none counted
//! twice), and every new key answered `202` exists.

use crate::harness::{Backend, ServerProcess, TestDb, fetch_alerts, http_client, prepare_admin};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Notify;

/// Events in the burst.
const EVENTS: usize = 600;
/// Senders at once.
const CONCURRENCY: usize = 24;
/// The kill comes after this many answers.
const KILL_AFTER: usize = 200;
/// Repeated keys: every third event is a new key, the others cycle through these.
const REPEATED: usize = 40;

/// The dedup key of event `i`.
fn key_of(i: usize) -> String {
    if i.is_multiple_of(3) {
        format!("new-{i}")
    } else {
        format!("repeated-{}", i % REPEATED)
    }
}

/// Creates what the burst needs through the API: a service and a PagerDuty integration;
/// returns the integration's id and key.
async fn set_up(client: &reqwest::Client, address: &str, token: &str) -> (String, String) {
    let (s, _, service) = crate::harness::send(
        client
            .post(format!("{address}/api/v1/services"))
            .bearer_auth(token)
            .json(&json!({"slug": "ingest", "name": "Ingest"})),
    )
    .await;
    assert_eq!(s, 201, "{service}");
    let (s, _, created) = crate::harness::send(
        client
            .post(format!("{address}/api/v1/integrations"))
            .bearer_auth(token)
            .json(
                &json!({"service": "ingest", "kind": "pagerduty", "name": "burst",
                          "group_by": "sender"}),
            ),
    )
    .await;
    assert_eq!(s, 201, "{created}");
    (
        crate::harness::id_of(&created["integration"]),
        created["key"].as_str().expect("a key").to_string(),
    )
}

async fn a_kill_9_mid_burst_loses_no_accepted_event(backend: Backend) {
    // Arrange: the real binary on a fresh database, with an integration.
    let db = TestDb::create(backend).await;
    let token = prepare_admin(db.url()).await;
    let server = ServerProcess::start(db.url()).await;
    let client = http_client();
    let (integration, key) = set_up(&client, &server.address, &token).await;
    let url = format!("{}/v2/enqueue", server.address);

    // Act: the burst, and SIGKILL once KILL_AFTER events are answered.
    let next = Arc::new(AtomicUsize::new(0));
    let answered = Arc::new(AtomicUsize::new(0));
    let kill_now = Arc::new(Notify::new());
    let mut senders = Vec::new();
    for _ in 0..CONCURRENCY {
        let (next, answered, kill_now) = (next.clone(), answered.clone(), kill_now.clone());
        let (client, url, key) = (client.clone(), url.clone(), key.clone());
        senders.push(tokio::spawn(async move {
            // (event, dedup key, status or None when the request failed)
            let mut outcomes: Vec<(usize, String, Option<u16>)> = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= EVENTS {
                    return outcomes;
                }
                let dedup = key_of(i);
                let body = json!({"routing_key": key, "event_action": "trigger", "dedup_key": dedup,
                                  "payload": {"summary": format!("event {i}"), "source": "burst",
                                              "severity": "warning"}});
                let sent = client
                    .post(&url)
                    .json(&body)
                    .timeout(Duration::from_secs(20))
                    .send()
                    .await;
                let status = match sent {
                    Ok(r) => {
                        let status = r.status().as_u16();
                        // An answer counts as 202 only when its body arrived whole and says so.
                        match r.json::<Value>().await {
                            Ok(b) if status == 202 => {
                                assert_eq!(b["dedup_key"], dedup.as_str(), "{b}");
                                Some(202)
                            }
                            Ok(_) => Some(status),
                            Err(_) => None,
                        }
                    }
                    Err(_) => None,
                };
                outcomes.push((i, dedup, status));
                if answered.fetch_add(1, Ordering::SeqCst) + 1 == KILL_AFTER {
                    kill_now.notify_one();
                }
            }
        }));
    }
    tokio::time::timeout(Duration::from_secs(60), kill_now.notified())
        .await
        .expect("the burst reaches the kill point within 60 s");
    server.kill_9().await;
    let mut outcomes = Vec::new();
    for s in senders {
        outcomes.extend(s.await.expect("a sender"));
    }
    let server = ServerProcess::start(db.url()).await;

    // Assert: every 202 is counted, nothing twice; every accepted new key exists.
    let accepted = outcomes.iter().filter(|o| o.2 == Some(202)).count();
    let failed = outcomes.iter().filter(|o| o.2.is_none()).count();
    let other: Vec<_> = outcomes
        .iter()
        .filter(|o| o.2.is_some_and(|s| s != 202))
        .collect();
    assert!(other.is_empty(), "only 202s or failures: {other:?}");
    assert!(accepted >= KILL_AFTER - CONCURRENCY, "{accepted} accepted");
    assert!(
        failed > 0,
        "the kill came mid-burst: {failed} failed of {EVENTS}"
    );
    let mut sent: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (_, k, status) in &outcomes {
        let e = sent.entry(k.as_str()).or_default();
        e.0 += 1;
        if *status == Some(202) {
            e.1 += 1;
        }
    }
    let alerts = fetch_alerts(
        &client,
        &server.address,
        &token,
        &format!("status=triggered,acknowledged,resolved&integration={integration}"),
    )
    .await;
    let mut counted: BTreeMap<String, i64> = BTreeMap::new();
    for a in &alerts {
        assert_eq!(a["status"], "triggered", "{a}");
        *counted
            .entry(a["dedup_key"].as_str().expect("a key").to_string())
            .or_default() += a["count"].as_i64().expect("a count");
    }
    let per_key: BTreeMap<&str, usize> = alerts
        .iter()
        .filter_map(|a| a["dedup_key"].as_str())
        .fold(BTreeMap::new(), |mut m, k| {
            *m.entry(k).or_default() += 1;
            m
        });
    assert!(
        per_key.values().all(|n| *n == 1),
        "one open alert per key: {per_key:?}"
    );
    let mut lost = Vec::new();
    let mut doubled = Vec::new();
    for (k, (tried, ok)) in &sent {
        let n = counted.get(*k).copied().unwrap_or(0);
        if n < i64::try_from(*ok).expect("small") {
            lost.push((k, *ok, n));
        }
        if n > i64::try_from(*tried).expect("small") {
            doubled.push((k, *tried, n));
        }
    }
    assert!(lost.is_empty(), "(key, 202s, counted) lost: {lost:?}");
    assert!(
        doubled.is_empty(),
        "(key, sent, counted) counted twice: {doubled:?}"
    );
    assert!(
        counted.keys().all(|k| sent.contains_key(k.as_str())),
        "no alert that was not sent: {:?}",
        counted.keys().collect::<Vec<_>>()
    );
    eprintln!(
        "{backend:?}: {accepted} accepted, {failed} failed at the kill, {} counted after the restart",
        counted.values().sum::<i64>()
    );
    server.stop().await;
    db.remove().await;
}

crate::e2e_test!(a_kill_9_mid_burst_loses_no_accepted_event, backend);
