//! ID token checks (OpenID Connect Core §3.1.3.7): the signature against the provider's JWKS
//! (RS256/384/512 and ES256/384 with `ring`; `none` and the HMAC algorithms are refused), then
//! `iss`, `aud` (and `azp` when there are several audiences), `exp` and `iat` with a small
//! leeway on the server's clock, and the `nonce` of the sign-in.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};
use serde::Deserialize;
use serde_json::Value;

/// How far the provider's clock may be from ours, in seconds.
pub const LEEWAY_SECONDS: i64 = 60;

/// A key of the provider's JWKS (the members used to verify).
#[derive(Debug, Clone, Deserialize)]
pub struct Jwk {
    /// `RSA` or `EC`.
    pub kty: String,
    /// Key id.
    #[serde(default)]
    pub kid: Option<String>,
    /// `sig` when given.
    #[serde(default, rename = "use")]
    pub use_: Option<String>,
    /// The algorithm the key is for, when given.
    #[serde(default)]
    pub alg: Option<String>,
    /// RSA modulus.
    #[serde(default)]
    pub n: Option<String>,
    /// RSA exponent.
    #[serde(default)]
    pub e: Option<String>,
    /// EC curve.
    #[serde(default)]
    pub crv: Option<String>,
    /// EC x coordinate.
    #[serde(default)]
    pub x: Option<String>,
    /// EC y coordinate.
    #[serde(default)]
    pub y: Option<String>,
}

/// A JSON Web Key Set.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Jwks {
    /// The keys.
    pub keys: Vec<Jwk>,
}

/// What the ID token must match.
#[derive(Debug, Clone)]
pub struct Expected<'a> {
    /// The provider's issuer.
    pub issuer: &'a str,
    /// Our client id.
    pub client_id: &'a str,
    /// The nonce sent with the authorization request.
    pub nonce: &'a str,
    /// Now, in Unix seconds (the server's clock).
    pub now: i64,
}

/// Why an ID token was refused. The messages are shown to the person signing in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdTokenError {
    /// Not three base64url parts with JSON header and claims.
    #[error("the ID token is malformed ({0})")]
    Malformed(&'static str),
    /// An algorithm we do not accept.
    #[error(
        "the ID token is signed with {0}, which Debrief does not accept (RS256 or ES256 expected)"
    )]
    Algorithm(String),
    /// No key of the JWKS has the token's `kid`.
    #[error("the ID token's signing key is not among the provider's published keys")]
    UnknownKey,
    /// The signature does not verify.
    #[error("the ID token's signature does not verify")]
    BadSignature,
    /// A claim does not match.
    #[error("the ID token's {0}")]
    Claim(String),
}

/// The claims Debrief reads from a verified ID token.
#[derive(Debug, Clone)]
pub struct Claims {
    /// The provider's stable id of the person.
    pub subject: String,
    /// E-mail, when given.
    pub email: Option<String>,
    /// Whether the provider verified the e-mail.
    pub email_verified: bool,
    /// Display name from `name`, else `preferred_username`.
    pub name: Option<String>,
    /// Every claim, for the role mapping.
    pub all: Value,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
}

/// The token's header `kid`, to decide whether the JWKS needs fetching again.
pub fn key_id(token: &str) -> Option<String> {
    let header = token.split('.').next()?;
    let h: Header = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()?;
    h.kid
}

/// Whether `jwks` has a key the token names (or, for a token without `kid`, any key).
pub fn has_key(jwks: &Jwks, token: &str) -> bool {
    match key_id(token) {
        Some(kid) => jwks.keys.iter().any(|k| k.kid.as_deref() == Some(&kid)),
        None => !jwks.keys.is_empty(),
    }
}

fn b64(s: &str, what: &'static str) -> Result<Vec<u8>, IdTokenError> {
    URL_SAFE_NO_PAD
        .decode(s.trim_end_matches('='))
        .map_err(|_| IdTokenError::Malformed(what))
}

/// Verifies `token` and returns its claims.
pub fn verify(token: &str, jwks: &Jwks, want: &Expected<'_>) -> Result<Claims, IdTokenError> {
    let mut parts = token.split('.');
    let (Some(h), Some(c), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(IdTokenError::Malformed("not three parts"));
    };
    let header: Header = serde_json::from_slice(&b64(h, "header")?)
        .map_err(|_| IdTokenError::Malformed("header"))?;
    let sig = b64(s, "signature")?;
    let (kty, rsa, ec): (
        &str,
        Option<&'static signature::RsaParameters>,
        Option<&'static signature::EcdsaVerificationAlgorithm>,
    ) = match header.alg.as_str() {
        "RS256" => ("RSA", Some(&signature::RSA_PKCS1_2048_8192_SHA256), None),
        "RS384" => ("RSA", Some(&signature::RSA_PKCS1_2048_8192_SHA384), None),
        "RS512" => ("RSA", Some(&signature::RSA_PKCS1_2048_8192_SHA512), None),
        "ES256" => ("EC", None, Some(&signature::ECDSA_P256_SHA256_FIXED)),
        "ES384" => ("EC", None, Some(&signature::ECDSA_P384_SHA384_FIXED)),
        other => return Err(IdTokenError::Algorithm(other.to_string())),
    };
    let key = jwks
        .keys
        .iter()
        .filter(|k| k.kty == kty && k.use_.as_deref().is_none_or(|u| u == "sig"))
        .filter(|k| k.alg.as_deref().is_none_or(|a| a == header.alg))
        .find(|k| match &header.kid {
            Some(kid) => k.kid.as_deref() == Some(kid.as_str()),
            None => true,
        })
        .ok_or(IdTokenError::UnknownKey)?;
    let signed = &token.as_bytes()[..h.len() + 1 + c.len()];
    let ok = match (rsa, ec) {
        (Some(params), _) => {
            let n = b64(key.n.as_deref().unwrap_or_default(), "key n")?;
            let e = b64(key.e.as_deref().unwrap_or_default(), "key e")?;
            RsaPublicKeyComponents { n: &n, e: &e }
                .verify(params, signed, &sig)
                .is_ok()
        }
        (None, Some(alg)) => {
            let curve = if header.alg == "ES256" {
                "P-256"
            } else {
                "P-384"
            };
            if key.crv.as_deref() != Some(curve) {
                return Err(IdTokenError::UnknownKey);
            }
            let mut point = vec![4u8];
            point.extend(b64(key.x.as_deref().unwrap_or_default(), "key x")?);
            point.extend(b64(key.y.as_deref().unwrap_or_default(), "key y")?);
            UnparsedPublicKey::new(alg, &point)
                .verify(signed, &sig)
                .is_ok()
        }
        (None, None) => false,
    };
    if !ok {
        return Err(IdTokenError::BadSignature);
    }
    let all: Value = serde_json::from_slice(&b64(c, "claims")?)
        .map_err(|_| IdTokenError::Malformed("claims"))?;
    check_claims(all, want)
}

fn check_claims(all: Value, want: &Expected<'_>) -> Result<Claims, IdTokenError> {
    let claim = |m: String| IdTokenError::Claim(m);
    let text = |k: &str| all.get(k).and_then(Value::as_str).map(str::to_string);
    let iss = text("iss").unwrap_or_default();
    if iss != want.issuer {
        return Err(claim(format!(
            "issuer is '{iss}', not the configured '{}'",
            want.issuer
        )));
    }
    let audiences: Vec<&str> = match all.get("aud") {
        Some(Value::String(a)) => vec![a.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !audiences.contains(&want.client_id) {
        return Err(claim(
            "audience does not include this server's client id".into(),
        ));
    }
    if audiences.len() > 1 && text("azp").as_deref() != Some(want.client_id) {
        return Err(claim(
            "authorized party (azp) is not this server's client id".into(),
        ));
    }
    let number = |k: &str| all.get(k).and_then(Value::as_i64);
    match number("exp") {
        Some(exp) if exp + LEEWAY_SECONDS > want.now => {}
        Some(_) => return Err(claim("has expired (check the server's clock)".into())),
        None => return Err(claim("has no expiry (exp)".into())),
    }
    match number("iat") {
        Some(iat) if iat <= want.now + LEEWAY_SECONDS => {}
        Some(_) => {
            return Err(claim(
                "was issued in the future (check the server's clock)".into(),
            ));
        }
        None => return Err(claim("has no issue time (iat)".into())),
    }
    if text("nonce").as_deref() != Some(want.nonce) {
        return Err(claim("nonce does not match this sign-in".into()));
    }
    let subject = text("sub")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| claim("has no subject (sub)".into()))?;
    Ok(Claims::of(subject, all))
}

impl Claims {
    /// The claims Debrief reads, from every claim of a person whose subject is `subject`.
    pub fn of(subject: String, all: Value) -> Claims {
        let text = |k: &str| all.get(k).and_then(Value::as_str).map(String::from);
        let email_verified = match all.get("email_verified") {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => s == "true",
            _ => false,
        };
        Claims {
            email: text("email").map(|e| e.trim().to_ascii_lowercase()),
            email_verified,
            name: text("name")
                .or_else(|| text("preferred_username"))
                .filter(|n| !n.trim().is_empty()),
            subject,
            all,
        }
    }
}

#[cfg(test)]
#[path = "id_token_tests.rs"]
mod tests;
