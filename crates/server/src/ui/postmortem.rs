//! The postmortem page (editor with preview and the blameless check, people, workflow, facts,
//! action items, attachments) and the action items board.

use super::session::{UiActor, UiError};
use super::view::TimeView;
use crate::AppState;
use crate::actions::postmortem::items::{self, BoardQuery};
use crate::actions::postmortem::view::{PostmortemView, postmortem_view};
use crate::actions::postmortem::{self as act, EditInput, ReasonInput, ReviewInput, StepInput};
use crate::api::input::RefPath;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use debrief_core::access::AccountRole;
use debrief_core::action_item::{ActionItem, ItemInput};
use debrief_core::incident::IncidentRef;
use debrief_core::postmortem::PmStatus;
use debrief_core::timeline::Source;
use std::collections::BTreeMap;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/incidents/{reference}/postmortem", get(page))
        .route("/incidents/{reference}/postmortem/edit", post(edit))
        .route("/incidents/{reference}/postmortem/people", post(people))
        .route("/incidents/{reference}/postmortem/step", post(step))
        .route("/incidents/{reference}/postmortem/review", post(review))
        .route("/incidents/{reference}/postmortem/request", post(request))
        .route("/incidents/{reference}/postmortem/waive", post(waive))
        .route("/incidents/{reference}/action-items", post(add_item))
        .route(
            "/incidents/{reference}/action-items/{id}",
            post(change_item),
        )
        .route("/action-items", get(board))
        .route("/incidents/{reference}/meetings", post(schedule_meeting))
        .route("/meetings/{id}/cancel", post(cancel_meeting))
        .route("/postmortems", get(postmortem_list))
        .route("/reviews", post(create_review))
        .route("/reviews/{id}", get(review_page))
        .route("/me/calendar-feed", post(calendar_feed))
}

type Pairs = Vec<(String, String)>;

fn field<'a>(pairs: &'a Pairs, name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

fn opt(pairs: &Pairs, name: &str) -> Option<String> {
    Some(field(pairs, name).trim().to_string()).filter(|s| !s.is_empty())
}

fn back(r: IncidentRef, anchor: &str) -> Response {
    Redirect::to(&format!("/incidents/{r}/postmortem{anchor}")).into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "postmortem.html")]
struct Page {
    user: String,
    csrf: String,
    pm: PostmortemView,
    status: &'static str,
    decision: String,
    draft_due: Option<TimeView>,
    review_due: Option<TimeView>,
    published: Option<TimeView>,
    start: Option<TimeView>,
    end: Option<TimeView>,
    moments: Vec<(TimeView, String, bool)>,
    key_times: Vec<(&'static str, Option<TimeView>)>,
    metrics: Vec<(&'static str, String)>,
    users: Vec<UserOpt>,
    can_write: bool,
    can_lead: bool,
    is_reviewer: bool,
    editable: bool,
    has_document: bool,
    meetings: Vec<MeetingRow>,
    zone: String,
}

/// A meeting on the postmortem page.
struct MeetingRow {
    id: i64,
    kind: String,
    title: String,
    starts: TimeView,
    attendees: String,
    cancelled: bool,
}

/// A user in the page's pickers.
struct UserOpt {
    id: i64,
    name: String,
    owner: bool,
    facilitator: bool,
    reviewer: bool,
}

fn minutes(s: Option<f64>) -> String {
    s.map_or_else(|| "—".into(), |s| format!("{:.1} min", s / 60.0))
}

async fn page(
    State(state): State<AppState>,
    actor: UiActor,
    RefPath(r): RefPath,
) -> Result<Response, UiError> {
    let pm = postmortem_view(&state, &actor.0, r).await?;
    let incident = state.store.incident(r.0, actor.0.viewer()).await?;
    let users = state.store.list_users().await?;
    let zone = state.store.work_calendar().await?.time_zone;
    let meetings = state
        .store
        .meetings(Some(incident.id))
        .await?
        .into_iter()
        .map(|m| MeetingRow {
            id: m.id,
            kind: m.kind.replace('_', " "),
            title: m.title,
            starts: TimeView::new(m.starts_at),
            attendees: m
                .attendee_ids
                .iter()
                .filter_map(|id| users.iter().find(|u| u.id == *id).map(|u| u.name.clone()))
                .collect::<Vec<_>>()
                .join(", "),
            cancelled: m.status == "cancelled",
        })
        .collect();
    let k = &pm.facts.key_timestamps;
    let m = &pm.facts.metrics;
    let t = |x: Option<debrief_core::Timestamp>| x.map(TimeView::new);
    let status = pm.record.status.as_str();
    let page = Page {
        user: actor.0.user.name.clone(),
        csrf: actor.csrf(),
        status,
        decision: pm.record.decision.as_ref().map_or(
            "Not decided yet: the policy decides when the incident resolves.".into(),
            |d| d.summary(),
        ),
        draft_due: t(pm.record.draft_due_at),
        review_due: t(pm.record.review_due_at),
        published: t(pm.record.published_at),
        start: t(pm.facts.start),
        end: t(pm.facts.end),
        moments: pm
            .facts
            .timeline
            .iter()
            .map(|e| (TimeView::new(e.at), e.body.clone(), e.starred))
            .collect(),
        key_times: vec![
            ("Started", t(k.started_at)),
            ("Detected", t(k.detected_at)),
            ("Acknowledged", t(k.acknowledged_at)),
            ("First communication", t(k.first_comms_at)),
            ("First external communication", t(k.first_external_comms_at)),
            ("Mitigated", t(k.mitigated_at)),
            ("Resolved", t(k.resolved_at)),
        ],
        metrics: vec![
            ("Time to detect", minutes(m.time_to_detect_seconds)),
            (
                "Time to acknowledge",
                minutes(m.time_to_acknowledge_seconds),
            ),
            (
                "Time to communicate",
                minutes(m.time_to_communicate_seconds),
            ),
            ("Time to mitigate", minutes(m.time_to_mitigate_seconds)),
            ("Time to resolve", minutes(m.time_to_resolve_seconds)),
            (
                "Downtime",
                m.downtime_minutes
                    .map_or_else(|| "—".into(), |d| format!("{d:.1} min")),
            ),
        ],
        users: users
            .iter()
            .filter(|u| !u.disabled)
            .map(|u| UserOpt {
                id: u.id,
                name: u.name.clone(),
                owner: pm.record.owner_id == Some(u.id),
                facilitator: pm.record.facilitator_id == Some(u.id),
                reviewer: pm.record.reviewer_ids.contains(&u.id),
            })
            .collect(),
        can_write: actor.0.role >= AccountRole::Responder,
        can_lead: actor.0.role == AccountRole::Admin
            || incident
                .roles
                .iter()
                .any(|a| a.role == "commander" && a.user_id == actor.0.user.id),
        is_reviewer: pm.record.reviewer_ids.contains(&actor.0.user.id),
        editable: matches!(pm.record.status, PmStatus::Required | PmStatus::Draft),
        has_document: pm.record.status.has_document(),
        meetings,
        zone,
        pm,
    };
    Ok(page.into_response())
}

async fn edit(
    State(state): State<AppState>,
    actor: UiActor,
    RefPath(r): RefPath,
    Form(pairs): Form<Pairs>,
) -> Result<Response, UiError> {
    actor.check_csrf(field(&pairs, "csrf"))?;
    let sections: BTreeMap<String, String> = pairs
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("section:")
                .map(|key| (key.to_string(), v.replace("\r\n", "\n")))
        })
        .collect();
    let input = EditInput {
        sections: Some(sections),
        customer_summary: pairs
            .iter()
            .find(|(k, _)| k == "customer_summary")
            .map(|(_, v)| v.replace("\r\n", "\n")),
        version: field(&pairs, "version").parse().ok(),
        ..Default::default()
    };
    act::edit(&state, &actor.0, r, &input, Source::Web).await?;
    Ok(back(r, "#sections"))
}

async fn people(
    State(state): State<AppState>,
    actor: UiActor,
    RefPath(r): RefPath,
    Form(pairs): Form<Pairs>,
) -> Result<Response, UiError> {
    actor.check_csrf(field(&pairs, "csrf"))?;
    let input = EditInput {
        owner_id: field(&pairs, "owner_id").parse().ok(),
        facilitator_id: Some(field(&pairs, "facilitator_id").parse().ok()),
        reviewer_ids: Some(
            pairs
                .iter()
                .filter(|(k, _)| k == "reviewer_ids")
                .filter_map(|(_, v)| v.parse().ok())
                .collect(),
        ),
        ..Default::default()
    };
    act::edit(&state, &actor.0, r, &input, Source::Web).await?;
    Ok(back(r, "#people"))
}

async fn step(
    State(state): State<AppState>,
    actor: UiActor,
    RefPath(r): RefPath,
    Form(pairs): Form<Pairs>,
) -> Result<Response, UiError> {
    actor.check_csrf(field(&pairs, "csrf"))?;
    let input = StepInput {
        step: field(&pairs, "step").into(),
        acknowledge_findings: field(&pairs, "acknowledge_findings") == "on",
        message: opt(&pairs, "message"),
        version: None,
    };
    act::step(&state, &actor.0, r, &input, Source::Web).await?;
    Ok(back(r, ""))
}

async fn review(
    State(state): State<AppState>,
    actor: UiActor,
    RefPath(r): RefPath,
    Form(pairs): Form<Pairs>,
) -> Result<Response, UiError> {
    actor.check_csrf(field(&pairs, "csrf"))?;
    let input = ReviewInput {
        verdict: field(&pairs, "verdict").into(),
        comment: opt(&pairs, "comment"),
    };
    act::review(&state, &actor.0, r, &input, Source::Web).await?;
    Ok(back(r, "#reviews"))
}

async fn request(
    State(state): State<AppState>,
    actor: UiActor,
    RefPath(r): RefPath,
    Form(pairs): Form<Pairs>,
) -> Result<Response, UiError> {
    actor.check_csrf(field(&pairs, "csrf"))?;
    let input = ReasonInput {
        reason: opt(&pairs, "reason"),
    };
    act::request(&state, &actor.0, r, &input, Source::Web).await?;
    Ok(back(r, ""))
}

async fn waive(
    State(state): State<AppState>,
    actor: UiActor,
    RefPath(r): RefPath,
    Form(pairs): Form<Pairs>,
) -> Result<Response, UiError> {
    actor.check_csrf(field(&pairs, "csrf"))?;
    let input = ReasonInput {
        reason: Some(field(&pairs, "reason").into()),
    };
    act::waive(&state, &actor.0, r, &input, Source::Web).await?;
    Ok(back(r, ""))
}

async fn add_item(
    State(state): State<AppState>,
    actor: UiActor,
    RefPath(r): RefPath,
    Form(pairs): Form<Pairs>,
) -> Result<Response, UiError> {
    actor.check_csrf(field(&pairs, "csrf"))?;
    let input = ItemInput {
        title: Some(field(&pairs, "title").into()),
        description: opt(&pairs, "description"),
        owner_id: Some(field(&pairs, "owner_id").parse().ok()),
        due_on: Some(opt(&pairs, "due_on")),
        priority: opt(&pairs, "priority"),
        tracker_url: Some(opt(&pairs, "tracker_url")),
        from_postmortem: Some(true),
        ..Default::default()
    };
    items::create_item(&state, &actor.0, r, &input, Source::Web).await?;
    Ok(back(r, "#action-items"))
}

async fn change_item(
    State(state): State<AppState>,
    actor: UiActor,
    RefPath(r): RefPath,
    Path((_, id)): Path<(String, String)>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, UiError> {
    actor.check_csrf(field(&pairs, "csrf"))?;
    let id: i64 = id
        .parse()
        .map_err(|_| crate::AppError::NotFound(format!("action item '{id}'")))?;
    let input = ItemInput {
        status: opt(&pairs, "status"),
        wont_do_reason: opt(&pairs, "wont_do_reason"),
        ..Default::default()
    };
    items::update_item(&state, &actor.0, r, id, &input, None, Source::Web).await?;
    let to = opt(&pairs, "back").filter(|b| b.starts_with('/') && !b.starts_with("//"));
    Ok(match to {
        Some(to) => Redirect::to(&to).into_response(),
        None => back(r, "#action-items"),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "action_items.html")]
struct Board {
    user: String,
    csrf: String,
    items: Vec<ActionItem>,
    q: BoardQuery,
    back: String,
    teams: Vec<String>,
    services: Vec<String>,
}

async fn board(
    State(state): State<AppState>,
    actor: UiActor,
    Query(q): Query<BoardQuery>,
    uri: axum::http::Uri,
) -> Result<Response, UiError> {
    let list = items::board(&state, &actor.0, &q).await?;
    Ok(Board {
        user: actor.0.user.name.clone(),
        csrf: actor.csrf(),
        items: list,
        back: uri.to_string(),
        teams: state
            .store
            .list_teams()
            .await?
            .into_iter()
            .map(|t| t.slug)
            .collect(),
        services: state
            .store
            .list_services()
            .await?
            .into_iter()
            .map(|s| s.slug)
            .collect(),
        q,
    }
    .into_response())
}

async fn schedule_meeting(
    State(state): State<AppState>,
    actor: UiActor,
    RefPath(r): RefPath,
    Form(pairs): Form<Pairs>,
) -> Result<Response, UiError> {
    actor.check_csrf(field(&pairs, "csrf"))?;
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
    Form(pairs): Form<Pairs>,
) -> Result<Response, UiError> {
    actor.check_csrf(field(&pairs, "csrf"))?;
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
    Form(pairs): Form<Pairs>,
) -> Result<Response, UiError> {
    actor.check_csrf(field(&pairs, "csrf"))?;
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
    Form(pairs): Form<Pairs>,
) -> Result<Response, UiError> {
    actor.check_csrf(field(&pairs, "csrf"))?;
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
