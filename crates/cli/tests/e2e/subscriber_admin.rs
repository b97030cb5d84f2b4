//! Subscriber administration (issue #4): admins list a page's subscribers (addresses, never
//! tokens) with their delivery failures and remove one, which then gets nothing more; and the
//! page's admin screen does the same, and acts on maintenance, over plain HTTP forms.

use crate::harness::{Backend, TestApp, WebhookReceiver, assert_problem, spawn_app_with};
use crate::maintenance_ops::{read, schedule};
use crate::status_pages::setup_page;
use debrief_core::access::AccountRole;
use debrief_store::jobs::{JobFilter, JobStatus};
use debrief_store::status_page::Subscriber;
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Adds a confirmed e-mail subscriber straight to the store.
async fn confirmed_email(app: &TestApp, address: &str, components: Vec<i64>) {
    confirmed(app, "email", address, None, components).await;
}

/// Adds a confirmed subscriber straight to the store (a webhook with its contact).
pub async fn confirmed(
    app: &TestApp,
    kind: &str,
    address: &str,
    contact_email: Option<&str>,
    components: Vec<i64>,
) {
    let page = app.state.store.page_by_slug("acme").await.expect("page");
    let now = app.state.clock.now();
    app.state
        .store
        .subscribe(
            &Subscriber {
                id: 0,
                page_id: page.id,
                kind: kind.into(),
                address: address.into(),
                contact_email: contact_email.map(Into::into),
                components,
                confirmed_at: Some(now),
                unsubscribed_at: None,
                unsubscribe_token: debrief_server::auth::new_secret(),
                created_at: now,
            },
            None,
            now,
        )
        .await
        .expect("subscribe");
}

async fn subscribe(app: &TestApp, body: Value) {
    let res = crate::harness::http_client()
        .post(app.url("/status/acme/subscribe"))
        .json(&body)
        .send()
        .await
        .expect("subscribe");
    assert_eq!(res.status(), StatusCode::ACCEPTED);
}

fn by_kind<'a>(list: &'a Value, address: &str) -> &'a Value {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|s| s["address"] == address)
        .unwrap_or_else(|| panic!("{address} not listed: {list}"))
}

async fn admins_see_subscribers_with_their_failures_and_remove_one(backend: Backend) {
    // Arrange: a failing webhook, a pending e-mail, a confirmed e-mail following one component.
    let receiver = WebhookReceiver::start().await;
    receiver.fail_next(100);
    let app = spawn_app_with(backend, |c| {
        c.jobs.poll_interval = Duration::from_millis(100);
    })
    .await;
    let (api, _) = setup_page(&app).await;
    let hook = format!("{}/hook", receiver.address);
    confirmed(&app, "webhook", &hook, Some("hooks@example.com"), vec![]).await;
    subscribe(&app, json!({"email": "pending@example.com"})).await;
    confirmed_email(&app, "ops@example.com", vec![api]).await;
    let t = &app.admin_token;
    let component = format!("/api/v1/status-pages/acme/components/{api}");
    app.patch(&component, t, &json!({"state": "partial_outage"}))
        .await;
    receiver
        .wait_until(Duration::from_secs(15), |h| !h.is_empty())
        .await;
    let path = "/api/v1/status-pages/acme/subscribers";
    let deadline = Instant::now() + Duration::from_secs(10);
    let list = loop {
        let (_, _, list) = app.get(path, t).await;
        if by_kind(&list, &hook)["failing_deliveries"] == 1 {
            break list;
        }
        assert!(Instant::now() < deadline, "no failure counted: {list}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let (_, responder) = app.create_user(AccountRole::Responder).await;

    // Act
    let listed = app.get(path, t).await;
    let webhook_id = by_kind(&list, &hook)["id"].as_i64().unwrap();
    let removed = app.delete(&format!("{path}/{webhook_id}"), t).await;
    let (_, _, after) = app.get(path, t).await;
    receiver.fail_next(0);
    app.patch(&component, t, &json!({"state": "operational"}))
        .await;
    app.settle().await;

    // Assert: each one as it stands; tokens never shown.
    assert_eq!(listed.0, StatusCode::OK);
    let webhook = by_kind(&list, &hook);
    assert_eq!(
        (&webhook["kind"], &webhook["state"], &webhook["scope"]),
        (&json!("webhook"), &json!("confirmed"), &json!("page"))
    );
    assert_eq!(webhook["contact_email"], "hooks@example.com");
    assert_eq!(webhook["dead_deliveries"], 0);
    let pending = by_kind(&list, "pending@example.com");
    assert_eq!(pending["state"], "pending");
    assert!(pending["confirmed_at"].is_null());
    assert!(pending["contact_email"].is_null());
    let ops = by_kind(&list, "ops@example.com");
    assert_eq!(ops["state"], "confirmed");
    assert_eq!(
        (&ops["scope"], &ops["components"]),
        (&json!("components"), &json!([api]))
    );
    let page = app.state.store.page_by_slug("acme").await.expect("page");
    let text = listed.2.to_string();
    for s in app
        .state
        .store
        .subscribers(page.id)
        .await
        .expect("subscribers")
    {
        assert!(!text.contains(&s.unsubscribe_token), "a token is shown");
    }
    assert!(!text.contains("token"), "{text}");
    // Removed: gone from the list, its pending retry dead, and nothing more sent to it.
    assert_eq!(removed.0, StatusCode::NO_CONTENT);
    assert_eq!(after["items"].as_array().unwrap().len(), 2, "{after}");
    let jobs = app
        .state
        .store
        .list_jobs(&JobFilter {
            kind: Some("status_webhook".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("jobs");
    assert_eq!(jobs.len(), 1, "nothing new enqueued for it: {jobs:?}");
    assert_eq!(jobs[0].status, JobStatus::Dead);
    assert_eq!(
        jobs[0].last_error.as_deref(),
        Some("the subscriber was removed")
    );
    assert_eq!(receiver.hits().len(), 1, "no delivery after removal");
    // Admins only; unknown ones are 404.
    assert_problem(&app.get(path, &responder).await, 403);
    assert_problem(
        &app.delete(&format!("{path}/{webhook_id}"), &responder)
            .await,
        403,
    );
    assert_problem(&app.delete(&format!("{path}/{webhook_id}"), t).await, 404);
    assert_problem(&app.delete(&format!("{path}/nope"), t).await, 404);
    let doc = crate::openapi::document(&app).await;
    crate::openapi::conforms(
        &doc,
        "get",
        "/api/v1/status-pages/{slug}/subscribers",
        &listed,
    );
    let one = "/api/v1/status-pages/{slug}/subscribers/{id}";
    crate::openapi::conforms(&doc, "delete", one, &removed);
    app.close().await;
}

crate::e2e_test!(
    admins_see_subscribers_with_their_failures_and_remove_one,
    backend
);

/// An `application/x-www-form-urlencoded` body.
fn form_body(pairs: &[(&str, &str)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A signed-in admin's browser, without a browser: the session cookie and the forms' token.
pub(crate) struct Session {
    cookie: String,
    client: reqwest::Client,
}

impl Session {
    pub(crate) async fn start(app: &TestApp) -> Session {
        let secret = debrief_server::actions::account::start_session(&app.state, &app.admin, None)
            .await
            .expect("a session");
        Session {
            cookie: format!("debrief_session={secret}"),
            client: reqwest::Client::builder()
                .no_proxy()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
        }
    }

    pub(crate) async fn page(&self, app: &TestApp, path: &str) -> (StatusCode, String) {
        let res = self
            .client
            .get(app.url(path))
            .header("cookie", &self.cookie)
            .send()
            .await
            .expect("a page");
        (res.status(), res.text().await.expect("HTML"))
    }

    /// Submits a form with the page's CSRF token; the status and `Location`.
    async fn submit(&self, app: &TestApp, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
        let (status, location, _) = self.send(app, path, fields).await;
        (status, location)
    }

    /// Submits a form with the session's CSRF token; the status, `Location` and body.
    pub(crate) async fn send(
        &self,
        app: &TestApp,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (u16, String, String) {
        let (_, html) = self.page(app, "/status-pages/acme").await;
        let at = html.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
        let csrf = html[at..at + 64].to_string();
        let mut form: Vec<(&str, &str)> = vec![("csrf", &csrf)];
        form.extend_from_slice(fields);
        let res = self
            .client
            .post(app.url(path))
            .header("cookie", &self.cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form_body(&form))
            .send()
            .await
            .expect("submit");
        let location = res
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let status = res.status().as_u16();
        (status, location, res.text().await.unwrap_or_default())
    }
}

async fn the_page_screen_acts_on_maintenance_and_subscribers(app: &TestApp) {
    // Arrange: maintenance in an hour; a webhook subscriber.
    let (api, _) = setup_page(app).await;
    let m = schedule(app, "Storage migration", (3_600_000, 7_200_000, 15), &[api]).await;
    let id = m["id"].as_i64().unwrap();
    subscribe(
        app,
        json!({"webhook_url": "http://127.0.0.1:9/hook", "email": "hooks@example.com"}),
    )
    .await;
    let s = Session::start(app).await;
    let base = format!("/status-pages/acme/maintenances/{id}");

    // Act
    let (status, screen) = s.page(app, "/status-pages/acme").await;
    let update = s
        .submit(
            app,
            &format!("{base}/updates"),
            &[("body", "Prep done."), ("status", "scheduled")],
        )
        .await;
    let starts = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(48);
    let local = |t: jiff::Timestamp| {
        t.to_zoned(jiff::tz::TimeZone::get("Europe/Berlin").expect("zone"))
            .strftime("%Y-%m-%dT%H:%M")
            .to_string()
    };
    let ends = starts + jiff::SignedDuration::from_hours(1);
    let moved = s
        .submit(
            app,
            &format!("{base}/reschedule"),
            &[
                ("starts", &local(starts)),
                ("ends", &local(ends)),
                ("verify_minutes", "5"),
            ],
        )
        .await;
    let after_move = read(app, id).await;
    let cancel = s
        .submit(app, &format!("{base}/cancel"), &[("body", "Not needed.")])
        .await;
    let complete = s.submit(app, &format!("{base}/complete"), &[]).await;
    let (_, _, subs) = app
        .get("/api/v1/status-pages/acme/subscribers", &app.admin_token)
        .await;
    let sub = subs["items"][0]["id"].as_i64().unwrap();
    let remove = s
        .submit(
            app,
            &format!("/status-pages/acme/subscribers/{sub}/remove"),
            &[],
        )
        .await;
    let (_, after) = s.page(app, "/status-pages/acme").await;

    // Assert
    assert_eq!(status, StatusCode::OK);
    for part in [
        "Storage migration",
        "127.0.0.1:9/hook",
        "contact: hooks@example.com",
        "update-form",
        "reschedule-form",
        "cancel-form",
        "remove-form",
    ] {
        assert!(screen.contains(part), "{part} not on the screen");
    }
    assert_eq!(update, (303, "/status-pages/acme".to_string()));
    assert_eq!(moved.0, 303);
    assert_eq!(after_move["updates"][1]["body"], "Prep done.");
    let instant = |v: &Value| v.as_str().unwrap().parse::<jiff::Timestamp>().unwrap();
    assert_eq!(
        instant(&after_move["starts_at"]).as_second() / 60,
        starts.as_second() / 60
    );
    assert_eq!(after_move["verify_minutes"], 5);
    assert_eq!(cancel.0, 303);
    assert_eq!(read(app, id).await["status"], "cancelled");
    assert_eq!(
        complete.0, 409,
        "a cancelled maintenance cannot be completed"
    );
    assert_eq!(remove.0, 303);
    assert!(after.contains("Nobody has subscribed yet."), "{after}");
    assert!(after.contains("cancelled, not shown publicly"));
    assert!(!after.contains("reschedule-form"));
}

crate::e2e_test!(the_page_screen_acts_on_maintenance_and_subscribers);
