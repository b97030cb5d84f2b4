//! Public ids: what a page, its incidents, its maintenance and their updates are called in
//! public (the v2 documents, the HTML pages and their paths, the Atom feed, subscriber webhooks
//! and e-mails).
//!
//! Debrief's internal numbers count every incident, private ones included, so a gap between
//! two public incidents' numbers would tell the world that a private incident happened in
//! between (issue 9, part 10). In public each thing is called instead by an HMAC-SHA256 of its
//! kind and number under a secret key kept in the database ([`PublicIds`]), written in
//! Statuspage's id shape: 12 lowercase letters and digits (`x0ljvc9m1wxj`). The ids are stable
//! across restarts and the same on every server sharing the database, and without the key they
//! say nothing about the numbers. What is made from something already public (a maintenance's
//! updates, the `postmortem` update of an incident) is called by a plain hash of that public
//! id and what it is ([`derived`]), which any server computes alike and which tells nothing
//! either.

use super::MaintenanceStatus;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use std::fmt;

/// The length of a public id.
pub const LEN: usize = 12;

const ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// The first 16 bytes of a hash as [`LEN`] base-36 digits (the 128 bits make every digit as
/// good as uniform).
fn base36(hash: &[u8]) -> String {
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&hash[..16]);
    let mut n = u128::from_be_bytes(bytes);
    let mut out = [0u8; LEN];
    for digit in out.iter_mut().rev() {
        *digit = ALPHABET[(n % 36) as usize];
        n /= 36;
    }
    out.iter().map(|b| char::from(*b)).collect()
}

/// Whether `s` has the shape of a public id (12 lowercase letters and digits).
pub fn is_public_id(s: &str) -> bool {
    s.len() == LEN && s.bytes().all(|b| ALPHABET.contains(&b))
}

/// Names things in public under a secret key (see the module docs).
#[derive(Clone)]
pub struct PublicIds {
    key: Vec<u8>,
}

impl fmt::Debug for PublicIds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The key is a secret: with it, anyone could tell the numbers behind the ids.
        f.write_str("PublicIds { key: [hidden] }")
    }
}

impl PublicIds {
    /// Ids under `key` (any length; 32 random bytes are plenty).
    pub fn new(key: &[u8]) -> Self {
        Self { key: key.to_vec() }
    }

    fn keyed(&self, what: &str) -> String {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes a key of any size");
        mac.update(what.as_bytes());
        base36(&mac.finalize().into_bytes())
    }

    /// A status page's id.
    pub fn page(&self, n: i64) -> String {
        self.keyed(&format!("page:{n}"))
    }

    /// The id of incident number `n` (the same on every page it is published on).
    pub fn incident(&self, n: i64) -> String {
        self.keyed(&format!("incident:{n}"))
    }

    /// The id of an incident's public update number `n`.
    pub fn incident_update(&self, n: i64) -> String {
        self.keyed(&format!("incident-update:{n}"))
    }

    /// The id of maintenance number `n`.
    pub fn maintenance(&self, n: i64) -> String {
        self.keyed(&format!("maintenance:{n}"))
    }

    /// The id of a change told to subscribers (a component webhook's `component_update.id`),
    /// from the internal key naming the change.
    pub fn change(&self, key: &str) -> String {
        self.keyed(&format!("change:{key}"))
    }
}

/// The id of `what` made from the thing whose public id is `parent` (no key needed: `parent`
/// already tells nothing).
pub fn derived(parent: &str, what: &str) -> String {
    base36(&Sha256::digest(format!("{parent}/{what}").as_bytes()))
}

/// The id of maintenance `maintenance`'s `k`th update (from 1) at `status`. The first one at a
/// status is the update its time job writes (or an operator's, if one came first), so the
/// update the documents show before that job has run keeps its id once written.
pub fn maintenance_update(maintenance: &str, status: MaintenanceStatus, k: usize) -> String {
    derived(maintenance, &format!("{status}/{k}"))
}

/// The id of the `postmortem` update of the incident whose public id is `incident`.
pub fn postmortem_update(incident: &str) -> String {
    derived(incident, "postmortem")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_have_statuspages_shape_and_are_stable_for_one_key() {
        let ids = PublicIds::new(b"a secret key");
        let id = ids.incident(42);
        assert!(is_public_id(&id), "{id}");
        assert_eq!(id, PublicIds::new(b"a secret key").incident(42));
        assert!(is_public_id(&derived(&id, "x")));
        assert!(is_public_id(&ids.change("status:1:incident:2:v3")));
    }

    #[test]
    fn kinds_numbers_and_keys_give_different_ids() {
        let ids = PublicIds::new(b"k1");
        let other = PublicIds::new(b"k2");
        assert_ne!(ids.incident(7), other.incident(7));
        assert_ne!(ids.incident(7), ids.maintenance(7));
        assert_ne!(ids.incident(7), ids.incident_update(7));
        assert_ne!(ids.incident(7), ids.page(7));
        let all: HashSet<String> = (1..=5000)
            .flat_map(|n| [ids.incident(n), ids.maintenance(n)])
            .collect();
        assert_eq!(all.len(), 10_000, "no collisions among small numbers");
    }

    #[test]
    fn consecutive_numbers_do_not_give_ordered_or_similar_ids() {
        let ids = PublicIds::new(b"k");
        let a: Vec<String> = (1..=50).map(|n| ids.incident(n)).collect();
        let mut sorted = a.clone();
        sorted.sort();
        assert_ne!(a, sorted, "ids do not sort like the numbers");
    }

    #[test]
    fn maintenance_updates_differ_by_status_and_rank() {
        let m = "abcdefghijkl";
        let first = maintenance_update(m, MaintenanceStatus::InProgress, 1);
        assert_eq!(
            first,
            maintenance_update(m, MaintenanceStatus::InProgress, 1)
        );
        assert_ne!(
            first,
            maintenance_update(m, MaintenanceStatus::InProgress, 2)
        );
        assert_ne!(
            first,
            maintenance_update(m, MaintenanceStatus::Verifying, 1)
        );
        assert_ne!(first, postmortem_update(m));
    }

    #[test]
    fn the_shape_check_refuses_what_is_not_an_id() {
        assert!(is_public_id("x0ljvc9m1wxj"));
        assert!(!is_public_id("x0ljvc9m1wx"));
        assert!(!is_public_id("X0LJVC9M1WXJ"));
        assert!(!is_public_id("m7"));
        assert!(!is_public_id("x0ljvc9m1wx-"));
    }

    #[test]
    fn debug_output_hides_the_key() {
        let shown = format!("{:?}", PublicIds::new(b"hunter2"));
        assert!(
            !shown.contains("hunter2") && !shown.contains("104"),
            "{shown}"
        );
    }
}
