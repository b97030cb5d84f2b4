//! Responder load: pages received, acknowledged and out of hours, and hours on incidents
//! (definitions in the parent module).

use super::{Facts, ResponderRow};
use crate::Timestamp;
use crate::deadline::WorkCalendar;
use jiff::tz::TimeZone;
use std::collections::BTreeMap;

/// Whether `at` is outside working hours: 09:00–18:00 on the calendar's working days.
pub fn out_of_hours(at: Timestamp, calendar: &WorkCalendar, tz: &TimeZone) -> bool {
    let local = at.to_zoned(tz.clone());
    !calendar.is_business_day(local.date()) || !(9..18).contains(&local.hour())
}

pub(super) fn responders(f: &Facts<'_>, start: Timestamp, end: Timestamp) -> Vec<ResponderRow> {
    let tz = f.calendar.tz().unwrap_or(TimeZone::UTC);
    let mut rows: BTreeMap<i64, ResponderRow> = BTreeMap::new();
    fn row<'r>(
        rows: &'r mut BTreeMap<i64, ResponderRow>,
        id: i64,
        name: &str,
    ) -> &'r mut ResponderRow {
        rows.entry(id).or_insert_with(|| ResponderRow {
            user_id: id,
            name: name.to_string(),
            pages_received: 0,
            pages_acknowledged: 0,
            out_of_hours_pages: 0,
            hours_on_incidents: 0.0,
        })
    }
    let in_period = |t: Timestamp| t >= start && t < end;
    for p in f.pages {
        for (id, name, at) in &p.notified {
            if in_period(*at) {
                let r = row(&mut rows, *id, name);
                r.pages_received += 1;
                r.out_of_hours_pages += usize::from(out_of_hours(*at, f.calendar, &tz));
            }
        }
        if let Some((id, name, at)) = &p.acknowledged
            && in_period(*at)
        {
            row(&mut rows, *id, name).pages_acknowledged += 1;
        }
    }
    let until = end.min(f.now);
    for i in f.incidents {
        let from = i.declared_at.max(start);
        let to = i.resolved_at.unwrap_or(f.now).min(until);
        let ms = (to.as_millisecond() - from.as_millisecond()).max(0);
        let people: BTreeMap<i64, &str> = i
            .responders
            .iter()
            .map(|(id, n)| (*id, n.as_str()))
            .collect();
        for (id, name) in people {
            row(&mut rows, id, name).hours_on_incidents += ms as f64 / 3_600_000.0;
        }
    }
    let mut v: Vec<ResponderRow> = rows.into_values().collect();
    v.sort_by(|a, b| {
        b.pages_received
            .cmp(&a.pages_received)
            .then(b.hours_on_incidents.total_cmp(&a.hours_on_incidents))
            .then(a.name.cmp(&b.name))
            .then(a.user_id.cmp(&b.user_id))
    });
    v
}
