//! Installing the app in a workspace with Slack's OAuth v2 flow.
//!
//! 1. An admin opens `/slack/install`: a random `state` is remembered (its hash) for ten
//!    minutes, bound to that admin, and they are sent to Slack's consent page.
//! 2. Slack sends them back to `/slack/oauth/callback?code=…&state=…`: the state is taken (once:
//!    a replay finds nothing), must belong to the same admin, and the code is exchanged with
//!    `oauth.v2.access` for the bot token.
//! 3. The token is sealed with the operator's key ([`crate::outbound::slack::TokenKey`]) and
//!    stored, one installation per workspace (installing again replaces it).

use super::manifest::BOT_SCOPES;
use super::{client, slack_config, slack_failed};
use crate::auth::{Actor, hash_secret, new_hex};
use crate::{AppError, AppState};
use debrief_core::access::AccountRole;
use debrief_store::slack::SlackInstallation;
use serde_json::Value;

/// How long an install may take between leaving for Slack and coming back.
const STATE_MINUTES: i64 = 10;

/// Where Slack sends the admin back to.
pub fn redirect_uri(state: &AppState) -> String {
    format!(
        "{}/slack/oauth/callback",
        state.config.public_url.trim_end_matches('/')
    )
}

/// Starts an install for the admin `actor`: remembers a fresh `state` and returns the URL of
/// Slack's consent page to send them to.
pub async fn start_install(state: &AppState, actor: &Actor) -> Result<String, AppError> {
    actor.require(AccountRole::Admin)?;
    let config = slack_config(state)?;
    let now = state.clock.now();
    let secret = new_hex(32);
    let expires = now
        .checked_add(jiff::SignedDuration::from_mins(STATE_MINUTES))
        .map_err(AppError::internal)?;
    state
        .store
        .add_slack_oauth_state(&hash_secret(&secret), actor.user.id, expires, now)
        .await?;
    let mut url = reqwest::Url::parse(&config.authorize_url).map_err(AppError::internal)?;
    url.query_pairs_mut()
        .append_pair("client_id", &config.client_id)
        .append_pair("scope", &BOT_SCOPES.join(","))
        .append_pair("redirect_uri", &redirect_uri(state))
        .append_pair("state", &secret);
    Ok(url.into())
}

/// Finishes an install: checks `oauth_state` (single use, unexpired, started by `actor`),
/// exchanges `code` for the bot token and stores the installation with the token sealed.
pub async fn finish_install(
    state: &AppState,
    actor: &Actor,
    code: &str,
    oauth_state: &str,
) -> Result<SlackInstallation, AppError> {
    actor.require(AccountRole::Admin)?;
    let config = slack_config(state)?;
    let now = state.clock.now();
    let started_by = state
        .store
        .take_slack_oauth_state(&hash_secret(oauth_state), now)
        .await?
        .ok_or_else(|| {
            AppError::BadRequest(
                "this install link is unknown, used or expired: start again from /slack/install"
                    .into(),
            )
        })?;
    if started_by != actor.user.id {
        return Err(AppError::Forbidden(
            "this install was started by another admin: start your own from /slack/install".into(),
        ));
    }
    let redirect = redirect_uri(state);
    let answer = client(state, config)
        .call_form(
            None,
            "oauth.v2.access",
            &[
                ("client_id", config.client_id.as_str()),
                ("client_secret", config.client_secret.as_str()),
                ("code", code),
                ("redirect_uri", redirect.as_str()),
            ],
        )
        .await
        .map_err(slack_failed)?;
    let text = |v: &Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_string);
    let missing = |what: &str| {
        AppError::internal(std::io::Error::other(format!(
            "oauth.v2.access answered without {what}"
        )))
    };
    let token = text(&answer["access_token"]).ok_or_else(|| missing("access_token"))?;
    let installation = SlackInstallation {
        team_id: text(&answer["team"]["id"]).ok_or_else(|| missing("team.id"))?,
        team_name: text(&answer["team"]["name"]).unwrap_or_default(),
        bot_user_id: text(&answer["bot_user_id"]).ok_or_else(|| missing("bot_user_id"))?,
        bot_token_sealed: config.token_key.seal(&token),
        scope: text(&answer["scope"]).unwrap_or_default(),
        installed_by: actor.user.id,
        installed_at: now,
    };
    state.store.put_slack_installation(&installation).await?;
    tracing::info!(
        slack.team = %installation.team_id,
        user.id = actor.user.id,
        "Slack installed in {}",
        installation.team_name
    );
    Ok(installation)
}

/// The bot token of workspace `team_id`, opened; `None` when the app is not installed there.
pub async fn bot_token(state: &AppState, team_id: &str) -> Result<Option<String>, AppError> {
    let config = slack_config(state)?;
    let Some(i) = state.store.slack_installation(team_id).await? else {
        return Ok(None);
    };
    config
        .token_key
        .open(&i.bot_token_sealed)
        .map(Some)
        .map_err(AppError::internal)
}
