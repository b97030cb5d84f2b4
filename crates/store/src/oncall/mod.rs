//! On call: schedules and their overrides, escalation policies and the service each belongs
//! to, pages and their notifications, each user's notification rules, Web Push subscriptions
//! and the single use of acknowledge links.
//!
//! A schedule's layers and a policy's levels are JSON documents checked by
//! `debrief_core::oncall` before they are stored. Overrides are rows of their own; the higher
//! id (created later) wins where they overlap.
//!
//! Pages escalate through the job queue (see `pages.rs`): each level firing is one row of
//! `page_firings` and each contact it makes one row of `page_notifications`, written with the
//! jobs that send them in one transaction; their unique keys make a level fire once and a
//! contact happen once, however often a job runs.

mod contacts;
mod pages;
mod types;

pub use pages::{PageChange, PageFilter};
pub use types::*;

use crate::read::Row;
use crate::write::Arg;
use crate::{Store, StoreError, StoreResult, ms};
use debrief_core::Timestamp;

const SCHEDULE_COLUMNS: &str =
    "id, name, description, time_zone, team, layers, created_by, created_at, updated_at";
const OVERRIDE_COLUMNS: &str = "id, schedule_id, user_id, starts_at, ends_at, kind, \
     replaces_user_id, note, created_by, created_at";
const POLICY_COLUMNS: &str =
    "id, name, description, team, levels, repeat_count, created_by, created_at, updated_at";

fn schedule_of(r: &Row) -> StoreResult<ScheduleRow> {
    Ok(ScheduleRow {
        id: r.get("id")?,
        name: r.get("name")?,
        description: r.get("description")?,
        time_zone: r.get("time_zone")?,
        team: r.opt("team")?,
        layers: r.json("layers")?,
        created_by: r.opt("created_by")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

fn override_of(r: &Row) -> StoreResult<OverrideRow> {
    Ok(OverrideRow {
        id: r.get("id")?,
        schedule_id: r.get("schedule_id")?,
        user_id: r.get("user_id")?,
        start: r.time("starts_at")?,
        end: r.time("ends_at")?,
        kind: r.get("kind")?,
        replaces_user_id: r.opt("replaces_user_id")?,
        note: r.get("note")?,
        created_by: r.opt("created_by")?,
        created_at: r.time("created_at")?,
    })
}

fn policy_of(r: &Row) -> StoreResult<PolicyRow> {
    let repeat: i64 = r.get("repeat_count")?;
    Ok(PolicyRow {
        id: r.get("id")?,
        name: r.get("name")?,
        description: r.get("description")?,
        team: r.opt("team")?,
        levels: r.json("levels")?,
        repeat: u32::try_from(repeat).unwrap_or(0),
        created_by: r.opt("created_by")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

/// A unique-name conflict, said for people.
fn name_taken(what: &str, name: &str, e: StoreError) -> StoreError {
    match e {
        StoreError::Conflict(m) if m.contains("name") || m.contains("UNIQUE") => {
            StoreError::Conflict(format!("a {what} named '{name}' already exists"))
        }
        other => other,
    }
}

impl Store {
    /// Creates a schedule.
    pub async fn create_schedule(
        &self,
        new: &NewSchedule,
        now: Timestamp,
    ) -> StoreResult<ScheduleRow> {
        let layers = serde_json::to_string(&new.layers).expect("layers serialize");
        let mut tx = self.begin_write().await?;
        let id = tx
            .int(
                "INSERT INTO schedules (name, description, time_zone, team, layers, created_by, \
                 created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
                &[
                    Arg::S(&new.name),
                    Arg::S(&new.description),
                    Arg::S(&new.time_zone),
                    Arg::OS(new.team.as_deref()),
                    Arg::S(&layers),
                    Arg::OI(new.created_by),
                    Arg::I(ms(now)),
                ],
            )
            .await
            .map_err(|e| name_taken("schedule", &new.name, e))?
            .ok_or_else(|| StoreError::Other("the schedule insert returned no id".into()))?;
        tx.commit()
            .await
            .map_err(|e| name_taken("schedule", &new.name, e))?;
        self.schedule(id).await
    }

    /// Replaces a schedule's name, description, zone, team and layers.
    pub async fn update_schedule(
        &self,
        id: i64,
        new: &NewSchedule,
        now: Timestamp,
    ) -> StoreResult<ScheduleRow> {
        let layers = serde_json::to_string(&new.layers).expect("layers serialize");
        let mut tx = self.begin_write().await?;
        let n = tx
            .exec(
                "UPDATE schedules SET name = $1, description = $2, time_zone = $3, team = $4, \
                 layers = $5, updated_at = $6 WHERE id = $7",
                &[
                    Arg::S(&new.name),
                    Arg::S(&new.description),
                    Arg::S(&new.time_zone),
                    Arg::OS(new.team.as_deref()),
                    Arg::S(&layers),
                    Arg::I(ms(now)),
                    Arg::I(id),
                ],
            )
            .await
            .map_err(|e| name_taken("schedule", &new.name, e))?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("schedule {id}")));
        }
        tx.commit()
            .await
            .map_err(|e| name_taken("schedule", &new.name, e))?;
        self.schedule(id).await
    }

    /// Deletes a schedule and its overrides.
    pub async fn delete_schedule(&self, id: i64) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        tx.exec(
            "DELETE FROM schedule_overrides WHERE schedule_id = $1",
            &[Arg::I(id)],
        )
        .await?;
        let n = tx
            .exec("DELETE FROM schedules WHERE id = $1", &[Arg::I(id)])
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("schedule {id}")));
        }
        tx.commit().await
    }

    /// One schedule.
    pub async fn schedule(&self, id: i64) -> StoreResult<ScheduleRow> {
        let sql = format!("SELECT {SCHEDULE_COLUMNS} FROM schedules WHERE id = $1");
        self.read_row(&sql, &[Arg::I(id)])
            .await?
            .as_ref()
            .map(schedule_of)
            .transpose()?
            .ok_or_else(|| StoreError::NotFound(format!("schedule {id}")))
    }

    /// Every schedule, by name.
    pub async fn schedules(&self) -> StoreResult<Vec<ScheduleRow>> {
        let sql = format!("SELECT {SCHEDULE_COLUMNS} FROM schedules ORDER BY name, id");
        self.read_rows(&sql, &[])
            .await?
            .iter()
            .map(schedule_of)
            .collect()
    }

    /// Adds an override to a schedule.
    pub async fn add_override(
        &self,
        schedule_id: i64,
        new: &NewOverride,
        created_by: Option<i64>,
        now: Timestamp,
    ) -> StoreResult<OverrideRow> {
        let mut tx = self.begin_write().await?;
        let id = tx
            .int(
                "INSERT INTO schedule_overrides (schedule_id, user_id, starts_at, ends_at, kind, \
                 replaces_user_id, note, created_by, created_at) \
                 SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 WHERE EXISTS \
                 (SELECT 1 FROM schedules WHERE id = $1) RETURNING id",
                &[
                    Arg::I(schedule_id),
                    Arg::I(new.user_id),
                    Arg::I(ms(new.start)),
                    Arg::I(ms(new.end)),
                    Arg::S(new.kind),
                    Arg::OI(new.replaces_user_id),
                    Arg::S(&new.note),
                    Arg::OI(created_by),
                    Arg::I(ms(now)),
                ],
            )
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("schedule {schedule_id}")))?;
        tx.commit().await?;
        let sql = format!("SELECT {OVERRIDE_COLUMNS} FROM schedule_overrides WHERE id = $1");
        self.read_row(&sql, &[Arg::I(id)])
            .await?
            .as_ref()
            .map(override_of)
            .transpose()?
            .ok_or_else(|| StoreError::NotFound(format!("override {id}")))
    }

    /// The overrides of a schedule that overlap `[from, to)`, oldest first (`None`: all).
    pub async fn overrides(
        &self,
        schedule_id: i64,
        range: Option<(Timestamp, Timestamp)>,
    ) -> StoreResult<Vec<OverrideRow>> {
        let (from, to) = range.map_or((i64::MIN, i64::MAX), |(f, t)| (ms(f), ms(t)));
        let sql = format!(
            "SELECT {OVERRIDE_COLUMNS} FROM schedule_overrides WHERE schedule_id = $1 \
             AND ends_at > $2 AND starts_at < $3 ORDER BY id"
        );
        self.read_rows(&sql, &[Arg::I(schedule_id), Arg::I(from), Arg::I(to)])
            .await?
            .iter()
            .map(override_of)
            .collect()
    }

    /// The overrides of every schedule that overlap `[from, to)`, oldest first: one read for
    /// "who is on call now" across all schedules.
    pub async fn all_overrides(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> StoreResult<Vec<OverrideRow>> {
        let sql = format!(
            "SELECT {OVERRIDE_COLUMNS} FROM schedule_overrides WHERE ends_at > $1 AND starts_at < $2 \
             ORDER BY id"
        );
        self.read_rows(&sql, &[Arg::I(ms(from)), Arg::I(ms(to))])
            .await?
            .iter()
            .map(override_of)
            .collect()
    }

    /// Removes an override.
    pub async fn delete_override(&self, schedule_id: i64, id: i64) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let n = tx
            .exec(
                "DELETE FROM schedule_overrides WHERE id = $1 AND schedule_id = $2",
                &[Arg::I(id), Arg::I(schedule_id)],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound(format!(
                "override {id} of schedule {schedule_id}"
            )));
        }
        tx.commit().await
    }

    /// Creates an escalation policy.
    pub async fn create_policy(&self, new: &NewPolicy, now: Timestamp) -> StoreResult<PolicyRow> {
        let levels = serde_json::to_string(&new.policy.levels).expect("levels serialize");
        let mut tx = self.begin_write().await?;
        let id = tx
            .int(
                "INSERT INTO escalation_policies (name, description, team, levels, repeat_count, \
                 created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
                &[
                    Arg::S(&new.name),
                    Arg::S(&new.description),
                    Arg::OS(new.team.as_deref()),
                    Arg::S(&levels),
                    Arg::I(i64::from(new.policy.repeat)),
                    Arg::OI(new.created_by),
                    Arg::I(ms(now)),
                ],
            )
            .await
            .map_err(|e| name_taken("policy", &new.name, e))?
            .ok_or_else(|| StoreError::Other("the policy insert returned no id".into()))?;
        tx.commit()
            .await
            .map_err(|e| name_taken("policy", &new.name, e))?;
        self.escalation_policy(id).await
    }

    /// Replaces a policy's name, description, team, levels and repeats (running pages keep
    /// the copy they opened with).
    pub async fn update_policy(
        &self,
        id: i64,
        new: &NewPolicy,
        now: Timestamp,
    ) -> StoreResult<PolicyRow> {
        let levels = serde_json::to_string(&new.policy.levels).expect("levels serialize");
        let mut tx = self.begin_write().await?;
        let n = tx
            .exec(
                "UPDATE escalation_policies SET name = $1, description = $2, team = $3, levels = $4, \
                 repeat_count = $5, updated_at = $6 WHERE id = $7",
                &[
                    Arg::S(&new.name),
                    Arg::S(&new.description),
                    Arg::OS(new.team.as_deref()),
                    Arg::S(&levels),
                    Arg::I(i64::from(new.policy.repeat)),
                    Arg::I(ms(now)),
                    Arg::I(id),
                ],
            )
            .await
            .map_err(|e| name_taken("policy", &new.name, e))?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("escalation policy {id}")));
        }
        tx.commit()
            .await
            .map_err(|e| name_taken("policy", &new.name, e))?;
        self.escalation_policy(id).await
    }

    /// Deletes a policy no service uses (a service's policy is a conflict).
    pub async fn delete_policy(&self, id: i64) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        if tx
            .int(
                "SELECT COUNT(*) AS n FROM service_policies WHERE policy_id = $1",
                &[Arg::I(id)],
            )
            .await?
            .unwrap_or(0)
            > 0
        {
            return Err(StoreError::Conflict(format!(
                "escalation policy {id} is a service's policy; give the service another first"
            )));
        }
        let n = tx
            .exec(
                "DELETE FROM escalation_policies WHERE id = $1",
                &[Arg::I(id)],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("escalation policy {id}")));
        }
        tx.commit().await
    }

    /// One policy.
    pub async fn escalation_policy(&self, id: i64) -> StoreResult<PolicyRow> {
        let sql = format!("SELECT {POLICY_COLUMNS} FROM escalation_policies WHERE id = $1");
        self.read_row(&sql, &[Arg::I(id)])
            .await?
            .as_ref()
            .map(policy_of)
            .transpose()?
            .ok_or_else(|| StoreError::NotFound(format!("escalation policy {id}")))
    }

    /// Every policy, by name.
    pub async fn escalation_policies(&self) -> StoreResult<Vec<PolicyRow>> {
        let sql = format!("SELECT {POLICY_COLUMNS} FROM escalation_policies ORDER BY name, id");
        self.read_rows(&sql, &[])
            .await?
            .iter()
            .map(policy_of)
            .collect()
    }

    /// Gives a service an escalation policy, or (`None`) takes it away.
    pub async fn set_service_policy(
        &self,
        service: &str,
        policy_id: Option<i64>,
        now: Timestamp,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        if tx
            .int("SELECT 1 FROM services WHERE slug = $1", &[Arg::S(service)])
            .await?
            .is_none()
        {
            return Err(StoreError::NotFound(format!("service '{service}'")));
        }
        match policy_id {
            Some(p) => {
                if tx
                    .int(
                        "SELECT 1 FROM escalation_policies WHERE id = $1",
                        &[Arg::I(p)],
                    )
                    .await?
                    .is_none()
                {
                    return Err(StoreError::NotFound(format!("escalation policy {p}")));
                }
                tx.exec(
                    "INSERT INTO service_policies (service, policy_id, updated_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (service) DO UPDATE SET policy_id = excluded.policy_id, \
                     updated_at = excluded.updated_at",
                    &[Arg::S(service), Arg::I(p), Arg::I(ms(now))],
                )
                .await?;
            }
            None => {
                tx.exec(
                    "DELETE FROM service_policies WHERE service = $1",
                    &[Arg::S(service)],
                )
                .await?;
            }
        }
        tx.commit().await
    }

    /// Every service's policy: `(service, policy id)`, by service.
    pub async fn service_policies(&self) -> StoreResult<Vec<(String, i64)>> {
        let rows = self
            .read_rows(
                "SELECT service, policy_id FROM service_policies ORDER BY service",
                &[],
            )
            .await?;
        rows.iter()
            .map(|r| Ok((r.get("service")?, r.get("policy_id")?)))
            .collect()
    }

    /// A service's policy, if it has one.
    pub async fn service_policy(&self, service: &str) -> StoreResult<Option<PolicyRow>> {
        let sql = format!(
            "SELECT {POLICY_COLUMNS} FROM escalation_policies WHERE id = \
             (SELECT policy_id FROM service_policies WHERE service = $1)"
        );
        self.read_row(&sql, &[Arg::S(service)])
            .await?
            .as_ref()
            .map(policy_of)
            .transpose()
    }
}
