//! Schedules in the web UI: the list (who is on call now, gaps of the next two weeks) with an
//! admin's create form, and each schedule's page: its picture over a week, the final schedule
//! with one-button "Take this shift", "Swap with…" and "Give to…", the overrides with their
//! remove buttons, and a form to add one (those forms' handlers are in [`super::oncall_shift`]),
//! then an admin's edit and delete forms (in [`super::oncall_schedule_form`], with create).

use super::form::{Pairs, field};
use super::oncall::{name_of, user_options};
use super::oncall_schedule_form::{self as schedule_form, FormView};
use super::session::{UiActor, UiError};
use super::view::TimeView;
use crate::actions::oncall as act;
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use debrief_core::Timestamp;
use debrief_core::access::AccountRole;
use debrief_core::oncall::schedule::Entry;
use jiff::civil::Date;
use jiff::tz::TimeZone;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/schedules", get(list_page).post(schedule_form::create))
        .route(
            "/schedules/{id}",
            get(schedule_page).post(schedule_form::update),
        )
        .route("/schedules/{id}/delete", post(schedule_form::delete))
}

/// One schedule in the list.
struct Row {
    id: i64,
    name: String,
    time_zone: String,
    team: Option<String>,
    on_call: Option<String>,
    /// The first gap of the next two weeks, and how many there are.
    gap: Option<(TimeView, TimeView, usize)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "oncall_schedules.html")]
struct ListPage {
    user: String,
    csrf: String,
    rows: Vec<Row>,
    admin: bool,
    form: FormView,
}

async fn list_page(State(state): State<AppState>, actor: UiActor) -> Result<Response, UiError> {
    actor.0.require(AccountRole::Viewer)?;
    let mut rows = Vec::new();
    for row in state.store.schedules().await? {
        let v = act::schedule_view(&state, row).await?;
        rows.push(Row {
            id: v.schedule.id,
            name: v.schedule.name,
            time_zone: v.schedule.time_zone,
            team: v.schedule.team,
            on_call: v.on_call_now.map(|u| u.name),
            gap: v.gaps_next_two_weeks.first().map(|g| {
                (
                    TimeView::new(g.start),
                    TimeView::new(g.end),
                    v.gaps_next_two_weeks.len(),
                )
            }),
        });
    }
    Ok(ListPage {
        user: actor.0.user.name.clone(),
        csrf: actor.csrf(),
        rows,
        admin: actor.0.role >= AccountRole::Admin,
        form: schedule_form::form_view(&state, None).await?,
    }
    .into_response())
}

/// One entry of the final schedule, with what the viewer may do with it.
struct EntryView {
    user_id: i64,
    name: String,
    start: TimeView,
    end: TimeView,
    mine: bool,
    /// Still to come or running (actions make sense).
    open: bool,
}

/// An override as listed.
struct OverrideView {
    id: i64,
    name: String,
    kind: &'static str,
    replaces: Option<String>,
    note: String,
    start: TimeView,
    end: TimeView,
}

#[derive(Template, WebTemplate)]
#[template(path = "oncall_schedule.html")]
struct SchedulePage {
    user: String,
    csrf: String,
    id: i64,
    name: String,
    description: String,
    time_zone: String,
    team: Option<String>,
    on_call: Option<String>,
    gaps: Vec<(TimeView, TimeView)>,
    picture: String,
    from: TimeView,
    to: TimeView,
    from_date: String,
    prev: String,
    next: String,
    entries: Vec<EntryView>,
    /// Other people's open shifts, for "Swap with…": value `user|start|end`, and a label.
    swap_options: Vec<(String, String)>,
    overrides: Vec<OverrideView>,
    users: Vec<(i64, String)>,
    can_write: bool,
    me: i64,
    /// An admin's edit form (and the delete form below it).
    admin: bool,
    form: FormView,
}

/// The schedule id of a path, or not found.
pub(super) fn schedule_id(raw: &str) -> Result<i64, UiError> {
    raw.parse()
        .map_err(|_| UiError(AppError::NotFound(format!("schedule '{raw}'"))))
}

fn entry(user: i64, start: Timestamp, end: Timestamp) -> Entry {
    Entry {
        user: user.to_string(),
        start,
        end,
    }
}

/// `2026-12-07 09:00`, for an option's label (an `<option>` cannot hold a `<time>`).
fn minutes(t: &TimeView) -> String {
    t.utc.chars().take(16).collect()
}

/// A kind of override as people read it.
fn kind_label(kind: &str) -> &'static str {
    match kind {
        "take" => "taken shift",
        "swap" => "swap",
        _ => "override",
    }
}

/// The week shown: from `from` (a date in the schedule's zone; default today there) to 7 days
/// later, as instants and as the date.
fn window(tz: &TimeZone, raw: &str, now: Timestamp) -> (Date, Timestamp, Timestamp) {
    let day = raw
        .trim()
        .parse::<Date>()
        .unwrap_or_else(|_| now.to_zoned(tz.clone()).date());
    let start = |d: Date| d.to_zoned(tz.clone()).map(|z| z.timestamp()).unwrap_or(now);
    let to = day.checked_add(jiff::Span::new().days(7)).unwrap_or(day);
    (day, start(day), start(to))
}

async fn schedule_page(
    State(state): State<AppState>,
    actor: UiActor,
    Path(id): Path<String>,
    Query(q): Query<Pairs>,
) -> Result<Response, UiError> {
    actor.0.require(AccountRole::Viewer)?;
    let id = schedule_id(&id)?;
    let view = act::schedule_view(&state, state.store.schedule(id).await?).await?;
    let row = &view.schedule;
    let tz = TimeZone::get(&row.time_zone).unwrap_or(TimeZone::UTC);
    let now = state.clock.now();
    let (day, from, to) = window(&tz, field(&q, "from"), now);
    let fs = act::final_schedule(&state, id, from, to).await?;
    let users = act::schedules::users_by_id(&state).await?;
    let names = |u: &str| name_of(&users, u.parse().unwrap_or_default());
    let to_entries = |s: &[act::Shift]| -> Vec<Entry> {
        s.iter().map(|x| entry(x.user_id, x.start, x.end)).collect()
    };
    let picture = super::schedule_picture::render(
        &fs.layers.iter().map(|l| to_entries(l)).collect::<Vec<_>>(),
        &fs.overrides
            .iter()
            .map(|o| entry(o.user_id, o.start, o.end))
            .collect::<Vec<_>>(),
        &to_entries(&fs.entries),
        &fs.gaps,
        from,
        to,
        now,
        &names,
        &row.time_zone,
    );
    let me = actor.0.user.id;
    let entries: Vec<EntryView> = fs
        .entries
        .iter()
        .map(|s| EntryView {
            user_id: s.user_id,
            name: name_of(&users, s.user_id),
            start: TimeView::new(s.start),
            end: TimeView::new(s.end),
            mine: s.user_id == me,
            open: s.end > now,
        })
        .collect();
    let swap_options = entries
        .iter()
        .filter(|e| !e.mine && e.open)
        .map(|e| {
            (
                format!("{}|{}|{}", e.user_id, e.start.iso, e.end.iso),
                format!(
                    "{}: {} → {} UTC",
                    e.name,
                    minutes(&e.start),
                    minutes(&e.end)
                ),
            )
        })
        .collect();
    let shift_day = |d: i64| {
        day.checked_add(jiff::Span::new().days(d))
            .unwrap_or(day)
            .to_string()
    };
    Ok(SchedulePage {
        user: actor.0.user.name.clone(),
        csrf: actor.csrf(),
        id,
        name: row.name.clone(),
        description: row.description.clone(),
        time_zone: row.time_zone.clone(),
        team: row.team.clone(),
        on_call: view.on_call_now.as_ref().map(|u| u.name.clone()),
        gaps: view
            .gaps_next_two_weeks
            .iter()
            .map(|g| (TimeView::new(g.start), TimeView::new(g.end)))
            .collect(),
        picture,
        from: TimeView::new(from),
        to: TimeView::new(to),
        from_date: day.to_string(),
        prev: shift_day(-7),
        next: shift_day(7),
        entries,
        swap_options,
        overrides: fs
            .overrides
            .iter()
            .map(|o| OverrideView {
                id: o.id,
                name: name_of(&users, o.user_id),
                kind: kind_label(&o.kind),
                replaces: o.replaces_user_id.map(|u| name_of(&users, u)),
                note: o.note.clone(),
                start: TimeView::new(o.start),
                end: TimeView::new(o.end),
            })
            .collect(),
        users: user_options(&state).await?,
        can_write: actor.0.role >= AccountRole::Responder,
        me,
        admin: actor.0.role >= AccountRole::Admin,
        form: schedule_form::form_view(&state, Some(row)).await?,
    }
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_week_starts_at_midnight_in_the_schedule_zone() {
        let tz = TimeZone::get("Europe/Berlin").expect("zone");
        let now: Timestamp = "2026-07-01T12:00:00Z".parse().expect("instant");
        let (day, from, to) = window(&tz, "2026-03-26", now);
        assert_eq!(day.to_string(), "2026-03-26");
        assert_eq!(debrief_core::format_utc(from), "2026-03-25T23:00:00.000Z");
        // A week across the change to summer time is 167 hours.
        assert_eq!(to.duration_since(from).as_hours(), 167);
        let (today, _, _) = window(&tz, "", now);
        assert_eq!(today.to_string(), "2026-07-01");
    }
}
