//! The Slack app's settings ([`SlackConfig`]) and the key that seals bot tokens at rest
//! ([`TokenKey`]: AES-256-GCM with a random 96-bit nonce per token).
//!
//! Secrets (client secret, signing secret, key) never show in `Debug` output.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use std::fmt;

/// Where the OAuth v2 consent page is, in production.
pub const SLACK_AUTHORIZE: &str = "https://slack.com/oauth/v2/authorize";

/// The Slack app: its OAuth client, its signing secret and the token key.
#[derive(Clone)]
pub struct SlackConfig {
    /// The app's client id (not a secret: it is in the install link).
    pub client_id: String,
    /// The app's client secret, sent to `oauth.v2.access`.
    pub client_secret: String,
    /// The secret Slack signs requests to us with.
    pub signing_secret: String,
    /// Seals the bot tokens stored in the database.
    pub token_key: TokenKey,
    /// The Web API ([`super::SLACK_API`], or a fake's in tests).
    pub api_url: String,
    /// The OAuth v2 consent page ([`SLACK_AUTHORIZE`], or a fake's in tests).
    pub authorize_url: String,
}

impl SlackConfig {
    /// Settings for the production Slack.
    pub fn new(
        client_id: String,
        client_secret: String,
        signing_secret: String,
        token_key: TokenKey,
    ) -> Self {
        Self {
            client_id,
            client_secret,
            signing_secret,
            token_key,
            api_url: super::SLACK_API.into(),
            authorize_url: SLACK_AUTHORIZE.into(),
        }
    }
}

impl fmt::Debug for SlackConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SlackConfig")
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .field("signing_secret", &"***")
            .field("token_key", &self.token_key)
            .field("api_url", &self.api_url)
            .field("authorize_url", &self.authorize_url)
            .finish()
    }
}

/// A 256-bit key that seals bot tokens (AES-256-GCM).
#[derive(Clone)]
pub struct TokenKey([u8; 32]);

impl fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenKey(***)")
    }
}

/// Why a sealed token could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the sealed Slack token cannot be opened (another key, or damaged)")]
pub struct UnsealError;

impl TokenKey {
    /// A key from its 32 bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Parses 32 bytes given as 64 hex digits or as base64 (standard or URL-safe, padded or
    /// not). The error says what is expected, never the value.
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let bytes = if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
            let nibble = |b: u8| match b {
                b'0'..=b'9' => b - b'0',
                b'a'..=b'f' => b - b'a' + 10,
                _ => b.to_ascii_lowercase() - b'a' + 10,
            };
            s.as_bytes()
                .chunks(2)
                .map(|p| nibble(p[0]) << 4 | nibble(p[1]))
                .collect::<Vec<u8>>()
        } else {
            let cleaned: String = s
                .trim_end_matches('=')
                .chars()
                .map(|c| match c {
                    '-' => '+',
                    '_' => '/',
                    c => c,
                })
                .collect();
            base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(cleaned)
                .map_err(|_| {
                    "the encryption key must be 32 bytes as 64 hex digits or base64 \
                     (e.g. `openssl rand -hex 32`)"
                        .to_string()
                })?
        };
        let bytes: [u8; 32] = bytes.try_into().map_err(|b: Vec<u8>| {
            format!(
                "the encryption key must be 32 bytes, not {} (e.g. `openssl rand -hex 32`)",
                b.len()
            )
        })?;
        Ok(Self(bytes))
    }

    fn key(&self) -> LessSafeKey {
        LessSafeKey::new(
            UnboundKey::new(&AES_256_GCM, &self.0).expect("32 bytes is an AES-256 key"),
        )
    }

    /// Seals `token`: base64 of a fresh random nonce, the ciphertext and the tag.
    pub fn seal(&self, token: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).expect("the OS random source works");
        let mut buf = token.as_bytes().to_vec();
        self.key()
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut buf)
            .expect("a token is far below AES-GCM's length limit");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buf);
        STANDARD.encode(out)
    }

    /// Opens what [`TokenKey::seal`] made.
    pub fn open(&self, sealed: &str) -> Result<String, UnsealError> {
        let raw = STANDARD.decode(sealed.trim()).map_err(|_| UnsealError)?;
        if raw.len() < NONCE_LEN {
            return Err(UnsealError);
        }
        let (nonce, rest) = raw.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| UnsealError)?;
        let mut buf = rest.to_vec();
        let plain = self
            .key()
            .open_in_place(nonce, Aad::empty(), &mut buf)
            .map_err(|_| UnsealError)?;
        String::from_utf8(plain.to_vec()).map_err(|_| UnsealError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_token_opens_with_its_key_only() {
        let key = TokenKey::from_bytes([7; 32]);
        let sealed = key.seal("xoxb-secret");
        assert!(!sealed.contains("xoxb"));
        assert_ne!(sealed, key.seal("xoxb-secret"), "a fresh nonce each time");
        assert_eq!(key.open(&sealed).as_deref(), Ok("xoxb-secret"));
        assert_eq!(
            TokenKey::from_bytes([8; 32]).open(&sealed),
            Err(UnsealError)
        );
        assert_eq!(key.open("AAAA"), Err(UnsealError));
    }

    #[test]
    fn keys_parse_from_hex_or_base64_of_32_bytes() {
        let hex = "00".repeat(31) + "ff";
        assert_eq!(TokenKey::parse(&hex).unwrap().0[31], 0xff);
        let b64 = STANDARD.encode([9u8; 32]);
        assert_eq!(TokenKey::parse(&b64).unwrap().0, [9; 32]);
        assert!(TokenKey::parse("abcd").is_err());
        assert!(TokenKey::parse(&STANDARD.encode([1u8; 16])).is_err());
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let c = SlackConfig::new(
            "123.456".into(),
            "client-s3cret".into(),
            "signing-s3cret".into(),
            TokenKey::from_bytes([42; 32]),
        );
        let shown = format!("{c:?}");
        assert!(shown.contains("123.456"));
        assert!(!shown.contains("s3cret") && !shown.contains("42"));
    }
}
