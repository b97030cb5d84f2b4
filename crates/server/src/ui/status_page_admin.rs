//! One status page in the web UI, for its operators: its components, its maintenance with what
//! can be done to each (an update, early completion, a new window, cancellation), and its
//! subscribers (admins), each of which can be removed. Times are shown and entered in the page's
//! zone.

use super::field_errors::FieldErrors;
use super::form::{field, opt};
use super::session::{UiActor, UiError};
use super::status_page_layout::{LayoutView, Sent};
use crate::AppState;
use crate::actions::maintenance::{
    self as act, CANCELLED, CancelInput, CompleteInput, MaintenanceUpdateInput, ORDER,
    RescheduleInput,
};
use crate::actions::subscribers::{self as subs, SubscriberView};
use crate::ui::form::CsrfForm;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use debrief_core::Timestamp;
use debrief_core::access::AccountRole;
use debrief_store::status_page::{Component, Maintenance, StatusPage};

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/status-pages/{slug}", get(page))
        .route(
            "/status-pages/{slug}/maintenances/{id}/updates",
            post(post_update),
        )
        .route(
            "/status-pages/{slug}/maintenances/{id}/complete",
            post(complete),
        )
        .route(
            "/status-pages/{slug}/maintenances/{id}/reschedule",
            post(reschedule),
        )
        .route(
            "/status-pages/{slug}/maintenances/{id}/cancel",
            post(cancel),
        )
        .route(
            "/status-pages/{slug}/subscribers/{id}/remove",
            post(remove_subscriber),
        )
}

/// A time in the page's zone, for reading and for a `datetime-local` input.
struct Shown {
    text: String,
    input: String,
}

fn shown(at: Timestamp, tz: &jiff::tz::TimeZone) -> Shown {
    let z = at.to_zoned(tz.clone());
    Shown {
        text: z.strftime("%Y-%m-%d %H:%M %Z").to_string(),
        input: z.strftime("%Y-%m-%dT%H:%M").to_string(),
    }
}

/// An update as shown.
struct UpdateRow {
    status: String,
    body: String,
    at: String,
}

/// A maintenance and what can be done to it now.
struct MaintenanceRow {
    m: Maintenance,
    starts: Shown,
    ends: Shown,
    /// How long it is verified after the work, written like every duration (`15m 00s`).
    verify: String,
    updates: Vec<UpdateRow>,
    /// The statuses an update may move it to (its own first).
    statuses: Vec<&'static str>,
    can_complete: bool,
    pending: bool,
}

/// A subscriber as shown.
struct SubscriberRow {
    s: SubscriberView,
    created: String,
    confirmed: String,
    unsubscribed: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "status_page.html")]
pub(super) struct PageView {
    user: String,
    csrf: String,
    page: StatusPage,
    components: Vec<Component>,
    maintenances: Vec<MaintenanceRow>,
    /// `None` when the viewer is not an admin.
    subscribers: Option<Vec<SubscriberRow>>,
    /// Settings and layout forms; `None` when the viewer is not an admin.
    layout: Option<LayoutView>,
}

fn maintenance_row(m: Maintenance, tz: &jiff::tz::TimeZone) -> MaintenanceRow {
    let rank = ORDER.iter().position(|s| *s == m.status).unwrap_or(0);
    let statuses = match m.status.as_str() {
        "scheduled" => vec!["scheduled", "in_progress"],
        CANCELLED => Vec::new(),
        _ => ORDER[rank..].to_vec(),
    };
    MaintenanceRow {
        starts: shown(m.starts_at, tz),
        ends: shown(m.ends_at, tz),
        verify: debrief_core::duration::minutes_or_dash(Some(m.verify_minutes as f64)),
        updates: m
            .updates
            .iter()
            .rev()
            .map(|u| UpdateRow {
                status: u.status.replace('_', " "),
                body: u.body.clone(),
                at: shown(u.at, tz).text,
            })
            .collect(),
        statuses,
        can_complete: m.status == "in_progress" || m.status == "verifying",
        pending: m.status == "scheduled",
        m,
    }
}

async fn page(
    State(state): State<AppState>,
    actor: UiActor,
    Path(slug): Path<String>,
) -> Result<Response, UiError> {
    let page = state.store.page_by_slug(&slug).await?;
    Ok(render_page(&state, &actor, page, None)
        .await?
        .into_response())
}

/// The screen; `layout` carries the settings and layout forms as sent when one was refused
/// (admins see them filled from the page otherwise).
pub(super) async fn render_page(
    state: &AppState,
    actor: &UiActor,
    page: StatusPage,
    layout: Option<LayoutView>,
) -> Result<PageView, UiError> {
    let slug = page.slug.clone();
    let tz = jiff::tz::TimeZone::get(&page.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let maintenances = act::list_maintenances(state, &actor.0, &slug)
        .await?
        .into_iter()
        .map(|m| maintenance_row(m, &tz))
        .collect();
    let admin = actor.0.role >= AccountRole::Admin;
    let subscribers = match admin {
        true => Some(
            subs::list_subscribers(state, &actor.0, &slug)
                .await?
                .into_iter()
                .map(|s| SubscriberRow {
                    created: shown(s.created_at, &tz).text,
                    confirmed: s.confirmed_at.map_or(String::new(), |t| shown(t, &tz).text),
                    unsubscribed: s
                        .unsubscribed_at
                        .map_or(String::new(), |t| shown(t, &tz).text),
                    s,
                })
                .collect(),
        ),
        false => None,
    };
    let layout = match (admin, layout) {
        (true, Some(l)) => Some(l),
        (true, None) => {
            Some(LayoutView::load(state, &page, Sent::Nothing, FieldErrors::none()).await?)
        }
        (false, _) => None,
    };
    Ok(PageView {
        user: actor.0.user.name.clone(),
        csrf: actor.csrf(),
        components: state.store.components(page.id).await?,
        page,
        maintenances,
        subscribers,
        layout,
    })
}

fn id_of(raw: &str, what: &str) -> Result<i64, UiError> {
    raw.parse()
        .map_err(|_| UiError(crate::AppError::NotFound(format!("{what} '{raw}'"))))
}

fn back(slug: &str) -> Response {
    Redirect::to(&format!("/status-pages/{slug}")).into_response()
}

async fn post_update(
    State(state): State<AppState>,
    actor: UiActor,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    let input = MaintenanceUpdateInput {
        body: field(&pairs, "body").into(),
        status: opt(&pairs, "status"),
        version: field(&pairs, "version").parse().ok(),
    };
    act::post_update(&state, &actor.0, &slug, id_of(&id, "maintenance")?, &input).await?;
    Ok(back(&slug))
}

async fn complete(
    State(state): State<AppState>,
    actor: UiActor,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    let input = CompleteInput {
        body: opt(&pairs, "body"),
        version: field(&pairs, "version").parse().ok(),
    };
    act::complete(&state, &actor.0, &slug, id_of(&id, "maintenance")?, &input).await?;
    Ok(back(&slug))
}

async fn reschedule(
    State(state): State<AppState>,
    actor: UiActor,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    let page = state.store.page_by_slug(&slug).await?;
    let input = RescheduleInput {
        starts_at: super::status_pages::page_instant(&page, field(&pairs, "starts")),
        ends_at: super::status_pages::page_instant(&page, field(&pairs, "ends")),
        verify_minutes: field(&pairs, "verify_minutes").parse().ok(),
        body: opt(&pairs, "body"),
        version: field(&pairs, "version").parse().ok(),
    };
    act::reschedule(&state, &actor.0, &slug, id_of(&id, "maintenance")?, &input).await?;
    Ok(back(&slug))
}

async fn cancel(
    State(state): State<AppState>,
    actor: UiActor,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    let input = CancelInput {
        body: opt(&pairs, "body"),
        version: field(&pairs, "version").parse().ok(),
    };
    act::cancel(&state, &actor.0, &slug, id_of(&id, "maintenance")?, &input).await?;
    Ok(back(&slug))
}

async fn remove_subscriber(
    State(state): State<AppState>,
    actor: UiActor,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm(_pairs): CsrfForm,
) -> Result<Response, UiError> {
    subs::remove_subscriber(&state, &actor.0, &slug, id_of(&id, "subscriber")?).await?;
    Ok(back(&slug))
}
