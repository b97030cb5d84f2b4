//! On call (issue 12): schedules, escalation policies, pages and the notifications they send.
//!
//! - [`schedules`]: schedules; who is on call; final schedules; a user's shifts.
//! - [`overrides`]: overrides, swaps and taken shifts.
//! - [`policies`]: escalation policies, the policy of each service, the warnings an admin sees
//!   (a schedule with nobody on call in the next two weeks), and who is on call now for every
//!   service and team.
//! - [`pages`]: opening pages (from alerts, declared incidents and people), acknowledging and
//!   resolving them (also by signed single-use links).
//! - [`escalate`]: the job that fires each level, and the plan of an escalation (also
//!   previewed for admins).
//! - [`links`]: signed, single-use, expiring acknowledge and resolve links.
//! - [`send`]: the job that makes one contact (e-mail, webhook, ntfy, Web Push), once.
//! - [`feeds`]: iCalendar feeds of a schedule and of a user's shifts.
//! - [`contacts`]: each user's notification rules and channel addresses, Web Push
//!   subscriptions and the server's VAPID key, and who cannot be reached.
//!
//! Escalation runs on the job queue, so it survives restarts and runs on whichever server
//! claims the job: a level firing is a job due at the level's instant; it records whom it
//! notified and queues one send job per contact (due at the firing plus the rule's minutes) and
//! the next level's job, in one transaction. Both kinds of job re-check the page when they run:
//! an acknowledgement or resolution at `A` stops every firing and contact due at or after `A`.

pub mod contacts;
pub mod escalate;
pub mod feeds;
pub mod links;
pub mod overrides;
pub mod pages;
pub mod policies;
pub mod schedules;
pub mod send;

pub use contacts::*;
pub use escalate::*;
pub use feeds::*;
pub use links::*;
pub use overrides::*;
pub use pages::*;
pub use policies::*;
pub use schedules::*;
pub use send::*;

use crate::auth::Actor;
use crate::{AppError, AppState};
use debrief_core::Timestamp;
use debrief_core::access::AccountRole;
use debrief_core::oncall::escalation::{Level, Policy, Target};
use debrief_core::oncall::schedule::{
    self as oncall_compute, Entry, Interval, LayerSpec, Override, RestrictionSpec, Schedule,
    ScheduleSpec,
};
use debrief_core::validation::{ValidationError, required_text};
use debrief_store::oncall::{
    NewOverride, NewPolicy, NewSchedule, OverrideRow, Page, PageStatus, PolicyRow, ScheduleRow,
};
use jiff::SignedDuration;
use jiff::civil::DateTime;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
