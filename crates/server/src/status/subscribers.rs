//! Subscribers of a status page: e-mail with double opt-in and one-click unsubscribe, and
//! webhooks in Statuspage's subscriber webhook format (what they receive, and how, is
//! [`super::notices`]). As on Statuspage, a webhook names a contact e-mail address, which
//! confirms it by the same double opt-in (nothing is delivered before) and is told once when
//! its deliveries keep failing. A webhook URL whose host is a refused address (loopback,
//! private, …) is refused here; one whose name resolves to such an address is refused at
//! delivery (see [`crate::outbound`]).
//!
//! Subscribing never tells whether an address is already subscribed: every well-formed request
//! gets the same answer. It is rate-limited per page, and a confirmation is re-sent to one
//! address at most once an hour.

use crate::auth::{hash_secret, new_secret};
use crate::jobs::{EmailMessage, send_email};
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use debrief_core::validation::ValidationError;
use debrief_store::status_page::{StatusPage, Subscriber};
use serde_json::json;

/// A subscription request.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscribeInput {
    /// An e-mail address (confirmed by a link sent to it); with `webhook_url`, the webhook's
    /// contact (needed: it confirms the webhook and hears when deliveries fail).
    pub email: Option<String>,
    /// A webhook URL (http or https) that receives Statuspage subscriber webhooks once its
    /// contact confirmed.
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

pub(super) fn base(state: &AppState, page: &StatusPage) -> String {
    format!("{}/status/{}", state.config.public_url, page.slug)
}

/// `POST /status/{slug}/subscribe`.
pub async fn subscribe(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    crate::request::ApiJson(input): crate::request::ApiJson<SubscribeInput>,
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
    let email = input.email.as_deref().map(str::trim);
    let email_ok = email.is_some_and(valid_email);
    if email.is_some() && !email_ok {
        e.push("email", "is not an e-mail address");
    }
    let email = email.filter(|_| email_ok).map(str::to_lowercase);
    // A webhook needs a contact address, as on Statuspage: it confirms the subscription
    // (so a stranger cannot point a page's notifications at any URL without a mailbox that
    // answers) and hears when deliveries keep failing.
    let (kind, address, contact) = match input.webhook_url.as_deref().map(str::trim) {
        Some(url) => {
            if url.len() > 2000 {
                e.push("webhook_url", "must be at most 2000 characters");
            } else if let Err(refusal) = state.config.destinations.check_url(url) {
                e.push("webhook_url", refusal.to_string());
            }
            if input.email.is_none() {
                e.push(
                    "email",
                    "a webhook subscription needs a contact e-mail address: it confirms the \
                     subscription and hears when deliveries fail",
                );
            }
            ("webhook", url.to_string(), email)
        }
        None => {
            if input.email.is_none() {
                e.push(
                    "email",
                    "give an e-mail address (and a webhook_url for a webhook)",
                );
            }
            ("email", email.unwrap_or_default(), None)
        }
    };
    for (i, id) in input.components.iter().enumerate() {
        if !components.iter().any(|c| c.id == *id) {
            e.push_missing(
                format!("components[{i}]"),
                format!("no component {id} on this page"),
            );
        }
    }
    e.into_result(())?;
    if !state.subscribers.page_allows(&slug) {
        return Err(AppError::TooManyRequests {
            detail: "too many subscriptions to this page just now; try again in a minute".into(),
            retry_after_secs: 60,
        });
    }
    let answer = match kind {
        "email" => "If this address can be subscribed, a confirmation link is on its way.",
        _ => {
            "If this URL can be subscribed, a confirmation link is on its way to the contact \
             address; nothing is sent to the URL before it is confirmed."
        }
    };
    if !state
        .subscribers
        .address_allows(&format!("{slug}:{kind}:{address}"))
    {
        return Ok(answer);
    }
    let now = state.clock.now();
    let unsubscribe = new_secret();
    let confirm = new_secret();
    let subscriber = Subscriber {
        id: 0,
        page_id: page.id,
        kind: kind.into(),
        address: address.clone(),
        contact_email: contact.clone(),
        components: input.components.clone(),
        confirmed_at: None,
        unsubscribed_at: None,
        unsubscribe_token: unsubscribe.clone(),
        created_at: now,
    };
    let stored = state
        .store
        .subscribe(&subscriber, Some(&hash_secret(&confirm)), now)
        .await?;
    if let Some(s) = stored {
        let b = base(&state, &page);
        let links = format!(
            "Confirm: {b}/confirm?token={confirm}\n\n\
             If it was not you, ignore this message: nothing will be sent.\n\
             Unsubscribe at any time: {b}/unsubscribe?token={unsubscribe}\n"
        );
        let message = match contact {
            Some(contact) => EmailMessage {
                to: vec![contact],
                subject: format!("Confirm the webhook subscription to {} status", page.name),
                text: format!(
                    "Someone (hopefully you) asked to send {} status notifications to the \
                     webhook {}, with this address as its contact. Nothing is sent to it until \
                     you confirm; if its deliveries keep failing, you will hear about it here.\n\n\
                     {links}",
                    page.name,
                    crate::jobs::webhook::shown_url(&address)
                ),
                html: None,
                attachments: Vec::new(),
                headers: Default::default(),
            },
            None => EmailMessage {
                to: vec![address],
                subject: format!("Confirm your subscription to {} status", page.name),
                text: format!(
                    "Someone (hopefully you) asked to receive {} status notifications at this \
                     address.\n\n{links}",
                    page.name
                ),
                html: None,
                attachments: Vec::new(),
                headers: Default::default(),
            },
        };
        send_email(&state, &format!("status-confirm:{}", s.id), &message, now).await?;
    }
    Ok(answer)
}

/// The e-mail that tells a webhook's contact its deliveries keep failing, once per
/// subscription, when one of them is given up (a `status_webhook` job is dead). Webhooks made
/// before contacts existed have nobody to tell.
pub(crate) async fn tell_contact_of_failure(
    state: &AppState,
    subscriber_id: i64,
    reason: &str,
) -> Result<(), AppError> {
    let s = match state.store.subscriber(subscriber_id).await {
        Ok(s) => s,
        Err(debrief_store::StoreError::NotFound(_)) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let Some(contact) = s
        .contact_email
        .clone()
        .filter(|_| s.unsubscribed_at.is_none())
    else {
        return Ok(());
    };
    let page = state.store.page(s.page_id).await?;
    let b = base(state, &page);
    let message = EmailMessage {
        to: vec![contact],
        subject: format!("Webhook deliveries from {} status are failing", page.name),
        text: format!(
            "{} status could not deliver a notification to the webhook {}, and has given up \
             on it: {reason}\n\nLater notifications are still tried. Unsubscribe the webhook: \
             {b}/unsubscribe?token={}\n",
            page.name,
            crate::jobs::webhook::shown_url(&s.address),
            s.unsubscribe_token
        ),
        html: None,
        attachments: Vec::new(),
        headers: Default::default(),
    };
    send_email(
        state,
        &format!("{FAILING_KEY}:{}", s.id),
        &message,
        state.clock.now(),
    )
    .await?;
    Ok(())
}

/// The dedupe key prefix of the e-mail that tells a webhook's contact of failing deliveries
/// (`status-failing:{subscriber id}`: once per subscription).
pub(crate) const FAILING_KEY: &str = "status-failing";

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
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\
         <link rel=\"stylesheet\" href=\"/static/app.css\"></head>\
         <body class=\"notice\"><h1>{}</h1><p>{}</p>{form}</body></html>",
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
        .confirm_subscriber(&hash_secret(&q.token), state.clock.now())
        .await?;
    Ok(match ok {
        true => page_html(
            "Subscribed",
            "This page's notifications will be sent as you asked.",
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
    state.store.unsubscribe(&q.token, state.clock.now()).await?;
    // The same answer whether or not the token matched: tokens are not to be probed.
    Ok(page_html(
        "Unsubscribed",
        "You will not receive this page's notifications any more.",
        None,
    )
    .into_response())
}

/// The subscriber a delivery's dedupe key names, if any.
pub(crate) fn subscriber_of(key: &str) -> Option<i64> {
    key.rsplit_once(":subscriber-")
        .map(|(_, id)| id)
        .or_else(|| key.strip_prefix(&format!("{}:status-confirm:", crate::jobs::EMAIL_KIND)))
        .or_else(|| key.strip_prefix(&format!("{}:{FAILING_KEY}:", crate::jobs::EMAIL_KIND)))
        .and_then(|id| id.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::subscriber_of;

    #[test]
    fn a_delivery_key_names_its_subscriber() {
        assert_eq!(
            subscriber_of("status_webhook:status:1:update:5:subscriber-12"),
            Some(12)
        );
        assert_eq!(
            subscriber_of("email:status:1:maintenance:3:v2:subscriber-4"),
            Some(4)
        );
        assert_eq!(subscriber_of("email:status-confirm:9"), Some(9));
        assert_eq!(subscriber_of("email:status-failing:7"), Some(7));
        assert_eq!(subscriber_of("email:postmortem:3"), None);
    }
}
