//! The web UI in a real browser: sign in, declare, run an incident from its page, watch the
//! timeline update live when someone else adds an event, and never see a private incident.

use crate::browser::Browser;
use crate::e2e_test;
use crate::harness::TestApp;
use debrief_core::access::NewUserInput;
use debrief_server::actions::account::create_user;
use fantoccini::Locator;
use serde_json::json;

pub(crate) const PASSWORD: &str = "correct horse battery staple";

pub(crate) async fn user_with_password(app: &TestApp, email: &str, name: &str, role: &str) {
    let input = NewUserInput {
        email: email.into(),
        name: name.into(),
        role: Some(role.into()),
        password: Some(PASSWORD.into()),
    };
    create_user(&app.state, None, &input)
        .await
        .expect("create a user with a password");
}

pub(crate) async fn sign_in(b: &Browser, app: &TestApp, email: &str, then: &str) {
    b.client.goto(&app.url(then)).await.expect("open a page");
    // Not signed in: the page sends us to sign in, remembering where we were going.
    if b.client
        .wait()
        .at_most(std::time::Duration::from_secs(10))
        .for_element(Locator::Id("login-form"))
        .await
        .is_err()
    {
        let url = b
            .client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default();
        let source = b.client.source().await.unwrap_or_default();
        let _ = std::fs::write(
            std::env::temp_dir().join("debrief-ui-failure.html"),
            &source,
        );
        panic!("no sign-in form at {url} (page saved as debrief-ui-failure.html in the temp dir)");
    }
    assert_eq!(b.path().await, "/login");
    let form = b
        .client
        .form(Locator::Id("login-form"))
        .await
        .expect("the sign-in form");
    form.set_by_name("email", email)
        .await
        .expect("type the email");
    form.set_by_name("password", PASSWORD)
        .await
        .expect("type the password");
    form.submit().await.expect("sign in");
    b.wait_for("header nav .who").await;
    assert_eq!(
        b.path().await,
        then,
        "back where we were going after signing in"
    );
}

pub(crate) async fn text_of(b: &Browser, css: &str) -> String {
    b.wait_for(css).await.text().await.expect("element text")
}

async fn a_responder_runs_an_incident_in_the_browser_and_sees_others_live(app: &TestApp) {
    // Arrange
    user_with_password(app, "dana@example.com", "Dana Responder", "responder").await;
    let b = Browser::start().await;

    // Act: sign in, declare through the form.
    sign_in(&b, app, "dana@example.com", "/incidents/new").await;
    let form = b
        .client
        .form(Locator::Id("declare-form"))
        .await
        .expect("the declare form");
    form.set_by_name("title", "Checkout fails for EU customers")
        .await
        .expect("title");
    b.client
        .find(Locator::Css("select[name=severity]"))
        .await
        .expect("severity")
        .select_by_value("SEV2")
        .await
        .expect("pick SEV2");
    form.submit().await.expect("declare");
    b.wait_for("#incident-title").await;

    // Assert: the incident page shows what was declared, with the declarer as commander.
    assert_eq!(b.path().await, "/incidents/INC-1");
    assert_eq!(
        text_of(&b, "#incident-title").await,
        "Checkout fails for EU customers"
    );
    assert_eq!(text_of(&b, "#incident-severity").await, "SEV2");
    assert!(
        text_of(&b, "#roles")
            .await
            .contains("Commander Dana Responder")
    );
    // Times show the viewer's zone (Europe/Berlin) with UTC beside it, and always the date.
    let declared = text_of(&b, "#timeline li[data-kind=declared] time").await;
    assert!(
        declared.contains("UTC") && declared.contains(" (") && declared.starts_with("20"),
        "local time with UTC: {declared}"
    );

    // Act: someone else adds an event over the API while the page is open.
    b.wait_for("body[data-live=on]").await;
    app.add_event(
        &app.admin_token,
        "INC-1",
        &json!({"kind": "comms_internal", "body": "Posted in #inc-checkout"}),
    )
    .await;

    // Assert: it appears without a reload.
    let live = b.wait_for("#timeline li[data-kind=comms_internal]").await;
    assert!(
        live.text()
            .await
            .expect("text")
            .contains("Posted in #inc-checkout")
    );

    // Act: add a starred remediation through the page, then move to monitoring.
    let form = b
        .client
        .form(Locator::Id("event-form"))
        .await
        .expect("the event form");
    b.client
        .find(Locator::Css("#event-form select[name=kind]"))
        .await
        .expect("kind")
        .select_by_value("remediation")
        .await
        .expect("pick kind");
    form.set_by_name("body", "Rolled back release 2026.11.3")
        .await
        .expect("body");
    b.client
        .find(Locator::Css("#event-form input[name=starred]"))
        .await
        .expect("star box")
        .click()
        .await
        .expect("tick");
    form.submit().await.expect("add the event");
    b.wait_for("#timeline li.starred[data-kind=remediation]")
        .await;
    b.client
        .find(Locator::Css("#status-form select[name=to]"))
        .await
        .expect("status")
        .select_by_value("monitoring")
        .await
        .expect("pick");
    b.client
        .form(Locator::Id("status-form"))
        .await
        .expect("status form")
        .submit()
        .await
        .expect("change status");
    b.wait_for("#incident-status.status-monitoring").await;

    // Assert: the key moment is on the picture, mitigation is recorded, metrics follow.
    b.wait_for("svg.picture path.starred").await;
    b.wait_for("svg.picture rect[data-phase=monitoring]").await;
    let mitigated = text_of(&b, "#timestamps tr[data-field=mitigated_at] td").await;
    assert!(
        mitigated.contains("UTC"),
        "mitigated_at is shown: {mitigated}"
    );
    let metrics = text_of(&b, "#metrics").await;
    assert!(metrics.contains("Time to mitigate"), "{metrics}");
    b.screenshot(&format!("incident-{:?}", app.backend)).await;

    // Act: correct the remediation through its edit form.
    let item = b.wait_for("#timeline li[data-kind=remediation]").await;
    let event_id = item
        .attr("data-event-id")
        .await
        .expect("attribute")
        .expect("an event id");
    item.find(Locator::Css("details.edit summary"))
        .await
        .expect("edit toggle")
        .click()
        .await
        .expect("open");
    let text = item
        .find(Locator::Css("form.edit-form textarea"))
        .await
        .expect("textarea");
    text.clear().await.expect("clear");
    text.send_keys("Rolled back release 2026.11.3 to 2026.11.2")
        .await
        .expect("type");
    item.find(Locator::Css("form.edit-form button"))
        .await
        .expect("save")
        .click()
        .await
        .expect("save");
    // The form posts and the page reloads: poll (bounded) until the reloaded page shows the edit.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut byline = String::new();
    while !byline.contains("(edited)") && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        if let Ok(e) = b
            .client
            .find(Locator::Css("#timeline li[data-kind=remediation] .by"))
            .await
        {
            byline = e.text().await.unwrap_or_default();
        }
    }

    // Assert: the page shows the edit, and the earlier text is kept as a revision.
    assert!(
        byline.contains("(edited)"),
        "the page shows the event as edited: {byline}"
    );
    let (_, _, revisions) = app
        .get(
            &format!("/api/v1/incidents/INC-1/timeline/{event_id}/revisions"),
            &app.admin_token,
        )
        .await;
    assert_eq!(
        revisions["current"]["body"],
        "Rolled back release 2026.11.3 to 2026.11.2"
    );
    assert_eq!(
        revisions["revisions"][0]["body"],
        "Rolled back release 2026.11.3"
    );

    // Assert: the API agrees with the page.
    let (_, _, m) = app
        .get("/api/v1/incidents/INC-1/metrics", &app.admin_token)
        .await;
    assert!(m["timestamps"]["mitigated_at"].is_string());
    let (_, _, events) = app
        .get("/api/v1/incidents/INC-1/timeline", &app.admin_token)
        .await;
    let kinds: Vec<&str> = events["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["kind"].as_str().unwrap_or(""))
        .collect();
    assert!(
        kinds.contains(&"remediation") && kinds.contains(&"status_change"),
        "{kinds:?}"
    );
    let sources: Vec<&str> = events["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["source"].as_str().unwrap_or(""))
        .collect();
    assert!(
        sources.contains(&"web"),
        "events from the page are recorded with source web: {sources:?}"
    );
    b.close().await;
}
e2e_test!(a_responder_runs_an_incident_in_the_browser_and_sees_others_live);

async fn a_viewer_never_sees_a_private_incident_in_the_browser(app: &TestApp) {
    // Arrange: a public and a private incident; a viewer who takes part in neither.
    app.declare(
        &app.admin_token,
        &json!({"title": "Public slowness", "severity": "SEV3"}),
    )
    .await;
    app.declare(&app.admin_token, &json!({"title": "Credential leak", "severity": "SEV1", "private": true, "type": "security_breach"})).await;
    user_with_password(app, "vic@example.com", "Vic Viewer", "viewer").await;
    let b = Browser::start().await;

    // Act
    sign_in(&b, app, "vic@example.com", "/").await;
    let list = text_of(&b, "#incident-list").await;
    b.client.goto(&app.url("/?q=leak")).await.expect("search");
    let searched = b.client.source().await.expect("page source");
    b.client
        .goto(&app.url("/incidents/INC-2"))
        .await
        .expect("open the private incident");
    let detail = text_of(&b, "#error-detail").await;

    // Assert
    assert!(list.contains("Public slowness"));
    assert!(
        !list.contains("Credential leak"),
        "the list hides the private incident"
    );
    assert!(!searched.contains("Credential leak"), "search hides it too");
    assert!(
        detail.contains("not found"),
        "the page does not reveal it: {detail}"
    );
    // A viewer sees no forms that change things.
    b.client
        .goto(&app.url("/incidents/INC-1"))
        .await
        .expect("open the public incident");
    b.wait_for("#incident-title").await;
    let forms = b
        .client
        .find_all(Locator::Css("#status-form, #event-form"))
        .await
        .expect("query");
    assert!(forms.is_empty(), "a viewer gets no write forms");
    b.close().await;
}
e2e_test!(a_viewer_never_sees_a_private_incident_in_the_browser);
