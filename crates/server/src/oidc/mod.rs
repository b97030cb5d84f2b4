//! OpenID Connect sign-in: the provider's settings ([`OidcSettings`], stored as the `oidc`
//! setting with the client secret sealed), its discovery document and keys ([`Providers`], a
//! cache the state holds), the code exchange, the ID token checks ([`id_token`]) and the
//! claims read from the UserInfo endpoint when the ID token lacks them ([`userinfo`]).
//!
//! This module never imports the state (it is held by it): the sign-in itself, which needs the
//! store and the session, is in [`crate::actions::oidc`].

pub mod id_token;
mod provider;
pub mod userinfo;

pub use provider::{
    Discovery, ProviderError, Providers, Tokens, authorization_url, end_session_url, exchange_code,
    fetch_discovery as provider_check,
};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use debrief_core::access::AccountRole;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The key of the `settings` row that holds [`OidcSettings`] as JSON.
pub const SETTING_KEY: &str = "oidc";

/// The key of the `settings` row that holds the client secret, sealed (AES-256-GCM under the
/// operator's key).
pub const SECRET_KEY: &str = "oidc_client_secret";

/// The path of the callback the provider sends the browser back to.
pub const CALLBACK_PATH: &str = "/auth/oidc/callback";

/// How long a sign-in may take at the provider, in seconds.
pub const FLOW_SECONDS: i64 = 600;

/// The provider's settings, as an admin saves them (the API's and the form's input) and as they
/// are stored and shown (without the secret, which is kept sealed under [`SECRET_KEY`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcSettings {
    /// The issuer URL (discovery is at `{issuer}/.well-known/openid-configuration`); empty: no
    /// provider.
    #[serde(default)]
    pub issuer: String,
    /// The client id registered at the provider.
    #[serde(default)]
    pub client_id: String,
    /// A new client secret (input only: never stored in clear nor shown; absent or empty keeps
    /// the stored one).
    #[serde(default, skip_serializing)]
    pub client_secret: Option<String>,
    /// The sign-in button's text.
    #[serde(default)]
    pub button_label: String,
    /// E-mail domains allowed to sign in through the provider (empty: any).
    #[serde(default)]
    pub allowed_domains: Vec<String>,
    /// The claim the role mapping reads (`groups`); `None`: roles are not mapped.
    #[serde(default)]
    pub role_claim: Option<String>,
    /// The claim value that makes an admin.
    #[serde(default)]
    pub admin_value: Option<String>,
    /// The claim value that makes a responder.
    #[serde(default)]
    pub responder_value: Option<String>,
    /// The claim value that makes a viewer.
    #[serde(default)]
    pub viewer_value: Option<String>,
    /// Whether a person without an account gets one at first sign-in.
    #[serde(default)]
    pub create_accounts: bool,
    /// Whether password sign-in stays on.
    #[serde(default = "yes")]
    pub allow_password: bool,
}

fn yes() -> bool {
    true
}

impl Default for OidcSettings {
    fn default() -> Self {
        Self {
            issuer: String::new(),
            client_id: String::new(),
            client_secret: None,
            button_label: String::new(),
            allowed_domains: Vec::new(),
            role_claim: None,
            admin_value: None,
            responder_value: None,
            viewer_value: None,
            create_accounts: false,
            allow_password: true,
        }
    }
}

impl OidcSettings {
    /// Reads the stored JSON; a missing or unreadable value is "no provider".
    pub fn from_json(json: Option<&str>) -> Self {
        json.and_then(|j| serde_json::from_str(j).ok())
            .unwrap_or_default()
    }

    /// The button's text.
    pub fn label(&self) -> String {
        if self.button_label.trim().is_empty() {
            "Sign in with your identity provider".into()
        } else {
            self.button_label.clone()
        }
    }

    /// Whether `email`'s domain may sign in.
    pub fn domain_allowed(&self, email: &str) -> bool {
        self.allowed_domains.is_empty()
            || email.rsplit_once('@').is_some_and(|(_, d)| {
                self.allowed_domains
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case(d))
            })
    }

    /// Whether a role mapping is configured.
    pub fn maps_roles(&self) -> bool {
        self.role_claim.is_some()
            && (self.admin_value.is_some()
                || self.responder_value.is_some()
                || self.viewer_value.is_some())
    }

    /// The role the mapping gives for these claims: the highest role whose value the claim holds
    /// (a string, or an array of strings), else the least-privileged role. `None` when no
    /// mapping is configured.
    pub fn mapped_role(&self, claims: &Value) -> Option<AccountRole> {
        if !self.maps_roles() {
            return None;
        }
        let values: Vec<&str> = match self.role_claim.as_deref().and_then(|c| claims.get(c)) {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let holds = |v: &Option<String>| v.as_deref().is_some_and(|v| values.contains(&v));
        Some(if holds(&self.admin_value) {
            AccountRole::Admin
        } else if holds(&self.responder_value) {
            AccountRole::Responder
        } else {
            AccountRole::Viewer
        })
    }
}

/// A PKCE pair: the verifier kept by us, the S256 challenge sent to the provider.
pub fn pkce(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// `bytes` random bytes as base64url (states, nonces, verifiers).
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the OS random source works");
    URL_SAFE_NO_PAD.encode(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_mapping_gives_the_highest_matching_role_else_the_least() {
        let s = OidcSettings {
            role_claim: Some("groups".into()),
            admin_value: Some("debrief-admins".into()),
            responder_value: Some("oncall".into()),
            ..Default::default()
        };
        let role = |c| s.mapped_role(&c);
        assert_eq!(
            role(json!({"groups": ["oncall", "debrief-admins"]})),
            Some(AccountRole::Admin)
        );
        assert_eq!(
            role(json!({"groups": "oncall"})),
            Some(AccountRole::Responder)
        );
        assert_eq!(role(json!({"groups": ["x"]})), Some(AccountRole::Viewer));
        assert_eq!(OidcSettings::default().mapped_role(&json!({})), None);
    }

    #[test]
    fn domains_and_pkce() {
        let s = OidcSettings {
            allowed_domains: vec!["example.com".into()],
            ..Default::default()
        };
        assert!(s.domain_allowed("a@Example.com"));
        assert!(!s.domain_allowed("a@evil.com"));
        // RFC 7636 appendix B.
        assert_eq!(
            pkce("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
