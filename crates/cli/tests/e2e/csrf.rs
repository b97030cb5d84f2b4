//! Issue 9: cookie sessions and cross-site requests. A signed-in browser's unsafe API request
//! needs the session's `X-CSRF-Token`, and one that says it came from another site is refused;
//! bearer tokens are unaffected.

use crate::accounts::{Browser, form_body, sign_in};
use crate::harness::TestApp;
use debrief_core::access::NewUserInput;
use debrief_server::actions::account::create_user;
use serde_json::json;

/// Sends `POST /api/v1/incidents` with the browser's cookie and `headers`; the status.
async fn declare_with(app: &TestApp, browser: &Browser, headers: &[(&str, &str)]) -> u16 {
    let mut req = app
        .client
        .post(app.url("/api/v1/incidents"))
        .header("cookie", &browser.session)
        .json(&json!({"title": "Checkout fails"}));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.expect("an answer").status().as_u16()
}

async fn cookie_sessions_need_the_csrf_token_and_the_same_origin(app: &TestApp) {
    // Arrange: a responder signed in through the web form.
    let input = NewUserInput {
        email: "rory@example.com".into(),
        name: "Rory".into(),
        role: Some("responder".into()),
        password: Some("a long enough password".into()),
    };
    create_user(&app.state, None, &input).await.expect("a user");
    let browser = sign_in(app, "rory@example.com", "a long enough password").await;
    let own = app.address.as_str();
    let token = browser.csrf.as_str();
    let count = || async {
        app.get("/api/v1/incidents", &app.admin_token).await.2["items"]
            .as_array()
            .expect("items")
            .len()
    };

    // Act and assert: refused without the token, with a wrong one, and from another site.
    for (what, headers) in [
        ("only the cookie", vec![]),
        (
            "a wrong token",
            vec![("x-csrf-token", "0".repeat(64).leak() as &str)],
        ),
        (
            "a wrong token and a foreign Origin",
            vec![("x-csrf-token", "nope"), ("origin", "https://evil.example")],
        ),
        (
            "the right token and a foreign Origin",
            vec![("x-csrf-token", token), ("origin", "https://evil.example")],
        ),
        (
            "the right token from a sandboxed frame",
            vec![("x-csrf-token", token), ("origin", "null")],
        ),
        (
            "the right token, cross-site by Fetch metadata",
            vec![("x-csrf-token", token), ("sec-fetch-site", "cross-site")],
        ),
        (
            "the right token, same-site by Fetch metadata",
            vec![("x-csrf-token", token), ("sec-fetch-site", "same-site")],
        ),
    ] {
        assert_eq!(declare_with(app, &browser, &headers).await, 403, "{what}");
    }
    assert_eq!(count().await, 0, "a refused request declared nothing");

    // Act and assert: accepted with the token, from this site or from a client without Origin.
    assert_eq!(
        declare_with(
            app,
            &browser,
            &[
                ("x-csrf-token", token),
                ("origin", own),
                ("sec-fetch-site", "same-origin")
            ]
        )
        .await,
        201
    );
    assert_eq!(
        declare_with(app, &browser, &[("x-csrf-token", token)]).await,
        201
    );
    assert_eq!(count().await, 2);

    // Act and assert: a bearer token needs neither, whatever the Origin says.
    let (status, _, _) = app
        .raw(
            crate::harness::Raw::new(reqwest::Method::POST, "/api/v1/incidents")
                .token(&app.admin_token)
                .json(r#"{"title": "Queue backlog"}"#)
                .headers(&[("origin", "https://evil.example")]),
        )
        .await;
    assert_eq!(status, 201);

    // Act and assert: a web form posted from another site is refused even with its field.
    let form = app
        .client
        .post(app.url("/incidents"))
        .header("cookie", &browser.session)
        .header("origin", "https://evil.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(&[
            ("csrf", token),
            ("title", "From elsewhere"),
            ("severity", "SEV3"),
        ]))
        .send()
        .await
        .expect("an answer");
    assert_eq!(form.status(), 403);
    assert_eq!(count().await, 3);

    // Act and assert: a same-site form is refused with a wrong or missing field (CsrfForm), and
    // accepted with the session's token.
    let post_form = |fields: Vec<(&'static str, String)>| {
        let body = form_body(
            &fields
                .iter()
                .map(|(k, v)| (*k, v.as_str()))
                .collect::<Vec<_>>(),
        );
        app.client
            .post(app.url("/incidents"))
            .header("cookie", &browser.session)
            .header("origin", app.url(""))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let title = || ("title", "From this site".to_string());
    let sev = || ("severity", "SEV3".to_string());
    let wrong = post_form(vec![("csrf", "not-the-token".into()), title(), sev()])
        .await
        .expect("an answer");
    let missing = post_form(vec![title(), sev()]).await.expect("an answer");
    assert_eq!(
        (wrong.status().as_u16(), missing.status().as_u16()),
        (403, 403)
    );
    assert_eq!(count().await, 3);
    let right = post_form(vec![("csrf", token.to_string()), title(), sev()])
        .await
        .expect("an answer");
    // Accepted: the client follows the 303 to the new incident's page.
    assert!(right.status().is_success(), "{}", right.status());
    assert_eq!(count().await, 4);
}

crate::e2e_test!(cookie_sessions_need_the_csrf_token_and_the_same_origin);
