//! The provider's side: discovery (checked to name the configured issuer), the JWKS (cached,
//! fetched again once when a token names a key it lacks), the authorization URL and the code
//! exchange, and the end-session URL a browser signs out at. Every request goes through
//! [`Outbound`].

use super::id_token::{Jwks, has_key};
use crate::outbound::{Outbound, Refusal};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::Url;
use serde::Deserialize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a discovery document is reused before it is fetched again.
const DISCOVERY_TTL: Duration = Duration::from_secs(3600);

/// The members of the discovery document Debrief uses.
#[derive(Debug, Clone, Deserialize)]
pub struct Discovery {
    /// The issuer; must equal the configured one.
    pub issuer: String,
    /// Where the browser is sent to sign in.
    pub authorization_endpoint: String,
    /// Where the code is exchanged.
    pub token_endpoint: String,
    /// The provider's signing keys.
    pub jwks_uri: String,
    /// How clients may authenticate at the token endpoint (default: `client_secret_basic`).
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Option<Vec<String>>,
    /// Where claims the ID token lacks may be read with the access token, when offered.
    #[serde(default)]
    pub userinfo_endpoint: Option<String>,
    /// Where the browser is sent to sign out at the provider too (RP-initiated logout), when
    /// offered.
    #[serde(default)]
    pub end_session_endpoint: Option<String>,
}

/// Why talking to the provider failed; the message is shown to admins and people signing in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ProviderError(pub String);

impl From<Refusal> for ProviderError {
    fn from(r: Refusal) -> Self {
        ProviderError(r.to_string())
    }
}

pub(super) fn send_error(what: &str, e: &reqwest::Error) -> ProviderError {
    match Refusal::of(e) {
        Some(r) => ProviderError(format!("{what}: {r}")),
        None if e.is_timeout() => {
            ProviderError(format!("{what}: the provider did not answer in time"))
        }
        None => ProviderError(format!("{what}: the provider could not be reached")),
    }
}

/// GETs `url` through [`Outbound`] (with `bearer` as the access token, when given) and reads
/// its JSON; `what` names it in errors.
pub(super) async fn get_json<T: serde::de::DeserializeOwned>(
    out: &Outbound,
    url: &str,
    what: &str,
    bearer: Option<&str>,
) -> Result<T, ProviderError> {
    let mut req = out
        .get(url)
        .map_err(|r| ProviderError(format!("{what} ({url}): {r}")))?
        .header("accept", "application/json");
    if let Some(token) = bearer {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.map_err(|e| send_error(what, &e))?;
    if !res.status().is_success() {
        return Err(ProviderError(format!(
            "{what} ({url}) answered HTTP {}",
            res.status().as_u16()
        )));
    }
    res.json()
        .await
        .map_err(|_| ProviderError(format!("{what} ({url}) is not the JSON expected")))
}

/// Fetches `{issuer}/.well-known/openid-configuration` and checks it names `issuer`.
pub async fn fetch_discovery(out: &Outbound, issuer: &str) -> Result<Discovery, ProviderError> {
    let url = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let d: Discovery = get_json(out, &url, "the discovery document", None).await?;
    if d.issuer != issuer {
        return Err(ProviderError(format!(
            "the discovery document names the issuer '{}', not '{issuer}' (use exactly that URL)",
            d.issuer
        )));
    }
    Ok(d)
}

struct Cached {
    discovery: Discovery,
    fetched: Instant,
    jwks: Option<Jwks>,
}

/// The discovery document and keys of the configured provider, fetched when first needed.
#[derive(Default)]
pub struct Providers {
    cached: Mutex<Option<Cached>>,
}

impl Providers {
    /// Forgets what was fetched (the settings changed).
    pub fn forget(&self) {
        *self.cached.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// The discovery document of `issuer`, from the cache while it is fresh.
    pub async fn discovery(
        &self,
        out: &Outbound,
        issuer: &str,
    ) -> Result<Discovery, ProviderError> {
        if let Some(c) = &*self.cached.lock().unwrap_or_else(|e| e.into_inner())
            && c.discovery.issuer == issuer
            && c.fetched.elapsed() < DISCOVERY_TTL
        {
            return Ok(c.discovery.clone());
        }
        let d = fetch_discovery(out, issuer).await?;
        *self.cached.lock().unwrap_or_else(|e| e.into_inner()) = Some(Cached {
            discovery: d.clone(),
            fetched: Instant::now(),
            jwks: None,
        });
        Ok(d)
    }

    /// The provider's keys, fetched again (once) when `token` names a key the cached set lacks.
    pub async fn jwks_for(
        &self,
        out: &Outbound,
        d: &Discovery,
        token: &str,
    ) -> Result<Jwks, ProviderError> {
        let cached = self
            .cached
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .filter(|c| c.discovery.issuer == d.issuer)
            .and_then(|c| c.jwks.clone());
        if let Some(k) = cached
            && has_key(&k, token)
        {
            return Ok(k);
        }
        let fresh: Jwks = get_json(out, &d.jwks_uri, "the provider's keys (JWKS)", None).await?;
        if let Some(c) = self
            .cached
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_mut()
            .filter(|c| c.discovery.issuer == d.issuer)
        {
            c.jwks = Some(fresh.clone());
        }
        Ok(fresh)
    }
}

/// `application/x-www-form-urlencoded` of `pairs`.
fn form(pairs: &[(&str, &str)]) -> String {
    let mut u = Url::parse("http://form.invalid/").expect("a valid URL");
    u.query_pairs_mut().extend_pairs(pairs);
    u.query().unwrap_or_default().to_string()
}

/// The provider's authorization URL for a code flow with PKCE (S256).
pub fn authorization_url(
    d: &Discovery,
    client_id: &str,
    redirect_uri: &str,
    state: &str,
    nonce: &str,
    challenge: &str,
) -> Result<String, ProviderError> {
    let mut u = Url::parse(&d.authorization_endpoint)
        .map_err(|_| ProviderError("the provider's authorization endpoint is not a URL".into()))?;
    u.query_pairs_mut().extend_pairs([
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", redirect_uri),
        ("scope", "openid email profile"),
        ("state", state),
        ("nonce", nonce),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ]);
    Ok(u.into())
}

/// The provider's end-session URL (RP-initiated logout 1.0 §2) with `id_token_hint`,
/// `client_id` and `post_logout_redirect_uri`; `None` when discovery names no end-session
/// endpoint, or one that is not an HTTP(S) URL.
pub fn end_session_url(
    d: &Discovery,
    client_id: &str,
    id_token: &str,
    post_logout_redirect_uri: &str,
) -> Option<String> {
    let mut u = Url::parse(d.end_session_endpoint.as_deref()?).ok()?;
    if !matches!(u.scheme(), "https" | "http") {
        return None;
    }
    u.query_pairs_mut().extend_pairs([
        ("id_token_hint", id_token),
        ("client_id", client_id),
        ("post_logout_redirect_uri", post_logout_redirect_uri),
    ]);
    Some(u.into())
}

#[derive(Deserialize)]
struct TokenAnswer {
    id_token: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
}

/// What the token endpoint gave for a code.
#[derive(Debug, Clone)]
pub struct Tokens {
    /// The ID token (checked by [`super::id_token::verify`]).
    pub id_token: String,
    /// The access token, for the UserInfo endpoint; never stored nor logged.
    pub access_token: Option<String>,
}

#[derive(Deserialize)]
struct TokenError {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

/// Exchanges `code` at the token endpoint (`client_secret_basic`, or `client_secret_post` when
/// discovery offers only that) and returns the ID token and the access token.
pub async fn exchange_code(
    out: &Outbound,
    d: &Discovery,
    client_id: &str,
    client_secret: &str,
    code: &str,
    redirect_uri: &str,
    verifier: &str,
) -> Result<Tokens, ProviderError> {
    let methods = d.token_endpoint_auth_methods_supported.as_deref();
    let post_only = methods.is_some_and(|m| {
        !m.iter().any(|x| x == "client_secret_basic") && m.iter().any(|x| x == "client_secret_post")
    });
    let mut fields = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri),
        ("code_verifier", verifier),
    ];
    let mut req = out.post(&d.token_endpoint)?;
    if post_only {
        fields.push(("client_id", client_id));
        fields.push(("client_secret", client_secret));
    } else {
        // RFC 6749 §2.3.1: each part form-encoded before base64.
        let part = |s: &str| form(&[("x", s)]).split_off(2);
        let basic = STANDARD.encode(format!("{}:{}", part(client_id), part(client_secret)));
        req = req.header("authorization", format!("Basic {basic}"));
    }
    let res = req
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(form(&fields))
        .send()
        .await
        .map_err(|e| send_error("the token endpoint", &e))?;
    let status = res.status();
    let body = res
        .bytes()
        .await
        .map_err(|e| send_error("the token endpoint", &e))?;
    if !status.is_success() {
        let why = serde_json::from_slice::<TokenError>(&body)
            .map(|e| match e.error_description {
                Some(d) => format!("{} ({d})", e.error),
                None => e.error,
            })
            .unwrap_or_else(|_| format!("HTTP {}", status.as_u16()));
        return Err(ProviderError(format!(
            "the provider refused the sign-in code: {why}"
        )));
    }
    serde_json::from_slice::<TokenAnswer>(&body)
        .ok()
        .and_then(|t| {
            Some(Tokens {
                id_token: t.id_token?,
                access_token: t.access_token.filter(|a| !a.is_empty()),
            })
        })
        .ok_or_else(|| ProviderError("the token endpoint's answer has no ID token".into()))
}
