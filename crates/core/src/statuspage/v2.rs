//! Statuspage public API v2 documents, field for field.
//!
//! Field names, types, nullability and enum values are Statuspage's; every field is always
//! written (as `null` when empty) except `Component::components`, which only groups carry,
//! as in Statuspage's responses. `shared/fixtures/statuspage/summary-fixture.json` (a summary
//! the statuspage-prometheus-exporter accepted) round-trips through these types unchanged.
//! Times are RFC 3339 UTC with milliseconds (see the [module docs](super)).
//!
//! Endpoints and their documents: `summary.json` → [`Summary`], `status.json` → [`StatusDoc`],
//! `components.json` → [`ComponentsDoc`], `incidents.json` and `incidents/unresolved.json` →
//! [`IncidentsDoc`], `scheduled-maintenances.json`, `…/upcoming.json` and `…/active.json` →
//! [`MaintenancesDoc`]. [`super::build`] makes them.

use super::{ComponentState, Impact, Indicator, MaintenanceStatus, UpdateStatus};
use crate::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// The page every document starts with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    /// The page's id.
    pub id: String,
    /// The page's name.
    pub name: String,
    /// The public page's URL, without a trailing slash.
    pub url: String,
    /// The page's IANA time zone ("Etc/UTC", "America/New_York").
    pub time_zone: String,
    /// When anything on the page last changed.
    #[serde(with = "crate::ts")]
    pub updated_at: Timestamp,
}

/// The page-wide status rollup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// How bad things are.
    pub indicator: Indicator,
    /// The blended status in words ("Partial System Outage").
    pub description: String,
}

/// A component, or a group of components (`group: true`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Component {
    /// The component's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its current state; a group's is the worst of its children's.
    pub status: ComponentState,
    /// When it was created.
    #[serde(with = "crate::ts")]
    pub created_at: Timestamp,
    /// When it last changed.
    #[serde(with = "crate::ts")]
    pub updated_at: Timestamp,
    /// Sort order within its group (or the page).
    pub position: i64,
    /// Optional text shown beside it.
    pub description: Option<String>,
    /// Whether it is shown on the page.
    pub showcase: bool,
    /// The date from which its uptime is shown (`YYYY-MM-DD`), if set.
    pub start_date: Option<Date>,
    /// The group it belongs to.
    pub group_id: Option<String>,
    /// The page's id.
    pub page_id: String,
    /// Whether this is a group.
    pub group: bool,
    /// Whether it is only shown while not operational.
    pub only_show_if_degraded: bool,
    /// A group's children's ids, in order; absent on components that are not groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub components: Option<Vec<String>>,
}

/// A component whose state an incident update changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AffectedComponent {
    /// The component's id.
    pub code: String,
    /// The component's name.
    pub name: String,
    /// Its state before the update.
    pub old_status: ComponentState,
    /// Its state set by the update.
    pub new_status: ComponentState,
}

/// One customer-facing update of an incident (`S` = [`UpdateStatus`]) or of scheduled
/// maintenance (`S` = [`MaintenanceStatus`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentUpdate<S> {
    /// The update's id.
    pub id: String,
    /// The status the update moved to.
    pub status: S,
    /// The text for customers.
    pub body: String,
    /// The incident's id.
    pub incident_id: String,
    /// When it was posted.
    #[serde(with = "crate::ts")]
    pub created_at: Timestamp,
    /// When it was last edited.
    #[serde(with = "crate::ts")]
    pub updated_at: Timestamp,
    /// The time shown for it (may be back-dated).
    #[serde(with = "crate::ts")]
    pub display_at: Timestamp,
    /// The components it changed; `null` when none.
    pub affected_components: Option<Vec<AffectedComponent>>,
    /// Whether subscribers were notified.
    pub deliver_notifications: bool,
    /// Always `null`: Debrief does not tweet.
    pub custom_tweet: Option<String>,
    /// Always `null`: Debrief does not tweet.
    pub tweet_id: Option<String>,
}

/// A public incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    /// The incident's id.
    pub id: String,
    /// Its title for customers.
    pub name: String,
    /// Its latest update's status.
    pub status: UpdateStatus,
    /// When it was published.
    #[serde(with = "crate::ts")]
    pub created_at: Timestamp,
    /// When it last changed.
    #[serde(with = "crate::ts")]
    pub updated_at: Timestamp,
    /// When it moved to monitoring.
    #[serde(with = "crate::ts_opt")]
    pub monitoring_at: Option<Timestamp>,
    /// When it was resolved; `null` while unresolved.
    #[serde(with = "crate::ts_opt")]
    pub resolved_at: Option<Timestamp>,
    /// How bad it is.
    pub impact: Impact,
    /// Its public URL.
    pub shortlink: String,
    /// When impact began.
    #[serde(with = "crate::ts")]
    pub started_at: Timestamp,
    /// The page's id.
    pub page_id: String,
    /// Its updates, newest first.
    pub incident_updates: Vec<IncidentUpdate<UpdateStatus>>,
    /// The components it affects, in page order, with their current state.
    pub components: Vec<Component>,
    /// Statuspage's reminder schedule for scheduled incidents; always `null` here.
    pub reminder_intervals: Option<String>,
}

/// Scheduled maintenance: an incident's fields plus its window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledMaintenance {
    /// The maintenance's id.
    pub id: String,
    /// Its title for customers.
    pub name: String,
    /// Where it is.
    pub status: MaintenanceStatus,
    /// When it was announced.
    #[serde(with = "crate::ts")]
    pub created_at: Timestamp,
    /// When it last changed.
    #[serde(with = "crate::ts")]
    pub updated_at: Timestamp,
    /// Always `null` for maintenance.
    #[serde(with = "crate::ts_opt")]
    pub monitoring_at: Option<Timestamp>,
    /// When it completed.
    #[serde(with = "crate::ts_opt")]
    pub resolved_at: Option<Timestamp>,
    /// Always `maintenance`.
    pub impact: Impact,
    /// Its public URL.
    pub shortlink: String,
    /// When the window opens.
    #[serde(with = "crate::ts")]
    pub started_at: Timestamp,
    /// The page's id.
    pub page_id: String,
    /// When the window opens.
    #[serde(with = "crate::ts")]
    pub scheduled_for: Timestamp,
    /// When the window closes.
    #[serde(with = "crate::ts")]
    pub scheduled_until: Timestamp,
    /// Its updates, newest first.
    pub incident_updates: Vec<IncidentUpdate<MaintenanceStatus>>,
    /// The components it affects, in page order, with their current state.
    pub components: Vec<Component>,
}

/// `summary.json`: everything at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// The page.
    pub page: Page,
    /// Every component, in page order.
    pub components: Vec<Component>,
    /// Unresolved incidents, newest first.
    pub incidents: Vec<Incident>,
    /// Upcoming and active maintenance, soonest first.
    pub scheduled_maintenances: Vec<ScheduledMaintenance>,
    /// The page-wide status.
    pub status: Status,
}

/// `status.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusDoc {
    /// The page.
    pub page: Page,
    /// The page-wide status.
    pub status: Status,
}

/// `components.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentsDoc {
    /// The page.
    pub page: Page,
    /// Every component, in page order.
    pub components: Vec<Component>,
}

/// `incidents.json` (the 50 most recent) and `incidents/unresolved.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentsDoc {
    /// The page.
    pub page: Page,
    /// The incidents, newest first.
    pub incidents: Vec<Incident>,
}

/// `scheduled-maintenances.json`, `…/upcoming.json` and `…/active.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaintenancesDoc {
    /// The page.
    pub page: Page,
    /// The maintenances.
    pub scheduled_maintenances: Vec<ScheduledMaintenance>,
}
