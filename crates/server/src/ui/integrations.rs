//! The integrations settings page (admins): every service's integrations (kind, name, key hint,
//! enabled, grouping), a form to create one, and per integration a key rotation with an overlap
//! and enable / disable.
//!
//! Creating or rotating answers a page that shows the key **once** (it is stored hashed), with
//! the exact address and set-up to paste into the sender of that kind ([`setup_steps`]). That
//! page is never cached.

use super::form::{field, opt};
use super::session::{UiActor, UiError};
use super::view::TimeView;
use crate::actions::alerts::{self as act, IntegrationCreated, IntegrationInput, KINDS};
use crate::ui::form::CsrfForm;
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use debrief_core::access::AccountRole;
use debrief_store::alert::Integration;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/integrations", get(page).post(create_integration))
        .route("/settings/integrations/{id}/rotate", post(rotate_key))
        .route("/settings/integrations/{id}/enabled", post(set_enabled))
}

/// An integration as listed.
struct IntegrationRow {
    id: i64,
    kind: String,
    name: String,
    key_hint: String,
    enabled: bool,
    group_by: String,
    signed: bool,
    /// While a rotation's overlap lasts: when the previous key stops working.
    previous_key_until: Option<TimeView>,
    created: TimeView,
}

impl IntegrationRow {
    fn new(i: &Integration, now: debrief_core::Timestamp) -> Self {
        Self {
            id: i.id,
            kind: i.kind.clone(),
            name: i.name.clone(),
            key_hint: i.key_hint.clone(),
            enabled: i.disabled_at.is_none(),
            group_by: i.group_by.clone(),
            signed: i.signed,
            previous_key_until: i
                .previous_key_expires_at
                .filter(|t| *t > now)
                .map(TimeView::new),
            created: TimeView::new(i.created_at),
        }
    }
}

/// A service and its integrations.
struct ServiceGroup {
    slug: String,
    name: String,
    integrations: Vec<IntegrationRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "integrations.html")]
struct Page {
    user: String,
    csrf: String,
    groups: Vec<ServiceGroup>,
    services: Vec<(String, String)>,
    kinds: Vec<&'static str>,
}

async fn page(State(state): State<AppState>, actor: UiActor) -> Result<Response, UiError> {
    actor.0.require(AccountRole::Admin)?;
    let now = state.clock.now();
    let services = state.store.list_services().await?;
    let integrations = state.store.integrations(None).await?;
    let groups = services
        .iter()
        .map(|s| ServiceGroup {
            slug: s.slug.clone(),
            name: s.name.clone(),
            integrations: integrations
                .iter()
                .filter(|i| i.service == s.slug)
                .map(|i| IntegrationRow::new(i, now))
                .collect(),
        })
        .filter(|g| !g.integrations.is_empty())
        .collect();
    Ok(Page {
        user: actor.0.user.name.clone(),
        csrf: actor.csrf(),
        groups,
        services: services.into_iter().map(|s| (s.slug, s.name)).collect(),
        kinds: KINDS.to_vec(),
    }
    .into_response())
}

/// One step of setting up a sender: what to do, and the text to paste (if any).
pub struct Step {
    /// What to do.
    pub title: String,
    /// Text to paste, shown as it must be typed.
    pub snippet: Option<String>,
}

fn step(title: impl Into<String>, snippet: Option<String>) -> Step {
    Step {
        title: title.into(),
        snippet,
    }
}

/// How to point a sender of `kind` at this server: `url` is where it posts (see
/// [`act::intake_url`]), `base` the server's public address, `key` the integration's key.
pub fn setup_steps(kind: &str, base: &str, url: &str, key: &str, signed: bool) -> Vec<Step> {
    let base = base.trim_end_matches('/');
    match kind {
        "pagerduty" => vec![
            step(
                "In the sender, use this as the PagerDuty integration key (routing_key):",
                Some(key.to_string()),
            ),
            step(
                "and this as the Events API v2 URL (change events go to /v2/change/enqueue beside it):",
                Some(url.to_string()),
            ),
            step(
                "Prometheus Alertmanager (pagerduty_configs):",
                Some(format!(
                    "receivers:\n  - name: debrief\n    pagerduty_configs:\n      - routing_key: {key}\n        url: {url}\n        send_resolved: true"
                )),
            ),
            step(
                "Older senders of the v1 API post the same key as service_key to:",
                Some(format!("{base}/generic/2010-04-15/create_event.json")),
            ),
            step(
                "Try it:",
                Some(format!(
                    "curl -X POST {url} -H 'Content-Type: application/json' \\\n  -d '{{\"routing_key\": \"{key}\", \"event_action\": \"trigger\", \"payload\": {{\"summary\": \"Test alert from Debrief set-up\", \"source\": \"set-up\", \"severity\": \"warning\"}}}}'"
                )),
            ),
        ],
        "alertmanager" => vec![
            step(
                "In alertmanager.yml, add a receiver with this webhook_configs entry (the key goes in http_config as bearer credentials; basic credentials with the key as password work too):",
                Some(format!(
                    "receivers:\n  - name: debrief\n    webhook_configs:\n      - url: {url}\n        send_resolved: true\n        http_config:\n          authorization:\n            type: Bearer\n            credentials: {key}"
                )),
            ),
            step(
                "Route alerts to it (route.receiver or a sub-route with receiver: debrief), then check the file with amtool check-config.",
                None,
            ),
        ],
        "grafana" => {
            let mut steps = vec![
                step(
                    "In Grafana, add a contact point of type Webhook with this URL (HTTP method POST):",
                    Some(url.to_string()),
                ),
                step(
                    "Under Optional Webhook settings, set Authorization Header - Scheme to Bearer and Authorization Header - Credentials to the key, so Grafana sends:",
                    Some(format!("Authorization: Bearer {key}")),
                ),
            ];
            if signed {
                steps.push(step(
                    "Set the contact point's HMAC signature secret to the signing secret given when the integration was created; unsigned bodies are refused.",
                    None,
                ));
            }
            steps
        }
        "opsgenie" => vec![
            step(
                "Point the Opsgenie client's API URL at this server (it posts to /v2/alerts under it):",
                Some(format!("{base}/")),
            ),
            step(
                "and send the key as the GenieKey:",
                Some(format!("Authorization: GenieKey {key}")),
            ),
            step(
                "Prometheus Alertmanager (opsgenie_configs):",
                Some(format!(
                    "receivers:\n  - name: debrief\n    opsgenie_configs:\n      - api_url: {base}/\n        api_key: {key}"
                )),
            ),
            step(
                "Try it:",
                Some(format!(
                    "curl -X POST {base}/v2/alerts -H 'Authorization: GenieKey {key}' -H 'Content-Type: application/json' \\\n  -d '{{\"message\": \"Test alert from Debrief set-up\", \"alias\": \"debrief-set-up\", \"priority\": \"P3\"}}'"
                )),
            ),
        ],
        _ => vec![
            step("Post JSON events to:", Some(url.to_string())),
            step(
                "with the key as a bearer token:",
                Some(format!("Authorization: Bearer {key}")),
            ),
            step(
                "For example (a trigger; send \"action\": \"resolve\" with the same dedup_key when it is over):",
                Some(format!(
                    "curl -X POST {url} -H 'Authorization: Bearer {key}' -H 'Content-Type: application/json' \\\n  -d '{{\"action\": \"trigger\", \"dedup_key\": \"nightly-backup\", \"summary\": \"Nightly backup failed\", \"severity\": \"error\"}}'"
                )),
            ),
        ],
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "integration_key.html")]
struct KeyPage {
    user: String,
    csrf: String,
    integration: IntegrationRow,
    service: String,
    key: String,
    url: String,
    rotated: bool,
    steps: Vec<Step>,
}

/// The page that shows a key once; never stored by a cache.
fn key_page(
    state: &AppState,
    actor: &UiActor,
    created: IntegrationCreated,
    rotated: bool,
) -> Response {
    let i = &created.integration;
    let steps = setup_steps(
        &i.kind,
        &state.config.public_url,
        &created.url,
        &created.key,
        i.signed,
    );
    let page = KeyPage {
        user: actor.0.user.name.clone(),
        csrf: actor.csrf(),
        integration: IntegrationRow::new(i, state.clock.now()),
        service: i.service.clone(),
        key: created.key,
        url: created.url,
        rotated,
        steps,
    };
    (
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::PRAGMA, "no-cache"),
        ],
        page,
    )
        .into_response()
}

async fn create_integration(
    State(state): State<AppState>,
    actor: UiActor,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    let input = IntegrationInput {
        service: field(&pairs, "service").into(),
        kind: field(&pairs, "kind").into(),
        name: field(&pairs, "name").into(),
        group_by: opt(&pairs, "group_by"),
        signing_secret: opt(&pairs, "signing_secret"),
    };
    let created = act::create_integration(&state, &actor.0, &input).await?;
    Ok(key_page(&state, &actor, created, false))
}

fn integration_id(raw: &str) -> Result<i64, UiError> {
    raw.parse()
        .map_err(|_| UiError(AppError::NotFound(format!("integration '{raw}'"))))
}

async fn rotate_key(
    State(state): State<AppState>,
    actor: UiActor,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    let id = integration_id(&id)?;
    let overlap = match field(&pairs, "overlap_minutes").trim() {
        "" => 0,
        raw => raw.parse().map_err(|_| {
            AppError::from(debrief_core::validation::ValidationError::one(
                "overlap_minutes",
                "must be a whole number of minutes",
            ))
        })?,
    };
    let created = act::rotate_key(&state, &actor.0, id, overlap).await?;
    Ok(key_page(&state, &actor, created, true))
}

async fn set_enabled(
    State(state): State<AppState>,
    actor: UiActor,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    let id = integration_id(&id)?;
    act::set_integration_enabled(&state, &actor.0, id, field(&pairs, "enabled") == "1").await?;
    Ok(Redirect::to(&format!("/settings/integrations#integration-{id}")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(steps: &[Step]) -> String {
        steps
            .iter()
            .map(|s| format!("{}\n{}\n", s.title, s.snippet.as_deref().unwrap_or("")))
            .collect()
    }

    const KEY: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn each_kind_says_where_to_post_and_how_to_send_the_key() {
        let base = "https://debrief.example/";
        let pd = text(&setup_steps(
            "pagerduty",
            base,
            "https://debrief.example/v2/enqueue",
            KEY,
            false,
        ));
        assert!(
            pd.contains(&format!(
                "routing_key: {KEY}\n        url: https://debrief.example/v2/enqueue"
            )),
            "{pd}"
        );
        assert!(
            pd.contains("https://debrief.example/generic/2010-04-15/create_event.json"),
            "{pd}"
        );
        let am = text(&setup_steps(
            "alertmanager",
            base,
            "https://debrief.example/hooks/alertmanager",
            KEY,
            false,
        ));
        assert!(
            am.contains(&format!(
                "webhook_configs:\n      - url: https://debrief.example/hooks/alertmanager\n        send_resolved: true\n        http_config:\n          authorization:\n            type: Bearer\n            credentials: {KEY}"
            )),
            "{am}"
        );
        let gf = text(&setup_steps(
            "grafana",
            base,
            "https://debrief.example/hooks/grafana",
            KEY,
            true,
        ));
        assert!(gf.contains(&format!("Authorization: Bearer {KEY}")), "{gf}");
        assert!(gf.contains("HMAC"), "{gf}");
        let og = text(&setup_steps(
            "opsgenie",
            base,
            "https://debrief.example",
            KEY,
            false,
        ));
        assert!(
            og.contains(&format!(
                "api_url: https://debrief.example/\n        api_key: {KEY}"
            )),
            "{og}"
        );
        assert!(
            og.contains(&format!("Authorization: GenieKey {KEY}")),
            "{og}"
        );
        assert!(
            og.contains("curl -X POST https://debrief.example/v2/alerts"),
            "{og}"
        );
        let generic = text(&setup_steps(
            "generic",
            base,
            "https://debrief.example/hooks/generic",
            KEY,
            false,
        ));
        assert!(
            generic.contains(&format!(
                "curl -X POST https://debrief.example/hooks/generic -H 'Authorization: Bearer {KEY}'"
            )),
            "{generic}"
        );
    }

    #[test]
    fn the_example_bodies_are_json() {
        for (kind, url) in [
            ("pagerduty", "https://d.example/v2/enqueue"),
            ("opsgenie", "https://d.example"),
            ("generic", "https://d.example/hooks/generic"),
        ] {
            let steps = setup_steps(kind, "https://d.example", url, KEY, false);
            let curl = steps
                .iter()
                .filter_map(|s| s.snippet.as_deref())
                .find(|s| s.starts_with("curl"))
                .expect("an example");
            let body = curl
                .split_once("-d '")
                .and_then(|(_, rest)| rest.strip_suffix('\''))
                .expect("a quoted body");
            serde_json::from_str::<serde_json::Value>(body)
                .unwrap_or_else(|e| panic!("{kind}: {e}: {body}"));
        }
    }
}
