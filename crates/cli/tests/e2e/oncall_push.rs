//! Web Push without any vendor's cloud (issue 12, part 3): a browser subscription is given to
//! Debrief, a page notifies its user, and the message reaches a push service stand-in
//! (`scripts/webpush_receiver.py`) that checks the VAPID signature (RFC 8292) and decrypts the
//! body (RFC 8291) with the real Python libraries `cryptography` and `http_ece`; the
//! acknowledge link in the message, POSTed as the service worker's button does, works once.

use crate::e2e_test;
use crate::harness::TestApp;
use debrief_core::access::AccountRole;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

struct PushService {
    child: std::process::Child,
    subscription: Value,
    out: std::path::PathBuf,
}

impl PushService {
    fn start() -> PushService {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
        let python = format!("{root}/.tools/venv/bin/python");
        assert!(
            std::path::Path::new(&python).exists(),
            "{python} is missing: run scripts/install-test-deps"
        );
        let dir = std::env::temp_dir().join(crate::harness::unique_name("webpush"));
        std::fs::create_dir_all(&dir).expect("a directory");
        let port_file = dir.join("port.json");
        let out = dir.join("pushes.jsonl");
        let child = std::process::Command::new(&python)
            .arg(format!("{root}/scripts/webpush_receiver.py"))
            .arg("--port-file")
            .arg(&port_file)
            .arg("--out")
            .arg(&out)
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("start the push service");
        let deadline = Instant::now() + Duration::from_secs(30);
        let subscription = loop {
            if let Some(v) = std::fs::read_to_string(&port_file)
                .ok()
                .and_then(|s| serde_json::from_str::<Value>(&s).ok())
            {
                break v;
            }
            assert!(Instant::now() < deadline, "the push service did not start");
            std::thread::sleep(Duration::from_millis(25));
        };
        PushService {
            child,
            subscription,
            out,
        }
    }

    async fn wait_for(&self, n: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let lines: Vec<Value> = std::fs::read_to_string(&self.out)
                .unwrap_or_default()
                .lines()
                .filter_map(|l| serde_json::from_str(l).ok())
                .collect();
            if lines.len() >= n || Instant::now() >= deadline {
                return lines;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

impl Drop for PushService {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn a_page_reaches_a_browser_by_web_push(app: &TestApp) {
    // Arrange: a push service with a browser's keys; a user subscribed with them, notified by
    // push at once; a policy that pages them.
    let push = PushService::start();
    let (user, token) = app.create_user(AccountRole::Responder).await;
    let (s, _, key) = app.get("/api/v1/push/vapid-public-key", &token).await;
    assert_eq!(s, StatusCode::OK, "{key}");
    assert_eq!(key["public_key"].as_str().map(str::len), Some(87), "{key}");
    let sub = &push.subscription;
    let (s, _, made) = app
        .post(
            "/api/v1/users/me/push-subscriptions",
            &token,
            &json!({"endpoint": sub["endpoint"],
                    "keys": {"p256dh": sub["p256dh"], "auth": sub["auth"]}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{made}");
    let settings = app
        .set_notifications(
            &token,
            &json!({"rules": [{"channel": "web_push", "after_minutes": 0}]}),
        )
        .await;
    assert_eq!(settings["unreachable"], Value::Null, "{settings}");
    let policy = app
        .create_policy(&json!({"name": "Push", "levels": [
            {"targets": [{"type": "user", "id": user.id}], "delay_minutes": 5}]}))
        .await;

    // Act: page them.
    let (s, _, page) = app
        .post(
            "/api/v1/pages",
            &app.admin_token,
            &json!({"title": "Payments are failing ✗", "policy_id": policy["id"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{page}");
    app.settle().await;

    // Assert: one push, signed and decrypted by the real libraries.
    let got = push.wait_for(1).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["ok"], true, "{}", got[0]);
    assert_eq!(got[0]["urgency"], "high");
    let payload: Value =
        serde_json::from_str(got[0]["payload"].as_str().expect("a payload")).expect("JSON");
    assert!(
        payload["title"]
            .as_str()
            .unwrap_or("")
            .contains("Payments are failing ✗"),
        "{payload}"
    );

    // Act and assert: the notification's Acknowledge button POSTs its link: once.
    let ack = payload["acknowledge"].as_str().expect("a link");
    let client = reqwest::Client::new();
    let first = client.post(ack).send().await.expect("post the link");
    assert_eq!(first.status(), StatusCode::OK);
    let again = client.post(ack).send().await.expect("post the link again");
    assert_eq!(again.status(), StatusCode::GONE);
    let p = app.page(page["id"].as_i64().expect("an id")).await;
    assert_eq!(p["status"], "acknowledged", "{p}");
    assert_eq!(p["acknowledged_by"], user.id);
}

e2e_test!(a_page_reaches_a_browser_by_web_push);
