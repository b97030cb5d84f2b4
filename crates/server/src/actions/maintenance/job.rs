//! The time job (kind [`KIND`](super::KIND)): moves a maintenance to the status its times say.
//!
//! A job may be stale when it runs: the maintenance was cancelled, completed early, moved on by
//! an operator's update, or given a new window (whose own jobs were enqueued then). So it
//! re-reads the maintenance and does nothing unless the moment it was made for is still the
//! maintenance's moment for that status, and the status still moves forward. Its write names the
//! version it read: when an operator changed the maintenance meanwhile, it decides again.

use super::{CANCELLED, component_moves, component_notices, moment, rank, status_at, text_for};
use crate::AppState;
use crate::jobs::{JobKind, Outcome};
use crate::status::notices::{Change, notice_job};
use debrief_core::Timestamp;
use debrief_store::StoreError;
use debrief_store::jobs::Job;
use debrief_store::status_page::MaintenanceUpdate;

/// How often a step is decided again after losing a race with an operator's change.
const TRIES: usize = 5;

/// The payload of a time job.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Step {
    /// The maintenance (the store fills it in for new maintenance, see `Store::add_maintenance`).
    pub(crate) maintenance_id: i64,
    /// The status it moves to. Jobs enqueued before windows could change name no moment
    /// (status and `at`); their times are checked when they run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) status: Option<String>,
    /// The moment it was made for (Unix milliseconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) at: Option<i64>,
}

/// The time job (kind [`KIND`](super::KIND)).
pub(crate) struct MaintenanceJob;

impl JobKind<AppState> for MaintenanceJob {
    const KIND: &'static str = super::KIND;
    type Payload = Step;

    fn summary(p: &Step) -> String {
        match &p.status {
            Some(status) => format!("moves maintenance {} to {status}", p.maintenance_id),
            None => format!("moves maintenance {} on", p.maintenance_id),
        }
    }

    async fn run(state: &AppState, _: &Job, p: Step) -> Outcome {
        advance(state, p, state.clock.now()).await
    }
}

/// Moves a maintenance to the status its times say.
async fn advance(state: &AppState, p: Step, now: Timestamp) -> Outcome {
    let id = p.maintenance_id;
    let made_for = p.status.as_deref().zip(p.at);
    for _ in 0..TRIES {
        let m = match state.store.maintenance(id).await {
            Ok(m) => m,
            Err(StoreError::NotFound(_)) => {
                return Outcome::GiveUp(format!("maintenance {id} no longer exists"));
            }
            Err(e) => return Outcome::Retry(e.to_string()),
        };
        if m.status == CANCELLED {
            return Outcome::Done;
        }
        if let Some((status, at)) = made_for
            && moment(&m, status).as_millisecond() != at
        {
            // Rescheduled since: the new window's own job makes this move.
            return Outcome::Done;
        }
        let target = status_at(&m, now);
        if rank(target) <= rank(&m.status) {
            return Outcome::Done;
        }
        let components = match state.store.components(m.page_id).await {
            Ok(c) => c,
            Err(e) => return Outcome::Retry(e.to_string()),
        };
        let (states, previous) = component_moves(&m, &components, target);
        let at = debrief_core::later_than(m.updates.last().map(|u| u.at), now);
        let mut next = m.clone();
        next.status = target.to_string();
        next.previous_states = previous;
        next.updates.push(MaintenanceUpdate {
            status: target.to_string(),
            body: text_for(target).into(),
            at,
        });
        let key = format!("status:{}:maintenance:{id}:{target}", m.page_id);
        let mut changes = component_notices(&key, &states, &components, at);
        changes.push(Change::Update {
            id: format!("m{id}"),
            key: key.clone(),
            components: m.components.clone(),
            at,
        });
        let told = notice_job(state, m.page_id, &key, &changes, at);
        match state
            .store
            .write_maintenance(&next, &states, &[told], at)
            .await
        {
            Ok(true) => return moved(state, m.page_id).await,
            Ok(false) => continue,
            Err(e) => return Outcome::Retry(e.to_string()),
        }
    }
    Outcome::Retry(format!(
        "maintenance {id} kept changing while its next step was decided"
    ))
}

/// Rebuilds the page once the move is committed (its subscribers are told by the job the move
/// enqueued).
async fn moved(state: &AppState, page_id: i64) -> Outcome {
    state.jobs.wake();
    match state.store.page(page_id).await {
        Ok(page) => {
            let _ = state.status.refresh(&page.slug).await;
            Outcome::Done
        }
        Err(e) => Outcome::Retry(e.to_string()),
    }
}
