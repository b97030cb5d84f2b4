//! Plain inputs for the status page documents: what the store loads for one page.
//!
//! [`super::build`] turns them into the Statuspage v2 documents; [`super::atom`] and
//! [`super::webhook`] read them too.

use super::uptime::{History, StateChange};
use super::{ComponentState, Impact, MaintenanceStatus, UpdateStatus};
use crate::Timestamp;
use jiff::civil::Date;

/// A status page and everything on it.
#[derive(Debug, Clone, PartialEq)]
pub struct PageInput {
    /// The page's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The public page's URL (a trailing slash is dropped).
    pub url: String,
    /// Its IANA time zone.
    pub time_zone: String,
    /// When anything on it last changed.
    pub updated_at: Timestamp,
    /// Its components and groups, in any order.
    pub components: Vec<ComponentInput>,
    /// Its published incidents, in any order.
    pub incidents: Vec<PageIncidentInput>,
    /// Its scheduled maintenance, in any order.
    pub maintenances: Vec<MaintenanceInput>,
}

/// A component or a group.
#[derive(Debug, Clone, PartialEq)]
pub struct ComponentInput {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Optional text shown beside it.
    pub description: Option<String>,
    /// Sort order within its group (or the page).
    pub position: i64,
    /// Whether this is a group (its state is then its children's worst).
    pub is_group: bool,
    /// The group it belongs to.
    pub group_id: Option<String>,
    /// Whether it is shown on the page.
    pub showcase: bool,
    /// Whether it is only shown while not operational.
    pub only_show_if_degraded: bool,
    /// The date from which its uptime is shown.
    pub start_date: Option<Date>,
    /// When it was created (operational from then until its first change).
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// Its current state.
    pub state: ComponentState,
    /// Its state changes since creation, for the uptime bars.
    pub history: Vec<StateChange>,
}

impl ComponentInput {
    /// Its history for [`super::uptime::uptime_bars`] (operational at creation).
    pub fn uptime_history(&self) -> History<'_> {
        History {
            created_at: self.created_at,
            initial: ComponentState::Operational,
            changes: &self.history,
        }
    }
}

/// A component whose state an update changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AffectedInput {
    /// The component's id.
    pub component_id: String,
    /// Its state before the update.
    pub old_state: ComponentState,
    /// Its state set by the update.
    pub new_state: ComponentState,
}

/// One customer-facing update (`S` = [`UpdateStatus`] or [`MaintenanceStatus`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateInput<S> {
    /// Its id.
    pub id: String,
    /// The status it moved to.
    pub status: S,
    /// The text for customers.
    pub body: String,
    /// When it was posted.
    pub created_at: Timestamp,
    /// When it was last edited.
    pub updated_at: Timestamp,
    /// The time shown for it.
    pub display_at: Timestamp,
    /// The components it changed.
    pub affected: Vec<AffectedInput>,
    /// Whether subscribers were notified.
    pub deliver_notifications: bool,
}

/// An incident published on the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageIncidentInput {
    /// Its id.
    pub id: String,
    /// Its title for customers.
    pub name: String,
    /// When it was published.
    pub created_at: Timestamp,
    /// When it was last edited (the result is the latest of this and its updates').
    pub updated_at: Timestamp,
    /// When impact began; `created_at` when unknown.
    pub started_at: Option<Timestamp>,
    /// An impact chosen by hand instead of the calculated one.
    pub impact_override: Option<Impact>,
    /// Its updates, in any order.
    pub updates: Vec<UpdateInput<UpdateStatus>>,
}

/// Scheduled maintenance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaintenanceInput {
    /// Its id.
    pub id: String,
    /// Its title for customers.
    pub name: String,
    /// When it was announced.
    pub created_at: Timestamp,
    /// When it was last edited (the result is the latest of this and its updates').
    pub updated_at: Timestamp,
    /// When the window opens.
    pub scheduled_for: Timestamp,
    /// When the window closes.
    pub scheduled_until: Timestamp,
    /// Minutes of `verifying` after the window closes.
    pub verify_minutes: u32,
    /// The components it affects.
    pub component_ids: Vec<String>,
    /// Its updates, in any order. The `k`th update at a status has the id
    /// [`super::public_id::maintenance_update`]`(id, status, k)`: the update [`super::build`]
    /// shows before the maintenance's job has written it (`k` = 1) keeps its id once written.
    pub updates: Vec<UpdateInput<MaintenanceStatus>>,
}
