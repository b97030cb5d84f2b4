//! Teams beyond creation ([`crate::catalog`]): one team, its members, edits and deletion.

use crate::catalog::Team;
use crate::read::Row;
use crate::write::Arg;
use crate::{Store, StoreError, StoreResult, ms};
use debrief_core::Timestamp;
use serde::Serialize;

/// A person on a team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    /// The user's id.
    pub id: i64,
    /// The user's name.
    pub name: String,
}

fn team_from(r: &Row) -> StoreResult<Team> {
    Ok(Team {
        slug: r.get("slug")?,
        name: r.get("name")?,
        description: r.get("description")?,
        created_at: r.time("created_at")?,
    })
}

impl Store {
    /// One team.
    pub async fn team(&self, slug: &str) -> StoreResult<Team> {
        self.read_row(
            "SELECT slug, name, description, created_at FROM teams WHERE slug = $1",
            &[Arg::S(slug)],
        )
        .await?
        .map(|r| team_from(&r))
        .transpose()?
        .ok_or_else(|| StoreError::NotFound(format!("team '{slug}'")))
    }

    /// Changes a team's name and description.
    pub async fn update_team(
        &self,
        slug: &str,
        name: &str,
        description: &str,
    ) -> StoreResult<Team> {
        let mut tx = self.begin_write().await?;
        let n = tx
            .exec(
                "UPDATE teams SET name = $1, description = $2 WHERE slug = $3",
                &[Arg::S(name), Arg::S(description), Arg::S(slug)],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("team '{slug}'")));
        }
        tx.commit().await?;
        self.team(slug).await
    }

    /// Deletes a team and its memberships. A team that owns services, schedules, escalation
    /// policies or action items is a `Conflict` saying so.
    pub async fn delete_team(&self, slug: &str) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let used = tx
            .int(
                "SELECT (SELECT COUNT(*) FROM services WHERE team = $1) \
                 + (SELECT COUNT(*) FROM schedules WHERE team = $1) \
                 + (SELECT COUNT(*) FROM escalation_policies WHERE team = $1) \
                 + (SELECT COUNT(*) FROM action_items WHERE team = $1) AS n",
                &[Arg::S(slug)],
            )
            .await?
            .unwrap_or(0);
        if used > 0 {
            return Err(StoreError::Conflict(format!(
                "team '{slug}' owns {used} service(s), schedule(s), escalation policies or \
                 action item(s); give them to another team first"
            )));
        }
        tx.exec("DELETE FROM team_members WHERE team = $1", &[Arg::S(slug)])
            .await?;
        let n = tx
            .exec("DELETE FROM teams WHERE slug = $1", &[Arg::S(slug)])
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("team '{slug}'")));
        }
        tx.commit().await
    }

    /// Every membership: `(team slug, member)`, by team then name.
    pub async fn team_memberships(&self) -> StoreResult<Vec<(String, Member)>> {
        self.read_rows(
            "SELECT m.team AS team, u.id AS id, u.name AS name FROM team_members m \
             JOIN users u ON u.id = m.user_id ORDER BY m.team, u.name, u.id",
            &[],
        )
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.get("team")?,
                Member {
                    id: r.get("id")?,
                    name: r.get("name")?,
                },
            ))
        })
        .collect()
    }

    /// A team's members, by name.
    pub async fn team_members(&self, slug: &str) -> StoreResult<Vec<Member>> {
        Ok(self
            .team_memberships()
            .await?
            .into_iter()
            .filter(|(t, _)| t == slug)
            .map(|(_, m)| m)
            .collect())
    }

    /// Replaces a team's members. An unknown user is a `NotFound` naming its id.
    pub async fn set_team_members(
        &self,
        slug: &str,
        user_ids: &[i64],
        now: Timestamp,
    ) -> StoreResult<Vec<Member>> {
        let mut tx = self.begin_write().await?;
        if tx
            .int("SELECT 1 FROM teams WHERE slug = $1", &[Arg::S(slug)])
            .await?
            .is_none()
        {
            return Err(StoreError::NotFound(format!("team '{slug}'")));
        }
        tx.exec("DELETE FROM team_members WHERE team = $1", &[Arg::S(slug)])
            .await?;
        for id in user_ids {
            if tx
                .int("SELECT 1 FROM users WHERE id = $1", &[Arg::I(*id)])
                .await?
                .is_none()
            {
                return Err(StoreError::NotFound(format!("user {id}")));
            }
            tx.exec(
                "INSERT INTO team_members (team, user_id, added_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (team, user_id) DO NOTHING",
                &[Arg::S(slug), Arg::I(*id), Arg::I(ms(now))],
            )
            .await?;
        }
        tx.commit().await?;
        self.team_members(slug).await
    }
}
