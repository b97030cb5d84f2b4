//! The schedule form (admins): create a schedule on `/schedules`, change one on its page, both
//! from `oncall_schedule_form.html`, and delete one after a confirmation tick.
//!
//! Each layer is a fieldset whose fields carry its index (`l0_rotation`, `l0_r1_type`, …): its
//! participants in order, rotation, start, optional end, up to three restrictions, an order
//! number (lower first: the last layer with someone on call wins) and, for a layer that exists,
//! a "remove this layer" tick. A layer left empty (no participant, no start) is ignored, so the
//! form always offers one more layer to fill in. No script: the page is server-rendered.

use super::form::{CsrfForm, Pairs, field, opt};
use super::oncall::user_options;
use super::session::{UiActor, UiError};
use crate::actions::oncall::{self as act, LayerInput, UserRef};
use crate::{AppError, AppState};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use debrief_core::access::AccountRole;
use debrief_core::oncall::schedule::{LayerSpec, RestrictionSpec};
use debrief_core::validation::ValidationError;
use debrief_store::oncall::ScheduleRow;
use jiff::civil::DateTime;

/// Participant pickers offered per layer at least (two more than a layer already has).
const PICKERS: usize = 6;
/// Restriction slots offered per layer at least.
const RESTRICTIONS: usize = 3;
/// Highest layer index read from a form (more fieldsets than this are not offered).
const MAX_LAYERS: usize = 50;
/// Highest restriction index read per layer.
const MAX_RESTRICTIONS: usize = 20;

/// One restriction slot of a layer's fieldset.
pub(super) struct RestrictionView {
    /// Index within the layer.
    pub n: usize,
    /// `""` (none), `daily` or `weekly`.
    pub kind: &'static str,
    pub start_day: String,
    pub start_time: String,
    pub end_day: String,
    pub end_time: String,
}

impl RestrictionView {
    /// Whether the window opens on `day` (for the selected weekday).
    pub fn starts_on(&self, day: &str) -> bool {
        self.start_day == day
    }

    /// Whether the window closes on `day`.
    pub fn ends_on(&self, day: &str) -> bool {
        self.end_day == day
    }
}

/// One layer's fieldset.
pub(super) struct LayerView {
    /// Index of the fieldset (the prefix of its field names).
    pub n: usize,
    /// Its order number (lower first).
    pub order: usize,
    /// The participant pickers: the chosen user id as text, or empty.
    pub pickers: Vec<String>,
    /// `daily`, `weekly` or `hours`.
    pub rotation: &'static str,
    /// N of `hours:N`.
    pub hours: String,
    /// Start, as a `datetime-local` value.
    pub start: String,
    /// End, as a `datetime-local` value, or empty.
    pub end: String,
    pub restrictions: Vec<RestrictionView>,
    /// A stored layer (offers "remove this layer").
    pub existing: bool,
    /// The start must be filled in (a stored layer, or the first layer of a new schedule).
    pub required: bool,
}

/// What the create and edit forms show.
pub(super) struct FormView {
    pub action: String,
    pub button: &'static str,
    pub name: String,
    pub description: String,
    pub time_zone: String,
    pub team: String,
    pub teams: Vec<(String, String)>,
    /// Pickable users: id as text, label.
    pub users: Vec<(String, String)>,
    pub layers: Vec<LayerView>,
}

/// A local date-time as an `<input type="datetime-local">` value (minutes unless seconds matter).
fn local_value(d: &DateTime) -> String {
    if d.second() == 0 && d.subsec_nanosecond() == 0 {
        d.strftime("%Y-%m-%dT%H:%M").to_string()
    } else {
        d.to_string()
    }
}

fn blank_restriction(n: usize) -> RestrictionView {
    RestrictionView {
        n,
        kind: "",
        start_day: "monday".into(),
        start_time: "09:00".into(),
        end_day: "friday".into(),
        end_time: "17:00".into(),
    }
}

fn restriction_view(n: usize, r: &RestrictionSpec) -> RestrictionView {
    let blank = blank_restriction(n);
    match r {
        RestrictionSpec::Daily { start, end } => RestrictionView {
            kind: "daily",
            start_time: start.clone(),
            end_time: end.clone(),
            ..blank
        },
        RestrictionSpec::Weekly {
            start_day,
            start_time,
            end_day,
            end_time,
        } => RestrictionView {
            kind: "weekly",
            start_day: start_day.clone(),
            start_time: start_time.clone(),
            end_day: end_day.clone(),
            end_time: end_time.clone(),
            ..blank
        },
    }
}

/// The fieldset of stored layer `l` at index `n`, or a blank one.
fn layer_view(n: usize, l: Option<&LayerSpec>, required: bool) -> LayerView {
    let mut pickers: Vec<String> = l.map_or_else(Vec::new, |l| l.participants.clone());
    pickers.resize(PICKERS.max(pickers.len() + 2), String::new());
    let mut restrictions: Vec<RestrictionView> = l
        .map(|l| l.restrictions.as_slice())
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(k, r)| restriction_view(k, r))
        .collect();
    while restrictions.len() < RESTRICTIONS {
        restrictions.push(blank_restriction(restrictions.len()));
    }
    let rotation = l.map_or("weekly", |l| l.rotation.as_str());
    let (rotation, hours) = match rotation.strip_prefix("hours:") {
        Some(n) => ("hours", n.to_string()),
        None if rotation == "daily" => ("daily", "12".to_string()),
        None => ("weekly", "12".to_string()),
    };
    LayerView {
        n,
        order: n + 1,
        pickers,
        rotation,
        hours,
        start: l.map(|l| local_value(&l.start)).unwrap_or_default(),
        end: l
            .and_then(|l| l.end.as_ref())
            .map(local_value)
            .unwrap_or_default(),
        restrictions,
        existing: l.is_some(),
        required,
    }
}

/// The form for a new schedule (`None`) or for changing `schedule`.
pub(super) async fn form_view(
    state: &AppState,
    schedule: Option<&ScheduleRow>,
) -> Result<FormView, AppError> {
    let mut users: Vec<(String, String)> = user_options(state)
        .await?
        .into_iter()
        .map(|(id, label)| (id.to_string(), label))
        .collect();
    let stored: &[LayerSpec] = schedule.map_or(&[], |s| &s.layers);
    // A participant who can no longer be picked (a disabled user) stays selectable, so saving
    // the form does not drop them silently.
    for p in stored.iter().flat_map(|l| &l.participants) {
        if !users.iter().any(|u| &u.0 == p) {
            users.push((p.clone(), format!("user {p} (disabled)")));
        }
    }
    let mut layers: Vec<LayerView> = stored
        .iter()
        .enumerate()
        .map(|(n, l)| layer_view(n, Some(l), true))
        .collect();
    layers.push(layer_view(stored.len(), None, stored.is_empty()));
    Ok(FormView {
        action: schedule.map_or_else(|| "/schedules".into(), |s| format!("/schedules/{}", s.id)),
        button: if schedule.is_some() {
            "Save the schedule"
        } else {
            "Create the schedule"
        },
        name: schedule.map(|s| s.name.clone()).unwrap_or_default(),
        description: schedule.map(|s| s.description.clone()).unwrap_or_default(),
        time_zone: schedule.map_or_else(|| "UTC".into(), |s| s.time_zone.clone()),
        team: schedule.and_then(|s| s.team.clone()).unwrap_or_default(),
        teams: state
            .store
            .list_teams()
            .await?
            .into_iter()
            .map(|t| (t.slug, t.name))
            .collect(),
        users,
        layers,
    })
}

/// A local date-time of the form, or a validation error at `name`.
fn local(e: &mut ValidationError, pairs: &Pairs, name: &str) -> Option<DateTime> {
    let raw = field(pairs, name).trim();
    if raw.is_empty() {
        return None;
    }
    match raw.parse::<DateTime>() {
        Ok(d) => Some(d),
        Err(_) => {
            e.push(name, "must be a local date and time like 2026-03-29T09:00");
            None
        }
    }
}

/// Restriction `j` of layer `n`, when one is chosen.
fn restriction(pairs: &Pairs, n: usize, j: usize) -> Option<RestrictionSpec> {
    let f = |name: &str| {
        field(pairs, &format!("l{n}_r{j}_{name}"))
            .trim()
            .to_string()
    };
    match f("type").as_str() {
        "daily" => Some(RestrictionSpec::Daily {
            start: f("start_time"),
            end: f("end_time"),
        }),
        "weekly" => Some(RestrictionSpec::Weekly {
            start_day: f("start_day"),
            start_time: f("start_time"),
            end_day: f("end_day"),
            end_time: f("end_time"),
        }),
        _ => None,
    }
}

/// Layer `n` of the form with its order number; `None` when removed or left empty.
fn layer(e: &mut ValidationError, pairs: &Pairs, n: usize) -> Option<(i64, LayerInput)> {
    let name = |f: &str| format!("l{n}_{f}");
    if !field(pairs, &name("remove")).is_empty() {
        return None;
    }
    let participants: Vec<UserRef> = pairs
        .iter()
        .filter(|(k, v)| *k == name("participant") && !v.trim().is_empty())
        .map(|(_, v)| UserRef::Text(v.clone()))
        .collect();
    if participants.is_empty() && field(pairs, &name("start")).trim().is_empty() {
        return None;
    }
    let rotation = match field(pairs, &name("rotation")) {
        "hours" => format!("hours:{}", field(pairs, &name("hours")).trim()),
        other => other.to_string(),
    };
    let errors = e.fields.len();
    let start = local(e, pairs, &name("start"));
    if start.is_none() && e.fields.len() == errors {
        e.push(name("start"), "is required");
    }
    let end = local(e, pairs, &name("end"));
    let order = match field(pairs, &name("order")).trim() {
        "" => n as i64 + 1,
        raw => raw.parse().unwrap_or_else(|_| {
            e.push(name("order"), "must be a whole number");
            0
        }),
    };
    let restrictions = (0..MAX_RESTRICTIONS)
        .filter_map(|j| restriction(pairs, n, j))
        .collect();
    Some((
        order,
        LayerInput {
            participants,
            rotation,
            start: start?,
            end,
            restrictions,
        },
    ))
}

/// The form as a schedule: its layers in order (order number, then place in the form).
pub(super) fn schedule_input(pairs: &Pairs) -> Result<act::ScheduleInput, AppError> {
    let mut e = ValidationError::default();
    let mut layers: Vec<(i64, usize, LayerInput)> = (0..MAX_LAYERS)
        .filter_map(|n| layer(&mut e, pairs, n).map(|(order, l)| (order, n, l)))
        .collect();
    if !e.fields.is_empty() {
        return Err(e.into());
    }
    layers.sort_by_key(|(order, n, _)| (*order, *n));
    Ok(act::ScheduleInput {
        name: field(pairs, "name").to_string(),
        description: opt(pairs, "description"),
        time_zone: field(pairs, "time_zone").to_string(),
        team: opt(pairs, "team"),
        layers: layers.into_iter().map(|(_, _, l)| l).collect(),
    })
}

/// `POST /schedules`: creates a schedule, then shows it.
pub(super) async fn create(
    State(state): State<AppState>,
    actor: UiActor,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    let row = act::create_schedule(&state, &actor.0, &schedule_input(&pairs)?).await?;
    Ok(Redirect::to(&format!("/schedules/{}", row.id)).into_response())
}

/// `POST /schedules/{id}`: replaces a schedule's name, zone, team and layers.
pub(super) async fn update(
    State(state): State<AppState>,
    actor: UiActor,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    let id = super::oncall_schedule::schedule_id(&id)?;
    act::update_schedule(&state, &actor.0, id, &schedule_input(&pairs)?).await?;
    Ok(Redirect::to(&format!("/schedules/{id}")).into_response())
}

/// `POST /schedules/{id}/delete`: deletes a schedule no policy names, once `confirm` is ticked.
pub(super) async fn delete(
    State(state): State<AppState>,
    actor: UiActor,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    actor.0.require(AccountRole::Admin)?;
    let id = super::oncall_schedule::schedule_id(&id)?;
    if field(&pairs, "confirm") != "yes" {
        let mut e = ValidationError::default();
        e.push("confirm", "tick the box to confirm the deletion");
        return Err(UiError(e.into()));
    }
    act::delete_schedule(&state, &actor.0, id).await?;
    Ok(Redirect::to("/schedules").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Pairs {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_create_form_becomes_one_layer_in_picked_order() {
        let input = schedule_input(&pairs(&[
            ("name", "Primary"),
            ("time_zone", "Europe/Berlin"),
            ("l0_participant", "3"),
            ("l0_participant", ""),
            ("l0_participant", "2"),
            ("l0_rotation", "hours"),
            ("l0_hours", "12"),
            ("l0_start", "2026-03-29T09:00"),
            ("l0_r0_type", "daily"),
            ("l0_r0_start_time", "18:00"),
            ("l0_r0_end_time", "08:00"),
            ("l0_r1_type", ""),
            ("l1_participant", ""),
            ("l1_start", ""),
            ("l1_r0_type", ""),
        ]))
        .expect("valid");
        assert_eq!(input.layers.len(), 1, "the empty layer is ignored");
        let l = &input.layers[0];
        assert_eq!(l.rotation, "hours:12");
        assert_eq!(l.participants.len(), 2);
        assert!(matches!(&l.participants[0], UserRef::Text(t) if t == "3"));
        assert_eq!(l.restrictions.len(), 1);
        assert!(schedule_input(&pairs(&[("name", "x"), ("l0_participant", "1")])).is_err());
    }

    #[test]
    fn layers_follow_their_order_numbers_and_removed_ones_go() {
        let input = schedule_input(&pairs(&[
            ("name", "Primary"),
            ("time_zone", "UTC"),
            ("l0_participant", "1"),
            ("l0_rotation", "daily"),
            ("l0_start", "2026-01-01T09:00"),
            ("l0_order", "2"),
            ("l1_participant", "2"),
            ("l1_rotation", "weekly"),
            ("l1_start", "2026-01-01T09:00"),
            ("l1_order", "3"),
            ("l1_remove", "yes"),
            ("l2_participant", "3"),
            ("l2_rotation", "weekly"),
            ("l2_start", "2026-01-05T00:00"),
            ("l2_order", "1"),
            ("l2_r0_type", "weekly"),
            ("l2_r0_start_day", "monday"),
            ("l2_r0_start_time", "09:00"),
            ("l2_r0_end_day", "friday"),
            ("l2_r0_end_time", "17:00"),
        ]))
        .expect("valid");
        let rotations: Vec<&str> = input.layers.iter().map(|l| l.rotation.as_str()).collect();
        assert_eq!(rotations, ["weekly", "daily"]);
        assert!(matches!(
            &input.layers[0].restrictions[..],
            [RestrictionSpec::Weekly { start_day, end_day, .. }] if start_day == "monday" && end_day == "friday"
        ));
        let bad = schedule_input(&pairs(&[
            ("l0_participant", "1"),
            ("l0_start", "2026-01-01T09:00"),
            ("l0_order", "first"),
        ]));
        assert!(bad.is_err());
    }

    #[test]
    fn a_stored_layer_fills_its_fieldset() {
        let spec = LayerSpec {
            participants: vec!["4".into(), "5".into()],
            rotation: "hours:8".into(),
            start: "2026-01-01T09:00:00".parse().expect("date-time"),
            end: None,
            restrictions: vec![RestrictionSpec::Daily {
                start: "18:00".into(),
                end: "08:00".into(),
            }],
        };
        let v = layer_view(0, Some(&spec), true);
        assert_eq!((v.rotation, v.hours.as_str()), ("hours", "8"));
        assert_eq!(v.start, "2026-01-01T09:00");
        assert_eq!(&v.pickers[..3], ["4", "5", ""]);
        assert_eq!(v.restrictions.len(), RESTRICTIONS);
        assert_eq!(v.restrictions[0].kind, "daily");
        assert_eq!(v.restrictions[1].kind, "");
        assert!(v.existing);
    }
}
