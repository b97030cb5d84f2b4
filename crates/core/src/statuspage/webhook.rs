//! Subscriber webhooks in Statuspage's format: what a page POSTs to a subscriber's URL when an
//! incident (or maintenance) is created or updated, or a component changes state.
//!
//! The shapes are those Statuspage actually sends (as captured by receivers such as Zulip's
//! Statuspage integration), which carry more incident fields than the public v2 API:
//! `postmortem_*`, `scheduled_*`, `backfilled`, `impact_override`, and per update
//! `wants_twitter_update`/`twitter_updated_at`; webhook components carry fewer fields than v2
//! ones. Receivers tell the two kinds apart by the presence of `incident` or `component`.
//! Incident updates are newest first (receivers read `incident_updates[0]` as the latest).

use super::build;
use super::input::PageInput;
use super::rules::PageStatus;
use super::v2::{AffectedComponent, Component, IncidentUpdate};
use super::{ComponentState, Impact, Indicator, MaintenanceStatus, UpdateStatus};
use crate::Timestamp;
use serde::{Deserialize, Serialize};

/// Where the receiver can unsubscribe and read about the format, and when it was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    /// The subscriber's unsubscribe URL.
    pub unsubscribe: String,
    /// Where the payload format is documented.
    pub documentation: String,
    /// When the payload was made.
    #[serde(with = "crate::ts")]
    pub generated_at: Timestamp,
}

/// The page's status at the time of the event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookPage {
    /// The page's id.
    pub id: String,
    /// The page-wide indicator.
    pub status_indicator: Indicator,
    /// The page-wide description.
    pub status_description: String,
}

/// An incident's status or a maintenance's, as one field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum EventStatus {
    /// An incident's status.
    Incident(UpdateStatus),
    /// A maintenance's status.
    Maintenance(MaintenanceStatus),
}

/// One update inside a webhook's incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookUpdate {
    /// The status it moved to.
    pub status: EventStatus,
    /// The text for customers.
    pub body: String,
    /// When it was posted.
    #[serde(with = "crate::ts")]
    pub created_at: Timestamp,
    /// Always `false`.
    pub wants_twitter_update: bool,
    /// Always `null`.
    #[serde(with = "crate::ts_opt")]
    pub twitter_updated_at: Option<Timestamp>,
    /// When it was last edited.
    #[serde(with = "crate::ts")]
    pub updated_at: Timestamp,
    /// The time shown for it.
    #[serde(with = "crate::ts")]
    pub display_at: Timestamp,
    /// The components it changed; `null` when none.
    pub affected_components: Option<Vec<AffectedComponent>>,
    /// Always `null`.
    pub custom_tweet: Option<String>,
    /// Whether subscribers are notified.
    pub deliver_notifications: bool,
    /// Its id.
    pub id: String,
    /// The incident's id.
    pub incident_id: String,
}

/// A component as webhooks show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookComponent {
    /// Its current state.
    pub status: ComponentState,
    /// Its name.
    pub name: String,
    /// When it was created.
    #[serde(with = "crate::ts")]
    pub created_at: Timestamp,
    /// When it last changed.
    #[serde(with = "crate::ts")]
    pub updated_at: Timestamp,
    /// Sort order.
    pub position: i64,
    /// Optional text.
    pub description: Option<String>,
    /// Whether it is shown.
    pub showcase: bool,
    /// Its id.
    pub id: String,
    /// The page's id.
    pub page_id: String,
    /// Its group's id.
    pub group_id: Option<String>,
}

/// An incident or maintenance as webhooks show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookIncident {
    /// Its title.
    pub name: String,
    /// Its status.
    pub status: EventStatus,
    /// When it was published.
    #[serde(with = "crate::ts")]
    pub created_at: Timestamp,
    /// When it last changed.
    #[serde(with = "crate::ts")]
    pub updated_at: Timestamp,
    /// When it moved to monitoring.
    #[serde(with = "crate::ts_opt")]
    pub monitoring_at: Option<Timestamp>,
    /// When it was resolved (or completed).
    #[serde(with = "crate::ts_opt")]
    pub resolved_at: Option<Timestamp>,
    /// Its impact.
    pub impact: Impact,
    /// Its public URL.
    pub shortlink: String,
    /// Always `false`.
    pub postmortem_ignored: bool,
    /// Always `null`.
    pub postmortem_body: Option<String>,
    /// Always `null`.
    #[serde(with = "crate::ts_opt")]
    pub postmortem_body_last_updated_at: Option<Timestamp>,
    /// Always `null`.
    #[serde(with = "crate::ts_opt")]
    pub postmortem_published_at: Option<Timestamp>,
    /// Always `false`.
    pub postmortem_notified_subscribers: bool,
    /// Always `false`.
    pub postmortem_notified_twitter: bool,
    /// Always `false`.
    pub backfilled: bool,
    /// The maintenance window's start; `null` for incidents.
    #[serde(with = "crate::ts_opt")]
    pub scheduled_for: Option<Timestamp>,
    /// The maintenance window's end; `null` for incidents.
    #[serde(with = "crate::ts_opt")]
    pub scheduled_until: Option<Timestamp>,
    /// Always `false`.
    pub scheduled_remind_prior: bool,
    /// Always `null`.
    #[serde(with = "crate::ts_opt")]
    pub scheduled_reminded_at: Option<Timestamp>,
    /// Always `null` (the impact is already final).
    pub impact_override: Option<Impact>,
    /// Whether maintenance moves to in progress on time (always `true` for maintenance).
    pub scheduled_auto_in_progress: bool,
    /// Whether maintenance completes on time (always `true` for maintenance).
    pub scheduled_auto_completed: bool,
    /// Its id.
    pub id: String,
    /// The page's id.
    pub page_id: String,
    /// Its updates, newest first.
    pub incident_updates: Vec<WebhookUpdate>,
    /// The components it affects.
    pub components: Vec<WebhookComponent>,
}

/// The change of one component's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentUpdate {
    /// The state before.
    pub old_status: ComponentState,
    /// The state after.
    pub new_status: ComponentState,
    /// When it changed.
    #[serde(with = "crate::ts")]
    pub created_at: Timestamp,
    /// Always `"Component"`.
    pub component_type: String,
    /// The change's id.
    pub id: String,
    /// The component's id.
    pub component_id: String,
}

/// The payload for an incident or maintenance that was created or updated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentWebhook {
    /// Unsubscribe and documentation links.
    pub meta: Meta,
    /// The page's status.
    pub page: WebhookPage,
    /// The incident.
    pub incident: WebhookIncident,
}

/// The payload for a component that changed state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentWebhook {
    /// Unsubscribe and documentation links.
    pub meta: Meta,
    /// The page's status.
    pub page: WebhookPage,
    /// The change.
    pub component_update: ComponentUpdate,
    /// The component, with its new state.
    pub component: WebhookComponent,
}

impl From<&Component> for WebhookComponent {
    fn from(c: &Component) -> Self {
        WebhookComponent {
            status: c.status,
            name: c.name.clone(),
            created_at: c.created_at,
            updated_at: c.updated_at,
            position: c.position,
            description: c.description.clone(),
            showcase: c.showcase,
            id: c.id.clone(),
            page_id: c.page_id.clone(),
            group_id: c.group_id.clone(),
        }
    }
}

fn update<S: Copy>(u: &IncidentUpdate<S>, status: fn(S) -> EventStatus) -> WebhookUpdate {
    WebhookUpdate {
        status: status(u.status),
        body: u.body.clone(),
        created_at: u.created_at,
        wants_twitter_update: false,
        twitter_updated_at: None,
        updated_at: u.updated_at,
        display_at: u.display_at,
        affected_components: u.affected_components.clone(),
        custom_tweet: None,
        deliver_notifications: u.deliver_notifications,
        id: u.id.clone(),
        incident_id: u.incident_id.clone(),
    }
}

fn page_of(p: &PageInput, now: Timestamp) -> WebhookPage {
    let s = build::status(p, now);
    WebhookPage {
        id: p.id.clone(),
        status_indicator: s.indicator,
        status_description: s.description,
    }
}

/// The payload for incident (or maintenance) `id` on page `p` at `now`; `None` if there is no
/// such incident or maintenance.
pub fn incident_webhook(
    p: &PageInput,
    id: &str,
    meta: Meta,
    now: Timestamp,
) -> Option<IncidentWebhook> {
    let incident = if let Some(i) = p.incidents.iter().find(|i| i.id == id) {
        let i = build::incident(p, i);
        WebhookIncident {
            name: i.name,
            status: EventStatus::Incident(i.status),
            created_at: i.created_at,
            updated_at: i.updated_at,
            monitoring_at: i.monitoring_at,
            resolved_at: i.resolved_at,
            impact: i.impact,
            shortlink: i.shortlink,
            postmortem_ignored: false,
            postmortem_body: None,
            postmortem_body_last_updated_at: None,
            postmortem_published_at: None,
            postmortem_notified_subscribers: false,
            postmortem_notified_twitter: false,
            backfilled: false,
            scheduled_for: None,
            scheduled_until: None,
            scheduled_remind_prior: false,
            scheduled_reminded_at: None,
            impact_override: None,
            scheduled_auto_in_progress: false,
            scheduled_auto_completed: false,
            id: i.id,
            page_id: i.page_id,
            incident_updates: i
                .incident_updates
                .iter()
                .map(|u| update(u, EventStatus::Incident))
                .collect(),
            components: i.components.iter().map(WebhookComponent::from).collect(),
        }
    } else {
        let m = p.maintenances.iter().find(|m| m.id == id)?;
        let m = build::maintenance(p, m, now);
        WebhookIncident {
            name: m.name,
            status: EventStatus::Maintenance(m.status),
            created_at: m.created_at,
            updated_at: m.updated_at,
            monitoring_at: m.monitoring_at,
            resolved_at: m.resolved_at,
            impact: m.impact,
            shortlink: m.shortlink,
            postmortem_ignored: false,
            postmortem_body: None,
            postmortem_body_last_updated_at: None,
            postmortem_published_at: None,
            postmortem_notified_subscribers: false,
            postmortem_notified_twitter: false,
            backfilled: false,
            scheduled_for: Some(m.scheduled_for),
            scheduled_until: Some(m.scheduled_until),
            scheduled_remind_prior: false,
            scheduled_reminded_at: None,
            impact_override: None,
            scheduled_auto_in_progress: true,
            scheduled_auto_completed: true,
            id: m.id,
            page_id: m.page_id,
            incident_updates: m
                .incident_updates
                .iter()
                .map(|u| update(u, EventStatus::Maintenance))
                .collect(),
            components: m.components.iter().map(WebhookComponent::from).collect(),
        }
    };
    Some(IncidentWebhook {
        meta,
        page: page_of(p, now),
        incident,
    })
}

/// The payload for a change of component `component_id`'s state (`change_id` names the
/// change); the component is shown as it is now on `p`. `None` if there is no such component.
pub fn component_webhook(
    p: &PageInput,
    component_id: &str,
    change_id: &str,
    old: ComponentState,
    new: ComponentState,
    at: Timestamp,
    meta: Meta,
) -> Option<ComponentWebhook> {
    let c = build::components(p)
        .into_iter()
        .find(|c| c.id == component_id)?;
    Some(ComponentWebhook {
        page: page_of(p, meta.generated_at),
        meta,
        component_update: ComponentUpdate {
            old_status: old,
            new_status: new,
            created_at: at,
            component_type: "Component".into(),
            id: change_id.into(),
            component_id: component_id.into(),
        },
        component: WebhookComponent::from(&c),
    })
}

/// The [`PageStatus`] a webhook's `page` shows, for callers that keep their own.
pub fn webhook_page(id: &str, s: PageStatus) -> WebhookPage {
    WebhookPage {
        id: id.into(),
        status_indicator: s.indicator,
        status_description: s.description.into(),
    }
}

#[cfg(test)]
mod tests;
