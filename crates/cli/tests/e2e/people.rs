//! People (issue 14, part 1) over HTTP: invitations are single-use and expire, a newer one
//! replaces the older, a revoked one stops working; accepting one creates the account with the
//! invited role and signs it in; deactivating ends the account's sessions and API tokens at
//! once, on every server sharing PostgreSQL; reset links set a new password and sign out
//! everywhere; a person changes their own name and zone.

use crate::accounts::form_body;
use crate::e2e_test;
use crate::harness::{Backend, TEST_TIMEOUT, TestApp, manual_clock, open_store, spawn_app};
use crate::ui::user_with_password;
use debrief_server::AppState;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

pub(crate) const PASSWORD: &str = "correct horse battery staple";

/// A client that shows redirects instead of following them.
fn browser_like() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client")
}

/// The `name=value` of each cookie a response sets.
fn cookies(res: &reqwest::Response) -> Vec<String> {
    res.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").to_string())
        .collect()
}

/// The value of the hidden `csrf` field of a page.
fn csrf_field(html: &str) -> String {
    let at = html
        .find("name=\"csrf\" value=\"")
        .expect("a csrf field on the page");
    let rest = &html[at + "name=\"csrf\" value=\"".len()..];
    rest[..rest.find('"').expect("the field's end")].to_string()
}

/// Opens a link page and posts its form with `fields`; returns the answer and its body.
async fn post_link_form(url: &str, fields: &[(&str, &str)]) -> (StatusCode, Vec<String>, String) {
    let client = browser_like();
    let page = client.get(url).send().await.expect("open the link");
    assert_eq!(page.status(), StatusCode::OK, "the link page opens");
    let jar = cookies(&page).join("; ");
    let html = page.text().await.expect("the page");
    let csrf = csrf_field(&html);
    let mut form: Vec<(&str, &str)> = vec![("csrf", &csrf)];
    form.extend_from_slice(fields);
    let res = client
        .post(url)
        .header(COOKIE, jar)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(&form))
        .send()
        .await
        .expect("post the form");
    let status = res.status();
    let set = cookies(&res);
    let location = res
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = res.text().await.unwrap_or_default();
    (status, set, format!("{location}\n{body}"))
}

async fn invite(app: &TestApp, body: &Value) -> Value {
    let (status, _, v) = app.post("/api/v1/invites", &app.admin_token, body).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    v
}

async fn status_of(url: &str) -> StatusCode {
    browser_like().get(url).send().await.expect("open").status()
}

async fn an_invitation_creates_the_account_once(app: &TestApp) {
    // Arrange: an invitation for a responder (no SMTP: the link is answered to copy).
    let inv = invite(
        app,
        &json!({"email": "Kim@Example.com", "role": "responder", "name": "Kim"}),
    )
    .await;
    let url = inv["url"].as_str().expect("a link").to_string();
    assert_eq!(inv["emailed"], json!(false));
    assert_eq!(inv["email"], json!("kim@example.com"));
    let (_, _, list) = app.get("/api/v1/invites", &app.admin_token).await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1), "{list}");
    assert!(
        !list.to_string().contains(&url),
        "the link is never listed again"
    );

    // Act: a mistake first (passwords differ), then the real thing.
    let (wrong, _, page) = post_link_form(
        &url,
        &[
            ("name", "Kim Typed"),
            ("password", PASSWORD),
            ("confirm_password", "something else entirely"),
        ],
    )
    .await;
    let (ok, set, location) = post_link_form(
        &url,
        &[
            ("name", "Kim Lee"),
            ("password", PASSWORD),
            ("confirm_password", PASSWORD),
        ],
    )
    .await;

    // Assert: the mistake is shown beside its field with the name kept; then the account exists
    // with the invited role, is signed in, and the link is spent.
    assert_eq!(wrong, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("id=\"confirm_password-error\""), "{page}");
    assert!(
        page.contains("value=\"Kim Typed\""),
        "what was typed is kept"
    );
    assert_eq!(ok, StatusCode::SEE_OTHER, "{location}");
    assert!(location.starts_with("/\n"), "{location}");
    let session = set
        .iter()
        .find(|c| c.starts_with("debrief_session="))
        .expect("signed in")
        .clone();
    let me: Value = browser_like()
        .get(app.url("/api/v1/users/me"))
        .header(COOKIE, session)
        .send()
        .await
        .expect("me")
        .json()
        .await
        .expect("json");
    assert_eq!(me["user"]["email"], json!("kim@example.com"));
    assert_eq!(me["user"]["name"], json!("Kim Lee"));
    assert_eq!(me["user"]["role"], json!("responder"));
    assert!(me["profile"]["last_sign_in_at"].is_string(), "{me}");
    assert_eq!(status_of(&url).await, StatusCode::GONE, "single use");
    let (again, _, v) = app
        .post(
            "/api/v1/invites",
            &app.admin_token,
            &json!({"email": "kim@example.com"}),
        )
        .await;
    assert_eq!(again, StatusCode::CONFLICT, "{v}");
    assert!(v.to_string().contains("\"email\""), "names the field: {v}");
    let (_, _, list) = app.get("/api/v1/invites", &app.admin_token).await;
    assert_eq!(list["items"], json!([]), "nothing pending");
}
e2e_test!(an_invitation_creates_the_account_once);

async fn invitations_expire_are_replaced_and_revoked(app: &TestApp) {
    // Arrange: three invitations.
    let old = invite(app, &json!({"email": "sam@example.com"})).await;
    let newer = invite(app, &json!({"email": "sam@example.com", "role": "viewer"})).await;
    let other = invite(app, &json!({"email": "lee@example.com"})).await;
    let revoked = invite(app, &json!({"email": "max@example.com"})).await;

    // Act: revoke one, then let a week and a minute pass.
    let (del, _, _) = app
        .delete(
            &format!("/api/v1/invites/{}", revoked["id"]),
            &app.admin_token,
        )
        .await;
    let url = |v: &Value| v["url"].as_str().expect("url").to_string();
    let before = (
        status_of(&url(&old)).await,
        status_of(&url(&newer)).await,
        status_of(&url(&revoked)).await,
    );
    app.advance(jiff::SignedDuration::from_mins(7 * 24 * 60 + 1))
        .await;

    // Assert: replaced and revoked links are gone at once, the rest after seven days.
    assert_eq!(del, StatusCode::NO_CONTENT);
    assert_eq!(
        before,
        (StatusCode::GONE, StatusCode::OK, StatusCode::GONE),
        "the older invitation was replaced; the revoked one stopped"
    );
    assert_eq!(status_of(&url(&newer)).await, StatusCode::GONE);
    assert_eq!(status_of(&url(&other)).await, StatusCode::GONE);
    let (_, _, list) = app.get("/api/v1/invites", &app.admin_token).await;
    assert_eq!(list["items"], json!([]));
    assert_eq!(
        status_of(&app.url("/invite/not-a-real-secret")).await,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invitations_expire_are_replaced_and_revoked_sqlite() {
    run_with_clock(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invitations_expire_are_replaced_and_revoked_postgres() {
    run_with_clock(Backend::Postgres).await;
}

async fn run_with_clock(backend: Backend) {
    tokio::time::timeout(TEST_TIMEOUT, async {
        let app = crate::harness::spawn_app_with(backend, manual_clock).await;
        invitations_expire_are_replaced_and_revoked(&app).await;
        app.close().await;
    })
    .await
    .expect("the test finishes in time");
}

/// Posts the sign-in form over HTTP.
async fn sign_in_response(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    let client = browser_like();
    let page = client.get(app.url("/login")).send().await.expect("login");
    let jar = cookies(&page).join("; ");
    let csrf = csrf_field(&page.text().await.expect("page"));
    client
        .post(app.url("/login"))
        .header(COOKIE, jar)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(&[
            ("csrf", csrf.as_str()),
            ("email", email),
            ("password", password),
        ]))
        .send()
        .await
        .expect("sign in")
}

/// Signs in with a password over HTTP; returns the session cookie.
pub(crate) async fn password_session(app: &TestApp, email: &str, password: &str) -> String {
    let res = sign_in_response(app, email, password).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "signed in as {email}");
    cookies(&res)
        .into_iter()
        .find(|c| c.starts_with("debrief_session="))
        .expect("a session cookie")
}

async fn password_session_status(app: &TestApp, email: &str) -> StatusCode {
    sign_in_response(app, email, PASSWORD).await.status()
}

async fn me_with(
    app: &TestApp,
    base: &str,
    session: Option<&str>,
    token: Option<&str>,
) -> StatusCode {
    let mut req = browser_like().get(format!("{base}/api/v1/users/me"));
    if let Some(s) = session {
        req = req.header(COOKIE, s);
    }
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let _ = app;
    req.send().await.expect("me").status()
}

async fn deactivating_ends_sessions_and_tokens_at_once(app: &TestApp) {
    // Arrange: a responder signed in on the web and holding an API token.
    user_with_password(app, "dana@example.com", "Dana", "responder").await;
    let session = password_session(app, "dana@example.com", PASSWORD).await;
    let dana = app
        .state
        .store
        .user_by_email("dana@example.com")
        .await
        .expect("dana");
    let (_, token) = debrief_server::actions::account::create_token(
        &app.state,
        &dana,
        "cli",
        debrief_core::access::Scope::Write,
    )
    .await
    .expect("a token");
    let base = app.address.clone();
    let before = (
        me_with(app, &base, Some(&session), None).await,
        me_with(app, &base, None, Some(&token)).await,
    );

    // Act: deactivate, then reactivate.
    let path = format!("/api/v1/users/{}", dana.id);
    let (off, _, v) = app
        .patch(&path, &app.admin_token, &json!({"disabled": true}))
        .await;
    let after = (
        me_with(app, &base, Some(&session), None).await,
        me_with(app, &base, None, Some(&token)).await,
        password_session_status(app, "dana@example.com").await,
    );
    let (on, _, _) = app
        .patch(&path, &app.admin_token, &json!({"disabled": false}))
        .await;
    let self_off = app
        .patch(
            &format!("/api/v1/users/{}", app.admin.id),
            &app.admin_token,
            &json!({"disabled": true}),
        )
        .await
        .0;

    // Assert: both worked, both died at once; reactivating brings back sign-in, not the
    // token; nobody deactivates themselves.
    assert_eq!(before, (StatusCode::OK, StatusCode::OK));
    assert_eq!(off, StatusCode::OK, "{v}");
    assert_eq!(v["disabled"], json!(true));
    assert_eq!(
        after,
        (
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED
        )
    );
    assert_eq!(on, StatusCode::OK);
    assert_eq!(
        me_with(app, &base, None, Some(&token)).await,
        StatusCode::UNAUTHORIZED,
        "a deactivated account's tokens stay revoked"
    );
    password_session(app, "dana@example.com", PASSWORD).await;
    assert_eq!(self_off, StatusCode::CONFLICT);
}
e2e_test!(deactivating_ends_sessions_and_tokens_at_once);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_dies_on_every_server_sharing_the_database_at_once() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        // Arrange: server A from the harness, server B on the same PostgreSQL; a token used
        // through B, so B has it cached.
        let a = spawn_app(Backend::Postgres).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let b = format!("http://{}", listener.local_addr().expect("address"));
        let state_b = AppState::new(
            open_store(a.database_url()).await,
            crate::harness::server_config(&b),
        );
        let server_b = tokio::spawn(debrief_server::run(
            listener,
            state_b,
            std::future::pending(),
        ));
        let (user, token) = a
            .create_user(debrief_core::access::AccountRole::Responder)
            .await;
        assert_eq!(me_with(&a, &b, None, Some(&token)).await, StatusCode::OK);

        // Act: deactivate through A.
        let (off, _, _) = a
            .patch(
                &format!("/api/v1/users/{}", user.id),
                &a.admin_token,
                &json!({"disabled": true}),
            )
            .await;

        // Assert: B refuses the token well before its cache would have expired (5 s): it was
        // told (PostgreSQL NOTIFY).
        assert_eq!(off, StatusCode::OK);
        let started = Instant::now();
        let mut refused = false;
        while started.elapsed() < Duration::from_secs(3) {
            if me_with(&a, &b, None, Some(&token)).await == StatusCode::UNAUTHORIZED {
                refused = true;
                break;
            }
            tokio::task::yield_now().await;
        }
        assert!(refused, "server B still took the token after 3 s");
        server_b.abort();
        a.close().await;
    })
    .await
    .expect("the test finishes in time");
}

async fn a_reset_link_sets_a_new_password_and_signs_out_everywhere(app: &TestApp) {
    // Arrange: a person signed in somewhere.
    user_with_password(app, "ola@example.com", "Ola", "viewer").await;
    let session = password_session(app, "ola@example.com", PASSWORD).await;
    let ola = app
        .state
        .store
        .user_by_email("ola@example.com")
        .await
        .expect("ola");
    let base = app.address.clone();

    // Act: the admin makes a link; Ola uses it (a short password first).
    let (made, _, link) = app
        .post(
            &format!("/api/v1/users/{}/password-reset", ola.id),
            &app.admin_token,
            &json!({}),
        )
        .await;
    let url = link["url"].as_str().expect("url").to_string();
    let (short, _, page) = post_link_form(
        &url,
        &[("password", "short"), ("confirm_password", "short")],
    )
    .await;
    let new_password = "a brand new long passphrase";
    let (ok, _, _) = post_link_form(
        &url,
        &[
            ("password", new_password),
            ("confirm_password", new_password),
        ],
    )
    .await;

    // Assert
    assert_eq!(made, StatusCode::CREATED, "{link}");
    assert_eq!(short, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("id=\"password-error\""), "{page}");
    assert_eq!(ok, StatusCode::SEE_OTHER);
    assert_eq!(
        me_with(app, &base, Some(&session), None).await,
        StatusCode::UNAUTHORIZED,
        "the old session ended"
    );
    assert_eq!(
        password_session_status(app, "ola@example.com").await,
        StatusCode::UNAUTHORIZED,
        "the old password no longer works"
    );
    password_session(app, "ola@example.com", new_password).await;
    assert_eq!(status_of(&url).await, StatusCode::GONE, "single use");
}
e2e_test!(a_reset_link_sets_a_new_password_and_signs_out_everywhere);

async fn a_person_sets_their_name_and_zone(app: &TestApp) {
    // Arrange
    let (_, token) = app
        .create_user(debrief_core::access::AccountRole::Viewer)
        .await;

    // Act
    let (bad, _, problem) = app
        .patch(
            "/api/v1/users/me",
            &token,
            &json!({"time_zone": "Mars/Olympus_Mons"}),
        )
        .await;
    let (ok, _, changed) = app
        .patch(
            "/api/v1/users/me",
            &token,
            &json!({"name": "Vic Viewer", "time_zone": "Asia/Tokyo"}),
        )
        .await;
    let (_, _, me) = app.get("/api/v1/users/me", &token).await;

    // Assert
    assert_eq!(
        bad,
        StatusCode::NOT_FOUND,
        "a zone this server does not know"
    );
    assert!(problem.to_string().contains("time_zone"), "{problem}");
    assert_eq!(ok, StatusCode::OK, "{changed}");
    assert_eq!(me["user"]["name"], json!("Vic Viewer"));
    assert_eq!(me["profile"]["time_zone"], json!("Asia/Tokyo"));
}
e2e_test!(a_person_sets_their_name_and_zone);
