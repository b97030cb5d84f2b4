//! A person's own settings (`/settings/me`, everyone signed in): name, the zone times are shown
//! in, password, API tokens, and the way to their on-call notification rules.

use super::field_errors::FieldErrors;
use super::form::{CsrfForm, Pairs, field, opt};
use super::session::{UiActor, UiError};
use super::view::TimeView;
use crate::actions::account::{self as account, NewTokenInput};
use crate::actions::people::{self, ProfileInput};
use crate::auth::{SESSION_COOKIE, set_cookie};
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use debrief_core::access::AccountRole;

/// The cookie that tells `app.js` which zone to show times in (not secret; set at sign-in and
/// when the setting changes; absent: the browser's zone).
pub const ZONE_COOKIE: &str = "debrief_zone";

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/me", get(page))
        .route("/settings/me/profile", post(save_profile))
        .route("/settings/me/password", post(change_password))
        .route("/settings/me/tokens", post(create_token))
        .route("/settings/me/tokens/{id}/revoke", post(revoke_token))
}

/// One of the person's API tokens.
pub struct TokenRow {
    id: i64,
    name: String,
    scope: &'static str,
    created: TimeView,
    last_used: Option<TimeView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "me.html")]
struct MePage {
    user: String,
    csrf: String,
    /// Admins see the other settings' tabs; the others may only open this page.
    is_admin: bool,
    email: String,
    role: &'static str,
    name: String,
    time_zone: String,
    zones: Vec<String>,
    tokens: Vec<TokenRow>,
    new_token: Option<String>,
    notice: Option<String>,
    errors: FieldErrors,
    token_name: String,
    scopes: Vec<(&'static str, &'static str)>,
}

fn scope_name(s: debrief_core::access::Scope) -> &'static str {
    match s.as_str() {
        "read" => "Read only",
        "write" => "Read and run incidents",
        _ => "Everything you may do",
    }
}

#[derive(Default)]
struct Extra {
    notice: Option<String>,
    errors: FieldErrors,
    form: Option<Pairs>,
    new_token: Option<String>,
}

async fn render(state: &AppState, actor: &UiActor, extra: Extra) -> Result<MePage, UiError> {
    let me = state.store.user(actor.0.user.id).await?;
    let profile = state.store.profile(me.id).await?;
    let tokens = state
        .store
        .list_tokens(Some(me.id))
        .await?
        .into_iter()
        .filter(|t| t.revoked_at.is_none())
        .map(|t| TokenRow {
            id: t.id,
            name: t.name,
            scope: scope_name(t.scope),
            created: TimeView::new(t.created_at),
            last_used: t.last_used_at.map(TimeView::new),
        })
        .collect();
    let form = extra.form.unwrap_or_default();
    let typed = |name: &str, saved: String| {
        if form.iter().any(|(k, _)| k == name) {
            field(&form, name).to_string()
        } else {
            saved
        }
    };
    let mut scopes = vec![("read", "Read only"), ("write", "Read and run incidents")];
    if me.role == AccountRole::Admin {
        scopes.push(("admin", "Everything you may do (admin)"));
    }
    Ok(MePage {
        user: me.name.clone(),
        csrf: actor.csrf(),
        is_admin: me.role == AccountRole::Admin,
        email: me.email.clone(),
        role: super::people::role_name(me.role),
        name: typed("name", me.name.clone()),
        time_zone: typed("time_zone", profile.time_zone.unwrap_or_default()),
        zones: jiff::tz::db()
            .available()
            .map(|z| z.to_string())
            .filter(|z| z.contains('/') && !z.starts_with("Etc/"))
            .collect(),
        tokens,
        new_token: extra.new_token,
        notice: extra.notice,
        errors: extra.errors,
        token_name: typed("token_name", String::new()),
        scopes,
    })
}

async fn page(State(state): State<AppState>, actor: UiActor) -> Result<Response, UiError> {
    Ok(render(&state, &actor, Extra::default())
        .await?
        .into_response())
}

/// The page again with the errors beside their fields (422), or an error page for anything a
/// person cannot fix in the form.
async fn refused(
    state: &AppState,
    actor: &UiActor,
    e: AppError,
    known: &[&str],
    form: Pairs,
) -> Result<Response, UiError> {
    let status = match &e {
        AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
        other => other.status(),
    };
    let errors = FieldErrors::from_error(e, known)?;
    let page = render(
        state,
        actor,
        Extra {
            errors,
            form: Some(form),
            ..Extra::default()
        },
    )
    .await?;
    Ok((status, page).into_response())
}

fn with_cookie(mut res: Response, cookie: String) -> Response {
    if let Ok(v) = cookie.parse() {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// The `Set-Cookie` value that tells `app.js` the zone (an expired cookie for none).
pub fn zone_cookie(state: &AppState, zone: Option<&str>) -> String {
    let value = zone.unwrap_or("");
    let age = if zone.is_some() { 400 * 24 * 3600 } else { 0 };
    // Readable by the page's script (it is not a secret), so not HttpOnly.
    set_cookie(state, ZONE_COOKIE, value, age).replace("; HttpOnly", "")
}

async fn save_profile(
    State(state): State<AppState>,
    actor: UiActor,
    CsrfForm(p): CsrfForm,
) -> Result<Response, UiError> {
    let input = ProfileInput {
        name: Some(field(&p, "name").to_string()),
        time_zone: Some(field(&p, "time_zone").to_string()),
    };
    if let Err(e) = people::update_profile(&state, &actor.0, &input).await {
        return refused(&state, &actor, e, &["name", "time_zone"], p).await;
    }
    let zone = opt(&p, "time_zone");
    let page = render(
        &state,
        &actor,
        Extra {
            notice: Some("Your settings are saved.".into()),
            ..Extra::default()
        },
    )
    .await?;
    Ok(with_cookie(
        page.into_response(),
        zone_cookie(&state, zone.as_deref()),
    ))
}

async fn change_password(
    State(state): State<AppState>,
    actor: UiActor,
    CsrfForm(p): CsrfForm,
) -> Result<Response, UiError> {
    let new = field(&p, "new_password");
    if new != field(&p, "confirm_password") {
        let e = debrief_core::validation::ValidationError::one(
            "confirm_password",
            "does not match the new password",
        );
        return refused(&state, &actor, e.into(), &["confirm_password"], Vec::new()).await;
    }
    if let Err(e) =
        people::change_password(&state, &actor.0, field(&p, "current_password"), new).await
    {
        return refused(
            &state,
            &actor,
            e,
            &["current_password", "new_password"],
            Vec::new(),
        )
        .await;
    }
    // Every session ended with the change; this browser gets a new one.
    let me = state.store.user(actor.0.user.id).await?;
    let secret = account::start_session(&state, &me, None).await?;
    let max_age = state.config.session_hours * 3600;
    let fresh = crate::ui::session::UiActor(crate::auth::Actor {
        via: crate::auth::Via::Session {
            csrf_token: state
                .store
                .session(&crate::auth::hash_secret(&secret), state.clock.now())
                .await?
                .map(|s| s.csrf_token)
                .unwrap_or_default(),
            token_hash: crate::auth::hash_secret(&secret),
        },
        ..actor.0
    });
    let page = render(
        &state,
        &fresh,
        Extra {
            notice: Some("Your password is changed; you were signed out everywhere else.".into()),
            ..Extra::default()
        },
    )
    .await?;
    Ok(with_cookie(
        page.into_response(),
        set_cookie(&state, SESSION_COOKIE, &secret, max_age),
    ))
}

async fn create_token(
    State(state): State<AppState>,
    actor: UiActor,
    CsrfForm(p): CsrfForm,
) -> Result<Response, UiError> {
    let input = NewTokenInput {
        name: field(&p, "token_name").to_string(),
        scope: opt(&p, "scope"),
        email: None,
    };
    match account::create_token_for(&state, &actor.0, &input).await {
        Ok((t, secret)) => {
            let page = render(
                &state,
                &actor,
                Extra {
                    notice: Some(format!(
                        "Token \"{}\" is made. Copy it now: it is not shown again.",
                        t.name
                    )),
                    new_token: Some(secret),
                    ..Extra::default()
                },
            )
            .await?;
            Ok(page.into_response())
        }
        Err(AppError::Validation(mut v)) => {
            for f in &mut v.fields {
                if f.field == "name" {
                    f.field = "token_name".into();
                }
            }
            refused(&state, &actor, v.into(), &["token_name", "scope"], p).await
        }
        Err(e) => refused(&state, &actor, e, &["token_name", "scope"], p).await,
    }
}

async fn revoke_token(
    State(state): State<AppState>,
    actor: UiActor,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm,
) -> Result<Response, UiError> {
    let id: i64 = id
        .parse()
        .map_err(|_| UiError(AppError::NotFound(format!("token '{id}'"))))?;
    state
        .store
        .revoke_token(id, Some(actor.0.user.id), state.clock.now())
        .await?;
    crate::actions::people::announce(&state, actor.0.user.id).await;
    let page = render(
        &state,
        &actor,
        Extra {
            notice: Some("The token is revoked; it no longer works.".into()),
            ..Extra::default()
        },
    )
    .await?;
    Ok(page.into_response())
}
