//! Builds the [`v2`](super::v2) documents from plain inputs, ordered as Statuspage orders them.
//!
//! # Orders and selections
//! - Components: top-level items (components and groups) by `(position, name, id)`, each group
//!   followed by its children by `(position, name, id)`. A child whose group is missing is
//!   shown at the top level, with `group_id: null`. A group's `status` is the worst of its children's.
//! - Incidents: newest first by `created_at` (then id); `incidents.json` keeps the
//!   [`RECENT_INCIDENTS`] most recent; unresolved = status not `resolved`/`postmortem`.
//! - Updates: newest first by `display_at` (then `created_at`, then input order).
//! - Maintenance: `scheduled-maintenances.json` is newest first by `scheduled_for` (the 50
//!   most recent); upcoming (`scheduled`) and active (`in_progress`/`verifying`) are soonest
//!   first. `summary.json` lists upcoming and active together, soonest first.
//!
//! # Derived fields
//! - An incident's `status` is its latest update's (`investigating` with no update);
//!   `monitoring_at` is the first update into `monitoring`; `resolved_at` is the latest update
//!   into `resolved`/`postmortem` while the incident is resolved (a reopen clears it);
//!   `impact` is the override when given, else [`incident_impact`] of every state its updates
//!   set; `updated_at` is the latest of its own `created_at`/`updated_at` and its updates'.
//! - A maintenance's status is the further along of [`maintenance_status_at`] (time) and its
//!   latest update's status, so an operator can complete early but time always moves it on.
//!   When time has moved it past its latest update (its job has not run yet), it gets the
//!   update the job will write, so its first update's status is always its status, as readers
//!   expect. `resolved_at` is when it completed (its first `completed` update). `started_at`
//!   is when the work started, as on Statuspage (the captured `summary-fixture.json`): the
//!   earliest of its window's start (once time has reached it) and its first update at
//!   `in_progress` or later; while still `scheduled`, when it was announced (`created_at`), so
//!   it never lies in the future.
//! - The page's status ([`status`]) is `maintenance` while a maintenance is `in_progress` or
//!   `verifying` at `now` and nothing is worse (see [`page_status`]).

use super::input::{
    AffectedInput, ComponentInput, MaintenanceInput, PageIncidentInput, PageInput, UpdateInput,
};
use super::public_id;
use super::rules::{incident_impact, maintenance_status_at, page_status};
use super::v2::{
    AffectedComponent, Component, ComponentsDoc, Incident, IncidentUpdate, IncidentsDoc,
    MaintenancesDoc, Page, ScheduledMaintenance, Status, StatusDoc, Summary,
};
use super::{ComponentState, Impact, MaintenanceStatus, UpdateStatus};
use crate::Timestamp;
use jiff::SignedDuration;
use std::cmp::Reverse;

/// How many incidents `incidents.json` and `scheduled-maintenances.json` list.
pub const RECENT_INCIDENTS: usize = 50;

/// The `page` object.
pub fn page(p: &PageInput) -> Page {
    Page {
        id: p.id.clone(),
        name: p.name.clone(),
        url: base_url(p).to_string(),
        time_zone: p.time_zone.clone(),
        updated_at: p.updated_at,
    }
}

fn base_url(p: &PageInput) -> &str {
    p.url.trim_end_matches('/')
}

fn shortlink(p: &PageInput, id: &str) -> String {
    format!("{}/incidents/{id}", base_url(p))
}

fn component(p: &PageInput, c: &ComponentInput) -> Component {
    let children: Vec<&ComponentInput> = sorted(
        p.components
            .iter()
            .filter(|k| !k.is_group && k.group_id.as_deref() == Some(c.id.as_str())),
    );
    Component {
        id: c.id.clone(),
        name: c.name.clone(),
        status: if c.is_group {
            ComponentState::worst(children.iter().map(|k| k.state))
        } else {
            c.state
        },
        created_at: c.created_at,
        updated_at: c.updated_at,
        position: c.position,
        description: c.description.clone(),
        showcase: c.showcase,
        start_date: c.start_date,
        group_id: c
            .group_id
            .clone()
            .filter(|g| !c.is_group && p.components.iter().any(|k| k.is_group && &k.id == g)),
        page_id: p.id.clone(),
        group: c.is_group,
        only_show_if_degraded: c.only_show_if_degraded,
        components: c
            .is_group
            .then(|| children.iter().map(|k| k.id.clone()).collect()),
    }
}

fn sorted<'a>(it: impl Iterator<Item = &'a ComponentInput>) -> Vec<&'a ComponentInput> {
    let mut v: Vec<_> = it.collect();
    v.sort_by(|a, b| (a.position, &a.name, &a.id).cmp(&(b.position, &b.name, &b.id)));
    v
}

/// Every component in page order (see the module docs).
pub fn components(p: &PageInput) -> Vec<Component> {
    let is_group = |id: &str| p.components.iter().any(|g| g.is_group && g.id == id);
    let top = sorted(
        p.components
            .iter()
            .filter(|c| c.is_group || c.group_id.as_deref().is_none_or(|g| !is_group(g))),
    );
    let mut out = Vec::new();
    for c in top {
        out.push(component(p, c));
        if c.is_group {
            let children = sorted(
                p.components
                    .iter()
                    .filter(|k| !k.is_group && k.group_id.as_deref() == Some(c.id.as_str())),
            );
            out.extend(children.into_iter().map(|k| component(p, k)));
        }
    }
    out
}

fn updates_newest_first<S: Copy>(
    p: &PageInput,
    incident_id: &str,
    updates: &[UpdateInput<S>],
) -> Vec<IncidentUpdate<S>> {
    let mut order: Vec<(usize, &UpdateInput<S>)> = updates.iter().enumerate().collect();
    order.sort_by_key(|(i, u)| Reverse((u.display_at, u.created_at, *i)));
    order
        .into_iter()
        .map(|(_, u)| IncidentUpdate {
            id: u.id.clone(),
            status: u.status,
            body: u.body.clone(),
            incident_id: incident_id.to_string(),
            created_at: u.created_at,
            updated_at: u.updated_at,
            display_at: u.display_at,
            affected_components: (!u.affected.is_empty()).then(|| {
                u.affected
                    .iter()
                    .map(|a| AffectedComponent {
                        code: a.component_id.clone(),
                        name: p
                            .components
                            .iter()
                            .find(|c| c.id == a.component_id)
                            .map_or_else(|| a.component_id.clone(), |c| c.name.clone()),
                        old_status: a.old_state,
                        new_status: a.new_state,
                    })
                    .collect()
            }),
            deliver_notifications: u.deliver_notifications,
            custom_tweet: None,
            tweet_id: None,
        })
        .collect()
}

fn components_named(p: &PageInput, ids: &[&str]) -> Vec<Component> {
    components(p)
        .into_iter()
        .filter(|c| ids.contains(&c.id.as_str()))
        .collect()
}

/// One incident as Statuspage shows it (see the module docs for derived fields).
pub fn incident(p: &PageInput, i: &PageIncidentInput) -> Incident {
    let updates = updates_newest_first(p, &i.id, &i.updates);
    let status = updates
        .first()
        .map_or(UpdateStatus::Investigating, |u| u.status);
    let chronological = || updates.iter().rev();
    let monitoring_at = chronological()
        .find(|u| u.status == UpdateStatus::Monitoring)
        .map(|u| u.display_at);
    let latest = |s: UpdateStatus| updates.iter().find(|u| u.status == s);
    let resolved_at = if status.is_unresolved() {
        None
    } else {
        latest(UpdateStatus::Resolved)
            .or_else(|| latest(UpdateStatus::Postmortem))
            .map(|u| u.display_at)
    };
    let affected: Vec<&AffectedInput> = i.updates.iter().flat_map(|u| &u.affected).collect();
    let impact = i
        .impact_override
        .unwrap_or_else(|| incident_impact(affected.iter().map(|a| a.new_state)));
    let ids: Vec<&str> = affected.iter().map(|a| a.component_id.as_str()).collect();
    let updated_at = i
        .updates
        .iter()
        .map(|u| u.updated_at)
        .fold(i.updated_at.max(i.created_at), Timestamp::max);
    Incident {
        id: i.id.clone(),
        name: i.name.clone(),
        status,
        created_at: i.created_at,
        updated_at,
        monitoring_at,
        resolved_at,
        impact,
        shortlink: shortlink(p, &i.id),
        started_at: i.started_at.unwrap_or(i.created_at),
        page_id: p.id.clone(),
        incident_updates: updates,
        components: components_named(p, &ids),
        reminder_intervals: None,
    }
}

/// Scheduled maintenance as Statuspage shows it at `now` (see the module docs).
pub fn maintenance(p: &PageInput, m: &MaintenanceInput, now: Timestamp) -> ScheduledMaintenance {
    let mut updates = updates_newest_first(p, &m.id, &m.updates);
    let by_time = maintenance_status_at(m.scheduled_for, m.scheduled_until, m.verify_minutes, now);
    let by_update = updates.first().map(|u| u.status);
    let status = by_time.max(by_update.unwrap_or(MaintenanceStatus::Scheduled));
    if by_update != Some(status) {
        let update = moved_on_time(m, status, updates.first().map(|u| u.display_at));
        updates.insert(0, update);
    }
    let resolved_at = updates
        .iter()
        .filter(|u| u.status == MaintenanceStatus::Completed)
        .map(|u| u.display_at)
        .min();
    let started_at = if status == MaintenanceStatus::Scheduled {
        m.created_at
    } else {
        let by_update = updates
            .iter()
            .filter(|u| u.status >= MaintenanceStatus::InProgress)
            .map(|u| u.display_at)
            .min();
        let window = (by_time >= MaintenanceStatus::InProgress).then_some(m.scheduled_for);
        by_update
            .into_iter()
            .chain(window)
            .min()
            .unwrap_or(m.scheduled_for)
    };
    let ids: Vec<&str> = m.component_ids.iter().map(String::as_str).collect();
    let updated_at = updates
        .iter()
        .map(|u| u.updated_at)
        .fold(m.updated_at.max(m.created_at), Timestamp::max);
    ScheduledMaintenance {
        id: m.id.clone(),
        name: m.name.clone(),
        status,
        created_at: m.created_at,
        updated_at,
        monitoring_at: None,
        resolved_at,
        impact: Impact::Maintenance,
        shortlink: shortlink(p, &m.id),
        started_at,
        page_id: p.id.clone(),
        scheduled_for: m.scheduled_for,
        scheduled_until: m.scheduled_until,
        incident_updates: updates,
        components: components_named(p, &ids),
    }
}

/// The update a maintenance gets when time moves it to `status` before its job has written
/// one: dated when time moved it (never before the latest update, so the order holds), with
/// the id the job's update will have (see [`MaintenanceInput::updates`]).
fn moved_on_time(
    m: &MaintenanceInput,
    status: MaintenanceStatus,
    latest: Option<Timestamp>,
) -> IncidentUpdate<MaintenanceStatus> {
    let moved = match status {
        MaintenanceStatus::Scheduled => m.created_at,
        MaintenanceStatus::InProgress => m.scheduled_for,
        MaintenanceStatus::Verifying => m.scheduled_until,
        MaintenanceStatus::Completed => m
            .scheduled_until
            .saturating_add(SignedDuration::from_mins(i64::from(m.verify_minutes)))
            .expect("a signed duration never fails to add"),
    };
    let at = latest.map_or(moved, |l| l.max(moved));
    IncidentUpdate {
        id: public_id::maintenance_update(&m.id, status, 1),
        status,
        body: status.default_body().to_string(),
        incident_id: m.id.clone(),
        created_at: at,
        updated_at: at,
        display_at: at,
        affected_components: None,
        deliver_notifications: true,
        custom_tweet: None,
        tweet_id: None,
    }
}

fn all_incidents(p: &PageInput) -> Vec<Incident> {
    let mut v: Vec<Incident> = p.incidents.iter().map(|i| incident(p, i)).collect();
    v.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
    v
}

fn unresolved(p: &PageInput) -> Vec<Incident> {
    all_incidents(p)
        .into_iter()
        .filter(|i| i.status.is_unresolved())
        .collect()
}

fn maintenances_where(
    p: &PageInput,
    now: Timestamp,
    keep: impl Fn(MaintenanceStatus) -> bool,
) -> Vec<ScheduledMaintenance> {
    let mut v: Vec<ScheduledMaintenance> = p
        .maintenances
        .iter()
        .map(|m| maintenance(p, m, now))
        .filter(|m| keep(m.status))
        .collect();
    v.sort_by(|a, b| (a.scheduled_for, &a.id).cmp(&(b.scheduled_for, &b.id)));
    v
}

/// Where maintenance `m` is at `now`: the further along of time and its latest update.
fn maintenance_status(m: &MaintenanceInput, now: Timestamp) -> MaintenanceStatus {
    let by_time = maintenance_status_at(m.scheduled_for, m.scheduled_until, m.verify_minutes, now);
    // The latest update as `updates_newest_first` orders them.
    let latest = m
        .updates
        .iter()
        .enumerate()
        .max_by_key(|(i, u)| (u.display_at, u.created_at, *i))
        .map(|(_, u)| u.status);
    by_time.max(latest.unwrap_or(MaintenanceStatus::Scheduled))
}

/// The page-wide status at `now` from the leaf components' states, unresolved incidents'
/// impacts and whether maintenance is in progress.
pub fn status(p: &PageInput, now: Timestamp) -> Status {
    let leaves: Vec<ComponentState> = p
        .components
        .iter()
        .filter(|c| !c.is_group)
        .map(|c| c.state)
        .collect();
    let impacts: Vec<Impact> = unresolved(p).iter().map(|i| i.impact).collect();
    let maintenance = p
        .maintenances
        .iter()
        .any(|m| maintenance_status(m, now).is_active());
    let s = page_status(&leaves, &impacts, maintenance);
    Status {
        indicator: s.indicator,
        description: s.description.to_string(),
    }
}

/// `summary.json` at `now`.
pub fn summary(p: &PageInput, now: Timestamp) -> Summary {
    Summary {
        page: page(p),
        components: components(p),
        incidents: unresolved(p),
        scheduled_maintenances: maintenances_where(p, now, |s| s != MaintenanceStatus::Completed),
        status: status(p, now),
    }
}

/// `status.json` at `now`.
pub fn status_doc(p: &PageInput, now: Timestamp) -> StatusDoc {
    StatusDoc {
        page: page(p),
        status: status(p, now),
    }
}

/// `components.json`.
pub fn components_doc(p: &PageInput) -> ComponentsDoc {
    ComponentsDoc {
        page: page(p),
        components: components(p),
    }
}

/// `incidents.json`: the [`RECENT_INCIDENTS`] most recent incidents, newest first.
pub fn incidents_doc(p: &PageInput) -> IncidentsDoc {
    let mut incidents = all_incidents(p);
    incidents.truncate(RECENT_INCIDENTS);
    IncidentsDoc {
        page: page(p),
        incidents,
    }
}

/// `incidents/unresolved.json`: every unresolved incident, newest first.
pub fn unresolved_incidents_doc(p: &PageInput) -> IncidentsDoc {
    IncidentsDoc {
        page: page(p),
        incidents: unresolved(p),
    }
}

/// `scheduled-maintenances.json` at `now`: the 50 most recent, newest first.
pub fn maintenances_doc(p: &PageInput, now: Timestamp) -> MaintenancesDoc {
    let mut all = maintenances_where(p, now, |_| true);
    all.reverse();
    all.truncate(RECENT_INCIDENTS);
    MaintenancesDoc {
        page: page(p),
        scheduled_maintenances: all,
    }
}

/// `scheduled-maintenances/upcoming.json` at `now`: `scheduled` ones, soonest first.
pub fn upcoming_maintenances_doc(p: &PageInput, now: Timestamp) -> MaintenancesDoc {
    MaintenancesDoc {
        page: page(p),
        scheduled_maintenances: maintenances_where(p, now, |s| s == MaintenanceStatus::Scheduled),
    }
}

/// `scheduled-maintenances/active.json` at `now`: `in_progress` and `verifying`, soonest first.
pub fn active_maintenances_doc(p: &PageInput, now: Timestamp) -> MaintenancesDoc {
    MaintenancesDoc {
        page: page(p),
        scheduled_maintenances: maintenances_where(p, now, MaintenanceStatus::is_active),
    }
}

#[cfg(test)]
mod tests;
