//! Custom field definitions (`custom_fields`).

use crate::read::Row;
use crate::write::{Arg, WriteTx};
use crate::{Store, StoreError, StoreResult};
use debrief_core::custom_field::{CustomField, FieldValues};
use std::collections::HashMap;

const COLUMNS: &str = "key, label, description, kind, options, required, position, archived";

fn custom_field_from(r: &Row) -> StoreResult<CustomField> {
    Ok(CustomField {
        key: r.get("key")?,
        label: r.get("label")?,
        description: r.get("description")?,
        kind: r.parse("kind")?,
        options: r.json("options")?,
        required: r.get::<i64>("required")? != 0,
        position: r.get("position")?,
        archived: r.get::<i64>("archived")? != 0,
    })
}

impl Store {
    /// Every custom field, archived ones last, then by position and key.
    pub async fn list_custom_fields(&self) -> StoreResult<Vec<CustomField>> {
        self.read_rows(
            &format!("SELECT {COLUMNS} FROM custom_fields ORDER BY archived, position, key"),
            &[],
        )
        .await?
        .iter()
        .map(custom_field_from)
        .collect()
    }

    /// One custom field.
    pub async fn custom_field(&self, key: &str) -> StoreResult<CustomField> {
        self.read_row(
            &format!("SELECT {COLUMNS} FROM custom_fields WHERE key = $1"),
            &[Arg::S(key)],
        )
        .await?
        .map(|r| custom_field_from(&r))
        .transpose()?
        .ok_or_else(|| StoreError::NotFound(format!("custom field '{key}'")))
    }

    /// Adds a custom field; a taken key is a `Conflict`.
    pub async fn create_custom_field(&self, f: &CustomField) -> StoreResult<CustomField> {
        let mut tx = self.begin_write().await?;
        let options = serde_json::to_string(&f.options).expect("strings serialize");
        tx.exec(
            "INSERT INTO custom_fields (key, label, description, kind, options, required, position, archived) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                Arg::S(&f.key),
                Arg::S(&f.label),
                Arg::S(&f.description),
                Arg::S(f.kind.as_str()),
                Arg::S(&options),
                Arg::I(i64::from(f.required)),
                Arg::I(f.position),
                Arg::I(i64::from(f.archived)),
            ],
        )
        .await
        .map_err(|e| {
            crate::catalog::conflict_as(e, format!("custom field '{}' already exists", f.key))
        })?;
        tx.commit().await?;
        Ok(f.clone())
    }

    /// Replaces a custom field's label, description, options, flags and order.
    pub async fn update_custom_field(&self, f: &CustomField) -> StoreResult<CustomField> {
        let mut tx = self.begin_write().await?;
        let options = serde_json::to_string(&f.options).expect("strings serialize");
        let n = tx
            .exec(
                "UPDATE custom_fields SET label = $1, description = $2, options = $3, required = $4, \
                 position = $5, archived = $6 WHERE key = $7",
                &[
                    Arg::S(&f.label),
                    Arg::S(&f.description),
                    Arg::S(&options),
                    Arg::I(i64::from(f.required)),
                    Arg::I(f.position),
                    Arg::I(i64::from(f.archived)),
                    Arg::S(&f.key),
                ],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("custom field '{}'", f.key)));
        }
        tx.commit().await?;
        Ok(f.clone())
    }

    /// Deletes a custom field no incident has a value of (a `Conflict` saying how many do:
    /// archive it instead).
    pub async fn delete_custom_field(&self, key: &str) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let used = tx
            .int(
                "SELECT COUNT(DISTINCT incident_id) AS n FROM incident_field_values WHERE field = $1",
                &[Arg::S(key)],
            )
            .await?
            .unwrap_or(0);
        if used > 0 {
            return Err(StoreError::Conflict(format!(
                "{used} incident(s) have a value of custom field '{key}'; archive it instead"
            )));
        }
        let n = tx
            .exec("DELETE FROM custom_fields WHERE key = $1", &[Arg::S(key)])
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("custom field '{key}'")));
        }
        tx.commit().await
    }
}

impl Store {
    /// The custom field values of the incidents `ids`, by incident.
    pub async fn custom_values(&self, ids: &[i64]) -> StoreResult<HashMap<i64, FieldValues>> {
        let mut out: HashMap<i64, FieldValues> = HashMap::new();
        // In slices, so that a page of the list or an export stays under the drivers' limits.
        for chunk in ids.chunks(500) {
            let list = chunk
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "SELECT incident_id, field, value FROM incident_field_values \
                 WHERE incident_id IN ({list}) ORDER BY incident_id, field, value"
            );
            for r in self.read_rows(&sql, &[]).await? {
                out.entry(r.get("incident_id")?)
                    .or_default()
                    .entry(r.get("field")?)
                    .or_default()
                    .push(r.get("value")?);
            }
        }
        Ok(out)
    }
}

/// Replaces incident `incident_id`'s values of the fields in `values` (an empty list clears
/// one), in the open transaction `tx`: written with the incident change or declaration that
/// carries them ([`crate::incident::IncidentWrite::custom_values`]), never on their own.
pub(crate) async fn write_values(
    tx: &mut WriteTx,
    incident_id: i64,
    values: &FieldValues,
) -> StoreResult<()> {
    for (field, list) in values {
        tx.exec(
            "DELETE FROM incident_field_values WHERE incident_id = $1 AND field = $2",
            &[Arg::I(incident_id), Arg::S(field)],
        )
        .await?;
        for v in list {
            tx.exec(
                "INSERT INTO incident_field_values (incident_id, field, value) VALUES ($1, $2, $3) \
                 ON CONFLICT (incident_id, field, value) DO NOTHING",
                &[Arg::I(incident_id), Arg::S(field), Arg::S(v)],
            )
            .await?;
        }
    }
    Ok(())
}

/// A new incident's values as the JSON array of `{field, value}` rows that PostgreSQL's
/// declaration statement inserts ([`crate::postgres::DECLARE_INCIDENT`], `$18`).
pub(crate) fn values_json(values: &FieldValues) -> String {
    let rows: Vec<serde_json::Value> = values
        .iter()
        .flat_map(|(field, list)| {
            list.iter()
                .map(move |v| serde_json::json!({"field": field, "value": v}))
        })
        .collect();
    serde_json::Value::Array(rows).to_string()
}
