//! Subscribers of status pages.

use crate::read::Row;
use crate::write::Arg;
use crate::{Store, StoreError, StoreResult, ms};
use debrief_core::Timestamp;
use serde::Serialize;

/// A subscriber of a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subscriber {
    /// Its number.
    pub id: i64,
    /// The page.
    pub page_id: i64,
    /// `email` or `webhook`.
    pub kind: String,
    /// The e-mail address or the webhook URL.
    pub address: String,
    /// A webhook's contact: the e-mail address that confirmed it and hears when its deliveries
    /// keep failing (`None` for e-mail subscribers, and webhooks made before contacts existed).
    pub contact_email: Option<String>,
    /// The components it follows (all when empty).
    pub components: Vec<i64>,
    /// When it (a webhook: its contact) confirmed.
    #[serde(with = "debrief_core::ts_opt")]
    pub confirmed_at: Option<Timestamp>,
    /// When it unsubscribed.
    #[serde(with = "debrief_core::ts_opt")]
    pub unsubscribed_at: Option<Timestamp>,
    /// When it subscribed (or last asked again).
    #[serde(with = "debrief_core::ts")]
    pub created_at: Timestamp,
    /// The token of its one-click unsubscribe link (it can only unsubscribe, so it is kept as
    /// is, to be put in every notification).
    #[serde(skip)]
    pub unsubscribe_token: String,
}

const SUBSCRIBER_COLUMNS: &str = "id, page_id, kind, address, components, confirmed_at, unsubscribed_at, \
     unsubscribe_token, created_at, contact_email";

fn subscriber_from(r: &Row) -> StoreResult<Subscriber> {
    Ok(Subscriber {
        id: r.get("id")?,
        page_id: r.get("page_id")?,
        kind: r.get("kind")?,
        address: r.get("address")?,
        components: r.json("components")?,
        confirmed_at: r.opt_time("confirmed_at")?,
        unsubscribed_at: r.opt_time("unsubscribed_at")?,
        unsubscribe_token: r.get("unsubscribe_token")?,
        created_at: r.time("created_at")?,
        contact_email: r.opt("contact_email")?,
    })
}

impl Store {
    /// Adds a subscriber, or renews an unconfirmed or unsubscribed one with new tokens; `None`
    /// when it is already subscribed and confirmed (nothing changes).
    pub async fn subscribe(
        &self,
        s: &Subscriber,
        confirm_token_hash: Option<&str>,
        now: Timestamp,
    ) -> StoreResult<Option<Subscriber>> {
        let components = serde_json::to_string(&s.components).expect("ids serialize");
        let mut tx = self.begin_write().await?;
        let existing = tx
            .int(
                "SELECT id FROM subscribers WHERE page_id = $1 AND kind = $2 AND address = $3 \
                 AND confirmed_at IS NOT NULL AND unsubscribed_at IS NULL",
                &[Arg::I(s.page_id), Arg::S(&s.kind), Arg::S(&s.address)],
            )
            .await?;
        if existing.is_some() {
            tx.commit().await?;
            return Ok(None);
        }
        tx.exec(
            "DELETE FROM subscribers WHERE page_id = $1 AND kind = $2 AND address = $3",
            &[Arg::I(s.page_id), Arg::S(&s.kind), Arg::S(&s.address)],
        )
        .await?;
        let confirmed = s.confirmed_at.map(ms);
        let id = tx
            .int(
                "INSERT INTO subscribers (page_id, kind, address, components, confirm_token_hash, \
                 unsubscribe_token, confirmed_at, created_at, contact_email) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                &[
                    Arg::I(s.page_id),
                    Arg::S(&s.kind),
                    Arg::S(&s.address),
                    Arg::S(&components),
                    Arg::OS(confirm_token_hash),
                    Arg::S(&s.unsubscribe_token),
                    Arg::OI(confirmed),
                    Arg::I(ms(now)),
                    Arg::OS(s.contact_email.as_deref()),
                ],
            )
            .await?
            .ok_or_else(|| StoreError::Other("no id for the subscriber".into()))?;
        tx.commit().await?;
        Ok(Some(Subscriber {
            id,
            created_at: now,
            ..s.clone()
        }))
    }

    /// Confirms the subscriber with this confirmation token hash; `false` when none matches.
    pub async fn confirm_subscriber(&self, token_hash: &str, now: Timestamp) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let n = tx
            .exec(
                "UPDATE subscribers SET confirmed_at = $1, confirm_token_hash = NULL \
                 WHERE confirm_token_hash = $2 AND unsubscribed_at IS NULL",
                &[Arg::I(ms(now)), Arg::S(token_hash)],
            )
            .await?;
        tx.commit().await?;
        Ok(n > 0)
    }

    /// Unsubscribes the subscriber with this unsubscribe token; `false` when none matches.
    pub async fn unsubscribe(&self, token: &str, now: Timestamp) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let n = tx
            .exec(
                "UPDATE subscribers SET unsubscribed_at = COALESCE(unsubscribed_at, $1) \
                 WHERE unsubscribe_token = $2",
                &[Arg::I(ms(now)), Arg::S(token)],
            )
            .await?;
        tx.commit().await?;
        Ok(n > 0)
    }

    /// A page's confirmed, subscribed subscribers.
    pub async fn active_subscribers(&self, page_id: i64) -> StoreResult<Vec<Subscriber>> {
        let sql = format!(
            "SELECT {SUBSCRIBER_COLUMNS} FROM subscribers WHERE page_id = $1 \
             AND confirmed_at IS NOT NULL AND unsubscribed_at IS NULL ORDER BY id"
        );
        self.read_rows(&sql, &[Arg::I(page_id)])
            .await?
            .iter()
            .map(subscriber_from)
            .collect()
    }

    /// One subscriber, whatever its state.
    pub async fn subscriber(&self, id: i64) -> StoreResult<Subscriber> {
        let sql = format!("SELECT {SUBSCRIBER_COLUMNS} FROM subscribers WHERE id = $1");
        self.read_rows(&sql, &[Arg::I(id)])
            .await?
            .first()
            .ok_or_else(|| StoreError::NotFound(format!("subscriber {id}")))
            .and_then(subscriber_from)
    }

    /// Every subscriber of a page (for admins).
    pub async fn subscribers(&self, page_id: i64) -> StoreResult<Vec<Subscriber>> {
        let sql =
            format!("SELECT {SUBSCRIBER_COLUMNS} FROM subscribers WHERE page_id = $1 ORDER BY id");
        self.read_rows(&sql, &[Arg::I(page_id)])
            .await?
            .iter()
            .map(subscriber_from)
            .collect()
    }

    /// Removes a subscriber of a page (admins): it gets nothing more. Its deliveries not sent yet
    /// (queued, or failed and waiting for a retry), the jobs whose keys match one of
    /// `pending_keys` (SQL `LIKE` patterns), become `dead` with the reason, in the same
    /// transaction. `NotFound` when the page has no such subscriber.
    pub async fn remove_subscriber(
        &self,
        page_id: i64,
        id: i64,
        pending_keys: &[&str],
        now: Timestamp,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let n = tx
            .exec(
                "DELETE FROM subscribers WHERE id = $1 AND page_id = $2",
                &[Arg::I(id), Arg::I(page_id)],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("subscriber {id}")));
        }
        for key in pending_keys {
            tx.exec(
                "UPDATE jobs SET status = 'dead', last_error = 'the subscriber was removed', \
                 locked_until = NULL, updated_at = $1 \
                 WHERE status IN ('queued', 'failed') AND dedupe_key LIKE $2",
                &[Arg::I(ms(now)), Arg::S(key)],
            )
            .await?;
        }
        tx.commit().await
    }

    /// The keys and statuses of the jobs that failed (and wait for a retry) or are dead, among
    /// those whose keys match one of `keys` (SQL `LIKE` patterns). Cheap: failing jobs are few,
    /// and found through the jobs' status index.
    pub async fn failing_jobs(&self, keys: &[&str]) -> StoreResult<Vec<(String, String)>> {
        let mut out = Vec::new();
        for key in keys {
            let rows = self
                .read_rows(
                    "SELECT dedupe_key, status FROM jobs WHERE status IN ('failed', 'dead') \
                     AND dedupe_key LIKE $1",
                    &[Arg::S(key)],
                )
                .await?;
            for r in &rows {
                out.push((r.get("dedupe_key")?, r.get("status")?));
            }
        }
        Ok(out)
    }
}
