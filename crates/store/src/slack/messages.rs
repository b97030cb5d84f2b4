//! The Slack DMs that told people of pages: where each is, and which state of the page it
//! shows, so that the buttons are replaced once the page is acknowledged or resolved.

use crate::read::Row;
use crate::write::Arg;
use crate::{Store, StoreResult, ms};
use debrief_core::Timestamp;

/// A page's DM to one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlackPageMessage {
    /// The notification it delivered.
    pub notification_id: i64,
    /// The page.
    pub page_id: i64,
    /// The DM channel (`D…`).
    pub channel_id: String,
    /// The message's `ts`, the id `chat.update` takes.
    pub ts: String,
    /// The page status the message shows (`open`, `acknowledged`, `resolved`).
    pub shown: String,
}

fn from_row(r: &Row) -> StoreResult<SlackPageMessage> {
    Ok(SlackPageMessage {
        notification_id: r.get("notification_id")?,
        page_id: r.get("page_id")?,
        channel_id: r.get("channel_id")?,
        ts: r.get("ts")?,
        shown: r.get("shown")?,
    })
}

impl Store {
    /// Records the DM that delivered a notification (a second record of the same notification
    /// changes nothing).
    pub async fn add_slack_page_message(
        &self,
        m: &SlackPageMessage,
        now: Timestamp,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        tx.exec(
            "INSERT INTO slack_page_messages (notification_id, page_id, channel_id, ts, shown, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (notification_id) DO NOTHING",
            &[
                Arg::I(m.notification_id),
                Arg::I(m.page_id),
                Arg::S(&m.channel_id),
                Arg::S(&m.ts),
                Arg::S(&m.shown),
                Arg::I(ms(now)),
            ],
        )
        .await?;
        tx.commit().await
    }

    /// The DM that delivered a notification, if one did.
    pub async fn slack_page_message(
        &self,
        notification_id: i64,
    ) -> StoreResult<Option<SlackPageMessage>> {
        self.read_row(
            "SELECT notification_id, page_id, channel_id, ts, shown FROM slack_page_messages \
             WHERE notification_id = $1",
            &[Arg::I(notification_id)],
        )
        .await?
        .map(|r| from_row(&r))
        .transpose()
    }

    /// Every DM of a page, oldest first.
    pub async fn slack_page_messages(&self, page_id: i64) -> StoreResult<Vec<SlackPageMessage>> {
        self.read_rows(
            "SELECT notification_id, page_id, channel_id, ts, shown FROM slack_page_messages \
             WHERE page_id = $1 ORDER BY notification_id",
            &[Arg::I(page_id)],
        )
        .await?
        .iter()
        .map(from_row)
        .collect()
    }

    /// Records that a DM now shows `shown`.
    pub async fn set_slack_page_message_shown(
        &self,
        notification_id: i64,
        shown: &str,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        tx.exec(
            "UPDATE slack_page_messages SET shown = $2 WHERE notification_id = $1",
            &[Arg::I(notification_id), Arg::S(shown)],
        )
        .await?;
        tx.commit().await
    }

    /// The Slack user linked to Debrief user `user_id` in workspace `team_id`, if any.
    pub async fn slack_user_of(&self, user_id: i64, team_id: &str) -> StoreResult<Option<String>> {
        self.read_row(
            "SELECT slack_user_id FROM slack_users WHERE user_id = $1 AND team_id = $2 \
             ORDER BY linked_at DESC LIMIT 1",
            &[Arg::I(user_id), Arg::S(team_id)],
        )
        .await?
        .map(|r| r.get("slack_user_id"))
        .transpose()
    }
}
