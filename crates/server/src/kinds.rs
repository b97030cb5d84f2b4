//! The job kinds this server runs, registered in one place.
//!
//! Each kind lives beside the work it does and implements `jobs::JobKind` (its stored name,
//! typed payload, summary and how to run it); the runner in `jobs/` knows only the trait. To add
//! a kind: write the type (one file, or beside its domain), then add one line here.

use crate::jobs::{Registry, mail, webhook};

/// Every job kind, by its stored name.
pub(crate) fn registry() -> Registry {
    let mut r = Registry::default();
    r.register::<mail::EmailJob>()
        .register::<webhook::WebhookEventJob>()
        .register::<webhook::WebhookJob>()
        .register::<crate::status::notices::NoticeJob>()
        .register::<crate::status::notices::SubscriberWebhookJob>()
        .register::<crate::actions::maintenance::MaintenanceJob>();
    r
}
