//! Insights: the learning metrics report (issue requirement 9), for the API and the web page.
//!
//! The numbers and their definitions live in [`debrief_core::learning`]; this loads the records
//! they are computed from. Only incidents the caller may see are counted: the incident list is
//! read with the caller's visibility, and postmortems, action items and timelines are joined to
//! it by incident, so a private incident never shows up in anyone else's numbers.

use crate::actions::postmortem::resolved_at;
use crate::auth::Actor;
use crate::{AppError, AppState};
use debrief_core::Timestamp;
use debrief_core::incident::Incident;
use debrief_core::learning::{
    IncidentFacts, ItemFacts, LearningQuery, LearningReport, PostmortemFacts, learning_report,
};
use debrief_core::postmortem::Postmortem;
use debrief_core::status::Status;
use debrief_core::timeline::TimelineEvent;
use debrief_core::validation::ValidationError;
use debrief_store::action_item::ItemFilter;
use debrief_store::list::IncidentFilter;
use jiff::tz::TimeZone;
use std::collections::{BTreeMap, BTreeSet};

/// The statuses of an incident that has been resolved and not reopened.
const RESOLVED: [Status; 4] = [
    Status::Resolved,
    Status::Postmortem,
    Status::FollowUp,
    Status::Closed,
];

/// Incidents listed per query while reading them all.
const PAGE: i64 = 1000;

/// Parses the report's query parameters (`from`, `to`, `team`, `bucket`), checking that the
/// team exists; every bad parameter is named.
pub async fn parse_query(
    state: &AppState,
    pairs: &[(String, String)],
) -> Result<LearningQuery, AppError> {
    let today = state.clock.now().to_zoned(TimeZone::UTC).date();
    let q = LearningQuery::parse(pairs, today)?;
    check_team(state, q.team.as_deref()).await?;
    Ok(q)
}

/// A 404 problem naming `team` when it is given and no such team exists.
pub(crate) async fn check_team(state: &AppState, team: Option<&str>) -> Result<(), AppError> {
    if let Some(team) = team
        && !state
            .store
            .list_teams()
            .await?
            .iter()
            .any(|t| t.slug == team)
    {
        return Err(ValidationError::missing("team", format!("unknown team '{team}'")).into());
    }
    Ok(())
}

/// The learning report for `q`, over the incidents the actor may see.
#[tracing::instrument(skip_all, fields(from = %q.from, to = %q.to))]
pub async fn learning(
    state: &AppState,
    actor: &Actor,
    q: &LearningQuery,
) -> Result<LearningReport, AppError> {
    let now = state.clock.now();
    let tz = state
        .store
        .work_calendar()
        .await?
        .tz()
        .unwrap_or(TimeZone::UTC);
    let today = now.to_zoned(tz.clone()).date();

    let incidents = team_incidents(state, actor, q.team.as_deref(), &RESOLVED).await?;
    let mut events: BTreeMap<String, Vec<TimelineEvent>> = BTreeMap::new();
    for e in state.store.resolution_events().await? {
        events.entry(e.incident.clone()).or_default().push(e);
    }
    let (start, end) = (q.start(), q.end());
    let resolved: Vec<(&Incident, Timestamp)> = incidents
        .iter()
        .filter_map(|i| {
            let evs = events.get(&i.reference).map_or(&[][..], Vec::as_slice);
            resolved_at(i, evs).map(|at| (i, at))
        })
        .filter(|(_, at)| *at >= start && *at < end)
        .collect();

    let mut postmortems = postmortems_by_incident(state).await?;
    let mut items: BTreeMap<String, Vec<ItemFacts>> = item_facts(state, &tz, today)
        .await?
        .into_iter()
        .map(|(k, v)| (k, v.into_iter().map(|(_, f)| f).collect()))
        .collect();
    let facts: Vec<IncidentFacts> = resolved
        .into_iter()
        .map(|(i, at)| IncidentFacts {
            id: i.id,
            resolved_at: at,
            postmortem: PostmortemFacts::of(postmortems.remove(&i.id).as_ref()),
            items: items.remove(&i.reference).unwrap_or_default(),
        })
        .collect();
    Ok(learning_report(&facts, q, now, today))
}

/// Every postmortem, by incident id.
pub(crate) async fn postmortems_by_incident(
    state: &AppState,
) -> Result<BTreeMap<i64, Postmortem>, AppError> {
    Ok(state
        .store
        .postmortems(&[])
        .await?
        .into_iter()
        .map(|p| (p.incident_id, p))
        .collect())
}

/// Every action item's facts with its creation time, by incident reference; settled days in
/// the calendar zone `tz`.
pub(crate) async fn item_facts(
    state: &AppState,
    tz: &TimeZone,
    today: jiff::civil::Date,
) -> Result<BTreeMap<String, Vec<(Timestamp, ItemFacts)>>, AppError> {
    let mut items: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for i in state
        .store
        .action_items(&ItemFilter::default(), today)
        .await?
    {
        items.entry(i.incident.clone()).or_default().push((
            i.created_at,
            ItemFacts {
                status: i.status,
                due_on: i.due_on.as_deref().and_then(|d| d.parse().ok()),
                settled_on: i.settled_at.map(|s| s.to_zoned(tz.clone()).date()),
            },
        ));
    }
    Ok(items)
}

/// Every incident in one of `statuses` (all when empty) the actor may see, narrowed to those
/// affecting one of the team's services when a team is given.
pub(crate) async fn team_incidents(
    state: &AppState,
    actor: &Actor,
    team: Option<&str>,
    statuses: &[Status],
) -> Result<Vec<Incident>, AppError> {
    let services: Option<BTreeSet<String>> = match team {
        Some(team) => Some(
            state
                .store
                .list_services()
                .await?
                .into_iter()
                .filter(|s| s.team.as_deref() == Some(team))
                .map(|s| s.slug)
                .collect(),
        ),
        None => None,
    };
    let mut out = Vec::new();
    let mut before = None;
    loop {
        let page = state
            .store
            .list_incidents(
                &IncidentFilter {
                    statuses: statuses.to_vec(),
                    before,
                    limit: PAGE,
                    ..Default::default()
                },
                actor.viewer(),
            )
            .await?;
        let full = page.len() as i64 == PAGE;
        before = page.last().map(|i| i.id);
        out.extend(page.into_iter().filter(|i| {
            services
                .as_ref()
                .is_none_or(|s| i.services.iter().any(|x| s.contains(x)))
        }));
        if !full || before.is_none() {
            return Ok(out);
        }
    }
}
