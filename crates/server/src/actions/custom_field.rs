//! Custom field definitions (admins change them; everyone signed in reads).

use crate::auth::Actor;
use crate::{AppError, AppState};
use debrief_core::access::AccountRole;
use debrief_core::custom_field::{CustomField, CustomFieldInput};

/// Adds a custom field.
pub async fn create_custom_field(
    state: &AppState,
    actor: &Actor,
    input: &CustomFieldInput,
) -> Result<CustomField, AppError> {
    actor.require(AccountRole::Admin)?;
    let f = input.create()?;
    Ok(state.store.create_custom_field(&f).await?)
}

/// Changes a custom field (not its key or kind).
pub async fn update_custom_field(
    state: &AppState,
    actor: &Actor,
    key: &str,
    input: &CustomFieldInput,
) -> Result<CustomField, AppError> {
    actor.require(AccountRole::Admin)?;
    let current = state.store.custom_field(key).await?;
    let f = input.change(&current)?;
    Ok(state.store.update_custom_field(&f).await?)
}

/// Deletes a custom field.
pub async fn delete_custom_field(
    state: &AppState,
    actor: &Actor,
    key: &str,
) -> Result<(), AppError> {
    actor.require(AccountRole::Admin)?;
    Ok(state.store.delete_custom_field(key).await?)
}
