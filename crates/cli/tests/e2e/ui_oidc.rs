//! Sign-in through a real OpenID provider (panva's `oidc-provider` on loopback, its own login
//! and consent pages driven in headless Chromium): an admin sets the provider up on the settings
//! page, signs in through it (linked by e-mail), switches password sign-in off; a newcomer gets
//! an account with the role the `groups` claim maps to; a deactivated account and an unverified
//! e-mail are refused with a page saying why. Over HTTP: the `state` is single-use and bound to
//! the browser, the provider's `error=` answer is a page, the lockout rule, and the operator's
//! break-glass flag.

use crate::browser::{Browser, click, text_of, wait};
use crate::e2e_test;
use crate::harness::{OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OidcProvider, TestApp, assert_problem};
use crate::ui::{sign_in, user_with_password};
use debrief_core::access::AccountRole;
use debrief_server::ServerConfig;
use debrief_server::outbound::slack::TokenKey;
use fantoccini::Locator;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The test servers have a key to seal the client secret with.
pub(crate) fn with_key(c: &mut ServerConfig) {
    c.sealing_key = Some(TokenKey::from_bytes([5; 32]));
}

/// [`with_key`], and password sign-in forced on by the operator.
fn with_key_and_break_glass(c: &mut ServerConfig) {
    with_key(c);
    c.force_password_sign_in = true;
}

fn accounts() -> Value {
    let person = |email: &str, verified: bool, name: &str, groups: &[&str]| json!({"email": email, "email_verified": verified, "name": name, "groups": groups});
    json!({
        "ina": person("ina@example.com", true, "Ina Admin", &["debrief-admins"]),
        "rita": person("rita@example.com", true, "Rita Responder", &["oncall", "staff"]),
        "dan": person("dan@example.com", true, "Dan Gone", &["oncall"]),
        "uma": person("uma@example.com", false, "Uma Unverified", &["oncall"]),
    })
}

async fn provider(app: &TestApp) -> OidcProvider {
    OidcProvider::start(&app.url("/auth/oidc/callback"), &accounts()).await
}

/// Signs in on the provider's own pages as `login` (any password), consenting when asked.
pub(crate) async fn through_provider(b: &Browser, app: &TestApp, login: &str) {
    b.client
        .goto(&app.url("/login"))
        .await
        .expect("the sign-in page");
    click(b, "#oidc-sign-in").await;
    wait(b, "input[name=login]").await;
    let form = b
        .client
        .form(Locator::Css("form"))
        .await
        .expect("the provider's form");
    form.set_by_name("login", login).await.expect("login");
    form.set_by_name("password", "whatever")
        .await
        .expect("password");
    form.submit().await.expect("sign in at the provider");
    // The consent page ("Continue"), then back to Debrief: a signed-in page or a failure page.
    wait(
        b,
        "input[name=prompt][value=consent], header nav .who, #oidc-error",
    )
    .await;
    if b.client
        .find(Locator::Css("input[name=prompt][value=consent]"))
        .await
        .is_ok()
    {
        click(b, "button[type=submit]").await;
    }
    wait(b, "header nav .who, #oidc-error").await;
}

/// Unticks "Allow sign-in with e-mail and password" on the settings page and saves.
async fn untick_passwords_and_save(b: &Browser) {
    click(b, "input[name=allow_password]").await;
    let form = b
        .client
        .form(Locator::Id("sign-in-form"))
        .await
        .expect("form");
    form.submit().await.expect("save");
}

async fn signed_out(b: &Browser) {
    // Debrief's session and the provider's (both on 127.0.0.1: cookies ignore the port).
    b.client
        .delete_all_cookies()
        .await
        .expect("cookies deleted");
}

async fn a_company_signs_in_through_its_identity_provider(app: &TestApp) {
    // Arrange: Ina (admin, with a password), Dan (deactivated); the provider.
    user_with_password(app, "ina@example.com", "Ina Admin", "admin").await;
    user_with_password(app, "dan@example.com", "Dan Gone", "responder").await;
    let dan = app
        .state
        .store
        .user_by_email("dan@example.com")
        .await
        .expect("Dan");
    app.state
        .store
        .update_user(dan.id, None, Some(true))
        .await
        .expect("deactivate Dan");
    let idp = provider(app).await;
    let b = Browser::start().await;

    // Act: Ina opens the settings page and first types the issuer with a trailing slash.
    sign_in(&b, app, "ina@example.com", "/settings/sign-in").await;
    let callback = text_of(&b, "#callback-url").await;
    let sign_out = text_of(&b, "#sign-out-url").await;
    let fields = [
        ("issuer", format!("{}/", idp.issuer)),
        ("client_id", OIDC_CLIENT_ID.to_string()),
        ("client_secret", OIDC_CLIENT_SECRET.to_string()),
        ("button_label", "Sign in with TestID".to_string()),
        ("role_claim", "groups".to_string()),
        ("admin_value", "debrief-admins".to_string()),
        ("responder_value", "oncall".to_string()),
    ];
    let form = b
        .client
        .form(Locator::Id("sign-in-form"))
        .await
        .expect("the form");
    for (name, value) in &fields {
        form.set_by_name(name, value).await.expect(name);
    }
    click(&b, "input[name=create_accounts]").await;
    form.submit().await.expect("save");
    let issuer_error = text_of(&b, "#issuer-error").await;
    let kept_label = b
        .client
        .find(Locator::Css("input[name=button_label]"))
        .await
        .expect("label")
        .prop("value")
        .await
        .expect("value");

    // Assert: refused beside the field, what was typed kept; the callback URL is shown.
    assert!(issuer_error.contains("names the issuer"), "{issuer_error}");
    assert_eq!(kept_label.as_deref(), Some("Sign in with TestID"));
    assert_eq!(callback, app.url("/auth/oidc/callback"));
    assert_eq!(
        sign_out,
        app.url("/login"),
        "the post-logout URL to register"
    );

    // Act: the exact issuer (the secret typed again: it is never echoed back).
    let form = b
        .client
        .form(Locator::Id("sign-in-form"))
        .await
        .expect("the form");
    form.set_by_name("issuer", &idp.issuer)
        .await
        .expect("issuer");
    form.set_by_name("client_secret", OIDC_CLIENT_SECRET)
        .await
        .expect("secret");
    form.submit().await.expect("save");
    wait(&b, "#saved").await;
    let page = b.client.source().await.expect("source");
    b.client.set_window_size(390, 844).await.expect("resize");
    let fits = b
        .client
        .execute(
            "const f = document.getElementById('provider'); \
             return [f.getBoundingClientRect().right, window.innerWidth, f.scrollWidth, f.clientWidth, \
                     document.getElementById('sign-in-settings-link').getBoundingClientRect().right];",
            vec![],
        )
        .await
        .expect("measured");
    b.screenshot(&format!("oidc-settings-390-{:?}", app.backend))
        .await;
    b.client.set_window_size(1400, 1000).await.expect("resize");
    let (_, _, api) = app.get("/api/v1/sign-in/settings", &app.admin_token).await;

    // Assert: saved; the provider's card fits a phone (the callback URL wraps); the secret is "set", never shown, and stored sealed.
    let n = |i: usize| fits[i].as_f64().unwrap_or(f64::MAX);
    assert!(n(0) <= n(1) + 1.0 && n(2) <= n(3) + 1.0, "{fits}");
    assert!(n(4) <= n(1), "the Sign-in tab is on the screen: {fits}");
    assert!(page.contains("id=\"secret-set\""));
    assert!(!page.contains(OIDC_CLIENT_SECRET));
    assert_eq!(api["client_secret_set"], true, "{api}");
    assert_eq!(api["issuer"], idp.issuer.as_str());
    assert!(api.get("client_secret").is_none());
    let store = &app.state.store;
    let settings = store.setting("oidc").await.expect("read").expect("stored");
    let sealed = store.setting("oidc_client_secret").await.expect("read");
    let sealed = sealed.expect("a sealed secret");
    assert!(!settings.contains(OIDC_CLIENT_SECRET) && !sealed.contains(OIDC_CLIENT_SECRET));
    assert_eq!(
        TokenKey::from_bytes([5; 32]).open(&sealed).as_deref(),
        Ok(OIDC_CLIENT_SECRET),
        "sealed with the server's key"
    );

    // Act: password sign-in off before Ina ever signed in through the provider.
    untick_passwords_and_save(&b).await;
    let lockout = text_of(&b, "#allow_password-error").await;

    // Assert
    assert!(
        lockout.contains("sign in through the provider yourself first"),
        "{lockout}"
    );

    // Act: Ina signs out and in through the provider (linked by her verified e-mail).
    signed_out(&b).await;
    through_provider(&b, app, "ina").await;
    let who = text_of(&b, "header nav .who").await;
    b.client
        .goto(&app.url("/settings/sign-in"))
        .await
        .expect("settings");
    untick_passwords_and_save(&b).await;
    wait(&b, "#saved").await;

    // Assert: the same account, still admin (mapped from groups); password sign-in now off.
    assert_eq!(who, "Ina Admin");
    let ina = app
        .state
        .store
        .user_by_email("ina@example.com")
        .await
        .expect("Ina");
    assert_eq!(ina.role, AccountRole::Admin);
    assert!(
        app.state
            .store
            .has_oidc_sign_in(ina.id)
            .await
            .expect("read")
    );

    // Act: signed out, the sign-in page; a password sign-in posted anyway.
    signed_out(&b).await;
    b.client.goto(&app.url("/login")).await.expect("login");
    wait(&b, "#oidc-sign-in").await;
    let has_form = b.client.find(Locator::Id("login-form")).await.is_ok();
    let button = text_of(&b, "#oidc-sign-in").await;
    let refused = post_password(app, "ina@example.com").await;

    // Assert: only the provider's button; the password is refused.
    assert!(!has_form, "the password form is hidden");
    assert_eq!(button, "Sign in with TestID");
    assert_eq!(refused.0, StatusCode::FORBIDDEN, "{}", refused.1);
    assert!(
        refused.1.contains("password sign-in is switched off"),
        "{}",
        refused.1
    );

    // Act: Rita, a newcomer in the oncall group.
    through_provider(&b, app, "rita").await;
    let rita_sees = text_of(&b, "header nav .who").await;
    b.screenshot(&format!("oidc-newcomer-{:?}", app.backend))
        .await;

    // Assert: an account was made for her, as a responder.
    assert_eq!(rita_sees, "Rita Responder");
    let rita = app
        .state
        .store
        .user_by_email("rita@example.com")
        .await
        .expect("Rita");
    assert_eq!(rita.role, AccountRole::Responder);

    // Act: Dan (deactivated) and Uma (unverified e-mail).
    signed_out(&b).await;
    through_provider(&b, app, "dan").await;
    let dan_told = text_of(&b, "#error-detail").await;
    let try_again = b.client.find(Locator::Id("try-again")).await.is_ok();
    signed_out(&b).await;
    through_provider(&b, app, "uma").await;
    let uma_told = text_of(&b, "#error-detail").await;
    b.screenshot(&format!("oidc-refused-{:?}", app.backend))
        .await;

    // Assert: each told why, with a way to try again; no account for Uma.
    assert!(dan_told.contains("deactivated"), "{dan_told}");
    assert!(try_again);
    assert!(uma_told.contains("not verified"), "{uma_told}");
    assert!(
        app.state
            .store
            .user_by_email("uma@example.com")
            .await
            .is_err()
    );
    b.close().await;
}
e2e_test!(a_company_signs_in_through_its_identity_provider, configured crate::ui_oidc::with_key);

/// Posts the password form as a browser would (its CSRF cookie and field); the status and body.
async fn post_password(app: &TestApp, email: &str) -> (StatusCode, String) {
    let client = no_redirects();
    let page = client
        .get(app.url("/login"))
        .send()
        .await
        .expect("login page");
    let cookie = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("debrief_csrf="))
        .and_then(|c| c.split(';').next())
        .expect("a CSRF cookie")
        .to_string();
    let res = client
        .post(app.url("/login"))
        .header("cookie", format!("debrief_csrf={cookie}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "csrf={cookie}&email={}&password=correct+horse+battery+staple&next=%2F",
            email.replace('@', "%40")
        ))
        .send()
        .await
        .expect("posted");
    (res.status(), res.text().await.unwrap_or_default())
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client")
}

type Answer = (StatusCode, reqwest::header::HeaderMap, Value);

async fn configure(app: &TestApp, idp: &OidcProvider, allow_password: bool) -> Answer {
    app.request(
        reqwest::Method::PUT,
        "/api/v1/sign-in/settings",
        Some(&app.admin_token),
        Some(&json!({"issuer": idp.issuer, "client_id": OIDC_CLIENT_ID,
                         "client_secret": OIDC_CLIENT_SECRET, "allow_password": allow_password,
                         "create_accounts": true})),
    )
    .await
}

/// `GET /auth/oidc/start`: the provider's URL it redirects to, and the browser cookie it sets.
async fn start_flow(client: &reqwest::Client, app: &TestApp) -> (String, String) {
    let start = client
        .get(app.url("/auth/oidc/start?next=/alerts"))
        .send()
        .await
        .expect("start");
    assert_eq!(start.status(), StatusCode::FOUND);
    let header = |name: &str| start.headers()[name].to_str().expect("text").to_string();
    let cookie = header("set-cookie");
    let cookie = cookie.split(';').next().expect("a cookie").to_string();
    (header("location"), cookie)
}

async fn the_sign_in_state_is_single_use_and_bound_to_the_browser(app: &TestApp) {
    // Arrange
    let idp = provider(app).await;
    let (s, _, body) = configure(app, &idp, true).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let client = no_redirects();

    // Act: start a sign-in; answer the callback with a wrong state, then the right one from
    // another browser (no cookie), then the right one again from the first browser.
    let (location, browser) = start_flow(&client, app).await;
    let url = reqwest::Url::parse(&location).expect("a URL");
    let q = |k: &str| {
        url.query_pairs()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    let callback = |state: &str, cookie: Option<&str>| {
        let mut r = client.get(app.url(&format!("/auth/oidc/callback?code=abc&state={state}")));
        if let Some(c) = cookie {
            r = r.header("cookie", c);
        }
        async move {
            let res = r.send().await.expect("callback");
            (res.status(), res.text().await.unwrap_or_default())
        }
    };
    let wrong = callback("not-the-state", Some(&browser)).await;
    let elsewhere = callback(&q("state"), None).await;
    let replay = callback(&q("state"), Some(&browser)).await;
    // A second sign-in whose answer names another issuer (RFC 9207 mix-up).
    let (second, browser2) = start_flow(&client, app).await;
    let second = reqwest::Url::parse(&second).expect("a URL");
    let state2 = second
        .query_pairs()
        .find(|(n, _)| n == "state")
        .expect("state")
        .1;
    let mixed_up = format!("{state2}&iss=http%3A%2F%2Fevil.example");
    let mixed_up = callback(&mixed_up, Some(&browser2)).await;
    let denied = client
        .get(app.url("/auth/oidc/callback?error=access_denied&state=x"))
        .send()
        .await
        .expect("denied");
    let denied = (denied.status(), denied.text().await.unwrap_or_default());

    // Assert: the provider was asked for a code with PKCE S256, a state and a nonce.
    assert!(
        location.starts_with(&format!("{}/auth?", idp.issuer)),
        "{location}"
    );
    assert_eq!(q("response_type"), "code");
    assert_eq!(q("code_challenge_method"), "S256");
    assert_eq!(q("code_challenge").len(), 43);
    assert!(q("state").len() >= 43 && q("nonce").len() >= 43 && q("state") != q("nonce"));
    assert_eq!(q("redirect_uri"), app.url("/auth/oidc/callback"));
    assert!(q("scope").split(' ').any(|s| s == "openid"));
    // Every failure is a page saying why, never a session.
    for (answer, says) in [
        (&wrong, "unknown, expired"),
        (&elsewhere, "another browser"),
        (&replay, "unknown, expired"),
        (&denied, "cancelled or refused"),
        (&mixed_up, "not the configured provider"),
    ] {
        assert_eq!(answer.0, StatusCode::BAD_REQUEST, "{}", answer.1);
        assert!(answer.1.contains(says), "{says}: {}", answer.1);
        assert!(answer.1.contains("id=\"try-again\""));
    }
}
e2e_test!(the_sign_in_state_is_single_use_and_bound_to_the_browser, configured crate::ui_oidc::with_key);

async fn password_sign_in_cannot_lock_everyone_out_and_the_operator_can_force_it_on(app: &TestApp) {
    // Arrange: a provider; Ina with a password.
    user_with_password(app, "ina@example.com", "Ina Admin", "admin").await;
    let idp = provider(app).await;

    // Act: the admin, who never signed in through the provider, switches passwords off.
    let refused = configure(app, &idp, false).await;

    // Assert: refused, naming the field and what to do.
    assert_eq!(assert_problem(&refused, 409), ["allow_password"]);
    assert!(
        refused
            .2
            .to_string()
            .contains("sign in through the provider yourself first")
    );

    // Act: once the admin has signed in through it, it is switched off; but this server's
    // operator forces password sign-in on (--allow-password-sign-in).
    app.state
        .store
        .record_oidc_sign_in(
            &idp.issuer,
            "admin-sub",
            app.admin.id,
            &app.admin_email,
            app.state.clock.now(),
        )
        .await
        .expect("recorded");
    let (s, _, body) = configure(app, &idp, false).await;
    let page = app
        .client
        .get(app.url("/login"))
        .send()
        .await
        .expect("login")
        .text()
        .await
        .expect("text");
    let signed_in = post_password(app, "ina@example.com").await;

    // Assert
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["allow_password"], false);
    assert_eq!(body["password_forced_on"], true);
    assert!(page.contains("id=\"login-form\"") && page.contains("id=\"oidc-sign-in\""));
    assert_eq!(signed_in.0, StatusCode::SEE_OTHER, "{}", signed_in.1);
}
e2e_test!(
    password_sign_in_cannot_lock_everyone_out_and_the_operator_can_force_it_on,
    configured crate::ui_oidc::with_key_and_break_glass
);

async fn an_invitation_lets_its_address_in_through_the_provider(app: &TestApp) {
    // Arrange: the provider, with accounts made only for invited people; Rita is invited.
    let idp = provider(app).await;
    let (status, _, v) = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/sign-in/settings",
            Some(&app.admin_token),
            Some(&json!({"issuer": idp.issuer, "client_id": OIDC_CLIENT_ID,
                         "client_secret": OIDC_CLIENT_SECRET, "allow_password": true,
                         "create_accounts": false})),
        )
        .await;
    assert!(status.is_success(), "{v}");
    let (invited, _, inv) = app
        .post(
            "/api/v1/invites",
            &app.admin_token,
            &json!({"email": "rita@example.com", "role": "responder"}),
        )
        .await;
    let b = Browser::start().await;

    // Act: Dan (not invited), then Rita, sign in through the provider.
    through_provider(&b, app, "dan").await;
    let dan = b
        .wait_for("#oidc-error")
        .await
        .text()
        .await
        .unwrap_or_default();
    signed_out(&b).await;
    through_provider(&b, app, "rita").await;
    let rita = b
        .wait_for("header nav .who")
        .await
        .text()
        .await
        .unwrap_or_default();

    // Assert: Rita's account has the invited role and the invitation is spent; Dan has none.
    assert_eq!(invited, StatusCode::CREATED, "{inv}");
    assert!(dan.contains("invite"), "{dan}");
    assert_eq!(rita, "Rita Responder");
    let user = app
        .state
        .store
        .user_by_email("rita@example.com")
        .await
        .expect("Rita's account");
    assert_eq!(user.role.as_str(), "responder");
    assert!(
        app.state
            .store
            .user_by_email("dan@example.com")
            .await
            .is_err()
    );
    let (_, _, pending) = app.get("/api/v1/invites", &app.admin_token).await;
    assert_eq!(pending["items"], json!([]), "the invitation is used");
    b.close().await;
    drop(idp);
}
e2e_test!(an_invitation_lets_its_address_in_through_the_provider, configured crate::ui_oidc::with_key);
