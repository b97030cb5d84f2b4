//! Meetings and reminders (issue #3): a review meeting's invitation is a valid `.ics` e-mailed to
//! its attendees and in each one's calendar feed; the recurring review lists what is pending;
//! an overdue postmortem reminds its owner and escalates to the process owner, once each by
//! e-mail and by signed webhook, even when the server restarts on the same database.

use crate::harness::{
    Backend, SmtpSink, TestApp, WebhookReceiver, header, manual_clock, open_store, server_config,
    spawn_app_with,
};
use debrief_server::jobs::SmtpConfig;
use debrief_server::{AppState, ServerConfig};
use jiff::SignedDuration;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

fn fast(c: &mut ServerConfig, smtp: &str) {
    c.jobs.poll_interval = Duration::from_millis(100);
    c.jobs.retry_base = Duration::from_millis(300);
    c.jobs.retry_cap = Duration::from_secs(1);
    c.jobs.reminder_interval = Duration::from_millis(200);
    c.smtp = Some(SmtpConfig::parse(smtp, "Debrief <debrief@example.com>").expect("SMTP"));
}

/// Runs the strict validator (`scripts/validate-ics`) on a calendar; panics with its report.
pub(crate) fn validate_ics(ics: &str) {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let python = format!("{root}/.tools/venv/bin/python");
    assert!(
        std::path::Path::new(&python).exists(),
        "{python} is missing: run scripts/install-test-deps"
    );
    let dir = tempdir();
    let file = dir.join("invite.ics");
    std::fs::write(&file, ics).expect("write the calendar");
    let out = std::process::Command::new(&python)
        .arg(format!("{root}/scripts/validate-ics"))
        .arg(&file)
        .output()
        .expect("run the validator");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "the .ics fails strict validation:\n{}{}\n{ics}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Joins folded lines (RFC 5545 3.1), to search a calendar's text.
fn unfold(ics: &str) -> String {
    ics.replace("\r\n ", "")
}

fn tempdir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(crate::harness::unique_name("debrief_ics"));
    std::fs::create_dir_all(&d).expect("a temp dir");
    d
}

async fn resolved_sev1(app: &TestApp, title: &str, resolved_at: &str) -> String {
    let inc = app
        .declare(
            &app.admin_token,
            // Impact began before the back-dated resolution (a status change may not be dated
            // before the incident began).
            &json!({"title": title, "severity": "SEV1", "started_at": "2020-01-01T00:00:00Z"}),
        )
        .await;
    let r = inc["reference"].as_str().unwrap().to_string();
    app.transition(
        &app.admin_token,
        &r,
        &json!({"to": "resolved", "at": resolved_at}),
    )
    .await;
    r
}

fn ago(hours: i64) -> String {
    let t = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(hours);
    debrief_core::format_utc(t)
}

async fn a_review_meeting_is_invited_by_email_with_a_valid_ics_and_in_the_feed(backend: Backend) {
    // Arrange
    let sink = SmtpSink::start(None).await;
    let url = sink.url(None);
    let app = spawn_app_with(backend, |c| fast(c, &url)).await;
    let (bob, bob_token) = app
        .create_user(debrief_core::access::AccountRole::Responder)
        .await;
    let r = resolved_sev1(&app, "Checkout down", &ago(1)).await;

    let doc = crate::openapi::document(&app).await;
    // Act: schedule the review with Bob.
    let scheduled = app
        .post(
            &format!("/api/v1/incidents/{r}/meetings"),
            &app.admin_token,
            &json!({"kind": "review", "starts_at": "2030-01-08T14:00:00Z", "duration_minutes": 45,
                    "location": "Room 4; video: https://meet.example.com/abc", "attendee_ids": [bob.id]}),
        )
        .await;
    crate::openapi::conforms(
        &doc,
        "post",
        "/api/v1/incidents/{reference}/meetings",
        &scheduled,
    );
    let (status, _, meeting) = scheduled;
    let (ics_status, headers, ics) = app
        .get(
            &format!("/api/v1/meetings/{}/invite.ics", meeting["id"]),
            &app.admin_token,
        )
        .await;
    let (_, _, feed) = app
        .post("/api/v1/me/calendar-feed", &bob_token, &json!({}))
        .await;
    let feed_url = feed["url"].as_str().expect("a feed URL").to_string();
    let feed_body = app.client.get(&feed_url).send().await.expect("feed");
    let feed_status = feed_body.status();
    let feed_text = feed_body.text().await.expect("feed text");
    let mails = sink.wait_for(1, Duration::from_secs(15)).await;

    // Assert: a valid invitation, downloadable, e-mailed, and in Bob's feed.
    assert_eq!(status, StatusCode::CREATED, "{meeting}");
    assert_eq!(ics_status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let ics = ics.as_str().expect("text").to_string();
    validate_ics(&ics);
    let ics = unfold(&ics);
    assert!(
        ics.contains("METHOD:REQUEST") && ics.contains("DTSTART:20300108T140000Z"),
        "{ics}"
    );
    assert!(ics.contains(&format!("mailto:{}", bob.email)), "{ics}");
    assert_eq!(feed_status, StatusCode::OK);
    validate_ics(&feed_text);
    let feed_text = unfold(&feed_text);
    assert!(
        feed_text.contains(meeting["uid"].as_str().unwrap()),
        "{feed_text}"
    );
    assert_eq!(mails.len(), 1, "one invitation e-mail");
    let raw = mails[0]["raw"].as_str().unwrap_or_default();
    assert!(
        raw.contains("text/calendar") && raw.contains("method=REQUEST"),
        "{raw}"
    );
    let rcpts = mails[0]["rcpt_tos"].to_string();
    assert!(
        rcpts.contains(&bob.email) && rcpts.contains("admin@example.com"),
        "{rcpts}"
    );
    assert!(
        header(&mails[0], "Subject")
            .unwrap_or("")
            .contains("Invitation: Postmortem review")
    );
    // A wrong feed token finds nothing.
    let wrong = app
        .client
        .get(app.url("/api/v1/feeds/dbr_nope.ics"))
        .send()
        .await
        .expect("feed");
    assert_eq!(wrong.status(), StatusCode::NOT_FOUND);

    // The recurring review: monthly on the first Tuesday, with an agenda.
    let created = app
        .post(
            "/api/v1/review-meetings",
            &app.admin_token,
            &json!({"starts": "2030-01-01T10:00", "time_zone": "Europe/Berlin", "attendee_ids": [bob.id]}),
        )
        .await;
    crate::openapi::conforms(&doc, "post", "/api/v1/review-meetings", &created);
    let (status, _, series) = created;
    assert_eq!(status, StatusCode::CREATED, "{series}");
    assert_eq!(series["rrule"], "FREQ=MONTHLY;BYDAY=1TU");
    assert_eq!(
        series["starts_at"], "2030-01-01T09:00:00.000Z",
        "first Tuesday, 10:00 Berlin"
    );
    let occurrences = app
        .get(
            &format!(
                "/api/v1/review-meetings/{}/occurrences?count=3",
                series["id"]
            ),
            &app.admin_token,
        )
        .await;
    crate::openapi::conforms(
        &doc,
        "get",
        "/api/v1/review-meetings/{id}/occurrences",
        &occurrences,
    );
    let occ = occurrences.2;
    let starts: Vec<&str> = occ["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["starts_at"].as_str().unwrap())
        .collect();
    assert_eq!(
        starts,
        [
            "2030-01-01T09:00:00.000Z",
            "2030-02-05T09:00:00.000Z",
            "2030-03-05T09:00:00.000Z"
        ]
    );
    let (_, _, invite) = app
        .get(
            &format!("/api/v1/meetings/{}/invite.ics", series["id"]),
            &app.admin_token,
        )
        .await;
    let invite = invite.as_str().unwrap().to_string();
    validate_ics(&invite);
    let invite = unfold(&invite);
    assert!(
        invite.contains("RRULE:FREQ=MONTHLY;BYDAY=1TU") && invite.contains("BEGIN:VTIMEZONE"),
        "{invite}"
    );
    app.close().await;
}

async fn an_overdue_postmortem_reminds_and_escalates_once_across_a_restart(backend: Backend) {
    // Arrange: SMTP and a webhook receiver; a SEV1 resolved 50 hours ago (draft 2 hours
    // overdue) and one resolved 30 hours ago (draft due in 18 hours).
    let sink = SmtpSink::start(None).await;
    let url = sink.url(None);
    let receiver = WebhookReceiver::start().await;
    let app = spawn_app_with(backend, |c| fast(c, &url)).await;
    let (s, _, hook) = app
        .post(
            "/api/v1/webhooks",
            &app.admin_token,
            &json!({"url": format!("{}/in", receiver.address),
                    "events": ["postmortem.reminder", "postmortem.overdue", "postmortem.escalated"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{hook}");
    receiver.set_secret(hook["secret"].as_str().unwrap());

    // Act
    let late = resolved_sev1(&app, "Payments down", &ago(50)).await;
    let soon = resolved_sev1(&app, "Search down", &ago(30)).await;
    let hits = receiver
        .wait_until(Duration::from_secs(20), |h| h.len() >= 3)
        .await;
    let mails = sink.wait_for(3, Duration::from_secs(20)).await;
    // The server stops; another starts on the same database, scans again and runs every job
    // that is due until its queue is empty.
    let mut app = app;
    app.stop().await;
    let mut config = server_config(&app.address);
    fast(&mut config, &url);
    let other = AppState::new(open_store(app.database_url()).await, config);
    debrief_server::settle(&other)
        .await
        .expect("the other server's due work");

    // Assert: each reminder once, by e-mail and by signed webhook.
    let mails = {
        let again = sink.messages();
        assert_eq!(again.len(), mails.len(), "no e-mail twice: {again:#?}");
        again
    };
    let subjects: Vec<String> = mails
        .iter()
        .map(|m| header(m, "Subject").unwrap_or("").to_string())
        .collect();
    let count = |needle: &str| subjects.iter().filter(|s| s.contains(needle)).count();
    assert_eq!(
        count(&format!("Overdue: the postmortem draft of {late}")),
        1,
        "{subjects:?}"
    );
    assert_eq!(
        count(&format!("Escalation: the postmortem draft of {late}")),
        1,
        "{subjects:?}"
    );
    assert_eq!(
        count(&format!("Reminder: the postmortem draft of {soon}")),
        1,
        "{subjects:?}"
    );
    assert_eq!(mails.len(), 3, "{subjects:?}");
    let hits = {
        let again = receiver.hits();
        assert_eq!(again.len(), hits.len(), "no webhook twice");
        again
    };
    let events: Vec<(&str, &Value)> = hits
        .iter()
        .map(|h| (h.event.as_str(), &h.body["data"]["incident"]))
        .collect();
    assert!(hits.iter().all(|h| h.signed), "every delivery is signed");
    for (event, inc) in [
        ("postmortem.overdue", &late),
        ("postmortem.escalated", &late),
        ("postmortem.reminder", &soon),
    ] {
        assert_eq!(
            events
                .iter()
                .filter(|(e, i)| *e == event && *i == &json!(inc))
                .count(),
            1,
            "{events:?}"
        );
    }
    app.close().await;
}

crate::e2e_test!(
    a_review_meeting_is_invited_by_email_with_a_valid_ics_and_in_the_feed,
    backend
);
crate::e2e_test!(
    an_overdue_postmortem_reminds_and_escalates_once_across_a_restart,
    backend
);

async fn a_draft_is_reminded_a_day_before_then_overdue_and_escalated_as_time_passes(
    backend: Backend,
) {
    // Arrange: on a clock the test moves, a SEV1 resolved now: its draft is due in 48 hours.
    let sink = SmtpSink::start(None).await;
    let url = sink.url(None);
    let app = spawn_app_with(backend, |c| {
        fast(c, &url);
        manual_clock(c);
    })
    .await;
    let now = debrief_core::format_utc(app.state.clock.now());
    let r = resolved_sev1(&app, "Payments down", &now).await;
    let drafts = || -> Vec<String> {
        sink.messages()
            .iter()
            .filter_map(|m| header(m, "Subject").map(str::to_string))
            .filter(|s| s.contains(&format!("the postmortem draft of {r}")))
            .collect()
    };

    // Act + assert: nothing while the deadline is more than a day away…
    app.settle().await;
    assert_eq!(drafts(), Vec::<String>::new());
    app.advance(SignedDuration::from_hours(23)).await;
    assert_eq!(drafts(), Vec::<String>::new(), "25 hours before");
    // …one reminder a day before…
    app.advance(SignedDuration::from_hours(2)).await;
    let reminded = drafts();
    assert_eq!(reminded.len(), 1, "{reminded:?}");
    assert!(reminded[0].starts_with("Reminder: "), "{reminded:?}");
    app.advance(SignedDuration::from_hours(12)).await;
    assert_eq!(drafts(), reminded, "reminded once");
    // …then overdue to its owner and escalated to the process owner, once each, however much
    // more time passes.
    app.advance(SignedDuration::from_hours(12)).await;
    let late = drafts();
    assert_eq!(late.len(), 3, "{late:?}");
    assert!(
        late[1..].iter().any(|s| s.starts_with("Overdue: ")),
        "{late:?}"
    );
    assert!(
        late[1..].iter().any(|s| s.starts_with("Escalation: ")),
        "{late:?}"
    );
    app.advance(SignedDuration::from_hours(72)).await;
    assert_eq!(drafts(), late, "nothing more is sent");
    app.close().await;
}

crate::e2e_test!(
    a_draft_is_reminded_a_day_before_then_overdue_and_escalated_as_time_passes,
    backend
);
