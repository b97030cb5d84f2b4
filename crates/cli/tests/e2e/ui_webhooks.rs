//! Outgoing webhooks set up from the browser (`/settings/webhooks`, issue 14): a bad address is
//! shown beside its field with what was typed kept; an endpoint is added with its events, its
//! secret shown once; it is listed, then removed.

use crate::browser::{Browser, submit, value_of};
use crate::e2e_test;
use crate::harness::TestApp;
use crate::ui::{sign_in, text_of, user_with_password};
use serde_json::json;

async fn an_admin_adds_and_removes_a_webhook(app: &TestApp) {
    // Arrange
    user_with_password(app, "ina@example.com", "Ina Admin", "admin").await;
    let b = Browser::start().await;
    sign_in(&b, app, "ina@example.com", "/settings/webhooks").await;

    // Act: a mistake, then an endpoint for declarations only, then its removal.
    submit(&b, "webhook-form", &[("url", "ftp://hooks.example.com/x")]).await;
    let mistake = text_of(&b, "#url-error").await;
    let kept = value_of(&b, "#webhook-form input[name=url]").await;
    b.wait_for("#webhook-form input[value='incident.declared']")
        .await
        .click()
        .await
        .expect("tick");
    submit(
        &b,
        "webhook-form",
        &[("url", "https://hooks.example.com/debrief")],
    )
    .await;
    let secret = value_of(&b, "#secret-value").await;
    let (_, _, listed) = app.get("/api/v1/webhooks", &app.admin_token).await;
    b.wait_for("tr[data-webhook] button.danger")
        .await
        .click()
        .await
        .expect("remove");
    b.client.accept_alert().await.expect("confirm");
    let notice = text_of(&b, "#notice").await;
    let (_, _, after) = app.get("/api/v1/webhooks", &app.admin_token).await;

    // Assert
    assert!(
        !mistake.is_empty(),
        "the address is refused beside its field"
    );
    assert_eq!(kept, "ftp://hooks.example.com/x");
    assert!(secret.len() >= 16, "the secret is shown once: {secret}");
    assert_eq!(
        listed["items"][0]["url"],
        "https://hooks.example.com/debrief"
    );
    assert_eq!(listed["items"][0]["events"], json!(["incident.declared"]));
    assert!(notice.contains("removed"), "{notice}");
    assert_eq!(after["items"], json!([]));
    b.close().await;
}
e2e_test!(an_admin_adds_and_removes_a_webhook);
