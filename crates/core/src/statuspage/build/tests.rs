//! Tests of the parent module and of the [`super::super::v2`] types.

use super::*;
use crate::statuspage::Indicator;
use crate::statuspage::testdata::*;
use crate::statuspage::v2::*;
use serde_json::{Value, json};

fn fixture() -> Value {
    serde_json::from_str(SUMMARY_FIXTURE).unwrap()
}

#[test]
fn the_fixture_round_trips_through_the_v2_types_unchanged() {
    let parsed: Summary = serde_json::from_str(SUMMARY_FIXTURE).unwrap();
    assert_eq!(serde_json::to_value(&parsed).unwrap(), fixture());
}

#[test]
fn building_the_fixture_page_reproduces_the_fixture_exactly() {
    let built = serde_json::to_value(summary(&fixture_page(), fixture_now())).unwrap();
    assert_eq!(built, fixture());
}

#[test]
fn every_document_carries_the_page_and_its_own_fields_only() {
    let p = fixture_page();
    let now = fixture_now();
    let keys = |v: Value| -> Vec<String> { v.as_object().unwrap().keys().cloned().collect() };
    assert_eq!(
        keys(serde_json::to_value(status_doc(&p, fixture_now())).unwrap()),
        ["page", "status"]
    );
    assert_eq!(
        keys(serde_json::to_value(components_doc(&p)).unwrap()),
        ["components", "page"]
    );
    assert_eq!(
        keys(serde_json::to_value(incidents_doc(&p)).unwrap()),
        ["incidents", "page"]
    );
    assert_eq!(
        keys(serde_json::to_value(maintenances_doc(&p, now)).unwrap()),
        ["page", "scheduled_maintenances"]
    );
    let status = serde_json::to_value(status_doc(&p, fixture_now())).unwrap();
    assert_eq!(
        status["status"],
        json!({"indicator": "major", "description": "Partial System Outage"})
    );
    assert_eq!(status["page"], fixture()["page"]);
}

#[test]
fn times_are_utc_with_milliseconds() {
    let mut p = fixture_page();
    p.updated_at = "2026-11-21T03:30:00.1234-05:00".parse().unwrap();
    let v = serde_json::to_value(page(&p)).unwrap();
    assert_eq!(v["updated_at"], "2026-11-21T08:30:00.123Z");
}

fn grouped_page() -> PageInput {
    let mut p = fixture_page();
    let mut core = component_input("grp-core", "Core", 1, ComponentState::Operational);
    core.is_group = true;
    core.state = ComponentState::MajorOutage; // ignored: a group's state is its children's
    let mut a = component_input("cmp-b", "B", 2, ComponentState::DegradedPerformance);
    a.group_id = Some("grp-core".into());
    let mut b = component_input("cmp-a", "A", 1, ComponentState::PartialOutage);
    b.group_id = Some("grp-core".into());
    let mut orphan = component_input("cmp-orphan", "Orphan", 0, ComponentState::Operational);
    orphan.group_id = Some("grp-gone".into());
    p.components = vec![
        component_input("cmp-z", "Z", 5, ComponentState::Operational),
        a,
        core,
        b,
        orphan,
        component_input("cmp-y", "Y", 5, ComponentState::Operational),
    ];
    p
}

#[test]
fn components_are_in_page_order_with_each_groups_children_after_it() {
    let ids: Vec<String> = components(&grouped_page())
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(
        ids,
        ["cmp-orphan", "grp-core", "cmp-a", "cmp-b", "cmp-y", "cmp-z"]
    );
}

#[test]
fn a_group_lists_its_children_and_shows_their_worst_state() {
    let cs = components(&grouped_page());
    let group = cs.iter().find(|c| c.id == "grp-core").unwrap();
    assert!(group.group);
    assert_eq!(group.status, ComponentState::PartialOutage);
    assert_eq!(
        group.components.as_deref(),
        Some(&["cmp-a".to_string(), "cmp-b".to_string()][..])
    );
    let child = serde_json::to_value(cs.iter().find(|c| c.id == "cmp-a").unwrap()).unwrap();
    assert_eq!(child["group_id"], "grp-core");
    assert!(
        child.get("components").is_none(),
        "only groups carry `components`"
    );
    let group = serde_json::to_value(group).unwrap();
    assert_eq!(group["components"], json!(["cmp-a", "cmp-b"]));
    assert_eq!(group["group_id"], Value::Null);
    let orphan = cs.iter().find(|c| c.id == "cmp-orphan").unwrap();
    assert_eq!(orphan.group_id, None, "no dangling group ids");
}

#[test]
fn groups_do_not_count_towards_the_page_status() {
    // Leaves: Z, B (degraded), A (partial), Orphan, Y; plus the fixture's major incident.
    let s = status(&grouped_page(), fixture_now());
    assert_eq!(s.indicator, Indicator::Major);
    let mut p = grouped_page();
    p.incidents.clear();
    assert_eq!(
        status(&p, fixture_now()),
        Status {
            indicator: Indicator::Minor,
            description: "Minor Service Outage".into()
        }
    );
}

fn lifecycle_incident() -> PageIncidentInput {
    let mut i = incident_input("inc-1", "Checkout errors", "2026-11-20T10:00:00Z");
    let mut first = update_input(
        "a",
        UpdateStatus::Investigating,
        "Looking.",
        "2026-11-20T10:00:00Z",
    );
    first.affected = vec![
        AffectedInput {
            component_id: "cmp-web".into(),
            old_state: ComponentState::Operational,
            new_state: ComponentState::DegradedPerformance,
        },
        AffectedInput {
            component_id: "cmp-unknown".into(),
            old_state: ComponentState::Operational,
            new_state: ComponentState::PartialOutage,
        },
    ];
    i.updates = vec![
        update_input(
            "d",
            UpdateStatus::Resolved,
            "Fixed.",
            "2026-11-20T12:00:00Z",
        ),
        update_input(
            "c",
            UpdateStatus::Monitoring,
            "Watching again.",
            "2026-11-20T11:30:00Z",
        ),
        first,
        update_input(
            "b",
            UpdateStatus::Monitoring,
            "Watching.",
            "2026-11-20T11:00:00Z",
        ),
    ];
    i
}

#[test]
fn an_incidents_fields_are_derived_from_its_updates() {
    let p = fixture_page();
    let i = incident_of(&p, &lifecycle_incident());
    let ids: Vec<&str> = i.incident_updates.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids, ["d", "c", "b", "a"], "newest first");
    assert_eq!(i.status, UpdateStatus::Resolved);
    assert_eq!(
        i.monitoring_at,
        Some(t("2026-11-20T11:00:00Z")),
        "first move"
    );
    assert_eq!(i.resolved_at, Some(t("2026-11-20T12:00:00Z")));
    assert_eq!(i.updated_at, t("2026-11-20T12:00:00Z"));
    assert_eq!(i.started_at, i.created_at);
    assert_eq!(
        i.impact,
        Impact::Major,
        "partial outage of an unknown component"
    );
    assert_eq!(i.shortlink, "http://127.0.0.1:18090/incidents/inc-1");
    let names: Vec<&str> = i.components.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Dashboard"], "only components on the page");
    let affected = i.incident_updates[3].affected_components.as_ref().unwrap();
    assert_eq!(affected[0].name, "Dashboard");
    assert_eq!(affected[1].name, "cmp-unknown");
    assert_eq!(i.incident_updates[0].affected_components, None);
}

fn incident_of(p: &PageInput, i: &PageIncidentInput) -> Incident {
    incident(p, i)
}

#[test]
fn reopening_clears_resolved_at_and_a_postmortem_keeps_the_resolution_time() {
    let p = fixture_page();
    let mut i = lifecycle_incident();
    i.updates.push(update_input(
        "e",
        UpdateStatus::Investigating,
        "It is back.",
        "2026-11-20T13:00:00Z",
    ));
    let reopened = incident_of(&p, &i);
    assert_eq!(reopened.status, UpdateStatus::Investigating);
    assert_eq!(reopened.resolved_at, None);

    let mut i = lifecycle_incident();
    i.updates.push(update_input(
        "e",
        UpdateStatus::Postmortem,
        "Postmortem published.",
        "2026-11-22T09:00:00Z",
    ));
    let pm = incident_of(&p, &i);
    assert_eq!(pm.status, UpdateStatus::Postmortem);
    assert_eq!(pm.resolved_at, Some(t("2026-11-20T12:00:00Z")));
}

#[test]
fn an_incident_without_updates_is_investigating_with_no_impact() {
    let mut i = incident_input("inc-2", "Something", "2026-11-20T10:00:00Z");
    i.started_at = Some(t("2026-11-20T09:40:00Z"));
    let i = incident_of(&fixture_page(), &i);
    assert_eq!(i.status, UpdateStatus::Investigating);
    assert_eq!(i.impact, Impact::None);
    assert_eq!(i.started_at, t("2026-11-20T09:40:00Z"));
    assert!(i.incident_updates.is_empty() && i.components.is_empty());
}

#[test]
fn incidents_are_newest_first_and_the_recent_list_stops_at_fifty() {
    let mut p = fixture_page();
    p.incidents = (0..60)
        .map(|n| {
            let at = t("2026-01-01T00:00:00Z") + jiff::SignedDuration::from_hours(n);
            let mut i = incident_input(&format!("i{n:02}"), "x", "2026-01-01T00:00:00Z");
            i.created_at = at;
            i.updates = vec![update_input(
                "u",
                if n % 2 == 0 {
                    UpdateStatus::Resolved
                } else {
                    UpdateStatus::Monitoring
                },
                "b",
                "2026-02-01T00:00:00Z",
            )];
            i
        })
        .collect();
    let recent = incidents_doc(&p).incidents;
    assert_eq!(recent.len(), RECENT_INCIDENTS);
    assert_eq!(recent[0].id, "i59");
    assert_eq!(recent[49].id, "i10");
    let open = unresolved_incidents_doc(&p).incidents;
    assert_eq!(open.len(), 30);
    assert!(open.iter().all(|i| i.status == UpdateStatus::Monitoring));
    assert_eq!(open[0].id, "i59");
    assert_eq!(summary(&p, fixture_now()).incidents, open);
}

fn maintenance_page() -> PageInput {
    let mut p = fixture_page();
    let mut early = maintenance_input("m-early", "2026-11-21T06:00:00Z", "2026-11-21T12:00:00Z");
    early.updates = vec![update_input(
        "x",
        MaintenanceStatus::Completed,
        "Done early.",
        "2026-11-21T07:00:00Z",
    )];
    let mut verifying =
        maintenance_input("m-verify", "2026-11-21T07:00:00Z", "2026-11-21T08:00:00Z");
    verifying.verify_minutes = 60;
    p.maintenances = vec![
        maintenance_input("m-later", "2026-11-23T00:00:00Z", "2026-11-23T02:00:00Z"),
        maintenance_input("m-next", "2026-11-22T00:00:00Z", "2026-11-22T02:00:00Z"),
        maintenance_input("m-past", "2026-11-20T00:00:00Z", "2026-11-20T02:00:00Z"),
        early,
        verifying,
        p.maintenances[0].clone(),
    ];
    p
}

fn ids(m: &MaintenancesDoc) -> Vec<&str> {
    m.scheduled_maintenances
        .iter()
        .map(|m| m.id.as_str())
        .collect()
}

#[test]
fn maintenance_lists_select_and_order_as_statuspage_does() {
    let p = maintenance_page();
    let now = fixture_now();
    assert_eq!(
        ids(&upcoming_maintenances_doc(&p, now)),
        ["m-next", "m-later"]
    );
    assert_eq!(
        ids(&active_maintenances_doc(&p, now)),
        ["m-verify", "mnt-1"]
    );
    assert_eq!(
        ids(&maintenances_doc(&p, now)),
        [
            "m-later", "m-next", "mnt-1", "m-verify", "m-early", "m-past"
        ]
    );
    let s = summary(&p, now);
    let in_summary: Vec<&str> = s
        .scheduled_maintenances
        .iter()
        .map(|m| m.id.as_str())
        .collect();
    assert_eq!(in_summary, ["m-verify", "mnt-1", "m-next", "m-later"]);
}

#[test]
fn maintenance_status_follows_time_and_updates_can_only_move_it_on() {
    let p = maintenance_page();
    let now = fixture_now();
    let get = |id: &str| {
        let m = p.maintenances.iter().find(|m| m.id == id).unwrap();
        maintenance(&p, m, now)
    };
    let verifying = get("m-verify");
    assert_eq!(verifying.status, MaintenanceStatus::Verifying);
    assert_eq!(verifying.resolved_at, None);
    assert_eq!(verifying.impact, Impact::Maintenance);
    assert_eq!(
        verifying.started_at,
        t("2026-11-21T07:00:00Z"),
        "its window opened"
    );
    let early = get("m-early");
    assert_eq!(early.status, MaintenanceStatus::Completed);
    assert_eq!(early.resolved_at, Some(t("2026-11-21T07:00:00Z")));
    let past = get("m-past");
    assert_eq!(past.status, MaintenanceStatus::Completed);
    assert_eq!(past.resolved_at, Some(t("2026-11-20T02:00:00Z")));
    assert_eq!(past.monitoring_at, None);
    // An update saying "scheduled" after the window opened does not move it back.
    let mut m = p.maintenances[0].clone();
    m.updates = vec![update_input(
        "s",
        MaintenanceStatus::Scheduled,
        "Planned.",
        "2026-11-21T08:00:00Z",
    )];
    assert_eq!(
        maintenance(&p, &m, t("2026-11-23T01:00:00Z")).status,
        MaintenanceStatus::InProgress
    );
}

#[test]
fn a_maintenance_update_uses_maintenance_statuses_on_the_wire() {
    let v = serde_json::to_value(summary(&fixture_page(), fixture_now())).unwrap();
    let m = &v["scheduled_maintenances"][0];
    assert_eq!(m["incident_updates"][0]["status"], "in_progress");
    assert_eq!(m["impact"], "maintenance");
    assert!(m.get("reminder_intervals").is_none());
    assert_eq!(v["incidents"][0]["reminder_intervals"], Value::Null);
}

#[test]
fn maintenance_moved_by_time_before_its_job_shows_the_update_the_job_will_write() {
    // Announced at 08:00 for 08:10–08:20 with 15 minutes of verification; read at 08:25.
    let p = fixture_page();
    let mut m = maintenance_input("m9", "2026-11-21T08:10:00Z", "2026-11-21T08:20:00Z");
    m.verify_minutes = 15;
    m.updates = vec![update_input(
        "m9-scheduled",
        MaintenanceStatus::Scheduled,
        "Planned.",
        "2026-11-21T08:00:00Z",
    )];

    let shown = maintenance(&p, &m, t("2026-11-21T08:25:00Z"));
    let done = maintenance(&p, &m, t("2026-11-21T09:00:00Z"));

    assert_eq!(shown.status, MaintenanceStatus::Verifying);
    let first = &shown.incident_updates[0];
    assert_eq!(
        first.id,
        crate::statuspage::public_id::maintenance_update("m9", MaintenanceStatus::Verifying, 1)
    );
    assert_eq!(first.status, MaintenanceStatus::Verifying);
    assert_eq!(first.display_at, t("2026-11-21T08:20:00Z"));
    assert_eq!(first.body, MaintenanceStatus::Verifying.default_body());
    assert_eq!(shown.incident_updates.len(), 2);
    assert_eq!(shown.updated_at, t("2026-11-21T08:20:00Z"));
    assert_eq!(
        done.incident_updates[0].status,
        MaintenanceStatus::Completed
    );
    assert_eq!(done.resolved_at, Some(t("2026-11-21T08:35:00Z")));
    assert_eq!(
        done.started_at,
        t("2026-11-21T08:10:00Z"),
        "its window opened"
    );
    let planned = maintenance(&p, &m, t("2026-11-21T08:05:00Z"));
    assert_eq!(
        planned.started_at, m.created_at,
        "announced, never in the future"
    );
}

#[test]
fn a_maintenance_started_when_its_window_opened_or_when_an_operator_started_it() {
    // The capture: announced 08:00, window from 08:05, an `in_progress` update at 08:05.
    let p = fixture_page();
    let m = maintenance(&p, &p.maintenances[0], fixture_now());
    assert_eq!(m.created_at, t("2026-11-21T08:00:00Z"));
    assert_eq!(m.started_at, t("2026-11-21T08:05:00Z"));
    // Started by hand before its window: then.
    let mut early = maintenance_input("e", "2026-11-21T09:00:00Z", "2026-11-21T10:00:00Z");
    early.updates = vec![update_input(
        "e1",
        MaintenanceStatus::InProgress,
        "Starting early.",
        "2026-11-21T08:20:00Z",
    )];
    let shown = maintenance(&p, &early, fixture_now());
    assert_eq!(shown.status, MaintenanceStatus::InProgress);
    assert_eq!(shown.started_at, t("2026-11-21T08:20:00Z"));
    // Started on time, its job's update written a little late: the window's start.
    early.updates[0].display_at = t("2026-11-21T09:00:03Z");
    let late = maintenance(&p, &early, t("2026-11-21T09:30:00Z"));
    assert_eq!(late.started_at, t("2026-11-21T09:00:00Z"));
}

#[test]
fn maintenance_in_progress_makes_the_page_say_maintenance_unless_something_is_worse() {
    // Issue 9, part 10: `none` with "Service Under Maintenance" read as all clear.
    let mut p = fixture_page();
    p.incidents.clear();
    p.maintenances[0].updates.clear();
    for c in &mut p.components {
        c.state = ComponentState::Operational;
    }
    let at = |p: &PageInput, now: &str| status(p, t(now));
    let maintenance = Status {
        indicator: Indicator::Maintenance,
        description: "Service Under Maintenance".into(),
    };
    // The fixture's maintenance runs 08:05–10:00 with no verification.
    assert_eq!(at(&p, "2026-11-21T08:00:00Z").indicator, Indicator::None);
    assert_eq!(at(&p, "2026-11-21T08:05:00Z"), maintenance);
    assert_eq!(at(&p, "2026-11-21T10:00:00Z").indicator, Indicator::None);
    let v = serde_json::to_value(summary(&p, t("2026-11-21T09:00:00Z"))).unwrap();
    assert_eq!(v["status"]["indicator"], "maintenance");
    let v = serde_json::to_value(status_doc(&p, t("2026-11-21T09:00:00Z"))).unwrap();
    assert_eq!(v["status"]["indicator"], "maintenance");
    // An incident with impact, or a degraded component, is worse.
    p.components[1].state = ComponentState::DegradedPerformance;
    assert_eq!(at(&p, "2026-11-21T09:00:00Z").indicator, Indicator::Minor);
}

#[test]
fn uptime_history_starts_operational_at_creation() {
    let mut c = component_input("c", "C", 1, ComponentState::Operational);
    c.history = vec![crate::statuspage::uptime::StateChange {
        at: t("2026-11-21T09:00:00Z"),
        state: ComponentState::MajorOutage,
    }];
    let h = c.uptime_history();
    assert_eq!(h.created_at, c.created_at);
    assert_eq!(h.initial, ComponentState::Operational);
    let u = crate::statuspage::uptime::uptime_bars(
        &h,
        &jiff::tz::TimeZone::UTC,
        1,
        t("2026-11-21T10:00:00Z"),
    );
    // 08:00–10:00 observed, the last hour down: 50%.
    assert_eq!(u.uptime_percent, Some(50.0));
}
