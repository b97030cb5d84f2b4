//! The postmortem policy's decisions, case by case.

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
        summary: String::new(),
        fingerprints: Vec::new(),
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
        summary: String::new(),
        incident_type: "default".into(),
        fingerprints: Vec::new(),
        root_cause: String::new(),
        contributing_factors: Vec::new(),
        private: false,
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
fn a_repeat_is_the_same_mechanism_by_the_similar_incident_measure() {
    // Arrange: a past certificate expiry on checkout, described in other words, with its
    // postmortem; and an unrelated checkout incident.
    let mut i = incident("SEV4", "default");
    i.title = "Checkout down: SSL cert lapsed".into();
    let mut cert = past(
        "TLS certificate expired on the payment page",
        "checkout",
        "2026-11-01T00:00:00Z",
    );
    cert.root_cause = "The certificate expired; renewal was manual.".into();
    let other = PastIncident {
        reference: Some("INC-13".into()),
        ..past(
            "Checkout button misaligned on phones",
            "checkout",
            "2026-11-02T00:00:00Z",
        )
    };

    // Act
    let repeat = decide_default(&i, &[other.clone(), cert]);
    let unrelated = decide_default(&i, &[other]);

    // Assert: the expiry is a repeat; a shared service alone is not.
    assert_eq!(repeat.tags, ["repeated"]);
    assert_eq!(repeat.reasons, ["repeated, like INC-12"]);
    assert!(!unrelated.required, "{unrelated:?}");
}

#[test]
fn a_private_past_incident_is_not_named_in_the_reason() {
    let i = incident("SEV4", "default");
    let p = PastIncident {
        private: true,
        ..past("Checkout 500 errors", "checkout", "2026-11-01T00:00:00Z")
    };
    let d = decide_default(&i, &[p]);
    assert_eq!(d.tags, ["repeated"]);
    assert!(
        d.summary()
            .contains("repeated, like an earlier private incident"),
        "{}",
        d.summary()
    );
    assert!(!d.summary().contains("INC-12"), "{}", d.summary());
}
