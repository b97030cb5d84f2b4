//! What the Slack jobs share: sorting a failed Slack call into what the job does next.

use crate::AppError;
use crate::jobs::Outcome;
use crate::outbound::slack::SlackError;
use std::time::Duration;

/// Why a Slack job stopped, and what the runner should do about it.
#[derive(Debug)]
pub(crate) enum Stop {
    /// It may work later (Slack down, a transport failure): retry with the queue's back-off.
    Transient(String),
    /// It will fail the same way again (Slack refused for good).
    Final(String),
    /// Slack's rate limit: try again after this long, spending no attempt.
    Later(Duration, String),
}

impl From<AppError> for Stop {
    fn from(e: AppError) -> Self {
        Stop::Transient(e.to_string())
    }
}

impl From<debrief_store::StoreError> for Stop {
    fn from(e: debrief_store::StoreError) -> Self {
        Stop::Transient(AppError::from(e).to_string())
    }
}

impl From<Stop> for Outcome {
    fn from(s: Stop) -> Outcome {
        match s {
            Stop::Later(wait, why) => Outcome::Later(wait, why),
            Stop::Transient(why) => Outcome::Retry(why),
            Stop::Final(why) => Outcome::GiveUp(why),
        }
    }
}

/// Sorts a failed Slack call made for `what` (`the incident channel`): a rate limit waits for
/// its `Retry-After`, a passing failure retries, a refusal Slack would repeat is final. The
/// error never holds a token or a body, so it is safe to log and store.
pub(crate) fn stop(what: &str, e: SlackError) -> Stop {
    match e {
        SlackError::RateLimited { retry_after, .. } => Stop::Later(
            retry_after.max(Duration::from_secs(1)),
            format!(
                "Slack rate-limited {what}; waiting {} s",
                retry_after.as_secs().max(1)
            ),
        ),
        e if e.is_transient() => Stop::Transient(format!("{what}: {e}")),
        e => Stop::Final(format!("{what}: {e}")),
    }
}
