//! Slack's rate limits, kept on our side so that calls wait instead of failing.
//!
//! Slack limits each Web API method per workspace and app, in tiers (Tier 2 about 20 calls a
//! minute, Tier 3 about 50, Tier 4 about 100), and `chat.postMessage` to about one message a
//! second per channel; short bursts are allowed. A [`Limiter`] keeps one token bucket per
//! workspace token, method (and channel, for posts): a call takes a token, or waits until one
//! is back. After a `429`, the bucket is held until its `Retry-After` has passed.
//!
//! Time is tokio's monotonic time, never the application clock: a test that moves the app's
//! clock must not make Slack's limits pass, nor hold them.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;
use tokio::time::Instant;

/// How many calls a bucket allows at once, and how fast it refills.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    /// The burst: calls that may go at once after a quiet period.
    pub burst: f64,
    /// Calls a second once the burst is spent.
    pub per_second: f64,
}

impl Rate {
    /// Slack's Tier 1: 1+ a minute.
    pub const TIER_1: Rate = Rate::per_minute(1.0);
    /// Slack's Tier 2: 20+ a minute.
    pub const TIER_2: Rate = Rate::per_minute(20.0);
    /// Slack's Tier 3: 50+ a minute.
    pub const TIER_3: Rate = Rate::per_minute(50.0);
    /// Slack's Tier 4: 100+ a minute.
    pub const TIER_4: Rate = Rate::per_minute(100.0);
    /// `chat.postMessage`: one a second per channel, with short bursts.
    pub const POST_PER_CHANNEL: Rate = Rate {
        burst: 5.0,
        per_second: 1.0,
    };

    /// `n` calls a minute, all of which may go at once.
    pub const fn per_minute(n: f64) -> Rate {
        Rate {
            burst: n,
            per_second: n / 60.0,
        }
    }

    /// The rate Slack documents for `method`; Tier 3 for methods not listed.
    pub fn of(method: &str) -> Rate {
        match method {
            "chat.postMessage" => Rate::POST_PER_CHANNEL,
            "conversations.create"
            | "conversations.setTopic"
            | "conversations.setPurpose"
            | "conversations.archive"
            | "conversations.list"
            | "pins.add"
            | "pins.remove"
            | "users.list" => Rate::TIER_2,
            "auth.test"
            | "oauth.v2.access"
            | "chat.postEphemeral"
            | "chat.getPermalink"
            | "views.open"
            | "views.update"
            | "views.push"
            | "users.info"
            | "conversations.members"
            | "conversations.open" => Rate::TIER_4,
            _ => Rate::TIER_3,
        }
    }
}

/// What a bucket is for: a workspace's token (hashed, never kept), a method, and for
/// per-channel methods the channel.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    token: u64,
    method: String,
    channel: Option<String>,
}

impl Key {
    /// The bucket of a call of `method` with `token`, posting to `channel` when the method is
    /// limited per channel.
    pub fn new(token: &str, method: &str, channel: Option<&str>) -> Key {
        let mut h = DefaultHasher::new();
        token.hash(&mut h);
        let per_channel = method == "chat.postMessage";
        Key {
            token: h.finish(),
            method: method.to_string(),
            channel: channel.filter(|_| per_channel).map(str::to_string),
        }
    }
}

/// One token bucket.
#[derive(Debug, Clone)]
pub struct Bucket {
    rate: Rate,
    tokens: f64,
    updated: Instant,
    held_until: Option<Instant>,
}

impl Bucket {
    /// A full bucket at `now`.
    pub fn new(rate: Rate, now: Instant) -> Bucket {
        Bucket {
            rate,
            tokens: rate.burst,
            updated: now,
            held_until: None,
        }
    }

    /// Takes a token at `now`: `None` when the call may go, or the instant to try again.
    pub fn take(&mut self, now: Instant) -> Option<Instant> {
        if let Some(until) = self.held_until {
            if now < until {
                return Some(until);
            }
            self.held_until = None;
        }
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate.per_second).min(self.rate.burst);
        self.updated = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return None;
        }
        let missing = (1.0 - self.tokens) / self.rate.per_second;
        Some(now + Duration::from_secs_f64(missing.max(0.001)))
    }

    /// Holds every call until `until` (Slack answered `429` with `Retry-After`), and empties
    /// the bucket so calls then resume at the steady rate rather than in a burst.
    pub fn hold(&mut self, until: Instant) {
        self.held_until = Some(self.held_until.map_or(until, |h| h.max(until)));
        self.tokens = 0.0;
        self.updated = until;
    }

    /// Whether the bucket is full and not held at `now` (forgetting it changes nothing).
    fn idle(&self, now: Instant) -> bool {
        self.held_until.is_none_or(|h| h <= now)
            && self.tokens
                + now.saturating_duration_since(self.updated).as_secs_f64() * self.rate.per_second
                >= self.rate.burst
    }
}

/// The buckets of every method called, shared by all calls of one client.
#[derive(Debug, Default)]
pub struct Limiter {
    buckets: Mutex<HashMap<Key, Bucket>>,
}

/// Buckets kept before idle ones are forgotten (one per channel posted to, so they add up).
const PRUNE_ABOVE: usize = 1024;

impl Limiter {
    /// Waits until a call for `key` may go (at the rate of its method), and takes its token.
    pub async fn acquire(&self, key: &Key) {
        loop {
            let wait = {
                let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
                let now = Instant::now();
                if buckets.len() > PRUNE_ABOVE {
                    buckets.retain(|_, b| !b.idle(now));
                }
                buckets
                    .entry(key.clone())
                    .or_insert_with(|| Bucket::new(Rate::of(&key.method), now))
                    .take(now)
            };
            match wait {
                None => return,
                Some(until) => tokio::time::sleep_until(until).await,
            }
        }
    }

    /// Holds calls for `key` for `retry_after` from now.
    pub fn hold(&self, key: &Key, retry_after: Duration) {
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        buckets
            .entry(key.clone())
            .or_insert_with(|| Bucket::new(Rate::of(&key.method), now))
            .hold(now + retry_after);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_goes_at_once_then_calls_are_spaced_at_the_rate() {
        let t0 = Instant::now();
        let mut b = Bucket::new(Rate::POST_PER_CHANNEL, t0);
        for _ in 0..5 {
            assert_eq!(b.take(t0), None);
        }
        let next = b.take(t0).expect("the burst is spent");
        assert_eq!(next.duration_since(t0), Duration::from_secs(1));
        assert_eq!(b.take(next), None);
    }

    #[test]
    fn a_held_bucket_waits_for_retry_after_then_resumes_one_at_a_time() {
        let t0 = Instant::now();
        let mut b = Bucket::new(Rate::TIER_2, t0);
        b.hold(t0 + Duration::from_secs(30));
        assert_eq!(b.take(t0), Some(t0 + Duration::from_secs(30)));
        assert_eq!(
            b.take(t0 + Duration::from_secs(29)),
            Some(t0 + Duration::from_secs(30))
        );
        let after = t0 + Duration::from_secs(33);
        assert_eq!(b.take(after), None);
        assert!(b.take(after).is_some(), "no burst right after a hold");
    }

    #[test]
    fn a_shorter_hold_does_not_shorten_a_longer_one() {
        let t0 = Instant::now();
        let mut b = Bucket::new(Rate::TIER_3, t0);
        b.hold(t0 + Duration::from_secs(10));
        b.hold(t0 + Duration::from_secs(2));
        assert_eq!(b.take(t0), Some(t0 + Duration::from_secs(10)));
    }

    #[test]
    fn posts_are_limited_per_channel_and_other_methods_per_method() {
        let a = Key::new("xoxb-1", "chat.postMessage", Some("C1"));
        let b = Key::new("xoxb-1", "chat.postMessage", Some("C2"));
        assert_ne!(a, b);
        let c = Key::new("xoxb-1", "conversations.invite", Some("C1"));
        let d = Key::new("xoxb-1", "conversations.invite", Some("C2"));
        assert_eq!(c, d);
        assert_ne!(c, Key::new("xoxb-2", "conversations.invite", None));
    }

    #[test]
    fn methods_get_the_tier_slack_documents() {
        assert_eq!(Rate::of("conversations.create"), Rate::TIER_2);
        assert_eq!(Rate::of("users.lookupByEmail"), Rate::TIER_3);
        assert_eq!(Rate::of("views.open"), Rate::TIER_4);
        assert_eq!(Rate::of("chat.postMessage"), Rate::POST_PER_CHANNEL);
    }
}
