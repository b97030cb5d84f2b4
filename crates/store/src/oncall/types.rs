//! The on-call records.

use debrief_core::Timestamp;
use debrief_core::oncall::escalation::{Level, Policy};
use debrief_core::oncall::notify::Rule;
use debrief_core::oncall::schedule::LayerSpec;
use serde::Serialize;

/// A stored schedule.
#[derive(Debug, Clone, Serialize)]
pub struct ScheduleRow {
    /// Id.
    pub id: i64,
    /// Name, unique.
    pub name: String,
    /// What it is for.
    pub description: String,
    /// IANA time zone of its local times.
    pub time_zone: String,
    /// The team it belongs to.
    pub team: Option<String>,
    /// Its layers, lowest first (participants are user ids as text).
    pub layers: Vec<LayerSpec>,
    /// Who created it.
    pub created_by: Option<i64>,
    /// When.
    #[serde(with = "debrief_core::ts")]
    pub created_at: Timestamp,
    /// Last change.
    #[serde(with = "debrief_core::ts")]
    pub updated_at: Timestamp,
}

/// A schedule to create, or what an existing one becomes.
#[derive(Debug, Clone)]
pub struct NewSchedule {
    /// Name.
    pub name: String,
    /// What it is for.
    pub description: String,
    /// IANA time zone.
    pub time_zone: String,
    /// Team.
    pub team: Option<String>,
    /// Layers.
    pub layers: Vec<LayerSpec>,
    /// Who creates it.
    pub created_by: Option<i64>,
}

/// Someone on call in place of every layer of a schedule over `[start, end)`.
#[derive(Debug, Clone, Serialize)]
pub struct OverrideRow {
    /// Id: a higher id wins where overrides overlap.
    pub id: i64,
    /// The schedule.
    pub schedule_id: i64,
    /// Who is on call.
    pub user_id: i64,
    /// First instant.
    #[serde(with = "debrief_core::ts")]
    pub start: Timestamp,
    /// First instant after.
    #[serde(with = "debrief_core::ts")]
    pub end: Timestamp,
    /// `override`, `swap` or `take`.
    pub kind: String,
    /// Whose shift it replaces (a swap's other person, or whose shift was taken).
    pub replaces_user_id: Option<i64>,
    /// Why.
    pub note: String,
    /// Who made it.
    pub created_by: Option<i64>,
    /// When.
    #[serde(with = "debrief_core::ts")]
    pub created_at: Timestamp,
}

/// An override to add.
#[derive(Debug, Clone)]
pub struct NewOverride {
    /// Who is on call.
    pub user_id: i64,
    /// First instant.
    pub start: Timestamp,
    /// First instant after.
    pub end: Timestamp,
    /// `override`, `swap` or `take`.
    pub kind: &'static str,
    /// Whose shift it replaces.
    pub replaces_user_id: Option<i64>,
    /// Why.
    pub note: String,
}

/// A stored escalation policy.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyRow {
    /// Id.
    pub id: i64,
    /// Name, unique.
    pub name: String,
    /// What it is for.
    pub description: String,
    /// The team it belongs to.
    pub team: Option<String>,
    /// Its levels.
    pub levels: Vec<Level>,
    /// How many more passes after the first.
    pub repeat: u32,
    /// Who created it.
    pub created_by: Option<i64>,
    /// When.
    #[serde(with = "debrief_core::ts")]
    pub created_at: Timestamp,
    /// Last change.
    #[serde(with = "debrief_core::ts")]
    pub updated_at: Timestamp,
}

impl PolicyRow {
    /// The policy to escalate by.
    pub fn policy(&self) -> Policy {
        Policy {
            levels: self.levels.clone(),
            repeat: self.repeat,
        }
    }
}

/// A policy to create, or what an existing one becomes.
#[derive(Debug, Clone)]
pub struct NewPolicy {
    /// Name.
    pub name: String,
    /// What it is for.
    pub description: String,
    /// Team.
    pub team: Option<String>,
    /// Levels and repeats.
    pub policy: Policy,
    /// Who creates it.
    pub created_by: Option<i64>,
}

/// Where a page is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PageStatus {
    /// Escalating: nobody has acknowledged it.
    Triggered,
    /// Someone is on it; escalation stopped.
    Acknowledged,
    /// Over.
    Resolved,
}

impl PageStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            PageStatus::Triggered => "triggered",
            PageStatus::Acknowledged => "acknowledged",
            PageStatus::Resolved => "resolved",
        }
    }
}

impl std::str::FromStr for PageStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "triggered" => Ok(Self::Triggered),
            "acknowledged" => Ok(Self::Acknowledged),
            "resolved" => Ok(Self::Resolved),
            other => Err(format!(
                "unknown page status '{other}'; use triggered, acknowledged or resolved"
            )),
        }
    }
}

/// A page: someone has to respond.
#[derive(Debug, Clone, Serialize)]
pub struct Page {
    /// Id.
    pub id: i64,
    /// The policy it was opened with (gone if the policy was deleted since).
    pub policy_id: Option<i64>,
    /// The copy of the policy it escalates by.
    pub policy: Policy,
    /// What it is about.
    pub title: String,
    /// More about it (free JSON: the alert's source, a person's message).
    pub details: serde_json::Value,
    /// The service it is for.
    pub service: Option<String>,
    /// The team it is for.
    pub team: Option<String>,
    /// The incident it is for.
    pub incident_id: Option<i64>,
    /// The alert that opened it.
    pub alert_id: Option<i64>,
    /// Where it is.
    pub status: PageStatus,
    /// When it opened: level 1's instant.
    #[serde(with = "debrief_core::ts")]
    pub opened_at: Timestamp,
    /// Who opened it (none: an alert or a declared incident).
    pub opened_by: Option<i64>,
    /// When it was acknowledged.
    #[serde(with = "debrief_core::ts_opt")]
    pub acknowledged_at: Option<Timestamp>,
    /// By whom.
    pub acknowledged_by: Option<i64>,
    /// When it was resolved.
    #[serde(with = "debrief_core::ts_opt")]
    pub resolved_at: Option<Timestamp>,
    /// By whom.
    pub resolved_by: Option<i64>,
    /// Last change.
    #[serde(with = "debrief_core::ts")]
    pub updated_at: Timestamp,
}

impl Page {
    /// The instant escalation stopped (acknowledgement or resolution, whichever came first).
    pub fn stopped_at(&self) -> Option<Timestamp> {
        match (self.acknowledged_at, self.resolved_at) {
            (Some(a), Some(r)) => Some(a.min(r)),
            (a, r) => a.or(r),
        }
    }
}

/// A page to open.
#[derive(Debug, Clone)]
pub struct NewPage {
    /// The policy (none: people paged directly).
    pub policy_id: Option<i64>,
    /// Its copy to escalate by.
    pub policy: Policy,
    /// What it is about.
    pub title: String,
    /// More about it.
    pub details: serde_json::Value,
    /// The service.
    pub service: Option<String>,
    /// The team.
    pub team: Option<String>,
    /// The incident.
    pub incident_id: Option<i64>,
    /// The alert.
    pub alert_id: Option<i64>,
    /// Who opens it.
    pub opened_by: Option<i64>,
}

/// One level firing of a page.
#[derive(Debug, Clone, Serialize)]
pub struct FiringRow {
    /// The page.
    pub page_id: i64,
    /// Pass (0: the first).
    pub pass: u32,
    /// Level (0: the first).
    pub level: u32,
    /// When it fired.
    #[serde(with = "debrief_core::ts")]
    pub at: Timestamp,
    /// Whom it notified.
    pub users: Vec<i64>,
    /// What happened, for people ("nobody on call in Payments primary").
    pub note: String,
}

/// One contact to make.
#[derive(Debug, Clone, Serialize)]
pub struct Notification {
    /// Id.
    pub id: i64,
    /// The page.
    pub page_id: i64,
    /// Who.
    pub user_id: i64,
    /// Which pass fired it.
    pub pass: u32,
    /// Which level fired it.
    pub level: u32,
    /// Where: `email`, `webhook`, `ntfy`, `web_push`, `slack`.
    pub channel: String,
    /// When it is due.
    #[serde(with = "debrief_core::ts")]
    pub due_at: Timestamp,
    /// `queued`, `sent`, `failed` (retried), `skipped`, `given_up`.
    pub status: String,
    /// How many sends were tried.
    pub attempts: i64,
    /// When it was sent.
    #[serde(with = "debrief_core::ts_opt")]
    pub sent_at: Option<Timestamp>,
    /// Why it failed or was skipped.
    pub error: Option<String>,
    /// Last change.
    #[serde(with = "debrief_core::ts")]
    pub updated_at: Timestamp,
}

/// A contact a level firing makes: who, where, when.
#[derive(Debug, Clone)]
pub struct NewNotification {
    /// Who.
    pub user_id: i64,
    /// Where.
    pub channel: String,
    /// When.
    pub due_at: Timestamp,
}

/// A user's notification rules and channel addresses.
#[derive(Debug, Clone, Serialize, Default)]
pub struct UserNotify {
    /// The user.
    pub user_id: i64,
    /// Rules: channel and minutes after a level notifies them.
    pub rules: Vec<Rule>,
    /// ntfy topic URL (`https://ntfy.sh/my-topic`).
    pub ntfy_url: Option<String>,
    /// ntfy access token, for protected topics; never serialized.
    #[serde(skip)]
    pub ntfy_token: Option<String>,
    /// Webhook URL.
    pub webhook_url: Option<String>,
    /// Webhook signing secret; never serialized.
    #[serde(skip)]
    pub webhook_secret: Option<String>,
}

/// A browser that receives Web Push messages.
#[derive(Debug, Clone, Serialize)]
pub struct PushSubscriptionRow {
    /// Id.
    pub id: i64,
    /// The user.
    pub user_id: i64,
    /// The push service's URL for this browser.
    pub endpoint: String,
    /// The browser's P-256 public key (base64url).
    #[serde(skip)]
    pub p256dh: String,
    /// The browser's auth secret (base64url).
    #[serde(skip)]
    pub auth: String,
    /// The browser, as it said.
    pub user_agent: String,
    /// When.
    #[serde(with = "debrief_core::ts")]
    pub created_at: Timestamp,
    /// Why the last push failed.
    pub last_error: Option<String>,
}
