//! Assigning, handing over and releasing roles.

use super::*;

/// Input of a role change: a user by id or email, or neither to release the role.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleInput {
    /// Role name: `commander`, `communications`, `scribe`, `ops` or a custom slug.
    pub role: String,
    /// The new holder by id.
    pub user_id: Option<i64>,
    /// The new holder by email.
    pub email: Option<String>,
}

/// Assigns, hands over or releases a role.
pub async fn assign_role(
    state: &AppState,
    actor: &Actor,
    r: IncidentRef,
    input: &RoleInput,
    source: Source,
) -> Result<Incident, AppError> {
    actor.require(AccountRole::Responder)?;
    let mut e = ValidationError::default();
    let role = parse_role(&mut e, "role", &input.role);
    let holder = match (input.user_id, input.email.as_deref()) {
        (Some(_), Some(_)) => {
            e.push("email", "give user_id or email, not both");
            None
        }
        (Some(id), None) => match state.store.user(id).await {
            Ok(u) => Some(u),
            Err(StoreError::NotFound(_)) => {
                e.push_missing("user_id", format!("no user with id {id}"));
                None
            }
            Err(other) => return Err(other.into()),
        },
        (None, Some(email)) => match state.store.user_by_email(email).await {
            Ok(u) => Some(u),
            Err(StoreError::NotFound(_)) => {
                e.push_missing("email", format!("no user with email {email}"));
                None
            }
            Err(other) => return Err(other.into()),
        },
        (None, None) => None,
    };
    e.into_result(())?;
    if let Some(h) = holder.as_ref().filter(|h| h.disabled) {
        return Err(ValidationError::one("user_id", format!("{} is disabled", h.name)).into());
    }
    let (incident, _) = change(state, actor, r, None, |current, _| {
        let held = current.roles.iter().find(|a| a.role == role);
        let (op, body, to) = match (&holder, held) {
            (Some(h), Some(a)) if a.user_id == h.id => return Ok(None),
            (Some(h), Some(a)) => (
                RoleOp::Assign {
                    role: role.clone(),
                    user_id: h.id,
                },
                format!("{role} handed over from {} to {}", a.user_name, h.name),
                json!({"id": h.id, "name": h.name}),
            ),
            (Some(h), None) => (
                RoleOp::Assign {
                    role: role.clone(),
                    user_id: h.id,
                },
                format!("{} is the {role}", h.name),
                json!({"id": h.id, "name": h.name}),
            ),
            (None, Some(a)) => (
                RoleOp::Release { role: role.clone() },
                format!("{} is no longer the {role}", a.user_name),
                serde_json::Value::Null,
            ),
            (None, None) => return Ok(None),
        };
        let from = held.map(|a| json!({"id": a.user_id, "name": a.user_name}));
        Ok(Some(IncidentWrite {
            roles: vec![op],
            participants: vec![actor.user.id],
            events: vec![draft_event(
                actor,
                source,
                EventKind::RoleChange,
                state.clock.now(),
                body,
                json!({"role": role, "from": from, "to": to}),
            )],
            ..IncidentWrite::new(current.clone())
        }))
    })
    .await?;
    Ok(incident)
}
