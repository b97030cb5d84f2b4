//! Postmortems, action items, templates, the working calendar and the blameless check.

use super::incidents::channel;
use crate::actions::postmortem::items::{self, BoardQuery};
use crate::actions::postmortem::view::{PostmortemView, postmortem_view};
use crate::actions::postmortem::{
    self as act, EditInput, ReasonInput, ReviewInput, StepInput, export,
};
use crate::auth::Actor;
use crate::header_value::{Disposition, content_disposition};
use crate::request::RefPath;
use crate::request::{ApiJson, ApiQuery, by_version_source, if_match};
use crate::{AppError, AppState};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use debrief_core::access::AccountRole;
use debrief_core::action_item::{ActionItem, ItemInput};
use debrief_core::deadline::{CalendarError, WorkCalendar};
use debrief_core::postmortem::{PmStatus, Template};
use debrief_core::validation::ValidationError;
use serde_json::{Value, json};

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/incidents/{reference}/postmortem",
            get(get_postmortem).patch(edit_postmortem),
        )
        .route("/incidents/{reference}/postmortem/request", post(request))
        .route("/incidents/{reference}/postmortem/waive", post(waive))
        .route("/incidents/{reference}/postmortem/steps", post(step))
        .route("/incidents/{reference}/postmortem/reviews", post(review))
        .route("/incidents/{reference}/postmortem/export", get(export_doc))
        .route(
            "/incidents/{reference}/attachments",
            get(list_attachments)
                .post(upload)
                .layer(DefaultBodyLimit::max(MAX_ATTACHMENT + 1)),
        )
        .route("/incidents/{reference}/attachments/{id}", get(download))
        .route(
            "/incidents/{reference}/action-items",
            get(incident_items).post(create_item),
        )
        .route(
            "/incidents/{reference}/action-items/{id}",
            get(get_item).patch(update_item),
        )
        .route("/action-items", get(board))
        .route("/postmortems", get(list_postmortems))
        .route("/postmortem-templates", get(list_templates))
        .route(
            "/postmortem-templates/{key}",
            put(put_template).delete(delete_template),
        )
        .route("/calendar", get(get_calendar).put(put_calendar))
        .route("/blameless-check", post(blameless_check))
}

fn pm_response(v: PostmortemView) -> Response {
    let mut res = Json(&v).into_response();
    if let Ok(h) = HeaderValue::from_str(&format!("\"{}\"", v.record.version)) {
        res.headers_mut().insert(header::ETAG, h);
    }
    res
}

async fn get_postmortem(
    State(state): State<AppState>,
    actor: Actor,
    RefPath(r): RefPath,
) -> Result<Response, AppError> {
    Ok(pm_response(postmortem_view(&state, &actor, r).await?))
}

async fn edit_postmortem(
    State(state): State<AppState>,
    actor: Actor,
    RefPath(r): RefPath,
    headers: HeaderMap,
    ApiJson(mut input): ApiJson<EditInput>,
) -> Result<Response, AppError> {
    if let Some(v) = if_match(&headers)? {
        input.version = Some(v);
    }
    Ok(pm_response(by_version_source(
        &headers,
        act::edit(&state, &actor, r, &input, channel(&headers)).await,
    )?))
}

async fn request(
    State(state): State<AppState>,
    actor: Actor,
    RefPath(r): RefPath,
    headers: HeaderMap,
    ApiJson(input): ApiJson<ReasonInput>,
) -> Result<Response, AppError> {
    Ok(pm_response(
        act::request(&state, &actor, r, &input, channel(&headers)).await?,
    ))
}

async fn waive(
    State(state): State<AppState>,
    actor: Actor,
    RefPath(r): RefPath,
    headers: HeaderMap,
    ApiJson(input): ApiJson<ReasonInput>,
) -> Result<Response, AppError> {
    Ok(pm_response(
        act::waive(&state, &actor, r, &input, channel(&headers)).await?,
    ))
}

async fn step(
    State(state): State<AppState>,
    actor: Actor,
    RefPath(r): RefPath,
    headers: HeaderMap,
    ApiJson(mut input): ApiJson<StepInput>,
) -> Result<Response, AppError> {
    if let Some(v) = if_match(&headers)? {
        input.version = Some(v);
    }
    Ok(pm_response(by_version_source(
        &headers,
        act::step(&state, &actor, r, &input, channel(&headers)).await,
    )?))
}

async fn review(
    State(state): State<AppState>,
    actor: Actor,
    RefPath(r): RefPath,
    headers: HeaderMap,
    ApiJson(input): ApiJson<ReviewInput>,
) -> Result<Response, AppError> {
    Ok(pm_response(
        act::review(&state, &actor, r, &input, channel(&headers)).await?,
    ))
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportQuery {
    format: Option<String>,
}

async fn export_doc(
    State(state): State<AppState>,
    actor: Actor,
    RefPath(r): RefPath,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> Result<Response, AppError> {
    let v = postmortem_view(&state, &actor, r).await?;
    if !v.record.status.has_document() {
        return Err(AppError::NotFound(format!("postmortem of {}", v.incident)));
    }
    let name = format!("{}-postmortem", v.incident);
    let (body, ctype, ext) = match q.format.as_deref().unwrap_or("md") {
        "md" | "markdown" => (
            export::to_markdown(&v),
            "text/markdown; charset=utf-8",
            "md",
        ),
        "html" => (export::to_html(&v), "text/html; charset=utf-8", "html"),
        other => {
            return Err(ValidationError::one(
                "format",
                format!("unknown format '{other}' (use md or html)"),
            )
            .into());
        }
    };
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(ctype)),
            (
                header::CONTENT_DISPOSITION,
                content_disposition(Disposition::Inline, &format!("{name}.{ext}")),
            ),
        ],
        body,
    )
        .into_response())
}

/// The largest attachment accepted.
const MAX_ATTACHMENT: usize = 10 * 1024 * 1024;

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct UploadQuery {
    filename: Option<String>,
}

async fn upload(
    State(state): State<AppState>,
    actor: Actor,
    RefPath(r): RefPath,
    ApiQuery(q): ApiQuery<UploadQuery>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    actor.require(AccountRole::Responder)?;
    // A body over the limit is a field error like every other, not axum's plain-text 413.
    let body = body.map_err(|r| match r.status() {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::from(ValidationError::one(
            "body",
            "the file is larger than 10 MiB",
        )),
        _ => AppError::BadRequest(r.body_text()),
    })?;
    let incident = state.store.incident(r.0, actor.viewer()).await?;
    let mut e = ValidationError::default();
    let filename = q.filename.as_deref().map(str::trim).unwrap_or("");
    if !crate::header_value::acceptable_filename(filename) {
        e.push(
            "filename",
            "give a file name (query parameter filename) without slashes, quotes or control characters such as line breaks, at most 200 characters",
        );
    }
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    const ALLOWED: [&str; 7] = [
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "application/pdf",
        "text/plain",
        "text/csv",
    ];
    if !ALLOWED.contains(&ctype.as_str()) {
        e.push(
            "content_type",
            format!(
                "'{ctype}' is not accepted (use one of {})",
                ALLOWED.join(", ")
            ),
        );
    }
    if body.len() > MAX_ATTACHMENT {
        e.push("body", "the file is larger than 10 MiB");
    }
    e.into_result(())?;
    use sha2::Digest;
    let sha = sha2::Sha256::digest(&body);
    let hex: String = sha.iter().map(|b| format!("{b:02x}")).collect();
    let a = state
        .store
        .add_attachment(&debrief_store::postmortem::NewAttachment {
            incident_id: incident.id,
            filename,
            content_type: &ctype,
            bytes: &body,
            sha256: &hex,
            created_by: actor.user.id,
            now: state.clock.now(),
        })
        .await?;
    let location = format!(
        "/api/v1/incidents/{}/attachments/{}",
        incident.reference, a.id
    );
    let mut res = (StatusCode::CREATED, Json(json!({"attachment": a, "url": location.clone(), "markdown": format!("![{}]({location})", a.filename)}))).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

async fn list_attachments(
    State(state): State<AppState>,
    actor: Actor,
    RefPath(r): RefPath,
) -> Result<Json<Value>, AppError> {
    let incident = state.store.incident(r.0, actor.viewer()).await?;
    Ok(Json(
        json!({"items": state.store.attachments(incident.id).await?}),
    ))
}

async fn download(
    State(state): State<AppState>,
    actor: Actor,
    RefPath(r): RefPath,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let incident = state.store.incident(r.0, actor.viewer()).await?;
    let id: i64 = id
        .parse()
        .map_err(|_| AppError::NotFound(format!("attachment '{id}'")))?;
    let (a, bytes) = state.store.attachment(incident.id, id).await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                // Stored from an allowlist; a row that somehow holds another value is served
                // as bytes rather than failing.
                HeaderValue::from_str(&a.content_type)
                    .unwrap_or(HeaderValue::from_static("application/octet-stream")),
            ),
            (
                header::CONTENT_DISPOSITION,
                content_disposition(Disposition::Inline, &a.filename),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=3600"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; sandbox"),
            ),
        ],
        bytes,
    )
        .into_response())
}

fn item_id(raw: &str) -> Result<i64, AppError> {
    raw.parse()
        .map_err(|_| AppError::NotFound(format!("action item '{raw}'")))
}

async fn create_item(
    State(state): State<AppState>,
    actor: Actor,
    RefPath(r): RefPath,
    headers: HeaderMap,
    ApiJson(input): ApiJson<ItemInput>,
) -> Result<(StatusCode, Json<ActionItem>), AppError> {
    let item = items::create_item(&state, &actor, r, &input, channel(&headers)).await?;
    Ok((StatusCode::CREATED, Json(item)))
}

async fn update_item(
    State(state): State<AppState>,
    actor: Actor,
    RefPath(r): RefPath,
    Path((_, id)): Path<(String, String)>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<ItemInput>,
) -> Result<Json<ActionItem>, AppError> {
    Ok(Json(by_version_source(
        &headers,
        items::update_item(
            &state,
            &actor,
            r,
            item_id(&id)?,
            &input,
            if_match(&headers)?,
            channel(&headers),
        )
        .await,
    )?))
}

async fn get_item(
    State(state): State<AppState>,
    actor: Actor,
    RefPath(r): RefPath,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<ActionItem>, AppError> {
    let incident = state.store.incident(r.0, actor.viewer()).await?;
    let today = act::today(&state).await?;
    Ok(Json(
        state
            .store
            .action_item(incident.id, item_id(&id)?, today)
            .await?,
    ))
}

async fn incident_items(
    State(state): State<AppState>,
    actor: Actor,
    RefPath(r): RefPath,
) -> Result<Json<super::Page<ActionItem>>, AppError> {
    let incident = state.store.incident(r.0, actor.viewer()).await?;
    let q = BoardQuery {
        incident: Some(incident.reference),
        ..Default::default()
    };
    Ok(Json(super::Page::all(
        items::board(&state, &actor, &q).await?,
    )))
}

async fn board(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<BoardQuery>,
) -> Result<Json<super::Page<ActionItem>>, AppError> {
    Ok(Json(super::Page::all(
        items::board(&state, &actor, &q).await?,
    )))
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PmListQuery {
    status: Option<String>,
    overdue: Option<bool>,
}

async fn list_postmortems(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<PmListQuery>,
) -> Result<Json<Value>, AppError> {
    let mut e = ValidationError::default();
    let statuses: Vec<PmStatus> =
        debrief_core::validation::parse_list(&mut e, "status", q.status.as_deref());
    e.into_result(())?;
    let all = state.store.postmortems(&statuses).await?;
    let mut items = Vec::new();
    for pm in all
        .into_iter()
        .filter(|p| p.status.has_document() || !statuses.is_empty())
    {
        let Ok(v) = postmortem_view(
            &state,
            &actor,
            debrief_core::incident::IncidentRef(pm.incident_id),
        )
        .await
        else {
            continue; // not visible to the actor
        };
        let overdue = v.draft_overdue || v.review_overdue;
        if q.overdue == Some(true) && !overdue {
            continue;
        }
        items.push(json!({
            "incident": v.incident,
            "title": v.facts.title,
            "severity": v.facts.severity,
            "status": v.record.status,
            "owner": v.owner,
            "draft_due_at": v.record.draft_due_at.map(debrief_core::format_utc),
            "review_due_at": v.record.review_due_at.map(debrief_core::format_utc),
            "published_at": v.record.published_at.map(debrief_core::format_utc),
            "draft_overdue": v.draft_overdue,
            "review_overdue": v.review_overdue,
            "approvals": v.approvals,
            "approvals_required": v.record.approvals_required,
        }));
    }
    Ok(Json(json!({"items": items})))
}

async fn list_templates(State(state): State<AppState>, _: Actor) -> Result<Json<Value>, AppError> {
    Ok(Json(json!({"items": state.store.templates().await?})))
}

async fn put_template(
    State(state): State<AppState>,
    actor: Actor,
    Path(key): Path<String>,
    ApiJson(t): ApiJson<Template>,
) -> Result<Json<Template>, AppError> {
    actor.require(AccountRole::Admin)?;
    if t.key != key {
        // Well formed, but naming another template than the path does: a conflict.
        return Err(
            ValidationError::conflict("key", format!("must match the path ('{key}')")).into(),
        );
    }
    t.validate()?;
    let severities = state.store.list_severities().await?;
    let mut e = ValidationError::default();
    for (i, s) in t.severities.iter().enumerate() {
        if !severities.iter().any(|x| &x.key == s) {
            e.push_missing(
                format!("severities[{i}]"),
                format!("unknown severity '{s}'"),
            );
        }
    }
    e.into_result(())?;
    state.store.put_template(&t, state.clock.now()).await?;
    Ok(Json(t))
}

async fn delete_template(
    State(state): State<AppState>,
    actor: Actor,
    Path(key): Path<String>,
) -> Result<StatusCode, AppError> {
    actor.require(AccountRole::Admin)?;
    if state.store.delete_template(&key).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound(format!("template '{key}'")))
    }
}

async fn get_calendar(
    State(state): State<AppState>,
    _: Actor,
) -> Result<Json<WorkCalendar>, AppError> {
    Ok(Json(state.store.work_calendar().await?))
}

async fn put_calendar(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(c): ApiJson<WorkCalendar>,
) -> Result<Json<WorkCalendar>, AppError> {
    actor.require(AccountRole::Admin)?;
    c.validate().map_err(|err| match err {
        // A well-formed name the time zone database does not hold: a missing reference (404).
        CalendarError::UnknownTimeZone { ref zone } if !zone.trim().is_empty() => {
            ValidationError::missing(err.field(), err.to_string())
        }
        err => ValidationError::one(err.field(), err.to_string()),
    })?;
    state.store.put_work_calendar(&c).await?;
    Ok(Json(c))
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct LintInput {
    text: String,
    /// Also answer the text rendered from Markdown to safe HTML (the editor's preview).
    #[serde(default)]
    render: bool,
}

async fn blameless_check(
    State(state): State<AppState>,
    _: Actor,
    ApiJson(input): ApiJson<LintInput>,
) -> Result<Json<Value>, AppError> {
    if input.text.chars().count() > 200_000 {
        return Err(ValidationError::one("text", "must be at most 200000 characters").into());
    }
    let users = state.store.list_users().await?;
    let names: Vec<&str> = users.iter().map(|u| u.name.as_str()).collect();
    let findings = debrief_core::blameless::check(&input.text, &names);
    let mut answer = json!({"findings": findings, "count": findings.len()});
    if input.render {
        answer["html"] = json!(crate::markdown::to_html(&input.text));
    }
    Ok(Json(answer))
}
