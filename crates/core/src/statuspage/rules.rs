//! The rules of a status page: its overall status, an incident's impact, when maintenance moves
//! on, and what a valid component is.

use super::{
    ComponentState, DEGRADED_DESCRIPTION, Impact, Indicator, MAINTENANCE_DESCRIPTION,
    MaintenanceStatus,
};
use crate::Timestamp;
use crate::validation::{ValidationError, optional_text, required_text};
use jiff::SignedDuration;

/// The longest component or group name.
pub const MAX_COMPONENT_NAME: usize = 200;
/// The longest component description.
pub const MAX_COMPONENT_DESCRIPTION: usize = 1000;
/// The largest component position.
pub const MAX_POSITION: i64 = 100_000;

/// The page-wide status: `status.json`'s `indicator` and `description`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageStatus {
    /// How bad things are.
    pub indicator: Indicator,
    /// Statuspage's blended-status words, e.g. "Partial System Outage".
    pub description: &'static str,
}

/// The page's overall status from its (non-group) components' states, the impacts of its
/// unresolved incidents, and whether maintenance is in progress (`in_progress` or
/// `verifying`, see [`MaintenanceStatus::is_active`]).
///
/// From the components, Statuspage-like, worst first:
/// - some `major_outage`: `critical` ("Major Service Outage") when **more than half** of the
///   components are in major outage, else `major` ("Partial System Outage");
/// - some `partial_outage`: `minor` ("Minor Service Outage");
/// - some `degraded_performance`: `minor` ("Partially Degraded Service");
/// - some `under_maintenance`, or maintenance in progress: `maintenance` ("Service Under
///   Maintenance"), as live Statuspage pages say (issue 9, part 10);
/// - otherwise `none` ("All Systems Operational").
///
/// Each unresolved incident raises the indicator to at least [`Indicator::from_impact`] of its
/// impact (so an incident declared before anyone touched a component still shows). When an
/// incident raises it above the components' indicator, the description is that indicator's
/// [`Indicator::description`]; otherwise the components' description stands. An incident of
/// impact `none` leaves a page under maintenance at `maintenance`.
pub fn page_status(
    components: &[ComponentState],
    active_impacts: &[Impact],
    maintenance_active: bool,
) -> PageStatus {
    let count = |s: ComponentState| components.iter().filter(|c| **c == s).count();
    let major = count(ComponentState::MajorOutage);
    let from_components = if major > 0 {
        let indicator = if major * 2 > components.len() {
            Indicator::Critical
        } else {
            Indicator::Major
        };
        PageStatus {
            indicator,
            description: indicator.description(),
        }
    } else if count(ComponentState::PartialOutage) > 0 {
        PageStatus {
            indicator: Indicator::Minor,
            description: Indicator::Minor.description(),
        }
    } else if count(ComponentState::DegradedPerformance) > 0 {
        PageStatus {
            indicator: Indicator::Minor,
            description: DEGRADED_DESCRIPTION,
        }
    } else if maintenance_active || count(ComponentState::UnderMaintenance) > 0 {
        PageStatus {
            indicator: Indicator::Maintenance,
            description: MAINTENANCE_DESCRIPTION,
        }
    } else {
        PageStatus {
            indicator: Indicator::None,
            description: Indicator::None.description(),
        }
    };
    let from_incidents = active_impacts
        .iter()
        .map(|i| Indicator::from_impact(*i))
        .max()
        .unwrap_or(Indicator::None);
    if from_incidents > from_components.indicator {
        PageStatus {
            indicator: from_incidents,
            description: from_incidents.description(),
        }
    } else {
        from_components
    }
}

/// An incident's impact from the component states its updates set (Statuspage's calculated
/// impact, before any override): the worst state decides, `degraded_performance` → `minor`,
/// `partial_outage` → `major`, `major_outage` → `critical`; `operational`,
/// `under_maintenance` or no components → `none` (maintenance is not an incident's impact).
pub fn incident_impact(states: impl IntoIterator<Item = ComponentState>) -> Impact {
    match ComponentState::worst(states) {
        ComponentState::Operational | ComponentState::UnderMaintenance => Impact::None,
        ComponentState::DegradedPerformance => Impact::Minor,
        ComponentState::PartialOutage => Impact::Major,
        ComponentState::MajorOutage => Impact::Critical,
    }
}

fn verify_end(ends: Timestamp, verify_minutes: u32) -> Timestamp {
    ends.saturating_add(SignedDuration::from_mins(i64::from(verify_minutes)))
        .expect("a signed duration never fails to add")
}

/// Where a maintenance window is at `now`, on time alone: `scheduled` before `starts`,
/// `in_progress` in `[starts, ends)`, `verifying` in `[ends, ends + verify_minutes)` and
/// `completed` from then on (with `verify_minutes = 0` it goes straight to `completed`).
pub fn maintenance_status_at(
    starts: Timestamp,
    ends: Timestamp,
    verify_minutes: u32,
    now: Timestamp,
) -> MaintenanceStatus {
    if now < starts {
        MaintenanceStatus::Scheduled
    } else if now < ends {
        MaintenanceStatus::InProgress
    } else if now < verify_end(ends, verify_minutes) {
        MaintenanceStatus::Verifying
    } else {
        MaintenanceStatus::Completed
    }
}

/// The next time-based move after `now` and when it happens, for the job that moves
/// maintenance on time: `(in_progress, starts)`, `(verifying, ends)` (or `(completed, ends)`
/// when `verify_minutes = 0`), `(completed, ends + verify_minutes)`; `None` once completed.
pub fn next_transition_at(
    starts: Timestamp,
    ends: Timestamp,
    verify_minutes: u32,
    now: Timestamp,
) -> Option<(MaintenanceStatus, Timestamp)> {
    match maintenance_status_at(starts, ends, verify_minutes, now) {
        MaintenanceStatus::Scheduled => Some((MaintenanceStatus::InProgress, starts)),
        MaintenanceStatus::InProgress if verify_minutes == 0 => {
            Some((MaintenanceStatus::Completed, ends))
        }
        MaintenanceStatus::InProgress => Some((MaintenanceStatus::Verifying, ends)),
        MaintenanceStatus::Verifying => Some((
            MaintenanceStatus::Completed,
            verify_end(ends, verify_minutes),
        )),
        MaintenanceStatus::Completed => None,
    }
}

/// Checks a maintenance window: it must end after it starts.
pub fn validate_maintenance_window(
    starts: Timestamp,
    ends: Timestamp,
) -> Result<(), ValidationError> {
    if ends > starts {
        Ok(())
    } else {
        Err(ValidationError::one(
            "scheduled_until",
            "must be after scheduled_for",
        ))
    }
}

/// A component's validated, trimmed fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewComponent {
    /// 1 to 200 characters.
    pub name: String,
    /// Up to 1000 characters; `None` when blank.
    pub description: Option<String>,
    /// The group's name, up to 200 characters; `None` (blank) for a top-level component.
    pub group_name: Option<String>,
    /// Sort order within its group (or the page): 0 to [`MAX_POSITION`].
    pub position: i64,
}

/// Validates a component's name (required, at most 200 characters, no control characters),
/// optional description and group name, and position; every bad field is reported.
pub fn validate_component(
    name: &str,
    description: Option<&str>,
    group_name: Option<&str>,
    position: i64,
) -> Result<NewComponent, ValidationError> {
    let mut errors = ValidationError::default();
    let name = required_text(&mut errors, "name", name, MAX_COMPONENT_NAME);
    let description = optional_text(
        &mut errors,
        "description",
        description,
        MAX_COMPONENT_DESCRIPTION,
    );
    let group_name = optional_text(&mut errors, "group_name", group_name, MAX_COMPONENT_NAME);
    if !(0..=MAX_POSITION).contains(&position) {
        errors.push("position", format!("must be between 0 and {MAX_POSITION}"));
    }
    errors.into_result(NewComponent {
        name,
        description,
        group_name,
        position,
    })
}
