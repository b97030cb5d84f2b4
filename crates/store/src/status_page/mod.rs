//! Status pages: pages, components with their state history, and the incidents published on a
//! page with their updates. A published update is written by [`Store::apply`] with the incident's
//! `status_page_update` timeline event ([`crate::incident::IncidentWrite::page_updates`]).

use crate::read::Row;
use crate::write::{Arg, WriteTx};
use crate::{Store, StoreError, StoreResult, ms};
use debrief_core::Timestamp;
use serde::Serialize;

mod maintenance;
mod snapshot;
mod subscribers;

pub use maintenance::{Maintenance, MaintenanceUpdate};
pub use snapshot::PublishedSummary;
pub use subscribers::Subscriber;

/// A status page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusPage {
    /// Its number.
    pub id: i64,
    /// URL slug (`/status/{slug}`).
    pub slug: String,
    /// Name shown on the page.
    pub name: String,
    /// IANA zone the page shows times in.
    pub time_zone: String,
    /// Whether anyone may read it (otherwise only signed-in users).
    pub public: bool,
    /// Logo URL, colours, header text.
    pub branding: serde_json::Value,
    /// A host name the page also answers on at `/` (`status.example.com`), unique across pages.
    pub custom_domain: Option<String>,
    /// When created.
    #[serde(with = "debrief_core::ts")]
    pub created_at: Timestamp,
    /// When it or anything on it last changed.
    #[serde(with = "debrief_core::ts")]
    pub updated_at: Timestamp,
}

/// A component of a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Component {
    /// Its number.
    pub id: i64,
    /// The page.
    pub page_id: i64,
    /// Name.
    pub name: String,
    /// What it is, for customers.
    pub description: Option<String>,
    /// The group it is shown in.
    pub group: Option<String>,
    /// Order on the page.
    pub position: i64,
    /// Debrief services it stands for.
    pub services: Vec<String>,
    /// Its state now.
    pub state: String,
    /// When created.
    #[serde(with = "debrief_core::ts")]
    pub created_at: Timestamp,
    /// When its state or fields last changed.
    #[serde(with = "debrief_core::ts")]
    pub updated_at: Timestamp,
}

/// One change of a component's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StateChange {
    /// The new state.
    pub state: String,
    /// When.
    #[serde(with = "debrief_core::ts")]
    pub at: Timestamp,
    /// Why (`INC-3`, `maintenance 2`, `manual`).
    pub cause: String,
}

/// An incident as published on a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PageIncident {
    /// The page.
    pub page_id: i64,
    /// The incident's number.
    pub incident_id: i64,
    /// The customer-facing name.
    pub name: String,
    /// The latest update's status.
    pub status: String,
    /// The worst impact it had.
    pub impact: String,
    /// First published.
    #[serde(with = "debrief_core::ts")]
    pub created_at: Timestamp,
    /// Last updated.
    #[serde(with = "debrief_core::ts")]
    pub updated_at: Timestamp,
    /// First update with status monitoring.
    #[serde(with = "debrief_core::ts_opt")]
    pub monitoring_at: Option<Timestamp>,
    /// First update with status resolved.
    #[serde(with = "debrief_core::ts_opt")]
    pub resolved_at: Option<Timestamp>,
    /// Its updates, oldest first.
    pub updates: Vec<PageUpdate>,
}

/// A component change carried by an update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ComponentChange {
    /// The component.
    pub component_id: i64,
    /// Its name then.
    pub name: String,
    /// Its state before.
    pub old_state: String,
    /// Its state after.
    pub new_state: String,
}

/// A public update of an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PageUpdate {
    /// Its number.
    pub id: i64,
    /// `investigating`, `identified`, `monitoring`, `resolved`.
    pub status: String,
    /// Customer-facing text.
    pub body: String,
    /// Components it changed.
    pub components: Vec<ComponentChange>,
    /// When.
    #[serde(with = "debrief_core::ts")]
    pub at: Timestamp,
}

/// An update to publish with an incident change.
#[derive(Debug, Clone)]
pub struct PageUpdateWrite {
    /// The page.
    pub page_id: i64,
    /// The customer-facing name (set when the incident first appears on the page).
    pub name: String,
    /// Status.
    pub status: String,
    /// Impact after this update.
    pub impact: String,
    /// Text.
    pub body: String,
    /// Component changes (applied to the components, and recorded in their history).
    pub components: Vec<ComponentChange>,
    /// When.
    pub at: Timestamp,
    /// Who.
    pub by: Option<i64>,
}

const PAGE_COLUMNS: &str =
    "id, slug, name, time_zone, public, branding, custom_domain, created_at, updated_at";
const COMPONENT_COLUMNS: &str =
    "id, page_id, name, description, group_name, position, services, state, created_at, updated_at";

fn page_from(r: &Row) -> StoreResult<StatusPage> {
    Ok(StatusPage {
        id: r.get("id")?,
        slug: r.get("slug")?,
        name: r.get("name")?,
        time_zone: r.get("time_zone")?,
        public: r.get("public")?,
        branding: r.json("branding")?,
        custom_domain: r.opt("custom_domain")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

fn component_from(r: &Row) -> StoreResult<Component> {
    Ok(Component {
        id: r.get("id")?,
        page_id: r.get("page_id")?,
        name: r.get("name")?,
        description: r.opt("description")?,
        group: r.opt("group_name")?,
        position: r.get("position")?,
        services: r.json("services")?,
        state: r.get("state")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

/// Sets a component's state and records the change, inside a transaction.
pub(crate) async fn set_state(
    tx: &mut WriteTx,
    component_id: i64,
    state: &str,
    cause: &str,
    at: Timestamp,
) -> StoreResult<()> {
    tx.exec(
        "UPDATE status_components SET state = $1, updated_at = $2 WHERE id = $3",
        &[Arg::S(state), Arg::I(ms(at)), Arg::I(component_id)],
    )
    .await?;
    tx.exec(
        "INSERT INTO component_states (component_id, state, at, cause) VALUES ($1, $2, $3, $4)",
        &[
            Arg::I(component_id),
            Arg::S(state),
            Arg::I(ms(at)),
            Arg::S(cause),
        ],
    )
    .await?;
    Ok(())
}

/// Writes a published update (and its page incident and component changes) in a transaction.
pub(crate) async fn write_update(
    tx: &mut WriteTx,
    incident_id: i64,
    u: &PageUpdateWrite,
) -> StoreResult<()> {
    let at = ms(u.at);
    let monitoring = (u.status == "monitoring").then_some(at);
    let resolved = (u.status == "resolved").then_some(at);
    let n = tx
        .exec(
            "UPDATE page_incidents SET status = $1, impact = $2, updated_at = $3, \
             monitoring_at = COALESCE(monitoring_at, $4), \
             resolved_at = CASE WHEN $1 = 'resolved' THEN COALESCE(resolved_at, $5) ELSE NULL END \
             WHERE page_id = $6 AND incident_id = $7",
            &[
                Arg::S(&u.status),
                Arg::S(&u.impact),
                Arg::I(at),
                Arg::OI(monitoring),
                Arg::OI(resolved),
                Arg::I(u.page_id),
                Arg::I(incident_id),
            ],
        )
        .await?;
    if n == 0 {
        tx.exec(
            "INSERT INTO page_incidents (page_id, incident_id, name, status, impact, created_at, updated_at, \
             monitoring_at, resolved_at) VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8)",
            &[
                Arg::I(u.page_id),
                Arg::I(incident_id),
                Arg::S(&u.name),
                Arg::S(&u.status),
                Arg::S(&u.impact),
                Arg::I(at),
                Arg::OI(monitoring),
                Arg::OI(resolved),
            ],
        )
        .await?;
    }
    let components = serde_json::to_string(&u.components).expect("changes serialize");
    tx.exec(
        "INSERT INTO page_updates (page_id, incident_id, status, body, components, at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            Arg::I(u.page_id),
            Arg::I(incident_id),
            Arg::S(&u.status),
            Arg::S(&u.body),
            Arg::S(&components),
            Arg::I(at),
            Arg::OI(u.by),
        ],
    )
    .await?;
    for c in &u.components {
        set_state(
            tx,
            c.component_id,
            &c.new_state,
            &format!("INC-{incident_id}"),
            u.at,
        )
        .await?;
    }
    tx.exec(
        "UPDATE status_pages SET updated_at = $1 WHERE id = $2",
        &[Arg::I(at), Arg::I(u.page_id)],
    )
    .await?;
    Ok(())
}

impl Store {
    /// Marks the pages an incident is published on as changed (their snapshots are rebuilt).
    pub async fn touch_pages_of(&self, incident_id: i64, now: Timestamp) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        tx.exec(
            "UPDATE status_pages SET updated_at = $1 WHERE id IN \
             (SELECT page_id FROM page_incidents WHERE incident_id = $2)",
            &[Arg::I(ms(now)), Arg::I(incident_id)],
        )
        .await?;
        tx.commit().await
    }

    /// Creates a page; a taken slug is a conflict.
    pub async fn create_page(&self, p: &StatusPage) -> StoreResult<StatusPage> {
        let branding = p.branding.to_string();
        let mut tx = self.begin_write().await?;
        let id = tx
            .int(
                "INSERT INTO status_pages (slug, name, time_zone, public, branding, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
                &[
                    Arg::S(&p.slug),
                    Arg::S(&p.name),
                    Arg::S(&p.time_zone),
                    Arg::I(i64::from(p.public)),
                    Arg::S(&branding),
                    Arg::I(ms(p.created_at)),
                ],
            )
            .await?
            .ok_or_else(|| StoreError::Other("no id for the page".into()))?;
        tx.commit().await?;
        self.page(id).await
    }

    /// Replaces a page's name, zone, visibility, branding and custom domain (a domain another
    /// page has is a conflict).
    pub async fn update_page(&self, p: &StatusPage, now: Timestamp) -> StoreResult<StatusPage> {
        let branding = p.branding.to_string();
        let mut tx = self.begin_write().await?;
        tx.exec(
            "UPDATE status_pages SET name = $1, time_zone = $2, public = $3, branding = $4, updated_at = $5, \
             custom_domain = $7 WHERE id = $6",
            &[
                Arg::S(&p.name),
                Arg::S(&p.time_zone),
                Arg::I(i64::from(p.public)),
                Arg::S(&branding),
                Arg::I(ms(now)),
                Arg::I(p.id),
                Arg::OS(p.custom_domain.as_deref()),
            ],
        )
        .await?;
        tx.commit().await?;
        self.page(p.id).await
    }

    /// A page by number.
    pub async fn page(&self, id: i64) -> StoreResult<StatusPage> {
        let sql = format!("SELECT {PAGE_COLUMNS} FROM status_pages WHERE id = $1");
        self.read_rows(&sql, &[Arg::I(id)])
            .await?
            .first()
            .ok_or_else(|| StoreError::NotFound(format!("status page {id}")))
            .and_then(page_from)
    }

    /// A page by slug.
    pub async fn page_by_slug(&self, slug: &str) -> StoreResult<StatusPage> {
        let sql = format!("SELECT {PAGE_COLUMNS} FROM status_pages WHERE slug = $1");
        self.read_rows(&sql, &[Arg::S(slug)])
            .await?
            .first()
            .ok_or_else(|| StoreError::NotFound(format!("status page '{slug}'")))
            .and_then(page_from)
    }

    /// The page answering on a host name (lower case, without a port), if any.
    pub async fn page_by_domain(&self, host: &str) -> StoreResult<Option<StatusPage>> {
        let sql = format!("SELECT {PAGE_COLUMNS} FROM status_pages WHERE custom_domain = $1");
        self.read_rows(&sql, &[Arg::S(host)])
            .await?
            .first()
            .map(page_from)
            .transpose()
    }

    /// Every page.
    pub async fn pages(&self) -> StoreResult<Vec<StatusPage>> {
        let sql = format!("SELECT {PAGE_COLUMNS} FROM status_pages ORDER BY id");
        self.read_rows(&sql, &[])
            .await?
            .iter()
            .map(page_from)
            .collect()
    }

    /// Adds a component (operational, with that first state in its history).
    pub async fn add_component(&self, c: &Component) -> StoreResult<Component> {
        let services = serde_json::to_string(&c.services).expect("strings serialize");
        let mut tx = self.begin_write().await?;
        let id = tx
            .int(
                "INSERT INTO status_components (page_id, name, description, group_name, position, services, state, \
                 created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
                &[
                    Arg::I(c.page_id),
                    Arg::S(&c.name),
                    Arg::OS(c.description.as_deref()),
                    Arg::OS(c.group.as_deref()),
                    Arg::I(c.position),
                    Arg::S(&services),
                    Arg::S(&c.state),
                    Arg::I(ms(c.created_at)),
                ],
            )
            .await?
            .ok_or_else(|| StoreError::Other("no id for the component".into()))?;
        crate::service::sync_component_services(&mut tx, id, &c.services).await?;
        tx.exec(
            "INSERT INTO component_states (component_id, state, at, cause) VALUES ($1, $2, $3, 'created')",
            &[Arg::I(id), Arg::S(&c.state), Arg::I(ms(c.created_at))],
        )
        .await?;
        tx.exec(
            "UPDATE status_pages SET updated_at = $1 WHERE id = $2",
            &[Arg::I(ms(c.created_at)), Arg::I(c.page_id)],
        )
        .await?;
        tx.commit().await?;
        self.component(id).await
    }

    /// Changes a component's fields, and its state when it differs (recording why), with the
    /// jobs the change causes.
    pub async fn update_component(
        &self,
        c: &Component,
        cause: &str,
        jobs: &[crate::jobs::NewJob],
        now: Timestamp,
    ) -> StoreResult<Component> {
        let before = self.component(c.id).await?;
        let services = serde_json::to_string(&c.services).expect("strings serialize");
        let mut tx = self.begin_write().await?;
        tx.exec(
            "UPDATE status_components SET name = $1, description = $2, group_name = $3, position = $4, \
             services = $5, updated_at = $6 WHERE id = $7",
            &[
                Arg::S(&c.name),
                Arg::OS(c.description.as_deref()),
                Arg::OS(c.group.as_deref()),
                Arg::I(c.position),
                Arg::S(&services),
                Arg::I(ms(now)),
                Arg::I(c.id),
            ],
        )
        .await?;
        crate::service::sync_component_services(&mut tx, c.id, &c.services).await?;
        if before.state != c.state {
            set_state(&mut tx, c.id, &c.state, cause, now).await?;
        }
        for job in jobs {
            crate::jobs::enqueue_in(&mut tx, job, now).await?;
        }
        tx.exec(
            "UPDATE status_pages SET updated_at = $1 WHERE id = $2",
            &[Arg::I(ms(now)), Arg::I(c.page_id)],
        )
        .await?;
        tx.commit().await?;
        self.component(c.id).await
    }

    /// Sets the group and position of several components of a page at once (a reordering).
    pub async fn arrange_components(
        &self,
        page_id: i64,
        layout: &[(i64, Option<String>, i64)],
        now: Timestamp,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        for (id, group, position) in layout {
            tx.exec(
                "UPDATE status_components SET group_name = $1, position = $2, updated_at = $3 \
                 WHERE id = $4 AND page_id = $5",
                &[
                    Arg::OS(group.as_deref()),
                    Arg::I(*position),
                    Arg::I(ms(now)),
                    Arg::I(*id),
                    Arg::I(page_id),
                ],
            )
            .await?;
        }
        tx.exec(
            "UPDATE status_pages SET updated_at = $1 WHERE id = $2",
            &[Arg::I(ms(now)), Arg::I(page_id)],
        )
        .await?;
        tx.commit().await
    }

    /// Removes a component from its page. Its rows stay: past updates name it and its state
    /// history still reads; it is no longer shown, listed or proposed.
    pub async fn remove_component(&self, c: &Component, now: Timestamp) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        tx.exec(
            "UPDATE status_components SET removed_at = $1 WHERE id = $2",
            &[Arg::I(ms(now)), Arg::I(c.id)],
        )
        .await?;
        tx.exec(
            "UPDATE status_pages SET updated_at = $1 WHERE id = $2",
            &[Arg::I(ms(now)), Arg::I(c.page_id)],
        )
        .await?;
        tx.commit().await
    }

    /// One component (removed ones are `NotFound`).
    pub async fn component(&self, id: i64) -> StoreResult<Component> {
        let sql = format!(
            "SELECT {COMPONENT_COLUMNS} FROM status_components WHERE id = $1 AND removed_at IS NULL"
        );
        self.read_rows(&sql, &[Arg::I(id)])
            .await?
            .first()
            .ok_or_else(|| StoreError::NotFound(format!("component {id}")))
            .and_then(component_from)
    }

    /// A page's components (not removed ones), in position order.
    pub async fn components(&self, page_id: i64) -> StoreResult<Vec<Component>> {
        let sql = format!(
            "SELECT {COMPONENT_COLUMNS} FROM status_components WHERE page_id = $1 AND removed_at IS NULL \
             ORDER BY position, id"
        );
        self.read_rows(&sql, &[Arg::I(page_id)])
            .await?
            .iter()
            .map(component_from)
            .collect()
    }

    /// A component's state changes since `from` (and the last one before it), oldest first.
    pub async fn component_history(
        &self,
        component_id: i64,
        from: Timestamp,
    ) -> StoreResult<Vec<StateChange>> {
        let rows = self
            .read_rows(
                "SELECT state, at, cause FROM component_states WHERE component_id = $1 AND \
                 at >= COALESCE((SELECT MAX(at) FROM component_states WHERE component_id = $1 AND at <= $2), $2) \
                 ORDER BY at, id",
                &[Arg::I(component_id), Arg::I(ms(from))],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(StateChange {
                    state: r.get("state")?,
                    at: r.time("at")?,
                    cause: r.get("cause")?,
                })
            })
            .collect()
    }
}
