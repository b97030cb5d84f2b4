//! A status page's admin screen over plain HTTP forms (settings, branding, custom domain,
//! components and groups), the component removal route, and a page served on its custom
//! domain by the `Host` header.

use crate::e2e_test;
use crate::harness::{TestApp, http_client};
use crate::status_pages::setup_page;
use crate::subscriber_admin::Session;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The page's components as `(name, group)` in order.
async fn layout(app: &TestApp) -> Vec<(String, Option<String>)> {
    let (_, _, list) = app
        .get("/api/v1/status-pages/acme/components", &app.admin_token)
        .await;
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap_or_default().to_string(),
                c["group"].as_str().map(String::from),
            )
        })
        .collect()
}

fn named(v: &[(&str, Option<&str>)]) -> Vec<(String, Option<String>)> {
    v.iter()
        .map(|(n, g)| (n.to_string(), g.map(String::from)))
        .collect()
}

async fn admins_arrange_components_and_groups_with_forms(app: &TestApp) {
    // Arrange: API and Dashboard in Core; a service to map.
    let (api, dashboard) = setup_page(app).await;
    app.post(
        "/api/v1/services",
        &app.admin_token,
        &json!({"slug": "payments", "name": "Payments"}),
    )
    .await;
    let s = Session::start(app).await;
    let base = "/status-pages/acme";

    // Act: add Billing in Money; an unnamed one is refused beside its field.
    let added = s
        .send(
            app,
            &format!("{base}/layout/add"),
            &[("name", "Billing"), ("group", "Money")],
        )
        .await;
    let (status, _, html) = s
        .send(app, &format!("{base}/layout/add"), &[("name", " ")])
        .await;
    assert_eq!(added.0, 303);
    assert_eq!(status, 422);
    assert!(html.contains("<p class=\"field-error\">"), "{html}");
    let billing = dashboard + 1;

    // Act: edit Billing (services as checkboxes), then move it up into Core.
    let (status, _, _) = s
        .send(
            app,
            &format!("{base}/components/{billing}/edit"),
            &[
                ("name", "Billing"),
                ("description", "Invoices"),
                ("group", "Money"),
                ("services", "payments"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (status, _, html) = s
        .send(
            app,
            &format!("{base}/components/{billing}/edit"),
            &[("name", ""), ("group", "Money"), ("services", "nope")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(html.contains("unknown service"), "{html}");
    s.send(
        app,
        &format!("{base}/components/{billing}/move"),
        &[("direction", "up")],
    )
    .await;

    // Assert
    assert_eq!(
        layout(app).await,
        named(&[
            ("API", Some("Core")),
            ("Dashboard", Some("Core")),
            ("Billing", Some("Core"))
        ])
    );
    let (_, _, c) = app
        .get(
            &format!("/api/v1/status-pages/acme/components/{billing}/history"),
            &app.admin_token,
        )
        .await;
    assert!(c["items"].is_array(), "{c}");

    // Act: Billing up within Core; rename Core; Dashboard to a group of its own, moved up.
    s.send(
        app,
        &format!("{base}/components/{billing}/move"),
        &[("direction", "up")],
    )
    .await;
    s.send(
        app,
        &format!("{base}/groups/rename"),
        &[("group", "Core"), ("name", "Platform")],
    )
    .await;
    s.send(
        app,
        &format!("{base}/components/{dashboard}/edit"),
        &[("name", "Dashboard"), ("group", "Web")],
    )
    .await;
    s.send(
        app,
        &format!("{base}/groups/move"),
        &[("group", "Web"), ("direction", "up")],
    )
    .await;
    assert_eq!(
        layout(app).await,
        named(&[
            ("Dashboard", Some("Web")),
            ("API", Some("Platform")),
            ("Billing", Some("Platform"))
        ])
    );

    // Act: remove the Platform group, then the API component.
    s.send(
        app,
        &format!("{base}/groups/remove"),
        &[("group", "Platform")],
    )
    .await;
    let (status, location, _) = s
        .send(app, &format!("{base}/components/{api}/remove"), &[])
        .await;

    // Assert: ungrouped, API gone from the page and its documents.
    assert_eq!(
        (status, location.as_str()),
        (303, "/status-pages/acme#layout")
    );
    assert_eq!(
        layout(app).await,
        named(&[("Dashboard", Some("Web")), ("Billing", None)])
    );
    let summary = http_client()
        .get(app.url("/status/acme/api/v2/summary.json"))
        .send()
        .await
        .expect("summary")
        .text()
        .await
        .expect("text");
    assert!(!summary.contains("\"API\""), "{summary}");
    assert!(summary.contains("Billing"), "{summary}");
}

e2e_test!(admins_arrange_components_and_groups_with_forms);

async fn settings_are_checked_beside_their_fields_and_the_api_removes_components(app: &TestApp) {
    // Arrange
    let (api, _) = setup_page(app).await;
    let t = &app.admin_token;
    let s = Session::start(app).await;
    let settings = "/status-pages/acme/settings";
    let good = [
        ("name", "Acme Status"),
        ("time_zone", "Europe/Paris"),
        ("public", "on"),
        ("logo_url", "https://example.com/logo.svg"),
        ("accent_color", "#ff6600"),
        ("header", "All systems"),
        ("custom_domain", "Status.Example.com"),
    ];

    // Act: bad colour, URL and domain.
    let (status, _, html) = s
        .send(
            app,
            settings,
            &[
                ("name", "Acme Status"),
                ("time_zone", "Mars/Base"),
                ("logo_url", "javascript:alert(1)"),
                ("accent_color", "orange"),
                ("custom_domain", "https://status.example.com/"),
            ],
        )
        .await;

    // Assert: each beside its field, what was typed kept, nothing saved.
    assert_eq!(status, 422);
    for m in [
        "unknown time zone",
        "must be an http or https link",
        "must be a colour like #1f6feb",
        "must be a host name like status.example.com",
    ] {
        assert!(html.contains(m), "{m}: {html}");
    }
    assert!(html.contains("value=\"orange\""), "{html}");
    let (_, _, page) = app.get("/api/v1/status-pages/acme", t).await;
    assert_eq!(page["name"], "Acme Cloud");

    // Act: good settings.
    let (status, _, _) = s.send(app, settings, &good).await;

    // Assert
    assert_eq!(status, 303);
    let (_, _, page) = app.get("/api/v1/status-pages/acme", t).await;
    assert_eq!(page["custom_domain"], "status.example.com", "{page}");
    assert_eq!(page["branding"]["accent_color"], "#ff6600");
    assert_eq!(page["time_zone"], "Europe/Paris");

    // Act: another page may not take the domain; the API removes a component.
    app.post(
        "/api/v1/status-pages",
        t,
        &json!({"slug": "other", "name": "Other"}),
    )
    .await;
    let (taken, _, problem) = app
        .patch(
            "/api/v1/status-pages/other",
            t,
            &json!({"custom_domain": "status.example.com"}),
        )
        .await;
    let path = format!("/api/v1/status-pages/acme/components/{api}");
    let (removed, _, _) = app.delete(&path, t).await;
    let (again, _, _) = app.delete(&path, t).await;
    let (_, token) = app
        .create_user(debrief_core::access::AccountRole::Responder)
        .await;
    let (forbidden, _, _) = app
        .delete("/api/v1/status-pages/acme/components/999", &token)
        .await;

    // Assert
    assert_eq!(taken, StatusCode::CONFLICT, "{problem}");
    assert!(problem.to_string().contains("custom_domain"), "{problem}");
    assert_eq!(removed, StatusCode::NO_CONTENT);
    assert_eq!(again, StatusCode::NOT_FOUND);
    assert_eq!(forbidden, StatusCode::FORBIDDEN);
}

e2e_test!(settings_are_checked_beside_their_fields_and_the_api_removes_components);

async fn get_on(app: &TestApp, host: &str, path: &str) -> (StatusCode, String) {
    let res = http_client()
        .get(app.url(path))
        .header("host", host)
        .send()
        .await
        .expect("a response");
    (res.status(), res.text().await.expect("a body"))
}

async fn a_page_answers_on_its_custom_domain(app: &TestApp) {
    // Arrange
    setup_page(app).await;
    let t = &app.admin_token;
    app.patch(
        "/api/v1/status-pages/acme",
        t,
        &json!({"custom_domain": "status.example.com"}),
    )
    .await;

    // Act
    let (index, html) = get_on(app, "status.example.com:8443", "/").await;
    let (summary, json) = get_on(app, "STATUS.example.com", "/api/v2/summary.json").await;
    let (history, _) = get_on(app, "status.example.com", "/history.atom").await;
    let (feed, atom) = get_on(app, "status.example.com", "/feed.atom").await;
    let (theme, _) = get_on(app, "status.example.com", "/status/acme/theme.css").await;
    let (unknown, _) = get_on(app, "other.example.com", "/api/v2/summary.json").await;
    let (sign_in, _) = get_on(app, "other.example.com", "/login").await;

    // Assert
    assert_eq!(index, StatusCode::OK);
    assert!(html.contains("Acme Cloud"), "{html}");
    assert_eq!(summary, StatusCode::OK);
    let summary: Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(summary["page"]["name"], "Acme Cloud");
    assert_eq!(history, StatusCode::OK);
    assert_eq!(feed, StatusCode::OK);
    assert!(atom.contains("<feed"), "{atom}");
    assert_eq!(theme, StatusCode::OK);
    assert_eq!(unknown, StatusCode::NOT_FOUND);
    assert_eq!(sign_in, StatusCode::OK);

    // Act: the domain is removed.
    app.patch(
        "/api/v1/status-pages/acme",
        t,
        &json!({"custom_domain": ""}),
    )
    .await;
    let (gone, _) = get_on(app, "status.example.com", "/api/v2/summary.json").await;
    assert_eq!(gone, StatusCode::NOT_FOUND);
}

e2e_test!(a_page_answers_on_its_custom_domain);
