//! What an incoming signal does to the alert with the same dedup key: PagerDuty's rules, which
//! Alertmanager's and Opsgenie's senders also expect.
//!
//! The server looks up the *current* alert for the key within the integration (the newest one,
//! or none) and asks [`decide`]:
//!
//! | current alert | trigger | acknowledge | resolve |
//! | --- | --- | --- | --- |
//! | none | open a new alert | ignore | ignore |
//! | triggered | repeat | acknowledge | resolve |
//! | acknowledged | repeat (stays acknowledged) | ignore | resolve |
//! | resolved | open a new alert | ignore | ignore |
//!
//! "Ignore" still answers the sender with success: PagerDuty drops follow-up events for unknown
//! or resolved keys without an error, and senders retry errors.

use super::types::{AlertStatus, SignalAction};

/// What to do with the alert for an incoming signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DedupOutcome {
    /// Open a new alert, triggered.
    Open,
    /// Count one more occurrence of the open alert and note when it was last seen; its status
    /// does not change (an acknowledged alert stays acknowledged).
    Repeat,
    /// Move the open alert to acknowledged.
    Acknowledge,
    /// Resolve the open alert.
    Resolve,
    /// Accept the signal and change nothing.
    Ignore,
}

/// Decides what `action` does, given the status of the current alert with the same key
/// (`None` when there has never been one).
pub fn decide(current: Option<AlertStatus>, action: SignalAction) -> DedupOutcome {
    use AlertStatus::{Acknowledged, Resolved, Triggered};
    use DedupOutcome::{Acknowledge, Ignore, Open, Repeat, Resolve};
    match (current, action) {
        (None | Some(Resolved), SignalAction::Trigger) => Open,
        (Some(Triggered | Acknowledged), SignalAction::Trigger) => Repeat,
        (Some(Triggered), SignalAction::Acknowledge) => Acknowledge,
        (None | Some(Acknowledged | Resolved), SignalAction::Acknowledge) => Ignore,
        (Some(Triggered | Acknowledged), SignalAction::Resolve) => Resolve,
        (None | Some(Resolved), SignalAction::Resolve) => Ignore,
    }
}

impl DedupOutcome {
    /// The alert's status after the outcome: `None` when no alert is written (ignore).
    /// `current` is the status passed to [`decide`].
    pub fn status_after(self, current: Option<AlertStatus>) -> Option<AlertStatus> {
        match self {
            Self::Open => Some(AlertStatus::Triggered),
            Self::Repeat => current,
            Self::Acknowledge => Some(AlertStatus::Acknowledged),
            Self::Resolve => Some(AlertStatus::Resolved),
            Self::Ignore => None,
        }
    }

    /// Whether the outcome writes anything.
    pub fn changes_anything(self) -> bool {
        self != Self::Ignore
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AlertStatus::{Acknowledged, Resolved, Triggered};
    use DedupOutcome::{Acknowledge, Ignore, Open, Repeat, Resolve};
    use SignalAction as A;

    /// Every cell of the table in the module documentation.
    const TABLE: [(Option<AlertStatus>, SignalAction, DedupOutcome); 12] = [
        (None, A::Trigger, Open),
        (None, A::Acknowledge, Ignore),
        (None, A::Resolve, Ignore),
        (Some(Triggered), A::Trigger, Repeat),
        (Some(Triggered), A::Acknowledge, Acknowledge),
        (Some(Triggered), A::Resolve, Resolve),
        (Some(Acknowledged), A::Trigger, Repeat),
        (Some(Acknowledged), A::Acknowledge, Ignore),
        (Some(Acknowledged), A::Resolve, Resolve),
        (Some(Resolved), A::Trigger, Open),
        (Some(Resolved), A::Acknowledge, Ignore),
        (Some(Resolved), A::Resolve, Ignore),
    ];

    #[test]
    fn every_cell_of_the_dedup_table_decides_as_documented() {
        for (current, action, expected) in TABLE {
            assert_eq!(
                decide(current, action),
                expected,
                "{current:?} + {action:?}"
            );
        }
    }

    #[test]
    fn the_table_covers_every_status_and_action() {
        let currents = [None, Some(Triggered), Some(Acknowledged), Some(Resolved)];
        for current in currents {
            for action in SignalAction::ALL {
                assert!(
                    TABLE.iter().any(|(c, a, _)| *c == current && *a == action),
                    "{current:?} + {action:?} is missing"
                );
            }
        }
    }

    #[test]
    fn a_repeat_leaves_an_acknowledged_alert_acknowledged() {
        let current = Some(Acknowledged);
        let outcome = decide(current, A::Trigger);
        assert_eq!(outcome.status_after(current), Some(Acknowledged));
        assert_eq!(
            decide(Some(Triggered), A::Trigger).status_after(Some(Triggered)),
            Some(Triggered)
        );
    }

    #[test]
    fn statuses_after_each_outcome() {
        assert_eq!(Open.status_after(Some(Resolved)), Some(Triggered));
        assert_eq!(
            Acknowledge.status_after(Some(Triggered)),
            Some(Acknowledged)
        );
        assert_eq!(Resolve.status_after(Some(Acknowledged)), Some(Resolved));
        assert_eq!(Ignore.status_after(Some(Triggered)), None);
        assert!(!Ignore.changes_anything());
        assert!(Repeat.changes_anything());
    }
}
