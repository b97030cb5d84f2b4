//! Escalation policies in the web UI: the list with each policy's services and warnings, each
//! policy's page with a preview of what a page opened now would do if nobody acknowledges, and
//! an admin's create, edit and delete forms (levels as rows: targets and a delay).

use super::form::{CsrfForm, Pairs, field, opt};
use super::oncall::{channel_label, name_of, user_options};
use super::session::{UiActor, UiError};
use super::view::TimeView;
use crate::actions::oncall as act;
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use debrief_core::access::AccountRole;
use debrief_core::oncall::escalation::{Level, Target};
use debrief_core::validation::ValidationError;
use debrief_store::oncall::PolicyRow;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/policies", get(list_page).post(create))
        .route("/policies/{id}", get(policy_page).post(update))
        .route("/policies/{id}/delete", post(delete))
        .route("/policies/{id}/services", post(set_service))
}

/// Blank level rows offered below a policy's levels.
const BLANK_LEVELS: usize = 2;

/// A policy in the list.
struct Row {
    id: i64,
    name: String,
    team: Option<String>,
    levels: Vec<String>,
    repeat: u32,
    services: Vec<String>,
    warnings: Vec<String>,
}

/// One pickable target: value (`user:3`, `schedule:1`) and label.
struct TargetOption {
    value: String,
    label: String,
}

/// One level row of the form.
struct LevelRow {
    n: usize,
    chosen: Vec<String>,
    delay: String,
}

/// What the create and edit forms show.
struct FormView {
    action: String,
    button: &'static str,
    name: String,
    description: String,
    team: String,
    repeat: u32,
    targets: Vec<TargetOption>,
    teams: Vec<(String, String)>,
    rows: Vec<LevelRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "oncall_policies.html")]
struct ListPage {
    user: String,
    csrf: String,
    rows: Vec<Row>,
    admin: bool,
    form: FormView,
}

/// Names of targets, for reading.
async fn target_names(
    state: &AppState,
) -> Result<
    (
        Vec<TargetOption>,
        std::collections::BTreeMap<String, String>,
    ),
    AppError,
> {
    let mut options = Vec::new();
    for s in state.store.schedules().await? {
        options.push(TargetOption {
            value: format!("schedule:{}", s.id),
            label: format!("schedule {}", s.name),
        });
    }
    for (id, label) in user_options(state).await? {
        options.push(TargetOption {
            value: format!("user:{id}"),
            label,
        });
    }
    let names = options
        .iter()
        .map(|o| (o.value.clone(), o.label.clone()))
        .collect();
    Ok((options, names))
}

fn target_value(t: &Target) -> String {
    match t {
        Target::User(u) => format!("user:{u}"),
        Target::Schedule(s) => format!("schedule:{s}"),
    }
}

/// A level in words: `Ada, schedule Primary; then 5 min`.
fn level_text(l: &Level, names: &std::collections::BTreeMap<String, String>) -> String {
    let who: Vec<String> = l
        .targets
        .iter()
        .map(|t| {
            let v = target_value(t);
            names.get(&v).cloned().unwrap_or(v)
        })
        .collect();
    format!(
        "{}; then {}",
        who.join(", "),
        debrief_core::duration::minutes_or_dash(Some(l.delay_minutes as f64))
    )
}

async fn form_view(state: &AppState, policy: Option<&PolicyRow>) -> Result<FormView, AppError> {
    let (targets, _) = target_names(state).await?;
    let levels: &[Level] = policy.map_or(&[], |p| &p.levels);
    let mut rows: Vec<LevelRow> = levels
        .iter()
        .enumerate()
        .map(|(n, l)| LevelRow {
            n,
            chosen: l.targets.iter().map(target_value).collect(),
            delay: l.delay_minutes.to_string(),
        })
        .collect();
    for k in 0..BLANK_LEVELS {
        rows.push(LevelRow {
            n: levels.len() + k,
            chosen: Vec::new(),
            delay: "15".into(),
        });
    }
    Ok(FormView {
        action: policy.map_or_else(|| "/policies".into(), |p| format!("/policies/{}", p.id)),
        button: if policy.is_some() {
            "Save the policy"
        } else {
            "Create the policy"
        },
        name: policy.map(|p| p.name.clone()).unwrap_or_default(),
        description: policy.map(|p| p.description.clone()).unwrap_or_default(),
        team: policy.and_then(|p| p.team.clone()).unwrap_or_default(),
        repeat: policy.map_or(0, |p| p.repeat),
        targets,
        teams: state
            .store
            .list_teams()
            .await?
            .into_iter()
            .map(|t| (t.slug, t.name))
            .collect(),
        rows,
    })
}

async fn list_page(State(state): State<AppState>, actor: UiActor) -> Result<Response, UiError> {
    actor.0.require(AccountRole::Viewer)?;
    let (_, names) = target_names(&state).await?;
    let mut rows = Vec::new();
    for p in state.store.escalation_policies().await? {
        let v = act::policy_view(&state, p).await?;
        rows.push(Row {
            id: v.policy.id,
            levels: v
                .policy
                .levels
                .iter()
                .map(|l| level_text(l, &names))
                .collect(),
            name: v.policy.name,
            team: v.policy.team,
            repeat: v.policy.repeat,
            services: v.services,
            warnings: v.warnings,
        });
    }
    Ok(ListPage {
        user: actor.0.user.name.clone(),
        csrf: actor.csrf(),
        rows,
        admin: actor.0.role >= AccountRole::Admin,
        form: form_view(&state, None).await?,
    }
    .into_response())
}

/// The form as a policy: level rows with at least one target, in order.
fn policy_input(pairs: &Pairs) -> Result<act::PolicyInput, AppError> {
    let mut e = ValidationError::default();
    let mut levels = Vec::new();
    for n in 0.. {
        let key = format!("delay_{n}");
        if !pairs.iter().any(|(k, _)| *k == key) {
            break;
        }
        let mut targets = Vec::new();
        for (_, v) in pairs.iter().filter(|(k, _)| *k == format!("targets_{n}")) {
            let t = match v.split_once(':') {
                Some(("user", id)) => id.parse().ok().map(Target::User),
                Some(("schedule", id)) => id.parse().ok().map(Target::Schedule),
                _ => None,
            };
            match t {
                Some(t) => targets.push(t),
                None => e.push(format!("levels[{n}].targets"), "is not a user or schedule"),
            }
        }
        if targets.is_empty() {
            continue;
        }
        match field(pairs, &key).trim().parse::<u32>() {
            Ok(delay_minutes) => levels.push(Level {
                targets,
                delay_minutes,
            }),
            Err(_) => e.push(
                format!("levels[{n}].delay_minutes"),
                "must be a whole number of minutes",
            ),
        }
    }
    let repeat = match field(pairs, "repeat").trim() {
        "" => 0,
        r => r.parse::<u32>().unwrap_or_else(|_| {
            e.push("repeat", "must be a whole number");
            0
        }),
    };
    if !e.fields.is_empty() {
        return Err(e.into());
    }
    Ok(act::PolicyInput {
        name: field(pairs, "name").to_string(),
        description: opt(pairs, "description"),
        team: opt(pairs, "team"),
        levels,
        repeat,
    })
}

async fn create(
    State(state): State<AppState>,
    actor: UiActor,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    let p = act::create_policy(&state, &actor.0, &policy_input(&pairs)?).await?;
    Ok(Redirect::to(&format!("/policies/{}", p.id)).into_response())
}

fn policy_id(raw: &str) -> Result<i64, UiError> {
    raw.parse()
        .map_err(|_| UiError(AppError::NotFound(format!("escalation policy '{raw}'"))))
}

/// One firing of the preview.
struct FiringView {
    pass: u32,
    level: u32,
    at: TimeView,
    users: String,
    contacts: Vec<(String, &'static str, TimeView)>,
    notes: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "oncall_policy.html")]
struct PolicyPage {
    user: String,
    csrf: String,
    policy: PolicyRow,
    levels: Vec<String>,
    services: Vec<String>,
    /// Services that could be given this policy: `(slug, name, its policy now)`.
    other_services: Vec<(String, String, String)>,
    warnings: Vec<String>,
    preview: Vec<FiringView>,
    admin: bool,
    form: FormView,
}

async fn policy_page(
    State(state): State<AppState>,
    actor: UiActor,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    actor.0.require(AccountRole::Viewer)?;
    let p = state.store.escalation_policy(policy_id(&id)?).await?;
    let input = act::PreviewInput {
        opened_at: None,
        acknowledged_at: None,
        resolved_at: None,
    };
    let firings = act::preview(&state, &p.policy(), &input).await?;
    let users = act::schedules::users_by_id(&state).await?;
    let (_, names) = target_names(&state).await?;
    let preview = firings
        .into_iter()
        .map(|f| FiringView {
            pass: f.pass + 1,
            level: f.level + 1,
            at: TimeView::new(f.at),
            users: f
                .plan
                .users
                .iter()
                .map(|u| name_of(&users, *u))
                .collect::<Vec<_>>()
                .join(", "),
            contacts: f
                .plan
                .contacts
                .iter()
                .map(|c| {
                    (
                        name_of(&users, c.user_id),
                        channel_label(&c.channel),
                        TimeView::new(c.at),
                    )
                })
                .collect(),
            notes: f.plan.notes.join("; "),
        })
        .collect();
    let v = act::policy_view(&state, p).await?;
    let current: std::collections::BTreeMap<String, i64> =
        state.store.service_policies().await?.into_iter().collect();
    let policy_names: std::collections::BTreeMap<i64, String> = state
        .store
        .escalation_policies()
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let other_services = state
        .store
        .list_services()
        .await?
        .into_iter()
        .filter(|s| !v.services.contains(&s.slug))
        .map(|s| {
            let now = current
                .get(&s.slug)
                .and_then(|p| policy_names.get(p))
                .cloned()
                .unwrap_or_else(|| "no policy".into());
            (s.slug, s.name, now)
        })
        .collect();
    Ok(PolicyPage {
        other_services,
        user: actor.0.user.name.clone(),
        csrf: actor.csrf(),
        levels: v
            .policy
            .levels
            .iter()
            .map(|l| level_text(l, &names))
            .collect(),
        services: v.services,
        warnings: v.warnings,
        preview,
        admin: actor.0.role >= AccountRole::Admin,
        form: form_view(&state, Some(&v.policy)).await?,
        policy: v.policy,
    }
    .into_response())
}

async fn update(
    State(state): State<AppState>,
    actor: UiActor,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    let id = policy_id(&id)?;
    act::update_policy(&state, &actor.0, id, &policy_input(&pairs)?).await?;
    Ok(Redirect::to(&format!("/policies/{id}")).into_response())
}

async fn delete(
    State(state): State<AppState>,
    actor: UiActor,
    Path(id): Path<String>,
    CsrfForm(_pairs): CsrfForm,
) -> Result<Response, UiError> {
    act::delete_policy(&state, &actor.0, policy_id(&id)?).await?;
    Ok(Redirect::to("/policies").into_response())
}

/// Gives a service this policy (`action=use`), or takes it away (`action=remove`).
async fn set_service(
    State(state): State<AppState>,
    actor: UiActor,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    let id = policy_id(&id)?;
    let service = field(&pairs, "service");
    let policy = match field(&pairs, "action") {
        "remove" => None,
        _ => Some(id),
    };
    act::set_service_policy(&state, &actor.0, service.trim(), policy).await?;
    Ok(Redirect::to(&format!("/policies/{id}#services")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_rows_without_targets_are_left_out() {
        let pairs: Pairs = [
            ("name", "Checkout"),
            ("targets_0", "schedule:1"),
            ("targets_0", "user:4"),
            ("delay_0", "5"),
            ("delay_1", "15"),
            ("targets_2", "user:2"),
            ("delay_2", "10"),
            ("repeat", "2"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let p = policy_input(&pairs).expect("valid");
        assert_eq!(p.levels.len(), 2);
        assert_eq!(p.levels[0].targets, [Target::Schedule(1), Target::User(4)]);
        assert_eq!(p.levels[1].delay_minutes, 10);
        assert_eq!(p.repeat, 2);
    }
}
