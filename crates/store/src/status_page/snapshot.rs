//! What a status page's snapshot reads: a few reads for the whole page, never one per row.

use super::{PageIncident, PageUpdate, StateChange};
use crate::write::Arg;
use crate::{Store, StoreResult, ms};
use debrief_core::Timestamp;
use std::collections::HashMap;

/// A published postmortem's customer-facing summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedSummary {
    /// The summary (Markdown).
    pub summary: String,
    /// When the postmortem was published.
    pub published_at: Option<Timestamp>,
}

impl Store {
    /// The incidents published on a page, newest first, with their updates: the `limit` most
    /// recent and every unresolved one.
    pub async fn page_incidents(&self, page_id: i64, limit: i64) -> StoreResult<Vec<PageIncident>> {
        // Every unresolved incident is listed, however old, beside the `limit` most recent.
        const LISTED: &str = "FROM page_incidents p JOIN incidents i ON i.id = p.incident_id \
             WHERE p.page_id = $1 AND i.private = 0 AND (p.status <> 'resolved' OR p.incident_id IN \
             (SELECT q.incident_id FROM page_incidents q JOIN incidents k ON k.id = q.incident_id \
             WHERE q.page_id = $1 AND k.private = 0 ORDER BY q.created_at DESC, q.incident_id DESC LIMIT $2))";
        self.read_page_incidents(LISTED, &[Arg::I(page_id), Arg::I(limit)])
            .await
    }

    /// One incident as published on a page, with its updates; `None` if it is not on the page
    /// (or is private).
    pub async fn page_incident(
        &self,
        page_id: i64,
        incident_id: i64,
    ) -> StoreResult<Option<PageIncident>> {
        const ONE: &str = "FROM page_incidents p JOIN incidents i ON i.id = p.incident_id \
             WHERE p.page_id = $1 AND i.private = 0 AND p.incident_id = $2";
        Ok(self
            .read_page_incidents(ONE, &[Arg::I(page_id), Arg::I(incident_id)])
            .await?
            .pop())
    }

    /// The published incidents `from` selects (`FROM … WHERE …` over `page_incidents p`, with
    /// the page as `$1`), newest first, each with its updates: two reads however many there are.
    async fn read_page_incidents(
        &self,
        from: &str,
        args: &[Arg<'_>],
    ) -> StoreResult<Vec<PageIncident>> {
        // A private incident never shows, even if it was published before it became private:
        // `from` joins `incidents i` and asks for `i.private = 0`.
        let rows = self
            .read_rows(
                &format!(
                    "SELECT p.page_id, p.incident_id, p.name, p.status, p.impact, p.created_at, \
                     p.updated_at, p.monitoring_at, p.resolved_at {from} \
                     ORDER BY p.created_at DESC, p.incident_id DESC"
                ),
                args,
            )
            .await?;
        // Every selected incident's updates in one read.
        let mut updates: HashMap<i64, Vec<PageUpdate>> = HashMap::new();
        for u in self
            .read_rows(
                &format!(
                    "SELECT incident_id, id, status, body, components, at FROM page_updates \
                     WHERE page_id = $1 AND incident_id IN (SELECT p.incident_id {from}) ORDER BY at, id"
                ),
                args,
            )
            .await?
        {
            updates
                .entry(u.get("incident_id")?)
                .or_default()
                .push(PageUpdate {
                    id: u.get("id")?,
                    status: u.get("status")?,
                    body: u.get("body")?,
                    components: u.json("components")?,
                    at: u.time("at")?,
                });
        }
        rows.iter()
            .map(|r| {
                let incident_id = r.get("incident_id")?;
                Ok(PageIncident {
                    page_id: r.get("page_id")?,
                    incident_id,
                    name: r.get("name")?,
                    status: r.get("status")?,
                    impact: r.get("impact")?,
                    created_at: r.time("created_at")?,
                    updated_at: r.time("updated_at")?,
                    monitoring_at: r.opt_time("monitoring_at")?,
                    resolved_at: r.opt_time("resolved_at")?,
                    updates: updates.remove(&incident_id).unwrap_or_default(),
                })
            })
            .collect()
    }

    /// The customer-facing summaries of the published postmortems of the incidents on a page,
    /// by incident (empty summaries left out).
    pub async fn published_summaries(
        &self,
        page_id: i64,
    ) -> StoreResult<HashMap<i64, PublishedSummary>> {
        self.read_rows(
            "SELECT pm.incident_id, pm.customer_summary, pm.published_at FROM postmortems pm \
             JOIN page_incidents p ON p.incident_id = pm.incident_id \
             WHERE p.page_id = $1 AND pm.status = 'published' AND TRIM(pm.customer_summary) <> ''",
            &[Arg::I(page_id)],
        )
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.get("incident_id")?,
                PublishedSummary {
                    summary: r.get("customer_summary")?,
                    published_at: r.opt_time("published_at")?,
                },
            ))
        })
        .collect()
    }

    /// The state changes of every component of a page since `from` (and each one's last change
    /// before it), oldest first, by component: one read for the whole page.
    pub async fn component_histories(
        &self,
        page_id: i64,
        from: Timestamp,
    ) -> StoreResult<HashMap<i64, Vec<StateChange>>> {
        let rows = self
            .read_rows(
                "SELECT s.component_id, s.state, s.at, s.cause FROM component_states s \
                 JOIN status_components c ON c.id = s.component_id WHERE c.page_id = $1 AND \
                 s.at >= COALESCE((SELECT MAX(x.at) FROM component_states x \
                 WHERE x.component_id = s.component_id AND x.at <= $2), $2) \
                 ORDER BY s.component_id, s.at, s.id",
                &[Arg::I(page_id), Arg::I(ms(from))],
            )
            .await?;
        let mut out: HashMap<i64, Vec<StateChange>> = HashMap::new();
        for r in &rows {
            out.entry(r.get("component_id")?)
                .or_default()
                .push(StateChange {
                    state: r.get("state")?,
                    at: r.time("at")?,
                    cause: r.get("cause")?,
                });
        }
        Ok(out)
    }
}
