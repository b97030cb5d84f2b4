//! Publishing an incident's public updates from `/incidents/{ref}/status-page` (responders).
//!
//! Components standing for a service the incident affects are proposed: pre-selected with a
//! state from the incident's severity (`partial_outage` for the two most severe levels,
//! `degraded_performance` otherwise). An update announcing `identified`, `monitoring` or
//! `resolved` offers to move the incident there too when it is behind.

use super::field_errors::FieldErrors;
use super::form::{Pairs, field, opt};
use super::session::{UiActor, UiError};
use super::view::TimeView;
use super::view::label as human;
use crate::AppState;
use crate::actions::status_incident::{incident_move, publish_and_move};
use crate::actions::status_pages::{
    COMPONENT_STATES, ComponentState, PublishInput, UPDATE_STATUSES,
};
use crate::request::RefPath;
use crate::status_snapshot::render::state_label;
use crate::ui::form::CsrfForm;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use debrief_core::incident::Incident;
use debrief_core::timeline::Source;
use debrief_store::status_page::StatusPage;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new().route(
        "/incidents/{reference}/status-page",
        get(incident_page).post(publish),
    )
}

/// The fields of the publish form, for errors beside them.
const FIELDS: [&str; 5] = ["name", "status", "body", "components", "move_incident"];

/// A choice in a select: value, human label, whether chosen.
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

fn choices(values: &[&str], chosen: &str, label: impl Fn(&str) -> String) -> Vec<Choice> {
    values
        .iter()
        .map(|v| Choice {
            value: (*v).to_string(),
            label: label(v),
            selected: *v == chosen,
        })
        .collect()
}

/// A component on the publish form.
struct PickComponent {
    id: i64,
    name: String,
    /// The incident's services this component stands for ("" when none).
    serves: String,
    /// Whether it is proposed (it stands for an affected service).
    proposed: bool,
    /// `unchanged` or a state.
    states: Vec<Choice>,
}

/// One update already published.
struct UpdateRow {
    status: String,
    body: String,
    at: TimeView,
}

/// A page and what the incident shows on it.
struct Target {
    page: StatusPage,
    /// "Shown as …" when published.
    shown: Option<(String, String, String)>,
    updates: Vec<UpdateRow>,
    name: String,
    body: String,
    statuses: Vec<Choice>,
    components: Vec<PickComponent>,
    /// Whether the move checkbox is ticked.
    move_checked: bool,
    /// The status the chosen update status would move the incident to, as a label ("" when
    /// it would not move it).
    move_to: String,
    errors: FieldErrors,
}

#[derive(Template, WebTemplate)]
#[template(path = "incident_status_page.html")]
struct IncidentStatus {
    user: String,
    csrf: String,
    reference: String,
    private: bool,
    /// The incident's status, as a label.
    incident_status: String,
    /// The state proposed for affected components (app.js proposes `operational` instead
    /// while `resolved` is chosen).
    proposal: &'static str,
    /// `data-moves` for the move checkbox: update statuses that would move the incident, with
    /// their labels (`identified:Identified,…`), for app.js to show the right sentence.
    moves: Vec<(String, String)>,
    targets: Vec<Target>,
}

/// The state proposed for components of an incident of this severity.
async fn proposed_state(state: &AppState, incident: &Incident) -> Result<&'static str, UiError> {
    let rank = state
        .store
        .list_severities()
        .await?
        .into_iter()
        .find(|s| s.key == incident.severity)
        .map_or(i64::MAX, |s| s.rank);
    Ok(if rank <= 2 {
        "partial_outage"
    } else {
        "degraded_performance"
    })
}

async fn render(
    state: &AppState,
    actor: &UiActor,
    incident: &Incident,
    typed: Option<&Pairs>,
    errors: FieldErrors,
) -> Result<IncidentStatus, UiError> {
    let proposal = proposed_state(state, incident).await?;
    let typed_page = typed.map(|p| field(p, "page"));
    let mut targets = Vec::new();
    let mut errors = Some(errors);
    for page in state.store.pages().await? {
        let published = state.store.page_incident(page.id, incident.id).await?;
        let mine = typed.filter(|_| typed_page == Some(page.slug.as_str()));
        let default_name = published
            .as_ref()
            .map_or_else(|| incident.title.clone(), |p| p.name.clone());
        let default_status = published.as_ref().map_or("investigating", |p| {
            UPDATE_STATUSES
                .iter()
                .find(|s| **s == p.status)
                .copied()
                .unwrap_or("investigating")
        });
        let status = mine.map_or(default_status, |p| field(p, "status"));
        let components = state
            .store
            .components(page.id)
            .await?
            .into_iter()
            .map(|c| {
                let serves: Vec<String> = c
                    .services
                    .iter()
                    .filter(|s| incident.services.contains(s))
                    .cloned()
                    .collect();
                let proposed = !serves.is_empty() && incident.status.is_active();
                let chosen = match mine {
                    Some(p) => field(p, &format!("state:{}", c.id)).to_string(),
                    None if proposed => proposal.to_string(),
                    None => "unchanged".into(),
                };
                let mut states = vec![Choice {
                    value: "unchanged".into(),
                    label: format!("Unchanged ({})", state_label(&c.state)),
                    selected: chosen == "unchanged",
                }];
                states.extend(choices(&COMPONENT_STATES, &chosen, |s| {
                    state_label(s).to_string()
                }));
                PickComponent {
                    id: c.id,
                    name: c.name,
                    serves: serves.join(", "),
                    proposed,
                    states,
                }
            })
            .collect();
        let updates = published
            .as_ref()
            .map(|p| {
                p.updates
                    .iter()
                    .map(|u| UpdateRow {
                        status: human(&u.status),
                        body: u.body.clone(),
                        at: TimeView::new(u.at),
                    })
                    .collect()
            })
            .unwrap_or_default();
        targets.push(Target {
            shown: published
                .as_ref()
                .map(|p| (p.name.clone(), human(&p.status), human(&p.impact))),
            updates,
            name: mine.map_or(default_name, |p| field(p, "name").to_string()),
            body: mine.map_or_else(String::new, |p| field(p, "body").to_string()),
            statuses: choices(&UPDATE_STATUSES, status, human),
            components,
            move_checked: mine.is_none_or(|p| field(p, "move_incident") == "on"),
            move_to: incident_move(status, incident.status)
                .map_or_else(String::new, |to| human(to.as_str())),
            errors: match mine {
                Some(_) => errors.take().unwrap_or_default(),
                None => FieldErrors::none(),
            },
            page,
        });
    }
    let moves = UPDATE_STATUSES
        .iter()
        .filter_map(|s| {
            incident_move(s, incident.status).map(|to| (s.to_string(), human(to.as_str())))
        })
        .collect();
    Ok(IncidentStatus {
        user: actor.0.user.name.clone(),
        csrf: actor.csrf(),
        reference: incident.reference.clone(),
        private: incident.private,
        incident_status: human(incident.status.as_str()),
        proposal,
        moves,
        targets,
    })
}

async fn incident_page(
    State(state): State<AppState>,
    actor: UiActor,
    RefPath(r): RefPath,
) -> Result<Response, UiError> {
    let incident = state.store.incident(r.0, actor.0.viewer()).await?;
    Ok(render(&state, &actor, &incident, None, FieldErrors::none())
        .await?
        .into_response())
}

async fn publish(
    State(state): State<AppState>,
    actor: UiActor,
    RefPath(r): RefPath,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    // Component fields are `state:<id>`; "unchanged" leaves a component alone.
    let components = pairs
        .iter()
        .filter_map(|(k, v)| {
            let id = k.strip_prefix("state:")?.parse().ok()?;
            (v != "unchanged").then(|| ComponentState {
                id,
                state: v.clone(),
            })
        })
        .collect();
    let input = PublishInput {
        page: field(&pairs, "page").into(),
        status: field(&pairs, "status").into(),
        body: field(&pairs, "body").into(),
        name: opt(&pairs, "name"),
        components,
        move_incident: field(&pairs, "move_incident") == "on",
    };
    let moving = input.move_incident;
    match publish_and_move(&state, &actor.0, r, &input, moving, Source::Web).await {
        Ok(_) => Ok(Redirect::to(&format!("/incidents/{r}/status-page")).into_response()),
        Err(e) => {
            let errors = FieldErrors::from_error(e, &FIELDS)?;
            let incident = state.store.incident(r.0, actor.0.viewer()).await?;
            let page = render(&state, &actor, &incident, Some(&pairs), errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}
