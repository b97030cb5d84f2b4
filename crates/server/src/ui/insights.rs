//! The insights page: the learning metrics (issue requirement 9) as headline numbers and SVG
//! charts, for a period and team chosen in a form. The numbers are those of
//! `GET /api/v1/insights/learning` with the same parameters.

use super::chart::{self, Bar, Frame, Series};
use super::session::{UiActor, UiError};
use crate::AppState;
use crate::actions::insights;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use debrief_core::learning::{BucketSize, Counts, LearningReport};

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/insights", get(page))
}

/// A chart with its heading.
struct Chart {
    heading: &'static str,
    svg: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "insights.html")]
struct Page {
    user: String,
    csrf: String,
    from: String,
    to: String,
    team: String,
    bucket: &'static str,
    teams: Vec<String>,
    errors: Vec<String>,
    totals: Option<Counts>,
    draft_hours: String,
    publication_hours: String,
    charts: Vec<Chart>,
}

/// A median and a 90th percentile of hours as text: `12h 00m / 1d 0h`.
fn hours(median: Option<f64>, p90: Option<f64>) -> String {
    use debrief_core::duration::hours_or_dash;
    format!("{} / {}", hours_or_dash(median), hours_or_dash(p90))
}

async fn page(
    State(state): State<AppState>,
    actor: UiActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let teams = state
        .store
        .list_teams()
        .await?
        .into_iter()
        .map(|t| t.slug)
        .collect();
    let given = |name: &str| given(&pairs, name);
    let mut page = Page {
        user: actor.0.user.name.clone(),
        csrf: actor.csrf(),
        from: given("from"),
        to: given("to"),
        team: given("team"),
        bucket: bucket(&given("bucket")),
        teams,
        errors: Vec::new(),
        totals: None,
        draft_hours: String::new(),
        publication_hours: String::new(),
        charts: Vec::new(),
    };
    let q = match insights::parse_query(&state, &pairs).await {
        Ok(q) => q,
        Err(crate::AppError::Validation(v)) => {
            page.errors = error_lines(&v);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    let report = insights::learning(&state, &actor.0, &q).await?;
    page.from = report.from.to_string();
    page.to = report.to.to_string();
    page.charts = charts(&report);
    let c = &report.totals;
    page.draft_hours = hours(c.median_hours_to_draft, c.p90_hours_to_draft);
    page.publication_hours = hours(c.median_hours_to_publication, c.p90_hours_to_publication);
    page.totals = Some(report.totals);
    Ok(page.into_response())
}

/// Each refused parameter as `field: message`.
pub(super) fn error_lines(v: &debrief_core::validation::ValidationError) -> Vec<String> {
    v.fields
        .iter()
        .map(|f| format!("{}: {}", f.field, f.message))
        .collect()
}

/// The bucket the form shows as chosen: `week` when asked for, else `month`.
pub(super) fn bucket(given: &str) -> &'static str {
    if given == "week" { "week" } else { "month" }
}

/// A query parameter's trimmed value, or "" when absent.
pub(super) fn given(pairs: &[(String, String)], name: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default()
}

/// The three charts of a report.
fn charts(r: &LearningReport) -> Vec<Chart> {
    let format = match r.bucket {
        BucketSize::Week => "%b %d",
        BucketSize::Month => "%b %Y",
    };
    let names: Vec<String> = r
        .by_bucket
        .iter()
        .map(|b| b.start.strftime(format).to_string())
        .collect();
    let labels: Vec<&str> = names.iter().map(String::as_str).collect();
    let x_label = match r.bucket {
        BucketSize::Week => "Week of resolution (starting)",
        BucketSize::Month => "Month of resolution",
    };
    let per = |f: fn(&Counts) -> Option<f64>| r.by_bucket.iter().map(|b| f(&b.counts)).collect();
    let series = |name, color, f: fn(&Counts) -> usize| Series {
        name,
        color,
        values: per_count(r, f),
    };
    let postmortems = chart::stacked_bars(
        &Frame {
            id: "chart-postmortems",
            title: "Required postmortems by outcome",
            desc: "Postmortems owed for the incidents resolved in each bucket: published by the deadline, published late, missing past the deadline, and still pending.",
            x_label,
            y_label: "Postmortems",
        },
        &labels,
        &[
            series("On time", "#16a34a", |c| c.on_time),
            series("Late", "#d97706", |c| c.late),
            series("Missing", "#dc2626", |c| c.missing),
            series("Pending", "#9ca3af", |c| c.pending),
        ],
    );
    let hours = chart::lines(
        &Frame {
            id: "chart-hours",
            title: "Hours from resolution to publication",
            desc: "Median and 90th percentile of the hours from an incident's resolution to its postmortem's publication, per bucket; gaps where nothing was published.",
            x_label,
            y_label: "Hours",
        },
        &labels,
        &[
            Series {
                name: "Median",
                color: "#2563eb",
                values: per(|c| c.median_hours_to_publication),
            },
            Series {
                name: "90th percentile",
                color: "#7c3aed",
                values: per(|c| c.p90_hours_to_publication),
            },
        ],
    );
    let a = &r.totals.action_items;
    let items = chart::bars(
        &Frame {
            id: "chart-items",
            title: "Action items by state",
            desc: "The action items of the incidents resolved in the period, by state today.",
            x_label: "State",
            y_label: "Action items",
        },
        &[
            bar("Done on time", "#16a34a", a.done_on_time),
            bar("Done late", "#d97706", a.done_late),
            bar("Overdue", "#dc2626", a.overdue),
            bar("Open", "#2563eb", a.open),
            bar("Won't do", "#9ca3af", a.wont_do),
        ],
    );
    vec![
        Chart {
            heading: "Postmortems",
            svg: postmortems,
        },
        Chart {
            heading: "Time to publication",
            svg: hours,
        },
        Chart {
            heading: "Action items",
            svg: items,
        },
    ]
}

fn per_count(r: &LearningReport, f: fn(&Counts) -> usize) -> Vec<Option<f64>> {
    r.by_bucket
        .iter()
        .map(|b| Some(f(&b.counts) as f64))
        .collect()
}

fn bar(label: &'static str, color: &'static str, n: usize) -> Bar<'static> {
    Bar {
        label,
        color,
        value: n as f64,
    }
}
