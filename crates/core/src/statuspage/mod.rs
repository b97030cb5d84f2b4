//! Public status pages, compatible with Atlassian Statuspage's public API v2 (issue #4).
//!
//! A page has components (optionally in groups, in a set order) whose state is one of
//! [`ComponentState`]; incidents published on the page carry customer-facing updates
//! ([`UpdateStatus`]) that may change component states; scheduled maintenance moves through
//! [`MaintenanceStatus`] on time. Everything here is pure: "now" is always a parameter.
//!
//! # Layout
//! - this file: the vocabularies (component states, indicators, impacts, statuses).
//! - [`rules`]: the page's overall status, incident impact, maintenance timing, component
//!   validation.
//! - [`uptime`]: per-day uptime bars and the window's percentage from a component's history.
//! - [`v2`]: the Statuspage v2 JSON documents, field for field; [`build`] makes them from
//!   the plain inputs of [`input`]; [`webhook`]: subscriber webhook payloads in Statuspage's format.
//! - [`atom`]: the page's Atom 1.0 history feed.
//! - [`public_id`]: the opaque ids incidents, maintenance and updates have in public.
//! - [`expiry`]: until when a page rendered at some moment stays true without a write.
//!
//! # Time format
//! Every time in the JSON documents is RFC 3339 in **UTC with `Z` and milliseconds**
//! (`2026-11-21T08:30:00.000Z`), via [`crate::ts`]. Live Statuspage pages write the page's own
//! offset (`2026-11-21T03:30:00.000-05:00`); both denote the same instant, readers parse either
//! (the statuspage-prometheus-exporter accepted the Z form, see
//! `shared/fixtures/statuspage/summary-fixture.json`), and UTC keeps every document
//! independent of the page's zone and its DST changes. The zone is still published as
//! `page.time_zone` and used for day boundaries ([`uptime`]) and human-readable times ([`atom`]).

pub mod atom;
pub mod build;
pub mod expiry;
pub mod input;
pub mod public_id;
pub mod rules;
pub mod uptime;
pub mod v2;
pub mod webhook;

pub use rules::{
    NewComponent, PageStatus, incident_impact, maintenance_status_at, next_transition_at,
    page_status, validate_component, validate_maintenance_window,
};

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Parses `s` as one of `all`, or explains which names are allowed.
fn parse_name<T: Copy>(
    all: &[T],
    name: fn(T) -> &'static str,
    what: &str,
    s: &str,
) -> Result<T, String> {
    all.iter().copied().find(|v| name(*v) == s).ok_or_else(|| {
        let names: Vec<&str> = all.iter().map(|v| name(*v)).collect();
        format!("unknown {what} '{s}'; expected one of {}", names.join(", "))
    })
}

/// The state of one component, as Statuspage names it.
///
/// Declared from best to worst, so `Ord` is the severity order used by [`ComponentState::worst`]:
/// `operational < under_maintenance < degraded_performance < partial_outage < major_outage`.
/// Maintenance ranks above operational (something is being worked on) and below every
/// degradation (it is planned, and says nothing about an outage).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComponentState {
    /// Working normally.
    Operational,
    /// Planned work is under way.
    UnderMaintenance,
    /// Working, but slower or less reliable than usual.
    DegradedPerformance,
    /// Down for some users or some features.
    PartialOutage,
    /// Down.
    MajorOutage,
}

impl ComponentState {
    /// Every state, from best to worst.
    pub const ALL: [ComponentState; 5] = [
        ComponentState::Operational,
        ComponentState::UnderMaintenance,
        ComponentState::DegradedPerformance,
        ComponentState::PartialOutage,
        ComponentState::MajorOutage,
    ];

    /// The snake_case name used by Statuspage and in Debrief's API.
    pub fn as_str(self) -> &'static str {
        match self {
            ComponentState::Operational => "operational",
            ComponentState::UnderMaintenance => "under_maintenance",
            ComponentState::DegradedPerformance => "degraded_performance",
            ComponentState::PartialOutage => "partial_outage",
            ComponentState::MajorOutage => "major_outage",
        }
    }

    /// The words shown on the public page ("Degraded Performance").
    pub fn label(self) -> &'static str {
        match self {
            ComponentState::Operational => "Operational",
            ComponentState::UnderMaintenance => "Under Maintenance",
            ComponentState::DegradedPerformance => "Degraded Performance",
            ComponentState::PartialOutage => "Partial Outage",
            ComponentState::MajorOutage => "Major Outage",
        }
    }

    /// The worst of some states; `operational` when there are none.
    pub fn worst(states: impl IntoIterator<Item = ComponentState>) -> ComponentState {
        states
            .into_iter()
            .max()
            .unwrap_or(ComponentState::Operational)
    }
}

impl fmt::Display for ComponentState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ComponentState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        parse_name(&Self::ALL, Self::as_str, "component status", s)
    }
}

/// The page-wide status indicator of `status.json`.
///
/// Ordered from best to worst. Statuspage's API reference lists `none`, `minor`, `major` and
/// `critical`; live Statuspage pages also send `maintenance` while maintenance is in progress
/// and nothing is worse, and so does Debrief (issue 9, part 10): a reader that sees `none` then
/// reports all clear. See [`rules::page_status`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    /// No outage.
    None,
    /// Maintenance is in progress (or components are under maintenance); nothing is worse.
    Maintenance,
    /// Degraded performance or a partial outage somewhere.
    Minor,
    /// A major outage of some components.
    Major,
    /// A major outage of most of the page.
    Critical,
}

/// The description Statuspage shows for a page whose components are only degraded.
pub const DEGRADED_DESCRIPTION: &str = "Partially Degraded Service";
/// The description Statuspage shows while components are under maintenance and none is worse.
pub const MAINTENANCE_DESCRIPTION: &str = "Service Under Maintenance";

impl Indicator {
    /// Every indicator, from best to worst.
    pub const ALL: [Indicator; 5] = [
        Indicator::None,
        Indicator::Maintenance,
        Indicator::Minor,
        Indicator::Major,
        Indicator::Critical,
    ];

    /// The snake_case name used by Statuspage.
    pub fn as_str(self) -> &'static str {
        match self {
            Indicator::None => "none",
            Indicator::Maintenance => "maintenance",
            Indicator::Minor => "minor",
            Indicator::Major => "major",
            Indicator::Critical => "critical",
        }
    }

    /// Statuspage's blended-status words for this indicator when nothing more precise applies.
    ///
    /// These are the strings live Statuspage pages send: "All Systems Operational",
    /// "Minor Service Outage", "Partial System Outage" (some components in major outage) and
    /// "Major Service Outage" (the wording of Statuspage's API reference; some pages say
    /// "Major System Outage"); `maintenance` says [`MAINTENANCE_DESCRIPTION`].
    /// [`DEGRADED_DESCRIPTION`] is the other one, chosen by [`rules::page_status`] from the
    /// component states.
    pub fn description(self) -> &'static str {
        match self {
            Indicator::None => "All Systems Operational",
            Indicator::Maintenance => MAINTENANCE_DESCRIPTION,
            Indicator::Minor => "Minor Service Outage",
            Indicator::Major => "Partial System Outage",
            Indicator::Critical => "Major Service Outage",
        }
    }

    /// The indicator an active incident of this impact raises the page to (`none` and
    /// `maintenance`: none; the page's maintenance counts through its maintenance, not its
    /// incidents).
    pub fn from_impact(impact: Impact) -> Indicator {
        match impact {
            Impact::None | Impact::Maintenance => Indicator::None,
            Impact::Minor => Indicator::Minor,
            Impact::Major => Indicator::Major,
            Impact::Critical => Indicator::Critical,
        }
    }
}

impl fmt::Display for Indicator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Indicator {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        parse_name(&Self::ALL, Self::as_str, "status indicator", s)
    }
}

/// The status of a public incident and of each of its updates.
///
/// The first four are the customer-facing half of Debrief's incident lifecycle;
/// `postmortem` is Statuspage's status for a resolved incident whose postmortem is published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UpdateStatus {
    /// The problem is being looked into.
    Investigating,
    /// The cause is known.
    Identified,
    /// A fix is in place and being watched.
    Monitoring,
    /// Over.
    Resolved,
    /// Over, and the postmortem is published.
    Postmortem,
}

impl UpdateStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [UpdateStatus; 5] = [
        UpdateStatus::Investigating,
        UpdateStatus::Identified,
        UpdateStatus::Monitoring,
        UpdateStatus::Resolved,
        UpdateStatus::Postmortem,
    ];

    /// The snake_case name used by Statuspage.
    pub fn as_str(self) -> &'static str {
        match self {
            UpdateStatus::Investigating => "investigating",
            UpdateStatus::Identified => "identified",
            UpdateStatus::Monitoring => "monitoring",
            UpdateStatus::Resolved => "resolved",
            UpdateStatus::Postmortem => "postmortem",
        }
    }

    /// The capitalised word shown on the page and in feeds ("Identified").
    pub fn label(self) -> &'static str {
        match self {
            UpdateStatus::Investigating => "Investigating",
            UpdateStatus::Identified => "Identified",
            UpdateStatus::Monitoring => "Monitoring",
            UpdateStatus::Resolved => "Resolved",
            UpdateStatus::Postmortem => "Postmortem",
        }
    }

    /// Whether an incident with this status is unresolved (`incidents/unresolved.json`).
    pub fn is_unresolved(self) -> bool {
        !matches!(self, UpdateStatus::Resolved | UpdateStatus::Postmortem)
    }
}

impl fmt::Display for UpdateStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for UpdateStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        parse_name(&Self::ALL, Self::as_str, "incident status", s)
    }
}

/// How bad an incident is for customers; `maintenance` is the impact of scheduled maintenance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Impact {
    /// No customer impact (or only maintenance-state components).
    None,
    /// Degraded performance.
    Minor,
    /// A partial outage.
    Major,
    /// A major outage.
    Critical,
    /// Scheduled maintenance.
    Maintenance,
}

impl Impact {
    /// Every impact.
    pub const ALL: [Impact; 5] = [
        Impact::None,
        Impact::Minor,
        Impact::Major,
        Impact::Critical,
        Impact::Maintenance,
    ];

    /// The snake_case name used by Statuspage.
    pub fn as_str(self) -> &'static str {
        match self {
            Impact::None => "none",
            Impact::Minor => "minor",
            Impact::Major => "major",
            Impact::Critical => "critical",
            Impact::Maintenance => "maintenance",
        }
    }
}

impl fmt::Display for Impact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Impact {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        parse_name(&Self::ALL, Self::as_str, "impact", s)
    }
}

/// Where scheduled maintenance is: `scheduled → in_progress → verifying → completed`.
///
/// Declared in that order, so `Ord` is "further along".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaintenanceStatus {
    /// Announced; the window has not started.
    Scheduled,
    /// The window is open.
    InProgress,
    /// The work is done and being checked.
    Verifying,
    /// Over.
    Completed,
}

impl MaintenanceStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [MaintenanceStatus; 4] = [
        MaintenanceStatus::Scheduled,
        MaintenanceStatus::InProgress,
        MaintenanceStatus::Verifying,
        MaintenanceStatus::Completed,
    ];

    /// The snake_case name used by Statuspage.
    pub fn as_str(self) -> &'static str {
        match self {
            MaintenanceStatus::Scheduled => "scheduled",
            MaintenanceStatus::InProgress => "in_progress",
            MaintenanceStatus::Verifying => "verifying",
            MaintenanceStatus::Completed => "completed",
        }
    }

    /// The capitalised words shown on the page and in feeds ("In progress").
    pub fn label(self) -> &'static str {
        match self {
            MaintenanceStatus::Scheduled => "Scheduled",
            MaintenanceStatus::InProgress => "In progress",
            MaintenanceStatus::Verifying => "Verifying",
            MaintenanceStatus::Completed => "Completed",
        }
    }

    /// The update Statuspage posts when maintenance moves here on its own (its default
    /// template texts); the `scheduled` one is only used when the announcement has no text.
    pub fn default_body(self) -> &'static str {
        match self {
            MaintenanceStatus::Scheduled => {
                "We will be undergoing scheduled maintenance during this time."
            }
            MaintenanceStatus::InProgress => {
                "Scheduled maintenance is currently in progress. We will provide updates as necessary."
            }
            MaintenanceStatus::Verifying => {
                "Verification is currently underway for the maintenance items."
            }
            MaintenanceStatus::Completed => "The scheduled maintenance has been completed.",
        }
    }

    /// Whether the window is open (`scheduled-maintenances/active.json`).
    pub fn is_active(self) -> bool {
        matches!(
            self,
            MaintenanceStatus::InProgress | MaintenanceStatus::Verifying
        )
    }
}

impl fmt::Display for MaintenanceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MaintenanceStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        parse_name(&Self::ALL, Self::as_str, "maintenance status", s)
    }
}

#[cfg(test)]
mod testdata;
#[cfg(test)]
mod tests;
