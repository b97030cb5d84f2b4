//! Insights on incidents (issue 15, part 4), for the API and the web page.
//!
//! The numbers and their definitions live in [`debrief_core::incident_insights`]; this loads
//! the records they are computed from. Only incidents the caller may see are counted: the
//! incident list is read with the caller's visibility, timelines, postmortems and action items
//! are joined to it by incident, and pages are read with the same visibility clause, so a
//! private incident never shows up in anyone else's numbers.

use crate::actions::incident::key_timestamps;
use crate::actions::insights::{check_team, item_facts, postmortems_by_incident, team_incidents};
use crate::auth::Actor;
use crate::{AppError, AppState};
use debrief_core::incident_insights::{
    Facts, IncidentFact, IncidentInsights, InsightsQuery, PageFact, incident_insights,
};
use debrief_core::learning::PostmortemFacts;
use debrief_core::metrics;
use debrief_core::timeline::TimelineEvent;
use debrief_core::validation::ValidationError;
use jiff::tz::TimeZone;
use std::collections::{BTreeMap, BTreeSet};

/// Parses the report's query parameters, checking that the team and service exist (404 when
/// not); every bad parameter is named.
pub async fn parse_query(
    state: &AppState,
    pairs: &[(String, String)],
) -> Result<InsightsQuery, AppError> {
    let today = state.clock.now().to_zoned(TimeZone::UTC).date();
    let q = InsightsQuery::parse(pairs, today)?;
    check_team(state, q.period.team.as_deref()).await?;
    if let Some(s) = &q.service
        && !state
            .store
            .list_services()
            .await?
            .iter()
            .any(|x| &x.slug == s)
    {
        return Err(ValidationError::missing("service", format!("unknown service '{s}'")).into());
    }
    Ok(q)
}

/// The incident insights for `q`, over what the actor may see.
#[tracing::instrument(skip_all, fields(from = %q.period.from, to = %q.period.to))]
pub async fn incident_report(
    state: &AppState,
    actor: &Actor,
    q: &InsightsQuery,
) -> Result<IncidentInsights, AppError> {
    let now = state.clock.now();
    let calendar = state.store.work_calendar().await?;
    let org_tz = calendar.tz().unwrap_or(TimeZone::UTC);
    let today = now.to_zoned(org_tz.clone()).date();

    let mut incidents = team_incidents(state, actor, q.period.team.as_deref(), &[]).await?;
    // Nothing declared after the period counts, not even for hours on incidents.
    let end = q.period.end();
    incidents.retain(|i| {
        i.declared_at < end && q.service.as_ref().is_none_or(|s| i.services.contains(s))
    });
    let ids: Vec<i64> = incidents.iter().map(|i| i.id).collect();
    let mut events: BTreeMap<String, Vec<TimelineEvent>> = BTreeMap::new();
    for e in state.store.key_time_events(&ids).await? {
        events.entry(e.incident.clone()).or_default().push(e);
    }
    let mut postmortems = postmortems_by_incident(state).await?;
    let mut items = item_facts(state, &org_tz, today).await?;
    let facts: Vec<IncidentFact> = incidents
        .iter()
        .map(|i| {
            let k = key_timestamps(i, events.get(&i.reference).map_or(&[][..], Vec::as_slice));
            IncidentFact {
                reference: i.reference.clone(),
                severity: i.severity.clone(),
                services: i.services.clone(),
                declared_at: i.declared_at,
                resolved_at: k.resolved_at,
                metrics: metrics::compute(&k, &i.services),
                repeated: PostmortemFacts::of(postmortems.remove(&i.id).as_ref()).repeated,
                items: items.remove(&i.reference).unwrap_or_default(),
                responders: i
                    .roles
                    .iter()
                    .map(|r| (r.user_id, r.user_name.clone()))
                    .collect(),
            }
        })
        .collect();

    let services = state.store.list_services().await?;
    let owners: BTreeMap<String, String> = services
        .iter()
        .filter_map(|s| s.team.clone().map(|t| (s.slug.clone(), t)))
        .collect();
    // With a team or service, a page counts when its incident is counted, or (of no incident)
    // when it was for that service, or for that team or one of its services.
    let narrowed = q.period.team.is_some() || q.service.is_some();
    let wanted: BTreeSet<&str> = match (&q.service, &q.period.team) {
        (Some(s), _) => BTreeSet::from([s.as_str()]),
        (None, Some(t)) => owners
            .iter()
            .filter(|(_, o)| *o == t)
            .map(|(s, _)| s.as_str())
            .collect(),
        (None, None) => BTreeSet::new(),
    };
    let ids: BTreeSet<i64> = ids.into_iter().collect();
    let pages: Vec<PageFact> = state
        .store
        .insight_pages(actor.viewer(), end)
        .await?
        .into_iter()
        .filter(|p| {
            !narrowed
                || match p.incident_id {
                    Some(i) => ids.contains(&i),
                    None => {
                        p.service.as_deref().is_some_and(|s| wanted.contains(s))
                            || (q.service.is_none() && p.team == q.period.team)
                    }
                }
        })
        .map(|p| PageFact {
            id: p.id,
            notified: p.notified,
            acknowledged: p.acknowledged,
        })
        .collect();
    Ok(incident_insights(
        q,
        &Facts {
            incidents: &facts,
            pages: &pages,
            owners: &owners,
            calendar: &calendar,
            now,
            today,
        },
    ))
}
