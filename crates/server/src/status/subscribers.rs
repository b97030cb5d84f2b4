//! Subscribers of a status page: e-mail with double opt-in and one-click unsubscribe, and
//! webhooks in Statuspage's subscriber webhook format. Every public update and component change
//! is enqueued once per subscriber (the dedupe key names the change and the subscriber) and
//! delivered by the durable job queue, with retries and failures visible to admins.
//!
//! Subscribing never tells whether an address is already subscribed: every well-formed request
//! gets the same answer. It is rate-limited per page, and a confirmation is re-sent to one
//! address at most once an hour.

use super::documents::page_input;
use crate::auth::{hash_secret, new_secret};
use crate::jobs::{EmailMessage, Outcome, send_email};
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use debrief_core::Timestamp;
use debrief_core::statuspage::ComponentState;
use debrief_core::statuspage::webhook::{Meta, component_webhook, incident_webhook};
use debrief_core::validation::ValidationError;
use debrief_store::jobs::{Job, NewJob};
use debrief_store::status_page::{Maintenance, StatusPage, Subscriber};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The job kind that POSTs a subscriber webhook.
pub const WEBHOOK_KIND: &str = "status_webhook";

/// Subscriptions accepted per page per minute before answering 429.
const PER_PAGE_PER_MINUTE: usize = 60;

/// Recent subscription requests, per page and per address.
#[derive(Default)]
pub struct SubscribeLimiter {
    pages: Mutex<HashMap<String, Vec<Instant>>>,
    addresses: Mutex<HashMap<String, Instant>>,
}

impl SubscribeLimiter {
    fn page_allows(&self, slug: &str) -> bool {
        let mut pages = self.pages.lock().expect("not poisoned");
        let hits = pages.entry(slug.to_string()).or_default();
        hits.retain(|t| t.elapsed() < Duration::from_secs(60));
        if hits.len() >= PER_PAGE_PER_MINUTE {
            return false;
        }
        hits.push(Instant::now());
        true
    }

    fn address_allows(&self, key: &str) -> bool {
        let mut a = self.addresses.lock().expect("not poisoned");
        a.retain(|_, t| t.elapsed() < Duration::from_secs(3600));
        if a.contains_key(key) {
            return false;
        }
        a.insert(key.to_string(), Instant::now());
        true
    }
}

/// A subscription request.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscribeInput {
    /// An e-mail address (confirmed by a link sent to it).
    pub email: Option<String>,
    /// A webhook URL (http or https) that receives Statuspage subscriber webhooks.
    pub webhook_url: Option<String>,
    /// The components to follow (all when empty).
    #[serde(default)]
    pub components: Vec<i64>,
}

fn valid_email(s: &str) -> bool {
    let s = s.trim();
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && s.len() <= 254
        && !s.chars().any(|c| c.is_whitespace() || "<>,;\"".contains(c))
}

fn base(state: &AppState, page: &StatusPage) -> String {
    format!("{}/status/{}", state.config.public_url, page.slug)
}

/// `POST /status/{slug}/subscribe`.
pub async fn subscribe(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    crate::api::input::ApiJson(input): crate::api::input::ApiJson<SubscribeInput>,
) -> Result<Response, AppError> {
    let message = accept(&state, &slug, &input).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({"message": message}))).into_response())
}

/// `POST /status/{slug}/subscribe-form`: the public page's form (no script needed).
pub async fn subscribe_form(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let input = SubscribeInput {
        email: get("email"),
        webhook_url: get("webhook_url"),
        components: pairs
            .iter()
            .filter(|(k, _)| k == "components")
            .filter_map(|(_, v)| v.parse().ok())
            .collect(),
    };
    let message = accept(&state, &slug, &input).await?;
    Ok((StatusCode::ACCEPTED, page_html("Thank you", message, None)).into_response())
}

/// Checks a subscription and stores it (sending the confirmation); the answer is the same
/// whatever the address's state.
async fn accept(
    state: &AppState,
    slug: &str,
    input: &SubscribeInput,
) -> Result<&'static str, AppError> {
    let slug = slug.to_string();
    let state = state.clone();
    let page = state.store.page_by_slug(&slug).await?;
    if !page.public {
        return Err(AppError::NotFound(format!("status page '{slug}'")));
    }
    let components = state.store.components(page.id).await?;
    let mut e = ValidationError::default();
    let (kind, address) = match (&input.email, &input.webhook_url) {
        (Some(m), None) if valid_email(m) => ("email", m.trim().to_lowercase()),
        (Some(_), None) => {
            e.push("email", "is not an e-mail address");
            ("email", String::new())
        }
        (None, Some(u)) if u.starts_with("https://") || u.starts_with("http://") => {
            ("webhook", u.trim().to_string())
        }
        (None, Some(_)) => {
            e.push("webhook_url", "must be an http or https URL");
            ("webhook", String::new())
        }
        _ => {
            e.push("email", "give either email or webhook_url");
            ("email", String::new())
        }
    };
    for (i, id) in input.components.iter().enumerate() {
        if !components.iter().any(|c| c.id == *id) {
            e.push(
                format!("components[{i}]"),
                format!("no component {id} on this page"),
            );
        }
    }
    e.into_result(())?;
    if !state.subscribers.page_allows(&slug) {
        return Err(AppError::TooManyRequests(
            "too many subscriptions to this page just now; try again in a minute".into(),
        ));
    }
    let answer = match kind {
        "email" => "If this address can be subscribed, a confirmation link is on its way.",
        _ => "If this URL can be subscribed, it will receive the page's notifications.",
    };
    if !state
        .subscribers
        .address_allows(&format!("{slug}:{kind}:{address}"))
    {
        return Ok(answer);
    }
    let now = crate::actions::now();
    let unsubscribe = new_secret();
    let confirm = (kind == "email").then(new_secret);
    let subscriber = Subscriber {
        id: 0,
        page_id: page.id,
        kind: kind.into(),
        address: address.clone(),
        components: input.components.clone(),
        confirmed_at: (kind == "webhook").then_some(now),
        unsubscribed_at: None,
        unsubscribe_token: unsubscribe.clone(),
        created_at: now,
    };
    let stored = state
        .store
        .subscribe(
            &subscriber,
            confirm.as_deref().map(hash_secret).as_deref(),
            now,
        )
        .await?;
    if let (Some(s), Some(confirm)) = (stored, confirm) {
        let b = base(&state, &page);
        let message = EmailMessage {
            to: vec![address],
            subject: format!("Confirm your subscription to {} status", page.name),
            text: format!(
                "Someone (hopefully you) asked to receive {} status notifications at this address.\n\n\
                 Confirm: {b}/confirm?token={confirm}\n\n\
                 If it was not you, ignore this message: nothing will be sent.\n\
                 Unsubscribe at any time: {b}/unsubscribe?token={unsubscribe}\n",
                page.name
            ),
            html: None,
            attachments: Vec::new(),
            headers: Default::default(),
        };
        send_email(&state, &format!("status-confirm:{}", s.id), &message, now).await?;
    }
    Ok(answer)
}

#[derive(Debug, serde::Deserialize)]
pub struct TokenQuery {
    token: String,
}

fn page_html(title: &str, text: &str, form: Option<&str>) -> Html<String> {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let form = form.map_or(String::new(), |action| {
        format!(
            "<form method=\"post\" action=\"{}\"><button type=\"submit\">Unsubscribe</button></form>",
            esc(action)
        )
    });
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body style=\"font:16px system-ui;max-width:40rem;margin:2rem auto\"><h1>{}</h1><p>{}</p>{form}</body></html>",
        esc(title),
        esc(title),
        esc(text)
    ))
}

/// `GET /status/{slug}/confirm?token=…`.
pub async fn confirm(
    State(state): State<AppState>,
    Path(_slug): Path<String>,
    Query(q): Query<TokenQuery>,
) -> Result<Response, AppError> {
    let ok = state
        .store
        .confirm_subscriber(&hash_secret(&q.token), crate::actions::now())
        .await?;
    Ok(match ok {
        true => page_html(
            "Subscribed",
            "You will receive this page's notifications.",
            None,
        )
        .into_response(),
        false => (
            StatusCode::NOT_FOUND,
            page_html(
                "Link expired",
                "This confirmation link is not valid any more.",
                None,
            ),
        )
            .into_response(),
    })
}

/// `GET /status/{slug}/unsubscribe?token=…`: a button, so link scanners do not unsubscribe.
pub async fn unsubscribe_form(
    Path(slug): Path<String>,
    Query(q): Query<TokenQuery>,
) -> Html<String> {
    let action = format!("/status/{slug}/unsubscribe?token={}", q.token);
    page_html(
        "Unsubscribe",
        "Stop receiving this page's notifications?",
        Some(&action),
    )
}

/// `POST /status/{slug}/unsubscribe?token=…`: one click (RFC 8058 `List-Unsubscribe-Post`).
pub async fn unsubscribe(
    State(state): State<AppState>,
    Path(_slug): Path<String>,
    Query(q): Query<TokenQuery>,
) -> Result<Response, AppError> {
    state
        .store
        .unsubscribe(&q.token, crate::actions::now())
        .await?;
    // The same answer whether or not the token matched: tokens are not to be probed.
    Ok(page_html(
        "Unsubscribed",
        "You will not receive this page's notifications any more.",
        None,
    )
    .into_response())
}

/// What changed on a page, to tell its subscribers.
pub enum Change {
    /// An incident or maintenance got an update (`id` as in the v2 documents).
    Update {
        /// The incident's (or `m{id}` maintenance's) id.
        id: String,
        /// A key naming this update, unique for ever.
        key: String,
        /// The components it touched.
        components: Vec<i64>,
    },
    /// A maintenance was cancelled: it has left the page, so it is told as Statuspage would
    /// tell a maintenance closed early (status `completed`, with the cancellation's text).
    Cancelled {
        /// The maintenance, with its cancellation as its last update.
        maintenance: Maintenance,
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
    },
}

/// Enqueues the notification of `change` for every subscriber who follows it, once each.
pub async fn notify(state: &AppState, page: &StatusPage, change: Change) -> Result<(), AppError> {
    let subscribers = state.store.active_subscribers(page.id).await?;
    if subscribers.is_empty() {
        return Ok(());
    }
    let now = crate::actions::now();
    let mut input = page_input(state, page, now).await?;
    if let Change::Cancelled { maintenance, .. } = &change {
        input
            .maintenances
            .push(super::documents::maintenance_input(maintenance));
    }
    let b = base(state, page);
    let touched: Vec<i64> = match &change {
        Change::Update { components, .. } => components.clone(),
        Change::Cancelled { maintenance, .. } => maintenance.components.clone(),
        Change::Component { id, .. } => vec![*id],
    };
    let mut jobs = Vec::new();
    for s in subscribers {
        if !s.components.is_empty() && !s.components.iter().any(|c| touched.contains(c)) {
            continue;
        }
        let unsubscribe = format!("{b}/unsubscribe?token={}", s.unsubscribe_token);
        let meta = Meta {
            unsubscribe: unsubscribe.clone(),
            documentation:
                "https://support.atlassian.com/statuspage/docs/enable-webhook-notifications/".into(),
            generated_at: now,
        };
        let (key, body, subject, text) = match &change {
            Change::Update { id, key, .. } => {
                let Some(w) = incident_webhook(&input, id, meta, now) else {
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
                let latest = body["incident"]["incident_updates"][0]["body"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                (
                    key.clone(),
                    body,
                    format!("[{}] {name}: {status}", page.name),
                    format!("{name}\n{status}: {latest}\n\n{b}/incidents/{id}\n"),
                )
            }
            Change::Cancelled { maintenance, key } => {
                let id = format!("m{}", maintenance.id);
                let Some(w) = incident_webhook(&input, &id, meta, now) else {
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
            } => {
                let (o, n) = (
                    old.parse().unwrap_or(ComponentState::Operational),
                    new.parse().unwrap_or(ComponentState::Operational),
                );
                let Some(w) = component_webhook(&input, &id.to_string(), key, o, n, *at, meta)
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
            "webhook" => jobs.push(NewJob {
                kind: WEBHOOK_KIND.into(),
                dedupe_key: format!("{WEBHOOK_KIND}:{dedupe}"),
                run_at: now,
                payload: json!({"url": s.address, "body": body}),
                max_attempts: state.config.jobs.max_attempts,
            }),
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
    state.store.enqueue_jobs(&jobs, now).await?;
    state.jobs.wake();
    Ok(())
}

/// POSTs one subscriber webhook (the job of kind [`WEBHOOK_KIND`]); like Statuspage, only a 2xx
/// answer counts as delivered (a redirect is a failure).
pub(crate) async fn deliver(state: &AppState, job: &Job) -> Outcome {
    let (Some(url), Some(body)) = (job.payload["url"].as_str(), job.payload.get("body")) else {
        return Outcome::GiveUp("the payload names no URL or body".into());
    };
    let shown = crate::jobs::webhook::shown_url(url);
    let sent = state
        .jobs
        .http
        .post(url)
        .timeout(state.config.jobs.webhook_timeout)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.to_string())
        .send()
        .await;
    match sent {
        Ok(res) if res.status().is_success() => Outcome::Done,
        Ok(res) => Outcome::Retry(format!("HTTP {} from {shown}", res.status().as_u16())),
        Err(e) if e.is_timeout() => Outcome::Retry(format!("timed out waiting for {shown}")),
        Err(_) => Outcome::Retry(format!("could not reach {shown}")),
    }
}
