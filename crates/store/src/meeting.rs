//! Meetings of postmortems, the recurring postmortem review, and calendar feeds.

use crate::read::Row;
use crate::write::Arg;
use crate::{Store, StoreError, StoreResult, ms};
use debrief_core::Timestamp;
use serde::Serialize;

const COLUMNS: &str = "id, incident_id, kind, title, starts_at, ends_at, time_zone, rrule, location, \
     organizer_id, attendee_ids, sequence, status, uid, created_at, updated_at";

/// A stored meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Meeting {
    /// Its number.
    pub id: i64,
    /// The incident (`INC-42`), none for the recurring review.
    pub incident: Option<String>,
    /// `information_gathering`, `review`, `presentation` or `recurring_review`.
    pub kind: String,
    /// Title.
    pub title: String,
    /// Start (of the first occurrence, for a recurring one).
    #[serde(with = "debrief_core::ts")]
    pub starts_at: Timestamp,
    /// End.
    #[serde(with = "debrief_core::ts")]
    pub ends_at: Timestamp,
    /// The zone its local times are in.
    pub time_zone: String,
    /// The recurrence rule, for the recurring review.
    pub rrule: Option<String>,
    /// Where (a room or a video link).
    pub location: Option<String>,
    /// Who organises it.
    pub organizer_id: i64,
    /// Who attends.
    pub attendee_ids: Vec<i64>,
    /// Bumped on every change sent out.
    pub sequence: i64,
    /// `confirmed` or `cancelled`.
    pub status: String,
    /// The iCalendar UID.
    pub uid: String,
    /// When created.
    #[serde(with = "debrief_core::ts")]
    pub created_at: Timestamp,
    /// When last changed.
    #[serde(with = "debrief_core::ts")]
    pub updated_at: Timestamp,
}

/// A meeting from the columns of [`COLUMNS`], by name.
fn from_row(r: &Row) -> StoreResult<Meeting> {
    Ok(Meeting {
        id: r.get("id")?,
        incident: r.opt::<i64>("incident_id")?.map(|i| format!("INC-{i}")),
        kind: r.get("kind")?,
        title: r.get("title")?,
        starts_at: r.time("starts_at")?,
        ends_at: r.time("ends_at")?,
        time_zone: r.get("time_zone")?,
        rrule: r.opt("rrule")?,
        location: r.opt("location")?,
        organizer_id: r.get("organizer_id")?,
        attendee_ids: r.json("attendee_ids")?,
        sequence: r.get("sequence")?,
        status: r.get("status")?,
        uid: r.get("uid")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

impl Store {
    /// Stores a new meeting (its `id`, `sequence` and times are set here) and returns it.
    pub async fn add_meeting(&self, m: &Meeting, incident_id: Option<i64>) -> StoreResult<Meeting> {
        let attendees = serde_json::to_string(&m.attendee_ids).expect("ids serialize");
        let mut tx = self.begin_write().await?;
        let id = tx
            .int(
                "INSERT INTO meetings (incident_id, kind, title, starts_at, ends_at, time_zone, rrule, location, \
                 organizer_id, attendee_ids, sequence, status, uid, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, 'confirmed', $11, $12, $12) RETURNING id",
                &[
                    Arg::OI(incident_id),
                    Arg::S(&m.kind),
                    Arg::S(&m.title),
                    Arg::I(ms(m.starts_at)),
                    Arg::I(ms(m.ends_at)),
                    Arg::S(&m.time_zone),
                    Arg::OS(m.rrule.as_deref()),
                    Arg::OS(m.location.as_deref()),
                    Arg::I(m.organizer_id),
                    Arg::S(&attendees),
                    Arg::S(&m.uid),
                    Arg::I(ms(m.created_at)),
                ],
            )
            .await?
            .ok_or_else(|| StoreError::Other("no id for the meeting".into()))?;
        tx.commit().await?;
        self.meeting(id).await
    }

    /// One meeting.
    pub async fn meeting(&self, id: i64) -> StoreResult<Meeting> {
        let sql = format!("SELECT {COLUMNS} FROM meetings WHERE id = $1");
        self.read_rows(&sql, &[Arg::I(id)])
            .await?
            .first()
            .ok_or_else(|| StoreError::NotFound(format!("meeting {id}")))
            .and_then(from_row)
    }

    /// The meetings of an incident (`Some`), or the recurring reviews (`None`).
    pub async fn meetings(&self, incident_id: Option<i64>) -> StoreResult<Vec<Meeting>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM meetings WHERE ($1 = 0 AND incident_id IS NULL) OR incident_id = $2 \
             ORDER BY starts_at, id"
        );
        self.read_rows(
            &sql,
            &[
                Arg::I(i64::from(incident_id.is_some())),
                Arg::I(incident_id.unwrap_or(0)),
            ],
        )
        .await?
        .iter()
        .map(from_row)
        .collect()
    }

    /// Every meeting a user organises or attends.
    pub async fn meetings_of(&self, user_id: i64) -> StoreResult<Vec<Meeting>> {
        let sql = format!("SELECT {COLUMNS} FROM meetings ORDER BY starts_at, id");
        let all = self
            .read_rows(&sql, &[])
            .await?
            .iter()
            .map(from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(all
            .into_iter()
            .filter(|m| m.organizer_id == user_id || m.attendee_ids.contains(&user_id))
            .collect())
    }

    /// Cancels a meeting (its sequence goes up, so calendars replace it).
    pub async fn cancel_meeting(&self, id: i64, now: Timestamp) -> StoreResult<Meeting> {
        let mut tx = self.begin_write().await?;
        let n = tx
            .exec(
                "UPDATE meetings SET status = 'cancelled', sequence = sequence + 1, updated_at = $1 \
                 WHERE id = $2 AND status <> 'cancelled'",
                &[Arg::I(ms(now)), Arg::I(id)],
            )
            .await?;
        tx.commit().await?;
        if n == 0 {
            return Err(StoreError::Conflict(format!(
                "meeting {id} does not exist or is already cancelled"
            )));
        }
        self.meeting(id).await
    }

    /// Sets a user's calendar feed token (its hash), replacing the old one.
    pub async fn set_calendar_feed(
        &self,
        user_id: i64,
        token_hash: &str,
        now: Timestamp,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        tx.exec(
            "DELETE FROM calendar_feeds WHERE user_id = $1",
            &[Arg::I(user_id)],
        )
        .await?;
        tx.exec(
            "INSERT INTO calendar_feeds (user_id, token_hash, created_at) VALUES ($1, $2, $3)",
            &[Arg::I(user_id), Arg::S(token_hash), Arg::I(ms(now))],
        )
        .await?;
        tx.commit().await
    }

    /// The user whose calendar feed has this token hash.
    pub async fn calendar_feed_user(&self, token_hash: &str) -> StoreResult<Option<i64>> {
        self.read_row(
            "SELECT user_id FROM calendar_feeds WHERE token_hash = $1",
            &[Arg::S(token_hash)],
        )
        .await?
        .map(|r| r.get("user_id"))
        .transpose()
    }
}
