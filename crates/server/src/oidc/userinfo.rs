//! The UserInfo endpoint (OpenID Connect Core §5.3): providers may give the e-mail, its
//! verification, the name or the role claim only there, not in the ID token. It is read with the
//! access token, through [`Outbound`] like every request to the provider, and only when the ID
//! token lacks one of those claims.

use super::id_token::Claims;
use super::provider::{Discovery, ProviderError, get_json};
use crate::outbound::Outbound;
use serde_json::Value;

/// Whether the ID token lacks a claim Debrief reads about the person: `email`,
/// `email_verified`, `name`, or the role claim (when roles are mapped).
pub fn lacks_claims(c: &Claims, role_claim: Option<&str>) -> bool {
    ["email", "email_verified", "name"]
        .into_iter()
        .chain(role_claim)
        .any(|k| c.all.get(k).is_none())
}

/// Reads the UserInfo endpoint with `access_token` and adds the claims the ID token lacks.
/// Without an endpoint or an access token the ID token's claims stay as they are.
pub async fn complete(
    out: &Outbound,
    d: &Discovery,
    access_token: Option<&str>,
    claims: Claims,
) -> Result<Claims, ProviderError> {
    let (Some(url), Some(token)) = (d.userinfo_endpoint.as_deref(), access_token) else {
        return Ok(claims);
    };
    let info: Value = get_json(out, url, "the provider's UserInfo endpoint", Some(token)).await?;
    merge(claims, info)
}

/// The ID token's claims with those of a UserInfo answer it lacks. The answer's `sub` must be
/// the ID token's (OpenID Connect Core §5.3.2: else it may be about someone else).
pub fn merge(claims: Claims, info: Value) -> Result<Claims, ProviderError> {
    let Value::Object(info) = info else {
        return Err(ProviderError(
            "the provider's UserInfo answer is not a JSON object".into(),
        ));
    };
    if info.get("sub").and_then(Value::as_str) != Some(claims.subject.as_str()) {
        return Err(ProviderError(
            "the provider's UserInfo answer is about another subject (sub) than the ID token"
                .into(),
        ));
    }
    let mut all = claims.all;
    if let Value::Object(map) = &mut all {
        for (k, v) in info {
            map.entry(k).or_insert(v);
        }
    }
    Ok(Claims::of(claims.subject, all))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn from_id_token(all: Value) -> Claims {
        Claims::of("sub-1".into(), all)
    }

    #[test]
    fn userinfo_fills_what_the_id_token_lacks_and_the_id_token_wins() {
        let c = from_id_token(json!({"sub": "sub-1", "name": "Ann"}));
        assert!(lacks_claims(&c, None));
        let merged = merge(
            c,
            json!({"sub": "sub-1", "email": "Ann@Example.com", "email_verified": true,
                   "name": "Other", "groups": ["ops"]}),
        )
        .expect("merged");
        assert_eq!(merged.email.as_deref(), Some("ann@example.com"));
        assert!(merged.email_verified);
        assert_eq!(merged.name.as_deref(), Some("Ann"));
        assert_eq!(merged.all["groups"], json!(["ops"]));
        assert!(!lacks_claims(&merged, Some("groups")));
        assert!(lacks_claims(&merged, Some("roles")));
    }

    #[test]
    fn userinfo_about_another_subject_is_refused() {
        let c = from_id_token(json!({"sub": "sub-1"}));
        for info in [
            json!({"sub": "sub-2", "email": "x@example.com"}),
            json!({"email": "x@example.com"}),
            json!(["sub-1"]),
        ] {
            assert!(merge(c.clone(), info).is_err());
        }
    }
}
