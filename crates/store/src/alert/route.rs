//! An incident opened by an alert, in one transaction.

use crate::group_commit::Declaration;
use crate::incident::NewIncident;
use crate::timeline::EventDraft;
use crate::write::{Arg, WriteTx};
use crate::{Store, StoreError, StoreResult, ms};
use debrief_core::Timestamp;
use debrief_core::incident::Incident;
use debrief_core::timeline::TimelineEvent;

impl Store {
    /// Opens an incident for alert `alert_id`: the declaration with its `declared` event, the
    /// alert's own event, and the alert joined to the incident with its routing outcome
    /// (`routed(reference)`), all in one transaction, so a routing job that runs again after
    /// a crash finds the alert joined and opens no second incident. `None`, writing nothing,
    /// when the alert already has an incident.
    pub async fn declare_for_alert(
        &self,
        new: &NewIncident,
        declared: EventDraft,
        alert_event: EventDraft,
        alert_id: i64,
        routed: impl Fn(&str) -> String,
        now: Timestamp,
    ) -> StoreResult<Option<(Incident, Vec<TimelineEvent>)>> {
        let mut tx = self.begin_write().await?;
        let joined = tx
            .int(
                "SELECT incident_id FROM alerts WHERE id = $1",
                &[Arg::I(alert_id)],
            )
            .await?;
        if joined.is_some() {
            return Ok(None);
        }
        let d = Declaration {
            services: serde_json::to_string(&new.services).expect("strings serialize"),
            search: crate::incident::search_text(&new.title, new.summary.as_deref()),
            roles: crate::incident::roles_json(&[]),
            new: new.clone(),
            declared_event: declared,
            commander: None,
            custom: None,
            now,
        };
        let (id, mut events) = match self.backend() {
            crate::Backend::Sqlite => {
                let (id, mut events) = crate::incident::declare_in(&mut tx, &d).await?;
                events.push(crate::timeline::insert_event(&mut tx, id, &alert_event).await?);
                (id, events)
            }
            crate::Backend::Postgres => declare_pg_in(&mut tx, &d, &alert_event).await?,
        };
        let reference = format!("INC-{id}");
        tx.exec(
            "UPDATE alerts SET incident_id = $1, routed = $2, updated_at = $3 WHERE id = $4",
            &[
                Arg::I(id),
                Arg::S(&routed(&reference)),
                Arg::I(ms(now)),
                Arg::I(alert_id),
            ],
        )
        .await?;
        tx.commit().await?;
        events.sort_by_key(|e| e.id);
        let incident = Incident {
            reference,
            id,
            title: new.title.clone(),
            summary: new.summary.clone(),
            severity: new.severity.clone(),
            status: new.status,
            incident_type: new.incident_type.clone(),
            services: new.services.clone(),
            customer_impact: new.customer_impact,
            private: new.private,
            started_at: new.started_at,
            declared_at: now,
            declared_by: new.declared_by,
            merged_into: None,
            version: 1,
            updated_at: now,
            roles: Vec::new(),
        };
        Ok(Some((incident, events)))
    }
}

/// PostgreSQL: the declaration statement ([`crate::postgres::DECLARE_INCIDENT`]) inside `tx`,
/// with the alert's event among its events.
async fn declare_pg_in(
    tx: &mut WriteTx,
    d: &Declaration,
    alert_event: &EventDraft,
) -> StoreResult<(i64, Vec<TimelineEvent>)> {
    let new = &d.new;
    let drafts = vec![&d.declared_event, alert_event];
    let events = crate::timeline::events_json(&drafts);
    let rows = tx
        .rows(
            crate::postgres::DECLARE_INCIDENT,
            &[
                Arg::S(&new.title),
                Arg::OS(new.summary.as_deref()),
                Arg::S(&new.severity),
                Arg::S(new.status.as_str()),
                Arg::S(&new.incident_type),
                Arg::S(&d.services),
                Arg::I(i64::from(new.customer_impact)),
                Arg::I(i64::from(new.private)),
                Arg::OI(new.started_at.map(ms)),
                Arg::I(ms(d.now)),
                Arg::OI(new.declared_by),
                Arg::S(&d.search),
                Arg::OI(None),
                Arg::OS(None),
                Arg::OI(None),
                Arg::S(&events),
                Arg::S(&d.roles),
                Arg::S("[]"),
            ],
        )
        .await?;
    let mut ids = Vec::with_capacity(rows.len());
    for r in &rows {
        ids.push((r.get_at::<i64>(0)?, r.get_at::<i64>(1)?));
    }
    let id = ids
        .first()
        .map(|r| r.0)
        .ok_or_else(|| StoreError::Other("the declaration returned no row".into()))?;
    if ids.len() != drafts.len() {
        return Err(StoreError::Other(
            format!("{} events written of {}", ids.len(), drafts.len()).into(),
        ));
    }
    Ok((
        id,
        ids.iter()
            .zip(drafts)
            .map(|((_, event_id), e)| crate::timeline::written(id, *event_id, e))
            .collect(),
    ))
}
