//! The search page, `/search?q=…`: ranked results with highlighted snippets, the header's
//! search box posting to it by a plain GET form (no script needed). The results are those of
//! `GET /api/v1/search` with the same parameters.

use super::form;
use super::session::{UiActor, UiError};
use crate::AppState;
use crate::actions::search;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use debrief_core::search::SearchKind;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/search", get(page))
}

/// One result as the page shows it.
struct Row {
    kind: &'static str,
    reference: String,
    title: String,
    status: &'static str,
    severity: String,
    private: bool,
    link: String,
    /// The snippet's pieces, each with whether it is highlighted (escaped by the template).
    segments: Vec<(String, bool)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "search.html")]
struct Page {
    user: String,
    csrf: String,
    q: String,
    kind: String,
    error: Option<String>,
    searched: bool,
    total: i64,
    capped: bool,
    first: i64,
    rows: Vec<Row>,
    previous: Option<String>,
    next: Option<String>,
}

fn kind_label(kind: SearchKind) -> &'static str {
    match kind {
        SearchKind::Incident => "Incident",
        SearchKind::Timeline => "Timeline",
        SearchKind::Postmortem => "Postmortem",
        SearchKind::ActionItem => "Action item",
    }
}

/// The URL of the page of results starting at `offset`.
fn page_url(q: &str, kind: &str, offset: i64) -> String {
    let mut pairs = vec![("q", q.to_string())];
    if !kind.is_empty() {
        pairs.push(("kind", kind.to_string()));
    }
    if offset > 0 {
        pairs.push(("offset", offset.to_string()));
    }
    format!(
        "/search?{}",
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    )
}

async fn page(
    State(state): State<AppState>,
    actor: UiActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let given = |name: &str| form::opt(&pairs, name).unwrap_or_default();
    let mut page = Page {
        user: actor.0.user.name.clone(),
        csrf: actor.csrf(),
        q: given("q"),
        kind: given("kind"),
        error: None,
        searched: false,
        total: 0,
        capped: false,
        first: 0,
        rows: Vec::new(),
        previous: None,
        next: None,
    };
    if page.q.is_empty() {
        return Ok(page.into_response());
    }
    let req = match search::parse(&pairs) {
        Ok(Some(r)) => r,
        Ok(None) => {
            page.error = Some(search::NO_WORDS.into());
            return Ok((StatusCode::BAD_REQUEST, page).into_response());
        }
        Err(crate::AppError::BadRequest(why)) => {
            page.error = Some(why);
            return Ok((StatusCode::BAD_REQUEST, page).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    let found = search::search(&state, &actor.0, &req).await?;
    page.searched = true;
    page.total = found.total;
    page.capped = found.capped;
    page.first = req.offset + 1;
    if req.offset > 0 {
        page.previous = Some(page_url(
            &page.q,
            &page.kind,
            (req.offset - req.limit).max(0),
        ));
    }
    if req.offset + req.limit < found.total && req.offset + req.limit <= search::MAX_OFFSET {
        page.next = Some(page_url(&page.q, &page.kind, req.offset + req.limit));
    }
    page.rows = found
        .hits
        .into_iter()
        .map(|h| Row {
            kind: kind_label(h.kind),
            reference: format!("INC-{}", h.incident_id),
            link: search::link(h.kind, h.incident_id),
            title: h.incident_title,
            status: h.status.as_str(),
            severity: h.severity,
            private: h.private,
            segments: h.snippet.segments(),
        })
        .collect();
    Ok(page.into_response())
}
