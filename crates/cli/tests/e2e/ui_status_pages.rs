//! Status pages in a real browser: an admin creates a page and a component, publishes an
//! incident's update from the incident, and the public page shows it (without any script).

use crate::browser::Browser;
use crate::e2e_test;
use crate::harness::TestApp;
use crate::ui::{sign_in, text_of, user_with_password};
use fantoccini::Locator;
use serde_json::json;

async fn an_update_published_in_the_browser_shows_on_the_public_page(app: &TestApp) {
    // Arrange
    user_with_password(app, "lena@example.com", "Lena Lead", "admin").await;
    let t = &app.admin_token;
    let (s, _, service) = app
        .post(
            "/api/v1/services",
            t,
            &json!({"slug": "payments", "name": "Payments"}),
        )
        .await;
    assert_eq!(s, reqwest::StatusCode::CREATED, "{service}");
    let inc = app
        .declare(
            t,
            &json!({"title": "Checkout errors", "severity": "SEV2", "services": ["payments"]}),
        )
        .await;
    let r = inc["reference"].as_str().unwrap().to_string();
    let b = Browser::start().await;

    // Act: create the page and a component.
    sign_in(&b, app, "lena@example.com", "/status-pages").await;
    let form = b
        .client
        .form(Locator::Id("page-form"))
        .await
        .expect("page form");
    form.set_by_name("name", "Acme Cloud").await.expect("name");
    form.set_by_name("slug", "acme").await.expect("slug");
    form.submit().await.expect("create");
    b.wait_for("section[data-page=acme] .component-form").await;
    let form = b
        .client
        .form(Locator::Css("section[data-page=acme] .component-form"))
        .await
        .expect("component form");
    form.set_by_name("name", "Checkout").await.expect("name");
    form.submit().await.expect("add");
    b.wait_for("section[data-page=acme] li").await;
    // The component stands for the incident's service (set through the API).
    let (_, _, list) = app.get("/api/v1/status-pages/acme/components", t).await;
    let id = list["items"][0]["id"].as_i64().expect("component id");
    let path = format!("/api/v1/status-pages/acme/components/{id}");
    app.patch(&path, t, &json!({"services": ["payments"]}))
        .await;
    // Publish from the incident.
    b.client
        .goto(&app.url(&format!("/incidents/{r}/status-page")))
        .await
        .expect("incident status page");
    let form = b
        .client
        .form(Locator::Css("section[data-page=acme] .publish-form"))
        .await
        .expect("publish form");
    form.set_by_name("name", "Checkout is failing")
        .await
        .expect("name");
    form.set_by_name("body", "Some payments fail; we are on it.")
        .await
        .expect("body");
    b.client
        .find(Locator::Css(
            "section[data-page=acme] .publish-form select[name^='state:']",
        ))
        .await
        .expect("component state")
        .select_by_value("partial_outage")
        .await
        .expect("pick");
    let hint = text_of(&b, "section[data-page=acme] .publish-form label.serves").await;
    form.submit().await.expect("publish");
    b.wait_for("section[data-page=acme] ol.updates li").await;
    b.client
        .goto(&app.url("/status/acme"))
        .await
        .expect("public page");

    // Assert: the public page shows the incident and the component's state.
    let active = text_of(&b, "#active").await;
    assert!(
        active.contains("Checkout is failing") && active.contains("Some payments fail"),
        "{active}"
    );
    assert!(
        hint.contains("Checkout (runs payments, affected by this incident)"),
        "{hint}"
    );
    let component = text_of(&b, "#components .component").await;
    assert!(component.contains("Partial outage"), "{component}");
    b.screenshot(&format!("status-page-{:?}", app.backend))
        .await;
    b.close().await;
}

e2e_test!(an_update_published_in_the_browser_shows_on_the_public_page);
