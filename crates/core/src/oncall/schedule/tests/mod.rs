//! Hand-computed cases: DST changes (`dst`), then layer bounds, precedence, restrictions and
//! overrides (`rules`), with shared builders here.

mod dst;
mod rules;

use super::*;

pub(super) fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

pub(super) fn dt(s: &str) -> DateTime {
    s.parse().unwrap()
}

pub(super) fn layer(participants: &[&str], rotation: &str, start: &str) -> LayerSpec {
    LayerSpec {
        participants: participants.iter().map(|p| p.to_string()).collect(),
        rotation: rotation.to_string(),
        start: dt(start),
        end: None,
        restrictions: Vec::new(),
    }
}

pub(super) fn spec(tz: &str, layers: Vec<LayerSpec>) -> ScheduleSpec {
    ScheduleSpec {
        name: "primary".into(),
        time_zone: tz.into(),
        layers,
        overrides: Vec::new(),
    }
}

pub(super) fn build(tz: &str, layers: Vec<LayerSpec>) -> Schedule {
    Schedule::new(&spec(tz, layers)).unwrap()
}

pub(super) fn ov(user: &str, start: &str, end: &str) -> Override {
    Override {
        user: user.into(),
        start: ts(start),
        end: ts(end),
    }
}

pub(super) fn entry(user: &str, start: &str, end: &str) -> Entry {
    Entry {
        user: user.into(),
        start: ts(start),
        end: ts(end),
    }
}

pub(super) fn at(s: &Schedule, t: &str) -> Option<String> {
    on_call_at(s, ts(t))
}

pub(super) fn hours(e: &Entry) -> f64 {
    e.end.duration_since(e.start).as_secs_f64() / 3600.0
}

pub(super) fn daily(time: &str) -> Restriction {
    let (s, e) = time.split_once('-').unwrap();
    Restriction::Daily {
        start: parse_time(s).unwrap(),
        end: parse_time(e).unwrap(),
    }
}

pub(super) fn daily_r(start: &str, end: &str) -> RestrictionSpec {
    RestrictionSpec::Daily {
        start: start.into(),
        end: end.into(),
    }
}

pub(super) fn weekly_r(sd: &str, st: &str, ed: &str, et: &str) -> RestrictionSpec {
    RestrictionSpec::Weekly {
        start_day: sd.into(),
        start_time: st.into(),
        end_day: ed.into(),
        end_time: et.into(),
    }
}

pub(super) fn fields(e: &ValidationError) -> Vec<&str> {
    e.fields.iter().map(|f| f.field.as_str()).collect()
}
