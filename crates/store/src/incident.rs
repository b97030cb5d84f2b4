//! Declaring, reading, listing and changing incidents.
//!
//! A change is written by [`Store::apply`]: the incident's new state (guarded by the version the
//! caller read), its roles and participants, and the timeline events the change caused, in one
//! transaction. A stale version is a [`StoreError::Conflict`], so concurrent edits never lose an
//! update: the caller re-reads and decides again.

use crate::group_commit::Declaration;
use crate::read::Row;
use crate::timeline::{EventDraft, insert_event, insert_event_row};
use crate::write::{Arg, WriteTx};
use crate::{Store, StoreError, StoreResult, ms};
use debrief_core::Timestamp;
use debrief_core::access::Viewer;
use debrief_core::custom_field::FieldValues;
use debrief_core::incident::{Incident, RoleAssignment};
use debrief_core::status::Status;
use debrief_core::timeline::TimelineEvent;

/// The visibility rule for private incidents, with the viewer's id as `$1` and admin flag as `$2`.
///
/// The participant test is a scalar subquery, not `EXISTS`: PostgreSQL turns an `EXISTS` under
/// `OR` into a hashed subplan that reads every participation of the viewer on every list, while
/// a scalar subquery is one index probe per candidate row.
pub use crate::list::IncidentFilter;

pub(crate) const VISIBLE: &str = "(i.private = 0 OR $2 = 1 OR (SELECT 1 FROM incident_participants p \
     WHERE p.incident_id = i.id AND p.user_id = $1) = 1)";

/// [`VISIBLE`] for a row that carries its incident's private flag itself (`private`) and the
/// incident's id (`incident`), so it needs no join to `incidents`: PostgreSQL's search documents.
pub(crate) fn visible_on(private: &str, incident: &str) -> String {
    VISIBLE
        .replace("i.private", private)
        .replace("i.id", incident)
}

pub(crate) const INCIDENT_COLUMNS: &str = "i.id, i.title, i.summary, i.severity, i.status, i.incident_type, i.services, \
     i.customer_impact, i.private, i.started_at, i.declared_at, i.declared_by, i.merged_into, i.version, i.updated_at, i.roles";

/// An incident as stored, read from the columns of [`INCIDENT_COLUMNS`] by name.
pub(crate) struct IncidentRow(pub(crate) Incident);

impl TryFrom<&Row> for IncidentRow {
    type Error = StoreError;

    fn try_from(r: &Row) -> StoreResult<Self> {
        let id = r.get::<i64>("id")?;
        Ok(IncidentRow(Incident {
            reference: format!("INC-{id}"),
            id,
            title: r.get("title")?,
            summary: r.opt("summary")?,
            severity: r.get("severity")?,
            status: r.parse::<Status>("status")?,
            incident_type: r.get("incident_type")?,
            services: r.json("services")?,
            customer_impact: r.get("customer_impact")?,
            private: r.get("private")?,
            started_at: r.opt_time("started_at")?,
            declared_at: r.time("declared_at")?,
            declared_by: r.opt("declared_by")?,
            merged_into: r.opt::<i64>("merged_into")?.map(|m| format!("INC-{m}")),
            version: r.get("version")?,
            updated_at: r.time("updated_at")?,
            roles: r
                .json::<Vec<(String, i64, String, String)>>("roles")?
                .into_iter()
                .map(|(role, user_id, user_name, user_email)| RoleAssignment {
                    role,
                    user_id,
                    user_name,
                    user_email,
                })
                .collect(),
        }))
    }
}

/// An incident's roles as its row keeps them in `incidents.roles`: a JSON array of
/// `[role, user id, name, email]`, by role name. The row's copy is what the incident list and
/// the incident read (one row per incident, no join); `incident_roles` stays the record that
/// is written first and that the copy is rebuilt from ([`refresh_roles`]). A change to a
/// user's name or email must rewrite the copies that hold them.
pub(crate) fn roles_json(roles: &[RoleAssignment]) -> String {
    let mut sorted: Vec<&RoleAssignment> = roles.iter().collect();
    sorted.sort_by(|a, b| a.role.cmp(&b.role));
    serde_json::Value::Array(
        sorted
            .into_iter()
            .map(|r| serde_json::json!([r.role, r.user_id, r.user_name, r.user_email]))
            .collect(),
    )
    .to_string()
}

/// Rebuilds incident `id`'s copy of its roles (`incidents.roles`) from `incident_roles`, in the
/// transaction that changed them.
async fn refresh_roles(tx: &mut WriteTx, id: i64) -> StoreResult<()> {
    let roles = tx
        .rows(
            "SELECT r.role, r.user_id, u.name, u.email FROM incident_roles r \
             JOIN users u ON u.id = r.user_id WHERE r.incident_id = $1",
            &[Arg::I(id)],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(RoleAssignment {
                role: r.get("role")?,
                user_id: r.get("user_id")?,
                user_name: r.get("name")?,
                user_email: r.get("email")?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    tx.exec(
        "UPDATE incidents SET roles = $1 WHERE id = $2",
        &[Arg::S(&roles_json(&roles)), Arg::I(id)],
    )
    .await?;
    Ok(())
}

impl From<IncidentRow> for Incident {
    fn from(r: IncidentRow) -> Self {
        r.0
    }
}

/// A role change to write with an incident change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleOp {
    /// Give the role to a user (handing it over if someone held it).
    Assign {
        /// Role name.
        role: String,
        /// New holder.
        user_id: i64,
    },
    /// Leave the role unheld.
    Release {
        /// Role name.
        role: String,
    },
}

/// One incident's part of a change: its new state and what comes with it.
#[derive(Debug, Clone)]
pub struct IncidentWrite {
    /// The incident's new state; `version` is the version the decision was based on.
    pub incident: Incident,
    /// Whether `incident.services` changed (the service index is rewritten).
    pub services_changed: bool,
    /// Role changes.
    pub roles: Vec<RoleOp>,
    /// Users who become participants.
    pub participants: Vec<i64>,
    /// Timeline events the change caused.
    pub events: Vec<EventDraft>,
    /// The incident's postmortem after the change, when it changed.
    pub postmortem: Option<debrief_core::postmortem::Postmortem>,
    /// Reviews given with the change.
    pub reviews: Vec<crate::postmortem::NewReview>,
    /// Action items created or changed.
    pub items: Vec<crate::action_item::ItemWrite>,
    /// Updates published on status pages.
    pub page_updates: Vec<crate::status_page::PageUpdateWrite>,
    /// Jobs the change causes (committed with it).
    pub jobs: Vec<crate::jobs::NewJob>,
    /// Custom field values that change (an empty list clears one); the event naming them is
    /// among `events`.
    pub custom_values: FieldValues,
}

impl IncidentWrite {
    /// A write of `incident` as it is, with no side effects yet.
    pub fn new(incident: Incident) -> Self {
        Self {
            incident,
            services_changed: false,
            roles: Vec::new(),
            participants: Vec::new(),
            events: Vec::new(),
            postmortem: None,
            reviews: Vec::new(),
            items: Vec::new(),
            page_updates: Vec::new(),
            jobs: Vec::new(),
            custom_values: FieldValues::new(),
        }
    }
}

/// A new incident to store.
#[derive(Debug, Clone)]
pub struct NewIncident {
    /// Title.
    pub title: String,
    /// Summary.
    pub summary: Option<String>,
    /// Severity key (must exist).
    pub severity: String,
    /// Initial status.
    pub status: Status,
    /// Type slug.
    pub incident_type: String,
    /// Service slugs (must exist).
    pub services: Vec<String>,
    /// Customer impact.
    pub customer_impact: bool,
    /// Private.
    pub private: bool,
    /// Back-dated start of impact.
    pub started_at: Option<Timestamp>,
    /// Declaring user.
    pub declared_by: Option<i64>,
}

pub(crate) fn search_text(title: &str, summary: Option<&str>) -> String {
    format!("{}\n{}", title, summary.unwrap_or("")).to_lowercase()
}

impl Store {
    /// Declares an incident: takes the next `INC-` number and writes the incident, its services,
    /// its declarer as participant and commander, its custom field values, and its `declared`
    /// (and `role_change`, and the values' `incident_update`) events, in one transaction.
    pub async fn declare_incident(
        &self,
        new: &NewIncident,
        declared_event: EventDraft,
        commander: Option<(RoleAssignment, EventDraft)>,
        custom: Option<(FieldValues, EventDraft)>,
        now: Timestamp,
    ) -> StoreResult<(Incident, Vec<TimelineEvent>)> {
        let roles: Vec<RoleAssignment> = commander.iter().map(|(a, _)| a.clone()).collect();
        let d = Declaration {
            services: serde_json::to_string(&new.services).expect("strings serialize"),
            search: search_text(&new.title, new.summary.as_deref()),
            roles: roles_json(&roles),
            new: new.clone(),
            declared_event,
            commander,
            custom,
            now,
        };
        let (id, events) = match self.backend() {
            crate::Backend::Postgres => self.declare_pg(&d).await?,
            crate::Backend::Sqlite => self.declare_lite(d).await?,
        };
        // Everything about the new incident is known: answer without reading it back.
        let incident = Incident {
            reference: format!("INC-{id}"),
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
            roles,
        };
        Ok((incident, events))
    }

    /// PostgreSQL: the whole declaration is one statement ([`crate::postgres::DECLARE_INCIDENT`]),
    /// one round trip, atomic on its own; its number comes from a sequence, which holds no lock
    /// until commit.
    async fn declare_pg(&self, d: &Declaration) -> StoreResult<(i64, Vec<TimelineEvent>)> {
        let (new, declared_event, services, search) =
            (&d.new, &d.declared_event, &d.services, &d.search);
        let (commander, now) = (d.commander.as_ref(), d.now);
        let mut drafts = vec![declared_event];
        drafts.extend(commander.map(|(_, ev)| ev));
        drafts.extend(d.custom.as_ref().map(|(_, ev)| ev));
        let values = d.custom.as_ref().map(|(v, _)| v);
        let second = commander
            .map(|(a, _)| a.user_id)
            .filter(|u| Some(*u) != new.declared_by);
        let rows: Vec<(i64, i64)> = sqlx::query_as(crate::postgres::DECLARE_INCIDENT)
            .bind(&new.title)
            .bind(new.summary.as_deref())
            .bind(&new.severity)
            .bind(new.status.as_str())
            .bind(&new.incident_type)
            .bind(services)
            .bind(i64::from(new.customer_impact))
            .bind(i64::from(new.private))
            .bind(new.started_at.map(ms))
            .bind(ms(now))
            .bind(new.declared_by)
            .bind(search)
            .bind(second)
            .bind(commander.map(|(a, _)| a.role.as_str()))
            .bind(commander.map(|(a, _)| a.user_id))
            .bind(crate::timeline::events_json(&drafts))
            .bind(&d.roles)
            .bind(crate::custom_field::values_json(
                values.unwrap_or(&FieldValues::new()),
            ))
            .fetch_all(self.pg()?)
            .await?;
        let id = rows
            .first()
            .map(|r| r.0)
            .ok_or_else(|| StoreError::Other("the declaration returned no row".into()))?;
        if rows.len() != drafts.len() {
            return Err(StoreError::Other(
                format!("{} events written of {}", rows.len(), drafts.len()).into(),
            ));
        }
        let events = rows
            .iter()
            .zip(drafts)
            .map(|((_, event_id), e)| crate::timeline::written(id, *event_id, e))
            .collect();
        Ok((id, events))
    }

    /// SQLite: written by the declarations' group commit ([`crate::group_commit`]), with the
    /// declarations that arrive meanwhile, in one transaction.
    async fn declare_lite(&self, d: Declaration) -> StoreResult<(i64, Vec<TimelineEvent>)> {
        let crate::Db::Sqlite {
            declarations,
            writer,
            ..
        } = &self.db
        else {
            return Err(StoreError::Other(
                "a SQLite declaration was sent to PostgreSQL".into(),
            ));
        };
        declarations.write(writer, d).await
    }

    /// Writes a change to one or more incidents, each guarded by its version, in one transaction.
    pub async fn apply(
        &self,
        writes: &[IncidentWrite],
        now: Timestamp,
    ) -> StoreResult<Vec<TimelineEvent>> {
        let mut tx = self.begin_write().await?;
        let mut events = Vec::new();
        for w in writes {
            let i = &w.incident;
            let services = serde_json::to_string(&i.services).expect("strings serialize");
            let search = search_text(&i.title, i.summary.as_deref());
            let merged_into = i
                .merged_into
                .as_deref()
                .and_then(|r| r.trim_start_matches("INC-").parse::<i64>().ok());
            let n = tx
                .exec(
                    "UPDATE incidents SET title = $1, summary = $2, severity = $3, status = $4, incident_type = $5, \
                     services = $6, customer_impact = $7, private = $8, merged_into = $9, search = $10, \
                     version = version + 1, updated_at = $11 WHERE id = $12 AND version = $13",
                    &[
                        Arg::S(&i.title),
                        Arg::OS(i.summary.as_deref()),
                        Arg::S(&i.severity),
                        Arg::S(i.status.as_str()),
                        Arg::S(&i.incident_type),
                        Arg::S(&services),
                        Arg::I(i64::from(i.customer_impact)),
                        Arg::I(i64::from(i.private)),
                        Arg::OI(merged_into),
                        Arg::S(&search),
                        Arg::I(ms(now)),
                        Arg::I(i.id),
                        Arg::I(i.version),
                    ],
                )
                .await?;
            if n == 0 {
                return Err(StoreError::Conflict(format!(
                    "{} was changed by someone else since version {}; reload it and try again",
                    i.reference, i.version
                )));
            }
            if w.services_changed {
                tx.exec(
                    "DELETE FROM incident_services WHERE incident_id = $1",
                    &[Arg::I(i.id)],
                )
                .await?;
                for s in &i.services {
                    tx.exec(
                        "INSERT INTO incident_services (incident_id, service) VALUES ($1, $2)",
                        &[Arg::I(i.id), Arg::S(s)],
                    )
                    .await?;
                }
            }
            for op in &w.roles {
                set_role(&mut tx, i.id, op, now).await?;
            }
            if !w.roles.is_empty() {
                refresh_roles(&mut tx, i.id).await?;
            }
            for user in &w.participants {
                crate::participant::add_participant(&mut tx, i.id, *user).await?;
            }
            if let Some(p) = &w.postmortem {
                crate::postmortem::write_postmortem(&mut tx, p, &w.reviews, now).await?;
            }
            for item in &w.items {
                let id = crate::action_item::write_item(&mut tx, i.id, item, now).await?;
                if let Some(ev) = &item.event {
                    let mut ev = ev.clone();
                    ev.body = ev.body.replace("#{id}", &format!("#{id}"));
                    if let Some(data) = ev.data.as_object_mut() {
                        data.insert("item_id".into(), id.into());
                    }
                    events.push(insert_event(&mut tx, i.id, &ev).await?);
                }
            }
            if i.private {
                // A published incident that is (or became) private leaves its pages: their
                // snapshots are rebuilt when their `updated_at` moves.
                tx.exec(
                    "UPDATE status_pages SET updated_at = $1 WHERE id IN \
                     (SELECT page_id FROM page_incidents WHERE incident_id = $2)",
                    &[Arg::I(ms(now)), Arg::I(i.id)],
                )
                .await?;
            }
            for u in &w.page_updates {
                crate::status_page::write_update(&mut tx, i.id, u).await?;
            }
            for job in &w.jobs {
                crate::jobs::enqueue_in(&mut tx, job, now).await?;
            }
            crate::custom_field::write_values(&mut tx, i.id, &w.custom_values).await?;
            for ev in &w.events {
                events.push(insert_event(&mut tx, i.id, ev).await?);
            }
        }
        tx.commit().await?;
        Ok(events)
    }

    /// An incident the viewer may see, with its roles; `NotFound` when it does not exist or is
    /// private to others (so its existence does not leak).
    pub async fn incident(&self, id: i64, viewer: Viewer) -> StoreResult<Incident> {
        let sql =
            format!("SELECT {INCIDENT_COLUMNS} FROM incidents i WHERE i.id = $3 AND {VISIBLE}");
        let rows = self
            .read_keyed(
                &sql,
                &[
                    Arg::I(viewer.user_id),
                    Arg::I(i64::from(viewer.sees_all)),
                    Arg::I(id),
                ],
            )
            .await?;
        let row = rows
            .first()
            .ok_or_else(|| StoreError::NotFound(format!("INC-{id}")))?;
        Ok(IncidentRow::try_from(row)?.into())
    }

    /// Whether an incident the viewer may see is private; `NotFound` when it does not exist or
    /// is private to others. Cheaper than [`Store::incident`] when only access matters.
    pub async fn incident_private(&self, id: i64, viewer: Viewer) -> StoreResult<bool> {
        let sql = format!("SELECT i.private FROM incidents i WHERE i.id = $3 AND {VISIBLE}");
        let rows = self
            .read_keyed(
                &sql,
                &[
                    Arg::I(viewer.user_id),
                    Arg::I(i64::from(viewer.sees_all)),
                    Arg::I(id),
                ],
            )
            .await?;
        rows.first()
            .ok_or_else(|| StoreError::NotFound(format!("INC-{id}")))?
            .get("private")
    }
}

async fn set_role(tx: &mut WriteTx, id: i64, op: &RoleOp, now: Timestamp) -> StoreResult<()> {
    match op {
        RoleOp::Assign { role, user_id } => {
            tx.exec(
                "INSERT INTO incident_roles (incident_id, role, user_id, assigned_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (incident_id, role) DO UPDATE SET user_id = excluded.user_id, assigned_at = excluded.assigned_at",
                &[Arg::I(id), Arg::S(role), Arg::I(*user_id), Arg::I(ms(now))],
            )
            .await?;
            crate::participant::add_participant(tx, id, *user_id).await?;
        }
        RoleOp::Release { role } => {
            tx.exec(
                "DELETE FROM incident_roles WHERE incident_id = $1 AND role = $2",
                &[Arg::I(id), Arg::S(role)],
            )
            .await?;
        }
    }
    Ok(())
}

/// SQLite: a declaration's statements, one per row, in the open transaction `tx` (each takes
/// microseconds); the number comes from a counter row under the write lock, so without gaps.
pub(crate) async fn declare_in(
    tx: &mut WriteTx,
    d: &Declaration,
) -> StoreResult<(i64, Vec<TimelineEvent>)> {
    let (new, declared_event, services, search) =
        (&d.new, &d.declared_event, &d.services, &d.search);
    let (commander, now) = (d.commander.as_ref(), d.now);
    let id = tx
        .int(crate::sqlite::NEXT_INCIDENT_NUMBER, &[])
        .await?
        .ok_or_else(|| StoreError::Other("the incident counter is missing".into()))?;
    tx.exec(
        "INSERT INTO incidents (id, title, summary, severity, status, incident_type, services, customer_impact, \
         private, started_at, declared_at, declared_by, merged_into, version, updated_at, search, roles) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL, 1, $11, $13, $14)",
        &[
            Arg::I(id),
            Arg::S(&new.title),
            Arg::OS(new.summary.as_deref()),
            Arg::S(&new.severity),
            Arg::S(new.status.as_str()),
            Arg::S(&new.incident_type),
            Arg::S(services),
            Arg::I(i64::from(new.customer_impact)),
            Arg::I(i64::from(new.private)),
            Arg::OI(new.started_at.map(ms)),
            Arg::I(ms(now)),
            Arg::OI(new.declared_by),
            Arg::S(search),
            Arg::S(&d.roles),
        ],
    )
    .await?;
    for s in &new.services {
        tx.exec(
            "INSERT INTO incident_services (incident_id, service) VALUES ($1, $2)",
            &[Arg::I(id), Arg::S(s)],
        )
        .await?;
    }
    // A new incident has no participants yet: add each person once, then write the events
    // without re-adding their authors.
    let mut people: Vec<i64> = new.declared_by.into_iter().collect();
    people.extend(
        commander
            .as_ref()
            .map(|(a, _)| a.user_id)
            .filter(|u| Some(*u) != new.declared_by),
    );
    for user in &people {
        crate::participant::add_participant(tx, id, *user).await?;
    }
    let mut events = vec![insert_event_row(tx, id, declared_event).await?];
    if let Some((assignment, ev)) = commander {
        tx.exec(
            "INSERT INTO incident_roles (incident_id, role, user_id, assigned_at) VALUES ($1, $2, $3, $4)",
            &[Arg::I(id), Arg::S(&assignment.role), Arg::I(assignment.user_id), Arg::I(ms(now))],
        )
        .await?;
        events.push(insert_event_row(tx, id, ev).await?);
    }
    if let Some((values, ev)) = &d.custom {
        crate::custom_field::write_values(tx, id, values).await?;
        events.push(insert_event_row(tx, id, ev).await?);
    }
    Ok((id, events))
}
