//! Tests of the parent module and of [`super::rules`].

use super::ComponentState::*;
use super::*;
use crate::Timestamp;

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

#[test]
fn every_enum_round_trips_through_its_name_and_serde() {
    for s in ComponentState::ALL {
        assert_eq!(s.as_str().parse::<ComponentState>().unwrap(), s);
        assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        assert_eq!(s.to_string(), s.as_str());
    }
    for s in Indicator::ALL {
        assert_eq!(s.as_str().parse::<Indicator>().unwrap(), s);
        assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
    }
    for s in UpdateStatus::ALL {
        assert_eq!(s.as_str().parse::<UpdateStatus>().unwrap(), s);
        assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
    }
    for s in Impact::ALL {
        assert_eq!(s.as_str().parse::<Impact>().unwrap(), s);
        assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
    }
    for s in MaintenanceStatus::ALL {
        assert_eq!(s.as_str().parse::<MaintenanceStatus>().unwrap(), s);
        assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
    }
}

#[test]
fn unknown_names_are_rejected_with_the_allowed_ones() {
    let e = "down".parse::<ComponentState>().unwrap_err();
    assert_eq!(
        e,
        "unknown component status 'down'; expected one of operational, under_maintenance, \
         degraded_performance, partial_outage, major_outage"
    );
    assert!(
        "Major_Outage".parse::<ComponentState>().is_err(),
        "names are exact"
    );
    assert!(
        "degraded"
            .parse::<Indicator>()
            .unwrap_err()
            .contains("none, maintenance, minor, major, critical")
    );
    assert!(
        "closed"
            .parse::<UpdateStatus>()
            .unwrap_err()
            .starts_with("unknown incident status 'closed'")
    );
    assert!(
        "severe"
            .parse::<Impact>()
            .unwrap_err()
            .contains("maintenance")
    );
    assert!(
        "cancelled"
            .parse::<MaintenanceStatus>()
            .unwrap_err()
            .contains("in_progress")
    );
}

#[test]
fn component_states_are_ordered_by_severity_and_worst_picks_the_worst() {
    assert!(Operational < UnderMaintenance);
    assert!(UnderMaintenance < DegradedPerformance);
    assert!(DegradedPerformance < PartialOutage);
    assert!(PartialOutage < MajorOutage);
    assert_eq!(ComponentState::worst([]), Operational);
    assert_eq!(
        ComponentState::worst([Operational, UnderMaintenance]),
        UnderMaintenance
    );
    assert_eq!(
        ComponentState::worst([PartialOutage, Operational, DegradedPerformance]),
        PartialOutage
    );
    assert_eq!(DegradedPerformance.label(), "Degraded Performance");
}

#[test]
fn indicator_descriptions_are_statuspages_words() {
    assert_eq!(Indicator::None.description(), "All Systems Operational");
    assert_eq!(Indicator::Minor.description(), "Minor Service Outage");
    assert_eq!(Indicator::Major.description(), "Partial System Outage");
    assert_eq!(Indicator::Critical.description(), "Major Service Outage");
    assert_eq!(
        Indicator::Maintenance.description(),
        "Service Under Maintenance"
    );
    assert_eq!(MAINTENANCE_DESCRIPTION, "Service Under Maintenance");
    assert_eq!(DEGRADED_DESCRIPTION, "Partially Degraded Service");
}

#[test]
fn unresolved_and_active_statuses() {
    assert!(UpdateStatus::Investigating.is_unresolved());
    assert!(UpdateStatus::Monitoring.is_unresolved());
    assert!(!UpdateStatus::Resolved.is_unresolved());
    assert!(!UpdateStatus::Postmortem.is_unresolved());
    assert!(MaintenanceStatus::InProgress.is_active());
    assert!(MaintenanceStatus::Verifying.is_active());
    assert!(!MaintenanceStatus::Scheduled.is_active());
    assert!(!MaintenanceStatus::Completed.is_active());
}

fn status(components: &[ComponentState], impacts: &[Impact]) -> (Indicator, &'static str) {
    let s = page_status(components, impacts, false);
    (s.indicator, s.description)
}

#[test]
fn an_all_operational_page_and_an_empty_page_are_all_systems_operational() {
    let ok = (Indicator::None, "All Systems Operational");
    assert_eq!(status(&[Operational, Operational], &[]), ok);
    assert_eq!(status(&[], &[]), ok);
}

#[test]
fn the_fixture_page_one_of_three_in_major_outage_is_a_partial_system_outage() {
    // summary-fixture.json: API major_outage, Dashboard operational, Database maintenance,
    // one unresolved incident of impact major.
    assert_eq!(
        status(
            &[MajorOutage, Operational, UnderMaintenance],
            &[Impact::Major]
        ),
        (Indicator::Major, "Partial System Outage")
    );
}

#[test]
fn major_outage_of_more_than_half_the_components_is_critical() {
    let critical = (Indicator::Critical, "Major Service Outage");
    assert_eq!(status(&[MajorOutage], &[]), critical);
    assert_eq!(
        status(&[MajorOutage, MajorOutage, Operational], &[]),
        critical
    );
    // Exactly half is not "most".
    assert_eq!(
        status(&[MajorOutage, Operational], &[]),
        (Indicator::Major, "Partial System Outage")
    );
}

#[test]
fn partial_outage_degradation_and_maintenance_have_their_own_words() {
    assert_eq!(
        status(&[PartialOutage, DegradedPerformance, Operational], &[]),
        (Indicator::Minor, "Minor Service Outage")
    );
    assert_eq!(
        status(&[DegradedPerformance, UnderMaintenance], &[]),
        (Indicator::Minor, "Partially Degraded Service")
    );
    assert_eq!(
        status(&[UnderMaintenance, Operational], &[]),
        (Indicator::Maintenance, "Service Under Maintenance")
    );
}

#[test]
fn an_incident_raises_the_indicator_and_then_its_words_are_used() {
    assert_eq!(
        status(&[Operational], &[Impact::Minor]),
        (Indicator::Minor, "Minor Service Outage")
    );
    assert_eq!(
        status(&[DegradedPerformance], &[Impact::None, Impact::Critical]),
        (Indicator::Critical, "Major Service Outage")
    );
    // An incident no worse than the components leaves the components' words.
    assert_eq!(
        status(&[DegradedPerformance], &[Impact::Minor]),
        (Indicator::Minor, "Partially Degraded Service")
    );
    // Neither `none` nor `maintenance` impact raises anything.
    assert_eq!(
        status(&[UnderMaintenance], &[Impact::None, Impact::Maintenance]),
        (Indicator::Maintenance, "Service Under Maintenance")
    );
}

#[test]
fn maintenance_in_progress_is_the_maintenance_indicator_unless_something_is_worse() {
    // Issue 9, part 10: Statuspage says `maintenance`, and a reader of `none` reports all clear.
    let m = |components: &[ComponentState], impacts: &[Impact]| {
        let s = page_status(components, impacts, true);
        (s.indicator, s.description)
    };
    let maintenance = (Indicator::Maintenance, "Service Under Maintenance");
    // Maintenance without components (or whose components are not yet moved) still counts.
    assert_eq!(m(&[Operational, Operational], &[]), maintenance);
    assert_eq!(m(&[], &[]), maintenance);
    assert_eq!(m(&[UnderMaintenance], &[Impact::None]), maintenance);
    // Anything worse wins: a degraded component, an incident with impact.
    assert_eq!(
        m(&[DegradedPerformance, UnderMaintenance], &[]),
        (Indicator::Minor, "Partially Degraded Service")
    );
    assert_eq!(
        m(&[Operational], &[Impact::Minor]),
        (Indicator::Minor, "Minor Service Outage")
    );
    assert_eq!(
        m(&[MajorOutage, Operational, UnderMaintenance], &[]),
        (Indicator::Major, "Partial System Outage")
    );
    assert!(Indicator::None < Indicator::Maintenance && Indicator::Maintenance < Indicator::Minor);
}

#[test]
fn incident_impact_follows_the_worst_state_it_set() {
    assert_eq!(incident_impact([]), Impact::None);
    assert_eq!(incident_impact([Operational]), Impact::None);
    assert_eq!(incident_impact([UnderMaintenance]), Impact::None);
    assert_eq!(
        incident_impact([DegradedPerformance, Operational]),
        Impact::Minor
    );
    assert_eq!(
        incident_impact([DegradedPerformance, PartialOutage]),
        Impact::Major
    );
    assert_eq!(
        incident_impact([MajorOutage, PartialOutage]),
        Impact::Critical
    );
}

#[test]
fn maintenance_moves_on_time() {
    let (s, e) = (t("2026-11-21T08:00:00Z"), t("2026-11-21T10:00:00Z"));
    let at = |now: &str| maintenance_status_at(s, e, 30, t(now));
    assert_eq!(at("2026-11-21T07:59:59.999Z"), MaintenanceStatus::Scheduled);
    assert_eq!(at("2026-11-21T08:00:00Z"), MaintenanceStatus::InProgress);
    assert_eq!(
        at("2026-11-21T09:59:59.999Z"),
        MaintenanceStatus::InProgress
    );
    assert_eq!(at("2026-11-21T10:00:00Z"), MaintenanceStatus::Verifying);
    assert_eq!(at("2026-11-21T10:29:59.999Z"), MaintenanceStatus::Verifying);
    assert_eq!(at("2026-11-21T10:30:00Z"), MaintenanceStatus::Completed);
    // Without a verification period the window completes at its end.
    assert_eq!(
        maintenance_status_at(s, e, 0, t("2026-11-21T10:00:00Z")),
        MaintenanceStatus::Completed
    );
}

#[test]
fn next_transition_names_the_next_status_and_when() {
    let (s, e) = (t("2026-11-21T08:00:00Z"), t("2026-11-21T10:00:00Z"));
    let next = |v: u32, now: &str| next_transition_at(s, e, v, t(now));
    assert_eq!(
        next(30, "2026-11-20T00:00:00Z"),
        Some((MaintenanceStatus::InProgress, s))
    );
    assert_eq!(
        next(30, "2026-11-21T09:00:00Z"),
        Some((MaintenanceStatus::Verifying, e))
    );
    assert_eq!(
        next(0, "2026-11-21T09:00:00Z"),
        Some((MaintenanceStatus::Completed, e))
    );
    assert_eq!(
        next(30, "2026-11-21T10:10:00Z"),
        Some((MaintenanceStatus::Completed, t("2026-11-21T10:30:00Z")))
    );
    assert_eq!(next(30, "2026-11-21T10:30:00Z"), None);
    // Each transition, once reached, gives the status it promised.
    for now in [
        "2026-11-20T00:00:00Z",
        "2026-11-21T09:00:00Z",
        "2026-11-21T10:10:00Z",
    ] {
        let (to, when) = next(30, now).unwrap();
        assert_eq!(maintenance_status_at(s, e, 30, when), to);
    }
}

#[test]
fn a_maintenance_window_must_end_after_it_starts() {
    let s = t("2026-11-21T08:00:00Z");
    assert!(validate_maintenance_window(s, t("2026-11-21T08:00:01Z")).is_ok());
    let e = validate_maintenance_window(s, s).unwrap_err();
    assert_eq!(e.fields[0].field, "scheduled_until");
}

#[test]
fn a_valid_component_is_trimmed_and_blank_optionals_become_none() {
    let c = validate_component("  API ", Some(" "), Some(" Core "), 3).unwrap();
    assert_eq!(
        c,
        NewComponent {
            name: "API".into(),
            description: None,
            group_name: Some("Core".into()),
            position: 3,
        }
    );
    assert_eq!(
        validate_component("x", None, None, 0).unwrap().group_name,
        None
    );
}

#[test]
fn every_bad_component_field_is_reported_by_name() {
    let e =
        validate_component(" ", Some(&"d".repeat(1001)), Some(&"g".repeat(201)), -1).unwrap_err();
    let fields: Vec<&str> = e.fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["name", "description", "group_name", "position"]);
    assert!(validate_component(&"n".repeat(200), None, None, 0).is_ok());
    assert!(validate_component(&"n".repeat(201), None, None, 0).is_err());
    assert!(validate_component("a\u{7}b", None, None, 0).is_err());
    assert!(validate_component("ok", None, None, rules::MAX_POSITION + 1).is_err());
}
