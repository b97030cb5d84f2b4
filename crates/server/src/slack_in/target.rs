//! What a command names: its incident (the incident whose channel it was typed in, or an
//! `INC-42` written first), the people it mentions, and whom `/inc page` pages. Every miss is
//! a sentence saying what to type instead, shown to the person alone.

use crate::actions::oncall::PageInput;
use crate::actions::oncall::schedules::UserRef;
use crate::actions::slack::users::debrief_user_for;
use crate::{AppError, AppState};
use debrief_core::incident::IncidentRef;
use debrief_core::slack::{PageTarget, UserMention};
use debrief_store::account::User;

/// Why a command cannot run: shown to its author as it is.
#[derive(Debug)]
pub enum Miss {
    /// Something the author can fix (a sentence with what to type instead).
    Say(String),
    /// Debrief failed (the database, Slack): the error's safe detail is shown.
    Failed(AppError),
}

impl From<AppError> for Miss {
    fn from(e: AppError) -> Self {
        Miss::Failed(e)
    }
}

impl From<debrief_store::StoreError> for Miss {
    fn from(e: debrief_store::StoreError) -> Self {
        Miss::Failed(e.into())
    }
}

/// Splits an incident reference written before the command (`INC-42 status resolved`) from
/// the rest of the text.
pub fn split_reference(text: &str) -> (Option<i64>, &str) {
    let trimmed = text.trim_start();
    let (first, rest) = trimmed
        .split_once(char::is_whitespace)
        .unwrap_or((trimmed, ""));
    let number = first
        .strip_prefix("INC-")
        .or_else(|| first.strip_prefix("inc-"))
        .and_then(|n| n.parse::<i64>().ok());
    match number {
        Some(n) => (Some(n), rest),
        None => (None, text),
    }
}

/// The incident a command is about: the one written first, else the one whose channel it was
/// typed in.
pub async fn incident_for(
    state: &AppState,
    reference: Option<i64>,
    channel_id: &str,
) -> Result<IncidentRef, Miss> {
    if let Some(n) = reference {
        return Ok(IncidentRef(n));
    }
    match state.store.slack_channel_by_id(channel_id).await? {
        Some(c) => Ok(IncidentRef(c.incident_id)),
        None => Err(Miss::Say(
            "This channel is not an incident's channel. Type the command in the incident's \
             channel, or name the incident first: `/inc INC-42 status identified`."
                .into(),
        )),
    }
}

/// The Debrief user a mention names: a Slack user (by their link or e-mail), a Debrief user's
/// name, or an e-mail address.
pub async fn user_for(state: &AppState, team_id: &str, m: &UserMention) -> Result<User, Miss> {
    let found = match m {
        UserMention::Slack { id, .. } => debrief_user_for(state, team_id, id).await?,
        UserMention::Email(email) => match state.store.user_by_email(&email.to_lowercase()).await {
            Ok(u) => Some(u),
            Err(debrief_store::StoreError::NotFound(_)) => None,
            Err(e) => return Err(e.into()),
        },
        UserMention::Name(name) => state
            .store
            .list_users()
            .await?
            .into_iter()
            .find(|u| u.name.eq_ignore_ascii_case(name) || local_part(&u.email) == *name),
    };
    match found.filter(|u| !u.disabled) {
        Some(u) => Ok(u),
        None => Err(Miss::Say(format!(
            "Debrief does not know {}: mention someone whose Slack e-mail address is their \
             Debrief one (or who linked their account by typing `/inc help`), or give their \
             e-mail address.",
            describe(m)
        ))),
    }
}

fn local_part(email: &str) -> &str {
    email.split('@').next().unwrap_or_default()
}

fn describe(m: &UserMention) -> String {
    match m {
        UserMention::Slack { id, .. } => format!("<@{id}>"),
        UserMention::Email(e) => e.clone(),
        UserMention::Name(n) => format!("@{n}"),
    }
}

/// Fills in whom `input` pages from the command's target: a team, a service, a policy, or
/// people. A Slack user group or a bare name is a team of that slug, else a service, else a
/// person.
pub async fn fill_page_target(
    state: &AppState,
    team_id: &str,
    target: &PageTarget,
    input: &mut PageInput,
) -> Result<(), Miss> {
    match target {
        PageTarget::Team(t) => input.team = Some(t.clone()),
        PageTarget::Service(s) => input.service = Some(s.clone()),
        PageTarget::Policy(p) => input.policy_id = Some(*p),
        PageTarget::User(m) => {
            let u = user_for(state, team_id, m).await?;
            input.users = vec![UserRef::Id(u.id)];
        }
        PageTarget::UserGroup { handle, id } => {
            let Some(handle) = handle else {
                return Err(Miss::Say(format!(
                    "Slack did not say which user group <!subteam^{id}> is. \
                     Try `/inc page team:db`."
                )));
            };
            let slug = handle.to_lowercase();
            if !state
                .store
                .list_teams()
                .await?
                .iter()
                .any(|t| t.slug == slug)
            {
                return Err(Miss::Say(format!(
                    "No Debrief team is called {slug} (a user group pages the team of the same \
                     name). Try `/inc page team:SLUG` with one of the teams in Debrief."
                )));
            }
            input.team = Some(slug);
        }
        PageTarget::Name(name) => {
            let slug = name.to_lowercase();
            if state
                .store
                .list_teams()
                .await?
                .iter()
                .any(|t| t.slug == slug)
            {
                input.team = Some(slug);
            } else if state
                .store
                .list_services()
                .await?
                .iter()
                .any(|s| s.slug == slug)
            {
                input.service = Some(slug);
            } else {
                let u = user_for(state, team_id, &UserMention::Name(name.clone()))
                    .await
                    .map_err(|_| {
                        Miss::Say(format!(
                            "{name} is not a team, a service or a person in Debrief. \
                             Try `/inc page team:db`, `/inc page service:checkout`, \
                             `/inc page policy:3` or `/inc page @dana`."
                        ))
                    })?;
                input.users = vec![UserRef::Id(u.id)];
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::split_reference;

    #[test]
    fn a_reference_written_first_names_the_incident() {
        assert_eq!(
            split_reference("INC-42 status resolved"),
            (Some(42), "status resolved")
        );
        assert_eq!(split_reference("  inc-7 help"), (Some(7), "help"));
        assert_eq!(
            split_reference("status resolved"),
            (None, "status resolved")
        );
        assert_eq!(split_reference("INC-x status"), (None, "INC-x status"));
    }
}
