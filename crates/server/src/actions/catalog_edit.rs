//! Editing the catalogue's teams and services (admins; everyone signed in reads): one team
//! with its members, one service with its owner, escalation policy, alert integrations and the
//! status page components that show it.

use crate::auth::Actor;
use crate::{AppError, AppState};
use debrief_core::access::AccountRole;
use debrief_core::validation::{ValidationError, not_null, optional_text, required_text};
use debrief_store::StoreError;
use debrief_store::catalog::{Service, Team};
use debrief_store::service::ServiceComponent;
use debrief_store::team::Member;
use serde::{Deserialize, Deserializer, Serialize};

/// Reads a field that may be absent (`None`), `null` (`Some(None)`) or a value.
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A team with its members.
#[derive(Debug, Clone, Serialize)]
pub struct TeamDetail {
    /// The team.
    #[serde(flatten)]
    pub team: Team,
    /// Its members, by name.
    pub members: Vec<Member>,
}

/// A change to a team: absent fields stay.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamPatch {
    /// Display name.
    #[serde(default, deserialize_with = "not_null")]
    pub name: Option<String>,
    /// Description.
    pub description: Option<String>,
}

/// Checks a name and description, keeping `current`'s for those absent.
fn name_and_description(
    name: Option<&str>,
    description: Option<&str>,
    current: (&str, &str),
) -> Result<(String, String), ValidationError> {
    let mut e = ValidationError::default();
    let name = required_text(&mut e, "name", name.unwrap_or(current.0), 100);
    let description = optional_text(
        &mut e,
        "description",
        Some(description.unwrap_or(current.1)),
        2000,
    )
    .unwrap_or_default();
    e.into_result((name, description))
}

/// One team with its members.
pub async fn team_detail(state: &AppState, slug: &str) -> Result<TeamDetail, AppError> {
    Ok(TeamDetail {
        team: state.store.team(slug).await?,
        members: state.store.team_members(slug).await?,
    })
}

/// Changes a team's name or description.
pub async fn update_team(
    state: &AppState,
    actor: &Actor,
    slug: &str,
    patch: &TeamPatch,
) -> Result<TeamDetail, AppError> {
    actor.require(AccountRole::Admin)?;
    let current = state.store.team(slug).await?;
    let (name, description) = name_and_description(
        patch.name.as_deref(),
        patch.description.as_deref(),
        (&current.name, &current.description),
    )?;
    state.store.update_team(slug, &name, &description).await?;
    team_detail(state, slug).await
}

/// Deletes a team that nothing uses.
pub async fn delete_team(state: &AppState, actor: &Actor, slug: &str) -> Result<(), AppError> {
    actor.require(AccountRole::Admin)?;
    Ok(state.store.delete_team(slug).await?)
}

/// Replaces a team's members; an unknown user is a 404 naming `members`.
pub async fn set_team_members(
    state: &AppState,
    actor: &Actor,
    slug: &str,
    user_ids: &[i64],
) -> Result<TeamDetail, AppError> {
    actor.require(AccountRole::Admin)?;
    if user_ids.len() > 500 {
        return Err(ValidationError::one("members", "at most 500 members").into());
    }
    state
        .store
        .set_team_members(slug, user_ids, state.clock.now())
        .await
        .map_err(|e| match e {
            StoreError::NotFound(what) if what.starts_with("user ") => AppError::from(
                ValidationError::missing("members", format!("unknown {what}")),
            ),
            other => other.into(),
        })?;
    team_detail(state, slug).await
}

/// A service's escalation policy, by id and name.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyRef {
    /// The policy's id.
    pub id: i64,
    /// Its name.
    pub name: String,
}

/// A service's alert integration, as listed on the service.
#[derive(Debug, Clone, Serialize)]
pub struct IntegrationRef {
    /// The integration's id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its kind (`pagerduty`, `alertmanager`, …).
    pub kind: String,
    /// Whether it accepts alerts.
    pub enabled: bool,
}

/// A service with what hangs off it.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceDetail {
    /// The service.
    #[serde(flatten)]
    pub service: Service,
    /// Who is paged for it.
    pub escalation_policy: Option<PolicyRef>,
    /// Where its alerts come in from.
    pub integrations: Vec<IntegrationRef>,
    /// The status page components that show it.
    pub components: Vec<ServiceComponent>,
}

/// One service with its policy, integrations and components.
pub async fn service_detail(state: &AppState, slug: &str) -> Result<ServiceDetail, AppError> {
    let service = state.store.service(slug).await?;
    Ok(ServiceDetail {
        escalation_policy: state.store.service_policy(slug).await?.map(|p| PolicyRef {
            id: p.id,
            name: p.name,
        }),
        integrations: state
            .store
            .integrations(Some(slug))
            .await?
            .into_iter()
            .map(|i| IntegrationRef {
                id: i.id,
                name: i.name,
                kind: i.kind,
                enabled: i.disabled_at.is_none(),
            })
            .collect(),
        components: state
            .store
            .components_for_services(&[slug.to_string()])
            .await?,
        service,
    })
}

/// A change to a service: absent fields stay; `null` clears the team or policy.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServicePatch {
    /// Display name.
    #[serde(default, deserialize_with = "not_null")]
    pub name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Owning team's slug.
    #[serde(default, deserialize_with = "nullable")]
    pub team: Option<Option<String>>,
    /// Escalation policy id.
    #[serde(default, deserialize_with = "nullable")]
    pub escalation_policy_id: Option<Option<i64>>,
    /// Ids of the status page components that show it (any page).
    #[serde(default, deserialize_with = "not_null")]
    pub components: Option<Vec<i64>>,
}

/// Changes a service; each unknown reference is a 404 naming its field.
pub async fn update_service(
    state: &AppState,
    actor: &Actor,
    slug: &str,
    patch: &ServicePatch,
) -> Result<ServiceDetail, AppError> {
    actor.require(AccountRole::Admin)?;
    let current = state.store.service(slug).await?;
    let (name, description) = name_and_description(
        patch.name.as_deref(),
        patch.description.as_deref(),
        (&current.name, &current.description),
    )?;
    let team = match &patch.team {
        Some(t) => t.as_deref().map(str::trim).filter(|t| !t.is_empty()),
        None => current.team.as_deref(),
    };
    if patch.components.as_ref().is_some_and(|c| c.len() > 200) {
        return Err(ValidationError::one("components", "at most 200 components").into());
    }
    let as_field = |field: &'static str| {
        move |e: StoreError| match e {
            StoreError::NotFound(what) => {
                AppError::from(ValidationError::missing(field, format!("unknown {what}")))
            }
            other => other.into(),
        }
    };
    state
        .store
        .update_service(slug, &name, &description, team)
        .await
        .map_err(as_field("team"))?;
    if let Some(p) = patch.escalation_policy_id {
        state
            .store
            .set_service_policy(slug, p, state.clock.now())
            .await
            .map_err(as_field("escalation_policy_id"))?;
    }
    if let Some(c) = &patch.components {
        state
            .store
            .set_service_components(slug, c)
            .await
            .map_err(as_field("components"))?;
    }
    state.caches.clear_catalog();
    service_detail(state, slug).await
}

/// Deletes a service no incident or integration uses (409 saying how many otherwise).
pub async fn delete_service(state: &AppState, actor: &Actor, slug: &str) -> Result<(), AppError> {
    actor.require(AccountRole::Admin)?;
    state.store.delete_service(slug).await?;
    state.caches.clear_catalog();
    Ok(())
}
