//! Incident commands: declare, update, transition, roles, merge, timestamp overrides.
//!
//! # Layout
//! - this module: the retry loop every change goes through (`change`) and shared helpers.
//! - `declare`, `update` (fields and status transitions), `roles`, `merge`, `key_times`
//!   (derived key timestamps and their overrides).

mod custom_values;
mod declare;
use declare::check_catalog;
mod key_times;
mod merge;
mod roles;
mod update;

pub use custom_values::custom_fields_json;
pub use declare::declare_incident;
pub(crate) use declare::severities;
pub use key_times::{event_facts, key_timestamps, override_timestamps};
pub use merge::merge_incident;
pub use roles::{RoleInput, assign_role};
pub use update::{TransitionInput, transition_incident, update_incident};

use crate::auth::Actor;
use crate::{AppError, AppState};
use debrief_core::Timestamp;
use debrief_core::access::AccountRole;
use debrief_core::custom_field::FieldValues;
use debrief_core::incident::{
    DeclareInput, Incident, IncidentChanges, IncidentRef, RoleAssignment, UpdateInput, parse_time,
};
use debrief_core::postmortem::Postmortem;
use debrief_core::role::parse_role;
use debrief_core::severity;
use debrief_core::status::Status;
use debrief_core::timeline::{EventKind, Source, TimelineEvent};
use debrief_core::timestamps::{self, EventFact, KeyTimestamps};
use debrief_core::validation::{ValidationError, optional_text, slug};
use debrief_store::StoreError;
use debrief_store::incident::{IncidentWrite, NewIncident, RoleOp};
use debrief_store::timeline::EventDraft;
use serde_json::json;

/// How many times a change is re-decided when it loses a race with another change. Every lost
/// race means another change to the incident landed, so this is about how many changes may
/// arrive at the same moment before one gives up with 409; five was too few for a busy incident
/// (twenty people changing one incident at once got 409s).
const RETRIES: usize = 64;

/// Waits before deciding again after a lost race: longer after each loss (up to about 32 ms)
/// and jittered, so requests that raced spread out instead of colliding again.
async fn back_off(attempt: usize) {
    let max_us = 1000u64 << attempt.min(5);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let jitter_us = u64::from(nanos / 1000) % max_us;
    tokio::time::sleep(std::time::Duration::from_micros(max_us / 4 + jitter_us)).await;
}

pub(crate) fn draft_event(
    actor: &Actor,
    source: Source,
    kind: EventKind,
    at: Timestamp,
    body: String,
    data: serde_json::Value,
) -> EventDraft {
    EventDraft {
        kind,
        at,
        source,
        author_id: Some(actor.user.id),
        author_name: Some(actor.user.name.clone()),
        body,
        links: Vec::new(),
        data,
        starred: false,
        created_at: at,
    }
}

/// Reads an incident the actor may see.
pub async fn get_incident(
    state: &AppState,
    actor: &Actor,
    r: IncidentRef,
) -> Result<Incident, AppError> {
    Ok(state.store.incident(r.0, actor.viewer()).await?)
}

/// Runs `decide` on fresh state until its write wins, so concurrent changes never lose an update.
/// When the caller named the version it saw (`expected`), a mismatch fails instead of retrying.
async fn change<F>(
    state: &AppState,
    actor: &Actor,
    r: IncidentRef,
    expected: Option<i64>,
    mut decide: F,
) -> Result<(Incident, Vec<TimelineEvent>), AppError>
where
    F: FnMut(&Incident, &[TimelineEvent]) -> Result<Option<IncidentWrite>, AppError>,
{
    change_with(state, actor, r, expected, false, |c, e, _| decide(c, e)).await
}

/// [`change`], with the incident's postmortem read too (when `with_postmortem`) and given to
/// `decide` (an empty record when the incident has none yet).
pub(crate) async fn change_with<F>(
    state: &AppState,
    actor: &Actor,
    r: IncidentRef,
    expected: Option<i64>,
    with_postmortem: bool,
    mut decide: F,
) -> Result<(Incident, Vec<TimelineEvent>), AppError>
where
    F: FnMut(&Incident, &[TimelineEvent], &Postmortem) -> Result<Option<IncidentWrite>, AppError>,
{
    let reads = Reads {
        postmortem: with_postmortem,
        custom: false,
    };
    change_reading(state, actor, r, expected, reads, |c, read| {
        decide(c, read.events, read.postmortem)
    })
    .await
}

/// What [`change_reading`] reads besides the incident and its timeline.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reads {
    /// The incident's postmortem (an empty record when it has none yet, or when not read).
    pub(crate) postmortem: bool,
    /// Its custom field values (none when not read). Read after the incident, so that a write
    /// guarded by the version read can only succeed if they have not changed since.
    pub(crate) custom: bool,
}

/// The state a change is decided on, besides the incident.
pub(crate) struct Read<'a> {
    /// Its timeline.
    pub(crate) events: &'a [TimelineEvent],
    /// Its postmortem.
    pub(crate) postmortem: &'a Postmortem,
    /// Its custom field values.
    pub(crate) custom: &'a FieldValues,
}

/// [`change`], reading what `reads` names and giving it to `decide`.
pub(crate) async fn change_reading<F>(
    state: &AppState,
    actor: &Actor,
    r: IncidentRef,
    expected: Option<i64>,
    reads: Reads,
    mut decide: F,
) -> Result<(Incident, Vec<TimelineEvent>), AppError>
where
    F: FnMut(&Incident, Read<'_>) -> Result<Option<IncidentWrite>, AppError>,
{
    actor.require(AccountRole::Responder)?;
    for attempt in 0..RETRIES {
        if attempt > 0 {
            back_off(attempt).await;
        }
        let current = state.store.incident(r.0, actor.viewer()).await?;
        if let Some(v) = expected.filter(|v| *v != current.version) {
            return Err(AppError::PreconditionFailed(format!(
                "{} is at version {}, not {v}: someone changed it; reload it and try again",
                current.reference, current.version
            )));
        }
        let custom = match reads.custom {
            true => state.store.custom_values(&[r.0]).await?.remove(&r.0),
            false => None,
        }
        .unwrap_or_default();
        let events = state.store.list_events(r.0).await?;
        let pm = match reads.postmortem {
            true => state.store.postmortem(r.0).await?,
            false => None,
        }
        .unwrap_or_else(|| Postmortem::empty(r.0, state.clock.now()));
        let read = Read {
            events: &events,
            postmortem: &pm,
            custom: &custom,
        };
        let Some(mut write) = decide(&current, read)? else {
            return Ok((current, Vec::new()));
        };
        // Slack hears of the change through a job committed with it.
        let slack = crate::actions::slack::channels::sync_job(state, r.0, current.version + 1);
        write.jobs.extend(slack.await);
        match state
            .store
            .apply(std::slice::from_ref(&write), state.clock.now())
            .await
        {
            Ok(written) => {
                let incident = state.store.incident(r.0, actor.viewer()).await?;
                state
                    .live
                    .publish(incident.id, incident.private || current.private, &written);
                if !write.jobs.is_empty() {
                    state.jobs.wake();
                }
                return Ok((incident, written));
            }
            Err(StoreError::Conflict(_)) if expected.is_none() => continue,
            Err(StoreError::Conflict(why)) => return Err(AppError::PreconditionFailed(why)),
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Conflict(format!(
        "{r} is being changed by many people at once; try again"
    )))
}
