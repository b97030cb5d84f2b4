//! Pages in the web UI: the list (tabs triggered, acknowledged, resolved, mine) with the "Page
//! someone" form, and each page's own: its status, incident, level firings and notifications
//! (with why one failed), and Acknowledge and Resolve buttons for responders.

use super::form::{CsrfForm, Pairs, field, opt};
use super::oncall::{channel_label, name_of, user_options};
use super::session::{UiActor, UiError};
use super::view::TimeView;
use crate::actions::oncall::{self as act, UserRef};
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use debrief_core::access::AccountRole;
use debrief_core::validation::ValidationError;
use debrief_store::oncall::{PageFilter, PageStatus};

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/pages", get(list_page).post(open_page))
        .route("/pages/{id}", get(page_page))
        .route("/pages/{id}/acknowledge", post(acknowledge))
        .route("/pages/{id}/resolve", post(resolve))
}

/// Pages shown at once.
const LIMIT: i64 = 100;

/// A page's status as people read it.
fn status_label(s: PageStatus) -> &'static str {
    match s {
        PageStatus::Triggered => "Triggered",
        PageStatus::Acknowledged => "Acknowledged",
        PageStatus::Resolved => "Resolved",
    }
}

/// A notification's status as people read it.
fn notification_label(s: &str) -> &'static str {
    match s {
        "queued" => "Waiting",
        "sent" => "Sent",
        "skipped" => "Not sent: acknowledged or resolved first",
        "given_up" => "Failed: given up",
        "failed" => "Failed, to be retried",
        _ => "Unknown",
    }
}

/// A page in the list.
struct Row {
    id: i64,
    title: String,
    status: &'static str,
    label: &'static str,
    about: String,
    incident: Option<String>,
    opened: TimeView,
}

#[derive(Template, WebTemplate)]
#[template(path = "oncall_pages.html")]
struct ListPage {
    user: String,
    csrf: String,
    tabs: Vec<(&'static str, &'static str, bool)>,
    rows: Vec<Row>,
    can_page: bool,
    teams: Vec<(String, String)>,
    services: Vec<(String, String)>,
    policies: Vec<(i64, String)>,
    users: Vec<(i64, String)>,
}

async fn list_page(
    State(state): State<AppState>,
    actor: UiActor,
    Query(q): Query<Pairs>,
) -> Result<Response, UiError> {
    actor.0.require(AccountRole::Viewer)?;
    let tab = match field(&q, "tab") {
        t @ ("acknowledged" | "resolved" | "mine" | "all") => t,
        _ => "triggered",
    };
    let mut filter = PageFilter {
        limit: LIMIT,
        ..PageFilter::default()
    };
    match tab {
        "mine" => filter.user_id = Some(actor.0.user.id),
        "all" => {}
        t => filter.statuses = t.parse().into_iter().collect(),
    }
    let rows = act::list_pages(&state, &actor.0, &filter)
        .await?
        .into_iter()
        .map(|p| Row {
            id: p.id,
            status: p.status.as_str(),
            label: status_label(p.status),
            about: [p.service.clone(), p.team.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", "),
            incident: p.incident_id.map(|i| format!("INC-{i}")),
            opened: TimeView::new(p.opened_at),
            title: p.title,
        })
        .collect();
    let tabs = [
        ("triggered", "Triggered"),
        ("acknowledged", "Acknowledged"),
        ("resolved", "Resolved"),
        ("mine", "Paging me"),
        ("all", "All"),
    ]
    .into_iter()
    .map(|(k, l)| (k, l, k == tab))
    .collect();
    Ok(ListPage {
        user: actor.0.user.name.clone(),
        csrf: actor.csrf(),
        tabs,
        rows,
        can_page: actor.0.role >= AccountRole::Responder,
        teams: state
            .store
            .list_teams()
            .await?
            .into_iter()
            .map(|t| (t.slug, t.name))
            .collect(),
        services: state
            .store
            .list_services()
            .await?
            .into_iter()
            .map(|s| (s.slug, s.name))
            .collect(),
        policies: state
            .store
            .escalation_policies()
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect(),
        users: user_options(&state).await?,
    }
    .into_response())
}

/// The "Page someone" form: `target` is `team:slug`, `service:slug`, `policy:id` or `users`
/// (then the `users` multi-select).
fn page_input(pairs: &Pairs) -> Result<act::PageInput, AppError> {
    let mut input = act::PageInput {
        title: field(pairs, "title").to_string(),
        message: opt(pairs, "message"),
        incident: opt(pairs, "incident"),
        ..act::PageInput::default()
    };
    match field(pairs, "target").split_once(':') {
        Some(("team", t)) => input.team = Some(t.to_string()),
        Some(("service", s)) => input.service = Some(s.to_string()),
        Some(("policy", p)) => {
            input.policy_id = Some(p.parse().map_err(|_| {
                AppError::from(ValidationError::one("policy_id", "is not a policy"))
            })?)
        }
        _ => {
            input.users = pairs
                .iter()
                .filter(|(k, v)| k == "users" && !v.is_empty())
                .map(|(_, v)| UserRef::Text(v.clone()))
                .collect()
        }
    }
    Ok(input)
}

async fn open_page(
    State(state): State<AppState>,
    actor: UiActor,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    let page = act::page_by_person(&state, &actor.0, &page_input(&pairs)?).await?;
    Ok(Redirect::to(&format!("/pages/{}", page.id)).into_response())
}

/// A level firing as shown.
struct FiringView {
    pass: u32,
    level: u32,
    at: TimeView,
    who: String,
    note: String,
}

/// A notification as shown.
struct NotificationView {
    who: String,
    channel: &'static str,
    due: TimeView,
    status: String,
    label: &'static str,
    sent: Option<TimeView>,
    attempts: i64,
    error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "oncall_page.html")]
struct PagePage {
    user: String,
    csrf: String,
    id: i64,
    title: String,
    message: String,
    status: &'static str,
    label: &'static str,
    service: Option<String>,
    team: Option<String>,
    incident: Option<String>,
    alert: Option<i64>,
    opened: TimeView,
    opened_by: Option<String>,
    acknowledged: Option<(TimeView, String)>,
    resolved: Option<(TimeView, String)>,
    firings: Vec<FiringView>,
    notifications: Vec<NotificationView>,
    can_write: bool,
}

fn page_id(raw: &str) -> Result<i64, UiError> {
    raw.parse()
        .map_err(|_| UiError(AppError::NotFound(format!("page '{raw}'"))))
}

async fn page_page(
    State(state): State<AppState>,
    actor: UiActor,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    actor.0.require(AccountRole::Viewer)?;
    let p = act::get_page(&state, &actor.0, page_id(&id)?).await?;
    let users = act::schedules::users_by_id(&state).await?;
    let by = |u: Option<i64>| u.map_or_else(|| "automatically".into(), |u| name_of(&users, u));
    let firings = state
        .store
        .firings(p.id)
        .await?
        .into_iter()
        .map(|f| FiringView {
            pass: f.pass + 1,
            level: f.level + 1,
            at: TimeView::new(f.at),
            who: f
                .users
                .iter()
                .map(|u| name_of(&users, *u))
                .collect::<Vec<_>>()
                .join(", "),
            note: f.note,
        })
        .collect();
    let notifications = state
        .store
        .notifications(p.id)
        .await?
        .into_iter()
        .map(|n| NotificationView {
            who: name_of(&users, n.user_id),
            channel: channel_label(&n.channel),
            due: TimeView::new(n.due_at),
            label: notification_label(&n.status),
            status: n.status,
            sent: n.sent_at.map(TimeView::new),
            attempts: n.attempts,
            error: n.error,
        })
        .collect();
    Ok(PagePage {
        user: actor.0.user.name.clone(),
        csrf: actor.csrf(),
        id: p.id,
        message: p.details["message"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        status: p.status.as_str(),
        label: status_label(p.status),
        service: p.service.clone(),
        team: p.team.clone(),
        incident: p.incident_id.map(|i| format!("INC-{i}")),
        alert: p.alert_id,
        opened: TimeView::new(p.opened_at),
        opened_by: p.opened_by.map(|u| name_of(&users, u)),
        acknowledged: p
            .acknowledged_at
            .map(|t| (TimeView::new(t), by(p.acknowledged_by))),
        resolved: p.resolved_at.map(|t| (TimeView::new(t), by(p.resolved_by))),
        firings,
        notifications,
        can_write: actor.0.role >= AccountRole::Responder,
        title: p.title,
    }
    .into_response())
}

async fn acknowledge(
    State(state): State<AppState>,
    actor: UiActor,
    Path(id): Path<String>,
    CsrfForm(_pairs): CsrfForm,
) -> Result<Response, UiError> {
    let id = page_id(&id)?;
    act::change_page(&state, &actor.0, id, false).await?;
    Ok(Redirect::to(&format!("/pages/{id}")).into_response())
}

async fn resolve(
    State(state): State<AppState>,
    actor: UiActor,
    Path(id): Path<String>,
    CsrfForm(_pairs): CsrfForm,
) -> Result<Response, UiError> {
    let id = page_id(&id)?;
    act::change_page(&state, &actor.0, id, true).await?;
    Ok(Redirect::to(&format!("/pages/{id}")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_form_names_exactly_one_target() {
        let pairs = |p: &[(&str, &str)]| -> Pairs {
            p.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let team =
            page_input(&pairs(&[("title", "db"), ("target", "team:database")])).expect("valid");
        assert_eq!(team.team.as_deref(), Some("database"));
        assert!(team.users.is_empty());
        let people = page_input(&pairs(&[
            ("title", "db"),
            ("target", "users"),
            ("users", "3"),
            ("users", "4"),
        ]))
        .expect("valid");
        assert_eq!(people.users.len(), 2);
        assert!(page_input(&pairs(&[("target", "policy:x")])).is_err());
    }
}
