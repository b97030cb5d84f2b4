//! Sign-in through a real OpenID provider, continued: the role mapping never demotes the last
//! active admin; claims the provider gives only at its UserInfo endpoint are read there; signing
//! out of Debrief signs out at the provider too (RP-initiated logout) and comes back to the
//! sign-in page.

use crate::browser::{Browser, click, text_of, wait};
use crate::e2e_test;
use crate::harness::{OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OidcProvider, TestApp};
use crate::ui_oidc::through_provider;
use debrief_core::access::AccountRole;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Saves the provider's settings over the API (accounts made at first sign-in; `groups` mapped:
/// `debrief-admins` → admin, `oncall` → responder).
async fn configure(app: &TestApp, idp: &OidcProvider) {
    let (status, _, body) = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/sign-in/settings",
            Some(&app.admin_token),
            Some(&json!({"issuer": idp.issuer, "client_id": OIDC_CLIENT_ID,
                         "client_secret": OIDC_CLIENT_SECRET, "allow_password": true,
                         "create_accounts": true, "role_claim": "groups",
                         "admin_value": "debrief-admins", "responder_value": "oncall"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

fn person(email: &str, name: &str, groups: &[&str]) -> Value {
    json!({"email": email, "email_verified": true, "name": name, "groups": groups})
}

async fn the_role_mapping_never_demotes_the_last_active_admin(app: &TestApp) {
    // Arrange: the harness's admin is the only active admin; at the provider their groups map
    // to responder.
    let admins = app.state.store.list_users().await.expect("users");
    let active_admins = admins
        .iter()
        .filter(|u| u.role == AccountRole::Admin && !u.disabled)
        .count();
    assert_eq!(active_admins, 1, "one active admin to begin with");
    let accounts = json!({"boss": person(&app.admin_email, "Only Admin", &["oncall"])});
    let idp = OidcProvider::start(&app.url("/auth/oidc/callback"), &accounts).await;
    configure(app, &idp).await;
    let b = Browser::start().await;

    // Act: the admin signs in through the provider.
    through_provider(&b, app, "boss").await;
    let who = text_of(&b, "header nav .who").await;
    let after = app.state.store.user(app.admin.id).await.expect("the admin");
    let (api_status, _, _) = app.get("/api/v1/users", &app.admin_token).await;

    // Assert: signed in, still admin, and the admin's token still acts as one.
    assert!(!who.is_empty(), "signed in");
    assert_eq!(after.role, AccountRole::Admin);
    assert_eq!(api_status, StatusCode::OK);
    b.close().await;
}
e2e_test!(the_role_mapping_never_demotes_the_last_active_admin, configured crate::ui_oidc::with_key);

async fn claims_given_only_at_the_userinfo_endpoint_are_read_there(app: &TestApp) {
    // Arrange: a provider whose ID tokens carry no e-mail, name or groups (only its UserInfo
    // endpoint gives them).
    let accounts = json!({"una": person("una@example.com", "Una Userinfo", &["oncall"])});
    let idp =
        OidcProvider::start_with_claims_in_userinfo(&app.url("/auth/oidc/callback"), &accounts)
            .await;
    configure(app, &idp).await;
    let b = Browser::start().await;

    // Act: Una, a newcomer, signs in through the provider.
    through_provider(&b, app, "una").await;
    let who = text_of(&b, "header nav .who").await;
    let una = app.state.store.user_by_email("una@example.com").await;

    // Assert: an account with her e-mail, name and mapped role, all from UserInfo.
    assert_eq!(who, "Una Userinfo");
    let una = una.expect("Una's account, by the e-mail UserInfo gave");
    assert_eq!(una.name, "Una Userinfo");
    assert_eq!(una.role, AccountRole::Responder);
    b.close().await;
}
e2e_test!(claims_given_only_at_the_userinfo_endpoint_are_read_there, configured crate::ui_oidc::with_key);

async fn signing_out_signs_out_at_the_provider_too(app: &TestApp) {
    // Arrange: Rita signed in through the provider.
    let accounts = json!({"rita": person("rita@example.com", "Rita Responder", &["oncall"])});
    let idp = OidcProvider::start(&app.url("/auth/oidc/callback"), &accounts).await;
    configure(app, &idp).await;
    let b = Browser::start().await;
    through_provider(&b, app, "rita").await;
    assert_eq!(text_of(&b, "header nav .who").await, "Rita Responder");

    // Act: she signs out of Debrief.
    click(&b, "form[action='/logout'] button").await;
    wait(&b, "button[name=logout][value=yes]").await;
    let asked = b.client.source().await.expect("the provider's page");
    let at = b.client.current_url().await.expect("url");

    // Assert: the provider asks whether to sign out there too.
    assert!(asked.contains("Do you want to sign-out"), "{asked}");
    assert!(at.as_str().starts_with(&idp.issuer), "{at}");

    // Act: she confirms.
    click(&b, "button[name=logout][value=yes]").await;
    wait(&b, "#oidc-sign-in").await;
    let back = b.client.current_url().await.expect("url");
    let signed_in = b
        .client
        .find(fantoccini::Locator::Css("header nav .who"))
        .await
        .is_ok();

    // Assert: back on Debrief's sign-in page, signed out.
    assert!(back.as_str().starts_with(&app.url("/login")), "{back}");
    assert!(!signed_in, "signed out of Debrief");
    b.close().await;
}
e2e_test!(signing_out_signs_out_at_the_provider_too, configured crate::ui_oidc::with_key);
