//! `GET /api/v1/incidents/export`: every incident the caller may see that matches the list
//! filters, as CSV (default) or newline-delimited JSON, with its metrics. Private incidents
//! follow the same visibility rule as everywhere else.
//!
//! The metrics carry their definitions (issue 9, part 8): each CSV metric column's header says
//! how it is measured (`time_to_detect_seconds (detected − started)`), and a last column names
//! the contradictions that left a metric empty; an NDJSON line has a `metrics` field, the same
//! object as `GET /incidents/{reference}/metrics` answers, whose fields the OpenAPI document
//! and `docs/metrics.md` define.

use crate::actions::incident::key_timestamps;
use crate::auth::Actor;
use crate::header_value::{Disposition, content_disposition};
use crate::request::QueryPairs;
use crate::request::parse_filter;
use crate::{AppError, AppState};
use axum::Router;
use axum::extract::State;
use axum::http::HeaderValue;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use debrief_core::incident::Incident;
use debrief_core::incident_insights::csv_cell as cell;
use debrief_core::metrics::{self, DEFINITIONS, IncidentMetrics};
use debrief_core::timeline::TimelineEvent;
use debrief_core::validation::ValidationError;
use debrief_store::incident::IncidentFilter;

/// At most this many incidents per export (narrow the filters for more).
const MAX_ROWS: usize = 100_000;

/// The export route.
pub fn router() -> Router<AppState> {
    Router::new().route("/incidents/export", get(export_incidents))
}

/// The CSV header: the incident's columns, then each metric with how it is measured, then the
/// contradictions.
fn csv_header() -> String {
    let mut cells: Vec<String> = [
        "reference",
        "title",
        "severity",
        "status",
        "type",
        "services",
        "customer_impact",
        "private",
        "started_at",
        "declared_at",
        "commander",
    ]
    .iter()
    .map(|c| c.to_string())
    .collect();
    cells.extend(
        DEFINITIONS
            .iter()
            .map(|d| format!("{} ({})", d.metric, d.how_measured)),
    );
    cells.push("metric_contradictions".into());
    cells.iter().map(|c| cell(c)).collect::<Vec<_>>().join(",")
}

fn csv_row(i: &Incident, m: &IncidentMetrics) -> String {
    let commander = i
        .roles
        .iter()
        .find(|r| r.role == "commander")
        .map(|r| r.user_email.as_str())
        .unwrap_or("");
    [
        i.reference.clone(),
        i.title.clone(),
        i.severity.clone(),
        i.status.as_str().to_string(),
        i.incident_type.clone(),
        i.services.join(" "),
        i.customer_impact.to_string(),
        i.private.to_string(),
        i.started_at
            .map(debrief_core::format_utc)
            .unwrap_or_default(),
        debrief_core::format_utc(i.declared_at),
        commander.to_string(),
    ]
    .into_iter()
    .chain(
        DEFINITIONS
            .iter()
            .map(|d| m.value(d.metric).map(|v| v.to_string()).unwrap_or_default()),
    )
    .chain([m
        .contradictions
        .iter()
        .map(|c| format!("{}: {}", c.metric, c.message))
        .collect::<Vec<_>>()
        .join("; ")])
    .map(|c| cell(&c))
    .collect::<Vec<_>>()
    .join(",")
}

/// The metrics of a page of incidents, from their timelines read in one go.
async fn page_metrics(
    state: &AppState,
    page: Vec<Incident>,
) -> Result<Vec<(Incident, IncidentMetrics)>, AppError> {
    let ids: Vec<i64> = page.iter().map(|i| i.id).collect();
    let mut by_incident: std::collections::HashMap<String, Vec<TimelineEvent>> =
        std::collections::HashMap::new();
    for e in state.store.key_time_events(&ids).await? {
        by_incident.entry(e.incident.clone()).or_default().push(e);
    }
    Ok(page
        .into_iter()
        .map(|i| {
            let events = by_incident.remove(&i.reference).unwrap_or_default();
            let m = metrics::compute(&key_timestamps(&i, &events), &i.services);
            (i, m)
        })
        .collect())
}

async fn export_incidents(
    State(state): State<AppState>,
    actor: Actor,
    QueryPairs(mut pairs): QueryPairs,
) -> Result<Response, AppError> {
    let format = match pairs.iter().position(|(k, _)| k == "format") {
        Some(i) => pairs.remove(i).1,
        None => "csv".into(),
    };
    if format != "csv" && format != "ndjson" {
        return Err(ValidationError::one("format", "must be csv or ndjson").into());
    }
    pairs.retain(|(k, _)| k != "limit" && k != "cursor");
    let filter = parse_filter(&pairs)?;
    let mut all = Vec::new();
    let mut before = None;
    loop {
        let page = state
            .store
            .list_incidents(
                &IncidentFilter {
                    limit: 1000,
                    before,
                    ..filter.clone()
                },
                actor.viewer(),
            )
            .await?;
        let done = page.len() < 1000;
        before = page.last().map(|i| i.id);
        all.extend(page_metrics(&state, page).await?);
        if done || all.len() >= MAX_ROWS {
            break;
        }
    }
    all.truncate(MAX_ROWS);
    // Custom fields: a column `cf.<key>` each (a multi-select's values joined by "; ").
    let defs = state.store.list_custom_fields().await?;
    let ids: Vec<i64> = all.iter().map(|(i, _)| i.id).collect();
    let mut values = state.store.custom_values(&ids).await?;
    let (content_type, name, body) = if format == "csv" {
        let mut out = csv_header();
        for d in &defs {
            out.push(',');
            out.push_str(&cell(&format!("cf.{}", d.key)));
        }
        out.push_str("\r\n");
        for (i, m) in &all {
            out.push_str(&csv_row(i, m));
            let mine = values.remove(&i.id).unwrap_or_default();
            for d in &defs {
                out.push(',');
                out.push_str(&cell(
                    &mine.get(&d.key).map(|v| v.join("; ")).unwrap_or_default(),
                ));
            }
            out.push_str("\r\n");
        }
        ("text/csv; charset=utf-8", "incidents.csv", out)
    } else {
        let mut out = String::new();
        let mut custom = crate::actions::incident::custom_fields_json(&state, &ids).await?;
        for (i, m) in &all {
            let mut line = serde_json::to_value(i).map_err(AppError::internal)?;
            line["metrics"] = serde_json::to_value(m).map_err(AppError::internal)?;
            line["custom_fields"] = custom.remove(&i.id).unwrap_or_default();
            out.push_str(&line.to_string());
            out.push('\n');
        }
        ("application/x-ndjson", "incidents.ndjson", out)
    };
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CONTENT_DISPOSITION,
                content_disposition(Disposition::Attachment, name),
            ),
        ],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::{cell, csv_header};

    #[test]
    fn csv_cells_are_quoted_and_formulas_defused() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=HYPERLINK(1)"), "'=HYPERLINK(1)");
    }

    #[test]
    fn the_header_says_how_each_metric_is_measured() {
        let h = csv_header();
        assert!(h.starts_with("reference,title,severity,status,"), "{h}");
        assert!(
            h.contains(",time_to_resolve_seconds (resolved − started),"),
            "{h}"
        );
        assert!(h.ends_with(",metric_contradictions"), "{h}");
    }
}
