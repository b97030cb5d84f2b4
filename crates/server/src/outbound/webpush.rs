//! Web Push without a vendor: the message a browser's push service accepts, built with `ring`.
//!
//! A browser subscribes to push (`PushManager.subscribe`) with our VAPID public key as its
//! `applicationServerKey` and hands us a `PushSubscription`: an endpoint URL at its push
//! service, its P-256 public key `p256dh` and a 16-byte `auth` secret. To deliver a message we
//! `POST` to the endpoint (RFC 8030 §5) with:
//!
//! - `Content-Encoding: aes128gcm` and a body encrypted for the browser (RFC 8291 §3.4, using
//!   the content coding of RFC 8188 §2). The body is one record:
//!
//!   ```text
//!   salt (16) | rs (4, big-endian, 4096) | idlen (1, = 65) | keyid (65: our ephemeral public key)
//!   | AES-128-GCM( plaintext | 0x02 ) with its 16-byte tag
//!   ```
//!
//!   The key and nonce come from an ECDH between a fresh ephemeral key of ours and `p256dh`,
//!   mixed with `auth` (RFC 8291 §3.3) and then with the salt (RFC 8188 §2.2, §2.3). `0x02`
//!   marks the last record (RFC 8188 §2). A push service need only accept 4096-byte bodies
//!   (RFC 8291 §4): less the 86-byte header, the tag and the delimiter, that leaves
//!   [`MAX_PAYLOAD`] = 3993 bytes of plaintext.
//! - `Authorization: vapid t=<JWT>, k=<our public key>` (RFC 8292 §3): an ES256 JSON Web Token
//!   whose `aud` is the endpoint's origin, `exp` at most 24 hours ahead (RFC 8292 §2) and `sub`
//!   a `mailto:` or `https:` contact for the push service's operator.
//! - `TTL` (how long the push service may keep an undelivered message, RFC 8030 §5.2) and
//!   `Urgency` (RFC 8030 §5.3).
//!
//! Nothing here sends the request: [`request`] builds a [`PushRequest`] that
//! [`super::Outbound`] posts, under the same destination policy as every webhook.

use base64::Engine;
use base64::alphabet::URL_SAFE;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use ring::{aead, agreement, hkdf};

/// The record size written in the header: one record holds the whole message.
const RECORD_SIZE: u32 = 4096;
/// Length of an uncompressed P-256 point (`0x04 | x | y`).
const PUBLIC_KEY_LEN: usize = 65;
/// Length of the browser's authentication secret (RFC 8291 §3.2).
const AUTH_LEN: usize = 16;
/// Length of the salt (RFC 8188 §2.1).
const SALT_LEN: usize = 16;
/// Header length: salt, record size, key id length and the key id.
const HEADER_LEN: usize = SALT_LEN + 4 + 1 + PUBLIC_KEY_LEN;
/// The AES-GCM tag that ends the record.
const TAG_LEN: usize = 16;
/// The largest plaintext that fits a 4096-byte body (RFC 8291 §4).
pub const MAX_PAYLOAD: usize = 4096 - HEADER_LEN - TAG_LEN - 1;
/// How long a VAPID token built by [`request`] is valid (RFC 8292 §2 allows up to 24 hours).
const TOKEN_LIFETIME_SECONDS: i64 = 12 * 60 * 60;

/// Our VAPID key (RFC 8292): an ECDSA P-256 key that signs the token on every push request. Its
/// public half is the `applicationServerKey` browsers subscribe with, so it must be kept.
pub struct VapidKey {
    pair: EcdsaKeyPair,
}

impl std::fmt::Debug for VapidKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The private half stays out of logs.
        f.debug_struct("VapidKey")
            .field("public", &self.public_key_b64())
            .finish_non_exhaustive()
    }
}

impl VapidKey {
    /// A new random key, and its PKCS#8 document to store and load again with
    /// [`VapidKey::from_pkcs8`].
    pub fn generate() -> (VapidKey, Vec<u8>) {
        let rng = SystemRandom::new();
        // Only a failing system random number generator stops this; nothing can go on then.
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .expect("the system random number generator works");
        let key = Self::from_pkcs8(pkcs8.as_ref()).expect("ring reads the PKCS#8 it wrote");
        (key, pkcs8.as_ref().to_vec())
    }

    /// The key stored as a PKCS#8 document (as [`VapidKey::generate`] returns it).
    pub fn from_pkcs8(pkcs8: &[u8]) -> Result<VapidKey, String> {
        let pair = EcdsaKeyPair::from_pkcs8(
            &ECDSA_P256_SHA256_FIXED_SIGNING,
            pkcs8,
            &SystemRandom::new(),
        )
        .map_err(|e| format!("the VAPID key is not a P-256 PKCS#8 private key: {e}"))?;
        Ok(Self { pair })
    }

    /// The public key as browsers take it for `applicationServerKey` (and as the `k=` of the
    /// `Authorization` header): the uncompressed 65-byte point, base64url without padding.
    pub fn public_key_b64(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.pair.public_key().as_ref())
    }
}

/// A browser's push subscription: `PushSubscription.toJSON()`'s `endpoint` and `keys`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// The push service URL to `POST` messages to.
    pub endpoint: String,
    /// The browser's P-256 public key, base64url (padded or not).
    pub p256dh: String,
    /// The browser's 16-byte authentication secret, base64url (padded or not).
    pub auth: String,
}

/// A push message ready to send: `POST` `body` to `url` with `headers`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushRequest {
    /// The subscription's endpoint.
    pub url: String,
    /// `Content-Encoding`, `Content-Type`, `TTL`, `Urgency` and `Authorization`.
    pub headers: Vec<(&'static str, String)>,
    /// The encrypted message (see the module documentation).
    pub body: Vec<u8>,
}

/// Base64url that accepts padding or none (browsers omit it; some libraries add it).
const B64_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Decodes base64url, or standard base64 turned into it, naming `what` on failure.
fn decode_key(what: &str, text: &str) -> Result<Vec<u8>, String> {
    let text = text.trim().replace('+', "-").replace('/', "_");
    B64_LENIENT
        .decode(text)
        .map_err(|e| format!("the subscription's {what} is not base64url: {e}"))
}

/// An HKDF output length (ring asks for it as a type).
struct Len(usize);

impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

/// HKDF-Expand of `prk` with `info` into `out`.
fn expand(prk: &hkdf::Prk, info: &[&[u8]], out: &mut [u8]) -> Result<(), String> {
    prk.expand(info, Len(out.len()))
        .and_then(|okm| okm.fill(out))
        .map_err(|_| "HKDF expansion failed".to_string())
}

/// The content encryption key and nonce of RFC 8291 §3.3–3.4 and RFC 8188 §2.2–2.3.
fn derive(
    ecdh_secret: &[u8],
    auth: &[u8],
    ua_public: &[u8],
    as_public: &[u8],
    salt: &[u8],
) -> Result<([u8; 16], [u8; 12]), String> {
    // PRK_key = HKDF-Extract(auth_secret, ecdh_secret);
    // IKM = HKDF-Expand(PRK_key, "WebPush: info" 0x00 ua_public as_public, 32).
    let prk_key = hkdf::Salt::new(hkdf::HKDF_SHA256, auth).extract(ecdh_secret);
    let mut ikm = [0u8; 32];
    expand(
        &prk_key,
        &[b"WebPush: info\0", ua_public, as_public],
        &mut ikm,
    )?;
    // PRK = HKDF-Extract(salt, IKM); CEK and NONCE are expanded from it.
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, salt).extract(&ikm);
    let mut cek = [0u8; 16];
    expand(&prk, &[b"Content-Encoding: aes128gcm\0"], &mut cek)?;
    let mut nonce = [0u8; 12];
    expand(&prk, &[b"Content-Encoding: nonce\0"], &mut nonce)?;
    Ok((cek, nonce))
}

/// The body for a shared secret already agreed: header, then the single encrypted record.
fn seal(
    ecdh_secret: &[u8],
    auth: &[u8],
    ua_public: &[u8],
    as_public: &[u8],
    salt: &[u8; SALT_LEN],
    plaintext: &[u8],
) -> Result<Vec<u8>, String> {
    let (cek, nonce) = derive(ecdh_secret, auth, ua_public, as_public, salt)?;
    let key = aead::UnboundKey::new(&aead::AES_128_GCM, &cek)
        .map(aead::LessSafeKey::new)
        .map_err(|_| "AES-128-GCM key setup failed".to_string())?;
    let mut record = Vec::with_capacity(plaintext.len() + 1 + TAG_LEN);
    record.extend_from_slice(plaintext);
    record.push(0x02); // The last (and only) record, no further padding.
    // The first record's nonce is NONCE XOR 0, that is NONCE itself.
    key.seal_in_place_append_tag(
        aead::Nonce::assume_unique_for_key(nonce),
        aead::Aad::empty(),
        &mut record,
    )
    .map_err(|_| "AES-128-GCM encryption failed".to_string())?;
    let mut body = Vec::with_capacity(HEADER_LEN + record.len());
    body.extend_from_slice(salt);
    body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    body.push(PUBLIC_KEY_LEN as u8);
    body.extend_from_slice(as_public);
    body.extend_from_slice(&record);
    Ok(body)
}

/// Encrypts `plaintext` for the browser of `sub` (RFC 8291 §3.4, `aes128gcm`), with a fresh
/// ephemeral key and a random salt: the request body.
pub fn encrypt(sub: &Subscription, plaintext: &[u8]) -> Result<Vec<u8>, String> {
    if plaintext.len() > MAX_PAYLOAD {
        return Err(format!(
            "a push message holds at most {MAX_PAYLOAD} bytes; this one has {}",
            plaintext.len()
        ));
    }
    let ua_public = decode_key("p256dh key", &sub.p256dh)?;
    if ua_public.len() != PUBLIC_KEY_LEN || ua_public[0] != 0x04 {
        return Err(format!(
            "the subscription's p256dh key must be an uncompressed P-256 point (65 bytes starting 0x04); it has {} bytes",
            ua_public.len()
        ));
    }
    let auth = decode_key("auth secret", &sub.auth)?;
    if auth.len() != AUTH_LEN {
        return Err(format!(
            "the subscription's auth secret must be {AUTH_LEN} bytes; it has {}",
            auth.len()
        ));
    }
    let rng = SystemRandom::new();
    let mut salt = [0u8; SALT_LEN];
    rng.fill(&mut salt)
        .map_err(|_| "the system random number generator failed".to_string())?;
    let ephemeral = agreement::EphemeralPrivateKey::generate(&agreement::ECDH_P256, &rng)
        .map_err(|_| "could not generate an ephemeral P-256 key".to_string())?;
    let as_public = ephemeral
        .compute_public_key()
        .map_err(|_| "could not compute the ephemeral public key".to_string())?;
    let peer = agreement::UnparsedPublicKey::new(&agreement::ECDH_P256, &ua_public);
    let ecdh_secret = agreement::agree_ephemeral(ephemeral, &peer, |s| s.to_vec())
        .map_err(|_| "the subscription's p256dh key is not a point on P-256".to_string())?;
    seal(
        &ecdh_secret,
        &auth,
        &ua_public,
        as_public.as_ref(),
        &salt,
        plaintext,
    )
}

/// The origin (`scheme://host[:port]`, default ports left out) that a token for `endpoint`
/// names as its audience.
fn origin(endpoint: &str) -> Result<String, String> {
    let url = reqwest::Url::parse(endpoint.trim())
        .map_err(|e| format!("the push endpoint '{endpoint}' is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!(
            "the push endpoint '{endpoint}' must be an http:// or https:// URL"
        ));
    }
    Ok(url.origin().ascii_serialization())
}

/// The `Authorization` header value for a push to `endpoint` (RFC 8292 §3):
/// `vapid t=<JWT>, k=<public key>`, the JWT signed with ES256 and claiming `aud` (the
/// endpoint's origin), `exp` (`expires_unix`) and `sub` (a `mailto:` or `https:` contact).
pub fn vapid_authorization(
    key: &VapidKey,
    endpoint: &str,
    subject: &str,
    expires_unix: i64,
) -> Result<String, String> {
    if !(subject.starts_with("mailto:") || subject.starts_with("https:")) {
        return Err(format!(
            "the VAPID subject '{subject}' must be a mailto: or https: URL"
        ));
    }
    let aud = origin(endpoint)?;
    // A fixed header: RFC 8292 §2 shows it in this order.
    let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
    let claims = serde_json::json!({ "aud": aud, "exp": expires_unix, "sub": subject });
    let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signing_input = format!("{header}.{claims}");
    // ECDSA_P256_SHA256_FIXED gives r | s, 64 bytes: the JWS form of an ES256 signature.
    let signature = key
        .pair
        .sign(&SystemRandom::new(), signing_input.as_bytes())
        .map_err(|_| "signing the VAPID token failed".to_string())?;
    let signature = URL_SAFE_NO_PAD.encode(signature.as_ref());
    Ok(format!(
        "vapid t={signing_input}.{signature}, k={}",
        key.public_key_b64()
    ))
}

/// The request that delivers `payload` to the browser of `sub`: encrypted body, a VAPID token
/// valid for 12 hours from `now_unix`, `TTL` (seconds the push service may hold it) and
/// `Urgency` (`very-low`, `low`, `normal` or `high`).
pub fn request(
    key: &VapidKey,
    sub: &Subscription,
    subject: &str,
    payload: &[u8],
    ttl_seconds: u32,
    urgency: &str,
    now_unix: i64,
) -> Result<PushRequest, String> {
    if !matches!(urgency, "very-low" | "low" | "normal" | "high") {
        return Err(format!(
            "urgency '{urgency}' must be very-low, low, normal or high"
        ));
    }
    let authorization = vapid_authorization(
        key,
        &sub.endpoint,
        subject,
        now_unix + TOKEN_LIFETIME_SECONDS,
    )?;
    let body = encrypt(sub, payload)?;
    Ok(PushRequest {
        url: sub.endpoint.clone(),
        headers: vec![
            ("Content-Encoding", "aes128gcm".to_string()),
            ("Content-Type", "application/octet-stream".to_string()),
            ("TTL", ttl_seconds.to_string()),
            ("Urgency", urgency.to_string()),
            ("Authorization", authorization),
        ],
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};

    fn b64(text: &str) -> Vec<u8> {
        B64_LENIENT.decode(text).expect("base64url")
    }

    /// A browser's side of a subscription: its ECDH key (usable once, enough for one message)
    /// and auth secret.
    fn browser() -> (agreement::EphemeralPrivateKey, Subscription) {
        let rng = SystemRandom::new();
        let key =
            agreement::EphemeralPrivateKey::generate(&agreement::ECDH_P256, &rng).expect("a key");
        let public = key.compute_public_key().expect("a public key");
        let mut auth = [0u8; AUTH_LEN];
        rng.fill(&mut auth).expect("random");
        let sub = Subscription {
            endpoint: "https://push.example.net/push/abc?x=1".into(),
            p256dh: URL_SAFE_NO_PAD.encode(public.as_ref()),
            // Padded, as some libraries write it.
            auth: base64::engine::general_purpose::URL_SAFE.encode(auth),
        };
        (key, sub)
    }

    /// What the browser does with the body (RFC 8291 §3.4 read backwards).
    fn decrypt(key: agreement::EphemeralPrivateKey, sub: &Subscription, body: &[u8]) -> Vec<u8> {
        let (salt, rest) = body.split_at(SALT_LEN);
        let rs = u32::from_be_bytes(rest[..4].try_into().expect("4 bytes"));
        assert_eq!(rs, 4096);
        assert_eq!(rest[4] as usize, PUBLIC_KEY_LEN);
        let (as_public, record) = rest[5..].split_at(PUBLIC_KEY_LEN);
        let peer = agreement::UnparsedPublicKey::new(&agreement::ECDH_P256, as_public);
        let secret = agreement::agree_ephemeral(key, &peer, |s| s.to_vec()).expect("an agreement");
        let ua_public = b64(&sub.p256dh);
        let (cek, nonce) =
            derive(&secret, &b64(&sub.auth), &ua_public, as_public, salt).expect("keys");
        let key =
            aead::LessSafeKey::new(aead::UnboundKey::new(&aead::AES_128_GCM, &cek).expect("a key"));
        let mut record = record.to_vec();
        let padded = key
            .open_in_place(
                aead::Nonce::assume_unique_for_key(nonce),
                aead::Aad::empty(),
                &mut record,
            )
            .expect("the tag verifies");
        let end = padded.iter().rposition(|&b| b != 0).expect("a delimiter");
        assert_eq!(padded[end], 0x02, "the last record's delimiter");
        padded[..end].to_vec()
    }

    #[test]
    fn the_rfc_8291_example_body_is_reproduced_byte_for_byte() {
        // RFC 8291 §5 (Appendix A's inputs): ring cannot import a fixed ECDH private key, so
        // the test starts from the example's ecdh_secret.
        let salt: [u8; 16] = b64("DGv6ra1nlYgDCS1FRnbzlw").try_into().expect("16 bytes");
        let body = seal(
            &b64("kyrL1jIIOHEzg3sM2ZWRHDRB62YACZhhSlknJ672kSs"),
            &b64("BTBZMqHH6r4Tts7J_aSIgg"),
            &b64("BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"),
            &b64("BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8"),
            &salt,
            b"When I grow up, I want to be a watermelon",
        )
        .expect("sealed");
        assert_eq!(
            URL_SAFE_NO_PAD.encode(body),
            "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
        );
    }

    #[test]
    fn a_message_encrypted_for_a_browser_decrypts_with_its_key() {
        // Arrange
        let (key, sub) = browser();
        let message = br#"{"title":"INC-42 declared","severity":"SEV1"}"#;

        // Act
        let body = encrypt(&sub, message).expect("encrypted");

        // Assert
        assert_eq!(body.len(), HEADER_LEN + message.len() + 1 + TAG_LEN);
        assert_eq!(decrypt(key, &sub, &body), message);
    }

    #[test]
    fn the_largest_payload_fits_4096_bytes_and_one_more_byte_is_refused() {
        let (key, sub) = browser();
        let body = encrypt(&sub, &[b'x'; MAX_PAYLOAD]).expect("encrypted");
        assert_eq!(body.len(), 4096);
        assert_eq!(decrypt(key, &sub, &body).len(), 3993);
        let e = encrypt(&sub, &[b'x'; MAX_PAYLOAD + 1]).expect_err("too large");
        assert!(e.contains("3993"), "{e}");
    }

    #[test]
    fn the_vapid_token_is_an_es256_jwt_for_the_endpoint_origin_signed_by_our_key() {
        // Arrange
        let (key, pkcs8) = VapidKey::generate();
        let key_again = VapidKey::from_pkcs8(&pkcs8).expect("loads");
        assert_eq!(key.public_key_b64(), key_again.public_key_b64());
        let (_, sub) = browser();

        // Act
        let push = request(
            &key_again,
            &sub,
            "mailto:ops@example.com",
            b"hi",
            60,
            "high",
            1_000,
        )
        .expect("a request");

        // Assert
        let header = |name: &str| {
            push.headers
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(header("Content-Encoding"), Some("aes128gcm"));
        assert_eq!(header("Content-Type"), Some("application/octet-stream"));
        assert_eq!(header("TTL"), Some("60"));
        assert_eq!(header("Urgency"), Some("high"));
        let auth = header("Authorization").expect("an Authorization header");
        let (token, k) = auth
            .strip_prefix("vapid t=")
            .and_then(|rest| rest.split_once(", k="))
            .expect("vapid t=…, k=…");
        assert_eq!(k, key.public_key_b64());
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let jwt_header: serde_json::Value =
            serde_json::from_slice(&b64(parts[0])).expect("JSON header");
        assert_eq!(
            jwt_header,
            serde_json::json!({"typ": "JWT", "alg": "ES256"})
        );
        let claims: serde_json::Value =
            serde_json::from_slice(&b64(parts[1])).expect("JSON claims");
        assert_eq!(
            claims,
            serde_json::json!({
                "aud": "https://push.example.net",
                "exp": 1_000 + 12 * 3600,
                "sub": "mailto:ops@example.com",
            })
        );
        let signature = b64(parts[2]);
        assert_eq!(signature.len(), 64);
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, b64(k))
            .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
            .expect("the signature verifies with k");
    }

    #[test]
    fn the_audience_keeps_a_port_that_is_not_the_default() {
        assert_eq!(
            origin("http://127.0.0.1:8080/push/1").as_deref(),
            Ok("http://127.0.0.1:8080")
        );
        assert_eq!(
            origin("https://push.example.net:443/p").as_deref(),
            Ok("https://push.example.net")
        );
        assert!(origin("ftp://push.example.net/").is_err());
        assert!(origin("not a url").is_err());
    }

    #[test]
    fn bad_keys_subjects_and_urgencies_are_errors_not_panics() {
        let (_, good) = browser();
        let with = |p256dh: &str, auth: &str| Subscription {
            endpoint: good.endpoint.clone(),
            p256dh: p256dh.into(),
            auth: auth.into(),
        };
        let cases = [
            (with("not base64!", &good.auth), "p256dh"),
            (
                with(&URL_SAFE_NO_PAD.encode([4u8; 33]), &good.auth),
                "65 bytes",
            ),
            // 65 bytes starting 0x04, but not a point on the curve.
            (
                with(&URL_SAFE_NO_PAD.encode([4u8; 65]), &good.auth),
                "not a point",
            ),
            (
                with(&good.p256dh, &URL_SAFE_NO_PAD.encode([1u8; 15])),
                "16 bytes",
            ),
            (with(&good.p256dh, "***"), "auth"),
        ];
        for (sub, expected) in cases {
            let e = encrypt(&sub, b"x").expect_err("refused");
            assert!(e.contains(expected), "{e}");
        }
        assert!(VapidKey::from_pkcs8(b"not a key").is_err());
        let (key, _) = VapidKey::generate();
        assert!(vapid_authorization(&key, &good.endpoint, "ops@example.com", 1).is_err());
        assert!(vapid_authorization(&key, "/relative", "mailto:a@b.c", 1).is_err());
        assert!(request(&key, &good, "mailto:a@b.c", b"x", 60, "urgent", 0).is_err());
    }

    #[test]
    fn standard_base64_keys_are_accepted_too() {
        let (key, sub) = browser();
        let standard = Subscription {
            p256dh: base64::engine::general_purpose::STANDARD.encode(b64(&sub.p256dh)),
            ..sub.clone()
        };
        let body = encrypt(&standard, b"hello").expect("encrypted");
        assert_eq!(decrypt(key, &sub, &body), b"hello");
    }
}
