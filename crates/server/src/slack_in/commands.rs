//! `/inc …`: the slash command, parsed by `debrief_core::slack::command` with the server's
//! statuses and severities, and run as the Slack user's Debrief user (`Via::Slack`) with the
//! same actions the API and the CLI call.
//!
//! Answers are ephemeral: what a command changes is told in the incident's channel by the
//! channel's own updates (and in the timeline), so the author alone reads the confirmation.
//! Errors are ephemeral too and say what to type instead. A Slack user Debrief does not know
//! (no link, no Debrief user with their e-mail address) is told how to link their account.

use super::modals;
use super::respond::ephemeral;
use super::target::{Miss, fill_page_target, incident_for, split_reference, user_for};
use super::{json_answer, plain, verify_request};
use crate::actions::incident::{
    RoleInput, TransitionInput, assign_role, severities, transition_incident, update_incident,
};
use crate::actions::oncall::{PageInput, page_by_person};
use crate::actions::postmortem::items::create_item;
use crate::actions::slack::users::debrief_user_for;
use crate::auth::{Actor, Via};
use crate::{AppError, AppState};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use debrief_core::action_item::ItemInput;
use debrief_core::incident::UpdateInput;
use debrief_core::slack::Vocabulary;
use debrief_core::slack::blocks::link;
use debrief_core::slack::command::{self, Command, help_text};
use debrief_core::slack::payloads::{SlashCommand, parse_slash_command};
use debrief_core::status::ALL_STATUSES;
use debrief_core::timeline::Source;
use serde_json::Value;

/// `POST /slack/commands`.
pub(super) async fn slash_command(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // Slack's certificate check of the command URL (`ssl_check=1`, sent unsigned when an app's
    // URL is saved): a 200 that does nothing, as Bolt answers it.
    if state.config.slack.is_some() && is_ssl_check(&body) {
        return StatusCode::OK.into_response();
    }
    if let Err(refused) = verify_request(&state, &headers, &body).await {
        return refused;
    }
    let cmd = match parse_slash_command(&body) {
        Ok(c) => c,
        Err(e) => return plain(StatusCode::BAD_REQUEST, e.to_string()),
    };
    let answer = match run(&state, &cmd).await {
        Ok(v) => v,
        Err(Miss::Say(text)) => ephemeral(text),
        Err(Miss::Failed(e)) => ephemeral(failure_text(&e)),
    };
    json_answer(answer)
}

/// Whether a body is Slack's `ssl_check` (and not a command).
fn is_ssl_check(body: &[u8]) -> bool {
    let form = debrief_core::slack::payloads::parse_form(body);
    let has = |k: &str| form.iter().any(|(key, _)| key == k);
    form.iter().any(|(k, v)| k == "ssl_check" && v == "1") && !has("command")
}

/// What a failed action says to the Slack user: the fields that are wrong, or the error's
/// safe detail (a 5xx is logged here, once, and not shown).
pub(crate) fn failure_text(e: &AppError) -> String {
    match e {
        AppError::Validation(v) => {
            let fields: Vec<String> = v
                .fields
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect();
            format!("That did not work: {}.", fields.join("; "))
        }
        AppError::Internal(source) => {
            tracing::error!(error = %source, "A Slack request failed");
            "That did not work: something went wrong on Debrief's side (it has been logged). \
             Try again."
                .into()
        }
        other => format!("That did not work: {}.", other.detail()),
    }
}

/// The Slack user as a Debrief actor, or what they must do to become one.
pub(crate) async fn actor_for(
    state: &AppState,
    team_id: &str,
    slack_user: &str,
) -> Result<Actor, Miss> {
    match super::within_ack(debrief_user_for(state, team_id, slack_user)).await?? {
        Some(user) => Ok(Actor {
            role: user.role,
            via: Via::Slack,
            user,
        }),
        None => Err(Miss::Say(link_instructions(state, team_id, slack_user))),
    }
}

/// How a Slack user whose e-mail address is not a Debrief user's links their account.
fn link_instructions(state: &AppState, team_id: &str, slack_user: &str) -> String {
    let url = super::link::link_url(state, team_id, slack_user);
    format!(
        "Debrief does not know your Slack account: no Debrief user has your Slack e-mail \
         address. Sign in to Debrief and open {} (valid for an hour) to link this Slack account \
         to your Debrief user, then type the command again. An admin can also give your \
         Debrief user your Slack e-mail address.",
        link(&url, "this link")
    )
}

async fn run(state: &AppState, cmd: &SlashCommand) -> Result<Value, Miss> {
    let (reference, text) = split_reference(&cmd.text);
    let mut ranked = severities(state, None).await?;
    ranked.sort_by_key(|s| s.rank);
    let severity_keys: Vec<&str> = ranked.iter().map(|s| s.key.as_str()).collect();
    let statuses: Vec<&str> = ALL_STATUSES.iter().map(|s| s.as_str()).collect();
    let vocabulary = Vocabulary {
        statuses: &statuses,
        severities: &severity_keys,
        roles: &[],
    };
    let parsed = command::parse(text, &vocabulary)
        .map_err(|e| Miss::Say(format!("{} {}", e.message, e.suggestion)))?;
    if parsed == Command::Help {
        return Ok(ephemeral(help_text()));
    }
    let actor = actor_for(state, &cmd.team_id, &cmd.user_id).await?;
    let done = |text: String| Ok(ephemeral(text));
    match parsed {
        Command::Help => Ok(ephemeral(help_text())),
        Command::Declare { title } => {
            modals::open_declare(state, cmd, title).await?;
            Ok(Value::Null)
        }
        Command::Update { message } => {
            let r = incident_for(state, reference, &cmd.channel_id).await?;
            modals::open_update_confirm(state, &actor, cmd, r, &message).await?;
            Ok(Value::Null)
        }
        Command::Status { status, message } => {
            let r = incident_for(state, reference, &cmd.channel_id).await?;
            let input = TransitionInput {
                to: status,
                message,
                ..TransitionInput::default()
            };
            let i = transition_incident(state, &actor, r, &input, None, Source::Slack).await?;
            done(format!("{} is now {}.", i.reference, i.status))
        }
        Command::Resolve { message } => {
            let r = incident_for(state, reference, &cmd.channel_id).await?;
            let input = TransitionInput {
                to: "resolved".into(),
                message,
                ..TransitionInput::default()
            };
            let i = transition_incident(state, &actor, r, &input, None, Source::Slack).await?;
            done(format!("{} is resolved.", i.reference))
        }
        Command::Severity(severity) => {
            let r = incident_for(state, reference, &cmd.channel_id).await?;
            let input = UpdateInput {
                severity: Some(severity),
                ..UpdateInput::default()
            };
            let i = update_incident(state, &actor, r, &input, None, Source::Slack).await?;
            done(format!("{} is now {}.", i.reference, i.severity))
        }
        Command::Role { role, user } => {
            let r = incident_for(state, reference, &cmd.channel_id).await?;
            let holder = user_for(state, &cmd.team_id, &user).await?;
            let input = RoleInput {
                role: role.clone(),
                user_id: Some(holder.id),
                email: None,
            };
            let i = assign_role(state, &actor, r, &input, Source::Slack).await?;
            done(format!("{} is the {role} of {}.", holder.name, i.reference))
        }
        Command::Page { target } => {
            let r = incident_for(state, reference, &cmd.channel_id).await?;
            let incident = crate::actions::incident::get_incident(state, &actor, r).await?;
            let mut input = PageInput {
                title: incident.title.clone(),
                message: Some(format!("{} ({})", incident.reference, incident.severity)),
                incident: Some(incident.reference.clone()),
                ..PageInput::default()
            };
            fill_page_target(state, &cmd.team_id, &target, &mut input).await?;
            let page = page_by_person(state, &actor, &input).await?;
            done(format!(
                "Paged for {} (page {}).",
                incident.reference, page.id
            ))
        }
        Command::Followup { title, owner, due } => {
            let r = incident_for(state, reference, &cmd.channel_id).await?;
            let owner = match owner {
                Some(m) => Some(user_for(state, &cmd.team_id, &m).await?),
                None => None,
            };
            let input = ItemInput {
                title: Some(title),
                owner_id: owner.as_ref().map(|o| Some(o.id)),
                due_on: due.map(|d| Some(d.to_string())),
                ..ItemInput::default()
            };
            let item = create_item(state, &actor, r, &input, Source::Slack).await?;
            let mut text = format!("Action item #{} added: {}", item.id, item.title);
            if let Some(o) = &owner {
                text.push_str(&format!(", owned by {}", o.name));
            }
            if let Some(d) = &item.due_on {
                text.push_str(&format!(", due {d}"));
            }
            done(format!("{text}."))
        }
    }
}
