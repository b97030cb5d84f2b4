//! The postmortem page (editor with preview and the blameless check, people, workflow, facts,
//! action items, attachments) and the action items board.

use super::form::{field, opt};
use super::session::{UiActor, UiError};
use super::view::{MetricRow, TimeView};
use crate::AppState;
use crate::actions::postmortem::items::{self, BoardQuery};
use crate::actions::postmortem::view::{PostmortemView, postmortem_view};
use crate::actions::postmortem::{self as act, EditInput, ReasonInput, ReviewInput, StepInput};
use crate::request::RefPath;
use crate::ui::form::CsrfForm;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
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
}

pub(crate) fn back(r: IncidentRef, anchor: &str) -> Response {
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
    metrics: Vec<MetricRow>,
    users: Vec<UserOpt>,
    can_write: bool,
    can_lead: bool,
    is_reviewer: bool,
    /// Why the document cannot go to review or be published yet (too few reviewers or
    /// approvals), instead of a button that would be refused.
    waiting_for: Option<String>,
    editable: bool,
    has_document: bool,
    meetings: Vec<MeetingRow>,
    zone: String,
    /// "This looks like" (`similar.html`).
    similar: Vec<crate::actions::similar::SimilarIncident>,
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
        similar: crate::actions::similar::similar_incidents(&state, &actor.0, r).await?,
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
        metrics: MetricRow::all(m),
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
        waiting_for: waiting_for(&pm),
        editable: matches!(pm.record.status, PmStatus::Required | PmStatus::Draft),
        has_document: pm.record.status.has_document(),
        meetings,
        zone,
        pm,
    };
    Ok(page.into_response())
}

/// What the next step waits for, when it cannot be taken yet.
fn waiting_for(pm: &crate::actions::postmortem::view::PostmortemView) -> Option<String> {
    let needed = usize::try_from(pm.record.approvals_required).unwrap_or(0);
    match pm.record.status {
        PmStatus::Required | PmStatus::Draft if pm.record.reviewer_ids.len() < needed => Some(
            format!("Choose at least {needed} reviewer(s) under People to submit it for review."),
        ),
        PmStatus::InReview if pm.approvals < needed => Some(format!(
            "Publishing needs {needed} approval(s) from the reviewers; it has {}.",
            pm.approvals
        )),
        _ => None,
    }
}

async fn edit(
    State(state): State<AppState>,
    actor: UiActor,
    RefPath(r): RefPath,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
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
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
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
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
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
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
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
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
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
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
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
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
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
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
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
