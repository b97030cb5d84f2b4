//! The incident lifecycle: `triage → investigating → identified → monitoring → resolved →
//! postmortem → follow_up → closed`, with the side exits `declined` and `merged`.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Where an incident is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Declared, not yet confirmed as an incident.
    Triage,
    /// Confirmed; the cause is being looked for.
    Investigating,
    /// The cause is known; a fix is under way.
    Identified,
    /// A fix is in place and being watched (the incident is mitigated).
    Monitoring,
    /// Over for users.
    Resolved,
    /// The postmortem is being written and reviewed.
    Postmortem,
    /// Action items are being followed up.
    FollowUp,
    /// Nothing left to do.
    Closed,
    /// Not an incident after all.
    Declined,
    /// A duplicate of another incident.
    Merged,
}

/// Every status, in lifecycle order.
pub const ALL_STATUSES: [Status; 10] = [
    Status::Triage,
    Status::Investigating,
    Status::Identified,
    Status::Monitoring,
    Status::Resolved,
    Status::Postmortem,
    Status::FollowUp,
    Status::Closed,
    Status::Declined,
    Status::Merged,
];

/// A transition the lifecycle forbids, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot move an incident from {from} to {to}: {reason}")]
pub struct TransitionError {
    /// The incident's current status.
    pub from: Status,
    /// The status that was asked for.
    pub to: Status,
    /// Why the move is not allowed.
    pub reason: String,
}

impl Status {
    /// The snake_case name used in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Triage => "triage",
            Status::Investigating => "investigating",
            Status::Identified => "identified",
            Status::Monitoring => "monitoring",
            Status::Resolved => "resolved",
            Status::Postmortem => "postmortem",
            Status::FollowUp => "follow_up",
            Status::Closed => "closed",
            Status::Declined => "declined",
            Status::Merged => "merged",
        }
    }

    /// Whether the incident is still burning (triage to monitoring).
    pub fn is_active(self) -> bool {
        matches!(
            self,
            Status::Triage | Status::Investigating | Status::Identified | Status::Monitoring
        )
    }

    /// Whether no further transition is possible.
    pub fn is_terminal(self) -> bool {
        matches!(self, Status::Closed | Status::Merged)
    }

    /// Checks a move from `self` to `to`; `Ok(())` when the lifecycle allows it.
    ///
    /// Active incidents move freely between the active statuses (forward, or back when a fix
    /// did not hold) but never back to triage. A resolved incident can be reopened
    /// (to investigating), or go on to postmortem, follow-up or closed. `declined` is only for
    /// incidents still in triage; `merged` goes through [`Status::check_merge`].
    pub fn check_transition(self, to: Status) -> Result<(), TransitionError> {
        use Status::*;
        let deny = |reason: &str| {
            Err(TransitionError {
                from: self,
                to,
                reason: reason.to_string(),
            })
        };
        if self == to {
            return deny("the incident already has that status");
        }
        if self.is_terminal() {
            return deny("the incident is finished and cannot change status any more");
        }
        match (self, to) {
            (_, Merged) => deny("use the merge action to mark an incident as a duplicate"),
            (_, Triage) => deny("an incident never goes back to triage"),
            (Triage, Declined) => Ok(()),
            (_, Declined) => deny("only an incident in triage can be declined"),
            (Declined, Investigating) => Ok(()),
            (Declined, _) => deny("a declined incident can only be reopened to investigating"),
            (from, Investigating | Identified | Monitoring | Resolved) if from.is_active() => {
                Ok(())
            }
            (Resolved | Postmortem | FollowUp, Investigating) => Ok(()),
            (Resolved | Postmortem | FollowUp, Identified | Monitoring) => {
                deny("reopen a resolved incident to investigating first")
            }
            (from, Postmortem | FollowUp | Closed) if from.is_active() => {
                deny("resolve the incident first")
            }
            (Resolved, Postmortem | FollowUp | Closed) => Ok(()),
            (Postmortem, FollowUp | Closed) => Ok(()),
            (FollowUp, Closed) => Ok(()),
            (FollowUp, Postmortem) => Ok(()),
            (Postmortem | FollowUp, Resolved) => deny("the incident is already past resolution"),
            _ => deny("the lifecycle does not allow this move"),
        }
    }

    /// Checks that an incident with this status may be merged into another one.
    pub fn check_merge(self) -> Result<(), TransitionError> {
        if self.is_active() || self == Status::Declined {
            Ok(())
        } else {
            Err(TransitionError {
                from: self,
                to: Status::Merged,
                reason: "only an open (triage to monitoring) or declined incident can be merged"
                    .into(),
            })
        }
    }

    /// Checks that an incident with this status can survive a merge (absorb a duplicate).
    pub fn check_merge_survivor(self) -> Result<(), TransitionError> {
        if self == Status::Merged {
            Err(TransitionError {
                from: self,
                to: Status::Merged,
                reason: "the survivor is itself merged into another incident".into(),
            })
        } else {
            Ok(())
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ALL_STATUSES
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown status '{s}'; expected one of {}",
                    ALL_STATUSES.map(|s| s.as_str()).join(", ")
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::Status::*;
    use super::*;

    #[test]
    fn active_incidents_move_forward_and_back_between_active_statuses() {
        assert!(Investigating.check_transition(Monitoring).is_ok());
        assert!(Monitoring.check_transition(Investigating).is_ok());
        assert!(Triage.check_transition(Resolved).is_ok());
    }

    #[test]
    fn resolving_a_resolved_incident_is_rejected() {
        let e = Resolved.check_transition(Resolved).unwrap_err();
        assert!(e.reason.contains("already"));
    }

    #[test]
    fn closing_an_open_incident_is_rejected_with_a_reason() {
        let e = Investigating.check_transition(Closed).unwrap_err();
        assert_eq!(e.reason, "resolve the incident first");
    }

    #[test]
    fn only_triage_can_be_declined_and_nothing_returns_to_triage() {
        assert!(Triage.check_transition(Declined).is_ok());
        assert!(Investigating.check_transition(Declined).is_err());
        assert!(Resolved.check_transition(Triage).is_err());
    }

    #[test]
    fn a_resolved_incident_reopens_to_investigating_only() {
        assert!(Resolved.check_transition(Investigating).is_ok());
        assert!(Resolved.check_transition(Monitoring).is_err());
    }

    #[test]
    fn closed_and_merged_are_terminal() {
        for to in ALL_STATUSES {
            assert!(Closed.check_transition(to).is_err());
            assert!(Merged.check_transition(to).is_err());
        }
        assert!(
            Investigating.check_transition(Merged).is_err(),
            "merge has its own action"
        );
    }

    #[test]
    fn statuses_round_trip_through_their_names() {
        for s in ALL_STATUSES {
            assert_eq!(s.as_str().parse::<Status>().unwrap(), s);
        }
        assert!("new".parse::<Status>().is_err());
    }
}
