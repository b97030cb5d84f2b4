//! "This looks like": the past incidents most like one incident (issue 15, part 2), by the
//! measure of [`debrief_core::similar`], with why and their open action items.

use crate::actions::incident::get_incident;
use crate::actions::postmortem::today;
use crate::auth::Actor;
use crate::{AppError, AppState};
use debrief_core::action_item::ItemStatus;
use debrief_core::incident::IncidentRef;
use debrief_core::similar::{Corpus, Profile, Why};
use debrief_core::status::Status;
use debrief_store::action_item::ItemFilter;
use debrief_store::similar::profile_of;
use serde::Serialize;

/// How many earlier incidents are compared at the most (the most recent ones).
const MAX_CANDIDATES: i64 = 3000;
/// How many matches are shown at the most.
const SHOWN: usize = 5;

/// An open action item of a similar incident.
#[derive(Debug, Clone, Serialize)]
pub struct OpenItem {
    /// Its number.
    pub id: i64,
    /// What to do.
    pub title: String,
    /// `open` or `in_progress`.
    pub status: ItemStatus,
    /// Its owner's name.
    pub owner: Option<String>,
    /// The day it is due.
    pub due_on: Option<String>,
    /// Whether it is past its due day.
    pub overdue: bool,
}

/// A past incident that looks like the one asked about.
#[derive(Debug, Clone, Serialize)]
pub struct SimilarIncident {
    /// `INC-12`.
    pub reference: String,
    /// Title.
    pub title: String,
    /// Where it is in its lifecycle.
    pub status: Status,
    /// Severity key.
    pub severity: String,
    /// The measure's score (at or above its threshold).
    pub score: f64,
    /// What the two share.
    pub why: Why,
    /// Its action items not done yet.
    pub open_action_items: Vec<OpenItem>,
}

/// The incidents declared before `r` that the actor may see and that look like it: those over
/// first, then those still active, each best first; 404 when the actor may not see `r`.
pub async fn similar_incidents(
    state: &AppState,
    actor: &Actor,
    r: IncidentRef,
) -> Result<Vec<SimilarIncident>, AppError> {
    let incident = get_incident(state, actor, r).await?;
    let viewer = actor.viewer();
    let query = profile_of(
        &incident,
        state.store.evidence_of(incident.id, viewer).await?,
    );
    let candidates = state
        .store
        .similar_candidates(incident.id, viewer, MAX_CANDIDATES)
        .await?;
    let profiles: Vec<Profile> = candidates.iter().map(|c| c.profile.clone()).collect();
    // Incidents that are over (resolved and on) are the past the measure is for: they come
    // first, each group best first, so an earlier incident still burning with the same
    // mechanism is shown after them rather than in their place.
    let mut matches = Corpus::new(&profiles).rank(&query, usize::MAX);
    matches.sort_by_key(|m| {
        candidates
            .get(m.index)
            .is_none_or(|c| c.incident.status.is_active())
    });
    matches.truncate(SHOWN);
    let day = today(state).await?;
    let mut out = Vec::new();
    for m in matches {
        let Some(c) = candidates.get(m.index) else {
            continue;
        };
        let filter = ItemFilter {
            incident_id: Some(c.incident.id),
            statuses: vec![ItemStatus::Open, ItemStatus::InProgress],
            ..ItemFilter::default()
        };
        let open_action_items = state
            .store
            .action_items(&filter, day)
            .await?
            .into_iter()
            .map(|a| OpenItem {
                id: a.id,
                title: a.title,
                status: a.status,
                owner: a.owner,
                due_on: a.due_on,
                overdue: a.overdue,
            })
            .collect();
        out.push(SimilarIncident {
            reference: c.incident.reference.clone(),
            title: c.incident.title.clone(),
            status: c.incident.status,
            severity: c.incident.severity.clone(),
            score: m.score,
            why: m.why,
            open_action_items,
        });
    }
    Ok(out)
}
