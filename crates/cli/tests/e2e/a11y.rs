//! Every page of the web UI in headless Chromium at desktop and phone (390 px) sizes (issue 14,
//! part 6): axe-core (npm, installed by `scripts/install-test-deps`) finds no serious or
//! critical accessibility violation, and no page is wider than a phone's screen. Screenshots of
//! each page at both sizes go to `target/ui-screenshots/` for a person to compare.

use crate::browser::{Browser, overflow};
use crate::e2e_test;
use crate::harness::TestApp;
use crate::ui::{sign_in, user_with_password};
use serde_json::{Value, json};

/// axe-core's script, as the test set-up installed it.
fn axe_source() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../.tools/axe/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {} ({e}); run scripts/install-test-deps",
            path.display()
        )
    })
}

/// Runs axe-core on the current page; returns its serious and critical violations as
/// `rule (impact): targets`.
async fn serious_violations(b: &Browser, axe: &str) -> Vec<String> {
    b.client
        .execute(axe, vec![])
        .await
        .expect("load axe-core into the page");
    let result = b
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] })
               .then(r => done(r.violations.map(v => ({ id: v.id, impact: v.impact,
                  targets: v.nodes.map(n => n.target.join(' ')).slice(0, 5) }))))
               .catch(e => done([{ id: 'axe-error', impact: 'critical', targets: [String(e)] }]));",
            vec![],
        )
        .await
        .expect("run axe-core");
    result
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
        .map(|v| format!("{} ({}): {}", v["id"], v["impact"], v["targets"]))
        .collect()
}

async fn seed(app: &TestApp) -> (String, String) {
    app.create_service("checkout-api").await;
    let open = app
        .declare(
            &app.admin_token,
            &json!({"title": "Checkout fails", "severity": "SEV2", "services": ["checkout-api"], "customer_impact": true}),
        )
        .await;
    let done = app
        .declare(
            &app.admin_token,
            &json!({"title": "Search slow", "severity": "SEV1"}),
        )
        .await;
    let reference = |v: &Value| v["reference"].as_str().expect("a reference").to_string();
    let (open, done) = (reference(&open), reference(&done));
    for to in ["investigating", "identified", "monitoring", "resolved"] {
        app.transition(&app.admin_token, &done, &json!({"to": to}))
            .await;
    }
    let (s, _, v) = app
        .post(
            "/api/v1/status-pages",
            &app.admin_token,
            &json!({"slug": "public", "name": "Example status"}),
        )
        .await;
    assert!(s.is_success(), "{v}");
    (open, done)
}

async fn every_page_passes_axe_and_fits_a_phone(app: &TestApp) {
    check_every_page(app, false).await;
}
e2e_test!(every_page_passes_axe_and_fits_a_phone);

async fn every_page_passes_axe_in_dark_mode(app: &TestApp) {
    check_every_page(app, true).await;
}
e2e_test!(every_page_passes_axe_in_dark_mode);

async fn check_every_page(app: &TestApp, dark: bool) {
    // Arrange: an admin, an open and a resolved incident (its postmortem), a status page; the
    // system's colour scheme light or dark.
    user_with_password(app, "ada@example.com", "Ada Admin", "admin").await;
    let (open, done) = seed(app).await;
    let axe = axe_source();
    let b = match dark {
        true => Browser::start_with(&["--blink-settings=preferredColorScheme=0"]).await,
        false => Browser::start().await,
    };
    let scheme = b
        .client
        .execute(
            "return matchMedia('(prefers-color-scheme: dark)').matches;",
            vec![],
        )
        .await
        .expect("ask the colour scheme");
    assert_eq!(scheme, json!(dark), "the browser's colour scheme");
    let mode = if dark { "dark" } else { "light" };
    b.client
        .goto(&app.url("/login"))
        .await
        .expect("the sign-in page");
    let mut found: Vec<String> = Vec::new();
    let login = serious_violations(&b, &axe).await;
    found.extend(login.into_iter().map(|v| format!("/login: {v}")));
    sign_in(&b, app, "ada@example.com", "/").await;
    let pages = [
        "/".to_string(),
        "/incidents/new".into(),
        format!("/incidents/{open}"),
        format!("/incidents/{open}/edit"),
        format!("/incidents/{open}/merge"),
        format!("/incidents/{open}/status-page"),
        format!("/incidents/{done}/postmortem"),
        "/postmortems".into(),
        "/action-items".into(),
        "/alerts".into(),
        "/on-call".into(),
        "/me/on-call".into(),
        "/insights".into(),
        "/insights/incidents".into(),
        "/search?q=checkout".into(),
        "/status-pages".into(),
        "/status-pages/public".into(),
        "/settings/me".into(),
        "/settings/people".into(),
        "/settings/postmortems".into(),
        "/settings/postmortems/templates/default".into(),
        "/settings/integrations".into(),
        "/settings/slack".into(),
        "/settings/sign-in".into(),
        "/settings/webhooks".into(),
        "/settings/teams".into(),
        "/settings/services".into(),
        "/settings/custom-fields".into(),
        "/settings/incident-types".into(),
    ];

    // Act: each page at desktop size, then at phone size.
    let mut too_wide: Vec<String> = Vec::new();
    for path in &pages {
        b.client.set_window_size(1400, 1000).await.expect("resize");
        b.client.goto(&app.url(path)).await.expect("open");
        b.wait_for("main").await;
        for v in serious_violations(&b, &axe).await {
            found.push(format!("{path}: {v}"));
        }
        let name = path.trim_matches('/').replace(['/', '?', '='], "_");
        let name = if name.is_empty() { "list" } else { &name };
        b.screenshot(&format!("page-{name}-desktop-{mode}-{:?}", app.backend))
            .await;
        b.client.set_window_size(390, 844).await.expect("resize");
        let (width, window, sticking_out) = overflow(&b).await;
        if width > window + 1.0 {
            too_wide.push(format!("{path}: {width} px ({sticking_out:?})"));
        }
        b.screenshot(&format!("page-{name}-phone-{mode}-{:?}", app.backend))
            .await;
    }

    // Assert
    assert!(
        found.is_empty(),
        "serious accessibility violations:\n{}",
        found.join("\n")
    );
    assert!(
        too_wide.is_empty(),
        "pages wider than a 390 px phone:\n{}",
        too_wide.join("\n")
    );
    b.close().await;
}
