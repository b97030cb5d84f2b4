//! Every HTML page carries a strict Content-Security-Policy and the framing, nosniff and
//! Referrer-Policy headers, and has nothing inline that the policy would block (issue 9.7): no
//! inline script or event handler, no `<style>` block or `style` attribute.

use crate::accounts::sign_in;
use crate::e2e_test;
use crate::harness::TestApp;
use crate::status_pages::setup_page;
use crate::ui::user_with_password;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// What a page contains that the policy would block.
#[expect(
    clippy::string_slice,
    reason = "indices come from ASCII matches, so they are character boundaries"
)]
fn inline_content(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut found = Vec::new();
    let mut rest = lower.as_str();
    while let Some(at) = rest.find("<script") {
        let tag_end = rest[at..].find('>').map_or(rest.len(), |e| at + e);
        let tag = &rest[at..tag_end];
        if !tag.contains(" src=") {
            found.push(format!("an inline script: {tag}>"));
        }
        rest = &rest[tag_end..];
    }
    if lower.contains("<style") {
        found.push("a <style> block".into());
    }
    if lower.contains(" style=") {
        found.push("a style attribute".into());
    }
    if lower.contains("javascript:") {
        found.push("a javascript: URL".into());
    }
    // Event handler attributes (` onclick=`, ` onload=`, …).
    for (i, _) in lower.match_indices(" on") {
        let name: String = lower[i + 3..]
            .chars()
            .take_while(char::is_ascii_alphabetic)
            .collect();
        if !name.is_empty() && lower[i + 3 + name.len()..].starts_with('=') {
            found.push(format!("an event handler: on{name}="));
        }
    }
    found
}

async fn every_html_page_has_a_strict_policy_and_nothing_inline(app: &TestApp) {
    // Arrange: a user who signs in, an incident with a postmortem, a status page with an incident.
    user_with_password(app, "csp@example.com", "Casey", "admin").await;
    setup_page(app).await;
    let t = &app.admin_token;
    let inc = app
        .declare(t, &json!({"title": "Queue stuck", "severity": "SEV1"}))
        .await;
    let r = inc["reference"].as_str().unwrap().to_string();
    let (s, _, body) = app
        .post(
            &format!("/api/v1/incidents/{r}/status-updates"),
            t,
            &json!({"page": "acme", "status": "investigating", "name": "Delayed e-mails", "body": "Looking."}),
        )
        .await;
    assert!(s.is_success(), "{body}");
    app.transition(t, &r, &json!({"to": "resolved"})).await;
    let browser = sign_in(app, "csp@example.com", "correct horse battery staple").await;
    let client = crate::harness::http_client();
    let summary: Value = client
        .get(app.url("/status/acme/api/v2/summary.json"))
        .send()
        .await
        .expect("summary")
        .json()
        .await
        .expect("JSON");
    let public_id = summary["incidents"][0]["id"]
        .as_str()
        .expect("a public incident id")
        .to_string();
    let signed_in = [
        "/".to_string(),
        "/incidents/new".into(),
        format!("/incidents/{r}"),
        format!("/incidents/{r}/postmortem"),
        "/postmortems".into(),
        "/action-items".into(),
        "/insights".into(),
        "/insights/incidents".into(),
        "/settings/postmortems".into(),
        "/status-pages".into(),
        "/status-pages/acme".into(),
        "/no-such-page".into(),
    ];
    let anonymous = [
        "/login".to_string(),
        "/status/acme".into(),
        format!("/status/acme/incidents/{public_id}"),
        "/status/acme/confirm?token=nonsense".into(),
    ];

    // Act and assert
    let mut checked = 0;
    for (path, cookie) in signed_in
        .iter()
        .map(|p| (p, Some(&browser.session)))
        .chain(anonymous.iter().map(|p| (p, None)))
    {
        let mut req = client.get(app.url(path));
        if let Some(c) = cookie {
            req = req.header("cookie", c.as_str());
        }
        let res = req.send().await.expect(path);
        let h = res.headers().clone();
        let html = res.text().await.expect("a page");
        let header = |name: &str| {
            h.get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        assert!(
            header("content-type").starts_with("text/html"),
            "{path}: {h:?}"
        );
        assert_eq!(
            header("content-security-policy"),
            debrief_server::CONTENT_SECURITY_POLICY,
            "{path}"
        );
        assert_eq!(header("x-frame-options"), "DENY", "{path}");
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header("referrer-policy"), "same-origin", "{path}");
        assert_eq!(inline_content(&html), Vec::<String>::new(), "{path}");
        checked += 1;
    }
    assert_eq!(checked, signed_in.len() + anonymous.len());
    // The status page's looks come from its own stylesheet, with its accent colour.
    let theme = client
        .get(app.url("/status/acme/theme.css"))
        .send()
        .await
        .expect("theme");
    assert_eq!(theme.status(), StatusCode::OK);
    assert!(
        theme.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert!(theme.text().await.unwrap().contains("--accent:#1f6feb"));
    // JSON answers are not pages: no policy needed, the other headers still there.
    let api = client
        .get(app.url("/api/v1/incidents"))
        .bearer_auth(t)
        .send()
        .await
        .expect("API");
    assert_eq!(api.headers()["x-content-type-options"], "nosniff");
}

e2e_test!(every_html_page_has_a_strict_policy_and_nothing_inline);

#[test]
fn the_inline_content_check_finds_what_the_policy_blocks() {
    let bad = r#"<script>alert(1)</script><p style="x"><img src=x onerror=alert(1)><style>p{}</style><a href="javascript:x">"#;
    assert_eq!(inline_content(bad).len(), 5, "{:?}", inline_content(bad));
    let good = r#"<script src="/static/app.js" defer></script><p class="one">Only one</p>"#;
    assert_eq!(inline_content(good), Vec::<String>::new());
}
