//! Answers through a `response_url` (a slash command's or an interaction's), after the request
//! itself was answered: a modal submission closes the modal at once, and what came of it is
//! told here. Sent by a job through the server's one outgoing client (the same path the page
//! buttons use), so a slow or failing Slack delays the message but never the request.

use crate::jobs::{JobKind, Outcome, enqueue, new_job};
use crate::{AppError, AppState};
use debrief_store::jobs::Job;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The stored kind of the job.
pub const RESPOND_KIND: &str = "slack.respond";

/// Where to answer, and what.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Respond {
    /// The `response_url` Slack gave.
    pub url: String,
    /// The message (`text`, `response_type`, …).
    pub body: Value,
}

/// Posts one message to a `response_url`.
pub struct RespondJob;

impl JobKind<AppState> for RespondJob {
    const KIND: &'static str = RESPOND_KIND;
    type Payload = Respond;

    fn summary(_: &Respond) -> String {
        "answers a Slack user through a response_url".into()
    }

    async fn run(state: &AppState, _: &Job, p: Respond) -> Outcome {
        let request = match state.jobs.outbound().post(&p.url) {
            Ok(r) => r,
            Err(refusal) => return Outcome::GiveUp(refusal.to_string()),
        };
        match request
            .header("content-type", "application/json")
            .body(p.body.to_string())
            .send()
            .await
        {
            Ok(r) if r.status().is_success() => Outcome::Done,
            // Slack answers 404 for a response_url used up (five uses, thirty minutes).
            Ok(r) if r.status().is_client_error() => Outcome::GiveUp(format!(
                "Slack answered the response_url with {}",
                r.status()
            )),
            Ok(r) => Outcome::Retry(format!(
                "Slack answered the response_url with {}",
                r.status()
            )),
            Err(e) => Outcome::Retry(e.without_url().to_string()),
        }
    }
}

/// An ephemeral message: only the person who typed the command (or pressed) sees it.
pub fn ephemeral(text: impl Into<String>) -> Value {
    json!({"response_type": "ephemeral", "replace_original": false, "text": text.into()})
}

/// Queues `body` for `url` (nothing when there is no URL).
pub async fn respond_later(
    state: &AppState,
    url: Option<&str>,
    body: Value,
) -> Result<(), AppError> {
    let Some(url) = url.filter(|u| !u.is_empty()) else {
        return Ok(());
    };
    let job = new_job::<RespondJob, AppState>(
        state,
        format!("{RESPOND_KIND}:{}", crate::auth::new_hex(16)),
        &Respond {
            url: url.to_string(),
            body,
        },
        state.clock.now(),
    );
    enqueue(state, &job).await?;
    Ok(())
}
