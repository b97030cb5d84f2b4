//! Meetings, the postmortem list, the recurring review with its agendas, and calendar feeds.

use super::form::{field, opt};
use super::postmortem::back;
use super::session::{UiActor, UiError};
use super::view::TimeView;
use crate::AppState;
use crate::actions::postmortem::view::postmortem_view;
use crate::request::RefPath;
use crate::ui::form::CsrfForm;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use debrief_core::incident::IncidentRef;
use debrief_core::timeline::Source;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/incidents/{reference}/meetings", post(schedule_meeting))
        .route("/meetings/{id}/cancel", post(cancel_meeting))
        .route("/postmortems", get(postmortem_list))
        .route("/reviews", post(create_review))
        .route("/reviews/{id}", get(review_page))
        .route("/me/calendar-feed", post(calendar_feed))
}

async fn schedule_meeting(
    State(state): State<AppState>,
    actor: UiActor,
    RefPath(r): RefPath,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    // The form's time is wall-clock time in the organisation's zone.
    let zone = state
        .store
        .work_calendar()
        .await?
        .tz()
        .unwrap_or(jiff::tz::TimeZone::UTC);
    let starts = field(&pairs, "starts");
    let starts_at = starts
        .parse::<jiff::civil::DateTime>()
        .ok()
        .and_then(|d| d.to_zoned(zone).ok())
        .map_or_else(|| starts.to_string(), |z| z.timestamp().to_string());
    let input = crate::actions::meetings::MeetingInput {
        kind: field(&pairs, "kind").into(),
        title: opt(&pairs, "title"),
        starts_at,
        duration_minutes: field(&pairs, "duration_minutes").parse().ok(),
        location: opt(&pairs, "location"),
        attendee_ids: pairs
            .iter()
            .filter(|(k, _)| k == "attendee_ids")
            .filter_map(|(_, v)| v.parse().ok())
            .collect(),
    };
    crate::actions::meetings::schedule(&state, &actor.0, r, &input, Source::Web).await?;
    Ok(back(r, "#meetings"))
}

async fn cancel_meeting(
    State(state): State<AppState>,
    actor: UiActor,
    Path(id): Path<String>,
    CsrfForm(_pairs): CsrfForm,
) -> Result<Response, UiError> {
    let id: i64 = id
        .parse()
        .map_err(|_| crate::AppError::NotFound(format!("meeting '{id}'")))?;
    let m = crate::actions::meetings::cancel(&state, &actor.0, id).await?;
    Ok(match m.incident {
        Some(r) => Redirect::to(&format!("/incidents/{r}/postmortem#meetings")).into_response(),
        None => Redirect::to("/postmortems").into_response(),
    })
}

async fn calendar_feed(
    State(state): State<AppState>,
    actor: UiActor,
    CsrfForm(_pairs): CsrfForm,
) -> Result<Response, UiError> {
    let url = crate::actions::meetings::create_feed(&state, &actor.0).await?;
    Ok(FeedPage {
        user: actor.0.user.name.clone(),
        csrf: actor.csrf(),
        url,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "calendar_feed.html")]
struct FeedPage {
    user: String,
    csrf: String,
    url: String,
}

/// A postmortem in the list.
struct PmRow {
    incident: String,
    title: String,
    severity: String,
    status: &'static str,
    owner: String,
    draft_due: Option<TimeView>,
    review_due: Option<TimeView>,
    overdue: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "postmortems.html")]
struct PmList {
    user: String,
    csrf: String,
    rows: Vec<PmRow>,
    overdue_only: bool,
    reviews: Vec<debrief_store::meeting::Meeting>,
}

#[derive(Debug, serde::Deserialize)]
struct PmListQuery {
    overdue: Option<bool>,
}

async fn postmortem_list(
    State(state): State<AppState>,
    actor: UiActor,
    Query(q): Query<PmListQuery>,
) -> Result<Response, UiError> {
    let mut rows = Vec::new();
    for pm in state.store.postmortems(&[]).await? {
        if !pm.status.has_document() {
            continue;
        }
        let Ok(v) = postmortem_view(&state, &actor.0, IncidentRef(pm.incident_id)).await else {
            continue;
        };
        let overdue = v.draft_overdue || v.review_overdue;
        if q.overdue == Some(true) && !overdue {
            continue;
        }
        rows.push(PmRow {
            incident: v.incident.clone(),
            title: v.facts.title.clone(),
            severity: v.facts.severity.clone(),
            status: v.record.status.as_str(),
            owner: v.owner.as_ref().map_or("—".into(), |p| p.name.clone()),
            draft_due: v.record.draft_due_at.map(TimeView::new),
            review_due: v.record.review_due_at.map(TimeView::new),
            overdue,
        });
    }
    Ok(PmList {
        user: actor.0.user.name.clone(),
        csrf: actor.csrf(),
        rows,
        overdue_only: q.overdue == Some(true),
        reviews: state.store.meetings(None).await?,
    }
    .into_response())
}

async fn create_review(
    State(state): State<AppState>,
    actor: UiActor,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    let input = crate::actions::meetings::SeriesInput {
        title: opt(&pairs, "title"),
        rrule: opt(&pairs, "rrule"),
        starts: field(&pairs, "starts").into(),
        time_zone: opt(&pairs, "time_zone"),
        duration_minutes: field(&pairs, "duration_minutes").parse().ok(),
        location: opt(&pairs, "location"),
        attendee_ids: pairs
            .iter()
            .filter(|(k, _)| k == "attendee_ids")
            .filter_map(|(_, v)| v.parse().ok())
            .collect(),
    };
    let m = crate::actions::meetings::schedule_series(&state, &actor.0, &input).await?;
    Ok(Redirect::to(&format!("/reviews/{}", m.id)).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "review.html")]
struct ReviewPage {
    user: String,
    csrf: String,
    meeting: debrief_store::meeting::Meeting,
    occurrences: Vec<(TimeView, crate::actions::meetings::Agenda)>,
}

async fn review_page(
    State(state): State<AppState>,
    actor: UiActor,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let id: i64 = id
        .parse()
        .map_err(|_| crate::AppError::NotFound(format!("review '{id}'")))?;
    let meeting = crate::actions::meetings::visible_meeting(&state, &actor.0, id).await?;
    let occurrences = crate::actions::meetings::occurrences(&state, &actor.0, id, 3)
        .await?
        .into_iter()
        .map(|o| (TimeView::new(o.starts_at), o.agenda))
        .collect();
    Ok(ReviewPage {
        user: actor.0.user.name.clone(),
        csrf: actor.csrf(),
        meeting,
        occurrences,
    }
    .into_response())
}
