//! People in the browser (issue 14, part 1): an admin invites a colleague from
//! `/settings/people` (a mistake is shown beside its field, what was typed kept), copies the
//! link; the colleague opens it in their own browser, chooses a password, lands signed in, and
//! picks the zone their times are shown in; the admin deactivates them and their open session
//! ends at once. Screenshots at desktop and phone sizes go to `target/ui-screenshots/`.

use crate::browser::{Browser, overflow, submit, value_of};
use crate::e2e_test;
use crate::harness::TestApp;
use crate::ui::{sign_in, text_of, user_with_password};

const NEW_PASSWORD: &str = "kims own long passphrase";

async fn an_admin_invites_a_colleague_and_deactivates_them(app: &TestApp) {
    // Arrange: an admin in one browser; the colleague will use another.
    user_with_password(app, "ada@example.com", "Ada Admin", "admin").await;
    let admin = Browser::start().await;
    let kim = Browser::start().await;
    sign_in(&admin, app, "ada@example.com", "/settings/people").await;

    // Act 1: a mistake (an address with an account), then the invitation.
    submit(
        &admin,
        "invite-form",
        &[("email", "ada@example.com"), ("role", "responder")],
    )
    .await;
    let mistake = text_of(&admin, "#email-error").await;
    let kept = value_of(&admin, "#invite-form input[name=email]").await;
    submit(
        &admin,
        "invite-form",
        &[("email", "kim@example.com"), ("role", "responder")],
    )
    .await;
    let link = value_of(&admin, "#issued-url").await;
    admin.screenshot("people-invited-desktop").await;
    admin
        .client
        .set_window_size(390, 844)
        .await
        .expect("resize");
    let fits = overflow(&admin).await;
    admin.screenshot("people-invited-phone").await;
    admin
        .client
        .set_window_size(1400, 1000)
        .await
        .expect("resize");

    // Act 2: Kim accepts in their own browser and picks Tokyo time.
    kim.client.goto(&link).await.expect("open the invitation");
    submit(
        &kim,
        "link-form",
        &[
            ("name", "Kim Lee"),
            ("password", NEW_PASSWORD),
            ("confirm_password", NEW_PASSWORD),
        ],
    )
    .await;
    let kim_signed_in = text_of(&kim, "header nav .who").await;
    kim.client
        .goto(&app.url("/settings/me"))
        .await
        .expect("settings");
    let admin_tabs_for_kim = kim
        .client
        .find(fantoccini::Locator::Css("#people-link"))
        .await
        .is_ok();
    submit(&kim, "profile-form", &[("time_zone", "Asia/Tokyo")]).await;
    text_of(&kim, "#notice").await;
    submit(&kim, "token-form", &[("token_name", "laptop")]).await;
    let token_made = text_of(&kim, "#tokens tr[data-token=laptop] time").await;

    // Act 3: the admin deactivates Kim (confirming the question).
    admin
        .client
        .goto(&app.url("/settings/people"))
        .await
        .expect("people");
    admin
        .wait_for("tr[data-person='kim@example.com'] button.danger")
        .await
        .click()
        .await
        .expect("click deactivate");
    admin.client.accept_alert().await.expect("confirm");
    let notice = text_of(&admin, "#notice").await;
    kim.client
        .goto(&app.url("/settings/me"))
        .await
        .expect("reload");
    kim.wait_for("#login-form").await;

    // Assert
    assert!(mistake.contains("has an account already"), "{mistake}");
    assert_eq!(kept, "ada@example.com", "what was typed is kept");
    assert!(link.contains("/invite/"), "{link}");
    assert!(
        fits.0 <= fits.1 + 1.0,
        "the people page fits 390 px: {fits:?}"
    );
    assert_eq!(kim_signed_in, "Kim Lee");
    assert!(
        !admin_tabs_for_kim,
        "a responder sees no admin settings tabs"
    );
    assert!(
        token_made.contains("GMT+9") && token_made.contains("UTC"),
        "times are shown in the chosen zone, UTC beside: {token_made}"
    );
    assert!(notice.contains("deactivated"), "{notice}");
    assert_eq!(kim.path().await, "/login", "Kim's session ended at once");
    admin.close().await;
    kim.close().await;
}
e2e_test!(an_admin_invites_a_colleague_and_deactivates_them);
