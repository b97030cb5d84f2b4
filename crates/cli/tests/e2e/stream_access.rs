//! Open live streams end when their credential stops working: deactivating an account ends
//! every stream it has open (by token and by web session), on every server sharing
//! PostgreSQL; revoking a token ends the streams opened with it, while the account's other
//! streams go on.

use crate::e2e_test;
use crate::harness::{Backend, TEST_TIMEOUT, TestApp, open_store, spawn_app};
use crate::people::{PASSWORD, password_session};
use crate::sse::{EventStream, wait_until_live};
use crate::ui::user_with_password;
use debrief_core::access::{AccountRole, Scope};
use debrief_server::AppState;
use debrief_store::account::User;
use reqwest::StatusCode;
use reqwest::header::COOKIE;
use serde_json::json;
use std::time::Duration;

/// How long a stream may take to end once its credential stopped working.
const ENDS_WITHIN: Duration = Duration::from_secs(10);

/// A responder with a web session (its cookie) and an API token (its id and secret).
async fn responder(app: &TestApp, email: &str) -> (User, String, i64, String) {
    user_with_password(app, email, "Dana", "responder").await;
    let session = password_session(app, email, PASSWORD).await;
    let user = app
        .state
        .store
        .user_by_email(email)
        .await
        .expect("the user");
    let (token, secret) =
        debrief_server::actions::account::create_token(&app.state, &user, "cli", Scope::Write)
            .await
            .expect("a token");
    (user, session, token.id, secret)
}

/// Opens `path` on the server at `base` with a session cookie.
async fn stream_by_session(app: &TestApp, base: &str, path: &str, cookie: &str) -> EventStream {
    let res = app
        .client
        .get(format!("{base}{path}"))
        .header(COOKIE, cookie)
        .send()
        .await
        .expect("open the stream");
    EventStream::of(res, path)
}

/// An incident with live events flowing (on PostgreSQL they travel by NOTIFY).
async fn live_incident(app: &TestApp) -> String {
    let incident = app
        .declare(&app.admin_token, &json!({"title": "Checkout errors"}))
        .await;
    let reference = incident["reference"].as_str().expect("ref").to_string();
    wait_until_live(app, &reference).await;
    reference
}

async fn deactivating_an_account_ends_its_open_streams(app: &TestApp) {
    // Arrange: Dana streams by token and by web session; the admin streams too.
    let reference = live_incident(app).await;
    let (dana, session, _, token) = responder(app, "dana@example.com").await;
    let mut by_token = EventStream::open(app, "/api/v1/stream", &token).await;
    let path = format!("/api/v1/incidents/{reference}/stream");
    let mut by_session = stream_by_session(app, &app.address, &path, &session).await;
    let mut admin = EventStream::open(app, "/api/v1/stream", &app.admin_token).await;

    // Act: the admin deactivates Dana, then adds a note.
    let (off, _, body) = app
        .patch(
            &format!("/api/v1/users/{}", dana.id),
            &app.admin_token,
            &json!({"disabled": true}),
        )
        .await;
    let note = app
        .add_event(
            &app.admin_token,
            &reference,
            &json!({"kind": "note", "body": "Dana has left"}),
        )
        .await;

    // Assert: both of Dana's streams end; the admin's goes on.
    assert_eq!(off, StatusCode::OK, "{body}");
    assert!(by_token.ends(ENDS_WITHIN).await, "the token's stream ended");
    assert!(
        by_session.ends(ENDS_WITHIN).await,
        "the session's stream ended"
    );
    admin.expect_event(&note["id"]).await;
}
e2e_test!(deactivating_an_account_ends_its_open_streams);

async fn revoking_a_token_ends_its_streams_only(app: &TestApp) {
    // Arrange: Dana streams by token and by web session.
    let reference = live_incident(app).await;
    let (_, session, token_id, token) = responder(app, "dana@example.com").await;
    let mut by_token = EventStream::open(app, "/api/v1/stream", &token).await;
    let mut by_session = stream_by_session(app, &app.address, "/api/v1/stream", &session).await;

    // Act: the admin revokes Dana's token, then adds a note.
    let (revoked, _, body) = app
        .delete(&format!("/api/v1/tokens/{token_id}"), &app.admin_token)
        .await;
    let note = app
        .add_event(
            &app.admin_token,
            &reference,
            &json!({"kind": "note", "body": "rotated the CLI token"}),
        )
        .await;

    // Assert: the token's stream ends; the session's still brings the note.
    assert_eq!(revoked, StatusCode::NO_CONTENT, "{body}");
    assert!(by_token.ends(ENDS_WITHIN).await, "the token's stream ended");
    by_session.expect_event(&note["id"]).await;
}
e2e_test!(revoking_a_token_ends_its_streams_only);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deactivated_accounts_stream_ends_on_every_server_sharing_the_database() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        // Arrange: server A from the harness, server B on the same PostgreSQL; Dana streams
        // from B with her token.
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
        let (dana, token) = a.create_user(AccountRole::Responder).await;
        let res = a
            .client
            .get(format!("{b}/api/v1/stream"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("open the stream on B");
        let mut on_b = EventStream::of(res, "/api/v1/stream");

        // Act: deactivate Dana through A.
        let (off, _, body) = a
            .patch(
                &format!("/api/v1/users/{}", dana.id),
                &a.admin_token,
                &json!({"disabled": true}),
            )
            .await;

        // Assert: B heard it (PostgreSQL NOTIFY) and ended the stream.
        assert_eq!(off, StatusCode::OK, "{body}");
        assert!(on_b.ends(ENDS_WITHIN).await, "the stream on B ended");
        server_b.abort();
        a.close().await;
    })
    .await
    .expect("the test finishes in time");
}
