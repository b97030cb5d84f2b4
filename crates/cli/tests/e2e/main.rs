//! End-to-end tests: the real server (in-process, or the real binary) on a random loopback port,
//! over real SQLite files and a real PostgreSQL server, driven over HTTP.
//!
//! Every test runs on both backends (see [`harness::e2e_test!`]). PostgreSQL needs
//! `DEBRIEF_TEST_DATABASE_URL` (`scripts/test` sets it); without it those tests fail, never skip.
//!
//! # Layout
//! - [`harness`]: `spawn_app`, `TestApp` and its helpers, problem checks, the `e2e_test!` macro.
//! - [`sse`]: a client for the live event streams; [`schema`]: a JSON Schema validator.
//! - [`scripted_run`]: an incident run with given times, and its metrics worked out by hand.
//! - [`bad_input`], [`refusals`], [`unknown_and_stale`]: every refused request is a problem
//!   document and changes nothing.
//! - [`concurrency`]: unique references (gap-free on SQLite), no lost updates.
//! - [`privacy`]: private incidents stay invisible to outsiders everywhere.
//! - [`search`]: full-text search: kinds, ranking, highlights, privacy, re-indexing, odd input.
//! - [`live`]: live streams catch up after a reconnect.
//! - [`incident_ops`]: timeline edits and stars, merges, roles.
//! - [`durability`]: `kill -9` of the real binary loses no acknowledged write.
//! - [`cli`], [`cli_postmortem`], [`cli_alerts`]: the binary's client commands against a server.
//! - [`cli_oncall`]: `debrief oncall`, `page`, `schedule` and `policy` against a server.
//! - [`openapi`], [`openapi_answers`]: the OpenAPI document lists every route, answers match it.
//! - [`openapi_oncall`]: answers of the on-call routes (schedules, policies, pages, notification
//!   settings) match the document.
//! - [`accounts`], [`export`]: set-up, sign-in limits, incident export.
//! - [`catalog`]: incident types, teams with members, services with owner, policy and
//!   status page components over the API; [`custom_fields`]: custom field definitions and
//!   values (validation, timeline, `cf.` filter, export); [`ui_catalog`]: the catalogue built
//!   in the browser.
//! - [`sign_in_load`]: hundreds of concurrent sign-ins keep the binary's memory bounded; limits per address.
//! - [`csrf`]: cookie sessions need the CSRF token and the same origin; bearer tokens do not.
//! - [`ssrf`]: no request to loopback, private or metadata addresses, however written; an
//!   allowed network gets its deliveries; public webhook subscriptions need a confirmed contact.
//! - [`browser`], [`ui`]: the web UI in headless Chromium (chromedriver).
//! - [`ui_alerts`]: alerts, integrations (keys shown once) and a service's alerting in the browser.
//! - [`ui_status_admin`]: a status page's admin screen and publishing that resolves, in Chromium.
//! - [`ui_contrast`]: text buttons meet WCAG AA contrast; checkboxes in forms keep their size.
//! - [`oncall_escalation`]: alert → page → e-mail and webhook → level 2 by ntfy and e-mail →
//!   the acknowledge link → nothing more, with time moved.
//! - [`oncall_rules`]: who is on call around DST changes, final schedules, escalation with
//!   repeats, schedule targets, DST mid-escalation and an acknowledgement at a level's instant.
//! - [`oncall_push`]: Web Push checked and decrypted by the real Python libraries.
//! - [`oncall_servers`]: two real servers on PostgreSQL with a shared moved clock, one killed
//!   mid-send, one restarted: every contact made once (the cut-off one again, same id).
//! - [`oncall_sources`]: declared incidents page by severity and resolve their pages; failed
//!   deliveries retried with their reason; unreachable users flagged.
//! - [`ui_oncall`]: on call in the browser: schedules (picture, taking and swapping shifts),
//!   policies, pages acknowledged from their page, who is on call now.
//! - [`ui_oidc`]: sign-in through a real OpenID provider (`oidc-provider` from npm) in the
//!   browser: set-up, linking by e-mail, role mapping, password sign-in off, refusals; the
//!   state single-use and bound to the browser; the lockout rule and the break-glass flag.
//! - [`ui_oncall_edit`]: schedules changed in the browser: layers, restrictions, deletion.
//! - [`statuspage_v2`]: every Statuspage v2 document of a rich page, read by a strict reader
//!   (`scripts/statuspage-v2-check`).
//! - [`status_admin`]: a page's admin screen (settings, components, groups) and its custom domain.
//! - [`status_publish`]: the publish form proposes components and moves the incident along.
//! - [`status_public`]: status pages as a strict reader sees them: opaque ids, the
//!   `maintenance` indicator, pages that follow time without a write, the Atom feed's address.
//! - [`multi_instance`]: two servers sharing one PostgreSQL database.
//! - [`readiness`]: an unreachable PostgreSQL is a 503 with Retry-After; the server recovers.
//! - [`maintenance_ops`], [`maintenance_cancel`]: maintenance after scheduling: updates, early
//!   completion, a new window, cancellation, refused moves.
//! - [`subscriber_admin`]: admins list and remove a page's subscribers; the page's admin screen.
//! - [`alerts_alertmanager`]: a real Alertmanager's webhook and PagerDuty receivers pointed at
//!   the server: alert states and counts, mixed groups, re-fires, detection at `startsAt`.
//! - [`alerts_pagerduty`]: PagerDuty's Python clients (`pdpyras`, `pagerduty`) against the
//!   Events API v2: dedup rules, generated keys, change events on the incident's timeline.
//! - [`alerts_pagerduty_cli`]: the `pagerduty` command line and library over HTTPS (the binary
//!   with `--tls-cert`/`--tls-key`); plain HTTP and broken handshakes on the TLS port.
//! - [`alerts_replay`], [`alerts_replay_docs`]: captured and documented bodies (Alertmanager,
//!   PagerDuty, Grafana, Opsgenie, generic) replayed byte for byte; malformed ones refused.
//! - [`alerts_rotation`]: rotated integration keys overlap, then the old one is refused.
//! - [`alerts_burst`]: `kill -9` mid-burst of PagerDuty triggers loses no event answered 202.
//! - [`jobs`]: the job queue: e-mail to a real SMTP server, signed webhooks, retries, dead
//!   deliveries, dedupe keys, a restart, two servers on one PostgreSQL database.
//! - [`slack_fake`]: the fake Slack Web API (`harness::FakeSlack`) driven by Slack's own
//!   `slack_sdk`, and the server's `SlackClient` against it: errors, 429 storms, secrets;
//!   [`slack_fake_channel`]: an incident channel's life on the fake, with Slack's error codes.
//! - [`slack_pages`]: pages as Slack DMs: buttons that acknowledge and resolve, DMs that follow
//!   changes made elsewhere, a 429 storm that loses no DM.
//! - [`slack_channels`]: a channel per incident: created, named, invited, topic, pinned
//!   summary kept current, changes and the postmortem decision posted, archived on close (a
//!   channel archived in Slack is left alone); a 429 storm delays but loses nothing.
//! - [`slack_announce`]: new incidents announced per severity (never private ones), the Slack
//!   settings API and web page, reminders in Slack DMs.
//! - [`slack_install`]: installing the Slack app: manifest, OAuth v2 with a single-use state,
//!   the bot token sealed at rest, Slack users matched by e-mail.
//! - [`slack_requests`]: Slack's signed requests: forged, stale and replayed ones refused,
//!   `url_verification`, retried events taken once; [`slack_commands`]: every `/inc` command end
//!   to end (the declare and update modals included); [`slack_declare_fields`]: the declare
//!   modal's custom field inputs; [`slack_timeline`]: reactions and pins
//!   add channel messages to the timeline with their author, permalink and time, once.

#![expect(
    clippy::string_slice,
    reason = "tests slice text at boundaries they just found"
)]

mod a11y;
mod accounts;
mod alerts_alertmanager;
mod alerts_burst;
mod alerts_pagerduty;
mod alerts_pagerduty_cli;
mod alerts_privacy;
mod alerts_replay;
mod alerts_replay_docs;
mod alerts_rotation;
mod alerts_throttle;
mod bad_input;
mod browser;
mod calendar_privacy;
mod catalog;
mod cli;
mod cli_alerts;
mod cli_oncall;
mod cli_postmortem;
mod concurrency;
mod csrf;
mod custom_fields;
mod durability;
mod export;
mod harness;
mod headers;
mod incident_ops;
mod insights;
mod insights_incidents;
mod insights_seed;
mod jobs;
mod jobs_queue;
mod jobs_registry;
mod jobs_restart;
mod live;
mod maintenance_cancel;
mod maintenance_ops;
mod metrics;
mod multi_instance;
mod oncall_escalation;
mod oncall_push;
mod oncall_rules;
mod oncall_servers;
mod oncall_sources;
mod openapi;
mod openapi_alerts;
mod openapi_answers;
mod openapi_oncall;
mod openapi_postmortem;
mod people;
mod policy;
mod postmortem;
mod postmortem_admin;
mod postmortem_decision;
mod privacy;
mod readiness;
mod refusals;
mod reminders;
mod schema;
mod scripted_run;
mod search;
mod sign_in_load;
mod similar;
mod slack_announce;
mod slack_channels;
mod slack_commands;
mod slack_declare_fields;
mod slack_fake;
mod slack_fake_channel;
mod slack_install;
mod slack_pages;
mod slack_requests;
mod slack_timeline;
mod sse;
mod ssrf;
mod status_admin;
mod status_pages;
mod status_pages_ops;
mod status_public;
mod status_publish;
mod statuspage_v2;
mod stream_access;
mod subscriber_admin;
mod subscribers;
mod ui;
mod ui_alerts;
mod ui_catalog;
mod ui_contrast;
mod ui_incident_edit;
mod ui_oidc;
mod ui_oidc_accounts;
mod ui_oncall;
mod ui_oncall_edit;
mod ui_people;
mod ui_postmortem;
mod ui_refused;
mod ui_status_admin;
mod ui_status_pages;
mod ui_webhooks;
mod unknown_and_stale;
