//! `/api/v1/deliveries`: the job queue (e-mail, webhooks) with each job's state and last error,
//! and retrying a failed or dead one. Admins only.

use super::{Page, Skip};
use crate::actions::delivery as act;
use crate::auth::Actor;
use crate::request::QueryPairs;
use crate::request::{page_cursor, page_limit};
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

impl Delivery {
    /// The job as shown; its kind sums it up.
    pub(crate) fn new(state: &AppState, j: Job) -> Self {
        let summary = state.jobs.registry.summary(&j);
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
            "cursor" => f.before = page_cursor(&mut e, v).or(f.before),
            "limit" => f.limit = page_limit(&mut e, v).unwrap_or(f.limit),
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
        items: jobs.into_iter().map(|j| Delivery::new(&state, j)).collect(),
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
    let job = act::retry_delivery(&state, &actor, id).await?;
    Ok(Json(Delivery::new(&state, job)))
}
