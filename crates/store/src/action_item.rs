//! Action items: stored with the incident change that creates or changes them.

use crate::read::Row;
use crate::write::{Arg, WriteTx};
use crate::{Store, StoreError, StoreResult, ms};
use debrief_core::Timestamp;
use debrief_core::action_item::{ActionItem, ItemFields, ItemStatus, is_overdue};

const COLUMNS: &str = "a.id, a.incident_id, a.title, a.description, a.owner_id, u.name AS owner, a.team, a.due_on, \
     a.priority, a.status, a.wont_do_reason, a.tracker_url, a.from_postmortem, a.version, a.created_at, a.settled_at";

/// A new action item, or a change to one.
#[derive(Debug, Clone)]
pub struct ItemWrite {
    /// The item to change; `None` to create one.
    pub id: Option<i64>,
    /// The version the change was based on (ignored on create).
    pub version: i64,
    /// Its fields after the change.
    pub fields: ItemFields,
    /// Who made it (on create).
    pub by: Option<i64>,
    /// The timeline event recording it; `#{id}` in its body and `item_id` in its data are
    /// filled with the item's id.
    pub event: Option<crate::timeline::EventDraft>,
}

/// Which action items to list.
#[derive(Debug, Clone, Default)]
pub struct ItemFilter {
    /// Of one incident.
    pub incident_id: Option<i64>,
    /// Owned by one user.
    pub owner_id: Option<i64>,
    /// Of one team.
    pub team: Option<String>,
    /// Of incidents affecting one service.
    pub service: Option<String>,
    /// In these statuses (any when empty).
    pub statuses: Vec<ItemStatus>,
    /// Only those overdue on this day.
    pub overdue_on: Option<jiff::civil::Date>,
}

/// An action item from the columns of [`COLUMNS`], by name.
fn from_row(r: &Row, today: jiff::civil::Date) -> StoreResult<ActionItem> {
    let status = r.parse("status")?;
    let due_on: Option<String> = r.opt("due_on")?;
    Ok(ActionItem {
        id: r.get("id")?,
        incident: format!("INC-{}", r.get::<i64>("incident_id")?),
        title: r.get("title")?,
        description: r.get("description")?,
        owner_id: r.opt("owner_id")?,
        owner: r.opt("owner")?,
        team: r.opt("team")?,
        overdue: is_overdue(status, due_on.as_deref(), today),
        due_on,
        priority: r.get("priority")?,
        status,
        wont_do_reason: r.opt("wont_do_reason")?,
        tracker_url: r.opt("tracker_url")?,
        from_postmortem: r.get("from_postmortem")?,
        version: r.get("version")?,
        created_at: r.time("created_at")?,
        settled_at: r.opt_time("settled_at")?,
    })
}

/// Writes an action item inside a transaction; returns its id.
pub(crate) async fn write_item(
    tx: &mut WriteTx,
    incident_id: i64,
    w: &ItemWrite,
    now: Timestamp,
) -> StoreResult<i64> {
    let f = &w.fields;
    let settled = f.status.is_settled().then(|| ms(now));
    match w.id {
        None => tx
            .int(
                "INSERT INTO action_items (incident_id, title, description, owner_id, team, due_on, priority, \
                 status, wont_do_reason, tracker_url, from_postmortem, created_by, version, created_at, \
                 updated_at, settled_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1, $13, $13, $14) \
                 RETURNING id",
                &[
                    Arg::I(incident_id),
                    Arg::S(&f.title),
                    Arg::S(&f.description),
                    Arg::OI(f.owner_id),
                    Arg::OS(f.team.as_deref()),
                    Arg::OS(f.due_on.as_deref()),
                    Arg::S(&f.priority),
                    Arg::S(f.status.as_str()),
                    Arg::OS(f.wont_do_reason.as_deref()),
                    Arg::OS(f.tracker_url.as_deref()),
                    Arg::I(i64::from(f.from_postmortem)),
                    Arg::OI(w.by),
                    Arg::I(ms(now)),
                    Arg::OI(settled),
                ],
            )
            .await?
            .ok_or_else(|| StoreError::Other("no id for the action item".into())),
        Some(id) => {
            let n = tx
                .exec(
                    "UPDATE action_items SET title = $1, description = $2, owner_id = $3, team = $4, due_on = $5, \
                     priority = $6, status = $7, wont_do_reason = $8, tracker_url = $9, from_postmortem = $10, \
                     version = version + 1, updated_at = $11, \
                     settled_at = CASE WHEN $12 = 1 THEN COALESCE(settled_at, $11) ELSE NULL END \
                     WHERE id = $13 AND incident_id = $14 AND version = $15",
                    &[
                        Arg::S(&f.title),
                        Arg::S(&f.description),
                        Arg::OI(f.owner_id),
                        Arg::OS(f.team.as_deref()),
                        Arg::OS(f.due_on.as_deref()),
                        Arg::S(&f.priority),
                        Arg::S(f.status.as_str()),
                        Arg::OS(f.wont_do_reason.as_deref()),
                        Arg::OS(f.tracker_url.as_deref()),
                        Arg::I(i64::from(f.from_postmortem)),
                        Arg::I(ms(now)),
                        Arg::I(i64::from(f.status.is_settled())),
                        Arg::I(id),
                        Arg::I(incident_id),
                        Arg::I(w.version),
                    ],
                )
                .await?;
            if n == 0 {
                return Err(StoreError::Conflict(format!(
                    "action item {id} was changed by someone else since version {}; reload it and try again",
                    w.version
                )));
            }
            Ok(id)
        }
    }
}

impl Store {
    /// One action item of an incident.
    pub async fn action_item(
        &self,
        incident_id: i64,
        id: i64,
        today: jiff::civil::Date,
    ) -> StoreResult<ActionItem> {
        let sql = format!(
            "SELECT {COLUMNS} FROM action_items a LEFT JOIN users u ON u.id = a.owner_id \
             WHERE a.id = $1 AND a.incident_id = $2"
        );
        self.read_rows(&sql, &[Arg::I(id), Arg::I(incident_id)])
            .await?
            .first()
            .ok_or_else(|| StoreError::NotFound(format!("action item {id} of INC-{incident_id}")))
            .and_then(|r| from_row(r, today))
    }

    /// Action items matching `filter`, most urgent due date first, of incidents `visible`
    /// (the caller's visibility rule, as incident ids; `None` for all).
    pub async fn action_items(
        &self,
        filter: &ItemFilter,
        today: jiff::civil::Date,
    ) -> StoreResult<Vec<ActionItem>> {
        let today_s = today.to_string();
        // Statuses are a closed set of fixed words, so they are spelled into the SQL.
        let statuses = match filter.statuses.as_slice() {
            [] => String::new(),
            s => format!(
                "AND a.status IN ({})",
                s.iter()
                    .map(|x| format!("'{}'", x.as_str()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM action_items a LEFT JOIN users u ON u.id = a.owner_id \
             WHERE ($1 = 0 OR a.incident_id = $2) AND ($3 = 0 OR a.owner_id = $4) \
             AND ($5 = 0 OR a.team = $6) \
             AND ($7 = 0 OR EXISTS (SELECT 1 FROM incident_services s WHERE s.incident_id = a.incident_id AND s.service = $8)) \
             AND ($9 = 0 OR (a.due_on < $10 AND a.status IN ('open', 'in_progress'))) {statuses} \
             ORDER BY CASE WHEN a.due_on IS NULL THEN 1 ELSE 0 END, a.due_on, a.id"
        );
        let rows = self
            .read_rows(
                &sql,
                &[
                    Arg::I(i64::from(filter.incident_id.is_some())),
                    Arg::I(filter.incident_id.unwrap_or(0)),
                    Arg::I(i64::from(filter.owner_id.is_some())),
                    Arg::I(filter.owner_id.unwrap_or(0)),
                    Arg::I(i64::from(filter.team.is_some())),
                    Arg::S(filter.team.as_deref().unwrap_or("")),
                    Arg::I(i64::from(filter.service.is_some())),
                    Arg::S(filter.service.as_deref().unwrap_or("")),
                    Arg::I(i64::from(filter.overdue_on.is_some())),
                    Arg::S(
                        filter
                            .overdue_on
                            .map(|d| d.to_string())
                            .as_deref()
                            .unwrap_or(&today_s),
                    ),
                ],
            )
            .await?;
        rows.iter().map(|r| from_row(r, today)).collect()
    }
}
