//! On call across real servers (issue 12, part 4): two `debrief serve` processes share one
//! PostgreSQL database and one moved clock (`--test-clock-file`); one is killed with SIGKILL in
//! the middle of sending a notification, another starts (a restart in the middle), and the
//! escalation goes on: every contact is made, none twice by two servers, and the one cut off
//! mid-send is made again with the same delivery id, so its receiver can tell the repeat.

use crate::harness::{
    Backend, ServerProcess, TEST_TIMEOUT, TestDb, http_client, open_store, prepare_admin,
};
use debrief_core::Timestamp;
use debrief_core::oncall::notify::{Channel, Rule};
use debrief_store::oncall::UserNotify;
use jiff::SignedDuration;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A webhook receiver whose first request never gets an answer (the sender is killed while
/// it waits); every request is recorded as `(path, delivery id, pass, level)`.
/// One request: `(path, delivery id, pass, level)`.
type Request = (String, String, i64, i64);

#[derive(Clone, Default)]
struct Receiver {
    hits: Arc<Mutex<Vec<Request>>>,
    seen: Arc<AtomicUsize>,
}

impl Receiver {
    async fn start(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = format!("http://{}", listener.local_addr().expect("address"));
        let me = self.clone();
        let app = axum::Router::new().fallback(axum::routing::post(
            move |uri: axum::http::Uri, headers: axum::http::HeaderMap, body: String| {
                let me = me.clone();
                async move {
                    let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                    let delivery = headers
                        .get("x-debrief-delivery")
                        .and_then(|h| h.to_str().ok())
                        .unwrap_or("")
                        .to_string();
                    me.hits.lock().expect("lock").push((
                        uri.path().to_string(),
                        delivery,
                        v["data"]["pass"].as_i64().unwrap_or(-1),
                        v["data"]["level"].as_i64().unwrap_or(-1),
                    ));
                    if me.seen.fetch_add(1, Ordering::SeqCst) == 0 {
                        std::future::pending::<()>().await;
                    }
                    axum::http::StatusCode::OK
                }
            },
        ));
        tokio::spawn(async move { axum::serve(listener, app).await });
        address
    }

    fn hits(&self) -> Vec<Request> {
        self.hits.lock().expect("lock").clone()
    }

    async fn wait_for(&self, n: usize) -> Vec<Request> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let h = self.hits();
            if h.len() >= n || Instant::now() >= deadline {
                return h;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

/// The clock all servers read: an instant in a file.
struct SharedClock {
    path: std::path::PathBuf,
    now: Mutex<Timestamp>,
}

impl SharedClock {
    fn new(dir: &std::path::Path) -> SharedClock {
        let now = debrief_core::to_millis(Timestamp::now());
        let path = dir.join("clock");
        std::fs::write(&path, debrief_core::format_utc(now)).expect("write the clock");
        SharedClock {
            path,
            now: Mutex::new(now),
        }
    }

    fn arg(&self) -> String {
        self.path.display().to_string()
    }

    fn now(&self) -> Timestamp {
        *self.now.lock().expect("lock")
    }

    /// Moves every server's clock forward; waits (bounded) until each of `servers` reads the
    /// new time (the time `GET /api/v1/on-call` answers for).
    async fn advance(&self, by: SignedDuration, servers: &[&str], token: &str) {
        let t = {
            let mut now = self.now.lock().expect("lock");
            *now = now.checked_add(by).expect("a time");
            *now
        };
        let tmp = self.path.with_extension("new");
        std::fs::write(&tmp, debrief_core::format_utc(t)).expect("write the clock");
        std::fs::rename(&tmp, &self.path).expect("move the clock");
        let deadline = Instant::now() + Duration::from_secs(10);
        for server in servers {
            loop {
                let v: Value = http_client()
                    .get(format!("{server}/api/v1/on-call"))
                    .bearer_auth(token)
                    .send()
                    .await
                    .expect("ask the server's time")
                    .json()
                    .await
                    .unwrap_or(Value::Null);
                let seen = v["at"].as_str().and_then(|a| a.parse::<Timestamp>().ok());
                if seen.is_some_and(|s| s >= t) {
                    break;
                }
                assert!(Instant::now() < deadline, "{server} never read {t}");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

async fn api(base: &str, token: &str, method: reqwest::Method, path: &str, body: Value) -> Value {
    let res = http_client()
        .request(method, format!("{base}{path}"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("a request");
    let status = res.status();
    let v: Value = res.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{path}: {status} {v}");
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_one_killed_mid_send_and_a_restart() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        // Arrange: a receiver, a database, a shared clock and server A.
        let receiver = Receiver::default();
        let hook = receiver.start().await;
        let db = TestDb::create(Backend::Postgres).await;
        let token = prepare_admin(db.url()).await;
        let dir = tempdir();
        let clock = SharedClock::new(&dir);
        let clock_arg = clock.arg();
        let args = ["--test-clock-file", clock_arg.as_str()];
        let a = ServerProcess::start_with(db.url(), &args).await;
        let post = reqwest::Method::POST;
        let mut users = Vec::new();
        for name in ["first", "second"] {
            let u = api(
                &a.address,
                &token,
                post.clone(),
                "/api/v1/users",
                json!({"email": format!("{name}@example.com"), "name": name, "role": "responder"}),
            )
            .await;
            users.push(u["id"].as_i64().expect("an id"));
        }
        let store = open_store(db.url()).await;
        for (n, u) in users.iter().enumerate() {
            store
                .put_user_notify(
                    &UserNotify {
                        user_id: *u,
                        rules: vec![Rule {
                            channel: Channel::Webhook,
                            after_minutes: 0,
                        }],
                        webhook_url: Some(format!("{hook}/user{n}")),
                        ..UserNotify::default()
                    },
                    clock.now(),
                )
                .await
                .expect("set the rules");
        }
        let policy = api(
            &a.address,
            &token,
            post.clone(),
            "/api/v1/escalation-policies",
            json!({"name": "Two levels, twice", "repeat": 1, "levels": [
                {"targets": [{"type": "user", "id": users[0]}], "delay_minutes": 5},
                {"targets": [{"type": "user", "id": users[1]}], "delay_minutes": 5}]}),
        )
        .await;

        // Act 1: a page; A sends level 1 and is killed while the receiver holds the request.
        let page = api(
            &a.address,
            &token,
            post.clone(),
            "/api/v1/pages",
            json!({"title": "Disk full on db-1", "policy_id": policy["id"]}),
        )
        .await;
        let first = receiver.wait_for(1).await;
        assert_eq!(first.len(), 1, "level 1 is being sent");
        a.kill_9().await;

        // Act 2: B starts, and A again (a restart); time passes the page job's lease and
        // level 2's instant, then the second pass, acknowledged after its level 1.
        let b = ServerProcess::start_with(db.url(), &args).await;
        let a2 = ServerProcess::start_with(db.url(), &args).await;
        let both = [b.address.as_str(), a2.address.as_str()];
        // A page job's lease is 30 seconds: then another server makes the contact again.
        clock
            .advance(SignedDuration::from_secs(31), &both, &token)
            .await;
        let hits = receiver.wait_for(2).await;
        assert_eq!(hits.len(), 2, "the cut-off contact is made again: {hits:?}");
        clock
            .advance(SignedDuration::from_secs(4 * 60 + 29), &both, &token)
            .await;
        clock
            .advance(SignedDuration::from_millis(1), &both, &token)
            .await;
        let hits = receiver.wait_for(3).await;
        assert_eq!(hits.len(), 3, "{hits:?}");
        clock
            .advance(SignedDuration::from_mins(5), &both, &token)
            .await;
        let hits = receiver.wait_for(4).await;
        assert_eq!(hits.len(), 4, "{hits:?}");
        let id = page["id"].as_i64().expect("an id");
        api(
            &b.address,
            &token,
            post.clone(),
            &format!("/api/v1/pages/{id}/acknowledge"),
            json!({}),
        )
        .await;
        for _ in 0..3 {
            clock
                .advance(SignedDuration::from_mins(10), &both, &token)
                .await;
        }
        // Let any wrongly due job show up before counting (bounded).
        receiver.wait_for(5).await;

        // Assert: pass 1 level 1 twice with one delivery id (cut off, then made again), every
        // other contact once, the acknowledged one never.
        let hits = receiver.hits();
        let keys: Vec<(String, i64, i64)> = hits
            .iter()
            .map(|(p, _, pass, level)| (p.clone(), *pass, *level))
            .collect();
        assert_eq!(
            keys,
            vec![
                ("/user0".to_string(), 0, 1),
                ("/user0".to_string(), 0, 1),
                ("/user1".to_string(), 0, 2),
                ("/user0".to_string(), 1, 1),
            ],
            "{hits:?}"
        );
        assert_eq!(
            hits[0].1, hits[1].1,
            "the repeat carries the same delivery id"
        );
        assert_ne!(hits[0].1, hits[3].1);
        let p = api(
            &b.address,
            &token,
            reqwest::Method::GET,
            &format!("/api/v1/pages/{id}"),
            json!(null),
        )
        .await;
        assert_eq!(p["status"], "acknowledged", "{p}");
        let statuses: Vec<&str> = p["notifications"]
            .as_array()
            .expect("notifications")
            .iter()
            .map(|n| n["status"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(statuses, ["sent", "sent", "sent"], "{p}");
        b.stop().await;
        a2.stop().await;
        store.close().await;
        db.remove().await;
    })
    .await
    .expect("the test timed out");
}

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "debrief-oncall-{}-{}",
        std::process::id(),
        crate::harness::unique_name("clock")
    ));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    dir
}
