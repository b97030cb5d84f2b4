//! Telling subscribers what changed. A write that changes a page (an incident's public update
//! and the component states it sets, a component's new state, a maintenance moving on or
//! cancelled) enqueues one job of kind [`KIND`] in its own transaction, listing its changes;
//! that job enqueues one delivery per change and subscriber who follows it (an e-mail, or a
//! [`WEBHOOK_KIND`] job), each with a dedupe key naming the change and the subscriber, so a
//! change is told to each subscriber once, even when the job runs again after a crash.

use super::subscribers::base;
use crate::jobs::webhook::refused;
use crate::jobs::{EmailMessage, JobKind, Outcome, new_job};
use crate::outbound::Refusal;
use crate::status_snapshot::documents::{maintenance_input, page_input};
use crate::{AppError, AppState};
use debrief_core::Timestamp;
use debrief_core::statuspage::ComponentState;
use debrief_core::statuspage::input::PageInput;
use debrief_core::statuspage::public_id::PublicIds;
use debrief_core::statuspage::webhook::{Meta, component_webhook, incident_webhook};
use debrief_store::jobs::{Job, NewJob};
use debrief_store::status_page::{Maintenance, StatusPage, Subscriber};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::borrow::Cow;

/// The job kind that tells a change's subscribers.
pub const KIND: &str = "status_notice";

/// The job kind that POSTs a subscriber webhook.
pub const WEBHOOK_KIND: &str = "status_webhook";

/// What changed on a page, to tell its subscribers.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// An incident or maintenance got an update.
    Update {
        /// The incident's number, or `m{number}` for a maintenance: internal, kept in the job's
        /// payload only; subscribers are told its public id (`public_event_id`).
        id: String,
        /// A key naming this update, unique for ever.
        key: String,
        /// The components it touched.
        components: Vec<i64>,
        /// When it was made: subscribers are told of the incident as it was then, even when
        /// later updates were made before this notice's job ran.
        at: Timestamp,
    },
    /// A maintenance was cancelled: it has left the page, so it is told as Statuspage would
    /// tell a maintenance closed early (status `completed`, with the cancellation's text).
    Cancelled {
        /// The maintenance (read when told: its cancellation is its last update).
        maintenance_id: i64,
        /// A key naming this change, unique for ever.
        key: String,
    },
    /// A component changed state.
    Component {
        /// The component.
        id: i64,
        /// A key naming this change.
        key: String,
        /// Before.
        old: String,
        /// After.
        new: String,
        /// When.
        at: Timestamp,
        /// It came with an incident's or maintenance's update: e-mail subscribers are told of
        /// that update (which names it), webhooks of both, as Statuspage dispatches a
        /// component webhook for every change of state.
        #[serde(default)]
        by_update: bool,
    },
}

/// The component changes an update made: `moves` are (component, old state, new state); `key`
/// names the update.
pub fn component_changes(
    key: &str,
    moves: impl IntoIterator<Item = (i64, String, String)>,
    at: Timestamp,
) -> Vec<Change> {
    moves
        .into_iter()
        .filter(|(_, old, new)| old != new)
        .map(|(id, old, new)| Change::Component {
            id,
            key: format!("{key}:component:{id}"),
            old,
            new,
            at,
            by_update: true,
        })
        .collect()
}

impl Change {
    /// The key naming this change, unique for ever.
    pub fn key(&self) -> &str {
        match self {
            Change::Update { key, .. }
            | Change::Cancelled { key, .. }
            | Change::Component { key, .. } => key,
        }
    }
}

/// The job that tells subscribers of the changes one write makes (`key` names the write):
/// enqueue it in the write's transaction, so a change that commits is told even if the server
/// dies right after. `{id}` in `key` or the changes stands for a maintenance's number not known
/// yet (see `Store::add_maintenance`).
pub fn notice_job(
    state: &AppState,
    page_id: i64,
    key: &str,
    changes: &[Change],
    now: Timestamp,
) -> NewJob {
    let payload = Notice {
        page_id,
        changes: changes.to_vec(),
    };
    new_job::<NoticeJob, _>(state, format!("{KIND}:{key}"), &payload, now)
}

/// The payload of a [`KIND`] job (a new maintenance's adds `maintenance_id`, ignored).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Notice {
    /// The page whose subscribers are told.
    page_id: i64,
    /// What changed.
    changes: Vec<Change>,
}

/// The job of kind [`KIND`]: tells a page's subscribers of one write's changes.
pub(crate) struct NoticeJob;

impl JobKind<AppState> for NoticeJob {
    const KIND: &'static str = KIND;
    type Payload = Notice;

    fn summary(p: &Notice) -> String {
        let n = p.changes.len();
        let s = if n == 1 { "" } else { "s" };
        format!(
            "{n} change{s} told to the subscribers of status page {}",
            p.page_id
        )
    }

    async fn run(state: &AppState, _: &Job, p: Notice) -> Outcome {
        tell(state, p).await
    }
}

/// Tells subscribers of a write's changes (the job of kind [`KIND`]): enqueues one delivery
/// per change and subscriber. Run again (after a crash, or a failed read), it enqueues nothing
/// twice.
async fn tell(state: &AppState, Notice { page_id, changes }: Notice) -> Outcome {
    let page = match state.store.page(page_id).await {
        Ok(page) => page,
        Err(debrief_store::StoreError::NotFound(_)) => {
            return Outcome::GiveUp(format!("status page {page_id} no longer exists"));
        }
        Err(e) => return Outcome::Retry(e.to_string()),
    };
    match notify(state, &page, &changes).await {
        Ok(()) => Outcome::Done,
        Err(e) => Outcome::Retry(e.to_string()),
    }
}

/// The components an update changed, a line each (`API: operational → partial outage`), for
/// an e-mail (whose readers get no separate message for those changes).
fn affected_lines(affected: &serde_json::Value) -> String {
    let label = |v: &serde_json::Value| {
        v.as_str()
            .and_then(|s| s.parse::<ComponentState>().ok())
            .map_or_else(String::new, |s| s.label().to_lowercase())
    };
    affected
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            format!(
                "{}: {} → {}\n",
                c["name"].as_str().unwrap_or_default(),
                label(&c["old_status"]),
                label(&c["new_status"])
            )
        })
        .collect()
}

/// The public id of the incident (`"12"`) or maintenance (`"m7"`) a [`Change::Update`] names.
fn public_event_id(ids: &PublicIds, internal: &str) -> String {
    match internal.strip_prefix('m') {
        Some(n) => n
            .parse()
            .map_or_else(|_| internal.into(), |n| ids.maintenance(n)),
        None => internal
            .parse()
            .map_or_else(|_| internal.into(), |n| ids.incident(n)),
    }
}

/// Leaves out of `input` the updates of incident or maintenance `id` made after `at`.
fn as_it_was(input: &mut PageInput, id: &str, at: Timestamp) {
    for i in input.incidents.iter_mut().filter(|i| i.id == id) {
        i.updates.retain(|u| u.created_at <= at);
        i.updated_at = i.updated_at.min(at);
    }
    for m in input.maintenances.iter_mut().filter(|m| m.id == id) {
        m.updates.retain(|u| u.created_at <= at);
        m.updated_at = m.updated_at.min(at);
    }
}

/// Enqueues the notification of each change for every subscriber who follows it, once each.
async fn notify(state: &AppState, page: &StatusPage, changes: &[Change]) -> Result<(), AppError> {
    let subscribers = state.store.active_subscribers(page.id).await?;
    if subscribers.is_empty() {
        return Ok(());
    }
    let now = state.clock.now();
    let ids = state.status.ids().await?;
    let page_now = page_input(&state.store, ids, &state.config.public_url, page, now).await?;
    let mut jobs = Vec::new();
    for change in changes {
        let mut input = Cow::Borrowed(&page_now);
        let cancelled = match change {
            Change::Cancelled { maintenance_id, .. } => {
                let m = state.store.maintenance(*maintenance_id).await?;
                input.to_mut().maintenances.push(maintenance_input(&m, ids));
                Some(m)
            }
            _ => None,
        };
        // What is told is the page as the change left it.
        let as_of = match change {
            Change::Update { id, at, .. } => {
                as_it_was(input.to_mut(), &public_event_id(ids, id), *at);
                *at
            }
            _ => now,
        };
        let told = Told {
            page,
            ids,
            base: base(state, page),
            input,
            cancelled,
            as_of,
            now,
        };
        deliveries(state, &told, change, &subscribers, &mut jobs)?;
    }
    state.store.enqueue_jobs(&jobs, now).await?;
    state.jobs.wake();
    Ok(())
}

/// What one change is told from.
struct Told<'a> {
    page: &'a StatusPage,
    /// What things are called in public.
    ids: &'a PublicIds,
    /// The page's public URL.
    base: String,
    /// The page as the change left it.
    input: Cow<'a, PageInput>,
    /// The maintenance a cancellation is about.
    cancelled: Option<Maintenance>,
    /// The moment the change is told as of.
    as_of: Timestamp,
    now: Timestamp,
}

/// Adds to `jobs` the delivery of `change` to each subscriber who follows it.
fn deliveries(
    state: &AppState,
    told: &Told<'_>,
    change: &Change,
    subscribers: &[Subscriber],
    jobs: &mut Vec<NewJob>,
) -> Result<(), AppError> {
    let (page, b, input, ids) = (told.page, &told.base, told.input.as_ref(), told.ids);
    let (cancelled, as_of, now) = (told.cancelled.as_ref(), told.as_of, told.now);
    let touched: Vec<i64> = match change {
        Change::Update { components, .. } => components.clone(),
        Change::Cancelled { .. } => cancelled.map_or_else(Vec::new, |m| m.components.clone()),
        Change::Component { id, .. } => vec![*id],
    };
    // Who subscribed after the change (its notice ran late) is not told of it.
    let changed_at = match change {
        Change::Update { at, .. } | Change::Component { at, .. } => *at,
        Change::Cancelled { .. } => cancelled
            .and_then(|m| m.updates.last())
            .map_or(now, |u| u.at),
    };
    for s in subscribers {
        let by_update = matches!(
            change,
            Change::Component {
                by_update: true,
                ..
            }
        );
        if s.confirmed_at.unwrap_or(s.created_at) > changed_at
            || by_update && s.kind == "email"
            || !s.components.is_empty() && !s.components.iter().any(|c| touched.contains(c))
        {
            continue;
        }
        let unsubscribe = format!("{b}/unsubscribe?token={}", s.unsubscribe_token);
        let meta = Meta {
            unsubscribe: unsubscribe.clone(),
            documentation:
                "https://support.atlassian.com/statuspage/docs/enable-webhook-notifications/".into(),
            generated_at: now,
        };
        let (key, body, subject, text) = match change {
            Change::Update { id, key, .. } => {
                let id = public_event_id(ids, id);
                let Some(w) = incident_webhook(input, &id, meta, as_of) else {
                    continue;
                };
                let body = serde_json::to_value(&w).expect("a webhook serializes");
                let name = body["incident"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                let status = body["incident"]["status"]
                    .as_str()
                    .unwrap_or_default()
                    .replace('_', " ");
                let newest = &body["incident"]["incident_updates"][0];
                let latest = newest["body"].as_str().unwrap_or_default().to_string();
                let affected = affected_lines(&newest["affected_components"]);
                (
                    key.clone(),
                    body,
                    format!("[{}] {name}: {status}", page.name),
                    format!("{name}\n{status}: {latest}\n{affected}\n{b}/incidents/{id}\n"),
                )
            }
            Change::Cancelled { key, .. } => {
                let Some(maintenance) = cancelled else {
                    continue;
                };
                let id = ids.maintenance(maintenance.id);
                let Some(w) = incident_webhook(input, &id, meta, now) else {
                    continue;
                };
                let body = serde_json::to_value(&w).expect("a webhook serializes");
                let said = maintenance
                    .updates
                    .last()
                    .map(|u| u.body.clone())
                    .unwrap_or_default();
                let name = &maintenance.title;
                (
                    key.clone(),
                    body,
                    format!("[{}] {name}: cancelled", page.name),
                    format!("{name}\ncancelled: {said}\n\n{b}\n"),
                )
            }
            Change::Component {
                id,
                key,
                old,
                new,
                at,
                ..
            } => {
                let (o, n) = (
                    old.parse().unwrap_or(ComponentState::Operational),
                    new.parse().unwrap_or(ComponentState::Operational),
                );
                let change_id = ids.change(key);
                let Some(w) =
                    component_webhook(input, &id.to_string(), &change_id, o, n, *at, meta)
                else {
                    continue;
                };
                let body = serde_json::to_value(&w).expect("a webhook serializes");
                let name = body["component"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                (
                    key.clone(),
                    body,
                    format!("[{}] {name} is {}", page.name, n.label().to_lowercase()),
                    format!(
                        "{name} changed from {} to {}.\n\n{b}\n",
                        o.label(),
                        n.label()
                    ),
                )
            }
        };
        let dedupe = format!("{key}:subscriber-{}", s.id);
        match s.kind.as_str() {
            "webhook" => jobs.push(new_job::<SubscriberWebhookJob, _>(
                state,
                format!("{WEBHOOK_KIND}:{dedupe}"),
                &SubscriberWebhook {
                    url: s.address.clone(),
                    body,
                },
                now,
            )),
            _ => {
                let message = EmailMessage {
                    to: vec![s.address.clone()],
                    subject,
                    text: format!("{text}\nUnsubscribe: {unsubscribe}\n"),
                    html: None,
                    attachments: Vec::new(),
                    headers: [
                        ("List-Unsubscribe".to_string(), format!("<{unsubscribe}>")),
                        (
                            "List-Unsubscribe-Post".to_string(),
                            "List-Unsubscribe=One-Click".to_string(),
                        ),
                    ]
                    .into_iter()
                    .collect(),
                };
                jobs.push(crate::jobs::email_job(state, &dedupe, &message, now)?);
            }
        }
    }
    Ok(())
}

/// The payload of a [`WEBHOOK_KIND`] job.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SubscriberWebhook {
    /// Where it goes (the subscriber's address).
    url: String,
    /// What is POSTed: a Statuspage subscriber webhook.
    body: Value,
}

/// The job of kind [`WEBHOOK_KIND`]: one POST to a subscriber's webhook. When it is given up,
/// the subscriber's contact hears that its deliveries are failing (once per subscription).
pub(crate) struct SubscriberWebhookJob;

impl JobKind<AppState> for SubscriberWebhookJob {
    const KIND: &'static str = WEBHOOK_KIND;
    type Payload = SubscriberWebhook;

    fn summary(_: &SubscriberWebhook) -> String {
        // Not the URL: it names the subscriber (and may carry a token).
        "webhook to a status page subscriber".into()
    }

    async fn run(state: &AppState, _: &Job, p: SubscriberWebhook) -> Outcome {
        deliver(state, &p.url, &p.body).await
    }

    async fn given_up(state: &AppState, job: &Job, reason: &str) {
        let Some(id) = crate::status::subscribers::subscriber_of(&job.dedupe_key) else {
            return;
        };
        if let Err(e) = super::subscribers::tell_contact_of_failure(state, id, reason).await {
            tracing::warn!(
                job.id = job.id, subscriber.id = id, error = %e,
                "Could not tell subscriber {id}'s contact that its webhook deliveries fail"
            );
        }
    }
}

/// POSTs one subscriber webhook; like Statuspage, only a 2xx answer counts as delivered (a
/// redirect is a failure).
async fn deliver(state: &AppState, url: &str, body: &Value) -> Outcome {
    let shown = crate::jobs::webhook::shown_url(url);
    let request = match state.jobs.outbound.post(url) {
        Ok(r) => r,
        Err(refusal) => return Outcome::GiveUp(refused(&shown, &refusal)),
    };
    let sent = request
        .timeout(state.config.jobs.webhook_timeout)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.to_string())
        .send()
        .await;
    match sent {
        Ok(res) if res.status().is_success() => Outcome::Done,
        Ok(res) => Outcome::Retry(format!("HTTP {} from {shown}", res.status().as_u16())),
        Err(e) => match Refusal::of(&e) {
            Some(refusal) => Outcome::GiveUp(refused(&shown, refusal)),
            None if e.is_timeout() => Outcome::Retry(format!("timed out waiting for {shown}")),
            None => Outcome::Retry(format!("could not reach {shown}")),
        },
    }
}
