//! `debrief oncall`, `debrief page list|show|open|ack|resolve`, `debrief schedule
//! list|show|override` and `debrief policy list|preview` against a running server: what they
//! print, what they change, and how they fail.

use crate::cli::{client, ok};
use crate::harness::TestApp;
use debrief_core::access::AccountRole;
use jiff::{SignedDuration, Timestamp};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// Runs a command that must fail; returns what it printed as errors.
async fn fails(app: &TestApp, token: Option<&str>, args: &[&str]) -> String {
    let run = client(app, token, args).await;
    assert!(
        !run.ok,
        "debrief {args:?} should have failed: {}",
        run.stdout
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    run.stderr
}

/// An instant `minutes` from now, as RFC 3339.
fn in_minutes(minutes: i64) -> String {
    (Timestamp::now() + SignedDuration::from_mins(minutes)).to_string()
}

/// A responder sees who is on call, pages a service, and the person on call acknowledges and
/// resolves the page from a terminal; overrides and previews work the same way.
async fn the_cli_pages_and_shows_who_is_on_call(app: &TestApp) {
    // Arrange: Ada is always on call in the schedule the service's policy pages.
    let t = app.admin_token.clone();
    let (ada, ada_t) = app.create_user(AccountRole::Responder).await;
    let (bob, bob_t) = app.create_user(AccountRole::Responder).await;
    let (_, viewer) = app.create_user(AccountRole::Viewer).await;
    app.post(
        "/api/v1/services",
        &t,
        &json!({"slug": "checkout", "name": "Checkout"}),
    )
    .await;
    let schedule = app
        .post(
            "/api/v1/schedules",
            &t,
            &json!({"name": "Checkout primary", "time_zone": "Europe/Berlin",
                "layers": [{"participants": [ada.email], "rotation": "weekly",
                            "start": "2026-01-05T09:00:00"}]}),
        )
        .await;
    assert_eq!(schedule.0, StatusCode::CREATED, "{}", schedule.2);
    let sid = schedule.2["id"].to_string();
    let policy = app
        .post(
            "/api/v1/escalation-policies",
            &t,
            &json!({"name": "Checkout", "levels": [
                {"targets": [{"type": "schedule", "id": schedule.2["id"]}], "delay_minutes": 5},
                {"targets": [{"type": "user", "id": bob.id}], "delay_minutes": 10}]}),
        )
        .await;
    assert_eq!(policy.0, StatusCode::CREATED, "{}", policy.2);
    let pid = policy.2["id"].to_string();
    let set = app
        .request(
            Method::PUT,
            "/api/v1/services/checkout/escalation-policy",
            Some(&t),
            Some(&json!({"policy_id": policy.2["id"]})),
        )
        .await;
    assert_eq!(set.0, StatusCode::OK, "{}", set.2);
    let ada_line = format!("{} <{}>", ada.name, ada.email);

    // Act and assert: who is on call, per schedule and per service.
    let now = ok(app, &viewer, &["oncall"]).await;
    assert!(now.starts_with("On call at "), "{now}");
    let schedule_row = now
        .lines()
        .find(|l| l.starts_with("schedule") && l.contains("Checkout primary"))
        .unwrap_or_else(|| panic!("no schedule row in:\n{now}"));
    assert!(schedule_row.contains(&ada_line), "{now}");
    let service_row = now
        .lines()
        .find(|l| l.starts_with("service") && l.contains("checkout"))
        .unwrap_or_else(|| panic!("no service row in:\n{now}"));
    assert!(
        service_row.contains("Checkout") && service_row.contains(&ada_line),
        "{now}"
    );
    let json_now = ok(app, &viewer, &["oncall", "--json"]).await;
    let parsed: serde_json::Value = serde_json::from_str(&json_now).expect("JSON");
    assert_eq!(parsed["schedules"][0]["user"]["id"], ada.id, "{json_now}");

    // Act and assert: schedules, an override, and who is on call during it.
    let schedules = ok(app, &viewer, &["schedule", "list"]).await;
    assert!(
        schedules.contains("Checkout primary") && schedules.contains(&ada_line),
        "{schedules}"
    );
    let shown = ok(
        app,
        &viewer,
        &[
            "schedule",
            "show",
            &sid,
            "--from",
            "2026-03-01T00:00:00Z",
            "--to",
            "2026-03-15T00:00:00Z",
        ],
    )
    .await;
    assert!(
        shown.contains("Checkout primary (Europe/Berlin)"),
        "{shown}"
    );
    assert!(
        shown.contains("2026-03-01 00:00:00.000 UTC") && shown.contains(&ada_line),
        "{shown}"
    );
    let added = ok(
        app,
        &bob_t,
        &[
            "schedule",
            "override",
            &sid,
            "--user",
            &bob.email,
            "--start",
            &in_minutes(60),
            "--end",
            &in_minutes(120),
            "--note",
            "covering",
        ],
    )
    .await;
    assert!(
        added.starts_with(&format!(
            "Added override 1 to schedule {sid}: {} is on call",
            bob.name
        )),
        "{added}"
    );
    let later = ok(app, &viewer, &["oncall", "--at", &in_minutes(90)]).await;
    assert!(
        later
            .lines()
            .any(|l| l.starts_with("schedule") && l.contains(&bob.email)),
        "{later}"
    );

    // Act and assert: policies and a preview that stops at the acknowledgement.
    let policies = ok(app, &viewer, &["policy", "list"]).await;
    assert!(
        policies.contains("Checkout") && policies.contains("checkout"),
        "{policies}"
    );
    let preview = ok(
        app,
        &viewer,
        &["policy", "preview", &pid, "--ack-at", &in_minutes(3)],
    )
    .await;
    assert!(
        preview.contains("1 (pass 1)") && preview.contains(&ada.name),
        "{preview}"
    );
    assert!(!preview.contains("2 (pass 1)"), "{preview}");

    // Act: Bob pages the service; Ada acknowledges from her terminal.
    let opened = ok(
        app,
        &bob_t,
        &[
            "page",
            "open",
            "--title",
            "Checkout is down",
            "--service",
            "checkout",
            "--message",
            "502s",
        ],
    )
    .await;
    assert_eq!(opened.trim(), "Opened page 1 (triggered): Checkout is down");
    app.settle().await;
    let listed = ok(app, &ada_t, &["page", "list", "--mine"]).await;
    assert!(
        listed.contains("Checkout is down") && listed.contains("service checkout"),
        "{listed}"
    );
    let acked = ok(app, &ada_t, &["page", "ack", "1"]).await;

    // Assert: the page is acknowledged, by Ada.
    assert_eq!(
        acked.trim(),
        "Acknowledged page 1 (acknowledged): Checkout is down"
    );
    let page = app.get("/api/v1/pages/1", &viewer).await;
    assert_eq!(
        (&page.2["status"], &page.2["acknowledged_by"]),
        (&json!("acknowledged"), &json!(ada.id)),
        "{}",
        page.2
    );
    let detail = ok(app, &viewer, &["page", "show", "1"]).await;
    assert!(
        detail.contains("acknowledged") && detail.contains(&format!("by {}", ada.name)),
        "{detail}"
    );
    assert!(detail.contains("level 1 (pass 1)"), "{detail}");
    let by_status = ok(app, &viewer, &["page", "list", "--status", "triggered"]).await;
    assert_eq!(by_status.trim(), "No pages match.");
    let resolved = ok(app, &ada_t, &["page", "resolve", "1"]).await;
    assert_eq!(
        resolved.trim(),
        "Resolved page 1 (resolved): Checkout is down"
    );

    // Act and assert: failures are clear, non-zero, and change nothing.
    let missing = fails(app, Some(&ada_t), &["page", "ack", "999"]).await;
    assert!(missing.contains("404 Not Found"), "{missing}");
    let viewer_ack = fails(app, Some(&viewer), &["page", "ack", "1"]).await;
    assert!(viewer_ack.contains("403 Forbidden"), "{viewer_ack}");
    let nobody = fails(app, Some(&bob_t), &["page", "open", "--title", "Who?"]).await;
    assert!(nobody.contains("exactly one of --team"), "{nobody}");
    let no_team = fails(
        app,
        Some(&bob_t),
        &["page", "open", "--title", "x", "--team", "nope"],
    )
    .await;
    assert!(
        no_team.contains("404") && no_team.contains("is not a team"),
        "{no_team}"
    );
    let bad_time = fails(app, Some(&viewer), &["oncall", "--at", "soonish"]).await;
    assert!(
        bad_time.contains("--at 'soonish' is not a time"),
        "{bad_time}"
    );
    let bad_user = fails(
        app,
        Some(&bob_t),
        &[
            "schedule",
            "override",
            &sid,
            "--user",
            "nobody@example.com",
            "--start",
            &in_minutes(60),
            "--end",
            &in_minutes(120),
        ],
    )
    .await;
    assert!(
        bad_user.contains("404") && bad_user.contains("user: is not a user"),
        "{bad_user}"
    );
    let no_token = fails(app, None, &["oncall"]).await;
    assert!(no_token.contains("no API token"), "{no_token}");
    assert_eq!(
        app.get("/api/v1/pages?status=triggered", &viewer).await.2["items"],
        json!([])
    );
}

crate::e2e_test!(the_cli_pages_and_shows_who_is_on_call);
