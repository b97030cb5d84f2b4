//! Scheduled maintenance: stored with the jobs that move it on time. Every change after
//! scheduling (a time job's step, an operator's update, early completion, a new window, a
//! cancellation) is written by [`Store::write_maintenance`] against the version it was decided
//! on, so a job and an operator acting at once never lose each other's change.

use super::set_state;
use crate::read::Row;
use crate::write::Arg;
use crate::{Store, StoreError, StoreResult, ms};
use debrief_core::Timestamp;
use serde::Serialize;

/// Scheduled maintenance on a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Maintenance {
    /// Its number.
    pub id: i64,
    /// The page.
    pub page_id: i64,
    /// Title.
    pub title: String,
    /// What will happen, for customers.
    pub body: String,
    /// Window start.
    #[serde(with = "debrief_core::ts")]
    pub starts_at: Timestamp,
    /// Window end.
    #[serde(with = "debrief_core::ts")]
    pub ends_at: Timestamp,
    /// How long it is verified after the window before it is completed.
    pub verify_minutes: i64,
    /// `scheduled`, `in_progress`, `verifying`, `completed`, or `cancelled` (kept for admins,
    /// never shown publicly).
    pub status: String,
    /// Affected components.
    pub components: Vec<i64>,
    /// The states the components had when the work began (restored afterwards).
    pub previous_states: Vec<(i64, String)>,
    /// Its updates: each status it reached, with when.
    pub updates: Vec<MaintenanceUpdate>,
    /// When created.
    #[serde(with = "debrief_core::ts")]
    pub created_at: Timestamp,
    /// When last changed.
    #[serde(with = "debrief_core::ts")]
    pub updated_at: Timestamp,
    /// Counts its changes (1 when scheduled); a write names the version it was decided on.
    pub version: i64,
}

/// A status a maintenance reached, or an operator's update at the status it had.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct MaintenanceUpdate {
    /// The status.
    pub status: String,
    /// Text.
    pub body: String,
    /// When.
    #[serde(with = "debrief_core::ts")]
    pub at: Timestamp,
}

const MAINTENANCE_COLUMNS: &str = "id, page_id, title, body, starts_at, ends_at, verify_minutes, status, \
     components, previous_states, updates, created_at, updated_at, version";

fn maintenance_from(r: &Row) -> StoreResult<Maintenance> {
    Ok(Maintenance {
        id: r.get("id")?,
        page_id: r.get("page_id")?,
        title: r.get("title")?,
        body: r.get("body")?,
        starts_at: r.time("starts_at")?,
        ends_at: r.time("ends_at")?,
        verify_minutes: r.get("verify_minutes")?,
        status: r.get("status")?,
        components: r.json("components")?,
        previous_states: r.json("previous_states")?,
        updates: r.json("updates")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
        version: r.get("version")?,
    })
}

/// Replaces `{id}` by `id` in every text of a JSON value.
fn fill_id(v: &mut serde_json::Value, id: i64) {
    use serde_json::Value;
    match v {
        Value::String(s) if s.contains("{id}") => *s = s.replace("{id}", &id.to_string()),
        Value::Array(items) => items.iter_mut().for_each(|x| fill_id(x, id)),
        Value::Object(fields) => fields.values_mut().for_each(|x| fill_id(x, id)),
        _ => {}
    }
}

impl Store {
    /// Stores new maintenance, with the jobs it causes in the same transaction (those that move
    /// it on time, and telling subscribers). Its number is not known before: `{id}` in a job's
    /// dedupe key or in any text of its payload stands for it, and the payload gets
    /// `maintenance_id`.
    pub async fn add_maintenance(
        &self,
        m: &Maintenance,
        by: i64,
        jobs: &[crate::jobs::NewJob],
    ) -> StoreResult<Maintenance> {
        let components = serde_json::to_string(&m.components).expect("ids serialize");
        let updates = serde_json::to_string(&m.updates).expect("updates serialize");
        let mut tx = self.begin_write().await?;
        let id = tx
            .int(
                "INSERT INTO maintenances (page_id, title, body, starts_at, ends_at, verify_minutes, status, \
                 components, previous_states, updates, created_by, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '[]', $9, $10, $11, $11) RETURNING id",
                &[
                    Arg::I(m.page_id),
                    Arg::S(&m.title),
                    Arg::S(&m.body),
                    Arg::I(ms(m.starts_at)),
                    Arg::I(ms(m.ends_at)),
                    Arg::I(m.verify_minutes),
                    Arg::S(&m.status),
                    Arg::S(&components),
                    Arg::S(&updates),
                    Arg::I(by),
                    Arg::I(ms(m.created_at)),
                ],
            )
            .await?
            .ok_or_else(|| StoreError::Other("no id for the maintenance".into()))?;
        for job in jobs {
            let mut job = job.clone();
            job.dedupe_key = job.dedupe_key.replace("{id}", &id.to_string());
            fill_id(&mut job.payload, id);
            if !job.payload.is_object() {
                job.payload = serde_json::json!({});
            }
            job.payload["maintenance_id"] = id.into();
            crate::jobs::enqueue_in(&mut tx, &job, m.created_at).await?;
        }
        tx.exec(
            "UPDATE status_pages SET updated_at = $1 WHERE id = $2",
            &[Arg::I(ms(m.created_at)), Arg::I(m.page_id)],
        )
        .await?;
        tx.commit().await?;
        self.maintenance(id).await
    }

    /// One maintenance.
    pub async fn maintenance(&self, id: i64) -> StoreResult<Maintenance> {
        let sql = format!("SELECT {MAINTENANCE_COLUMNS} FROM maintenances WHERE id = $1");
        self.read_rows(&sql, &[Arg::I(id)])
            .await?
            .first()
            .ok_or_else(|| StoreError::NotFound(format!("maintenance {id}")))
            .and_then(maintenance_from)
    }

    /// A page's maintenances as the public sees them (cancelled ones left out), latest window
    /// first.
    pub async fn maintenances(&self, page_id: i64) -> StoreResult<Vec<Maintenance>> {
        let sql = format!(
            "SELECT {MAINTENANCE_COLUMNS} FROM maintenances WHERE page_id = $1 AND status <> 'cancelled' \
             ORDER BY starts_at DESC, id DESC"
        );
        self.read_rows(&sql, &[Arg::I(page_id)])
            .await?
            .iter()
            .map(maintenance_from)
            .collect()
    }

    /// Every maintenance of a page, cancelled ones too (for admins), latest window first.
    pub async fn all_maintenances(&self, page_id: i64) -> StoreResult<Vec<Maintenance>> {
        let sql = format!(
            "SELECT {MAINTENANCE_COLUMNS} FROM maintenances WHERE page_id = $1 ORDER BY starts_at DESC, id DESC"
        );
        self.read_rows(&sql, &[Arg::I(page_id)])
            .await?
            .iter()
            .map(maintenance_from)
            .collect()
    }

    /// Writes a changed maintenance (its texts, window, status, remembered states and updates)
    /// if it is still at `next.version`, which it then passes; in the same transaction it sets
    /// component states (`(component, state)` pairs, recorded with the maintenance as cause),
    /// enqueues `jobs` and marks the page changed. `false` (nothing written) when someone
    /// changed it meanwhile: decide again on a fresh read.
    pub async fn write_maintenance(
        &self,
        next: &Maintenance,
        states: &[(i64, String)],
        jobs: &[crate::jobs::NewJob],
        at: Timestamp,
    ) -> StoreResult<bool> {
        let updates = serde_json::to_string(&next.updates).expect("updates serialize");
        let previous = serde_json::to_string(&next.previous_states).expect("pairs serialize");
        let mut tx = self.begin_write().await?;
        let n = tx
            .exec(
                "UPDATE maintenances SET title = $1, body = $2, starts_at = $3, ends_at = $4, \
                 verify_minutes = $5, status = $6, previous_states = $7, updates = $8, updated_at = $9, \
                 version = version + 1 WHERE id = $10 AND version = $11",
                &[
                    Arg::S(&next.title),
                    Arg::S(&next.body),
                    Arg::I(ms(next.starts_at)),
                    Arg::I(ms(next.ends_at)),
                    Arg::I(next.verify_minutes),
                    Arg::S(&next.status),
                    Arg::S(&previous),
                    Arg::S(&updates),
                    Arg::I(ms(at)),
                    Arg::I(next.id),
                    Arg::I(next.version),
                ],
            )
            .await?;
        if n == 0 {
            return Ok(false);
        }
        for (id, state) in states {
            set_state(&mut tx, *id, state, &format!("maintenance {}", next.id), at).await?;
        }
        for job in jobs {
            crate::jobs::enqueue_in(&mut tx, job, at).await?;
        }
        tx.exec(
            "UPDATE status_pages SET updated_at = $1 WHERE id = $2",
            &[Arg::I(ms(at)), Arg::I(next.page_id)],
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}
