//! One function per domain command, shared by the API, the UI and (later) Slack and intake.
//!
//! Each loads what it needs, lets `debrief-core` decide, persists the change and its timeline
//! events with one store call, and publishes the events to the live hub.

pub mod account;
pub mod alerts;
pub mod catalog;
pub mod catalog_edit;
pub mod custom_field;
pub mod delivery;
pub mod incident;
pub mod incident_insights;
pub mod incident_type;
pub mod insights;
pub mod maintenance;
pub mod meetings;
pub mod notify;
pub mod oidc;
pub mod oncall;
pub mod people;
pub mod policy;
pub mod postmortem;
pub mod search;
pub mod similar;
pub mod slack;
pub mod status_incident;
pub mod status_layout;
pub mod status_pages;
pub mod subscribers;
pub mod timeline;
