//! Status page updates joined to the incident: an update announcing `identified`, `monitoring`
//! or `resolved` may move the incident there too, through the same transition the incident
//! page uses (so the timeline, the postmortem policy and notifications follow).

use crate::actions::incident::{TransitionInput, transition_incident};
use crate::actions::status_pages::{PublishInput, publish_update};
use crate::auth::Actor;
use crate::{AppError, AppState};
use debrief_core::incident::IncidentRef;
use debrief_core::status::Status;
use debrief_core::timeline::Source;
use debrief_store::status_page::PageIncident;

/// The incident statuses a public update's status stands for, in lifecycle order.
const ORDER: [Status; 5] = [
    Status::Triage,
    Status::Investigating,
    Status::Identified,
    Status::Monitoring,
    Status::Resolved,
];

/// The status an incident in `current` would move to when an update announcing `update` is
/// published: `Some` only for `investigating`, `identified`, `monitoring` and `resolved`, and
/// only when the incident is still active and behind it.
pub fn incident_move(update: &str, current: Status) -> Option<Status> {
    let to = match update {
        "investigating" => Status::Investigating,
        "identified" => Status::Identified,
        "monitoring" => Status::Monitoring,
        "resolved" => Status::Resolved,
        _ => return None,
    };
    let rank = |s: Status| ORDER.iter().position(|x| *x == s);
    (current.is_active() && rank(current) < rank(to)).then_some(to)
}

/// What publishing did: the update as shown on the page and, when the incident moved, its new
/// status.
#[derive(Debug)]
pub struct Published {
    /// The incident as the page shows it.
    pub page_incident: PageIncident,
    /// The incident's new status, when it moved.
    pub moved_to: Option<Status>,
}

/// Publishes an update and, when `move_incident` is set and the incident is behind the
/// update's status, moves the incident there with the update's text as the timeline message.
/// The update is validated (and published) first, so a refused update never moves the incident.
pub async fn publish_and_move(
    state: &AppState,
    actor: &Actor,
    r: IncidentRef,
    input: &PublishInput,
    move_incident: bool,
    source: Source,
) -> Result<Published, AppError> {
    let page_incident = publish_update(state, actor, r, input, source).await?;
    let mut moved_to = None;
    if move_incident {
        let current = state.store.incident(r.0, actor.viewer()).await?;
        if let Some(to) = incident_move(&input.status, current.status) {
            // The timeline note is at most 5000 characters; an update may be longer.
            let message: String = input.body.trim().chars().take(5000).collect();
            let t = TransitionInput {
                to: to.as_str().into(),
                message: (!message.is_empty()).then_some(message),
                ..TransitionInput::default()
            };
            transition_incident(state, actor, r, &t, None, source).await?;
            moved_to = Some(to);
        }
    }
    Ok(Published {
        page_incident,
        moved_to,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_incident_moves_only_forward_to_what_the_update_announces() {
        assert_eq!(
            incident_move("resolved", Status::Triage),
            Some(Status::Resolved)
        );
        assert_eq!(
            incident_move("identified", Status::Investigating),
            Some(Status::Identified)
        );
        assert_eq!(incident_move("identified", Status::Monitoring), None);
        assert_eq!(
            incident_move("investigating", Status::Triage),
            Some(Status::Investigating)
        );
        assert_eq!(incident_move("investigating", Status::Identified), None);
        assert_eq!(incident_move("resolved", Status::Resolved), None);
        assert_eq!(incident_move("resolved", Status::Declined), None);
    }
}
