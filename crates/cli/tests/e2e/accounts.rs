//! First start and sign-in over plain HTTP: the one-time set-up link creates the first admin
//! and is then dead; wrong passwords are slowed down; sessions and CSRF guard the forms.

use crate::e2e_test;
use crate::harness::{Backend, TEST_TIMEOUT, TestApp, TestDb, http_client, open_store};
use debrief_core::access::NewUserInput;
use debrief_server::AppState;
use debrief_server::actions::account::{create_user, prepare_setup};
use reqwest::StatusCode;
use reqwest::header::{LOCATION, SET_COOKIE};

/// The value of a hidden `csrf` input in a page.
pub(crate) fn csrf_in(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    page[at..at + 64].to_string()
}

/// An `application/x-www-form-urlencoded` body.
pub(crate) fn form_body(pairs: &[(&str, &str)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                b' ' => "+".to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// `name=value` of a cookie set by a response.
pub(crate) fn cookie(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap_or("").to_string())
}

async fn the_one_time_set_up_link_creates_the_first_admin_once(backend: Backend) {
    // Arrange: an empty database and a server on it.
    let db = TestDb::create(backend).await;
    let store = open_store(db.url()).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let state = AppState::new(store, crate::harness::server_config(&base));
    let token = prepare_setup(&state)
        .await
        .expect("set-up")
        .expect("a set-up token on an empty database");
    let server = tokio::spawn(debrief_server::run(
        listener,
        state.clone(),
        std::future::pending(),
    ));
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");

    // Act: open the link, submit the form.
    let page = client
        .get(format!("{base}/setup?token={token}"))
        .send()
        .await
        .expect("open the link");
    assert_eq!(page.status(), StatusCode::OK);
    let csrf_cookie = cookie(&page, "debrief_csrf").expect("a CSRF cookie");
    let csrf = csrf_in(&page.text().await.expect("page"));
    let form = [
        ("csrf", csrf.as_str()),
        ("token", token.as_str()),
        ("email", "Root@Example.com"),
        ("name", "Rita Root"),
        ("password", "a long enough password"),
    ];
    let res = client
        .post(format!("{base}/setup"))
        .header("cookie", &csrf_cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(&form))
        .send()
        .await
        .expect("submit");

    // Assert: signed in as the first admin, and the link is dead.
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[LOCATION], "/");
    let session = cookie(&res, "debrief_session").expect("a session cookie");
    let set_cookie = res
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap_or("").to_string())
        .collect::<Vec<_>>()
        .join(" | ");
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"),
        "{set_cookie}"
    );
    let home = client
        .get(format!("{base}/"))
        .header("cookie", &session)
        .send()
        .await
        .expect("home");
    assert_eq!(home.status(), StatusCode::OK);
    assert!(home.text().await.expect("page").contains("Rita Root"));
    let admin = state
        .store
        .user_by_email("root@example.com")
        .await
        .expect("the admin exists");
    assert_eq!(admin.role.as_str(), "admin");
    let again = client
        .post(format!("{base}/setup"))
        .header("cookie", &csrf_cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(&form))
        .send()
        .await
        .expect("replay");
    assert_eq!(again.status(), StatusCode::FORBIDDEN, "the link works once");
    assert_eq!(state.store.count_users().await.expect("count"), 1);
    assert!(
        prepare_setup(&state).await.expect("set-up").is_none(),
        "no new link once a user exists"
    );

    // A form posted without the session's CSRF token changes nothing.
    let forged = client
        .post(format!("{base}/incidents"))
        .header("cookie", &session)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(&[("title", "forged"), ("csrf", "nope")]))
        .send()
        .await
        .expect("forge");
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(
        state
            .store
            .list_incidents(&Default::default(), admin_viewer(&admin))
            .await
            .expect("list")
            .is_empty()
    );

    server.abort();
    state.store.close().await;
    db.remove().await;
}

fn admin_viewer(u: &debrief_store::account::User) -> debrief_core::access::Viewer {
    debrief_core::access::Viewer {
        user_id: u.id,
        sees_all: true,
    }
}

mod the_one_time_set_up_link_creates_the_first_admin_once {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        tokio::time::timeout(
            TEST_TIMEOUT,
            the_one_time_set_up_link_creates_the_first_admin_once(Backend::Sqlite),
        )
        .await
        .expect("timed out");
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        tokio::time::timeout(
            TEST_TIMEOUT,
            the_one_time_set_up_link_creates_the_first_admin_once(Backend::Postgres),
        )
        .await
        .expect("timed out");
    }
}

async fn repeated_wrong_passwords_are_refused_for_a_while(app: &TestApp) {
    // Arrange
    let input = NewUserInput {
        email: "sam@example.com".into(),
        name: "Sam".into(),
        role: None,
        password: Some("the right password".into()),
    };
    create_user(&app.state, None, &input).await.expect("a user");
    let client = http_client();
    let login_page = client
        .get(app.url("/login"))
        .send()
        .await
        .expect("login page");
    let csrf_cookie = cookie(&login_page, "debrief_csrf").expect("a CSRF cookie");
    let csrf = csrf_in(&login_page.text().await.expect("page"));
    let attempt = |password: &'static str| {
        let client = client.clone();
        let (url, cookie, csrf) = (app.url("/login"), csrf_cookie.clone(), csrf.clone());
        async move {
            client
                .post(url)
                .header("cookie", cookie)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form_body(&[
                    ("csrf", csrf.as_str()),
                    ("email", "sam@example.com"),
                    ("password", password),
                ]))
                .send()
                .await
                .expect("sign in")
                .status()
        }
    };

    // Act + Assert: ten wrong passwords are each a 401, then even the right one waits.
    for _ in 0..10 {
        assert_eq!(attempt("wrong password!").await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        attempt("the right password").await,
        StatusCode::TOO_MANY_REQUESTS
    );
}
e2e_test!(repeated_wrong_passwords_are_refused_for_a_while);

/// A signed-in browser: its session cookie (`name=value`) and the session's CSRF token.
pub(crate) struct Browser {
    /// `debrief_session=…`.
    pub session: String,
    /// The session's CSRF token, as its pages carry it.
    pub csrf: String,
}

/// Signs in through the real form, as a browser would (same origin).
pub(crate) async fn sign_in(app: &TestApp, email: &str, password: &str) -> Browser {
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    let login_page = client
        .get(app.url("/login"))
        .send()
        .await
        .expect("login page");
    let csrf_cookie = cookie(&login_page, "debrief_csrf").expect("a CSRF cookie");
    let csrf = csrf_in(&login_page.text().await.expect("page"));
    let res = client
        .post(app.url("/login"))
        .header("cookie", csrf_cookie)
        .header("origin", &app.address)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(&[
            ("csrf", &csrf),
            ("email", email),
            ("password", password),
        ]))
        .send()
        .await
        .expect("sign in");
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "signed in");
    let session = cookie(&res, "debrief_session").expect("a session cookie");
    let page = client
        .get(app.url("/incidents/new"))
        .header("cookie", &session)
        .send()
        .await
        .expect("a page");
    let csrf = csrf_in(&page.text().await.expect("page"));
    Browser { session, csrf }
}
