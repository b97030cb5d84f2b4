//! Timeline events and their revisions.

use crate::incident::VISIBLE;
use crate::read::Row;
use crate::write::{Arg, WriteTx};
use crate::{Store, StoreError, StoreResult, ms};
use debrief_core::Timestamp;
use debrief_core::access::Viewer;
use debrief_core::timeline::{EventEdit, EventKind, EventRevision, Link, Source, TimelineEvent};

/// An event about to be written.
#[derive(Debug, Clone)]
pub struct EventDraft {
    /// Kind.
    pub kind: EventKind,
    /// When it happened.
    pub at: Timestamp,
    /// Where it came from.
    pub source: Source,
    /// Who wrote it.
    pub author_id: Option<i64>,
    /// The author's display name (not stored: it is read from the user; echoed back).
    pub author_name: Option<String>,
    /// Text.
    pub body: String,
    /// Links.
    pub links: Vec<Link>,
    /// Structured detail.
    pub data: serde_json::Value,
    /// Key moment.
    pub starred: bool,
    /// When it is recorded.
    pub created_at: Timestamp,
}

const EVENT_COLUMNS: &str = "e.id, e.incident_id, e.kind, e.at, e.source, e.author_id, u.name AS author_name, \
     e.body, e.links, e.data, e.starred, e.revision, e.created_at";

/// Reads an event from the columns of [`EVENT_COLUMNS`] by name.
///
/// An event written by someone who is not a Debrief user (a Slack message added to the
/// timeline) has no `author_id`; its author's name is kept in `data.author_name` and read
/// back as the event's `author_name`.
pub(crate) fn event_of(r: &Row) -> StoreResult<TimelineEvent> {
    let data: serde_json::Value = r.json("data")?;
    let outside_author = data["author_name"].as_str().map(str::to_string);
    Ok(TimelineEvent {
        id: r.get("id")?,
        incident: format!("INC-{}", r.get::<i64>("incident_id")?),
        kind: r.parse("kind")?,
        at: r.time("at")?,
        source: r.parse("source")?,
        author_id: r.opt("author_id")?,
        author_name: r.opt::<String>("author_name")?.or(outside_author),
        body: r.get("body")?,
        links: r.json("links")?,
        data,
        starred: r.get("starred")?,
        revision: r.get("revision")?,
        created_at: r.time("created_at")?,
    })
}

fn events(rows: &[Row]) -> StoreResult<Vec<TimelineEvent>> {
    rows.iter().map(event_of).collect()
}

/// Inserts one event in a transaction, making its author a participant, and returns it.
pub(crate) async fn insert_event(
    tx: &mut WriteTx,
    incident_id: i64,
    e: &EventDraft,
) -> StoreResult<TimelineEvent> {
    let event = insert_event_row(tx, incident_id, e).await?;
    if let Some(author) = e.author_id {
        crate::participant::add_participant(tx, incident_id, author).await?;
    }
    Ok(event)
}

/// Inserts one event in a transaction and returns it; the caller sees to participants.
pub(crate) async fn insert_event_row(
    tx: &mut WriteTx,
    incident_id: i64,
    e: &EventDraft,
) -> StoreResult<TimelineEvent> {
    let links = serde_json::to_string(&e.links).expect("links serialize");
    let data = e.data.to_string();
    let id = tx
        .int(
            "INSERT INTO timeline_events (incident_id, kind, at, source, author_id, body, links, data, starred, revision, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10) RETURNING id",
            &[
                Arg::I(incident_id),
                Arg::S(e.kind.as_str()),
                Arg::I(ms(e.at)),
                Arg::S(e.source.as_str()),
                Arg::OI(e.author_id),
                Arg::S(&e.body),
                Arg::S(&links),
                Arg::S(&data),
                Arg::I(i64::from(e.starred)),
                Arg::I(ms(e.created_at)),
            ],
        )
        .await?
        .ok_or_else(|| StoreError::Other("an insert returned no id".into()))?;
    Ok(written(incident_id, id, e))
}

/// Events as the JSON array the PostgreSQL statements take (`json_to_recordset`), each with its
/// place `i` so their ids follow the order given.
pub(crate) fn events_json(events: &[&EventDraft]) -> String {
    let rows: Vec<serde_json::Value> = events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            serde_json::json!({
                "i": i,
                "kind": e.kind.as_str(),
                "at": ms(e.at),
                "source": e.source.as_str(),
                "author_id": e.author_id,
                "body": e.body,
                "links": serde_json::to_string(&e.links).expect("links serialize"),
                "data": e.data.to_string(),
                "starred": i64::from(e.starred),
                "created_at": ms(e.created_at),
            })
        })
        .collect();
    serde_json::Value::Array(rows).to_string()
}

/// The event a draft became once written with id `id`.
pub(crate) fn written(incident_id: i64, id: i64, e: &EventDraft) -> TimelineEvent {
    TimelineEvent {
        id,
        incident: format!("INC-{incident_id}"),
        kind: e.kind,
        at: e.at,
        source: e.source,
        author_id: e.author_id,
        author_name: e.author_name.clone(),
        body: e.body.clone(),
        links: e.links.clone(),
        data: e.data.clone(),
        starred: e.starred,
        revision: 1,
        created_at: e.created_at,
    }
}

impl Store {
    /// Adds events to an incident the viewer may see, without changing its state.
    pub async fn add_events(
        &self,
        incident_id: i64,
        events: &[EventDraft],
    ) -> StoreResult<Vec<TimelineEvent>> {
        if self.backend() == crate::Backend::Postgres {
            return self.add_events_pg(incident_id, events).await;
        }
        let mut tx = self.begin_write().await?;
        let exists = tx
            .int(
                "SELECT 1 FROM incidents WHERE id = $1",
                &[Arg::I(incident_id)],
            )
            .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound(format!("INC-{incident_id}")));
        }
        let mut out = Vec::with_capacity(events.len());
        for e in events {
            out.push(insert_event(&mut tx, incident_id, e).await?);
        }
        tx.commit().await?;
        Ok(out)
    }

    /// PostgreSQL: the events and their authors' participation in one statement
    /// ([`crate::postgres::ADD_EVENTS`]), one round trip, atomic on its own.
    async fn add_events_pg(
        &self,
        incident_id: i64,
        events: &[EventDraft],
    ) -> StoreResult<Vec<TimelineEvent>> {
        let drafts: Vec<&EventDraft> = events.iter().collect();
        let rows: Vec<(i64, Option<i64>)> = sqlx::query_as(crate::postgres::ADD_EVENTS)
            .bind(incident_id)
            .bind(events_json(&drafts))
            .fetch_all(self.pg()?)
            .await?;
        if rows.is_empty() {
            return Err(StoreError::NotFound(format!("INC-{incident_id}")));
        }
        let ids: Vec<i64> = rows.iter().filter_map(|r| r.1).collect();
        if ids.len() != events.len() {
            return Err(StoreError::Other(
                format!("{} events written of {}", ids.len(), events.len()).into(),
            ));
        }
        Ok(ids
            .into_iter()
            .zip(events)
            .map(|(id, e)| written(incident_id, id, e))
            .collect())
    }

    /// Every event of an incident, in time order (ties by id).
    pub async fn list_events(&self, incident_id: i64) -> StoreResult<Vec<TimelineEvent>> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM timeline_events e LEFT JOIN users u ON u.id = e.author_id \
             WHERE e.incident_id = $1 ORDER BY e.at, e.id"
        );
        events(&self.read_rows(&sql, &[Arg::I(incident_id)]).await?)
    }

    /// One event of an incident.
    pub async fn event(&self, incident_id: i64, event_id: i64) -> StoreResult<TimelineEvent> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM timeline_events e LEFT JOIN users u ON u.id = e.author_id \
             WHERE e.incident_id = $1 AND e.id = $2"
        );
        events(
            &self
                .read_keyed(&sql, &[Arg::I(incident_id), Arg::I(event_id)])
                .await?,
        )?
        .pop()
        .ok_or_else(|| StoreError::NotFound(format!("event {event_id} of INC-{incident_id}")))
    }

    /// Events the viewer may see that were recorded after event `after_id`, across incidents
    /// (for live streams catching up after a reconnect).
    pub async fn events_after(
        &self,
        after_id: i64,
        viewer: Viewer,
        limit: i64,
    ) -> StoreResult<Vec<TimelineEvent>> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM timeline_events e LEFT JOIN users u ON u.id = e.author_id \
             JOIN incidents i ON i.id = e.incident_id WHERE e.id > $3 AND {VISIBLE} ORDER BY e.id LIMIT {}",
            limit.clamp(1, 1000)
        );
        let args = [
            Arg::I(viewer.user_id),
            Arg::I(i64::from(viewer.sees_all)),
            Arg::I(after_id),
        ];
        events(&self.read_rows(&sql, &args).await?)
    }

    /// Edits an event, keeping the version it replaces as a revision. `expected_revision` guards
    /// against two people editing at once.
    pub async fn edit_event(
        &self,
        current: &TimelineEvent,
        incident_id: i64,
        edit: &EventEdit,
        editor: i64,
        now: Timestamp,
    ) -> StoreResult<TimelineEvent> {
        let mut tx = self.begin_write().await?;
        let links = serde_json::to_string(&edit.links).expect("links serialize");
        let n = tx
            .exec(
                "UPDATE timeline_events SET body = $1, at = $2, links = $3, revision = revision + 1 \
                 WHERE id = $4 AND incident_id = $5 AND revision = $6",
                &[
                    Arg::S(&edit.body),
                    Arg::I(ms(edit.at)),
                    Arg::S(&links),
                    Arg::I(current.id),
                    Arg::I(incident_id),
                    Arg::I(current.revision),
                ],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::Conflict(format!(
                "event {} was edited by someone else since revision {}; reload it and try again",
                current.id, current.revision
            )));
        }
        let old_links = serde_json::to_string(&current.links).expect("links serialize");
        tx.exec(
            "INSERT INTO event_revisions (event_id, revision, at, body, links, edited_by, replaced_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                Arg::I(current.id),
                Arg::I(current.revision),
                Arg::I(ms(current.at)),
                Arg::S(&current.body),
                Arg::S(&old_links),
                Arg::I(editor),
                Arg::I(ms(now)),
            ],
        )
        .await?;
        crate::participant::add_participant(&mut tx, incident_id, editor).await?;
        tx.commit().await?;
        self.event(incident_id, current.id).await
    }

    /// Stars or unstars an event as a key moment.
    pub async fn star_event(
        &self,
        incident_id: i64,
        event_id: i64,
        starred: bool,
    ) -> StoreResult<TimelineEvent> {
        let mut tx = self.begin_write().await?;
        let n = tx
            .exec(
                "UPDATE timeline_events SET starred = $1 WHERE id = $2 AND incident_id = $3",
                &[
                    Arg::I(i64::from(starred)),
                    Arg::I(event_id),
                    Arg::I(incident_id),
                ],
            )
            .await?;
        tx.commit().await?;
        if n == 0 {
            return Err(StoreError::NotFound(format!(
                "event {event_id} of INC-{incident_id}"
            )));
        }
        self.event(incident_id, event_id).await
    }

    /// The earlier versions of an event, oldest first.
    pub async fn event_revisions(&self, event_id: i64) -> StoreResult<Vec<EventRevision>> {
        self.read_rows(
            "SELECT revision, at, body, links, edited_by, replaced_at FROM event_revisions \
             WHERE event_id = $1 ORDER BY revision",
            &[Arg::I(event_id)],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(EventRevision {
                revision: r.get("revision")?,
                at: r.time("at")?,
                body: r.get("body")?,
                links: r.json("links")?,
                edited_by: r.opt("edited_by")?,
                replaced_at: r.time("replaced_at")?,
            })
        })
        .collect()
    }
}
