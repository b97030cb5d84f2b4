//! The catalogue built in a real browser: an admin adds a team (a form error first, which keeps
//! what was typed) with a member, a service with its owner team, escalation policy and a status
//! page component, an incident type and a required select custom field; then declares an
//! incident with them from the declare form (refused first without the required field, keeping
//! what was typed), sees them on the incident page and filters the list by the custom field.
//! The settings pages fit a 390 px wide screen.

use crate::browser::{Browser, at_path, attr_of, click, text_of, wait};
use crate::e2e_test;
use crate::harness::TestApp;
use crate::ui::{sign_in, user_with_password};
use crate::ui_oncall::{created, user_id};
use fantoccini::Locator;
use reqwest::StatusCode;
use serde_json::json;

/// Sets the fields `(name, value)` of the form `css` and sends it.
async fn send(b: &Browser, css: &str, fields: &[(&str, &str)]) {
    wait(b, css).await;
    let form = b.client.form(Locator::Css(css)).await.expect("the form");
    for (name, value) in fields {
        form.set_by_name(name, value).await.expect(name);
    }
    form.submit().await.expect("sent");
}

async fn an_admin_builds_the_catalogue_and_declares_with_it(app: &TestApp) {
    // Arrange: an admin, a responder to add to a team, a policy and a status page.
    user_with_password(app, "ina@example.com", "Ina Admin", "admin").await;
    user_with_password(app, "cy@example.com", "Cy Responder", "responder").await;
    let cy = user_id(app, "cy@example.com").await.to_string();
    let policy = created(
        app,
        "/api/v1/escalation-policies",
        &json!({"name": "Payments primary",
                "levels": [{"targets": [{"type": "user", "id": app.admin.id}], "delay_minutes": 5}]}),
    )
    .await["id"]
        .to_string();
    let (api, _) = crate::status_pages::setup_page(app).await;
    let b = Browser::start().await;
    sign_in(&b, app, "ina@example.com", "/settings/teams").await;

    // Act: a team with a bad slug, then a good one.
    send(
        &b,
        "#team-form",
        &[
            ("slug", "Pay Ments!"),
            ("name", "Payments"),
            ("description", "Money in"),
        ],
    )
    .await;
    let message = text_of(&b, "#team-slug-error").await;
    let kept = attr_of(&b, "#team-form input[name=name]", "value").await;
    let kept_slug = attr_of(&b, "#team-form input[name=slug]", "value").await;

    // Assert: the message is beside the slug, what was typed is kept.
    assert!(message.contains("lowercase"), "{message}");
    assert_eq!(kept, "Payments");
    assert_eq!(kept_slug, "Pay Ments!");

    // Act: fix it; add Cy.
    send(&b, "#team-form", &[("slug", "payments")]).await;
    at_path(&b, "/settings/teams").await;
    send(&b, "#team-payments form.add-member", &[("user_id", &cy)]).await;
    let member = text_of(
        &b,
        &format!("#team-payments li[data-member='{cy}'] .member-name"),
    )
    .await;

    // Assert
    assert_eq!(member, "Cy Responder");

    // Act: a service owned by the team, paged by the policy, shown by the API component.
    b.client
        .goto(&app.url("/settings/services"))
        .await
        .expect("services");
    click(
        &b,
        &format!("#service-form input[name=components][value='{api}']"),
    )
    .await;
    send(
        &b,
        "#service-form",
        &[
            ("slug", "checkout"),
            ("name", "Checkout"),
            ("team", "payments"),
            ("policy", &policy),
        ],
    )
    .await;
    at_path(&b, "/settings/services").await;
    let owner = text_of(&b, "#service-checkout .owner").await;
    let paged_by = text_of(&b, "#service-checkout .policy").await;
    let shown_by = text_of(&b, "#service-checkout .components").await;

    // Assert
    assert_eq!(owner, "Payments");
    assert_eq!(paged_by, "Payments primary");
    assert_eq!(shown_by, "Acme Cloud — API");

    // Act: an incident type.
    b.client
        .goto(&app.url("/settings/incident-types"))
        .await
        .expect("types");
    send(
        &b,
        "#incident-type-form",
        &[("slug", "card_outage"), ("name", "Card payments outage")],
    )
    .await;
    let listed = text_of(&b, "#type-card_outage .name").await;
    assert_eq!(listed, "Card payments outage");

    // Act: a required select custom field, its options typed as lines.
    b.client
        .goto(&app.url("/settings/custom-fields"))
        .await
        .expect("custom fields");
    click(&b, "#custom-field-form input[name=required]").await;
    send(
        &b,
        "#custom-field-form",
        &[
            ("key", "region"),
            ("label", "Region"),
            ("kind", "select"),
            ("options", "eu\nus"),
            ("required", "on"),
        ],
    )
    .await;
    let options = text_of(&b, "#field-region .options").await;
    assert_eq!(options, "eu\nus");

    // Act: declare with them, first without the required field.
    b.client
        .goto(&app.url("/incidents/new"))
        .await
        .expect("declare");
    let offered = text_of(
        &b,
        "#declare-form select[name=type] option[value=card_outage]",
    )
    .await;
    send(
        &b,
        "#declare-form",
        &[
            ("title", "Cards declined"),
            ("type", "card_outage"),
            ("services", "checkout"),
        ],
    )
    .await;
    let required = text_of(&b, "#cf-region-error").await;
    let kept_title = attr_of(&b, "#declare-form input[name=title]", "value").await;
    let kept_type = attr_of(
        &b,
        "#declare-form select[name=type] option[selected]",
        "value",
    )
    .await;
    assert_eq!(required, "is required");
    assert_eq!(kept_title, "Cards declined");
    assert_eq!(kept_type, "card_outage");
    send(&b, "#declare-form", &[("cf.region", "eu")]).await;
    let meta = text_of(&b, ".incident-head .meta").await;
    let region = text_of(&b, "#incident-custom-fields dd[data-field=region]").await;

    // Assert: the type by its name on the form and the page; stored by slug.
    assert_eq!(offered, "Card payments outage");
    assert!(meta.contains("Type: Card payments outage"), "{meta}");
    assert!(meta.contains("checkout"), "{meta}");
    assert_eq!(region, "eu");
    let (s, _, list) = app.get("/api/v1/incidents", &app.admin_token).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["items"][0]["type"], "card_outage", "{list}");
    let eu = list["items"][0]["reference"].as_str().unwrap().to_string();

    // Act: change the field on the incident page, and back.
    click(&b, "#incident-custom-fields summary").await;
    send(&b, "#custom-fields-form", &[("cf.region", "us")]).await;
    // The page came back: its form is closed again.
    wait(&b, "#incident-custom-fields details:not([open])").await;
    let changed = text_of(&b, "#incident-custom-fields dd[data-field=region]").await;
    let (_, _, timeline) = app
        .get(
            &format!("/api/v1/incidents/{eu}/timeline"),
            &app.admin_token,
        )
        .await;
    assert_eq!(changed, "us");
    assert!(
        timeline.to_string().contains("changed Region to us"),
        "{timeline}"
    );
    click(&b, "#incident-custom-fields summary").await;
    send(&b, "#custom-fields-form", &[("cf.region", "eu")]).await;
    // The page came back: its form is closed again.
    wait(&b, "#incident-custom-fields details:not([open])").await;
    app.declare(
        &app.admin_token,
        &json!({"title": "US only", "custom_fields": {"region": "us"}}),
    )
    .await;

    // Act: filter the list by the custom field.
    b.client.goto(&app.url("/")).await.expect("list");
    send(&b, "#filters", &[("cf.region", "eu")]).await;
    wait(
        &b,
        "#filters select[name='cf.region'] option[value=eu][selected]",
    )
    .await;
    let listed = b
        .client
        .execute(
            "return [...document.querySelectorAll('#incident-list tr[data-reference]')].map(r => r.dataset.reference);",
            vec![],
        )
        .await
        .expect("the list");

    // Assert: only the EU incident.
    assert_eq!(listed, json!([eu]));
    let (_, _, service) = app.get("/api/v1/services/checkout", &app.admin_token).await;
    assert_eq!(service["escalation_policy"]["name"], "Payments primary");
    assert_eq!(service["components"][0]["component_id"], api);

    // The settings pages' content fits a phone's screen.
    b.client.set_window_size(390, 844).await.expect("resize");
    for path in [
        "/settings/teams",
        "/settings/services",
        "/settings/incident-types",
    ] {
        b.client.goto(&app.url(path)).await.expect(path);
        wait(&b, "h1").await;
        let wide = b
            .client
            .execute(
                "return [...document.querySelectorAll('main *')] \
                   .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1) \
                   .map(e => e.tagName + '.' + e.className);",
                vec![],
            )
            .await
            .expect("measured");
        assert_eq!(wide, json!([]), "{path}: wider than the screen");
    }
    b.close().await;
}
e2e_test!(an_admin_builds_the_catalogue_and_declares_with_it);
