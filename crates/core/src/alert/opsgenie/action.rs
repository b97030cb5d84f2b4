//! Actions on an existing alert: acknowledge, close, add note.
//!
//! ```text
//! POST /v2/alerts/{identifier}/acknowledge?identifierType=alias
//! {"user": "Monitoring Script", "source": "AWS Lambda", "note": "Action executed via Alert API"}
//! ```
//!
//! The alert is named in the path by its `id` (the default), its `tiny` id or its `alias` (the
//! dedup key), as `identifierType` says. Every body field is optional except the note of an
//! add-note request; an empty body counts as `{}`.

use super::create::{MAX_NOTE_CHARS, MAX_SOURCE_CHARS};
use super::{OpsgenieError, reject};
use crate::alert::fields;
use crate::alert::types::SignalAction;
use std::collections::BTreeMap;

/// What the `{identifier}` in the path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum IdentifierType {
    /// The alert's id (the default).
    #[default]
    Id,
    /// The alert's short id.
    Tiny,
    /// The alert's alias: its dedup key.
    Alias,
}

impl IdentifierType {
    /// `id`, `tiny`, `alias`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::Tiny => "tiny",
            Self::Alias => "alias",
        }
    }

    /// Parses the `identifierType` query value; absent or empty means `id`.
    pub fn parse(value: Option<&str>) -> Result<Self, OpsgenieError> {
        match value.map(str::trim) {
            None | Some("") | Some("id") => Ok(Self::Id),
            Some("tiny") => Ok(Self::Tiny),
            Some("alias") => Ok(Self::Alias),
            Some(_) => {
                let mut errors = BTreeMap::new();
                reject(
                    &mut errors,
                    "identifierType",
                    "should be one of [ id, tiny, alias ]",
                );
                Err(OpsgenieError::unprocessable(errors))
            }
        }
    }
}

/// The alert a path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertIdentifier {
    /// How to read `value`.
    pub kind: IdentifierType,
    /// The id, tiny id or alias, as sent.
    pub value: String,
}

/// Reads the path's `{identifier}` and the `identifierType` query value.
pub fn parse_identifier(
    identifier: &str,
    identifier_type: Option<&str>,
) -> Result<AlertIdentifier, OpsgenieError> {
    let kind = IdentifierType::parse(identifier_type)?;
    if identifier.trim().is_empty() {
        let mut errors = BTreeMap::new();
        reject(&mut errors, "identifier", "Identifier can not be empty.");
        return Err(OpsgenieError::unprocessable(errors));
    }
    Ok(AlertIdentifier {
        kind,
        value: identifier.to_string(),
    })
}

/// Which action a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionKind {
    /// `…/acknowledge`.
    Acknowledge,
    /// `…/close`.
    Close,
    /// `…/notes`.
    AddNote,
}

impl ActionKind {
    /// The name Opsgenie's request status document gives the action.
    pub fn request_action(self) -> &'static str {
        match self {
            Self::Acknowledge => "Acknowledge",
            Self::Close => "Close",
            Self::AddNote => "AddNote",
        }
    }

    /// What the action does to the alert's state, for [`crate::alert::dedup::decide`]:
    /// acknowledge and close (resolve); a note changes no state.
    pub fn signal_action(self) -> Option<SignalAction> {
        match self {
            Self::Acknowledge => Some(SignalAction::Acknowledge),
            Self::Close => Some(SignalAction::Resolve),
            Self::AddNote => None,
        }
    }
}

/// A valid action request's body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertAction {
    /// Which action.
    pub kind: ActionKind,
    /// Who did it (display name), if given; at most 100 characters (longer is cut).
    pub user: Option<String>,
    /// Where it came from, if given; at most 100 characters (longer is cut).
    pub source: Option<String>,
    /// A note for the alert; required for [`ActionKind::AddNote`]; at most 25 000 characters
    /// (longer is cut).
    pub note: Option<String>,
}

/// Parses an action request's body (empty means `{}`).
pub fn parse_action(kind: ActionKind, body: &[u8]) -> Result<AlertAction, OpsgenieError> {
    let obj = if body.iter().all(u8::is_ascii_whitespace) {
        fields::Object::new()
    } else {
        fields::object(body).map_err(|_| OpsgenieError::not_json())?
    };
    let mut errors = BTreeMap::new();
    let mut text = |key: &str, name: &str, max: usize| match fields::non_blank(&obj, key) {
        Ok(v) => v.map(|s| fields::truncate_chars(s, max)),
        Err(_) => {
            reject(&mut errors, key, format!("{name} should be a string."));
            None
        }
    };
    let user = text("user", "User", MAX_SOURCE_CHARS);
    let source = text("source", "Source", MAX_SOURCE_CHARS);
    let note = text("note", "Note", MAX_NOTE_CHARS);
    if kind == ActionKind::AddNote && note.is_none() && !errors.contains_key("note") {
        reject(&mut errors, "note", "Note can not be empty.");
    }
    if !errors.is_empty() {
        return Err(OpsgenieError::unprocessable(errors));
    }
    Ok(AlertAction {
        kind,
        user,
        source,
        note,
    })
}
