//! Unit tests of the ID token checks, with a P-256 key made here.

use super::*;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use serde_json::json;

struct Key {
    pair: EcdsaKeyPair,
    kid: &'static str,
}

fn key(kid: &'static str) -> Key {
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let pair =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
    Key { pair, kid }
}

fn jwks(k: &Key) -> Jwks {
    let public = k.pair.public_key().as_ref();
    Jwks {
        keys: vec![Jwk {
            kty: "EC".into(),
            kid: Some(k.kid.into()),
            use_: Some("sig".into()),
            alg: None,
            n: None,
            e: None,
            crv: Some("P-256".into()),
            x: Some(URL_SAFE_NO_PAD.encode(&public[1..33])),
            y: Some(URL_SAFE_NO_PAD.encode(&public[33..65])),
        }],
    }
}

fn sign(k: &Key, header: Value, claims: Value) -> String {
    let msg = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let sig = k.pair.sign(&SystemRandom::new(), msg.as_bytes()).unwrap();
    format!("{msg}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref()))
}

const NOW: i64 = 1_800_000_000;

fn want() -> Expected<'static> {
    Expected {
        issuer: "https://id.example.com",
        client_id: "debrief",
        nonce: "n-123",
        now: NOW,
    }
}

fn claims() -> Value {
    json!({
        "iss": "https://id.example.com", "aud": "debrief", "sub": "u1", "nonce": "n-123",
        "iat": NOW - 5, "exp": NOW + 300, "email": "Ann@Example.com", "email_verified": true,
        "name": "Ann", "groups": ["ops"]
    })
}

fn es256(k: &Key) -> Value {
    json!({"alg": "ES256", "kid": k.kid})
}

fn with(mut c: Value, k: &str, v: Value) -> Value {
    c[k] = v;
    c
}

#[test]
fn a_good_es256_token_verifies_and_gives_its_claims() {
    let k = key("k1");
    let c = verify(&sign(&k, es256(&k), claims()), &jwks(&k), &want()).unwrap();
    assert_eq!(c.subject, "u1");
    assert_eq!(c.email.as_deref(), Some("ann@example.com"));
    assert!(c.email_verified);
    assert_eq!(c.name.as_deref(), Some("Ann"));
    assert_eq!(c.all["groups"][0], "ops");
}

#[test]
fn a_wrong_issuer_audience_or_nonce_is_refused() {
    let k = key("k1");
    for (field, value, says) in [
        ("iss", json!("https://evil.example.com"), "issuer"),
        ("aud", json!("someone-else"), "audience"),
        ("aud", json!(["debrief", "other"]), "azp"),
        ("nonce", json!("n-other"), "nonce"),
    ] {
        let t = sign(&k, es256(&k), with(claims(), field, value));
        let e = verify(&t, &jwks(&k), &want()).unwrap_err();
        assert!(
            matches!(&e, IdTokenError::Claim(m) if m.contains(says)),
            "{field}: {e}"
        );
    }
    let several = with(
        with(claims(), "aud", json!(["debrief", "x"])),
        "azp",
        json!("debrief"),
    );
    assert!(verify(&sign(&k, es256(&k), several), &jwks(&k), &want()).is_ok());
}

#[test]
fn an_expired_token_or_one_from_the_future_is_refused_beyond_the_leeway() {
    let k = key("k1");
    let old = with(claims(), "exp", json!(NOW - LEEWAY_SECONDS - 1));
    let e = verify(&sign(&k, es256(&k), old), &jwks(&k), &want()).unwrap_err();
    assert!(e.to_string().contains("expired"), "{e}");
    let late = with(claims(), "exp", json!(NOW - 10));
    assert!(verify(&sign(&k, es256(&k), late), &jwks(&k), &want()).is_ok());
    let future = with(claims(), "iat", json!(NOW + LEEWAY_SECONDS + 5));
    let e = verify(&sign(&k, es256(&k), future), &jwks(&k), &want()).unwrap_err();
    assert!(e.to_string().contains("future"), "{e}");
}

#[test]
fn a_bad_signature_or_another_key_is_refused() {
    let k = key("k1");
    let t = sign(&k, es256(&k), claims());
    let (msg, _) = t.rsplit_once('.').unwrap();
    let other = key("k1");
    let forged = sign(&other, es256(&other), claims());
    let (_, other_sig) = forged.rsplit_once('.').unwrap();
    assert_eq!(
        verify(&format!("{msg}.{other_sig}"), &jwks(&k), &want()).unwrap_err(),
        IdTokenError::BadSignature
    );
    // The claims changed after signing.
    let tampered = sign(&k, es256(&k), with(claims(), "sub", json!("admin")));
    let (_, tampered_sig) = tampered.rsplit_once('.').unwrap();
    assert_eq!(
        verify(&format!("{msg}.{tampered_sig}"), &jwks(&k), &want()).unwrap_err(),
        IdTokenError::BadSignature
    );
    let unknown = key("k2");
    assert_eq!(
        verify(
            &sign(&unknown, es256(&unknown), claims()),
            &jwks(&k),
            &want()
        )
        .unwrap_err(),
        IdTokenError::UnknownKey
    );
    assert!(!has_key(
        &jwks(&k),
        &sign(&unknown, es256(&unknown), claims())
    ));
}

#[test]
fn alg_none_and_hmac_are_refused_before_any_key_is_looked_at() {
    let k = key("k1");
    for alg in ["none", "HS256", "None"] {
        let body = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(json!({"alg": alg, "kid": "k1"}).to_string()),
            URL_SAFE_NO_PAD.encode(claims().to_string())
        );
        let e = verify(&format!("{body}."), &jwks(&k), &want()).unwrap_err();
        assert_eq!(e, IdTokenError::Algorithm(alg.into()));
    }
    assert!(matches!(
        verify("a.b", &jwks(&k), &want()),
        Err(IdTokenError::Malformed(_))
    ));
}
