//! Reads for reports over many incidents (the learning metrics, exports): what they need, in
//! one query each (or one per chunk of incidents) instead of one per incident.

use crate::write::Arg;
use crate::{Store, StoreResult};
use debrief_core::timeline::{EventKind, TimelineEvent};

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
                "SELECT e.id, e.incident_id, e.kind, e.at, e.source, e.author_id, \
                 CAST(NULL AS TEXT) AS author_name, e.body, '[]' AS links, e.data, e.starred, \
                 e.revision, e.created_at FROM timeline_events e \
                 WHERE e.kind IN ($1, $2) ORDER BY e.incident_id, e.at, e.id",
                &[
                    Arg::S(EventKind::StatusChange.as_str()),
                    Arg::S(EventKind::TimestampOverride.as_str()),
                ],
            )
            .await?;
        rows.iter().map(crate::timeline::event_of).collect()
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
                 CASE WHEN e.kind IN ($1, $2) THEN e.data ELSE '{{}}' END AS data \
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
            for r in &rows {
                let at = r.time("at")?;
                out.push(TimelineEvent {
                    id: r.get("id")?,
                    incident: format!("INC-{}", r.get::<i64>("incident_id")?),
                    kind: r.parse("kind")?,
                    at,
                    source: r.parse("source")?,
                    author_id: None,
                    author_name: None,
                    body: String::new(),
                    links: Vec::new(),
                    data: r.json("data")?,
                    starred: false,
                    revision: 1,
                    created_at: at,
                });
            }
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
        rows.iter().map(|r| r.get("incident_type")).collect()
    }
}
