//! Several servers on one PostgreSQL database: a live stream on one server receives the events
//! written through another (PostgreSQL LISTEN/NOTIFY), and incident numbers stay unique.

use crate::harness::{Backend, TEST_TIMEOUT, open_store, spawn_app};
use debrief_server::AppState;
use serde_json::json;
use std::time::{Duration, Instant};

/// Reads a server-sent-event stream into `seen` until `needle` shows up; `false` when it has
/// not arrived within `within`.
async fn read_until(
    res: &mut reqwest::Response,
    seen: &mut String,
    needle: &str,
    within: Duration,
) -> bool {
    let deadline = Instant::now() + within;
    while !seen.contains(needle) {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        match tokio::time::timeout(left, res.chunk()).await {
            Ok(Ok(Some(bytes))) => seen.push_str(&String::from_utf8_lossy(&bytes)),
            Ok(Ok(None)) => panic!("the stream ended before '{needle}' arrived; got: {seen}"),
            Ok(Err(e)) => panic!("the stream failed: {e}"),
            Err(_) => return false,
        }
    }
    true
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_on_one_server_sees_events_written_through_another() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        // Arrange: server A from the harness, server B on the same database.
        let a = spawn_app(Backend::Postgres).await;
        let store_b = open_store(a.database_url()).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let b_addr = format!("http://{}", listener.local_addr().expect("address"));
        let state_b = AppState::new(store_b, crate::harness::server_config(&b_addr));
        let server_b = tokio::spawn(debrief_server::run(
            listener,
            state_b,
            std::future::pending(),
        ));
        let incident = a
            .declare(
                &a.admin_token,
                &json!({"title": "Shared database", "severity": "SEV3"}),
            )
            .await;
        let reference = incident["reference"]
            .as_str()
            .expect("a reference")
            .to_string();

        // Act: open a stream on B, then write through A (the stream is live once B answers).
        let mut stream = a
            .client
            .get(format!("{b_addr}/api/v1/incidents/{reference}/stream"))
            .bearer_auth(&a.admin_token)
            .send()
            .await
            .expect("open the stream on B");
        assert_eq!(stream.status(), 200);
        // The listener on B may still be starting: keep writing until one arrives (bounded).
        let mut seen = String::new();
        for attempt in 0..20 {
            let body = format!("written through A #{attempt}");
            a.add_event(
                &a.admin_token,
                &reference,
                &json!({"kind": "note", "body": body}),
            )
            .await;
            if read_until(
                &mut stream,
                &mut seen,
                "written through A",
                Duration::from_millis(500),
            )
            .await
            {
                break;
            }
        }

        // Assert
        assert!(
            seen.contains("event: timeline") && seen.contains("written through A"),
            "B relayed A's event: {seen}"
        );
        let declared_on_b = a
            .client
            .post(format!("{b_addr}/api/v1/incidents"))
            .bearer_auth(&a.admin_token)
            .json(&json!({"title": "Declared on B"}))
            .send()
            .await
            .expect("declare on B")
            .json::<serde_json::Value>()
            .await
            .expect("JSON");
        assert_eq!(
            declared_on_b["reference"], "INC-2",
            "numbers are shared by both servers"
        );
        server_b.abort();
        drop(stream);
        a.close().await;
    })
    .await
    .expect("the test timed out");
}
