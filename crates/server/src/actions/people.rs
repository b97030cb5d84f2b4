//! People (admins manage, everyone edits their own settings): invitations and password-reset
//! links, roles, deactivation, and a person's name, zone and password.
//!
//! Links are single-use and expiring; only the SHA-256 of their secret is stored, so the link
//! is shown once, to the admin who made it (to copy into a chat when there is no SMTP), and
//! e-mailed when SMTP is set up. Deactivating ends the account's sessions and revokes its API
//! tokens and live links in one transaction, and every server forgets its cached tokens at once
//! (PostgreSQL `NOTIFY`).

use crate::auth::{Actor, hash_secret, new_secret};
use crate::jobs::mail::EmailMessage;
use crate::{AppError, AppState};
use debrief_core::Timestamp;
use debrief_core::access::{AccountRole, NewUserInput};
use debrief_core::validation::ValidationError;
use debrief_store::StoreError;
use debrief_store::account::User;
use debrief_store::people::{AccountLink, LinkPurpose, NewLink};
use debrief_store::postgres::AccountNotice;

/// How long an invitation works.
pub const INVITE_DAYS: i64 = 7;
/// How long a password-reset link works.
pub const RESET_HOURS: i64 = 24;

/// A link just made: the only time its address (with the secret) exists.
#[derive(Debug, Clone)]
pub struct IssuedLink {
    /// The stored link.
    pub link: AccountLink,
    /// The address to open.
    pub url: String,
    /// Whether it was also e-mailed (SMTP is set up).
    pub emailed: bool,
}

/// What an admin fills in to invite someone.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InviteInput {
    /// Their e-mail address.
    pub email: String,
    /// Their name (they may change it when accepting); the address's local part when blank.
    #[serde(default)]
    pub name: Option<String>,
    /// `viewer`, `responder` (default) or `admin`.
    #[serde(default)]
    pub role: Option<String>,
}

fn link_url(state: &AppState, path: &str, secret: &str) -> String {
    format!(
        "{}/{path}/{secret}",
        state.config.public_url.trim_end_matches('/')
    )
}

fn after(now: Timestamp, hours: i64) -> Result<Timestamp, AppError> {
    now.checked_add(jiff::SignedDuration::from_hours(hours))
        .map_err(AppError::internal)
}

/// Makes an invitation (admins). A newer invitation to the same address replaces the older.
pub async fn invite(
    state: &AppState,
    actor: &Actor,
    input: &InviteInput,
) -> Result<IssuedLink, AppError> {
    actor.require(AccountRole::Admin)?;
    let email = input.email.trim().to_ascii_lowercase();
    let name = match input.name.as_deref().map(str::trim) {
        Some(n) if !n.is_empty() => n.to_string(),
        _ => email.split('@').next().unwrap_or("").to_string(),
    };
    let new = NewUserInput {
        email,
        name,
        role: input.role.clone(),
        password: None,
    }
    .validate()?;
    if state.store.user_by_email(&new.email).await.is_ok() {
        return Err(ValidationError::conflict(
            "email",
            format!("{} has an account already", new.email),
        )
        .into());
    }
    let (link, secret) = issue(
        state,
        NewLink {
            purpose: LinkPurpose::Invite,
            token_hash: "",
            email: &new.email,
            name: &new.name,
            role: new.role,
            user_id: None,
            created_by: Some(actor.user.id),
            expires_at: after(state.clock.now(), INVITE_DAYS * 24)?,
        },
    )
    .await?;
    let url = link_url(state, "invite", &secret);
    let emailed = mail(
        state,
        &format!("invite:{}", link.id),
        &link.email,
        &format!("{} invited you to Debrief", actor.user.name),
        &format!(
            "{} invited you to Debrief as {}.\n\nOpen this link within {INVITE_DAYS} days to \
             choose your password (it works once):\n\n{url}\n\nIf you did not expect this, \
             ignore this message.\n",
            actor.user.name,
            role_label(new.role)
        ),
    )
    .await?;
    tracing::info!(link.id = link.id, user.role = %new.role, "Invited a person");
    Ok(IssuedLink { link, url, emailed })
}

/// Makes a password-reset link for an account (admins); the account's older reset links stop
/// working.
pub async fn reset_link(
    state: &AppState,
    actor: &Actor,
    user_id: i64,
) -> Result<IssuedLink, AppError> {
    actor.require(AccountRole::Admin)?;
    let user = state.store.user(user_id).await?;
    if user.disabled {
        return Err(AppError::Conflict(format!(
            "{} is deactivated; reactivate the account first",
            user.name
        )));
    }
    let (link, secret) = issue(
        state,
        NewLink {
            purpose: LinkPurpose::Reset,
            token_hash: "",
            email: &user.email,
            name: &user.name,
            role: user.role,
            user_id: Some(user.id),
            created_by: Some(actor.user.id),
            expires_at: after(state.clock.now(), RESET_HOURS)?,
        },
    )
    .await?;
    let url = link_url(state, "reset", &secret);
    let emailed = mail(
        state,
        &format!("reset:{}", link.id),
        &user.email,
        "Choose a new Debrief password",
        &format!(
            "{} made a link for you to choose a new Debrief password. It works once, within \
             {RESET_HOURS} hours:\n\n{url}\n\nChoosing a new password signs you out everywhere.\n",
            actor.user.name
        ),
    )
    .await?;
    Ok(IssuedLink { link, url, emailed })
}

/// Stores `link` under a new secret's hash; returns it and the secret.
async fn issue(state: &AppState, link: NewLink<'_>) -> Result<(AccountLink, String), AppError> {
    let secret = new_secret();
    let hash = hash_secret(&secret);
    let stored = state
        .store
        .create_link(
            &NewLink {
                token_hash: &hash,
                ..link
            },
            state.clock.now(),
        )
        .await?;
    Ok((stored, secret))
}

async fn mail(
    state: &AppState,
    key: &str,
    to: &str,
    subject: &str,
    text: &str,
) -> Result<bool, AppError> {
    if state.config.smtp.is_none() {
        return Ok(false);
    }
    let message = EmailMessage {
        to: vec![to.to_string()],
        subject: subject.to_string(),
        text: text.to_string(),
        html: None,
        attachments: Vec::new(),
        headers: Default::default(),
    };
    crate::jobs::send_email(state, key, &message, state.clock.now()).await?;
    Ok(true)
}

/// A human name for a role.
pub fn role_label(role: AccountRole) -> &'static str {
    match role {
        AccountRole::Viewer => "a viewer",
        AccountRole::Responder => "a responder",
        AccountRole::Admin => "an admin",
    }
}

/// Revokes a pending invitation (admins).
pub async fn revoke_invite(state: &AppState, actor: &Actor, id: i64) -> Result<(), AppError> {
    actor.require(AccountRole::Admin)?;
    let link = state.store.link(id).await?;
    if link.purpose != LinkPurpose::Invite {
        return Err(AppError::NotFound(format!("invitation {id}")));
    }
    state.store.revoke_link(id, state.clock.now()).await?;
    Ok(())
}

/// The live link behind a secret, or why it does not work.
pub async fn live_link(
    state: &AppState,
    secret: &str,
    purpose: LinkPurpose,
) -> Result<AccountLink, AppError> {
    let what = match purpose {
        LinkPurpose::Invite => "invitation",
        LinkPurpose::Reset => "password-reset link",
    };
    let link = state
        .store
        .link_by_hash(&hash_secret(secret))
        .await?
        .filter(|l| l.purpose == purpose)
        .ok_or_else(|| {
            AppError::NotFound(format!("this {what} (check the whole link was copied)"))
        })?;
    if link.used_at.is_some() {
        return Err(AppError::Gone(format!(
            "this {what} was used already; sign in, or ask an admin for a new one"
        )));
    }
    if link.revoked_at.is_some() || link.expires_at <= state.clock.now() {
        return Err(AppError::Gone(format!(
            "this {what} has expired or was replaced; ask an admin for a new one"
        )));
    }
    Ok(link)
}

fn conflict_to_gone(e: StoreError) -> AppError {
    match e {
        StoreError::Conflict(m) => AppError::Gone(m),
        e => e.into(),
    }
}

/// Accepts an invitation: creates the account with the chosen name and password.
pub async fn accept_invite(
    state: &AppState,
    secret: &str,
    name: &str,
    password: &str,
) -> Result<User, AppError> {
    let link = live_link(state, secret, LinkPurpose::Invite).await?;
    let new = NewUserInput {
        email: link.email.clone(),
        name: name.to_string(),
        role: Some(link.role.as_str().into()),
        password: Some(password.to_string()),
    }
    .validate()?;
    let hash = state
        .passwords
        .hash(new.password.clone().unwrap_or_default())
        .await?;
    let user = state
        .store
        .accept_invite(
            &hash_secret(secret),
            &new.name,
            Some(&hash),
            state.clock.now(),
        )
        .await
        .map_err(conflict_to_gone)?;
    tracing::info!(
        user.id = user.id,
        link.id = link.id,
        "An invitation was accepted"
    );
    Ok(user)
}

/// Checks a new password as accounts do (at least 12 characters).
fn check_password(field: &str, password: &str) -> Result<(), AppError> {
    NewUserInput {
        email: "x@example.com".into(),
        name: "x".into(),
        role: None,
        password: Some(password.to_string()),
    }
    .validate()
    .map(|_| ())
    .map_err(|v| {
        let mut e = ValidationError::default();
        for f in v.fields {
            e.push(field, f.message);
        }
        e.into()
    })
}

/// Uses a reset link: sets the password and signs the account out everywhere.
pub async fn use_reset(state: &AppState, secret: &str, password: &str) -> Result<User, AppError> {
    live_link(state, secret, LinkPurpose::Reset).await?;
    check_password("password", password)?;
    let hash = state.passwords.hash(password.to_string()).await?;
    let user = state
        .store
        .use_reset_link(&hash_secret(secret), &hash, state.clock.now())
        .await
        .map_err(conflict_to_gone)?;
    tracing::info!(user.id = user.id, "A password was reset with a link");
    Ok(user)
}

/// Forgets cached tokens here and tells the other servers to; this server's open live streams
/// of the account check at once whether it may still stream (other servers' do as they hear
/// the notice).
pub(crate) async fn announce(state: &AppState, user_id: i64) {
    state.caches.account_changed(user_id);
    if let Err(e) = state.store.notify_account(AccountNotice { user_id }).await {
        tracing::warn!(error = %e, "Could not announce an account change to other servers");
    }
}

/// Deactivates or reactivates an account (admins; not their own).
pub async fn set_active(
    state: &AppState,
    actor: &Actor,
    id: i64,
    active: bool,
) -> Result<User, AppError> {
    actor.require(AccountRole::Admin)?;
    if id == actor.user.id && !active {
        return Err(AppError::Conflict(
            "you cannot deactivate yourself; ask another admin".into(),
        ));
    }
    let user = state
        .store
        .set_user_active(id, active, state.clock.now())
        .await?;
    announce(state, id).await;
    tracing::info!(user.id = id, active, "Changed whether an account is active");
    Ok(user)
}

/// Changes an account's role (admins; not their own).
pub async fn set_role(
    state: &AppState,
    actor: &Actor,
    id: i64,
    role: &str,
) -> Result<User, AppError> {
    actor.require(AccountRole::Admin)?;
    let role: AccountRole = role
        .parse()
        .map_err(|m: String| ValidationError::one("role", m))?;
    if id == actor.user.id && role != AccountRole::Admin {
        return Err(AppError::Conflict(
            "you cannot demote yourself; ask another admin".into(),
        ));
    }
    let user = state.store.set_user_role(id, role).await?;
    announce(state, id).await;
    Ok(user)
}

/// What a person may change about themselves.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileInput {
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// IANA zone (`Europe/Paris`); empty follows the browser.
    #[serde(default)]
    pub time_zone: Option<String>,
}

/// Changes the caller's name and zone.
pub async fn update_profile(
    state: &AppState,
    actor: &Actor,
    input: &ProfileInput,
) -> Result<(), AppError> {
    let mut e = ValidationError::default();
    let name = input
        .name
        .as_deref()
        .map(|n| debrief_core::validation::required_text(&mut e, "name", n, 100));
    let zone = input.time_zone.as_deref().map(str::trim).map(|z| {
        if z.is_empty() {
            None
        } else if z.len() > 64 || jiff::tz::TimeZone::get(z).is_err() {
            e.push_missing(
                "time_zone",
                format!("'{z}' is not a time zone this server knows; pick one like Europe/Paris"),
            );
            None
        } else {
            Some(z)
        }
    });
    e.into_result(())?;
    state
        .store
        .update_profile(actor.user.id, name.as_deref(), zone)
        .await?;
    // Cached tokens carry the account as it was.
    state.caches.clear_tokens();
    Ok(())
}

/// Changes the caller's password after checking the current one; every session of the account
/// ends (the caller's browser gets a new one).
pub async fn change_password(
    state: &AppState,
    actor: &Actor,
    current: &str,
    new: &str,
) -> Result<(), AppError> {
    let creds = state
        .store
        .credentials(&actor.user.email)
        .await?
        .ok_or_else(|| AppError::NotFound("your account".into()))?;
    let ok = match creds.password_hash {
        Some(h) => state.passwords.verify(current.to_string(), h).await?,
        None => false,
    };
    if !ok {
        return Err(
            ValidationError::one("current_password", "is not your current password").into(),
        );
    }
    check_password("new_password", new)?;
    let hash = state.passwords.hash(new.to_string()).await?;
    state.store.set_password(actor.user.id, &hash).await?;
    Ok(())
}
