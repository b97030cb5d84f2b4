//! On call in the web UI (issue 12): who is on call now (`/on-call`), with an admin's warnings,
//! and the viewer's own on-call page (`/me/on-call`: upcoming shifts, notification rules,
//! channel addresses, browsers subscribed to Web Push), plus the service worker `/sw.js`.
//!
//! Schedules live in [`super::oncall_schedule`], escalation policies in
//! [`super::oncall_policy`], pages in [`super::oncall_pages`]; this module's router merges them.

use super::form::{CsrfForm, Pairs, field};
use super::session::{UiActor, UiError};
use super::view::TimeView;
use crate::actions::oncall as act;
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use debrief_core::Timestamp;
use debrief_core::access::AccountRole;
use debrief_core::oncall::notify::{Channel, Rule};
use jiff::SignedDuration;

const SERVICE_WORKER: &str = include_str!("../../static/sw.js");

/// The on-call routes (with schedules, policies and pages).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/on-call", get(overview))
        .route("/me/on-call", get(me_page).post(save_settings))
        .route("/me/on-call/push/{id}/remove", post(remove_push))
        .route("/sw.js", get(service_worker))
        .merge(super::oncall_schedule::router())
        .merge(super::oncall_shift::router())
        .merge(super::oncall_policy::router())
        .merge(super::oncall_pages::router())
}

/// The users people can pick (enabled accounts), as `(id, "Name <email>")`.
pub async fn user_options(state: &AppState) -> Result<Vec<(i64, String)>, AppError> {
    Ok(state
        .store
        .list_users()
        .await?
        .into_iter()
        .filter(|u| !u.disabled)
        .map(|u| (u.id, format!("{} <{}>", u.name, u.email)))
        .collect())
}

/// A user's display name by id, `user N` when unknown.
pub fn name_of(users: &std::collections::BTreeMap<i64, act::UserBrief>, id: i64) -> String {
    users
        .get(&id)
        .map_or_else(|| format!("user {id}"), |u| u.name.clone())
}

/// A `datetime-local` value (`2026-03-29T09:00`) read as wall-clock time in `zone`; `None`
/// when either does not parse. A time in a spring-forward gap moves past the gap.
pub fn local_instant(raw: &str, zone: &str) -> Option<Timestamp> {
    let tz = jiff::tz::TimeZone::get(zone.trim()).ok()?;
    let dt = raw.trim().parse::<jiff::civil::DateTime>().ok()?;
    tz.to_ambiguous_zoned(dt)
        .compatible()
        .ok()
        .map(|z| z.timestamp())
}

/// A channel as people read it.
pub fn channel_label(c: &str) -> &'static str {
    match Channel::parse(c) {
        Some(Channel::Email) => "E-mail",
        Some(Channel::Webhook) => "Webhook",
        Some(Channel::Ntfy) => "ntfy",
        Some(Channel::WebPush) => "Push to a browser",
        Some(Channel::Slack) => "Slack message",
        None => "unknown channel",
    }
}

/// A policy's warnings, for the overview.
struct PolicyWarnings {
    id: i64,
    name: String,
    warnings: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "oncall.html")]
struct OverviewPage {
    user: String,
    csrf: String,
    at: TimeView,
    overview: act::OnCallOverview,
    admin: bool,
    unreachable: Vec<(act::UserBrief, String)>,
    policies: Vec<PolicyWarnings>,
}

async fn overview(State(state): State<AppState>, actor: UiActor) -> Result<Response, UiError> {
    actor.0.require(AccountRole::Viewer)?;
    let now = state.clock.now();
    let overview = act::on_call_overview(&state, now).await?;
    let admin = actor.0.role >= AccountRole::Admin;
    let (mut unreachable, mut policies) = (Vec::new(), Vec::new());
    if admin {
        unreachable = act::unreachable_on_call(&state).await?;
        for p in state.store.escalation_policies().await? {
            let warnings = act::policy_warnings(&state, &p).await?;
            if !warnings.is_empty() {
                policies.push(PolicyWarnings {
                    id: p.id,
                    name: p.name,
                    warnings,
                });
            }
        }
    }
    Ok(OverviewPage {
        user: actor.0.user.name.clone(),
        csrf: actor.csrf(),
        at: TimeView::new(now),
        overview,
        admin,
        unreachable,
        policies,
    }
    .into_response())
}

/// One of the viewer's upcoming shifts.
struct MyShift {
    schedule_id: i64,
    schedule: String,
    time_zone: String,
    start: TimeView,
    end: TimeView,
}

/// One rule row of the form (blank rows have an empty channel).
struct RuleRow {
    channel: String,
    after: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "oncall_me.html")]
struct MePage {
    user: String,
    csrf: String,
    shifts: Vec<MyShift>,
    settings: act::NotifySettings,
    rules: Vec<RuleRow>,
    channels: Vec<(&'static str, &'static str)>,
    subscriptions: Vec<(i64, String, TimeView, Option<String>)>,
}

async fn me_page(State(state): State<AppState>, actor: UiActor) -> Result<Response, UiError> {
    let now = state.clock.now();
    let to = now
        .checked_add(SignedDuration::from_hours(24 * 14))
        .unwrap_or(now);
    let shifts = act::user_shifts(&state, actor.0.user.id, now, to)
        .await?
        .into_iter()
        .map(|(row, s)| MyShift {
            schedule_id: row.id,
            schedule: row.name,
            time_zone: row.time_zone,
            start: TimeView::new(s.start),
            end: TimeView::new(s.end),
        })
        .collect();
    let settings = act::notify_settings(&state, actor.0.user.id).await?;
    let mut rules: Vec<RuleRow> = settings
        .rules
        .iter()
        .map(|r| RuleRow {
            channel: r.channel.as_str().to_string(),
            after: r.after_minutes.to_string(),
        })
        .collect();
    for _ in 0..2 {
        rules.push(RuleRow {
            channel: String::new(),
            after: String::new(),
        });
    }
    let subscriptions = settings
        .push_subscriptions
        .iter()
        .map(|s| {
            (
                s.id,
                s.user_agent.clone(),
                TimeView::new(s.created_at),
                s.last_error.clone(),
            )
        })
        .collect();
    Ok(MePage {
        user: actor.0.user.name.clone(),
        csrf: actor.csrf(),
        shifts,
        rules,
        channels: Channel::ALL
            .iter()
            .map(|c| (c.as_str(), channel_label(c.as_str())))
            .collect(),
        subscriptions,
        settings,
    }
    .into_response())
}

/// The form's rules: rows of `rule_channel` and `rule_after`, blank rows left out.
fn rules_of_form(pairs: &Pairs) -> Result<Vec<Rule>, AppError> {
    let channels = pairs.iter().filter(|(k, _)| k == "rule_channel");
    let afters = pairs.iter().filter(|(k, _)| k == "rule_after");
    let mut e = debrief_core::validation::ValidationError::default();
    let mut out = Vec::new();
    for (n, ((_, c), (_, a))) in channels.zip(afters).enumerate() {
        if c.trim().is_empty() {
            continue;
        }
        let Some(channel) = Channel::parse(c.trim()) else {
            e.push(format!("rules[{n}].channel"), "is not a channel");
            continue;
        };
        let after = if a.trim().is_empty() { "0" } else { a.trim() };
        match after.parse::<u32>() {
            Ok(after_minutes) => out.push(Rule {
                channel,
                after_minutes,
            }),
            Err(_) => e.push(
                format!("rules[{n}].after_minutes"),
                "must be a whole number of minutes",
            ),
        }
    }
    if e.fields.is_empty() {
        Ok(out)
    } else {
        Err(e.into())
    }
}

/// A secret field: left blank keeps it, the "clear" box removes it.
fn secret(pairs: &Pairs, name: &str) -> Option<String> {
    if field(pairs, &format!("clear_{name}")) == "1" {
        return Some(String::new());
    }
    super::form::opt(pairs, name)
}

async fn save_settings(
    State(state): State<AppState>,
    actor: UiActor,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    let input = act::NotifyInput {
        rules: Some(rules_of_form(&pairs)?),
        ntfy_url: Some(field(&pairs, "ntfy_url").to_string()),
        ntfy_token: secret(&pairs, "ntfy_token"),
        webhook_url: Some(field(&pairs, "webhook_url").to_string()),
        webhook_secret: secret(&pairs, "webhook_secret"),
    };
    act::set_notify_settings(&state, &actor.0, &input).await?;
    Ok(Redirect::to("/me/on-call#notifications").into_response())
}

async fn remove_push(
    State(state): State<AppState>,
    actor: UiActor,
    Path(id): Path<String>,
    CsrfForm(_pairs): CsrfForm,
) -> Result<Response, UiError> {
    let id = id
        .parse()
        .map_err(|_| AppError::NotFound(format!("push subscription '{id}'")))?;
    act::unsubscribe_push(&state, &actor.0, id).await?;
    Ok(Redirect::to("/me/on-call#push").into_response())
}

/// The service worker, at the root so that its scope can be the whole site.
async fn service_worker() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
            (
                header::HeaderName::from_static("service-worker-allowed"),
                "/",
            ),
        ],
        SERVICE_WORKER,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_time_is_read_in_the_given_zone() {
        let t = local_instant("2026-07-01T09:00", "Europe/Berlin").expect("parses");
        assert_eq!(debrief_core::format_utc(t), "2026-07-01T07:00:00.000Z");
        // In the spring-forward gap: the first instant after it.
        let g = local_instant("2026-03-29T02:30", "Europe/Berlin").expect("parses");
        assert_eq!(debrief_core::format_utc(g), "2026-03-29T01:30:00.000Z");
        assert!(local_instant("2026-07-01T09:00", "Mars/Base").is_none());
    }

    #[test]
    fn blank_rule_rows_are_left_out() {
        let pairs: Pairs = [
            ("rule_channel", "web_push"),
            ("rule_after", ""),
            ("rule_channel", "email"),
            ("rule_after", "5"),
            ("rule_channel", ""),
            ("rule_after", ""),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let rules = rules_of_form(&pairs).expect("rules");
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[1].after_minutes, 5);
    }
}
