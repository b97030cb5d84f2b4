//! Reads for the learning metrics: what a report over many incidents needs, in one query each
//! instead of one per incident.

use crate::write::Arg;
use crate::{Store, StoreResult, flag, ts};
use debrief_core::timeline::{EventKind, Source, TimelineEvent};

impl Store {
    /// The events that decide when incidents were resolved (status changes and timestamp
    /// overrides), of every incident, ordered by incident, then time, then id.
    ///
    /// The resolution time derived from these is the same as from the whole timeline: the
    /// derivation reads nothing else for it. Author names and links are left empty. Filter the
    /// incidents by the caller's visibility before using their events.
    pub async fn resolution_events(&self) -> StoreResult<Vec<TimelineEvent>> {
        let rows = self
            .read_rows(
                "SELECT e.id, e.incident_id, e.kind, e.at, e.source, e.author_id, e.body, e.data, \
                 e.starred, e.revision, e.created_at FROM timeline_events e \
                 WHERE e.kind IN ($1, $2) ORDER BY e.incident_id, e.at, e.id",
                &[
                    Arg::S(EventKind::StatusChange.as_str()),
                    Arg::S(EventKind::TimestampOverride.as_str()),
                ],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| TimelineEvent {
                id: r.i(0),
                incident: format!("INC-{}", r.i(1)),
                kind: r.s(2).parse().unwrap_or(EventKind::Note),
                at: ts(r.i(3)),
                source: r.s(4).parse().unwrap_or(Source::System),
                author_id: r.oi(5),
                author_name: None,
                body: r.s(6),
                links: Vec::new(),
                data: serde_json::from_str(&r.s(7)).unwrap_or(serde_json::Value::Null),
                starred: flag(r.i(8)),
                revision: r.i(9),
                created_at: ts(r.i(10)),
            })
            .collect())
    }
}
