//! Schedules: create, change and delete them; overrides, swaps and taken shifts; who is on
//! call at an instant, the final schedule over a range, a user's own shifts, and the gaps an
//! admin is warned of.

use super::*;

/// A participant as submitted: a user id, or a user's e-mail address.
#[derive(Debug, Clone)]
pub enum UserRef {
    /// A user id.
    Id(i64),
    /// An e-mail address (or an id written as text).
    Text(String),
}

impl<'de> Deserialize<'de> for UserRef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // A number with no fractional part is an integer (`3.0` is user 3), as JSON Schema
        // counts it; anything else but text is refused, saying what to send.
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) => Ok(UserRef::Text(s)),
            serde_json::Value::Number(n) => n
                .as_i64()
                .or_else(|| {
                    n.as_f64()
                        .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                        .map(|f| f as i64)
                })
                .map(UserRef::Id)
                .ok_or_else(|| serde::de::Error::custom("must be a user id or an e-mail address")),
            _ => Err(serde::de::Error::custom(
                "must be a user id or an e-mail address",
            )),
        }
    }
}

/// One layer as submitted.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerInput {
    /// Who takes turns, in order (ids or e-mail addresses); a user may appear more than once.
    pub participants: Vec<UserRef>,
    /// `daily`, `weekly` or `hours:N`.
    pub rotation: String,
    /// Local date-time of the first turn (`2026-03-29T09:00:00`).
    pub start: DateTime,
    /// Local date-time from which the layer has nobody on call.
    #[serde(default)]
    pub end: Option<DateTime>,
    /// Windows the layer is on call in.
    #[serde(default)]
    pub restrictions: Vec<RestrictionSpec>,
}

/// What creating or replacing a schedule needs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleInput {
    /// Name, unique.
    pub name: String,
    /// What it is for.
    #[serde(default)]
    pub description: Option<String>,
    /// IANA time zone (`Europe/Berlin`).
    pub time_zone: String,
    /// The team (a catalogue slug).
    #[serde(default)]
    pub team: Option<String>,
    /// Layers, lowest first: the last layer with someone on call wins.
    pub layers: Vec<LayerInput>,
}

/// A schedule as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ScheduleView {
    /// The schedule.
    #[serde(flatten)]
    pub schedule: ScheduleRow,
    /// Who is on call now (none: nobody).
    pub on_call_now: Option<UserBrief>,
    /// Stretches of the next two weeks with nobody on call.
    pub gaps_next_two_weeks: Vec<Interval>,
}

/// A user, briefly.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UserBrief {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: String,
}

/// One stretch of one person on call.
#[derive(Debug, Clone, Serialize)]
pub struct Shift {
    /// Who (the id, for comparisons).
    pub user_id: i64,
    /// Who.
    pub user: Option<UserBrief>,
    /// First instant.
    #[serde(with = "debrief_core::ts")]
    pub start: Timestamp,
    /// First instant after.
    #[serde(with = "debrief_core::ts")]
    pub end: Timestamp,
}

/// The final schedule over a range, with each layer's own entries and the gaps.
#[derive(Debug, Clone, Serialize)]
pub struct FinalSchedule {
    /// The schedule.
    pub schedule_id: i64,
    /// The schedule's zone.
    pub time_zone: String,
    /// First instant of the range.
    #[serde(with = "debrief_core::ts")]
    pub from: Timestamp,
    /// First instant after the range.
    #[serde(with = "debrief_core::ts")]
    pub to: Timestamp,
    /// Who is on call, contiguous, merged, gaps left out.
    pub entries: Vec<Shift>,
    /// Each layer's own entries, lowest layer first.
    pub layers: Vec<Vec<Shift>>,
    /// The overrides in the range, as they were made (oldest first).
    pub overrides: Vec<OverrideRow>,
    /// Stretches with nobody on call.
    pub gaps: Vec<Interval>,
}

/// The longest range a final schedule is computed over.
pub const MAX_RANGE_DAYS: i64 = 400;

/// The users, by id, for names in answers.
pub(crate) async fn users_by_id(state: &AppState) -> Result<BTreeMap<i64, UserBrief>, AppError> {
    Ok(state
        .store
        .list_users()
        .await?
        .into_iter()
        .map(|u| {
            (
                u.id,
                UserBrief {
                    id: u.id,
                    name: u.name,
                    email: u.email,
                },
            )
        })
        .collect())
}

/// Resolves a submitted user to an id, or says what is wrong at `field`.
pub(crate) fn resolve_user(
    users: &BTreeMap<i64, UserBrief>,
    r: &UserRef,
    field: &str,
    e: &mut ValidationError,
) -> Option<i64> {
    let found = match r {
        UserRef::Id(id) => users.get(id).map(|u| u.id),
        UserRef::Text(t) => {
            let t = t.trim();
            match t.parse::<i64>() {
                Ok(id) => users.get(&id).map(|u| u.id),
                Err(_) => users
                    .values()
                    .find(|u| u.email.eq_ignore_ascii_case(t))
                    .map(|u| u.id),
            }
        }
    };
    if found.is_none() {
        e.push_missing(field, "is not a user (give a user id or e-mail address)");
    }
    found
}

/// A description as stored: trimmed, at most 2,000 characters (else an error at `description`).
pub(crate) fn description(e: &mut ValidationError, value: Option<&str>) -> String {
    let d = value.unwrap_or("").trim().to_string();
    if d.chars().count() > 2000 {
        e.push("description", "must be at most 2000 characters");
    }
    d
}

/// A team slug of the catalogue, if one was given (else a missing reference at `team`: 404).
pub(crate) async fn check_team(
    state: &AppState,
    team: Option<&str>,
    e: &mut ValidationError,
) -> Result<Option<String>, AppError> {
    let Some(t) = team.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if !state.store.list_teams().await?.iter().any(|x| x.slug == t) {
        e.push_missing("team", format!("'{t}' is not a team of the catalogue"));
    }
    Ok(Some(t.to_string()))
}

/// Checks a submitted schedule and turns it into what is stored.
async fn checked(
    state: &AppState,
    actor: &Actor,
    input: &ScheduleInput,
) -> Result<NewSchedule, AppError> {
    let mut e = ValidationError::default();
    let users = users_by_id(state).await?;
    let name = required_text(&mut e, "name", &input.name, 200);
    let description = description(&mut e, input.description.as_deref());
    let team = check_team(state, input.team.as_deref(), &mut e).await?;
    let mut layers = Vec::with_capacity(input.layers.len());
    for (n, l) in input.layers.iter().enumerate() {
        let mut participants = Vec::with_capacity(l.participants.len());
        for (k, p) in l.participants.iter().enumerate() {
            // An unknown user keeps its place (and is reported), so the layer is checked as
            // written and no second error says it has no participants.
            let id = resolve_user(&users, p, &format!("layers[{n}].participants[{k}]"), &mut e);
            participants.push(id.map_or_else(|| "0".to_string(), |i| i.to_string()));
        }
        layers.push(LayerSpec {
            participants,
            rotation: l.rotation.trim().to_string(),
            start: l.start,
            end: l.end,
            restrictions: l.restrictions.clone(),
        });
    }
    let spec = ScheduleSpec {
        name: name.clone(),
        time_zone: input.time_zone.trim().to_string(),
        layers: layers.clone(),
        overrides: Vec::new(),
    };
    if let Err(more) = Schedule::new(&spec) {
        for f in more.fields {
            if !e.fields.iter().any(|x| x.field == f.field) {
                e.fields.push(f);
            }
        }
    }
    if !e.fields.is_empty() {
        return Err(e.into());
    }
    Ok(NewSchedule {
        name,
        description,
        time_zone: spec.time_zone,
        team,
        layers,
        created_by: Some(actor.user.id),
    })
}

/// Creates a schedule (admins).
pub async fn create_schedule(
    state: &AppState,
    actor: &Actor,
    input: &ScheduleInput,
) -> Result<ScheduleRow, AppError> {
    actor.require(AccountRole::Admin)?;
    let new = checked(state, actor, input).await?;
    Ok(state.store.create_schedule(&new, state.clock.now()).await?)
}

/// Replaces a schedule's name, zone, team and layers (admins); overrides stay.
pub async fn update_schedule(
    state: &AppState,
    actor: &Actor,
    id: i64,
    input: &ScheduleInput,
) -> Result<ScheduleRow, AppError> {
    actor.require(AccountRole::Admin)?;
    state.store.schedule(id).await?;
    let new = checked(state, actor, input).await?;
    Ok(state
        .store
        .update_schedule(id, &new, state.clock.now())
        .await?)
}

/// Deletes a schedule no policy names (admins).
pub async fn delete_schedule(state: &AppState, actor: &Actor, id: i64) -> Result<(), AppError> {
    actor.require(AccountRole::Admin)?;
    state.store.schedule(id).await?;
    for p in state.store.escalation_policies().await? {
        if p.levels
            .iter()
            .any(|l| l.targets.contains(&Target::Schedule(id)))
        {
            return Err(AppError::Conflict(format!(
                "escalation policy '{}' pages this schedule; take it out of the policy first",
                p.name
            )));
        }
    }
    Ok(state.store.delete_schedule(id).await?)
}

/// The schedule `row` with its overrides of `[from, to)`, compiled.
pub(crate) async fn compiled(
    state: &AppState,
    row: &ScheduleRow,
    from: Timestamp,
    to: Timestamp,
) -> Result<Schedule, AppError> {
    let overrides = state.store.overrides(row.id, Some((from, to))).await?;
    compile(row, &overrides)
}

/// The schedule `row` with `overrides`, compiled.
pub(crate) fn compile(row: &ScheduleRow, overrides: &[OverrideRow]) -> Result<Schedule, AppError> {
    let spec = ScheduleSpec {
        name: row.name.clone(),
        time_zone: row.time_zone.clone(),
        layers: row.layers.clone(),
        overrides: overrides
            .iter()
            .map(|o| Override {
                user: o.user_id.to_string(),
                start: o.start,
                end: o.end,
            })
            .collect(),
    };
    Schedule::new(&spec).map_err(|e| {
        AppError::internal(std::io::Error::other(format!(
            "stored schedule {} does not check: {e:?}",
            row.id
        )))
    })
}

fn user_id(s: &str) -> i64 {
    s.parse().unwrap_or_default()
}

fn shifts(entries: &[Entry], users: &BTreeMap<i64, UserBrief>) -> Vec<Shift> {
    entries
        .iter()
        .map(|e| Shift {
            user_id: user_id(&e.user),
            user: users.get(&user_id(&e.user)).cloned(),
            start: e.start,
            end: e.end,
        })
        .collect()
}

/// Who is on call in schedule `id` at `at` (none: nobody).
pub async fn on_call_at(
    state: &AppState,
    id: i64,
    at: Timestamp,
) -> Result<Option<UserBrief>, AppError> {
    let row = state.store.schedule(id).await?;
    let end = at.checked_add(SignedDuration::from_millis(1)).unwrap_or(at);
    let s = compiled(state, &row, at, end).await?;
    let Some(u) = oncall_compute::on_call_at(&s, at) else {
        return Ok(None);
    };
    let id = user_id(&u);
    Ok(Some(users_by_id(state).await?.remove(&id).unwrap_or(
        UserBrief {
            id,
            name: format!("user {id}"),
            email: String::new(),
        },
    )))
}

/// Checks a range: `from` before `to`, at most [`MAX_RANGE_DAYS`] days.
pub fn check_range(from: Timestamp, to: Timestamp) -> Result<(), AppError> {
    // Fields that are each fine but do not fit together: a conflict (409), as elsewhere.
    let mut e = ValidationError::default();
    if to <= from {
        e.push_conflict("to", "must be after from");
    } else if to.duration_since(from) > SignedDuration::from_hours(24 * MAX_RANGE_DAYS) {
        e.push_conflict("to", format!("a range is at most {MAX_RANGE_DAYS} days"));
    }
    e.into_result(()).map_err(AppError::from)
}

/// The final schedule of `id` over `[from, to)`.
pub async fn final_schedule(
    state: &AppState,
    id: i64,
    from: Timestamp,
    to: Timestamp,
) -> Result<FinalSchedule, AppError> {
    check_range(from, to)?;
    let row = state.store.schedule(id).await?;
    let overrides = state.store.overrides(id, Some((from, to))).await?;
    let s = compile(&row, &overrides)?;
    let users = users_by_id(state).await?;
    Ok(FinalSchedule {
        schedule_id: id,
        time_zone: row.time_zone.clone(),
        from,
        to,
        entries: shifts(&oncall_compute::final_schedule(&s, from, to), &users),
        layers: oncall_compute::layer_entries(&s, from, to)
            .iter()
            .map(|l| shifts(l, &users))
            .collect(),
        overrides,
        gaps: oncall_compute::gaps(&s, from, to),
    })
}

/// A schedule with who is on call now and its gaps of the next two weeks.
pub async fn schedule_view(state: &AppState, row: ScheduleRow) -> Result<ScheduleView, AppError> {
    let now = state.clock.now();
    let two_weeks = now
        .checked_add(SignedDuration::from_hours(24 * 14))
        .unwrap_or(now);
    let s = compiled(state, &row, now, two_weeks).await?;
    let users = users_by_id(state).await?;
    let on_call_now =
        oncall_compute::on_call_at(&s, now).and_then(|u| users.get(&user_id(&u)).cloned());
    Ok(ScheduleView {
        gaps_next_two_weeks: oncall_compute::gaps(&s, now, two_weeks),
        on_call_now,
        schedule: row,
    })
}

/// A user's shifts across every schedule over `[from, to)`, in time order: `(schedule, shift)`.
pub async fn user_shifts(
    state: &AppState,
    user: i64,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<(ScheduleRow, Shift)>, AppError> {
    check_range(from, to)?;
    let users = users_by_id(state).await?;
    let mut out = Vec::new();
    for row in state.store.schedules().await? {
        let s = compiled(state, &row, from, to).await?;
        for e in oncall_compute::final_schedule(&s, from, to) {
            if user_id(&e.user) == user {
                out.push((
                    row.clone(),
                    shifts(std::slice::from_ref(&e), &users).remove(0),
                ));
            }
        }
    }
    out.sort_by_key(|(_, s)| s.start);
    Ok(out)
}
