//! What operators do with maintenance after scheduling it (responders): post an update for
//! customers (which may move its status forward), complete it early, give a window that has not
//! started new times, or cancel it; and the admins' list, cancelled maintenance included.
//!
//! Each change is decided on a fresh read and written against that version; when a time job
//! moved the maintenance meanwhile it is decided again (with `version` sent, that is a 412
//! instead). A move the lifecycle forbids is a 409 that says why, and changes nothing. Every
//! change shows on the public page and reaches subscribers like any other update.

use super::{
    CANCELLED, ORDER, component_moves, component_notices, rank, status_at, text_for, time_jobs,
};
use crate::auth::Actor;
use crate::status::notices::{Change, notice_job};
use crate::{AppError, AppState};
use debrief_core::Timestamp;
use debrief_core::access::AccountRole;
use debrief_core::incident::parse_time;
use debrief_core::validation::{ValidationError, optional_text, required_text};
use debrief_store::jobs::NewJob;
use debrief_store::status_page::{Component, Maintenance, MaintenanceUpdate, StatusPage};

/// How often a change is decided again after losing a race with a time job.
const TRIES: usize = 5;

/// An update for customers, as clients send it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaintenanceUpdateInput {
    /// Customer-facing text.
    pub body: String,
    /// A status further on (`in_progress`, `verifying`, `completed`); the current one when left
    /// out.
    pub status: Option<String>,
    /// The version the change was decided on (412 when it moved).
    pub version: Option<i64>,
}

/// Completing maintenance early, as clients send it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompleteInput {
    /// Customer-facing text (a standard sentence when left out).
    pub body: Option<String>,
    /// The version the change was decided on (412 when it moved).
    pub version: Option<i64>,
}

/// A new window, as clients send it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RescheduleInput {
    /// New window start (RFC 3339).
    pub starts_at: String,
    /// New window end (RFC 3339), in the future.
    pub ends_at: String,
    /// Minutes of verification after the window (unchanged when left out).
    pub verify_minutes: Option<i64>,
    /// Customer-facing text (says the new window when left out).
    pub body: Option<String>,
    /// The version the change was decided on (412 when it moved).
    pub version: Option<i64>,
}

/// A cancellation, as clients send it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancelInput {
    /// Customer-facing text, sent to subscribers (a standard sentence when left out).
    pub body: Option<String>,
    /// The version the change was decided on (412 when it moved).
    pub version: Option<i64>,
}

/// A decided change: the maintenance to write, its component states, its new time jobs, and
/// the change to tell subscribers about.
struct Decision {
    next: Maintenance,
    states: Vec<(i64, String)>,
    jobs: Vec<NewJob>,
    cancelled: bool,
}

/// A page's maintenance and the page; 404 when the maintenance is on another page.
async fn load(
    state: &AppState,
    page_slug: &str,
    id: i64,
) -> Result<(StatusPage, Maintenance), AppError> {
    let page = state.store.page_by_slug(page_slug).await?;
    let m = state.store.maintenance(id).await?;
    if m.page_id != page.id {
        return Err(AppError::NotFound(format!(
            "maintenance {id} of '{page_slug}'"
        )));
    }
    Ok((page, m))
}

/// Every maintenance of a page, cancelled ones too, latest window first.
pub async fn list_maintenances(
    state: &AppState,
    _actor: &Actor,
    page_slug: &str,
) -> Result<Vec<Maintenance>, AppError> {
    let page = state.store.page_by_slug(page_slug).await?;
    Ok(state.store.all_maintenances(page.id).await?)
}

/// One maintenance of a page.
pub async fn get_maintenance(
    state: &AppState,
    _actor: &Actor,
    page_slug: &str,
    id: i64,
) -> Result<Maintenance, AppError> {
    Ok(load(state, page_slug, id).await?.1)
}

/// Reads, decides, writes against the version read (deciding again after a lost race), then
/// rebuilds the page and tells subscribers. The caller has checked the actor's role.
async fn change(
    state: &AppState,
    page_slug: &str,
    id: i64,
    version: Option<i64>,
    decide: impl Fn(&Maintenance, &[Component], Timestamp) -> Result<Decision, AppError>,
) -> Result<Maintenance, AppError> {
    for _ in 0..TRIES {
        let (page, m) = load(state, page_slug, id).await?;
        if let Some(v) = version
            && v != m.version
        {
            // The version comes in the body: a conflict with the current state (409).
            return Err(AppError::Conflict(format!(
                "maintenance {id} is at version {}, not {v}: someone (or its schedule) changed it; reload and decide again",
                m.version
            )));
        }
        let components = state.store.components(page.id).await?;
        let now = state.clock.now_after(m.updates.last().map(|u| u.at));
        let mut d = decide(&m, &components, now)?;
        // The version this write makes names it.
        let key = format!("status:{}:maintenance:{id}:v{}", page.id, m.version + 1);
        let told = match d.cancelled {
            true => Change::Cancelled {
                maintenance_id: id,
                key: key.clone(),
            },
            false => Change::Update {
                id: format!("m{id}"),
                key: key.clone(),
                components: d.next.components.clone(),
                at: now,
            },
        };
        let mut changes = component_notices(&key, &d.states, &components, now);
        changes.push(told);
        d.jobs.push(notice_job(state, page.id, &key, &changes, now));
        if !state
            .store
            .write_maintenance(&d.next, &d.states, &d.jobs, now)
            .await?
        {
            continue;
        }
        state.jobs.wake();
        state.status.refresh(&page.slug).await?;
        return Ok(state.store.maintenance(id).await?);
    }
    Err(AppError::Conflict(format!(
        "maintenance {id} kept changing while this change was decided; try again"
    )))
}

/// Why an operator's update may not move `m` to `to`, if it may not.
fn refusal(m: &Maintenance, to: &str) -> Option<String> {
    let id = m.id;
    if m.status == CANCELLED {
        return Some(format!(
            "maintenance {id} is cancelled; it cannot change any more"
        ));
    }
    if rank(to) < rank(&m.status) {
        return Some(format!(
            "maintenance {id} is {}; its status only moves forward ({})",
            m.status,
            ORDER.join(" → ")
        ));
    }
    if m.status == "scheduled" && rank(to) > rank("in_progress") {
        return Some(format!(
            "maintenance {id} has not started; move it to in_progress first, or cancel it"
        ));
    }
    None
}

/// `m` moved to `to` with an update saying `body`, and what that does to its components.
fn moved(
    m: &Maintenance,
    components: &[Component],
    to: &str,
    body: &str,
    now: Timestamp,
) -> Decision {
    let (states, previous) = component_moves(m, components, to);
    let mut next = m.clone();
    next.status = to.to_string();
    next.previous_states = previous;
    next.updates.push(MaintenanceUpdate {
        status: to.to_string(),
        body: body.to_string(),
        at: now,
    });
    Decision {
        next,
        states,
        jobs: Vec::new(),
        cancelled: false,
    }
}

/// Posts an update for customers on a maintenance, optionally moving its status forward
/// (moving to `in_progress` starts the work early; moving on from it gives the components back).
pub async fn post_update(
    state: &AppState,
    actor: &Actor,
    page_slug: &str,
    id: i64,
    input: &MaintenanceUpdateInput,
) -> Result<Maintenance, AppError> {
    actor.require(AccountRole::Responder)?;
    let mut e = ValidationError::default();
    let body = required_text(&mut e, "body", &input.body, 10_000);
    if let Some(s) = &input.status
        && !ORDER.contains(&s.as_str())
    {
        e.push(
            "status",
            format!("unknown status '{s}' (use {})", ORDER.join(", ")),
        );
    }
    e.into_result(())?;
    change(state, page_slug, id, input.version, |m, components, now| {
        let to = input.status.clone().unwrap_or_else(|| m.status.clone());
        if let Some(why) = refusal(m, &to) {
            return Err(AppError::Conflict(why));
        }
        Ok(moved(m, components, &to, &body, now))
    })
    .await
}

/// Completes a maintenance now ("the work is finished"): its components get their earlier
/// states back, and its remaining time jobs do nothing.
pub async fn complete(
    state: &AppState,
    actor: &Actor,
    page_slug: &str,
    id: i64,
    input: &CompleteInput,
) -> Result<Maintenance, AppError> {
    actor.require(AccountRole::Responder)?;
    let mut e = ValidationError::default();
    let body = optional_text(&mut e, "body", input.body.as_deref(), 10_000);
    e.into_result(())?;
    change(state, page_slug, id, input.version, |m, components, now| {
        let why = match m.status.as_str() {
            "in_progress" | "verifying" => None,
            "scheduled" => Some("has not started; cancel it instead"),
            "completed" => Some("is already completed"),
            _ => Some("is cancelled; it cannot change any more"),
        };
        if let Some(why) = why {
            return Err(AppError::Conflict(format!("maintenance {id} {why}")));
        }
        let body = body.clone().unwrap_or_else(|| text_for("completed").into());
        Ok(moved(m, components, "completed", &body, now))
    })
    .await
}

/// Why a maintenance may not be rescheduled or cancelled at `now`, if it may not: only one that
/// has not started may.
fn not_pending(m: &Maintenance, now: Timestamp, instead: &str) -> Option<String> {
    let id = m.id;
    match m.status.as_str() {
        CANCELLED => Some(format!(
            "maintenance {id} is cancelled; it cannot change any more"
        )),
        "scheduled" if status_at(m, now) == "scheduled" => None,
        "scheduled" => Some(format!(
            "maintenance {id} has started (its window opened at {}); {instead}",
            debrief_core::format_utc(m.starts_at)
        )),
        s => Some(format!("maintenance {id} is {s}; {instead}")),
    }
}

/// A time as the page shows it: `2026-11-21 09:00 CET`.
fn shown(at: Timestamp, zone: &str) -> String {
    let tz = jiff::tz::TimeZone::get(zone).unwrap_or(jiff::tz::TimeZone::UTC);
    at.to_zoned(tz).strftime("%Y-%m-%d %H:%M %Z").to_string()
}

/// Gives a maintenance that has not started a new window. The jobs of the old window stay in
/// the queue but do nothing when they run (they name moments that are no longer its own); the
/// new window's jobs are enqueued with the change.
pub async fn reschedule(
    state: &AppState,
    actor: &Actor,
    page_slug: &str,
    id: i64,
    input: &RescheduleInput,
) -> Result<Maintenance, AppError> {
    actor.require(AccountRole::Responder)?;
    let page = state.store.page_by_slug(page_slug).await?;
    let mut e = ValidationError::default();
    let far = jiff::Timestamp::MAX;
    let starts = parse_time(&mut e, "starts_at", &input.starts_at, far);
    let ends = parse_time(&mut e, "ends_at", &input.ends_at, far);
    match (starts, ends) {
        (Some(s), Some(t)) if t <= s => e.push_conflict("ends_at", "must be after starts_at"),
        (_, Some(t)) if t <= state.clock.now() => {
            e.push_conflict("ends_at", "must be in the future")
        }
        _ => {}
    }
    if let Some(v) = input.verify_minutes
        && !(0..=24 * 60).contains(&v)
    {
        e.push("verify_minutes", "must be from 0 to 1440");
    }
    let body = optional_text(&mut e, "body", input.body.as_deref(), 10_000);
    e.into_result(())?;
    let (starts, ends) = (starts.expect("valid"), ends.expect("valid"));
    change(state, page_slug, id, input.version, |m, _, now| {
        if let Some(why) = not_pending(m, now, "complete it or post an update instead") {
            return Err(AppError::Conflict(why));
        }
        let mut next = m.clone();
        next.starts_at = starts;
        next.ends_at = ends;
        next.verify_minutes = input.verify_minutes.unwrap_or(m.verify_minutes);
        let body = body.clone().unwrap_or_else(|| {
            format!(
                "This maintenance has been rescheduled: it now runs from {} to {}.",
                shown(starts, &page.time_zone),
                shown(ends, &page.time_zone)
            )
        });
        next.updates.push(MaintenanceUpdate {
            status: "scheduled".into(),
            body,
            at: now,
        });
        let jobs = time_jobs(state, &next, &id.to_string());
        Ok(Decision {
            next,
            states: Vec::new(),
            jobs,
            cancelled: false,
        })
    })
    .await
}

/// Cancels a maintenance that has not started: it leaves the public page and its documents
/// (kept, as cancelled, for admins), its time jobs do nothing, and subscribers are told.
pub async fn cancel(
    state: &AppState,
    actor: &Actor,
    page_slug: &str,
    id: i64,
    input: &CancelInput,
) -> Result<Maintenance, AppError> {
    actor.require(AccountRole::Responder)?;
    let mut e = ValidationError::default();
    let body = optional_text(&mut e, "body", input.body.as_deref(), 10_000);
    e.into_result(())?;
    change(state, page_slug, id, input.version, |m, _, now| {
        if let Some(why) = not_pending(m, now, "complete it instead") {
            return Err(AppError::Conflict(why));
        }
        let mut next = m.clone();
        next.status = CANCELLED.into();
        next.updates.push(MaintenanceUpdate {
            status: CANCELLED.into(),
            body: body.clone().unwrap_or_else(|| text_for(CANCELLED).into()),
            at: now,
        });
        Ok(Decision {
            next,
            states: Vec::new(),
            jobs: Vec::new(),
            cancelled: true,
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(status: &str) -> Maintenance {
        let t = |s: &str| s.parse::<Timestamp>().expect("a time");
        Maintenance {
            id: 3,
            page_id: 1,
            title: "Upgrade".into(),
            body: "x".into(),
            starts_at: t("2026-11-21T08:00:00Z"),
            ends_at: t("2026-11-21T09:00:00Z"),
            verify_minutes: 0,
            status: status.into(),
            components: Vec::new(),
            previous_states: Vec::new(),
            updates: Vec::new(),
            created_at: t("2026-11-20T08:00:00Z"),
            updated_at: t("2026-11-20T08:00:00Z"),
            version: 1,
        }
    }

    #[test]
    fn an_update_moves_the_status_forward_only() {
        assert_eq!(refusal(&at("in_progress"), "verifying"), None);
        assert_eq!(refusal(&at("in_progress"), "in_progress"), None);
        assert_eq!(refusal(&at("scheduled"), "in_progress"), None);
        assert_eq!(refusal(&at("completed"), "completed"), None);
        let back = refusal(&at("verifying"), "in_progress").expect("refused");
        assert!(back.contains("only moves forward"), "{back}");
        let early = refusal(&at("scheduled"), "completed").expect("refused");
        assert!(early.contains("has not started"), "{early}");
        let gone = refusal(&at(CANCELLED), "scheduled").expect("refused");
        assert!(gone.contains("cancelled"), "{gone}");
    }

    #[test]
    fn only_maintenance_that_has_not_started_is_rescheduled_or_cancelled() {
        let before: Timestamp = "2026-11-21T07:00:00Z".parse().expect("a time");
        let after: Timestamp = "2026-11-21T08:30:00Z".parse().expect("a time");
        assert_eq!(not_pending(&at("scheduled"), before, "x"), None);
        let late = not_pending(&at("scheduled"), after, "x").expect("refused");
        assert!(late.contains("has started"), "{late}");
        assert!(not_pending(&at("in_progress"), before, "x").is_some());
        assert!(not_pending(&at(CANCELLED), before, "x").is_some());
    }

    #[test]
    fn times_show_in_the_page_zone() {
        let t: Timestamp = "2026-11-21T08:00:00Z".parse().expect("a time");
        assert_eq!(shown(t, "Europe/Berlin"), "2026-11-21 09:00 CET");
        assert_eq!(shown(t, "UTC"), "2026-11-21 08:00 UTC");
    }
}
