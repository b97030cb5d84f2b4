//! What this server's Slack channel syncs (`actions::slack::channels`) keep between runs: a
//! lock per incident, and what each incident's channel was last told. The state holds one, so
//! each server (and each test server in one process) has its own; it imports nothing of the
//! state.

use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

/// Locks and memory of the channel syncs, by incident id.
#[derive(Debug, Default)]
pub struct ChannelMemory {
    /// One lock per incident: the worker runs a batch of jobs at once, and two syncs of the
    /// same incident must not both create its channel or post the same change. (Servers
    /// sharing a PostgreSQL database each hold their own: the channel row's primary key and
    /// the never-backwards "told through" mark keep those races to a repeated message at
    /// worst.)
    locks: Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>,
    /// What was last told about each incident's channel.
    told: Mutex<HashMap<i64, Told>>,
}

/// What this server last told Slack about a channel, so that a run with nothing new makes no
/// call. Lost on restart: the next run then sets the topic, updates the summary and invites
/// again, which Slack takes as no change.
#[derive(Debug, Default)]
pub struct Told {
    /// The topic set last.
    pub topic: String,
    /// The summary message (`text` and `blocks`) posted or updated last.
    pub summary: Value,
    /// The Debrief users invited (or found to have no Slack account).
    pub invited: HashSet<i64>,
}

impl ChannelMemory {
    /// Holds incident `incident_id`'s lock until the guard is dropped.
    pub async fn lock(&self, incident_id: i64) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut all = self.locks.lock().unwrap_or_else(PoisonError::into_inner);
            all.entry(incident_id).or_default().clone()
        };
        lock.lock_owned().await
    }

    /// Runs `f` on what incident `incident_id`'s channel was last told.
    pub fn told<R>(&self, incident_id: i64, f: impl FnOnce(&mut Told) -> R) -> R {
        let mut all = self.told.lock().unwrap_or_else(PoisonError::into_inner);
        f(all.entry(incident_id).or_default())
    }
}
