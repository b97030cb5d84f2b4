//! The `/inc` slash command: its `text` parsed into a [`Command`], with errors that say what to
//! type instead.
//!
//! The grammar is the CLI's (`debrief incident update --status identified --message "…"`,
//! `debrief page open --team db`) written as words: a verb, then its arguments.
//!
//! ```text
//! /inc declare ["title"]                  opens the declare modal (the title pre-filled)
//! /inc status <status> ["message"]        a lifecycle transition, with a note
//! /inc severity <severity>
//! /inc role <role> <@user>
//! /inc update "message"                   a public status page update (confirmed in a modal)
//! /inc page <target>                      @usergroup, @user, team:db, service:api, policy:3
//! /inc resolve ["message"]
//! /inc followup "title" [@owner] [due:YYYY-MM-DD]
//! /inc help
//! ```
//!
//! Slack sends the text with `&`, `<` and `>` escaped as entities and, when the app asks it to
//! escape them, mentions as `<@U123|dana>`, `<!subteam^S123|@db-team>` and `<#C123|general>`.
//! Quoted strings use straight quotes or the curly ones Slack's clients type (`“…”`). Free text
//! may also be written without quotes: the remaining words are joined with single spaces.
//! Statuses, severities and roles come from the caller ([`Vocabulary`]), so core holds no
//! organisation's data.

use super::token::{Token, edit_distance, free_text, split_label, tokenize};
use jiff::civil::Date;

/// The slash command's name, as help and suggestions write it.
pub const SLASH_COMMAND: &str = "/inc";

/// A parsed `/inc` command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Open the declare modal, its title pre-filled when given.
    Declare {
        /// The title typed after `declare`, if any.
        title: Option<String>,
    },
    /// Move the channel's incident to another status.
    Status {
        /// The status, spelled as in the caller's vocabulary (`identified`).
        status: String,
        /// A note for the timeline.
        message: Option<String>,
    },
    /// Change the incident's severity (spelled as in the caller's vocabulary, `SEV1`).
    Severity(String),
    /// Give someone a role on the incident.
    Role {
        /// The role (`commander`), lower case.
        role: String,
        /// Who takes it.
        user: UserMention,
    },
    /// Post a public status page update (after a confirmation modal).
    Update {
        /// The update's text.
        message: String,
    },
    /// Page a person, a team, a service's or a policy's on call.
    Page {
        /// Whom to page.
        target: PageTarget,
    },
    /// Resolve the incident.
    Resolve {
        /// A note for the timeline.
        message: Option<String>,
    },
    /// Create an action item.
    Followup {
        /// What needs doing.
        title: String,
        /// Who owns it.
        owner: Option<UserMention>,
        /// When it is due.
        due: Option<Date>,
    },
    /// Show the commands.
    Help,
}

/// A person named in a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserMention {
    /// A Slack user mention `<@U123|dana>` or `<@U123>`: the server maps the id to a user.
    Slack {
        /// The Slack user id (`U123`, or `W123` on Enterprise Grid).
        id: String,
        /// The display name Slack put after `|`, if any.
        name: Option<String>,
    },
    /// A plain `@dana` (Slack did not escape it): a Debrief user name or Slack handle.
    Name(String),
    /// An e-mail address (`dana@example.com`, or Slack's `<mailto:…|…>`).
    Email(String),
}

/// Whom `/inc page` pages: the CLI's `--team`, `--service`, `--policy` and `--user`, plus what
/// Slack itself can name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageTarget {
    /// A team's escalation policy (`team:db`).
    Team(String),
    /// A service's escalation policy (`service:checkout`).
    Service(String),
    /// An escalation policy by number (`policy:3`).
    Policy(i64),
    /// One person, at once.
    User(UserMention),
    /// A Slack user group `<!subteam^S123|@db-team>`: the server maps it to a team.
    UserGroup {
        /// The user group's id (`S123`).
        id: String,
        /// Its handle without `@` (`db-team`), if Slack sent it.
        handle: Option<String>,
    },
    /// A bare name (`@db-team`, `db-team`): the server tries a team, then a service, then a
    /// user of that name.
    Name(String),
}

/// What the caller allows: its statuses, severities and roles, as commands spell them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Vocabulary<'a> {
    /// Statuses `/inc status` may move to (`investigating`, `identified`, …).
    pub statuses: &'a [&'a str],
    /// Severity keys (`SEV1` … `SEV4`).
    pub severities: &'a [&'a str],
    /// Roles `/inc role` may give; empty means any slug is accepted (custom roles).
    pub roles: &'a [&'a str],
}

/// A command that could not be parsed: what is wrong, and what to type instead. Both are plain
/// text for an ephemeral message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} {suggestion}")]
pub struct CommandError {
    /// What is wrong (`SEV9 is not a severity; use one of SEV1, SEV2.`).
    pub message: String,
    /// What to type instead (`Try /inc severity SEV1`).
    pub suggestion: String,
}

impl CommandError {
    pub(super) fn new(message: impl Into<String>, suggestion: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            suggestion: suggestion.into(),
        }
    }
}

/// The verbs, their aliases, and a usage line for each.
const VERBS: [(&str, &[&str], &str); 9] = [
    ("declare", &["new", "open"], "declare \"what is happening\""),
    ("status", &[], "status identified \"what we found\""),
    ("severity", &["sev"], "severity SEV1"),
    ("role", &["assign"], "role commander @dana"),
    ("update", &[], "update \"what customers should know\""),
    ("page", &[], "page @db-team"),
    ("resolve", &[], "resolve \"what fixed it\""),
    (
        "followup",
        &["follow-up", "action"],
        "followup \"add an alert\" @dana due:2026-12-20",
    ),
    ("help", &[], "help"),
];

fn usage(verb: &str) -> String {
    let line = VERBS
        .iter()
        .find(|(v, _, _)| *v == verb)
        .map_or(verb, |(_, _, u)| *u);
    format!("Try `{SLASH_COMMAND} {line}`.")
}

/// Parses the slash command's `text` field.
pub fn parse(text: &str, vocabulary: &Vocabulary<'_>) -> Result<Command, CommandError> {
    let tokens = tokenize(text)?;
    let Some((first, rest)) = tokens.split_first() else {
        return Ok(Command::Help);
    };
    let Token::Word(word) = first else {
        return Err(unknown_verb(&first.text()));
    };
    let lowered = word.to_lowercase();
    let Some(verb) = VERBS
        .iter()
        .find(|(v, aliases, _)| *v == lowered || aliases.contains(&lowered.as_str()))
        .map(|(v, _, _)| *v)
    else {
        return Err(unknown_verb(word));
    };
    match verb {
        "declare" => Ok(Command::Declare {
            title: free_text(rest),
        }),
        "status" => parse_status(rest, vocabulary),
        "severity" => parse_severity(rest, vocabulary),
        "role" => parse_role(rest, vocabulary),
        "update" => free_text(rest)
            .map(|message| Command::Update { message })
            .ok_or_else(|| CommandError::new("Say what the update is.", usage("update"))),
        "page" => parse_page(rest),
        "resolve" => Ok(Command::Resolve {
            message: free_text(rest),
        }),
        "followup" => parse_followup(rest),
        _ => Ok(Command::Help),
    }
}

fn unknown_verb(word: &str) -> CommandError {
    let lowered = word.to_lowercase();
    let close = VERBS
        .iter()
        .map(|(v, _, _)| *v)
        .filter(|v| v.starts_with(lowered.as_str()) || edit_distance(v, &lowered) <= 2)
        .min_by_key(|v| edit_distance(v, &lowered));
    let suggestion = match close {
        Some(v) if !lowered.is_empty() => {
            format!("Did you mean `{SLASH_COMMAND} {v}`? {}", usage(v))
        }
        _ => format!("Type `{SLASH_COMMAND} help` to see the commands."),
    };
    CommandError::new(
        format!("{word} is not an {SLASH_COMMAND} command."),
        suggestion,
    )
}

fn parse_status(rest: &[Token], vocabulary: &Vocabulary<'_>) -> Result<Command, CommandError> {
    let list = vocabulary.statuses.join(", ");
    let Some((first, more)) = rest.split_first() else {
        return Err(CommandError::new(
            format!("Say which status; use one of {list}."),
            usage("status"),
        ));
    };
    let given = first.text();
    let wanted = given.to_lowercase().replace('-', "_");
    let Some(status) = vocabulary
        .statuses
        .iter()
        .find(|s| s.eq_ignore_ascii_case(&wanted))
    else {
        return Err(CommandError::new(
            format!("{given} is not a status; use one of {list}."),
            usage("status"),
        ));
    };
    Ok(Command::Status {
        status: (*status).to_string(),
        message: free_text(more),
    })
}

fn parse_severity(rest: &[Token], vocabulary: &Vocabulary<'_>) -> Result<Command, CommandError> {
    let list = vocabulary.severities.join(", ");
    let suggestion = match vocabulary.severities.first() {
        Some(s) => format!("Try `{SLASH_COMMAND} severity {s}`."),
        None => usage("severity"),
    };
    let [given] = rest else {
        return Err(CommandError::new(
            format!("Give one severity; use one of {list}."),
            suggestion,
        ));
    };
    let given = given.text();
    vocabulary
        .severities
        .iter()
        .find(|s| s.eq_ignore_ascii_case(&given))
        .map(|s| Command::Severity((*s).to_string()))
        .ok_or_else(|| {
            CommandError::new(
                format!("{given} is not a severity; use one of {list}."),
                suggestion,
            )
        })
}

fn parse_role(rest: &[Token], vocabulary: &Vocabulary<'_>) -> Result<Command, CommandError> {
    let [role, user] = rest else {
        return Err(CommandError::new(
            "Give a role and one person.",
            usage("role"),
        ));
    };
    let given = role.text();
    let role = given.to_lowercase();
    let known = if vocabulary.roles.is_empty() {
        !role.is_empty()
            && role.starts_with(|c: char| c.is_ascii_lowercase())
            && role
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    } else {
        vocabulary.roles.contains(&role.as_str())
    };
    if !known {
        let message = if vocabulary.roles.is_empty() {
            format!("{given} is not a role name; use lower-case letters, digits, - or _.")
        } else {
            format!(
                "{given} is not a role; use one of {}.",
                vocabulary.roles.join(", ")
            )
        };
        return Err(CommandError::new(message, usage("role")));
    }
    let user = user_mention(user).ok_or_else(|| {
        CommandError::new(
            format!("{} is not a person; mention them with @.", user.text()),
            usage("role"),
        )
    })?;
    Ok(Command::Role { role, user })
}

fn parse_page(rest: &[Token]) -> Result<Command, CommandError> {
    let [target] = rest else {
        return Err(CommandError::new(
            "Say whom to page: one @user group, @person, team:slug, service:slug or policy:number.",
            usage("page"),
        ));
    };
    page_target(target)
        .map(|target| Command::Page { target })
        .ok_or_else(|| {
            CommandError::new(
                format!("{} cannot be paged.", target.text()),
                "Try `/inc page @db-team`, `/inc page team:db` or `/inc page policy:3`.",
            )
        })
}

fn page_target(token: &Token) -> Option<PageTarget> {
    if let Token::Entity(e) = token {
        if let Some(group) = e.strip_prefix("!subteam^") {
            let (id, handle) = split_label(group);
            return Some(PageTarget::UserGroup {
                id: id.to_string(),
                handle: handle.map(|h| h.trim_start_matches('@').to_string()),
            });
        }
        return user_mention(token).map(PageTarget::User);
    }
    let Token::Word(w) = token else {
        return None;
    };
    if let Some((kind, value)) = w.split_once(':') {
        let value = value.trim_start_matches('@');
        if value.is_empty() {
            return None;
        }
        return match kind.to_lowercase().as_str() {
            "team" => Some(PageTarget::Team(value.to_lowercase())),
            "service" => Some(PageTarget::Service(value.to_lowercase())),
            "policy" => value.parse().ok().map(PageTarget::Policy),
            "user" => user_mention(&Token::Word(value.to_string())).map(PageTarget::User),
            _ => None,
        };
    }
    if w.contains('@') && !w.starts_with('@') {
        return user_mention(token).map(PageTarget::User);
    }
    let name = w.trim_start_matches('@');
    (!name.is_empty()).then(|| PageTarget::Name(name.to_string()))
}

fn parse_followup(rest: &[Token]) -> Result<Command, CommandError> {
    let mut owner = None;
    let mut due = None;
    let mut title = Vec::new();
    for token in rest {
        if let Token::Word(w) = token
            && w.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("due:"))
            && let Some(date) = w.get(4..)
        {
            if due.is_some() {
                return Err(CommandError::new("Give one due date.", usage("followup")));
            }
            due = Some(date.parse::<Date>().map_err(|_| {
                CommandError::new(
                    format!("{date} is not a date; write due:YYYY-MM-DD."),
                    usage("followup"),
                )
            })?);
            continue;
        }
        // Any person: a Slack mention, `@name`, an e-mail address or Slack's `<mailto:…>`.
        let is_person = match token {
            Token::Entity(_) => user_mention(token).is_some(),
            Token::Word(w) => w.len() > 1 && w.contains('@') && user_mention(token).is_some(),
            Token::Quoted(_) => false,
        };
        if is_person {
            if owner.is_some() {
                return Err(CommandError::new("Give one owner.", usage("followup")));
            }
            owner = user_mention(token);
            continue;
        }
        title.push(token.clone());
    }
    let title = free_text(&title)
        .ok_or_else(|| CommandError::new("Say what needs doing.", usage("followup")))?;
    Ok(Command::Followup { title, owner, due })
}

/// A person from a token: `<@U1|dana>`, `<@U1>`, `<mailto:a@b|a@b>`, `@dana`, `dana@example.com`.
fn user_mention(token: &Token) -> Option<UserMention> {
    match token {
        Token::Entity(e) => {
            if let Some(user) = e.strip_prefix('@') {
                let (id, name) = split_label(user);
                return (!id.is_empty()).then(|| UserMention::Slack {
                    id: id.to_string(),
                    name: name.map(str::to_string),
                });
            }
            let (link, _) = split_label(e);
            link.strip_prefix("mailto:")
                .filter(|a| a.contains('@'))
                .map(|a| UserMention::Email(a.to_string()))
        }
        Token::Word(w) => {
            if let Some(name) = w.strip_prefix('@') {
                (!name.is_empty() && !name.contains('@'))
                    .then(|| UserMention::Name(name.to_string()))
            } else if w.contains('@') && !w.ends_with('@') {
                Some(UserMention::Email(w.clone()))
            } else {
                None
            }
        }
        Token::Quoted(_) => None,
    }
}

/// The commands, as an ephemeral `/inc help` answer (Slack mrkdwn).
pub fn help_text() -> String {
    let mut out = format!("*{SLASH_COMMAND}* runs the incident of the channel it is typed in.\n");
    let lines: [(&str, &str); 9] = [
        ("declare [\"title\"]", "declare an incident (opens a form)"),
        (
            "status STATUS [\"message\"]",
            "move to a status, e.g. `status identified \"bad deploy\"`",
        ),
        (
            "severity SEVERITY",
            "change the severity, e.g. `severity SEV1`",
        ),
        (
            "role ROLE @person",
            "give a role, e.g. `role commander @dana`",
        ),
        (
            "update \"message\"",
            "post a public status page update (you confirm it first)",
        ),
        (
            "page WHOM",
            "page `@user-group`, `@person`, `team:db`, `service:api` or `policy:3`",
        ),
        ("resolve [\"message\"]", "resolve the incident"),
        (
            "followup \"title\" [@owner] [due:YYYY-MM-DD]",
            "add an action item",
        ),
        ("help", "show this"),
    ];
    for (syntax, what) in lines {
        out.push_str(&format!("• `{SLASH_COMMAND} {syntax}`: {what}\n"));
    }
    out.push_str("Quotes may be straight or curly; text without quotes works too.");
    out
}
