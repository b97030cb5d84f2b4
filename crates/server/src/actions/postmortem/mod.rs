//! Postmortem commands: the policy's decision, requests and waivers, writing, the review
//! workflow, and action items.
//!
//! Every change goes through the incident's change loop (`incident::change_with`) so the postmortem, any
//! move of the incident it causes, and their timeline events commit together.
//!
//! # Layout
//! - [`decide`]: taking the policy's decision and creating the document.
//! - [`view`]: the document as people read it, with what Debrief knows filled in.
//! - [`items`]: action items.
//! - [`export`]: Markdown and printable HTML.
//! - `workflow`: submitting, reviewing, publishing and reopening.

pub mod decide;
pub mod export;
pub mod items;
pub mod view;
mod workflow;

pub use workflow::{ReviewInput, StepInput, review, step};

use crate::actions::incident::change_with;
use crate::auth::Actor;
use crate::{AppError, AppState};
use debrief_core::access::AccountRole;
use debrief_core::incident::{Incident, IncidentRef};
use debrief_core::postmortem::{PmStatus, Postmortem, Step};
use debrief_core::status::Status;
use debrief_core::timeline::{EventKind, Source};
use debrief_core::validation::{ValidationError, optional_text, required_text};
use debrief_core::workflow::{StepFacts, check_editable, take_step};
use debrief_store::incident::IncidentWrite;
use decide::{PolicyInputs, redecide, step_event};
use serde_json::json;
use std::collections::BTreeMap;
use view::PostmortemView;

/// Today in the organisation's calendar.
pub async fn today(state: &AppState) -> Result<jiff::civil::Date, AppError> {
    let cal = state.store.work_calendar().await?;
    let tz = cal.tz().unwrap_or(jiff::tz::TimeZone::UTC);
    Ok(state.clock.now().to_zoned(tz).date())
}

/// Whether the actor leads the incident (its commander) or is an admin.
fn leads(actor: &Actor, incident: &Incident) -> bool {
    actor.role == AccountRole::Admin
        || incident
            .roles
            .iter()
            .any(|r| r.role == "commander" && r.user_id == actor.user.id)
}

/// When the incident was resolved, if it was (the derived key timestamp, overrides included).
pub(crate) fn resolved_at(
    incident: &Incident,
    events: &[debrief_core::timeline::TimelineEvent],
) -> Option<debrief_core::Timestamp> {
    let past_resolution = matches!(
        incident.status,
        Status::Resolved | Status::Postmortem | Status::FollowUp | Status::Closed
    );
    past_resolution
        .then(|| crate::actions::incident::key_timestamps(incident, events).resolved_at)
        .flatten()
}

/// Reads the document after a change.
pub(crate) async fn reread(
    state: &AppState,
    actor: &Actor,
    r: IncidentRef,
) -> Result<PostmortemView, AppError> {
    view::postmortem_view(state, actor, r).await
}

/// A 412 when the client based its change on another version of the postmortem.
pub(crate) fn check_version(pm: &Postmortem, expected: Option<i64>) -> Result<(), AppError> {
    match expected.filter(|v| *v != pm.version) {
        Some(v) => Err(AppError::PreconditionFailed(format!(
            "the postmortem is at version {}, not {v}: someone changed it; reload it and try again",
            pm.version
        ))),
        None => Ok(()),
    }
}

/// The body of a request or a waiver.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReasonInput {
    /// Why.
    #[serde(default)]
    pub reason: Option<String>,
}

/// The commander (or an admin) asks for a postmortem; it is then always required.
pub async fn request(
    state: &AppState,
    actor: &Actor,
    r: IncidentRef,
    input: &ReasonInput,
    source: Source,
) -> Result<PostmortemView, AppError> {
    waive_or_request(state, actor, r, input, source, false).await
}

/// The commander (or an admin) waives the postmortem with a reason.
pub async fn waive(
    state: &AppState,
    actor: &Actor,
    r: IncidentRef,
    input: &ReasonInput,
    source: Source,
) -> Result<PostmortemView, AppError> {
    waive_or_request(state, actor, r, input, source, true).await
}

async fn waive_or_request(
    state: &AppState,
    actor: &Actor,
    r: IncidentRef,
    input: &ReasonInput,
    source: Source,
    waiving: bool,
) -> Result<PostmortemView, AppError> {
    actor.require(AccountRole::Responder)?;
    let mut e = ValidationError::default();
    let reason = match waiving {
        true => Some(required_text(
            &mut e,
            "reason",
            input.reason.as_deref().unwrap_or(""),
            2000,
        )),
        false => optional_text(&mut e, "reason", input.reason.as_deref(), 2000),
    };
    e.into_result(())?;
    let probe = state.store.incident(r.0, actor.viewer()).await?;
    if !leads(actor, &probe) {
        return Err(AppError::Forbidden(format!(
            "only the commander of {} or an admin can {} its postmortem",
            probe.reference,
            if waiving { "waive" } else { "request" }
        )));
    }
    let inputs = PolicyInputs::load(state, &probe).await?;
    if waiving
        && inputs
            .policy
            .unwaivable_types
            .contains(&probe.incident_type)
    {
        return Err(AppError::Conflict(format!(
            "a postmortem of a {} incident cannot be waived",
            probe.incident_type
        )));
    }
    change_with(state, actor, r, None, true, |current, events, pm| {
        let now = state.clock.now();
        let mut pm = pm.clone();
        if pm.status == PmStatus::Published {
            return Err(AppError::Conflict(
                "the postmortem is already published".into(),
            ));
        }
        let body = match (waiving, &reason) {
            (true, Some(why)) => {
                pm.waiver_reason = Some(why.clone());
                format!("{} waived the postmortem: {why}", actor.user.name)
            }
            (_, why) => {
                pm.requested = true;
                match why {
                    Some(why) => format!("{} requested a postmortem: {why}", actor.user.name),
                    None => format!("{} requested a postmortem", actor.user.name),
                }
            }
        };
        let mut write = IncidentWrite::new(current.clone());
        write.events.push(step_event(
            actor,
            source,
            now,
            body,
            json!({"action": if waiving { "waive" } else { "request" }, "reason": reason}),
        ));
        if let Some(at) = resolved_at(current, events)
            && let Some(ev) = redecide(&inputs, current, &mut pm, at, now)
        {
            write.events.push(ev);
        }
        write.participants.push(actor.user.id);
        write.postmortem = Some(pm);
        Ok(Some(write))
    })
    .await?;
    reread(state, actor, r).await
}

/// Changes to the document: sections, customer summary, owner, facilitator, reviewers.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EditInput {
    /// Section bodies (Markdown) by section key.
    pub sections: Option<BTreeMap<String, String>>,
    /// The customer-facing summary.
    pub customer_summary: Option<String>,
    /// The owner (user id).
    pub owner_id: Option<i64>,
    /// The facilitator (user id, or null to clear).
    pub facilitator_id: Option<Option<i64>>,
    /// The reviewers (user ids).
    pub reviewer_ids: Option<Vec<i64>>,
    /// The postmortem version the client last saw.
    pub version: Option<i64>,
}

/// Edits the document. Writing starts the draft (and moves a resolved incident to
/// `postmortem`); a document in review or published cannot be rewritten.
pub async fn edit(
    state: &AppState,
    actor: &Actor,
    r: IncidentRef,
    input: &EditInput,
    source: Source,
) -> Result<PostmortemView, AppError> {
    actor.require(AccountRole::Responder)?;
    let users = state.store.list_users().await?;
    let mut e = ValidationError::default();
    let known = |id: i64| users.iter().any(|u| u.id == id && !u.disabled);
    if let Some(id) = input.owner_id.filter(|id| !known(*id)) {
        e.push_missing("owner_id", format!("no active user {id}"));
    }
    if let Some(Some(id)) = input
        .facilitator_id
        .filter(|id| id.is_some_and(|id| !known(id)))
    {
        e.push_missing("facilitator_id", format!("no active user {id}"));
    }
    for (i, id) in input.reviewer_ids.iter().flatten().enumerate() {
        if !known(*id) {
            e.push_missing(format!("reviewer_ids[{i}]"), format!("no active user {id}"));
        }
    }
    for (key, body) in input.sections.iter().flatten() {
        if body.chars().count() > 100_000 {
            e.push(
                format!("sections.{key}"),
                "must be at most 100000 characters",
            );
        }
    }
    if input
        .customer_summary
        .as_ref()
        .is_some_and(|s| s.chars().count() > 20_000)
    {
        e.push("customer_summary", "must be at most 20000 characters");
    }
    e.into_result(())?;
    change_with(state, actor, r, None, true, |current, _, pm| {
        let now = state.clock.now();
        if !pm.status.has_document() {
            return Err(AppError::Conflict(format!(
                "{} has no postmortem to edit (none is required)",
                current.reference
            )));
        }
        check_version(pm, input.version)?;
        let mut pm = pm.clone();
        let mut notes = Vec::new();
        let writes = input.sections.as_ref().is_some_and(|s| !s.is_empty())
            || input.customer_summary.is_some();
        if writes {
            check_editable(pm.status).map_err(AppError::Conflict)?;
        }
        let mut bad = ValidationError::default();
        for (key, body) in input.sections.iter().flatten() {
            match pm.section_mut(key) {
                Some(s) if s.body != *body => {
                    s.body = body.clone();
                    notes.push(s.title.clone());
                }
                Some(_) => {}
                None => bad.push(
                    format!("sections.{key}"),
                    "no such section in this postmortem",
                ),
            }
        }
        bad.into_result(())?;
        if let Some(s) = input
            .customer_summary
            .as_ref()
            .filter(|s| **s != pm.customer_summary)
        {
            pm.customer_summary = s.clone();
            notes.push("customer summary".into());
        }
        let mut roles = Vec::new();
        if let Some(o) = input.owner_id.filter(|o| Some(*o) != pm.owner_id) {
            pm.owner_id = Some(o);
            roles.push(format!("owner to {}", name_of(&users, o)));
        }
        if let Some(f) = input.facilitator_id.filter(|f| *f != pm.facilitator_id) {
            pm.facilitator_id = f;
            roles.push(match f {
                Some(f) => format!("facilitator to {}", name_of(&users, f)),
                None => "no facilitator".into(),
            });
        }
        if let Some(rv) = input
            .reviewer_ids
            .as_ref()
            .filter(|r| **r != pm.reviewer_ids)
        {
            let mut rv = rv.clone();
            rv.dedup();
            let names: Vec<String> = rv.iter().map(|id| name_of(&users, *id)).collect();
            roles.push(format!("reviewers to {}", names.join(", ")));
            pm.reviewer_ids = rv;
        }
        if notes.is_empty() && roles.is_empty() {
            return Ok(None);
        }
        let mut write = IncidentWrite::new(current.clone());
        // The first edit of the text starts the draft, as the step would.
        if !notes.is_empty() && pm.status == PmStatus::Required {
            let started = take_step(&pm, Step::StartDraft, &StepFacts::default(), now)
                .map_err(AppError::Conflict)?;
            pm = started.postmortem;
            write.events.push(step_event(
                actor,
                source,
                now,
                format!("{} {}", actor.user.name, started.verb),
                json!({"action": "start_draft", "status": pm.status}),
            ));
            if let Some(to) = started.incident_to {
                move_incident(&mut write, actor, source, now, to);
            }
        }
        let mut what = Vec::new();
        if !notes.is_empty() {
            what.push(format!("edited {}", notes.join(", ")));
        }
        if !roles.is_empty() {
            what.push(format!("set {}", roles.join(", ")));
        }
        write.events.push(step_event(
            actor,
            source,
            now,
            format!("{} {} in the postmortem", actor.user.name, what.join("; ")),
            json!({"action": "edit", "sections": notes, "roles": roles}),
        ));
        write.participants.push(actor.user.id);
        write.postmortem = Some(pm);
        Ok(Some(write))
    })
    .await?;
    reread(state, actor, r).await
}

fn name_of(users: &[debrief_store::account::User], id: i64) -> String {
    users
        .iter()
        .find(|u| u.id == id)
        .map_or_else(|| format!("user {id}"), |u| u.name.clone())
}

/// Moves the incident along with its postmortem (`resolved → postmortem`, `→ follow_up`) when
/// the lifecycle allows it; a reopened or already further incident stays where it is.
pub(crate) fn move_incident(
    write: &mut IncidentWrite,
    actor: &Actor,
    source: Source,
    now: debrief_core::Timestamp,
    to: Status,
) {
    let from = write.incident.status;
    let forward = match to {
        Status::Postmortem => from == Status::Resolved,
        Status::FollowUp => matches!(from, Status::Resolved | Status::Postmortem),
        _ => false,
    };
    if forward && from.check_transition(to).is_ok() {
        write.incident.status = to;
        write.events.push(crate::actions::incident::draft_event(
            actor,
            source,
            EventKind::StatusChange,
            now,
            format!("Status changed from {from} to {to} with the postmortem"),
            json!({"from": from, "to": to}),
        ));
    }
}

/// Why an incident cannot be closed yet, if it cannot: its required postmortem is unpublished
/// or action items are still open.
pub async fn close_blocker(state: &AppState, incident_id: i64) -> Result<Option<String>, AppError> {
    let pm = state.store.postmortem(incident_id).await?;
    if let Some(pm) = pm.filter(|p| p.status.has_document() && p.status != PmStatus::Published) {
        return Ok(Some(format!(
            "its postmortem is required and not published yet (it is {})",
            pm.status
        )));
    }
    let items = state
        .store
        .action_items(
            &debrief_store::action_item::ItemFilter {
                incident_id: Some(incident_id),
                ..Default::default()
            },
            today(state).await?,
        )
        .await?;
    let open: Vec<String> = items
        .iter()
        .filter(|i| !i.status.is_settled())
        .map(|i| format!("#{} {}", i.id, i.title))
        .collect();
    if !open.is_empty() {
        return Ok(Some(format!(
            "{} action item(s) are not done or won't-do: {}",
            open.len(),
            open.join("; ")
        )));
    }
    Ok(None)
}
