//! `/api/v1/deliveries`: the job queue (e-mail, webhooks) with each job's state and last error,
//! and retrying a failed or dead one. Admins only.

use super::input::QueryPairs;
use super::{Page, Skip};
use crate::actions::delivery as act;
use crate::auth::Actor;
use crate::{AppError, AppState};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use debrief_core::validation::ValidationError;
use debrief_store::jobs::{Job, JobFilter, JobStatus};
use serde::Serialize;

/// The delivery routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/deliveries", get(list_deliveries))
        .route("/deliveries/{id}/retry", post(retry_delivery))
}

/// A job as the API shows it: its state and a one-line summary, not its payload (bodies,
/// attachments).
#[derive(Debug, Serialize)]
pub struct Delivery {
    id: i64,
    kind: String,
    status: JobStatus,
    summary: String,
    dedupe_key: String,
    attempts: i64,
    max_attempts: i64,
    last_error: Option<String>,
    #[serde(with = "debrief_core::ts")]
    run_at: debrief_core::Timestamp,
    #[serde(with = "debrief_core::ts")]
    created_at: debrief_core::Timestamp,
    #[serde(with = "debrief_core::ts")]
    updated_at: debrief_core::Timestamp,
    #[serde(with = "debrief_core::ts_opt")]
    done_at: Option<debrief_core::Timestamp>,
}

impl From<Job> for Delivery {
    fn from(j: Job) -> Self {
        let p = &j.payload;
        let text = |k: &str| p[k].as_str().unwrap_or("").to_string();
        let summary = match j.kind.as_str() {
            crate::jobs::EMAIL_KIND => {
                let n = p["to"].as_array().map_or(0, Vec::len);
                format!(
                    "e-mail to {n} recipient{}: {}",
                    if n == 1 { "" } else { "s" },
                    text("subject")
                )
            }
            crate::jobs::webhook::DELIVERY_KIND => format!(
                "{} to webhook {}",
                text("event"),
                p["endpoint_id"].as_i64().unwrap_or(0)
            ),
            crate::jobs::webhook::EVENT_KIND => {
                format!("{} to every subscribed webhook", text("event"))
            }
            crate::status::notices::KIND => {
                let n = p["changes"].as_array().map_or(0, Vec::len);
                format!(
                    "{n} change{} told to the subscribers of status page {}",
                    if n == 1 { "" } else { "s" },
                    p["page_id"].as_i64().unwrap_or(0)
                )
            }
            crate::status::notices::WEBHOOK_KIND => "webhook to a status page subscriber".into(),
            other => other.to_string(),
        };
        Delivery {
            id: j.id,
            summary,
            kind: j.kind,
            status: j.status,
            dedupe_key: j.dedupe_key,
            attempts: j.attempts,
            max_attempts: j.max_attempts,
            last_error: j.last_error,
            run_at: j.run_at,
            created_at: j.created_at,
            updated_at: j.updated_at,
            done_at: j.done_at,
        }
    }
}

fn parse_filter(pairs: &[(String, String)]) -> Result<JobFilter, AppError> {
    let mut e = ValidationError::default();
    let mut f = JobFilter {
        limit: 50,
        ..Default::default()
    };
    for (k, v) in pairs {
        let v = v.trim();
        if v.is_empty() {
            continue;
        }
        match k.as_str() {
            "status" => match v.parse::<JobStatus>() {
                Ok(s) => f.status = Some(s),
                Err(m) => e.push("status", m),
            },
            "kind" => f.kind = Some(v.chars().take(100).collect()),
            "cursor" => match v.parse::<i64>() {
                Ok(n) if n > 0 => f.before = Some(n),
                _ => e.push("cursor", "must be the next_cursor of a previous page"),
            },
            "limit" => match v.parse::<i64>() {
                Ok(n) if (1..=200).contains(&n) => f.limit = n,
                _ => e.push("limit", "must be a whole number from 1 to 200"),
            },
            other => e.push(other, "unknown filter; use status, kind, cursor, limit"),
        }
    }
    e.into_result(f).map_err(Into::into)
}

async fn list_deliveries(
    State(state): State<AppState>,
    actor: Actor,
    QueryPairs(pairs): QueryPairs,
) -> Result<Json<Page<Delivery>>, AppError> {
    let f = parse_filter(&pairs)?;
    let mut jobs = act::list_deliveries(
        &state,
        &actor,
        &JobFilter {
            limit: f.limit + 1,
            ..f.clone()
        },
    )
    .await?;
    let next = if jobs.len() as i64 > f.limit {
        jobs.truncate(f.limit as usize);
        jobs.last().map(|j| j.id.to_string())
    } else {
        None
    };
    Ok(Json(Page {
        items: jobs.into_iter().map(Delivery::from).collect(),
        next_cursor: Skip::Present(next),
    }))
}

async fn retry_delivery(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<Delivery>, AppError> {
    let id: i64 = id
        .parse()
        .map_err(|_| AppError::NotFound(format!("delivery '{id}'")))?;
    Ok(Json(act::retry_delivery(&state, &actor, id).await?.into()))
}
