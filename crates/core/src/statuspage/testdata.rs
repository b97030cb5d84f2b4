//! Inputs shared by the status page tests: the page of `summary-fixture.json`.

use super::input::{
    AffectedInput, ComponentInput, MaintenanceInput, PageIncidentInput, PageInput, UpdateInput,
};
use super::{ComponentState, Impact, MaintenanceStatus, UpdateStatus};
use crate::Timestamp;

/// The fixture, as the statuspage-prometheus-exporter accepted it.
pub const SUMMARY_FIXTURE: &str = include_str!("../../tests/statuspage/summary-fixture.json");

/// Parses an RFC 3339 time.
pub fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// A top-level, shown component created at 08:00 and updated at 08:30 on 21 November 2026.
pub fn component_input(
    id: &str,
    name: &str,
    position: i64,
    state: ComponentState,
) -> ComponentInput {
    ComponentInput {
        id: id.into(),
        name: name.into(),
        description: None,
        position,
        is_group: false,
        group_id: None,
        showcase: true,
        only_show_if_degraded: false,
        start_date: None,
        created_at: t("2026-11-21T08:00:00Z"),
        updated_at: t("2026-11-21T08:30:00Z"),
        state,
        history: vec![],
    }
}

/// An update posted (and shown) at `at`, never edited.
pub fn update_input<S>(id: &str, status: S, body: &str, at: &str) -> UpdateInput<S> {
    UpdateInput {
        id: id.into(),
        status,
        body: body.into(),
        created_at: t(at),
        updated_at: t(at),
        display_at: t(at),
        affected: vec![],
        deliver_notifications: true,
    }
}

/// An incident published at `at` with no updates.
pub fn incident_input(id: &str, name: &str, at: &str) -> PageIncidentInput {
    PageIncidentInput {
        id: id.into(),
        name: name.into(),
        created_at: t(at),
        updated_at: t(at),
        started_at: None,
        impact_override: None,
        updates: vec![],
    }
}

/// Maintenance announced at 08:00 on 21 November 2026 for the window given.
pub fn maintenance_input(id: &str, from: &str, until: &str) -> MaintenanceInput {
    MaintenanceInput {
        id: id.into(),
        name: format!("Maintenance {id}"),
        created_at: t("2026-11-21T08:00:00Z"),
        updated_at: t("2026-11-21T08:00:00Z"),
        scheduled_for: t(from),
        scheduled_until: t(until),
        verify_minutes: 0,
        component_ids: vec![],
        updates: vec![],
    }
}

/// The page the fixture shows, at [`fixture_now`].
pub fn fixture_page() -> PageInput {
    let mut u1 = update_input(
        "u1",
        UpdateStatus::Investigating,
        "We are investigating elevated 5xx.",
        "2026-11-21T08:05:00Z",
    );
    u1.affected.push(AffectedInput {
        component_id: "cmp-api".into(),
        old_state: ComponentState::Operational,
        new_state: ComponentState::MajorOutage,
    });
    let mut inc = incident_input(
        "inc-open1",
        "Elevated API error rates",
        "2026-11-21T08:05:00Z",
    );
    inc.updated_at = t("2026-11-21T08:30:00Z");
    inc.impact_override = Some(Impact::Major);
    inc.updates = vec![
        update_input(
            "u2",
            UpdateStatus::Identified,
            "Root cause identified: bad deploy.",
            "2026-11-21T08:30:00Z",
        ),
        u1,
    ];
    let mut mnt = maintenance_input("mnt-1", "2026-11-21T08:05:00Z", "2026-11-21T10:00:00Z");
    mnt.name = "Database upgrade".into();
    mnt.updated_at = t("2026-11-21T08:30:00Z");
    mnt.component_ids = vec!["cmp-db".into()];
    mnt.updates = vec![update_input(
        "mu1",
        MaintenanceStatus::InProgress,
        "Maintenance in progress.",
        "2026-11-21T08:05:00Z",
    )];
    PageInput {
        id: "pg0001".into(),
        name: "Acme Cloud".into(),
        url: "http://127.0.0.1:18090/".into(),
        time_zone: "Etc/UTC".into(),
        updated_at: t("2026-11-21T08:30:00Z"),
        components: vec![
            component_input("cmp-db", "Database", 3, ComponentState::UnderMaintenance),
            component_input("cmp-api", "API", 1, ComponentState::MajorOutage),
            component_input("cmp-web", "Dashboard", 2, ComponentState::Operational),
        ],
        incidents: vec![inc],
        maintenances: vec![mnt],
    }
}

/// The "now" of the fixture.
pub fn fixture_now() -> Timestamp {
    t("2026-11-21T08:30:00Z")
}
