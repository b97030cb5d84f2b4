//! Subscribers of a status page, for admins: who they are (addresses shown, tokens never), what
//! they follow, where they stand, and how their deliveries fare; removing one.
//!
//! Delivery failures are read from the job queue by the dedupe keys
//! [`notices`](crate::status::notices) gives each subscriber's deliveries
//! (`…:subscriber-{id}`), its confirmation (`email:status-confirm:{id}`) and the notice to a
//! webhook's contact that deliveries fail (`email:status-failing:{id}`).

use crate::auth::Actor;
use crate::jobs::EMAIL_KIND;
use crate::status::notices::WEBHOOK_KIND;
use crate::status::subscribers::FAILING_KEY;
use crate::{AppError, AppState};
use debrief_core::Timestamp;
use debrief_core::access::AccountRole;
use debrief_store::status_page::Subscriber;
use serde::Serialize;
use std::collections::HashMap;

/// A subscriber as admins see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubscriberView {
    /// Its number.
    pub id: i64,
    /// `email` or `webhook`.
    pub kind: String,
    /// The e-mail address or the webhook URL.
    pub address: String,
    /// A webhook's contact e-mail address (it confirmed the subscription and hears when
    /// deliveries fail); `None` for e-mail subscribers and webhooks made before contacts.
    pub contact_email: Option<String>,
    /// `page` (everything on it) or `components` (only those listed).
    pub scope: &'static str,
    /// The components it follows (empty for the whole page).
    pub components: Vec<i64>,
    /// `pending` (not confirmed yet: an e-mail address, or a webhook's contact), `confirmed`,
    /// or `unsubscribed`.
    pub state: &'static str,
    /// When it subscribed (or last asked again).
    #[serde(with = "debrief_core::ts")]
    pub created_at: Timestamp,
    /// When it (a webhook: its contact) confirmed.
    #[serde(with = "debrief_core::ts_opt")]
    pub confirmed_at: Option<Timestamp>,
    /// When it unsubscribed.
    #[serde(with = "debrief_core::ts_opt")]
    pub unsubscribed_at: Option<Timestamp>,
    /// Its deliveries that failed and wait for a retry.
    pub failing_deliveries: i64,
    /// Its deliveries that were given up.
    pub dead_deliveries: i64,
}

impl SubscriberView {
    fn new(s: Subscriber, failures: (i64, i64)) -> Self {
        Self {
            id: s.id,
            kind: s.kind,
            address: s.address,
            contact_email: s.contact_email,
            scope: if s.components.is_empty() {
                "page"
            } else {
                "components"
            },
            components: s.components,
            state: match (s.confirmed_at, s.unsubscribed_at) {
                (_, Some(_)) => "unsubscribed",
                (Some(_), None) => "confirmed",
                (None, None) => "pending",
            },
            created_at: s.created_at,
            confirmed_at: s.confirmed_at,
            unsubscribed_at: s.unsubscribed_at,
            failing_deliveries: failures.0,
            dead_deliveries: failures.1,
        }
    }
}

/// Lists a page's subscribers, oldest first, with their delivery failures (admins).
pub async fn list_subscribers(
    state: &AppState,
    actor: &Actor,
    page_slug: &str,
) -> Result<Vec<SubscriberView>, AppError> {
    actor.require(AccountRole::Admin)?;
    let page = state.store.page_by_slug(page_slug).await?;
    let subscribers = state.store.subscribers(page.id).await?;
    let patterns = [
        format!("{EMAIL_KIND}:status:{}:%", page.id),
        format!("{WEBHOOK_KIND}:status:{}:%", page.id),
        format!("{EMAIL_KIND}:status-confirm:%"),
        format!("{EMAIL_KIND}:{FAILING_KEY}:%"),
    ];
    let patterns: Vec<&str> = patterns.iter().map(String::as_str).collect();
    let mut failures: HashMap<i64, (i64, i64)> = HashMap::new();
    for (key, status) in state.store.failing_jobs(&patterns).await? {
        if let Some(id) = crate::status::subscribers::subscriber_of(&key) {
            let f = failures.entry(id).or_default();
            match status.as_str() {
                "dead" => f.1 += 1,
                _ => f.0 += 1,
            }
        }
    }
    Ok(subscribers
        .into_iter()
        .map(|s| {
            let f = failures.get(&s.id).copied().unwrap_or_default();
            SubscriberView::new(s, f)
        })
        .collect())
}

/// Removes a subscriber of a page (admins): it gets nothing more, not even what was queued for
/// it already.
pub async fn remove_subscriber(
    state: &AppState,
    actor: &Actor,
    page_slug: &str,
    id: i64,
) -> Result<(), AppError> {
    actor.require(AccountRole::Admin)?;
    let page = state.store.page_by_slug(page_slug).await?;
    let deliveries = format!("%:subscriber-{id}");
    let confirmation = format!("{EMAIL_KIND}:status-confirm:{id}");
    let failing = format!("{EMAIL_KIND}:{FAILING_KEY}:{id}");
    state
        .store
        .remove_subscriber(
            page.id,
            id,
            &[&deliveries, &confirmation, &failing],
            state.clock.now(),
        )
        .await
        .map_err(|e| match e {
            debrief_store::StoreError::NotFound(_) => {
                AppError::NotFound(format!("subscriber {id} of '{page_slug}'"))
            }
            e => e.into(),
        })?;
    tracing::info!(
        status_page.slug = %page.slug,
        subscriber.id = id,
        "Removed subscriber {id} of status page {}",
        page.slug
    );
    Ok(())
}
