//! Incident types: the kinds of incident people declare (`default`, `security_breach`, …), each
//! with a human name. An archived type stays on the incidents that have it but cannot be
//! chosen for a new declaration or change.

use crate::read::Row;
use crate::write::Arg;
use crate::{Store, StoreError, StoreResult};
use serde::Serialize;

/// An incident type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IncidentType {
    /// Slug, e.g. `security_breach`; what incidents store.
    pub slug: String,
    /// Human name, e.g. `Security breach`.
    pub name: String,
    /// When to use it.
    pub description: String,
    /// Archived types are kept for old incidents but cannot be chosen.
    pub archived: bool,
}

const COLUMNS: &str = "slug, name, description, archived";

fn incident_type_from(r: &Row) -> StoreResult<IncidentType> {
    Ok(IncidentType {
        slug: r.get("slug")?,
        name: r.get("name")?,
        description: r.get("description")?,
        archived: r.get::<i64>("archived")? != 0,
    })
}

impl Store {
    /// Every incident type, archived ones last, then by name.
    pub async fn list_incident_types(&self) -> StoreResult<Vec<IncidentType>> {
        self.read_rows(
            &format!("SELECT {COLUMNS} FROM incident_types ORDER BY archived, name, slug"),
            &[],
        )
        .await?
        .iter()
        .map(incident_type_from)
        .collect()
    }

    /// One incident type.
    pub async fn incident_type(&self, slug: &str) -> StoreResult<IncidentType> {
        self.read_row(
            &format!("SELECT {COLUMNS} FROM incident_types WHERE slug = $1"),
            &[Arg::S(slug)],
        )
        .await?
        .map(|r| incident_type_from(&r))
        .transpose()?
        .ok_or_else(|| StoreError::NotFound(format!("incident type '{slug}'")))
    }

    /// Adds an incident type; a taken slug is a `Conflict`.
    pub async fn create_incident_type(&self, t: &IncidentType) -> StoreResult<IncidentType> {
        let mut tx = self.begin_write().await?;
        tx.exec(
            "INSERT INTO incident_types (slug, name, description, archived) VALUES ($1, $2, $3, $4)",
            &[
                Arg::S(&t.slug),
                Arg::S(&t.name),
                Arg::S(&t.description),
                Arg::I(i64::from(t.archived)),
            ],
        )
        .await
        .map_err(|e| {
            crate::catalog::conflict_as(e, format!("incident type '{}' already exists", t.slug))
        })?;
        tx.commit().await?;
        Ok(t.clone())
    }

    /// Replaces an incident type's name, description and archived flag.
    pub async fn update_incident_type(&self, t: &IncidentType) -> StoreResult<IncidentType> {
        let mut tx = self.begin_write().await?;
        let n = tx
            .exec(
                "UPDATE incident_types SET name = $1, description = $2, archived = $3 WHERE slug = $4",
                &[
                    Arg::S(&t.name),
                    Arg::S(&t.description),
                    Arg::I(i64::from(t.archived)),
                    Arg::S(&t.slug),
                ],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("incident type '{}'", t.slug)));
        }
        tx.commit().await?;
        Ok(t.clone())
    }
}
