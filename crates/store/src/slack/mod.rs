//! Slack: the workspaces the app is installed in (one row per team, the bot token sealed by
//! the server before it gets here), the single-use `state`s of installs under way, and the
//! links between Slack users and Debrief users, and what Slack sent that was already taken
//! (`seen`: replayed signatures, retried events).

mod channels;
mod messages;
mod seen;
pub use channels::SlackChannel;
pub use messages::SlackPageMessage;

use crate::read::Row;
use crate::write::Arg;
use crate::{Store, StoreResult, ms};
use debrief_core::Timestamp;

const COLUMNS: &str =
    "team_id, team_name, bot_user_id, bot_token_sealed, scope, installed_by, installed_at";

/// An installation of the Slack app in one workspace.
#[derive(Clone, PartialEq, Eq)]
pub struct SlackInstallation {
    /// The workspace (`T…`).
    pub team_id: String,
    /// The workspace's name.
    pub team_name: String,
    /// The app's bot user (`U…`).
    pub bot_user_id: String,
    /// The bot token, sealed (base64 of nonce, ciphertext and tag); only the server opens it.
    pub bot_token_sealed: String,
    /// The scopes granted, comma-separated.
    pub scope: String,
    /// The admin who installed it.
    pub installed_by: i64,
    /// When.
    pub installed_at: Timestamp,
}

/// The sealed token is left out: it is not secret without the key, but has no use in a log.
impl std::fmt::Debug for SlackInstallation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlackInstallation")
            .field("team_id", &self.team_id)
            .field("team_name", &self.team_name)
            .field("bot_user_id", &self.bot_user_id)
            .field("scope", &self.scope)
            .field("installed_by", &self.installed_by)
            .field("installed_at", &self.installed_at)
            .finish_non_exhaustive()
    }
}

fn from_row(r: &Row) -> StoreResult<SlackInstallation> {
    Ok(SlackInstallation {
        team_id: r.get("team_id")?,
        team_name: r.get("team_name")?,
        bot_user_id: r.get("bot_user_id")?,
        bot_token_sealed: r.get("bot_token_sealed")?,
        scope: r.get("scope")?,
        installed_by: r.get("installed_by")?,
        installed_at: r.time("installed_at")?,
    })
}

impl Store {
    /// Remembers the `state` (its hash) of an install `user_id` started, until `expires_at`.
    /// States that have expired by `now` are dropped on the way.
    pub async fn add_slack_oauth_state(
        &self,
        state_hash: &str,
        user_id: i64,
        expires_at: Timestamp,
        now: Timestamp,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        tx.exec(
            "DELETE FROM slack_oauth_states WHERE expires_at <= $1",
            &[Arg::I(ms(now))],
        )
        .await?;
        tx.exec(
            "INSERT INTO slack_oauth_states (state_hash, user_id, expires_at) VALUES ($1, $2, $3)",
            &[Arg::S(state_hash), Arg::I(user_id), Arg::I(ms(expires_at))],
        )
        .await?;
        tx.commit().await
    }

    /// Takes a `state` (by hash) for good: the user who started that install, when it exists
    /// and has not expired by `now`. A second take of the same state finds nothing.
    pub async fn take_slack_oauth_state(
        &self,
        state_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<i64>> {
        let mut tx = self.begin_write().await?;
        let rows = tx
            .rows(
                "DELETE FROM slack_oauth_states WHERE state_hash = $1 RETURNING user_id, expires_at",
                &[Arg::S(state_hash)],
            )
            .await?;
        tx.commit().await?;
        match rows.first() {
            Some(r) if r.time("expires_at")? > now => Ok(Some(r.get("user_id")?)),
            _ => Ok(None),
        }
    }

    /// Stores the installation of a workspace, replacing an earlier one of the same team.
    pub async fn put_slack_installation(&self, i: &SlackInstallation) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        tx.exec(
            "INSERT INTO slack_installations (team_id, team_name, bot_user_id, bot_token_sealed, \
             scope, installed_by, installed_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (team_id) DO UPDATE SET team_name = excluded.team_name, \
             bot_user_id = excluded.bot_user_id, bot_token_sealed = excluded.bot_token_sealed, \
             scope = excluded.scope, installed_by = excluded.installed_by, \
             installed_at = excluded.installed_at",
            &[
                Arg::S(&i.team_id),
                Arg::S(&i.team_name),
                Arg::S(&i.bot_user_id),
                Arg::S(&i.bot_token_sealed),
                Arg::S(&i.scope),
                Arg::I(i.installed_by),
                Arg::I(ms(i.installed_at)),
            ],
        )
        .await?;
        tx.commit().await
    }

    /// The installation in workspace `team_id`, if the app is installed there.
    pub async fn slack_installation(
        &self,
        team_id: &str,
    ) -> StoreResult<Option<SlackInstallation>> {
        let sql = format!("SELECT {COLUMNS} FROM slack_installations WHERE team_id = $1");
        self.read_row(&sql, &[Arg::S(team_id)])
            .await?
            .map(|r| from_row(&r))
            .transpose()
    }

    /// Every installation, by team id.
    pub async fn slack_installations(&self) -> StoreResult<Vec<SlackInstallation>> {
        let sql = format!("SELECT {COLUMNS} FROM slack_installations ORDER BY team_id");
        self.read_rows(&sql, &[])
            .await?
            .iter()
            .map(from_row)
            .collect()
    }

    /// The Debrief user a Slack user is linked to.
    pub async fn slack_user_link(&self, slack_user_id: &str) -> StoreResult<Option<i64>> {
        self.read_row(
            "SELECT user_id FROM slack_users WHERE slack_user_id = $1",
            &[Arg::S(slack_user_id)],
        )
        .await?
        .map(|r| r.get("user_id"))
        .transpose()
    }

    /// Links a Slack user of `team_id` to the Debrief user `user_id` (replacing an earlier link).
    pub async fn link_slack_user(
        &self,
        slack_user_id: &str,
        team_id: &str,
        user_id: i64,
        now: Timestamp,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        tx.exec(
            "INSERT INTO slack_users (slack_user_id, team_id, user_id, linked_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (slack_user_id) DO UPDATE SET \
             team_id = excluded.team_id, user_id = excluded.user_id, linked_at = excluded.linked_at",
            &[
                Arg::S(slack_user_id),
                Arg::S(team_id),
                Arg::I(user_id),
                Arg::I(ms(now)),
            ],
        )
        .await?;
        tx.commit().await
    }
}
