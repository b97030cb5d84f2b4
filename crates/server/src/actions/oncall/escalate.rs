//! The level-firing job, and the plan of a policy's escalation (who is notified when, on which
//! channel), shared by the job and the preview an admin checks a policy with.
//!
//! A firing or a contact due at `T` runs once the clock has passed `T` (its job is due a
//! millisecond later), so an acknowledgement at exactly `T` stops it, as the rule says; only
//! the first level's contacts at the page's opening run at once.

use super::*;
use crate::jobs::{JobKind, Outcome, new_job};
use debrief_store::jobs::{Job, NewJob};
use debrief_store::oncall::{FiringRow, NewNotification};
use serde_json::json;

/// The stored kind name of the level-firing job.
pub const FIRE_KIND: &str = "page.fire";

/// Which level firing of which page.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FireStep {
    /// The page.
    pub page_id: i64,
    /// Pass (0: the first).
    pub pass: u32,
    /// Level (0: the first).
    pub level: u32,
}

pub(crate) fn fire_job(state: &AppState, step: &FireStep, at: Timestamp) -> NewJob {
    new_job::<FireJob, AppState>(
        state,
        format!("{FIRE_KIND}:{}:{}:{}", step.page_id, step.pass, step.level),
        step,
        at,
    )
}

/// Fires one level of a page: records whom it notifies, queues their contacts and the next
/// level (see the module documentation of [`super`]).
pub struct FireJob;

impl JobKind<AppState> for FireJob {
    const KIND: &'static str = FIRE_KIND;
    const LEASE: Option<std::time::Duration> = Some(send::PAGE_LEASE);
    type Payload = FireStep;

    fn summary(p: &FireStep) -> String {
        format!(
            "fires level {} (pass {}) of page {}",
            p.level + 1,
            p.pass + 1,
            p.page_id
        )
    }

    async fn run(state: &AppState, _: &Job, step: FireStep) -> Outcome {
        match fire(state, &step).await {
            Ok(()) => Outcome::Done,
            Err(AppError::NotFound(what)) => Outcome::GiveUp(format!("{what} no longer exists")),
            Err(e) => Outcome::Retry(e.to_string()),
        }
    }
}

/// The instant a job due at `due` may run: a millisecond later, so an acknowledgement at
/// exactly `due` comes first; at once for the page's opening instant.
fn run_at(due: Timestamp, opened_at: Timestamp) -> Timestamp {
    if due <= opened_at {
        due
    } else {
        due.checked_add(SignedDuration::from_millis(1))
            .unwrap_or(due)
    }
}

/// Whom a level firing at `at` notifies, and how.
#[derive(Debug, Clone, Serialize)]
pub struct LevelPlan {
    /// Who, each once, in target order.
    pub users: Vec<i64>,
    /// The contacts: who, on which channel, when.
    pub contacts: Vec<PlannedContact>,
    /// What people should know ("nobody on call in 'Payments'").
    pub notes: Vec<String>,
}

/// One contact of a plan.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedContact {
    /// Who.
    pub user_id: i64,
    /// Where.
    pub channel: String,
    /// When.
    #[serde(with = "debrief_core::ts")]
    pub at: Timestamp,
}

/// Whom `level` firing at `at` notifies (schedules asked at `at`), with each user's rules.
pub async fn plan_level(
    state: &AppState,
    level: &Level,
    at: Timestamp,
) -> Result<LevelPlan, AppError> {
    let mut on_call: BTreeMap<i64, Option<i64>> = BTreeMap::new();
    let mut notes: Vec<String> = Vec::new();
    let end = at.checked_add(SignedDuration::from_millis(1)).unwrap_or(at);
    for t in &level.targets {
        if let Target::Schedule(s) = *t {
            let who = match state.store.schedule(s).await {
                Ok(row) => {
                    let sch = schedules::compiled(state, &row, at, end).await?;
                    let who = oncall_compute::on_call_at(&sch, at).and_then(|u| u.parse().ok());
                    if who.is_none() {
                        notes.push(format!("nobody on call in '{}'", row.name));
                    }
                    who
                }
                Err(debrief_store::StoreError::NotFound(_)) => {
                    notes.push(format!("schedule {s} no longer exists"));
                    None
                }
                Err(e) => return Err(e.into()),
            };
            on_call.insert(s, who);
        }
    }
    let users = debrief_core::oncall::escalation::recipients(level, at, |s, _| {
        on_call.get(&s).copied().flatten()
    });
    let mut contacts = Vec::new();
    let mut set = state.store.rules_of_users(&users).await?;
    for u in &users {
        let rules = match set.remove(u) {
            Some(r) if !r.is_empty() => r,
            _ => contacts::DEFAULT_RULES.to_vec(),
        };
        for c in debrief_core::oncall::notify::contacts(&rules, at, None) {
            contacts.push(PlannedContact {
                user_id: *u,
                channel: c.channel.as_str().to_string(),
                at: c.at,
            });
        }
    }
    Ok(LevelPlan {
        users,
        contacts,
        notes,
    })
}

/// What a preview of a policy is asked: when the page opens, and when (if ever) it is
/// acknowledged or resolved.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreviewInput {
    /// When the page opens (default: now).
    #[serde(default, with = "debrief_core::ts_opt")]
    pub opened_at: Option<Timestamp>,
    /// When it is acknowledged, if it is.
    #[serde(default, with = "debrief_core::ts_opt")]
    pub acknowledged_at: Option<Timestamp>,
    /// When it is resolved, if it is.
    #[serde(default, with = "debrief_core::ts_opt")]
    pub resolved_at: Option<Timestamp>,
}

/// One level firing of a preview.
#[derive(Debug, Clone, Serialize)]
pub struct PreviewFiring {
    /// Pass (0: the first).
    pub pass: u32,
    /// Level (0: the first).
    pub level: u32,
    /// When.
    #[serde(with = "debrief_core::ts")]
    pub at: Timestamp,
    /// Whom it notifies, and how.
    #[serde(flatten)]
    pub plan: LevelPlan,
}

/// What a page opened with `policy` would do, by the same rules the runner follows (who is on
/// call at each level's instant, each user's rules as they are now): every firing and contact
/// due before the acknowledgement or resolution, if any.
pub async fn preview(
    state: &AppState,
    policy: &Policy,
    input: &PreviewInput,
) -> Result<Vec<PreviewFiring>, AppError> {
    let opened = input.opened_at.unwrap_or_else(|| state.clock.now());
    let stop = match (input.acknowledged_at, input.resolved_at) {
        (Some(a), Some(r)) => Some(a.min(r)),
        (a, r) => a.or(r),
    };
    if stop.is_some_and(|s| s < opened) {
        let field = if input.acknowledged_at == stop {
            "acknowledged_at"
        } else {
            "resolved_at"
        };
        return Err(ValidationError::conflict(field, "must not be before opened_at").into());
    }
    let mut out = Vec::new();
    for f in policy.firings_before(opened, stop) {
        let mut plan = plan_level(state, &policy.levels[f.level], f.at).await?;
        plan.contacts.retain(|c| stop.is_none_or(|s| c.at < s));
        out.push(PreviewFiring {
            pass: f.pass,
            level: f.level as u32,
            at: f.at,
            plan,
        });
    }
    Ok(out)
}

async fn fire(state: &AppState, step: &FireStep) -> Result<(), AppError> {
    let page = state.store.oncall_page(step.page_id).await?;
    let firings = page.policy.firings(page.opened_at);
    let Some(idx) = firings
        .iter()
        .position(|f| f.pass == step.pass && f.level as u32 == step.level)
    else {
        return Ok(());
    };
    let firing = firings[idx];
    if page.stopped_at().is_some_and(|s| s <= firing.at) {
        return Ok(());
    }
    let plan = plan_level(state, &page.policy.levels[firing.level], firing.at).await?;
    let now = state.clock.now();
    let mut contacts = Vec::new();
    let mut jobs = Vec::new();
    for c in &plan.contacts {
        let s = send::SendStep {
            page_id: page.id,
            pass: step.pass,
            level: step.level,
            user_id: c.user_id,
            channel: c.channel.clone(),
        };
        jobs.push(send::send_job(state, &s, run_at(c.at, page.opened_at)));
        contacts.push(NewNotification {
            user_id: c.user_id,
            channel: c.channel.clone(),
            due_at: c.at,
        });
    }
    if let Some(next) = firings.get(idx + 1) {
        jobs.push(fire_job(
            state,
            &FireStep {
                page_id: page.id,
                pass: next.pass,
                level: next.level as u32,
            },
            run_at(next.at, page.opened_at),
        ));
    }
    let names = schedules::users_by_id(state).await?;
    let who: Vec<String> = plan
        .users
        .iter()
        .map(|u| names.get(u).map_or(format!("user {u}"), |b| b.name.clone()))
        .collect();
    let mut note = if who.is_empty() {
        "notified nobody".to_string()
    } else {
        format!("notified {}", who.join(", "))
    };
    if !plan.notes.is_empty() {
        note.push_str(&format!(" ({})", plan.notes.join("; ")));
    }
    let fresh = state
        .store
        .record_firing(
            &FiringRow {
                page_id: page.id,
                pass: step.pass,
                level: step.level,
                at: firing.at,
                users: plan.users.clone(),
                note: note.clone(),
            },
            &contacts,
            &jobs,
            now,
        )
        .await?;
    if fresh {
        state.jobs.wake();
        if let Some(i) = page.incident_id {
            pages::note_on_incident(
                state,
                i,
                None,
                format!(
                    "Page level {}{}: {note}",
                    step.level + 1,
                    if step.pass > 0 {
                        format!(" (repeat {})", step.pass)
                    } else {
                        String::new()
                    }
                ),
                json!({"page": page.id, "pass": step.pass, "level": step.level, "users": plan.users}),
            )
            .await?;
        }
    }
    Ok(())
}
