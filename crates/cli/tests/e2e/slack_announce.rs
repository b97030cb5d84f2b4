//! Announcements and Slack settings (issue 13, parts 5 and 6) against the fake Slack: a new
//! incident is announced once in its severity's channel with a link to its own channel,
//! private incidents never; admins set where through `/api/v1/slack/settings`, whose refusals
//! name the field; overdue postmortem reminders also reach the owner's DM.

use crate::harness::{Backend, SlackApp, manual_clock};
use debrief_core::access::AccountRole;
use jiff::SignedDuration;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const SETTINGS: &str = "/api/v1/slack/settings";

async fn put_settings(s: &SlackApp, token: &str, body: &Value) -> (StatusCode, Value) {
    let (st, _, v) = s
        .app
        .request(Method::PUT, SETTINGS, Some(token), Some(body))
        .await;
    (st, v)
}

/// The field names of a 4xx problem document.
fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["field"].as_str().map(str::to_string))
        .collect()
}

async fn new_incidents_are_announced_once_by_severity_and_private_ones_never(backend: Backend) {
    // Arrange: SEV1 and SEV2 go to two channels the bot is in; SEV3 is not announced.
    let s = SlackApp::start_with(backend, manual_clock).await;
    let app = &s.app;
    let major = s.fake.add_channel("major-incidents", false, &[]);
    let minor = s.fake.add_channel("incidents", false, &[]);
    let (st, v) = put_settings(
        &s,
        &app.admin_token,
        &json!({"announce": {"SEV1": major, "SEV2": minor}}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(
        v["timeline_emoji"], "pushpin",
        "defaults fill the rest: {v}"
    );
    assert_eq!(v["archive_on_close"], true);
    let (st, _, got) = app.get(SETTINGS, &app.admin_token).await;
    assert_eq!((st, &got), (StatusCode::OK, &v));

    // Act: incidents of each severity, one of them private.
    let sev1 = app
        .declare(
            &app.admin_token,
            &json!({"title": "Checkout fails", "severity": "SEV1"}),
        )
        .await;
    app.declare(
        &app.admin_token,
        &json!({"title": "Quiet one", "severity": "SEV1", "private": true}),
    )
    .await;
    app.declare(
        &app.admin_token,
        &json!({"title": "Slow search", "severity": "SEV2"}),
    )
    .await;
    app.declare(
        &app.admin_token,
        &json!({"title": "Typo on a page", "severity": "SEV3"}),
    )
    .await;
    app.settle().await;
    // Later changes do not announce again.
    let r = sev1["reference"].as_str().expect("a reference");
    app.transition(&app.admin_token, r, &json!({"to": "identified"}))
        .await;
    app.settle().await;

    // Assert: one announcement each where configured, linking the incident's channel.
    let in_major = s.fake.messages(&major);
    assert_eq!(in_major.len(), 1, "{in_major:#?}");
    let n: i64 = r.trim_start_matches("INC-").parse().expect("INC-<number>");
    let own = s
        .fake
        .channel(&format!("inc-{n}-checkout-fails"))
        .expect("the incident channel");
    let text = format!("{} {}", in_major[0].text, in_major[0].blocks);
    assert!(text.contains("Checkout fails"), "{text}");
    assert!(text.contains(&format!("<#{}>", own.id)), "{text}");
    assert!(
        !text.contains("Quiet one"),
        "a private incident is never announced"
    );
    let in_minor = s.fake.messages(&minor);
    assert_eq!(in_minor.len(), 1, "{in_minor:#?}");
    assert!(in_minor[0].text.contains("Slow search"));
    assert_eq!(
        s.fake
            .calls("chat.postMessage")
            .iter()
            .filter(|c| {
                let ch = c.arg("channel").unwrap_or_default();
                ch == major || ch == minor
            })
            .count(),
        2
    );
    s.app.close().await;
}

crate::e2e_test!(
    new_incidents_are_announced_once_by_severity_and_private_ones_never,
    backend
);

async fn slack_settings_are_for_admins_and_refusals_name_the_field(backend: Backend) {
    let s = SlackApp::start_with(backend, manual_clock).await;
    let app = &s.app;
    let (_, responder) = app.create_user(AccountRole::Responder).await;

    // Only admins read or change them.
    let (st, _, _) = app.get(SETTINGS, &responder).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = put_settings(&s, &responder, &json!({})).await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // A channel name instead of an id, and an empty reaction: 422 naming both.
    let (st, v) = put_settings(
        &s,
        &app.admin_token,
        &json!({"announce": {"SEV1": "#incidents"}, "timeline_emoji": ""}),
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(fields(&v), ["announce.SEV1", "timeline_emoji"], "{v}");

    // A severity that is not configured: 404 naming it.
    let (st, v) = put_settings(
        &s,
        &app.admin_token,
        &json!({"announce": {"SEV9": "C0123456789"}}),
    )
    .await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{v}");
    assert_eq!(fields(&v), ["announce.SEV9"], "{v}");

    // An unknown field, or a wrong type: refused as the rest of the API refuses them.
    let (st, v) = put_settings(&s, &app.admin_token, &json!({"announce_to": {}})).await;
    assert!(
        st == StatusCode::BAD_REQUEST || st == StatusCode::UNPROCESSABLE_ENTITY,
        "{st} {v}"
    );
    let (st, v) = put_settings(&s, &app.admin_token, &json!({"archive_on_close": "yes"})).await;
    assert!(
        st == StatusCode::BAD_REQUEST || st == StatusCode::UNPROCESSABLE_ENTITY,
        "{st} {v}"
    );

    // Nothing was saved.
    let (_, _, got) = app.get(SETTINGS, &app.admin_token).await;
    assert_eq!(
        got,
        json!({"announce": {}, "timeline_emoji": "pushpin", "archive_on_close": true})
    );

    // A good one, with colons around the reaction, is saved without them.
    let (st, v) = put_settings(
        &s,
        &app.admin_token,
        &json!({"announce": {"SEV2": "G0PRIVATE01"}, "timeline_emoji": ":memo:", "archive_on_close": false}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["timeline_emoji"], "memo");
    s.app.close().await;
}

crate::e2e_test!(
    slack_settings_are_for_admins_and_refusals_name_the_field,
    backend
);

async fn an_overdue_postmortem_reminds_its_owner_in_a_slack_dm(backend: Backend) {
    // Arrange: the admin (the commander, so the postmortem's owner) is in Slack; a SEV1
    // resolved now owes a draft in 48 hours.
    let s = SlackApp::start_with(backend, manual_clock).await;
    let app = &s.app;
    s.fake
        .add_user("U0ADMIN0001", &app.admin.email, &app.admin.name);
    let inc = app
        .declare(
            &app.admin_token,
            &json!({"title": "Payments down", "severity": "SEV1"}),
        )
        .await;
    let r = inc["reference"].as_str().expect("a reference").to_string();
    app.transition(&app.admin_token, &r, &json!({"to": "resolved"}))
        .await;
    let dms = || -> Vec<String> {
        s.fake
            .channel("U0ADMIN0001")
            .map(|dm| s.fake.messages(&dm.id))
            .unwrap_or_default()
            .iter()
            .map(|m| m.text.clone())
            .filter(|t| t.contains(&format!("the postmortem draft of {r}")))
            .collect()
    };
    app.settle().await;
    assert_eq!(dms(), Vec::<String>::new());

    // Act: a day before the deadline, then past it, with a 429 in the way.
    app.advance(SignedDuration::from_hours(25)).await;
    let reminded = dms();
    assert_eq!(reminded.len(), 1, "{reminded:?}");
    assert!(reminded[0].starts_with("Reminder: "), "{reminded:?}");
    s.fake.rate_limit("chat.postMessage", 6, 1);
    app.advance(SignedDuration::from_hours(24)).await;
    for _ in 0..10 {
        if dms().len() >= 3 {
            break;
        }
        app.advance(SignedDuration::from_secs(1)).await;
    }

    // Assert: overdue and (the admin is also the process owner) escalated, once each.
    let late = dms();
    assert_eq!(late.len(), 3, "{late:?}");
    assert!(late.iter().any(|t| t.starts_with("Overdue: ")), "{late:?}");
    assert!(
        late.iter().any(|t| t.starts_with("Escalation: ")),
        "{late:?}"
    );
    app.advance(SignedDuration::from_hours(72)).await;
    assert_eq!(dms(), late, "nothing more");
    s.app.close().await;
}

crate::e2e_test!(
    an_overdue_postmortem_reminds_its_owner_in_a_slack_dm,
    backend
);

async fn an_admin_sets_the_slack_settings_from_the_web_page(backend: Backend) {
    // Arrange: an admin signed in through the web form.
    let s = SlackApp::start_with(backend, manual_clock).await;
    let app = &s.app;
    let input = debrief_core::access::NewUserInput {
        email: "ines@example.com".into(),
        name: "Ines".into(),
        role: Some("admin".into()),
        password: Some("a long enough password".into()),
    };
    debrief_server::actions::account::create_user(&app.state, None, &input)
        .await
        .expect("an admin");
    let browser = crate::accounts::sign_in(app, "ines@example.com", "a long enough password").await;
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");

    // The page shows the workspace and a field per severity.
    let page = client
        .get(app.url("/settings/slack"))
        .header("cookie", &browser.session)
        .send()
        .await
        .expect("the page");
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("HTML");
    assert!(html.contains("Fake Workspace"), "the installation is shown");
    assert!(
        html.contains(r#"name="announce_SEV1""#),
        "a field per severity"
    );

    // Act: save a channel for SEV1, another reaction, no archiving.
    let post = |pairs: Vec<(&'static str, String)>| {
        let body: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        client
            .post(app.url("/settings/slack"))
            .header("cookie", &browser.session)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(crate::accounts::form_body(&body))
            .send()
    };
    let saved = post(vec![
        ("csrf", browser.csrf.clone()),
        ("announce_SEV1", "C0MAJOR0001".into()),
        ("announce_SEV2", String::new()),
        ("timeline_emoji", "memo".into()),
    ])
    .await
    .expect("save");
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);

    // Assert: the API reads what the form saved; a bad channel is refused, naming it.
    let (_, _, v) = app.get(SETTINGS, &app.admin_token).await;
    assert_eq!(
        v,
        json!({"announce": {"SEV1": "C0MAJOR0001"}, "timeline_emoji": "memo", "archive_on_close": false})
    );
    let refused = post(vec![
        ("csrf", browser.csrf.clone()),
        ("announce_SEV1", "#major".into()),
        ("timeline_emoji", "memo".into()),
    ])
    .await
    .expect("refused");
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .text()
            .await
            .expect("HTML")
            .contains("announce.SEV1")
    );
    s.app.close().await;
}

crate::e2e_test!(an_admin_sets_the_slack_settings_from_the_web_page, backend);
