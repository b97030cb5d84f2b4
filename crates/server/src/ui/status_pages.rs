//! Status pages in the web UI: the list of pages, creating pages and adding components
//! (admins); publishing is in [`super::status_publish`].

use super::form::{field, opt};
use super::session::{UiActor, UiError};
use crate::AppState;
use crate::actions::status_pages::{self as act, ComponentInput, PageInput};
use crate::ui::form::CsrfForm;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use debrief_store::status_page::{Component, StatusPage};

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/status-pages", get(pages).post(create_page))
        .route("/status-pages/{slug}/components", post(add_component))
        .route(
            "/status-pages/{slug}/maintenances",
            post(schedule_maintenance),
        )
}

/// A page with its components.
struct PageRow {
    page: StatusPage,
    components: Vec<Component>,
}

#[derive(Template, WebTemplate)]
#[template(path = "status_pages.html")]
struct Pages {
    user: String,
    csrf: String,
    pages: Vec<PageRow>,
}

async fn pages(State(state): State<AppState>, actor: UiActor) -> Result<Response, UiError> {
    let mut rows = Vec::new();
    for page in state.store.pages().await? {
        rows.push(PageRow {
            components: state.store.components(page.id).await?,
            page,
        });
    }
    Ok(Pages {
        user: actor.0.user.name.clone(),
        csrf: actor.csrf(),
        pages: rows,
    }
    .into_response())
}

async fn create_page(
    State(state): State<AppState>,
    actor: UiActor,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    let input = PageInput {
        slug: opt(&pairs, "slug"),
        name: opt(&pairs, "name"),
        time_zone: opt(&pairs, "time_zone"),
        public: Some(field(&pairs, "public") == "on"),
        branding: None,
        custom_domain: None,
    };
    act::create_page(&state, &actor.0, &input).await?;
    Ok(Redirect::to("/status-pages").into_response())
}

async fn add_component(
    State(state): State<AppState>,
    actor: UiActor,
    Path(slug): Path<String>,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    let input = ComponentInput {
        name: opt(&pairs, "name"),
        group: Some(opt(&pairs, "group")),
        ..Default::default()
    };
    act::add_component(&state, &actor.0, &slug, &input).await?;
    Ok(Redirect::to("/status-pages").into_response())
}

/// A form's time, a wall-clock time in the page's zone (`2026-11-21T09:30`), as an RFC 3339
/// instant; anything else is passed on as typed, for the action to refuse by name.
pub(super) fn page_instant(page: &StatusPage, raw: &str) -> String {
    let tz = jiff::tz::TimeZone::get(&page.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    raw.parse::<jiff::civil::DateTime>()
        .ok()
        .and_then(|d| d.to_zoned(tz).ok())
        .map_or_else(|| raw.to_string(), |z| z.timestamp().to_string())
}

async fn schedule_maintenance(
    State(state): State<AppState>,
    actor: UiActor,
    Path(slug): Path<String>,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    let page = state.store.page_by_slug(&slug).await?;
    let instant = |name: &str| page_instant(&page, field(&pairs, name));
    let input = crate::actions::maintenance::MaintenanceInput {
        title: field(&pairs, "title").into(),
        body: field(&pairs, "body").into(),
        starts_at: instant("starts"),
        ends_at: instant("ends"),
        components: pairs
            .iter()
            .filter(|(k, _)| k == "components")
            .filter_map(|(_, v)| v.parse().ok())
            .collect(),
        verify_minutes: field(&pairs, "verify_minutes").parse().ok(),
    };
    crate::actions::maintenance::schedule(&state, &actor.0, &slug, &input).await?;
    Ok(Redirect::to("/status-pages").into_response())
}
