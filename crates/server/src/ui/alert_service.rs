//! A service's alerting, shown on the alerts page filtered by that service: its routing rule
//! (admins change it), its silences (responders add one with an end time and a reason, or end
//! one now), and its recent change events (deploys, rollbacks).

use super::form::{Pairs, field, opt};
use super::session::{UiActor, UiError, urlencode};
use super::view::TimeView;
use crate::actions::alerts::{self as act, RuleInput, SilenceInput};
use crate::ui::form::CsrfForm;
use crate::{AppError, AppState};
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use debrief_core::Timestamp;
use debrief_core::access::AccountRole;
use debrief_core::alert::AlertSeverity;
use debrief_core::validation::ValidationError;
use std::collections::BTreeMap;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/alerts/services/{slug}/rule", post(put_rule))
        .route("/alerts/services/{slug}/silences", post(create_silence))
        .route("/alerts/silences/{id}/end", post(end_silence))
}

/// Change events shown.
const RECENT_CHANGES: i64 = 20;

/// A silence as shown.
pub struct SilenceRow {
    /// Id.
    pub id: i64,
    /// Start.
    pub starts: TimeView,
    /// End.
    pub ends: TimeView,
    /// Why.
    pub reason: String,
    /// Whether it has started (else it is scheduled).
    pub started: bool,
}

/// A change event as shown.
pub struct ChangeView {
    /// What changed.
    pub summary: String,
    /// Where.
    pub source: String,
    /// When, by the sender.
    pub at: TimeView,
    /// Its web links (href, text).
    pub links: Vec<(String, String)>,
}

/// One alert severity's line of the rule: the severity, the incident severity it opens with,
/// and whether it opens one at all.
pub struct MapRow {
    /// `critical`, …
    pub alert: &'static str,
    /// `SEV2`, … (empty when unmapped).
    pub incident: String,
    /// At or above the rule's `open_at`.
    pub opens: bool,
}

/// A service's alerting set-up, for the alerts page.
pub struct ServiceSection {
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// `incident`, `attach` or `page`.
    pub mode: &'static str,
    /// The lowest alert severity that opens an incident.
    pub open_at: &'static str,
    /// Most severe first.
    pub map: Vec<MapRow>,
    /// Whether the service has its own rule (else the default applies).
    pub own_rule: bool,
    /// The catalogue's incident severities, for the rule form.
    pub severities: Vec<String>,
    /// Silences that have not ended.
    pub silences: Vec<SilenceRow>,
    /// Recent change events, newest first.
    pub changes: Vec<ChangeView>,
    /// Admins change the rule.
    pub can_edit_rule: bool,
    /// Responders add and end silences.
    pub can_silence: bool,
}

/// Alert severities, most severe first.
const SEVERITIES: [AlertSeverity; 4] = [
    AlertSeverity::Critical,
    AlertSeverity::Error,
    AlertSeverity::Warning,
    AlertSeverity::Info,
];

/// Reads a service's alerting set-up.
pub async fn section(
    state: &AppState,
    actor: &UiActor,
    slug: &str,
    name: &str,
) -> Result<ServiceSection, AppError> {
    let now = state.clock.now();
    let rule = act::rule_of(state, slug).await?;
    let mut severities = crate::actions::incident::severities(state, None).await?;
    severities.sort_by_key(|s| s.rank);
    Ok(ServiceSection {
        slug: slug.to_string(),
        name: name.to_string(),
        mode: rule.mode.as_str(),
        open_at: rule.open_at.as_str(),
        map: SEVERITIES
            .iter()
            .map(|s| MapRow {
                alert: s.as_str(),
                incident: rule.incident_severity(*s).unwrap_or_default().to_string(),
                opens: *s >= rule.open_at,
            })
            .collect(),
        own_rule: state.store.alert_rule(slug).await?.is_some(),
        severities: severities.into_iter().map(|s| s.key).collect(),
        silences: state
            .store
            .silences(Some(slug), now)
            .await?
            .into_iter()
            .map(|s| SilenceRow {
                id: s.id,
                starts: TimeView::new(s.starts_at),
                ends: TimeView::new(s.ends_at),
                reason: s.reason,
                started: s.starts_at <= now,
            })
            .collect(),
        changes: state
            .store
            .changes(slug, RECENT_CHANGES)
            .await?
            .into_iter()
            .map(|c| ChangeView {
                links: c.details["links"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|l| {
                        let href = l["href"]
                            .as_str()
                            .filter(|h| h.starts_with("https://") || h.starts_with("http://"))?;
                        let text = l["text"].as_str().unwrap_or(href);
                        Some((href.to_string(), text.to_string()))
                    })
                    .collect(),
                summary: c.summary,
                source: c.source.unwrap_or_default(),
                at: TimeView::new(c.happened_at),
            })
            .collect(),
        can_edit_rule: actor.0.role >= AccountRole::Admin,
        can_silence: actor.0.role >= AccountRole::Responder,
    })
}

/// Back to the service's alerts page, at its set-up.
fn back(slug: &str) -> Response {
    Redirect::to(&format!("/alerts?service={}#service", urlencode(slug))).into_response()
}

async fn put_rule(
    State(state): State<AppState>,
    actor: UiActor,
    Path(slug): Path<String>,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    let severity_map: BTreeMap<String, String> = SEVERITIES
        .iter()
        .filter_map(|s| {
            opt(&pairs, &format!("map_{}", s.as_str())).map(|v| (s.as_str().to_string(), v))
        })
        .collect();
    let input = RuleInput {
        mode: field(&pairs, "mode").into(),
        open_at: field(&pairs, "open_at").into(),
        severity_map,
    };
    act::put_rule(&state, &actor.0, &slug, &input).await?;
    Ok(back(&slug))
}

/// The end of a silence from its form: an exact time (RFC 3339, or a date and time read as
/// UTC), else a duration in minutes from now.
fn silence_end(pairs: &Pairs, now: Timestamp) -> Result<Timestamp, ValidationError> {
    if let Some(raw) = opt(pairs, "ends_at") {
        if let Ok(t) = raw.parse::<Timestamp>() {
            return Ok(t);
        }
        return raw
            .parse::<jiff::civil::DateTime>()
            .ok()
            .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
            .map(|z| z.timestamp())
            .ok_or_else(|| {
                ValidationError::one(
                    "ends_at",
                    "must be a time like 2026-11-21T18:00:00Z (a time without an offset is UTC)",
                )
            });
    }
    match opt(pairs, "for_minutes").map(|m| m.parse::<i64>()) {
        Some(Ok(m)) if (1..=525_600).contains(&m) => now
            .checked_add(jiff::SignedDuration::from_mins(m))
            .map_err(|_| ValidationError::one("for_minutes", "is too far ahead")),
        Some(_) => Err(ValidationError::one(
            "for_minutes",
            "must be a whole number of minutes from 1 to 525600 (a year)",
        )),
        None => Err(ValidationError::one(
            "ends_at",
            "say when the silence ends, or for how long it lasts",
        )),
    }
}

async fn create_silence(
    State(state): State<AppState>,
    actor: UiActor,
    Path(slug): Path<String>,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    actor.0.require(AccountRole::Responder)?;
    let ends_at = silence_end(&pairs, state.clock.now()).map_err(AppError::from)?;
    let input = SilenceInput {
        starts_at: None,
        ends_at,
        reason: field(&pairs, "reason").into(),
    };
    act::create_silence(&state, &actor.0, &slug, &input).await?;
    Ok(back(&slug))
}

async fn end_silence(
    State(state): State<AppState>,
    actor: UiActor,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    let id: i64 = id
        .parse()
        .map_err(|_| AppError::NotFound(format!("silence '{id}'")))?;
    act::end_silence(&state, &actor.0, id).await?;
    Ok(back(field(&pairs, "service")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(&str, &str)]) -> Pairs {
        v.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_silence_ends_at_a_given_time_or_after_a_duration() {
        let now: Timestamp = "2026-11-21T10:00:00Z".parse().unwrap();
        let at = |p: &[(&str, &str)]| silence_end(&pairs(p), now).map(debrief_core::format_utc);
        assert_eq!(
            at(&[("ends_at", "2026-11-21T18:00:00+01:00")]).unwrap(),
            "2026-11-21T17:00:00.000Z"
        );
        assert_eq!(
            at(&[("ends_at", "2026-11-21T18:00")]).unwrap(),
            "2026-11-21T18:00:00.000Z",
            "a datetime-local value is UTC"
        );
        assert_eq!(
            at(&[("ends_at", ""), ("for_minutes", "90")]).unwrap(),
            "2026-11-21T11:30:00.000Z"
        );
        assert_eq!(
            at(&[("ends_at", "tomorrow")]).unwrap_err().fields[0].field,
            "ends_at"
        );
        assert_eq!(
            at(&[("for_minutes", "0")]).unwrap_err().fields[0].field,
            "for_minutes"
        );
        assert_eq!(at(&[]).unwrap_err().fields[0].field, "ends_at");
    }
}
