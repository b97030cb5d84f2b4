//! Linking a Slack account to a Debrief user by hand, for people whose Slack e-mail address is
//! not their Debrief one.
//!
//! A command from an unknown Slack user answers (to them alone) with a link to
//! `/slack/link?team=T…&user=U…&expires=…&sig=…`. The link is signed with an HMAC-SHA256 under
//! a key derived from the app's signing secret, so only Debrief makes one, and only for the
//! Slack user who typed the command; it works for an hour. Opening it signed in shows whom it
//! links; pressing the button (a form with the session's CSRF token) stores the link with the
//! same store function the e-mail match uses.

use crate::AppState;
use debrief_core::Timestamp;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// How long a link works, in seconds.
pub const LINK_SECS: i64 = 3600;

/// What a link binds: a Slack user of a workspace, until `expires` (Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct LinkClaim {
    /// The workspace.
    pub team: String,
    /// The Slack user.
    pub user: String,
    /// When the link stops working, Unix seconds.
    pub expires: i64,
    /// The HMAC, lowercase hex.
    pub sig: String,
}

fn mac(state: &AppState, team: &str, user: &str, expires: i64) -> Option<Hmac<Sha256>> {
    let secret = &state.config.slack.as_ref()?.signing_secret;
    let mut key = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).ok()?;
    key.update(b"debrief slack account link key");
    let derived = key.finalize().into_bytes();
    let mut m = Hmac::<Sha256>::new_from_slice(&derived).ok()?;
    m.update(format!("{team}\n{user}\n{expires}").as_bytes());
    Some(m)
}

/// The link a Slack user opens to link their account (`expires` an hour from now).
pub fn link_url(state: &AppState, team: &str, user: &str) -> String {
    let expires = state.clock.now().as_second() + LINK_SECS;
    let sig = mac(state, team, user, expires)
        .map(|m| {
            m.finalize()
                .into_bytes()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        })
        .unwrap_or_default();
    let mut url = format!(
        "{}/slack/link?",
        state.config.public_url.trim_end_matches('/')
    );
    url.push_str(&crate::outbound::slack::form_body(&[
        ("team", team),
        ("user", user),
        ("expires", &expires.to_string()),
        ("sig", &sig),
    ]));
    url
}

/// Whether `claim` is a link Debrief made and it still works at `now`.
pub fn check_claim(state: &AppState, claim: &LinkClaim, now: Timestamp) -> bool {
    if claim.expires < now.as_second() {
        return false;
    }
    let Some(given) = decode_hex(&claim.sig) else {
        return false;
    };
    mac(state, &claim.team, &claim.user, claim.expires)
        .is_some_and(|m| m.verify_slice(&given).is_ok())
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if s.len() != 64 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}
