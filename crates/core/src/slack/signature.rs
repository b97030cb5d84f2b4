//! Slack request signing: every request Slack sends (slash commands, interactivity, the Events
//! API) carries `X-Slack-Request-Timestamp` and `X-Slack-Signature`, and is Slack's only if the
//! signature is `v0=` + the lowercase hex HMAC-SHA256, keyed with the app's signing secret, of
//! `v0:{timestamp}:{raw body}`.
//!
//! The server calls [`verify`] on the raw bytes before parsing anything, with the clock's "now",
//! and logs the [`SignatureError`] (never the secret or the body) when it refuses. The replay
//! window is Slack's documented five minutes, in both directions, so a captured request cannot
//! be replayed later and a request dated in the future is not accepted early.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The header holding the request's Unix time in whole seconds.
pub const TIMESTAMP_HEADER: &str = "X-Slack-Request-Timestamp";

/// The header holding `v0=` and the hex signature.
pub const SIGNATURE_HEADER: &str = "X-Slack-Signature";

/// How far, in seconds, a request's timestamp may be from now (Slack's documented window).
pub const MAX_AGE_SECS: i64 = 300;

/// The only signature version Slack uses.
const VERSION: &str = "v0";

/// Why a request was refused, for the server's log (never shown to the sender in detail).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The timestamp header is absent or empty.
    #[error("no {TIMESTAMP_HEADER} header")]
    MissingTimestamp,
    /// The timestamp header is not a whole number of seconds.
    #[error("{TIMESTAMP_HEADER} is not a Unix time in whole seconds")]
    MalformedTimestamp,
    /// The timestamp is more than [`MAX_AGE_SECS`] from now: a replay, or a badly wrong clock.
    #[error("request timestamp is {skew_secs} s from now, outside the {MAX_AGE_SECS} s window")]
    Stale {
        /// `now − timestamp`: positive when the request is old, negative when from the future.
        skew_secs: i64,
    },
    /// The signature header is absent or empty.
    #[error("no {SIGNATURE_HEADER} header")]
    MissingSignature,
    /// The signature header is not `v0=` and 64 hex digits.
    #[error("{SIGNATURE_HEADER} is not v0= and 64 hex digits")]
    MalformedSignature,
    /// The signature is well formed but not the body's: a wrong secret, or a changed body.
    #[error("signature does not match the body")]
    Mismatch,
}

/// Checks that a request is Slack's: the timestamp is within [`MAX_AGE_SECS`] of `now_unix` and
/// the signature is the HMAC of `v0:{timestamp}:{raw_body}` under `signing_secret`, compared in
/// constant time.
///
/// `signing_secret` is the secret's text as bytes (Slack does not hex-decode it); the headers
/// are passed as received (surrounding spaces are ignored, an absent header is `""`).
pub fn verify(
    signing_secret: &[u8],
    timestamp_header: &str,
    signature_header: &str,
    raw_body: &[u8],
    now_unix: i64,
) -> Result<(), SignatureError> {
    let ts = timestamp_header.trim();
    if ts.is_empty() {
        return Err(SignatureError::MissingTimestamp);
    }
    // Slack sends plain decimal seconds; a sign, spaces inside or a fraction is not Slack's.
    if !ts.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SignatureError::MalformedTimestamp);
    }
    let sent: i64 = ts.parse().map_err(|_| SignatureError::MalformedTimestamp)?;
    let skew_secs = now_unix.saturating_sub(sent);
    if skew_secs.saturating_abs() > MAX_AGE_SECS {
        return Err(SignatureError::Stale { skew_secs });
    }
    let sig = signature_header.trim();
    if sig.is_empty() {
        return Err(SignatureError::MissingSignature);
    }
    let given = sig
        .strip_prefix("v0=")
        .filter(|hex| hex.len() == 64)
        .and_then(decode_hex)
        .ok_or(SignatureError::MalformedSignature)?;
    mac(signing_secret, ts, raw_body)
        .verify_slice(&given)
        .map_err(|_| SignatureError::Mismatch)
}

/// The `X-Slack-Signature` value Slack would send for `raw_body` at `timestamp`: for tests and
/// for fakes that play Slack.
pub fn sign(signing_secret: &[u8], timestamp: &str, raw_body: &[u8]) -> String {
    let digest = mac(signing_secret, timestamp, raw_body)
        .finalize()
        .into_bytes();
    let mut out = String::with_capacity(3 + digest.len() * 2);
    out.push_str(VERSION);
    out.push('=');
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

fn mac(secret: &[u8], timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any size");
    mac.update(VERSION.as_bytes());
    mac.update(b":");
    mac.update(timestamp.as_bytes());
    mac.update(b":");
    mac.update(body);
    mac
}

/// Decodes hex (either case); `None` for anything else, including an odd length.
fn decode_hex(s: &str) -> Option<Vec<u8>> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    let bytes = s.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    bytes
        .chunks_exact(2)
        .map(|pair| match pair {
            [hi, lo] => Some(nibble(*hi)? << 4 | nibble(*lo)?),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"8f742231b10e8888abcd99yyyzzz85a5";
    const TS: &str = "1531420618";
    const BODY: &str = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const EXPECTED: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
    const NOW: i64 = 1_531_420_618;

    #[test]
    fn slacks_documented_example_signs_and_verifies() {
        assert_eq!(sign(SECRET, TS, BODY.as_bytes()), EXPECTED);
        assert_eq!(verify(SECRET, TS, EXPECTED, BODY.as_bytes(), NOW), Ok(()));
        assert_eq!(
            verify(
                SECRET,
                " 1531420618 ",
                &EXPECTED.to_uppercase().replace("V0=", "v0="),
                BODY.as_bytes(),
                NOW + 300
            ),
            Ok(()),
            "spaces around headers, upper-case hex and the edge of the window are accepted"
        );
    }

    #[test]
    fn a_request_older_than_five_minutes_is_stale() {
        assert_eq!(
            verify(SECRET, TS, EXPECTED, BODY.as_bytes(), NOW + 301),
            Err(SignatureError::Stale { skew_secs: 301 })
        );
    }

    #[test]
    fn a_request_from_more_than_five_minutes_ahead_is_refused_too() {
        assert_eq!(
            verify(SECRET, TS, EXPECTED, BODY.as_bytes(), NOW - 301),
            Err(SignatureError::Stale { skew_secs: -301 })
        );
    }

    #[test]
    fn a_changed_body_or_a_wrong_secret_is_a_mismatch() {
        let tampered = BODY.replace("roadrunner", "coyote");
        assert_eq!(
            verify(SECRET, TS, EXPECTED, tampered.as_bytes(), NOW),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(b"another secret", TS, EXPECTED, BODY.as_bytes(), NOW),
            Err(SignatureError::Mismatch)
        );
        let other_ts = (NOW + 1).to_string();
        assert_eq!(
            verify(SECRET, &other_ts, EXPECTED, BODY.as_bytes(), NOW),
            Err(SignatureError::Mismatch),
            "the timestamp is signed too"
        );
    }

    #[test]
    fn malformed_signatures_say_so() {
        let cases = [
            "a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
            "v1=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
            "v0=zz114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b50",
            "v0=a2114d57",
            "v0=é2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b5",
        ];
        for sig in cases {
            assert_eq!(
                verify(SECRET, TS, sig, BODY.as_bytes(), NOW),
                Err(SignatureError::MalformedSignature),
                "{sig}"
            );
        }
        assert_eq!(
            verify(SECRET, TS, "  ", BODY.as_bytes(), NOW),
            Err(SignatureError::MissingSignature)
        );
    }

    #[test]
    fn missing_and_malformed_timestamps_say_so() {
        assert_eq!(
            verify(SECRET, "", EXPECTED, BODY.as_bytes(), NOW),
            Err(SignatureError::MissingTimestamp)
        );
        for ts in [
            "-1531420618",
            "1531420618.5",
            "soon",
            "99999999999999999999999",
        ] {
            assert_eq!(
                verify(SECRET, ts, EXPECTED, BODY.as_bytes(), NOW),
                Err(SignatureError::MalformedTimestamp),
                "{ts}"
            );
        }
    }

    #[test]
    fn errors_name_the_header_for_the_log() {
        assert_eq!(
            SignatureError::Stale { skew_secs: 301 }.to_string(),
            "request timestamp is 301 s from now, outside the 300 s window"
        );
        assert!(
            SignatureError::MissingSignature
                .to_string()
                .contains(SIGNATURE_HEADER)
        );
    }
}
