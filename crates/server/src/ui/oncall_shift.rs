//! The one-button forms of a schedule's page: "Take this shift" (an override for the viewer
//! replacing the shift's person, so an override of an override is the same click), "Give
//! to…", "Swap with…" (two overrides through [`crate::actions::oncall::swap_shifts`]), and
//! adding and removing overrides. Each answers `303` back to the week it was sent from.

use super::form::{CsrfForm, Pairs, field, opt};
use super::oncall::local_instant;
use super::session::{UiActor, UiError};
use crate::actions::oncall::{self as act, UserRef};
use crate::{AppError, AppState};
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use debrief_core::Timestamp;
use debrief_core::validation::ValidationError;
use jiff::civil::Date;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/schedules/{id}/take", post(take))
        .route("/schedules/{id}/give", post(give))
        .route("/schedules/{id}/swap", post(swap))
        .route("/schedules/{id}/overrides", post(add_override))
        .route(
            "/schedules/{id}/overrides/{oid}/remove",
            post(remove_override),
        )
}

fn schedule_id(raw: &str) -> Result<i64, UiError> {
    raw.parse()
        .map_err(|_| UiError(AppError::NotFound(format!("schedule '{raw}'"))))
}

/// An instant from a hidden field (`…Z`), or a validation error.
fn instant(e: &mut ValidationError, raw: &str, name: &str) -> Option<Timestamp> {
    let t = raw.trim().parse::<Timestamp>().ok();
    if t.is_none() {
        e.push(name, "must be an instant like 2026-03-29T01:30:00Z");
    }
    t
}

/// Back to the schedule's page, at the week the form was sent from.
fn back(id: i64, pairs: &Pairs) -> Response {
    let from = field(pairs, "from");
    let q = if from.parse::<Date>().is_ok() {
        format!("?from={from}")
    } else {
        String::new()
    };
    Redirect::to(&format!("/schedules/{id}{q}#final")).into_response()
}

/// The shift of a form (`start`, `end`).
fn shift(pairs: &Pairs) -> Result<(Timestamp, Timestamp), AppError> {
    let mut e = ValidationError::default();
    let start = instant(&mut e, field(pairs, "start"), "start");
    let end = instant(&mut e, field(pairs, "end"), "end");
    match (start, end) {
        (Some(s), Some(t)) => Ok((s, t)),
        _ => Err(e.into()),
    }
}

async fn take(
    State(state): State<AppState>,
    actor: UiActor,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    let id = schedule_id(&id)?;
    let (start, end) = shift(&pairs)?;
    let input = act::OverrideInput {
        user: UserRef::Id(actor.0.user.id),
        start,
        end,
        replaces: opt(&pairs, "replaces").map(UserRef::Text),
        note: opt(&pairs, "note"),
    };
    act::add_override(&state, &actor.0, id, &input).await?;
    Ok(back(id, &pairs))
}

async fn give(
    State(state): State<AppState>,
    actor: UiActor,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    let id = schedule_id(&id)?;
    let (start, end) = shift(&pairs)?;
    let input = act::OverrideInput {
        user: UserRef::Text(field(&pairs, "to").to_string()),
        start,
        end,
        replaces: Some(UserRef::Id(actor.0.user.id)),
        note: opt(&pairs, "note"),
    };
    act::add_override(&state, &actor.0, id, &input).await?;
    Ok(back(id, &pairs))
}

async fn swap(
    State(state): State<AppState>,
    actor: UiActor,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    let id = schedule_id(&id)?;
    let (start, end) = shift(&pairs)?;
    let other: Vec<&str> = field(&pairs, "other").split('|').collect();
    let mut e = ValidationError::default();
    let (Some(user), Some(o_start), Some(o_end)) = (
        other.first().filter(|u| !u.is_empty()),
        other.get(1).and_then(|s| instant(&mut e, s, "other")),
        other.get(2).and_then(|s| instant(&mut e, s, "other")),
    ) else {
        e.push("other", "choose a shift to swap with");
        return Err(UiError(e.into()));
    };
    let input = act::SwapInput {
        a: act::ShiftRef {
            user: UserRef::Id(actor.0.user.id),
            start,
            end,
        },
        b: act::ShiftRef {
            user: UserRef::Text((*user).to_string()),
            start: o_start,
            end: o_end,
        },
        note: opt(&pairs, "note"),
    };
    act::swap_shifts(&state, &actor.0, id, &input).await?;
    Ok(back(id, &pairs))
}

async fn add_override(
    State(state): State<AppState>,
    actor: UiActor,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    let id = schedule_id(&id)?;
    let zone = field(&pairs, "zone");
    let mut e = ValidationError::default();
    let mut at = |name: &str| {
        let t = local_instant(field(&pairs, name), zone);
        if t.is_none() {
            e.push(
                name,
                format!("must be a date and time (read in the zone '{zone}')"),
            );
        }
        t
    };
    let (start, end) = (at("start"), at("end"));
    let (Some(start), Some(end)) = (start, end) else {
        return Err(UiError(e.into()));
    };
    let input = act::OverrideInput {
        user: UserRef::Text(field(&pairs, "user").to_string()),
        start,
        end,
        replaces: None,
        note: opt(&pairs, "note"),
    };
    act::add_override(&state, &actor.0, id, &input).await?;
    Ok(back(id, &pairs))
}

async fn remove_override(
    State(state): State<AppState>,
    actor: UiActor,
    Path((id, oid)): Path<(String, String)>,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    let id = schedule_id(&id)?;
    let oid = oid
        .parse()
        .map_err(|_| AppError::NotFound(format!("override '{oid}'")))?;
    act::delete_override(&state, &actor.0, id, oid).await?;
    Ok(back(id, &pairs))
}
