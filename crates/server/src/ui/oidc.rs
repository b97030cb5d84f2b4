//! Sign-in through the OpenID provider: `/auth/oidc/start` sends the browser to the provider
//! (a cookie binds the sign-in to this browser), `/auth/oidc/callback` finishes it and starts
//! the same web session a password sign-in starts (keeping the ID token, so signing out of
//! Debrief signs out at the provider too when it offers that). Every failure is a page saying what went
//! wrong, with a link to try again.

use super::account::signed_in;
use super::session::{UiError, safe_next, urlencode};
use crate::AppState;
use crate::actions::oidc::{self as act, Failure};
use crate::auth::{cookie_in, new_secret, set_cookie};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

/// The cookie that binds a sign-in under way to the browser that started it.
const FLOW_COOKIE: &str = "debrief_oidc";

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/oidc/start", get(start))
        .route(crate::oidc::CALLBACK_PATH, get(callback))
}

#[derive(Template, WebTemplate)]
#[template(path = "oidc_error.html")]
struct FailurePage {
    message: String,
    next: String,
}

fn failure(f: Failure, next: &str) -> Response {
    let status = if f.status.is_server_error() && f.status != StatusCode::SERVICE_UNAVAILABLE {
        StatusCode::BAD_GATEWAY
    } else {
        f.status
    };
    let page = FailurePage {
        message: f.message,
        next: urlencode(next),
    };
    (status, page).into_response()
}

/// The page that sends a browser signing out of Debrief on to the provider's sign-out.
#[derive(Template, WebTemplate)]
#[template(path = "oidc_signing_out.html")]
pub(crate) struct SigningOut {
    /// The provider's end-session URL, with the hint and the way back.
    pub(crate) url: String,
}

#[derive(Deserialize)]
struct StartQuery {
    next: Option<String>,
}

async fn start(State(state): State<AppState>, Query(q): Query<StartQuery>) -> Response {
    let next = safe_next(q.next.as_deref());
    let browser = new_secret();
    match act::start(&state, &browser, &next).await {
        Ok(url) => {
            let mut res = (StatusCode::FOUND, [(header::LOCATION, url)]).into_response();
            let max_age = crate::oidc::FLOW_SECONDS;
            if let Ok(v) = set_cookie(&state, FLOW_COOKIE, &browser, max_age).parse() {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
            res
        }
        Err(f) => failure(f, &next),
    }
}

/// What the provider appends to the callback: a code and our state, or an `error`.
#[derive(Deserialize)]
struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
    /// The provider's issuer (RFC 9207), when it names itself.
    iss: Option<String>,
}

async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<Callback>,
) -> Result<Response, UiError> {
    let browser = cookie_in(&headers, FLOW_COOKIE).map(String::from);
    if let Some(error) = q.error {
        let why = q.error_description.unwrap_or_default();
        let message = match error.as_str() {
            "access_denied" => "the sign-in was cancelled or refused at the provider".to_string(),
            _ => format!("the provider answered '{error}'"),
        };
        let message = if why.is_empty() {
            message
        } else {
            format!("{message}: {why}")
        };
        return Ok(failure(
            Failure {
                status: StatusCode::BAD_REQUEST,
                message,
            },
            "/",
        ));
    }
    let (Some(code), Some(flow_state)) = (q.code, q.state) else {
        return Ok(failure(
            Failure {
                status: StatusCode::BAD_REQUEST,
                message: "the provider's answer has no code or state; start again".into(),
            },
            "/",
        ));
    };
    match act::finish(
        &state,
        browser.as_deref(),
        &flow_state,
        &code,
        q.iss.as_deref(),
    )
    .await
    {
        Ok((user, next, id_token)) => {
            let mut res = signed_in(&state, &user, &next, Some(&id_token)).await?;
            if let Ok(v) = set_cookie(&state, FLOW_COOKIE, "", 0).parse() {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
            Ok(res)
        }
        Err(f) => Ok(failure(f, "/")),
    }
}
