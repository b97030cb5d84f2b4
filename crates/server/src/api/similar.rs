//! `/api/v1/incidents/{reference}/similar`: the past incidents that look like one (issue 15,
//! part 2), best first, with why and their open action items; an empty list when none passes
//! the threshold.

use crate::actions::similar::{self, SimilarIncident};
use crate::auth::Actor;
use crate::request::RefPath;
use crate::{AppError, AppState};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

/// The similar-incident route.
pub fn router() -> Router<AppState> {
    Router::new().route("/incidents/{reference}/similar", get(get_similar))
}

async fn get_similar(
    State(state): State<AppState>,
    actor: Actor,
    RefPath(r): RefPath,
) -> Result<Json<Value>, AppError> {
    let items: Vec<SimilarIncident> = similar::similar_incidents(&state, &actor, r).await?;
    Ok(Json(json!({ "items": items })))
}
