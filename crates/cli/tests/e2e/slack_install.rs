//! Installing the Slack app (issue 13, part 1) against the fake Slack: the manifest carries this
//! server's URLs, the install link carries a single-use `state`, the callback exchanges the
//! code and stores the bot token sealed (the column never holds the token, the key opens it),
//! replayed and unknown states are refused, and Slack users are matched by e-mail.

use crate::accounts::{Browser, sign_in};
use crate::harness::{
    Backend, CLIENT_ID, CLIENT_SECRET, FakeSlack, TEAM_ID, TestApp, spawn_app, spawn_app_with,
};
use debrief_core::access::NewUserInput;
use debrief_server::actions::account::create_user;
use debrief_server::actions::slack::users::debrief_user_for;
use debrief_server::outbound::slack::{SlackConfig, TokenKey};
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::Value;

const PASSWORD: &str = "correct horse battery staple";
const AUTHORIZE: &str = "https://slack.example/oauth/v2/authorize";

fn key() -> TokenKey {
    TokenKey::from_bytes([3; 32])
}

/// A server whose Slack is the fake, and an admin signed in on the web.
async fn slack_app(backend: Backend, fake: &FakeSlack) -> (TestApp, Browser) {
    let api = fake.base_url();
    let app = spawn_app_with(backend, move |c| {
        let mut s = SlackConfig::new(
            CLIENT_ID.into(),
            CLIENT_SECRET.into(),
            "signing-secret".into(),
            key(),
        );
        s.api_url = api;
        s.authorize_url = AUTHORIZE.into();
        c.slack = Some(s);
    })
    .await;
    let browser = signed_in(&app, "ops@example.com", "admin").await;
    (app, browser)
}

async fn signed_in(app: &TestApp, email: &str, role: &str) -> Browser {
    let input = NewUserInput {
        email: email.into(),
        name: "Ops".into(),
        role: Some(role.into()),
        password: Some(PASSWORD.into()),
    };
    create_user(&app.state, None, &input)
        .await
        .expect("create a user");
    sign_in(app, email, PASSWORD).await
}

/// `GET path` with the browser's session, following no redirect.
async fn get(app: &TestApp, b: &Browser, path: &str) -> reqwest::Response {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client")
        .get(app.url(path))
        .header("cookie", &b.session)
        .send()
        .await
        .expect("a response")
}

/// Starts an install; returns the `state` of the consent-page URL.
async fn install_state(app: &TestApp, b: &Browser) -> String {
    let res = get(app, b, "/slack/install").await;
    assert_eq!(res.status(), StatusCode::FOUND);
    let location = res.headers()[LOCATION].to_str().expect("text").to_string();
    assert!(location.starts_with(AUTHORIZE), "{location}");
    let url = reqwest::Url::parse(&location).expect("a URL");
    let q = |k: &str| {
        url.query_pairs()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    assert_eq!(q("client_id"), CLIENT_ID);
    assert!(q("scope").contains("users:read.email"), "{}", q("scope"));
    assert_eq!(q("redirect_uri"), app.url("/slack/oauth/callback"));
    assert_eq!(q("state").len(), 64);
    q("state")
}

async fn callback(app: &TestApp, b: &Browser, code: &str, state: &str) -> reqwest::Response {
    get(
        app,
        b,
        &format!("/slack/oauth/callback?code={code}&state={state}"),
    )
    .await
}

async fn the_manifest_names_this_servers_slack_urls(backend: Backend) {
    // Arrange
    let fake = FakeSlack::start().await;
    let (app, admin) = slack_app(backend, &fake).await;
    let responder = signed_in(&app, "resp@example.com", "responder").await;

    // Act
    let res = get(&app, &admin, "/slack/manifest.json").await;
    let refused = get(&app, &responder, "/slack/manifest.json").await;

    // Assert
    assert_eq!(res.status(), StatusCode::OK);
    let m: Value = res.json().await.expect("JSON");
    assert_eq!(m["features"]["slash_commands"][0]["command"], "/inc", "{m}");
    assert_eq!(
        m["features"]["slash_commands"][0]["url"],
        app.url("/slack/commands").as_str()
    );
    assert_eq!(
        m["settings"]["interactivity"]["request_url"],
        app.url("/slack/interactivity").as_str()
    );
    assert_eq!(
        m["settings"]["event_subscriptions"]["request_url"],
        app.url("/slack/events").as_str()
    );
    let events = m["settings"]["event_subscriptions"]["bot_events"].to_string();
    for e in ["reaction_added", "pin_added", "message.channels"] {
        assert!(events.contains(e), "{events}");
    }
    let scopes = m["oauth_config"]["scopes"]["bot"].to_string();
    for s in [
        "channels:manage",
        "chat:write",
        "commands",
        "users:read.email",
        "im:write",
    ] {
        assert!(scopes.contains(s), "{scopes}");
    }
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    app.close().await;
}

crate::e2e_test!(the_manifest_names_this_servers_slack_urls, backend);

async fn an_install_stores_the_bot_token_sealed_and_its_state_works_once(backend: Backend) {
    // Arrange
    let fake = FakeSlack::start().await;
    let (app, admin) = slack_app(backend, &fake).await;
    let state = install_state(&app, &admin).await;

    // Act
    let res = callback(&app, &admin, &fake.oauth_code(), &state).await;

    // Assert: connected, and the stored token is sealed yet opens to what Slack gave.
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.expect("a page");
    assert!(
        page.contains("Slack is connected to Debrief Fake"),
        "{page}"
    );
    let exchange = fake.calls("oauth.v2.access");
    assert_eq!(exchange.len(), 1);
    assert_eq!(
        exchange[0].arg("redirect_uri").as_deref(),
        Some(app.url("/slack/oauth/callback").as_str())
    );
    let token = exchange[0].answer["access_token"]
        .as_str()
        .expect("a token")
        .to_string();
    let stored = app
        .state
        .store
        .slack_installation(TEAM_ID)
        .await
        .expect("read")
        .expect("an installation");
    assert_eq!(stored.team_name, "Debrief Fake");
    assert!(!stored.bot_token_sealed.contains(&token));
    assert!(!stored.bot_token_sealed.contains("xoxb"));
    assert_eq!(
        key().open(&stored.bot_token_sealed).as_deref(),
        Ok(token.as_str())
    );
    assert_eq!(
        TokenKey::from_bytes([4; 32])
            .open(&stored.bot_token_sealed)
            .ok(),
        None
    );

    // Act: the same state again (a replay), and a state never handed out.
    let replay = callback(&app, &admin, &fake.oauth_code(), &state).await;
    let unknown = callback(&app, &admin, &fake.oauth_code(), &"ab".repeat(32)).await;

    // Assert: refused before Slack is asked, and nothing changed.
    assert_eq!(replay.status(), StatusCode::BAD_REQUEST);
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    assert_eq!(fake.calls("oauth.v2.access").len(), 1);
    let after = app.state.store.slack_installations().await.expect("read");
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].bot_token_sealed, stored.bot_token_sealed);
    app.close().await;
}

crate::e2e_test!(
    an_install_stores_the_bot_token_sealed_and_its_state_works_once,
    backend
);

async fn another_admins_state_is_refused_and_nothing_is_stored(backend: Backend) {
    // Arrange: one admin starts, another comes back with that state.
    let fake = FakeSlack::start().await;
    let (app, admin) = slack_app(backend, &fake).await;
    let other = signed_in(&app, "other@example.com", "admin").await;
    let state = install_state(&app, &admin).await;

    // Act
    let res = callback(&app, &other, &fake.oauth_code(), &state).await;

    // Assert
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(fake.calls("oauth.v2.access").is_empty());
    assert!(
        app.state
            .store
            .slack_installations()
            .await
            .expect("read")
            .is_empty()
    );
    app.close().await;
}

crate::e2e_test!(
    another_admins_state_is_refused_and_nothing_is_stored,
    backend
);

async fn slack_users_are_matched_by_email_and_linked_once(backend: Backend) {
    // Arrange: installed; Dana is in Slack and in Debrief, Sam only in Slack.
    let fake = FakeSlack::start().await;
    let (app, admin) = slack_app(backend, &fake).await;
    let state = install_state(&app, &admin).await;
    let res = callback(&app, &admin, &fake.oauth_code(), &state).await;
    assert_eq!(res.status(), StatusCode::OK);
    fake.add_user("U0DANA", "Dana@Example.com", "dana");
    fake.add_user("U0SAM", "sam@elsewhere.example", "sam");
    let dana = create_user(
        &app.state,
        None,
        &NewUserInput {
            email: "dana@example.com".into(),
            name: "Dana".into(),
            role: Some("responder".into()),
            password: None,
        },
    )
    .await
    .expect("create Dana");

    // Act
    let first = debrief_user_for(&app.state, TEAM_ID, "U0DANA")
        .await
        .expect("map");
    let again = debrief_user_for(&app.state, TEAM_ID, "U0DANA")
        .await
        .expect("map");
    let sam = debrief_user_for(&app.state, TEAM_ID, "U0SAM")
        .await
        .expect("map");
    let nobody = debrief_user_for(&app.state, TEAM_ID, "U0NOBODY")
        .await
        .expect("map");

    // Assert: Dana found once through Slack, then through the stored link.
    assert_eq!(first.map(|u| u.id), Some(dana.id));
    assert_eq!(again.map(|u| u.id), Some(dana.id));
    assert!(sam.is_none());
    assert!(nobody.is_none());
    let lookups = fake.calls("users.info");
    assert_eq!(
        lookups
            .iter()
            .filter(|c| c.arg("user").as_deref() == Some("U0DANA"))
            .count(),
        1
    );
    assert_eq!(
        app.state
            .store
            .slack_user_link("U0DANA")
            .await
            .expect("read"),
        Some(dana.id)
    );
    app.close().await;
}

crate::e2e_test!(slack_users_are_matched_by_email_and_linked_once, backend);

async fn without_slack_settings_the_slack_pages_are_not_found(backend: Backend) {
    // Arrange
    let app = spawn_app(backend).await;
    let admin = signed_in(&app, "ops@example.com", "admin").await;

    // Act
    let manifest = get(&app, &admin, "/slack/manifest.json").await;
    let install = get(&app, &admin, "/slack/install").await;

    // Assert
    assert_eq!(manifest.status(), StatusCode::NOT_FOUND);
    assert_eq!(install.status(), StatusCode::NOT_FOUND);
    app.close().await;
}

crate::e2e_test!(
    without_slack_settings_the_slack_pages_are_not_found,
    backend
);

/// `debrief serve` with `env` set: its exit status and what it printed on stderr.
async fn serve_with(env: &[(&str, &str)]) -> (bool, String) {
    let dir = std::env::temp_dir().join(crate::harness::unique_name("slack-config"));
    let mut c = crate::harness::debrief();
    c.args(["serve", "--listen", "127.0.0.1:0"])
        .env("DEBRIEF_DATABASE_URL", dir.join("never.db"))
        .stderr(std::process::Stdio::piped());
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().await.expect("run debrief serve");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn serve_refuses_half_a_slack_set_up_naming_what_is_missing_but_no_secret() {
    // Act: a client id and secret without the signing secret and key; then a short key.
    let (ok, half) = serve_with(&[
        ("DEBRIEF_SLACK_CLIENT_ID", CLIENT_ID),
        ("DEBRIEF_SLACK_CLIENT_SECRET", "s3cret-value"),
    ])
    .await;
    let (short_ok, short) = serve_with(&[
        ("DEBRIEF_SLACK_CLIENT_ID", CLIENT_ID),
        ("DEBRIEF_SLACK_CLIENT_SECRET", "s3cret-value"),
        ("DEBRIEF_SLACK_SIGNING_SECRET", "s1gning-value"),
        ("DEBRIEF_SLACK_ENCRYPTION_KEY", "c2hvcnQta2V5"),
    ])
    .await;

    // Assert
    assert!(!ok, "{half}");
    assert!(
        half.contains("DEBRIEF_SLACK_SIGNING_SECRET")
            && half.contains("DEBRIEF_SLACK_ENCRYPTION_KEY")
            && !half.contains("DEBRIEF_SLACK_CLIENT_SECRET,"),
        "{half}"
    );
    assert!(!short_ok, "{short}");
    assert!(
        short.contains("DEBRIEF_SLACK_ENCRYPTION_KEY") && short.contains("32 bytes"),
        "{short}"
    );
    for s in [&half, &short] {
        assert!(
            !s.contains("s3cret-value")
                && !s.contains("s1gning-value")
                && !s.contains("c2hvcnQta2V5"),
            "{s}"
        );
    }
}
