//! Correcting and merging incidents, and editing a postmortem template, in the browser (issue
//! 14, part 4): a mistake keeps what was typed with the message beside the field; an edit that
//! raced someone else's says so and saves on the second try; each corrected field is its own
//! timeline event; a duplicate is found by search and merged; a template's sections are added,
//! reordered and described as a form, not JSON.

use crate::browser::{Browser, click, overflow, submit, value_of};
use crate::e2e_test;
use crate::harness::TestApp;
use crate::ui::{sign_in, text_of, user_with_password};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn fill(b: &Browser, form_id: &str, fields: &[(&str, &str)]) {
    let form = b
        .client
        .form(fantoccini::Locator::Id(form_id))
        .await
        .expect("the form");
    for (name, value) in fields {
        form.set_by_name(name, value).await.expect(name);
    }
}

async fn incident(app: &TestApp, reference: &str) -> Value {
    app.get(&format!("/api/v1/incidents/{reference}"), &app.admin_token)
        .await
        .2
}

async fn a_responder_corrects_and_merges_incidents(app: &TestApp) {
    // Arrange: two services, an incident with a typo, a duplicate of it, a type in use.
    user_with_password(app, "dana@example.com", "Dana", "responder").await;
    app.create_service("api").await;
    app.create_service("web").await;
    app.declare(
        &app.admin_token,
        &json!({"title": "Old deploy", "type": "failed_deployment"}),
    )
    .await;
    let first = app
        .declare(
            &app.admin_token,
            &json!({"title": "Chekout fails", "severity": "SEV2"}),
        )
        .await;
    let dup = app
        .declare(&app.admin_token, &json!({"title": "Checkout errors"}))
        .await;
    let (one, two) = (
        first["reference"].as_str().expect("ref").to_string(),
        dup["reference"].as_str().expect("ref").to_string(),
    );
    let b = Browser::start().await;
    sign_in(&b, app, "dana@example.com", &format!("/incidents/{one}")).await;

    // Act 1: edit with an empty title (refused), then someone else changes the incident while
    // the form is open, then save twice.
    click(&b, "#edit-link").await;
    submit(
        &b,
        "edit-form",
        &[
            ("title", "   "),
            ("summary", "Card payments fail in the EU"),
        ],
    )
    .await;
    let title_error = text_of(&b, "#title-error").await;
    let kept_summary = value_of(&b, "#edit-form textarea[name=summary]").await;
    b.client.set_window_size(390, 844).await.expect("resize");
    let fits = overflow(&b).await;
    b.screenshot(&format!("incident-edit-phone-{:?}", app.backend))
        .await;
    b.client.set_window_size(1400, 1000).await.expect("resize");
    let (raced, _, _) = app
        .patch(
            &format!("/api/v1/incidents/{one}"),
            &app.admin_token,
            &json!({"severity": "SEV1"}),
        )
        .await;
    for css in [
        "#edit-form input[name=services][value=api]",
        "#edit-form input[name=customer_impact]",
    ] {
        click(&b, css).await;
    }
    submit(
        &b,
        "edit-form",
        &[("title", "Checkout fails"), ("type", "failed_deployment")],
    )
    .await;
    let race_notice = text_of(&b, "#form-errors").await;
    submit(&b, "edit-form", &[]).await;
    let shown_title = text_of(&b, "#incident-title").await;

    // Act 2: merge the duplicate, found by searching its title's words.
    b.client
        .goto(&app.url(&format!("/incidents/{two}")))
        .await
        .expect("open the duplicate");
    click(&b, "#merge-link").await;
    submit(&b, "merge-search", &[("q", "checkout fails")]).await;
    click(&b, &format!("#merge-form input[value='{one}']")).await;
    click(&b, "#merge-form button[type=submit]").await;
    b.wait_for("#incident-title").await;
    let landed = b.path().await;

    // Assert
    assert!(title_error.contains("empty"), "{title_error}");
    assert_eq!(kept_summary, "Card payments fail in the EU");
    assert!(
        fits.0 <= fits.1 + 1.0,
        "the edit form fits 390 px: {fits:?}"
    );
    assert_eq!(raced, StatusCode::OK);
    assert!(
        race_notice.contains("while you were editing"),
        "{race_notice}"
    );
    assert_eq!(shown_title, "Checkout fails");
    let now = incident(app, &one).await;
    assert_eq!(now["title"], "Checkout fails");
    assert_eq!(now["summary"], "Card payments fail in the EU");
    assert_eq!(now["type"], "failed_deployment");
    assert_eq!(now["services"], json!(["api"]));
    assert_eq!(now["customer_impact"], true);
    assert_eq!(now["severity"], "SEV1", "the other change was kept");
    let (_, _, timeline) = app
        .get(
            &format!("/api/v1/incidents/{one}/timeline"),
            &app.admin_token,
        )
        .await;
    let edits: Vec<String> = timeline["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["kind"] == "incident_update")
        .map(|e| e["body"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(edits.len(), 5, "one event per corrected field: {edits:?}");
    assert!(
        edits
            .iter()
            .any(|e| e == "Dana changed the title from \"Chekout fails\" to \"Checkout fails\""),
        "{edits:?}"
    );
    assert_eq!(landed, format!("/incidents/{one}"));
    let merged = incident(app, &two).await;
    assert_eq!(merged["status"], "merged");
    assert_eq!(merged["merged_into"], json!(one));
    b.close().await;
}
e2e_test!(a_responder_corrects_and_merges_incidents);

async fn an_admin_builds_a_template_from_sections(app: &TestApp) {
    // Arrange
    user_with_password(app, "ina@example.com", "Ina Admin", "admin").await;
    let b = Browser::start().await;
    sign_in(&b, app, "ina@example.com", "/settings/postmortems").await;

    // Act: a new template; a section without a heading is refused; add, fill, move, save.
    click(&b, "#new-template").await;
    fill(
        &b,
        "template-form",
        &[("key", "security"), ("name", "Security incident")],
    )
    .await;
    click(&b, "#save-template").await;
    b.wait_for("#template-form .field-error").await;
    let kept_name = value_of(&b, "#template-form input[name=name]").await;
    fill(
        &b,
        "template-form",
        &[
            ("s0_title", "What happened"),
            ("s0_prompt", "The attack, as it unfolded"),
        ],
    )
    .await;
    click(&b, "#add-section").await;
    b.wait_for("#template-form input[name=s1_title]").await;
    fill(&b, "template-form", &[("s1_title", "Who was told")]).await;
    click(&b, "li.section-row[data-index='1'] button[value='up:1']").await;
    b.wait_for("li.section-row[data-index='0'] input[value='Who was told']")
        .await;
    click(&b, "#save-template").await;
    b.wait_for("#notice").await;

    // Assert: stored in the new order, with keys made from the headings.
    let (_, _, all) = app
        .get("/api/v1/postmortem-templates", &app.admin_token)
        .await;
    let t = all["items"]
        .as_array()
        .or_else(|| all.as_array())
        .expect("templates")
        .iter()
        .find(|t| t["key"] == "security")
        .cloned()
        .unwrap_or_else(|| panic!("the template is stored: {all}"));
    let keys: Vec<&str> = t["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .filter_map(|s| s["key"].as_str())
        .collect();
    assert_eq!(kept_name, "Security incident");
    assert_eq!(keys, ["who_was_told", "what_happened"]);
    assert_eq!(t["sections"][1]["prompt"], "The attack, as it unfolded");
    b.close().await;
}
e2e_test!(an_admin_builds_a_template_from_sections);

async fn press(b: &Browser, keys: &str) {
    b.client
        .find(fantoccini::Locator::Css("body"))
        .await
        .expect("the page")
        .send_keys(keys)
        .await
        .unwrap_or_else(|e| panic!("press {keys}: {e}"));
}

async fn the_incident_page_has_keyboard_shortcuts(app: &TestApp) {
    // Arrange
    user_with_password(app, "dana@example.com", "Dana", "responder").await;
    let inc = app
        .declare(&app.admin_token, &json!({"title": "Queue stuck"}))
        .await;
    let reference = inc["reference"].as_str().expect("ref").to_string();
    let b = Browser::start().await;
    sign_in(
        &b,
        app,
        "dana@example.com",
        &format!("/incidents/{reference}"),
    )
    .await;

    // Act: `?` lists the shortcuts, Escape closes the list, `n` goes to the note, `e` edits.
    press(&b, "?").await;
    let listed = text_of(&b, "dialog#shortcuts[open]").await;
    press(&b, "\u{e00c}").await; // Escape
    let closed = b
        .client
        .execute("return document.getElementById('shortcuts').open;", vec![])
        .await
        .expect("asked");
    press(&b, "n").await;
    let focused = b
        .client
        .execute("return document.activeElement.name;", vec![])
        .await
        .expect("asked");
    b.client
        .execute("document.activeElement.blur();", vec![])
        .await
        .expect("blurred");
    press(&b, "e").await;
    b.wait_for("#edit-form").await;

    // Assert
    assert!(listed.contains("Write a timeline note"), "{listed}");
    assert_eq!(closed, json!(false));
    assert_eq!(focused, json!("body"), "the note field has the focus");
    assert_eq!(b.path().await, format!("/incidents/{reference}/edit"));
    b.close().await;
}
e2e_test!(the_incident_page_has_keyboard_shortcuts);

async fn a_time_typed_in_the_viewers_zone_is_stored_in_utc(app: &TestApp) {
    // Arrange: the browser runs in Europe/Berlin (UTC+1 in December).
    user_with_password(app, "dana@example.com", "Dana", "responder").await;
    let inc = app
        .declare(&app.admin_token, &json!({"title": "Disk full"}))
        .await;
    let reference = inc["reference"].as_str().expect("ref").to_string();
    let b = Browser::start().await;
    sign_in(
        &b,
        app,
        "dana@example.com",
        &format!("/incidents/{reference}"),
    )
    .await;

    // Act: a note dated 10:00 on the wall clock; the form names the zone it reads it in.
    let zone_named = text_of(&b, "#event-form [data-viewer-zone-label]").await;
    b.client
        .goto(&app.url("/incidents/new"))
        .await
        .expect("the declare form");
    let new_type = value_of(&b, "select[name=type]").await;
    b.client
        .goto(&app.url(&format!("/incidents/{reference}")))
        .await
        .expect("back");
    submit(
        &b,
        "event-form",
        &[
            ("body", "Disk alarm seen earlier"),
            ("at_local", "2026-12-01T10:00:00"),
        ],
    )
    .await;
    b.wait_for("#timeline li[data-kind=note]").await;

    // Assert
    assert_eq!(zone_named, "Europe/Berlin");
    assert_eq!(
        new_type, "default",
        "a new declaration starts on the default type"
    );
    let (_, _, timeline) = app
        .get(
            &format!("/api/v1/incidents/{reference}/timeline"),
            &app.admin_token,
        )
        .await;
    let note = timeline["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|e| e["kind"] == "note")
        .cloned()
        .expect("the note");
    assert_eq!(note["at"], "2026-12-01T09:00:00.000Z");
    b.close().await;
}
e2e_test!(a_time_typed_in_the_viewers_zone_is_stored_in_utc);

async fn the_postmortem_page_offers_only_the_next_possible_step(app: &TestApp) {
    // Arrange: a SEV1 resolved (a postmortem is required), seen by an admin.
    user_with_password(app, "ina@example.com", "Ina Admin", "admin").await;
    let inc = app
        .declare(
            &app.admin_token,
            &json!({"title": "Payments down", "severity": "SEV1"}),
        )
        .await;
    let r = inc["reference"].as_str().expect("ref").to_string();
    for to in ["investigating", "resolved"] {
        app.transition(&app.admin_token, &r, &json!({"to": to}))
            .await;
    }
    let b = Browser::start().await;
    let path = format!("/incidents/{r}/postmortem");
    sign_in(&b, app, "ina@example.com", &path).await;
    let present = async |css: &str| b.client.find(fantoccini::Locator::Css(css)).await.is_ok();

    // Act 1: required, no reviewers yet.
    let needs_reviewers = text_of(&b, "#waiting-for").await;
    let required = (
        present("#request-form").await,
        present("#waive-form").await,
        present("#submit-form").await,
    );

    // Act 2: a reviewer chosen and the draft submitted; nobody approved yet.
    let (_, _, pm) = app
        .patch(
            &format!("/api/v1/incidents/{r}/postmortem"),
            &app.admin_token,
            &json!({"reviewer_ids": [app.admin.id]}),
        )
        .await;
    let (submitted, _, v) = app
        .post(
            &format!("/api/v1/incidents/{r}/postmortem/steps"),
            &app.admin_token,
            &json!({"step": "submit"}),
        )
        .await;
    b.client.goto(&app.url(&path)).await.expect("reload");
    let needs_approval = text_of(&b, "#waiting-for").await;
    let in_review = (
        present("#publish-form").await,
        present("#policy-actions").await,
    );

    // Assert: no button the server would refuse; the page says what is missing instead.
    assert!(needs_reviewers.contains("reviewer"), "{needs_reviewers}");
    assert_eq!(
        required,
        (false, true, false),
        "no 'Request a postmortem' when one is required; no submit without reviewers"
    );
    assert!(pm.is_object(), "{pm}");
    assert!(submitted.is_success(), "{v}");
    assert!(needs_approval.contains("approval"), "{needs_approval}");
    assert_eq!(in_review, (false, false), "no Publish before approval");
    b.close().await;
}
e2e_test!(the_postmortem_page_offers_only_the_next_possible_step);
