//! The postmortem settings page (admins): the policy with a replay of a changed policy over the
//! last 90 days before saving, templates, and the working calendar.

use super::form::{Pairs, field};
use super::session::{UiActor, UiError};
use crate::AppError;
use crate::AppState;
use crate::actions::policy::{self as act, Replay};
use crate::ui::form::CsrfForm;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use debrief_core::access::AccountRole;
use debrief_core::deadline::WorkCalendar;
use debrief_core::policy::PolicyConfig;
use debrief_core::validation::ValidationError;
use debrief_store::jobs::{JobFilter, JobStatus};

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/postmortems", get(page).post(policy_form))
        .route("/settings/postmortems/calendar", post(calendar_form))
        .route("/settings/deliveries/{id}/retry", post(retry_form))
}

fn list(s: &str) -> Vec<String> {
    s.split([',', '\n'])
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "settings.html")]
struct Page {
    user: String,
    csrf: String,
    policy: PolicyConfig,
    replay: Option<Replay>,
    saved: bool,
    templates: Vec<(String, String)>,
    calendar: WorkCalendar,
    weekdays: Vec<(&'static str, bool)>,
    holidays: String,
    severities: Vec<String>,
    /// Deliveries that failed (retrying) or gave up, newest first: (id, kind, status, attempts,
    /// reason, summary).
    failures: Vec<(i64, String, &'static str, i64, String, String)>,
}

impl Page {
    fn join(v: &[String]) -> String {
        v.join(", ")
    }
}

async fn render(
    state: &AppState,
    actor: &UiActor,
    policy: Option<PolicyConfig>,
    replay: Option<Replay>,
    saved: bool,
) -> Result<Response, UiError> {
    actor.0.require(AccountRole::Admin)?;
    let calendar = state.store.work_calendar().await?;
    let mut failures = Vec::new();
    for status in [JobStatus::Dead, JobStatus::Failed] {
        let filter = JobFilter {
            status: Some(status),
            kind: None,
            before: None,
            limit: 50,
        };
        for j in crate::actions::delivery::list_deliveries(state, &actor.0, &filter).await? {
            let summary = state.jobs.registry.summary(&j);
            failures.push((
                j.id,
                j.kind.clone(),
                j.status.as_str(),
                j.attempts,
                j.last_error.clone().unwrap_or_default(),
                summary,
            ));
        }
    }
    Ok(Page {
        failures,
        user: actor.0.user.name.clone(),
        csrf: actor.csrf(),
        policy: match policy {
            Some(p) => p,
            None => state.store.postmortem_policy().await?,
        },
        replay,
        saved,
        templates: state
            .store
            .templates()
            .await?
            .into_iter()
            .map(|t| (t.key, t.name))
            .collect(),
        weekdays: {
            use jiff::civil::Weekday::*;
            [
                Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday,
            ]
            .into_iter()
            .map(|w| {
                (
                    debrief_core::deadline::weekday_name(w),
                    calendar.workdays.contains(&w),
                )
            })
            .collect()
        },
        holidays: calendar
            .holidays
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join("\n"),
        calendar,
        severities: state
            .store
            .list_severities()
            .await?
            .into_iter()
            .map(|s| s.key)
            .collect(),
    }
    .into_response())
}

async fn page(State(state): State<AppState>, actor: UiActor) -> Result<Response, UiError> {
    render(&state, &actor, None, None, false).await
}

fn number(e: &mut ValidationError, pairs: &Pairs, name: &str) -> i64 {
    match field(pairs, name).trim().parse() {
        Ok(n) => n,
        Err(_) => {
            e.push(name, "must be a whole number");
            0
        }
    }
}

async fn policy_form(
    State(state): State<AppState>,
    actor: UiActor,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    let mut e = ValidationError::default();
    let p = PolicyConfig {
        severity_threshold: field(&pairs, "severity_threshold").into(),
        always_types: list(field(&pairs, "always_types")),
        repeat_window_days: number(&mut e, &pairs, "repeat_window_days"),
        long_open_hours: number(&mut e, &pairs, "long_open_hours"),
        exempt_types: list(field(&pairs, "exempt_types")),
        exempt_unless_severity: field(&pairs, "exempt_unless_severity").into(),
        unwaivable_types: list(field(&pairs, "unwaivable_types")),
        draft_due_hours: number(&mut e, &pairs, "draft_due_hours"),
        review_business_days: number(&mut e, &pairs, "review_business_days"),
        approvals_required: number(&mut e, &pairs, "approvals_required"),
        process_owner_id: field(&pairs, "process_owner_id").trim().parse().ok(),
    };
    e.into_result(()).map_err(AppError::from)?;
    if field(&pairs, "action") == "save" {
        act::put_policy(&state, &actor.0, &p).await?;
        return render(&state, &actor, None, None, true).await;
    }
    let replay = act::replay(&state, &actor.0, &p, 90).await?;
    render(&state, &actor, Some(p), Some(replay), false).await
}

async fn calendar_form(
    State(state): State<AppState>,
    actor: UiActor,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    actor.0.require(AccountRole::Admin)?;
    let mut e = ValidationError::default();
    let workdays = pairs
        .iter()
        .filter(|(k, _)| k == "workdays")
        .filter_map(|(_, v)| debrief_core::deadline::parse_weekday(v))
        .collect();
    let mut holidays = Vec::new();
    for h in list(field(&pairs, "holidays")) {
        match h.parse() {
            Ok(d) => holidays.push(d),
            Err(_) => e.push("holidays", format!("'{h}' is not a date (use YYYY-MM-DD)")),
        }
    }
    let c = WorkCalendar {
        time_zone: field(&pairs, "time_zone").trim().into(),
        workdays,
        holidays,
    };
    if let Err(err) = c.validate() {
        e.push(err.field(), err.to_string());
    }
    e.into_result(()).map_err(AppError::from)?;
    state.store.put_work_calendar(&c).await?;
    Ok(Redirect::to("/settings/postmortems#calendar").into_response())
}

async fn retry_form(
    State(state): State<AppState>,
    actor: UiActor,
    axum::extract::Path(id): axum::extract::Path<String>,
    CsrfForm(_pairs): CsrfForm,
) -> Result<Response, UiError> {
    let id: i64 = id
        .parse()
        .map_err(|_| AppError::NotFound(format!("delivery '{id}'")))?;
    crate::actions::delivery::retry_delivery(&state, &actor.0, id).await?;
    Ok(Redirect::to("/settings/postmortems#deliveries").into_response())
}
