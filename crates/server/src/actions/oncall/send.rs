//! The job that makes one contact: one notification, on one channel, to one person, once.
//!
//! "Once": the contact is a row of `page_notifications` with a unique key (page, pass, level,
//! user, channel) and one job with the same key, and the job queue hands a job to one worker
//! at a time (on PostgreSQL `FOR UPDATE SKIP LOCKED`, so servers sharing the database never
//! run it twice). The row goes `queued` → `sent` (or `failed`, retried with the queue's
//! back-off, or `given_up`; `skipped` when the page was acknowledged or resolved at or before
//! the contact was due). A server killed between handing the message over and recording
//! `sent` leaves the row as it was and its job claimed; the job's lease runs out and another
//! server sends it again with the same identity (the e-mail's `Message-ID`, the webhook's
//! `X-Debrief-Delivery`, the push message's topic), so a receiver can tell the repeat: nothing
//! is lost, and the only possible repeat is one a receiver can recognise.

use super::*;
use crate::jobs::{JobKind, Outcome, new_job};
use debrief_core::oncall::notify::Channel;
use debrief_store::jobs::{Job, NewJob};
use debrief_store::oncall::Notification;
use serde_json::json;

/// The stored kind name of the send job.
pub const SEND_KIND: &str = "page.send";

/// Which contact: the notification's unique key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SendStep {
    /// The page.
    pub page_id: i64,
    /// Pass (0: the first).
    pub pass: u32,
    /// Level (0: the first).
    pub level: u32,
    /// Who.
    pub user_id: i64,
    /// Where (`email`, `webhook`, `ntfy`, `web_push`, `slack`).
    pub channel: String,
}

fn key(step: &SendStep) -> String {
    format!(
        "{SEND_KIND}:{}:{}:{}:{}:{}",
        step.page_id, step.pass, step.level, step.user_id, step.channel
    )
}

/// The send job of a contact, due at `at`.
pub(crate) fn send_job(state: &AppState, step: &SendStep, at: Timestamp) -> NewJob {
    new_job::<SendJob, AppState>(state, key(step), step, at)
}

/// Makes one contact (see the module documentation).
pub struct SendJob;

/// How long one contact may take before it counts as failed (and is retried): well inside
/// [`PAGE_LEASE`], so no other server claims a contact that is still being made.
pub const SEND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

/// How long a server holds a page job: a server that dies mid-job delays it by this much.
pub const PAGE_LEASE: std::time::Duration = std::time::Duration::from_secs(30);

impl JobKind<AppState> for SendJob {
    const KIND: &'static str = SEND_KIND;
    const LEASE: Option<std::time::Duration> = Some(PAGE_LEASE);
    type Payload = SendStep;

    fn summary(p: &SendStep) -> String {
        format!(
            "tells user {} of page {} by {} (level {})",
            p.user_id,
            p.page_id,
            p.channel,
            p.level + 1
        )
    }

    async fn run(state: &AppState, _: &Job, step: SendStep) -> Outcome {
        match run(state, &step).await {
            Ok(o) => o,
            Err(AppError::NotFound(what)) => Outcome::GiveUp(format!("{what} no longer exists")),
            Err(e) => Outcome::Retry(e.to_string()),
        }
    }

    async fn given_up(state: &AppState, job: &Job, reason: &str) {
        let Ok(step) = crate::jobs::kind::parse::<SendJob, AppState>(&job.payload) else {
            return;
        };
        if let Ok(n) = state
            .store
            .notification_by_key(
                step.page_id,
                step.pass,
                step.level,
                step.user_id,
                &step.channel,
            )
            .await
        {
            let _ = state
                .store
                .set_notification(n.id, "given_up", Some(reason), false, state.clock.now())
                .await;
        }
    }
}

/// What went wrong sending, and whether trying again may help.
enum Failure {
    Retry(String),
    GiveUp(String),
    /// Held back by the receiver's rate limit: try again after this long, spending no attempt.
    Later(std::time::Duration, String),
}

async fn run(state: &AppState, step: &SendStep) -> Result<Outcome, AppError> {
    let n = state
        .store
        .notification_by_key(
            step.page_id,
            step.pass,
            step.level,
            step.user_id,
            &step.channel,
        )
        .await?;
    if matches!(n.status.as_str(), "sent" | "skipped" | "given_up") {
        return Ok(Outcome::Done);
    }
    let page = state.store.oncall_page(step.page_id).await?;
    let now = state.clock.now();
    if let Some(stop) = page.stopped_at()
        && stop <= n.due_at
    {
        let why = if page.acknowledged_at == Some(stop) {
            "the page was acknowledged first"
        } else {
            "the page was resolved first"
        };
        state
            .store
            .set_notification(n.id, "skipped", Some(why), false, now)
            .await?;
        return Ok(Outcome::Done);
    }
    let result = match tokio::time::timeout(SEND_TIMEOUT, deliver(state, &page, &n)).await {
        Ok(r) => r,
        Err(_) => Err(Failure::Retry(format!(
            "the {} contact took longer than {} s",
            n.channel,
            SEND_TIMEOUT.as_secs()
        ))),
    };
    let now = state.clock.now();
    Ok(match result {
        Ok(()) => {
            state
                .store
                .set_notification(n.id, "sent", None, true, now)
                .await?;
            tracing::info!(page = page.id, user = n.user_id, channel = %n.channel, "Notified user {} of page {} by {}", n.user_id, page.id, n.channel);
            Outcome::Done
        }
        Err(Failure::Retry(why)) => {
            state
                .store
                .set_notification(n.id, "failed", Some(&why), true, now)
                .await?;
            Outcome::Retry(why)
        }
        Err(Failure::GiveUp(why)) => {
            state
                .store
                .set_notification(n.id, "given_up", Some(&why), true, now)
                .await?;
            Outcome::GiveUp(why)
        }
        Err(Failure::Later(wait, why)) => {
            state
                .store
                .set_notification(n.id, "queued", Some(&why), true, now)
                .await?;
            Outcome::Later(wait, why)
        }
    })
}

/// What every channel says.
struct Message {
    subject: String,
    text: String,
    page_url: String,
    ack_url: String,
    resolve_url: String,
    delivery_id: String,
}

async fn message(state: &AppState, page: &Page, n: &Notification) -> Result<Message, AppError> {
    let now = state.clock.now();
    let base = state.config.public_url.trim_end_matches('/');
    let page_url = format!("{base}/pages/{}", page.id);
    let ack_url = action_link(state, page.id, n.user_id, LinkAction::Acknowledge, now).await?;
    let resolve_url = action_link(state, page.id, n.user_id, LinkAction::Resolve, now).await?;
    let mut about = Vec::new();
    if let Some(s) = &page.service {
        about.push(format!("Service: {s}"));
    }
    if let Some(i) = page.incident_id {
        about.push(format!("Incident: INC-{i} {base}/incidents/{i}"));
    }
    if let Some(m) = page.details["message"].as_str().filter(|m| !m.is_empty()) {
        about.push(m.to_string());
    }
    let level = if n.pass > 0 {
        format!("level {}, repeat {}", n.level + 1, n.pass)
    } else {
        format!("level {}", n.level + 1)
    };
    let text = format!(
        "You are paged ({level}): {}\n{}\n\nAcknowledge: {ack_url}\nResolve: {resolve_url}\nOpen: {page_url}\n\nThe links work once, for {LINK_HOURS} hours. Opened {}.\n",
        page.title,
        about.join("\n"),
        debrief_core::format_utc(page.opened_at),
    );
    let digest = {
        use sha2::Digest;
        let d = sha2::Sha256::digest(
            format!(
                "{}:{}:{}:{}:{}",
                n.page_id, n.pass, n.level, n.user_id, n.channel
            )
            .as_bytes(),
        );
        d[..16].iter().map(|b| format!("{b:02x}")).collect()
    };
    Ok(Message {
        subject: format!("Page #{}: {}", page.id, page.title),
        text,
        page_url,
        ack_url,
        resolve_url,
        delivery_id: digest,
    })
}

async fn deliver(state: &AppState, page: &Page, n: &Notification) -> Result<(), Failure> {
    let msg = message(state, page, n)
        .await
        .map_err(|e| Failure::Retry(e.to_string()))?;
    let user = state
        .store
        .user(n.user_id)
        .await
        .map_err(|e| Failure::Retry(e.to_string()))?;
    if user.disabled {
        return Err(Failure::GiveUp(format!("{} is deactivated", user.name)));
    }
    let settings = state
        .store
        .user_notify(n.user_id)
        .await
        .map_err(|e| Failure::Retry(e.to_string()))?
        .unwrap_or_default();
    match Channel::parse(&n.channel) {
        Some(Channel::Email) => email(state, &user.email, &msg).await,
        Some(Channel::Webhook) => webhook(state, page, n, &user, &settings, &msg).await,
        Some(Channel::Ntfy) => ntfy(state, page, &settings, &msg).await,
        Some(Channel::WebPush) => web_push(state, page, n.user_id, &msg).await,
        Some(Channel::Slack) => {
            use crate::actions::slack::pages::{DmError, dm_page};
            dm_page(state, page, n, &user).await.map_err(|e| match e {
                DmError::Transient(why) => Failure::Retry(why),
                DmError::Final(why) => Failure::GiveUp(why),
                DmError::Later(wait, why) => Failure::Later(wait, why),
            })
        }
        None => Err(Failure::GiveUp(format!("no channel '{}'", n.channel))),
    }
}

fn outcome(o: Outcome) -> Result<(), Failure> {
    match o {
        Outcome::Done => Ok(()),
        Outcome::Retry(r) => Err(Failure::Retry(r)),
        Outcome::GiveUp(r) => Err(Failure::GiveUp(r)),
        Outcome::Later(wait, r) => Err(Failure::Later(wait, r)),
    }
}

async fn email(state: &AppState, to: &str, msg: &Message) -> Result<(), Failure> {
    let message = crate::jobs::mail::EmailMessage {
        to: vec![to.to_string()],
        subject: msg.subject.clone(),
        text: msg.text.clone(),
        html: None,
        attachments: Vec::new(),
        headers: [("X-Debrief-Delivery".to_string(), msg.delivery_id.clone())]
            .into_iter()
            .collect(),
    };
    outcome(
        crate::jobs::mail::deliver(
            state.jobs.mailer(),
            &format!("page-{}", msg.delivery_id),
            message,
        )
        .await,
    )
}

async fn post(
    state: &AppState,
    url: &str,
    build: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
) -> Result<reqwest::Response, Failure> {
    let shown = crate::jobs::webhook::shown_url(url);
    let timeout = state.config.jobs.webhook_timeout;
    let request = state
        .jobs
        .outbound()
        .post(url)
        .map_err(|r| Failure::GiveUp(crate::jobs::webhook::refused(&shown, &r)))?;
    match build(request.timeout(timeout)).send().await {
        Ok(res) => Ok(res),
        Err(e) => Err(match crate::outbound::Refusal::of(&e) {
            Some(r) => Failure::GiveUp(crate::jobs::webhook::refused(&shown, r)),
            None => Failure::Retry(crate::jobs::webhook::transport_reason(&e, &shown, timeout)),
        }),
    }
}

fn status(res: &reqwest::Response, url: &str) -> Result<(), Failure> {
    let code = res.status();
    if code.is_success() {
        return Ok(());
    }
    let shown = crate::jobs::webhook::shown_url(url);
    let why = format!("HTTP {} from {shown}", code.as_u16());
    // 4xx other than 408 and 429 will answer the same again.
    if code.is_client_error() && code.as_u16() != 408 && code.as_u16() != 429 {
        Err(Failure::GiveUp(why))
    } else {
        Err(Failure::Retry(why))
    }
}

async fn webhook(
    state: &AppState,
    page: &Page,
    n: &Notification,
    user: &debrief_store::account::User,
    settings: &debrief_store::oncall::UserNotify,
    msg: &Message,
) -> Result<(), Failure> {
    let Some(url) = settings.webhook_url.as_deref() else {
        return Err(Failure::GiveUp(
            "no webhook URL is set in the user's notification settings".into(),
        ));
    };
    let now = state.clock.now();
    let body = json!({
        "event": "page.notification",
        "id": msg.delivery_id,
        "created_at": debrief_core::format_utc(now),
        "data": {
            "page": page,
            "user": {"id": user.id, "name": user.name, "email": user.email},
            "pass": n.pass, "level": n.level + 1,
            "text": msg.text,
            "links": {"acknowledge": msg.ack_url, "resolve": msg.resolve_url, "page": msg.page_url},
        },
    })
    .to_string();
    let timestamp = now.as_second();
    let secret = settings.webhook_secret.clone().unwrap_or_default();
    let res = post(state, url, |r| {
        r.header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("X-Debrief-Event", "page.notification")
            .header("X-Debrief-Delivery", &msg.delivery_id)
            .header("X-Debrief-Timestamp", timestamp.to_string())
            .header(
                "X-Debrief-Signature",
                crate::jobs::webhook::signature(&secret, timestamp, &body),
            )
            .body(body)
    })
    .await?;
    status(&res, url)
}

/// ntfy's publish API: a `POST` of the message to the topic URL, with the title, priority,
/// tags, click target and action buttons as headers (<https://docs.ntfy.sh/publish/>). The
/// buttons `POST` the signed links, so acknowledging from the phone's notification is one tap.
async fn ntfy(
    state: &AppState,
    page: &Page,
    settings: &debrief_store::oncall::UserNotify,
    msg: &Message,
) -> Result<(), Failure> {
    let Some(url) = settings.ntfy_url.as_deref() else {
        return Err(Failure::GiveUp(
            "no ntfy topic URL is set in the user's notification settings".into(),
        ));
    };
    let actions = format!(
        "http, Acknowledge, {}, method=POST, clear=true; http, Resolve, {}, method=POST, clear=true; view, Open, {}",
        msg.ack_url, msg.resolve_url, msg.page_url
    );
    let title: String = msg.subject.chars().filter(|c| !c.is_control()).collect();
    let token = settings.ntfy_token.clone();
    let body = msg.text.clone();
    let res = post(state, url, |mut r| {
        r = r
            .header(reqwest::header::CONTENT_TYPE, "text/plain; charset=utf-8")
            .header("Title", encoded_word(&title))
            .header("Priority", "urgent")
            .header("Tags", "rotating_light")
            .header("Click", &msg.page_url)
            .header("Actions", actions)
            .header("X-Debrief-Delivery", &msg.delivery_id)
            .header("X-Debrief-Page", page.id.to_string());
        if let Some(t) = &token {
            r = r.bearer_auth(t);
        }
        r.body(body)
    })
    .await?;
    status(&res, url)
}

/// Web Push to every browser the user subscribed: sent when at least one push service took
/// it; a subscription its push service says is gone (404, 410) is forgotten.
async fn web_push(
    state: &AppState,
    page: &Page,
    user_id: i64,
    msg: &Message,
) -> Result<(), Failure> {
    let subs = state
        .store
        .push_subscriptions(user_id)
        .await
        .map_err(|e| Failure::Retry(e.to_string()))?;
    if subs.is_empty() {
        return Err(Failure::GiveUp(
            "no browser is subscribed to push notifications for this user".into(),
        ));
    }
    let key = contacts::vapid_key(state)
        .await
        .map_err(|e| Failure::Retry(e.to_string()))?;
    let payload = json!({
        "title": msg.subject, "body": msg.text, "url": msg.page_url,
        "acknowledge": msg.ack_url, "resolve": msg.resolve_url,
        "tag": format!("page-{}", page.id),
    })
    .to_string();
    let subject = contacts::vapid_subject(state);
    let mut errors: Vec<String> = Vec::new();
    let mut delivered = 0;
    for s in &subs {
        let sub = crate::outbound::webpush::Subscription {
            endpoint: s.endpoint.clone(),
            p256dh: s.p256dh.clone(),
            auth: s.auth.clone(),
        };
        let req = match crate::outbound::webpush::request(
            &key,
            &sub,
            &subject,
            payload.as_bytes(),
            3600,
            "high",
            state.clock.now().as_second(),
        ) {
            Ok(r) => r,
            Err(e) => {
                let _ = state.store.set_push_error(s.id, Some(&e)).await;
                errors.push(e);
                continue;
            }
        };
        let sent = post(state, &req.url, |mut r| {
            for (name, value) in &req.headers {
                r = r.header(*name, value);
            }
            // RFC 8030 §5.4: a topic of at most 32 URL-safe characters replaces an undelivered
            // message with the same topic (a repeat of this contact).
            let topic: String = msg.delivery_id.chars().take(32).collect();
            r.header("Topic", topic).body(req.body.clone())
        })
        .await;
        match sent {
            Ok(res) if res.status().is_success() => {
                let _ = state.store.set_push_error(s.id, None).await;
                delivered += 1;
            }
            Ok(res) if matches!(res.status().as_u16(), 404 | 410) => {
                let _ = state.store.drop_push_subscription(s.id).await;
                errors.push(format!(
                    "the push service forgot a browser (HTTP {})",
                    res.status().as_u16()
                ));
            }
            Ok(res) => {
                let why = format!("HTTP {} from the push service", res.status().as_u16());
                let _ = state.store.set_push_error(s.id, Some(&why)).await;
                errors.push(why);
            }
            Err(Failure::Retry(why) | Failure::GiveUp(why) | Failure::Later(_, why)) => {
                let _ = state.store.set_push_error(s.id, Some(&why)).await;
                errors.push(why);
            }
        }
    }
    if delivered > 0 {
        Ok(())
    } else {
        Err(Failure::Retry(errors.join("; ")))
    }
}

/// A header value that may hold any text: ASCII as it is, anything else as an RFC 2047
/// encoded word (`=?UTF-8?B?…?=`), which ntfy decodes.
fn encoded_word(text: &str) -> String {
    if text.is_ascii() {
        text.to_string()
    } else {
        use base64::Engine;
        format!(
            "=?UTF-8?B?{}?=",
            base64::engine::general_purpose::STANDARD.encode(text.as_bytes())
        )
    }
}
