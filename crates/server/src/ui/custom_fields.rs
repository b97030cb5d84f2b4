//! `/settings/custom-fields`: the custom fields incidents carry (admins add, edit and archive
//! them; everyone signed in sees them). A select's options are edited as a list, one a line.

use super::catalog_form::FormState;
use super::form::{CsrfForm, Pairs, field};
use super::session::{UiActor, UiError};
use crate::actions::custom_field as act;
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use debrief_core::access::AccountRole;
use debrief_core::custom_field::{CustomField, CustomFieldInput, FieldKind};

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/custom-fields", get(page).post(create))
        .route("/settings/custom-fields/{key}", post(update))
}

/// What a field's form holds.
#[derive(Clone, Default)]
struct FieldForm {
    key: String,
    label: String,
    description: String,
    kind: String,
    /// One option a line.
    options: String,
    required: bool,
    position: String,
    archived: bool,
}

impl FieldForm {
    fn of(f: &CustomField) -> Self {
        Self {
            key: f.key.clone(),
            label: f.label.clone(),
            description: f.description.clone(),
            kind: f.kind.as_str().into(),
            options: f.options.join("\n"),
            required: f.required,
            position: f.position.to_string(),
            archived: f.archived,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "settings_custom_fields.html")]
struct Page {
    user: String,
    csrf: String,
    can_edit: bool,
    fields: Vec<CustomField>,
    /// `(kind, label)`.
    kinds: Vec<(&'static str, &'static str)>,
    form: FormState<FieldForm>,
}

impl Page {
    /// What an existing field's form shows.
    fn values(&self, f: &CustomField) -> FieldForm {
        self.form.values(&f.key, FieldForm::of(f))
    }
}

async fn render(
    state: &AppState,
    actor: &UiActor,
    form: FormState<FieldForm>,
) -> Result<Response, UiError> {
    let page = Page {
        user: actor.0.user.name.clone(),
        csrf: actor.csrf(),
        can_edit: actor.0.require(AccountRole::Admin).is_ok(),
        fields: state.store.list_custom_fields().await?,
        kinds: FieldKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        form,
    };
    Ok((page.form.status(), page).into_response())
}

async fn page(State(state): State<AppState>, actor: UiActor) -> Result<Response, UiError> {
    render(&state, &actor, FormState::none()).await
}

fn typed(pairs: &Pairs, key: &str) -> FieldForm {
    FieldForm {
        key: key.into(),
        label: field(pairs, "label").into(),
        description: field(pairs, "description").into(),
        kind: field(pairs, "kind").into(),
        options: field(pairs, "options").into(),
        required: field(pairs, "required") == "on",
        position: field(pairs, "position").into(),
        archived: field(pairs, "archived") == "on",
    }
}

/// The input a form gives; `creating` sends the key and kind.
fn input(f: &FieldForm, creating: bool) -> Result<CustomFieldInput, AppError> {
    let position = match f.position.trim() {
        "" => None,
        p => Some(p.parse::<i64>().map_err(|_| {
            debrief_core::validation::ValidationError::one("position", "must be a whole number")
        })?),
    };
    Ok(CustomFieldInput {
        key: creating.then(|| f.key.clone()),
        label: Some(f.label.clone()),
        description: Some(f.description.clone()),
        kind: creating.then(|| f.kind.clone()),
        options: Some(
            f.options
                .lines()
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(String::from)
                .collect(),
        ),
        required: Some(f.required),
        position,
        archived: Some(f.archived),
    })
}

/// Answers a post about the field `key` (`""`: a new one).
async fn answer<R>(
    state: &AppState,
    actor: &UiActor,
    key: &str,
    draft: FieldForm,
    result: Result<R, AppError>,
) -> Result<Response, UiError> {
    let anchor = draft.key.to_ascii_lowercase();
    let known = ["key", "label", "description", "kind", "options", "position"];
    match FormState::after(Some(key), draft, result, &known)? {
        None => {
            Ok(Redirect::to(&format!("/settings/custom-fields#field-{anchor}")).into_response())
        }
        Some(form) => render(state, actor, form).await,
    }
}

async fn create(
    State(state): State<AppState>,
    actor: UiActor,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    let draft = typed(&pairs, field(&pairs, "key").trim());
    let result = match input(&draft, true) {
        Ok(i) => act::create_custom_field(&state, &actor.0, &i).await,
        Err(e) => Err(e),
    };
    answer(&state, &actor, "", draft, result).await
}

async fn update(
    State(state): State<AppState>,
    actor: UiActor,
    Path(key): Path<String>,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    let mut draft = typed(&pairs, &key);
    if let Ok(current) = state.store.custom_field(&key).await {
        draft.kind = current.kind.as_str().into();
    }
    let result = match input(&draft, false) {
        Ok(i) => act::update_custom_field(&state, &actor.0, &key, &i).await,
        Err(e) => Err(e),
    };
    answer(&state, &actor, &key, draft, result).await
}
