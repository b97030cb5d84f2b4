//! Timeline commands: add, edit (keeping revisions), star.

use crate::auth::Actor;
use crate::{AppError, AppState};
use debrief_core::access::AccountRole;
use debrief_core::incident::IncidentRef;
use debrief_core::timeline::{EditEventInput, NewEventInput, Source, TimelineEvent};
use debrief_store::timeline::EventDraft;

/// Adds an event to an incident's timeline.
pub async fn add_event(
    state: &AppState,
    actor: &Actor,
    r: IncidentRef,
    input: &NewEventInput,
    channel: Source,
) -> Result<TimelineEvent, AppError> {
    actor.require(AccountRole::Responder)?;
    let now = state.clock.now();
    let private = state.store.incident_private(r.0, actor.viewer()).await?;
    let ev = input.validate(channel, now)?;
    let draft = EventDraft {
        kind: ev.kind,
        at: ev.at,
        source: ev.source,
        author_id: Some(actor.user.id),
        author_name: Some(actor.user.name.clone()),
        body: ev.body,
        links: ev.links,
        data: serde_json::json!({}),
        starred: ev.starred,
        created_at: now,
    };
    let mut written = state
        .store
        .add_events(r.0, std::slice::from_ref(&draft))
        .await?;
    let event = written.pop().expect("one event written");
    state
        .live
        .publish(r.0, private, std::slice::from_ref(&event));
    Ok(event)
}

/// Edits a person's event; the earlier text is kept as a revision.
pub async fn edit_event(
    state: &AppState,
    actor: &Actor,
    r: IncidentRef,
    event_id: i64,
    input: &EditEventInput,
) -> Result<TimelineEvent, AppError> {
    actor.require(AccountRole::Responder)?;
    let private = state.store.incident_private(r.0, actor.viewer()).await?;
    let current = state.store.event(r.0, event_id).await?;
    if !current.kind.is_addable() {
        // Not a bad request: the event is of a kind nobody may edit (409).
        return Err(AppError::Conflict(format!(
            "'{}' events are written by Debrief and cannot be edited",
            current.kind
        )));
    }
    let edit = input.validate(&current, state.clock.now())?;
    let event = state
        .store
        .edit_event(&current, r.0, &edit, actor.user.id, state.clock.now())
        .await?;
    state
        .live
        .publish(r.0, private, std::slice::from_ref(&event));
    Ok(event)
}

/// Stars or unstars an event.
pub async fn star_event(
    state: &AppState,
    actor: &Actor,
    r: IncidentRef,
    event_id: i64,
    starred: bool,
) -> Result<TimelineEvent, AppError> {
    actor.require(AccountRole::Responder)?;
    let private = state.store.incident_private(r.0, actor.viewer()).await?;
    let event = state.store.star_event(r.0, event_id, starred).await?;
    state
        .live
        .publish(r.0, private, std::slice::from_ref(&event));
    Ok(event)
}

/// Lists an incident's timeline.
pub async fn list_events(
    state: &AppState,
    actor: &Actor,
    r: IncidentRef,
) -> Result<Vec<TimelineEvent>, AppError> {
    state.store.incident_private(r.0, actor.viewer()).await?;
    Ok(state.store.list_events(r.0).await?)
}
