//! Each user's notification rules and channel addresses, and their Web Push subscriptions.

use super::types::*;
use crate::read::Row;
use crate::write::Arg;
use crate::{Store, StoreError, StoreResult, ms};
use debrief_core::Timestamp;

const PUSH_COLUMNS: &str =
    "id, user_id, endpoint, p256dh, auth, user_agent, created_at, last_error";

fn push_of(r: &Row) -> StoreResult<PushSubscriptionRow> {
    Ok(PushSubscriptionRow {
        id: r.get("id")?,
        user_id: r.get("user_id")?,
        endpoint: r.get("endpoint")?,
        p256dh: r.get("p256dh")?,
        auth: r.get("auth")?,
        user_agent: r.get("user_agent")?,
        created_at: r.time("created_at")?,
        last_error: r.opt("last_error")?,
    })
}

impl Store {
    /// A user's rules and addresses, if they set any.
    pub async fn user_notify(&self, user_id: i64) -> StoreResult<Option<UserNotify>> {
        let row = self
            .read_row(
                "SELECT user_id, rules, ntfy_url, ntfy_token, webhook_url, webhook_secret \
                 FROM user_notify WHERE user_id = $1",
                &[Arg::I(user_id)],
            )
            .await?;
        row.map(|r| {
            Ok(UserNotify {
                user_id: r.get("user_id")?,
                rules: r.json("rules")?,
                ntfy_url: r.opt("ntfy_url")?,
                ntfy_token: r.opt("ntfy_token")?,
                webhook_url: r.opt("webhook_url")?,
                webhook_secret: r.opt("webhook_secret")?,
            })
        })
        .transpose()
    }

    /// The rules of each of `users` who set any (one read for a level's recipients).
    pub async fn rules_of_users(
        &self,
        users: &[i64],
    ) -> StoreResult<std::collections::BTreeMap<i64, Vec<debrief_core::oncall::notify::Rule>>> {
        let mut out = std::collections::BTreeMap::new();
        for chunk in users.chunks(100) {
            let ids = chunk
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            // The ids are integers written by us, not text from a request.
            let sql = format!("SELECT user_id, rules FROM user_notify WHERE user_id IN ({ids})");
            for r in self.read_rows(&sql, &[]).await? {
                out.insert(r.get::<i64>("user_id")?, r.json("rules")?);
            }
        }
        Ok(out)
    }

    /// Sets a user's rules and addresses.
    pub async fn put_user_notify(&self, n: &UserNotify, now: Timestamp) -> StoreResult<()> {
        let rules = serde_json::to_string(&n.rules).expect("rules serialize");
        let mut tx = self.begin_write().await?;
        tx.exec(
            "INSERT INTO user_notify (user_id, rules, ntfy_url, ntfy_token, webhook_url, \
             webhook_secret, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (user_id) DO UPDATE SET rules = excluded.rules, ntfy_url = excluded.ntfy_url, \
             ntfy_token = excluded.ntfy_token, webhook_url = excluded.webhook_url, \
             webhook_secret = excluded.webhook_secret, updated_at = excluded.updated_at",
            &[
                Arg::I(n.user_id),
                Arg::S(&rules),
                Arg::OS(n.ntfy_url.as_deref()),
                Arg::OS(n.ntfy_token.as_deref()),
                Arg::OS(n.webhook_url.as_deref()),
                Arg::OS(n.webhook_secret.as_deref()),
                Arg::I(ms(now)),
            ],
        )
        .await?;
        tx.commit().await
    }

    /// Adds (or, for a known endpoint, renews) a browser's push subscription.
    pub async fn add_push_subscription(
        &self,
        user_id: i64,
        endpoint: &str,
        p256dh: &str,
        auth: &str,
        user_agent: &str,
        now: Timestamp,
    ) -> StoreResult<PushSubscriptionRow> {
        let mut tx = self.begin_write().await?;
        let id = tx
            .int(
                "INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth, user_agent, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (endpoint) DO UPDATE SET \
                 user_id = excluded.user_id, p256dh = excluded.p256dh, auth = excluded.auth, \
                 user_agent = excluded.user_agent, last_error = NULL RETURNING id",
                &[
                    Arg::I(user_id),
                    Arg::S(endpoint),
                    Arg::S(p256dh),
                    Arg::S(auth),
                    Arg::S(user_agent),
                    Arg::I(ms(now)),
                ],
            )
            .await?
            .ok_or_else(|| StoreError::Other("the subscription insert returned no id".into()))?;
        tx.commit().await?;
        let sql = format!("SELECT {PUSH_COLUMNS} FROM push_subscriptions WHERE id = $1");
        self.read_row(&sql, &[Arg::I(id)])
            .await?
            .as_ref()
            .map(push_of)
            .transpose()?
            .ok_or_else(|| StoreError::NotFound(format!("push subscription {id}")))
    }

    /// A user's push subscriptions, oldest first.
    pub async fn push_subscriptions(&self, user_id: i64) -> StoreResult<Vec<PushSubscriptionRow>> {
        let sql =
            format!("SELECT {PUSH_COLUMNS} FROM push_subscriptions WHERE user_id = $1 ORDER BY id");
        self.read_rows(&sql, &[Arg::I(user_id)])
            .await?
            .iter()
            .map(push_of)
            .collect()
    }

    /// Removes one of a user's push subscriptions.
    pub async fn delete_push_subscription(&self, user_id: i64, id: i64) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let n = tx
            .exec(
                "DELETE FROM push_subscriptions WHERE id = $1 AND user_id = $2",
                &[Arg::I(id), Arg::I(user_id)],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("push subscription {id}")));
        }
        tx.commit().await
    }

    /// Records why a push to a subscription failed (`None`: it worked).
    pub async fn set_push_error(&self, id: i64, error: Option<&str>) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        tx.exec(
            "UPDATE push_subscriptions SET last_error = $1 WHERE id = $2",
            &[Arg::OS(error), Arg::I(id)],
        )
        .await?;
        tx.commit().await
    }

    /// Forgets a subscription the push service says is gone (404 or 410).
    pub async fn drop_push_subscription(&self, id: i64) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        tx.exec(
            "DELETE FROM push_subscriptions WHERE id = $1",
            &[Arg::I(id)],
        )
        .await?;
        tx.commit().await
    }
}
