//! Account commands: first-admin set-up, users, sessions and API tokens.

use crate::auth::{Actor, hash_secret, new_secret};
use crate::{AppError, AppState};
use debrief_core::access::{AccountRole, NewUserInput, Scope};
use debrief_core::validation::{ValidationError, required_text};
use debrief_store::account::{ApiToken, User};

/// The settings key that holds the set-up token's hash.
const SETUP_KEY: &str = "setup_token_hash";

/// On an empty database, makes a one-time set-up token and returns it (to print as a link);
/// `None` once a user exists.
pub async fn prepare_setup(state: &AppState) -> Result<Option<String>, AppError> {
    if state.store.count_users().await? > 0 {
        return Ok(None);
    }
    let token = new_secret();
    state
        .store
        .set_setting(SETUP_KEY, &hash_secret(&token))
        .await?;
    Ok(Some(token))
}

/// Whether a set-up token is the live one.
pub async fn setup_token_valid(state: &AppState, token: &str) -> Result<bool, AppError> {
    Ok(match state.store.setting(SETUP_KEY).await? {
        Some(h) => {
            crate::auth::constant_time_eq(&h, &hash_secret(token))
                && state.store.count_users().await? == 0
        }
        None => false,
    })
}

/// Creates the first admin with the one-time set-up token.
pub async fn complete_setup(
    state: &AppState,
    token: &str,
    input: &NewUserInput,
) -> Result<User, AppError> {
    if !setup_token_valid(state, token).await? {
        return Err(AppError::Forbidden("this set-up link is used or wrong; restart the server on an empty database for a new one".into()));
    }
    let new = NewUserInput {
        role: Some("admin".into()),
        ..input.clone()
    }
    .validate()?;
    let password = new
        .password
        .clone()
        .ok_or_else(|| ValidationError::one("password", "must not be empty"))?;
    let hash = state.passwords.hash(password).await?;
    Ok(state
        .store
        .create_first_admin(&new.email, &new.name, &hash, state.clock.now())
        .await?)
}

/// Creates a user (admins only).
pub async fn create_user(
    state: &AppState,
    actor: Option<&Actor>,
    input: &NewUserInput,
) -> Result<User, AppError> {
    if let Some(a) = actor {
        a.require(AccountRole::Admin)?;
    }
    let new = input.validate()?;
    let hash = match new.password.clone() {
        Some(p) => Some(state.passwords.hash(p).await?),
        None => None,
    };
    Ok(state
        .store
        .create_user(
            &new.email,
            &new.name,
            new.role,
            hash.as_deref(),
            state.clock.now(),
        )
        .await?)
}

/// Checks an email and password; the same error whether the email is unknown or the password
/// wrong. `client` is the address the attempt came from (limited per minute), when known.
pub async fn check_password(
    state: &AppState,
    client: Option<std::net::IpAddr>,
    email: &str,
    password: &str,
) -> Result<User, AppError> {
    let wrong = || AppError::Unauthorized("wrong email or password".into());
    if let Some(ip) = client
        && let Err(wait) = state
            .sign_in_addresses
            .attempt(ip, std::time::Instant::now())
    {
        return Err(AppError::TooManyRequests {
            detail: format!(
                "too many sign-ins from your address; try again in {}",
                debrief_core::duration::seconds_or_dash(Some(wait.as_secs().max(1) as f64))
            ),
            retry_after_secs: wait.as_secs().max(1),
        });
    }
    let key = email.trim().to_ascii_lowercase();
    if let Err(wait) = state.logins.check(&key, std::time::Instant::now()) {
        return Err(AppError::TooManyRequests {
            detail: format!(
                "too many failed sign-ins for this email; try again in {}",
                debrief_core::duration::minutes_or_dash(Some(
                    wait.as_secs().div_ceil(60).max(1) as f64
                ))
            ),
            retry_after_secs: wait.as_secs().max(1),
        });
    }
    let creds = state.store.credentials(&key).await?;
    // Verify against a dummy hash when the user is unknown, so timing does not tell.
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$H5c0dvQ9QnHaCgn1oJ1bTc5b4wz4O2yIvX9b1TQ8dQo";
    let (hash, user) = match creds {
        Some(c) => (
            c.password_hash.unwrap_or_else(|| DUMMY.into()),
            Some(c.user),
        ),
        None => (DUMMY.into(), None),
    };
    let ok = state.passwords.verify(password.to_string(), hash).await?;
    match user {
        Some(u) if ok && !u.disabled => {
            state.logins.succeed(&key);
            Ok(u)
        }
        _ => {
            state.logins.fail(&key, std::time::Instant::now());
            Err(wrong())
        }
    }
}

/// Starts a web session; returns the session secret (for the cookie). `oidc_id_token` is the
/// ID token of a sign-in through the OpenID provider, kept to sign out there too.
pub async fn start_session(
    state: &AppState,
    user: &User,
    oidc_id_token: Option<&str>,
) -> Result<String, AppError> {
    let secret = new_secret();
    let now = state.clock.now();
    let expires = now
        .checked_add(jiff::SignedDuration::from_hours(state.config.session_hours))
        .map_err(AppError::internal)?;
    state
        .store
        .create_session(
            &hash_secret(&secret),
            user.id,
            &new_secret(),
            oidc_id_token,
            now,
            expires,
        )
        .await?;
    Ok(secret)
}

/// Input for a new API token.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTokenInput {
    /// What the token is for.
    pub name: String,
    /// `read`, `write` (default) or `admin`.
    pub scope: Option<String>,
    /// Admins may create a token for another user, by email.
    pub email: Option<String>,
}

/// Creates an API token; returns its metadata and the secret, shown once.
pub async fn create_token(
    state: &AppState,
    owner: &User,
    name: &str,
    scope: Scope,
) -> Result<(ApiToken, String), AppError> {
    let secret = format!("dbr_{}", new_secret());
    let token = state
        .store
        .create_token(
            owner.id,
            name,
            scope,
            &hash_secret(&secret),
            state.clock.now(),
        )
        .await?;
    Ok((token, secret))
}

/// Validates token input and works out whose token it is.
pub async fn create_token_for(
    state: &AppState,
    actor: &Actor,
    input: &NewTokenInput,
) -> Result<(ApiToken, String), AppError> {
    let mut e = ValidationError::default();
    let name = required_text(&mut e, "name", &input.name, 100);
    let scope = match input.scope.as_deref() {
        None => Scope::Write,
        Some(s) => s.parse().unwrap_or_else(|m: String| {
            e.push("scope", m);
            Scope::Read
        }),
    };
    e.into_result(())?;
    let owner = match input.email.as_deref() {
        Some(email) if email.trim().to_ascii_lowercase() != actor.user.email => {
            actor.require(AccountRole::Admin)?;
            state.store.user_by_email(email).await.map_err(|_| {
                ValidationError::missing("email", format!("no user with email {email}"))
            })?
        }
        _ => actor.user.clone(),
    };
    // A token never grants more than its maker acts as: a read-only token cannot mint one
    // that writes.
    if scope.limit(owner.role) > actor.role {
        return Err(AppError::Forbidden(format!(
            "a {} token would act as {}, more than you act as ({}); use a token with a wider scope",
            scope.as_str(),
            scope.limit(owner.role),
            actor.role
        )));
    }
    create_token(state, &owner, &name, scope).await
}
