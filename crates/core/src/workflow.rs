//! The postmortem workflow's rules beyond the order of its steps ([`check_step`]): what a step
//! needs (reviewers chosen before submitting, the approvals the policy asks for and an
//! acknowledgement of open blameless-check findings before publishing), what it fills in (when
//! the draft began, the review round, when it was published), and where the incident moves.
//!
//! Pure decisions: the caller loads the record and the facts, and persists what comes back.

use crate::Timestamp;
use crate::postmortem::{PmStatus, Postmortem, Step, check_step};
use crate::status::Status;

/// What a step is decided on, besides the record itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StepFacts {
    /// Approvals given in the current review round (see [`crate::postmortem::approvals`]).
    pub approvals: usize,
    /// Open findings of the blameless check.
    pub open_findings: usize,
    /// Whether the person publishing acknowledged those findings.
    pub acknowledge_findings: bool,
}

/// What a step changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepOutcome {
    /// The record after the step.
    pub postmortem: Postmortem,
    /// Where the incident moves with it (forward only; the caller checks the transition).
    pub incident_to: Option<Status>,
    /// What the person did, for the timeline ("published the postmortem").
    pub verb: &'static str,
}

/// Takes `step` on `pm` at `now`: refused with a reason a person can act on, or the record as
/// the step leaves it.
pub fn take_step(
    pm: &Postmortem,
    step: Step,
    facts: &StepFacts,
    now: Timestamp,
) -> Result<StepOutcome, String> {
    let to = check_step(pm.status, step)?;
    let mut next = pm.clone();
    let (incident_to, verb) = match step {
        Step::StartDraft => {
            next.drafted_at.get_or_insert(now);
            (Some(Status::Postmortem), "started the postmortem draft")
        }
        Step::Submit => {
            let needed = usize::try_from(pm.approvals_required).unwrap_or(0);
            if pm.reviewer_ids.len() < needed {
                return Err(format!(
                    "choose at least {needed} reviewer(s) before submitting"
                ));
            }
            next.drafted_at.get_or_insert(now);
            next.submitted_at = Some(now);
            next.review_round += 1;
            (
                Some(Status::Postmortem),
                "submitted the postmortem for review",
            )
        }
        Step::Publish => {
            if i64::try_from(facts.approvals).unwrap_or(i64::MAX) < pm.approvals_required {
                return Err(format!(
                    "publishing needs {} approval(s); it has {}",
                    pm.approvals_required, facts.approvals
                ));
            }
            if facts.open_findings > 0 && !facts.acknowledge_findings {
                return Err(format!(
                    "the blameless check has {} open finding(s); reword them or publish with acknowledge_findings: true",
                    facts.open_findings
                ));
            }
            next.lint_acknowledged = facts.open_findings > 0;
            next.published_at = Some(now);
            (Some(Status::FollowUp), "published the postmortem")
        }
        Step::Reopen => {
            next.published_at = None;
            (None, "reopened the postmortem")
        }
        Step::RequestChanges => {
            return Err(
                "changes are asked for with a reviewer's verdict (changes_requested), not a step"
                    .into(),
            );
        }
    };
    next.status = to;
    Ok(StepOutcome {
        postmortem: next,
        incident_to,
        verb,
    })
}

/// Whether the document's text may be edited now: not while in review (a reviewer asks for
/// changes first) nor once published (reopen it first), and not when none is required.
pub fn check_editable(status: PmStatus) -> Result<(), String> {
    match status {
        PmStatus::InReview => Err(
            "the postmortem is in_review; a reviewer must request changes before it is edited"
                .into(),
        ),
        PmStatus::Published => Err("the postmortem is published; reopen it before editing".into()),
        s if !s.has_document() => Err("no postmortem is required".into()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().expect("a timestamp")
    }

    fn required(approvals_required: i64, reviewers: &[i64]) -> Postmortem {
        let mut pm = Postmortem::empty(7, t("2026-11-02T09:00:00Z"));
        pm.status = PmStatus::Required;
        pm.approvals_required = approvals_required;
        pm.reviewer_ids = reviewers.to_vec();
        pm
    }

    #[test]
    fn starting_a_draft_fills_in_when_and_moves_the_incident_to_postmortem() {
        let now = t("2026-11-03T10:00:00Z");
        let out = take_step(
            &required(0, &[]),
            Step::StartDraft,
            &StepFacts::default(),
            now,
        )
        .expect("allowed");
        assert_eq!(out.postmortem.status, PmStatus::Draft);
        assert_eq!(out.postmortem.drafted_at, Some(now));
        assert_eq!(out.incident_to, Some(Status::Postmortem));
        // A draft started earlier keeps its start when submitted.
        let later = t("2026-11-04T10:00:00Z");
        let submitted = take_step(&out.postmortem, Step::Submit, &StepFacts::default(), later)
            .expect("allowed");
        assert_eq!(submitted.postmortem.drafted_at, Some(now));
        assert_eq!(submitted.postmortem.submitted_at, Some(later));
        assert_eq!(submitted.postmortem.review_round, 1);
    }

    #[test]
    fn submitting_needs_as_many_reviewers_as_approvals_required() {
        let now = t("2026-11-03T10:00:00Z");
        let refused =
            take_step(&required(2, &[4]), Step::Submit, &StepFacts::default(), now).unwrap_err();
        assert_eq!(refused, "choose at least 2 reviewer(s) before submitting");
        assert!(
            take_step(
                &required(2, &[4, 5]),
                Step::Submit,
                &StepFacts::default(),
                now
            )
            .is_ok()
        );
        assert!(take_step(&required(0, &[]), Step::Submit, &StepFacts::default(), now).is_ok());
    }

    #[test]
    fn publishing_needs_the_approvals_and_acknowledged_findings() {
        let now = t("2026-11-05T10:00:00Z");
        let mut pm = required(2, &[4, 5]);
        pm.status = PmStatus::InReview;
        let facts = |approvals, open_findings, acknowledge_findings| StepFacts {
            approvals,
            open_findings,
            acknowledge_findings,
        };
        assert_eq!(
            take_step(&pm, Step::Publish, &facts(1, 0, false), now).unwrap_err(),
            "publishing needs 2 approval(s); it has 1"
        );
        assert!(
            take_step(&pm, Step::Publish, &facts(2, 3, false), now)
                .unwrap_err()
                .contains("3 open finding(s)")
        );
        let out = take_step(&pm, Step::Publish, &facts(2, 3, true), now).expect("acknowledged");
        assert!(out.postmortem.lint_acknowledged);
        assert_eq!(out.postmortem.published_at, Some(now));
        assert_eq!(out.postmortem.status, PmStatus::Published);
        assert_eq!(out.incident_to, Some(Status::FollowUp));
        let clean = take_step(&pm, Step::Publish, &facts(2, 0, false), now).expect("clean");
        assert!(
            !clean.postmortem.lint_acknowledged,
            "nothing to acknowledge"
        );
    }

    #[test]
    fn reopening_clears_the_publication_and_leaves_the_incident() {
        let mut pm = required(0, &[]);
        pm.status = PmStatus::Published;
        pm.published_at = Some(t("2026-11-05T10:00:00Z"));
        let out = take_step(
            &pm,
            Step::Reopen,
            &StepFacts::default(),
            t("2026-11-06T10:00:00Z"),
        )
        .expect("allowed");
        assert_eq!(out.postmortem.published_at, None);
        assert_eq!(out.postmortem.status, PmStatus::Draft);
        assert_eq!(out.incident_to, None);
    }

    #[test]
    fn changes_are_requested_by_a_verdict_not_a_step() {
        let mut pm = required(0, &[]);
        pm.status = PmStatus::InReview;
        assert!(
            take_step(
                &pm,
                Step::RequestChanges,
                &StepFacts::default(),
                t("2026-11-06T10:00:00Z")
            )
            .is_err()
        );
    }

    #[test]
    fn the_text_is_edited_only_as_a_draft() {
        assert!(check_editable(PmStatus::Required).is_ok());
        assert!(check_editable(PmStatus::Draft).is_ok());
        assert!(
            check_editable(PmStatus::InReview)
                .unwrap_err()
                .contains("request changes")
        );
        assert!(
            check_editable(PmStatus::Published)
                .unwrap_err()
                .contains("reopen")
        );
        assert!(check_editable(PmStatus::NotRequired).is_err());
    }
}
