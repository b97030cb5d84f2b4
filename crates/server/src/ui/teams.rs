//! `/settings/teams`: teams and their members (admins add, edit, delete teams and add or
//! remove members; everyone signed in sees them).

use super::catalog_form::FormState;
use super::field_errors::FieldErrors;
use super::form::{CsrfForm, Pairs, field};
use super::session::{UiActor, UiError};
use crate::actions::catalog::{self as act, CatalogInput};
use crate::actions::catalog_edit::{self as edit, TeamPatch};
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use debrief_core::access::AccountRole;
use debrief_store::team::Member;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/teams", get(page).post(create))
        .route("/settings/teams/{slug}", post(update))
        .route("/settings/teams/{slug}/delete", post(delete))
        .route("/settings/teams/{slug}/members", post(add_member))
        .route(
            "/settings/teams/{slug}/members/{user_id}/remove",
            post(remove_member),
        )
}

/// What a team's form holds.
#[derive(Clone, Default)]
struct TeamForm {
    slug: String,
    name: String,
    description: String,
}

/// A team as listed.
struct TeamRow {
    slug: String,
    name: String,
    description: String,
    members: Vec<Member>,
    /// Users not on the team, who may be added: `(id, name)`.
    others: Vec<(i64, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "settings_teams.html")]
struct Page {
    user: String,
    csrf: String,
    can_edit: bool,
    teams: Vec<TeamRow>,
    form: FormState<TeamForm>,
}

impl Page {
    /// What an existing team's form shows.
    fn values(&self, t: &TeamRow) -> TeamForm {
        self.form.values(
            &t.slug,
            TeamForm {
                slug: t.slug.clone(),
                name: t.name.clone(),
                description: t.description.clone(),
            },
        )
    }
}

async fn render(
    state: &AppState,
    actor: &UiActor,
    form: FormState<TeamForm>,
) -> Result<Response, UiError> {
    let memberships = state.store.team_memberships().await?;
    let users: Vec<(i64, String)> = state
        .store
        .list_users()
        .await?
        .into_iter()
        .filter(|u| !u.disabled)
        .map(|u| (u.id, u.name))
        .collect();
    let teams = state
        .store
        .list_teams()
        .await?
        .into_iter()
        .map(|t| {
            let members: Vec<Member> = memberships
                .iter()
                .filter(|(slug, _)| *slug == t.slug)
                .map(|(_, m)| m.clone())
                .collect();
            let others = users
                .iter()
                .filter(|(id, _)| !members.iter().any(|m| m.id == *id))
                .cloned()
                .collect();
            TeamRow {
                slug: t.slug,
                name: t.name,
                description: t.description,
                members,
                others,
            }
        })
        .collect();
    let page = Page {
        user: actor.0.user.name.clone(),
        csrf: actor.csrf(),
        can_edit: actor.0.require(AccountRole::Admin).is_ok(),
        teams,
        form,
    };
    Ok((page.form.status(), page).into_response())
}

async fn page(State(state): State<AppState>, actor: UiActor) -> Result<Response, UiError> {
    render(&state, &actor, FormState::none()).await
}

fn typed(pairs: &Pairs, slug: &str) -> TeamForm {
    TeamForm {
        slug: slug.into(),
        name: field(pairs, "name").into(),
        description: field(pairs, "description").into(),
    }
}

/// Answers a post about `key` (`Some("")`: a new one; `None`: a deletion): back to the list
/// at `slug`, or the page again with the errors.
async fn answer<R>(
    state: &AppState,
    actor: &UiActor,
    key: Option<&str>,
    draft: TeamForm,
    result: Result<R, AppError>,
) -> Result<Response, UiError> {
    let anchor = draft.slug.to_ascii_lowercase();
    match FormState::after(
        key,
        draft,
        result,
        &["slug", "name", "description", "members"],
    )? {
        None => Ok(Redirect::to(&format!("/settings/teams#team-{anchor}")).into_response()),
        Some(form) => render(state, actor, form).await,
    }
}

async fn create(
    State(state): State<AppState>,
    actor: UiActor,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    let draft = typed(&pairs, field(&pairs, "slug").trim());
    let input = CatalogInput {
        slug: draft.slug.clone(),
        name: draft.name.clone(),
        description: Some(draft.description.clone()),
        team: None,
    };
    let result = act::create_team(&state, &actor.0, &input).await;
    answer(&state, &actor, Some(""), draft, result).await
}

async fn update(
    State(state): State<AppState>,
    actor: UiActor,
    Path(slug): Path<String>,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    let draft = typed(&pairs, &slug);
    let patch = TeamPatch {
        name: Some(draft.name.clone()),
        description: Some(draft.description.clone()),
    };
    let result = edit::update_team(&state, &actor.0, &slug, &patch).await;
    answer(&state, &actor, Some(&slug), draft, result).await
}

async fn delete(
    State(state): State<AppState>,
    actor: UiActor,
    Path(slug): Path<String>,
    CsrfForm(_): CsrfForm,
) -> Result<Response, UiError> {
    let result = edit::delete_team(&state, &actor.0, &slug).await;
    answer(&state, &actor, None, TeamForm::default(), result).await
}

/// Sets the team's members to its current ones changed by `change`.
async fn change_members(
    state: &AppState,
    actor: &UiActor,
    slug: &str,
    change: impl FnOnce(&mut Vec<i64>),
) -> Result<Response, UiError> {
    let mut ids: Vec<i64> = state
        .store
        .team_members(slug)
        .await?
        .iter()
        .map(|m| m.id)
        .collect();
    change(&mut ids);
    let result = edit::set_team_members(state, &actor.0, slug, &ids).await;
    let draft = state.store.team(slug).await.map(|t| TeamForm {
        slug: t.slug,
        name: t.name,
        description: t.description,
    })?;
    answer(state, actor, Some(slug), draft, result).await
}

async fn add_member(
    State(state): State<AppState>,
    actor: UiActor,
    Path(slug): Path<String>,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    let Ok(id) = field(&pairs, "user_id").parse::<i64>() else {
        let errors = FieldErrors::one("members", "choose someone to add");
        let draft = typed(&pairs, &slug);
        return render(&state, &actor, FormState::failed(&slug, draft, errors)).await;
    };
    change_members(&state, &actor, &slug, |ids| ids.push(id)).await
}

async fn remove_member(
    State(state): State<AppState>,
    actor: UiActor,
    Path((slug, user_id)): Path<(String, i64)>,
    CsrfForm(_): CsrfForm,
) -> Result<Response, UiError> {
    change_members(&state, &actor, &slug, |ids| ids.retain(|i| *i != user_id)).await
}
