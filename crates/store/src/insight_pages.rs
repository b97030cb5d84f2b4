//! Reads for the incident insights' responder load (issue 15, part 4): who each page notified
//! and who acknowledged it, for the pages the viewer may see (those of no incident, and those
//! of an incident visible to them: the one clause `incident::VISIBLE`).

use crate::incident::VISIBLE;
use crate::write::Arg;
use crate::{Store, StoreResult};
use debrief_core::Timestamp;
use debrief_core::access::Viewer;

/// A page as the insights need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsightPage {
    /// The page's id.
    pub id: i64,
    /// Its incident's id.
    pub incident_id: Option<i64>,
    /// Its service's slug.
    pub service: Option<String>,
    /// Its team's slug.
    pub team: Option<String>,
    /// Who it notified: id, name and the time of the first notification to them.
    pub notified: Vec<(i64, String, Timestamp)>,
    /// Who acknowledged it, their name and when.
    pub acknowledged: Option<(i64, String, Timestamp)>,
}

impl Store {
    /// The pages opened before `end` that `viewer` may see, with their notifications, by id.
    pub async fn insight_pages(
        &self,
        viewer: Viewer,
        end: Timestamp,
    ) -> StoreResult<Vec<InsightPage>> {
        let args = [
            Arg::I(viewer.user_id),
            Arg::I(i64::from(viewer.sees_all)),
            Arg::I(crate::ms(end)),
        ];
        let sql = format!(
            "SELECT p.id, p.incident_id, p.service, p.team, p.acknowledged_at, p.acknowledged_by, \
             u.name AS acknowledged_name FROM pages p \
             LEFT JOIN incidents i ON i.id = p.incident_id \
             LEFT JOIN users u ON u.id = p.acknowledged_by \
             WHERE p.opened_at < $3 AND (p.incident_id IS NULL OR {VISIBLE}) ORDER BY p.id"
        );
        let mut pages = Vec::new();
        for r in self.read_rows(&sql, &args).await? {
            let by: Option<i64> = r.opt("acknowledged_by")?;
            let at = r.opt_time("acknowledged_at")?;
            let name: Option<String> = r.opt("acknowledged_name")?;
            pages.push(InsightPage {
                id: r.get("id")?,
                incident_id: r.opt("incident_id")?,
                service: r.opt("service")?,
                team: r.opt("team")?,
                notified: Vec::new(),
                acknowledged: by.zip(at).map(|(b, a)| (b, name.unwrap_or_default(), a)),
            });
        }
        let sql = format!(
            "SELECT n.page_id, n.user_id, u.name, MIN(n.due_at) AS first_at \
             FROM page_notifications n JOIN pages p ON p.id = n.page_id \
             JOIN users u ON u.id = n.user_id \
             LEFT JOIN incidents i ON i.id = p.incident_id \
             WHERE p.opened_at < $3 AND (p.incident_id IS NULL OR {VISIBLE}) \
             GROUP BY n.page_id, n.user_id, u.name ORDER BY n.page_id, n.user_id"
        );
        let rows = self.read_rows(&sql, &args).await?;
        let mut k = 0;
        for r in rows {
            let page: i64 = r.get("page_id")?;
            while pages.get(k).is_some_and(|p| p.id < page) {
                k += 1;
            }
            if let Some(p) = pages.get_mut(k).filter(|p| p.id == page) {
                p.notified
                    .push((r.get("user_id")?, r.get("name")?, r.time("first_at")?));
            }
        }
        Ok(pages)
    }
}
