//! Listing and counting incidents with filters, newest first, one page at a time.

use crate::incident::{INCIDENT_COLUMNS, IncidentRow, VISIBLE};
use crate::write::Arg;
use crate::{Store, StoreResult, ms};
use debrief_core::Timestamp;
use debrief_core::access::Viewer;
use debrief_core::incident::Incident;
use debrief_core::status::Status;

/// Filters for listing incidents; every field narrows the list.
#[derive(Debug, Clone, Default)]
pub struct IncidentFilter {
    /// Any of these statuses.
    pub statuses: Vec<Status>,
    /// Any of these severities.
    pub severities: Vec<String>,
    /// Affecting this service.
    pub service: Option<String>,
    /// Title or summary contains this text (case-insensitive).
    pub text: Option<String>,
    /// Declared at or after.
    pub declared_from: Option<Timestamp>,
    /// Declared before.
    pub declared_to: Option<Timestamp>,
    /// Only private (`Some(true)`) or only public (`Some(false)`) incidents.
    pub private: Option<bool>,
    /// Cursor: only incidents with a lower number (the list is newest first).
    pub before: Option<i64>,
    /// Page size.
    pub limit: i64,
    /// Custom field values it has: `(key, value)`, each required (`cf.region=eu`).
    pub custom: Vec<(String, String)>,
}

enum Bind {
    I(i64),
    S(String),
}

impl Bind {
    fn arg(&self) -> Arg<'_> {
        match self {
            Bind::I(v) => Arg::I(*v),
            Bind::S(v) => Arg::S(v),
        }
    }
}

fn like_pattern(text: &str) -> String {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

impl Store {
    /// Lists incidents the viewer may see, newest first, one page at a time.
    pub async fn list_incidents(
        &self,
        f: &IncidentFilter,
        viewer: Viewer,
    ) -> StoreResult<Vec<Incident>> {
        let (clause, binds) = filter_clause(f, viewer);
        let args: Vec<Arg<'_>> = binds.iter().map(Bind::arg).collect();
        let limit = f.limit.clamp(1, 1000);
        // One statement: each row carries its roles (`incidents.roles`).
        let sql = format!(
            "SELECT {INCIDENT_COLUMNS} FROM incidents i WHERE {clause} ORDER BY i.id DESC LIMIT {limit}"
        );
        self.read_rows(&sql, &args)
            .await?
            .iter()
            .map(|r| Ok(IncidentRow::try_from(r)?.into()))
            .collect()
    }

    /// Counts the incidents the viewer may see that match the filter, by status.
    pub async fn count_incidents(
        &self,
        f: &IncidentFilter,
        viewer: Viewer,
    ) -> StoreResult<Vec<(Status, i64)>> {
        let (clause, binds) = filter_clause(
            &IncidentFilter {
                before: None,
                ..f.clone()
            },
            viewer,
        );
        let sql = format!(
            "SELECT i.status, COUNT(*) AS n FROM incidents i WHERE {clause} GROUP BY i.status"
        );
        let args: Vec<Arg<'_>> = binds.iter().map(Bind::arg).collect();
        let rows = self.read_rows(&sql, &args).await?;
        rows.iter()
            .map(|r| Ok((r.parse("status")?, r.get("n")?)))
            .collect()
    }
}

fn filter_clause(f: &IncidentFilter, viewer: Viewer) -> (String, Vec<Bind>) {
    let mut binds = vec![Bind::I(viewer.user_id), Bind::I(i64::from(viewer.sees_all))];
    let mut clauses = vec![VISIBLE.to_string()];
    let param = |binds: &mut Vec<Bind>, b: Bind| {
        binds.push(b);
        format!("${}", binds.len())
    };
    if !f.statuses.is_empty() {
        let ps: Vec<String> = f
            .statuses
            .iter()
            .map(|s| param(&mut binds, Bind::S(s.as_str().into())))
            .collect();
        clauses.push(format!("i.status IN ({})", ps.join(", ")));
    }
    if !f.severities.is_empty() {
        let ps: Vec<String> = f
            .severities
            .iter()
            .map(|s| param(&mut binds, Bind::S(s.clone())))
            .collect();
        clauses.push(format!("i.severity IN ({})", ps.join(", ")));
    }
    if let Some(s) = &f.service {
        let p = param(&mut binds, Bind::S(s.clone()));
        clauses.push(format!(
            "EXISTS (SELECT 1 FROM incident_services s WHERE s.incident_id = i.id AND s.service = {p})"
        ));
    }
    for (field, value) in &f.custom {
        let pf = param(&mut binds, Bind::S(field.clone()));
        let pv = param(&mut binds, Bind::S(value.clone()));
        clauses.push(format!(
            "EXISTS (SELECT 1 FROM incident_field_values v WHERE v.incident_id = i.id \
             AND v.field = {pf} AND v.value = {pv})"
        ));
    }
    if let Some(t) = &f.text {
        let p = param(&mut binds, Bind::S(like_pattern(t)));
        clauses.push(format!("i.search LIKE {p} ESCAPE '\\'"));
    }
    if let Some(t) = f.declared_from {
        let p = param(&mut binds, Bind::I(ms(t)));
        clauses.push(format!("i.declared_at >= {p}"));
    }
    if let Some(t) = f.declared_to {
        let p = param(&mut binds, Bind::I(ms(t)));
        clauses.push(format!("i.declared_at < {p}"));
    }
    if let Some(private) = f.private {
        // A literal, not a parameter (it is 0 or 1): both databases then see that the partial
        // index of private incidents (`incidents_private_id`) applies.
        clauses.push(format!("i.private = {}", i64::from(private)));
    }
    if let Some(b) = f.before {
        let p = param(&mut binds, Bind::I(b));
        clauses.push(format!("i.id < {p}"));
    }
    (clauses.join(" AND "), binds)
}
