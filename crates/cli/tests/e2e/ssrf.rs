//! No server-side request forgery (issue 9.3): with the default destination policy, nobody can
//! make the server send anything to its own loopback, a private network or a metadata service,
//! however the address is written; a host name that resolves there is refused when a delivery
//! resolves it, before any connection. Every test runs a real receiver on loopback and checks
//! that it got nothing; with its network allowed, the same receiver gets the deliveries. A
//! webhook subscription made on a public page needs a contact e-mail address, which confirms it
//! before anything is delivered and is told once when its deliveries fail.
//!
//! The other tests' servers allow private destinations (`harness::server_config`,
//! `ServerProcess::start_with`), since their receivers listen on loopback; these put the
//! default policy back.

use crate::harness::{
    Backend, ServerProcess, SmtpSink, TestApp, TestDb, WebhookReceiver, assert_problem, debrief,
    header, http_client, prepare_admin, spawn_app_with,
};
use crate::status_pages::setup_page;
use debrief_server::jobs::SmtpConfig;
use debrief_server::outbound::DestinationPolicy;
use debrief_store::jobs::NewWebhookEndpoint;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// How long a delivery may take to reach the state a test waits for.
const WITHIN: Duration = Duration::from_secs(15);

/// The receiver's port on 127.0.0.1.
fn port(receiver: &WebhookReceiver) -> u16 {
    receiver
        .address
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("a port")
}

/// The receiver's address, and other places nobody may send to, written the ways an attacker
/// would write them: loopback as IPv4, IPv6, IPv4-mapped IPv6, decimal, octal and hex, the
/// unspecified address (which reaches loopback on Linux), the cloud metadata service, a private
/// network and an IPv6 unique-local address.
fn disguises(port: u16) -> Vec<String> {
    vec![
        format!("http://127.0.0.1:{port}/hook"),
        format!("http://[::1]:{port}/hook"),
        format!("http://[::ffff:127.0.0.1]:{port}/hook"),
        format!("http://2130706433:{port}/hook"),
        format!("http://0177.0.0.1:{port}/hook"),
        format!("http://0x7f.1:{port}/hook"),
        format!("http://0.0.0.0:{port}/hook"),
        "http://169.254.169.254/latest/meta-data/".into(),
        "http://10.0.0.1/hook".into(),
        "https://[fd00::1]/hook".into(),
    ]
}

/// An app with the default destination policy (private addresses refused) and SMTP.
async fn refusing_app(backend: Backend, sink: &SmtpSink) -> TestApp {
    let smtp = sink.url(None);
    spawn_app_with(backend, |c| {
        c.destinations = DestinationPolicy::default();
        c.jobs.poll_interval = Duration::from_millis(100);
        c.smtp = Some(SmtpConfig::parse(&smtp, "Debrief <debrief@example.com>").expect("SMTP"));
    })
    .await
}

/// Subscribes on the public page (no credentials) and returns the answer.
async fn subscribe(app: &TestApp, body: &Value) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    crate::harness::send(
        http_client()
            .post(app.url("/status/acme/subscribe"))
            .json(body),
    )
    .await
}

/// Polls `GET /api/v1/deliveries?kind={kind}` until `done` holds for its items.
/// Waits until every delivery of every kind is done or dead: after that nothing more is sent,
/// which shows "nothing arrived" without sleeping for it to settle.
async fn drained(app: &TestApp) {
    deliveries_until(app, "", |items| {
        items
            .iter()
            .all(|d| d["status"] == "done" || d["status"] == "dead")
    })
    .await;
}

async fn deliveries_until(
    app: &TestApp,
    kind: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = Instant::now() + WITHIN;
    loop {
        let (status, _, page) = app
            .get(
                &format!("/api/v1/deliveries?kind={kind}&limit=200"),
                &app.admin_token,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let items = page["items"].as_array().cloned().unwrap_or_default();
        if done(&items) {
            return items;
        }
        assert!(
            Instant::now() < deadline,
            "the {kind} deliveries did not get there within {WITHIN:?}: {items:#?}"
        );
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
}

fn all_dead(n: usize) -> impl Fn(&[Value]) -> bool {
    move |items| items.len() == n && items.iter().all(|d| d["status"] == "dead")
}

fn all_done(n: usize) -> impl Fn(&[Value]) -> bool {
    move |items| items.len() == n && items.iter().all(|d| d["status"] == "done")
}

/// The token after `marker` in a text (a link's `?token=`).
fn token_after(text: &str, marker: &str) -> String {
    let i = text.find(marker).expect("a link") + marker.len();
    text[i..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect()
}

/// Moves the API component to `state` (a change every subscriber of the page follows).
async fn move_api(app: &TestApp, api: i64, state: &str) {
    let (status, _, body) = app
        .patch(
            &format!("/api/v1/status-pages/acme/components/{api}"),
            &app.admin_token,
            &json!({ "state": state }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn webhook_urls_at_private_addresses_are_refused_when_saved(backend: Backend) {
    // Arrange: a receiver on loopback; a server with the default policy.
    let sink = SmtpSink::start(None).await;
    let receiver = WebhookReceiver::start().await;
    let app = refusing_app(backend, &sink).await;
    let (api, _) = setup_page(&app).await;
    let t = &app.admin_token;

    // Act: each disguise as an admin webhook and as a public webhook subscription.
    let mut answers = Vec::new();
    for url in disguises(port(&receiver)) {
        let admin = app
            .post("/api/v1/webhooks", t, &json!({ "url": url }))
            .await;
        let public = subscribe(
            &app,
            &json!({"webhook_url": url, "email": "hooks@example.com"}),
        )
        .await;
        answers.push((url, admin, public));
    }
    move_api(&app, api, "partial_outage").await;
    deliveries_until(&app, "status_notice", all_done(1)).await;

    // Assert: each a 422 naming the field and saying why; nothing stored, nothing sent.
    for (url, admin, public) in &answers {
        assert_eq!(assert_problem(admin, 422), ["url"], "{url}: {}", admin.2);
        assert_eq!(
            assert_problem(public, 422),
            ["webhook_url"],
            "{url}: {}",
            public.2
        );
        for answer in [admin, public] {
            let message = answer.2["errors"][0]["message"].as_str().unwrap_or("");
            assert!(
                message.contains(" is a") && message.contains("private destinations"),
                "{url}: {message}"
            );
        }
    }
    let loopback = &answers[3].1.2["errors"][0]["message"];
    assert!(
        loopback
            .as_str()
            .is_some_and(|m| m.starts_with("127.0.0.1 is a loopback address")),
        "the decimal form is named as the address it is: {loopback}"
    );
    let metadata = &answers[7].1.2["errors"][0]["message"];
    assert!(
        metadata
            .as_str()
            .is_some_and(|m| m.contains("169.254.169.254 is a link-local address")),
        "{metadata}"
    );
    let (_, _, webhooks) = app.get("/api/v1/webhooks", t).await;
    assert_eq!(webhooks["items"], json!([]), "{webhooks}");
    let (_, _, subscribers) = app.get("/api/v1/status-pages/acme/subscribers", t).await;
    assert_eq!(subscribers["items"], json!([]), "{subscribers}");
    drained(&app).await;
    assert!(receiver.hits().is_empty(), "{:?}", receiver.hits());
    assert!(
        sink.messages().is_empty(),
        "no confirmation for a refused URL"
    );
    app.close().await;
}

crate::e2e_test!(
    webhook_urls_at_private_addresses_are_refused_when_saved,
    backend
);

async fn a_host_name_for_loopback_is_refused_when_delivered(backend: Backend) {
    // Arrange: a receiver on loopback; a server with the default policy; an admin webhook
    // named `localhost`, and one at a loopback address stored before the policy existed.
    let sink = SmtpSink::start(None).await;
    let receiver = WebhookReceiver::start().await;
    let p = port(&receiver);
    let app = refusing_app(backend, &sink).await;
    let (api, _) = setup_page(&app).await;
    let t = &app.admin_token;
    let (status, _, named) = app
        .post(
            "/api/v1/webhooks",
            t,
            &json!({ "url": format!("http://localhost:{p}/named") }),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "a host name is checked later: {named}"
    );
    let legacy = app
        .state
        .store
        .create_webhook_endpoint(
            &NewWebhookEndpoint {
                url: format!("http://127.0.0.1:{p}/legacy"),
                secret: "legacy-secret-0123456789".into(),
                events: vec!["*".into()],
            },
            app.state.clock.now(),
        )
        .await
        .expect("a stored endpoint");

    // Act: ping both; subscribe a webhook named `localhost` on the public page, confirm it,
    // and make two changes it follows.
    for id in [named["id"].as_i64().expect("an id"), legacy.id] {
        let (status, _, body) = app
            .post(&format!("/api/v1/webhooks/{id}/test"), t, &json!({}))
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
    let hook = format!("http://localhost:{p}/status");
    let (status, _, body) = subscribe(
        &app,
        &json!({"webhook_url": hook, "email": "hooks@example.com"}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let mails = sink.wait_for(1, WITHIN).await;
    let confirm = token_after(mails[0]["text"].as_str().unwrap_or(""), "confirm?token=");
    let confirmed = http_client()
        .get(app.url(&format!("/status/acme/confirm?token={confirm}")))
        .send()
        .await
        .expect("confirm")
        .status();
    // One change at a time: changes that land before the page's notice runs are sent as one.
    move_api(&app, api, "partial_outage").await;
    deliveries_until(&app, "status_webhook", all_dead(1)).await;
    move_api(&app, api, "operational").await;
    let pings = deliveries_until(&app, "webhook", all_dead(2)).await;
    let hooks = deliveries_until(&app, "status_webhook", all_dead(2)).await;
    sink.wait_for(2, WITHIN).await;
    // A second notice to the contact (there must be none) would be in the queue by now.
    drained(&app).await;

    // Assert: nothing reached the receiver; each delivery died at once, saying why.
    assert!(receiver.hits().is_empty(), "{:?}", receiver.hits());
    assert_eq!(confirmed, StatusCode::OK);
    for d in pings.iter().chain(&hooks) {
        assert_eq!(d["attempts"], 1, "given up at once: {d}");
    }
    let reason = |d: &Value| d["last_error"].as_str().unwrap_or("").to_string();
    let named_reason = pings
        .iter()
        .map(reason)
        .find(|r| r.contains("/named"))
        .expect("the named webhook's delivery");
    assert!(
        named_reason.contains("localhost resolves only to addresses Debrief does not send to")
            && named_reason.contains("127.0.0.1 is a loopback address"),
        "{named_reason}"
    );
    let legacy_reason = pings
        .iter()
        .map(reason)
        .find(|r| r.contains("/legacy"))
        .expect("the stored webhook's delivery");
    assert!(
        legacy_reason.contains("127.0.0.1 is a loopback address"),
        "a stored address is checked before sending: {legacy_reason}"
    );
    for d in &hooks {
        assert!(reason(d).contains("localhost resolves only to"), "{d}");
    }
    // The contact heard once that deliveries fail, though two were given up.
    let mails = sink.messages();
    let failing: Vec<&Value> = mails
        .iter()
        .filter(|m| header(m, "Subject").is_some_and(|s| s.contains("are failing")))
        .collect();
    assert_eq!(failing.len(), 1, "{mails:#?}");
    assert_eq!(failing[0]["rcpt_tos"], json!(["hooks@example.com"]));
    let text = failing[0]["text"].as_str().unwrap_or("");
    assert!(
        text.contains("localhost resolves only to") && text.contains("unsubscribe?token="),
        "{text}"
    );
    app.close().await;
}

crate::e2e_test!(a_host_name_for_loopback_is_refused_when_delivered, backend);

async fn an_allowed_network_receives_its_deliveries(backend: Backend) {
    // Arrange: the same receiver, on a server that allows 127.0.0.0/8 and nothing else.
    let receiver = WebhookReceiver::start().await;
    let p = port(&receiver);
    let app = spawn_app_with(backend, |c| {
        c.destinations = DestinationPolicy {
            allow_private: false,
            allowed: vec!["127.0.0.0/8".parse().expect("a network")],
        };
        c.jobs.poll_interval = Duration::from_millis(100);
    })
    .await;
    let t = &app.admin_token;

    // Act: webhooks at the address, at its decimal form and at a name for it; other private
    // addresses.
    let mut ids = Vec::new();
    for url in [
        format!("http://127.0.0.1:{p}/address"),
        format!("http://2130706433:{p}/decimal"),
        format!("http://localhost:{p}/named"),
    ] {
        let (status, _, body) = app
            .post("/api/v1/webhooks", t, &json!({ "url": url }))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{url}: {body}");
        ids.push(body["id"].as_i64().expect("an id"));
    }
    for id in &ids {
        app.post(&format!("/api/v1/webhooks/{id}/test"), t, &json!({}))
            .await;
    }
    let hits = receiver.wait_until(WITHIN, |h| h.len() >= 3).await;
    let ipv6 = app
        .post(
            "/api/v1/webhooks",
            t,
            &json!({ "url": format!("http://[::1]:{p}/hook") }),
        )
        .await;
    let private = app
        .post(
            "/api/v1/webhooks",
            t,
            &json!({"url": "http://10.0.0.1/hook"}),
        )
        .await;

    // Assert: each delivered; the networks not allowed stay refused.
    let mut paths: Vec<&str> = hits.iter().map(|h| h.path.as_str()).collect();
    paths.sort_unstable();
    assert_eq!(paths, ["/address", "/decimal", "/named"], "{hits:?}");
    assert!(hits.iter().all(|h| h.event == "ping" && h.answered == 200));
    assert_eq!(assert_problem(&ipv6, 422), ["url"]);
    assert_eq!(assert_problem(&private, 422), ["url"]);
    app.close().await;
}

crate::e2e_test!(an_allowed_network_receives_its_deliveries, backend);

async fn a_public_webhook_subscription_needs_a_contact_who_confirms_it(backend: Backend) {
    // Arrange: SMTP, a receiver (this server allows loopback, as the other tests' do).
    let sink = SmtpSink::start(None).await;
    let smtp = sink.url(None);
    let receiver = WebhookReceiver::start().await;
    let app = spawn_app_with(backend, |c| {
        c.jobs.poll_interval = Duration::from_millis(100);
        c.smtp = Some(SmtpConfig::parse(&smtp, "Debrief <debrief@example.com>").expect("SMTP"));
    })
    .await;
    let (api, _) = setup_page(&app).await;
    let hook = format!("{}/statuspage", receiver.address);

    // Act: without a contact, with a bad one, from the page's form without one, then right.
    let without = subscribe(&app, &json!({ "webhook_url": hook })).await;
    let bad = subscribe(&app, &json!({"webhook_url": hook, "email": "nope"})).await;
    let form = http_client()
        .post(app.url("/status/acme/subscribe-form"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("email=&webhook_url={hook}"))
        .send()
        .await
        .expect("the form")
        .status();
    let accepted = subscribe(
        &app,
        &json!({"webhook_url": hook, "email": "Hooks@Example.com"}),
    )
    .await;
    // A change before the contact confirms reaches nobody.
    move_api(&app, api, "partial_outage").await;
    deliveries_until(&app, "status_notice", all_done(1)).await;
    let before = deliveries_until(&app, "status_webhook", |_| true).await;
    let (_, _, pending) = app
        .get("/api/v1/status-pages/acme/subscribers", &app.admin_token)
        .await;
    let mails = sink.wait_for(1, WITHIN).await;
    let confirm = token_after(mails[0]["text"].as_str().unwrap_or(""), "confirm?token=");
    let confirmed = http_client()
        .get(app.url(&format!("/status/acme/confirm?token={confirm}")))
        .send()
        .await
        .expect("confirm")
        .status();
    move_api(&app, api, "major_outage").await;
    let hits = receiver.wait_until(WITHIN, |h| !h.is_empty()).await;
    drained(&app).await;

    // Assert
    assert_eq!(assert_problem(&without, 422), ["email"], "{}", without.2);
    assert_eq!(assert_problem(&bad, 422), ["email"]);
    assert_eq!(form, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(accepted.0, StatusCode::ACCEPTED, "{}", accepted.2);
    assert!(
        accepted.2["message"]
            .as_str()
            .is_some_and(|m| m.contains("confirmation link")),
        "{}",
        accepted.2
    );
    assert!(
        before.is_empty(),
        "nothing for an unconfirmed webhook: {before:?}"
    );
    let subscriber = &pending["items"][0];
    assert_eq!(
        (
            &subscriber["kind"],
            &subscriber["state"],
            &subscriber["contact_email"]
        ),
        (
            &json!("webhook"),
            &json!("pending"),
            &json!("hooks@example.com")
        ),
        "{pending}"
    );
    assert_eq!(mails.len(), 1, "{mails:#?}");
    assert_eq!(mails[0]["rcpt_tos"], json!(["hooks@example.com"]));
    assert!(
        header(&mails[0], "Subject").is_some_and(|s| s.contains("webhook subscription")),
        "{:?}",
        header(&mails[0], "Subject")
    );
    assert!(
        mails[0]["text"].as_str().is_some_and(|t| t.contains(&hook)),
        "the mail names the webhook"
    );
    assert_eq!(confirmed, StatusCode::OK);
    assert_eq!(receiver.hits().len(), 1, "{:?}", receiver.hits());
    let update = &hits[0].body["component_update"];
    assert_eq!(
        (&update["old_status"], &update["new_status"]),
        (&json!("partial_outage"), &json!("major_outage")),
        "only the change after confirmation: {}",
        hits[0].body
    );
    app.close().await;
}

crate::e2e_test!(
    a_public_webhook_subscription_needs_a_contact_who_confirms_it,
    backend
);

/// `debrief serve` and the outcome of a webhook to `url` saved through it.
async fn save_webhook(server: &ServerProcess, token: &str, url: &str) -> (StatusCode, Value) {
    let res = http_client()
        .post(format!("{}/api/v1/webhooks", server.address))
        .bearer_auth(token)
        .json(&json!({ "url": url }))
        .send()
        .await
        .expect("save a webhook");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Runs `debrief serve` with a bad destination setting; returns its exit success and stderr.
async fn serve_refusing_to_start(
    database: &str,
    env: &[(&str, &str)],
    args: &[&str],
) -> (bool, String) {
    let out = tokio::time::timeout(
        WITHIN,
        debrief()
            .envs(env.iter().copied())
            .args(["serve", "--database", database, "--listen", "127.0.0.1:0"])
            .args(args)
            .stderr(Stdio::piped())
            .output(),
    )
    .await
    .expect("debrief serve exits")
    .expect("run debrief serve");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn the_serve_flags_set_the_destination_policy(backend: Backend) {
    // Arrange: the real binary on a fresh database; a receiver on loopback.
    let db = TestDb::create(backend).await;
    let token = prepare_admin(db.url()).await;
    let receiver = WebhookReceiver::start().await;
    let url = format!("{}/hook", receiver.address);

    // Act: without a flag; with --allow-destination (twice); with bad networks.
    let server = ServerProcess::start_exactly(db.url(), &[]).await;
    let refused = save_webhook(&server, &token, &url).await;
    server.kill_9().await;
    let server = ServerProcess::start_exactly(
        db.url(),
        &[
            "--allow-destination",
            "10.0.0.0/8",
            "--allow-destination",
            "127.0.0.1",
        ],
    )
    .await;
    let allowed = save_webhook(&server, &token, &url).await;
    let ping = http_client()
        .post(format!(
            "{}/api/v1/webhooks/{}/test",
            server.address, allowed.1["id"]
        ))
        .bearer_auth(&token)
        .send()
        .await
        .expect("ping")
        .status();
    let hits = receiver.wait_until(WITHIN, |h| !h.is_empty()).await;
    server.kill_9().await;
    let bad_flag =
        serve_refusing_to_start(db.url(), &[], &["--allow-destination", "10.0.0.0/33"]).await;
    let bad_env = serve_refusing_to_start(
        db.url(),
        &[("DEBRIEF_ALLOW_DESTINATIONS", "127.0.0.0/8,nope")],
        &[],
    )
    .await;

    // Assert
    assert_eq!(refused.0, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.1);
    assert_eq!(refused.1["errors"][0]["field"], "url");
    assert_eq!(allowed.0, StatusCode::CREATED, "{}", allowed.1);
    assert_eq!(ping, StatusCode::ACCEPTED);
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert!(
        !bad_flag.0 && bad_flag.1.contains("10.0.0.0/33"),
        "{}",
        bad_flag.1
    );
    assert!(
        !bad_env.0 && bad_env.1.contains("'nope' is not a network"),
        "{}",
        bad_env.1
    );
    db.remove().await;
}

crate::e2e_test!(the_serve_flags_set_the_destination_policy, backend);
