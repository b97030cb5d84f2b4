//! The "compute only" baseline: the same computation as the measured requests, done by
//! `debrief-core` in this process on the same schedules, with no HTTP, no database and no JSON.
//!
//! Each run uses as many threads as the HTTP run has connections, shares the same request
//! budget and time cap, and times every operation, so its figures read like a load run's.

use crate::load::Plan;
use crate::stats::{Latencies, RunFigures, ServerUse, Tally};
use anyhow::{Context, Result};
use debrief_core::oncall::schedule::{
    Schedule, ScheduleSpec, final_schedule, gaps, layer_entries, on_call_at,
};
use jiff::{SignedDuration, Timestamp};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// One in-process operation to time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// Compile every schedule (with the overrides in force at `at`) and ask who is on call,
    /// as `GET /api/v1/on-call` does for its schedules.
    OnCallCompiled,
    /// Ask who is on call in every schedule, already compiled.
    OnCallOnly,
    /// Compile the busy schedule with its overrides in range, then its final schedule, each
    /// layer's entries and the gaps, as `GET /schedules/{id}/final` does.
    FinalCompiled,
    /// The busy schedule's final schedule alone, already compiled.
    FinalOnly,
}

impl Work {
    /// The name in the report.
    pub fn name(self) -> &'static str {
        match self {
            Work::OnCallCompiled => "compute: compile + on_call_at",
            Work::OnCallOnly => "compute: on_call_at only",
            Work::FinalCompiled => "compute: compile+final+layers+gaps",
            Work::FinalOnly => "compute: final_schedule only",
        }
    }
}

/// The schedules as one computation needs them.
pub struct Prepared {
    specs: Vec<ScheduleSpec>,
    compiled: Vec<Schedule>,
    at: Timestamp,
    to: Timestamp,
}

impl Prepared {
    /// Prepares `specs` (the last one is the busy schedule) for `work` at `at`, with the final
    /// schedule over `[at, at + days)`: keeps the overrides the server would load (those in
    /// force at `at` for who is on call, those in the range for the final schedule).
    pub fn new(specs: &[ScheduleSpec], work: Work, at: Timestamp, days: i64) -> Result<Self> {
        let to = at + SignedDuration::from_hours(24 * days);
        let (from, until, specs) = match work {
            Work::OnCallCompiled | Work::OnCallOnly => {
                (at, at + SignedDuration::from_millis(1), specs.to_vec())
            }
            Work::FinalCompiled | Work::FinalOnly => {
                (at, to, vec![specs.last().context("no schedules")?.clone()])
            }
        };
        let specs: Vec<ScheduleSpec> = specs
            .into_iter()
            .map(|mut s| {
                s.overrides.retain(|o| o.start < until && o.end > from);
                s
            })
            .collect();
        let compiled = specs
            .iter()
            .map(|s| Schedule::new(s).map_err(|e| anyhow::anyhow!("{e:?}")))
            .collect::<Result<_>>()
            .context("A schedule the core library refuses")?;
        Ok(Self {
            specs,
            compiled,
            at,
            to,
        })
    }

    /// Does `work` once.
    fn once(&self, work: Work) {
        match work {
            Work::OnCallCompiled => {
                for spec in &self.specs {
                    if let Ok(s) = Schedule::new(spec) {
                        black_box(on_call_at(&s, self.at));
                    }
                }
            }
            Work::OnCallOnly => {
                for s in &self.compiled {
                    black_box(on_call_at(s, self.at));
                }
            }
            Work::FinalCompiled => {
                for spec in &self.specs {
                    if let Ok(s) = Schedule::new(spec) {
                        black_box(final_schedule(&s, self.at, self.to));
                        black_box(layer_entries(&s, self.at, self.to));
                        black_box(gaps(&s, self.at, self.to));
                    }
                }
            }
            Work::FinalOnly => {
                for s in &self.compiled {
                    black_box(final_schedule(s, self.at, self.to));
                }
            }
        }
    }
}

/// Runs `work` on `plan.concurrency` threads sharing `plan.requests` operations and the time
/// cap, and measures it like a load run (no server: CPU and RSS stay 0).
pub fn run(prepared: &Prepared, work: Work, plan: Plan) -> RunFigures {
    let sent = AtomicU64::new(0);
    let started = Instant::now();
    let deadline = started + plan.max;
    let mut all = Latencies::with_capacity(plan.requests.min(1 << 20) as usize);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..plan.concurrency)
            .map(|_| {
                scope.spawn(|| {
                    let mut lat = Latencies::with_capacity(1024);
                    while Instant::now() < deadline
                        && sent.fetch_add(1, Ordering::Relaxed) < plan.requests
                    {
                        let t0 = Instant::now();
                        prepared.once(work);
                        lat.record(t0.elapsed());
                    }
                    lat
                })
            })
            .collect();
        for w in workers {
            if let Ok(l) = w.join() {
                all.merge(l);
            }
        }
    });
    RunFigures::from_samples(
        all,
        Tally::default(),
        started.elapsed(),
        ServerUse::default(),
    )
}
