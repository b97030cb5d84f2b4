//! `GET /api/v1/incidents/export`: every incident the caller may see that matches the list
//! filters, as CSV (default) or newline-delimited JSON. Private incidents follow the same
//! visibility rule as everywhere else.

use super::incidents::parse_filter;
use super::input::QueryPairs;
use crate::auth::Actor;
use crate::header_value::{Disposition, content_disposition};
use crate::{AppError, AppState};
use axum::Router;
use axum::extract::State;
use axum::http::HeaderValue;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use debrief_core::incident::Incident;
use debrief_core::validation::ValidationError;
use debrief_store::incident::IncidentFilter;

/// At most this many incidents per export (narrow the filters for more).
const MAX_ROWS: usize = 100_000;

/// The export route.
pub fn router() -> Router<AppState> {
    Router::new().route("/incidents/export", get(export_incidents))
}

/// Quotes a CSV cell, and defuses cells a spreadsheet would run as a formula.
fn cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn csv_row(i: &Incident) -> String {
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
    .iter()
    .map(|c| cell(c))
    .collect::<Vec<_>>()
    .join(",")
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
        all.extend(page);
        if done || all.len() >= MAX_ROWS {
            break;
        }
    }
    all.truncate(MAX_ROWS);
    let (content_type, name, body) = if format == "csv" {
        let mut out = String::from(
            "reference,title,severity,status,type,services,customer_impact,private,started_at,declared_at,commander\r\n",
        );
        for i in &all {
            out.push_str(&csv_row(i));
            out.push_str("\r\n");
        }
        ("text/csv; charset=utf-8", "incidents.csv", out)
    } else {
        let mut out = String::new();
        for i in &all {
            out.push_str(&serde_json::to_string(i).map_err(AppError::internal)?);
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
    use super::cell;

    #[test]
    fn csv_cells_are_quoted_and_formulas_defused() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=HYPERLINK(1)"), "'=HYPERLINK(1)");
    }
}
