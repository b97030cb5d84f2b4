//! The `debrief` binary's client commands against a running server: what they print, what they
//! change, and how they fail (non-zero exit and a message that says what to do).

use crate::harness::{TestApp, debrief};
use debrief_core::access::AccountRole;
use serde_json::{Value, json};
use std::process::Stdio;

/// What a finished command left behind.
pub struct Run {
    /// It exited 0.
    pub ok: bool,
    /// Its exit code (`None` when a signal ended it).
    pub code: Option<i32>,
    /// What it printed.
    pub stdout: String,
    /// What it printed as errors.
    pub stderr: String,
}

/// Runs the binary as a client of `app` with `token` (none when `None`).
pub async fn client(app: &TestApp, token: Option<&str>, args: &[&str]) -> Run {
    let mut c = debrief();
    c.args(args)
        .env("DEBRIEF_SERVER", &app.address)
        .env("TZ", "UTC")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for proxy in [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ] {
        c.env_remove(proxy);
    }
    if let Some(t) = token {
        c.env("DEBRIEF_TOKEN", t);
    }
    let out = c.output().await.expect("run debrief");
    Run {
        ok: out.status.success(),
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into(),
        stderr: String::from_utf8_lossy(&out.stderr).into(),
    }
}

/// Runs a command that must succeed and returns its stdout.
pub async fn ok(app: &TestApp, token: &str, args: &[&str]) -> String {
    let run = client(app, Some(token), args).await;
    assert!(run.ok, "debrief {args:?} failed: {}", run.stderr);
    run.stdout
}

/// Runs a command that must fail and returns its stderr.
async fn fails(app: &TestApp, token: Option<&str>, args: &[&str]) -> String {
    let run = client(app, token, args).await;
    assert!(
        !run.ok,
        "debrief {args:?} should have failed; printed: {}",
        run.stdout
    );
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    run.stderr
}

/// Declare, list, add to the timeline, resolve and show, as a responder would from a terminal.
async fn the_cli_runs_an_incident_against_a_server(app: &TestApp) {
    // Arrange: a service and a responder.
    app.post(
        "/api/v1/services",
        &app.admin_token,
        &json!({"slug": "checkout", "name": "Checkout"}),
    )
    .await;
    let (user, t) = app.create_user(AccountRole::Responder).await;

    // Act: declare twice, once as JSON.
    let declared: Value = serde_json::from_str(
        &ok(
            app,
            &t,
            &[
                "incident",
                "declare",
                "--json",
                "--title",
                "Checkout down",
                "--severity",
                "SEV2",
                "--service",
                "checkout",
                "--customer-impact",
            ],
        )
        .await,
    )
    .expect("--json prints JSON");
    let second = ok(app, &t, &["incident", "declare", "--title", "Search slow"]).await;

    // Assert
    assert_eq!(declared["reference"], "INC-1");
    assert_eq!(
        (declared["severity"].clone(), declared["services"].clone()),
        (json!("SEV2"), json!(["checkout"]))
    );
    assert_eq!(declared["customer_impact"], true);
    assert_eq!(second.trim(), "Declared INC-2 (SEV4): Search slow");
    let (_, _, timeline) = app.get("/api/v1/incidents/INC-1/timeline", &t).await;
    assert_eq!(
        timeline["items"][0]["source"], "cli",
        "the CLI says it is the CLI"
    );

    // Act and assert: the list, as a table and as JSON, and filtered.
    let table = ok(app, &t, &["incident", "list"]).await;
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].starts_with("REF") && lines[0].contains("COMMANDER"),
        "{table}"
    );
    assert!(
        lines[2].starts_with("INC-2") && lines[3].starts_with("INC-1"),
        "newest first: {table}"
    );
    assert!(
        lines[3].contains("Checkout down")
            && lines[3].contains(&user.name)
            && lines[3].contains("UTC"),
        "{table}"
    );
    let listed: Value = serde_json::from_str(
        &ok(
            app,
            &t,
            &["incident", "list", "--json", "--severity", "SEV2"],
        )
        .await,
    )
    .expect("JSON");
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert_eq!(
        ok(app, &t, &["incident", "list", "--status", "resolved"])
            .await
            .trim(),
        "No incidents match."
    );

    // Act and assert: a timeline event.
    let added = ok(
        app,
        &t,
        &[
            "timeline",
            "add",
            "INC-1",
            "Rolled back deploy 42",
            "--kind",
            "remediation",
            "--link",
            "https://ci.example.com/42",
            "--star",
        ],
    )
    .await;
    assert!(
        added.starts_with("Added remediation event ") && added.contains(" to INC-1 at "),
        "{added}"
    );
    let (_, _, timeline) = app.get("/api/v1/incidents/INC-1/timeline", &t).await;
    let event = timeline["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|e| e["kind"] == "remediation")
        .expect("the event")
        .clone();
    assert_eq!(
        (
            event["body"].clone(),
            event["source"].clone(),
            event["starred"].clone()
        ),
        (json!("Rolled back deploy 42"), json!("cli"), json!(true))
    );
    assert_eq!(
        event["links"],
        json!([{"url": "https://ci.example.com/42"}])
    );

    // Act and assert: resolve, then show.
    let resolved = ok(
        app,
        &t,
        &[
            "incident",
            "resolve",
            "INC-1",
            "--message",
            "the rollback fixed it",
        ],
    )
    .await;
    assert_eq!(resolved.trim(), "Resolved INC-1: Checkout down");
    let (_, _, incident) = app.get("/api/v1/incidents/INC-1", &t).await;
    assert_eq!(incident["status"], "resolved");
    let shown = ok(app, &t, &["incident", "show", "INC-1"]).await;
    for expected in [
        "INC-1  Checkout down",
        "status     resolved",
        "severity   SEV2",
        "services   checkout",
        "Key timestamps",
        "resolved_at",
        "Metrics",
        "time to resolve",
        "downtime",
    ] {
        assert!(
            shown.contains(expected),
            "'{expected}' missing from:\n{shown}"
        );
    }
    let (_, _, metrics) = app.get("/api/v1/incidents/INC-1/metrics", &t).await;
    let as_json: Value =
        serde_json::from_str(&ok(app, &t, &["incident", "show", "inc-1", "--json"]).await)
            .expect("JSON");
    assert_eq!(as_json["incident"]["reference"], "INC-1");
    assert_eq!(as_json["metrics"], metrics);
}

crate::e2e_test!(the_cli_runs_an_incident_against_a_server);

/// Every failure exits non-zero with a message that says what went wrong and what to do.
async fn cli_errors_exit_non_zero_with_a_helpful_message(app: &TestApp) {
    // Arrange: one incident, already resolved, and a viewer.
    let (_, t) = app.create_user(AccountRole::Responder).await;
    let (_, viewer) = app.create_user(AccountRole::Viewer).await;
    ok(app, &t, &["incident", "declare", "--title", "Cron stuck"]).await;
    ok(app, &t, &["incident", "resolve", "INC-1"]).await;
    let before = app.snapshot().await;

    // Act and assert
    let e = fails(app, Some(&t), &["incident", "show", "INC-999"]).await;
    assert!(e.contains("404") && e.contains("INC-999 not found"), "{e}");
    let e = fails(app, None, &["incident", "list"]).await;
    assert!(
        e.contains("DEBRIEF_TOKEN") && e.contains("debrief token create"),
        "{e}"
    );
    let e = fails(app, Some("dbr_wrong"), &["incident", "list"]).await;
    assert!(
        e.contains("401") && e.contains("Check --token / DEBRIEF_TOKEN"),
        "{e}"
    );
    let e = fails(
        app,
        Some(&t),
        &[
            "incident",
            "declare",
            "--title",
            " ",
            "--severity",
            "SEV9",
            "--service",
            "nope",
        ],
    )
    .await;
    assert!(
        e.contains("422")
            && e.contains("- title: must not be empty")
            && e.contains("- severity: ")
            && e.contains("- services[0]: "),
        "{e}"
    );
    let e = fails(app, Some(&t), &["incident", "resolve", "INC-1"]).await;
    assert!(
        e.contains("409") && e.contains("already has that status"),
        "{e}"
    );
    let e = fails(app, Some(&viewer), &["incident", "declare", "--title", "x"]).await;
    assert!(e.contains("403") && e.contains("responder"), "{e}");
    let e = fails(
        app,
        Some(&t),
        &["timeline", "add", "INC-1", "x", "--kind", "status_change"],
    )
    .await;
    assert!(
        e.contains("- kind: 'status_change' events are written by Debrief itself"),
        "{e}"
    );
    let e = fails(app, Some(&t), &["incident", "update", "INC-1"]).await;
    assert!(e.contains("nothing to change"), "{e}");
    let mut unreachable = debrief();
    unreachable
        .args(["incident", "list"])
        .env("DEBRIEF_SERVER", "http://127.0.0.1:9")
        .env("DEBRIEF_TOKEN", &t)
        .stderr(Stdio::piped());
    let out = unreachable.output().await.expect("run debrief");
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success()
            && e.contains("could not reach the server")
            && e.contains("DEBRIEF_SERVER"),
        "{e}"
    );

    // Assert: none of it changed anything.
    assert!(
        app.snapshot().await == before,
        "a failed command changed something"
    );
}

crate::e2e_test!(cli_errors_exit_non_zero_with_a_helpful_message);
