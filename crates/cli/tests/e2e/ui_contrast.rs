//! Two defects of issue 14's UI list, checked in headless Chromium: text buttons in a page's
//! body (the calendar feed, a meeting's cancel) were #d1d5db on white (contrast 1.5:1, WCAG AA
//! wants 4.5:1), and checkboxes in a card's form were stretched to the card's width, their
//! labels pushed right.

use crate::browser::Browser;
use crate::e2e_test;
use crate::harness::TestApp;
use crate::ui::{sign_in, user_with_password};

/// The lowest contrast ratio (WCAG 2 relative luminance) of the elements matching `css`
/// against the first opaque background behind each, as the browser computes them.
const LOWEST_CONTRAST: &str = r#"
const lum = c => { const m = c.match(/\d+(\.\d+)?/g).map(Number);
  const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(m[0]) + 0.7152 * f(m[1]) + 0.0722 * f(m[2]); };
const bg = el => { for (let e = el; e; e = e.parentElement) {
  const c = getComputedStyle(e).backgroundColor;
  const m = c.match(/[\d.]+/g); if (m && (m.length < 4 || Number(m[3]) > 0)) return c; }
  return 'rgb(255, 255, 255)'; };
const all = [...document.querySelectorAll(arguments[0])];
if (all.length === 0) return -1;
return Math.min(...all.map(el => { const a = lum(getComputedStyle(el).color), b = lum(bg(el));
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05); }));
"#;

async fn lowest_contrast(b: &Browser, css: &str) -> f64 {
    let v = b
        .client
        .execute(LOWEST_CONTRAST, vec![serde_json::json!(css)])
        .await
        .expect("run the contrast script");
    v.as_f64().expect("a ratio")
}

async fn text_buttons_meet_aa_contrast_and_checkboxes_keep_their_size(app: &TestApp) {
    // Arrange: a person who signs in with a password.
    user_with_password(app, "ada@example.com", "Ada Admin", "admin").await;
    let b = Browser::start().await;

    // Act: the postmortems page (its calendar feed button) and the declare form.
    sign_in(&b, app, "ada@example.com", "/postmortems").await;
    b.wait_for("main button.link").await;
    let body = lowest_contrast(&b, "main button.link").await;
    let header = lowest_contrast(&b, "header.top button.link").await;
    b.client
        .goto(&app.url("/incidents/new"))
        .await
        .expect("open the declare form");
    let private = b.wait_for("input[name=private]").await;
    let width = private.rectangle().await.expect("the checkbox's box").2;

    // Assert: AA for normal text in the body and in the dark header; a checkbox is a box.
    assert!(body >= 4.5, "body text buttons: contrast {body:.2}:1");
    assert!(header >= 4.5, "header text buttons: contrast {header:.2}:1");
    assert!(width < 40.0, "the checkbox is {width} px wide");
    b.close().await;
}
e2e_test!(text_buttons_meet_aa_contrast_and_checkboxes_keep_their_size);
