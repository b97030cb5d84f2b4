//! Services beyond creation ([`crate::catalog`]): one service, edits, deletion, and the status
//! page components that show each service (`service_components`).

use crate::catalog::Service;
use crate::read::Row;
use crate::write::Arg;
use crate::{Store, StoreError, StoreResult};
use serde::Serialize;

/// A status page component that shows a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceComponent {
    /// The service's slug.
    pub service: String,
    /// The component's id.
    pub component_id: i64,
    /// The component's name.
    pub component: String,
    /// Its status page's id.
    pub page_id: i64,
    /// Its status page's slug.
    pub page_slug: String,
    /// Its status page's name.
    pub page_name: String,
}

const LINK_SELECT: &str = "SELECT sc.service AS service, c.id AS component_id, c.name AS component, \
     p.id AS page_id, p.slug AS page_slug, p.name AS page_name FROM service_components sc \
     JOIN status_components c ON c.id = sc.component_id AND c.removed_at IS NULL \
     JOIN status_pages p ON p.id = c.page_id";

fn link_from(r: &Row) -> StoreResult<ServiceComponent> {
    Ok(ServiceComponent {
        service: r.get("service")?,
        component_id: r.get("component_id")?,
        component: r.get("component")?,
        page_id: r.get("page_id")?,
        page_slug: r.get("page_slug")?,
        page_name: r.get("page_name")?,
    })
}

/// Keeps `service_components` in step with a component's own list of the services it stands
/// for (written by the status page screens): the one mapping, read both ways.
pub(crate) async fn sync_component_services(
    tx: &mut crate::write::WriteTx,
    component_id: i64,
    services: &[String],
) -> StoreResult<()> {
    tx.exec(
        "DELETE FROM service_components WHERE component_id = $1",
        &[Arg::I(component_id)],
    )
    .await?;
    for s in services {
        tx.exec(
            "INSERT INTO service_components (service, component_id) SELECT $1, $2 \
             WHERE EXISTS (SELECT 1 FROM services WHERE slug = $1) \
             ON CONFLICT (service, component_id) DO NOTHING",
            &[Arg::S(s), Arg::I(component_id)],
        )
        .await?;
    }
    Ok(())
}

impl Store {
    /// One service.
    pub async fn service(&self, slug: &str) -> StoreResult<Service> {
        self.read_row(
            "SELECT slug, name, description, team, created_at FROM services WHERE slug = $1",
            &[Arg::S(slug)],
        )
        .await?
        .map(|r| {
            Ok::<_, StoreError>(Service {
                slug: r.get("slug")?,
                name: r.get("name")?,
                description: r.get("description")?,
                team: r.opt("team")?,
                created_at: r.time("created_at")?,
            })
        })
        .transpose()?
        .ok_or_else(|| StoreError::NotFound(format!("service '{slug}'")))
    }

    /// Changes a service's name, description and owning team; an unknown team is a `NotFound`.
    pub async fn update_service(
        &self,
        slug: &str,
        name: &str,
        description: &str,
        team: Option<&str>,
    ) -> StoreResult<Service> {
        let mut tx = self.begin_write().await?;
        crate::catalog::check_team(&mut tx, team).await?;
        let n = tx
            .exec(
                "UPDATE services SET name = $1, description = $2, team = $3 WHERE slug = $4",
                &[
                    Arg::S(name),
                    Arg::S(description),
                    Arg::OS(team),
                    Arg::S(slug),
                ],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("service '{slug}'")));
        }
        tx.commit().await?;
        self.service(slug).await
    }

    /// Deletes a service with its escalation policy link, components, alert rule and silences.
    /// A service that incidents or alert integrations use is a `Conflict` saying how many: it
    /// stays, so their history keeps naming it.
    pub async fn delete_service(&self, slug: &str) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let incidents = tx
            .int(
                "SELECT COUNT(*) AS n FROM incident_services WHERE service = $1",
                &[Arg::S(slug)],
            )
            .await?
            .unwrap_or(0);
        if incidents > 0 {
            return Err(StoreError::Conflict(format!(
                "{incidents} incident(s) use service '{slug}'; it cannot be deleted"
            )));
        }
        let integrations = tx
            .int(
                "SELECT COUNT(*) AS n FROM integrations WHERE service = $1",
                &[Arg::S(slug)],
            )
            .await?
            .unwrap_or(0);
        if integrations > 0 {
            return Err(StoreError::Conflict(format!(
                "{integrations} alert integration(s) belong to service '{slug}'; it cannot be deleted"
            )));
        }
        for sql in [
            "DELETE FROM service_components WHERE service = $1",
            "DELETE FROM service_policies WHERE service = $1",
            "DELETE FROM alert_rules WHERE service = $1",
            "DELETE FROM alert_silences WHERE service = $1",
        ] {
            tx.exec(sql, &[Arg::S(slug)]).await?;
        }
        let n = tx
            .exec("DELETE FROM services WHERE slug = $1", &[Arg::S(slug)])
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("service '{slug}'")));
        }
        tx.commit().await
    }

    /// Replaces the components that show a service; an unknown component is a `NotFound`
    /// naming its id.
    pub async fn set_service_components(
        &self,
        slug: &str,
        component_ids: &[i64],
    ) -> StoreResult<Vec<ServiceComponent>> {
        let mut tx = self.begin_write().await?;
        if tx
            .int("SELECT 1 FROM services WHERE slug = $1", &[Arg::S(slug)])
            .await?
            .is_none()
        {
            return Err(StoreError::NotFound(format!("service '{slug}'")));
        }
        tx.exec(
            "DELETE FROM service_components WHERE service = $1",
            &[Arg::S(slug)],
        )
        .await?;
        for id in component_ids {
            if tx
                .int(
                    "SELECT 1 FROM status_components WHERE id = $1",
                    &[Arg::I(*id)],
                )
                .await?
                .is_none()
            {
                return Err(StoreError::NotFound(format!("status page component {id}")));
            }
            tx.exec(
                "INSERT INTO service_components (service, component_id) VALUES ($1, $2) \
                 ON CONFLICT (service, component_id) DO NOTHING",
                &[Arg::S(slug), Arg::I(*id)],
            )
            .await?;
        }
        // The components' own lists (what the status page screens show and edit) follow.
        let rows = tx
            .rows("SELECT id, services FROM status_components", &[])
            .await?;
        for r in &rows {
            let id: i64 = r.get("id")?;
            let mut list: Vec<String> = r.json("services")?;
            let before = list.clone();
            list.retain(|s| s != slug);
            if component_ids.contains(&id) {
                list.push(slug.to_string());
            }
            if list != before {
                let json = serde_json::to_string(&list).expect("strings serialize");
                tx.exec(
                    "UPDATE status_components SET services = $1 WHERE id = $2",
                    &[Arg::S(&json), Arg::I(id)],
                )
                .await?;
            }
        }
        tx.commit().await?;
        self.components_for_services(&[slug.to_string()]).await
    }

    /// Every service's components, by service, page and position.
    pub async fn service_component_links(&self) -> StoreResult<Vec<ServiceComponent>> {
        self.read_rows(
            &format!("{LINK_SELECT} ORDER BY sc.service, p.name, c.position, c.id"),
            &[],
        )
        .await?
        .iter()
        .map(link_from)
        .collect()
    }

    /// The status page components that show any of `services` (one row per service and
    /// component), by page and position: what to propose when an incident affecting these
    /// services publishes a status update.
    pub async fn components_for_services(
        &self,
        services: &[String],
    ) -> StoreResult<Vec<ServiceComponent>> {
        if services.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders = (1..=services.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let args: Vec<Arg<'_>> = services.iter().map(|s| Arg::S(s)).collect();
        self.read_rows(
            &format!(
                "{LINK_SELECT} WHERE sc.service IN ({placeholders}) \
                 ORDER BY p.name, c.position, c.id, sc.service"
            ),
            &args,
        )
        .await?
        .iter()
        .map(link_from)
        .collect()
    }
}
