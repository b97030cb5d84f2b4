//! The settings and layout part of a status page's admin screen (`/status-pages/{slug}`,
//! admins): name, zone, visibility, branding and custom domain; components by group with edit,
//! move, remove and add; groups renamed, moved and removed. Every form posts and, when refused,
//! re-renders the screen with the errors beside the fields of the form that was sent.

use super::field_errors::FieldErrors;
use super::form::{Pairs, field, opt};
use super::session::{UiActor, UiError};
use super::status_page_admin::render_page;
use crate::actions::status_layout::{self as lay, Direction, Section};
use crate::actions::status_pages::{self as act, Branding, ComponentInput, PageInput};
use crate::ui::form::CsrfForm;
use crate::{AppError, AppState};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use debrief_core::access::AccountRole;
use debrief_store::status_page::StatusPage;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/status-pages/{slug}/settings", post(save_settings))
        .route("/status-pages/{slug}/layout/add", post(add_component))
        .route(
            "/status-pages/{slug}/components/{id}/edit",
            post(edit_component),
        )
        .route(
            "/status-pages/{slug}/components/{id}/move",
            post(move_component),
        )
        .route(
            "/status-pages/{slug}/components/{id}/remove",
            post(remove_component),
        )
        .route("/status-pages/{slug}/groups/rename", post(rename_group))
        .route("/status-pages/{slug}/groups/move", post(move_group))
        .route("/status-pages/{slug}/groups/remove", post(remove_group))
}

/// A catalogue service as a checkbox.
pub struct ServiceBox {
    /// Slug (the value).
    pub slug: String,
    /// Name.
    pub name: String,
    /// Ticked.
    pub checked: bool,
}

/// A component's edit form.
pub struct ComponentForm {
    /// Its id.
    pub id: i64,
    /// Name as shown or typed.
    pub name: String,
    /// Description as shown or typed.
    pub description: String,
    /// Group as shown or typed.
    pub group: String,
    /// The catalogue's services.
    pub services: Vec<ServiceBox>,
    /// Its state's label.
    pub state: &'static str,
    /// Errors of this form.
    pub errors: FieldErrors,
}

/// A group (or the ungrouped components) on the screen.
pub struct GroupForm {
    /// The group's name ("" for no group).
    pub name: String,
    /// Its components.
    pub components: Vec<ComponentForm>,
}

/// The settings and layout forms (admins only).
pub struct LayoutView {
    /// Name, zone and visibility as shown or typed.
    pub name: String,
    /// Time zone.
    pub time_zone: String,
    /// Public.
    pub public: bool,
    /// Branding: logo URL.
    pub logo_url: String,
    /// Branding: accent colour.
    pub accent_color: String,
    /// Branding: header text.
    pub header: String,
    /// Custom domain.
    pub custom_domain: String,
    /// Errors of the settings form.
    pub settings_errors: FieldErrors,
    /// Groups in order.
    pub groups: Vec<GroupForm>,
    /// Errors of the add form, and what was typed there.
    pub add_errors: FieldErrors,
    /// The name typed in the add form.
    pub add_name: String,
    /// Errors about a group action.
    pub group_errors: FieldErrors,
}

/// Which form a re-rendered screen answers.
pub enum Sent<'a> {
    /// None: the screen as saved.
    Nothing,
    /// The settings form.
    Settings(&'a Pairs),
    /// A component's edit form.
    Component(i64, &'a Pairs),
    /// The add form.
    Add(&'a Pairs),
    /// A group form.
    Group,
}

fn branding_of(page: &StatusPage) -> Branding {
    serde_json::from_value(page.branding.clone()).unwrap_or_default()
}

impl LayoutView {
    /// The forms, filled from the page or from what was sent, with `errors` beside the form
    /// that was sent.
    pub async fn load(
        state: &AppState,
        page: &StatusPage,
        sent: Sent<'_>,
        errors: FieldErrors,
    ) -> Result<LayoutView, AppError> {
        let catalogue = state.store.list_services().await?;
        let b = branding_of(page);
        let typed = |p: &Pairs, name: &str| field(p, name).to_string();
        let mut view = LayoutView {
            name: page.name.clone(),
            time_zone: page.time_zone.clone(),
            public: page.public,
            logo_url: b.logo_url.unwrap_or_default(),
            accent_color: b.accent_color.unwrap_or_default(),
            header: b.header.unwrap_or_default(),
            custom_domain: page.custom_domain.clone().unwrap_or_default(),
            settings_errors: FieldErrors::none(),
            groups: Vec::new(),
            add_errors: FieldErrors::none(),
            add_name: String::new(),
            group_errors: FieldErrors::none(),
        };
        let mut edited: Option<(i64, &Pairs)> = None;
        match sent {
            Sent::Nothing => {}
            Sent::Settings(p) => {
                view.name = typed(p, "name");
                view.time_zone = typed(p, "time_zone");
                view.public = field(p, "public") == "on";
                view.logo_url = typed(p, "logo_url");
                view.accent_color = typed(p, "accent_color");
                view.header = typed(p, "header");
                view.custom_domain = typed(p, "custom_domain");
                view.settings_errors = errors.clone();
            }
            Sent::Component(id, p) => edited = Some((id, p)),
            Sent::Add(p) => {
                view.add_name = typed(p, "name");
                view.add_errors = errors.clone();
            }
            Sent::Group => view.group_errors = errors.clone(),
        }
        let components = state.store.components(page.id).await?;
        for Section { group, components } in lay::sections(components) {
            let forms = components
                .into_iter()
                .map(|c| {
                    let mine = edited.filter(|(id, _)| *id == c.id).map(|(_, p)| p);
                    let chosen: Vec<String> = match mine {
                        Some(p) => p
                            .iter()
                            .filter(|(k, _)| k == "services")
                            .map(|(_, v)| v.clone())
                            .collect(),
                        None => c.services.clone(),
                    };
                    ComponentForm {
                        id: c.id,
                        name: mine.map_or(c.name.clone(), |p| typed(p, "name")),
                        description: mine.map_or(c.description.clone().unwrap_or_default(), |p| {
                            typed(p, "description")
                        }),
                        group: mine
                            .map_or(c.group.clone().unwrap_or_default(), |p| typed(p, "group")),
                        services: catalogue
                            .iter()
                            .map(|s| ServiceBox {
                                slug: s.slug.clone(),
                                name: s.name.clone(),
                                checked: chosen.contains(&s.slug),
                            })
                            .collect(),
                        state: crate::status_snapshot::render::state_label(&c.state),
                        errors: match mine {
                            Some(_) => errors.clone(),
                            None => FieldErrors::none(),
                        },
                    }
                })
                .collect();
            view.groups.push(GroupForm {
                name: group.unwrap_or_default(),
                components: forms,
            });
        }
        Ok(view)
    }
}

/// The fields of the settings form.
const SETTINGS: [&str; 7] = [
    "name",
    "time_zone",
    "public",
    "logo_url",
    "accent_color",
    "header",
    "custom_domain",
];
/// The fields of a component form.
const COMPONENT: [&str; 4] = ["name", "description", "group", "services"];

fn back(slug: &str, anchor: &str) -> Response {
    Redirect::to(&format!("/status-pages/{slug}#{anchor}")).into_response()
}

/// Re-renders the screen with the errors of `sent` (422), or an error page for errors a form
/// cannot show.
async fn refused(
    state: &AppState,
    actor: &UiActor,
    slug: &str,
    sent: Sent<'_>,
    e: AppError,
    known: &[&str],
) -> Result<Response, UiError> {
    let errors = FieldErrors::from_error(e, known)?;
    let page = state.store.page_by_slug(slug).await?;
    let layout = LayoutView::load(state, &page, sent, errors).await?;
    let view = render_page(state, actor, page, Some(layout)).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, view).into_response())
}

fn id_of(raw: &str) -> Result<i64, UiError> {
    raw.parse()
        .map_err(|_| UiError(AppError::NotFound(format!("component '{raw}'"))))
}

fn non_empty(p: &Pairs, name: &str) -> Option<String> {
    opt(p, name).filter(|v| !v.trim().is_empty())
}

async fn save_settings(
    State(state): State<AppState>,
    actor: UiActor,
    Path(slug): Path<String>,
    CsrfForm(p): CsrfForm,
) -> Result<Response, UiError> {
    let input = PageInput {
        name: Some(field(&p, "name").into()),
        time_zone: Some(field(&p, "time_zone").trim().into()),
        public: Some(field(&p, "public") == "on"),
        branding: Some(Branding {
            logo_url: non_empty(&p, "logo_url"),
            accent_color: non_empty(&p, "accent_color"),
            header: non_empty(&p, "header"),
        }),
        custom_domain: Some(field(&p, "custom_domain").into()),
        slug: None,
    };
    match act::update_page(&state, &actor.0, &slug, &input).await {
        Ok(_) => Ok(back(&slug, "settings")),
        Err(e) => {
            // Branding errors are named `branding.logo_url`; the form's fields are bare.
            let e = match e {
                AppError::Validation(mut v) => {
                    for f in &mut v.fields {
                        if let Some(bare) = f.field.strip_prefix("branding.") {
                            f.field = bare.to_string();
                        }
                    }
                    AppError::Validation(v)
                }
                other => other,
            };
            refused(&state, &actor, &slug, Sent::Settings(&p), e, &SETTINGS).await
        }
    }
}

fn services_of(p: &Pairs) -> Vec<String> {
    p.iter()
        .filter(|(k, _)| k == "services")
        .map(|(_, v)| v.clone())
        .collect()
}

async fn add_component(
    State(state): State<AppState>,
    actor: UiActor,
    Path(slug): Path<String>,
    CsrfForm(p): CsrfForm,
) -> Result<Response, UiError> {
    let input = ComponentInput {
        name: Some(field(&p, "name").into()),
        group: Some(non_empty(&p, "group")),
        services: Some(services_of(&p)),
        ..ComponentInput::default()
    };
    match act::add_component(&state, &actor.0, &slug, &input).await {
        Ok(_) => Ok(back(&slug, "layout")),
        Err(e) => refused(&state, &actor, &slug, Sent::Add(&p), e, &["name", "group"]).await,
    }
}

async fn edit_component(
    State(state): State<AppState>,
    actor: UiActor,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm(p): CsrfForm,
) -> Result<Response, UiError> {
    actor.0.require(AccountRole::Admin)?;
    let id = id_of(&id)?;
    let input = ComponentInput {
        name: Some(field(&p, "name").into()),
        description: Some(non_empty(&p, "description")),
        group: Some(non_empty(&p, "group")),
        services: Some(services_of(&p)),
        ..ComponentInput::default()
    };
    match act::update_component(&state, &actor.0, &slug, id, &input).await {
        Ok(_) => Ok(back(&slug, &format!("component-{id}"))),
        Err(e) => {
            refused(
                &state,
                &actor,
                &slug,
                Sent::Component(id, &p),
                e,
                &COMPONENT,
            )
            .await
        }
    }
}

async fn move_component(
    State(state): State<AppState>,
    actor: UiActor,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm(p): CsrfForm,
) -> Result<Response, UiError> {
    let id = id_of(&id)?;
    let dir = Direction::parse(field(&p, "direction"))?;
    lay::move_one(&state, &actor.0, &slug, id, dir).await?;
    Ok(back(&slug, &format!("component-{id}")))
}

async fn remove_component(
    State(state): State<AppState>,
    actor: UiActor,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm(_p): CsrfForm,
) -> Result<Response, UiError> {
    lay::remove_component(&state, &actor.0, &slug, id_of(&id)?).await?;
    Ok(back(&slug, "layout"))
}

async fn rename_group(
    State(state): State<AppState>,
    actor: UiActor,
    Path(slug): Path<String>,
    CsrfForm(p): CsrfForm,
) -> Result<Response, UiError> {
    match lay::rename_group(
        &state,
        &actor.0,
        &slug,
        field(&p, "group"),
        field(&p, "name"),
    )
    .await
    {
        Ok(()) => Ok(back(&slug, "layout")),
        Err(e) => refused(&state, &actor, &slug, Sent::Group, e, &[]).await,
    }
}

async fn move_group(
    State(state): State<AppState>,
    actor: UiActor,
    Path(slug): Path<String>,
    CsrfForm(p): CsrfForm,
) -> Result<Response, UiError> {
    let dir = Direction::parse(field(&p, "direction"))?;
    lay::move_group(&state, &actor.0, &slug, field(&p, "group"), dir).await?;
    Ok(back(&slug, "layout"))
}

async fn remove_group(
    State(state): State<AppState>,
    actor: UiActor,
    Path(slug): Path<String>,
    CsrfForm(p): CsrfForm,
) -> Result<Response, UiError> {
    lay::remove_group(&state, &actor.0, &slug, field(&p, "group")).await?;
    Ok(back(&slug, "layout"))
}
