//! `/api/v1/postmortem-policy`: read, save, and try out the postmortem policy.

use crate::actions::policy::{self as act, EvaluateInput};
use crate::auth::Actor;
use crate::request::ApiJson;
use crate::{AppError, AppState};
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use debrief_core::policy::PolicyConfig;
use serde_json::{Value, json};

/// The policy routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/postmortem-policy", get(get_policy).put(put_policy))
        .route("/postmortem-policy/evaluate", post(evaluate))
        .route("/postmortem-policy/replay", post(replay))
}

async fn get_policy(
    State(state): State<AppState>,
    _: Actor,
) -> Result<Json<PolicyConfig>, AppError> {
    Ok(Json(state.store.postmortem_policy().await?))
}

async fn put_policy(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(p): ApiJson<PolicyConfig>,
) -> Result<Json<PolicyConfig>, AppError> {
    Ok(Json(act::put_policy(&state, &actor, &p).await?))
}

async fn evaluate(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(input): ApiJson<EvaluateInput>,
) -> Result<Json<Value>, AppError> {
    let d = act::evaluate(&state, &actor, &input).await?;
    Ok(Json(
        json!({"required": d.required, "tags": d.tags, "reasons": d.reasons,
               "overridden": d.overridden, "overridden_reasons": d.overridden_reasons,
               "summary": d.summary()}),
    ))
}

/// The body of `POST /api/v1/postmortem-policy/replay`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplayInput {
    /// The proposed policy.
    policy: PolicyConfig,
    /// How many days back (default 90).
    #[serde(default)]
    days: Option<i64>,
}

async fn replay(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(input): ApiJson<ReplayInput>,
) -> Result<Json<act::Replay>, AppError> {
    Ok(Json(
        act::replay(&state, &actor, &input.policy, input.days.unwrap_or(90)).await?,
    ))
}
