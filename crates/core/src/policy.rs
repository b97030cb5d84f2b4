//! The postmortem policy: whether an incident owes a postmortem, and why.
//!
//! Triggers: a severity at or above a threshold; an incident type that always needs one; a
//! repeated incident (a shared service and the same failure mechanism by the measure of
//! [`crate::similar`], resolved in the window before this one was declared); an incident open too long; a commander's request. Exempt types switch off
//! the repeated and long-open triggers unless the incident had customer impact or a high
//! severity. A waiver with a reason switches the requirement off, except for the types that
//! cannot be waived.
//!
//! The tags name what decided the outcome, and what it overrode is kept apart (issue 9,
//! part 9): a valid waiver is tagged `waived` alone and lists the triggers it overrode in
//! `overridden`; a commander's request is tagged `requested`, followed by the triggers that
//! fired anyway; an exemption is tagged `exempt:<type>` only when it decided the outcome ("not
//! required"), with the triggers it switched off in `overridden`.

use crate::Timestamp;
use crate::similar::{Corpus, Profile};
use serde::{Deserialize, Serialize};

/// The policy's settings, with the defaults of issue #3.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PolicyConfig {
    /// Incidents at this severity or more severe require a postmortem.
    pub severity_threshold: String,
    /// Types that always require one.
    pub always_types: Vec<String>,
    /// How far back (days, both ends inclusive) a similar resolved incident makes this a repeat.
    pub repeat_window_days: i64,
    /// An incident open strictly longer than this (hours) requires one.
    pub long_open_hours: i64,
    /// Types for which the repeated and long-open triggers are off (unless impact or high severity).
    pub exempt_types: Vec<String>,
    /// Severities at or above this one keep the repeated and long-open triggers on exempt types.
    pub exempt_unless_severity: String,
    /// Types whose postmortem cannot be waived.
    pub unwaivable_types: Vec<String>,
    /// The draft is due this many hours after resolution.
    pub draft_due_hours: i64,
    /// The review meeting is held within this many business days of resolution.
    pub review_business_days: i64,
    /// How many reviewers must approve before the postmortem can be published.
    pub approvals_required: i64,
    /// Who is told when a postmortem or action item is overdue (user id); every admin if none.
    pub process_owner_id: Option<i64>,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        let v = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect();
        Self {
            severity_threshold: "SEV2".into(),
            always_types: v(&[
                "failed_deployment",
                "security_breach",
                "data_loss",
                "missed_deadline",
            ]),
            repeat_window_days: 30,
            long_open_hours: 24,
            exempt_types: v(&["minor_problem", "proactive_maintenance", "scheduled_work"]),
            exempt_unless_severity: "SEV2".into(),
            unwaivable_types: v(&["security_breach", "data_loss"]),
            draft_due_hours: 48,
            review_business_days: 5,
            approvals_required: 1,
            process_owner_id: None,
        }
    }
}

/// What the policy needs to know of the incident being decided.
#[derive(Debug, Clone)]
pub struct PolicyIncident {
    /// Severity key.
    pub severity: String,
    /// Incident type.
    pub incident_type: String,
    /// Affected services.
    pub services: Vec<String>,
    /// Title.
    pub title: String,
    /// Summary, compared with past incidents' for the repeated trigger.
    pub summary: String,
    /// Fingerprints of its alerts.
    pub fingerprints: Vec<String>,
    /// When it was declared.
    pub declared_at: Timestamp,
    /// When it was resolved, if it was.
    pub resolved_at: Option<Timestamp>,
    /// Whether customers were affected.
    pub customer_impact: bool,
    /// Whether the commander asked for a postmortem.
    pub requested: bool,
    /// A waiver's reason, if someone waived it.
    pub waiver_reason: Option<String>,
}

/// An earlier incident, for the repeated trigger.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PastIncident {
    /// Its reference, for the reason text (`INC-12`).
    #[serde(default)]
    pub reference: Option<String>,
    /// Title.
    pub title: String,
    /// Affected services.
    #[serde(default)]
    pub services: Vec<String>,
    /// When it was resolved.
    #[serde(with = "crate::ts")]
    pub resolved_at: Timestamp,
    /// Summary.
    #[serde(default)]
    pub summary: String,
    /// Incident type.
    #[serde(default, rename = "type")]
    pub incident_type: String,
    /// Fingerprints of its alerts.
    #[serde(default)]
    pub fingerprints: Vec<String>,
    /// Its postmortem's root cause.
    #[serde(default)]
    pub root_cause: String,
    /// Its postmortem's contributing factors.
    #[serde(default)]
    pub contributing_factors: Vec<String>,
    /// Whether it is private: the reason then does not name it, since everyone who may see this
    /// incident's decision reads the reason, and not all of them may see that one. Set by the
    /// store, never read from input.
    #[serde(skip)]
    pub private: bool,
}

impl PastIncident {
    /// What the similar-incident measure reads of it.
    pub fn profile(&self) -> Profile {
        Profile {
            title: self.title.clone(),
            summary: self.summary.clone(),
            root_cause: self.root_cause.clone(),
            contributing_factors: self.contributing_factors.clone(),
            services: self.services.clone(),
            fingerprints: self.fingerprints.clone(),
            incident_type: self.incident_type.clone(),
        }
    }
}

/// The decision: what decided it, as tags and in words, and what it overrode, kept apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// Whether a postmortem is owed.
    pub required: bool,
    /// What decided the outcome: the triggers that fired (`severity`, `type:<type>`,
    /// `repeated`, `long_open`), led by `requested` when the commander asked; or `waived`; or
    /// `exempt:<type>`. Empty when no rule applies.
    pub tags: Vec<String>,
    /// The same, in words: "severity SEV1 at or above SEV2", "repeated, like INC-12", …, and
    /// why a waiver that was asked for did not count.
    pub reasons: Vec<String>,
    /// The triggers that fired but did not decide: those a waiver overrode, or those an exemption
    /// switched off.
    #[serde(default)]
    pub overridden: Vec<String>,
    /// The same, in words.
    #[serde(default)]
    pub overridden_reasons: Vec<String>,
}

impl Decision {
    /// One line for the timeline: "required: severity SEV1 at or above SEV2; repeated, like
    /// INC-12", or "not required: waived: covered by INC-3's review (overrides: severity SEV1
    /// at or above SEV2)".
    pub fn summary(&self) -> String {
        let verdict = if self.required {
            "required"
        } else {
            "not required"
        };
        let mut line = if self.reasons.is_empty() {
            format!("{verdict}: no rule applies")
        } else {
            format!("{verdict}: {}", self.reasons.join("; "))
        };
        if !self.overridden_reasons.is_empty() {
            line.push_str(&format!(
                " (overrides: {})",
                self.overridden_reasons.join("; ")
            ));
        }
        line
    }
}

/// The rank of a severity key (1 is the most severe), from the configured levels.
pub type RankOf<'a> = &'a dyn Fn(&str) -> Option<i64>;

/// A rule that applied: its tag and its sentence.
type Rule = (String, String);

/// Decides whether `incident` owes a postmortem. `rank_of` gives a severity's rank (unknown
/// severities never meet a threshold); `past` are the organisation's earlier incidents.
pub fn decide(
    cfg: &PolicyConfig,
    rank_of: RankOf<'_>,
    incident: &PolicyIncident,
    past: &[PastIncident],
) -> Decision {
    let at_or_above = |sev: &str, threshold: &str| match (rank_of(sev), rank_of(threshold)) {
        (Some(s), Some(t)) => s <= t,
        _ => false,
    };
    let ty = incident.incident_type.as_str();

    // The triggers that fire whatever the type.
    let mut fired: Vec<Rule> = Vec::new();
    if at_or_above(&incident.severity, &cfg.severity_threshold) {
        fired.push((
            "severity".into(),
            format!(
                "severity {} at or above {}",
                incident.severity, cfg.severity_threshold
            ),
        ));
    }
    if cfg.always_types.iter().any(|t| t == ty) {
        fired.push((format!("type:{ty}"), format!("type {ty} always needs one")));
    }

    // The triggers an exemption can switch off.
    let window_start = incident.declared_at.as_millisecond() - cfg.repeat_window_days * 86_400_000;
    // The most similar past incident resolved in the window on a shared service, if it passes
    // the similar-incident threshold; all of `past` weighs the words.
    let profiles: Vec<Profile> = past.iter().map(PastIncident::profile).collect();
    let query = Profile {
        title: incident.title.clone(),
        summary: incident.summary.clone(),
        services: incident.services.clone(),
        fingerprints: incident.fingerprints.clone(),
        incident_type: incident.incident_type.clone(),
        ..Profile::default()
    };
    let like = Corpus::new(&profiles)
        .rank(&query, usize::MAX)
        .into_iter()
        .filter_map(|m| past.get(m.index))
        .find(|p| {
            let t = p.resolved_at.as_millisecond();
            (window_start..=incident.declared_at.as_millisecond()).contains(&t)
                && p.services.iter().any(|s| incident.services.contains(s))
        });
    let long_open = incident.resolved_at.is_some_and(|r| {
        r.as_millisecond() - incident.declared_at.as_millisecond() > cfg.long_open_hours * 3_600_000
    });
    let mut switchable: Vec<Rule> = Vec::new();
    if let Some(p) = like {
        switchable.push((
            "repeated".into(),
            match &p.reference {
                _ if p.private => "repeated, like an earlier private incident".to_string(),
                Some(r) => format!("repeated, like {r}"),
                None => format!("repeated, like \"{}\"", p.title),
            },
        ));
    }
    if long_open {
        switchable.push((
            "long_open".into(),
            format!("open longer than {} hours", cfg.long_open_hours),
        ));
    }
    let exempt = cfg.exempt_types.iter().any(|t| t == ty)
        && !incident.customer_impact
        && !at_or_above(&incident.severity, &cfg.exempt_unless_severity);
    let switched_off = if exempt {
        std::mem::take(&mut switchable)
    } else {
        Vec::new()
    };
    fired.extend(switchable);

    let waiver = incident
        .waiver_reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    let unwaivable = cfg.unwaivable_types.iter().any(|t| t == ty);
    let mut d = Decision {
        required: false,
        tags: Vec::new(),
        reasons: Vec::new(),
        overridden: Vec::new(),
        overridden_reasons: Vec::new(),
    };
    let decided_by = |d: &mut Decision, rules: Vec<Rule>| {
        for (tag, reason) in rules {
            d.tags.push(tag);
            d.reasons.push(reason);
        }
    };
    let overrides = |d: &mut Decision, rules: Vec<Rule>| {
        for (tag, reason) in rules {
            d.overridden.push(tag);
            d.overridden_reasons.push(reason);
        }
    };
    if incident.requested {
        // The commander's request decides, with whatever else fired; the exemption decided
        // nothing, so it is not named.
        d.required = true;
        decided_by(
            &mut d,
            vec![("requested".into(), "the commander asked for one".into())],
        );
        decided_by(&mut d, fired);
        if waiver.is_some() {
            d.reasons
                .push("a waiver was asked for, but the commander's request stands".into());
        }
    } else if !fired.is_empty() {
        match waiver {
            Some(reason) if !unwaivable => {
                decided_by(&mut d, vec![("waived".into(), format!("waived: {reason}"))]);
                overrides(&mut d, fired);
            }
            _ => {
                d.required = true;
                decided_by(&mut d, fired);
                if waiver.is_some() {
                    d.reasons.push(format!(
                        "a waiver was asked for, but type {ty} cannot be waived"
                    ));
                }
            }
        }
    } else if !switched_off.is_empty() {
        // Nothing fired but what the exemption switched off: the exemption decided.
        decided_by(
            &mut d,
            vec![(
                format!("exempt:{ty}"),
                format!("type {ty} is exempt from the repeated and long-open rules"),
            )],
        );
        overrides(&mut d, switched_off);
    }
    d
}

#[cfg(test)]
mod tests;
