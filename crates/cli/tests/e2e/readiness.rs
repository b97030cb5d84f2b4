//! Issue 9: while PostgreSQL cannot be reached, requests are answered `503` with `Retry-After`
//! (not `500`), `/healthz` says the database is down, and the server recovers by itself when
//! the database is back. The database is cut off by a TCP proxy between the server and
//! PostgreSQL that the test stops and starts again on the same port.

use crate::harness::{Backend, TEST_TIMEOUT, TestApp, spawn_app_via};
use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A TCP proxy to PostgreSQL on a fixed loopback port; cutting it closes every connection.
struct Proxy {
    port: u16,
    upstream: String,
    tasks: std::sync::Arc<std::sync::Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(upstream: &str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let port = listener.local_addr().expect("an address").port();
        let proxy = Proxy {
            port,
            upstream: upstream.to_string(),
            tasks: Default::default(),
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&self, listener: TcpListener) {
        let (upstream, tasks) = (self.upstream.clone(), self.tasks.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let upstream = upstream.clone();
                let pipe = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                tasks.lock().expect("lock").push(pipe);
            }
        });
        self.tasks.lock().expect("lock").push(accept);
    }

    /// Stops accepting and drops every connection: the database is unreachable.
    fn cut(&self) {
        for t in self.tasks.lock().expect("lock").drain(..) {
            t.abort();
        }
    }

    /// Listens again on the same port.
    async fn restore(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match TcpListener::bind(("127.0.0.1", self.port)).await {
                Ok(l) => return self.serve(l),
                Err(e) if Instant::now() < deadline => {
                    // The aborted listener is dropped on its runtime thread; yield until it is.
                    let _ = e;
                    tokio::task::yield_now().await;
                }
                Err(e) => panic!("could not listen again on {}: {e}", self.port),
            }
        }
    }
}

/// `host:port` of a `postgres://user@host:port/db` URL.
fn host_port(url: &str) -> String {
    let after_at = url.rsplit_once('@').map_or(url, |(_, r)| r);
    after_at.split('/').next().expect("a host").to_string()
}

async fn status_of(app: &TestApp, path: &str) -> (StatusCode, reqwest::header::HeaderMap) {
    let res = app
        .client
        .get(app.url(path))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .expect("an answer");
    (res.status(), res.headers().clone())
}

async fn an_unreachable_database_is_a_503_and_the_server_recovers() {
    // Arrange: a server whose PostgreSQL is behind a proxy.
    let base = std::env::var("DEBRIEF_TEST_DATABASE_URL")
        .expect("DEBRIEF_TEST_DATABASE_URL names the test PostgreSQL");
    let proxy = Proxy::start(&host_port(&base)).await;
    let port = proxy.port;
    let app = spawn_app_via(
        Backend::Postgres,
        |url| url.replacen(&host_port(url), &format!("127.0.0.1:{port}"), 1),
        |_| {},
    )
    .await;
    app.declare(&app.admin_token, &json!({"title": "Before the cut"}))
        .await;
    assert_eq!(status_of(&app, "/healthz").await.0, StatusCode::OK);

    // Act: cut the database off.
    proxy.cut();

    // Assert: reads, writes and the health check say 503 with Retry-After, never 500.
    for path in ["/api/v1/incidents", "/healthz"] {
        let (status, headers) = status_of(&app, path).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert!(headers.contains_key("retry-after"), "{path}: {headers:?}");
    }
    let (status, headers, problem) = app
        .post(
            "/api/v1/incidents",
            &app.admin_token,
            &json!({"title": "During the cut"}),
        )
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{problem}");
    assert_eq!(problem["type"], "/problems/unavailable");
    assert!(headers.contains_key("retry-after"));

    // Act: the database comes back.
    proxy.restore().await;

    // Assert: the server recovers by itself (polled with a deadline, no fixed wait).
    let deadline = Instant::now() + Duration::from_secs(30);
    while status_of(&app, "/healthz").await.0 != StatusCode::OK {
        assert!(Instant::now() < deadline, "the server did not recover");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, _, list) = app.get("/api/v1/incidents", &app.admin_token).await;
    assert_eq!(status, StatusCode::OK);
    let titles: Vec<&str> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["title"].as_str())
        .collect();
    assert_eq!(
        titles,
        ["Before the cut"],
        "the refused write wrote nothing"
    );
    app.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    tokio::time::timeout(
        TEST_TIMEOUT,
        an_unreachable_database_is_a_503_and_the_server_recovers(),
    )
    .await
    .expect("the test timed out");
}
