//! The postmortem flow in a real browser: the policy's decision is shown, a section is written
//! with the blameless check and the preview updating as one types, reviewers are chosen, the
//! review is approved, the postmortem published, an action item added and done on the board,
//! and only then can the incident be closed.

use crate::browser::Browser;
use crate::e2e_test;
use crate::harness::TestApp;
use crate::ui::{sign_in, text_of, user_with_password};
use fantoccini::Locator;
use serde_json::json;

async fn click(b: &Browser, css: &str) {
    b.wait_for(css).await.click().await.expect("click");
}

/// Waits until the element's text contains `needle` (pages reload after each form, so an
/// element found early may belong to the page being replaced).
async fn wait_text(b: &Browser, css: &str, needle: &str) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let text = match b.client.find(Locator::Css(css)).await {
            Ok(el) => el.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if text.contains(needle) {
            return text;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "'{needle}' never appeared in {css}: last text '{text}'"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn submit(b: &Browser, id: &str) {
    b.client
        .form(Locator::Id(id))
        .await
        .expect("the form")
        .submit()
        .await
        .expect("submit");
}

async fn a_postmortem_is_written_reviewed_and_published_in_the_browser(app: &TestApp) {
    // Arrange: a SEV1 resolved over the API; a lead who signs in with a password.
    user_with_password(app, "lena@example.com", "Lena Lead", "admin").await;
    let lena = app
        .state
        .store
        .user_by_email("lena@example.com")
        .await
        .expect("Lena");
    let inc = app
        .declare(
            &app.admin_token,
            &json!({"title": "Payments time out", "severity": "SEV1"}),
        )
        .await;
    let r = inc["reference"].as_str().unwrap().to_string();
    app.transition(&app.admin_token, &r, &json!({"to": "investigating"}))
        .await;
    app.transition(&app.admin_token, &r, &json!({"to": "resolved"}))
        .await;
    let b = Browser::start().await;
    let page = format!("/incidents/{r}/postmortem");

    // Act + assert: the decision and the owed document are shown.
    sign_in(&b, app, "lena@example.com", &page).await;
    assert_eq!(text_of(&b, "#pm-status").await, "Required");
    assert!(
        text_of(&b, "#pm-decision")
            .await
            .contains("severity SEV1 at or above SEV2")
    );

    // Writing: the blameless check and the preview follow the typing.
    let area = b.wait_for("#section-what_happened").await;
    area.send_keys("The **deploy script** ran twice. Human error by the on-call engineer.")
        .await
        .expect("type");
    let finding = text_of(&b, ".pm-section[data-key=what_happened] .lint .finding").await;
    assert!(finding.contains("on-call engineer"), "{finding}");
    click(
        &b,
        ".pm-section[data-key=what_happened] .preview-box summary",
    )
    .await;
    let strong = text_of(&b, ".pm-section[data-key=what_happened] .preview strong").await;
    assert_eq!(strong, "deploy script");
    submit(&b, "pm-form").await;
    b.wait_for("#pm-status.pm-draft").await;

    // People: Lena reviews.
    click(&b, "#people details summary").await;
    click(
        &b,
        &format!("#people-form input[name=reviewer_ids][value='{}']", lena.id),
    )
    .await;
    submit(&b, "people-form").await;
    wait_text(&b, "#people", "Reviewers: Lena Lead").await;

    // Review: submit, approve, publish (acknowledging the finding).
    submit(&b, "submit-form").await;
    b.wait_for("#pm-status.pm-in_review").await;
    click(&b, "#review-form button[value=approved]").await;
    wait_text(&b, "#reviews", "Lena Lead approved").await;
    click(&b, "#publish-form input[name=acknowledge_findings]").await;
    submit(&b, "publish-form").await;
    b.wait_for("#pm-status.pm-published").await;

    // An action item, done from the board.
    let form = b
        .client
        .form(Locator::Id("item-form"))
        .await
        .expect("item form");
    form.set_by_name("title", "Make the deploy script idempotent")
        .await
        .expect("title");
    b.client
        .find(Locator::Css("#item-form select[name=owner_id]"))
        .await
        .expect("owner")
        .select_by_value(&lena.id.to_string())
        .await
        .expect("pick owner");
    form.submit().await.expect("add");
    wait_text(&b, "#action-items", "Make the deploy script idempotent").await;
    b.client
        .goto(&app.url("/action-items?mine=true"))
        .await
        .expect("board");
    wait_text(&b, "#board", "Make the deploy script idempotent").await;
    b.client
        .find(Locator::Css("#board tr[data-item] select[name=status]"))
        .await
        .expect("status")
        .select_by_value("done")
        .await
        .expect("done");
    click(&b, "#board tr[data-item] button").await;
    wait_text(
        &b,
        "#board tr[data-item] select[name=status] option[selected]",
        "Done",
    )
    .await;

    // Now the incident can be closed from its page.
    b.client
        .goto(&app.url(&format!("/incidents/{r}")))
        .await
        .expect("incident");
    wait_text(&b, "#postmortem-link", "published").await;
    b.client
        .find(Locator::Css("#status-form select[name=to]"))
        .await
        .expect("status")
        .select_by_value("closed")
        .await
        .expect("closed");
    submit(&b, "status-form").await;
    b.wait_for("#incident-status.status-closed").await;
    b.screenshot(&format!("postmortem-{:?}", app.backend)).await;
    b.close().await;
}

async fn an_admin_previews_a_policy_change_and_sees_failed_deliveries(app: &TestApp) {
    // Arrange: a SEV3 resolved today; an invitation that cannot be e-mailed (no SMTP here).
    user_with_password(app, "lena@example.com", "Lena Lead", "admin").await;
    let inc = app
        .declare(
            &app.admin_token,
            &json!({"title": "Slow exports", "severity": "SEV3"}),
        )
        .await;
    let r = inc["reference"].as_str().unwrap().to_string();
    app.transition(&app.admin_token, &r, &json!({"to": "resolved"}))
        .await;
    let (s, _, _) = app
        .post(
            &format!("/api/v1/incidents/{r}/meetings"),
            &app.admin_token,
            &json!({"kind": "review", "starts_at": "2030-01-08T14:00:00Z"}),
        )
        .await;
    assert_eq!(s, reqwest::StatusCode::CREATED);
    let b = Browser::start().await;

    // Act: preview the policy with SEV3 as the threshold.
    sign_in(&b, app, "lena@example.com", "/settings/postmortems").await;
    b.client
        .find(Locator::Css("#policy-form select[name=severity_threshold]"))
        .await
        .expect("threshold")
        .select_by_value("SEV3")
        .await
        .expect("pick SEV3");
    click(&b, "#policy-form button[value=preview]").await;

    // Assert: the replay shows the change, nothing is saved, the failed e-mail is listed.
    let summary = wait_text(&b, "#replay-summary", "newly required").await;
    assert!(summary.contains("1 newly required"), "{summary}");
    wait_text(&b, "#replay-rows tr.changed", &r).await;
    let (_, _, policy) = app.get("/api/v1/postmortem-policy", &app.admin_token).await;
    assert_eq!(policy["severity_threshold"], "SEV2");
    b.client
        .goto(&app.url("/settings/postmortems"))
        .await
        .expect("settings");
    wait_text(&b, "#deliveries", "SMTP is not configured").await;
    b.close().await;
}

e2e_test!(a_postmortem_is_written_reviewed_and_published_in_the_browser);
e2e_test!(an_admin_previews_a_policy_change_and_sees_failed_deliveries);
