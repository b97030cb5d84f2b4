//! Escalation policies: who is notified when, until someone acknowledges.
//!
//! A policy is an ordered list of levels; each level has targets (users, or schedules meaning
//! whoever is on call in them when the level starts) and a delay in minutes before the next
//! level. After the last level (and its delay) the policy repeats from level 1 up to `repeat`
//! more times, then stops: one pass lasts the sum of all delays. A page opened at `T0` notifies
//! level 1 at `T0`, level 2 at `T0 + delay1`, and so on. An acknowledgement (or resolution) at
//! instant `A` stops every notification due at or after `A`: one due exactly at `A` is not sent.
//! Each user is notified at most once per level firing; a level whose schedules have nobody on
//! call notifies nobody and escalation continues.
//!
//! Everything here is pure: the caller supplies "who is on call in schedule S at instant T"
//! (see `super::schedule`) and stores what was sent.

use crate::Timestamp;
use crate::validation::ValidationError;
use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

/// The most levels a policy has.
pub const MAX_LEVELS: usize = 20;
/// The most targets a level has.
pub const MAX_TARGETS: usize = 50;
/// The longest delay of a level, in minutes (a day).
pub const MAX_DELAY_MINUTES: u32 = 1440;
/// The most repeats of a policy.
pub const MAX_REPEAT: u32 = 20;

/// Whom a level notifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(
    tag = "type",
    content = "id",
    rename_all = "snake_case",
    deny_unknown_fields
)]
pub enum Target {
    /// A user.
    User(i64),
    /// Whoever is on call in this schedule when the level starts.
    Schedule(i64),
}

/// One level of a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Level {
    /// Who it notifies.
    pub targets: Vec<Target>,
    /// Minutes from this level to the next (after the last: to the next pass).
    pub delay_minutes: u32,
}

/// An escalation policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// The levels, in order.
    pub levels: Vec<Level>,
    /// How many more passes after the first.
    pub repeat: u32,
}

/// One level starting: pass `pass` (0 is the first), level `level` (0-based), at `at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Firing {
    /// Which pass (0: the first).
    pub pass: u32,
    /// Which level (0: the first).
    pub level: usize,
    /// When it starts.
    #[serde(with = "crate::ts")]
    pub at: Timestamp,
}

impl Policy {
    /// Checks a policy, naming each problem: at least one level and at most [`MAX_LEVELS`];
    /// each level with 1 to [`MAX_TARGETS`] targets, none twice, and a delay of 1 to
    /// [`MAX_DELAY_MINUTES`] minutes; at most [`MAX_REPEAT`] repeats.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut e = ValidationError::default();
        if self.levels.is_empty() {
            e.push("levels", "a policy needs at least one level");
        }
        if self.levels.len() > MAX_LEVELS {
            e.push("levels", format!("at most {MAX_LEVELS} levels"));
        }
        for (n, level) in self.levels.iter().enumerate() {
            let field = format!("levels[{n}]");
            if level.targets.is_empty() {
                e.push(
                    format!("{field}.targets"),
                    "a level needs at least one target",
                );
            }
            if level.targets.len() > MAX_TARGETS {
                e.push(
                    format!("{field}.targets"),
                    format!("at most {MAX_TARGETS} targets"),
                );
            }
            for (k, t) in level.targets.iter().enumerate() {
                if level.targets[..k].contains(t) {
                    e.push(
                        format!("{field}.targets[{k}]"),
                        "is already a target of this level",
                    );
                }
            }
            if !(1..=MAX_DELAY_MINUTES).contains(&level.delay_minutes) {
                e.push(
                    format!("{field}.delay_minutes"),
                    format!("must be 1 to {MAX_DELAY_MINUTES} minutes"),
                );
            }
        }
        if self.repeat > MAX_REPEAT {
            e.push("repeat", format!("at most {MAX_REPEAT} repeats"));
        }
        if e.fields.is_empty() { Ok(()) } else { Err(e) }
    }

    /// How long one pass lasts: the sum of all delays.
    pub fn pass_length(&self) -> SignedDuration {
        SignedDuration::from_mins(self.levels.iter().map(|l| i64::from(l.delay_minutes)).sum())
    }

    /// Every level firing of a page opened at `opened_at`, in order: `repeat + 1` passes.
    pub fn firings(&self, opened_at: Timestamp) -> Vec<Firing> {
        let mut out = Vec::with_capacity(self.levels.len() * (self.repeat as usize + 1));
        let mut at = opened_at;
        for pass in 0..=self.repeat {
            for (level, l) in self.levels.iter().enumerate() {
                out.push(Firing { pass, level, at });
                at = at
                    .checked_add(SignedDuration::from_mins(i64::from(l.delay_minutes)))
                    .unwrap_or(at);
            }
        }
        out
    }

    /// The firings that are sent when the page is acknowledged or resolved at `stop` (none
    /// given: never): those due strictly before it. One due exactly at `stop` is not sent.
    pub fn firings_before(&self, opened_at: Timestamp, stop: Option<Timestamp>) -> Vec<Firing> {
        self.firings(opened_at)
            .into_iter()
            .filter(|f| stop.is_none_or(|s| f.at < s))
            .collect()
    }

    /// The first firing due at or after `t` (for scheduling the next one), if any is left.
    pub fn next_firing(&self, opened_at: Timestamp, t: Timestamp) -> Option<Firing> {
        self.firings(opened_at).into_iter().find(|f| f.at >= t)
    }

    /// When the escalation ends if nobody acknowledges: the last firing's delay after it.
    pub fn ends_at(&self, opened_at: Timestamp) -> Timestamp {
        let passes = i64::from(self.repeat) + 1;
        opened_at
            .checked_add(self.pass_length() * passes as i32)
            .unwrap_or(opened_at)
    }
}

/// The users a firing of `level` at `at` notifies, each once, in target order: users as named,
/// schedules resolved by `on_call(schedule, at)` (nobody on call: nobody from that target).
pub fn recipients(
    level: &Level,
    at: Timestamp,
    on_call: impl Fn(i64, Timestamp) -> Option<i64>,
) -> Vec<i64> {
    let mut users: Vec<i64> = Vec::new();
    for t in &level.targets {
        let user = match *t {
            Target::User(u) => Some(u),
            Target::Schedule(s) => on_call(s, at),
        };
        if let Some(u) = user
            && !users.contains(&u)
        {
            users.push(u);
        }
    }
    users
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().expect("a time")
    }

    fn policy(delays: &[u32], repeat: u32) -> Policy {
        Policy {
            levels: delays
                .iter()
                .enumerate()
                .map(|(n, d)| Level {
                    targets: vec![Target::User(n as i64 + 1)],
                    delay_minutes: *d,
                })
                .collect(),
            repeat,
        }
    }

    fn times(f: &[Firing]) -> Vec<(u32, usize, String)> {
        f.iter()
            .map(|f| (f.pass, f.level, crate::format_utc(f.at)))
            .collect()
    }

    #[test]
    fn levels_fire_after_the_delays_and_passes_repeat() {
        let p = policy(&[5, 10], 1);
        assert_eq!(p.pass_length(), SignedDuration::from_mins(15));
        assert_eq!(
            times(&p.firings(t("2026-12-07T09:00:00Z"))),
            vec![
                (0, 0, "2026-12-07T09:00:00.000Z".into()),
                (0, 1, "2026-12-07T09:05:00.000Z".into()),
                (1, 0, "2026-12-07T09:15:00.000Z".into()),
                (1, 1, "2026-12-07T09:20:00.000Z".into()),
            ]
        );
        assert_eq!(
            p.ends_at(t("2026-12-07T09:00:00Z")),
            t("2026-12-07T09:30:00Z")
        );
        assert_eq!(policy(&[5], 0).firings(t("2026-12-07T09:00:00Z")).len(), 1);
    }

    #[test]
    fn an_acknowledgement_stops_what_is_due_at_or_after_it() {
        let p = policy(&[5, 10], 2);
        let opened = t("2026-12-07T09:00:00Z");
        // Exactly at level 2's instant: level 2 is not sent.
        let sent = p.firings_before(opened, Some(t("2026-12-07T09:05:00Z")));
        assert_eq!(
            times(&sent),
            vec![(0, 0, "2026-12-07T09:00:00.000Z".into())]
        );
        // One millisecond later: it was.
        let sent = p.firings_before(opened, Some(t("2026-12-07T09:05:00.001Z")));
        assert_eq!(sent.len(), 2);
        // Acknowledged at the opening instant itself: nothing at all.
        assert!(p.firings_before(opened, Some(opened)).is_empty());
        // Never acknowledged: every pass.
        assert_eq!(p.firings_before(opened, None).len(), 6);
    }

    #[test]
    fn the_next_firing_is_the_first_at_or_after_an_instant() {
        let p = policy(&[5, 10], 0);
        let opened = t("2026-12-07T09:00:00Z");
        assert_eq!(p.next_firing(opened, opened).map(|f| f.level), Some(0));
        assert_eq!(
            p.next_firing(opened, t("2026-12-07T09:00:01Z"))
                .map(|f| (f.level, f.at)),
            Some((1, t("2026-12-07T09:05:00Z")))
        );
        assert_eq!(p.next_firing(opened, t("2026-12-07T09:05:01Z")), None);
    }

    #[test]
    fn a_user_is_notified_once_per_firing_and_an_empty_schedule_notifies_nobody() {
        let level = Level {
            targets: vec![
                Target::User(7),
                Target::Schedule(1),
                Target::Schedule(2),
                Target::User(8),
            ],
            delay_minutes: 5,
        };
        let at = t("2026-12-07T09:00:00Z");
        // Schedule 1 has user 7 on call (already a target), schedule 2 nobody.
        let who = recipients(&level, at, |s, _| (s == 1).then_some(7));
        assert_eq!(who, vec![7, 8]);
        let nobody = Level {
            targets: vec![Target::Schedule(2)],
            delay_minutes: 5,
        };
        assert!(recipients(&nobody, at, |_, _| None).is_empty());
    }

    #[test]
    fn schedules_are_asked_at_the_instant_their_level_starts() {
        let p = Policy {
            levels: vec![
                Level {
                    targets: vec![Target::Schedule(1)],
                    delay_minutes: 30,
                },
                Level {
                    targets: vec![Target::Schedule(1)],
                    delay_minutes: 30,
                },
            ],
            repeat: 0,
        };
        // The schedule hands off at 09:15: level 1 (09:00) gets user 1, level 2 (09:30) user 2.
        let handoff = t("2026-12-07T09:15:00Z");
        let on_call = |_: i64, at: Timestamp| Some(if at < handoff { 1 } else { 2 });
        let who: Vec<Vec<i64>> = p
            .firings(t("2026-12-07T09:00:00Z"))
            .iter()
            .map(|f| recipients(&p.levels[f.level], f.at, on_call))
            .collect();
        assert_eq!(who, vec![vec![1], vec![2]]);
    }

    #[test]
    fn escalation_counts_absolute_minutes_across_a_dst_change() {
        // Europe/Berlin springs forward at 01:00 UTC on 2026-03-29: a 60-minute delay is 60
        // elapsed minutes, whatever the wall clock does.
        let p = policy(&[60, 60], 0);
        let f = p.firings(t("2026-03-29T00:30:00Z"));
        assert_eq!(f[1].at, t("2026-03-29T01:30:00Z"));
    }

    #[test]
    fn bad_policies_are_refused_naming_each_problem() {
        let e = Policy {
            levels: vec![],
            repeat: 99,
        }
        .validate()
        .unwrap_err();
        let fields: Vec<&str> = e.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, vec!["levels", "repeat"]);
        let e = Policy {
            levels: vec![Level {
                targets: vec![Target::User(1), Target::User(1)],
                delay_minutes: 0,
            }],
            repeat: 0,
        }
        .validate()
        .unwrap_err();
        let fields: Vec<&str> = e.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            vec!["levels[0].targets[1]", "levels[0].delay_minutes"]
        );
        assert!(policy(&[5, 10], 3).validate().is_ok());
    }

    #[test]
    fn targets_have_a_plain_json_shape() {
        let json = serde_json::to_string(&Target::Schedule(3)).unwrap();
        assert_eq!(json, r#"{"type":"schedule","id":3}"#);
        let back: Target = serde_json::from_str(r#"{"type":"user","id":9}"#).unwrap();
        assert_eq!(back, Target::User(9));
    }
}
