//! Set-up of the first admin, sign in and sign out.

use super::session::{UiActor, UiError, safe_next};
use crate::actions::account as act;
use crate::auth::{
    LOGIN_CSRF_COOKIE, SESSION_COOKIE, constant_time_eq, cookie, new_secret, set_cookie,
};
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Form, FromRequestParts, Query, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use debrief_core::access::NewUserInput;
use serde::Deserialize;

/// The account routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/setup", get(setup_page).post(setup))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
}

/// The pre-session CSRF token (double-submit cookie) for sign-in and set-up forms, and the
/// address the request came from (sign-ins are limited per address).
pub(crate) struct LoginCsrf(Option<String>, pub(crate) Option<std::net::IpAddr>);

impl FromRequestParts<AppState> for LoginCsrf {
    type Rejection = UiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // Signing in from another site's form (login CSRF) is refused as any other cross-site
        // write is.
        if !crate::auth::is_safe(&parts.method) {
            crate::auth::check_same_origin(parts, state)?;
        }
        let client = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(LoginCsrf(
            cookie(parts, LOGIN_CSRF_COOKIE).map(String::from),
            client,
        ))
    }
}

pub(crate) fn with_login_csrf(state: &AppState, page: impl IntoResponse, token: &str) -> Response {
    let mut res = page.into_response();
    if let Ok(v) = set_cookie(state, LOGIN_CSRF_COOKIE, token, 3600).parse() {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

pub(crate) fn check_login_csrf(cookie: &LoginCsrf, sent: &str) -> Result<(), AppError> {
    match &cookie.0 {
        Some(c) if constant_time_eq(c, sent) => Ok(()),
        _ => Err(AppError::Forbidden(
            "the form has expired; reload the page and try again".into(),
        )),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "setup.html")]
struct SetupPage {
    token: String,
    csrf: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

async fn setup_page(
    State(state): State<AppState>,
    Query(q): Query<TokenQuery>,
) -> Result<Response, UiError> {
    let token = q.token.unwrap_or_default();
    if !act::setup_token_valid(&state, &token).await? {
        return Err(AppError::Forbidden(
            "this set-up link is used or wrong; the server prints a new one on an empty database"
                .into(),
        )
        .into());
    }
    let csrf = new_secret();
    Ok(with_login_csrf(
        &state,
        SetupPage {
            token,
            csrf: csrf.clone(),
            error: None,
        },
        &csrf,
    ))
}

#[derive(Deserialize)]
struct SetupForm {
    token: String,
    csrf: String,
    email: String,
    name: String,
    password: String,
}

async fn setup(
    State(state): State<AppState>,
    c: LoginCsrf,
    Form(f): Form<SetupForm>,
) -> Result<Response, UiError> {
    check_login_csrf(&c, &f.csrf)?;
    let input = NewUserInput {
        email: f.email,
        name: f.name,
        role: None,
        password: Some(f.password),
    };
    match act::complete_setup(&state, &f.token, &input).await {
        Ok(user) => signed_in(&state, &user, "/", None).await,
        Err(AppError::Validation(v)) => {
            let csrf = new_secret();
            let error = v
                .fields
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; ");
            Ok(with_login_csrf(
                &state,
                SetupPage {
                    token: f.token,
                    csrf: csrf.clone(),
                    error: Some(error),
                },
                &csrf,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    next: String,
    csrf: String,
    error: Option<String>,
    email: String,
    /// The OpenID provider's button text, when sign-in through it is set up.
    provider: Option<String>,
    /// Whether the password form is shown.
    password: bool,
    /// `next`, percent-encoded for the provider's link.
    next_q: String,
}

impl LoginPage {
    async fn new(
        state: &AppState,
        next: String,
        csrf: String,
        error: Option<String>,
        email: String,
    ) -> Result<Self, AppError> {
        let s = crate::actions::oidc::settings(state).await?;
        Ok(Self {
            next_q: super::session::urlencode(&next),
            next,
            csrf,
            error,
            email,
            provider: s.configured().then(|| s.settings.label()),
            password: crate::actions::oidc::password_allowed(state, &s),
        })
    }
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_page(
    State(state): State<AppState>,
    Query(q): Query<NextQuery>,
) -> Result<Response, UiError> {
    let csrf = new_secret();
    let next = safe_next(q.next.as_deref());
    let page = LoginPage::new(&state, next, csrf.clone(), None, String::new()).await?;
    Ok(with_login_csrf(&state, page, &csrf))
}

#[derive(Deserialize)]
struct LoginForm {
    csrf: String,
    email: String,
    password: String,
    next: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    c: LoginCsrf,
    Form(f): Form<LoginForm>,
) -> Result<Response, UiError> {
    check_login_csrf(&c, &f.csrf)?;
    let next = safe_next(f.next.as_deref());
    let oidc = crate::actions::oidc::settings(&state).await?;
    if !crate::actions::oidc::password_allowed(&state, &oidc) {
        return Err(AppError::Forbidden(format!(
            "password sign-in is switched off here; use '{}' on the sign-in page",
            oidc.settings.label()
        ))
        .into());
    }
    match act::check_password(&state, c.1, &f.email, &f.password).await {
        Ok(user) => signed_in(&state, &user, &next, None).await,
        Err(
            e @ (AppError::Unauthorized(_)
            | AppError::TooManyRequests { .. }
            | AppError::Unavailable { .. }),
        ) => {
            let csrf = new_secret();
            let page =
                LoginPage::new(&state, next, csrf.clone(), Some(e.detail()), f.email).await?;
            let mut res = with_login_csrf(&state, page, &csrf);
            *res.status_mut() = e.status();
            e.add_retry_after(&mut res);
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

/// Starts a session for `user` and sends the browser to `next`: the session cookie, the zone
/// cookie of their settings, and the sign-in recorded.
pub(crate) async fn signed_in(
    state: &AppState,
    user: &debrief_store::account::User,
    next: &str,
    oidc_id_token: Option<&str>,
) -> Result<Response, UiError> {
    let secret = act::start_session(state, user, oidc_id_token).await?;
    state
        .store
        .record_sign_in(user.id, state.clock.now())
        .await?;
    let zone = state.store.profile(user.id).await?.time_zone;
    let mut res = Redirect::to(next).into_response();
    let max_age = state.config.session_hours * 3600;
    for c in [
        set_cookie(state, SESSION_COOKIE, &secret, max_age),
        super::me::zone_cookie(state, zone.as_deref()),
    ] {
        if let Ok(v) = c.parse() {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Ok(res)
}

async fn logout(
    State(state): State<AppState>,
    actor: UiActor,
    _form: crate::ui::form::CsrfForm,
) -> Result<Response, UiError> {
    let mut provider_sign_out = None;
    if let crate::auth::Via::Session { token_hash, .. } = &actor.0.via {
        let id_token = state.store.delete_session(token_hash).await?;
        // Its open live streams end too.
        crate::actions::people::announce(&state, actor.0.user.id).await;
        if let Some(t) = id_token {
            provider_sign_out = crate::actions::oidc::end_session_url(&state, &t).await;
        }
    }
    // Signed in through the provider: on to its sign-out too (RP-initiated logout). A page,
    // not a redirect: the form-action CSP would stop a form's redirect to another origin.
    let mut res = match provider_sign_out {
        Some(url) => super::oidc::SigningOut { url }.into_response(),
        None => Redirect::to("/login").into_response(),
    };
    if let Ok(v) = set_cookie(&state, SESSION_COOKIE, "", 0).parse() {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}
