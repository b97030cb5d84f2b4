//! Short-lived caches of what almost every request reads and almost nothing changes: API tokens
//! and the catalogue (severities, services).
//!
//! Changes made through this server clear the caches at once. A change of an account's access
//! (deactivated, a token revoked, a role changed) made through another server sharing
//! PostgreSQL is announced (`NOTIFY`), and every server forgets its cached tokens (and ends
//! the account's live streams that may no longer run) as it hears it; only a notice lost while a listener reconnects waits for [`TTL`]. Other changes made
//! through another server show after at most [`TTL`]. A catalogue miss always asks the database before answering "unknown", so a newly added
//! severity or service is never refused.

use debrief_core::severity::Severity;
use debrief_store::Store;
use debrief_store::account::{ApiToken, User};
use debrief_store::postgres::AccountNotice;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

/// How long a cached entry is trusted.
pub const TTL: Duration = Duration::from_secs(5);

/// A value with the time it was read.
#[derive(Debug, Clone)]
struct Entry<T> {
    value: T,
    read_at: Instant,
}

/// Tokens by the hash of their secret, the catalogue, and the news of account changes.
#[derive(Debug)]
pub struct Caches {
    tokens: Mutex<HashMap<String, Entry<(User, ApiToken)>>>,
    severities: Mutex<Option<Entry<Vec<Severity>>>>,
    services: Mutex<Option<Entry<Vec<String>>>>,
    /// The key on-call links are signed with: made once, stored, never changed, so it is read
    /// from the database once per server.
    link_key: std::sync::OnceLock<Vec<u8>>,
    /// The ids of accounts whose access changed (here, or announced by another server): open
    /// live streams re-check their credentials when their account is named.
    accounts: broadcast::Sender<i64>,
}

impl Default for Caches {
    fn default() -> Self {
        Self {
            tokens: Mutex::default(),
            severities: Mutex::default(),
            services: Mutex::default(),
            link_key: std::sync::OnceLock::new(),
            accounts: broadcast::channel(256).0,
        }
    }
}

fn fresh<T: Clone>(e: &Entry<T>) -> Option<T> {
    (e.read_at.elapsed() < TTL).then(|| e.value.clone())
}

impl Caches {
    /// The caches of a server on `store`; on PostgreSQL a listener task, which runs as long as
    /// the caches live, forgets cached tokens whenever any server announces an account change.
    /// Must be called inside a Tokio runtime.
    pub fn for_store(store: &Store) -> Arc<Self> {
        let caches = Arc::new(Self::default());
        if store.backend() == debrief_store::Backend::Postgres {
            tokio::spawn(listen(Arc::downgrade(&caches), store.clone()));
        }
        caches
    }

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

    /// An account's access changed: forgets every cached token and tells this server's open
    /// streams (nobody listening is fine).
    pub fn account_changed(&self, user_id: i64) {
        self.clear_tokens();
        let _ = self.accounts.send(user_id);
    }

    /// A subscription to the ids of accounts whose access changed. A receiver that lags behind
    /// has missed some ids and must treat every account as changed.
    pub fn account_changes(&self) -> broadcast::Receiver<i64> {
        self.accounts.subscribe()
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

/// Forgets cached tokens and tells open streams as servers (this one included) announce
/// account changes, until the caches drop.
async fn listen(caches: Weak<Caches>, store: Store) {
    crate::live::relay(
        caches,
        "account changes",
        || store.listen_accounts(),
        |c: Arc<Caches>, n: AccountNotice| async move { c.account_changed(n.user_id) },
    )
    .await;
}
