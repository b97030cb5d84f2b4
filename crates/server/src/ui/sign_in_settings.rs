//! The sign-in settings page (admins): the OpenID provider (issuer, client, button), who may
//! sign in through it and with which role, and whether password sign-in stays on. A refused
//! save re-renders the form with each message beside its field.

use super::field_errors::FieldErrors;
use super::form::{CsrfForm, Pairs, field, opt};
use super::session::{UiActor, UiError};
use crate::AppState;
use crate::actions::oidc::{self as act, SettingsView};
use crate::oidc::OidcSettings;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use debrief_core::access::AccountRole;
use serde::Deserialize;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/settings/sign-in", get(page).post(save))
}

/// The form's field names (messages for other fields go to the top).
const FIELDS: &[&str] = &[
    "issuer",
    "client_id",
    "client_secret",
    "button_label",
    "allowed_domains",
    "role_claim",
    "admin_value",
    "responder_value",
    "viewer_value",
    "allow_password",
];

#[derive(Template, WebTemplate)]
#[template(path = "settings_sign_in.html")]
struct Page {
    user: String,
    csrf: String,
    saved: bool,
    s: SettingsView,
    domains: String,
    errors: FieldErrors,
    /// The post-logout redirect URL to register with the provider.
    sign_out_url: String,
}

impl Page {
    fn or_empty(v: &Option<String>) -> &str {
        v.as_deref().unwrap_or_default()
    }
}

#[derive(Deserialize)]
struct Saved {
    saved: Option<String>,
}

async fn page(
    State(state): State<AppState>,
    actor: UiActor,
    Query(q): Query<Saved>,
) -> Result<Response, UiError> {
    actor.0.require(AccountRole::Admin)?;
    let s = act::view(&state, &act::settings(&state).await?);
    Ok(Page {
        user: actor.0.user.name.clone(),
        csrf: actor.csrf(),
        saved: q.saved.is_some(),
        domains: s.settings.allowed_domains.join(", "),
        s,
        errors: FieldErrors::none(),
        sign_out_url: act::post_logout_url(&state),
    }
    .into_response())
}

fn input(pairs: &Pairs) -> OidcSettings {
    OidcSettings {
        issuer: field(pairs, "issuer").trim().to_string(),
        client_id: field(pairs, "client_id").trim().to_string(),
        client_secret: opt(pairs, "client_secret"),
        button_label: field(pairs, "button_label").trim().to_string(),
        allowed_domains: field(pairs, "allowed_domains")
            .split([',', ' ', '\n', '\r', '\t'])
            .filter(|d| !d.is_empty())
            .map(String::from)
            .collect(),
        role_claim: opt(pairs, "role_claim"),
        admin_value: opt(pairs, "admin_value"),
        responder_value: opt(pairs, "responder_value"),
        viewer_value: opt(pairs, "viewer_value"),
        create_accounts: field(pairs, "create_accounts") == "on",
        allow_password: field(pairs, "allow_password") == "on",
    }
}

async fn save(
    State(state): State<AppState>,
    actor: UiActor,
    CsrfForm(pairs): CsrfForm,
) -> Result<Response, UiError> {
    actor.0.require(AccountRole::Admin)?;
    let i = input(&pairs);
    match act::save_settings(&state, &actor.0, &i).await {
        Ok(_) => Ok(Redirect::to("/settings/sign-in?saved=1").into_response()),
        Err(e) => {
            let errors = FieldErrors::from_error(e, FIELDS)?;
            // What was typed is kept (never the secret).
            let stored = act::view(&state, &act::settings(&state).await?);
            let s = SettingsView {
                settings: OidcSettings {
                    client_secret: None,
                    allowed_domains: Vec::new(),
                    ..i
                },
                ..stored
            };
            let page = Page {
                user: actor.0.user.name.clone(),
                csrf: actor.csrf(),
                saved: false,
                domains: field(&pairs, "allowed_domains").to_string(),
                s,
                errors,
                sign_out_url: act::post_logout_url(&state),
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}
