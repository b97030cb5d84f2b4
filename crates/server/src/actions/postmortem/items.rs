//! Action items: created from the incident or its postmortem, changed, listed on a board.

use super::today;
use crate::actions::incident::{change_with, draft_event};
use crate::auth::Actor;
use crate::{AppError, AppState};
use debrief_core::access::AccountRole;
use debrief_core::action_item::{ActionItem, ItemFields, ItemInput, ItemStatus};
use debrief_core::incident::IncidentRef;
use debrief_core::timeline::{EventKind, Source};
use debrief_core::validation::ValidationError;
use debrief_store::action_item::{ItemFilter, ItemWrite};
use debrief_store::incident::IncidentWrite;
use serde_json::json;
use std::collections::BTreeMap;

/// Checks that the owner and team named by `input` exist.
async fn check_refs(state: &AppState, input: &ItemInput) -> Result<(), AppError> {
    let mut e = ValidationError::default();
    if let Some(Some(id)) = input.owner_id {
        let users = state.store.list_users().await?;
        if !users.iter().any(|u| u.id == id && !u.disabled) {
            e.push_missing("owner_id", format!("no active user {id}"));
        }
    }
    if let Some(Some(team)) = &input.team {
        let teams = state.store.list_teams().await?;
        if !teams.iter().any(|t| &t.slug == team) {
            e.push_missing("team", format!("unknown team '{team}'"));
        }
    }
    Ok(e.into_result(())?)
}

fn describe(f: &ItemFields) -> String {
    let mut extra = Vec::new();
    if let Some(d) = &f.due_on {
        extra.push(format!("due {d}"));
    }
    extra.push(f.priority.clone());
    format!("{} ({})", f.title, extra.join(", "))
}

/// Creates an action item on an incident.
pub async fn create_item(
    state: &AppState,
    actor: &Actor,
    r: IncidentRef,
    input: &ItemInput,
    source: Source,
) -> Result<ActionItem, AppError> {
    actor.require(AccountRole::Responder)?;
    let fields = input.apply(&ItemFields::blank(), true)?;
    check_refs(state, input).await?;
    let (_, events) = change_with(state, actor, r, None, false, |current, _, _| {
        let now = state.clock.now();
        let mut write = IncidentWrite::new(current.clone());
        write.items.push(ItemWrite {
            id: None,
            version: 0,
            fields: fields.clone(),
            by: Some(actor.user.id),
            event: Some(draft_event(
                actor,
                source,
                EventKind::ActionItem,
                now,
                format!(
                    "{} added action item #{{id}}: {}",
                    actor.user.name,
                    describe(&fields)
                ),
                json!({"action": "created", "status": fields.status.as_str()}),
            )),
        });
        write.participants.push(actor.user.id);
        Ok(Some(write))
    })
    .await?;
    let id = events
        .iter()
        .find_map(|e| e.data.get("item_id").and_then(|v| v.as_i64()))
        .ok_or_else(|| AppError::Internal("the new action item has no id".into()))?;
    Ok(state
        .store
        .action_item(r.0, id, today(state).await?)
        .await?)
}

/// Changes an action item (with the version the client saw, a stale change is a 412).
pub async fn update_item(
    state: &AppState,
    actor: &Actor,
    r: IncidentRef,
    id: i64,
    input: &ItemInput,
    if_match: Option<i64>,
    source: Source,
) -> Result<ActionItem, AppError> {
    actor.require(AccountRole::Responder)?;
    let day = today(state).await?;
    let probe = state.store.action_item(r.0, id, day).await?;
    let expected = if_match.or(input.version);
    input.apply(&fields_of(&probe), false)?;
    check_refs(state, input).await?;
    // The item is re-read inside the loop's retries through its version check.
    let mut current = probe;
    for _ in 0..16 {
        if let Some(v) = expected.filter(|v| *v != current.version) {
            return Err(AppError::PreconditionFailed(format!(
                "action item {id} is at version {}, not {v}: someone changed it; reload it and try again",
                current.version
            )));
        }
        let before = fields_of(&current);
        let after = input.apply(&before, false)?;
        if after == before {
            return Ok(current);
        }
        let result = change_with(state, actor, r, None, false, |incident, _, _| {
            let now = state.clock.now();
            let mut write = IncidentWrite::new(incident.clone());
            let body = if after.status != before.status {
                match (&after.status, &after.wont_do_reason) {
                    (ItemStatus::WontDo, Some(why)) => format!(
                        "{} marked action item #{{id}} won't do: {why}",
                        actor.user.name
                    ),
                    (s, _) => format!(
                        "{} moved action item #{{id}} {} to {}",
                        actor.user.name,
                        after.title,
                        s.as_str()
                    ),
                }
            } else {
                format!(
                    "{} changed action item #{{id}}: {}",
                    actor.user.name,
                    describe(&after)
                )
            };
            write.items.push(ItemWrite {
                id: Some(id),
                version: current.version,
                fields: after.clone(),
                by: None,
                event: Some(draft_event(
                    actor,
                    source,
                    EventKind::ActionItem,
                    now,
                    body,
                    json!({"action": "changed", "status": after.status.as_str()}),
                )),
            });
            write.participants.push(actor.user.id);
            Ok(Some(write))
        })
        .await;
        match result {
            Ok(_) => return Ok(state.store.action_item(r.0, id, day).await?),
            Err(AppError::Conflict(m)) if m.contains("action item") && expected.is_none() => {
                current = state.store.action_item(r.0, id, day).await?;
            }
            Err(AppError::Conflict(m)) if m.contains("action item") => {
                return Err(AppError::PreconditionFailed(m));
            }
            Err(e) => return Err(e),
        }
    }
    Err(AppError::Conflict(format!(
        "action item {id} is being changed by many people at once; try again"
    )))
}

fn fields_of(i: &ActionItem) -> ItemFields {
    ItemFields {
        title: i.title.clone(),
        description: i.description.clone(),
        owner_id: i.owner_id,
        team: i.team.clone(),
        due_on: i.due_on.clone(),
        priority: i.priority.clone(),
        status: i.status,
        wont_do_reason: i.wont_do_reason.clone(),
        tracker_url: i.tracker_url.clone(),
        from_postmortem: i.from_postmortem,
    }
}

/// The board's filters.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoardQuery {
    /// Only mine (`true`).
    pub mine: Option<bool>,
    /// Only overdue ones (`true`).
    pub overdue: Option<bool>,
    /// Owner user id.
    pub owner_id: Option<i64>,
    /// Team slug.
    pub team: Option<String>,
    /// Service slug.
    pub service: Option<String>,
    /// Incident reference.
    pub incident: Option<String>,
    /// Comma-separated statuses.
    pub status: Option<String>,
}

/// The action items the actor may see, filtered.
pub async fn board(
    state: &AppState,
    actor: &Actor,
    q: &BoardQuery,
) -> Result<Vec<ActionItem>, AppError> {
    let mut e = ValidationError::default();
    let day = today(state).await?;
    let incident_id = q
        .incident
        .as_deref()
        .and_then(|s| match s.parse::<IncidentRef>() {
            Ok(r) => Some(r.0),
            Err(m) => {
                e.push("incident", m.to_string());
                None
            }
        });
    let statuses: Vec<ItemStatus> =
        debrief_core::validation::parse_list(&mut e, "status", q.status.as_deref());
    e.into_result(())?;
    let filter = ItemFilter {
        incident_id,
        owner_id: if q.mine == Some(true) {
            Some(actor.user.id)
        } else {
            q.owner_id
        },
        team: q.team.clone(),
        service: q.service.clone(),
        statuses,
        overdue_on: (q.overdue == Some(true)).then_some(day),
    };
    let items = state.store.action_items(&filter, day).await?;
    // Items of incidents the actor cannot see are left out, like the incidents themselves.
    let mut visible: BTreeMap<String, bool> = BTreeMap::new();
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let seen = match visible.get(&item.incident) {
            Some(v) => *v,
            None => {
                let id = item
                    .incident
                    .trim_start_matches("INC-")
                    .parse()
                    .unwrap_or(0);
                let v = state.store.incident(id, actor.viewer()).await.is_ok();
                visible.insert(item.incident.clone(), v);
                v
            }
        };
        if seen {
            out.push(item);
        }
    }
    Ok(out)
}
