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
//! one transaction; on SQLite through the group commit ([`crate::group_commit`]), so a burst of
//! concurrent senders shares commits. The caller answers `202` only after it returns, so an
//! accepted signal is on disk.

use crate::group_commit::GroupWrite;
use crate::jobs::NewJob;
use crate::read::Row;
use crate::write::{Arg, WriteTx};
use crate::{Store, StoreError, StoreResult, ms};
use debrief_core::Timestamp;
use debrief_core::alert::{AlertSeverity, AlertStatus, SignalAction};
use serde::Serialize;
use std::future::Future;

/// Where alerts come in from.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Integration {
    /// Id.
    pub id: i64,
    /// The service its alerts are for.
    pub service: String,
    /// Which sender's format it speaks: `pagerduty`, `alertmanager`, `grafana`, `opsgenie`,
    /// `generic`.
    pub kind: String,
    /// A name people recognise ("Prometheus production").
    pub name: String,
    /// The last characters of its key, to tell keys apart.
    pub key_hint: String,
    /// While a key is rotated: when the previous key stops working.
    pub previous_key_expires_at: Option<Timestamp>,
    /// Grafana's HMAC secret, when signatures are checked; never serialized.
    #[serde(skip)]
    pub signing_secret: Option<String>,
    /// Whether signatures are checked (Grafana).
    pub signed: bool,
    /// How its alerts are grouped (see `debrief_core::alert::routing::GroupBy`).
    pub group_by: String,
    /// When it was disabled; a disabled integration's key is refused.
    pub disabled_at: Option<Timestamp>,
    /// Who created it.
    pub created_by: Option<i64>,
    /// When.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
}

/// A new integration, with its key already hashed.
#[derive(Debug, Clone)]
pub struct NewIntegration {
    /// The service.
    pub service: String,
    /// The sender's format.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// SHA-256 (hex) of its key.
    pub key_hash: String,
    /// The key's last characters.
    pub key_hint: String,
    /// Grafana's HMAC secret.
    pub signing_secret: Option<String>,
    /// How its alerts are grouped.
    pub group_by: String,
    /// Who creates it.
    pub created_by: Option<i64>,
}

/// One alert: every signal with its dedup key while it is open.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Alert {
    /// Id (also Opsgenie's tiny id).
    pub id: i64,
    /// The integration it came through.
    pub integration_id: i64,
    /// Its service.
    pub service: String,
    /// What identifies it within its integration while open.
    pub dedup_key: String,
    /// Its group within the integration: one storm, one group.
    pub group_key: String,
    /// Triggered, acknowledged or resolved.
    pub status: AlertStatus,
    /// Its severity.
    pub severity: AlertSeverity,
    /// One line saying what is wrong.
    pub summary: String,
    /// Where it comes from (a host, a job).
    pub source: Option<String>,
    /// Labels, details, links, images and the rest of what the sender said, as JSON.
    pub details: serde_json::Value,
    /// The last body the sender sent for it, as sent.
    pub payload: serde_json::Value,
    /// How many triggers it has had.
    pub count: i64,
    /// When it started, by the sender's clock (else when it was first received).
    pub started_at: Timestamp,
    /// When it was first received.
    pub first_seen_at: Timestamp,
    /// When it was last received.
    pub last_seen_at: Timestamp,
    /// When it was acknowledged.
    pub acknowledged_at: Option<Timestamp>,
    /// Who acknowledged it (a person, or the sender).
    pub acknowledged_by: Option<String>,
    /// When it was resolved.
    pub resolved_at: Option<Timestamp>,
    /// Who resolved it.
    pub resolved_by: Option<String>,
    /// The incident it opened or joined, as `INC-n`.
    pub incident: Option<String>,
    /// What routing decided ("opened INC-4", "suppressed: silence", "paged only", …).
    pub routed: Option<String>,
    /// Last change.
    pub updated_at: Timestamp,
}

/// One signal to record, as stored.
#[derive(Debug, Clone)]
pub struct StoredSignal {
    /// Trigger, acknowledge or resolve.
    pub action: SignalAction,
    /// The dedup key (generated by the caller when the sender gave none).
    pub dedup_key: String,
    /// Its group.
    pub group_key: String,
    /// Severity (triggers).
    pub severity: AlertSeverity,
    /// Summary (triggers).
    pub summary: String,
    /// Source.
    pub source: Option<String>,
    /// Details as JSON text.
    pub details: String,
    /// The body as sent, as JSON text.
    pub payload: String,
    /// When it started, by the sender's clock.
    pub started_at: Timestamp,
}

/// Opsgenie's record of a request, written with the request's signals.
#[derive(Debug, Clone)]
pub struct RequestRecord {
    /// The request id answered to the sender.
    pub id: String,
    /// `Create`, `Acknowledge`, `Close`, `AddNote`.
    pub action: String,
    /// The alias the request named.
    pub alias: Option<String>,
}

/// A request's signals, written in one transaction.
#[derive(Debug, Clone)]
pub struct SignalWrite {
    /// The integration they came through.
    pub integration_id: i64,
    /// Its service.
    pub service: String,
    /// Who acknowledges or resolves when the sender does ("Alertmanager", "PagerDuty Events
    /// API", …).
    pub by: String,
    /// When they were received.
    pub now: Timestamp,
    /// The signals, in order.
    pub signals: Vec<StoredSignal>,
    /// The job kind routing opened, acknowledged and resolved alerts (one job per change).
    pub route_kind: &'static str,
    /// Opsgenie: the request's record.
    pub request: Option<RequestRecord>,
}

/// What a signal did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum SignalOutcome {
    /// A new alert.
    Opened {
        /// Its id.
        alert_id: i64,
    },
    /// Added to an open alert's count.
    Repeated {
        /// Its id.
        alert_id: i64,
        /// Its count now.
        count: i64,
    },
    /// The open alert was acknowledged.
    Acknowledged {
        /// Its id.
        alert_id: i64,
    },
    /// The open alert was resolved.
    Resolved {
        /// Its id.
        alert_id: i64,
    },
    /// Accepted; nothing changed (no open alert for the key, or already in that state).
    Ignored,
}

impl SignalOutcome {
    /// The alert it concerns, when it concerns one.
    pub fn alert_id(self) -> Option<i64> {
        match self {
            SignalOutcome::Opened { alert_id }
            | SignalOutcome::Repeated { alert_id, .. }
            | SignalOutcome::Acknowledged { alert_id }
            | SignalOutcome::Resolved { alert_id } => Some(alert_id),
            SignalOutcome::Ignored => None,
        }
    }

    /// The routing change it causes: `opened`, `acknowledged`, `resolved`.
    fn change(self) -> Option<&'static str> {
        match self {
            SignalOutcome::Opened { .. } => Some("opened"),
            SignalOutcome::Acknowledged { .. } => Some("acknowledged"),
            SignalOutcome::Resolved { .. } => Some("resolved"),
            SignalOutcome::Repeated { .. } | SignalOutcome::Ignored => None,
        }
    }
}

/// Which alerts to list.
#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    /// Only these statuses (none: all).
    pub statuses: Vec<AlertStatus>,
    /// Only this service.
    pub service: Option<String>,
    /// Only this integration.
    pub integration_id: Option<i64>,
    /// Only alerts of this incident.
    pub incident_id: Option<i64>,
    /// Only ids below this one (the next page's cursor).
    pub before: Option<i64>,
    /// At most this many.
    pub limit: i64,
}

/// What a service's alerts do.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AlertRuleRow {
    /// The service.
    pub service: String,
    /// `incident`, `attach` or `page`.
    pub mode: String,
    /// The lowest alert severity that opens an incident.
    pub open_at: AlertSeverity,
    /// Alert severity → incident severity key.
    pub severity_map: std::collections::BTreeMap<String, String>,
    /// Last change.
    pub updated_at: Timestamp,
}

/// A silence: a service's alerts open no incident between `starts_at` and `ends_at`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Silence {
    /// Id.
    pub id: i64,
    /// The service.
    pub service: String,
    /// Start.
    pub starts_at: Timestamp,
    /// End.
    pub ends_at: Timestamp,
    /// Why.
    pub reason: String,
    /// Who.
    pub created_by: Option<i64>,
    /// When.
    pub created_at: Timestamp,
}

/// A change event (a deploy, a rollback, a flag flip).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ChangeRow {
    /// Id.
    pub id: i64,
    /// The integration it came through.
    pub integration_id: i64,
    /// Its service.
    pub service: String,
    /// What changed.
    pub summary: String,
    /// Where.
    pub source: Option<String>,
    /// When it happened, by the sender.
    pub happened_at: Timestamp,
    /// Details and links, as JSON.
    pub details: serde_json::Value,
    /// When it was received.
    pub created_at: Timestamp,
}

/// Opsgenie's request record, as read back.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RequestRow {
    /// The request id.
    pub id: String,
    /// The integration.
    pub integration_id: i64,
    /// `Create`, `Acknowledge`, …
    pub action: String,
    /// The alert it concerned.
    pub alert_id: Option<i64>,
    /// The alias it named.
    pub alias: Option<String>,
    /// Whether it did what it asked.
    pub success: bool,
    /// Opsgenie's status sentence ("Created alert", "Alert does not exist", …).
    pub status: String,
    /// When.
    pub processed_at: Timestamp,
}

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
        tx.exec(
            "INSERT INTO alert_requests (id, integration_id, action, alert_id, alias, success, status, processed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                Arg::S(&req.id),
                Arg::I(w.integration_id),
                Arg::S(&req.action),
                Arg::OI(outcome.alert_id()),
                Arg::OS(req.alias.as_deref()),
                Arg::I(i64::from(success)),
                Arg::S(status),
                Arg::I(ms(w.now)),
            ],
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

    /// Creates an integration.
    pub async fn create_integration(
        &self,
        new: &NewIntegration,
        now: Timestamp,
    ) -> StoreResult<Integration> {
        let mut tx = self.begin_write().await?;
        let id = tx
            .int(
                "INSERT INTO integrations (service, kind, name, key_hash, key_hint, signing_secret, group_by, \
                 created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
                &[
                    Arg::S(&new.service),
                    Arg::S(&new.kind),
                    Arg::S(&new.name),
                    Arg::S(&new.key_hash),
                    Arg::S(&new.key_hint),
                    Arg::OS(new.signing_secret.as_deref()),
                    Arg::S(&new.group_by),
                    Arg::OI(new.created_by),
                    Arg::I(ms(now)),
                ],
            )
            .await?
            .ok_or_else(|| StoreError::Other("the integration insert returned no id".into()))?;
        tx.commit().await?;
        self.integration(id).await
    }

    /// One integration.
    pub async fn integration(&self, id: i64) -> StoreResult<Integration> {
        let sql = format!("SELECT {INTEGRATION_COLUMNS} FROM integrations WHERE id = $1");
        self.read_keyed(&sql, &[Arg::I(id)])
            .await?
            .first()
            .map(integration_of)
            .transpose()?
            .ok_or_else(|| StoreError::NotFound(format!("integration {id}")))
    }

    /// Every integration, of one service or of all, oldest first.
    pub async fn integrations(&self, service: Option<&str>) -> StoreResult<Vec<Integration>> {
        let rows = match service {
            Some(s) => {
                let sql = format!(
                    "SELECT {INTEGRATION_COLUMNS} FROM integrations WHERE service = $1 ORDER BY id"
                );
                self.read_rows(&sql, &[Arg::S(s)]).await?
            }
            None => {
                let sql = format!("SELECT {INTEGRATION_COLUMNS} FROM integrations ORDER BY id");
                self.read_rows(&sql, &[]).await?
            }
        };
        rows.iter().map(integration_of).collect()
    }

    /// The enabled integration whose key hashes to `key_hash`: its current key, or its previous
    /// one until that expires.
    pub async fn integration_by_key(
        &self,
        key_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<Integration>> {
        let sql = format!(
            "SELECT {INTEGRATION_COLUMNS} FROM integrations WHERE disabled_at IS NULL AND \
             (key_hash = $1 OR (previous_key_hash = $1 AND previous_key_expires_at > $2))"
        );
        self.read_keyed(&sql, &[Arg::S(key_hash), Arg::I(ms(now))])
            .await?
            .first()
            .map(integration_of)
            .transpose()
    }

    /// Gives an integration a new key; the current one keeps working until `overlap_until`
    /// (not at all when it is `now` or earlier).
    pub async fn rotate_integration_key(
        &self,
        id: i64,
        key_hash: &str,
        key_hint: &str,
        overlap_until: Timestamp,
        now: Timestamp,
    ) -> StoreResult<Integration> {
        let mut tx = self.begin_write().await?;
        let n = tx
            .exec(
                "UPDATE integrations SET previous_key_hash = key_hash, previous_key_expires_at = $1, \
                 key_hash = $2, key_hint = $3, updated_at = $4 WHERE id = $5",
                &[
                    Arg::I(ms(overlap_until)),
                    Arg::S(key_hash),
                    Arg::S(key_hint),
                    Arg::I(ms(now)),
                    Arg::I(id),
                ],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("integration {id}")));
        }
        tx.commit().await?;
        self.integration(id).await
    }

    /// Changes an integration's name, grouping, signing secret or whether it is enabled.
    pub async fn update_integration(
        &self,
        id: i64,
        name: &str,
        group_by: &str,
        signing_secret: Option<&str>,
        disabled: bool,
        now: Timestamp,
    ) -> StoreResult<Integration> {
        let mut tx = self.begin_write().await?;
        let n = tx
            .exec(
                "UPDATE integrations SET name = $1, group_by = $2, signing_secret = $3, \
                 disabled_at = CASE WHEN $4 = 1 THEN COALESCE(disabled_at, $5) ELSE NULL END, \
                 updated_at = $5 WHERE id = $6",
                &[
                    Arg::S(name),
                    Arg::S(group_by),
                    Arg::OS(signing_secret),
                    Arg::I(i64::from(disabled)),
                    Arg::I(ms(now)),
                    Arg::I(id),
                ],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("integration {id}")));
        }
        tx.commit().await?;
        self.integration(id).await
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
        let mut clauses: Vec<String> = Vec::new();
        let mut args: Vec<Arg<'_>> = Vec::new();
        let statuses: Vec<&'static str> = f.statuses.iter().map(|s| s.as_str()).collect();
        if !statuses.is_empty() {
            let mut ps = Vec::new();
            for s in &statuses {
                args.push(Arg::S(s));
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

    /// Counts alerts by status (the alerts page's tabs).
    pub async fn count_alerts(&self) -> StoreResult<Vec<(AlertStatus, i64)>> {
        self.read_rows(
            "SELECT status, COUNT(*) AS n FROM alerts GROUP BY status",
            &[],
        )
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
                 WHERE a.integration_id = $1 AND a.group_key = $2 AND a.id <> $3 \
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

    /// A service's routing rule, if it has its own.
    pub async fn alert_rule(&self, service: &str) -> StoreResult<Option<AlertRuleRow>> {
        let rows = self
            .read_keyed(
                "SELECT service, mode, open_at, severity_map, updated_at FROM alert_rules WHERE service = $1",
                &[Arg::S(service)],
            )
            .await?;
        rows.first()
            .map(|r| {
                Ok(AlertRuleRow {
                    service: r.get("service")?,
                    mode: r.get("mode")?,
                    open_at: r.parse("open_at")?,
                    severity_map: r.json("severity_map")?,
                    updated_at: r.time("updated_at")?,
                })
            })
            .transpose()
    }

    /// Sets a service's routing rule.
    pub async fn put_alert_rule(
        &self,
        service: &str,
        mode: &str,
        open_at: AlertSeverity,
        severity_map: &std::collections::BTreeMap<String, String>,
        now: Timestamp,
    ) -> StoreResult<()> {
        let map = serde_json::to_string(severity_map).expect("a map of strings serializes");
        let mut tx = self.begin_write().await?;
        tx.exec(
            "INSERT INTO alert_rules (service, mode, open_at, severity_map, updated_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (service) DO UPDATE SET mode = excluded.mode, open_at = excluded.open_at, \
             severity_map = excluded.severity_map, updated_at = excluded.updated_at",
            &[
                Arg::S(service),
                Arg::S(mode),
                Arg::S(open_at.as_str()),
                Arg::S(&map),
                Arg::I(ms(now)),
            ],
        )
        .await?;
        tx.commit().await
    }

    /// Adds a silence.
    pub async fn create_silence(
        &self,
        service: &str,
        starts_at: Timestamp,
        ends_at: Timestamp,
        reason: &str,
        created_by: Option<i64>,
        now: Timestamp,
    ) -> StoreResult<Silence> {
        let mut tx = self.begin_write().await?;
        let id = tx
            .int(
                "INSERT INTO alert_silences (service, starts_at, ends_at, reason, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                &[
                    Arg::S(service),
                    Arg::I(ms(starts_at)),
                    Arg::I(ms(ends_at)),
                    Arg::S(reason),
                    Arg::OI(created_by),
                    Arg::I(ms(now)),
                ],
            )
            .await?
            .ok_or_else(|| StoreError::Other("the silence insert returned no id".into()))?;
        tx.commit().await?;
        Ok(Silence {
            id,
            service: service.to_string(),
            starts_at,
            ends_at,
            reason: reason.to_string(),
            created_by,
            created_at: now,
        })
    }

    /// Ends a silence now (or removes one that has not started).
    pub async fn end_silence(&self, id: i64, now: Timestamp) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let n = tx
            .exec(
                "UPDATE alert_silences SET ends_at = CASE WHEN starts_at > $1 THEN starts_at ELSE $1 END \
                 WHERE id = $2 AND ends_at > $1",
                &[Arg::I(ms(now)), Arg::I(id)],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("active silence {id}")));
        }
        tx.commit().await
    }

    /// Silences of a service (or of all) that have not ended by `now`.
    pub async fn silences(
        &self,
        service: Option<&str>,
        now: Timestamp,
    ) -> StoreResult<Vec<Silence>> {
        let cols = "id, service, starts_at, ends_at, reason, created_by, created_at";
        let rows = match service {
            Some(s) => {
                let sql = format!(
                    "SELECT {cols} FROM alert_silences WHERE service = $1 AND ends_at > $2 ORDER BY starts_at"
                );
                self.read_rows(&sql, &[Arg::S(s), Arg::I(ms(now))]).await?
            }
            None => {
                let sql = format!(
                    "SELECT {cols} FROM alert_silences WHERE ends_at > $1 ORDER BY starts_at"
                );
                self.read_rows(&sql, &[Arg::I(ms(now))]).await?
            }
        };
        rows.iter()
            .map(|r| {
                Ok(Silence {
                    id: r.get("id")?,
                    service: r.get("service")?,
                    starts_at: r.time("starts_at")?,
                    ends_at: r.time("ends_at")?,
                    reason: r.get("reason")?,
                    created_by: r.opt("created_by")?,
                    created_at: r.time("created_at")?,
                })
            })
            .collect()
    }

    /// Records a change event.
    pub async fn record_change(
        &self,
        integration_id: i64,
        service: &str,
        summary: &str,
        source: Option<&str>,
        happened_at: Timestamp,
        details: &serde_json::Value,
        now: Timestamp,
    ) -> StoreResult<ChangeRow> {
        let text = details.to_string();
        let mut tx = self.begin_write().await?;
        let id = tx
            .int(
                "INSERT INTO change_events (integration_id, service, summary, source, happened_at, details, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                &[
                    Arg::I(integration_id),
                    Arg::S(service),
                    Arg::S(summary),
                    Arg::OS(source),
                    Arg::I(ms(happened_at)),
                    Arg::S(&text),
                    Arg::I(ms(now)),
                ],
            )
            .await?
            .ok_or_else(|| StoreError::Other("the change insert returned no id".into()))?;
        tx.commit().await?;
        Ok(ChangeRow {
            id,
            integration_id,
            service: service.to_string(),
            summary: summary.to_string(),
            source: source.map(str::to_string),
            happened_at,
            details: details.clone(),
            created_at: now,
        })
    }

    /// A service's change events, newest first.
    pub async fn changes(&self, service: &str, limit: i64) -> StoreResult<Vec<ChangeRow>> {
        let sql = format!(
            "SELECT id, integration_id, service, summary, source, happened_at, details, created_at \
             FROM change_events WHERE service = $1 ORDER BY happened_at DESC, id DESC LIMIT {}",
            limit.clamp(1, 500)
        );
        self.read_rows(&sql, &[Arg::S(service)])
            .await?
            .iter()
            .map(|r| {
                Ok(ChangeRow {
                    id: r.get("id")?,
                    integration_id: r.get("integration_id")?,
                    service: r.get("service")?,
                    summary: r.get("summary")?,
                    source: r.opt("source")?,
                    happened_at: r.time("happened_at")?,
                    details: r.json("details")?,
                    created_at: r.time("created_at")?,
                })
            })
            .collect()
    }

    /// Opsgenie: a request's record, for the integration that made it.
    pub async fn alert_request(
        &self,
        integration_id: i64,
        id: &str,
    ) -> StoreResult<Option<RequestRow>> {
        let rows = self
            .read_keyed(
                "SELECT id, integration_id, action, alert_id, alias, success, status, processed_at \
                 FROM alert_requests WHERE id = $1 AND integration_id = $2",
                &[Arg::S(id), Arg::I(integration_id)],
            )
            .await?;
        rows.first()
            .map(|r| {
                Ok(RequestRow {
                    id: r.get("id")?,
                    integration_id: r.get("integration_id")?,
                    action: r.get("action")?,
                    alert_id: r.opt("alert_id")?,
                    alias: r.opt("alias")?,
                    success: r.get::<i64>("success")? == 1,
                    status: r.get("status")?,
                    processed_at: r.time("processed_at")?,
                })
            })
            .transpose()
    }
}
