//! The incident insights page (issue 15, part 4): a chart per section of
//! `GET /api/v1/insights/incidents`, each with its numbers (a table in `<details>`, the same
//! table the CSV has) and a link to the section's CSV, for a period, bucket, team, service and
//! zone chosen in a form (the zone, unless chosen, is the viewer's own setting, else UTC).

use super::chart::{self, Bar, Frame, Series};
use super::session::{UiActor, UiError, urlencode};
use crate::AppState;
use crate::actions::incident_insights as act;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use debrief_core::incident_insights::{
    IncidentInsights, Mttx, PlaceRow, TrendBucket, table, weekday_short,
};
use debrief_core::learning::BucketSize;
use debrief_core::validation::Problem;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/insights/incidents", get(page))
}

/// One section: its charts, its numbers and the link to its CSV.
struct Section {
    id: &'static str,
    heading: &'static str,
    charts: Vec<String>,
    csv: String,
    head: Vec<String>,
    rows: Vec<Vec<String>>,
}

#[derive(Template, WebTemplate)]
#[template(path = "insights_incidents.html")]
struct Page {
    user: String,
    csrf: String,
    from: String,
    to: String,
    team: String,
    service: String,
    tz: String,
    tz_given: bool,
    utc_link: String,
    bucket: &'static str,
    teams: Vec<String>,
    services: Vec<String>,
    errors: Vec<String>,
    incidents: Option<usize>,
    sections: Vec<Section>,
}

const COLORS: [&str; 8] = [
    "#2563eb", "#dc2626", "#d97706", "#16a34a", "#7c3aed", "#0891b2", "#db2777", "#4b5563",
];

async fn page(
    State(state): State<AppState>,
    actor: UiActor,
    Query(mut pairs): Query<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    // Without a zone asked for, the busiest hours are in the viewer's own zone (their
    // setting), with a link to UTC; UTC when they have none.
    if super::insights::given(&pairs, "tz").is_empty()
        && let Some(zone) = state.store.profile(actor.0.user.id).await?.time_zone
    {
        pairs.retain(|(k, _)| k != "tz");
        pairs.push(("tz".into(), zone));
    }
    let teams = state.store.list_teams().await?;
    let services = state.store.list_services().await?;
    let given = |name: &str| super::insights::given(&pairs, name);
    let mut page = Page {
        user: actor.0.user.name.clone(),
        csrf: actor.csrf(),
        from: given("from"),
        to: given("to"),
        team: given("team"),
        service: given("service"),
        tz: given("tz"),
        tz_given: !given("tz").is_empty(),
        utc_link: String::new(),
        bucket: super::insights::bucket(&given("bucket")),
        teams: teams.into_iter().map(|t| t.slug).collect(),
        services: services.into_iter().map(|s| s.slug).collect(),
        errors: Vec::new(),
        incidents: None,
        sections: Vec::new(),
    };
    let q = match act::parse_query(&state, &pairs).await {
        Ok(q) => q,
        Err(crate::AppError::Validation(v)) => {
            page.errors = super::insights::error_lines(&v);
            let status = if v.fields.iter().all(|f| f.problem == Problem::Missing) {
                StatusCode::NOT_FOUND
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            return Ok((status, page).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    let r = act::incident_report(&state, &actor.0, &q).await?;
    page.from = r.from.to_string();
    page.to = r.to.to_string();
    page.tz = r.tz.clone();
    let query = |tz: &str| {
        let mut p = vec![
            ("from", r.from.to_string()),
            ("to", r.to.to_string()),
            ("bucket", r.bucket.as_str().to_string()),
            ("tz", tz.to_string()),
        ];
        p.extend(r.team.clone().map(|t| ("team", t)));
        p.extend(r.service.clone().map(|s| ("service", s)));
        p.iter()
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect::<Vec<_>>()
            .join("&")
    };
    page.utc_link = format!("/insights/incidents?{}", query("UTC"));
    let query = query(&r.tz);
    page.incidents = Some(r.incidents);
    page.sections = sections(&r, &query);
    Ok(page.into_response())
}

fn x_label(b: BucketSize) -> &'static str {
    match b {
        BucketSize::Week => "Week of declaration (starting)",
        BucketSize::Month => "Month of declaration",
    }
}

fn bucket_names(r: &IncidentInsights) -> Vec<String> {
    let format = match r.bucket {
        BucketSize::Week => "%b %d",
        BucketSize::Month => "%b %Y",
    };
    r.trends
        .iter()
        .map(|b| b.start.strftime(format).to_string())
        .collect()
}

fn minutes(v: Option<f64>) -> Option<f64> {
    v.map(|s| s / 60.0)
}

/// The MTTx lines of one statistic (median or p90), in minutes.
fn trend_chart(r: &IncidentInsights, labels: &[&str], p90: bool) -> String {
    let stat = |m: &Mttx| minutes(if p90 { m.p90_seconds } else { m.median_seconds });
    let per = |f: fn(&TrendBucket) -> &Mttx| r.trends.iter().map(|b| stat(f(b))).collect();
    let (id, title) = if p90 {
        ("chart-mttx-p90", "90th percentile times, minutes")
    } else {
        ("chart-mttx-median", "Median times, minutes")
    };
    chart::lines(
        &Frame {
            id,
            title,
            desc: "Time to detect, acknowledge, mitigate and resolve of the incidents declared in each bucket; gaps where no incident had the metric.",
            x_label: x_label(r.bucket),
            y_label: "Minutes",
        },
        labels,
        &[
            Series {
                name: "MTTD",
                color: COLORS[0],
                values: per(|b| &b.mttd),
            },
            Series {
                name: "MTTA",
                color: COLORS[1],
                values: per(|b| &b.mtta),
            },
            Series {
                name: "MTTM",
                color: COLORS[2],
                values: per(|b| &b.mttm),
            },
            Series {
                name: "MTTR",
                color: COLORS[3],
                values: per(|b| &b.mttr),
            },
        ],
    )
}

fn place_charts(id: &'static str, what: &str, rows: &[PlaceRow]) -> Vec<String> {
    let names: Vec<&str> = rows.iter().map(|p| p.name.as_str()).collect();
    let bars = |f: fn(&PlaceRow) -> f64| -> Vec<Bar<'_>> {
        rows.iter()
            .zip(&names)
            .enumerate()
            .map(|(k, (p, n))| Bar {
                label: n,
                color: COLORS[k % COLORS.len()],
                value: f(p),
            })
            .collect()
    };
    let incidents_title = format!("Incidents by {}", what.to_lowercase());
    let downtime_title = format!("Downtime by {}, minutes", what.to_lowercase());
    let (a, b) = (format!("{id}-incidents"), format!("{id}-downtime"));
    vec![
        chart::bars(
            &Frame {
                id: &a,
                title: &incidents_title,
                desc: "Incidents declared in the period affecting each; an incident affecting several counts for each.",
                x_label: what,
                y_label: "Incidents",
            },
            &bars(|p| p.incidents as f64),
        ),
        chart::bars(
            &Frame {
                id: &b,
                title: &downtime_title,
                desc: "Minutes from the start of impact to mitigation (or resolution), summed over the incidents.",
                x_label: what,
                y_label: "Minutes",
            },
            &bars(|p| p.downtime_minutes),
        ),
    ]
}

fn section(
    r: &IncidentInsights,
    query: &str,
    id: &'static str,
    heading: &'static str,
    charts: Vec<String>,
) -> Section {
    let (head, rows) = table(r, id).unwrap_or_default();
    Section {
        id,
        heading,
        charts,
        csv: format!("/api/v1/insights/incidents/{id}.csv?{query}"),
        head,
        rows,
    }
}

/// Every section's charts and numbers.
fn sections(r: &IncidentInsights, query: &str) -> Vec<Section> {
    let names = bucket_names(r);
    let labels: Vec<&str> = names.iter().map(String::as_str).collect();
    let x = x_label(r.bucket);
    let stacked = |id, title, desc, y_label, series: &[Series<'_>]| {
        chart::stacked_bars(
            &Frame {
                id,
                title,
                desc,
                x_label: x,
                y_label,
            },
            &labels,
            series,
        )
    };
    let count_series = |name, k: usize, values: Vec<usize>| Series {
        name,
        color: COLORS[k % COLORS.len()],
        values: values.into_iter().map(|v| Some(v as f64)).collect(),
    };
    let severity: Vec<Series<'_>> = r
        .severities
        .iter()
        .enumerate()
        .map(|(k, s)| {
            count_series(
                s.as_str(),
                k,
                r.severity_mix
                    .iter()
                    .map(|b| b.counts.get(s).copied().unwrap_or(0))
                    .collect(),
            )
        })
        .collect();
    let items = &r.action_items;
    let item_series = [
        count_series(
            "Done on time",
            3,
            items.iter().map(|b| b.done_on_time).collect(),
        ),
        count_series("Done late", 2, items.iter().map(|b| b.done_late).collect()),
        count_series("Overdue", 1, items.iter().map(|b| b.overdue).collect()),
        count_series("Open", 0, items.iter().map(|b| b.open).collect()),
        count_series("Won't do", 7, items.iter().map(|b| b.wont_do).collect()),
    ];
    let repeat_series = [
        count_series("Repeats", 1, r.repeats.iter().map(|b| b.repeated).collect()),
        count_series(
            "Others",
            7,
            r.repeats.iter().map(|b| b.incidents - b.repeated).collect(),
        ),
    ];
    let days: Vec<&str> = (1..=7).map(weekday_short).collect();
    let hour_names: Vec<String> = (0..24).map(|h| format!("{h:02}")).collect();
    let hours: Vec<&str> = hour_names.iter().map(String::as_str).collect();
    let grid: Vec<Vec<f64>> = (1..=7)
        .map(|d| {
            r.busiest_hours
                .iter()
                .filter(|c| c.weekday == d)
                .map(|c| c.incidents as f64)
                .collect()
        })
        .collect();
    let hours_title = format!("Incidents declared by weekday and hour ({})", r.tz);
    let people: Vec<&str> = r.responders.iter().map(|p| p.name.as_str()).collect();
    let responder_series = [
        Series {
            name: "In hours",
            color: COLORS[0],
            values: r
                .responders
                .iter()
                .map(|p| Some((p.pages_received - p.out_of_hours_pages) as f64))
                .collect(),
        },
        Series {
            name: "Out of hours",
            color: COLORS[1],
            values: r
                .responders
                .iter()
                .map(|p| Some(p.out_of_hours_pages as f64))
                .collect(),
        },
    ];
    let hours_bars: Vec<Bar<'_>> = r
        .responders
        .iter()
        .zip(&people)
        .map(|(p, n)| Bar {
            label: n,
            color: COLORS[4],
            value: (p.hours_on_incidents * 10.0).round() / 10.0,
        })
        .collect();
    vec![
        section(
            r,
            query,
            "trends",
            "Time to detect, acknowledge, mitigate and resolve",
            vec![
                trend_chart(r, &labels, false),
                trend_chart(r, &labels, true),
            ],
        ),
        section(
            r,
            query,
            "severity",
            "Severity mix",
            vec![stacked(
                "chart-severity",
                "Incidents by severity",
                "Incidents declared in each bucket, by their severity now.",
                "Incidents",
                &severity,
            )],
        ),
        section(
            r,
            query,
            "services",
            "By service",
            place_charts("chart-services", "Service", &r.services),
        ),
        section(
            r,
            query,
            "teams",
            "By team",
            place_charts("chart-teams", "Team", &r.teams),
        ),
        section(
            r,
            query,
            "hours",
            "Busiest hours",
            vec![chart::heatmap(
                &Frame {
                    id: "chart-hours",
                    title: &hours_title,
                    desc: "How many incidents were declared in each hour of each weekday of the period.",
                    x_label: "Hour of day",
                    y_label: "Incidents",
                },
                &days,
                &hours,
                &grid,
            )],
        ),
        section(
            r,
            query,
            "responders",
            "Responder load",
            vec![
                chart::stacked_bars(
                    &Frame {
                        id: "chart-pages",
                        title: "Pages received per person",
                        desc: "Pages that notified each person in the period, in and out of working hours.",
                        x_label: "Person",
                        y_label: "Pages",
                    },
                    &people,
                    &responder_series,
                ),
                chart::bars(
                    &Frame {
                        id: "chart-incident-hours",
                        title: "Hours on incidents per person",
                        desc: "Hours from declaration to resolution of the incidents each person holds a role in, within the period.",
                        x_label: "Person",
                        y_label: "Hours",
                    },
                    &hours_bars,
                ),
            ],
        ),
        section(
            r,
            query,
            "action_items",
            "Action item follow-through",
            vec![stacked(
                "chart-items",
                "Action items by state, by week or month of creation",
                "Action items created in each bucket, by their state today.",
                "Action items",
                &item_series,
            )],
        ),
        section(
            r,
            query,
            "repeats",
            "Repeat incidents",
            vec![stacked(
                "chart-repeats",
                "Repeat incidents",
                "Incidents declared in each bucket whose postmortem decision marks them as repeats.",
                "Incidents",
                &repeat_series,
            )],
        ),
    ]
}
