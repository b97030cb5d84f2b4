//! Where the server takes "now" from.
//!
//! Every time Debrief stores or decides on (a declaration's time, a deadline, when a job is due,
//! whether a status page snapshot is still true) comes from the [`Clock`] in the application
//! state: the system clock in production, a [`ManualClock`] in tests. A test sets the manual
//! clock and moves it forward; the job worker and the reminder scan wake when it moves, so a
//! test of a 30-minute escalation moves the clock 30 minutes instead of waiting them.
//!
//! Measuring how long something took (timeouts, rate limits, caches) is not telling the time:
//! that stays on `std::time::Instant` and `tokio::time`.

use debrief_core::Timestamp;
use jiff::SignedDuration;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// The source of "now": the system clock, or a manual one that tests move.
#[derive(Clone, Default)]
pub struct Clock(Option<Arc<ManualClock>>);

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self(None)
    }

    /// A clock that reads `start` until it is moved (see [`ManualClock`]).
    pub fn manual(start: Timestamp) -> Self {
        let start = debrief_core::to_millis(start);
        let (moved, _) = watch::channel(start);
        Self(Some(Arc::new(ManualClock {
            now: Mutex::new(start),
            moved,
        })))
    }

    /// Now, truncated to the millisecond precision Debrief stores.
    pub fn now(&self) -> Timestamp {
        match &self.0 {
            None => debrief_core::to_millis(Timestamp::now()),
            Some(m) => m.now(),
        }
    }

    /// Now, or a millisecond after `last` if that is not earlier: the time of a new update
    /// after one made at `last`, so the updates of one incident (or maintenance) are strictly
    /// in time order (see [`debrief_core::later_than`]).
    pub fn now_after(&self, last: Option<Timestamp>) -> Timestamp {
        debrief_core::later_than(last, self.now())
    }

    /// The manual clock behind this one, to set and move; `None` for the system clock.
    pub fn manual_clock(&self) -> Option<&ManualClock> {
        self.0.as_deref()
    }

    /// Waits until `d` has passed on this clock: real time for the system clock; for a manual
    /// clock, until it has been moved at least `d` past the time of the call.
    pub async fn sleep(&self, d: Duration) {
        match &self.0 {
            None => tokio::time::sleep(d).await,
            Some(m) => {
                let until = m
                    .now()
                    .checked_add(SignedDuration::try_from(d).unwrap_or(SignedDuration::MAX))
                    .unwrap_or(Timestamp::MAX);
                let mut moved = m.moved.subscribe();
                // The sender lives in `m`, which outlives this wait: `wait_for` ends only when
                // the clock reaches `until`.
                let _ = moved.wait_for(|now| *now >= until).await;
            }
        }
    }

    /// Completes when a manual clock is moved after this call; never for the system clock
    /// (its time passes without anyone moving it, so waiters poll instead).
    pub async fn moved(&self) {
        match &self.0 {
            None => std::future::pending().await,
            Some(m) => {
                let mut moved = m.moved.subscribe();
                let _ = moved.changed().await;
            }
        }
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            None => f.write_str("Clock(system)"),
            Some(m) => write!(f, "Clock(manual, {})", m.now()),
        }
    }
}

/// A clock that stands still until it is set or moved: every reading between two moves is the
/// same instant. Moving it wakes the job worker and the reminder scan, which then see the new
/// time.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<Timestamp>,
    moved: watch::Sender<Timestamp>,
}

impl ManualClock {
    /// The time it reads.
    pub fn now(&self) -> Timestamp {
        *self.now.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Moves it forward by `by` (a negative span moves it back); returns the new time.
    pub fn advance(&self, by: SignedDuration) -> Timestamp {
        let mut now = self.now.lock().unwrap_or_else(|e| e.into_inner());
        *now = debrief_core::to_millis(now.checked_add(by).unwrap_or(*now));
        let t = *now;
        drop(now);
        self.moved.send_replace(t);
        t
    }

    /// Sets it to `to`.
    pub fn set(&self, to: Timestamp) {
        let to = debrief_core::to_millis(to);
        *self.now.lock().unwrap_or_else(|e| e.into_inner()) = to;
        self.moved.send_replace(to);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().expect("a timestamp")
    }

    #[test]
    fn a_manual_clock_stands_still_until_moved() {
        let clock = Clock::manual(t("2026-03-29T00:59:59.123456Z"));
        assert_eq!(
            clock.now(),
            t("2026-03-29T00:59:59.123Z"),
            "to the millisecond"
        );
        assert_eq!(clock.now(), clock.now());
        let m = clock.manual_clock().expect("manual");
        assert_eq!(
            m.advance(SignedDuration::from_mins(30)),
            t("2026-03-29T01:29:59.123Z")
        );
        assert_eq!(clock.now(), t("2026-03-29T01:29:59.123Z"));
        m.set(t("2026-01-01T00:00:00Z"));
        assert_eq!(clock.now(), t("2026-01-01T00:00:00Z"));
        assert!(Clock::system().manual_clock().is_none());
    }

    #[test]
    fn now_after_keeps_updates_in_order_on_a_still_clock() {
        let clock = Clock::manual(t("2026-11-21T10:00:00Z"));
        let first = clock.now_after(None);
        let second = clock.now_after(Some(first));
        assert!(second > first);
    }

    #[tokio::test]
    async fn sleeping_on_a_manual_clock_ends_when_it_is_moved_far_enough() {
        use futures_util::FutureExt;
        let clock = Clock::manual(t("2026-11-21T10:00:00Z"));
        let mut sleep = Box::pin(clock.sleep(Duration::from_secs(300)));
        assert!((&mut sleep).now_or_never().is_none());
        let m = clock.manual_clock().expect("manual");
        m.advance(SignedDuration::from_mins(4));
        assert!(
            (&mut sleep).now_or_never().is_none(),
            "four minutes are not five"
        );
        m.advance(SignedDuration::from_mins(1));
        assert!((&mut sleep).now_or_never().is_some(), "woken by the move");
    }
}
