//! The computation: each layer's turns and restriction windows over a range, and the sweep
//! that makes the final schedule.

use super::*;

impl Restriction {
    /// The windows opening on local dates `lo..=hi`, as instants, empty ones left out.
    pub(super) fn windows(&self, tz: &TimeZone, lo: Date, hi: Date, out: &mut Vec<Interval>) {
        let (mut d, step, start, days, end) = match *self {
            Restriction::Daily { start, end } => (lo, 1, start, i64::from(end <= start), end),
            Restriction::Weekly {
                start_day,
                start,
                days,
                end,
            } => {
                let ahead = i64::from(start_day.since(lo.weekday()));
                let Some(first) = add_days(lo, ahead) else {
                    return;
                };
                (first, 7, start, days, end)
            }
        };
        while d <= hi {
            let open = resolve_local(tz, d.to_datetime(start));
            let close = add_days(d, days).and_then(|c| resolve_local(tz, c.to_datetime(end)));
            if let (Some(open), Some(close)) = (open, close)
                && open < close
            {
                out.push(Interval {
                    start: open,
                    end: close,
                });
            }
            match add_days(d, step) {
                Some(next) => d = next,
                None => return,
            }
        }
    }

    pub(super) fn contains(&self, tz: &TimeZone, at: Timestamp) -> bool {
        let date = tz.to_datetime(at).date();
        let mut ws = Vec::new();
        if let Some(lo) = add_days(date, -8) {
            self.windows(tz, lo, date, &mut ws);
        }
        ws.iter().any(|w| w.start <= at && at < w.end)
    }
}

impl Layer {
    pub(super) fn step_days(&self) -> i64 {
        match self.rotation {
            Rotation::Weekly => 7,
            _ => 1,
        }
    }

    /// The instant turn `k` begins.
    pub(super) fn handoff(&self, tz: &TimeZone, k: i64) -> Option<Timestamp> {
        match self.rotation {
            Rotation::Hours(n) => {
                let d = SignedDuration::from_hours(k.checked_mul(i64::from(n))?);
                self.start_at.checked_add(d).ok()
            }
            Rotation::Daily | Rotation::Weekly => {
                let date = add_days(self.start.date(), k.checked_mul(self.step_days())?)?;
                resolve_local(tz, date.to_datetime(self.start.time()))
            }
        }
    }

    /// The turn running at `at`, computed from the elapsed time (hours) or the local date
    /// difference (days, weeks); `None` before the start.
    pub(super) fn turn_at(&self, tz: &TimeZone, at: Timestamp) -> Option<i64> {
        if at < self.start_at {
            return None;
        }
        let mut k = match self.rotation {
            Rotation::Hours(n) => {
                let secs = at.duration_since(self.start_at).as_secs();
                return Some(secs.div_euclid(i64::from(n) * 3600));
            }
            Rotation::Daily | Rotation::Weekly => {
                let days = days_between(self.start.date(), tz.to_datetime(at).date())?;
                days.div_euclid(self.step_days()).max(0)
            }
        };
        // The local date may sit a turn off near a handoff moved by a gap; settle exactly.
        while k > 0 && self.handoff(tz, k)? > at {
            k -= 1;
        }
        while self.handoff(tz, k + 1)? <= at {
            k += 1;
        }
        Some(k)
    }

    pub(super) fn user(&self, k: i64) -> Option<&UserId> {
        let len = i64::try_from(self.participants.len()).ok()?;
        let i = usize::try_from(k.rem_euclid(len.max(1))).ok()?;
        self.participants.get(i)
    }

    pub(super) fn user_at(&self, tz: &TimeZone, at: Timestamp) -> Option<&UserId> {
        if self.end_at.is_some_and(|e| at >= e) {
            return None;
        }
        let k = self.turn_at(tz, at)?;
        if !self.restrictions.is_empty() && !self.restrictions.iter().any(|r| r.contains(tz, at)) {
            return None;
        }
        self.user(k)
    }

    /// The layer's entries over `[from, to)`, restrictions applied, same user merged.
    pub(super) fn entries(&self, tz: &TimeZone, from: Timestamp, to: Timestamp) -> Vec<Entry> {
        let lo = from.max(self.start_at);
        let hi = self.end_at.map_or(to, |e| e.min(to));
        let mut turns = Vec::new();
        if lo >= hi {
            return turns;
        }
        let Some(mut k) = self.turn_at(tz, lo) else {
            return turns;
        };
        while let (Some(s), Some(e), Some(user)) =
            (self.handoff(tz, k), self.handoff(tz, k + 1), self.user(k))
        {
            let (s, e) = (s.max(lo), e.min(hi));
            if s < e {
                push_merged(&mut turns, user, s, e);
            }
            if e >= hi {
                break;
            }
            k += 1;
        }
        if self.restrictions.is_empty() {
            return turns;
        }
        let (Some(dlo), Some(dhi)) = (
            add_days(tz.to_datetime(lo).date(), -8),
            add_days(tz.to_datetime(hi).date(), 1),
        ) else {
            return Vec::new();
        };
        let mut windows = Vec::new();
        for r in &self.restrictions {
            r.windows(tz, dlo, dhi, &mut windows);
        }
        let windows = union(windows);
        let mut out = Vec::new();
        let mut wi = 0;
        for t in &turns {
            while wi < windows.len() && windows[wi].end <= t.start {
                wi += 1;
            }
            let mut j = wi;
            while j < windows.len() && windows[j].start < t.end {
                let (s, e) = (t.start.max(windows[j].start), t.end.min(windows[j].end));
                if s < e {
                    push_merged(&mut out, &t.user, s, e);
                }
                j += 1;
            }
        }
        out
    }
}

/// Sorts intervals and merges the overlapping or touching ones.
pub(super) fn union(mut v: Vec<Interval>) -> Vec<Interval> {
    v.sort_by_key(|i| i.start);
    let mut out: Vec<Interval> = Vec::with_capacity(v.len());
    for i in v {
        match out.last_mut() {
            Some(last) if i.start <= last.end => last.end = last.end.max(i.end),
            _ => out.push(i),
        }
    }
    out
}

pub(super) fn push_merged(out: &mut Vec<Entry>, user: &UserId, start: Timestamp, end: Timestamp) {
    if let Some(last) = out.last_mut()
        && last.user == *user
        && last.end == start
    {
        last.end = end;
        return;
    }
    out.push(Entry {
        user: user.clone(),
        start,
        end,
    });
}

/// Who is on call at `at`: the latest override covering it, else the last layer with someone
/// on call. O(layers + overrides); never scans from a layer's start.
pub fn on_call_at(schedule: &Schedule, at: Timestamp) -> Option<UserId> {
    if let Some(o) = schedule
        .overrides
        .iter()
        .rev()
        .find(|o| o.start <= at && at < o.end)
    {
        return Some(o.user.clone());
    }
    schedule
        .layers
        .iter()
        .rev()
        .find_map(|l| l.user_at(&schedule.tz, at))
        .cloned()
}

/// Each layer's own entries over `[from, to)`, in layer order (for drawing the layers): turns
/// clipped to the range, the layer's start and end and its restrictions, with the same user's
/// consecutive turns merged. Overrides and other layers are not applied.
pub fn layer_entries(schedule: &Schedule, from: Timestamp, to: Timestamp) -> Vec<Vec<Entry>> {
    schedule
        .layers
        .iter()
        .map(|l| {
            if from < to {
                l.entries(&schedule.tz, from, to)
            } else {
                Vec::new()
            }
        })
        .collect()
}

/// Who is on call over `[from, to)`: contiguous entries clipped to the range, merged where the
/// same user continues (also from a layer into an override), times with nobody left out.
pub fn final_schedule(schedule: &Schedule, from: Timestamp, to: Timestamp) -> Vec<Entry> {
    let mut out = Vec::new();
    if from >= to {
        return out;
    }
    let layers = layer_entries(schedule, from, to);
    let overrides: Vec<&Override> = schedule
        .overrides
        .iter()
        .filter(|o| o.start < to && from < o.end)
        .collect();
    let mut bounds = vec![from, to];
    let mut keep = |t: Timestamp| {
        if from < t && t < to {
            bounds.push(t);
        }
    };
    for e in layers.iter().flatten() {
        keep(e.start);
        keep(e.end);
    }
    for o in &overrides {
        keep(o.start);
        keep(o.end);
    }
    bounds.sort();
    bounds.dedup();
    let mut next = vec![0usize; layers.len()];
    for w in bounds.windows(2) {
        let (a, b) = (w[0], w[1]);
        let mut user = overrides
            .iter()
            .rev()
            .find(|o| o.start <= a && a < o.end)
            .map(|o| &o.user);
        for (li, entries) in layers.iter().enumerate().rev() {
            while next[li] < entries.len() && entries[next[li]].end <= a {
                next[li] += 1;
            }
            if user.is_none()
                && let Some(e) = entries.get(next[li])
                && e.start <= a
            {
                user = Some(&e.user);
            }
        }
        if let Some(u) = user {
            push_merged(&mut out, u, a, b);
        }
    }
    out
}

/// The stretches of `[from, to)` when nobody is on call.
pub fn gaps(schedule: &Schedule, from: Timestamp, to: Timestamp) -> Vec<Interval> {
    let mut out = Vec::new();
    let mut cursor = from;
    for e in final_schedule(schedule, from, to) {
        if cursor < e.start {
            out.push(Interval {
                start: cursor,
                end: e.start,
            });
        }
        cursor = e.end;
    }
    if cursor < to {
        out.push(Interval {
            start: cursor,
            end: to,
        });
    }
    out
}
