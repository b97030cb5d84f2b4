//! PagerDuty's own command line over HTTPS (issue 11): `pagerduty` 7.2.0 (and its
//! `EventsApiV2Client`) accept only `https://` base URLs, so the real binary is started with
//! `--tls-cert`/`--tls-key` and a self-signed loopback certificate the senders trust, as
//! `shared/research/real-clients.md` (section 2) ran them. The CLI triggers, acknowledges and
//! resolves one alert; the library, built the supported way (`base_url=`, `verify=`), triggers
//! another. A plain HTTP request and a broken or stalled handshake on the TLS port fail on their
//! own connection while the server goes on serving HTTPS. Unusable TLS files stop `serve` at
//! once, naming the file and quoting nothing of the key.

use crate::harness::{
    Backend, PdClients, ServerProcess, TestCert, TestDb, debrief, fetch_alerts, id_of,
    pagerduty_cli, prepare_admin, send, st, states, with_key,
};
use serde_json::json;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Creates a service and a PagerDuty integration over the API; returns the integration's id
/// and key.
async fn set_up(client: &reqwest::Client, address: &str, token: &str) -> (String, String) {
    let (s, _, service) = send(
        client
            .post(format!("{address}/api/v1/services"))
            .bearer_auth(token)
            .json(&json!({"slug": "checkout", "name": "Checkout"})),
    )
    .await;
    assert_eq!(s, 201, "{service}");
    let (s, _, created) = send(
        client
            .post(format!("{address}/api/v1/integrations"))
            .bearer_auth(token)
            .json(&json!({"service": "checkout", "kind": "pagerduty", "name": "pagerduty cli"})),
    )
    .await;
    assert_eq!(s, 201, "{created}");
    (
        id_of(&created["integration"]),
        created["key"].as_str().expect("a key").to_string(),
    )
}

/// Runs `pagerduty <action> -k KEY --base-url BASE -i DEDUP [more]` and checks that it
/// succeeded and named the key.
async fn cli(cert: &TestCert, action: &str, key: &str, base: &str, dedup: &str, more: &[&str]) {
    let mut args = vec![action, "-k", key, "--base-url", base, "-i", dedup];
    args.extend_from_slice(more);
    let out = pagerduty_cli(&cert.cert, &args).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains(dedup),
        "pagerduty {action} failed ({}): {stdout} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Reads a connection until the server lets go of it (a close, or a reset), within 30 s.
async fn read_to_close(conn: &mut TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(30), conn.read_to_end(&mut got))
        .await
        .expect("the server closes the connection within 30 s");
    got
}

async fn the_pagerduty_cli_and_library_send_alerts_over_https(backend: Backend) {
    // Arrange: the real binary over HTTPS with a fresh certificate, and an integration.
    let db = TestDb::create(backend).await;
    let token = prepare_admin(db.url()).await;
    let cert = TestCert::generate().await;
    let server = ServerProcess::start_tls(db.url(), &cert).await;
    assert!(server.address.starts_with("https://"), "{}", server.address);
    let client = cert.client();
    let (integration, key) = set_up(&client, &server.address, &token).await;
    let base = server.address.as_str();
    let alerts = || {
        let query = format!("status=triggered,acknowledged,resolved&integration={integration}");
        let (client, token) = (client.clone(), token.clone());
        async move { fetch_alerts(&client, base, &token, &query).await }
    };

    // Act and assert: the CLI triggers, acknowledges and resolves `cli-1`.
    let description = ["--description", "cli test"];
    cli(&cert, "trigger", &key, base, "cli-1", &description).await;
    let now = alerts().await;
    assert_eq!(states(&now, "cli-1"), st(&[("triggered", 1)]));
    let alert = with_key(&now, "cli-1")[0].clone();
    assert_eq!(alert["summary"], "cli test", "{alert}");
    assert_eq!(alert["severity"], "critical", "{alert}");
    assert!(
        alert["source"]
            .as_str()
            .is_some_and(|s| s.starts_with("pagerduty.cli on ")),
        "the CLI's default source: {alert}"
    );
    cli(&cert, "acknowledge", &key, base, "cli-1", &[]).await;
    assert_eq!(states(&alerts().await, "cli-1"), st(&[("acknowledged", 1)]));
    cli(&cert, "resolve", &key, base, "cli-1", &[]).await;
    let now = alerts().await;
    assert_eq!(states(&now, "cli-1"), st(&[("resolved", 1)]));
    let alert = with_key(&now, "cli-1")[0];
    assert!(
        !alert["acknowledged_at"].is_null() && !alert["resolved_at"].is_null(),
        "{alert}"
    );

    // The library's supported path: EventsApiV2Client(key, base_url="https://…", verify=ctx).
    let mut clients = PdClients::start_tls(base, &cert.cert).await;
    let back = clients
        .call(
            "pagerduty",
            &key,
            "trigger",
            json!(["checkout 5xx", "web-1"]),
            json!({"dedup_key": "lib-1", "severity": "error"}),
        )
        .await
        .key();
    assert_eq!(back, "lib-1");
    clients.stop().await;
    let now = alerts().await;
    assert_eq!(states(&now, "lib-1"), st(&[("triggered", 1)]));
    assert_eq!(states(&now, "cli-1"), st(&[("resolved", 1)]));

    // A plain HTTP request on the TLS port is answered 400, saying to use HTTPS, and closed.
    let port = base.rsplit(':').next().expect("a port");
    let mut plain = TcpStream::connect(format!("127.0.0.1:{port}"))
        .await
        .expect("connect");
    plain
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .expect("send a plain request");
    let answer = String::from_utf8_lossy(&read_to_close(&mut plain).await).into_owned();
    assert!(
        answer.starts_with("HTTP/1.1 400 ") && answer.contains("https://"),
        "{answer:?}"
    );
    let over_http = crate::harness::http_client()
        .get(format!("http://127.0.0.1:{port}/healthz"))
        .send()
        .await
        .expect("an answer over plain HTTP");
    assert_eq!(over_http.status(), 400);

    // A broken handshake is closed; stalled ones (connected, silent) hold nobody up.
    let mut broken = TcpStream::connect(format!("127.0.0.1:{port}"))
        .await
        .expect("connect");
    broken
        .write_all(&[0x16, 0x03, 0x01, 0x00, 0x05, 0xde, 0xad, 0xbe, 0xef, 0x00])
        .await
        .expect("send a broken handshake");
    read_to_close(&mut broken).await;
    let mut stalled = Vec::new();
    for _ in 0..3 {
        stalled.push(
            TcpStream::connect(format!("127.0.0.1:{port}"))
                .await
                .expect("connect"),
        );
    }
    let health = client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .expect("HTTPS still answers");
    assert_eq!(health.status(), 200);
    cli(&cert, "trigger", &key, base, "cli-2", &description).await;
    assert_eq!(states(&alerts().await, "cli-2"), st(&[("triggered", 1)]));
    // Served while their handshakes wait (handshakes run side by side): they are still open,
    // where one-at-a-time handshakes would have had to time them out first.
    for conn in &stalled {
        let mut byte = [0u8; 1];
        let read = conn.try_read(&mut byte);
        assert!(
            matches!(&read, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
            "a stalled handshake is still waiting: {read:?}"
        );
    }
    drop(stalled);

    server.stop().await;
    db.remove().await;
}

crate::e2e_test!(
    the_pagerduty_cli_and_library_send_alerts_over_https,
    backend
);

/// `debrief serve` refuses unusable TLS settings before it starts, naming the file and quoting
/// nothing of the key.
#[tokio::test]
async fn serve_refuses_unusable_tls_files() {
    let cert = TestCert::generate().await;
    let dir = cert.cert.parent().expect("a directory").to_path_buf();
    let database = dir.join("unused.db").display().to_string();
    let refused = |args: Vec<String>, env: Vec<(&'static str, String)>| {
        let database = database.clone();
        async move {
            let run = debrief()
                .arg("serve")
                .args(["--database", &database, "--listen", "127.0.0.1:0"])
                .args(&args)
                .envs(env)
                .stderr(std::process::Stdio::piped())
                .output();
            let out = tokio::time::timeout(Duration::from_secs(30), run)
                .await
                .unwrap_or_else(|_| panic!("debrief serve {args:?} started and kept running"))
                .expect("run debrief serve");
            assert!(!out.status.success(), "debrief serve {args:?} started");
            String::from_utf8_lossy(&out.stderr).into_owned()
        }
    };
    let path = |p: &std::path::Path| p.display().to_string();

    // One without the other, as flags or as environment variables.
    let err = refused(vec!["--tls-cert".into(), path(&cert.cert)], vec![]).await;
    assert!(err.contains("--tls-key"), "{err}");
    let err = refused(vec![], vec![("DEBRIEF_TLS_KEY", path(&cert.key))]).await;
    assert!(err.contains("--tls-cert"), "{err}");

    // A missing key file, a certificate where the key should be, and a damaged key.
    let missing = dir.join("missing.key");
    let with = |key: &std::path::Path| {
        vec![
            "--tls-cert".into(),
            path(&cert.cert),
            "--tls-key".into(),
            path(key),
        ]
    };
    let err = refused(with(&missing), vec![]).await;
    assert!(
        err.contains(&path(&missing)) && err.contains("No such file"),
        "{err}"
    );
    let err = refused(with(&cert.cert), vec![]).await;
    assert!(
        err.contains(&path(&cert.cert)) && err.contains("not a PEM private key"),
        "{err}"
    );
    let damaged = dir.join("damaged.key");
    let secret = "U0VDUkVULUtFWS1NQVRFUklBTA";
    std::fs::write(
        &damaged,
        format!("-----BEGIN PRIVATE KEY-----\n{secret}!!\n-----END PRIVATE KEY-----\n"),
    )
    .expect("write a damaged key");
    let err = refused(with(&damaged), vec![]).await;
    assert!(err.contains(&path(&damaged)), "{err}");
    assert!(
        !err.contains(secret),
        "the key's content is never printed: {err}"
    );

    // A key that is not the certificate's.
    let other = TestCert::generate().await;
    let err = refused(with(&other.key), vec![]).await;
    assert!(
        err.contains("does not hold the private key of the certificate"),
        "{err}"
    );
}
