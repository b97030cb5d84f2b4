//! The job kinds this server runs, registered in one place.
//!
//! Each kind lives beside the work it does and implements `jobs::JobKind<AppState>` (its stored
//! name, typed payload, summary and how to run it with the state); the runner in `jobs/` knows
//! only the trait, and runs the kinds with the state it is given. E-mail and webhooks work with
//! any context and live in `jobs/`. To add a kind: write the type (one file, or beside its
//! domain), then add one line here.

use crate::AppState;
use crate::jobs::{Registry, mail, webhook};

/// Every job kind, by its stored name.
pub(crate) fn registry() -> Registry<AppState> {
    let mut r = Registry::default();
    r.register::<mail::EmailJob>()
        .register::<webhook::WebhookEventJob>()
        .register::<webhook::WebhookJob>()
        .register::<crate::status::notices::NoticeJob>()
        .register::<crate::status::notices::SubscriberWebhookJob>()
        .register::<crate::actions::maintenance::MaintenanceJob>()
        .register::<crate::actions::alerts::RouteJob>()
        .register::<crate::actions::oncall::FireJob>()
        .register::<crate::actions::oncall::SendJob>()
        .register::<crate::actions::slack::pages::PageDmsJob>()
        .register::<crate::slack_in::respond::RespondJob>()
        .register::<crate::slack_in::timeline::AddMessageJob>()
        .register::<crate::actions::slack::channels::SyncJob>()
        .register::<crate::actions::slack::announce::AnnounceJob>()
        .register::<crate::actions::slack::reminders::DmJob>();
    r
}

#[cfg(test)]
mod tests {
    use crate::AppState;
    use crate::jobs::kind::{JobKind, parse};
    use crate::jobs::{mail, webhook};
    use serde_json::{Value, json};

    /// The summary of a payload of kind `K`, which must parse.
    fn summary<K: JobKind<AppState>>(payload: Value) -> String {
        K::summary(&parse::<K, AppState>(&payload).expect("the payload parses"))
    }

    #[test]
    fn payloads_queued_before_kinds_were_types_still_parse() {
        // As the queue stored them before this change: jobs queued then run after an upgrade.
        assert_eq!(
            summary::<mail::EmailJob>(
                json!({"to": ["a@example.com"], "subject": "Hi", "text": "."})
            ),
            "e-mail to 1 recipient: Hi"
        );
        assert_eq!(
            summary::<webhook::WebhookEventJob>(json!({"event": "incident.declared", "data": {}})),
            "incident.declared to every subscribed webhook"
        );
        assert_eq!(
            summary::<webhook::WebhookJob>(json!({"endpoint_id": 3, "event": "ping",
                "delivery_id": "d", "created_at": "2026-01-01T00:00:00Z", "data": {}})),
            "ping to webhook 3"
        );
        assert_eq!(
            summary::<crate::status::notices::NoticeJob>(json!({"page_id": 2, "maintenance_id": 9,
                "changes": [{"kind": "cancelled", "maintenance_id": 9, "key": "k"}]})),
            "1 change told to the subscribers of status page 2"
        );
        assert_eq!(
            summary::<crate::status::notices::SubscriberWebhookJob>(
                json!({"url": "https://hooks.example.com/in", "body": {"page": {}}})
            ),
            "webhook to a status page subscriber"
        );
        assert_eq!(
            summary::<crate::actions::maintenance::MaintenanceJob>(
                json!({"maintenance_id": 9, "status": "verifying", "at": 1})
            ),
            "moves maintenance 9 to verifying"
        );
        // Time jobs from before windows could change name no moment.
        assert_eq!(
            summary::<crate::actions::maintenance::MaintenanceJob>(json!({"maintenance_id": 9})),
            "moves maintenance 9 on"
        );
    }

    #[test]
    fn every_kind_is_registered_under_its_stored_name() {
        assert_eq!(
            format!("{:?}", super::registry()),
            r#"{"alert.route", "email", "maintenance", "page.fire", "page.send", "slack.announce", "slack.dm", "slack.page_dms", "slack.respond", "slack.sync", "slack.timeline", "status_notice", "status_webhook", "webhook", "webhook_event"}"#
        );
    }
}
