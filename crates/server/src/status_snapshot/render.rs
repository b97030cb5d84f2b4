//! Rendering a page's snapshot: its HTML pages (no script) and its documents.

use super::{File, PageSnapshot};
use crate::AppError;
use askama::Template;
use debrief_core::Timestamp;
use debrief_core::statuspage::input::PageInput;
use debrief_core::statuspage::public_id::PublicIds;
use debrief_core::statuspage::v2::{self, Status};
use debrief_core::statuspage::{Indicator, MaintenanceStatus, UpdateStatus, build, expiry, uptime};
use debrief_store::Store;
use debrief_store::status_page::StatusPage;
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
    /// Its id (the subscription form's choice).
    pub id: String,
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
    pub id: String,
    /// Name.
    pub name: String,
    /// Status.
    pub status: String,
    /// Impact.
    pub impact: String,
    /// Whether it is unresolved.
    pub active: bool,
    /// When it was first published (to sort the history by).
    pub created_at: Timestamp,
    /// A maintenance's window.
    pub window: Option<(PageTime, PageTime)>,
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
    // Ninety of these per component: the tooltip names only what happened.
    let Some(p) = d.uptime_percent else {
        return (class, format!("{}: no data", d.date));
    };
    let mut title = format!(
        "{}: {}% uptime",
        d.date,
        debrief_core::statuspage::uptime::format_percent(p)
    );
    for (minutes, what) in [
        (d.outage_minutes, "major outage"),
        (d.partial_minutes, "partial outage"),
    ] {
        if minutes > 0 {
            title.push_str(&format!(
                ", {} {what}",
                debrief_core::duration::minutes_or_dash(Some(minutes as f64))
            ));
        }
    }
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

/// The CSS class of the page's overall status (the same rollup as `status.json`).
fn overall_class(status: &Status) -> &'static str {
    match status.indicator {
        Indicator::None => "ok",
        Indicator::Maintenance => "maintenance",
        Indicator::Minor => "minor",
        Indicator::Major => "partial",
        Indicator::Critical => "major",
    }
}

#[derive(Template)]
#[template(path = "status/index.html")]
struct IndexPage<'a> {
    page: &'a StatusPage,
    header: String,
    logo: Option<String>,
    overall: &'a str,
    overall_class: &'static str,
    groups: Vec<GroupView>,
    active: Vec<&'a IncidentView>,
    history: Vec<&'a IncidentView>,
    maintenances: Vec<MaintenanceView>,
    updated: PageTime,
}

/// Upcoming or running maintenance as shown.
pub struct MaintenanceView {
    /// Its public id.
    pub id: String,
    /// Title.
    pub title: String,
    /// "Scheduled", "In progress", "Verifying".
    pub status: String,
    /// Window start (to sort by).
    pub starts_at: Timestamp,
    /// Window start.
    pub starts: PageTime,
    /// Window end.
    pub ends: PageTime,
    /// Its updates, newest first (the announcement last).
    pub updates: Vec<UpdateView>,
}

/// The page's stylesheet (its accent colour is the only thing that varies).
#[derive(Template)]
#[template(path = "status/theme.css", escape = "none")]
struct Theme<'a> {
    accent: &'a str,
}

#[derive(Template)]
#[template(path = "status/incident.html")]
struct IncidentPage<'a> {
    page: &'a StatusPage,
    incident: &'a IncidentView,
}

/// An incident as shown; its `postmortem` update (the published postmortem's customer-facing
/// summary, see [`super::documents`]) is shown as its own section.
fn incident_view(i: &v2::Incident, tz: &jiff::tz::TimeZone) -> IncidentView {
    let (postmortem, updates): (Vec<_>, Vec<_>) = i
        .incident_updates
        .iter()
        .cloned()
        .partition(|u| u.status == UpdateStatus::Postmortem);
    IncidentView {
        id: i.id.clone(),
        name: i.name.clone(),
        status: i.status.as_str().to_string(),
        impact: i.impact.as_str().to_string(),
        active: i.status.is_unresolved(),
        created_at: i.created_at,
        created: PageTime::new(i.created_at, tz),
        window: None,
        updates: update_views(&updates, tz),
        postmortem: postmortem
            .first()
            .map(|u| crate::markdown::to_html(&u.body)),
    }
}

fn update_views<S: Copy + std::fmt::Display>(
    updates: &[v2::IncidentUpdate<S>],
    tz: &jiff::tz::TimeZone,
) -> Vec<UpdateView> {
    updates
        .iter()
        .map(|u| UpdateView {
            status: u.status.to_string().replace('_', " "),
            body: u.body.clone(),
            at: PageTime::new(u.display_at, tz),
        })
        .collect()
}

/// A maintenance's own page (`incidents/{public id}`, its shortlink), shown like an incident's.
fn maintenance_page(m: &v2::ScheduledMaintenance, tz: &jiff::tz::TimeZone) -> IncidentView {
    IncidentView {
        id: m.id.clone(),
        name: m.name.clone(),
        status: m.status.label().to_lowercase(),
        impact: "maintenance".into(),
        active: m.status != MaintenanceStatus::Completed,
        created_at: m.scheduled_for,
        created: PageTime::new(m.scheduled_for, tz),
        window: Some((
            PageTime::new(m.scheduled_for, tz),
            PageTime::new(m.scheduled_until, tz),
        )),
        updates: update_views(&m.incident_updates, tz),
        postmortem: None,
    }
}

fn component_views(input: &PageInput, tz: &jiff::tz::TimeZone, now: Timestamp) -> Vec<GroupView> {
    let all = build::components(input);
    let days = uptime::DEFAULT_WINDOW_DAYS;
    let mut groups: Vec<GroupView> = Vec::new();
    for c in all.iter().filter(|c| !c.group) {
        let name = c
            .group_id
            .as_ref()
            .and_then(|g| all.iter().find(|x| &x.id == g))
            .map(|g| g.name.clone())
            .unwrap_or_default();
        let u = input
            .components
            .iter()
            .find(|i| i.id == c.id)
            .map(|i| uptime::uptime_bars(&i.uptime_history(), tz, days, now));
        let cv = ComponentView {
            id: c.id.clone(),
            name: c.name.clone(),
            description: c.description.clone().unwrap_or_default(),
            state: c.status.as_str().to_string(),
            label: state_label(c.status.as_str()),
            bars: u
                .as_ref()
                .map_or_else(Vec::new, |u| u.days.iter().map(bar).collect()),
            uptime: u.and_then(|u| u.uptime_percent).map_or_else(
                || "no data".into(),
                |p| format!("{}%", uptime::format_percent(p)),
            ),
        };
        match groups.last_mut().filter(|g| g.name == name) {
            Some(g) => g.components.push(cv),
            None => groups.push(GroupView {
                name,
                components: vec![cv],
            }),
        }
    }
    groups
}

/// Renders every file of a page as it is at `now` (links under `public_url`). The data is read first; the rendering and compression (CPU
/// work of several milliseconds) run on a blocking thread, so requests served meanwhile from
/// the previous snapshot are not held up behind it.
pub async fn snapshot(
    store: &Store,
    ids: &PublicIds,
    public_url: &str,
    page: &StatusPage,
    now: Timestamp,
) -> Result<PageSnapshot, AppError> {
    let since = now
        .checked_sub(jiff::SignedDuration::from_hours(24 * 92))
        .unwrap_or(now);
    let started = std::time::Instant::now();
    let input = super::documents::page_input(store, ids, public_url, page, since).await?;
    let read = started.elapsed();
    let page = page.clone();
    let slug = page.slug.clone();
    let snapshot = tokio::task::spawn_blocking(move || {
        let started = std::time::Instant::now();
        render_snapshot(page, &input, now).map(|s| (s, started.elapsed()))
    })
    .await
    .map_err(|e| AppError::Internal(Box::new(e)))?;
    let (snapshot, rendered) = snapshot?;
    tracing::debug!(
        page = %slug,
        read_ms = read.as_secs_f64() * 1e3,
        render_ms = rendered.as_secs_f64() * 1e3,
        "Rendered a status page snapshot"
    );
    Ok(snapshot)
}

fn render_snapshot(
    page: StatusPage,
    input: &PageInput,
    now: Timestamp,
) -> Result<PageSnapshot, AppError> {
    let tz = jiff::tz::TimeZone::get(&page.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    // Every unresolved incident, and the most recent ones.
    let mut incidents: Vec<IncidentView> = build::unresolved_incidents_doc(input)
        .incidents
        .iter()
        .map(|i| incident_view(i, &tz))
        .collect();
    for i in build::incidents_doc(input).incidents {
        if !i.status.is_unresolved() {
            incidents.push(incident_view(&i, &tz));
        }
    }
    let all_maintenances = build::maintenances_doc(input, now).scheduled_maintenances;
    let mut maintenances: Vec<MaintenanceView> = all_maintenances
        .iter()
        .filter(|m| m.status != MaintenanceStatus::Completed)
        .map(|m| MaintenanceView {
            id: m.id.clone(),
            title: m.name.clone(),
            status: m.status.label().to_string(),
            starts_at: m.scheduled_for,
            starts: PageTime::new(m.scheduled_for, &tz),
            ends: PageTime::new(m.scheduled_until, &tz),
            updates: update_views(&m.incident_updates, &tz),
        })
        .collect();
    maintenances.sort_by_key(|m| m.starts_at);
    let mut pages = incidents;
    pages.extend(all_maintenances.iter().map(|m| maintenance_page(m, &tz)));
    // Past incidents and completed maintenance, newest first.
    let mut history: Vec<&IncidentView> = pages
        .iter()
        .filter(|i| !i.active && (i.window.is_none() || i.status == "completed"))
        .collect();
    history.sort_by_key(|i| std::cmp::Reverse(i.created_at));
    let status = build::status(input, now);
    let b = &page.branding;
    let accent = b["accent_color"].as_str().unwrap_or("#1f6feb").to_string();
    let index = IndexPage {
        page: &page,
        header: b["header"].as_str().unwrap_or_default().to_string(),
        logo: b["logo_url"].as_str().map(str::to_string),
        overall: &status.description,
        overall_class: overall_class(&status),
        groups: component_views(input, &tz, now),
        active: pages
            .iter()
            .filter(|i| i.active && i.window.is_none())
            .collect(),
        history,
        maintenances,
        updated: PageTime::new(page.updated_at, &tz),
    }
    .render()
    .map_err(|e| AppError::Internal(Box::new(e)))?;
    let mut files: HashMap<String, Arc<File>> = super::documents::documents(input, now)
        .into_iter()
        .map(|(k, v)| (k, Arc::new(v)))
        .collect();
    files.insert(
        "index.html".into(),
        Arc::new(File::new("text/html; charset=utf-8", index.into_bytes())),
    );
    let theme = Theme { accent: &accent }
        .render()
        .map_err(|e| AppError::Internal(Box::new(e)))?;
    files.insert(
        "theme.css".into(),
        Arc::new(File::new("text/css; charset=utf-8", theme.into_bytes())),
    );
    Ok(PageSnapshot {
        updated_at: page.updated_at,
        valid_until: expiry::valid_until(input, uptime::DEFAULT_WINDOW_DAYS, now),
        public: page.public,
        files,
        incidents: pages
            .into_iter()
            .map(|i| (format!("incidents/{}", i.id), i))
            .collect(),
        page,
        rendered: Default::default(),
    })
}

/// Renders one incident's page (on its first request after a change, then kept).
pub fn incident_file(page: &StatusPage, incident: &IncidentView) -> Result<File, AppError> {
    let html = IncidentPage { page, incident }
        .render()
        .map_err(|e| AppError::Internal(Box::new(e)))?;
    Ok(File::new("text/html; charset=utf-8", html.into_bytes()))
}
