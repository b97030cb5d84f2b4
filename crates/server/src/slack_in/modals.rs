//! The modals of `/inc declare` and `/inc update`, and the interactivity endpoint that receives
//! their submissions (and the buttons of Debrief's messages).
//!
//! A modal is opened with `views.open` while the command is answered (its `trigger_id` lasts
//! three seconds). What the submission needs later travels in the view's `private_metadata`:
//! the command's channel and `response_url` for the declare modal; the incident, the page, the
//! status and the text for the update confirmation. A declare modal whose fields are wrong is
//! answered `{"response_action":"errors"}` keyed by the inputs' `block_id`s, so Slack shows the
//! message under the field; the confirmation has no inputs, so its refusals replace the view
//! with one saying why. What a submission did is told through the command's `response_url`.

use super::commands::{actor_for, failure_text};
use super::respond::{ephemeral, respond_later};
use super::target::Miss;
use super::{json_answer, plain, verify_request};
use crate::actions::incident::{declare_incident, get_incident, severities};
use crate::actions::slack::{buttons, install::bot_token, workspace};
use crate::actions::status_pages::{PublishInput, publish_update};
use crate::auth::Actor;
use crate::{AppError, AppState};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use debrief_core::access::AccountRole;
use debrief_core::incident::{DeclareInput, IncidentRef};
use debrief_core::slack::blocks::{
    self, DECLARE_CALLBACK, DECLARE_CUSTOM_PREFIX, DECLARE_PRIVATE, DECLARE_SERVICES,
    DECLARE_SEVERITY, DECLARE_TITLE, DeclareForm, UPDATE_CONFIRM_CALLBACK,
};
use debrief_core::slack::payloads::{
    Interaction, SlashCommand, ViewSubmission, declare_submission,
};
use debrief_core::status::Status;
use debrief_core::timeline::Source;
use debrief_core::validation::ValidationError;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// Slack's longest `private_metadata`.
const MAX_METADATA: usize = 3000;

/// `POST /slack/interactivity`.
pub(super) async fn interaction(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(refused) = verify_request(&state, &headers, &body).await {
        return refused;
    }
    let interaction = match debrief_core::slack::payloads::parse_interaction(&body) {
        Ok(i) => i,
        Err(e) => return plain(StatusCode::BAD_REQUEST, e.to_string()),
    };
    let answer = match interaction {
        Interaction::BlockActions(actions) => buttons::block_actions(&state, &actions)
            .await
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, "A Slack button press failed");
                Value::Null
            }),
        Interaction::ViewSubmission(sub) => match sub.view.callback_id.as_str() {
            DECLARE_CALLBACK => submit_declare(&state, &sub).await,
            UPDATE_CONFIRM_CALLBACK => submit_update(&state, &sub).await,
            _ => Value::Null,
        },
        Interaction::ViewClosed { .. } | Interaction::Other => Value::Null,
    };
    json_answer(answer)
}

fn slack_failed(e: impl std::fmt::Display) -> Miss {
    Miss::Say(format!(
        "Slack did not open the form ({e}); type the command again."
    ))
}

async fn open_view(
    state: &AppState,
    team_id: &str,
    trigger: Option<&str>,
    view: Value,
) -> Result<(), Miss> {
    let (Some(client), Some(token)) = (state.slack.as_ref(), bot_token(state, team_id).await?)
    else {
        return Err(Miss::Say(
            "Debrief is not installed in this Slack workspace: an admin installs it from \
             Debrief's /slack/install."
                .into(),
        ));
    };
    let Some(trigger) = trigger else {
        return Err(slack_failed("no trigger_id"));
    };
    let call = client.call(
        &token,
        "views.open",
        json!({"trigger_id": trigger, "view": view}),
    );
    super::within_ack(call).await?.map_err(slack_failed)?;
    Ok(())
}

/// What the declare modal carries to its submission.
#[derive(Debug, Default, Serialize, Deserialize)]
struct DeclareMeta {
    channel: String,
    response_url: String,
}

/// Opens the declare modal for `/inc declare [title]`.
pub(super) async fn open_declare(
    state: &AppState,
    cmd: &SlashCommand,
    title: Option<String>,
) -> Result<(), Miss> {
    let mut known = severities(state, None).await?;
    known.sort_by_key(|s| s.rank);
    let services = state.store.list_services().await?;
    let meta = DeclareMeta {
        channel: cmd.channel_id.clone(),
        response_url: cmd.response_url.clone(),
    };
    let form = DeclareForm {
        title,
        default_severity: known.last().map(|s| s.key.clone()),
        severities: known.into_iter().map(|s| (s.key, s.name)).collect(),
        services: services.into_iter().map(|s| (s.slug, s.name)).collect(),
        custom_fields: state.store.list_custom_fields().await?,
        private_metadata: serde_json::to_string(&meta).map_err(AppError::internal)?,
    };
    let view = blocks::declare_modal(&form);
    open_view(state, &cmd.team_id, cmd.trigger_id.as_deref(), view).await
}

/// What the update confirmation carries to its submission.
#[derive(Debug, Serialize, Deserialize)]
struct UpdateMeta {
    incident: i64,
    page: String,
    status: String,
    message: String,
    response_url: String,
}

/// The status page update status an incident's status stands for.
fn update_status(s: Status) -> &'static str {
    match s {
        Status::Triage | Status::Investigating => "investigating",
        Status::Identified => "identified",
        Status::Monitoring => "monitoring",
        _ => "resolved",
    }
}

/// Opens the confirmation of `/inc update "…"`: the page the incident is on (or the only
/// page), and the text as it will be published.
pub(super) async fn open_update_confirm(
    state: &AppState,
    actor: &Actor,
    cmd: &SlashCommand,
    r: IncidentRef,
    message: &str,
) -> Result<(), Miss> {
    // Who may publish is checked before the confirmation opens, not after it is confirmed.
    actor.require(AccountRole::Responder)?;
    let incident = get_incident(state, actor, r).await?;
    if incident.private {
        return Err(Miss::Say(format!(
            "{} is private: private incidents never appear on a status page.",
            incident.reference
        )));
    }
    let pages = state.store.pages().await?;
    let mut on = Vec::new();
    for p in &pages {
        if state
            .store
            .page_incident(p.id, incident.id)
            .await?
            .is_some()
        {
            on.push(p.slug.clone());
        }
    }
    let page = match (on.as_slice(), pages.as_slice()) {
        ([one, ..], _) => one.clone(),
        ([], [only]) => only.slug.clone(),
        ([], []) => {
            return Err(Miss::Say(
                "There is no status page to publish on: an admin adds one in Debrief first.".into(),
            ));
        }
        ([], several) => {
            let names: Vec<&str> = several.iter().map(|p| p.slug.as_str()).collect();
            return Err(Miss::Say(format!(
                "{} is on no status page yet, and there are several ({}): publish its first \
                 update from the incident's page in Debrief, then `/inc update` publishes there.",
                incident.reference,
                names.join(", ")
            )));
        }
    };
    let meta = UpdateMeta {
        incident: incident.id,
        page,
        status: update_status(incident.status).into(),
        message: message.to_string(),
        response_url: cmd.response_url.clone(),
    };
    let metadata = serde_json::to_string(&meta).map_err(AppError::internal)?;
    if metadata.chars().count() > MAX_METADATA {
        return Err(Miss::Say(
            "That update is too long for Slack's confirmation; keep it under 2,500 characters, \
             or publish it from Debrief."
                .into(),
        ));
    }
    let view = blocks::update_confirm_modal(&incident.reference, message, &metadata);
    open_view(state, &cmd.team_id, cmd.trigger_id.as_deref(), view).await
}

/// The workspace of a submission: the user's team, else the installed one.
async fn team_of(state: &AppState, sub: &ViewSubmission) -> Result<String, AppError> {
    if let Some(t) = &sub.user.team_id {
        return Ok(t.clone());
    }
    Ok(workspace(state)
        .await?
        .map(|(i, _)| i.team_id)
        .unwrap_or_default())
}

/// `{"response_action":"errors"}` with each field's message under its input.
fn errors_answer(errors: Map<String, Value>) -> Value {
    json!({"response_action": "errors", "errors": errors})
}

/// The declare modal's input a field error belongs under: a custom field's own input
/// (`custom_fields.region` under `cf.region`) when the modal has it, else the title.
fn block_for(field: &str, sub: &ViewSubmission) -> String {
    let has = |b: &str| sub.view.state.values.contains_key(b);
    let custom = field
        .strip_prefix("custom_fields.")
        .map(|key| format!("{DECLARE_CUSTOM_PREFIX}{key}"));
    match field {
        f if f.starts_with("severity") => DECLARE_SEVERITY.into(),
        f if f.starts_with("services") && has(DECLARE_SERVICES) => DECLARE_SERVICES.into(),
        f if f.starts_with("private") && has(DECLARE_PRIVATE) => DECLARE_PRIVATE.into(),
        _ => custom.filter(|b| has(b)).unwrap_or(DECLARE_TITLE.into()),
    }
}

fn field_errors(v: &ValidationError, sub: &ViewSubmission) -> Map<String, Value> {
    let mut errors = Map::new();
    for f in &v.fields {
        let block = block_for(&f.field, sub);
        let text = match errors.get(&block).and_then(Value::as_str) {
            Some(before) => format!("{before} {}", f.message),
            None => f.message.clone(),
        };
        errors.insert(block, Value::String(text));
    }
    errors
}

async fn submit_declare(state: &AppState, sub: &ViewSubmission) -> Value {
    let d = match declare_submission(&sub.view) {
        Ok(d) => d,
        Err(v) => return errors_answer(field_errors(&v, sub)),
    };
    let meta: DeclareMeta = serde_json::from_str(&sub.view.private_metadata).unwrap_or_default();
    let on_title = |text: String| {
        let mut m = Map::new();
        m.insert(DECLARE_TITLE.into(), Value::String(text));
        errors_answer(m)
    };
    let team = match team_of(state, sub).await {
        Ok(t) => t,
        Err(e) => return on_title(failure_text(&e)),
    };
    let actor = match actor_for(state, &team, &sub.user.id).await {
        Ok(a) => a,
        Err(Miss::Say(_)) => {
            return on_title(
                "Debrief does not know your Slack account: type /inc help in Slack for a link \
                 that links it, then declare again."
                    .into(),
            );
        }
        Err(Miss::Failed(e)) => return on_title(failure_text(&e)),
    };
    let input = DeclareInput {
        title: d.title,
        severity: d.severity,
        services: d.services,
        private: d.private,
        custom_fields: d.custom_fields,
        ..DeclareInput::default()
    };
    match declare_incident(state, &actor, &input, Source::Slack).await {
        Ok(incident) => {
            let url = format!(
                "{}/incidents/{}",
                state.config.public_url.trim_end_matches('/'),
                incident.id
            );
            let text = format!(
                "Declared {}: {} ({}). {}",
                incident.reference,
                blocks::escape(&incident.title),
                incident.severity,
                blocks::link(&url, "Open it in Debrief")
            );
            if let Err(e) = respond_later(state, Some(&meta.response_url), ephemeral(text)).await {
                tracing::warn!(error = %e, "Could not queue the answer to a declaration from Slack");
            }
            Value::Null
        }
        Err(AppError::Validation(v)) => errors_answer(field_errors(&v, sub)),
        Err(e) => on_title(failure_text(&e)),
    }
}

/// A view replacing the confirmation, saying why nothing was published.
fn refusal_view(text: &str) -> Value {
    json!({"response_action": "update", "view": {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Not published"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": blocks::truncate(text, blocks::MAX_SECTION)}}],
    }})
}

async fn submit_update(state: &AppState, sub: &ViewSubmission) -> Value {
    let Ok(meta) = serde_json::from_str::<UpdateMeta>(&sub.view.private_metadata) else {
        return refusal_view(
            "This confirmation is not one Debrief opened; type `/inc update` again.",
        );
    };
    let team = match team_of(state, sub).await {
        Ok(t) => t,
        Err(e) => return refusal_view(&failure_text(&e)),
    };
    let actor = match actor_for(state, &team, &sub.user.id).await {
        Ok(a) => a,
        Err(Miss::Say(text)) => return refusal_view(&text),
        Err(Miss::Failed(e)) => return refusal_view(&failure_text(&e)),
    };
    let input = PublishInput {
        page: meta.page.clone(),
        status: meta.status.clone(),
        body: meta.message.clone(),
        name: None,
        components: Vec::new(),
        move_incident: false,
    };
    match publish_update(
        state,
        &actor,
        IncidentRef(meta.incident),
        &input,
        Source::Slack,
    )
    .await
    {
        Ok(_) => {
            let text = format!(
                "Published on the status page {} ({}): {}",
                meta.page,
                meta.status,
                blocks::escape(&meta.message)
            );
            if let Err(e) = respond_later(state, Some(&meta.response_url), ephemeral(text)).await {
                tracing::warn!(error = %e, "Could not queue the answer to an update from Slack");
            }
            Value::Null
        }
        Err(e) => refusal_view(&failure_text(&e)),
    }
}

#[cfg(test)]
mod tests {
    use super::update_status;
    use debrief_core::status::Status;

    #[test]
    fn an_update_takes_the_status_page_word_for_the_incidents_status() {
        assert_eq!(update_status(Status::Triage), "investigating");
        assert_eq!(update_status(Status::Identified), "identified");
        assert_eq!(update_status(Status::Monitoring), "monitoring");
        assert_eq!(update_status(Status::Postmortem), "resolved");
    }
}
