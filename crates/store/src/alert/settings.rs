//! Integrations and their keys, routing rules, silences, change events, notes, and Opsgenie's
//! request records.

use super::types::*;
use super::{INTEGRATION_COLUMNS, integration_of};
use crate::write::{Arg, WriteTx};
use crate::{Store, StoreError, StoreResult, ms};
use debrief_core::Timestamp;
use debrief_core::alert::AlertSeverity;

impl Store {
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
    pub async fn record_change(&self, c: &NewChange, now: Timestamp) -> StoreResult<ChangeRow> {
        let text = c.details.to_string();
        let mut tx = self.begin_write().await?;
        let id = tx
            .int(
                "INSERT INTO change_events (integration_id, service, summary, source, happened_at, details, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                &[
                    Arg::I(c.integration_id),
                    Arg::S(&c.service),
                    Arg::S(&c.summary),
                    Arg::OS(c.source.as_deref()),
                    Arg::I(ms(c.happened_at)),
                    Arg::S(&text),
                    Arg::I(ms(now)),
                ],
            )
            .await?
            .ok_or_else(|| StoreError::Other("the change insert returned no id".into()))?;
        tx.commit().await?;
        Ok(ChangeRow {
            id,
            integration_id: c.integration_id,
            service: c.service.clone(),
            summary: c.summary.clone(),
            source: c.source.clone(),
            happened_at: c.happened_at,
            details: c.details.clone(),
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

    /// Adds a note to an alert, with the request record of the Opsgenie request that added it
    /// (if any) in the same transaction.
    pub async fn add_alert_note(
        &self,
        alert_id: i64,
        note: &str,
        author: &str,
        request: Option<(i64, &RequestRecord)>,
        now: Timestamp,
    ) -> StoreResult<AlertNote> {
        let mut tx = self.begin_write().await?;
        let id = tx
            .int(
                "INSERT INTO alert_notes (alert_id, note, author, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
                &[Arg::I(alert_id), Arg::S(note), Arg::S(author), Arg::I(ms(now))],
            )
            .await?
            .ok_or_else(|| StoreError::Other("the note insert returned no id".into()))?;
        if let Some((integration_id, req)) = request {
            record_request(
                &mut tx,
                integration_id,
                req,
                Some(alert_id),
                true,
                "Added note",
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(AlertNote {
            id,
            alert_id,
            note: note.to_string(),
            author: author.to_string(),
            created_at: now,
        })
    }

    /// The notes of an alert, oldest first.
    pub async fn alert_notes(&self, alert_id: i64) -> StoreResult<Vec<AlertNote>> {
        self.read_rows(
            "SELECT id, alert_id, note, author, created_at FROM alert_notes WHERE alert_id = $1 ORDER BY id",
            &[Arg::I(alert_id)],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(AlertNote {
                id: r.get("id")?,
                alert_id: r.get("alert_id")?,
                note: r.get("note")?,
                author: r.get("author")?,
                created_at: r.time("created_at")?,
            })
        })
        .collect()
    }

    /// Records an Opsgenie request that changed nothing (an action on an alert that does not
    /// exist), so its request id resolves.
    pub async fn record_request(
        &self,
        integration_id: i64,
        req: &RequestRecord,
        status: &str,
        now: Timestamp,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        record_request(&mut tx, integration_id, req, None, false, status, now).await?;
        tx.commit().await
    }
}

pub(super) async fn record_request(
    tx: &mut WriteTx,
    integration_id: i64,
    req: &RequestRecord,
    alert_id: Option<i64>,
    success: bool,
    status: &str,
    now: Timestamp,
) -> StoreResult<()> {
    tx.exec(
        "INSERT INTO alert_requests (id, integration_id, action, alert_id, alias, success, status, processed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            Arg::S(&req.id),
            Arg::I(integration_id),
            Arg::S(&req.action),
            Arg::OI(alert_id),
            Arg::OS(req.alias.as_deref()),
            Arg::I(i64::from(success)),
            Arg::S(status),
            Arg::I(ms(now)),
        ],
    )
    .await?;
    Ok(())
}
