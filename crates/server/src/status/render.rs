//! Rendering a page's snapshot: its HTML pages (no script) and its documents.

use super::{File, PageSnapshot};
use crate::{AppError, AppState};
use askama::Template;
use debrief_core::Timestamp;
use debrief_store::status_page::{Component, PageIncident, StatusPage};
use std::collections::HashMap;
use std::sync::Arc;

/// A time shown in the page's zone, with UTC beside it.
#[derive(Debug)]
pub struct PageTime {
    /// RFC 3339 UTC, for `<time datetime>`.
    pub iso: String,
    /// `Nov 21, 2026 09:30 CET`.
    pub local: String,
    /// `2026-11-21 08:30 UTC`.
    pub utc: String,
}

impl PageTime {
    fn new(t: Timestamp, tz: &jiff::tz::TimeZone) -> Self {
        let z = t.to_zoned(tz.clone());
        Self {
            iso: debrief_core::format_utc(t),
            local: z.strftime("%b %d, %Y %H:%M %Z").to_string(),
            utc: t.strftime("%Y-%m-%d %H:%M UTC").to_string(),
        }
    }
}

/// A component row.
pub struct ComponentView {
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// State (snake_case).
    pub state: String,
    /// State for people.
    pub label: &'static str,
    /// 90 daily bars: (CSS class, tooltip).
    pub bars: Vec<(&'static str, String)>,
    /// Uptime over the window, e.g. `99.93%`.
    pub uptime: String,
}

/// A group of components.
pub struct GroupView {
    /// Group name (empty for ungrouped).
    pub name: String,
    /// Its components.
    pub components: Vec<ComponentView>,
}

/// An update as shown.
#[derive(Debug)]
pub struct UpdateView {
    /// Status.
    pub status: String,
    /// Text.
    pub body: String,
    /// When.
    pub at: PageTime,
}

/// An incident as shown.
#[derive(Debug)]
pub struct IncidentView {
    /// Its id on the page.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Status.
    pub status: String,
    /// Impact.
    pub impact: String,
    /// First published.
    pub created: PageTime,
    /// Updates, newest first.
    pub updates: Vec<UpdateView>,
    /// The published postmortem's customer-facing summary, as safe HTML.
    pub postmortem: Option<String>,
}

fn bar(d: &debrief_core::statuspage::uptime::DayBar) -> (&'static str, String) {
    use debrief_core::statuspage::ComponentState as S;
    let class = match (d.uptime_percent, d.worst_state) {
        (None, _) => "none",
        (_, Some(S::MajorOutage)) => "major",
        (_, Some(S::PartialOutage)) => "partial",
        (_, Some(S::DegradedPerformance)) => "degraded",
        (_, Some(S::UnderMaintenance)) => "maintenance",
        _ => "ok",
    };
    let title = match d.uptime_percent {
        None => format!("{}: no data", d.date),
        Some(p) => format!(
            "{}: {}% uptime; {} min major outage, {} min partial outage",
            d.date,
            debrief_core::statuspage::uptime::format_percent(p),
            d.outage_minutes,
            d.partial_minutes
        ),
    };
    (class, title)
}

/// The label of a component state.
pub fn state_label(s: &str) -> &'static str {
    match s {
        "operational" => "Operational",
        "degraded_performance" => "Degraded performance",
        "partial_outage" => "Partial outage",
        "major_outage" => "Major outage",
        "under_maintenance" => "Under maintenance",
        _ => "Unknown",
    }
}

/// The page's overall state in words, and its CSS class.
pub fn overall(components: &[Component], active: &[PageIncident]) -> (&'static str, &'static str) {
    let worst = |s: &str| components.iter().any(|c| c.state == s);
    if worst("major_outage") || active.iter().any(|i| i.impact == "critical") {
        ("Major service outage", "major")
    } else if worst("partial_outage") || active.iter().any(|i| i.impact == "major") {
        ("Partial system outage", "partial")
    } else if worst("degraded_performance") || !active.is_empty() {
        ("Minor service outage", "minor")
    } else if worst("under_maintenance") {
        ("Service under maintenance", "maintenance")
    } else {
        ("All systems operational", "ok")
    }
}

#[derive(Template)]
#[template(path = "status/index.html")]
struct IndexPage<'a> {
    page: &'a StatusPage,
    accent: String,
    header: String,
    logo: Option<String>,
    overall: &'static str,
    overall_class: &'static str,
    groups: Vec<GroupView>,
    active: Vec<IncidentView>,
    history: Vec<IncidentView>,
    maintenances: Vec<MaintenanceView>,
    updated: PageTime,
}

/// Upcoming or running maintenance as shown.
pub struct MaintenanceView {
    /// Title.
    pub title: String,
    /// What will happen.
    pub body: String,
    /// `scheduled`, `in_progress`, `verifying`.
    pub status: String,
    /// Window start.
    pub starts: PageTime,
    /// Window end.
    pub ends: PageTime,
}

#[derive(Template)]
#[template(path = "status/incident.html")]
struct IncidentPage<'a> {
    page: &'a StatusPage,
    accent: String,
    incident: &'a IncidentView,
}

fn view(i: &PageIncident, tz: &jiff::tz::TimeZone) -> IncidentView {
    IncidentView {
        id: i.incident_id,
        name: i.name.clone(),
        status: i.status.clone(),
        impact: i.impact.clone(),
        created: PageTime::new(i.created_at, tz),
        updates: i
            .updates
            .iter()
            .rev()
            .map(|u| UpdateView {
                status: u.status.clone(),
                body: u.body.clone(),
                at: PageTime::new(u.at, tz),
            })
            .collect(),
        postmortem: None,
    }
}

/// Renders every file of a page.
pub async fn snapshot(state: &AppState, page: &StatusPage) -> Result<PageSnapshot, AppError> {
    let tz = jiff::tz::TimeZone::get(&page.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let components = state.store.components(page.id).await?;
    let now = crate::actions::now();
    let since = now
        .checked_sub(jiff::SignedDuration::from_hours(24 * 92))
        .unwrap_or(now);
    let input = super::documents::page_input(state, page, since).await?;
    let days = debrief_core::statuspage::uptime::DEFAULT_WINDOW_DAYS;
    let uptime: HashMap<String, debrief_core::statuspage::uptime::Uptime> = input
        .components
        .iter()
        .filter(|c| !c.is_group)
        .map(|c| {
            (
                c.id.clone(),
                debrief_core::statuspage::uptime::uptime_bars(&c.uptime_history(), &tz, days, now),
            )
        })
        .collect();
    let incidents = state.store.page_incidents(page.id, 50).await?;
    let (active, past): (Vec<&PageIncident>, Vec<&PageIncident>) =
        incidents.iter().partition(|i| i.status != "resolved");
    let active_owned: Vec<PageIncident> = active.iter().map(|i| (*i).clone()).collect();
    let (overall, overall_class) = overall(&components, &active_owned);
    let mut groups: Vec<GroupView> = Vec::new();
    for c in &components {
        let name = c.group.clone().unwrap_or_default();
        let u = uptime.get(&c.id.to_string());
        let cv = ComponentView {
            name: c.name.clone(),
            description: c.description.clone().unwrap_or_default(),
            state: c.state.clone(),
            label: state_label(&c.state),
            bars: u.map_or_else(Vec::new, |u| u.days.iter().map(bar).collect()),
            uptime: u.and_then(|u| u.uptime_percent).map_or_else(
                || "no data".into(),
                |p| format!("{}%", debrief_core::statuspage::uptime::format_percent(p)),
            ),
        };
        match groups.iter_mut().find(|g| g.name == name) {
            Some(g) => g.components.push(cv),
            None => groups.push(GroupView {
                name,
                components: vec![cv],
            }),
        }
    }
    let b = &page.branding;
    let accent = b["accent_color"].as_str().unwrap_or("#1f6feb").to_string();
    let mut all: Vec<IncidentView> = incidents.iter().map(|i| view(i, &tz)).collect();
    for v in &mut all {
        if let Some(pm) = state.store.postmortem(v.id).await?
            && pm.status == debrief_core::postmortem::PmStatus::Published
            && !pm.customer_summary.trim().is_empty()
        {
            v.postmortem = Some(crate::actions::postmortem::view::markdown(
                &pm.customer_summary,
            ));
        }
    }
    let mut files = HashMap::new();
    let index = IndexPage {
        page,
        accent: accent.clone(),
        header: b["header"].as_str().unwrap_or_default().to_string(),
        logo: b["logo_url"].as_str().map(str::to_string),
        overall,
        overall_class,
        groups,
        active: active.iter().map(|i| view(i, &tz)).collect(),
        history: past.iter().map(|i| view(i, &tz)).collect(),
        maintenances: state
            .store
            .maintenances(page.id)
            .await?
            .into_iter()
            .filter(|m| m.status != "completed")
            .rev()
            .map(|m| MaintenanceView {
                title: m.title,
                body: m.body,
                status: m.status.replace('_', " "),
                starts: PageTime::new(m.starts_at, &tz),
                ends: PageTime::new(m.ends_at, &tz),
            })
            .collect(),
        updated: PageTime::new(page.updated_at, &tz),
    }
    .render()
    .map_err(|e| AppError::Internal(Box::new(e)))?;
    files.insert(
        "index.html".into(),
        Arc::new(File::new("text/html; charset=utf-8", index.into_bytes())),
    );
    files.extend(
        super::documents::documents(&input, now)
            .into_iter()
            .map(|(k, v)| (k, Arc::new(v))),
    );
    Ok(PageSnapshot {
        updated_at: page.updated_at,
        public: page.public,
        files,
        incidents: all
            .into_iter()
            .map(|i| (format!("incidents/{}", i.id), i))
            .collect(),
        page: page.clone(),
        accent,
        rendered: Default::default(),
    })
}

/// Renders one incident's page (on its first request after a change, then kept).
pub fn incident_file(
    page: &StatusPage,
    accent: &str,
    incident: &IncidentView,
) -> Result<File, AppError> {
    let html = IncidentPage {
        page,
        accent: accent.to_string(),
        incident,
    }
    .render()
    .map_err(|e| AppError::Internal(Box::new(e)))?;
    Ok(File::new("text/html; charset=utf-8", html.into_bytes()))
}
