//! Taking the policy's decision on an incident, and creating the document it asks for.

use crate::AppError;
use crate::AppState;
use crate::actions::incident::draft_event;
use crate::auth::Actor;
use debrief_core::Timestamp;
use debrief_core::incident::Incident;
use debrief_core::policy::{self, PastIncident, PolicyConfig, PolicyIncident};
use debrief_core::postmortem::{PmStatus, Postmortem, Template, choose_template};
use debrief_core::severity::Severity;
use debrief_core::timeline::{EventKind, Source};
use debrief_store::timeline::EventDraft;
use serde_json::json;

/// What a decision reads besides the incident, loaded before the change is decided.
#[derive(Debug, Clone)]
pub struct PolicyInputs {
    /// The saved policy.
    pub policy: PolicyConfig,
    /// The configured severities.
    pub severities: Vec<Severity>,
    /// Templates.
    pub templates: Vec<Template>,
    /// Incidents resolved in the repeat window before the incident was declared, with what the
    /// similar-incident measure reads of them.
    pub past: Vec<PastIncident>,
    /// The incident's own alerts and postmortem text, for the same measure.
    pub evidence: debrief_store::similar::Evidence,
    /// The organisation's working calendar.
    pub calendar: debrief_core::deadline::WorkCalendar,
}

impl PolicyInputs {
    /// Loads what deciding on `incident` needs.
    pub async fn load(state: &AppState, incident: &Incident) -> Result<Self, AppError> {
        let policy = state.store.postmortem_policy().await?;
        let from = incident
            .declared_at
            .checked_sub(jiff::SignedDuration::from_hours(
                24 * policy.repeat_window_days,
            ))
            .unwrap_or(jiff::Timestamp::MIN);
        let mut past: Vec<PastIncident> = state
            .store
            .resolved_between(from, incident.declared_at)
            .await?
            .into_iter()
            .filter(|p| p.reference.as_deref() != Some(incident.reference.as_str()))
            .collect();
        state.store.fill_past_evidence(&mut past).await?;
        let system = debrief_core::access::Viewer {
            user_id: 0,
            sees_all: true,
        };
        let evidence = state.store.evidence_of(incident.id, system).await?;
        Ok(Self {
            policy,
            severities: state.store.list_severities().await?,
            templates: state.store.templates().await?,
            past,
            evidence,
            calendar: state.store.work_calendar().await?,
        })
    }
}

/// Decides again for `incident` (resolved at `resolved_at`) and updates `pm`; returns the
/// timeline event when the decision is new or changed, `None` when it is the same as before.
pub fn redecide(
    inputs: &PolicyInputs,
    incident: &Incident,
    pm: &mut Postmortem,
    resolved_at: Timestamp,
    now: Timestamp,
) -> Option<EventDraft> {
    let rank_of = |key: &str| {
        inputs
            .severities
            .iter()
            .find(|s| s.key == key)
            .map(|s| s.rank)
    };
    let profile = debrief_store::similar::profile_of(incident, inputs.evidence.clone());
    let described = PolicyIncident {
        severity: incident.severity.clone(),
        incident_type: incident.incident_type.clone(),
        services: incident.services.clone(),
        title: incident.title.clone(),
        summary: profile.summary,
        fingerprints: profile.fingerprints,
        declared_at: incident.declared_at,
        resolved_at: Some(resolved_at),
        customer_impact: incident.customer_impact,
        requested: pm.requested,
        waiver_reason: pm.waiver_reason.clone(),
    };
    let decision = policy::decide(&inputs.policy, &rank_of, &described, &inputs.past);
    if pm.decision.as_ref() == Some(&decision) {
        return None;
    }
    let template = choose_template(
        &inputs.templates,
        &incident.severity,
        &incident.incident_type,
    )
    .cloned()
    .unwrap_or_else(debrief_core::postmortem::default_template);
    let was = pm.status;
    pm.apply_decision(decision.clone(), now, &template);
    if decision.required && pm.owner_id.is_none() {
        pm.owner_id = incident
            .roles
            .iter()
            .find(|r| r.role == "commander")
            .map(|r| r.user_id);
    }
    if decision.required && pm.draft_due_at.is_none() {
        pm.approvals_required = inputs.policy.approvals_required;
        let (draft, review) = deadlines(inputs, resolved_at);
        pm.draft_due_at = Some(draft);
        pm.review_due_at = review;
    }
    let mut body = format!("Postmortem {}", decision.summary());
    if decision.required && was == PmStatus::NotRequired {
        body.push_str(&format!(
            ". Draft due {}",
            debrief_core::format_utc(pm.draft_due_at.unwrap_or(resolved_at))
        ));
        if let Some(r) = pm.review_due_at {
            body.push_str(&format!(", review by {}", debrief_core::format_utc(r)));
        }
    }
    Some(EventDraft {
        kind: EventKind::PostmortemDecision,
        at: now,
        source: Source::System,
        author_id: None,
        author_name: None,
        body,
        links: Vec::new(),
        data: json!({
            "required": decision.required,
            "tags": decision.tags,
            "reasons": decision.reasons,
            "overridden": decision.overridden,
            "overridden_reasons": decision.overridden_reasons,
            "status": pm.status,
            "draft_due_at": pm.draft_due_at.map(debrief_core::format_utc),
            "review_due_at": pm.review_due_at.map(debrief_core::format_utc),
        }),
        starred: false,
        created_at: now,
    })
}

/// The draft's due time (hours after resolution) and the review meeting's deadline (the end of
/// the n-th business day after the resolution day, in the organisation's calendar).
pub fn deadlines(inputs: &PolicyInputs, resolved_at: Timestamp) -> (Timestamp, Option<Timestamp>) {
    let draft = resolved_at
        .checked_add(jiff::SignedDuration::from_hours(
            inputs.policy.draft_due_hours,
        ))
        .unwrap_or(resolved_at);
    let review = inputs
        .calendar
        .business_days_after(resolved_at, inputs.policy.review_business_days as u32)
        .ok();
    (draft, review)
}

/// A postmortem event by a person.
pub fn step_event(
    actor: &Actor,
    source: Source,
    now: Timestamp,
    body: String,
    data: serde_json::Value,
) -> EventDraft {
    draft_event(actor, source, EventKind::Postmortem, now, body, data)
}
