//! Scheduled maintenance on status pages. Scheduling it enqueues, in the same transaction, one
//! durable job for each moment its status must move (start, end, end of verification); each job
//! moves it to the status its times say, puts its components under maintenance while the work
//! runs and gives them back their earlier states afterwards.

use crate::actions::now;
use crate::auth::Actor;
use crate::jobs::Outcome;
use crate::{AppError, AppState};
use debrief_core::Timestamp;
use debrief_core::access::AccountRole;
use debrief_core::incident::parse_time;
use debrief_core::statuspage::MaintenanceStatus;
use debrief_core::validation::{ValidationError, required_text};
use debrief_store::jobs::{Job, NewJob};
use debrief_store::status_page::{Maintenance, MaintenanceUpdate};

/// The job kind that moves a maintenance on time.
pub const KIND: &str = "maintenance";

/// The statuses in order.
const ORDER: [&str; 4] = ["scheduled", "in_progress", "verifying", "completed"];

/// Maintenance to schedule, as clients send it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaintenanceInput {
    /// Title.
    pub title: String,
    /// What will happen, for customers.
    pub body: String,
    /// Window start (RFC 3339).
    pub starts_at: String,
    /// Window end (RFC 3339).
    pub ends_at: String,
    /// Affected components (ids on the page).
    #[serde(default)]
    pub components: Vec<i64>,
    /// Minutes of verification after the window (default 15).
    pub verify_minutes: Option<i64>,
}

/// The status a maintenance has at `now`.
pub fn status_at(m: &Maintenance, now: Timestamp) -> &'static str {
    let verified = m
        .ends_at
        .checked_add(jiff::SignedDuration::from_mins(m.verify_minutes))
        .unwrap_or(m.ends_at);
    if now < m.starts_at {
        "scheduled"
    } else if now < m.ends_at {
        "in_progress"
    } else if now < verified {
        "verifying"
    } else {
        "completed"
    }
}

/// Schedules maintenance on a page (responders).
pub async fn schedule(
    state: &AppState,
    actor: &Actor,
    page_slug: &str,
    input: &MaintenanceInput,
) -> Result<Maintenance, AppError> {
    actor.require(AccountRole::Responder)?;
    let page = state.store.page_by_slug(page_slug).await?;
    let components = state.store.components(page.id).await?;
    let mut e = ValidationError::default();
    let title = required_text(&mut e, "title", &input.title, 200);
    let body = required_text(&mut e, "body", &input.body, 10_000);
    let far = jiff::Timestamp::MAX;
    let starts = parse_time(&mut e, "starts_at", &input.starts_at, far);
    let ends = parse_time(&mut e, "ends_at", &input.ends_at, far);
    if let (Some(s), Some(t)) = (starts, ends)
        && t <= s
    {
        e.push("ends_at", "must be after starts_at");
    }
    let verify = input.verify_minutes.unwrap_or(15);
    if !(0..=24 * 60).contains(&verify) {
        e.push("verify_minutes", "must be from 0 to 1440");
    }
    for (i, id) in input.components.iter().enumerate() {
        if !components.iter().any(|c| c.id == *id) {
            e.push(
                format!("components[{i}]"),
                format!("no component {id} on '{page_slug}'"),
            );
        }
    }
    e.into_result(())?;
    let (starts, ends) = (starts.expect("valid"), ends.expect("valid"));
    let now = now();
    let mut m = Maintenance {
        id: 0,
        page_id: page.id,
        title,
        body: body.clone(),
        starts_at: starts,
        ends_at: ends,
        verify_minutes: verify,
        status: "scheduled".into(),
        components: input.components.clone(),
        previous_states: Vec::new(),
        updates: vec![MaintenanceUpdate {
            status: "scheduled".into(),
            body,
            at: now,
        }],
        created_at: now,
        updated_at: now,
    };
    let verified = ends
        .checked_add(jiff::SignedDuration::from_mins(verify))
        .unwrap_or(ends);
    let jobs: Vec<NewJob> = [
        ("in_progress", starts),
        ("verifying", ends),
        ("completed", verified),
    ]
    .into_iter()
    .map(|(status, at)| NewJob {
        kind: KIND.into(),
        dedupe_key: format!("{KIND}:{{id}}:{status}"),
        run_at: at,
        payload: serde_json::Value::Null,
        max_attempts: state.config.jobs.max_attempts,
    })
    .collect();
    m = state
        .store
        .add_maintenance(&m, actor.user.id, &jobs)
        .await?;
    state.jobs.wake();
    state.status.refresh(state, &page.slug).await?;
    crate::status::subscribers::notify(
        state,
        &page,
        crate::status::subscribers::Change::Update {
            id: format!("m{}", m.id),
            key: format!("status:{}:maintenance:{}:scheduled", page.id, m.id),
            components: m.components.clone(),
        },
    )
    .await?;
    Ok(m)
}

/// The text of the update written when a maintenance moves on time: the one the status page
/// shows for the move until it is written (see `debrief_core::statuspage::build`).
fn text_for(status: &str) -> &'static str {
    status
        .parse::<MaintenanceStatus>()
        .map_or("", MaintenanceStatus::default_body)
}

/// Moves a maintenance to the status its times say (the job of kind [`KIND`]).
pub(crate) async fn advance(state: &AppState, job: &Job, now: Timestamp) -> Outcome {
    let Some(id) = job.payload["maintenance_id"].as_i64() else {
        return Outcome::GiveUp("the job names no maintenance".into());
    };
    let m = match state.store.maintenance(id).await {
        Ok(m) => m,
        Err(debrief_store::StoreError::NotFound(_)) => {
            return Outcome::GiveUp(format!("maintenance {id} no longer exists"));
        }
        Err(e) => return Outcome::Retry(e.to_string()),
    };
    let target = status_at(&m, now);
    let rank = |s: &str| ORDER.iter().position(|x| *x == s).unwrap_or(0);
    if rank(target) <= rank(&m.status) {
        return Outcome::Done;
    }
    let components = match state.store.components(m.page_id).await {
        Ok(c) => c,
        Err(e) => return Outcome::Retry(e.to_string()),
    };
    let mut next = m.clone();
    next.status = target.to_string();
    next.updates.push(MaintenanceUpdate {
        status: target.to_string(),
        body: text_for(target).into(),
        at: now,
    });
    let mut states = Vec::new();
    let mut previous = m.previous_states.clone();
    if target == "in_progress" {
        previous = components
            .iter()
            .filter(|c| m.components.contains(&c.id))
            .map(|c| (c.id, c.state.clone()))
            .collect();
        states = m
            .components
            .iter()
            .map(|id| (*id, "under_maintenance".to_string()))
            .collect();
    } else if m.status == "in_progress" {
        // Give back the earlier states, unless someone set another state meanwhile.
        for (id, before) in &m.previous_states {
            if components
                .iter()
                .any(|c| c.id == *id && c.state == "under_maintenance")
            {
                states.push((*id, before.clone()));
            }
        }
    }
    match state
        .store
        .advance_maintenance(&next, &m.status, &states, &previous, now)
        .await
    {
        Ok(true) => {
            if let Ok(page) = state.store.page(m.page_id).await {
                let _ = state.status.refresh(state, &page.slug).await;
            }
            let change = crate::status::subscribers::Change::Update {
                id: format!("m{}", m.id),
                key: format!("status:{}:maintenance:{}:{target}", m.page_id, m.id),
                components: m.components.clone(),
            };
            match state.store.page(m.page_id).await {
                Ok(page) => match crate::status::subscribers::notify(state, &page, change).await {
                    Ok(()) => Outcome::Done,
                    Err(e) => Outcome::Retry(e.to_string()),
                },
                Err(e) => Outcome::Retry(e.to_string()),
            }
        }
        Ok(false) => Outcome::Done,
        Err(e) => Outcome::Retry(e.to_string()),
    }
}
