//! Who is asking: web sessions (cookie) and API tokens (bearer), passwords and secrets.
//!
//! Secrets (session ids, API tokens, the set-up token) are 32 random bytes shown to their holder
//! once; the database keeps only their SHA-256. Passwords are Argon2id PHC strings, computed under the bound of [`crate::password`].

use crate::{AppError, AppState};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, header};
use debrief_core::access::{AccountRole, Viewer};
use debrief_store::account::User;
use sha2::{Digest, Sha256};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "debrief_session";
/// The pre-session CSRF cookie used by the sign-in and set-up forms.
pub const LOGIN_CSRF_COOKIE: &str = "debrief_csrf";

/// How the caller authenticated.
#[derive(Debug, Clone)]
pub enum Via {
    /// A web session; unsafe requests must carry this CSRF token.
    Session {
        /// The session's CSRF token.
        csrf_token: String,
        /// The session secret's hash (to end it).
        token_hash: String,
    },
    /// An API token.
    Token {
        /// The token's id.
        token_id: i64,
    },
    /// A signed, single-use link from a notification (acknowledge or resolve a page).
    Link,
    /// A request signed by Slack, from the Slack user linked to this user.
    Slack,
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The user.
    pub user: User,
    /// What the caller may do: the user's role, limited by a token's scope.
    pub role: AccountRole,
    /// How they authenticated.
    pub via: Via,
}

impl Actor {
    /// The visibility filter for this caller.
    pub fn viewer(&self) -> Viewer {
        Viewer::of(self.user.id, self.role)
    }

    /// Fails with 403 unless the caller has at least `role`.
    pub fn require(&self, role: AccountRole) -> Result<(), AppError> {
        if self.role >= role {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "this needs the {role} role; you act as {} (ask an admin, or use a token with a wider scope)",
                self.role
            )))
        }
    }

    /// The CSRF token of a session caller.
    pub fn csrf_token(&self) -> Option<&str> {
        match &self.via {
            Via::Session { csrf_token, .. } => Some(csrf_token),
            Via::Token { .. } | Via::Link | Via::Slack => None,
        }
    }
}

/// Makes a new random secret, as 64 hex characters.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random source works");
    hex(&bytes)
}

/// `bytes` random bytes from the OS, as lowercase hex (twice as many characters).
pub fn new_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the OS random source works");
    hex(&buf)
}

/// The SHA-256 of a secret, as hex: what the database keeps.
pub fn hash_secret(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares two strings in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A cookie's value from the request.
pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    cookie_in(&parts.headers, name)
}

/// A cookie's value from request headers.
pub fn cookie_in<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|h| {
            h.split(';').find_map(|c| {
                let (k, v) = c.trim().split_once('=')?;
                (k == name).then_some(v)
            })
        })
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, `Secure` when configured.
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age_seconds: i64) -> String {
    let secure = if state.config.cookies_secure() {
        "; Secure"
    } else {
        ""
    };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_seconds}{secure}")
}

/// Authenticates a request, if it carries credentials.
pub async fn authenticate(parts: &Parts, state: &AppState) -> Result<Option<Actor>, AppError> {
    let now = state.clock.now();
    if let Some(h) = parts.headers.get(header::AUTHORIZATION) {
        let value = h.to_str().map_err(|_| {
            AppError::Unauthorized("the Authorization header is not valid text".into())
        })?;
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .ok_or_else(|| AppError::Unauthorized("use 'Authorization: Bearer <token>'".into()))?
            .trim();
        let hash = hash_secret(token);
        let (user, mut token) = match state.caches.token(&hash) {
            Some(found) => found,
            None => state.store.token_user(&hash).await?.ok_or_else(|| {
                AppError::Unauthorized(
                    "the API token is unknown or revoked; create one with 'debrief token create'"
                        .into(),
                )
            })?,
        };
        if token
            .last_used_at
            .is_none_or(|t| now.as_second() - t.as_second() > 60)
        {
            token.last_used_at = Some(now);
            let store = state.store.clone();
            tokio::spawn(async move {
                if let Err(e) = store.touch_token(token.id, now).await {
                    tracing::warn!(error = %e, "Could not record a token's last use");
                }
            });
        }
        state.caches.put_token(&hash, (user.clone(), token.clone()));
        let role = token.scope.limit(user.role);
        return Ok(Some(Actor {
            user,
            role,
            via: Via::Token { token_id: token.id },
        }));
    }
    if let Some(secret) = cookie(parts, SESSION_COOKIE) {
        let token_hash = hash_secret(secret);
        if let Some(session) = state.store.session(&token_hash, now).await? {
            let role = session.user.role;
            return Ok(Some(Actor {
                user: session.user,
                role,
                via: Via::Session {
                    csrf_token: session.csrf_token,
                    token_hash,
                },
            }));
        }
    }
    Ok(None)
}

/// Whether a method changes nothing (RFC 9110 safe methods).
pub fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Refuses a browser's request that says it came from another site: `Sec-Fetch-Site` other than
/// `same-origin` or `none`, or an `Origin` that is neither this server's public URL nor the
/// host the request was sent to. Requests without these headers (API clients, old browsers)
/// pass here and are judged by their CSRF token.
pub fn check_same_origin(parts: &Parts, state: &AppState) -> Result<(), AppError> {
    let refuse = |why: &str| {
        Err(AppError::Forbidden(format!(
            "cross-site request refused: {why}"
        )))
    };
    if let Some(site) = parts.headers.get("sec-fetch-site") {
        match site.to_str().unwrap_or("") {
            "same-origin" | "none" => {}
            other => return refuse(&format!("Sec-Fetch-Site is '{other}'")),
        }
    }
    let Some(origin) = parts.headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().unwrap_or("").trim_end_matches('/');
    let public = state.config.public_url.trim_end_matches('/');
    let public_origin = match public.split_once("://") {
        Some((scheme, rest)) => format!("{scheme}://{}", rest.split('/').next().unwrap_or("")),
        None => public.to_string(),
    };
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let origin_host = origin.split_once("://").map_or("", |(_, h)| h);
    if origin.eq_ignore_ascii_case(&public_origin)
        || (!host.is_empty() && origin_host.eq_ignore_ascii_case(host))
    {
        return Ok(());
    }
    refuse(&format!("Origin '{origin}' is not this site"))
}

impl FromRequestParts<AppState> for Actor {
    type Rejection = AppError;

    /// Requires credentials; a session caller's unsafe API requests must send `X-CSRF-Token`.
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let actor = authenticate(parts, state).await?.ok_or_else(|| {
            AppError::Unauthorized("sign in, or send 'Authorization: Bearer <token>' (create a token with 'debrief token create')".into())
        })?;
        if let Via::Session { csrf_token, .. } = &actor.via
            && !is_safe(&parts.method)
        {
            // Every unsafe request of a cookie session, whatever its path: this extractor
            // serves the API only (the web UI's forms use `UiActor` and a form field). Issue 9:
            // the check once looked for paths starting `/api/`, which the nested router strips.
            check_same_origin(parts, state)?;
            let sent = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !constant_time_eq(sent, csrf_token) {
                return Err(AppError::Forbidden(
                    "missing or wrong X-CSRF-Token header for a cookie-authenticated request"
                        .into(),
                ));
            }
        }
        Ok(actor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_and_hashes_are_stable() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_eq!(
            hash_secret("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn constant_time_comparison_matches_equality() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
