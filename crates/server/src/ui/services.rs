//! `/settings/services`: the services incidents affect (admins add, edit and delete them; everyone
//! signed in sees them), each with its owner team, escalation policy, alert integrations (links
//! to their settings) and the status page components that show it.

use super::catalog_form::FormState;
use super::form::{CsrfForm, Pairs, field, opt};
use super::session::{UiActor, UiError};
use crate::actions::catalog::{self as act, CatalogInput};
use crate::actions::catalog_edit::{self as edit, ServicePatch};
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use debrief_core::access::AccountRole;
use debrief_core::validation::ValidationError;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/services", get(page).post(create))
        .route("/settings/services/{slug}", post(update))
        .route("/settings/services/{slug}/delete", post(delete))
}

/// What a service's form holds.
#[derive(Clone, Default)]
struct ServiceForm {
    slug: String,
    name: String,
    description: String,
    team: String,
    /// The policy's id as text (`""`: none).
    policy: String,
    components: Vec<i64>,
}

/// A service as listed.
struct ServiceRow {
    form: ServiceForm,
    team_name: Option<String>,
    policy_name: Option<String>,
    /// `(id, name, kind)`.
    integrations: Vec<(i64, String, String)>,
    /// `page name — component name`.
    component_names: Vec<String>,
}

/// A component that may show a service.
struct ComponentChoice {
    id: i64,
    label: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "settings_services.html")]
struct Page {
    user: String,
    csrf: String,
    can_edit: bool,
    services: Vec<ServiceRow>,
    teams: Vec<(String, String)>,
    policies: Vec<(String, String)>,
    components: Vec<ComponentChoice>,
    form: FormState<ServiceForm>,
}

impl Page {
    /// What an existing service's form shows.
    fn values(&self, s: &ServiceRow) -> ServiceForm {
        self.form.values(&s.form.slug, s.form.clone())
    }
}

async fn render(
    state: &AppState,
    actor: &UiActor,
    form: FormState<ServiceForm>,
) -> Result<Response, UiError> {
    let teams: Vec<(String, String)> = state
        .store
        .list_teams()
        .await?
        .into_iter()
        .map(|t| (t.slug, t.name))
        .collect();
    let policies: Vec<(String, String)> = state
        .store
        .escalation_policies()
        .await?
        .into_iter()
        .map(|p| (p.id.to_string(), p.name))
        .collect();
    let links = state.store.service_policies().await?;
    let integrations = state.store.integrations(None).await?;
    let component_links = state.store.service_component_links().await?;
    let mut components = Vec::new();
    for p in state.store.pages().await? {
        for c in state.store.components(p.id).await? {
            components.push(ComponentChoice {
                id: c.id,
                label: format!("{} — {}", p.name, c.name),
            });
        }
    }
    let name_of = |list: &[(String, String)], key: &str| {
        list.iter().find(|(k, _)| k == key).map(|(_, n)| n.clone())
    };
    let services = state
        .store
        .list_services()
        .await?
        .into_iter()
        .map(|s| {
            let policy = links
                .iter()
                .find(|(svc, _)| *svc == s.slug)
                .map(|(_, p)| p.to_string())
                .unwrap_or_default();
            let mine: Vec<_> = component_links
                .iter()
                .filter(|l| l.service == s.slug)
                .collect();
            ServiceRow {
                team_name: s.team.as_deref().and_then(|t| name_of(&teams, t)),
                policy_name: name_of(&policies, &policy),
                integrations: integrations
                    .iter()
                    .filter(|i| i.service == s.slug)
                    .map(|i| (i.id, i.name.clone(), i.kind.clone()))
                    .collect(),
                component_names: mine
                    .iter()
                    .map(|l| format!("{} — {}", l.page_name, l.component))
                    .collect(),
                form: ServiceForm {
                    team: s.team.unwrap_or_default(),
                    policy,
                    components: mine.iter().map(|l| l.component_id).collect(),
                    slug: s.slug,
                    name: s.name,
                    description: s.description,
                },
            }
        })
        .collect();
    let page = Page {
        user: actor.0.user.name.clone(),
        csrf: actor.csrf(),
        can_edit: actor.0.require(AccountRole::Admin).is_ok(),
        services,
        teams,
        policies,
        components,
        form,
    };
    Ok((page.form.status(), page).into_response())
}

async fn page(State(state): State<AppState>, actor: UiActor) -> Result<Response, UiError> {
    render(&state, &actor, FormState::none()).await
}

fn typed(pairs: &Pairs, slug: &str) -> ServiceForm {
    ServiceForm {
        slug: slug.into(),
        name: field(pairs, "name").into(),
        description: field(pairs, "description").into(),
        team: field(pairs, "team").trim().into(),
        policy: field(pairs, "policy").trim().into(),
        components: pairs
            .iter()
            .filter(|(k, _)| k == "components")
            .filter_map(|(_, v)| v.parse().ok())
            .collect(),
    }
}

/// The change a form asks for.
fn patch(f: &ServiceForm) -> Result<ServicePatch, AppError> {
    let policy = match f.policy.as_str() {
        "" => None,
        p => Some(p.parse::<i64>().map_err(|_| {
            ValidationError::one("escalation_policy_id", "choose a policy from the list")
        })?),
    };
    Ok(ServicePatch {
        name: Some(f.name.clone()),
        description: Some(f.description.clone()),
        team: Some(Some(f.team.clone()).filter(|t| !t.is_empty())),
        escalation_policy_id: Some(policy),
        components: Some(f.components.clone()),
    })
}

/// Answers a post about `key` (`Some("")`: a new one; `None`: a deletion): back to the list
/// at `slug`, or the page again with the errors.
async fn answer<R>(
    state: &AppState,
    actor: &UiActor,
    key: Option<&str>,
    draft: ServiceForm,
    result: Result<R, AppError>,
) -> Result<Response, UiError> {
    let anchor = draft.slug.to_ascii_lowercase();
    match FormState::after(
        key,
        draft,
        result,
        &[
            "slug",
            "name",
            "description",
            "team",
            "escalation_policy_id",
            "components",
        ],
    )? {
        None => Ok(Redirect::to(&format!("/settings/services#service-{anchor}")).into_response()),
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
        team: opt(&pairs, "team"),
    };
    let result = match patch(&draft) {
        Ok(p) => match act::create_service(&state, &actor.0, &input).await {
            // The policy and components are set on the service just made.
            Ok(s) => edit::update_service(&state, &actor.0, &s.slug, &p)
                .await
                .map(|_| ()),
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    answer(&state, &actor, Some(""), draft, result).await
}

async fn update(
    State(state): State<AppState>,
    actor: UiActor,
    Path(slug): Path<String>,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    let draft = typed(&pairs, &slug);
    let result = match patch(&draft) {
        Ok(p) => edit::update_service(&state, &actor.0, &slug, &p)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    answer(&state, &actor, Some(&slug), draft, result).await
}

async fn delete(
    State(state): State<AppState>,
    actor: UiActor,
    Path(slug): Path<String>,
    CsrfForm(_): CsrfForm,
) -> Result<Response, UiError> {
    let result = edit::delete_service(&state, &actor.0, &slug).await;
    answer(&state, &actor, None, ServiceForm::default(), result).await
}
