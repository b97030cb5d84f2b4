//! Outgoing webhooks in the browser (admins, `/settings/webhooks`): the endpoints with the
//! events each receives, a new endpoint (its signing secret shown once, to copy), a test
//! delivery, removal. The logic is in [`crate::actions::delivery`], as for the API.

use super::field_errors::FieldErrors;
use super::form::{CsrfForm, Pairs, field, opt};
use super::session::{UiActor, UiError};
use super::view::TimeView;
use crate::actions::delivery::{self as act, NewWebhookInput};
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use debrief_core::access::AccountRole;

/// The events Debrief sends, with what they mean.
pub const EVENTS: [(&str, &str); 7] = [
    ("incident.declared", "An incident is declared"),
    ("postmortem.reminder", "A postmortem's owner is reminded"),
    ("postmortem.overdue", "A postmortem is overdue"),
    ("postmortem.escalated", "An overdue postmortem is escalated"),
    ("action_item.reminder", "An action item's owner is reminded"),
    ("action_item.overdue", "An action item is overdue"),
    (
        "action_item.escalated",
        "An overdue action item is escalated",
    ),
];

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/webhooks", get(page).post(create))
        .route("/settings/webhooks/{id}/test", post(test))
        .route("/settings/webhooks/{id}/delete", post(delete))
}

/// One endpoint's row.
pub struct EndpointRow {
    id: i64,
    url: String,
    events: String,
    created: TimeView,
}

#[derive(Template, WebTemplate)]
#[template(path = "webhooks.html")]
struct WebhooksPage {
    user: String,
    csrf: String,
    endpoints: Vec<EndpointRow>,
    events: Vec<(&'static str, &'static str, bool)>,
    url: String,
    secret: Option<String>,
    notice: Option<String>,
    errors: FieldErrors,
}

#[derive(Default)]
struct Extra {
    secret: Option<String>,
    notice: Option<String>,
    errors: FieldErrors,
    form: Option<Pairs>,
}

async fn render(state: &AppState, actor: &UiActor, extra: Extra) -> Result<WebhooksPage, UiError> {
    actor.0.require(AccountRole::Admin)?;
    let endpoints = act::list_webhooks(state, &actor.0)
        .await?
        .into_iter()
        .map(|w| EndpointRow {
            id: w.id,
            url: w.url,
            events: if w.events.iter().any(|e| e == "*") {
                "every event".into()
            } else {
                w.events.join(", ")
            },
            created: TimeView::new(w.created_at),
        })
        .collect();
    let form = extra.form.unwrap_or_default();
    let chosen: Vec<&str> = form
        .iter()
        .filter(|(k, _)| k == "events")
        .map(|(_, v)| v.as_str())
        .collect();
    Ok(WebhooksPage {
        user: actor.0.user.name.clone(),
        csrf: actor.csrf(),
        endpoints,
        events: EVENTS
            .iter()
            .map(|(k, what)| (*k, *what, chosen.contains(k)))
            .collect(),
        url: field(&form, "url").to_string(),
        secret: extra.secret,
        notice: extra.notice,
        errors: extra.errors,
    })
}

async fn page(State(state): State<AppState>, actor: UiActor) -> Result<Response, UiError> {
    Ok(render(&state, &actor, Extra::default())
        .await?
        .into_response())
}

async fn create(
    State(state): State<AppState>,
    actor: UiActor,
    CsrfForm(p): CsrfForm,
) -> Result<Response, UiError> {
    let events: Vec<String> = p
        .iter()
        .filter(|(k, _)| k == "events")
        .map(|(_, v)| v.clone())
        .collect();
    let input = NewWebhookInput {
        url: field(&p, "url").to_string(),
        events: (!events.is_empty()).then_some(events),
        secret: opt(&p, "secret"),
    };
    match act::create_webhook(&state, &actor.0, &input).await {
        Ok((w, secret)) => {
            let extra = Extra {
                secret: Some(secret),
                notice: Some(format!(
                    "Deliveries to {} are signed with the secret below: copy it now, it is not shown again.",
                    w.url
                )),
                ..Extra::default()
            };
            Ok(render(&state, &actor, extra).await?.into_response())
        }
        Err(e) => {
            let errors = FieldErrors::from_error(e, &["url", "events", "secret"])?;
            let extra = Extra {
                errors,
                form: Some(p),
                ..Extra::default()
            };
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&state, &actor, extra).await?,
            )
                .into_response())
        }
    }
}

fn id_of(id: &str) -> Result<i64, UiError> {
    id.parse()
        .map_err(|_| UiError(AppError::NotFound(format!("webhook '{id}'"))))
}

async fn test(
    State(state): State<AppState>,
    actor: UiActor,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm,
) -> Result<Response, UiError> {
    act::test_webhook(&state, &actor.0, id_of(&id)?).await?;
    let extra = Extra {
        notice: Some(
            "A test delivery is on its way; its result shows under Deliveries at /api/v1/deliveries."
                .into(),
        ),
        ..Extra::default()
    };
    Ok(render(&state, &actor, extra).await?.into_response())
}

async fn delete(
    State(state): State<AppState>,
    actor: UiActor,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm,
) -> Result<Response, UiError> {
    act::delete_webhook(&state, &actor.0, id_of(&id)?).await?;
    let extra = Extra {
        notice: Some("The endpoint is removed; it receives nothing more.".into()),
        ..Extra::default()
    };
    Ok(render(&state, &actor, extra).await?.into_response())
}
