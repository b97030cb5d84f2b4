//! Pages, their level firings and their notifications.
//!
//! Opening a page writes it with the job of its first level firing, in one transaction. A
//! firing job writes the firing (`page_firings`, unique by page, pass and level), the contacts
//! it makes (`page_notifications`, unique by page, pass, level, user and channel) with their
//! send jobs, and the next firing's job, in one transaction: when a job runs again after a
//! crash, the firing is already there and nothing is written twice.

use super::types::*;
use crate::jobs::{NewJob, enqueue_in};
use crate::read::Row;
use crate::write::Arg;
use crate::{Store, StoreError, StoreResult, ms};
use debrief_core::Timestamp;

const PAGE_COLUMNS: &str = "id, policy_id, policy, title, details, service, team, incident_id, \
     alert_id, status, opened_at, opened_by, acknowledged_at, acknowledged_by, resolved_at, \
     resolved_by, updated_at";
const NOTIFICATION_COLUMNS: &str = "id, page_id, user_id, pass, level, channel, due_at, status, \
     attempts, sent_at, error, updated_at";

fn page_of(r: &Row) -> StoreResult<Page> {
    Ok(Page {
        id: r.get("id")?,
        policy_id: r.opt("policy_id")?,
        policy: r.json("policy")?,
        title: r.get("title")?,
        details: r.json("details")?,
        service: r.opt("service")?,
        team: r.opt("team")?,
        incident_id: r.opt("incident_id")?,
        alert_id: r.opt("alert_id")?,
        status: r.parse("status")?,
        opened_at: r.time("opened_at")?,
        opened_by: r.opt("opened_by")?,
        acknowledged_at: r.opt_time("acknowledged_at")?,
        acknowledged_by: r.opt("acknowledged_by")?,
        resolved_at: r.opt_time("resolved_at")?,
        resolved_by: r.opt("resolved_by")?,
        updated_at: r.time("updated_at")?,
    })
}

fn notification_of(r: &Row) -> StoreResult<Notification> {
    let pass: i64 = r.get("pass")?;
    let level: i64 = r.get("level")?;
    Ok(Notification {
        id: r.get("id")?,
        page_id: r.get("page_id")?,
        user_id: r.get("user_id")?,
        pass: u32::try_from(pass).unwrap_or(0),
        level: u32::try_from(level).unwrap_or(0),
        channel: r.get("channel")?,
        due_at: r.time("due_at")?,
        status: r.get("status")?,
        attempts: r.get("attempts")?,
        sent_at: r.opt_time("sent_at")?,
        error: r.opt("error")?,
        updated_at: r.time("updated_at")?,
    })
}

/// Which pages to list.
#[derive(Debug, Clone, Default)]
pub struct PageFilter {
    /// Only these statuses (none: all).
    pub statuses: Vec<PageStatus>,
    /// Only pages that notified this user.
    pub user_id: Option<i64>,
    /// Only pages of this incident.
    pub incident_id: Option<i64>,
    /// Only pages older than this id (the next page of results).
    pub before: Option<i64>,
    /// At most this many.
    pub limit: i64,
}

/// What acknowledging or resolving a page did.
#[derive(Debug, Clone)]
pub enum PageChange {
    /// Done: the page as it is now.
    Done(Page),
    /// Nothing to do: the page was already there (acknowledged, or resolved).
    Already(Page),
    /// The link was used before.
    LinkUsed,
}

impl Store {
    /// Opens a page with the job of its first level firing. `None` when the alert (or, for
    /// pages Debrief opens itself, the incident with this policy) already has a page.
    pub async fn open_page(
        &self,
        new: &NewPage,
        first_job: impl FnOnce(i64) -> NewJob,
        now: Timestamp,
    ) -> StoreResult<Option<Page>> {
        let policy = serde_json::to_string(&new.policy).expect("a policy serializes");
        let details = serde_json::to_string(&new.details).expect("JSON serializes");
        let mut tx = self.begin_write().await?;
        let id = tx
            .int(
                "INSERT INTO pages (policy_id, policy, title, details, service, team, incident_id, \
                 alert_id, status, opened_at, opened_by, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'triggered', $9, $10, $9) \
                 ON CONFLICT DO NOTHING RETURNING id",
                &[
                    Arg::OI(new.policy_id),
                    Arg::S(&policy),
                    Arg::S(&new.title),
                    Arg::S(&details),
                    Arg::OS(new.service.as_deref()),
                    Arg::OS(new.team.as_deref()),
                    Arg::OI(new.incident_id),
                    Arg::OI(new.alert_id),
                    Arg::I(ms(now)),
                    Arg::OI(new.opened_by),
                ],
            )
            .await?;
        let Some(id) = id else {
            return Ok(None);
        };
        enqueue_in(&mut tx, &first_job(id), now).await?;
        tx.commit().await?;
        self.oncall_page(id).await.map(Some)
    }

    /// One page.
    pub async fn oncall_page(&self, id: i64) -> StoreResult<Page> {
        let sql = format!("SELECT {PAGE_COLUMNS} FROM pages WHERE id = $1");
        self.read_row(&sql, &[Arg::I(id)])
            .await?
            .as_ref()
            .map(page_of)
            .transpose()?
            .ok_or_else(|| StoreError::NotFound(format!("page {id}")))
    }

    /// Pages, newest first.
    pub async fn oncall_pages(&self, f: &PageFilter) -> StoreResult<Vec<Page>> {
        let mut clauses: Vec<String> = Vec::new();
        let mut args: Vec<Arg<'_>> = Vec::new();
        if !f.statuses.is_empty() {
            let mut ps = Vec::new();
            for s in &f.statuses {
                args.push(Arg::S(s.as_str()));
                ps.push(format!("${}", args.len()));
            }
            clauses.push(format!("status IN ({})", ps.join(", ")));
        }
        if let Some(u) = f.user_id {
            args.push(Arg::I(u));
            clauses.push(format!(
                "id IN (SELECT page_id FROM page_notifications WHERE user_id = ${})",
                args.len()
            ));
        }
        if let Some(i) = f.incident_id {
            args.push(Arg::I(i));
            clauses.push(format!("incident_id = ${}", args.len()));
        }
        if let Some(b) = f.before {
            args.push(Arg::I(b));
            clauses.push(format!("id < ${}", args.len()));
        }
        args.push(Arg::I(f.limit.clamp(1, 500)));
        let filter = if clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", clauses.join(" AND "))
        };
        let sql = format!(
            "SELECT {PAGE_COLUMNS} FROM pages {filter} ORDER BY id DESC LIMIT ${}",
            args.len()
        );
        self.read_rows(&sql, &args)
            .await?
            .iter()
            .map(page_of)
            .collect()
    }

    /// The pages of an incident that are not resolved.
    pub async fn open_pages_of_incident(&self, incident_id: i64) -> StoreResult<Vec<Page>> {
        let sql = format!(
            "SELECT {PAGE_COLUMNS} FROM pages WHERE incident_id = $1 AND status <> 'resolved' ORDER BY id"
        );
        self.read_rows(&sql, &[Arg::I(incident_id)])
            .await?
            .iter()
            .map(page_of)
            .collect()
    }

    /// The page an alert opened, if any.
    pub async fn page_of_alert(&self, alert_id: i64) -> StoreResult<Option<Page>> {
        let sql = format!("SELECT {PAGE_COLUMNS} FROM pages WHERE alert_id = $1");
        self.read_row(&sql, &[Arg::I(alert_id)])
            .await?
            .as_ref()
            .map(page_of)
            .transpose()
    }

    /// Acknowledges (`resolve` false) or resolves a page at `now` by `user`. With a link's
    /// `nonce`, the link is used up in the same transaction (a used link changes nothing).
    pub async fn change_page(
        &self,
        id: i64,
        resolve: bool,
        user: Option<i64>,
        link: Option<(&str, i64)>,
        now: Timestamp,
    ) -> StoreResult<PageChange> {
        let mut tx = self.begin_write().await?;
        if let Some((nonce, link_user)) = link {
            let fresh = tx
                .int(
                    "INSERT INTO page_link_uses (nonce, page_id, user_id, action, used_at) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING 1",
                    &[
                        Arg::S(nonce),
                        Arg::I(id),
                        Arg::I(link_user),
                        Arg::S(if resolve { "resolve" } else { "acknowledge" }),
                        Arg::I(ms(now)),
                    ],
                )
                .await?;
            if fresh.is_none() {
                return Ok(PageChange::LinkUsed);
            }
        }
        let n = if resolve {
            tx.exec(
                "UPDATE pages SET status = 'resolved', resolved_at = $1, resolved_by = $2, \
                 updated_at = $1 WHERE id = $3 AND status <> 'resolved'",
                &[Arg::I(ms(now)), Arg::OI(user), Arg::I(id)],
            )
            .await?
        } else {
            tx.exec(
                "UPDATE pages SET status = 'acknowledged', acknowledged_at = $1, \
                 acknowledged_by = $2, updated_at = $1 WHERE id = $3 AND status = 'triggered'",
                &[Arg::I(ms(now)), Arg::OI(user), Arg::I(id)],
            )
            .await?
        };
        if n > 0 {
            // Contacts not yet made are skipped now, so the page says so at once.
            tx.exec(
                "UPDATE page_notifications SET status = 'skipped', error = $1, updated_at = $2 \
                 WHERE page_id = $3 AND status = 'queued' AND due_at >= $2",
                &[
                    Arg::S(if resolve {
                        "the page was resolved first"
                    } else {
                        "the page was acknowledged first"
                    }),
                    Arg::I(ms(now)),
                    Arg::I(id),
                ],
            )
            .await?;
        }
        tx.commit().await?;
        let page = self.oncall_page(id).await?;
        Ok(if n > 0 {
            PageChange::Done(page)
        } else {
            PageChange::Already(page)
        })
    }

    /// Records a level firing, the contacts it makes and the jobs that make them (with the
    /// next firing's job), in one transaction. `false` (nothing written) when this firing was
    /// recorded before.
    pub async fn record_firing(
        &self,
        firing: &FiringRow,
        contacts: &[NewNotification],
        jobs: &[NewJob],
        now: Timestamp,
    ) -> StoreResult<bool> {
        let users = serde_json::to_string(&firing.users).expect("ids serialize");
        let mut tx = self.begin_write().await?;
        let fresh = tx
            .int(
                "INSERT INTO page_firings (page_id, pass, level, at, users, note) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING 1",
                &[
                    Arg::I(firing.page_id),
                    Arg::I(i64::from(firing.pass)),
                    Arg::I(i64::from(firing.level)),
                    Arg::I(ms(firing.at)),
                    Arg::S(&users),
                    Arg::S(&firing.note),
                ],
            )
            .await?;
        if fresh.is_none() {
            return Ok(false);
        }
        for c in contacts {
            tx.exec(
                "INSERT INTO page_notifications (page_id, user_id, pass, level, channel, due_at, \
                 status, attempts, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'queued', 0, $7) \
                 ON CONFLICT DO NOTHING",
                &[
                    Arg::I(firing.page_id),
                    Arg::I(c.user_id),
                    Arg::I(i64::from(firing.pass)),
                    Arg::I(i64::from(firing.level)),
                    Arg::S(&c.channel),
                    Arg::I(ms(c.due_at)),
                    Arg::I(ms(now)),
                ],
            )
            .await?;
        }
        for j in jobs {
            enqueue_in(&mut tx, j, now).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// The level firings of a page, in order.
    pub async fn firings(&self, page_id: i64) -> StoreResult<Vec<FiringRow>> {
        let rows = self
            .read_rows(
                "SELECT page_id, pass, level, at, users, note FROM page_firings WHERE page_id = $1 \
                 ORDER BY at, pass, level",
                &[Arg::I(page_id)],
            )
            .await?;
        rows.iter()
            .map(|r| {
                let pass: i64 = r.get("pass")?;
                let level: i64 = r.get("level")?;
                Ok(FiringRow {
                    page_id: r.get("page_id")?,
                    pass: u32::try_from(pass).unwrap_or(0),
                    level: u32::try_from(level).unwrap_or(0),
                    at: r.time("at")?,
                    users: r.json("users")?,
                    note: r.get("note")?,
                })
            })
            .collect()
    }

    /// The notifications of a page, in due order.
    pub async fn notifications(&self, page_id: i64) -> StoreResult<Vec<Notification>> {
        let sql = format!(
            "SELECT {NOTIFICATION_COLUMNS} FROM page_notifications WHERE page_id = $1 ORDER BY due_at, id"
        );
        self.read_rows(&sql, &[Arg::I(page_id)])
            .await?
            .iter()
            .map(notification_of)
            .collect()
    }

    /// One notification by its id.
    pub async fn notification(&self, id: i64) -> StoreResult<Notification> {
        let sql = format!("SELECT {NOTIFICATION_COLUMNS} FROM page_notifications WHERE id = $1");
        self.read_row(&sql, &[Arg::I(id)])
            .await?
            .as_ref()
            .map(notification_of)
            .transpose()?
            .ok_or_else(|| StoreError::NotFound(format!("notification {id}")))
    }

    /// The notification of a page for a user, channel and firing.
    pub async fn notification_by_key(
        &self,
        page_id: i64,
        pass: u32,
        level: u32,
        user_id: i64,
        channel: &str,
    ) -> StoreResult<Notification> {
        let sql = format!(
            "SELECT {NOTIFICATION_COLUMNS} FROM page_notifications WHERE page_id = $1 AND pass = $2 \
             AND level = $3 AND user_id = $4 AND channel = $5"
        );
        self.read_row(
            &sql,
            &[
                Arg::I(page_id),
                Arg::I(i64::from(pass)),
                Arg::I(i64::from(level)),
                Arg::I(user_id),
                Arg::S(channel),
            ],
        )
        .await?
        .as_ref()
        .map(notification_of)
        .transpose()?
        .ok_or_else(|| {
            StoreError::NotFound(format!(
                "notification of page {page_id} for user {user_id} on {channel}"
            ))
        })
    }

    /// Moves a notification to `status` (`sent`, `failed`, `skipped`, `given_up`) with its
    /// reason; `attempted` counts a try (a send that ended so), `sent` records when. `false`
    /// when the notification is already `sent` or `skipped` (nothing changed).
    pub async fn set_notification(
        &self,
        id: i64,
        status: &str,
        error: Option<&str>,
        attempted: bool,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let n = tx
            .exec(
                "UPDATE page_notifications SET status = $1, error = $2, updated_at = $3, \
                 attempts = attempts + $5, \
                 sent_at = CASE WHEN $1 = 'sent' THEN $3 ELSE sent_at END \
                 WHERE id = $4 AND status NOT IN ('sent', 'skipped')",
                &[
                    Arg::S(status),
                    Arg::OS(error),
                    Arg::I(ms(now)),
                    Arg::I(id),
                    Arg::I(i64::from(attempted)),
                ],
            )
            .await?;
        tx.commit().await?;
        Ok(n > 0)
    }

    /// Users with a notification that failed or was given up since `since`, with the latest
    /// reason: for the admins' warning of users nobody can reach.
    pub async fn failing_contacts(&self, since: Timestamp) -> StoreResult<Vec<(i64, String)>> {
        let rows = self
            .read_rows(
                "SELECT user_id, channel, error FROM page_notifications \
                 WHERE status IN ('failed', 'given_up') AND updated_at >= $1 ORDER BY updated_at DESC",
                &[Arg::I(ms(since))],
            )
            .await?;
        let mut out: Vec<(i64, String)> = Vec::new();
        for r in &rows {
            let user: i64 = r.get("user_id")?;
            if out.iter().any(|(u, _)| *u == user) {
                continue;
            }
            let channel: String = r.get("channel")?;
            let error: Option<String> = r.opt("error")?;
            out.push((user, format!("{channel}: {}", error.unwrap_or_default())));
        }
        Ok(out)
    }
}
