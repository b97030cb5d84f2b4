//! `GET /metrics` and the middleware that counts requests for it (see [`crate::prom`]).

use crate::auth::{Actor, constant_time_eq};
use crate::prom::{BUCKETS, esc};
use crate::{AppError, AppState};
use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use debrief_core::access::AccountRole;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Instant;

/// The middleware counting each routed request (layered with `route_layer`, so the route is
/// the pattern, `/api/v1/incidents/{reference}`, never the raw path).
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string());
    let method = req.method().as_str().to_string();
    let started = Instant::now();
    let res = next.run(req).await;
    state.metrics.observe(
        &method,
        &route,
        res.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    res
}

/// `GET /metrics`.
pub async fn endpoint(State(state): State<AppState>, req: Request) -> Result<Response, AppError> {
    let (mut parts, _) = req.into_parts();
    let bearer = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let by_token = matches!(
        (state.config.metrics_token.as_deref(), bearer),
        (Some(want), Some(got)) if constant_time_eq(want, got)
    );
    if !by_token {
        let actor = Actor::from_request_parts(&mut parts, &state).await?;
        actor.require(AccountRole::Admin)?;
    }
    let body = render(&state).await?;
    let mut res = body.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    Ok(res)
}

/// The exposition text.
async fn render(state: &AppState) -> Result<String, AppError> {
    let now = state.clock.now();
    let jobs = state.store.job_counts(now).await?;
    let open = state.store.open_incidents_by_severity().await?;
    let mut out = String::new();
    let m = &state.metrics;

    header_of(
        &mut out,
        "debrief_http_requests_total",
        "counter",
        "HTTP requests answered, by method, route pattern and status.",
    );
    if let Ok(r) = m.requests.lock() {
        for ((method, route, status), n) in r.iter() {
            let _ = writeln!(
                out,
                "debrief_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                esc(method),
                esc(route)
            );
        }
    }
    header_of(
        &mut out,
        "debrief_http_request_duration_seconds",
        "histogram",
        "Time to answer HTTP requests, by method and route pattern.",
    );
    if let Ok(d) = m.durations.lock() {
        for ((method, route), h) in d.iter() {
            let labels = format!("method=\"{}\",route=\"{}\"", esc(method), esc(route));
            for (bound, n) in BUCKETS.iter().zip(h.buckets) {
                let _ = writeln!(
                    out,
                    "debrief_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "debrief_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "debrief_http_request_duration_seconds_sum{{{labels}}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "debrief_http_request_duration_seconds_count{{{labels}}} {}",
                h.count
            );
        }
    }
    header_of(
        &mut out,
        "debrief_alerts_received_total",
        "counter",
        "Alert events received by this server, by integration kind.",
    );
    if let Ok(a) = m.alerts.lock() {
        for (kind, n) in a.iter() {
            let _ = writeln!(
                out,
                "debrief_alerts_received_total{{kind=\"{}\"}} {n}",
                esc(kind)
            );
        }
    }
    header_of(
        &mut out,
        "debrief_jobs",
        "gauge",
        "Jobs not done yet, by kind and status (queued, running, failed, dead).",
    );
    for j in &jobs {
        let _ = writeln!(
            out,
            "debrief_jobs{{kind=\"{}\",status=\"{}\"}} {}",
            esc(&j.kind),
            esc(&j.status),
            j.count
        );
    }
    header_of(
        &mut out,
        "debrief_jobs_oldest_due_age_seconds",
        "gauge",
        "How long the oldest due job of each kind has waited to run (0: none waits).",
    );
    let mut ages: BTreeMap<&str, f64> = BTreeMap::new();
    for j in &jobs {
        let age = j.oldest_due.map_or(0.0, |t| {
            (now.as_millisecond() - t.as_millisecond()).max(0) as f64 / 1000.0
        });
        let e = ages.entry(j.kind.as_str()).or_insert(0.0);
        *e = e.max(age);
    }
    for (kind, age) in &ages {
        let _ = writeln!(
            out,
            "debrief_jobs_oldest_due_age_seconds{{kind=\"{}\"}} {age}",
            esc(kind)
        );
    }
    header_of(
        &mut out,
        "debrief_deliveries_failed",
        "gauge",
        "Deliveries (webhooks, e-mail, chat, push) that failed: to be retried (failed) or given up (dead).",
    );
    for j in jobs
        .iter()
        .filter(|j| j.status == "failed" || j.status == "dead")
    {
        let _ = writeln!(
            out,
            "debrief_deliveries_failed{{kind=\"{}\",status=\"{}\"}} {}",
            esc(&j.kind),
            esc(&j.status),
            j.count
        );
    }
    header_of(
        &mut out,
        "debrief_open_incidents",
        "gauge",
        "Incidents not yet resolved, by severity (private ones included).",
    );
    for (severity, n) in &open {
        let _ = writeln!(
            out,
            "debrief_open_incidents{{severity=\"{}\"}} {n}",
            esc(severity)
        );
    }
    Ok(out)
}

fn header_of(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}
