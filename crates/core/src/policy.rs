//! The postmortem policy: whether an incident owes a postmortem, and why.
//!
//! Triggers: a severity at or above a threshold; an incident type that always needs one; a
//! repeated incident (a shared service and a similar title, resolved in the window before this
//! one was declared); an incident open too long; a commander's request. Exempt types switch off
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

const STOPWORDS: &[&str] = &[
    "a", "an", "the", "on", "in", "of", "for", "to", "is", "are", "was", "were", "and", "or",
    "with", "at", "by", "from", "due", "after", "during", "not", "no", "some", "all", "our", "we",
];

/// The words of a title that carry its meaning, lightly stemmed.
fn words(title: &str) -> Vec<String> {
    let mut out: Vec<String> = title
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !STOPWORDS.contains(w))
        .map(|w| {
            let stem = ["ing", "ed", "es", "s"]
                .iter()
                .find_map(|suffix| w.strip_suffix(suffix).filter(|s| s.chars().count() >= 3))
                .unwrap_or(w);
            stem.to_string()
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Whether two titles describe the same problem: most of their meaningful words are shared
/// (Jaccard similarity at least one half), or every word of the shorter one (two or more) is in
/// the longer one.
pub fn similar_titles(a: &str, b: &str) -> bool {
    let (wa, wb) = (words(a), words(b));
    if wa.is_empty() || wb.is_empty() {
        return false;
    }
    let shared = wa.iter().filter(|w| wb.contains(w)).count();
    let union = wa.len() + wb.len() - shared;
    let shorter = wa.len().min(wb.len());
    shared * 2 >= union || (shorter >= 2 && shared == shorter)
}

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
    let like = past.iter().find(|p| {
        let t = p.resolved_at.as_millisecond();
        (window_start..=incident.declared_at.as_millisecond()).contains(&t)
            && p.services.iter().any(|s| incident.services.contains(s))
            && similar_titles(&p.title, &incident.title)
    });
    let long_open = incident.resolved_at.is_some_and(|r| {
        r.as_millisecond() - incident.declared_at.as_millisecond() > cfg.long_open_hours * 3_600_000
    });
    let mut switchable: Vec<Rule> = Vec::new();
    if let Some(p) = like {
        switchable.push((
            "repeated".into(),
            match &p.reference {
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
mod tests {
    use super::*;

    fn rank(s: &str) -> Option<i64> {
        s.strip_prefix("SEV").and_then(|n| n.parse().ok())
    }

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn incident(severity: &str, ty: &str) -> PolicyIncident {
        PolicyIncident {
            severity: severity.into(),
            incident_type: ty.into(),
            services: vec!["checkout".into()],
            title: "Checkout returns 500 errors".into(),
            declared_at: t("2026-11-20T10:00:00Z"),
            resolved_at: Some(t("2026-11-20T12:00:00Z")),
            customer_impact: false,
            requested: false,
            waiver_reason: None,
        }
    }

    fn past(title: &str, service: &str, resolved: &str) -> PastIncident {
        PastIncident {
            reference: Some("INC-12".into()),
            title: title.into(),
            services: vec![service.into()],
            resolved_at: t(resolved),
        }
    }

    fn decide_default(i: &PolicyIncident, p: &[PastIncident]) -> Decision {
        decide(&PolicyConfig::default(), &rank, i, p)
    }

    #[test]
    fn sev1_and_sev2_require_one_and_sev3_does_not() {
        let d = decide_default(&incident("SEV1", "default"), &[]);
        assert!(d.required);
        assert_eq!(d.tags, ["severity"]);
        assert_eq!(d.summary(), "required: severity SEV1 at or above SEV2");
        assert!(decide_default(&incident("SEV2", "default"), &[]).required);
        let d = decide_default(&incident("SEV3", "default"), &[]);
        assert!(!d.required && d.tags.is_empty());
    }

    #[test]
    fn customer_impact_alone_is_not_a_trigger() {
        let mut i = incident("SEV4", "default");
        i.customer_impact = true;
        assert!(!decide_default(&i, &[]).required);
    }

    #[test]
    fn some_types_always_need_one() {
        for ty in [
            "failed_deployment",
            "security_breach",
            "data_loss",
            "missed_deadline",
        ] {
            let d = decide_default(&incident("SEV4", ty), &[]);
            assert!(d.required, "{ty}");
            assert_eq!(d.tags, [format!("type:{ty}")]);
        }
    }

    #[test]
    fn a_similar_incident_on_a_shared_service_in_the_window_makes_a_repeat() {
        let i = incident("SEV4", "default");
        let d = decide_default(
            &i,
            &[past(
                "Checkout returning 500 errors",
                "checkout",
                "2026-10-21T10:00:00Z",
            )],
        );
        assert_eq!(d.tags, ["repeated"]);
        assert!(d.summary().contains("repeated, like INC-12"));
        // Both ends of the 30 days are inclusive.
        assert!(
            decide_default(
                &i,
                &[past(
                    "Checkout 500 errors",
                    "checkout",
                    "2026-11-20T10:00:00Z"
                )]
            )
            .required
        );
        assert!(
            !decide_default(
                &i,
                &[past(
                    "Checkout 500 errors",
                    "checkout",
                    "2026-10-21T09:59:59.999Z"
                )]
            )
            .required
        );
        // Another service, or another problem, is not a repeat; nor is a later resolution.
        assert!(
            !decide_default(
                &i,
                &[past(
                    "Checkout 500 errors",
                    "search",
                    "2026-11-01T00:00:00Z"
                )]
            )
            .required
        );
        assert!(
            !decide_default(
                &i,
                &[past(
                    "Slow search results",
                    "checkout",
                    "2026-11-01T00:00:00Z"
                )]
            )
            .required
        );
        assert!(
            !decide_default(
                &i,
                &[past(
                    "Checkout 500 errors",
                    "checkout",
                    "2026-11-20T10:00:00.001Z"
                )]
            )
            .required
        );
    }

    #[test]
    fn offsets_are_honoured_when_comparing_times() {
        let i = incident("SEV4", "default");
        // 2026-10-21T12:00+02:00 is 10:00Z: exactly 30 days before the declaration.
        let p = PastIncident {
            resolved_at: t("2026-10-21T12:00:00+02:00"),
            ..past("Checkout 500 errors", "checkout", "2026-01-01T00:00:00Z")
        };
        assert!(decide_default(&i, &[p]).required);
    }

    #[test]
    fn open_strictly_longer_than_a_day_requires_one() {
        let mut i = incident("SEV4", "default");
        i.resolved_at = Some(t("2026-11-21T10:00:00Z"));
        assert!(
            !decide_default(&i, &[]).required,
            "exactly 24 hours is not longer"
        );
        i.resolved_at = Some(t("2026-11-21T10:00:00.001Z"));
        assert_eq!(decide_default(&i, &[]).tags, ["long_open"]);
    }

    #[test]
    fn exempt_types_switch_off_repeats_and_long_open_unless_impact_or_high_severity() {
        let mut i = incident("SEV4", "scheduled_work");
        i.resolved_at = Some(t("2026-11-22T10:00:00Z"));
        let p = [past(
            "Checkout 500 errors",
            "checkout",
            "2026-11-10T00:00:00Z",
        )];
        let d = decide_default(&i, &p);
        assert!(!d.required);
        assert_eq!(d.tags, ["exempt:scheduled_work"]);
        assert_eq!(d.overridden, ["repeated", "long_open"]);
        assert_eq!(
            d.summary(),
            "not required: type scheduled_work is exempt from the repeated and long-open rules \
             (overrides: repeated, like INC-12; open longer than 24 hours)"
        );
        i.customer_impact = true;
        assert_eq!(decide_default(&i, &p).tags, ["repeated", "long_open"]);
        i.customer_impact = false;
        i.severity = "SEV2".into();
        assert!(
            decide_default(&i, &p)
                .tags
                .contains(&"repeated".to_string())
        );
    }

    #[test]
    fn a_commander_request_always_makes_one_required() {
        let mut i = incident("SEV4", "minor_problem");
        i.requested = true;
        i.waiver_reason = Some("nothing to learn".into());
        let d = decide_default(&i, &[]);
        assert!(d.required);
        assert_eq!(d.tags, ["requested"]);
        assert!(d.overridden.is_empty());
    }

    #[test]
    fn a_request_for_an_exempt_type_names_the_request_and_what_fired_but_not_the_exemption() {
        // A custom policy whose threshold reaches SEV3, while exemptions hold below SEV2.
        let cfg = PolicyConfig {
            severity_threshold: "SEV3".into(),
            ..PolicyConfig::default()
        };
        let mut i = incident("SEV3", "scheduled_work");
        i.resolved_at = Some(t("2026-11-22T10:00:00Z"));
        i.requested = true;
        let d = decide(&cfg, &rank, &i, &[]);
        assert!(d.required);
        assert_eq!(d.tags, ["requested", "severity"]);
        assert!(d.overridden.is_empty());
        assert_eq!(
            d.summary(),
            "required: the commander asked for one; severity SEV3 at or above SEV3"
        );
        // Without the request the severity still decides, and the exemption decided nothing.
        i.requested = false;
        let d = decide(&cfg, &rank, &i, &[]);
        assert_eq!(
            (d.required, d.tags.clone()),
            (true, vec!["severity".to_string()])
        );
        assert!(!d.summary().contains("exempt"), "{}", d.summary());
    }

    #[test]
    fn a_waiver_with_a_reason_switches_it_off_except_for_breaches_and_data_loss() {
        let mut i = incident("SEV1", "default");
        i.waiver_reason = Some("duplicate of INC-3's review".into());
        let d = decide_default(&i, &[]);
        assert!(!d.required);
        assert_eq!(d.tags, ["waived"], "the waiver decided");
        assert_eq!(d.overridden, ["severity"], "what it overrode is kept apart");
        assert_eq!(
            d.summary(),
            "not required: waived: duplicate of INC-3's review \
             (overrides: severity SEV1 at or above SEV2)"
        );
        i.waiver_reason = Some("   ".into());
        assert!(
            decide_default(&i, &[]).required,
            "an empty reason is no waiver"
        );
        for ty in ["security_breach", "data_loss"] {
            let mut i = incident("SEV3", ty);
            i.waiver_reason = Some("we know what happened".into());
            let d = decide_default(&i, &[]);
            assert!(d.required, "{ty} cannot be waived");
            assert_eq!(d.tags, [format!("type:{ty}")]);
            assert!(d.overridden.is_empty());
        }
        // A waiver when nothing fired changes nothing and is not named.
        let mut i = incident("SEV4", "default");
        i.waiver_reason = Some("nothing to learn".into());
        let d = decide_default(&i, &[]);
        assert!(!d.required && d.tags.is_empty() && d.overridden.is_empty());
    }

    #[test]
    fn titles_are_compared_by_their_meaningful_words() {
        assert!(similar_titles(
            "Checkout returns 500 errors",
            "500 errors on checkout"
        ));
        assert!(similar_titles(
            "Database failover",
            "Unexpected database failover in eu-west"
        ));
        assert!(!similar_titles(
            "Checkout returns 500 errors",
            "Search is slow"
        ));
        assert!(!similar_titles("", "anything"));
    }
}
