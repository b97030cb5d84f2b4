//! `GET /metrics` (issue 15, part 4): Debrief's own metrics in the Prometheus exposition format,
//! checked by Prometheus's own parser (`promtool check metrics`, Debian's prometheus package,
//! installed by scripts/install-test-deps), with figures that match what the test did; open to
//! the scrape token or an admin, refused to anyone else.

use crate::e2e_test;
use crate::harness::{Raw, TestApp, http_client};
use debrief_core::access::AccountRole;
use reqwest::Method;
use serde_json::json;
use std::io::Write;
use std::process::{Command, Stdio};

const SCRAPE_TOKEN: &str = "prometheus-scrape-token-0123456789";

pub(crate) fn with_scrape_token(c: &mut debrief_server::ServerConfig) {
    c.metrics_token = Some(SCRAPE_TOKEN.into());
}

/// `GET /metrics` with `token` as a bearer token: the status and the text.
async fn scrape(app: &TestApp, token: Option<&str>) -> (u16, String) {
    let mut req = http_client().get(app.url("/metrics"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.expect("an answer");
    (res.status().as_u16(), res.text().await.expect("a body"))
}

/// The value of the sample written exactly as `series` (name and labels).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

/// What `promtool check metrics` says of `text` (its exit status and output).
fn promtool(text: &str) -> (bool, String) {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool (Debian's prometheus package; run scripts/install-test-deps)");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("write the metrics");
    let out = child.wait_with_output().expect("promtool ends");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

async fn prometheus_reads_debriefs_own_metrics(app: &TestApp) {
    // Arrange: two open SEV1s, one SEV2 resolved, a private SEV3 open; three alert events.
    let t = &app.admin_token;
    for (title, sev, private) in [
        ("a", "SEV1", false),
        ("b", "SEV1", false),
        ("c", "SEV3", true),
    ] {
        app.declare(
            t,
            &json!({"title": title, "severity": sev, "private": private}),
        )
        .await;
    }
    let done = app
        .declare(t, &json!({"title": "d", "severity": "SEV2"}))
        .await;
    let r = done["reference"].as_str().expect("ref").to_string();
    app.transition(t, &r, &json!({"to": "resolved"})).await;
    app.create_service("checkout").await;
    let pd = app.create_integration("checkout", "pagerduty", "pd").await;
    for n in 0..3 {
        let event =
            json!({"routing_key": pd.key, "event_action": "trigger", "dedup_key": format!("k{n}"),
            "payload": {"summary": "disk", "source": "web-1", "severity": "warning"}})
            .to_string();
        app.raw(Raw {
            method: Method::POST,
            path: "/v2/enqueue",
            token: None,
            content_type: Some("application/json"),
            body: Some(&event),
            headers: &[],
        })
        .await;
    }
    let (_, responder) = app.create_user(AccountRole::Responder).await;

    // Act
    let (anonymous, _) = scrape(app, None).await;
    let (wrong, _) = scrape(app, Some("not-the-token")).await;
    let (not_admin, _) = scrape(app, Some(&responder)).await;
    let (by_admin, _) = scrape(app, Some(t)).await;
    let (by_token, text) = scrape(app, Some(SCRAPE_TOKEN)).await;
    let (parsed, said) = promtool(&text);

    // Assert
    assert_eq!((anonymous, wrong, not_admin), (401, 401, 403));
    assert_eq!((by_admin, by_token), (200, 200));
    assert!(parsed, "promtool check metrics: {said}\n{text}");
    assert_eq!(
        sample(&text, "debrief_open_incidents{severity=\"SEV1\"}"),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "debrief_open_incidents{severity=\"SEV3\"}"),
        Some(1.0),
        "private ones count"
    );
    assert_eq!(
        sample(&text, "debrief_open_incidents{severity=\"SEV2\"}"),
        None,
        "resolved"
    );
    assert_eq!(
        sample(&text, "debrief_alerts_received_total{kind=\"pagerduty\"}"),
        Some(3.0),
        "{text}"
    );
    assert!(
        sample(
            &text,
            "debrief_http_requests_total{method=\"POST\",route=\"/api/v1/incidents\",status=\"201\"}"
        ) >= Some(4.0),
        "declarations counted under the route's pattern: {text}"
    );
    assert!(
        text.contains("debrief_http_request_duration_seconds_bucket{method=\"POST\",route=\"/api/v1/incidents/{reference}/transitions\",le=\"+Inf\"} 1"),
        "a route with a parameter is one series: {text}"
    );
    assert!(
        !text.contains(&r),
        "no raw path (incident reference) in a label"
    );
    assert!(text.contains("# TYPE debrief_jobs gauge"));
}
e2e_test!(
    prometheus_reads_debriefs_own_metrics,
    configured crate::metrics::with_scrape_token
);
