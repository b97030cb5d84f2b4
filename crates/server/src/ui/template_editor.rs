//! The postmortem template editor (admins): a template's name, when it is chosen (severities,
//! incident types) and its sections as a form: add, move up and down, remove, describe. Works
//! without script: each button posts the form, the server applies the step to what was typed
//! and shows it again; only "Save" stores. Errors show beside their section's field.

use super::field_errors::FieldErrors;
use super::form::{CsrfForm, Pairs, field};
use super::session::{UiActor, UiError};
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use debrief_core::access::AccountRole;
use debrief_core::postmortem::{DEFAULT_TEMPLATE, SectionSpec, Template as PmTemplate};
use debrief_core::validation::ValidationError;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new().route(
        "/settings/postmortems/templates/{key}",
        get(page).post(post),
    )
}

/// A choice among severities or types.
pub struct Choice {
    value: String,
    chosen: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "template_editor.html")]
struct EditorPage {
    user: String,
    csrf: String,
    /// `new` for a template not stored yet.
    path_key: String,
    is_new: bool,
    is_default: bool,
    key: String,
    name: String,
    severities: Vec<Choice>,
    types: Vec<Choice>,
    sections: Vec<SectionSpec>,
    errors: FieldErrors,
    notice: Option<String>,
}

impl EditorPage {
    fn err(&self, i: &&usize, what: &str) -> Option<String> {
        self.errors.get(&format!("s{i}_{what}"))
    }
}

/// A slug from a heading: `What went well?` → `what_went_well`.
fn slugify(title: &str) -> String {
    let mut out = String::new();
    for c in title.trim().to_ascii_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    let out = out.trim_end_matches('_').to_string();
    match out.chars().next() {
        Some(c) if c.is_ascii_lowercase() => out.chars().take(64).collect(),
        Some(_) => format!("s_{out}").chars().take(64).collect(),
        None => String::new(),
    }
}

/// The template as typed in the form.
fn from_form(p: &Pairs, path_key: &str) -> PmTemplate {
    let count: usize = field(p, "count").parse().unwrap_or(0).min(60);
    let sections = (0..count)
        .map(|i| {
            let title = field(p, &format!("s{i}_title")).trim().to_string();
            let key = field(p, &format!("s{i}_key")).trim().to_string();
            SectionSpec {
                key: if key.is_empty() { slugify(&title) } else { key },
                title,
                prompt: field(p, &format!("s{i}_prompt")).trim().to_string(),
            }
        })
        .collect();
    let all = |name: &str| -> Vec<String> {
        p.iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    };
    PmTemplate {
        key: if path_key == "new" {
            field(p, "key").trim().to_string()
        } else {
            path_key.to_string()
        },
        name: field(p, "name").trim().to_string(),
        sections,
        severities: all("severities"),
        types: all("types"),
    }
}

async fn render(
    state: &AppState,
    actor: &UiActor,
    path_key: &str,
    t: PmTemplate,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<EditorPage, UiError> {
    let severities = state
        .store
        .list_severities()
        .await?
        .into_iter()
        .map(|s| Choice {
            chosen: t.severities.contains(&s.key),
            value: s.key,
        })
        .collect();
    let mut type_slugs: Vec<String> = state
        .store
        .list_incident_types()
        .await?
        .into_iter()
        .filter(|t| !t.archived)
        .map(|t| t.slug)
        .collect();
    for ty in &t.types {
        if !type_slugs.contains(ty) {
            type_slugs.push(ty.clone());
        }
    }
    type_slugs.sort();
    let types = type_slugs
        .into_iter()
        .map(|v| Choice {
            chosen: t.types.contains(&v),
            value: v,
        })
        .collect();
    Ok(EditorPage {
        user: actor.0.user.name.clone(),
        csrf: actor.csrf(),
        path_key: path_key.to_string(),
        is_new: path_key == "new",
        is_default: t.key == DEFAULT_TEMPLATE,
        key: t.key,
        name: t.name,
        severities,
        types,
        sections: t.sections,
        errors,
        notice,
    })
}

async fn page(
    State(state): State<AppState>,
    actor: UiActor,
    Path(key): Path<String>,
) -> Result<Response, UiError> {
    actor.0.require(AccountRole::Admin)?;
    let t = if key == "new" {
        PmTemplate {
            key: String::new(),
            name: String::new(),
            sections: vec![SectionSpec {
                key: String::new(),
                title: String::new(),
                prompt: String::new(),
            }],
            severities: Vec::new(),
            types: Vec::new(),
        }
    } else {
        state
            .store
            .templates()
            .await?
            .into_iter()
            .find(|t| t.key == key)
            .ok_or_else(|| AppError::NotFound(format!("template '{key}'")))?
    };
    Ok(render(&state, &actor, &key, t, FieldErrors::none(), None)
        .await?
        .into_response())
}

/// Section errors (`sections[2].title`) as the form names its fields (`s2_title`).
fn form_errors(v: ValidationError) -> FieldErrors {
    let mut out = ValidationError::default();
    for f in v.fields {
        let name = match f.field.strip_prefix("sections[") {
            Some(rest) => match rest.split_once("].") {
                Some((i, what)) => format!("s{i}_{what}"),
                None => f.field.clone(),
            },
            None => f.field.clone(),
        };
        out.push(name, f.message);
    }
    let known: Vec<String> = out.fields.iter().map(|f| f.field.clone()).collect();
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    FieldErrors::from_error(AppError::Validation(out), &known).unwrap_or_default()
}

async fn post(
    State(state): State<AppState>,
    actor: UiActor,
    Path(key): Path<String>,
    CsrfForm(p): CsrfForm,
) -> Result<Response, UiError> {
    actor.0.require(AccountRole::Admin)?;
    let mut t = from_form(&p, &key);
    let op = field(&p, "op");
    let (verb, index) = op.split_once(':').unwrap_or((op, ""));
    let i: usize = index.parse().unwrap_or(usize::MAX);
    let n = t.sections.len();
    let blank = || SectionSpec {
        key: String::new(),
        title: String::new(),
        prompt: String::new(),
    };
    match verb {
        "add" => t.sections.push(blank()),
        "up" if i > 0 && i < n => t.sections.swap(i, i - 1),
        "down" if i + 1 < n => t.sections.swap(i, i + 1),
        "remove" if i < n => {
            t.sections.remove(i);
        }
        "delete" if key != "new" && key != DEFAULT_TEMPLATE => {
            state.store.delete_template(&key).await?;
            return Ok(Redirect::to("/settings/postmortems#templates").into_response());
        }
        // Enter in a field posts the form's first button (a hidden "save"); a form sent by
        // script has no button at all: both save.
        "save" | "" => {
            if key == "new"
                && state
                    .store
                    .templates()
                    .await?
                    .iter()
                    .any(|x| x.key == t.key)
            {
                let e = FieldErrors::one(
                    "key",
                    format!("a template '{}' exists; pick another key", t.key),
                );
                let page = render(&state, &actor, &key, t, e, None).await?;
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
            }
            return match t.validate() {
                Ok(()) => {
                    state.store.put_template(&t, state.clock.now()).await?;
                    let page = render(
                        &state,
                        &actor,
                        &t.key.clone(),
                        t,
                        FieldErrors::none(),
                        Some("The template is saved.".into()),
                    )
                    .await?;
                    Ok(page.into_response())
                }
                Err(v) => {
                    let page = render(&state, &actor, &key, t, form_errors(v), None).await?;
                    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
                }
            };
        }
        _ => {}
    }
    Ok(render(&state, &actor, &key, t, FieldErrors::none(), None)
        .await?
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_make_section_keys() {
        assert_eq!(slugify("What went well?"), "what_went_well");
        assert_eq!(slugify("  5 Whys "), "s_5_whys");
        assert_eq!(slugify("?!"), "");
    }
}
