//! The review workflow: submit, approve or request changes, publish (with the approvals the
//! policy asks for, and an acknowledgement of open blameless-check findings), reopen.

use super::decide::step_event;
use super::view::{self, PostmortemView};
use super::{check_version, move_incident, reread};
use crate::actions::incident::change_with;
use crate::auth::Actor;
use crate::{AppError, AppState};
use debrief_core::access::AccountRole;
use debrief_core::incident::IncidentRef;
use debrief_core::postmortem::{PmStatus, Postmortem, Step, Verdict, approvals, check_step};
use debrief_core::status::Status;
use debrief_core::timeline::Source;
use debrief_core::validation::{ValidationError, optional_text};
use debrief_store::incident::IncidentWrite;
use debrief_store::postmortem::NewReview;
use serde_json::json;

/// A workflow step.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepInput {
    /// `start_draft`, `submit`, `publish` or `reopen`.
    pub step: String,
    /// Publish although the blameless check has findings.
    #[serde(default)]
    pub acknowledge_findings: bool,
    /// A note for the timeline.
    pub message: Option<String>,
    /// The postmortem version the client last saw.
    pub version: Option<i64>,
}

/// Moves the postmortem through its workflow.
pub async fn step(
    state: &AppState,
    actor: &Actor,
    r: IncidentRef,
    input: &StepInput,
    source: Source,
) -> Result<PostmortemView, AppError> {
    actor.require(AccountRole::Responder)?;
    let mut e = ValidationError::default();
    let step = match input.step.as_str() {
        "start_draft" => Some(Step::StartDraft),
        "submit" => Some(Step::Submit),
        "publish" => Some(Step::Publish),
        "reopen" => Some(Step::Reopen),
        other => {
            e.push(
                "step",
                format!("unknown step '{other}' (use start_draft, submit, publish or reopen)"),
            );
            None
        }
    };
    let message = optional_text(&mut e, "message", input.message.as_deref(), 5000);
    let step = e.into_result(step)?.expect("validated");
    let current = view::postmortem_view(state, actor, r).await?;
    let findings = current.findings.len();
    let approvals_now = current.approvals;
    change_with(state, actor, r, None, true, |incident, _, pm| {
        let now = state.clock.now();
        check_version(pm, input.version)?;
        let to = check_step(pm.status, step).map_err(AppError::Conflict)?;
        let mut pm: Postmortem = pm.clone();
        let mut write = IncidentWrite::new(incident.clone());
        let verb = match step {
            Step::StartDraft => {
                pm.drafted_at.get_or_insert(now);
                move_incident(&mut write, actor, source, now, Status::Postmortem);
                "started the postmortem draft"
            }
            Step::Submit => {
                if pm.approvals_required > 0 && pm.reviewer_ids.len() < pm.approvals_required as usize {
                    return Err(AppError::Conflict(format!(
                        "choose at least {} reviewer(s) before submitting",
                        pm.approvals_required
                    )));
                }
                pm.drafted_at.get_or_insert(now);
                pm.submitted_at = Some(now);
                pm.review_round += 1;
                move_incident(&mut write, actor, source, now, Status::Postmortem);
                "submitted the postmortem for review"
            }
            Step::Publish => {
                if (approvals_now as i64) < pm.approvals_required {
                    return Err(AppError::Conflict(format!(
                        "publishing needs {} approval(s); it has {approvals_now}",
                        pm.approvals_required
                    )));
                }
                if findings > 0 && !input.acknowledge_findings {
                    return Err(AppError::Conflict(format!(
                        "the blameless check has {findings} open finding(s); reword them or publish with acknowledge_findings: true"
                    )));
                }
                pm.lint_acknowledged = findings > 0;
                pm.published_at = Some(now);
                move_incident(&mut write, actor, source, now, Status::FollowUp);
                "published the postmortem"
            }
            Step::Reopen => {
                pm.published_at = None;
                "reopened the postmortem"
            }
            Step::RequestChanges => unreachable!("reviews go through review()"),
        };
        pm.status = to;
        let body = match &message {
            Some(m) => format!("{} {verb}: {m}", actor.user.name),
            None => format!("{} {verb}", actor.user.name),
        };
        write.events.push(step_event(
            actor,
            source,
            now,
            body,
            json!({"action": input.step, "status": to, "findings_acknowledged": pm.lint_acknowledged && step == Step::Publish}),
        ));
        write.participants.push(actor.user.id);
        write.postmortem = Some(pm);
        Ok(Some(write))
    })
    .await?;
    if matches!(step, Step::Publish | Step::Reopen) {
        // The customer-facing summary shows on the status pages once published.
        state.store.touch_pages_of(r.0, state.clock.now()).await?;
        state.status.invalidate_all();
    }
    reread(state, actor, r).await
}

/// A reviewer's verdict.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewInput {
    /// `approved` or `changes_requested`.
    pub verdict: String,
    /// What the reviewer says (required when asking for changes).
    #[serde(default)]
    pub comment: Option<String>,
}

/// A reviewer approves the postmortem or asks for changes (which sends it back to draft).
pub async fn review(
    state: &AppState,
    actor: &Actor,
    r: IncidentRef,
    input: &ReviewInput,
    source: Source,
) -> Result<PostmortemView, AppError> {
    actor.require(AccountRole::Responder)?;
    let mut e = ValidationError::default();
    let verdict = match input.verdict.as_str() {
        "approved" => Some(Verdict::Approved),
        "changes_requested" => Some(Verdict::ChangesRequested),
        other => {
            e.push(
                "verdict",
                format!("unknown verdict '{other}' (use approved or changes_requested)"),
            );
            None
        }
    };
    let comment = optional_text(&mut e, "comment", input.comment.as_deref(), 10_000);
    if verdict == Some(Verdict::ChangesRequested) && comment.is_none() {
        e.push("comment", "say what should change");
    }
    let verdict = e.into_result(verdict)?.expect("validated");
    let reviews = state.store.reviews(r.0).await?;
    change_with(state, actor, r, None, true, |incident, _, pm| {
        let now = state.clock.now();
        if !pm.reviewer_ids.contains(&actor.user.id) {
            return Err(AppError::Forbidden(format!(
                "{} is not a reviewer of this postmortem",
                actor.user.name
            )));
        }
        if pm.status != PmStatus::InReview {
            return Err(AppError::Conflict(format!(
                "the postmortem is {}, not in review",
                pm.status
            )));
        }
        let mut pm = pm.clone();
        let mut write = IncidentWrite::new(incident.clone());
        let review = NewReview {
            reviewer_id: actor.user.id,
            verdict,
            comment: comment.clone().unwrap_or_default(),
            round: pm.review_round,
            at: now,
        };
        let body = match verdict {
            Verdict::Approved => {
                let mut all = reviews.clone();
                all.push(debrief_core::postmortem::Review {
                    reviewer_id: review.reviewer_id,
                    reviewer: actor.user.name.clone(),
                    verdict,
                    comment: review.comment.clone(),
                    round: review.round,
                    at: now,
                });
                format!(
                    "{} approved the postmortem ({} of {} approvals)",
                    actor.user.name,
                    approvals(&all, pm.review_round),
                    pm.approvals_required
                )
            }
            Verdict::ChangesRequested => {
                pm.status = PmStatus::Draft;
                format!(
                    "{} requested changes to the postmortem: {}",
                    actor.user.name, review.comment
                )
            }
        };
        write.events.push(step_event(
            actor,
            source,
            now,
            body,
            json!({"action": "review", "verdict": verdict.as_str(), "round": pm.review_round}),
        ));
        write.reviews.push(review);
        write.participants.push(actor.user.id);
        write.postmortem = Some(pm);
        Ok(Some(write))
    })
    .await?;
    reread(state, actor, r).await
}
