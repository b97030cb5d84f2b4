//! `GET /api/v1/search`: full-text search over incidents, timeline events, postmortems and
//! action items, ranked, with highlighted snippets, over what the caller may see.
//!
//! `q` (required, at least one word), `kind` (`incident`, `timeline`, `postmortem`,
//! `action_item`; repeated or comma-separated), `limit` (1 to 100, default 20), `offset`.
//! The answer is `{ "total": n, "capped": false, "results": [...] }` (`capped`: there are more
//! than `total`, which is then 1,000, and only the newest 1,000 matches were ranked); a snippet's `highlights` are `[start, end)`
//! ranges in characters (Unicode scalar values) of its plain `text`.

use crate::actions::search;
use crate::auth::Actor;
use crate::request::QueryPairs;
use crate::{AppError, AppState};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use debrief_core::search::{SearchKind, Snippet};
use debrief_store::search::SearchHit;
use serde::Serialize;

/// The search route.
pub fn router() -> Router<AppState> {
    Router::new().route("/search", get(get_search))
}

#[derive(Serialize)]
struct Answer {
    total: i64,
    /// More matches than `total` (the newest 1,000 were ranked).
    capped: bool,
    results: Vec<Hit>,
}

#[derive(Serialize)]
struct Hit {
    kind: SearchKind,
    /// The event's or action item's id; the incident number for an incident or a postmortem.
    id: i64,
    incident: IncidentSummary,
    snippet: Snippet,
    rank: i64,
    url: String,
}

#[derive(Serialize)]
struct IncidentSummary {
    reference: String,
    number: i64,
    title: String,
    status: &'static str,
    severity: String,
    private: bool,
}

impl From<SearchHit> for Hit {
    fn from(h: SearchHit) -> Self {
        Hit {
            kind: h.kind,
            id: h.item_id,
            url: search::link(h.kind, h.incident_id),
            incident: IncidentSummary {
                reference: format!("INC-{}", h.incident_id),
                number: h.incident_id,
                title: h.incident_title,
                status: h.status.as_str(),
                severity: h.severity,
                private: h.private,
            },
            snippet: h.snippet,
            rank: h.score,
        }
    }
}

async fn get_search(
    State(state): State<AppState>,
    actor: Actor,
    QueryPairs(pairs): QueryPairs,
) -> Result<Json<Answer>, AppError> {
    let Some(req) = search::parse(&pairs)? else {
        return Ok(Json(Answer {
            total: 0,
            capped: false,
            results: Vec::new(),
        }));
    };
    let page = search::search(&state, &actor, &req).await?;
    Ok(Json(Answer {
        total: page.total,
        capped: page.capped,
        results: page.hits.into_iter().map(Hit::from).collect(),
    }))
}
