//! The job queue end to end: e-mail through a real SMTP server (aiosmtpd on loopback), signed
//! webhooks to a receiver that checks them, retries with back-off, dead deliveries an admin
//! retries, dedupe keys. A `kill -9` and restart, and two servers sharing one database, are in
//! `jobs_restart.rs`.

use crate::harness::{
    Backend, Hit, Raw, SmtpSink, TestApp, WebhookReceiver, assert_problem, header, spawn_app_with,
};
use crate::openapi::{conforms, document};
use debrief_core::Timestamp;
use debrief_core::access::AccountRole;
use debrief_server::ServerConfig;
use debrief_server::jobs::{self, Attachment, EmailMessage, SmtpConfig};
use debrief_store::Store;
use debrief_store::jobs::{JobFilter, JobStatus};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// The longest any one wait in these tests may take.
pub(crate) const WITHIN: Duration = Duration::from_secs(15);

/// Retries within a second, polls often: what the tests can wait for.
pub(crate) fn fast_jobs(c: &mut ServerConfig) {
    c.jobs.poll_interval = Duration::from_millis(100);
    c.jobs.retry_base = Duration::from_millis(300);
    c.jobs.retry_cap = Duration::from_secs(1);
}

pub(crate) fn message(subject: &str) -> EmailMessage {
    EmailMessage {
        to: vec!["Ada Admin <ada@example.com>".into()],
        subject: subject.into(),
        text: "The postmortem draft of INC-7 is due tomorrow.".into(),
        html: None,
        attachments: vec![],
        headers: BTreeMap::new(),
    }
}

/// Polls `GET /api/v1/deliveries?{query}` until an item satisfies `found`; fails the test with
/// the last page when none does within [`WITHIN`].
pub(crate) async fn wait_for_delivery(
    app: &TestApp,
    query: &str,
    found: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + WITHIN;
    loop {
        let (status, _, page) = app
            .get(&format!("/api/v1/deliveries?{query}"), &app.admin_token)
            .await;
        assert_eq!(status, 200, "{page}");
        if let Some(d) = page["items"]
            .as_array()
            .and_then(|items| items.iter().find(|d| found(d)))
        {
            return d.clone();
        }
        assert!(
            Instant::now() < deadline,
            "no delivery like that in ?{query} within {WITHIN:?}: {page}"
        );
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
}

/// Waits until `n` jobs are done, as the store sees them.
pub(crate) async fn wait_for_done(store: &Store, n: usize, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let done = store
            .list_jobs(&JobFilter {
                status: Some(JobStatus::Done),
                limit: 1000,
                ..Default::default()
            })
            .await
            .expect("list jobs");
        if done.len() >= n {
            return;
        }
        let all = store
            .list_jobs(&JobFilter {
                limit: 1000,
                ..Default::default()
            })
            .await
            .expect("list jobs");
        assert!(
            Instant::now() < deadline,
            "{} of {n} jobs done within {within:?}: {all:#?}",
            done.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A delivery that arrived, as the receiver checked it.
pub(crate) fn assert_signed(hit: &Hit) {
    assert!(hit.signed, "the signature verifies: {hit:?}");
    assert!(hit.user_agent.starts_with("Debrief/"), "{hit:?}");
    assert_eq!(hit.content_type, "application/json");
    assert_eq!(
        hit.body["id"], hit.delivery,
        "the body's id is the delivery id"
    );
    assert_eq!(hit.body["event"], hit.event);
}

/// An e-mail with an `.ics` invitation reaches a real SMTP server once, with AUTH, its subject,
/// recipients, extra header and the calendar part; enqueuing its dedupe key again sends nothing.
async fn an_email_arrives_once_with_its_subject_and_calendar_invitation(backend: Backend) {
    // Arrange: a sink that requires AUTH; the password has a ':' (percent-encoded in the URL).
    let sink = SmtpSink::start(Some(("mailer", "s3cret:pw"))).await;
    let url = format!("smtp://mailer:s3cret%3Apw@127.0.0.1:{}", sink.port);
    let app = spawn_app_with(backend, |c| {
        fast_jobs(c);
        c.smtp = Some(SmtpConfig::parse(&url, "Debrief <debrief@example.com>").expect("SMTP"));
    })
    .await;
    let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Debrief//EN\r\nMETHOD:REQUEST\r\n\
               BEGIN:VEVENT\r\nUID:review-7@debrief\r\nDTSTAMP:20261121T090000Z\r\n\
               DTSTART:20261124T140000Z\r\nSUMMARY:Postmortem review INC-7\r\nEND:VEVENT\r\n\
               END:VCALENDAR\r\n";
    let mut invitation = message("Postmortem review for INC-7");
    invitation.to.push("bob@example.com".into());
    invitation.html = Some("<p>The postmortem review of <b>INC-7</b>.</p>".into());
    invitation.attachments.push(Attachment::new(
        "review.ics",
        "text/calendar; method=REQUEST; charset=UTF-8",
        ics.as_bytes(),
    ));
    invitation
        .headers
        .insert("X-Debrief-Incident".into(), "INC-7".into());
    let now = Timestamp::now();

    // Act: enqueue it twice under one dedupe key.
    let first = jobs::send_email(&app.state, "review-invite:INC-7", &invitation, now)
        .await
        .expect("enqueue");
    let again = jobs::send_email(&app.state, "review-invite:INC-7", &invitation, now)
        .await
        .expect("enqueue again");

    // Assert: stored once, delivered once.
    assert!(first.is_some());
    assert_eq!(again, None, "the same dedupe key is not enqueued twice");
    let done = wait_for_delivery(&app, "kind=email", |d| d["status"] == "done").await;
    assert_eq!(done["attempts"], 1);
    assert_eq!(done["dedupe_key"], "email:review-invite:INC-7");
    assert_eq!(
        done["summary"],
        "e-mail to 2 recipients: Postmortem review for INC-7"
    );
    // A second message would arrive within the wait for it.
    let mails = sink.wait_for(2, Duration::from_millis(700)).await;
    assert_eq!(mails.len(), 1, "exactly one message: {mails:#?}");
    let m = &mails[0];
    assert_eq!(m["auth_user"], "mailer", "the client authenticated");
    assert_eq!(m["mail_from"], "debrief@example.com");
    assert_eq!(m["rcpt_tos"], json!(["ada@example.com", "bob@example.com"]));
    assert_eq!(header(m, "Subject"), Some("Postmortem review for INC-7"));
    assert_eq!(header(m, "X-Debrief-Incident"), Some("INC-7"));
    assert_eq!(header(m, "Auto-Submitted"), Some("auto-generated"));
    assert_eq!(
        m["text"].as_str().map(str::trim_end),
        Some("The postmortem draft of INC-7 is due tomorrow.")
    );
    let raw = m["raw"].as_str().expect("the raw message");
    assert!(
        raw.contains("Content-Type: text/calendar; method=REQUEST;"),
        "{raw}"
    );
    assert!(raw.contains("filename=\"review.ics\""), "{raw}");
    assert!(raw.contains("text/html"), "{raw}");
    let (status, headers, page) = app
        .get("/api/v1/deliveries?kind=email", &app.admin_token)
        .await;
    conforms(
        &document(&app).await,
        "get",
        "/api/v1/deliveries",
        &(status, headers, page),
    );
    app.close().await;
}

crate::e2e_test!(
    an_email_arrives_once_with_its_subject_and_calendar_invitation,
    backend
);

/// A webhook event reaches each subscribed endpoint signed. The endpoint that answers 500 twice
/// is listed as failed with the reason in between, then gets it on the third attempt with the
/// same delivery id; the healthy endpoint gets it once, and the one subscribed to other events
/// never.
async fn a_webhook_is_signed_retried_after_errors_and_delivered_once(backend: Backend) {
    // Arrange
    let flaky = WebhookReceiver::start().await;
    let healthy = WebhookReceiver::start().await;
    // On a clock the test moves, with the production back-off (30 s, then 2 min, ±20 %).
    let app = spawn_app_with(backend, crate::harness::manual_clock).await;
    let t = app.admin_token.as_str();
    let doc = document(&app).await;
    let created = app
        .post(
            "/api/v1/webhooks",
            t,
            &json!({"url": format!("{}/hooks/debrief?token=abc", flaky.address),
                    "events": ["postmortem.reminder"]}),
        )
        .await;
    conforms(&doc, "post", "/api/v1/webhooks", &created);
    assert_eq!(created.0, 201, "{}", created.2);
    let flaky_id = created.2["id"].clone();
    flaky.set_secret(created.2["secret"].as_str().expect("a secret"));
    flaky.fail_next(2);
    let given = "a-secret-of-at-least-16-characters";
    let (status, _, _) = app
        .post(
            "/api/v1/webhooks",
            t,
            &json!({"url": format!("{}/in", healthy.address), "secret": given}),
        )
        .await;
    assert_eq!(status, 201);
    healthy.set_secret(given);
    let (status, _, _) = app
        .post(
            "/api/v1/webhooks",
            t,
            &json!({"url": format!("{}/unrelated", healthy.address), "events": ["incident.declared"]}),
        )
        .await;
    assert_eq!(status, 201);

    // Act
    let data = json!({"incident": "INC-7", "due_at": "2026-11-23T09:00:00.000Z"});
    let now = app.state.clock.now();
    let id = jobs::emit_webhook(
        &app.state,
        "postmortem.reminder",
        "reminder:INC-7:draft",
        data.clone(),
        now,
    )
    .await
    .expect("emit");

    app.settle().await;
    // Not retried before its back-off has passed…
    app.advance(jiff::SignedDuration::from_secs(20)).await;
    let early = flaky.hits().len();
    // …then retried after 30 s and after 2 more minutes (each with at most 20 % jitter).
    let failed_list = app
        .get("/api/v1/deliveries?status=failed&kind=webhook", t)
        .await;
    app.advance(jiff::SignedDuration::from_secs(20)).await;
    app.advance(jiff::SignedDuration::from_secs(150)).await;

    // Assert: in between, the flaky endpoint's delivery is listed as failed with the reason,
    // without the URL's query.
    assert!(id.is_some());
    assert_eq!(early, 1, "one attempt before the back-off passed");
    let failed = failed_list.2["items"]
        .as_array()
        .and_then(|items| {
            items
                .iter()
                .find(|d| d["summary"] == format!("postmortem.reminder to webhook {flaky_id}"))
        })
        .unwrap_or_else(|| panic!("a failed delivery: {}", failed_list.2))
        .clone();
    assert_eq!(
        failed["last_error"],
        format!("HTTP 500 from {}/hooks/debrief", flaky.address)
    );
    let done = wait_for_delivery(&app, "status=done&kind=webhook", |d| {
        d["summary"] == format!("postmortem.reminder to webhook {flaky_id}")
    })
    .await;
    assert_eq!(done["attempts"], 3);
    assert_eq!(
        jobs::emit_webhook(
            &app.state,
            "postmortem.reminder",
            "reminder:INC-7:draft",
            data.clone(),
            now
        )
        .await
        .expect("emit again"),
        None,
        "the same dedupe key is not emitted twice"
    );
    // Nothing more is sent: the queue is drained to empty.
    app.settle().await;
    let hits = flaky.hits();
    let answered: Vec<u16> = hits.iter().map(|h| h.answered).collect();
    assert_eq!(answered, [500, 500, 200], "{hits:#?}");
    hits.iter().for_each(assert_signed);
    assert!(
        hits.iter().all(|h| h.delivery == hits[0].delivery),
        "one delivery id across retries"
    );
    assert_eq!(hits[0].event, "postmortem.reminder");
    assert_eq!(hits[0].path, "/hooks/debrief");
    assert_eq!(hits[0].body["data"], data);
    let healthy_hits = healthy.hits();
    assert_eq!(
        healthy_hits.len(),
        1,
        "one delivery to the healthy endpoint: {healthy_hits:#?}"
    );
    assert_eq!(healthy_hits[0].path, "/in");
    assert_signed(&healthy_hits[0]);
    assert_ne!(healthy_hits[0].delivery, hits[0].delivery);
    let listed = app.get("/api/v1/webhooks", t).await;
    conforms(&doc, "get", "/api/v1/webhooks", &listed);
    assert_eq!(listed.2["items"].as_array().map(Vec::len), Some(3));
    assert!(
        !listed.2.to_string().contains("secret"),
        "secrets are never listed"
    );
    app.close().await;
}

crate::e2e_test!(
    a_webhook_is_signed_retried_after_errors_and_delivered_once,
    backend
);

/// Without SMTP an e-mail is dead at once with the reason; a webhook whose receiver keeps
/// failing is dead after its attempts. An admin sees both with their reasons and retries the
/// webhook once the receiver works; a delivered job cannot be retried, and only admins see any
/// of it. The test ping and deleting an endpoint work too.
async fn a_dead_delivery_is_listed_with_its_reason_and_can_be_retried(backend: Backend) {
    // Arrange: no SMTP; two attempts per job.
    let receiver = WebhookReceiver::start().await;
    let app = spawn_app_with(backend, |c| {
        fast_jobs(c);
        c.jobs.max_attempts = 2;
    })
    .await;
    let t = app.admin_token.as_str();
    let doc = document(&app).await;
    let (_, _, endpoint) = app
        .post(
            "/api/v1/webhooks",
            t,
            &json!({"url": format!("{}/hook", receiver.address)}),
        )
        .await;
    receiver.set_secret(endpoint["secret"].as_str().expect("a secret"));
    receiver.fail_next(1000);
    let now = Timestamp::now();

    // Act
    jobs::send_email(&app.state, "no-smtp", &message("Unsendable"), now)
        .await
        .expect("enqueue");
    jobs::emit_webhook(
        &app.state,
        "incident.declared",
        "declared:INC-1",
        json!({}),
        now,
    )
    .await
    .expect("emit");

    // Assert: both dead, with their reasons.
    let mail = wait_for_delivery(&app, "status=dead&kind=email", |_| true).await;
    assert_eq!(
        mail["last_error"],
        "SMTP is not configured (set DEBRIEF_SMTP_URL)"
    );
    assert_eq!(mail["attempts"], 1, "no retries when retrying cannot help");
    let hook = wait_for_delivery(&app, "status=dead&kind=webhook", |_| true).await;
    assert_eq!(
        hook["last_error"],
        format!("HTTP 500 from {}/hook", receiver.address)
    );
    assert_eq!(hook["attempts"], 2);
    assert_eq!(receiver.hits().len(), 2);

    // Act: the receiver works again; an admin retries.
    receiver.fail_next(0);
    let retry_path = format!("/api/v1/deliveries/{}/retry", hook["id"]);
    let retried = app.request(Method::POST, &retry_path, Some(t), None).await;
    conforms(&doc, "post", "/api/v1/deliveries/{id}/retry", &retried);
    assert_eq!(retried.0, 200, "{}", retried.2);
    assert_eq!(retried.2["status"], "queued");

    // Assert: delivered, once more only; a delivered job cannot be retried.
    let done = wait_for_delivery(&app, "status=done&kind=webhook", |d| d["id"] == hook["id"]).await;
    assert_eq!(done["attempts"], 3);
    let hits = receiver.hits();
    assert_eq!(hits.len(), 3);
    assert_eq!(hits[2].answered, 200);
    assert_signed(&hits[2]);
    let again = app.request(Method::POST, &retry_path, Some(t), None).await;
    assert_problem(&again, 409);
    conforms(&doc, "post", "/api/v1/deliveries/{id}/retry", &again);
    assert_problem(
        &app.request(
            Method::POST,
            "/api/v1/deliveries/999999/retry",
            Some(t),
            None,
        )
        .await,
        404,
    );
    let fields = assert_problem(&app.get("/api/v1/deliveries?status=lost", t).await, 422);
    assert_eq!(fields, ["status"]);
    let (_, responder) = app.create_user(AccountRole::Responder).await;
    assert_problem(&app.get("/api/v1/deliveries", &responder).await, 403);
    assert_problem(&app.get("/api/v1/webhooks", &responder).await, 403);
    let refused = app
        .raw(
            Raw::new(Method::POST, "/api/v1/webhooks").token(t).json(
                r#"{"url": "ftp://example.com", "events": ["Bad Event"], "secret": "short"}"#,
            ),
        )
        .await;
    assert_eq!(
        assert_problem(&refused, 422),
        ["url", "events[0]", "secret"]
    );

    // The test ping, then deleting the endpoint.
    let ping_path = format!("/api/v1/webhooks/{}/test", endpoint["id"]);
    let ping = app.request(Method::POST, &ping_path, Some(t), None).await;
    conforms(&doc, "post", "/api/v1/webhooks/{id}/test", &ping);
    assert_eq!(ping.0, 202, "{}", ping.2);
    let hits = receiver
        .wait_until(WITHIN, |h| h.iter().any(|x| x.event == "ping"))
        .await;
    let ping_hit = hits.iter().find(|h| h.event == "ping").expect("a ping");
    assert_signed(ping_hit);
    let path = format!("/api/v1/webhooks/{}", endpoint["id"]);
    let deleted = app.delete(&path, t).await;
    conforms(&doc, "delete", "/api/v1/webhooks/{id}", &deleted);
    assert_eq!(deleted.0, 204);
    assert_problem(&app.delete(&path, t).await, 404);
    assert_eq!(app.get("/api/v1/webhooks", t).await.2["items"], json!([]));
    app.close().await;
}

crate::e2e_test!(
    a_dead_delivery_is_listed_with_its_reason_and_can_be_retried,
    backend
);
