//! Catalogue commands: severities, services, teams (admins change them).

use crate::auth::Actor;
use crate::{AppError, AppState};
use debrief_core::access::AccountRole;
use debrief_core::severity::{Severity, SeverityInput};
use debrief_core::validation::{ValidationError, optional_text, required_text, slug};
use debrief_store::catalog::{Service, Team};

/// Creates or replaces a severity level.
pub async fn put_severity(
    state: &AppState,
    actor: &Actor,
    input: &SeverityInput,
) -> Result<Severity, AppError> {
    actor.require(AccountRole::Admin)?;
    let s = input.validate()?;
    let saved = state.store.put_severity(&s).await?;
    state.caches.clear_catalog();
    Ok(saved)
}

/// Input for a team or service.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogInput {
    /// Slug.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Owning team (services only).
    pub team: Option<String>,
}

fn validate(input: &CatalogInput) -> Result<(String, String, String), ValidationError> {
    let mut e = ValidationError::default();
    let s = slug(&mut e, "slug", &input.slug);
    let name = required_text(&mut e, "name", &input.name, 100);
    let description = optional_text(&mut e, "description", input.description.as_deref(), 2000)
        .unwrap_or_default();
    e.into_result((s, name, description))
}

/// Adds a team.
pub async fn create_team(
    state: &AppState,
    actor: &Actor,
    input: &CatalogInput,
) -> Result<Team, AppError> {
    actor.require(AccountRole::Admin)?;
    if input.team.is_some() {
        return Err(ValidationError::one("team", "teams do not belong to teams").into());
    }
    let (s, name, description) = validate(input)?;
    Ok(state
        .store
        .create_team(&s, &name, &description, state.clock.now())
        .await?)
}

/// Adds a service.
pub async fn create_service(
    state: &AppState,
    actor: &Actor,
    input: &CatalogInput,
) -> Result<Service, AppError> {
    actor.require(AccountRole::Admin)?;
    let (s, name, description) = validate(input)?;
    let team = input
        .team
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let service = state
        .store
        .create_service(&s, &name, &description, team, state.clock.now())
        .await
        .map_err(|e| match e {
            debrief_store::StoreError::NotFound(what) => {
                AppError::from(ValidationError::missing("team", format!("unknown {what}")))
            }
            other => other.into(),
        })?;
    state.caches.clear_catalog();
    Ok(service)
}
