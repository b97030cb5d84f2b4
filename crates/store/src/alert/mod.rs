//! Alert intake: integrations, alerts and their deduplication, routing rules, silences, change
//! events and Opsgenie's request records.
//!
//! An integration belongs to one service and authenticates its sender by a key, of which only
//! the SHA-256 is kept ([`Store::integration_by_key`]). Each signal a sender sends becomes or
//! updates one row of `alerts`: the partial unique index `alerts_open_key` allows one open
//! (triggered or acknowledged) alert per dedup key and integration, so a trigger is one upsert
//! (a repeat adds to `count` and moves `last_seen_at`, never a row per repeat), and an
//! acknowledgement or a resolution is one guarded `UPDATE` that changes nothing when there is
//! no open alert for the key. These statements are the deduplication rule of
//! [`debrief_core::alert::dedup::decide`], applied atomically on both databases.
//!
//! A request's signals are written together ([`Store::record_signals`]), with the routing jobs
//! of the alerts they opened, acknowledged or resolved, and (Opsgenie) the request's record, in
//! one transaction; on SQLite through the group commit (`crate::group_commit`), so a burst of
//! concurrent senders shares commits. The caller answers `202` only after it returns, so an
//! accepted signal is on disk.

mod route;
mod settings;
mod types;

pub use types::*;

use crate::group_commit::GroupWrite;
use crate::jobs::NewJob;
use crate::read::Row;
use crate::write::{Arg, WriteTx};
use crate::{Store, StoreError, StoreResult, ms};
use debrief_core::Timestamp;
use debrief_core::alert::{AlertStatus, SignalAction};
use std::future::Future;

const INTEGRATION_COLUMNS: &str = "id, service, kind, name, key_hint, previous_key_expires_at, \
     signing_secret, group_by, disabled_at, created_by, created_at, updated_at";

const ALERT_COLUMNS: &str = "id, integration_id, service, dedup_key, group_key, status, severity, \
     summary, source, details, payload, count, started_at, first_seen_at, last_seen_at, \
     acknowledged_at, acknowledged_by, resolved_at, resolved_by, incident_id, routed, updated_at";

fn integration_of(r: &Row) -> StoreResult<Integration> {
    let signing_secret: Option<String> = r.opt("signing_secret")?;
    Ok(Integration {
        id: r.get("id")?,
        service: r.get("service")?,
        kind: r.get("kind")?,
        name: r.get("name")?,
        key_hint: r.get("key_hint")?,
        previous_key_expires_at: r.opt_time("previous_key_expires_at")?,
        signed: signing_secret.is_some(),
        signing_secret,
        group_by: r.get("group_by")?,
        disabled_at: r.opt_time("disabled_at")?,
        created_by: r.opt("created_by")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

fn alert_of(r: &Row) -> StoreResult<Alert> {
    Ok(Alert {
        id: r.get("id")?,
        integration_id: r.get("integration_id")?,
        service: r.get("service")?,
        dedup_key: r.get("dedup_key")?,
        group_key: r.get("group_key")?,
        status: r.parse("status")?,
        severity: r.parse("severity")?,
        summary: r.get("summary")?,
        source: r.opt("source")?,
        details: r.json("details")?,
        payload: r.json("payload")?,
        count: r.get("count")?,
        started_at: r.time("started_at")?,
        first_seen_at: r.time("first_seen_at")?,
        last_seen_at: r.time("last_seen_at")?,
        acknowledged_at: r.opt_time("acknowledged_at")?,
        acknowledged_by: r.opt("acknowledged_by")?,
        resolved_at: r.opt_time("resolved_at")?,
        resolved_by: r.opt("resolved_by")?,
        incident: r.opt::<i64>("incident_id")?.map(|i| format!("INC-{i}")),
        routed: r.opt("routed")?,
        updated_at: r.time("updated_at")?,
    })
}

/// The `WHERE` clause (possibly empty) and arguments of an alert filter.
fn filter_clause(f: &AlertFilter) -> (String, Vec<Arg<'_>>) {
    let mut clauses: Vec<String> = Vec::new();
    let mut args: Vec<Arg<'_>> = Vec::new();
    if let Some(v) = f.viewer {
        // The incident visibility rule reads `$1` (the viewer) and `$2` (sees all).
        args.push(Arg::I(v.user_id));
        args.push(Arg::I(i64::from(v.sees_all)));
        clauses.push(format!(
                "(incident_id IS NULL OR EXISTS (SELECT 1 FROM incidents i WHERE i.id = alerts.incident_id AND {}))",
                crate::incident::VISIBLE
            ));
    }
    if !f.statuses.is_empty() {
        let mut ps = Vec::new();
        for st in &f.statuses {
            args.push(Arg::S(st.as_str()));
            ps.push(format!("${}", args.len()));
        }
        clauses.push(format!("status IN ({})", ps.join(", ")));
    }
    if let Some(s) = &f.service {
        args.push(Arg::S(s));
        clauses.push(format!("service = ${}", args.len()));
    }
    if let Some(i) = f.integration_id {
        args.push(Arg::I(i));
        clauses.push(format!("integration_id = ${}", args.len()));
    }
    if let Some(i) = f.incident_id {
        args.push(Arg::I(i));
        clauses.push(format!("incident_id = ${}", args.len()));
    }
    if let Some(b) = f.before {
        args.push(Arg::I(b));
        clauses.push(format!("id < ${}", args.len()));
    }
    let clause = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    (clause, args)
}

/// Records one signal in `tx`; the dedup rule is in the statements' guards.
async fn record_one(
    tx: &mut WriteTx,
    w: &SignalWrite,
    s: &StoredSignal,
) -> StoreResult<SignalOutcome> {
    let now = ms(w.now);
    let changed = |rows: Vec<Row>| -> StoreResult<Option<i64>> {
        rows.first().map(|r| r.get::<i64>("id")).transpose()
    };
    Ok(match s.action {
        SignalAction::Trigger => {
            let rows = tx
                .rows(
                    "INSERT INTO alerts (integration_id, service, dedup_key, group_key, status, severity, \
                     summary, source, details, payload, count, started_at, first_seen_at, last_seen_at, updated_at) \
                     VALUES ($1, $2, $3, $4, 'triggered', $5, $6, $7, $8, $9, 1, $10, $11, $11, $11) \
                     ON CONFLICT (integration_id, dedup_key) WHERE status <> 'resolved' DO UPDATE SET \
                     count = alerts.count + 1, last_seen_at = excluded.last_seen_at, \
                     payload = excluded.payload, updated_at = excluded.updated_at \
                     RETURNING id, count",
                    &[
                        Arg::I(w.integration_id),
                        Arg::S(&w.service),
                        Arg::S(&s.dedup_key),
                        Arg::S(&s.group_key),
                        Arg::S(s.severity.as_str()),
                        Arg::S(&s.summary),
                        Arg::OS(s.source.as_deref()),
                        Arg::S(&s.details),
                        Arg::S(&s.payload),
                        Arg::I(ms(s.started_at)),
                        Arg::I(now),
                    ],
                )
                .await?;
            let row = rows
                .first()
                .ok_or_else(|| StoreError::Other("the alert upsert returned no row".into()))?;
            let (alert_id, count) = (row.get::<i64>("id")?, row.get::<i64>("count")?);
            if count == 1 {
                SignalOutcome::Opened { alert_id }
            } else {
                SignalOutcome::Repeated { alert_id, count }
            }
        }
        SignalAction::Acknowledge => {
            let rows = tx
                .rows(
                    "UPDATE alerts SET status = 'acknowledged', acknowledged_at = $3, acknowledged_by = $4, \
                     updated_at = $3 WHERE integration_id = $1 AND dedup_key = $2 AND status = 'triggered' \
                     RETURNING id",
                    &[
                        Arg::I(w.integration_id),
                        Arg::S(&s.dedup_key),
                        Arg::I(now),
                        Arg::S(&w.by),
                    ],
                )
                .await?;
            changed(rows)?.map_or(SignalOutcome::Ignored, |alert_id| {
                SignalOutcome::Acknowledged { alert_id }
            })
        }
        SignalAction::Resolve => {
            let rows = tx
                .rows(
                    "UPDATE alerts SET status = 'resolved', resolved_at = $3, resolved_by = $4, \
                     updated_at = $3 WHERE integration_id = $1 AND dedup_key = $2 AND status <> 'resolved' \
                     RETURNING id",
                    &[
                        Arg::I(w.integration_id),
                        Arg::S(&s.dedup_key),
                        Arg::I(now),
                        Arg::S(&w.by),
                    ],
                )
                .await?;
            changed(rows)?.map_or(SignalOutcome::Ignored, |alert_id| SignalOutcome::Resolved {
                alert_id,
            })
        }
    })
}

/// The routing job of an alert's change (see [`SignalWrite::route_kind`]).
pub fn route_job(kind: &str, alert_id: i64, change: &str, now: Timestamp) -> NewJob {
    NewJob {
        kind: kind.to_string(),
        dedupe_key: format!("{kind}:{alert_id}:{change}:{}", ms(now)),
        run_at: now,
        payload: serde_json::json!({"alert_id": alert_id, "change": change}),
        max_attempts: 5,
        lease: None,
    }
}

async fn record_in(tx: &mut WriteTx, w: &SignalWrite) -> StoreResult<Vec<SignalOutcome>> {
    let mut outcomes = Vec::with_capacity(w.signals.len());
    for s in &w.signals {
        let outcome = record_one(tx, w, s).await?;
        if let (Some(change), Some(alert_id)) = (outcome.change(), outcome.alert_id()) {
            crate::jobs::enqueue_in(tx, &route_job(w.route_kind, alert_id, change, w.now), w.now)
                .await?;
        }
        outcomes.push(outcome);
    }
    if let Some(req) = &w.request {
        let outcome = outcomes.first().copied().unwrap_or(SignalOutcome::Ignored);
        let (success, status) = match (req.action.as_str(), outcome) {
            ("Create", _) => (true, "Created alert"),
            ("Acknowledge", SignalOutcome::Acknowledged { .. }) => (true, "Acknowledged alert"),
            ("Close", SignalOutcome::Resolved { .. }) => (true, "Closed alert"),
            (_, SignalOutcome::Ignored) => (false, "Alert does not exist"),
            _ => (true, "Request processed"),
        };
        settings::record_request(
            tx,
            w.integration_id,
            req,
            outcome.alert_id(),
            success,
            status,
            w.now,
        )
        .await?;
    }
    Ok(outcomes)
}

impl GroupWrite for SignalWrite {
    type Out = Vec<SignalOutcome>;

    fn write<'a>(
        &'a self,
        tx: &'a mut WriteTx,
    ) -> impl Future<Output = StoreResult<Self::Out>> + Send + 'a {
        record_in(tx, self)
    }
}

impl Store {
    /// Records a request's signals (and their routing jobs, and Opsgenie's request record) in
    /// one transaction; returns what each did, in order. Durable when it returns.
    pub async fn record_signals(&self, w: SignalWrite) -> StoreResult<Vec<SignalOutcome>> {
        match &self.db {
            crate::Db::Sqlite {
                signals, writer, ..
            } => signals.write(writer, w).await,
            crate::Db::Postgres(_) => {
                let mut tx = self.begin_write().await?;
                let outcomes = record_in(&mut tx, &w).await?;
                tx.commit().await?;
                Ok(outcomes)
            }
        }
    }

    /// One alert.
    pub async fn alert(&self, id: i64) -> StoreResult<Alert> {
        let sql = format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE id = $1");
        self.read_keyed(&sql, &[Arg::I(id)])
            .await?
            .first()
            .map(alert_of)
            .transpose()?
            .ok_or_else(|| StoreError::NotFound(format!("alert {id}")))
    }

    /// The open alert with a dedup key in an integration, if any.
    pub async fn open_alert(
        &self,
        integration_id: i64,
        dedup_key: &str,
    ) -> StoreResult<Option<Alert>> {
        let sql = format!(
            "SELECT {ALERT_COLUMNS} FROM alerts WHERE integration_id = $1 AND dedup_key = $2 \
             AND status <> 'resolved'"
        );
        self.read_keyed(&sql, &[Arg::I(integration_id), Arg::S(dedup_key)])
            .await?
            .first()
            .map(alert_of)
            .transpose()
    }

    /// The newest alert with a dedup key in an integration (open or not), if any.
    pub async fn latest_alert(
        &self,
        integration_id: i64,
        dedup_key: &str,
    ) -> StoreResult<Option<Alert>> {
        let sql = format!(
            "SELECT {ALERT_COLUMNS} FROM alerts WHERE integration_id = $1 AND dedup_key = $2 \
             ORDER BY id DESC LIMIT 1"
        );
        self.read_keyed(&sql, &[Arg::I(integration_id), Arg::S(dedup_key)])
            .await?
            .first()
            .map(alert_of)
            .transpose()
    }

    /// Alerts, newest first, one page at a time.
    pub async fn alerts(&self, f: &AlertFilter) -> StoreResult<Vec<Alert>> {
        let (clause, args) = filter_clause(f);
        let sql = format!(
            "SELECT {ALERT_COLUMNS} FROM alerts {clause} ORDER BY id DESC LIMIT {}",
            f.limit.clamp(1, 1000)
        );
        self.read_rows(&sql, &args)
            .await?
            .iter()
            .map(alert_of)
            .collect()
    }

    /// Counts the alerts of a filter by status, whatever its statuses, cursor and limit (the
    /// alerts page's tabs).
    pub async fn count_alerts(&self, f: &AlertFilter) -> StoreResult<Vec<(AlertStatus, i64)>> {
        let every = AlertFilter {
            statuses: Vec::new(),
            before: None,
            ..f.clone()
        };
        let (clause, args) = filter_clause(&every);
        let sql = format!("SELECT status, COUNT(*) AS n FROM alerts {clause} GROUP BY status");
        self.read_rows(&sql, &args)
            .await?
            .iter()
            .map(|r| Ok((r.parse("status")?, r.get("n")?)))
            .collect()
    }

    /// A person (or the API) acknowledges or resolves an alert by id; `None` when it was not
    /// open in a state that allows it (acknowledging needs `triggered`, resolving any open
    /// state). Enqueues the change's routing job with it.
    pub async fn set_alert_status(
        &self,
        id: i64,
        to: AlertStatus,
        by: &str,
        route_kind: &str,
        now: Timestamp,
    ) -> StoreResult<Option<Alert>> {
        let mut tx = self.begin_write().await?;
        let (sql, change) = match to {
            AlertStatus::Acknowledged => (
                "UPDATE alerts SET status = 'acknowledged', acknowledged_at = $1, acknowledged_by = $2, \
                 updated_at = $1 WHERE id = $3 AND status = 'triggered' RETURNING id",
                "acknowledged",
            ),
            AlertStatus::Resolved => (
                "UPDATE alerts SET status = 'resolved', resolved_at = $1, resolved_by = $2, \
                 updated_at = $1 WHERE id = $3 AND status <> 'resolved' RETURNING id",
                "resolved",
            ),
            AlertStatus::Triggered => {
                return Err(StoreError::Conflict(
                    "an alert is triggered by its sender, not by hand".into(),
                ));
            }
        };
        let changed = tx
            .int(sql, &[Arg::I(ms(now)), Arg::S(by), Arg::I(id)])
            .await?;
        if changed.is_none() {
            return Ok(None);
        }
        crate::jobs::enqueue_in(&mut tx, &route_job(route_kind, id, change, now), now).await?;
        tx.commit().await?;
        self.alert(id).await.map(Some)
    }

    /// Records what routing did with an alert (the incident it opened or joined, and a line
    /// saying so).
    pub async fn set_alert_route(
        &self,
        id: i64,
        incident_id: Option<i64>,
        routed: &str,
        now: Timestamp,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        tx.exec(
            "UPDATE alerts SET incident_id = COALESCE($1, incident_id), routed = $2, updated_at = $3 WHERE id = $4",
            &[Arg::OI(incident_id), Arg::S(routed), Arg::I(ms(now)), Arg::I(id)],
        )
        .await?;
        tx.commit().await
    }

    /// The incident another alert of the same group joined, while that incident is active.
    pub async fn group_incident(
        &self,
        integration_id: i64,
        group_key: &str,
        except_alert: i64,
    ) -> StoreResult<Option<i64>> {
        let rows = self
            .read_keyed(
                "SELECT a.incident_id FROM alerts a JOIN incidents i ON i.id = a.incident_id \
                 WHERE a.integration_id = $1 AND a.group_key = $2 AND a.id <> $3 AND a.incident_id IS NOT NULL \
                 AND i.status IN ('triage', 'investigating', 'identified', 'monitoring') \
                 ORDER BY a.id DESC LIMIT 1",
                &[
                    Arg::I(integration_id),
                    Arg::S(group_key),
                    Arg::I(except_alert),
                ],
            )
            .await?;
        rows.first().map(|r| r.get("incident_id")).transpose()
    }

    /// The service's newest active incident, if any.
    pub async fn service_open_incident(&self, service: &str) -> StoreResult<Option<i64>> {
        let rows = self
            .read_keyed(
                "SELECT i.id FROM incident_services s JOIN incidents i ON i.id = s.incident_id \
                 WHERE s.service = $1 AND i.status IN ('triage', 'investigating', 'identified', 'monitoring') \
                 ORDER BY i.id DESC LIMIT 1",
                &[Arg::S(service)],
            )
            .await?;
        rows.first().map(|r| r.get("id")).transpose()
    }

    /// The active incidents of a service (for change events), newest first.
    pub async fn service_open_incidents(&self, service: &str) -> StoreResult<Vec<i64>> {
        self.read_keyed(
            "SELECT i.id FROM incident_services s JOIN incidents i ON i.id = s.incident_id \
             WHERE s.service = $1 AND i.status IN ('triage', 'investigating', 'identified', 'monitoring') \
             ORDER BY i.id DESC LIMIT 20",
            &[Arg::S(service)],
        )
        .await?
        .iter()
        .map(|r| r.get("id"))
        .collect()
    }

    /// How many alerts of an incident are still open.
    pub async fn open_alerts_of_incident(&self, incident_id: i64) -> StoreResult<i64> {
        let rows = self
            .read_keyed(
                "SELECT COUNT(*) AS n FROM alerts WHERE incident_id = $1 AND status <> 'resolved'",
                &[Arg::I(incident_id)],
            )
            .await?;
        rows.first()
            .map(|r| r.get("n"))
            .transpose()
            .map(|n| n.unwrap_or(0))
    }
}
