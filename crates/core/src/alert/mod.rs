//! Alert intake: the wire formats of the tools that send alerts, parsed into one [`Signal`],
//! the answers those tools expect back, and the deduplication rule.
//!
//! Existing monitoring keeps working by changing one URL: Debrief accepts what PagerDuty,
//! Alertmanager, Grafana and Opsgenie receivers already send, validates it the way the original
//! service does, and answers with the original's bodies, so the senders' clients (which check
//! fields such as `dedup_key` in the answer) are satisfied. Scripts and heartbeats that are
//! written for Debrief use the [`generic`] format.
//!
//! Everything here is pure: bodies come in as bytes, results go out as values. The server reads
//! the request, calls a parser, asks [`dedup::decide`] what the signal means for the open alert
//! with the same key, stores the result and renders the answer built here.
//!
//! # Layout
//! - [`types`]: the normalized vocabulary: [`Signal`], [`SignalAction`], [`AlertStatus`],
//!   [`AlertSeverity`], [`Link`], [`Image`], [`ChangeEvent`].
//! - [`pagerduty`]: PagerDuty Events API v2 (alert and change events), the legacy v1 generic
//!   API, and PagerDuty's success and error bodies.
//! - [`alertmanager`]: the Prometheus Alertmanager webhook (version 4), one [`Signal`] per
//!   alert, and the Grafana variant of the same body.
//! - [`grafana`]: telling Grafana's webhook (version 1) from Alertmanager's, and Grafana's
//!   optional HMAC signature.
//! - [`opsgenie`]: the Opsgenie Alert API v2 (create, acknowledge, close, add note), its
//!   answers and its request-status documents.
//! - [`generic`]: Debrief's own JSON format for scripts and heartbeats.
//! - [`dedup`]: what an incoming action does to the open alert with the same dedup key.
//! - [`routing`]: what a recorded alert does (open or join an incident, or only page), and
//!   which group it belongs to.
//!
//! # Where the formats were checked
//! Captured bodies of Alertmanager 0.25, `pdpyras` 5.4.1 and `pagerduty` 7.2.0 are the test
//! fixtures (`tests/fixtures/alert/`). PagerDuty's, Opsgenie's and Grafana's published
//! documentation gave the rest; each module says which of its error strings are the originals'
//! own words and which are written in their style.

pub mod alertmanager;
pub mod dedup;
mod fields;
pub mod generic;
pub mod grafana;
pub mod opsgenie;
pub mod pagerduty;
pub mod routing;
pub mod types;

pub use dedup::{DedupOutcome, decide};
pub use types::{
    AlertSeverity, AlertStatus, ChangeEvent, DEFAULT_SEVERITY, Image, Link, Signal, SignalAction,
};

#[cfg(test)]
mod tests;
