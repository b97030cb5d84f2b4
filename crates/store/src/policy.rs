//! The postmortem policy's settings and the history its repeated rule looks at.

use crate::write::Arg;
use crate::{Store, StoreResult, ms};
use debrief_core::Timestamp;
use debrief_core::policy::{PastIncident, PolicyConfig};

/// The settings key that holds the policy as JSON.
const KEY: &str = "postmortem_policy";
/// The settings key that holds the working calendar as JSON.
const CALENDAR_KEY: &str = "work_calendar";

impl Store {
    /// A setting holding JSON, or `T`'s default when it is not set; stored text that is not
    /// the JSON of a `T` is an error.
    async fn json_setting<T: serde::de::DeserializeOwned + Default>(
        &self,
        key: &str,
    ) -> StoreResult<T> {
        Ok(self
            .read_row("SELECT value FROM settings WHERE key = $1", &[Arg::S(key)])
            .await?
            .map(|r| r.json("value"))
            .transpose()?
            .unwrap_or_default())
    }

    /// The saved policy, or the defaults when none was saved.
    pub async fn postmortem_policy(&self) -> StoreResult<PolicyConfig> {
        self.json_setting(KEY).await
    }

    /// Saves the policy.
    pub async fn put_postmortem_policy(&self, policy: &PolicyConfig) -> StoreResult<()> {
        self.set_setting(
            KEY,
            &serde_json::to_string(policy).expect("a policy serializes"),
        )
        .await
    }

    /// The organisation's working calendar (time zone, workdays, holidays), or the default.
    pub async fn work_calendar(&self) -> StoreResult<debrief_core::deadline::WorkCalendar> {
        self.json_setting(CALENDAR_KEY).await
    }

    /// Saves the working calendar.
    pub async fn put_work_calendar(
        &self,
        calendar: &debrief_core::deadline::WorkCalendar,
    ) -> StoreResult<()> {
        self.set_setting(
            CALENDAR_KEY,
            &serde_json::to_string(calendar).expect("a calendar serializes"),
        )
        .await
    }

    /// Incidents resolved between `from` and `to` (both inclusive), with their titles,
    /// summaries, types and services ([`Store::fill_past_evidence`] adds the rest the
    /// similar-incident measure reads). The resolution time is the latest move into `resolved` of an incident that has
    /// not been reopened since (its status is resolved or later).
    pub async fn resolved_between(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> StoreResult<Vec<PastIncident>> {
        let rows = self
            .read_rows(
                "SELECT i.id, i.title, i.summary, i.incident_type, i.services, i.private, MAX(e.at) AS resolved_at \
                 FROM incidents i \
                 JOIN timeline_events e ON e.incident_id = i.id \
                 WHERE e.kind = 'status_change' AND e.data LIKE '%\"to\":\"resolved\"%' \
                 AND i.status IN ('resolved', 'postmortem', 'follow_up', 'closed') \
                 GROUP BY i.id, i.title, i.summary, i.incident_type, i.services, i.private HAVING MAX(e.at) BETWEEN $1 AND $2",
                &[Arg::I(ms(from)), Arg::I(ms(to))],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(PastIncident {
                    reference: Some(format!("INC-{}", r.get::<i64>("id")?)),
                    title: r.get("title")?,
                    services: r.json("services")?,
                    resolved_at: r.time("resolved_at")?,
                    summary: r.opt("summary")?.unwrap_or_default(),
                    incident_type: r.get("incident_type")?,
                    fingerprints: Vec::new(),
                    root_cause: String::new(),
                    contributing_factors: Vec::new(),
                    private: r.get::<i64>("private")? != 0,
                })
            })
            .collect()
    }
}
