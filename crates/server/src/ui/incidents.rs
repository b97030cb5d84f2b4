//! Incident pages: the list with filters, the declare form, and the incident page with its forms.

use super::custom_values;
use super::field_errors::FieldErrors;
use super::form::{Pairs, field, opt};
use super::picture;
use super::session::{UiActor, UiError, urlencode};
use super::view::{EventView, IncidentRow, MetricRow, TimeView, TimestampRow};
use crate::AppState;
use crate::actions::incident::{self as act, RoleInput, TransitionInput, key_timestamps};
use crate::actions::timeline as tl;
use crate::request::RefPath;
use crate::request::parse_filter;
use crate::ui::form::CsrfForm;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use debrief_core::incident::{DeclareInput, IncidentRef, UpdateInput};
use debrief_core::metrics;
use debrief_core::status::{ALL_STATUSES, Status};
use debrief_core::timeline::{EventKind, NewEventInput, Source};
use debrief_core::timestamps::FIELDS;
use debrief_store::alert::AlertFilter;
use debrief_store::incident::IncidentFilter;

/// The most alerts listed on an incident's page (the API pages through all of them).
const INCIDENT_ALERTS: i64 = 100;

/// The incident page routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(list_page))
        .route("/incidents", post(declare))
        .route("/incidents/new", get(declare_page))
        .route("/incidents/{reference}", get(incident_page))
        .route("/incidents/{reference}/status", post(change_status))
        .route("/incidents/{reference}/severity", post(change_severity))
        .route("/incidents/{reference}/roles", post(change_role))
        .route(
            "/incidents/{reference}/custom-fields",
            post(change_custom_fields),
        )
        .route("/incidents/{reference}/timeline", post(add_event))
        .route(
            "/incidents/{reference}/timeline/{event_id}/edit",
            post(edit_event),
        )
        .route(
            "/incidents/{reference}/timeline/{event_id}/star",
            post(star_event),
        )
        .route(
            "/incidents/{reference}/timestamps",
            post(override_timestamp),
        )
}

#[derive(Template, WebTemplate)]
#[template(path = "list.html")]
struct ListPage {
    user: String,
    csrf: String,
    rows: Vec<IncidentRow>,
    statuses: Vec<&'static str>,
    severities: Vec<String>,
    services: Vec<String>,
    f_status: String,
    f_severity: String,
    f_service: String,
    f_q: String,
    /// Filters by custom field (`cf.<key>`), with the chosen values.
    custom: Vec<custom_values::FieldView>,
    next: Option<String>,
    total: i64,
    open: i64,
}

async fn list_page(
    State(state): State<AppState>,
    actor: UiActor,
    Query(pairs): Query<Pairs>,
) -> Result<Response, UiError> {
    let viewer = actor.0.viewer();
    let f = parse_filter(&pairs)?;
    let mut items = state
        .store
        .list_incidents(
            &IncidentFilter {
                limit: f.limit + 1,
                ..f.clone()
            },
            viewer,
        )
        .await?;
    let next = if items.len() as i64 > f.limit {
        items.truncate(f.limit as usize);
        let mut q: Vec<String> = pairs
            .iter()
            .filter(|(k, _)| k != "cursor")
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect();
        q.push(format!(
            "cursor={}",
            items.last().map(|i| i.id).unwrap_or(0)
        ));
        Some(format!("/?{}", q.join("&")))
    } else {
        None
    };
    let counts = state
        .store
        .count_incidents(&IncidentFilter::default(), viewer)
        .await?;
    let page = ListPage {
        user: actor.0.user.name.clone(),
        csrf: actor.csrf(),
        rows: items.iter().map(IncidentRow::from).collect(),
        statuses: ALL_STATUSES.iter().map(|s| s.as_str()).collect(),
        severities: state
            .store
            .list_severities()
            .await?
            .into_iter()
            .map(|s| s.key)
            .collect(),
        services: state
            .store
            .list_services()
            .await?
            .into_iter()
            .map(|s| s.slug)
            .collect(),
        f_status: field(&pairs, "status").into(),
        f_severity: field(&pairs, "severity").into(),
        f_service: field(&pairs, "service").into(),
        f_q: field(&pairs, "q").into(),
        custom: {
            let defs = state.store.list_custom_fields().await?;
            custom_values::views(&defs, &custom_values::posted(&defs, &pairs))
        },
        next,
        total: counts.iter().map(|(_, n)| n).sum(),
        open: counts
            .iter()
            .filter(|(s, _)| s.is_active())
            .map(|(_, n)| n)
            .sum(),
    };
    Ok(page.into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "declare.html")]
struct DeclarePage {
    user: String,
    csrf: String,
    severities: Vec<(String, String)>,
    services: Vec<(String, String)>,
    /// Types that may be chosen: `(slug, name)`.
    types: Vec<(String, String)>,
    /// Custom fields that are not archived, with what was typed.
    custom: Vec<custom_values::FieldView>,
    /// What was posted, when a declaration was refused.
    typed: Pairs,
    errors: FieldErrors,
}

impl DeclarePage {
    /// What was typed into `name`.
    fn typed(&self, name: &str) -> &str {
        field(&self.typed, name)
    }

    /// Whether `value` was chosen for `name`.
    fn picked(&self, name: &str, value: &str) -> bool {
        self.typed.iter().any(|(k, v)| k == name && v == value)
    }
}

async fn declare_page(State(state): State<AppState>, actor: UiActor) -> Result<Response, UiError> {
    // A new form starts on the `default` type, not on the first type alphabetically.
    let start = vec![("type".to_string(), "default".to_string())];
    declare_form(&state, &actor, start, FieldErrors::none()).await
}

/// The declare form: blank, or (a refused declaration) with what was typed and the messages.
async fn declare_form(
    state: &AppState,
    actor: &UiActor,
    typed: Pairs,
    errors: FieldErrors,
) -> Result<Response, UiError> {
    let defs = state.store.list_custom_fields().await?;
    let status = match errors.any() {
        true => axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        false => axum::http::StatusCode::OK,
    };
    let page = DeclarePage {
        user: actor.0.user.name.clone(),
        csrf: actor.csrf(),
        severities: state
            .store
            .list_severities()
            .await?
            .into_iter()
            .map(|s| (s.key.clone(), format!("{} — {}", s.key, s.name)))
            .collect(),
        services: state
            .store
            .list_services()
            .await?
            .into_iter()
            .map(|s| (s.slug, s.name))
            .collect(),
        types: state
            .store
            .list_incident_types()
            .await?
            .into_iter()
            .filter(|t| !t.archived)
            .map(|t| (t.slug, t.name))
            .collect(),
        custom: custom_values::views(&defs, &custom_values::posted(&defs, &typed)),
        typed,
        errors,
    };
    Ok((status, page).into_response())
}

async fn declare(
    State(state): State<AppState>,
    actor: UiActor,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    let defs = state.store.list_custom_fields().await?;
    let started_at = super::form::instant(&pairs, "started_at");
    let mut input = DeclareInput {
        title: field(&pairs, "title").into(),
        severity: opt(&pairs, "severity"),
        summary: opt(&pairs, "summary"),
        incident_type: opt(&pairs, "type"),
        services: pairs
            .iter()
            .filter(|(k, v)| k == "services" && !v.is_empty())
            .map(|(_, v)| v.clone())
            .collect(),
        customer_impact: field(&pairs, "customer_impact") == "on",
        private: field(&pairs, "private") == "on",
        started_at: None,
        status: opt(&pairs, "status"),
        custom_fields: custom_values::input(&defs, &custom_values::posted(&defs, &pairs), false),
    };
    let declared = match started_at {
        Ok(at) => {
            input.started_at = at;
            act::declare_incident(&state, &actor.0, &input, Source::Web).await
        }
        Err(e) => Err(e),
    };
    match declared {
        Ok(incident) => {
            Ok(Redirect::to(&format!("/incidents/{}", incident.reference)).into_response())
        }
        Err(e) => {
            let mut known = vec![
                "title",
                "severity",
                "summary",
                "type",
                "services",
                "started_at",
            ];
            let names: Vec<String> = defs
                .iter()
                .map(|d| format!("custom_fields.{}", d.key))
                .collect();
            known.extend(names.iter().map(String::as_str));
            let errors = FieldErrors::from_error(e, &known)?;
            declare_form(&state, &actor, pairs, errors).await
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "incident.html")]
struct IncidentPage {
    user: String,
    csrf: String,
    reference: String,
    title: String,
    summary: String,
    severity: String,
    status: String,
    incident_type: String,
    services: String,
    private: bool,
    customer_impact: bool,
    merged_into: Option<String>,
    roles: Vec<(String, String)>,
    next_statuses: Vec<&'static str>,
    severities: Vec<String>,
    users: Vec<(String, String)>,
    timestamps: Vec<TimestampRow>,
    metrics: Vec<MetricRow>,
    events: Vec<EventView>,
    kinds: Vec<&'static str>,
    picture: String,
    can_write: bool,
    pm_status: String,
    /// The alerts that opened or joined it, newest first.
    alerts: Vec<super::alerts::AlertRow>,
    /// Its custom fields (`incident_custom_fields.html`).
    custom: Vec<custom_values::FieldView>,
    /// "This looks like" (`similar.html`).
    similar: Vec<crate::actions::similar::SimilarIncident>,
    errors: FieldErrors,
}

fn label(field: &str) -> String {
    let s = field.trim_end_matches("_at").replace('_', " ");
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

async fn incident_page(
    State(state): State<AppState>,
    actor: UiActor,
    RefPath(r): RefPath,
) -> Result<Response, UiError> {
    let incident = state.store.incident(r.0, actor.0.viewer()).await?;
    let events = state.store.list_events(r.0).await?;
    let k = key_timestamps(&incident, &events);
    let m = metrics::compute(&k, &incident.services);
    let declared_status = events
        .iter()
        .find(|e| e.kind == EventKind::Declared)
        .and_then(|e| {
            e.data
                .get("status")
                .and_then(|v| v.as_str())
                .and_then(|s| s.parse().ok())
        })
        .unwrap_or(Status::Triage);
    let picture = picture::render(declared_status, &k, &events, state.clock.now());
    let pm_status = state
        .store
        .postmortem(r.0)
        .await?
        .filter(|p| p.decision.is_some() || p.status.has_document())
        .map_or("not decided yet".to_string(), |p| {
            p.status.as_str().replace('_', " ")
        });
    let alerts = state
        .store
        .alerts(&AlertFilter {
            incident_id: Some(incident.id),
            limit: INCIDENT_ALERTS,
            viewer: Some(actor.0.viewer()),
            ..AlertFilter::default()
        })
        .await?;
    let alerts =
        super::alerts::alert_rows(&alerts, &super::alerts::integration_names(&state).await?);
    let defs = state.store.list_custom_fields().await?;
    let values = state
        .store
        .custom_values(&[incident.id])
        .await?
        .remove(&incident.id)
        .unwrap_or_default();
    let page = IncidentPage {
        similar: crate::actions::similar::similar_incidents(&state, &actor.0, r).await?,
        custom: custom_values::views(&defs, &values),
        errors: FieldErrors::none(),
        alerts,
        pm_status,
        user: actor.0.user.name.clone(),
        csrf: actor.csrf(),
        reference: incident.reference.clone(),
        title: incident.title.clone(),
        summary: incident.summary.clone().unwrap_or_default(),
        severity: incident.severity.clone(),
        status: incident.status.as_str().into(),
        incident_type: state
            .store
            .incident_type(&incident.incident_type)
            .await
            .map_or_else(|_| incident.incident_type.clone(), |t| t.name),
        services: if incident.services.is_empty() {
            "—".into()
        } else {
            incident.services.join(", ")
        },
        private: incident.private,
        customer_impact: incident.customer_impact,
        merged_into: incident.merged_into.clone(),
        roles: incident
            .roles
            .iter()
            .map(|a| (a.role.clone(), a.user_name.clone()))
            .collect(),
        next_statuses: ALL_STATUSES
            .iter()
            .filter(|s| incident.status.check_transition(**s).is_ok())
            .map(|s| s.as_str())
            .collect(),
        severities: state
            .store
            .list_severities()
            .await?
            .into_iter()
            .map(|s| s.key)
            .collect(),
        users: state
            .store
            .list_users()
            .await?
            .into_iter()
            .filter(|u| !u.disabled)
            .map(|u| (u.email, u.name))
            .collect(),
        timestamps: FIELDS
            .iter()
            .map(|f| TimestampRow {
                field: f.to_string(),
                label: label(f),
                time: k.get(f).map(TimeView::new),
                origin: format!("{:?}", k.origin(f)).to_lowercase(),
            })
            .collect(),
        metrics: MetricRow::all(&m),
        events: events.iter().map(EventView::from).collect(),
        kinds: EventKind::ALL
            .iter()
            .filter(|k| k.is_addable())
            .map(|k| k.as_str())
            .collect(),
        picture,
        can_write: actor.0.role >= debrief_core::access::AccountRole::Responder,
    };
    Ok(page.into_response())
}

fn back(r: IncidentRef) -> Response {
    Redirect::to(&format!("/incidents/{r}")).into_response()
}

async fn change_status(
    State(state): State<AppState>,
    actor: UiActor,
    RefPath(r): RefPath,
    CsrfForm(p): CsrfForm,
) -> Result<Response, UiError> {
    let input = TransitionInput {
        to: field(&p, "to").into(),
        at: super::form::instant(&p, "at")?,
        message: opt(&p, "message"),
        version: None,
    };
    act::transition_incident(&state, &actor.0, r, &input, None, Source::Web).await?;
    Ok(back(r))
}

async fn change_severity(
    State(state): State<AppState>,
    actor: UiActor,
    RefPath(r): RefPath,
    CsrfForm(p): CsrfForm,
) -> Result<Response, UiError> {
    let input = UpdateInput {
        severity: opt(&p, "severity"),
        ..Default::default()
    };
    act::update_incident(&state, &actor.0, r, &input, None, Source::Web).await?;
    Ok(back(r))
}

async fn change_custom_fields(
    State(state): State<AppState>,
    actor: UiActor,
    RefPath(r): RefPath,
    CsrfForm(p): CsrfForm,
) -> Result<Response, UiError> {
    let defs = state.store.list_custom_fields().await?;
    let input = UpdateInput {
        custom_fields: Some(custom_values::input(
            &defs,
            &custom_values::posted(&defs, &p),
            true,
        )),
        ..Default::default()
    };
    act::update_incident(&state, &actor.0, r, &input, None, Source::Web).await?;
    Ok(back(r))
}

async fn change_role(
    State(state): State<AppState>,
    actor: UiActor,
    RefPath(r): RefPath,
    CsrfForm(p): CsrfForm,
) -> Result<Response, UiError> {
    let role = opt(&p, "custom_role")
        .or_else(|| opt(&p, "role"))
        .unwrap_or_default();
    let input = RoleInput {
        role,
        user_id: None,
        email: opt(&p, "email"),
    };
    act::assign_role(&state, &actor.0, r, &input, Source::Web).await?;
    Ok(back(r))
}

async fn add_event(
    State(state): State<AppState>,
    actor: UiActor,
    RefPath(r): RefPath,
    CsrfForm(p): CsrfForm,
) -> Result<Response, UiError> {
    let links = opt(&p, "link")
        .map(|url| vec![debrief_core::timeline::Link { url, title: None }])
        .unwrap_or_default();
    let input = NewEventInput {
        kind: field(&p, "kind").into(),
        at: super::form::instant(&p, "at")?,
        body: field(&p, "body").into(),
        links,
        source: None,
        starred: field(&p, "starred") == "on",
    };
    tl::add_event(&state, &actor.0, r, &input, Source::Web).await?;
    Ok(back(r))
}

async fn star_event(
    State(state): State<AppState>,
    actor: UiActor,
    RefPath(r): RefPath,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(p): CsrfForm,
) -> Result<Response, UiError> {
    let id = crate::request::event_id(&id)?;
    tl::star_event(&state, &actor.0, r, id, field(&p, "starred") == "1").await?;
    Ok(back(r))
}

async fn override_timestamp(
    State(state): State<AppState>,
    actor: UiActor,
    RefPath(r): RefPath,
    CsrfForm(p): CsrfForm,
) -> Result<Response, UiError> {
    let mut body = serde_json::Map::new();
    body.insert(
        field(&p, "field").into(),
        super::form::instant(&p, "value")?
            .map_or(serde_json::Value::Null, serde_json::Value::String),
    );
    body.insert(
        "reason".into(),
        serde_json::Value::String(field(&p, "reason").into()),
    );
    act::override_timestamps(&state, &actor.0, r, &body, Source::Web).await?;
    Ok(back(r))
}

async fn edit_event(
    State(state): State<AppState>,
    actor: UiActor,
    RefPath(r): RefPath,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(p): CsrfForm,
) -> Result<Response, UiError> {
    let id = crate::request::event_id(&id)?;
    // The form shows the time to the second: one posted back unchanged keeps the stored
    // milliseconds.
    let second = |t: jiff::Timestamp| t.strftime("%Y-%m-%dT%H:%M:%S").to_string();
    let at = match super::form::instant(&p, "at")? {
        Some(t) => {
            let stored = state.store.event(r.0, id).await?.at;
            let same = t.parse().ok().map(second) == Some(second(stored));
            (!same).then_some(t)
        }
        None => None,
    };
    let input = debrief_core::timeline::EditEventInput {
        body: opt(&p, "body"),
        at,
        links: None,
    };
    tl::edit_event(&state, &actor.0, r, id, &input).await?;
    Ok(back(r))
}
