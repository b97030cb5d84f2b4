//! No dead-end error pages for form posts (issue 14, part 6): a refused form on the incident
//! or postmortem page comes back on its own page with what was typed and the message beside the
//! field (or at the top of the form for a conflict), the error's status kept and nothing
//! written; a timeline event's time is edited in the viewer's zone.

use crate::browser::{Browser, attr_of, gone, submit, text_holding, value_of};
use crate::e2e_test;
use crate::harness::TestApp;
use crate::ui::{sign_in, text_of, user_with_password};
use serde_json::{Value, json};

async fn timeline(app: &TestApp, reference: &str) -> Vec<Value> {
    let (_, _, t) = app
        .get(
            &format!("/api/v1/incidents/{reference}/timeline"),
            &app.admin_token,
        )
        .await;
    t["items"].as_array().cloned().unwrap_or_default()
}

/// Waits (bounded) until the page shown is no longer a refilled one: the form sent from it was
/// saved and the browser followed the redirect.
async fn until_saved(b: &Browser) {
    gone(b, "#refused").await;
}

async fn a_refused_form_comes_back_filled_in_on_its_page(app: &TestApp) {
    // Arrange: an incident with a note, seen by a responder (browser in Europe/Berlin).
    user_with_password(app, "dana@example.com", "Dana", "responder").await;
    let inc = app
        .declare(&app.admin_token, &json!({"title": "Disk full"}))
        .await;
    let r = inc["reference"].as_str().expect("ref").to_string();
    let (_, _, note) = app
        .post(
            &format!("/api/v1/incidents/{r}/timeline"),
            &app.admin_token,
            &json!({"kind": "note", "body": "First look", "at": "2026-12-01T09:00:00.123Z"}),
        )
        .await;
    let before = timeline(app, &r).await.len();
    let b = Browser::start().await;
    sign_in(&b, app, "dana@example.com", &format!("/incidents/{r}")).await;

    // Act 1: a note dated years ahead, and a link that is not a web address.
    submit(
        &b,
        "event-form",
        &[
            ("body", "Rolled back <v2> & retried"),
            ("at_local", "2031-01-01T10:00:00"),
        ],
    )
    .await;
    let at_error = text_of(&b, "#event-form .field-error").await;
    let kept_body = value_of(&b, "#event-form input[name=body]").await;
    let kept_at = value_of(&b, "#event-form input[name=at_local]").await;
    let described = attr_of(&b, "#event-form input[name=at_local]", "aria-describedby").await;
    let banner = text_of(&b, "main > .flash.error").await;
    let after_refusal = timeline(app, &r).await.len();

    // Act 2: the refused form, corrected, is sent again from the refilled page.
    submit(&b, "event-form", &[("at_local", "")]).await;
    until_saved(&b).await;
    let after_fix = timeline(app, &r).await;

    // Act 3: the first note's edit form shows its time in Berlin; a body edit keeps the time.
    let id = note["id"].as_i64().expect("id");
    let edit_form = format!("form[action='/incidents/{r}/timeline/{id}/edit']");
    let shown = value_of(&b, &format!("{edit_form} input[name=at_local]")).await;
    b.client
        .execute(
            "const f = document.querySelector(arguments[0]); f.closest('details').open = true;
             f.querySelector('textarea').value = 'First look (disk 97%)'; f.requestSubmit();",
            vec![json!(edit_form)],
        )
        .await
        .expect("edit the note");
    // The edit answers a redirect to the same page: wait (bounded) for it to show the edit.
    text_holding(&b, &format!("li[data-event-id='{id}'] .by"), "(edited)").await;
    let edited = timeline(app, &r)
        .await
        .into_iter()
        .find(|e| e["id"] == note["id"])
        .expect("the note");

    // Assert
    assert!(at_error.contains("future"), "{at_error}");
    assert_eq!(kept_body, "Rolled back <v2> & retried");
    assert_eq!(kept_at, "2031-01-01T10:00");
    assert!(described.starts_with("refused-"), "{described}");
    assert!(banner.contains("Not saved"), "{banner}");
    assert_eq!(after_refusal, before, "a refused form writes nothing");
    assert_eq!(after_fix.len(), before + 1);
    assert!(
        after_fix
            .iter()
            .any(|e| e["body"] == "Rolled back <v2> & retried"),
        "the corrected note is saved as typed"
    );
    assert_eq!(shown, "2026-12-01T10:00", "09:00 UTC is 10:00 in Berlin");
    assert_eq!(edited["body"], "First look (disk 97%)");
    assert_eq!(
        edited["at"], "2026-12-01T09:00:00.123Z",
        "an unchanged time keeps its milliseconds"
    );
    b.close().await;
}
e2e_test!(a_refused_form_comes_back_filled_in_on_its_page);

async fn a_stale_postmortem_edit_keeps_what_was_typed(app: &TestApp) {
    // Arrange: a resolved SEV1 (a postmortem is owed) open in the browser.
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
    let section = attr_of(&b, "#pm-form textarea.md-input", "name").await;

    // Act: someone else saves the customer summary while the page is open; then this page's
    // edit is sent, refused as stale, and sent again from the refilled page.
    let (saved, _, _) = app
        .patch(
            &format!("/api/v1/incidents/{r}/postmortem"),
            &app.admin_token,
            &json!({"customer_summary": "Card payments failed for 20 minutes."}),
        )
        .await;
    submit(
        &b,
        "pm-form",
        &[(section.as_str(), "The deploy at 09:12 removed an index.")],
    )
    .await;
    let why = text_of(&b, "#pm-form #refused").await;
    let kept = value_of(&b, &format!("#pm-form textarea[name='{section}']")).await;
    let theirs = text_of(&b, "#pm-form textarea[name=customer_summary] + .changed").await;
    // The person keeps the other's summary and sends their own section again.
    submit(
        &b,
        "pm-form",
        &[("customer_summary", "Card payments failed for 20 minutes.")],
    )
    .await;
    // The refilled page has `#sections` too: wait for the saved page, which has no refusal.
    until_saved(&b).await;
    let (_, _, pm) = app
        .get(
            &format!("/api/v1/incidents/{r}/postmortem"),
            &app.admin_token,
        )
        .await;

    // Assert
    assert!(saved.is_success());
    assert!(why.contains("Not saved"), "{why}");
    assert_eq!(kept, "The deploy at 09:12 removed an index.");
    assert!(
        theirs.contains("Saved now: “Card payments failed for 20 minutes.”"),
        "the other person's change is named beside the field: {theirs}"
    );
    let key = section.trim_start_matches("section:");
    let body = pm["sections"]
        .as_array()
        .and_then(|a| a.iter().find(|s| s["key"] == key))
        .map(|s| s["body"].clone());
    assert_eq!(
        body,
        Some(json!("The deploy at 09:12 removed an index.")),
        "{pm}"
    );
    assert_eq!(
        pm["customer_summary"],
        "Card payments failed for 20 minutes."
    );
    b.close().await;
}
e2e_test!(a_stale_postmortem_edit_keeps_what_was_typed);

async fn a_refused_form_post_keeps_its_status_and_changes_nothing(app: &TestApp) {
    // Arrange: a session cookie and CSRF token from the sign-in form, over plain HTTP.
    let inc = app
        .declare(&app.admin_token, &json!({"title": "Queue stuck"}))
        .await;
    let r = inc["reference"].as_str().expect("ref").to_string();
    user_with_password(app, "ina@example.com", "Ina Admin", "admin").await;
    let session = crate::accounts::sign_in(app, "ina@example.com", crate::ui::PASSWORD).await;
    let (cookie, csrf) = (session.session, session.csrf);
    let page = app.url(&format!("/incidents/{r}"));
    let post = |referer: Option<String>| {
        let mut req = reqwest::Client::new()
            .post(app.url(&format!("/incidents/{r}/roles")))
            .header("cookie", &cookie)
            .header("origin", app.url(""))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(crate::accounts::form_body(&[
                ("csrf", csrf.as_str()),
                ("role", "scribe"),
                ("email", "nobody@example.com"),
            ]));
        if let Some(x) = referer {
            req = req.header("referer", x);
        }
        req.send()
    };

    // Act
    let refilled = post(Some(page.clone())).await.expect("post");
    let status = refilled.status();
    let html = refilled.text().await.expect("body");
    let elsewhere = post(Some("http://example.com/incidents".into()))
        .await
        .expect("post");
    let (other_status, other) = (elsewhere.status(), elsewhere.text().await.expect("body"));
    let (_, _, after) = app
        .get(&format!("/api/v1/incidents/{r}"), &app.admin_token)
        .await;

    // Assert: the incident page with the role form refilled, with the refusal's own status;
    // a referer from another site gets the plain error page.
    assert_eq!(status.as_u16(), 404, "{html}");
    assert!(html.contains("id=\"refused\""), "{html}");
    assert!(
        html.contains("nobody@example.com"),
        "the message names the address"
    );
    assert!(html.contains("id=\"role-form\""));
    assert_eq!(other_status.as_u16(), 404);
    assert!(!other.contains("id=\"refused\""));
    assert!(
        after["roles"]
            .as_array()
            .is_some_and(|a| a.iter().all(|x| x["role"] != "scribe")),
        "{after}"
    );
}
e2e_test!(a_refused_form_post_keeps_its_status_and_changes_nothing);
