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
use debrief_core::postmortem::{PmStatus, Step, Verdict, approvals};
use debrief_core::timeline::Source;
use debrief_core::validation::{ValidationError, optional_text};
use debrief_core::workflow::{StepFacts, StepOutcome, take_step};
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
        let facts = StepFacts {
            approvals: approvals_now,
            open_findings: findings,
            acknowledge_findings: input.acknowledge_findings,
        };
        let StepOutcome {
            postmortem: pm,
            incident_to,
            verb,
        } = take_step(pm, step, &facts, now).map_err(AppError::Conflict)?;
        let mut write = IncidentWrite::new(incident.clone());
        if let Some(to) = incident_to {
            move_incident(&mut write, actor, source, now, to);
        }
        let body = match &message {
            Some(m) => format!("{} {verb}: {m}", actor.user.name),
            None => format!("{} {verb}", actor.user.name),
        };
        write.events.push(step_event(
            actor,
            source,
            now,
            body,
            json!({"action": input.step, "status": pm.status, "findings_acknowledged": pm.lint_acknowledged && step == Step::Publish}),
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
