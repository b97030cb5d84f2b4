//! The acknowledge and resolve links of notifications: `/p/{token}`, signed, single-use and
//! expiring (see `actions::oncall::pages`). Opening the link (`GET`) does what it says, so
//! acknowledging from an e-mail or a phone is one click; ntfy's action buttons `POST` it. A
//! used or expired link answers `410 Gone`, and changes nothing.

use super::session::UiError;
use crate::AppState;
use crate::actions::oncall::{self, LinkAction};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;

/// The link routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/p/{token}", get(use_link).post(use_link))
}

#[derive(Template, WebTemplate)]
#[template(path = "page_link.html")]
struct LinkPage {
    page_id: i64,
    title: String,
    status: String,
    verb: &'static str,
    headline: String,
}

async fn use_link(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<LinkPage, UiError> {
    let o = oncall::use_link(&state, &token).await?;
    let verb = match o.action {
        LinkAction::Acknowledge => "acknowledged",
        LinkAction::Resolve => "resolved",
    };
    let headline = if o.changed {
        format!("{} {verb} the page", o.user)
    } else {
        format!("The page was already {}", o.page.status.as_str())
    };
    Ok(LinkPage {
        page_id: o.page.id,
        title: o.page.title,
        status: o.page.status.as_str().to_string(),
        verb,
        headline,
    })
}
