//! What Debrief tells people: meeting invitations, and reminders of postmortem and action item
//! deadlines (before and after the due time) with escalation to the process owner.
//!
//! Reminders are found by [`scan`], which every server runs every minute: it looks at what is
//! due now and enqueues an e-mail and a webhook event for each reminder under a dedupe key
//! naming the thing, the deadline and the step (`reminder:pm:42:draft:2026-11-22T16:00:00Z:before`).
//! The job table keeps that key unique, so a reminder is sent once even when several servers
//! scan, the server restarts, or the scan runs again; a moved deadline is a new reminder.

use crate::actions::meetings::invitation;
use crate::jobs::{Attachment, EmailMessage, emit_webhook, send_email};
use crate::{AppError, AppState};
use debrief_core::Timestamp;
use debrief_core::ics::Method;
use debrief_core::postmortem::PmStatus;
use debrief_store::account::User;
use debrief_store::action_item::ItemFilter;
use debrief_store::meeting::Meeting;
use serde_json::json;

/// How long before a deadline the owner is reminded.
const BEFORE: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);

fn address(u: &User) -> String {
    format!("{} <{}>", u.name.replace(['<', '>', '"', ','], ""), u.email)
}

/// Sends a meeting's invitation (or cancellation) with its `.ics` to the organiser and attendees.
/// Those who may not see the meeting's private incident get it as "Private incident meeting":
/// the time, no title, no link (issue 9.6).
pub async fn invite(state: &AppState, m: &Meeting, method: Method) -> Result<(), AppError> {
    use crate::actions::meetings::{PRIVATE_MEETING_TITLE, meeting_visible_to};
    use debrief_core::access::Viewer;
    let users = state.store.list_users().await?;
    let (mut open, mut redacted): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    for id in std::iter::once(&m.organizer_id).chain(&m.attendee_ids) {
        if let Some(u) = users.iter().find(|u| u.id == *id && !u.disabled) {
            let a = address(u);
            let list = if meeting_visible_to(state, m, Viewer::of(u.id, u.role)).await? {
                &mut open
            } else {
                &mut redacted
            };
            if !list.contains(&a) {
                list.push(a);
            }
        }
    }
    let cancelled = method == Method::Cancel;
    let key = format!(
        "meeting:{}:{}:{}",
        m.id,
        m.sequence,
        if cancelled { "cancel" } else { "request" }
    );
    for (to, redact) in [(open, false), (redacted, true)] {
        if to.is_empty() {
            continue;
        }
        let ics = invitation(state, m, method, redact).await?;
        let (title, location) = if redact {
            (PRIVATE_MEETING_TITLE, "—")
        } else {
            (m.title.as_str(), m.location.as_deref().unwrap_or("—"))
        };
        let message = EmailMessage {
            to,
            subject: format!(
                "{}: {} ({} UTC)",
                if cancelled { "Cancelled" } else { "Invitation" },
                title,
                m.starts_at.strftime("%Y-%m-%d %H:%M")
            ),
            text: format!(
                "{}\n\nWhen: {} UTC{}\nWhere: {}\n\nThe invitation is attached (invite.ics).\n",
                title,
                m.starts_at.strftime("%Y-%m-%d %H:%M"),
                m.rrule
                    .as_deref()
                    .map_or(String::new(), |r| format!(", repeating {r}")),
                location,
            ),
            html: None,
            attachments: vec![Attachment::new(
                "invite.ics",
                &format!(
                    "text/calendar; method={}; charset=UTF-8",
                    if cancelled { "CANCEL" } else { "REQUEST" }
                ),
                ics.as_bytes(),
            )],
            headers: Default::default(),
        };
        let mail_key = if redact {
            format!("{key}:private")
        } else {
            key.clone()
        };
        send_email(state, &mail_key, &message, state.clock.now()).await?;
    }
    emit_webhook(
        state,
        if cancelled {
            "meeting.cancelled"
        } else {
            "meeting.scheduled"
        },
        &key,
        serde_json::to_value(m).expect("a meeting serializes"),
        state.clock.now(),
    )
    .await?;
    Ok(())
}

/// Runs [`scan`] (and the Slack channels' catch-up) now and then every `reminder_interval` on the server's clock (as a manual
/// clock is moved, in tests) until `stop` fires.
pub(crate) async fn run_reminders(state: AppState, mut stop: tokio::sync::watch::Receiver<()>) {
    loop {
        if let Err(e) = scan(&state, state.clock.now()).await {
            tracing::warn!(error = %e, "The reminder scan failed; it runs again");
        }
        if let Err(e) = crate::actions::slack::adopt::catch_up(&state).await {
            tracing::warn!(error = %e, "The Slack catch-up scan failed; it runs again");
        }
        tokio::select! {
            _ = stop.changed() => return,
            _ = state.clock.sleep(state.config.jobs.reminder_interval) => {}
        }
    }
}

/// One reminder to send.
struct Reminder {
    key: String,
    event: &'static str,
    to: Vec<User>,
    subject: String,
    text: String,
    data: serde_json::Value,
}

async fn send(state: &AppState, r: Reminder) -> Result<(), AppError> {
    crate::actions::slack::reminders::remind(
        state,
        &r.key,
        &r.to,
        &format!("{}\n{}", r.subject, r.text),
    )
    .await?;
    let to: Vec<String> = r.to.iter().filter(|u| !u.disabled).map(address).collect();
    if !to.is_empty() {
        let message = EmailMessage {
            to,
            subject: r.subject.clone(),
            text: r.text.clone(),
            html: None,
            attachments: Vec::new(),
            headers: Default::default(),
        };
        send_email(state, &r.key, &message, state.clock.now()).await?;
    }
    emit_webhook(state, r.event, &r.key, r.data, state.clock.now()).await?;
    Ok(())
}

fn iso(t: Timestamp) -> String {
    debrief_core::format_utc(t)
}

/// Finds the reminders due at `at` and enqueues each once.
pub async fn scan(state: &AppState, at: Timestamp) -> Result<usize, AppError> {
    let users = state.store.list_users().await?;
    let policy = state.store.postmortem_policy().await?;
    let process_owners: Vec<User> = match policy.process_owner_id {
        Some(id) => users.iter().filter(|u| u.id == id).cloned().collect(),
        None => users
            .iter()
            .filter(|u| u.role == debrief_core::access::AccountRole::Admin)
            .cloned()
            .collect(),
    };
    let user = |id: Option<i64>| id.and_then(|id| users.iter().find(|u| u.id == id).cloned());
    let url = |r: &str| format!("{}/incidents/{r}/postmortem", state.config.public_url);
    let mut reminders = Vec::new();
    let pending = [PmStatus::Required, PmStatus::Draft, PmStatus::InReview];
    for pm in state.store.postmortems(&pending).await? {
        if !pm.status.has_document() || pm.status == PmStatus::Published {
            continue;
        }
        let r = format!("INC-{}", pm.incident_id);
        let owner: Vec<User> = user(pm.owner_id).into_iter().collect();
        let steps = [
            (
                "draft",
                pm.draft_due_at,
                pm.submitted_at.is_some(),
                "the postmortem draft",
            ),
            ("review", pm.review_due_at, false, "the postmortem review"),
        ];
        for (what, due, done, label) in steps {
            let Some(due) = due.filter(|_| !done) else {
                continue;
            };
            let data = json!({"incident": r, "postmortem_status": pm.status, "step": what, "due_at": iso(due), "url": url(&r)});
            if at >= due.checked_sub(BEFORE).unwrap_or(due) && at < due {
                reminders.push(Reminder {
                    key: format!("reminder:pm:{}:{what}:{}:before", pm.incident_id, iso(due)),
                    event: "postmortem.reminder",
                    to: owner.clone(),
                    subject: format!(
                        "Reminder: {label} of {r} is due {} UTC",
                        due.strftime("%Y-%m-%d %H:%M")
                    ),
                    text: format!("{label} of {r} is due at {} UTC.\n{}\n", iso(due), url(&r)),
                    data: data.clone(),
                });
            }
            if at >= due {
                reminders.push(Reminder {
                    key: format!("reminder:pm:{}:{what}:{}:overdue", pm.incident_id, iso(due)),
                    event: "postmortem.overdue",
                    to: owner.clone(),
                    subject: format!(
                        "Overdue: {label} of {r} was due {} UTC",
                        due.strftime("%Y-%m-%d %H:%M")
                    ),
                    text: format!(
                        "{label} of {r} was due at {} UTC and is not done.\n{}\n",
                        iso(due),
                        url(&r)
                    ),
                    data: data.clone(),
                });
                reminders.push(Reminder {
                    key: format!(
                        "reminder:pm:{}:{what}:{}:escalate",
                        pm.incident_id,
                        iso(due)
                    ),
                    event: "postmortem.escalated",
                    to: process_owners.clone(),
                    subject: format!("Escalation: {label} of {r} is overdue"),
                    text: format!(
                        "{label} of {r} was due at {} UTC. Owner: {}.\n{}\n",
                        iso(due),
                        owner.first().map_or("nobody", |u| u.name.as_str()),
                        url(&r)
                    ),
                    data,
                });
            }
        }
    }
    let calendar = state.store.work_calendar().await?;
    let tz = calendar.tz().unwrap_or(jiff::tz::TimeZone::UTC);
    let today = at.to_zoned(tz.clone()).date();
    for item in state
        .store
        .action_items(
            &ItemFilter {
                statuses: vec![
                    debrief_core::action_item::ItemStatus::Open,
                    debrief_core::action_item::ItemStatus::InProgress,
                ],
                ..Default::default()
            },
            today,
        )
        .await?
    {
        if item.status.is_settled() {
            continue;
        }
        let Some(due_day) = item
            .due_on
            .as_deref()
            .and_then(|d| d.parse::<jiff::civil::Date>().ok())
        else {
            continue;
        };
        // Due at the end of its day in the organisation's zone.
        let Ok(due) = due_day
            .tomorrow()
            .and_then(|d| d.to_zoned(tz.clone()))
            .map(|z| z.timestamp())
        else {
            continue;
        };
        let owner: Vec<User> = user(item.owner_id).into_iter().collect();
        let data = json!({"incident": item.incident, "action_item": item.id, "title": item.title, "due_on": due_day.to_string(), "url": url(&item.incident)});
        if at >= due.checked_sub(BEFORE).unwrap_or(due) && at < due {
            reminders.push(Reminder {
                key: format!("reminder:item:{}:{due_day}:before", item.id),
                event: "action_item.reminder",
                to: owner.clone(),
                subject: format!("Reminder: action item #{} is due {due_day}", item.id),
                text: format!(
                    "Action item #{} \"{}\" of {} is due {due_day}.\n{}\n",
                    item.id,
                    item.title,
                    item.incident,
                    url(&item.incident)
                ),
                data: data.clone(),
            });
        }
        if at >= due {
            reminders.push(Reminder {
                key: format!("reminder:item:{}:{due_day}:overdue", item.id),
                event: "action_item.overdue",
                to: owner.clone(),
                subject: format!("Overdue: action item #{} was due {due_day}", item.id),
                text: format!(
                    "Action item #{} \"{}\" of {} was due {due_day}.\n{}\n",
                    item.id,
                    item.title,
                    item.incident,
                    url(&item.incident)
                ),
                data: data.clone(),
            });
            reminders.push(Reminder {
                key: format!("reminder:item:{}:{due_day}:escalate", item.id),
                event: "action_item.escalated",
                to: process_owners.clone(),
                subject: format!(
                    "Escalation: action item #{} of {} is overdue",
                    item.id, item.incident
                ),
                text: format!(
                    "Action item #{} \"{}\" was due {due_day}. Owner: {}.\n{}\n",
                    item.id,
                    item.title,
                    item.owner.as_deref().unwrap_or("nobody"),
                    url(&item.incident)
                ),
                data,
            });
        }
    }
    let n = reminders.len();
    for r in reminders {
        send(state, r).await?;
    }
    Ok(n)
}
