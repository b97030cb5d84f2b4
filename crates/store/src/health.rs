//! What the server's `/metrics` endpoint reads at scrape time: the job queue by kind and status
//! with the oldest due job's time, and open incidents by severity. Cheap grouped counts: done
//! jobs are left out (they accumulate), and incidents are counted through the
//! `(status, severity, id)` index.

use crate::write::Arg;
use crate::{Store, StoreResult, ms};
use debrief_core::Timestamp;

/// Jobs of one kind in one status.
#[derive(Debug, Clone)]
pub struct JobCount {
    /// `email`, `webhook`, …
    pub kind: String,
    /// `queued`, `running`, `failed` or `dead`.
    pub status: String,
    /// How many.
    pub count: i64,
    /// When the oldest of them that is due (queued or failed, `run_at` passed) was due.
    pub oldest_due: Option<Timestamp>,
}

impl Store {
    /// The jobs not done yet, by kind and status, with the oldest due one's time.
    pub async fn job_counts(&self, now: Timestamp) -> StoreResult<Vec<JobCount>> {
        let rows = self
            .read_rows(
                "SELECT kind, status, COUNT(*) AS n, \
                 MIN(CASE WHEN status IN ('queued', 'failed') AND run_at <= $1 THEN run_at END) AS oldest \
                 FROM jobs WHERE status IN ('queued', 'running', 'failed', 'dead') \
                 GROUP BY kind, status ORDER BY kind, status",
                &[Arg::I(ms(now))],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(JobCount {
                    kind: r.get("kind")?,
                    status: r.get("status")?,
                    count: r.get("n")?,
                    oldest_due: r.opt_time("oldest")?,
                })
            })
            .collect()
    }

    /// Incidents not resolved yet (triage, investigating, identified, monitoring), by severity.
    pub async fn open_incidents_by_severity(&self) -> StoreResult<Vec<(String, i64)>> {
        let rows = self
            .read_rows(
                "SELECT severity, COUNT(*) AS n FROM incidents \
                 WHERE status IN ('triage', 'investigating', 'identified', 'monitoring') \
                 GROUP BY severity ORDER BY severity",
                &[],
            )
            .await?;
        rows.iter()
            .map(|r| Ok((r.get("severity")?, r.get("n")?)))
            .collect()
    }
}
