//! Reads for reports over many incidents (the learning metrics, exports): what they need, in
//! one query each (or one per chunk of incidents) instead of one per incident.

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

    /// The events the key timestamps are derived from, of the given incidents, ordered by
    /// incident, then time, then id: every event's kind, time and source, and the data of status
    /// changes and timestamp overrides (the only data the derivation reads). Bodies, authors
    /// and links are left empty. The caller has already filtered the incidents by visibility.
    pub async fn key_time_events(&self, incident_ids: &[i64]) -> StoreResult<Vec<TimelineEvent>> {
        let mut out = Vec::new();
        // Ids are integers, so they are spelled into the SQL, a chunk at a time.
        for chunk in incident_ids.chunks(500) {
            let ids = chunk
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "SELECT e.id, e.incident_id, e.kind, e.at, e.source, \
                 CASE WHEN e.kind IN ($1, $2) THEN e.data ELSE '{{}}' END \
                 FROM timeline_events e WHERE e.incident_id IN ({ids}) \
                 ORDER BY e.incident_id, e.at, e.id"
            );
            let rows = self
                .read_rows(
                    &sql,
                    &[
                        Arg::S(EventKind::StatusChange.as_str()),
                        Arg::S(EventKind::TimestampOverride.as_str()),
                    ],
                )
                .await?;
            out.extend(rows.iter().map(|r| TimelineEvent {
                id: r.i(0),
                incident: format!("INC-{}", r.i(1)),
                kind: r.s(2).parse().unwrap_or(EventKind::Note),
                at: ts(r.i(3)),
                source: r.s(4).parse().unwrap_or(Source::System),
                author_id: None,
                author_name: None,
                body: String::new(),
                links: Vec::new(),
                data: serde_json::from_str(&r.s(5)).unwrap_or(serde_json::Value::Null),
                starred: false,
                revision: 1,
                created_at: ts(r.i(3)),
            }));
        }
        Ok(out)
    }

    /// Every incident type in use, sorted.
    pub async fn incident_types(&self) -> StoreResult<Vec<String>> {
        let rows = self
            .read_rows(
                "SELECT DISTINCT incident_type FROM incidents ORDER BY incident_type",
                &[],
            )
            .await?;
        Ok(rows.iter().map(|r| r.s(0)).collect())
    }
}
