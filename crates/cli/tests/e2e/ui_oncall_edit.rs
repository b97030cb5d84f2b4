//! Schedules changed in a real browser: an admin adds a second layer with a weekday restriction
//! to a schedule in its edit form (on a 390 px wide screen), is refused deleting a schedule a
//! policy pages, and deletes an unused one.

use crate::browser::{Browser, at_path, attr_of, click, text_of};
use crate::e2e_test;
use crate::harness::TestApp;
use crate::ui::{sign_in, user_with_password};
use crate::ui_oncall::*;
use fantoccini::Locator;
use reqwest::StatusCode;
use serde_json::json;

/// Sets the form fields `(name, value)` of the form `#id` (the first field of each name).
async fn fill(b: &Browser, id: &str, fields: &[(&str, &str)]) -> fantoccini::elements::Form {
    let form = b.client.form(Locator::Id(id)).await.expect("the form");
    for (name, value) in fields {
        form.set_by_name(name, value).await.expect(name);
    }
    form
}

async fn an_admin_changes_and_deletes_schedules_in_the_browser(app: &TestApp) {
    // Arrange: Cy every day; an unused schedule; a schedule a policy pages.
    user_with_password(app, "ina@example.com", "Ina Admin", "admin").await;
    user_with_password(app, "cy@example.com", "Cy Responder", "responder").await;
    user_with_password(app, "di@example.com", "Di Weekdays", "responder").await;
    let (cy, di) = (
        user_id(app, "cy@example.com").await,
        user_id(app, "di@example.com").await,
    );
    let schedule_of = async |name: &str| {
        created(
            app,
            "/api/v1/schedules",
            &json!({"name": name, "time_zone": "Europe/Berlin",
                    "layers": [{"participants": [cy], "rotation": "daily", "start": "2026-01-01T09:00:00"}]}),
        )
        .await["id"]
            .as_i64()
            .expect("a schedule id")
    };
    let (schedule, unused, paged) = (
        schedule_of("Database").await,
        schedule_of("Unused").await,
        schedule_of("Paged").await,
    );
    created(
        app,
        "/api/v1/escalation-policies",
        &json!({"name": "Paged", "levels": [{"targets": [{"type": "schedule", "id": paged}], "delay_minutes": 5}]}),
    )
    .await;
    let b = Browser::start().await;

    // Act: the edit form on a phone-sized screen.
    let path = format!("/schedules/{schedule}");
    sign_in(&b, app, "ina@example.com", &path).await;
    b.client.set_window_size(390, 844).await.expect("resize");
    let stored_start = attr_of(&b, "#schedule-form input[name=l0_start]", "value").await;
    let stored_who = attr_of(
        &b,
        "#schedule-form select[name=l0_participant] option[selected]",
        "value",
    )
    .await;
    let fits = b
        .client
        .execute(
            "const f = document.getElementById('schedule-form'); \
             return [f.getBoundingClientRect().right, window.innerWidth, f.scrollWidth, f.clientWidth];",
            vec![],
        )
        .await
        .expect("measured");
    b.client
        .execute(
            "document.querySelector('#schedule-form fieldset.layer:last-of-type').scrollIntoView()",
            vec![],
        )
        .await
        .expect("scrolled");
    b.screenshot(&format!("oncall-schedule-edit-{:?}", app.backend))
        .await;

    // Assert: the stored layer is filled in; the form fits the screen.
    assert_eq!(stored_start, "2026-01-01T09:00");
    assert_eq!(stored_who, cy.to_string());
    let n = |i: usize| fits[i].as_f64().unwrap_or(f64::MAX);
    assert!(n(0) <= n(1) + 1.0 && n(2) <= n(3) + 1.0, "{fits}");
    b.client.set_window_size(1400, 1000).await.expect("resize");

    // Act: a second layer (the blank fieldset): Di, weekdays 09:00 to 17:00 only.
    let di_text = di.to_string();
    let form = fill(
        &b,
        "schedule-form",
        &[
            ("l1_participant", di_text.as_str()),
            ("l1_rotation", "weekly"),
            ("l1_start", "2026-01-05T00:00"),
            ("l1_r0_type", "weekly"),
            ("l1_r0_start_day", "monday"),
            ("l1_r0_start_time", "09:00"),
            ("l1_r0_end_day", "friday"),
            ("l1_r0_end_time", "17:00"),
        ],
    )
    .await;
    form.submit().await.expect("save");
    at_path(&b, &path).await;
    let second = attr_of(&b, "#schedule-form input[name=l1_start]", "value").await;
    let (s, _, stored) = app
        .get(&format!("/api/v1/schedules/{schedule}"), &app.admin_token)
        .await;

    // Assert: two layers, the second restricted; the last layer with someone on call wins.
    assert_eq!(s, StatusCode::OK, "{stored}");
    assert_eq!(second, "2026-01-05T00:00");
    let layers = stored["layers"].as_array().expect("layers");
    assert_eq!(layers.len(), 2, "{stored}");
    assert_eq!(layers[0]["restrictions"], json!([]), "{stored}");
    assert_eq!(
        layers[1]["restrictions"],
        json!([{"type": "weekly", "start_day": "monday", "start_time": "09:00",
                "end_day": "friday", "end_time": "17:00"}]),
        "{stored}"
    );
    // 2027-01-04 is a Monday: 10:00 in Berlin is Di's; Saturday's is Cy's.
    assert_eq!(
        on_call(app, schedule, "2027-01-04T09:00:00Z").await,
        Some(di)
    );
    assert_eq!(
        on_call(app, schedule, "2027-01-09T09:00:00Z").await,
        Some(cy)
    );

    // Act: delete the schedule the policy pages.
    b.client
        .goto(&app.url(&format!("/schedules/{paged}")))
        .await
        .expect("the paged schedule");
    click(&b, "#delete-schedule-form input[name=confirm]").await;
    click(&b, "#delete-schedule-form button").await;
    let refused = text_of(&b, "#error-detail").await;
    let heading = text_of(&b, "h1").await;

    // Assert: refused with a conflict, the schedule stays.
    assert!(heading.starts_with("409"), "{heading}");
    assert!(refused.contains("Paged"), "{refused}");
    let (s, _, _) = app
        .get(&format!("/api/v1/schedules/{paged}"), &app.admin_token)
        .await;
    assert_eq!(s, StatusCode::OK);

    // Act: delete the unused one, ticking the confirmation.
    b.client
        .goto(&app.url(&format!("/schedules/{unused}")))
        .await
        .expect("the unused schedule");
    click(&b, "#delete-schedule-form input[name=confirm]").await;
    click(&b, "#delete-schedule-form button").await;
    at_path(&b, "/schedules").await;
    let list = text_of(&b, "#schedule-list").await;
    let (s, _, body) = app
        .get(&format!("/api/v1/schedules/{unused}"), &app.admin_token)
        .await;

    // Assert: gone from the list and the API.
    assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
    assert!(
        !list.contains("Unused") && list.contains("Database"),
        "{list}"
    );
    b.close().await;
}
e2e_test!(an_admin_changes_and_deletes_schedules_in_the_browser);
