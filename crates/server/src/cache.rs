//! Short-lived caches of what almost every request reads and almost nothing changes: API tokens
//! and the catalogue (severities, services).
//!
//! Changes made through this server clear the caches at once. Changes made through another
//! server sharing PostgreSQL show after at most [`TTL`]: a revoked token keeps working that long
//! there. A catalogue miss always asks the database before answering "unknown", so a newly added
//! severity or service is never refused.

use debrief_core::severity::Severity;
use debrief_store::account::{ApiToken, User};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a cached entry is trusted.
pub const TTL: Duration = Duration::from_secs(5);

/// A value with the time it was read.
#[derive(Debug, Clone)]
struct Entry<T> {
    value: T,
    read_at: Instant,
}

/// Tokens by the hash of their secret, and the catalogue.
#[derive(Debug, Default)]
pub struct Caches {
    tokens: Mutex<HashMap<String, Entry<(User, ApiToken)>>>,
    severities: Mutex<Option<Entry<Vec<Severity>>>>,
    services: Mutex<Option<Entry<Vec<String>>>>,
    /// The key on-call links are signed with: made once, stored, never changed, so it is read
    /// from the database once per server.
    link_key: std::sync::OnceLock<Vec<u8>>,
}

fn fresh<T: Clone>(e: &Entry<T>) -> Option<T> {
    (e.read_at.elapsed() < TTL).then(|| e.value.clone())
}

impl Caches {
    /// The on-call link key, once read.
    pub fn link_key(&self) -> Option<Vec<u8>> {
        self.link_key.get().cloned()
    }

    /// Remembers the on-call link key (the first value stays).
    pub fn put_link_key(&self, key: Vec<u8>) {
        let _ = self.link_key.set(key);
    }

    /// A cached token, if read within the TTL.
    pub fn token(&self, hash: &str) -> Option<(User, ApiToken)> {
        self.tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(hash)
            .and_then(fresh)
    }

    /// Remembers a token.
    pub fn put_token(&self, hash: &str, value: (User, ApiToken)) {
        let mut map = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 10_000 {
            map.retain(|_, e| e.read_at.elapsed() < TTL);
        }
        map.insert(
            hash.to_string(),
            Entry {
                value,
                read_at: Instant::now(),
            },
        );
    }

    /// Forgets every token (after a revocation or a change of a user's role).
    pub fn clear_tokens(&self) {
        self.tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// Cached severities, if read within the TTL.
    pub fn severities(&self) -> Option<Vec<Severity>> {
        self.severities
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .and_then(fresh)
    }

    /// Remembers the severities.
    pub fn put_severities(&self, value: Vec<Severity>) {
        *self.severities.lock().unwrap_or_else(|e| e.into_inner()) = Some(Entry {
            value,
            read_at: Instant::now(),
        });
    }

    /// Cached service slugs, if read within the TTL.
    pub fn services(&self) -> Option<Vec<String>> {
        self.services
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .and_then(fresh)
    }

    /// Remembers the service slugs.
    pub fn put_services(&self, value: Vec<String>) {
        *self.services.lock().unwrap_or_else(|e| e.into_inner()) = Some(Entry {
            value,
            read_at: Instant::now(),
        });
    }

    /// Forgets the catalogue (after a change to it).
    pub fn clear_catalog(&self) {
        *self.severities.lock().unwrap_or_else(|e| e.into_inner()) = None;
        *self.services.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}
