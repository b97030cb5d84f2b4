//! The pages behind single-use links (no session needed): `/invite/{secret}` creates the
//! invited account (name and password) and signs it in; `/reset/{secret}` sets a new
//! password. A used, revoked or expired link gets a page that says so (410) and what to do.
//! The logic is in [`crate::actions::people`].

use super::account::{LoginCsrf, check_login_csrf, signed_in, with_login_csrf};
use super::field_errors::FieldErrors;
use super::form::{Pairs, field};
use super::session::UiError;
use crate::actions::people;
use crate::auth::new_secret;
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use debrief_core::validation::ValidationError;
use debrief_store::people::LinkPurpose;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/invite/{secret}", get(invite_page).post(accept))
        .route("/reset/{secret}", get(reset_page).post(reset))
}

#[derive(Template, WebTemplate)]
#[template(path = "account_link.html")]
struct LinkPage {
    /// `invite` or `reset`.
    purpose: &'static str,
    secret: String,
    csrf: String,
    email: String,
    name: String,
    role: &'static str,
    errors: FieldErrors,
    /// The OpenID provider's button, when sign-in through it is set up.
    provider: Option<String>,
    /// Whether a password may be chosen (password sign-in is on).
    password: bool,
}

fn purpose_of(p: LinkPurpose) -> &'static str {
    match p {
        LinkPurpose::Invite => "invite",
        LinkPurpose::Reset => "reset",
    }
}

async fn show(
    state: &AppState,
    secret: String,
    purpose: LinkPurpose,
    errors: FieldErrors,
    typed_name: Option<String>,
) -> Result<Response, UiError> {
    let link = people::live_link(state, &secret, purpose).await?;
    let csrf = new_secret();
    let status = if errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let oidc = crate::actions::oidc::settings(state).await?;
    let page = LinkPage {
        provider: oidc.configured().then(|| oidc.settings.label()),
        password: crate::actions::oidc::password_allowed(state, &oidc),
        purpose: purpose_of(purpose),
        secret,
        csrf: csrf.clone(),
        email: link.email,
        name: typed_name.unwrap_or(link.name),
        role: super::people::role_name(link.role),
        errors,
    };
    let mut res = with_login_csrf(state, page, &csrf);
    *res.status_mut() = status;
    Ok(res)
}

async fn invite_page(
    State(state): State<AppState>,
    Path(secret): Path<String>,
) -> Result<Response, UiError> {
    show(
        &state,
        secret,
        LinkPurpose::Invite,
        FieldErrors::none(),
        None,
    )
    .await
}

async fn reset_page(
    State(state): State<AppState>,
    Path(secret): Path<String>,
) -> Result<Response, UiError> {
    show(
        &state,
        secret,
        LinkPurpose::Reset,
        FieldErrors::none(),
        None,
    )
    .await
}

/// With password sign-in switched off, nobody chooses a password through a link either.
async fn refuse_passwords_when_off(state: &AppState) -> Result<(), AppError> {
    let oidc = crate::actions::oidc::settings(state).await?;
    if crate::actions::oidc::password_allowed(state, &oidc) {
        return Ok(());
    }
    Err(AppError::Forbidden(format!(
        "password sign-in is switched off here; use “{}”",
        oidc.settings.label()
    )))
}

/// The two password fields agree, or the error to show beside the second.
fn same_passwords(p: &Pairs) -> Result<(), AppError> {
    if field(p, "password") == field(p, "confirm_password") {
        Ok(())
    } else {
        Err(ValidationError::one("confirm_password", "does not match the password").into())
    }
}

async fn accept(
    State(state): State<AppState>,
    Path(secret): Path<String>,
    c: LoginCsrf,
    Form(p): Form<Pairs>,
) -> Result<Response, UiError> {
    check_login_csrf(&c, field(&p, "csrf"))?;
    refuse_passwords_when_off(&state).await?;
    let done = match same_passwords(&p) {
        Ok(()) => {
            people::accept_invite(&state, &secret, field(&p, "name"), field(&p, "password")).await
        }
        Err(e) => Err(e),
    };
    match done {
        Ok(user) => signed_in(&state, &user, "/", None).await,
        Err(e) => {
            let errors = FieldErrors::from_error(e, &["name", "password", "confirm_password"])?;
            let name = field(&p, "name").to_string();
            show(&state, secret, LinkPurpose::Invite, errors, Some(name)).await
        }
    }
}

async fn reset(
    State(state): State<AppState>,
    Path(secret): Path<String>,
    c: LoginCsrf,
    Form(p): Form<Pairs>,
) -> Result<Response, UiError> {
    check_login_csrf(&c, field(&p, "csrf"))?;
    refuse_passwords_when_off(&state).await?;
    let done = match same_passwords(&p) {
        Ok(()) => people::use_reset(&state, &secret, field(&p, "password")).await,
        Err(e) => Err(e),
    };
    match done {
        Ok(user) => signed_in(&state, &user, "/", None).await,
        Err(e) => {
            let errors = FieldErrors::from_error(e, &["password", "confirm_password"])?;
            show(&state, secret, LinkPurpose::Reset, errors, None).await
        }
    }
}
