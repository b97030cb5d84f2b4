//! Meetings of postmortems, the recurring postmortem review, and calendar feeds.

use super::incidents::channel;
use crate::actions::meetings::{self as act, MeetingInput, SeriesInput};
use crate::auth::Actor;
use crate::header_value::{Disposition, content_disposition};
use crate::request::RefPath;
use crate::request::{ApiJson, ApiQuery};
use crate::{AppError, AppState};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderValue;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use debrief_core::ics::Method;
use debrief_store::meeting::Meeting;
use serde_json::{Value, json};

/// The API routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/incidents/{reference}/meetings",
            get(list_meetings).post(schedule),
        )
        .route("/meetings/{id}", get(get_meeting))
        .route("/meetings/{id}/invite.ics", get(invite))
        .route("/meetings/{id}/cancel", post(cancel))
        .route("/review-meetings", get(list_series).post(create_series))
        .route("/review-meetings/{id}/occurrences", get(occurrences))
        .route("/me/calendar-feed", post(create_feed))
        // Calendar apps fetch the feed with its secret in the URL, without other credentials.
        .route("/feeds/{file}", get(feed))
}

fn meeting_id(raw: &str) -> Result<i64, AppError> {
    raw.parse()
        .map_err(|_| AppError::NotFound(format!("meeting '{raw}'")))
}

async fn schedule(
    State(state): State<AppState>,
    actor: Actor,
    RefPath(r): RefPath,
    headers: HeaderMap,
    ApiJson(input): ApiJson<MeetingInput>,
) -> Result<(StatusCode, Json<Meeting>), AppError> {
    let m = act::schedule(&state, &actor, r, &input, channel(&headers)).await?;
    Ok((StatusCode::CREATED, Json(m)))
}

async fn list_meetings(
    State(state): State<AppState>,
    actor: Actor,
    RefPath(r): RefPath,
) -> Result<Json<Value>, AppError> {
    let incident = state.store.incident(r.0, actor.viewer()).await?;
    Ok(Json(
        json!({"items": state.store.meetings(Some(incident.id)).await?}),
    ))
}

async fn get_meeting(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<Meeting>, AppError> {
    Ok(Json(
        act::visible_meeting(&state, &actor, meeting_id(&id)?).await?,
    ))
}

async fn invite(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let m = act::visible_meeting(&state, &actor, meeting_id(&id)?).await?;
    let method = if m.status == "cancelled" {
        Method::Cancel
    } else {
        Method::Request
    };
    let body = act::invitation(&state, &m, method, false).await?;
    Ok(calendar_response(body, &format!("meeting-{}.ics", m.id)))
}

pub(crate) fn calendar_response(body: String, filename: &str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/calendar; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                content_disposition(Disposition::Attachment, filename),
            ),
        ],
        body,
    )
        .into_response()
}

async fn cancel(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<Meeting>, AppError> {
    Ok(Json(act::cancel(&state, &actor, meeting_id(&id)?).await?))
}

async fn list_series(State(state): State<AppState>, _: Actor) -> Result<Json<Value>, AppError> {
    Ok(Json(json!({"items": state.store.meetings(None).await?})))
}

async fn create_series(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(input): ApiJson<SeriesInput>,
) -> Result<(StatusCode, Json<Meeting>), AppError> {
    Ok((
        StatusCode::CREATED,
        Json(act::schedule_series(&state, &actor, &input).await?),
    ))
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct OccurrenceQuery {
    count: Option<usize>,
}

async fn occurrences(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<OccurrenceQuery>,
) -> Result<Json<Value>, AppError> {
    let list = act::occurrences(&state, &actor, meeting_id(&id)?, q.count.unwrap_or(3)).await?;
    Ok(Json(json!({"items": list})))
}

async fn create_feed(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let url = act::create_feed(&state, &actor).await?;
    Ok((StatusCode::CREATED, Json(json!({"url": url}))))
}

async fn feed(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    let token = file
        .strip_suffix(".ics")
        .ok_or_else(|| AppError::NotFound("calendar feed".into()))?;
    let body = act::feed(&state, token).await?;
    Ok(calendar_response(body, "debrief.ics"))
}
