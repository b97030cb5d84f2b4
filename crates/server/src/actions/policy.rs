//! The postmortem policy: reading, saving and trying it out (issue #3).

use crate::auth::Actor;
use crate::{AppError, AppState};
use debrief_core::access::AccountRole;
use debrief_core::incident::{KNOWN_TYPES, parse_time};
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
        if key.trim().is_empty() {
            e.push(format!("{prefix}{field}"), "must name a severity");
        } else if !severities.iter().any(|s| &s.key == key) {
            e.push_missing(
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
    /// Summary, compared with past incidents' for the repeated rule.
    #[serde(default)]
    pub summary: Option<String>,
    /// Fingerprints of its alerts, compared likewise.
    #[serde(default)]
    pub fingerprints: Vec<String>,
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
        e.push_conflict("resolved_at", "must not be before declared_at");
    }
    if input.title.trim().is_empty() {
        e.push("title", "must not be empty");
    }
    let incident_type = match input.incident_type.as_deref() {
        Some(t) => slug(&mut e, "type", t),
        None => "default".into(),
    };
    let saved = match &input.policy {
        Some(_) => None,
        None => Some(state.store.postmortem_policy().await?),
    };
    let severities = state.store.list_severities().await?;
    // An unknown severity or type would never meet a rule and answer "not required" for a typo
    // (issue 9, part 9): it is refused, naming the field.
    let severity = input.severity.trim().to_ascii_uppercase();
    let keys: Vec<&str> = severities.iter().map(|s| s.key.as_str()).collect();
    if severity.is_empty() {
        e.push(
            "severity",
            format!("must name a severity: one of {}", keys.join(", ")),
        );
    } else if !keys.contains(&severity.as_str()) {
        e.push_missing(
            "severity",
            format!(
                "unknown severity '{}'; expected one of {}",
                input.severity.trim(),
                keys.join(", ")
            ),
        );
    }
    if !e.fields.iter().any(|f| f.field == "type") {
        let known = known_types(state, input.policy.as_ref().or(saved.as_ref())).await?;
        if !known.contains(&incident_type) {
            e.push_missing(
                "type",
                format!(
                    "unknown incident type '{incident_type}'; expected one of {}",
                    known.join(", ")
                ),
            );
        }
    }
    e.into_result(())?;
    let policy = match (&input.policy, saved) {
        (Some(p), _) => {
            validate_policy(state, p, "policy.").await?;
            p.clone()
        }
        (None, Some(saved)) => saved,
        (None, None) => state.store.postmortem_policy().await?,
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
            let mut past = state.store.resolved_between(from, declared_at).await?;
            state.store.fill_past_evidence(&mut past).await?;
            past
        }
    };
    let rank_of = |key: &str| severities.iter().find(|s| s.key == key).map(|s| s.rank);
    let incident = PolicyIncident {
        severity,
        incident_type,
        services: input
            .services
            .iter()
            .map(|s| s.trim().to_ascii_lowercase())
            .collect(),
        title: input.title.clone(),
        summary: input.summary.clone().unwrap_or_default(),
        fingerprints: input.fingerprints.clone(),
        declared_at,
        resolved_at,
        customer_impact: input.customer_impact,
        requested: input.requested,
        waiver_reason: input.waiver_reason.clone(),
    };
    Ok(policy::decide(&policy, &rank_of, &incident, &past))
}

/// The incident types Debrief knows of: those it knows by name, those the policy or a template
/// names, and those of incidents already declared; sorted.
async fn known_types(
    state: &AppState,
    policy: Option<&PolicyConfig>,
) -> Result<Vec<String>, AppError> {
    let mut known: Vec<String> = KNOWN_TYPES.iter().map(|t| t.to_string()).collect();
    if let Some(p) = policy {
        known.extend(
            [&p.always_types, &p.exempt_types, &p.unwaivable_types]
                .into_iter()
                .flatten()
                .cloned(),
        );
    }
    for t in state.store.templates().await? {
        known.extend(t.types);
    }
    known.extend(state.store.incident_types().await?);
    known.sort();
    known.dedup();
    Ok(known)
}

/// How one incident was decided, and how a proposed policy would decide it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReplayRow {
    /// `INC-42`.
    pub incident: String,
    /// Title.
    pub title: String,
    /// Severity.
    pub severity: String,
    /// Type.
    #[serde(rename = "type")]
    pub incident_type: String,
    /// When it was resolved.
    #[serde(with = "debrief_core::ts")]
    pub resolved_at: jiff::Timestamp,
    /// Whether the saved policy requires one (as decided now, from the same inputs).
    pub current: Decision,
    /// What the proposed policy decides.
    pub proposed: Decision,
    /// Whether the answer differs.
    pub changed: bool,
}

/// What a proposed policy would have decided over the incidents resolved in the last `days`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Replay {
    /// How many days back.
    pub days: i64,
    /// Incidents looked at.
    pub incidents: usize,
    /// Required under the saved policy.
    pub required_now: usize,
    /// Required under the proposed policy.
    pub required_proposed: usize,
    /// Newly required.
    pub newly_required: usize,
    /// No longer required.
    pub no_longer_required: usize,
    /// Every incident, newest first.
    pub rows: Vec<ReplayRow>,
}

/// Replays a proposed policy over the incidents resolved in the last `days` (admins only),
/// writing nothing. Requests and waivers recorded on the incidents count as they were.
pub async fn replay(
    state: &AppState,
    actor: &Actor,
    proposed: &PolicyConfig,
    days: i64,
) -> Result<Replay, AppError> {
    actor.require(AccountRole::Admin)?;
    validate_policy(state, proposed, "policy.").await?;
    if !(1..=366).contains(&days) {
        return Err(ValidationError::one("days", "must be from 1 to 366").into());
    }
    let saved = state.store.postmortem_policy().await?;
    let now = state.clock.now();
    let from = now
        .checked_sub(jiff::SignedDuration::from_hours(24 * days))
        .unwrap_or(jiff::Timestamp::MIN);
    let resolved = state.store.resolved_between(from, now).await?;
    let severities = state.store.list_severities().await?;
    let rank_of = |key: &str| severities.iter().find(|s| s.key == key).map(|s| s.rank);
    let mut rows = Vec::new();
    for p in resolved.iter().rev() {
        let Some(id) = p
            .reference
            .as_deref()
            .and_then(|r| r.trim_start_matches("INC-").parse::<i64>().ok())
        else {
            continue;
        };
        let Ok(incident) = state.store.incident(id, actor.viewer()).await else {
            continue;
        };
        let pm = state.store.postmortem(id).await?;
        let window = saved.repeat_window_days.max(proposed.repeat_window_days);
        let history_from = incident
            .declared_at
            .checked_sub(jiff::SignedDuration::from_hours(24 * window))
            .unwrap_or(jiff::Timestamp::MIN);
        let mut past: Vec<PastIncident> = state
            .store
            .resolved_between(history_from, incident.declared_at)
            .await?
            .into_iter()
            .filter(|x| x.reference != p.reference)
            .collect();
        state.store.fill_past_evidence(&mut past).await?;
        let own = debrief_store::similar::profile_of(
            &incident,
            state.store.evidence_of(id, actor.viewer()).await?,
        );
        let described = PolicyIncident {
            severity: incident.severity.clone(),
            incident_type: incident.incident_type.clone(),
            services: incident.services.clone(),
            title: incident.title.clone(),
            summary: own.summary,
            fingerprints: own.fingerprints,
            declared_at: incident.declared_at,
            resolved_at: Some(p.resolved_at),
            customer_impact: incident.customer_impact,
            requested: pm.as_ref().is_some_and(|x| x.requested),
            waiver_reason: pm.as_ref().and_then(|x| x.waiver_reason.clone()),
        };
        let current = policy::decide(&saved, &rank_of, &described, &past);
        let next = policy::decide(proposed, &rank_of, &described, &past);
        rows.push(ReplayRow {
            incident: incident.reference.clone(),
            title: incident.title.clone(),
            severity: incident.severity.clone(),
            incident_type: incident.incident_type.clone(),
            resolved_at: p.resolved_at,
            changed: current.required != next.required,
            current,
            proposed: next,
        });
    }
    let count = |f: &dyn Fn(&ReplayRow) -> bool| rows.iter().filter(|r| f(r)).count();
    Ok(Replay {
        days,
        incidents: rows.len(),
        required_now: count(&|r| r.current.required),
        required_proposed: count(&|r| r.proposed.required),
        newly_required: count(&|r| !r.current.required && r.proposed.required),
        no_longer_required: count(&|r| r.current.required && !r.proposed.required),
        rows,
    })
}
