//! `/api/v1/insights/learning`: the learning metrics over a period (issue requirement 9).
//!
//! `from` and `to` are days (`YYYY-MM-DD`, UTC; `to` excluded), `team` a team's slug and
//! `bucket` `week` or `month`; by default the last 90 days by month. The definitions are in
//! [`debrief_core::learning`].

use crate::actions::insights;
use crate::auth::Actor;
use crate::request::QueryPairs;
use crate::{AppError, AppState};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use debrief_core::learning::LearningReport;

/// The insights routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/insights/learning", get(get_learning))
}

async fn get_learning(
    State(state): State<AppState>,
    actor: Actor,
    QueryPairs(pairs): QueryPairs,
) -> Result<Json<LearningReport>, AppError> {
    let q = insights::parse_query(&state, &pairs).await?;
    Ok(Json(insights::learning(&state, &actor, &q).await?))
}
