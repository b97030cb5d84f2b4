//! The alerts page (tabs open / acknowledged / resolved, filters by service and integration,
//! newest first, a page at a time) and each alert's page: its fields, notes, links and images,
//! the raw payload, and the forms to acknowledge, resolve and add a note (responders).
//!
//! Filtered by a service, the alerts page also shows the service's alerting set-up
//! ([`super::alert_service`]).

use super::alert_service;
use super::form::{Pairs, field};
use super::session::{UiActor, UiError, urlencode};
use super::view::TimeView;
use crate::actions::alerts as act;
use crate::ui::form::CsrfForm;
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use debrief_core::access::AccountRole;
use debrief_core::alert::AlertStatus;
use debrief_store::alert::{Alert, AlertFilter};
use serde_json::Value;
use std::collections::BTreeMap;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/alerts", get(list_page))
        .route("/alerts/{id}", get(alert_page))
        .route("/alerts/{id}/acknowledge", post(acknowledge))
        .route("/alerts/{id}/resolve", post(resolve))
        .route("/alerts/{id}/notes", post(add_note))
}

/// Alerts shown on one page of the list.
const PAGE_SIZE: i64 = 50;

/// One alert in a list (the alerts page, an incident's alerts).
pub struct AlertRow {
    /// Id.
    pub id: i64,
    /// `critical`, `error`, `warning`, `info`.
    pub severity: &'static str,
    /// One line.
    pub summary: String,
    /// Its service.
    pub service: String,
    /// The name of the integration it came through.
    pub integration: String,
    /// `triggered`, `acknowledged`, `resolved`.
    pub status: &'static str,
    /// Triggers so far.
    pub count: i64,
    /// First received.
    pub first_seen: TimeView,
    /// Last received.
    pub last_seen: TimeView,
    /// The incident it opened or joined (`INC-4`).
    pub incident: Option<String>,
}

/// Integration names by id.
pub async fn integration_names(state: &AppState) -> Result<BTreeMap<i64, String>, AppError> {
    Ok(state
        .store
        .integrations(None)
        .await?
        .into_iter()
        .map(|i| (i.id, i.name))
        .collect())
}

/// The rows of `alerts` (read for the viewer, so their incidents are ones the viewer may
/// see), with integration names.
pub fn alert_rows(alerts: &[Alert], names: &BTreeMap<i64, String>) -> Vec<AlertRow> {
    alerts
        .iter()
        .map(|a| AlertRow {
            id: a.id,
            severity: a.severity.as_str(),
            summary: a.summary.clone(),
            service: a.service.clone(),
            integration: names
                .get(&a.integration_id)
                .cloned()
                .unwrap_or_else(|| format!("integration {}", a.integration_id)),
            status: a.status.as_str(),
            count: a.count,
            first_seen: TimeView::new(a.first_seen_at),
            last_seen: TimeView::new(a.last_seen_at),
            incident: a.incident.clone(),
        })
        .collect()
}

/// The list's tabs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tab {
    Open,
    Acknowledged,
    Resolved,
}

impl Tab {
    fn parse(s: &str) -> Self {
        match s {
            "acknowledged" => Tab::Acknowledged,
            "resolved" => Tab::Resolved,
            _ => Tab::Open,
        }
    }

    fn key(self) -> &'static str {
        match self {
            Tab::Open => "open",
            Tab::Acknowledged => "acknowledged",
            Tab::Resolved => "resolved",
        }
    }

    fn statuses(self) -> Vec<AlertStatus> {
        match self {
            Tab::Open => vec![AlertStatus::Triggered, AlertStatus::Acknowledged],
            Tab::Acknowledged => vec![AlertStatus::Acknowledged],
            Tab::Resolved => vec![AlertStatus::Resolved],
        }
    }
}

/// A tab as shown: its key, label, count, link, and whether it is the current one.
struct TabView {
    key: &'static str,
    label: &'static str,
    count: i64,
    href: String,
    current: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "alerts.html")]
struct ListPage {
    user: String,
    csrf: String,
    tabs: Vec<TabView>,
    tab: &'static str,
    rows: Vec<AlertRow>,
    services: Vec<(String, String)>,
    integrations: Vec<(i64, String)>,
    f_service: String,
    f_integration: String,
    next: Option<String>,
    service: Option<alert_service::ServiceSection>,
}

/// `/alerts?…` with the given tab and filters.
fn list_href(tab: Tab, service: &str, integration: &str, cursor: Option<i64>) -> String {
    let mut q = vec![format!("tab={}", tab.key())];
    if !service.is_empty() {
        q.push(format!("service={}", urlencode(service)));
    }
    if !integration.is_empty() {
        q.push(format!("integration={}", urlencode(integration)));
    }
    if let Some(c) = cursor {
        q.push(format!("cursor={c}"));
    }
    format!("/alerts?{}", q.join("&"))
}

async fn list_page(
    State(state): State<AppState>,
    actor: UiActor,
    Query(pairs): Query<Pairs>,
) -> Result<Response, UiError> {
    actor.0.require(AccountRole::Viewer)?;
    let tab = Tab::parse(field(&pairs, "tab"));
    let f_service = field(&pairs, "service").trim().to_string();
    let f_integration = field(&pairs, "integration").trim().to_string();
    let integration_id = match f_integration.as_str() {
        "" => None,
        raw => Some(raw.parse::<i64>().map_err(|_| {
            AppError::from(debrief_core::validation::ValidationError::one(
                "integration",
                "must be an integration id",
            ))
        })?),
    };
    let filter = AlertFilter {
        statuses: tab.statuses(),
        service: Some(f_service.clone()).filter(|s| !s.is_empty()),
        integration_id,
        incident_id: None,
        before: field(&pairs, "cursor").parse().ok(),
        limit: PAGE_SIZE + 1,
        // Alerts of incidents the viewer may not see (private ones) are left out.
        viewer: Some(actor.0.viewer()),
    };
    let mut alerts = state.store.alerts(&filter).await?;
    let next = if alerts.len() as i64 > PAGE_SIZE {
        alerts.truncate(PAGE_SIZE as usize);
        let last = alerts.last().map(|a| a.id);
        Some(list_href(tab, &f_service, &f_integration, last))
    } else {
        None
    };
    let counts: BTreeMap<&'static str, i64> = state
        .store
        .count_alerts(&filter)
        .await?
        .into_iter()
        .map(|(s, n)| (s.as_str(), n))
        .collect();
    let count = |s: &str| counts.get(s).copied().unwrap_or(0);
    let tabs = [
        (
            Tab::Open,
            "Open",
            count("triggered") + count("acknowledged"),
        ),
        (Tab::Acknowledged, "Acknowledged", count("acknowledged")),
        (Tab::Resolved, "Resolved", count("resolved")),
    ]
    .into_iter()
    .map(|(t, label, count)| TabView {
        key: t.key(),
        label,
        count,
        href: list_href(t, &f_service, &f_integration, None),
        current: t == tab,
    })
    .collect();
    let names = integration_names(&state).await?;
    let services: Vec<(String, String)> = state
        .store
        .list_services()
        .await?
        .into_iter()
        .map(|s| (s.slug, s.name))
        .collect();
    let service = match services.iter().find(|(slug, _)| *slug == f_service) {
        Some((slug, name)) => Some(alert_service::section(&state, &actor, slug, name).await?),
        None => None,
    };
    Ok(ListPage {
        user: actor.0.user.name.clone(),
        csrf: actor.csrf(),
        tabs,
        tab: tab.key(),
        rows: alert_rows(&alerts, &names),
        services,
        integrations: names.into_iter().collect(),
        f_service,
        f_integration,
        next,
        service,
    }
    .into_response())
}

/// A link from an alert's details, safe to follow.
struct LinkView {
    href: String,
    text: String,
}

/// An image from an alert's details: shown inline when its address is HTTPS (what the pages'
/// Content-Security-Policy allows), else offered as a link.
struct ImageView {
    src: String,
    href: Option<String>,
    alt: String,
    inline: bool,
}

/// A note as shown.
struct NoteView {
    note: String,
    author: String,
    at: TimeView,
}

#[derive(Template, WebTemplate)]
#[template(path = "alert.html")]
struct AlertPage {
    user: String,
    csrf: String,
    alert: Alert,
    status: &'static str,
    severity: &'static str,
    integration: String,
    integration_kind: String,
    /// The alerts page of its service.
    service_href: String,
    started: TimeView,
    first_seen: TimeView,
    last_seen: TimeView,
    acknowledged: Option<(TimeView, String)>,
    resolved: Option<(TimeView, String)>,
    incident: Option<String>,
    description: String,
    labels: Vec<(String, String)>,
    details: Option<String>,
    links: Vec<LinkView>,
    images: Vec<ImageView>,
    payload: String,
    notes: Vec<NoteView>,
    can_write: bool,
    /// Why the last action changed nothing (an answer 409), shown on the page.
    message: Option<String>,
}

fn is_web_url(s: &str) -> bool {
    s.starts_with("https://") || s.starts_with("http://")
}

fn links_of(details: &Value) -> Vec<LinkView> {
    let mut links: Vec<LinkView> = details["links"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| {
            let href = l["href"].as_str().filter(|h| is_web_url(h))?;
            Some(LinkView {
                href: href.to_string(),
                text: l["text"]
                    .as_str()
                    .filter(|t| !t.trim().is_empty())
                    .unwrap_or(href)
                    .to_string(),
            })
        })
        .collect();
    if let Some(url) = details["client_url"].as_str().filter(|u| is_web_url(u)) {
        let client = details["client"].as_str().unwrap_or("the sender");
        links.push(LinkView {
            href: url.to_string(),
            text: format!("Open in {client}"),
        });
    }
    links
}

fn images_of(details: &Value) -> Vec<ImageView> {
    details["images"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| {
            let src = i["src"].as_str().filter(|s| is_web_url(s))?;
            Some(ImageView {
                src: src.to_string(),
                href: i["href"]
                    .as_str()
                    .filter(|h| is_web_url(h))
                    .map(str::to_string),
                alt: i["alt"]
                    .as_str()
                    .unwrap_or("an image sent with the alert")
                    .to_string(),
                inline: src.starts_with("https://"),
            })
        })
        .collect()
}

/// The body as the sender sent it, pretty-printed, without the integration key PagerDuty
/// senders put in it (`routing_key`, v1 `service_key`): whoever can read alerts must not be able
/// to send them.
pub fn shown_payload(payload: &Value) -> String {
    let mut p = payload.clone();
    if let Some(obj) = p.as_object_mut() {
        for k in ["routing_key", "service_key"] {
            if let Some(v) = obj.get_mut(k).filter(|v| v.is_string()) {
                *v = Value::String("(the integration key, hidden)".into());
            }
        }
    }
    serde_json::to_string_pretty(&p).unwrap_or_else(|_| p.to_string())
}

fn alert_id(raw: &str) -> Result<i64, UiError> {
    raw.parse()
        .map_err(|_| UiError(AppError::NotFound(format!("alert '{raw}'"))))
}

async fn render_alert(
    state: &AppState,
    actor: &UiActor,
    id: i64,
    message: Option<String>,
) -> Result<AlertPage, UiError> {
    actor.0.require(AccountRole::Viewer)?;
    // An alert of an incident the viewer may not see is not found, as the incident is not.
    let alert = act::visible_alert(state, &actor.0, id).await?;
    let notes = state.store.alert_notes(id).await?;
    let (integration, integration_kind) = match state.store.integration(alert.integration_id).await
    {
        Ok(i) => (i.name, i.kind),
        Err(debrief_store::StoreError::NotFound(_)) => (
            format!("integration {}", alert.integration_id),
            String::new(),
        ),
        Err(e) => return Err(e.into()),
    };
    let d = &alert.details;
    let labels = d["labels"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map_or_else(|| v.to_string(), str::to_string),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let details = Some(&d["details"])
        .filter(|v| !v.is_null())
        .map(|v| serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string()));
    Ok(AlertPage {
        user: actor.0.user.name.clone(),
        csrf: actor.csrf(),
        status: alert.status.as_str(),
        severity: alert.severity.as_str(),
        integration,
        integration_kind,
        service_href: format!("/alerts?service={}", urlencode(&alert.service)),
        started: TimeView::new(alert.started_at),
        first_seen: TimeView::new(alert.first_seen_at),
        last_seen: TimeView::new(alert.last_seen_at),
        acknowledged: alert.acknowledged_at.map(|t| {
            (
                TimeView::new(t),
                alert.acknowledged_by.clone().unwrap_or_default(),
            )
        }),
        resolved: alert.resolved_at.map(|t| {
            (
                TimeView::new(t),
                alert.resolved_by.clone().unwrap_or_default(),
            )
        }),
        incident: alert.incident.clone(),
        description: d["description"].as_str().unwrap_or_default().to_string(),
        labels,
        details,
        links: links_of(d),
        images: images_of(d),
        payload: shown_payload(&alert.payload),
        notes: notes
            .into_iter()
            .map(|n| NoteView {
                note: n.note,
                author: n.author,
                at: TimeView::new(n.created_at),
            })
            .collect(),
        can_write: actor.0.role >= AccountRole::Responder,
        message,
        alert,
    })
}

async fn alert_page(
    State(state): State<AppState>,
    actor: UiActor,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let id = alert_id(&id)?;
    Ok(render_alert(&state, &actor, id, None)
        .await?
        .into_response())
}

/// Acknowledges or resolves; when the alert has moved on meanwhile (409), shows its page with
/// the reason instead of an error page.
async fn set_status(
    state: &AppState,
    actor: &UiActor,
    raw: &str,
    to: AlertStatus,
) -> Result<Response, UiError> {
    let id = alert_id(raw)?;
    match act::set_status(state, &actor.0, id, to).await {
        Ok(_) => Ok(Redirect::to(&format!("/alerts/{id}")).into_response()),
        Err(AppError::Conflict(m)) => {
            let page = render_alert(state, actor, id, Some(m)).await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn acknowledge(
    State(state): State<AppState>,
    actor: UiActor,
    Path(id): Path<String>,
    CsrfForm(_pairs): CsrfForm,
) -> Result<Response, UiError> {
    set_status(&state, &actor, &id, AlertStatus::Acknowledged).await
}

async fn resolve(
    State(state): State<AppState>,
    actor: UiActor,
    Path(id): Path<String>,
    CsrfForm(_pairs): CsrfForm,
) -> Result<Response, UiError> {
    set_status(&state, &actor, &id, AlertStatus::Resolved).await
}

async fn add_note(
    State(state): State<AppState>,
    actor: UiActor,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    let id = alert_id(&id)?;
    act::add_note(&state, &actor.0, id, field(&pairs, "note")).await?;
    Ok(Redirect::to(&format!("/alerts/{id}#notes")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_payload_is_shown_without_the_integration_key() {
        let shown = shown_payload(&json!({
            "routing_key": "0123456789abcdef0123456789abcdef",
            "event_action": "trigger",
            "payload": {"summary": "<b>disk</b> full", "routing_key": "kept: not the key field"}
        }));
        assert!(!shown.contains("0123456789abcdef"), "{shown}");
        assert!(shown.contains("(the integration key, hidden)"), "{shown}");
        assert!(shown.contains("kept: not the key field"), "{shown}");
        assert!(
            shown.contains("\n  \"event_action\": \"trigger\""),
            "pretty: {shown}"
        );
    }

    #[test]
    fn only_web_links_and_images_are_offered() {
        let d = json!({
            "links": [{"href": "javascript:alert(1)", "text": "x"}, {"href": "https://runbooks.example/disk", "text": ""}],
            "images": [{"src": "http://graphs.example/a.png"}, {"src": "https://graphs.example/b.png", "href": "https://graphs.example", "alt": "CPU"}, {"src": "data:image/png;base64,AA"}],
            "client": "Grafana", "client_url": "https://grafana.example/alerting"
        });
        let links = links_of(&d);
        assert_eq!(
            links
                .iter()
                .map(|l| (l.href.as_str(), l.text.as_str()))
                .collect::<Vec<_>>(),
            [
                (
                    "https://runbooks.example/disk",
                    "https://runbooks.example/disk"
                ),
                ("https://grafana.example/alerting", "Open in Grafana")
            ]
        );
        let images = images_of(&d);
        assert_eq!(images.len(), 2);
        assert!(!images[0].inline, "plain http is a link, not an image");
        assert!(images[1].inline);
        assert_eq!(images[1].alt, "CPU");
    }

    #[test]
    fn list_links_keep_the_filters() {
        assert_eq!(
            list_href(Tab::Resolved, "check out", "3", Some(41)),
            "/alerts?tab=resolved&service=check%20out&integration=3&cursor=41"
        );
        assert_eq!(list_href(Tab::Open, "", "", None), "/alerts?tab=open");
    }
}
