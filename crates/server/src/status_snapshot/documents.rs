//! The page's data as the status page core wants it ([`PageInput`]), and the Statuspage v2
//! documents and Atom feed made from it.
//!
//! The page, its incidents, their updates and its maintenance are called by their public ids
//! ([`PublicIds`]); no internal number reaches a document, a path or a link.
//!
//! A resolved incident whose postmortem is published (with a customer-facing summary) gets a
//! newest update of status `postmortem` carrying that summary, so its status is `postmortem`
//! as on Statuspage; `resolved_at` stays the resolution's time.

use super::File;
use crate::AppError;
use debrief_core::Timestamp;
use debrief_core::statuspage::input::{
    AffectedInput, ComponentInput, MaintenanceInput, PageIncidentInput, PageInput, UpdateInput,
};
use debrief_core::statuspage::public_id::{self, PublicIds};
use debrief_core::statuspage::uptime::StateChange;
use debrief_core::statuspage::{ComponentState, MaintenanceStatus, UpdateStatus, atom, build};
use debrief_store::Store;
use debrief_store::status_page::{PageIncident, PublishedSummary, StatusPage};
use std::collections::HashMap;

fn state(s: &str) -> ComponentState {
    s.parse().unwrap_or(ComponentState::Operational)
}

fn group_id(name: &str) -> String {
    let slug: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("group-{slug}")
}

/// Reads everything shown on a page (uptime history back to `since`).
pub async fn page_input(
    store: &Store,
    ids: &PublicIds,
    public_url: &str,
    page: &StatusPage,
    since: Timestamp,
) -> Result<PageInput, AppError> {
    let url = format!("{public_url}/status/{}", page.slug);
    let mut components = Vec::new();
    let mut groups: Vec<(String, i64, Timestamp)> = Vec::new();
    let mut histories = store.component_histories(page.id, since).await?;
    for c in store.components(page.id).await? {
        let history = histories
            .remove(&c.id)
            .unwrap_or_default()
            .into_iter()
            .map(|h| StateChange {
                at: h.at,
                state: state(&h.state),
            })
            .collect();
        if let Some(g) = &c.group
            && !groups.iter().any(|(n, _, _)| n == g)
        {
            groups.push((g.clone(), c.position, c.created_at));
        }
        components.push(ComponentInput {
            id: c.id.to_string(),
            name: c.name.clone(),
            description: c.description.clone(),
            position: c.position,
            is_group: false,
            group_id: c.group.as_deref().map(group_id),
            showcase: true,
            only_show_if_degraded: false,
            start_date: None,
            created_at: c.created_at,
            updated_at: c.updated_at,
            state: state(&c.state),
            history,
        });
    }
    for (name, position, created_at) in groups {
        components.push(ComponentInput {
            id: group_id(&name),
            name,
            description: None,
            position,
            is_group: true,
            group_id: None,
            showcase: true,
            only_show_if_degraded: false,
            start_date: None,
            created_at,
            updated_at: page.updated_at,
            state: ComponentState::Operational,
            history: Vec::new(),
        });
    }
    let affected = |changes: &[debrief_store::status_page::ComponentChange]| {
        changes
            .iter()
            .map(|c| AffectedInput {
                component_id: c.component_id.to_string(),
                old_state: state(&c.old_state),
                new_state: state(&c.new_state),
            })
            .collect::<Vec<_>>()
    };
    let mut summaries = store.published_summaries(page.id).await?;
    let mut incidents = Vec::new();
    for i in store
        .page_incidents(page.id, build::RECENT_INCIDENTS as i64)
        .await?
    {
        let mut updates: Vec<UpdateInput<UpdateStatus>> = i
            .updates
            .iter()
            .map(|u| UpdateInput {
                id: ids.incident_update(u.id),
                status: u.status.parse().unwrap_or(UpdateStatus::Investigating),
                body: u.body.clone(),
                created_at: u.at,
                updated_at: u.at,
                display_at: u.at,
                affected: affected(&u.components),
                deliver_notifications: true,
            })
            .collect();
        let id = ids.incident(i.incident_id);
        if i.status == "resolved"
            && let Some(pm) = summaries.remove(&i.incident_id)
        {
            updates.push(postmortem_update(&i, &id, pm));
        }
        incidents.push(PageIncidentInput {
            id,
            name: i.name.clone(),
            created_at: i.created_at,
            updated_at: i.updated_at,
            started_at: None,
            impact_override: None,
            updates,
        });
    }
    let maintenances = store
        .maintenances(page.id)
        .await?
        .into_iter()
        .map(|m| maintenance_input(&m, ids))
        .collect();
    Ok(PageInput {
        id: ids.page(page.id),
        name: page.name.clone(),
        url,
        time_zone: page.time_zone.clone(),
        updated_at: page.updated_at,
        components,
        incidents,
        maintenances,
    })
}

/// A maintenance as the status page core wants it. A cancelled one (no longer in the page's
/// input, only in the messages telling subscribers) reads as `completed`, the closest status
/// Statuspage has.
pub fn maintenance_input(
    m: &debrief_store::status_page::Maintenance,
    ids: &PublicIds,
) -> MaintenanceInput {
    let id = ids.maintenance(m.id);
    MaintenanceInput {
        id: id.clone(),
        name: m.title.clone(),
        created_at: m.created_at,
        updated_at: m.updated_at,
        scheduled_for: m.starts_at,
        scheduled_until: m.ends_at,
        verify_minutes: m.verify_minutes.clamp(0, 1440) as u32,
        component_ids: m.components.iter().map(|c| c.to_string()).collect(),
        updates: m
            .updates
            .iter()
            .enumerate()
            .map(|(n, u)| UpdateInput {
                id: maintenance_update_id(m, &id, n),
                status: u.status.parse().unwrap_or(MaintenanceStatus::Completed),
                body: u.body.clone(),
                created_at: u.at,
                updated_at: u.at,
                display_at: u.at,
                affected: Vec::new(),
                deliver_notifications: true,
            })
            .collect(),
    }
}

/// The public id of a maintenance's `n`th update: the `k`th at its status gets
/// [`public_id::maintenance_update`]`(id, status, k)`, so the first at a status has the id
/// the core gives the update a time job is about to write (see [`MaintenanceInput::updates`]).
fn maintenance_update_id(
    m: &debrief_store::status_page::Maintenance,
    id: &str,
    n: usize,
) -> String {
    let status = &m.updates[n].status;
    let k = m.updates[..=n]
        .iter()
        .filter(|u| &u.status == status)
        .count();
    let status = status.parse().unwrap_or(MaintenanceStatus::Completed);
    public_id::maintenance_update(id, status, k)
}

/// A resolved incident's published postmortem as its newest update, status `postmortem`, as
/// Statuspage shows one: its body is the postmortem's customer-facing summary.
fn postmortem_update(
    i: &PageIncident,
    id: &str,
    pm: PublishedSummary,
) -> UpdateInput<UpdateStatus> {
    let resolved = i.updates.iter().map(|u| u.at).max();
    let at = pm
        .published_at
        .unwrap_or(i.updated_at)
        .max(resolved.unwrap_or(i.updated_at));
    UpdateInput {
        id: public_id::postmortem_update(id),
        status: UpdateStatus::Postmortem,
        body: pm.summary.trim().to_string(),
        created_at: at,
        updated_at: at,
        display_at: at,
        affected: Vec::new(),
        deliver_notifications: true,
    }
}

fn json<T: serde::Serialize>(doc: &T) -> File {
    File::new(
        "application/json",
        serde_json::to_vec(doc).expect("documents serialize"),
    )
}

/// The Statuspage v2 documents and the Atom feed, by path.
pub fn documents(p: &PageInput, now: Timestamp) -> HashMap<String, File> {
    let mut files = HashMap::new();
    for (path, file) in [
        ("api/v2/summary.json", json(&build::summary(p, now))),
        ("api/v2/status.json", json(&build::status_doc(p, now))),
        ("api/v2/components.json", json(&build::components_doc(p))),
        ("api/v2/incidents.json", json(&build::incidents_doc(p))),
        (
            "api/v2/incidents/unresolved.json",
            json(&build::unresolved_incidents_doc(p)),
        ),
        (
            "api/v2/scheduled-maintenances.json",
            json(&build::maintenances_doc(p, now)),
        ),
        (
            "api/v2/scheduled-maintenances/upcoming.json",
            json(&build::upcoming_maintenances_doc(p, now)),
        ),
        (
            "api/v2/scheduled-maintenances/active.json",
            json(&build::active_maintenances_doc(p, now)),
        ),
    ] {
        files.insert(path.to_string(), file);
    }
    // The same feed at two addresses, each naming its own (`<id>`, `rel="self"`).
    for path in ["history.atom", "feed.atom"] {
        let url = format!("{}/{path}", p.url.trim_end_matches('/'));
        let feed = atom::page_feed(p, &url, now).render();
        files.insert(
            path.into(),
            File::new("application/atom+xml; charset=utf-8", feed.into_bytes()),
        );
    }
    files
}
