//! The `debrief` binary's postmortem and action item commands against a server: exports, the
//! blameless check's exit codes, and action items added, listed and settled from a terminal.

use crate::cli::{client, ok};
use crate::harness::TestApp;
use debrief_core::access::AccountRole;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Declares a SEV1 on checkout, resolves it (so its postmortem is required) and writes
/// `what_happened`.
async fn resolved_sev1(app: &TestApp, what_happened: &str) {
    let t = app.admin_token.as_str();
    app.post(
        "/api/v1/services",
        t,
        &json!({"slug": "checkout", "name": "Checkout"}),
    )
    .await;
    app.declare(
        t,
        &json!({"title": "Checkout down", "severity": "SEV1", "services": ["checkout"]}),
    )
    .await;
    app.transition(t, "INC-1", &json!({"to": "resolved"})).await;
    let (s, _, pm) = app
        .patch(
            "/api/v1/incidents/INC-1/postmortem",
            t,
            &json!({"sections": {"what_happened": what_happened}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{pm}");
}

/// A file in the temporary directory, unique to this app (both backends run at once).
fn temp_file(app: &TestApp, name: &str, contents: &str) -> std::path::PathBuf {
    let port = app.address.rsplit(':').next().unwrap_or("0");
    let path = std::env::temp_dir().join(format!("debrief-cli-{port}-{name}"));
    std::fs::write(&path, contents).expect("write a temporary file");
    path
}

/// A resolved SEV1's postmortem is shown, and exported as Markdown and as an HTML file.
async fn the_cli_shows_and_exports_a_resolved_sev1s_postmortem(app: &TestApp) {
    // Arrange
    let t = app.admin_token.as_str();
    resolved_sev1(app, "The deploy at 14:00 broke **checkout**.").await;
    let html_file = temp_file(app, "export.html", "");

    // Act
    let shown = ok(app, t, &["postmortem", "show", "INC-1"]).await;
    let as_json: Value =
        serde_json::from_str(&ok(app, t, &["postmortem", "show", "INC-1", "--json"]).await)
            .expect("--json prints JSON");
    let md = ok(app, t, &["postmortem", "export", "INC-1"]).await;
    let wrote = ok(
        app,
        t,
        &[
            "postmortem",
            "export",
            "inc-1",
            "--format",
            "html",
            "--output",
            html_file.to_str().expect("a UTF-8 path"),
        ],
    )
    .await;
    let html = std::fs::read_to_string(&html_file).expect("the exported file");
    std::fs::remove_file(&html_file).ok();

    // Assert: the summary.
    for expected in [
        "INC-1  Checkout down  (postmortem draft)",
        "decision     required: severity SEV1 at or above SEV2",
        &format!("owner        {} <{}>", app.admin.name, app.admin_email),
        "draft due    20",
        "review due   20",
        "approvals    0 of 1",
        "Sections (1 of 13 written, template default)",
        "filled  What happened",
        "empty   Lessons",
        "Blameless check: no findings",
    ] {
        assert!(
            shown.contains(expected),
            "'{expected}' missing from:\n{shown}"
        );
    }
    assert!(
        shown
            .lines()
            .any(|l| l.starts_with("  draft due") && l.ends_with(" UTC")),
        "{shown}"
    );
    assert_eq!(as_json["status"], "draft");
    assert_eq!(as_json["incident"], "INC-1");
    // Assert: the exports.
    assert!(md.starts_with("# Postmortem: INC-1 Checkout down"), "{md}");
    assert!(
        md.contains("## What happened") && md.contains("The deploy at 14:00 broke **checkout**."),
        "{md}"
    );
    assert!(
        wrote.starts_with("Wrote ") && wrote.contains("export.html"),
        "{wrote}"
    );
    assert!(html.starts_with("<!doctype html>"), "{html}");
    assert!(
        html.contains("<h2>What happened</h2>") && html.contains("<strong>checkout</strong>"),
        "{html}"
    );
}

crate::e2e_test!(the_cli_shows_and_exports_a_resolved_sev1s_postmortem);

/// `postmortem lint` exits 1 with findings, 0 on clean text, 2 when it cannot check.
async fn postmortem_lint_exits_1_with_findings_and_0_when_clean(app: &TestApp) {
    // Arrange
    let t = app.admin_token.as_str();
    resolved_sev1(app, "The deploy ran at 14:00.\nIt was human error.").await;
    let clean = temp_file(
        app,
        "clean.md",
        "The on-call engineer rolled back the change at 14:05.\n",
    );
    let blaming = temp_file(
        app,
        "blaming.md",
        "# Notes\n\nThe cert expired. Bob should have renewed it.\n",
    );
    let path = |p: &std::path::Path| p.to_str().expect("a UTF-8 path").to_string();

    // Act
    let document = client(app, Some(t), &["postmortem", "lint", "INC-1"]).await;
    let clean_run = client(
        app,
        Some(t),
        &["postmortem", "lint", "--file", &path(&clean)],
    )
    .await;
    let blaming_run = client(
        app,
        Some(t),
        &["postmortem", "lint", "--file", &path(&blaming)],
    )
    .await;
    let as_json = client(app, Some(t), &["postmortem", "lint", "INC-1", "--json"]).await;
    app.declare(t, &json!({"title": "Minor", "severity": "SEV4"}))
        .await;
    let none = client(app, Some(t), &["postmortem", "lint", "INC-2"]).await;
    std::fs::remove_file(&clean).ok();
    std::fs::remove_file(&blaming).ok();

    // Assert: the postmortem's finding, placed in its section and line.
    assert_eq!(
        document.code,
        Some(1),
        "{}{}",
        document.stdout,
        document.stderr
    );
    let out = &document.stdout;
    for expected in [
        "What happened:2:8: human_error: \"human error\"",
        "2 | It was human error.",
        "  |        ^^^^^^^^^^^",
        "  why: ",
        "  try: ",
        "1 finding(s) in the postmortem of INC-1.",
    ] {
        assert!(out.contains(expected), "'{expected}' missing from:\n{out}");
    }
    // Assert: any text, clean and not.
    assert_eq!(clean_run.code, Some(0), "{}", clean_run.stderr);
    assert!(
        clean_run.stdout.contains("No findings"),
        "{}",
        clean_run.stdout
    );
    assert_eq!(blaming_run.code, Some(1), "{}", blaming_run.stderr);
    assert!(
        blaming_run.stdout.contains("blaming.md:3:")
            && blaming_run.stdout.contains("counterfactual"),
        "{}",
        blaming_run.stdout
    );
    // Assert: JSON says where, and the exit code is the same.
    assert_eq!(as_json.code, Some(1));
    let findings: Value = serde_json::from_str(&as_json.stdout).expect("JSON");
    assert_eq!(findings["count"], 1);
    assert_eq!(
        (
            &findings["findings"][0]["section"],
            &findings["findings"][0]["line"],
            &findings["findings"][0]["rule"]
        ),
        (&json!("what_happened"), &json!(2), &json!("human_error"))
    );
    // Assert: nothing to check is an error, not a clean result.
    assert_eq!(none.code, Some(2), "{}", none.stdout);
    assert!(
        none.stderr.contains("INC-2 has no postmortem to check"),
        "{}",
        none.stderr
    );
}

crate::e2e_test!(postmortem_lint_exits_1_with_findings_and_0_when_clean);

/// Action items are added with an owner by email, listed on the board, done and won't do.
async fn action_items_are_added_listed_and_settled_from_the_cli(app: &TestApp) {
    // Arrange: a resolved SEV1 and a responder who will own the work.
    let t = app.admin_token.as_str();
    resolved_sev1(app, "The deploy broke checkout.").await;
    let (owner, owner_token) = app.create_user(AccountRole::Responder).await;

    // Act
    let added = ok(
        app,
        t,
        &[
            "action-item",
            "add",
            "INC-1",
            "--title",
            "Add a canary stage",
            "--owner",
            &owner.email,
            "--due",
            "2020-01-31",
            "--priority",
            "high",
        ],
    )
    .await;
    let second = ok(
        app,
        t,
        &[
            "action-item",
            "add",
            "INC-1",
            "--title",
            "Rewrite the deploy tool",
            "--json",
        ],
    )
    .await;
    let board = ok(app, t, &["action-item", "list"]).await;
    let mine = ok(app, &owner_token, &["action-item", "list", "--mine"]).await;
    let overdue: Value = serde_json::from_str(
        &ok(
            app,
            t,
            &[
                "action-item",
                "list",
                "--overdue",
                "--incident",
                "INC-1",
                "--json",
            ],
        )
        .await,
    )
    .expect("JSON");
    let done = ok(app, &owner_token, &["action-item", "done", "INC-1", "1"]).await;
    let second_id = serde_json::from_str::<Value>(&second).expect("JSON")["id"].to_string();
    let wont = ok(
        app,
        t,
        &[
            "action-item",
            "wont-do",
            "INC-1",
            &second_id,
            "--reason",
            "the canary covers it",
        ],
    )
    .await;
    let unknown = client(
        app,
        Some(t),
        &[
            "action-item",
            "add",
            "INC-1",
            "--title",
            "x",
            "--owner",
            "nobody@example.com",
        ],
    )
    .await;

    // Assert: what was printed.
    assert_eq!(
        added.trim(),
        format!(
            "Added INC-1 #1: Add a canary stage (open, high, owner {}, due 2020-01-31)",
            owner.name
        )
    );
    let lines: Vec<&str> = board.lines().collect();
    assert!(
        lines[0].starts_with("INCIDENT") && lines[0].contains("OWNER"),
        "{board}"
    );
    assert!(
        lines[2].contains("Add a canary stage")
            && lines[2].contains(&owner.name)
            && lines[2].contains("open (overdue)"),
        "due items first: {board}"
    );
    assert!(lines[3].contains("Rewrite the deploy tool"), "{board}");
    assert!(
        mine.contains("Add a canary stage") && !mine.contains("Rewrite the deploy tool"),
        "{mine}"
    );
    assert_eq!(overdue.as_array().map(Vec::len), Some(1), "{overdue}");
    assert!(
        done.starts_with("Done: INC-1 #1: Add a canary stage (done"),
        "{done}"
    );
    assert!(
        wont.starts_with(&format!("Won't do: INC-1 #{second_id}")),
        "{wont}"
    );
    assert!(
        !unknown.ok
            && unknown
                .stderr
                .contains("no user with the email 'nobody@example.com'"),
        "{}",
        unknown.stderr
    );
    // Assert: what the server holds.
    let (_, _, items) = app.get("/api/v1/incidents/INC-1/action-items", t).await;
    let items = items["items"].as_array().expect("items").clone();
    assert_eq!(items.len(), 2, "the refused add added nothing");
    assert_eq!(
        (&items[0]["status"], &items[0]["owner_id"]),
        (&json!("done"), &json!(owner.id))
    );
    assert_eq!(
        (&items[1]["status"], &items[1]["wont_do_reason"]),
        (&json!("wont_do"), &json!("the canary covers it"))
    );
    let (_, _, timeline) = app.get("/api/v1/incidents/INC-1/timeline", t).await;
    assert!(
        timeline["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|e| e["kind"] == "action_item" && e["source"] == "cli"),
        "the CLI says it is the CLI"
    );
}

crate::e2e_test!(action_items_are_added_listed_and_settled_from_the_cli);
