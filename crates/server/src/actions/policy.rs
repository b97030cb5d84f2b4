//! The postmortem policy: reading, saving and trying it out (issue #3).

use crate::auth::Actor;
use crate::{AppError, AppState};
use debrief_core::access::AccountRole;
use debrief_core::incident::parse_time;
use debrief_core::policy::{self, Decision, PastIncident, PolicyConfig, PolicyIncident};
use debrief_core::validation::{ValidationError, slug};

/// Checks a policy against the configured severities.
async fn validate_policy(state: &AppState, p: &PolicyConfig, prefix: &str) -> Result<(), AppError> {
    let mut e = ValidationError::default();
    let severities = state.store.list_severities().await?;
    for (field, key) in [
        ("severity_threshold", &p.severity_threshold),
        ("exempt_unless_severity", &p.exempt_unless_severity),
    ] {
        if !severities.iter().any(|s| &s.key == key) {
            e.push(
                format!("{prefix}{field}"),
                format!("unknown severity '{key}'"),
            );
        }
    }
    if !(1..=365).contains(&p.repeat_window_days) {
        e.push(
            format!("{prefix}repeat_window_days"),
            "must be from 1 to 365",
        );
    }
    if !(1..=24 * 365).contains(&p.long_open_hours) {
        e.push(format!("{prefix}long_open_hours"), "must be from 1 to 8760");
    }
    if !(1..=24 * 90).contains(&p.draft_due_hours) {
        e.push(format!("{prefix}draft_due_hours"), "must be from 1 to 2160");
    }
    if !(1..=60).contains(&p.review_business_days) {
        e.push(
            format!("{prefix}review_business_days"),
            "must be from 1 to 60",
        );
    }
    if !(0..=10).contains(&p.approvals_required) {
        e.push(
            format!("{prefix}approvals_required"),
            "must be from 0 to 10",
        );
    }
    for (field, list) in [
        ("always_types", &p.always_types),
        ("exempt_types", &p.exempt_types),
        ("unwaivable_types", &p.unwaivable_types),
    ] {
        for (i, t) in list.iter().enumerate() {
            slug(&mut e, &format!("{prefix}{field}[{i}]"), t);
        }
    }
    Ok(e.into_result(())?)
}

/// Saves a policy (admins only).
pub async fn put_policy(
    state: &AppState,
    actor: &Actor,
    p: &PolicyConfig,
) -> Result<PolicyConfig, AppError> {
    actor.require(AccountRole::Admin)?;
    validate_policy(state, p, "").await?;
    state.store.put_postmortem_policy(p).await?;
    Ok(p.clone())
}

/// The body of `POST /api/v1/postmortem-policy/evaluate`.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluateInput {
    /// Severity key.
    pub severity: String,
    /// Incident type (`default` when absent).
    #[serde(rename = "type", default)]
    pub incident_type: Option<String>,
    /// Affected services.
    #[serde(default)]
    pub services: Vec<String>,
    /// Title.
    pub title: String,
    /// When it was declared (RFC 3339).
    pub declared_at: String,
    /// When it was resolved (RFC 3339), if it was.
    #[serde(default)]
    pub resolved_at: Option<String>,
    /// Customer impact.
    #[serde(default)]
    pub customer_impact: bool,
    /// The commander asked for a postmortem.
    #[serde(default)]
    pub requested: bool,
    /// A waiver's reason.
    #[serde(default)]
    pub waiver_reason: Option<String>,
    /// Earlier incidents to use instead of the stored history.
    #[serde(default)]
    pub past: Option<Vec<PastIncident>>,
    /// A policy to try instead of the saved one.
    #[serde(default)]
    pub policy: Option<PolicyConfig>,
}

/// Decides for a described incident, writing nothing (admins only).
pub async fn evaluate(
    state: &AppState,
    actor: &Actor,
    input: &EvaluateInput,
) -> Result<Decision, AppError> {
    actor.require(AccountRole::Admin)?;
    let mut e = ValidationError::default();
    // Far-future bounds: an evaluation may describe any time, not only the past.
    let far = jiff::Timestamp::MAX;
    let declared_at = parse_time(&mut e, "declared_at", &input.declared_at, far);
    let resolved_at = input
        .resolved_at
        .as_deref()
        .and_then(|s| parse_time(&mut e, "resolved_at", s, far));
    if let (Some(d), Some(r)) = (declared_at, resolved_at)
        && r < d
    {
        e.push("resolved_at", "must not be before declared_at");
    }
    if input.title.trim().is_empty() {
        e.push("title", "must not be empty");
    }
    let incident_type = match input.incident_type.as_deref() {
        Some(t) => slug(&mut e, "type", t),
        None => "default".into(),
    };
    e.into_result(())?;
    let policy = match &input.policy {
        Some(p) => {
            validate_policy(state, p, "policy.").await?;
            p.clone()
        }
        None => state.store.postmortem_policy().await?,
    };
    let declared_at = declared_at.expect("validated");
    let past = match &input.past {
        Some(p) => p.clone(),
        None => {
            let from = declared_at
                .checked_sub(jiff::SignedDuration::from_hours(
                    24 * policy.repeat_window_days,
                ))
                .unwrap_or(jiff::Timestamp::MIN);
            state.store.resolved_between(from, declared_at).await?
        }
    };
    let severities = state.store.list_severities().await?;
    let rank_of = |key: &str| severities.iter().find(|s| s.key == key).map(|s| s.rank);
    let incident = PolicyIncident {
        severity: input.severity.trim().to_ascii_uppercase(),
        incident_type,
        services: input
            .services
            .iter()
            .map(|s| s.trim().to_ascii_lowercase())
            .collect(),
        title: input.title.clone(),
        declared_at,
        resolved_at,
        customer_impact: input.customer_impact,
        requested: input.requested,
        waiver_reason: input.waiver_reason.clone(),
    };
    Ok(policy::decide(&policy, &rank_of, &incident, &past))
}
