//! The web UI: server-rendered HTML (askama templates in `templates/`), forms that POST and
//! answer `303 See Other`, and a little hand-written JS for live timelines and local times.
//!
//! # Layout
//! - [`session`]: the UI's caller (a signed-in session, else a redirect to sign in), CSRF checks.
//! - [`form`]: reading form fields; [`field_errors`]: validation messages shown beside their
//!   fields when a form is re-rendered (no dead-end error pages for form posts);
//!   [`refused`], [`refill`]: the same for every other form, generically: a refused post renders
//!   its page again with the form refilled and the messages beside their fields.
//! - [`account`]: set-up of the first admin, sign in, sign out; [`account_links`]: the pages
//!   behind invitation and password-reset links; [`oidc`]: sign-in through the OpenID provider
//!   (start, callback); [`sign_in_settings`]: the provider's settings page.
//! - [`people`]: people (admins): invitations, roles, deactivation, reset links;
//!   [`me`]: a person's own settings (name, zone, password, API tokens).
//! - [`incidents`]: incident list, declare form, incident page and its forms;
//!   [`incident_edit`]: correcting an incident's fields, merging it into another;
//!   [`custom_values`]: custom fields in those forms and the list's filters.
//! - [`alerts`]: the alerts page (tabs, filters, paging) and each alert's page and forms;
//!   [`alert_service`]: a service's routing rule, silences and change events on it.
//! - [`integrations`]: alert integrations (admins): create, rotate, enable; keys shown once.
//! - [`meetings`]: meetings, the postmortem list, the recurring review, calendar feeds.
//! - [`oncall`], [`oncall_schedule`], [`oncall_schedule_form`], [`oncall_shift`],
//!   [`oncall_policy`], [`oncall_pages`]: on call (who is on call now, schedules and their
//!   layer forms, escalation policies, pages, my shifts and notification rules).
//! - [`page_link`]: the acknowledge and resolve links of on-call notifications.
//! - [`postmortem`]: the postmortem page (editor, workflow, action items) and the action items board.
//! - [`slack`]: Slack set-up (admins): the app manifest, the install link, the OAuth callback,
//!   the settings page (announcement channels, timeline reaction, archiving).
//! - [`incident_types`], [`teams`], [`services`], [`custom_fields`]: the catalogue's settings
//!   pages (sharing [`catalog_form`]): incident types, teams with their members, services with
//!   owner team, escalation policy, alert integrations and status page components, custom field
//!   definitions.
//! - [`settings`]: postmortem settings (policy with a 90-day replay, templates, calendar);
//!   [`template_editor`]: a postmortem template's sections as a form.
//! - [`status_pages`]: the list of status pages; [`status_publish`]: publishing an incident's
//!   public updates (proposed components, moving the incident along).
//! - [`status_page_admin`]: one page's maintenance (updates, early completion, a new window,
//!   cancellation) and subscribers; [`status_page_layout`]: its settings, branding, custom
//!   domain, components and groups.
//! - [`webhooks`]: outgoing webhook endpoints (admins): add (secret shown once), test, remove.
//! - [`view`]: view models and time formatting shared by the templates.
//! - [`picture`]: the SVG picture of an incident's phases and key moments.
//! - [`insights`], [`chart`]: the learning metrics page and its hand-written SVG charts.
//! - [`incident_insights`]: the incident insights page (MTTx, severity, services, hours,
//!   responders, action items, repeats), a chart and its numbers per section.
//! - [`search`]: the search page the header's search box opens.

pub mod account;
pub mod account_links;
pub mod alert_service;
pub mod alerts;
pub mod catalog_form;
pub mod chart;
pub mod custom_fields;
pub mod custom_values;
pub mod field_errors;
pub mod form;
pub mod incident_edit;
pub mod incident_insights;
pub mod incident_types;
pub mod incidents;
pub mod insights;
pub mod integrations;
pub mod me;
pub mod meetings;
pub mod oidc;
pub mod oncall;
pub mod oncall_pages;
pub mod oncall_policy;
pub mod oncall_schedule;
pub mod oncall_schedule_form;
pub mod oncall_shift;
pub mod page_link;
pub mod people;
pub mod picture;
pub mod postmortem;
pub mod refill;
pub mod refused;
pub mod schedule_picture;
pub mod search;
pub mod services;
pub mod session;
pub mod settings;
pub mod sign_in_settings;
pub mod slack;
mod slack_link;
pub mod status_page_admin;
pub mod status_page_layout;
pub mod status_pages;
pub mod status_publish;
pub mod teams;
pub mod template_editor;
pub mod view;
pub mod webhooks;

use crate::AppState;
use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

const APP_JS: &str = include_str!("../../static/app.js");
const APP_CSS: &str = include_str!("../../static/app.css");

/// The UI routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(account::router())
        .merge(account_links::router())
        .merge(people::router())
        .merge(me::router())
        .merge(incidents::router())
        .merge(incident_edit::router())
        .merge(alerts::router())
        .merge(alert_service::router())
        .merge(integrations::router())
        .merge(postmortem::router())
        .merge(meetings::router())
        .merge(oncall::router())
        .merge(page_link::router())
        .merge(insights::router())
        .merge(incident_insights::router())
        .merge(search::router())
        .merge(settings::router())
        .merge(template_editor::router())
        .merge(sign_in_settings::router())
        .merge(oidc::router())
        .merge(incident_types::router())
        .merge(teams::router())
        .merge(custom_fields::router())
        .merge(services::router())
        .merge(slack::router())
        .merge(webhooks::router())
        .merge(slack_link::router())
        .merge(status_pages::router())
        .merge(status_publish::router())
        .merge(status_page_admin::router())
        .merge(status_page_layout::router())
        .fallback(not_found)
        .route(
            "/static/app.js",
            get(|| async {
                (
                    [
                        (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
                        (header::CACHE_CONTROL, "public, max-age=300"),
                    ],
                    APP_JS,
                )
                    .into_response()
            }),
        )
        .route(
            "/static/app.css",
            get(|| async {
                (
                    [
                        (header::CONTENT_TYPE, "text/css; charset=utf-8"),
                        (header::CACHE_CONTROL, "public, max-age=300"),
                    ],
                    APP_CSS,
                )
                    .into_response()
            }),
        )
}

async fn not_found(uri: axum::http::Uri) -> session::UiError {
    session::UiError(crate::AppError::NotFound(format!(
        "the page {}",
        uri.path()
    )))
}
