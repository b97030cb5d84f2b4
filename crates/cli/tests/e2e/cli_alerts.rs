//! `debrief integration create|list|rotate` and `debrief alert list|show|ack|resolve` against a
//! running server: what they print, what they change, and how they fail. Alerts come in
//! through the real PagerDuty endpoint with the key the CLI printed.

use crate::cli::{client, ok};
use crate::harness::{TestApp, debrief};
use debrief_core::access::AccountRole;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::process::Stdio;

/// Runs the binary as a client of `app` in the time zone `tz`; returns its stdout.
async fn ok_in_zone(app: &TestApp, token: &str, tz: &str, args: &[&str]) -> String {
    let out = debrief()
        .args(args)
        .env("DEBRIEF_SERVER", &app.address)
        .env("DEBRIEF_TOKEN", token)
        .env("TZ", tz)
        .env_remove("http_proxy")
        .env_remove("HTTP_PROXY")
        .env_remove("all_proxy")
        .env_remove("ALL_PROXY")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .await
        .expect("run debrief");
    assert!(
        out.status.success(),
        "debrief {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// Runs a command that must fail; returns what it printed as errors.
async fn fails(app: &TestApp, token: &str, args: &[&str]) -> String {
    let run = client(app, Some(token), args).await;
    assert!(
        !run.ok,
        "debrief {args:?} should have failed: {}",
        run.stdout
    );
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    run.stderr
}

/// Sends a PagerDuty Events API v2 trigger with `key`; answers the status.
async fn trigger(app: &TestApp, key: &str, dedup: &str, severity: &str) -> StatusCode {
    app.request(
        Method::POST,
        "/v2/enqueue",
        None,
        Some(
            &json!({"routing_key": key, "event_action": "trigger", "dedup_key": dedup,
            "payload": {"summary": format!("{dedup} on db-1"), "source": "db-1",
                "severity": severity, "timestamp": "2026-01-05T08:00:00Z"}}),
        ),
    )
    .await
    .0
}

/// The value after `label` on the line that starts with it (`Key …:` then the key indented).
fn line_after<'a>(out: &'a str, label: &str) -> &'a str {
    let mut lines = out.lines();
    lines
        .find(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("no line '{label}' in:\n{out}"));
    lines.next().map(str::trim).unwrap_or_default()
}

/// An admin creates a PagerDuty integration, lists it and rotates its key with an overlap, as
/// they would from a terminal; each key the CLI printed is one the sender can use.
async fn integrations_are_created_listed_and_rotated_from_the_cli(app: &TestApp) {
    // Arrange
    let t = app.admin_token.clone();
    app.post(
        "/api/v1/services",
        &t,
        &json!({"slug": "checkout", "name": "Checkout"}),
    )
    .await;

    // Act
    let created = ok(
        app,
        &t,
        &[
            "integration",
            "create",
            "--service",
            "checkout",
            "--kind",
            "pagerduty",
            "--name",
            "PagerDuty prod",
            "--group-by",
            "alert",
        ],
    )
    .await;

    // Assert: the key once, the URL to paste, and both work.
    assert!(
        created.starts_with("Created integration 1 'PagerDuty prod' (pagerduty) for checkout."),
        "{created}"
    );
    let key = line_after(&created, "Key (shown only now").to_string();
    assert_eq!(key.len(), 32, "{created}");
    let url = line_after(&created, "Point the sender at:");
    assert_eq!(url, format!("{}/v2/enqueue", app.address), "{created}");
    assert_eq!(
        trigger(app, &key, "disk", "critical").await,
        StatusCode::ACCEPTED
    );

    // Act and assert: the list shows the key's last characters, never the key.
    let list = ok(app, &t, &["integration", "list"]).await;
    let lines: Vec<&str> = list.lines().collect();
    assert!(
        lines[0].starts_with("ID") && lines[0].contains("KIND") && lines[0].contains("KEY"),
        "{list}"
    );
    let row = lines[2];
    for cell in [
        "checkout",
        "pagerduty",
        "PagerDuty prod",
        &format!("…{}", &key[28..]),
        "alert",
        "enabled",
        " UTC",
    ] {
        assert!(row.contains(cell), "'{cell}' missing from: {list}");
    }
    assert!(!list.contains(&key), "{list}");
    let json_list: Value = serde_json::from_str(
        &ok(
            app,
            &t,
            &["integration", "list", "--service", "checkout", "--json"],
        )
        .await,
    )
    .expect("--json prints JSON");
    assert_eq!(json_list[0]["group_by"], "alert");

    // Act and assert: rotating with an overlap keeps the old key working until it ends.
    let rotated = ok(
        app,
        &t,
        &["integration", "rotate", "1", "--overlap-minutes", "30"],
    )
    .await;
    let second = line_after(&rotated, "Key (shown only now").to_string();
    assert_ne!(second, key);
    assert!(
        rotated.contains("The previous key keeps working until "),
        "{rotated}"
    );
    assert_eq!(
        trigger(app, &key, "cpu", "warning").await,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        trigger(app, &second, "mem", "warning").await,
        StatusCode::ACCEPTED
    );
    let third = ok(app, &t, &["integration", "rotate", "1"]).await;
    assert!(
        third.contains("The previous key no longer works."),
        "{third}"
    );
    let third = line_after(&third, "Key (shown only now").to_string();
    assert_eq!(
        trigger(app, &second, "net", "warning").await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        trigger(app, &third, "net", "warning").await,
        StatusCode::ACCEPTED
    );

    // Act and assert: refusals say why.
    let (_, responder) = app.create_user(AccountRole::Responder).await;
    let e = fails(app, &responder, &["integration", "list"]).await;
    assert!(e.contains("403"), "{e}");
    let e = fails(
        app,
        &t,
        &[
            "integration",
            "create",
            "--service",
            "checkout",
            "--kind",
            "nagios",
            "--name",
            "x",
        ],
    )
    .await;
    assert!(
        e.contains("422") && e.contains("- kind: must be one of"),
        "{e}"
    );
    let e = fails(
        app,
        &t,
        &["integration", "rotate", "1", "--overlap-minutes", "99999"],
    )
    .await;
    assert!(e.contains("- overlap_minutes: "), "{e}");
}

crate::e2e_test!(integrations_are_created_listed_and_rotated_from_the_cli);

/// A responder lists the alerts PagerDuty sent (in their own time zone, with UTC beside it),
/// reads one with its payload and notes, acknowledges and resolves it.
async fn alerts_are_listed_shown_acknowledged_and_resolved_from_the_cli(app: &TestApp) {
    // Arrange: a critical alert sent twice (it opens INC-1) and a warning (it only pages).
    let t = app.admin_token.clone();
    app.post(
        "/api/v1/services",
        &t,
        &json!({"slug": "checkout", "name": "Checkout"}),
    )
    .await;
    let (_, _, created) = app
        .post(
            "/api/v1/integrations",
            &t,
            &json!({"service": "checkout", "kind": "pagerduty", "name": "PD"}),
        )
        .await;
    let key = created["key"].as_str().expect("a key").to_string();
    for (dedup, severity) in [
        ("disk", "critical"),
        ("disk", "critical"),
        ("cpu", "warning"),
    ] {
        assert_eq!(
            trigger(app, &key, dedup, severity).await,
            StatusCode::ACCEPTED
        );
    }
    app.settle().await;
    let (_, r) = app.create_user(AccountRole::Responder).await;
    let (_, _, alerts) = app.get("/api/v1/alerts", &r).await;
    let disk = alerts["items"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["dedup_key"] == "disk"))
        .expect("the disk alert")["id"]
        .to_string();
    app.post(
        &format!("/api/v1/alerts/{disk}/notes"),
        &r,
        &json!({"note": "failing over"}),
    )
    .await;

    // Act
    let table = ok(app, &r, &["alert", "list"]).await;
    let berlin = ok_in_zone(app, &r, "Europe/Berlin", &["alert", "list"]).await;

    // Assert: newest first, counts, the incident, times in the viewer's zone with UTC.
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].starts_with("ID")
            && [
                "STATUS",
                "SEVERITY",
                "SERVICE",
                "SUMMARY",
                "COUNT",
                "INCIDENT",
                "LAST SEEN"
            ]
            .iter()
            .all(|h| lines[0].contains(h)),
        "{table}"
    );
    assert_eq!(lines.len(), 4, "{table}");
    assert!(
        lines[2].contains("cpu on db-1") && lines[2].contains("warning"),
        "{table}"
    );
    let disk_row = lines[3];
    for cell in [
        "triggered",
        "critical",
        "checkout",
        "disk on db-1",
        " 2 ",
        "INC-1",
        " UTC",
    ] {
        assert!(disk_row.contains(cell), "'{cell}' missing from: {table}");
    }
    assert!(
        berlin
            .lines()
            .nth(3)
            .is_some_and(|l| l.contains("CET (") && l.contains(" UTC)")),
        "{berlin}"
    );

    // Act and assert: filters.
    let filtered = ok(
        app,
        &r,
        &[
            "alert",
            "list",
            "--status",
            "triggered,acknowledged",
            "--service",
            "checkout",
            "--integration",
            "1",
        ],
    )
    .await;
    assert_eq!(filtered.lines().count(), 4, "{filtered}");
    let none = ok(app, &r, &["alert", "list", "--status", "resolved"]).await;
    assert_eq!(none.trim(), "No alerts match.");

    // Act and assert: one alert, with what the sender sent (its key masked) and its notes.
    let shown = ok(app, &r, &["alert", "show", &disk]).await;
    for part in [
        &format!("Alert {disk}  disk on db-1"),
        "  status       triggered",
        "  count        2",
        "  incident     INC-1",
        "  started      2026-01-05 08:00:00.000 UTC",
        "Payload",
        "\"dedup_key\": \"disk\"",
        "Notes",
        "failing over",
    ] {
        assert!(shown.contains(part), "'{part}' missing from:\n{shown}");
    }
    assert!(!shown.contains(&key), "the key is masked:\n{shown}");

    // Act and assert: acknowledge, then resolve; doing either again is refused.
    let acked = ok(app, &r, &["alert", "ack", &disk]).await;
    assert_eq!(
        acked.trim(),
        format!("Acknowledged alert {disk} (critical, checkout): disk on db-1")
    );
    let e = fails(app, &r, &["alert", "ack", &disk]).await;
    assert!(e.contains("409") && e.contains("acknowledged"), "{e}");
    let resolved: Value =
        serde_json::from_str(&ok(app, &r, &["alert", "resolve", &disk, "--json"]).await)
            .expect("--json prints JSON");
    assert_eq!(resolved["status"], "resolved", "{resolved}");
    assert!(
        resolved["resolved_by"]
            .as_str()
            .is_some_and(|b| b.starts_with("Responder")),
        "{resolved}"
    );
    let e = fails(app, &r, &["alert", "resolve", &disk]).await;
    assert!(e.contains("409"), "{e}");
    let (_, viewer) = app.create_user(AccountRole::Viewer).await;
    let e = fails(app, &viewer, &["alert", "ack", "2"]).await;
    assert!(e.contains("403"), "{e}");
    let e = fails(app, &r, &["alert", "show", "999"]).await;
    assert!(e.contains("404"), "{e}");
    let listed = ok(app, &r, &["alert", "list", "--status", "resolved"]).await;
    assert!(
        listed
            .lines()
            .nth(2)
            .is_some_and(|l| l.contains("resolved")),
        "{listed}"
    );
}

crate::e2e_test!(alerts_are_listed_shown_acknowledged_and_resolved_from_the_cli);
