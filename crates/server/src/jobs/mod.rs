//! The job runner: e-mail and outgoing webhooks, delivered from the durable job table.
//!
//! Code that wants something sent enqueues a job, and the worker started by [`crate::run`] does
//! the sending, so a slow SMTP server or a dead webhook receiver never slows a request, and
//! nothing is lost when a server restarts: jobs are rows (see `debrief_store::jobs`).
//!
//! Enqueue outside a transaction with [`send_email`] and [`emit_webhook`]. To enqueue in the same
//! transaction as a domain change, build the job with [`email_job`] or [`webhook_event_job`],
//! hand it to the store operation (which calls `debrief_store::jobs::enqueue_in`), and call
//! [`Jobs::wake`] after the commit. Every job has a dedupe key: a second job with the same key
//! (and kind) is not stored, so a reminder enqueued again after a restart is sent once.
//!
//! The worker polls every [`JobsConfig::poll_interval`] (and at once when woken), claims due
//! jobs with a lease, runs them concurrently, and records the outcome. A failure is retried with
//! exponential back-off and jitter until `max_attempts`, then the job is dead; failures that
//! retrying cannot fix (no SMTP configured, a permanent SMTP refusal, a deleted endpoint) are
//! dead at once. Each failure is logged once, with the job's id, kind, attempt and reason, never
//! a secret or a body.
//!
//! What a job does is up to its kind (a `JobKind`): the runner looks the stored kind name up in
//! the `Registry` that `crate::kinds` fills where the server is assembled, so this
//! module knows no domain module (status pages, maintenance, …); they know it.
//!
//! The runner, its kinds and the functions above are generic over the context jobs run with,
//! a [`JobContext`]: the store, the clock, the settings and the [`Jobs`] the context keeps.
//! The server's state (`AppState`) implements it and is what callers pass (`drain(&state)`).
//! So this module never names the state, which keeps a `Jobs` (and a `JobsConfig` and an
//! `SmtpConfig` in its settings), and the server's modules import one another without a
//! circle.
//!
//! # Layout
//! - `kind`: the `JobKind` trait and the registry of kinds.
//! - [`mail`]: `email` jobs over SMTP (lettre), [`SmtpConfig`], [`EmailMessage`].
//! - [`webhook`]: `webhook_event` (fan-out) and `webhook` (one signed POST) jobs.

pub(crate) mod kind;
pub mod mail;
pub mod webhook;

pub(crate) use kind::{JobKind, Registry, new_job};
pub use mail::{Attachment, EmailMessage, SmtpConfig, SmtpSecurity};

use crate::AppError;
use crate::clock::Clock;
use crate::outbound::Outbound;
use debrief_core::Timestamp;
use debrief_core::validation::ValidationError;
use debrief_store::Store;
use debrief_store::jobs::{Job, JobStatus, NewJob};
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// The job kind of an e-mail (`mail::EmailJob`).
pub const EMAIL_KIND: &str = "email";

/// Settings of the job runner.
#[derive(Debug, Clone)]
pub struct JobsConfig {
    /// How often an idle worker looks for due jobs.
    pub poll_interval: Duration,
    /// The first retry's delay; each next one is 4 times longer (30 s, 2 min, 8 min, 32 min, …).
    pub retry_base: Duration,
    /// The longest delay between two attempts.
    pub retry_cap: Duration,
    /// How many attempts a new job gets before it is dead.
    pub max_attempts: i64,
    /// How long a claimed job is reserved; a worker that died is replaced after it. Longer than
    /// any job runs (webhooks time out after `webhook_timeout`, e-mail after 2 min).
    pub lease: Duration,
    /// How long a webhook receiver has to answer.
    pub webhook_timeout: Duration,
    /// How many jobs a worker runs at once.
    pub batch: i64,
    /// How often the reminder scan looks for deadlines to remind people of.
    pub reminder_interval: Duration,
}

impl Default for JobsConfig {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_secs(1),
            retry_base: Duration::from_secs(30),
            retry_cap: Duration::from_secs(6 * 3600),
            max_attempts: 8,
            lease: Duration::from_secs(5 * 60),
            webhook_timeout: Duration::from_secs(10),
            batch: 32,
            reminder_interval: Duration::from_secs(60),
        }
    }
}

/// What the runner and the job kinds need from the server they run in; the server's state
/// (`AppState`) implements it, and the worker keeps one for as long as it runs.
pub trait JobContext: Sized + Send + Sync + 'static {
    /// Where jobs (and everything a job reads or writes) are stored.
    fn store(&self) -> &Store;

    /// Where "now" comes from: jobs are due, retried and recorded at its time.
    fn clock(&self) -> &Clock;

    /// The runner's polling, retries and timeouts.
    fn jobs_config(&self) -> &JobsConfig;

    /// The runner's shared parts: the wake-up signal, the kinds and the clients.
    fn jobs(&self) -> &Jobs<Self>;
}

/// The runner's shared parts, kept in the context `C` (the server's state): the wake-up
/// signal, the kinds and the clients.
pub struct Jobs<C> {
    wake: Notify,
    /// How many jobs this server is running now (see [`drain`]).
    running: watch::Sender<usize>,
    /// The job kinds the worker runs and the deliveries page sums up.
    pub(crate) registry: Registry<C>,
    /// The client webhooks are POSTed with: the server's one outgoing client, which keeps to
    /// the destination policy (no redirects, a user agent naming Debrief).
    pub(crate) outbound: Outbound,
    mailer: Option<mail::Mailer>,
}

impl<C> std::fmt::Debug for Jobs<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jobs")
            .field("kinds", &self.registry)
            .field("smtp", &self.mailer.is_some())
            .finish()
    }
}

impl<C> Jobs<C> {
    /// The runner's parts around the registered kinds: webhooks go out through `outbound`,
    /// e-mail to `smtp` (`None`: e-mail jobs fail with a reason saying so).
    pub(crate) fn new(registry: Registry<C>, outbound: Outbound, smtp: Option<SmtpConfig>) -> Self {
        Self {
            wake: Notify::new(),
            running: watch::Sender::new(0),
            registry,
            outbound,
            mailer: smtp.map(mail::Mailer::new),
        }
    }

    /// Makes the worker look for due jobs now instead of at its next poll (call it after
    /// committing a transaction that enqueued jobs).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// The SMTP mailer, when e-mail is configured.
    pub(crate) fn mailer(&self) -> Option<&mail::Mailer> {
        self.mailer.as_ref()
    }

    /// The one outgoing HTTP client.
    pub(crate) fn outbound(&self) -> &Outbound {
        &self.outbound
    }
}

/// What running a job came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// It is done.
    Done,
    /// It failed, for a reason that may pass: try again later.
    Retry(String),
    /// It failed, and trying again would fail the same way.
    GiveUp(String),
    /// It was held back by someone else's limit (Slack's `429` with `Retry-After`): run it
    /// again after this long, without spending an attempt, so a rate-limit storm delays work
    /// but never kills it.
    Later(Duration, String),
}

/// The e-mail job for `message`, to enqueue with a domain change. Its dedupe key is
/// `email:{dedupe_key}`. Fails (422) when the message could not be sent.
pub fn email_job<C: JobContext>(
    ctx: &C,
    dedupe_key: &str,
    message: &EmailMessage,
    run_at: Timestamp,
) -> Result<NewJob, AppError> {
    mail::check(message)?;
    Ok(new_job::<mail::EmailJob, C>(
        ctx,
        format!("{EMAIL_KIND}:{}", key(dedupe_key)?),
        message,
        run_at,
    ))
}

/// The webhook job for an event, to enqueue with a domain change: when it runs, every active
/// endpoint subscribed to `event` gets its own delivery. Its dedupe key is
/// `webhook_event:{dedupe_key}`. Event names are lowercase words joined by `.` `_` `-`
/// (`postmortem.reminder`).
pub fn webhook_event_job<C: JobContext>(
    ctx: &C,
    event: &str,
    dedupe_key: &str,
    data: serde_json::Value,
    run_at: Timestamp,
) -> Result<NewJob, AppError> {
    check_event(event, false)?;
    Ok(new_job::<webhook::WebhookEventJob, C>(
        ctx,
        format!("{}:{}", webhook::EVENT_KIND, key(dedupe_key)?),
        &webhook::EventPayload {
            event: event.into(),
            data,
        },
        run_at,
    ))
}

/// Enqueues an e-mail, sent at `run_at` or as soon as possible after; `None` when a job with this
/// dedupe key exists (it was sent, or will be, once).
pub async fn send_email<C: JobContext>(
    ctx: &C,
    dedupe_key: &str,
    message: &EmailMessage,
    run_at: Timestamp,
) -> Result<Option<i64>, AppError> {
    let job = email_job(ctx, dedupe_key, message, run_at)?;
    enqueue(ctx, &job).await
}

/// Enqueues a webhook event for every subscribed endpoint; `None` when an event with this dedupe
/// key exists.
pub async fn emit_webhook<C: JobContext>(
    ctx: &C,
    event: &str,
    dedupe_key: &str,
    data: serde_json::Value,
    run_at: Timestamp,
) -> Result<Option<i64>, AppError> {
    let job = webhook_event_job(ctx, event, dedupe_key, data, run_at)?;
    enqueue(ctx, &job).await
}

/// Enqueues a job and wakes the worker.
pub(crate) async fn enqueue<C: JobContext>(ctx: &C, job: &NewJob) -> Result<Option<i64>, AppError> {
    let id = ctx.store().enqueue_job(job, ctx.clock().now()).await?;
    ctx.jobs().wake();
    Ok(id)
}

fn key(dedupe_key: &str) -> Result<&str, AppError> {
    let k = dedupe_key.trim();
    if k.is_empty() || k.len() > 400 {
        return Err(ValidationError::one("dedupe_key", "must be 1 to 400 characters").into());
    }
    Ok(k)
}

/// Checks an event name (`*`, every event, only where `wildcard` allows it).
pub(crate) fn check_event(event: &str, wildcard: bool) -> Result<(), AppError> {
    let ok = !event.is_empty()
        && event.len() <= 100
        && event
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if ok || (wildcard && event == "*") {
        Ok(())
    } else {
        Err(ValidationError::one(
            "event",
            format!("'{event}' is not an event name like postmortem.reminder"),
        )
        .into())
    }
}

/// The delay before attempt `attempt + 1`, after `attempt` failed: `retry_base × 4^(attempt-1)`
/// with ±20 % jitter (so jobs that failed together do not retry together), and never more than
/// `retry_cap`.
pub(crate) fn backoff(config: &JobsConfig, attempt: i64) -> Duration {
    let exponent = u32::try_from(attempt.clamp(1, 16) - 1).unwrap_or(0);
    let delay = config
        .retry_base
        .saturating_mul(4u32.saturating_pow(exponent))
        .min(config.retry_cap);
    let mut r = [0u8; 2];
    let _ = getrandom::fill(&mut r);
    let jitter = 0.8 + 0.4 * f64::from(u16::from_le_bytes(r)) / f64::from(u16::MAX);
    delay.mul_f64(jitter).min(config.retry_cap)
}

/// The worker: claims due jobs and runs them until `stop` closes (its sender is dropped); the
/// jobs under way are finished first.
pub(crate) async fn run_worker<C: JobContext>(ctx: C, mut stop: watch::Receiver<()>) {
    let config = ctx.jobs_config().clone();
    loop {
        match run_due(&ctx, &config).await {
            // A full batch: more may be due.
            Ok(n) if n >= config.batch as usize => {
                if stop.has_changed().is_err() {
                    return;
                }
                continue;
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "The job worker could not read the queue; it tries again")
            }
        }
        tokio::select! {
            _ = stop.changed() => return,
            _ = ctx.jobs().wake.notified() => {}
            // A manual clock (tests) was moved: jobs may have come due.
            _ = ctx.clock().moved() => {}
            _ = tokio::time::sleep(config.poll_interval) => {}
        }
    }
}

/// Runs, here and now, every job due at the clock's time, the jobs those enqueue when due too,
/// and waits for the jobs this server's worker is running, until none is due or running;
/// returns how many ran here. A job that failed and waits for its retry is not due: move the
/// clock past its back-off and drain again. This is how a test shows that nothing more is sent
/// (the queue is empty), and how a shutdown can finish the queue's due work.
pub async fn drain<C: JobContext>(ctx: &C) -> Result<usize, AppError> {
    let config = ctx.jobs_config().clone();
    let mut ran = 0;
    loop {
        let n = run_due(ctx, &config).await?;
        ran += n;
        if n > 0 {
            continue;
        }
        let mut running = ctx.jobs().running.subscribe();
        if *running.borrow_and_update() == 0 {
            return Ok(ran);
        }
        // The sender lives in `ctx`, which outlives this wait.
        let _ = running.wait_for(|n| *n == 0).await;
    }
}

/// Claims and runs one batch of due jobs; returns how many ran.
async fn run_due<C: JobContext>(ctx: &C, config: &JobsConfig) -> Result<usize, AppError> {
    // Counted as running from before the claim (and until the batch ends, however it ends), so
    // a `drain` never sees no job running while this one holds jobs it claimed.
    let batch = usize::try_from(config.batch).unwrap_or(0);
    let running = &ctx.jobs().running;
    running.send_modify(|n| *n += batch);
    let _running = RunningGuard(running, batch);
    let now = ctx.clock().now();
    if !ctx.store().has_due_jobs(now).await? {
        return Ok(0);
    }
    let jobs = ctx
        .store()
        .claim_jobs(now, config.lease, config.batch)
        .await?;
    futures_util::future::join_all(jobs.iter().map(|job| run_one(ctx, job))).await;
    Ok(jobs.len())
}

/// Takes a batch off the count of running jobs when dropped.
struct RunningGuard<'a>(&'a watch::Sender<usize>, usize);

impl Drop for RunningGuard<'_> {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n = n.saturating_sub(self.1));
    }
}

/// Runs one claimed job and records how it went.
async fn run_one<C: JobContext>(ctx: &C, job: &Job) {
    let outcome = ctx.jobs().registry.run(ctx, job).await;
    let store = ctx.store();
    let done = ctx.clock().now();
    let recorded = match &outcome {
        Outcome::Done => store
            .complete_job(job.id, job.attempts, done)
            .await
            .map(|held| held.then_some(JobStatus::Done)),
        Outcome::Retry(reason) => {
            let delay = backoff(ctx.jobs_config(), job.attempts);
            let retry_at = done
                .checked_add(jiff::SignedDuration::try_from(delay).unwrap_or_default())
                .unwrap_or(done);
            store
                .fail_job(job.id, job.attempts, reason, Some(retry_at), done)
                .await
        }
        Outcome::GiveUp(reason) => {
            store
                .fail_job(job.id, job.attempts, reason, None, done)
                .await
        }
        Outcome::Later(wait, reason) => {
            let at = done
                .checked_add(jiff::SignedDuration::try_from(*wait).unwrap_or_default())
                .unwrap_or(done);
            store
                .postpone_job(job.id, job.attempts, reason, at, done)
                .await
                .map(|held| held.then_some(JobStatus::Queued))
        }
    };
    let reason = match &outcome {
        Outcome::Done => "",
        Outcome::Retry(r) | Outcome::GiveUp(r) | Outcome::Later(_, r) => r,
    };
    if matches!(recorded, Ok(Some(JobStatus::Dead))) {
        ctx.jobs().registry.given_up(ctx, job, reason).await;
    }
    let reason = mask_addresses(reason);
    match recorded {
        Ok(Some(JobStatus::Done)) => tracing::debug!(
            job.id = job.id, job.kind = %job.kind, job.attempt = job.attempts,
            "Job {} ({}) done", job.id, job.kind
        ),
        Ok(Some(JobStatus::Dead)) => tracing::error!(
            job.id = job.id, job.kind = %job.kind, job.attempt = job.attempts, reason = %reason,
            "Job {} ({}) is dead after attempt {}: {reason}; retry it from /api/v1/deliveries",
            job.id, job.kind, job.attempts
        ),
        Ok(Some(JobStatus::Queued)) => tracing::info!(
            job.id = job.id, job.kind = %job.kind, reason = %reason,
            "Job {} ({}) is put off: {reason}", job.id, job.kind
        ),
        Ok(Some(_)) => tracing::warn!(
            job.id = job.id, job.kind = %job.kind, job.attempt = job.attempts, reason = %reason,
            "Job {} ({}) failed on attempt {}: {reason}; it will be retried",
            job.id, job.kind, job.attempts
        ),
        Ok(None) => tracing::warn!(
            job.id = job.id, job.kind = %job.kind, job.attempt = job.attempts,
            "Job {} ({}) outlived its lease and was claimed again; its outcome is dropped",
            job.id, job.kind
        ),
        Err(e) => tracing::warn!(
            job.id = job.id, job.kind = %job.kind, job.attempt = job.attempts, error = %e,
            "Job {} ({}) ran, but its outcome could not be recorded; it runs again after its lease",
            job.id, job.kind
        ),
    }
}

/// Replaces words that look like e-mail addresses (SMTP servers quote recipients in refusals):
/// logs carry no addresses. The stored reason, shown to admins, keeps them.
fn mask_addresses(s: &str) -> String {
    s.split(' ')
        .map(|w| if w.contains('@') { "<address>" } else { w })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_grows_fourfold_with_jitter_and_stops_at_the_cap() {
        let c = JobsConfig::default();
        for (attempt, base) in [(1, 30.0), (2, 120.0), (3, 480.0), (4, 1920.0)] {
            let d = backoff(&c, attempt).as_secs_f64();
            assert!(
                (base * 0.8..=base * 1.2).contains(&d),
                "attempt {attempt}: {d}"
            );
        }
        // The cap holds after the jitter too.
        for _ in 0..100 {
            assert!(backoff(&c, 30) <= c.retry_cap);
        }
    }

    #[test]
    fn log_reasons_carry_no_addresses() {
        assert_eq!(
            mask_addresses("550 5.1.1 <ada@example.com>: rejected"),
            "550 5.1.1 <address> rejected"
        );
    }

    #[test]
    fn event_names_are_lowercase_words() {
        assert!(check_event("postmortem.reminder", false).is_ok());
        assert!(check_event("Postmortem Reminder", false).is_err());
        assert!(check_event("", false).is_err());
        assert!(check_event("*", false).is_err() && check_event("*", true).is_ok());
    }
}
