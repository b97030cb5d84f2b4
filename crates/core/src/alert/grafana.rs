//! Grafana Alerting's webhook: telling it apart from Alertmanager's, and its HMAC signature.
//!
//! Grafana's webhook contact point sends the Alertmanager body with `version: "1"` and a few
//! more fields: `orgId`, `title`, `state` (`alerting` or `ok`), `message` at the top, and
//! `silenceURL`, `dashboardURL`, `panelURL`, `imageURL`, `values` on each alert. Both are
//! parsed by [`super::alertmanager::parse_webhook`]; [`is_grafana`] picks the flavor.
//!
//! # Signature (optional)
//! With a secret set in the contact point's "HMAC Signature" settings, Grafana (12 and later)
//! adds a header, `X-Grafana-Alerting-Signature` by default, holding the lowercase hex
//! HMAC-SHA256 of the raw body under the secret (no `sha256=` prefix). When a timestamp header
//! is also configured (it has no default name), Grafana puts the Unix time in seconds there
//! and signs `timestamp + ":" + body` instead. Signing is off by default.
//!
//! The server checks the signature over the raw bytes before parsing ([`verify_grafana_signature`]),
//! and, when a timestamp is used, that it is recent ([`timestamp_is_fresh`]) so a captured
//! request cannot be replayed later.

use super::fields::{self, Object};
use crate::Timestamp;
use hmac::{Hmac, KeyInit, Mac};
use jiff::SignedDuration;
use sha2::Sha256;

/// Grafana's default name for the signature header.
pub const SIGNATURE_HEADER: &str = "X-Grafana-Alerting-Signature";

/// Whether a webhook body (already parsed as an object) is Grafana's rather than
/// Alertmanager's: it has `orgId`, or it is `version: "1"` with `title` or `state`.
pub fn is_grafana(obj: &Object) -> bool {
    obj.contains_key("orgId")
        || (fields::get(obj, "version").and_then(|v| v.as_str()) == Some("1")
            && (obj.contains_key("title") || obj.contains_key("state")))
}

/// Whether the raw body is a Grafana webhook body (see [`is_grafana`]); `false` for anything
/// that is not a JSON object.
pub fn is_grafana_body(body: &[u8]) -> bool {
    fields::object(body).is_ok_and(|obj| is_grafana(&obj))
}

/// Checks Grafana's signature header against the raw body.
///
/// `signature` is the header's value (hex, either case, surrounding spaces ignored);
/// `timestamp` is the timestamp header's value when the contact point sends one. The comparison
/// takes the same time whatever the signature's content (the `hmac` crate's constant-time
/// check).
pub fn verify_grafana_signature(
    secret: &[u8],
    timestamp: Option<&str>,
    body: &[u8],
    signature: &str,
) -> bool {
    let Some(given) = decode_hex(signature.trim()) else {
        return false;
    };
    mac(secret, timestamp, body).verify_slice(&given).is_ok()
}

/// The signature Grafana would send for `body` (lowercase hex), for tests and for senders
/// written against Debrief.
pub fn sign(secret: &[u8], timestamp: Option<&str>, body: &[u8]) -> String {
    fields::hex(&mac(secret, timestamp, body).finalize().into_bytes())
}

/// Whether a timestamp header's value (Unix seconds) is within `max_skew` of `now`, either
/// way. Anything that is not a whole number of seconds is not fresh.
pub fn timestamp_is_fresh(timestamp: &str, now: Timestamp, max_skew: SignedDuration) -> bool {
    let Ok(seconds) = timestamp.trim().parse::<i64>() else {
        return false;
    };
    let Ok(sent) = Timestamp::from_second(seconds) else {
        return false;
    };
    now.duration_since(sent).abs() <= max_skew.abs()
}

fn mac(secret: &[u8], timestamp: Option<&str>, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any size");
    if let Some(ts) = timestamp {
        mac.update(ts.as_bytes());
        mac.update(b":");
    }
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
