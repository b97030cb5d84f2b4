//! The catalogue: severities, services and teams.

use crate::read::Row;
use crate::write::Arg;
use crate::{Store, StoreError, StoreResult, ms};
use debrief_core::Timestamp;
use debrief_core::severity::{Severity, default_severities};
use serde::Serialize;

/// A team that owns services.
#[derive(Debug, Clone, Serialize)]
pub struct Team {
    /// Slug, e.g. `payments`.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// What the team does.
    pub description: String,
    /// When it was added.
    #[serde(with = "debrief_core::ts")]
    pub created_at: Timestamp,
}

/// A thing that can be affected by an incident.
#[derive(Debug, Clone, Serialize)]
pub struct Service {
    /// Slug, e.g. `checkout-api`.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// What it is.
    pub description: String,
    /// Owning team's slug.
    pub team: Option<String>,
    /// When it was added.
    #[serde(with = "debrief_core::ts")]
    pub created_at: Timestamp,
}

/// A severity from `key, name, description, rank, postmortem_required`, by name.
fn severity(r: &Row) -> StoreResult<Severity> {
    Ok(Severity {
        key: r.get("key")?,
        name: r.get("name")?,
        description: r.get("description")?,
        rank: r.get("rank")?,
        postmortem_required: r.get("postmortem_required")?,
    })
}

impl Store {
    /// Seeds SEV1…SEV4 once, on a new database.
    pub async fn seed_defaults(&self) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let seeded = tx
            .int("SELECT 1 FROM settings WHERE key = 'seeded'", &[])
            .await?;
        if seeded.is_none() {
            for s in default_severities() {
                tx.exec(
                    "INSERT INTO severities (key, name, description, rank, postmortem_required) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key) DO NOTHING",
                    &[
                        Arg::S(&s.key),
                        Arg::S(&s.name),
                        Arg::S(&s.description),
                        Arg::I(s.rank),
                        Arg::I(i64::from(s.postmortem_required)),
                    ],
                )
                .await?;
            }
            tx.exec(
                "INSERT INTO settings (key, value) VALUES ('seeded', '1')",
                &[],
            )
            .await?;
        }
        tx.commit().await
    }

    /// Every severity, most severe first.
    pub async fn list_severities(&self) -> StoreResult<Vec<Severity>> {
        self.read_rows(
            "SELECT key, name, description, rank, postmortem_required FROM severities ORDER BY rank, key",
            &[],
        )
        .await?
        .iter()
        .map(severity)
        .collect()
    }

    /// Creates or replaces a severity level.
    pub async fn put_severity(&self, s: &Severity) -> StoreResult<Severity> {
        let mut tx = self.begin_write().await?;
        tx.exec(
            "INSERT INTO severities (key, name, description, rank, postmortem_required) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (key) DO UPDATE SET name = excluded.name, description = excluded.description, \
             rank = excluded.rank, postmortem_required = excluded.postmortem_required",
            &[
                Arg::S(&s.key),
                Arg::S(&s.name),
                Arg::S(&s.description),
                Arg::I(s.rank),
                Arg::I(i64::from(s.postmortem_required)),
            ],
        )
        .await?;
        tx.commit().await?;
        Ok(s.clone())
    }

    /// Deletes a severity no incident uses.
    pub async fn delete_severity(&self, key: &str) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let used = tx
            .int(
                "SELECT COUNT(*) AS n FROM incidents WHERE severity = $1",
                &[Arg::S(key)],
            )
            .await?
            .unwrap_or(0);
        if used > 0 {
            return Err(StoreError::Conflict(format!(
                "{used} incident(s) use severity {key}"
            )));
        }
        let n = tx
            .exec("DELETE FROM severities WHERE key = $1", &[Arg::S(key)])
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("severity {key}")));
        }
        tx.commit().await
    }

    /// Every team.
    pub async fn list_teams(&self) -> StoreResult<Vec<Team>> {
        self.read_rows(
            "SELECT slug, name, description, created_at FROM teams ORDER BY slug",
            &[],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(Team {
                slug: r.get("slug")?,
                name: r.get("name")?,
                description: r.get("description")?,
                created_at: r.time("created_at")?,
            })
        })
        .collect()
    }

    /// Adds a team; a taken slug is a `Conflict`.
    pub async fn create_team(
        &self,
        slug: &str,
        name: &str,
        description: &str,
        now: Timestamp,
    ) -> StoreResult<Team> {
        let mut tx = self.begin_write().await?;
        tx.exec(
            "INSERT INTO teams (slug, name, description, created_at) VALUES ($1, $2, $3, $4)",
            &[
                Arg::S(slug),
                Arg::S(name),
                Arg::S(description),
                Arg::I(ms(now)),
            ],
        )
        .await
        .map_err(|e| conflict_as(e, format!("team {slug} already exists")))?;
        tx.commit().await?;
        Ok(Team {
            slug: slug.into(),
            name: name.into(),
            description: description.into(),
            created_at: now,
        })
    }

    /// Every service.
    pub async fn list_services(&self) -> StoreResult<Vec<Service>> {
        self.read_rows(
            "SELECT slug, name, description, team, created_at FROM services ORDER BY slug",
            &[],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(Service {
                slug: r.get("slug")?,
                name: r.get("name")?,
                description: r.get("description")?,
                team: r.opt("team")?,
                created_at: r.time("created_at")?,
            })
        })
        .collect()
    }

    /// Adds a service; a taken slug is a `Conflict`, an unknown team a `NotFound`.
    pub async fn create_service(
        &self,
        slug: &str,
        name: &str,
        description: &str,
        team: Option<&str>,
        now: Timestamp,
    ) -> StoreResult<Service> {
        let mut tx = self.begin_write().await?;
        check_team(&mut tx, team).await?;
        tx.exec(
            "INSERT INTO services (slug, name, description, team, created_at) VALUES ($1, $2, $3, $4, $5)",
            &[Arg::S(slug), Arg::S(name), Arg::S(description), Arg::OS(team), Arg::I(ms(now))],
        )
        .await
        .map_err(|e| conflict_as(e, format!("service {slug} already exists")))?;
        tx.commit().await?;
        Ok(Service {
            slug: slug.into(),
            name: name.into(),
            description: description.into(),
            team: team.map(Into::into),
            created_at: now,
        })
    }
}

/// A `NotFound` naming `team` when it is given and is not a team.
pub(crate) async fn check_team(
    tx: &mut crate::write::WriteTx,
    team: Option<&str>,
) -> StoreResult<()> {
    if let Some(team) = team
        && tx
            .int("SELECT 1 FROM teams WHERE slug = $1", &[Arg::S(team)])
            .await?
            .is_none()
    {
        return Err(StoreError::NotFound(format!("team {team}")));
    }
    Ok(())
}

/// Maps a unique violation to a `Conflict` with a readable message.
pub(crate) fn conflict_as(e: StoreError, message: String) -> StoreError {
    match e {
        StoreError::Conflict(_) => StoreError::Conflict(message),
        other => other,
    }
}
