//! A status page's admin screen and publishing joined to the incident, in Chromium: an admin
//! edits, reorders and removes components and groups, sets branding and a custom domain (the
//! screen fits a phone); a responder publishes `identified` then `resolved` from an incident,
//! sees the proposed component pre-selected, and the incident ends resolved.

use crate::browser::{Browser, at_path, click, overflow, submit, value_of, wait};
use crate::e2e_test;
use crate::harness::TestApp;
use crate::status_pages::setup_page;
use crate::ui::{sign_in, text_of, user_with_password};
use fantoccini::Locator;
use serde_json::json;

/// Clicks a button that asks first, and accepts.
async fn confirm(b: &Browser, css: &str) {
    click(b, css).await;
    b.client.accept_alert().await.expect("accept the question");
}

/// Picks the update's status and publishes; the move offer's text and the state then chosen
/// for `component`.
async fn publish(b: &Browser, status: &str, body: &str, component: i64) -> (String, String) {
    let form = "section[data-page=acme] .publish-form";
    b.client
        .find(Locator::Css(&format!("{form} select[name=status]")))
        .await
        .expect("status select")
        .select_by_value(status)
        .await
        .expect("pick a status");
    let offer = text_of(b, &format!("{form} label.move-incident")).await;
    let state = value_of(b, &format!("{form} select[name='state:{component}']")).await;
    let f = b
        .client
        .form(Locator::Css(form))
        .await
        .expect("publish form");
    f.set_by_name("body", body).await.expect("body");
    f.submit().await.expect("publish");
    (offer, state)
}

async fn an_admin_arranges_the_page_and_a_responder_resolves_from_it(app: &TestApp) {
    // Arrange: a page with API and Dashboard (group Core), a SEV1 incident on payments.
    let (api, dashboard) = setup_page(app).await;
    let t = &app.admin_token;
    app.post(
        "/api/v1/services",
        t,
        &json!({"slug": "payments", "name": "Payments"}),
    )
    .await;
    let inc = app
        .declare(
            t,
            &json!({"title": "Card payments fail", "severity": "SEV1", "services": ["payments"]}),
        )
        .await;
    let r = inc["reference"].as_str().expect("reference").to_string();
    user_with_password(app, "ada@example.com", "Ada Admin", "admin").await;
    user_with_password(app, "rui@example.com", "Rui Responder", "responder").await;
    let b = Browser::start().await;
    sign_in(&b, app, "ada@example.com", "/status-pages/acme").await;

    // Act 1: API stands for payments, in its own group; add Billing; move it up into Core;
    // Core above Platform, renamed Apps; remove Dashboard, then the Apps group.
    click(&b, &format!("#component-{api} summary")).await;
    click(
        &b,
        &format!("#edit-{api} input[name=services][value=payments]"),
    )
    .await;
    submit(&b, &format!("edit-{api}"), &[("group", "Platform")]).await;
    wait(&b, ".layout-group[data-group=Platform]").await;
    submit(&b, "add-component", &[("name", "Billing")]).await;
    wait(&b, ".layout-group[data-group=''] li").await;
    let billing = dashboard + 1;
    click(&b, &format!("#component-{billing} .move-up")).await;
    wait(
        &b,
        &format!(".layout-group[data-group=Core] #component-{billing}"),
    )
    .await;
    click(&b, ".layout-group[data-group=Core] .group-up").await;
    wait(&b, ".layout-group:first-of-type[data-group=Core]").await;
    let rename = b
        .client
        .form(Locator::Css(".layout-group[data-group=Core] .rename-group"))
        .await
        .expect("rename form");
    rename.set_by_name("name", "Apps").await.expect("name");
    rename.submit().await.expect("rename");
    wait(&b, ".layout-group[data-group=Apps]").await;
    confirm(&b, &format!("#component-{dashboard} .remove-component")).await;
    at_path(&b, "/status-pages/acme").await;
    confirm(&b, ".layout-group[data-group=Apps] .remove-group").await;
    wait(
        &b,
        &format!(".layout-group[data-group=''] #component-{billing}"),
    )
    .await;

    // Act 2: branding and a domain; a bad colour first.
    submit(&b, "settings-form", &[("accent_color", "red")]).await;
    let colour_error = text_of(&b, "#settings .field-error").await;
    let kept = value_of(&b, "#settings-form input[name=accent_color]").await;
    submit(
        &b,
        "settings-form",
        &[
            ("accent_color", "#ff6600"),
            ("header", "Payments and more"),
            ("custom_domain", "status.example.com"),
        ],
    )
    .await;
    at_path(&b, "/status-pages/acme").await;
    let domain = value_of(&b, "#settings-form input[name=custom_domain]").await;
    b.screenshot(&format!("status-admin-desktop-{:?}", app.backend))
        .await;
    b.client.set_window_size(390, 844).await.expect("resize");
    let fits = overflow(&b).await;
    b.screenshot(&format!("status-admin-phone-{:?}", app.backend))
        .await;
    b.close().await;

    // Assert 1
    assert!(colour_error.contains("must be a colour"), "{colour_error}");
    assert_eq!(kept, "red");
    assert_eq!(domain, "status.example.com");
    assert!(
        fits.0 <= fits.1,
        "the screen is wider than a phone: {fits:?}"
    );
    let (_, _, list) = app.get("/api/v1/status-pages/acme/components", t).await;
    let names: Vec<(String, Option<String>)> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap_or_default().into(),
                c["group"].as_str().map(String::from),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("API".to_string(), Some("Platform".to_string())),
            ("Billing".into(), None)
        ]
    );
    let (_, _, page) = app.get("/api/v1/status-pages/acme", t).await;
    assert_eq!(page["branding"]["accent_color"], "#ff6600", "{page}");

    // Act 3: a responder publishes identified, then resolved.
    let b = Browser::start().await;
    sign_in(
        &b,
        app,
        "rui@example.com",
        &format!("/incidents/{r}/status-page"),
    )
    .await;
    let proposed = value_of(&b, &format!("select[name='state:{api}']")).await;
    let badge = text_of(&b, &format!("label.proposed[data-component='{api}']")).await;
    let (first, _) = publish(&b, "identified", "We found the cause.", api).await;
    wait(&b, "section[data-page=acme] ol.updates li").await;
    let (second, back_to) = publish(&b, "resolved", "Payments work again.", api).await;
    wait(&b, "section[data-page=acme] ol.updates li:nth-child(2)").await;
    b.screenshot(&format!("status-publish-{:?}", app.backend))
        .await;
    b.close().await;

    // Assert 3
    assert_eq!(proposed, "partial_outage");
    assert!(badge.contains("Proposed"), "{badge}");
    assert_eq!(back_to, "operational", "resolving proposes operational");
    let (_, _, list) = app.get("/api/v1/status-pages/acme/components", t).await;
    assert_eq!(list["items"][0]["state"], "operational", "{list}");
    assert!(first.contains("from Triage to Identified"), "{first}");
    assert!(second.contains("from Identified to Resolved"), "{second}");
    let (_, _, inc) = app.get(&format!("/api/v1/incidents/{r}"), t).await;
    assert_eq!(inc["status"], "resolved", "{inc}");
}

e2e_test!(an_admin_arranges_the_page_and_a_responder_resolves_from_it);
