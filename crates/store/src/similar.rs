//! What the similar-incident measure reads of stored incidents (issue 15, part 2): the
//! candidates a viewer may see, with their services, alert fingerprints and postmortem text.

use crate::incident::{INCIDENT_COLUMNS, IncidentRow, VISIBLE};
use crate::write::Arg;
use crate::{Store, StoreResult};
use debrief_core::access::Viewer;
use debrief_core::incident::Incident;
use debrief_core::policy::PastIncident;
use debrief_core::postmortem::Section;
use debrief_core::similar::{Profile, split_factors};
use std::collections::HashMap;

/// The postmortem sections that hold the root cause (the default template's, and a common key).
const ROOT_CAUSE_SECTIONS: &[&str] = &["why_it_happened", "five_whys", "root_cause"];
/// The postmortem section that holds the contributing factors.
const FACTORS_SECTION: &str = "contributing_factors";

/// An incident's alert fingerprints and postmortem text.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// Dedup keys of the alerts linked to it, sorted, once each.
    pub fingerprints: Vec<String>,
    /// The summaries of those alerts, once each: what the monitors said is wrong.
    pub alert_summaries: Vec<String>,
    /// The root cause sections, joined.
    pub root_cause: String,
    /// The contributing factors, one per entry.
    pub contributing_factors: Vec<String>,
}

/// A stored incident as the measure compares it.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The incident.
    pub incident: Incident,
    /// What the measure reads of it.
    pub profile: Profile,
}

/// The measure's profile of an incident with its evidence.
pub fn profile_of(incident: &Incident, evidence: Evidence) -> Profile {
    Profile {
        title: incident.title.clone(),
        // What the alerts said counts as part of the summary.
        summary: std::iter::once(incident.summary.clone().unwrap_or_default())
            .chain(evidence.alert_summaries)
            .filter(|s| !s.trim().is_empty())
            .collect::<Vec<_>>()
            .join("\n"),
        root_cause: evidence.root_cause,
        contributing_factors: evidence.contributing_factors,
        services: incident.services.clone(),
        fingerprints: evidence.fingerprints,
        incident_type: incident.incident_type.clone(),
    }
}

impl Store {
    /// The incidents declared before `before_id` that `viewer` may see (not merged into
    /// another, not declined as no incident), most recent first, at most `limit`, with what
    /// the measure reads of them.
    pub async fn similar_candidates(
        &self,
        before_id: i64,
        viewer: Viewer,
        limit: i64,
    ) -> StoreResult<Vec<Candidate>> {
        let sql = format!(
            "SELECT {INCIDENT_COLUMNS} FROM incidents i WHERE i.id < $3 AND i.merged_into IS NULL \
             AND i.status <> 'declined' AND {VISIBLE} ORDER BY i.id DESC LIMIT $4"
        );
        let rows = self
            .read_rows(
                &sql,
                &[
                    Arg::I(viewer.user_id),
                    Arg::I(i64::from(viewer.sees_all)),
                    Arg::I(before_id),
                    Arg::I(limit),
                ],
            )
            .await?;
        let incidents = rows
            .iter()
            .map(|r| Ok(IncidentRow::try_from(r)?.into()))
            .collect::<StoreResult<Vec<Incident>>>()?;
        let Some(oldest) = incidents.iter().map(|i| i.id).min() else {
            return Ok(Vec::new());
        };
        let mut evidence = self.evidence_between(oldest, before_id, viewer).await?;
        Ok(incidents
            .into_iter()
            .map(|incident| {
                let e = evidence.remove(&incident.id).unwrap_or_default();
                Candidate {
                    profile: profile_of(&incident, e),
                    incident,
                }
            })
            .collect())
    }

    /// One incident's evidence (its alerts' fingerprints and its postmortem's text).
    pub async fn evidence_of(&self, id: i64, viewer: Viewer) -> StoreResult<Evidence> {
        Ok(self
            .evidence_between(id, id + 1, viewer)
            .await?
            .remove(&id)
            .unwrap_or_default())
    }

    /// Fills the policy's past incidents with their fingerprints and postmortem text (the
    /// policy reads every incident, as the system).
    pub async fn fill_past_evidence(&self, past: &mut [PastIncident]) -> StoreResult<()> {
        let id = |p: &PastIncident| {
            p.reference
                .as_deref()
                .and_then(|r| r.strip_prefix("INC-"))
                .and_then(|n| n.parse::<i64>().ok())
        };
        let ids: Vec<i64> = past.iter().filter_map(id).collect();
        let (Some(low), Some(high)) = (ids.iter().min(), ids.iter().max()) else {
            return Ok(());
        };
        let system = Viewer {
            user_id: 0,
            sees_all: true,
        };
        let mut evidence = self.evidence_between(*low, high + 1, system).await?;
        for p in past.iter_mut() {
            if let Some(e) = id(p).and_then(|i| evidence.remove(&i)) {
                for alert in e.alert_summaries {
                    p.summary = format!("{}\n{alert}", p.summary);
                }
                p.fingerprints = e.fingerprints;
                p.root_cause = e.root_cause;
                p.contributing_factors = e.contributing_factors;
            }
        }
        Ok(())
    }

    /// The evidence of the incidents with ids in `from..to` that `viewer` may see, by id.
    async fn evidence_between(
        &self,
        from: i64,
        to: i64,
        viewer: Viewer,
    ) -> StoreResult<HashMap<i64, Evidence>> {
        let args = [
            Arg::I(viewer.user_id),
            Arg::I(i64::from(viewer.sees_all)),
            Arg::I(from),
            Arg::I(to),
        ];
        let mut out: HashMap<i64, Evidence> = HashMap::new();
        let alerts = format!(
            "SELECT a.incident_id, a.dedup_key, a.summary FROM alerts a JOIN incidents i ON i.id = a.incident_id \
             WHERE a.incident_id >= $3 AND a.incident_id < $4 AND {VISIBLE}"
        );
        for r in self.read_rows(&alerts, &args).await? {
            let e = out.entry(r.get("incident_id")?).or_default();
            e.fingerprints.push(r.get("dedup_key")?);
            e.alert_summaries.push(r.get("summary")?);
        }
        let postmortems = format!(
            "SELECT p.incident_id, p.sections FROM postmortems p JOIN incidents i ON i.id = p.incident_id \
             WHERE p.incident_id >= $3 AND p.incident_id < $4 AND {VISIBLE}"
        );
        for r in self.read_rows(&postmortems, &args).await? {
            let sections: Vec<Section> = r.json("sections")?;
            let e = out.entry(r.get("incident_id")?).or_default();
            e.root_cause = sections
                .iter()
                .filter(|s| ROOT_CAUSE_SECTIONS.contains(&s.key.as_str()))
                .map(|s| s.body.trim())
                .filter(|b| !b.is_empty())
                .collect::<Vec<_>>()
                .join("\n");
            e.contributing_factors = sections
                .iter()
                .filter(|s| s.key == FACTORS_SECTION)
                .flat_map(|s| split_factors(&s.body))
                .collect();
        }
        for e in out.values_mut() {
            e.fingerprints.sort();
            e.fingerprints.dedup();
            e.alert_summaries.sort();
            e.alert_summaries.dedup();
        }
        Ok(out)
    }
}
