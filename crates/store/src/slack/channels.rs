//! The Slack channel of each incident: which channel, its pinned summary, how far the
//! incident's timeline has been told there, and whether it is archived.

use crate::read::Row;
use crate::write::Arg;
use crate::{Store, StoreResult, ms};
use debrief_core::Timestamp;

const COLUMNS: &str = "incident_id, team_id, channel_id, name, private, summary_ts, \
                       posted_through, archived_at, created_at";

/// An incident's Slack channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlackChannel {
    /// The incident.
    pub incident_id: i64,
    /// The workspace (`T…`).
    pub team_id: String,
    /// Slack's channel id (`C…`).
    pub channel_id: String,
    /// Its name (`inc-42-checkout-fails`).
    pub name: String,
    /// Whether it is a private channel.
    pub private: bool,
    /// The pinned summary message, once posted.
    pub summary_ts: Option<String>,
    /// The id of the last timeline event told in the channel (0: none yet).
    pub posted_through: i64,
    /// When it was archived.
    pub archived_at: Option<Timestamp>,
    /// When it was created.
    pub created_at: Timestamp,
}

fn from_row(r: &Row) -> StoreResult<SlackChannel> {
    Ok(SlackChannel {
        incident_id: r.get("incident_id")?,
        team_id: r.get("team_id")?,
        channel_id: r.get("channel_id")?,
        name: r.get("name")?,
        private: r.get::<i64>("private")? != 0,
        summary_ts: r.opt("summary_ts")?,
        posted_through: r.get("posted_through")?,
        archived_at: r.opt_time("archived_at")?,
        created_at: r.time("created_at")?,
    })
}

impl Store {
    /// Records an incident's new channel. Returns `false` (and changes nothing) when the
    /// incident has a channel already.
    pub async fn add_slack_channel(&self, c: &SlackChannel) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let n = tx
            .exec(
                "INSERT INTO slack_channels (incident_id, team_id, channel_id, name, private, \
                 summary_ts, posted_through, archived_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (incident_id) DO NOTHING",
                &[
                    Arg::I(c.incident_id),
                    Arg::S(&c.team_id),
                    Arg::S(&c.channel_id),
                    Arg::S(&c.name),
                    Arg::I(i64::from(c.private)),
                    Arg::OS(c.summary_ts.as_deref()),
                    Arg::I(c.posted_through),
                    Arg::OI(c.archived_at.map(ms)),
                    Arg::I(ms(c.created_at)),
                ],
            )
            .await?;
        tx.commit().await?;
        Ok(n == 1)
    }

    /// The channel of incident `incident_id`.
    pub async fn slack_channel(&self, incident_id: i64) -> StoreResult<Option<SlackChannel>> {
        let sql = format!("SELECT {COLUMNS} FROM slack_channels WHERE incident_id = $1");
        self.read_row(&sql, &[Arg::I(incident_id)])
            .await?
            .map(|r| from_row(&r))
            .transpose()
    }

    /// The incident channel with Slack id `channel_id` (a command or reaction in it is about
    /// that incident).
    pub async fn slack_channel_by_id(&self, channel_id: &str) -> StoreResult<Option<SlackChannel>> {
        let sql = format!("SELECT {COLUMNS} FROM slack_channels WHERE channel_id = $1");
        self.read_row(&sql, &[Arg::S(channel_id)])
            .await?
            .map(|r| from_row(&r))
            .transpose()
    }

    /// Whether an incident channel is named `name` (channel names are unique in a workspace).
    pub async fn slack_channel_name_taken(&self, name: &str) -> StoreResult<bool> {
        Ok(self
            .read_row(
                "SELECT 1 AS one FROM slack_channels WHERE name = $1",
                &[Arg::S(name)],
            )
            .await?
            .is_some())
    }

    /// Records the pinned summary message of an incident's channel.
    pub async fn set_slack_summary(&self, incident_id: i64, ts: &str) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        tx.exec(
            "UPDATE slack_channels SET summary_ts = $2 WHERE incident_id = $1",
            &[Arg::I(incident_id), Arg::S(ts)],
        )
        .await?;
        tx.commit().await
    }

    /// Moves the "told through" mark of an incident's channel forward to `event_id` (never
    /// back: two syncs that race leave the later mark).
    pub async fn set_slack_posted_through(
        &self,
        incident_id: i64,
        event_id: i64,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        tx.exec(
            "UPDATE slack_channels SET posted_through = $2 \
             WHERE incident_id = $1 AND posted_through < $2",
            &[Arg::I(incident_id), Arg::I(event_id)],
        )
        .await?;
        tx.commit().await
    }

    /// Records that an incident's channel was archived at `at`.
    pub async fn set_slack_archived(
        &self,
        incident_id: i64,
        at: Option<Timestamp>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        tx.exec(
            "UPDATE slack_channels SET archived_at = $2 WHERE incident_id = $1",
            &[Arg::I(incident_id), Arg::OI(at.map(ms))],
        )
        .await?;
        tx.commit().await
    }

    /// Incidents whose channel a lost sync job left behind (at most `limit`, as
    /// `(id, version)`): open incidents declared between `since` (the installation) and
    /// `until` with no channel, and, when `archiving`, channels left open on an incident that
    /// is over.
    pub async fn slack_channels_behind(
        &self,
        since: Timestamp,
        until: Timestamp,
        archiving: bool,
        limit: i64,
    ) -> StoreResult<Vec<(i64, i64)>> {
        let missing = self
            .read_rows(
                "SELECT i.id, i.version FROM incidents i \
                 LEFT JOIN slack_channels c ON c.incident_id = i.id \
                 WHERE c.incident_id IS NULL AND i.declared_at >= $1 AND i.declared_at <= $2 \
                 AND i.status NOT IN ('closed', 'declined', 'merged') ORDER BY i.id LIMIT $3",
                &[Arg::I(ms(since)), Arg::I(ms(until)), Arg::I(limit)],
            )
            .await?;
        let mut behind = missing
            .iter()
            .map(|r| Ok((r.get("id")?, r.get("version")?)))
            .collect::<StoreResult<Vec<(i64, i64)>>>()?;
        if archiving {
            let open = self
                .read_rows(
                    "SELECT i.id, i.version FROM slack_channels c \
                     JOIN incidents i ON i.id = c.incident_id \
                     WHERE c.archived_at IS NULL \
                     AND i.status IN ('closed', 'declined', 'merged') ORDER BY i.id LIMIT $1",
                    &[Arg::I(limit)],
                )
                .await?;
            for r in &open {
                behind.push((r.get("id")?, r.get("version")?));
            }
        }
        Ok(behind)
    }
}
