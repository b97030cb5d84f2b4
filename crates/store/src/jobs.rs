//! The durable job queue, and where outgoing webhooks go.
//!
//! A job is a row of `jobs`: a kind (`email`, `webhook`, …), a JSON payload, and a
//! `dedupe_key` that is unique for ever, so enqueuing the same key twice (a scheduler that runs
//! again after a restart, two servers deciding the same reminder) stores it once and runs it
//! once. Enqueue inside another write with `enqueue_in`, so a domain change and the jobs it
//! causes commit together.
//!
//! Workers [`Store::claim_jobs`]: due jobs become `running` with a lease (`locked_until`), and
//! `attempts` goes up by one. On PostgreSQL the claim locks rows with `FOR UPDATE SKIP LOCKED`,
//! so servers sharing the database never claim the same job; on SQLite the one writer makes the
//! plain `UPDATE … RETURNING` safe. A worker that dies mid-job leaves a lease that expires, and
//! the job is claimed again. `(id, attempts)` names one run: [`Store::complete_job`] and
//! [`Store::fail_job`] only act on the run they were given, so a worker that outlived its lease
//! cannot finish a job someone else has claimed since.
//!
//! Statuses: `queued` → `running` → `done`, or `failed` (it will run again at `run_at`), or
//! `dead` (it gave up; an admin may [`Store::retry_job`]).

use crate::read::Row;
use crate::write::{Arg, WriteTx};
use crate::{Store, StoreError, StoreResult, ms};
use debrief_core::Timestamp;
use serde::Serialize;
use std::time::Duration;

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Waiting for `run_at`.
    Queued,
    /// Claimed by a worker, until its lease ends.
    Running,
    /// Done; never run again.
    Done,
    /// Failed at least once; runs again at `run_at`.
    Failed,
    /// Gave up (attempts exhausted, or a failure that retrying cannot fix).
    Dead,
}

impl JobStatus {
    /// Every status, in life order.
    pub const ALL: [JobStatus; 5] = [
        JobStatus::Queued,
        JobStatus::Running,
        JobStatus::Done,
        JobStatus::Failed,
        JobStatus::Dead,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
            JobStatus::Dead => "dead",
        }
    }
}

impl std::str::FromStr for JobStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        JobStatus::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| {
                format!("unknown status '{s}'; use queued, running, done, failed or dead")
            })
    }
}

/// A job to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob {
    /// What runs it (`email`, `webhook`, …).
    pub kind: String,
    /// Unique for ever: a second job with the same key is not stored.
    pub dedupe_key: String,
    /// When it may run first.
    pub run_at: Timestamp,
    /// What the job needs, as JSON.
    pub payload: serde_json::Value,
    /// How many runs before it is dead.
    pub max_attempts: i64,
    /// How long a worker holds it before another may claim it again (`None`: the server's
    /// default lease).
    pub lease: Option<Duration>,
}

/// A stored job.
#[derive(Debug, Clone, Serialize)]
pub struct Job {
    /// Id.
    pub id: i64,
    /// What runs it.
    pub kind: String,
    /// Its unique key.
    pub dedupe_key: String,
    /// What the job needs.
    pub payload: serde_json::Value,
    /// Where it is.
    pub status: JobStatus,
    /// How many times it was claimed (the current run's number while `running`).
    pub attempts: i64,
    /// How many runs before it is dead.
    pub max_attempts: i64,
    /// When it runs (next).
    #[serde(with = "debrief_core::ts")]
    pub run_at: Timestamp,
    /// While running: when the lease ends.
    #[serde(with = "debrief_core::ts_opt")]
    pub locked_until: Option<Timestamp>,
    /// Why the last run failed.
    pub last_error: Option<String>,
    /// Enqueued.
    #[serde(with = "debrief_core::ts")]
    pub created_at: Timestamp,
    /// Last changed.
    #[serde(with = "debrief_core::ts")]
    pub updated_at: Timestamp,
    /// When it was done.
    #[serde(with = "debrief_core::ts_opt")]
    pub done_at: Option<Timestamp>,
}

/// The columns [`job_from`] reads by name.
const JOB_COLUMNS: &str = "id, kind, dedupe_key, payload, status, attempts, max_attempts, run_at, \
     locked_until, last_error, created_at, updated_at, done_at";

fn job_from(r: &Row) -> StoreResult<Job> {
    Ok(Job {
        id: r.get("id")?,
        kind: r.get("kind")?,
        dedupe_key: r.get("dedupe_key")?,
        payload: r.json("payload")?,
        status: r.parse("status")?,
        attempts: r.get("attempts")?,
        max_attempts: r.get("max_attempts")?,
        run_at: r.time("run_at")?,
        locked_until: r.opt_time("locked_until")?,
        last_error: r.opt("last_error")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
        done_at: r.opt_time("done_at")?,
    })
}

/// Which jobs to list: newest first.
#[derive(Debug, Clone, Default)]
pub struct JobFilter {
    /// Only this status.
    pub status: Option<JobStatus>,
    /// Only this kind.
    pub kind: Option<String>,
    /// Only ids below this one (the cursor of the next page).
    pub before: Option<i64>,
    /// At most this many.
    pub limit: i64,
}

/// Where outgoing webhooks go.
#[derive(Debug, Clone, Serialize)]
pub struct WebhookEndpoint {
    /// Id.
    pub id: i64,
    /// The URL deliveries are POSTed to.
    pub url: String,
    /// The signing secret: never serialized (the API shows it once, on creation).
    #[serde(skip)]
    pub secret: String,
    /// Event names it receives (`*`: every event).
    pub events: Vec<String>,
    /// Inactive endpoints receive nothing.
    pub active: bool,
    /// Created.
    #[serde(with = "debrief_core::ts")]
    pub created_at: Timestamp,
}

impl WebhookEndpoint {
    /// Whether the endpoint receives `event`.
    pub fn wants(&self, event: &str) -> bool {
        self.active && self.events.iter().any(|e| e == "*" || e == event)
    }
}

fn endpoint_from(r: &Row) -> StoreResult<WebhookEndpoint> {
    Ok(WebhookEndpoint {
        id: r.get("id")?,
        url: r.get("url")?,
        secret: r.get("secret")?,
        events: r.json("events")?,
        active: r.get("active")?,
        created_at: r.time("created_at")?,
    })
}

/// A webhook endpoint to create.
#[derive(Debug, Clone)]
pub struct NewWebhookEndpoint {
    /// The URL.
    pub url: String,
    /// The signing secret.
    pub secret: String,
    /// Event names (`*`: every event).
    pub events: Vec<String>,
}

/// Enqueues a job inside a write transaction of the store, so it commits (or not) with the change
/// that caused it. Returns its id, or `None` when a job with the same `dedupe_key` exists.
pub(crate) async fn enqueue_in(
    tx: &mut WriteTx,
    job: &NewJob,
    now: Timestamp,
) -> StoreResult<Option<i64>> {
    let payload = serde_json::to_string(&job.payload).expect("JSON serializes");
    tx.int(
        "INSERT INTO jobs (kind, dedupe_key, payload, status, attempts, max_attempts, run_at, \
         created_at, updated_at, lease_ms) VALUES ($1, $2, $3, 'queued', 0, $4, $5, $6, $6, $7) \
         ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
        &[
            Arg::S(&job.kind),
            Arg::S(&job.dedupe_key),
            Arg::S(&payload),
            Arg::I(job.max_attempts.max(1)),
            Arg::I(ms(job.run_at)),
            Arg::I(ms(now)),
            Arg::OI(
                job.lease
                    .map(|l| i64::try_from(l.as_millis()).unwrap_or(i64::MAX)),
            ),
        ],
    )
    .await
}

impl Store {
    /// Enqueues jobs in one transaction; for each, its id or `None` when its `dedupe_key` was
    /// already taken (then nothing is stored for it).
    pub async fn enqueue_jobs(
        &self,
        jobs: &[NewJob],
        now: Timestamp,
    ) -> StoreResult<Vec<Option<i64>>> {
        let mut tx = self.begin_write().await?;
        let mut ids = Vec::with_capacity(jobs.len());
        for job in jobs {
            ids.push(enqueue_in(&mut tx, job, now).await?);
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// Enqueues a job; its id, or `None` when its `dedupe_key` was already taken.
    pub async fn enqueue_job(&self, job: &NewJob, now: Timestamp) -> StoreResult<Option<i64>> {
        Ok(self
            .enqueue_jobs(std::slice::from_ref(job), now)
            .await?
            .pop()
            .flatten())
    }

    /// Whether some job is due (a cheap read, so idle workers do not take the write lock).
    pub async fn has_due_jobs(&self, now: Timestamp) -> StoreResult<bool> {
        let rows = self
            .read_rows(
                "SELECT 1 AS one FROM jobs WHERE (status IN ('queued', 'failed') AND run_at <= $1) \
                 OR (status = 'running' AND locked_until <= $1) LIMIT 1",
                &[Arg::I(ms(now))],
            )
            .await?;
        Ok(!rows.is_empty())
    }

    /// Claims up to `limit` due jobs (queued or failed ones whose time has come, and running ones
    /// whose lease ended), earliest first, for `lease`. Each comes back `running`, with
    /// `attempts` counting this run.
    pub async fn claim_jobs(
        &self,
        now: Timestamp,
        lease: Duration,
        limit: i64,
    ) -> StoreResult<Vec<Job>> {
        let claim = match self.backend() {
            crate::Backend::Sqlite => crate::sqlite::CLAIM_JOBS,
            crate::Backend::Postgres => crate::postgres::CLAIM_JOBS,
        };
        let until = ms(now).saturating_add(i64::try_from(lease.as_millis()).unwrap_or(i64::MAX));
        let mut tx = self.begin_write().await?;
        // A job whose worker died on its last attempt is not run again: a job that crashes the
        // server would otherwise crash every server, one lease after the other.
        tx.exec(
            "UPDATE jobs SET status = 'dead', locked_until = NULL, updated_at = $1, \
             last_error = 'the server running its last attempt stopped before it finished' \
             WHERE status = 'running' AND locked_until <= $1 AND attempts >= max_attempts",
            &[Arg::I(ms(now))],
        )
        .await?;
        let rows = tx
            .rows(claim, &[Arg::I(ms(now)), Arg::I(until), Arg::I(limit)])
            .await?;
        tx.commit().await?;
        let mut jobs: Vec<Job> = rows.iter().map(job_from).collect::<StoreResult<_>>()?;
        jobs.sort_by_key(|j| (j.run_at, j.id));
        Ok(jobs)
    }

    /// Marks run `attempt` of a job done; `false` when that run no longer holds the job (its
    /// lease ended and another worker claimed it).
    pub async fn complete_job(&self, id: i64, attempt: i64, now: Timestamp) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let n = tx
            .exec(
                "UPDATE jobs SET status = 'done', done_at = $3, updated_at = $3, locked_until = NULL \
                 WHERE id = $1 AND attempts = $2 AND status = 'running'",
                &[Arg::I(id), Arg::I(attempt), Arg::I(ms(now))],
            )
            .await?;
        tx.commit().await?;
        Ok(n == 1)
    }

    /// Records that run `attempt` of a job failed with `error`. With `retry_at` and attempts
    /// left, the job is `failed` and runs again then; otherwise it is `dead`. Returns the new
    /// status, or `None` when that run no longer holds the job.
    pub async fn fail_job(
        &self,
        id: i64,
        attempt: i64,
        error: &str,
        retry_at: Option<Timestamp>,
        now: Timestamp,
    ) -> StoreResult<Option<JobStatus>> {
        let mut tx = self.begin_write().await?;
        let status = tx
            .int(
                "UPDATE jobs SET status = CASE WHEN CAST($4 AS BIGINT) IS NULL \
                 OR attempts >= max_attempts THEN 'dead' ELSE 'failed' END, \
                 run_at = COALESCE(CAST($4 AS BIGINT), run_at), last_error = $3, \
                 locked_until = NULL, updated_at = $5 \
                 WHERE id = $1 AND attempts = $2 AND status = 'running' \
                 RETURNING CASE WHEN status = 'dead' THEN 1 ELSE 0 END AS dead",
                &[
                    Arg::I(id),
                    Arg::I(attempt),
                    Arg::S(error),
                    Arg::OI(retry_at.map(ms)),
                    Arg::I(ms(now)),
                ],
            )
            .await?;
        tx.commit().await?;
        Ok(status.map(|dead| {
            if dead == 1 {
                JobStatus::Dead
            } else {
                JobStatus::Failed
            }
        }))
    }

    /// Puts a running job off until `run_at` without spending an attempt: for a job held back
    /// by someone else's limit (Slack's `429` with `Retry-After`), which has not failed. Returns
    /// whether this worker still held the job.
    pub async fn postpone_job(
        &self,
        id: i64,
        attempt: i64,
        reason: &str,
        run_at: Timestamp,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let n = tx
            .exec(
                "UPDATE jobs SET status = 'queued', attempts = attempts - 1, run_at = $4, \
                 last_error = $3, locked_until = NULL, updated_at = $5 \
                 WHERE id = $1 AND attempts = $2 AND status = 'running'",
                &[
                    Arg::I(id),
                    Arg::I(attempt),
                    Arg::S(reason),
                    Arg::I(ms(run_at)),
                    Arg::I(ms(now)),
                ],
            )
            .await?;
        tx.commit().await?;
        Ok(n == 1)
    }

    /// A job by id.
    pub async fn job(&self, id: i64) -> StoreResult<Job> {
        let rows = self
            .read_rows(
                &format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1"),
                &[Arg::I(id)],
            )
            .await?;
        rows.first()
            .ok_or_else(|| StoreError::NotFound(format!("delivery {id}")))
            .and_then(job_from)
    }

    /// Jobs matching a filter, newest first.
    pub async fn list_jobs(&self, f: &JobFilter) -> StoreResult<Vec<Job>> {
        let rows = self
            .read_rows(
                &format!(
                    "SELECT {JOB_COLUMNS} FROM jobs WHERE (CAST($1 AS TEXT) IS NULL OR status = $1) \
                     AND (CAST($2 AS TEXT) IS NULL OR kind = $2) \
                     AND (CAST($3 AS BIGINT) IS NULL OR id < $3) ORDER BY id DESC LIMIT $4"
                ),
                &[
                    Arg::OS(f.status.map(JobStatus::as_str)),
                    Arg::OS(f.kind.as_deref()),
                    Arg::OI(f.before),
                    Arg::I(f.limit.max(1)),
                ],
            )
            .await?;
        rows.iter().map(job_from).collect()
    }

    /// Runs a `failed` or `dead` job again now. A dead job gets one more attempt (or the ones it
    /// had left, when it died early); a job that is queued, running or done is a `Conflict`.
    pub async fn retry_job(&self, id: i64, now: Timestamp) -> StoreResult<Job> {
        let mut tx = self.begin_write().await?;
        let n = tx
            .exec(
                "UPDATE jobs SET max_attempts = CASE WHEN status = 'dead' AND attempts >= max_attempts \
                 THEN attempts + 1 ELSE max_attempts END, \
                 status = 'queued', run_at = $2, updated_at = $2, locked_until = NULL \
                 WHERE id = $1 AND status IN ('failed', 'dead')",
                &[Arg::I(id), Arg::I(ms(now))],
            )
            .await?;
        tx.commit().await?;
        let job = self.job(id).await?;
        if n == 0 {
            return Err(StoreError::Conflict(format!(
                "delivery {id} is {}; only failed or dead deliveries can be retried",
                job.status.as_str()
            )));
        }
        Ok(job)
    }

    /// Creates a webhook endpoint.
    pub async fn create_webhook_endpoint(
        &self,
        new: &NewWebhookEndpoint,
        now: Timestamp,
    ) -> StoreResult<WebhookEndpoint> {
        let events = serde_json::to_string(&new.events).expect("strings serialize");
        let mut tx = self.begin_write().await?;
        let id = tx
            .int(
                "INSERT INTO webhook_endpoints (url, secret, events, active, created_at) \
                 VALUES ($1, $2, $3, 1, $4) RETURNING id",
                &[
                    Arg::S(&new.url),
                    Arg::S(&new.secret),
                    Arg::S(&events),
                    Arg::I(ms(now)),
                ],
            )
            .await?
            .ok_or_else(|| StoreError::Other("an insert returned no id".into()))?;
        tx.commit().await?;
        Ok(WebhookEndpoint {
            id,
            url: new.url.clone(),
            secret: new.secret.clone(),
            events: new.events.clone(),
            active: true,
            created_at: now,
        })
    }

    /// Every webhook endpoint, oldest first.
    pub async fn list_webhook_endpoints(&self) -> StoreResult<Vec<WebhookEndpoint>> {
        let rows = self
            .read_rows(
                "SELECT id, url, secret, events, active, created_at FROM webhook_endpoints ORDER BY id",
                &[],
            )
            .await?;
        rows.iter().map(endpoint_from).collect()
    }

    /// A webhook endpoint by id.
    pub async fn webhook_endpoint(&self, id: i64) -> StoreResult<WebhookEndpoint> {
        let rows = self
            .read_rows(
                "SELECT id, url, secret, events, active, created_at FROM webhook_endpoints WHERE id = $1",
                &[Arg::I(id)],
            )
            .await?;
        rows.first()
            .ok_or_else(|| StoreError::NotFound(format!("webhook {id}")))
            .and_then(endpoint_from)
    }

    /// Deletes a webhook endpoint. Deliveries still queued for it die with a reason when they run.
    pub async fn delete_webhook_endpoint(&self, id: i64) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let n = tx
            .exec("DELETE FROM webhook_endpoints WHERE id = $1", &[Arg::I(id)])
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("webhook {id}")));
        }
        tx.commit().await
    }
}
