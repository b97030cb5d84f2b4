//! `/api/v1/insights/incidents`: insights on incidents over a period (issue 15, part 4), as
//! JSON with every section, and `/api/v1/insights/incidents/{section}.csv`: one section's
//! numbers as CSV (a header row, then a row per bucket, service, team, hour or person).
//!
//! `from` and `to` are days (`YYYY-MM-DD`, UTC; `to` excluded), `bucket` `week` or `month`,
//! `team` and `service` slugs, `tz` the zone of the busiest hours. The definitions are in
//! [`debrief_core::incident_insights`].

use crate::actions::incident_insights as act;
use crate::auth::Actor;
use crate::header_value::{Disposition, content_disposition};
use crate::request::QueryPairs;
use crate::{AppError, AppState};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use debrief_core::incident_insights::{IncidentInsights, SECTIONS, csv};

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/insights/incidents", get(get_insights))
        .route("/insights/incidents/{file}", get(get_csv))
}

async fn get_insights(
    State(state): State<AppState>,
    actor: Actor,
    QueryPairs(pairs): QueryPairs,
) -> Result<Json<IncidentInsights>, AppError> {
    let q = act::parse_query(&state, &pairs).await?;
    Ok(Json(act::incident_report(&state, &actor, &q).await?))
}

async fn get_csv(
    State(state): State<AppState>,
    actor: Actor,
    Path(file): Path<String>,
    QueryPairs(pairs): QueryPairs,
) -> Result<Response, AppError> {
    let section = file
        .strip_suffix(".csv")
        .filter(|s| SECTIONS.contains(s))
        .ok_or_else(|| {
            AppError::NotFound(format!(
                "insights section '{file}' (use one of {}, with .csv)",
                SECTIONS.join(", ")
            ))
        })?;
    let q = act::parse_query(&state, &pairs).await?;
    let report = act::incident_report(&state, &actor, &q).await?;
    let body = csv(&report, section).unwrap_or_default();
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                content_disposition(
                    Disposition::Attachment,
                    &format!("incident-insights-{section}.csv"),
                ),
            ),
        ],
        body,
    )
        .into_response())
}
