//! Signed, single-use, expiring links that acknowledge or resolve a page: one click from an
//! e-mail, one tap on a phone's notification.
//!
//! A link is `/p/{body}.{signature}`: the body names the page, the user, the action, the
//! expiry and a random nonce (base64url), the signature is its HMAC-SHA256 under a key kept
//! in the settings. Using a link records its nonce in the transaction that changes the page,
//! so it works once.

use super::*;
use debrief_store::oncall::PageChange;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// How long an acknowledge or resolve link works.
pub const LINK_HOURS: i64 = 24;

/// What a link does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkAction {
    /// Acknowledge the page.
    Acknowledge,
    /// Resolve the page.
    Resolve,
}

async fn link_key(state: &AppState) -> Result<Vec<u8>, AppError> {
    if let Some(k) = state.caches.link_key() {
        return Ok(k);
    }
    let hex = state
        .store
        .setting_or_insert("oncall.link_key", &crate::auth::new_hex(32))
        .await?;
    state.caches.put_link_key(hex.clone().into_bytes());
    Ok(hex.into_bytes())
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn sign(key: &[u8], body: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any size");
    mac.update(body.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// A signed link that acknowledges or resolves `page` as `user`, once, until it expires
/// ([`LINK_HOURS`] after `now`).
pub async fn action_link(
    state: &AppState,
    page: i64,
    user: i64,
    action: LinkAction,
    now: Timestamp,
) -> Result<String, AppError> {
    let key = link_key(state).await?;
    let expires = now.as_second() + LINK_HOURS * 3600;
    let a = match action {
        LinkAction::Acknowledge => "a",
        LinkAction::Resolve => "r",
    };
    let body = format!("{page}.{user}.{a}.{expires}.{}", crate::auth::new_hex(8));
    let token = format!("{}.{}", b64(body.as_bytes()), b64(&sign(&key, &body)));
    Ok(format!(
        "{}/p/{token}",
        state.config.public_url.trim_end_matches('/')
    ))
}

/// What using a link did, for the page that answers it.
#[derive(Debug, Clone)]
pub struct LinkOutcome {
    /// The page as it is now.
    pub page: Page,
    /// What the link does.
    pub action: LinkAction,
    /// Whose link it is.
    pub user: String,
    /// `true`: this use changed the page; `false`: it was already so.
    pub changed: bool,
}

/// Uses a link: checks its signature and expiry, uses it up, and acknowledges or resolves.
pub async fn use_link(state: &AppState, token: &str) -> Result<LinkOutcome, AppError> {
    use base64::Engine;
    let bad =
        || AppError::NotFound("this link is not valid (it may have been mistyped or cut)".into());
    let (body_b64, sig_b64) = token.split_once('.').ok_or_else(bad)?;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let body = engine.decode(body_b64).map_err(|_| bad())?;
    let sig = engine.decode(sig_b64).map_err(|_| bad())?;
    let body = String::from_utf8(body).map_err(|_| bad())?;
    let key = link_key(state).await?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes a key of any size");
    mac.update(body.as_bytes());
    mac.verify_slice(&sig).map_err(|_| bad())?;
    let parts: Vec<&str> = body.split('.').collect();
    let [page, user, action, expires, nonce] = parts.as_slice() else {
        return Err(bad());
    };
    let page: i64 = page.parse().map_err(|_| bad())?;
    let user: i64 = user.parse().map_err(|_| bad())?;
    let expires: i64 = expires.parse().map_err(|_| bad())?;
    let action = match *action {
        "a" => LinkAction::Acknowledge,
        "r" => LinkAction::Resolve,
        _ => return Err(bad()),
    };
    let now = state.clock.now();
    if now.as_second() >= expires {
        return Err(AppError::Gone(format!(
            "this link expired (links work for {LINK_HOURS} hours); open the page in Debrief instead"
        )));
    }
    let person = state.store.user(user).await?;
    if person.disabled {
        return Err(AppError::Forbidden(
            "this link's user is deactivated".into(),
        ));
    }
    let resolve = action == LinkAction::Resolve;
    let changed = match state
        .store
        .change_page(page, resolve, Some(user), Some((nonce, user)), now)
        .await?
    {
        PageChange::Done(p) => {
            let actor = Actor {
                role: person.role,
                via: crate::auth::Via::Link,
                user: person.clone(),
            };
            after_change(state, Some(&actor), &p, resolve).await?;
            (p, true)
        }
        PageChange::Already(p) => (p, false),
        PageChange::LinkUsed => {
            return Err(AppError::Gone(
                "this link was used already: each link works once".into(),
            ));
        }
    };
    Ok(LinkOutcome {
        page: changed.0,
        action,
        user: person.name,
        changed: changed.1,
    })
}
