//! Small in-memory limiters: failed sign-ins per email, so passwords cannot be guessed at
//! speed ([`LoginLimiter`]), and subscriptions to status pages, so floods slow down
//! ([`SubscribeLimiter`]). Per server: with several servers the limits multiply, which still
//! bounds guessing and flooding.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failed attempts allowed per window.
pub const MAX_FAILURES: usize = 10;
/// The sliding window.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

/// Failed sign-ins per key within the window.
#[derive(Debug, Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl LoginLimiter {
    /// `Err(wait)` when `key` has used up its attempts.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let Some(q) = map.get_mut(key) else {
            return Ok(());
        };
        while q.front().is_some_and(|t| now.duration_since(*t) > WINDOW) {
            q.pop_front();
        }
        if q.len() >= MAX_FAILURES {
            let oldest = *q.front().expect("non-empty");
            return Err(WINDOW.saturating_sub(now.duration_since(oldest)));
        }
        Ok(())
    }

    /// Records a failed attempt.
    pub fn fail(&self, key: &str, now: Instant) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) <= WINDOW));
        }
        map.entry(key.to_string()).or_default().push_back(now);
    }

    /// Forgets the failures of a key after a successful sign-in.
    pub fn succeed(&self, key: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }
}

/// Subscriptions accepted per page per minute before answering 429.
const PER_PAGE_PER_MINUTE: usize = 60;

/// Recent subscription requests to status pages, per page and per address.
#[derive(Default)]
pub struct SubscribeLimiter {
    pages: Mutex<HashMap<String, Vec<Instant>>>,
    addresses: Mutex<HashMap<String, Instant>>,
}

impl SubscribeLimiter {
    /// Whether the page `slug` takes another subscription request this minute (and counts it).
    pub(crate) fn page_allows(&self, slug: &str) -> bool {
        let mut pages = self.pages.lock().expect("not poisoned");
        let hits = pages.entry(slug.to_string()).or_default();
        hits.retain(|t| t.elapsed() < Duration::from_secs(60));
        if hits.len() >= PER_PAGE_PER_MINUTE {
            return false;
        }
        hits.push(Instant::now());
        true
    }

    /// Whether `key` (a page, kind and address) may be sent a confirmation again: once an hour.
    pub(crate) fn address_allows(&self, key: &str) -> bool {
        let mut a = self.addresses.lock().expect("not poisoned");
        a.retain(|_, t| t.elapsed() < Duration::from_secs(3600));
        if a.contains_key(key) {
            return false;
        }
        a.insert(key.to_string(), Instant::now());
        true
    }
}

/// Alert events per integration: a token bucket of `per_minute` events, refilled evenly, so a
/// burst up to a minute's worth passes and a runaway sender is answered 429 (with how long to
/// wait) instead of filling the database. `0`: no limit.
#[derive(Debug, Default)]
pub struct EventLimiter {
    per_minute: usize,
    buckets: Mutex<HashMap<i64, (f64, Instant)>>,
}

impl EventLimiter {
    /// A limiter of `per_minute` events per integration (`0`: none).
    pub fn new(per_minute: usize) -> Self {
        Self {
            per_minute,
            buckets: Mutex::default(),
        }
    }

    /// Takes `n` events from integration `id`'s bucket, or says how long until they fit.
    pub fn take(&self, id: i64, n: usize, now: Instant) -> Result<(), Duration> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = self.per_minute as f64;
        let per_second = capacity / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let (tokens, last) = buckets.entry(id).or_insert((capacity, now));
        *tokens = (*tokens + now.saturating_duration_since(*last).as_secs_f64() * per_second)
            .min(capacity);
        *last = now;
        let want = n as f64;
        if *tokens >= want {
            *tokens -= want;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                ((want - *tokens) / per_second).max(1.0),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_integration_gets_its_minute_of_events_then_waits_for_the_refill() {
        let l = EventLimiter::new(60);
        let t0 = Instant::now();
        assert!(l.take(1, 60, t0).is_ok(), "a minute's worth passes at once");
        let wait = l.take(1, 1, t0).unwrap_err();
        assert!(wait >= Duration::from_secs(1), "{wait:?}");
        assert!(l.take(2, 1, t0).is_ok(), "buckets are per integration");
        assert!(
            l.take(1, 1, t0 + Duration::from_secs(1)).is_ok(),
            "one a second refills"
        );
        assert!(
            EventLimiter::new(0).take(1, 1_000_000, t0).is_ok(),
            "0: no limit"
        );
    }

    #[test]
    fn the_eleventh_failure_within_the_window_is_refused_until_it_slides() {
        let l = LoginLimiter::default();
        let t0 = Instant::now();
        for i in 0..MAX_FAILURES {
            assert!(l.check("a@b.c", t0).is_ok(), "attempt {i}");
            l.fail("a@b.c", t0);
        }
        assert!(l.check("a@b.c", t0).is_err());
        assert!(l.check("other@b.c", t0).is_ok(), "limits are per email");
        assert!(
            l.check("a@b.c", t0 + WINDOW + Duration::from_secs(1))
                .is_ok()
        );
        l.succeed("a@b.c");
        assert!(l.check("a@b.c", t0).is_ok());
    }
}
