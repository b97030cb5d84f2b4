//! `/settings/incident-types`: the incident types people choose when declaring (admins add,
//! rename, describe and archive them; everyone signed in sees the list).

use super::catalog_form::FormState;
use super::form::{CsrfForm, Pairs, field};
use super::session::{UiActor, UiError};
use crate::actions::incident_type::{self as act, IncidentTypeInput};
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use debrief_core::access::AccountRole;
use debrief_store::incident_type::IncidentType;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/incident-types", get(page).post(create))
        .route("/settings/incident-types/{slug}", post(update))
}

/// What a type's form holds.
#[derive(Clone, Default)]
struct TypeForm {
    slug: String,
    name: String,
    description: String,
    archived: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "settings_incident_types.html")]
struct Page {
    user: String,
    csrf: String,
    can_edit: bool,
    types: Vec<IncidentType>,
    form: FormState<TypeForm>,
}

impl Page {
    /// What an existing type's form shows.
    fn values(&self, t: &IncidentType) -> TypeForm {
        self.form.values(
            &t.slug,
            TypeForm {
                slug: t.slug.clone(),
                name: t.name.clone(),
                description: t.description.clone(),
                archived: t.archived,
            },
        )
    }
}

async fn render(
    state: &AppState,
    actor: &UiActor,
    form: FormState<TypeForm>,
) -> Result<Response, UiError> {
    let page = Page {
        user: actor.0.user.name.clone(),
        csrf: actor.csrf(),
        can_edit: actor.0.require(AccountRole::Admin).is_ok(),
        types: state.store.list_incident_types().await?,
        form,
    };
    Ok((page.form.status(), page).into_response())
}

async fn page(State(state): State<AppState>, actor: UiActor) -> Result<Response, UiError> {
    render(&state, &actor, FormState::none()).await
}

fn typed(pairs: &Pairs, slug: &str) -> TypeForm {
    TypeForm {
        slug: slug.into(),
        name: field(pairs, "name").into(),
        description: field(pairs, "description").into(),
        archived: field(pairs, "archived") == "on",
    }
}

fn input(t: &TypeForm, slug: Option<String>) -> IncidentTypeInput {
    IncidentTypeInput {
        slug,
        name: Some(t.name.clone()),
        description: Some(t.description.clone()),
        archived: Some(t.archived),
    }
}

/// Answers a post about `key` (`Some("")`: a new one; `None`: a deletion): back to the list
/// at `slug`, or the page again with the errors.
async fn answer<R>(
    state: &AppState,
    actor: &UiActor,
    key: Option<&str>,
    draft: TypeForm,
    result: Result<R, AppError>,
) -> Result<Response, UiError> {
    let anchor = draft.slug.to_ascii_lowercase();
    match FormState::after(key, draft, result, &["slug", "name", "description"])? {
        None => {
            Ok(Redirect::to(&format!("/settings/incident-types#type-{anchor}")).into_response())
        }
        Some(form) => render(state, actor, form).await,
    }
}

async fn create(
    State(state): State<AppState>,
    actor: UiActor,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    let draft = typed(&pairs, field(&pairs, "slug").trim());
    let result =
        act::create_incident_type(&state, &actor.0, &input(&draft, Some(draft.slug.clone()))).await;
    answer(&state, &actor, Some(""), draft, result).await
}

async fn update(
    State(state): State<AppState>,
    actor: UiActor,
    Path(slug): Path<String>,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    let draft = typed(&pairs, &slug);
    let result = act::update_incident_type(&state, &actor.0, &slug, &input(&draft, None)).await;
    answer(&state, &actor, Some(&slug), draft, result).await
}
