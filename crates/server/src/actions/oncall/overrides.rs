//! Overrides: someone on call in place of a schedule's layers for a while, a shift taken,
//! given away, or swapped between two people (two overrides).

use super::schedules::{MAX_RANGE_DAYS, UserRef, resolve_user, users_by_id};
use super::*;

/// What adding an override needs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverrideInput {
    /// Who is on call (id or e-mail address).
    pub user: UserRef,
    /// First instant.
    pub start: Timestamp,
    /// First instant after.
    pub end: Timestamp,
    /// Whose shift it replaces (for a taken shift).
    #[serde(default)]
    pub replaces: Option<UserRef>,
    /// Why.
    #[serde(default)]
    pub note: Option<String>,
}

fn check_span(e: &mut ValidationError, start: Timestamp, end: Timestamp, now: Timestamp) {
    if end <= start {
        e.push("end", "must be after start");
    } else if end.duration_since(start) > SignedDuration::from_hours(24 * MAX_RANGE_DAYS) {
        e.push(
            "end",
            format!("an override lasts at most {MAX_RANGE_DAYS} days"),
        );
    }
    if end <= now {
        e.push(
            "end",
            "is in the past: an override changes who is on call from now on",
        );
    }
}

/// Adds an override: anyone may cover a shift themselves ("take this shift"); a responder may
/// put someone else on call; admins anything.
pub async fn add_override(
    state: &AppState,
    actor: &Actor,
    schedule_id: i64,
    input: &OverrideInput,
) -> Result<OverrideRow, AppError> {
    actor.require(AccountRole::Responder)?;
    state.store.schedule(schedule_id).await?;
    let now = state.clock.now();
    let users = users_by_id(state).await?;
    let mut e = ValidationError::default();
    let user = resolve_user(&users, &input.user, "user", &mut e);
    let replaces = input
        .replaces
        .as_ref()
        .and_then(|r| resolve_user(&users, r, "replaces", &mut e));
    check_span(&mut e, input.start, input.end, now);
    let note = input.note.as_deref().unwrap_or("").trim().to_string();
    if note.chars().count() > 500 {
        e.push("note", "must be at most 500 characters");
    }
    let (Some(user), true) = (user, e.fields.is_empty()) else {
        return Err(e.into());
    };
    let kind = if replaces.is_some() && user == actor.user.id {
        "take"
    } else {
        "override"
    };
    Ok(state
        .store
        .add_override(
            schedule_id,
            &NewOverride {
                user_id: user,
                start: input.start,
                end: input.end,
                kind,
                replaces_user_id: replaces,
                note,
            },
            Some(actor.user.id),
            now,
        )
        .await?)
}

/// One side of a swap: a shift as the final schedule shows it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShiftRef {
    /// Whose shift.
    pub user: UserRef,
    /// Its first instant.
    pub start: Timestamp,
    /// Its first instant after.
    pub end: Timestamp,
}

/// What swapping two shifts needs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SwapInput {
    /// One shift.
    pub a: ShiftRef,
    /// The other.
    pub b: ShiftRef,
    /// Why.
    #[serde(default)]
    pub note: Option<String>,
}

/// Swaps two people's shifts: two overrides, each person on call in the other's shift. Either
/// person (or an admin) may swap.
pub async fn swap_shifts(
    state: &AppState,
    actor: &Actor,
    schedule_id: i64,
    input: &SwapInput,
) -> Result<Vec<OverrideRow>, AppError> {
    actor.require(AccountRole::Responder)?;
    state.store.schedule(schedule_id).await?;
    let now = state.clock.now();
    let users = users_by_id(state).await?;
    let mut e = ValidationError::default();
    let a = resolve_user(&users, &input.a.user, "a.user", &mut e);
    let b = resolve_user(&users, &input.b.user, "b.user", &mut e);
    check_span(&mut e, input.a.start, input.a.end, now);
    check_span(&mut e, input.b.start, input.b.end, now);
    if a.is_some() && a == b {
        e.push("b.user", "a swap needs two different people");
    }
    let (Some(a), Some(b), true) = (a, b, e.fields.is_empty()) else {
        return Err(e.into());
    };
    if actor.role < AccountRole::Admin && actor.user.id != a && actor.user.id != b {
        return Err(AppError::Forbidden(
            "only the two people swapping (or an admin) may swap shifts".into(),
        ));
    }
    let note = input.note.as_deref().unwrap_or("").trim().to_string();
    let mut out = Vec::new();
    for (taker, shift, owner) in [(b, &input.a, a), (a, &input.b, b)] {
        out.push(
            state
                .store
                .add_override(
                    schedule_id,
                    &NewOverride {
                        user_id: taker,
                        start: shift.start,
                        end: shift.end,
                        kind: "swap",
                        replaces_user_id: Some(owner),
                        note: note.clone(),
                    },
                    Some(actor.user.id),
                    now,
                )
                .await?,
        );
    }
    Ok(out)
}

/// Removes an override: its maker, the person it puts on call, or an admin.
pub async fn delete_override(
    state: &AppState,
    actor: &Actor,
    schedule_id: i64,
    id: i64,
) -> Result<(), AppError> {
    actor.require(AccountRole::Responder)?;
    let o = state
        .store
        .overrides(schedule_id, None)
        .await?
        .into_iter()
        .find(|o| o.id == id)
        .ok_or_else(|| AppError::NotFound(format!("override {id} of schedule {schedule_id}")))?;
    if actor.role < AccountRole::Admin
        && o.created_by != Some(actor.user.id)
        && o.user_id != actor.user.id
    {
        return Err(AppError::Forbidden(
            "only whoever made the override, whoever it puts on call, or an admin may remove it"
                .into(),
        ));
    }
    Ok(state.store.delete_override(schedule_id, id).await?)
}
