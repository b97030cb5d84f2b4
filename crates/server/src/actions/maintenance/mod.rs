//! Scheduled maintenance on status pages. Scheduling it enqueues, in the same transaction, one
//! durable job for each moment its status must move (start, end, end of verification); each job
//! moves it to the status its times say, puts its components under maintenance while the work
//! runs and gives them back their earlier states afterwards.
//!
//! # Layout
//! - this module: scheduling, the statuses, the time jobs of a window and the component moves
//!   a status change makes.
//! - `job`: the time job.
//! - `ops`: what operators do after scheduling: updates, early completion, a new window,
//!   cancellation, and the admins' list.

mod job;
mod ops;

pub(crate) use job::MaintenanceJob;
pub use ops::{
    CancelInput, CompleteInput, MaintenanceUpdateInput, RescheduleInput, cancel, complete,
    get_maintenance, list_maintenances, post_update, reschedule,
};

use crate::auth::Actor;
use crate::jobs::new_job;
use crate::status::notices::{Change, notice_job};
use crate::{AppError, AppState};
use debrief_core::Timestamp;
use debrief_core::access::AccountRole;
use debrief_core::incident::parse_time;
use debrief_core::statuspage::MaintenanceStatus;
use debrief_core::validation::{ValidationError, required_text};
use debrief_store::jobs::NewJob;
use debrief_store::status_page::{Component, Maintenance, MaintenanceUpdate};

/// The job kind that moves a maintenance on time.
pub const KIND: &str = "maintenance";

/// The statuses in order.
pub const ORDER: [&str; 4] = ["scheduled", "in_progress", "verifying", "completed"];

/// The status of cancelled maintenance: kept for admins, gone from the public page (Statuspage's
/// v2 documents have no such status).
pub const CANCELLED: &str = "cancelled";

/// Maintenance to schedule, as clients send it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaintenanceInput {
    /// Title.
    pub title: String,
    /// What will happen, for customers.
    pub body: String,
    /// Window start (RFC 3339).
    pub starts_at: String,
    /// Window end (RFC 3339).
    pub ends_at: String,
    /// Affected components (ids on the page).
    #[serde(default)]
    pub components: Vec<i64>,
    /// Minutes of verification after the window (default 15).
    pub verify_minutes: Option<i64>,
}

/// When the verification after the window ends.
fn verified_at(m: &Maintenance) -> Timestamp {
    m.ends_at
        .checked_add(jiff::SignedDuration::from_mins(m.verify_minutes))
        .unwrap_or(m.ends_at)
}

/// The status a maintenance has at `now`.
pub fn status_at(m: &Maintenance, now: Timestamp) -> &'static str {
    if now < m.starts_at {
        "scheduled"
    } else if now < m.ends_at {
        "in_progress"
    } else if now < verified_at(m) {
        "verifying"
    } else {
        "completed"
    }
}

/// Where a status is in [`ORDER`] (cancelled counts as the start: nothing moves it on).
fn rank(status: &str) -> usize {
    ORDER.iter().position(|x| *x == status).unwrap_or(0)
}

/// The moment the time job for `status` moves `m` there.
fn moment(m: &Maintenance, status: &str) -> Timestamp {
    match status {
        "in_progress" => m.starts_at,
        "verifying" => m.ends_at,
        _ => verified_at(m),
    }
}

/// The time jobs of `m`'s window, one per moment its status moves. Each names the moment it was
/// made for (in its payload and its dedupe key), so the job of an earlier window does nothing
/// when it runs; `id` is the maintenance's number (`{id}` while it has none yet).
fn time_jobs(state: &AppState, m: &Maintenance, id: &str) -> Vec<NewJob> {
    ["in_progress", "verifying", "completed"]
        .into_iter()
        .map(|status| {
            let at = moment(m, status).as_millisecond();
            let step = job::Step {
                maintenance_id: m.id,
                status: Some(status.into()),
                at: Some(at),
            };
            new_job::<MaintenanceJob, _>(
                state,
                format!("{KIND}:{id}:{status}:{at}"),
                &step,
                moment(m, status),
            )
        })
        .collect()
}

/// Components with a state each: `(component, state)`.
type States = Vec<(i64, String)>;

/// What moving `m` from its status to `to` does to its components: the component states to set,
/// and the states to remember for giving them back. The work starting puts its components under
/// maintenance, remembering their states; the work ending gives them back, unless someone set
/// another state meanwhile.
fn component_moves(m: &Maintenance, components: &[Component], to: &str) -> (States, States) {
    let mut states = Vec::new();
    let mut previous = m.previous_states.clone();
    if to == "in_progress" && m.status == "scheduled" {
        previous = components
            .iter()
            .filter(|c| m.components.contains(&c.id))
            .map(|c| (c.id, c.state.clone()))
            .collect();
        states = m
            .components
            .iter()
            .map(|id| (*id, "under_maintenance".to_string()))
            .collect();
    } else if m.status == "in_progress" && to != "in_progress" {
        for (id, before) in &m.previous_states {
            if components
                .iter()
                .any(|c| c.id == *id && c.state == "under_maintenance")
            {
                states.push((*id, before.clone()));
            }
        }
    }
    (states, previous)
}

/// The component changes of a maintenance's move (`key` names the move): `states` are the
/// components' new states, `components` the page's components before it.
fn component_notices(
    key: &str,
    states: &States,
    components: &[Component],
    at: Timestamp,
) -> Vec<Change> {
    let moves = states.iter().filter_map(|(id, new)| {
        let old = &components.iter().find(|c| c.id == *id)?.state;
        Some((*id, old.clone(), new.clone()))
    });
    crate::status::notices::component_changes(key, moves, at)
}

/// The text of an update a status move writes when nobody wrote one: for a move on time, the
/// one the status page shows for the move until it is written (see
/// `debrief_core::statuspage::build`).
fn text_for(status: &str) -> &'static str {
    match status {
        CANCELLED => "This scheduled maintenance has been cancelled.",
        s => s
            .parse::<MaintenanceStatus>()
            .map_or("", MaintenanceStatus::default_body),
    }
}

/// Schedules maintenance on a page (responders).
pub async fn schedule(
    state: &AppState,
    actor: &Actor,
    page_slug: &str,
    input: &MaintenanceInput,
) -> Result<Maintenance, AppError> {
    actor.require(AccountRole::Responder)?;
    let page = state.store.page_by_slug(page_slug).await?;
    let components = state.store.components(page.id).await?;
    let mut e = ValidationError::default();
    let title = required_text(&mut e, "title", &input.title, 200);
    let body = required_text(&mut e, "body", &input.body, 10_000);
    let far = jiff::Timestamp::MAX;
    let starts = parse_time(&mut e, "starts_at", &input.starts_at, far);
    let ends = parse_time(&mut e, "ends_at", &input.ends_at, far);
    if let (Some(s), Some(t)) = (starts, ends)
        && t <= s
    {
        e.push_conflict("ends_at", "must be after starts_at");
    }
    let verify = input.verify_minutes.unwrap_or(15);
    if !(0..=24 * 60).contains(&verify) {
        e.push("verify_minutes", "must be from 0 to 1440");
    }
    for (i, id) in input.components.iter().enumerate() {
        if !components.iter().any(|c| c.id == *id) {
            e.push_missing(
                format!("components[{i}]"),
                format!("no component {id} on '{page_slug}'"),
            );
        }
    }
    e.into_result(())?;
    let (starts, ends) = (starts.expect("valid"), ends.expect("valid"));
    let now = state.clock.now();
    let mut m = Maintenance {
        id: 0,
        page_id: page.id,
        title,
        body: body.clone(),
        starts_at: starts,
        ends_at: ends,
        verify_minutes: verify,
        status: "scheduled".into(),
        components: input.components.clone(),
        previous_states: Vec::new(),
        updates: vec![MaintenanceUpdate {
            status: "scheduled".into(),
            body,
            at: now,
        }],
        created_at: now,
        updated_at: now,
        version: 1,
    };
    let mut jobs = time_jobs(state, &m, "{id}");
    let told = Change::Update {
        id: "m{id}".into(),
        key: format!("status:{}:maintenance:{{id}}:scheduled", page.id),
        components: m.components.clone(),
        at: now,
    };
    jobs.push(notice_job(
        state,
        page.id,
        told.key(),
        std::slice::from_ref(&told),
        now,
    ));
    m = state
        .store
        .add_maintenance(&m, actor.user.id, &jobs)
        .await?;
    state.jobs.wake();
    state.status.refresh(&page.slug).await?;
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().expect("a time")
    }

    fn maintenance(status: &str) -> Maintenance {
        Maintenance {
            id: 7,
            page_id: 1,
            title: "Upgrade".into(),
            body: "x".into(),
            starts_at: t("2026-11-21T08:00:00Z"),
            ends_at: t("2026-11-21T09:00:00Z"),
            verify_minutes: 15,
            status: status.into(),
            components: vec![1],
            previous_states: vec![(1, "degraded_performance".into())],
            updates: Vec::new(),
            created_at: t("2026-11-20T08:00:00Z"),
            updated_at: t("2026-11-20T08:00:00Z"),
            version: 1,
        }
    }

    fn component(id: i64, state: &str) -> Component {
        Component {
            id,
            page_id: 1,
            name: format!("c{id}"),
            description: None,
            group: None,
            position: id,
            services: Vec::new(),
            state: state.into(),
            created_at: t("2026-11-20T08:00:00Z"),
            updated_at: t("2026-11-20T08:00:00Z"),
        }
    }

    #[test]
    fn each_time_job_names_the_moment_of_its_window() {
        let m = maintenance("scheduled");
        assert_eq!(moment(&m, "in_progress"), t("2026-11-21T08:00:00Z"));
        assert_eq!(moment(&m, "verifying"), t("2026-11-21T09:00:00Z"));
        assert_eq!(moment(&m, "completed"), t("2026-11-21T09:15:00Z"));
    }

    #[test]
    fn starting_puts_components_under_maintenance_and_remembers_their_states() {
        let m = maintenance("scheduled");
        let (states, previous) = component_moves(
            &m,
            &[component(1, "partial_outage"), component(2, "operational")],
            "in_progress",
        );
        assert_eq!(states, [(1, "under_maintenance".to_string())]);
        assert_eq!(previous, [(1, "partial_outage".to_string())]);
    }

    #[test]
    fn ending_gives_states_back_unless_someone_changed_them_meanwhile() {
        let m = maintenance("in_progress");
        let back = component_moves(&m, &[component(1, "under_maintenance")], "completed");
        assert_eq!(back.0, [(1, "degraded_performance".to_string())]);
        let changed = component_moves(&m, &[component(1, "major_outage")], "verifying");
        assert!(changed.0.is_empty());
        let later = component_moves(&maintenance("verifying"), &[], "completed");
        assert!(later.0.is_empty());
    }

    #[test]
    fn cancelled_maintenance_ranks_with_scheduled() {
        assert_eq!(rank(CANCELLED), rank("scheduled"));
        assert!(rank("completed") > rank("verifying"));
    }
}
