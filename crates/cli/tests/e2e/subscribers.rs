//! Status page subscribers: e-mail with double opt-in and one-click unsubscribe, webhooks in the
//! Statuspage subscriber format, each notification delivered once through the job queue.

use crate::harness::{Backend, SmtpSink, WebhookReceiver, header, spawn_app, spawn_app_with};
use debrief_server::jobs::SmtpConfig;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

fn token_in(text: &str, marker: &str) -> String {
    let i = text.find(marker).expect("a link") + marker.len();
    text[i..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

async fn subscribers_get_each_change_once_and_can_leave_in_one_click(backend: Backend) {
    // Arrange: SMTP, a webhook receiver, a page with two components.
    let sink = SmtpSink::start(None).await;
    let url = sink.url(None);
    let receiver = WebhookReceiver::start().await;
    let app = spawn_app_with(backend, |c| {
        c.jobs.poll_interval = Duration::from_millis(100);
        c.smtp = Some(SmtpConfig::parse(&url, "Debrief <debrief@example.com>").expect("SMTP"));
    })
    .await;
    let t = &app.admin_token;
    app.post(
        "/api/v1/status-pages",
        t,
        &json!({"slug": "acme", "name": "Acme Cloud"}),
    )
    .await;
    let (_, _, api) = app
        .post(
            "/api/v1/status-pages/acme/components",
            t,
            &json!({"name": "API"}),
        )
        .await;
    let api = api["id"].as_i64().unwrap();
    let client = crate::harness::http_client();
    let subscribe = |body: Value| {
        let client = client.clone();
        let url = app.url("/status/acme/subscribe");
        async move {
            client
                .post(url)
                .json(&body)
                .send()
                .await
                .expect("subscribe")
        }
    };

    // Act: subscribe by e-mail (twice) and by webhook (with its contact); a bad address.
    let first = subscribe(json!({"email": "Carol@Example.com"})).await;
    let first_status = first.status();
    let first_body: Value = first.json().await.expect("JSON");
    let again: Value = subscribe(json!({"email": "carol@example.com"}))
        .await
        .json()
        .await
        .expect("JSON");
    let bad = subscribe(json!({"email": "not-an-address"})).await.status();
    let hook = subscribe(json!({
        "webhook_url": format!("{}/statuspage", receiver.address),
        "email": "hooks@example.com"
    }))
    .await
    .status();
    let mails = sink.wait_for(2, Duration::from_secs(15)).await;
    app.settle().await;
    assert_eq!(
        sink.messages().len(),
        2,
        "one confirmation per address, even when asked twice"
    );
    let mut confirmed = Vec::new();
    for to in ["carol@example.com", "hooks@example.com"] {
        let mail = mails
            .iter()
            .find(|m| m["rcpt_tos"][0] == to)
            .unwrap_or_else(|| panic!("no confirmation to {to}: {mails:?}"));
        let confirm = token_in(mail["text"].as_str().unwrap_or_default(), "confirm?token=");
        let status = client
            .get(app.url(&format!("/status/acme/confirm?token={confirm}")))
            .send()
            .await
            .expect("confirm")
            .status();
        confirmed.push(status);
    }
    // An incident update and a component change.
    let inc = app
        .declare(t, &json!({"title": "x", "severity": "SEV2"}))
        .await;
    let r = inc["reference"].as_str().unwrap();
    let (_, _, published) = app
        .post(
            &format!("/api/v1/incidents/{r}/status-updates"),
            t,
            &json!({"page": "acme", "status": "investigating", "name": "API errors", "body": "Looking.",
                    "components": [{"id": api, "state": "partial_outage"}]}),
        )
        .await;
    let public_id = published["public_id"].as_str().expect("its public id");
    app.patch(
        &format!("/api/v1/status-pages/acme/components/{api}"),
        t,
        &json!({"state": "operational"}),
    )
    .await;
    let mails = sink.wait_for(4, Duration::from_secs(15)).await;
    receiver
        .wait_until(Duration::from_secs(15), |h| h.len() >= 2)
        .await;
    // One click out; the next update reaches nobody by e-mail.
    let update_mail = mails
        .iter()
        .find(|m| header(m, "Subject").unwrap_or("").contains("API errors"))
        .expect("the update mail");
    let unsubscribe = token_in(
        header(update_mail, "List-Unsubscribe").unwrap_or_default(),
        "unsubscribe?token=",
    );
    let left = client
        .post(app.url(&format!("/status/acme/unsubscribe?token={unsubscribe}")))
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .expect("unsubscribe")
        .status();
    app.post(
        &format!("/api/v1/incidents/{r}/status-updates"),
        t,
        &json!({"page": "acme", "status": "resolved", "body": "Fixed."}),
    )
    .await;
    receiver
        .wait_until(Duration::from_secs(15), |h| h.len() >= 4)
        .await;
    app.settle().await;

    // Assert
    assert_eq!(first_status, StatusCode::ACCEPTED);
    assert_eq!(
        first_body, again,
        "the same answer whether or not already asked"
    );
    assert_eq!(bad, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(hook, StatusCode::ACCEPTED);
    assert_eq!(confirmed, [StatusCode::OK, StatusCode::OK]);
    assert_eq!(left, StatusCode::OK);
    let subjects: Vec<String> = sink
        .messages()
        .iter()
        .map(|m| header(m, "Subject").unwrap_or("").to_string())
        .collect();
    assert_eq!(
        subjects.len(),
        4,
        "two confirmations, update, component change; nothing after leaving: {subjects:?}"
    );
    let text = update_mail["text"].as_str().unwrap_or_default();
    assert!(
        text.contains("Looking.") && text.contains("API: operational → partial outage"),
        "the update and the change it made: {text}"
    );
    assert!(
        header(update_mail, "List-Unsubscribe-Post")
            .unwrap_or("")
            .contains("One-Click")
    );
    let hits = receiver.hits();
    assert_eq!(
        hits.len(),
        4,
        "update, the component change it made, a component change, resolution: {:?}",
        hits.iter().map(|h| &h.body).collect::<Vec<_>>()
    );
    let incident = &hits
        .iter()
        .find(|h| h.body.get("incident").is_some())
        .expect("an incident webhook")
        .body;
    assert_eq!(incident["incident"]["name"], "API errors");
    // Issue 9, part 10: subscribers are told the public id, never the incident's number.
    assert_eq!(incident["incident"]["id"], public_id);
    let link = format!("/status/acme/incidents/{public_id}");
    assert!(
        incident["incident"]["shortlink"]
            .as_str()
            .unwrap()
            .ends_with(&link)
    );
    let linked = |tail: &str| text.lines().any(|l| l.trim_end().ends_with(tail));
    assert!(linked(&link), "{text}");
    let number = r.trim_start_matches("INC-");
    assert!(!linked(&format!("/incidents/{number}")), "{text}");
    for id in [
        &incident["page"]["id"],
        &incident["incident"]["incident_updates"][0]["id"],
    ] {
        assert!(
            id.as_str()
                .is_some_and(debrief_core::statuspage::public_id::is_public_id),
            "{id}"
        );
    }
    assert!(
        incident["meta"]["unsubscribe"]
            .as_str()
            .unwrap()
            .contains("/status/acme/unsubscribe?token=")
    );
    assert!(incident["page"]["status_indicator"].is_string());
    let moves = crate::harness::component_moves(&hits);
    assert_eq!(
        moves,
        [
            ("operational", "partial_outage"),
            ("partial_outage", "operational")
        ],
        "a component webhook for each change of state, the update's too"
    );
    for h in hits
        .iter()
        .filter(|h| h.body.get("component_update").is_some())
    {
        let id = h.body["component_update"]["id"].as_str().unwrap();
        assert!(
            id.len() == 12 && id.chars().all(|c| c.is_ascii_alphanumeric()),
            "{id}"
        );
    }
    app.close().await;
}

crate::e2e_test!(
    subscribers_get_each_change_once_and_can_leave_in_one_click,
    backend
);

/// A server that commits an update and dies before its job worker runs: the update and the
/// notice of it committed together, so the next server tells the subscriber, once.
async fn a_committed_update_is_told_by_the_next_server(backend: Backend) {
    use debrief_server::actions::status_pages::{ComponentState, PublishInput, publish_update};
    use debrief_server::auth::{Actor, Via};
    use debrief_store::jobs::JobFilter;

    // Arrange: a webhook subscriber and an incident; then the server stops.
    let receiver = WebhookReceiver::start().await;
    let mut app = spawn_app(backend).await;
    let (api, _) = crate::status_pages::setup_page(&app).await;
    let hook = format!("{}/hook", receiver.address);
    crate::subscriber_admin::confirmed(&app, "webhook", &hook, Some("hooks@example.com"), vec![])
        .await;
    let inc = app
        .declare(
            &app.admin_token,
            &json!({"title": "API errors", "severity": "SEV2"}),
        )
        .await;
    app.stop().await;

    // Act: the update, committed through a state no server runs (so no worker tells anyone);
    // then a new server on the same database.
    let store = crate::harness::open_store(app.database_url()).await;
    let dead = debrief_server::AppState::new(store.clone(), Default::default());
    let actor = Actor {
        user: app.admin.clone(),
        role: debrief_core::access::AccountRole::Admin,
        via: Via::Token { token_id: 0 },
    };
    let input = PublishInput {
        page: "acme".into(),
        status: "investigating".into(),
        body: "We are looking into API errors.".into(),
        components: vec![ComponentState {
            id: api,
            state: "major_outage".into(),
        }],
        ..Default::default()
    };
    let reference = inc["reference"].as_str().expect("a reference");
    publish_update(
        &dead,
        &actor,
        reference.parse().expect("INC-n"),
        &input,
        debrief_core::timeline::Source::Api,
    )
    .await
    .expect("published");
    let jobs = |kind: &str| {
        let store = store.clone();
        let kind = kind.to_string();
        async move {
            store
                .list_jobs(&JobFilter {
                    kind: Some(kind),
                    limit: 10,
                    ..Default::default()
                })
                .await
                .expect("jobs")
        }
    };
    let (notices, deliveries) = (jobs("status_notice").await, jobs("status_webhook").await);
    // Someone who subscribes after the update (before its notice runs) is not told of it.
    let late = WebhookReceiver::start().await;
    let now = debrief_core::Timestamp::now() + jiff::SignedDuration::from_millis(5);
    let page = store.page_by_slug("acme").await.expect("the page");
    store
        .subscribe(
            &debrief_store::status_page::Subscriber {
                id: 0,
                page_id: page.id,
                kind: "webhook".into(),
                address: format!("{}/hook", late.address),
                contact_email: None,
                components: Vec::new(),
                confirmed_at: Some(now),
                unsubscribed_at: None,
                created_at: now,
                unsubscribe_token: "late-subscriber-token".into(),
            },
            None,
            now,
        )
        .await
        .expect("subscribed")
        .expect("new");
    let server = crate::harness::ServerProcess::start(app.database_url()).await;
    let hits = receiver
        .wait_until(Duration::from_secs(15), |h| h.len() >= 2)
        .await;
    let listed: Value = crate::harness::http_client()
        .get(format!(
            "{}/api/v1/deliveries?kind=status_notice",
            server.address
        ))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .expect("deliveries")
        .json()
        .await
        .expect("JSON");
    // Nothing more is sent: the server stops (finishing the jobs it runs), and the queue is
    // drained to empty.
    server.stop().await;
    debrief_server::jobs::drain(&dead).await.expect("drain");

    // Assert: the notice waited in the queue; the next server told the subscriber once.
    assert_eq!(notices.len(), 1, "one notice for the write: {notices:?}");
    assert_eq!(
        notices[0].payload["changes"].as_array().map(Vec::len),
        Some(2),
        "the update and its component change"
    );
    assert!(deliveries.is_empty(), "{deliveries:?}");
    assert_eq!(receiver.hits().len(), 2, "each told once");
    assert!(late.hits().is_empty(), "{:?}", late.hits());
    let incident = &hits
        .iter()
        .find(|h| h.body.get("incident").is_some())
        .expect("the incident's webhook")
        .body["incident"];
    assert_eq!(incident["status"], "investigating", "{incident}");
    assert_eq!(
        incident["incident_updates"][0]["body"],
        "We are looking into API errors."
    );
    assert_eq!(
        listed["items"][0]["summary"],
        format!(
            "2 changes told to the subscribers of status page {}",
            page.id
        ),
        "{listed}"
    );
    drop(dead);
    store.close().await;
    app.close().await;
}

crate::e2e_test!(a_committed_update_is_told_by_the_next_server, backend);

/// Subscribing is limited per page: past the limit the answer is 429 and nothing is stored; an
/// address asked for again gets the same answer as a new one and no second confirmation.
async fn subscribing_is_rate_limited_and_tells_nothing(app: &crate::harness::TestApp) {
    // Arrange
    crate::status_pages::setup_page(app).await;
    let subscribe = |email: String| async move {
        crate::harness::send(
            crate::harness::http_client()
                .post(app.url("/status/acme/subscribe"))
                .json(&json!({"email": email})),
        )
        .await
    };

    // Act: the same address twice, then more addresses than a minute allows.
    let first = subscribe("reader-0@example.com".into()).await;
    let again = subscribe("reader-0@example.com".into()).await;
    let mut answers = Vec::new();
    for n in 1..=60 {
        answers.push(subscribe(format!("reader-{n}@example.com")).await);
    }
    let stored = app
        .state
        .store
        .subscribers(app.state.store.page_by_slug("acme").await.unwrap().id)
        .await
        .expect("subscribers");

    // Assert
    assert_eq!(
        (first.0, again.0),
        (StatusCode::ACCEPTED, StatusCode::ACCEPTED)
    );
    assert_eq!(first.2, again.2, "the same answer for a known address");
    let limited: Vec<usize> = answers
        .iter()
        .enumerate()
        .filter(|(_, a)| a.0 == StatusCode::TOO_MANY_REQUESTS)
        .map(|(n, _)| n + 1)
        .collect();
    assert_eq!(
        limited,
        [59, 60],
        "60 requests a minute, the repeat included"
    );
    crate::harness::assert_problem(&answers[59], 429);
    assert_eq!(
        stored.len(),
        59,
        "reader-0 once and 58 more, nothing for the refused"
    );
}

crate::e2e_test!(subscribing_is_rate_limited_and_tells_nothing);
