//! What Slack sent that Debrief already took: request signatures (a replayed request is
//! refused) and Events API event ids (Slack's retries are not acted on twice). Each key is
//! kept until its expiry, then dropped by the next write.

use crate::write::Arg;
use crate::{Store, StoreResult, ms};
use debrief_core::Timestamp;

impl Store {
    /// Records `key` as seen until `expires_at`; `true` when it is new, `false` when it was
    /// seen before (and has not expired by `now`). Expired keys are dropped on the way.
    pub async fn add_slack_seen(
        &self,
        key: &str,
        expires_at: Timestamp,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        tx.exec(
            "DELETE FROM slack_seen_requests WHERE expires_at <= $1",
            &[Arg::I(ms(now))],
        )
        .await?;
        let n = tx
            .exec(
                "INSERT INTO slack_seen_requests (key, expires_at) VALUES ($1, $2) \
                 ON CONFLICT (key) DO NOTHING",
                &[Arg::S(key), Arg::I(ms(expires_at))],
            )
            .await?;
        tx.commit().await?;
        Ok(n == 1)
    }

    /// Whether `key` was seen and has not expired by `now`.
    pub async fn slack_seen(&self, key: &str, now: Timestamp) -> StoreResult<bool> {
        Ok(self
            .read_row(
                "SELECT 1 AS one FROM slack_seen_requests WHERE key = $1 AND expires_at > $2",
                &[Arg::S(key), Arg::I(ms(now))],
            )
            .await?
            .is_some())
    }
}
