//! Incident types (admins change them; everyone signed in reads), and the check that a
//! declaration or change names a type that exists and is not archived.

use crate::auth::Actor;
use crate::{AppError, AppState};
use debrief_core::access::AccountRole;
use debrief_core::validation::{ValidationError, not_null, optional_text, required_text, slug};
use debrief_store::StoreError;
use debrief_store::incident_type::IncidentType;
use serde::Deserialize;

/// A new incident type, or (all fields optional but the slug ignored) a change to one.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentTypeInput {
    /// Slug (on creation).
    #[serde(default, deserialize_with = "not_null")]
    pub slug: Option<String>,
    /// Human name.
    #[serde(default, deserialize_with = "not_null")]
    pub name: Option<String>,
    /// When to use it.
    pub description: Option<String>,
    /// Archived types cannot be chosen.
    #[serde(default, deserialize_with = "not_null")]
    pub archived: Option<bool>,
}

fn validate(
    input: &IncidentTypeInput,
    current: &IncidentType,
) -> Result<IncidentType, ValidationError> {
    let mut e = ValidationError::default();
    let name = required_text(
        &mut e,
        "name",
        input.name.as_deref().unwrap_or(&current.name),
        100,
    );
    let description = optional_text(
        &mut e,
        "description",
        Some(input.description.as_deref().unwrap_or(&current.description)),
        2000,
    )
    .unwrap_or_default();
    e.into_result(IncidentType {
        slug: current.slug.clone(),
        name,
        description,
        archived: input.archived.unwrap_or(current.archived),
    })
}

/// Adds an incident type.
pub async fn create_incident_type(
    state: &AppState,
    actor: &Actor,
    input: &IncidentTypeInput,
) -> Result<IncidentType, AppError> {
    actor.require(AccountRole::Admin)?;
    let mut e = ValidationError::default();
    let s = slug(&mut e, "slug", input.slug.as_deref().unwrap_or(""));
    let blank = IncidentType {
        slug: s,
        name: String::new(),
        description: String::new(),
        archived: false,
    };
    let t = match validate(input, &blank) {
        Ok(t) if e.fields.is_empty() => t,
        Ok(_) => return Err(e.into()),
        Err(v) => {
            e.fields.extend(v.fields);
            return Err(e.into());
        }
    };
    Ok(state.store.create_incident_type(&t).await?)
}

/// Changes an incident type's name, description or archived flag.
pub async fn update_incident_type(
    state: &AppState,
    actor: &Actor,
    slug: &str,
    input: &IncidentTypeInput,
) -> Result<IncidentType, AppError> {
    actor.require(AccountRole::Admin)?;
    let current = state.store.incident_type(slug).await?;
    let t = validate(input, &current)?;
    Ok(state.store.update_incident_type(&t).await?)
}

/// Adds to `e` an error naming `type` when `raw` is not a type that may be chosen: unknown,
/// or archived. A malformed slug was reported by the parser and is left alone here.
pub async fn check_incident_type(
    state: &AppState,
    e: &mut ValidationError,
    raw: &str,
) -> Result<(), AppError> {
    let mut scratch = ValidationError::default();
    let wanted = slug(&mut scratch, "type", raw);
    if !scratch.fields.is_empty() {
        return Ok(());
    }
    match state.store.incident_type(&wanted).await {
        Ok(t) if t.archived => {
            e.push_conflict("type", format!("incident type '{wanted}' is archived"));
        }
        Ok(_) => {}
        Err(StoreError::NotFound(_)) => {
            let known = state
                .store
                .list_incident_types()
                .await?
                .into_iter()
                .filter(|t| !t.archived)
                .map(|t| t.slug)
                .collect::<Vec<_>>()
                .join(", ");
            e.push_missing(
                "type",
                format!("unknown incident type '{wanted}'; configured: {known}"),
            );
        }
        Err(other) => return Err(other.into()),
    }
    Ok(())
}
