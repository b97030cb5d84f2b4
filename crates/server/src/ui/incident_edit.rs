//! Correcting an incident after it was declared (`/incidents/{ref}/edit`: title, summary, type,
//! services, customer impact, private; each change a timeline event) and merging it into
//! another (`/incidents/{ref}/merge`, with a search for the target). Both forms come back with
//! the errors beside their fields and what was typed kept; an edit that raced another change
//! says so and keeps the typed values to save again.

use super::field_errors::FieldErrors;
use super::form::{CsrfForm, Pairs, field, opt};
use super::session::{UiActor, UiError};
use crate::actions::incident as act;
use crate::request::RefPath;
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use debrief_core::incident::{Incident, IncidentRef, UpdateInput};
use debrief_core::status::Status;
use debrief_core::timeline::Source;
use debrief_store::incident::IncidentFilter;
use serde::Deserialize;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/incidents/{reference}/edit", get(edit_page).post(save))
        .route("/incidents/{reference}/merge", get(merge_page).post(merge))
}

/// A choice in a list of checkboxes or a select.
pub struct Choice {
    value: String,
    label: String,
    chosen: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "incident_edit.html")]
struct EditPage {
    user: String,
    csrf: String,
    reference: String,
    version: i64,
    title: String,
    summary: String,
    types: Vec<Choice>,
    services: Vec<Choice>,
    customer_impact: bool,
    private: bool,
    errors: FieldErrors,
}

/// The incident types to offer: the catalogue's live types, and the incident's own (an archived
/// type stays as it is until someone picks another).
async fn type_choices(state: &AppState, current: &str) -> Result<Vec<Choice>, AppError> {
    Ok(state
        .store
        .list_incident_types()
        .await?
        .into_iter()
        .filter(|t| !t.archived || t.slug == current)
        .map(|t| Choice {
            chosen: t.slug == current,
            label: t.name,
            value: t.slug,
        })
        .collect())
}

async fn render(
    state: &AppState,
    actor: &UiActor,
    incident: &Incident,
    typed: Option<&Pairs>,
    errors: FieldErrors,
) -> Result<EditPage, UiError> {
    let text = |name: &str, saved: String| match typed {
        Some(p) => field(p, name).to_string(),
        None => saved,
    };
    let flag = |name: &str, saved: bool| match typed {
        Some(p) => field(p, name) == "on",
        None => saved,
    };
    let chosen_type = typed
        .and_then(|p| opt(p, "type"))
        .unwrap_or_else(|| incident.incident_type.clone());
    let chosen_services: Vec<String> = match typed {
        Some(p) => p
            .iter()
            .filter(|(k, _)| k == "services")
            .map(|(_, v)| v.clone())
            .collect(),
        None => incident.services.clone(),
    };
    let mut services: Vec<Choice> = state
        .store
        .list_services()
        .await?
        .into_iter()
        .map(|s| Choice {
            chosen: chosen_services.contains(&s.slug),
            label: s.name,
            value: s.slug,
        })
        .collect();
    // A service the incident names that is no longer in the catalogue stays choosable.
    for s in &chosen_services {
        if !services.iter().any(|c| &c.value == s) {
            services.push(Choice {
                value: s.clone(),
                label: s.clone(),
                chosen: true,
            });
        }
    }
    Ok(EditPage {
        user: actor.0.user.name.clone(),
        csrf: actor.csrf(),
        reference: incident.reference.clone(),
        version: incident.version,
        title: text("title", incident.title.clone()),
        summary: text("summary", incident.summary.clone().unwrap_or_default()),
        types: type_choices(state, &chosen_type).await?,
        services,
        customer_impact: flag("customer_impact", incident.customer_impact),
        private: flag("private", incident.private),
        errors,
    })
}

async fn edit_page(
    State(state): State<AppState>,
    actor: UiActor,
    RefPath(r): RefPath,
) -> Result<Response, UiError> {
    actor
        .0
        .require(debrief_core::access::AccountRole::Responder)?;
    let incident = state.store.incident(r.0, actor.0.viewer()).await?;
    Ok(render(&state, &actor, &incident, None, FieldErrors::none())
        .await?
        .into_response())
}

const EDIT_FIELDS: [&str; 6] = [
    "title",
    "summary",
    "type",
    "services",
    "customer_impact",
    "private",
];

async fn save(
    State(state): State<AppState>,
    actor: UiActor,
    RefPath(r): RefPath,
    CsrfForm(p): CsrfForm,
) -> Result<Response, UiError> {
    let input = UpdateInput {
        title: Some(field(&p, "title").to_string()),
        summary: Some(field(&p, "summary").to_string()),
        incident_type: opt(&p, "type"),
        services: Some(
            p.iter()
                .filter(|(k, _)| k == "services")
                .map(|(_, v)| v.clone())
                .collect(),
        ),
        customer_impact: Some(field(&p, "customer_impact") == "on"),
        private: Some(field(&p, "private") == "on"),
        version: field(&p, "version").parse().ok(),
        ..UpdateInput::default()
    };
    match act::update_incident(&state, &actor.0, r, &input, None, Source::Web).await {
        Ok(_) => Ok(Redirect::to(&format!("/incidents/{r}")).into_response()),
        Err(e) => {
            let errors = match e {
                AppError::PreconditionFailed(_) => FieldErrors::from_error(
                    AppError::Conflict(
                        "someone changed this incident while you were editing; your changes are \
                         below, on top of theirs: check them and save again"
                            .into(),
                    ),
                    &[],
                )?,
                e => FieldErrors::from_error(e, &EDIT_FIELDS)?,
            };
            // The form carries the version it now stands on, so saving again applies.
            let incident = state.store.incident(r.0, actor.0.viewer()).await?;
            let page = render(&state, &actor, &incident, Some(&p), errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// One incident a duplicate may be merged into.
pub struct Candidate {
    reference: String,
    title: String,
    status: String,
    severity: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "incident_merge.html")]
struct MergePage {
    user: String,
    csrf: String,
    reference: String,
    title: String,
    q: String,
    candidates: Vec<Candidate>,
    errors: FieldErrors,
}

#[derive(Deserialize, Default)]
struct Search {
    q: Option<String>,
}

async fn render_merge(
    state: &AppState,
    actor: &UiActor,
    r: IncidentRef,
    q: &str,
    errors: FieldErrors,
) -> Result<MergePage, UiError> {
    let incident = state.store.incident(r.0, actor.0.viewer()).await?;
    let q = q.trim();
    let filter = IncidentFilter {
        statuses: vec![
            Status::Triage,
            Status::Investigating,
            Status::Identified,
            Status::Monitoring,
            Status::Resolved,
        ],
        text: q
            .parse::<IncidentRef>()
            .is_err()
            .then(|| q.to_string())
            .filter(|t| !t.is_empty()),
        limit: 20,
        ..IncidentFilter::default()
    };
    let mut found = state
        .store
        .list_incidents(&filter, actor.0.viewer())
        .await?;
    if let Ok(exact) = q.parse::<IncidentRef>()
        && let Ok(i) = state.store.incident(exact.0, actor.0.viewer()).await
    {
        found.retain(|c| c.id != i.id);
        found.insert(0, i);
    }
    let candidates = found
        .into_iter()
        .filter(|c| c.id != incident.id && c.status != Status::Merged)
        .map(|c| Candidate {
            status: super::view::label(c.status.as_str()),
            reference: c.reference,
            title: c.title,
            severity: c.severity,
        })
        .collect();
    Ok(MergePage {
        user: actor.0.user.name.clone(),
        csrf: actor.csrf(),
        reference: incident.reference,
        title: incident.title,
        q: q.to_string(),
        candidates,
        errors,
    })
}

async fn merge_page(
    State(state): State<AppState>,
    actor: UiActor,
    RefPath(r): RefPath,
    Query(s): Query<Search>,
) -> Result<Response, UiError> {
    actor
        .0
        .require(debrief_core::access::AccountRole::Responder)?;
    let q = s.q.unwrap_or_default();
    Ok(render_merge(&state, &actor, r, &q, FieldErrors::none())
        .await?
        .into_response())
}

async fn merge(
    State(state): State<AppState>,
    actor: UiActor,
    RefPath(r): RefPath,
    CsrfForm(p): CsrfForm,
) -> Result<Response, UiError> {
    let into = field(&p, "into");
    match act::merge_incident(&state, &actor.0, r, into, Source::Web).await {
        Ok(_) => Ok(Redirect::to(&format!("/incidents/{into}")).into_response()),
        Err(e) => {
            let errors = match e {
                AppError::Transition(t) => FieldErrors::one("into", t.to_string()),
                e => FieldErrors::from_error(e, &["into"])?,
            };
            let page = render_merge(&state, &actor, r, field(&p, "q"), errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}
