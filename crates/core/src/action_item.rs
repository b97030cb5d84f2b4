//! Action items: follow-up work with an owner and a due date, chased until done.

use crate::validation::{ValidationError, optional_text, required_text};
use serde::{Deserialize, Serialize};

/// Where an action item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    /// Not started.
    Open,
    /// Someone is on it.
    InProgress,
    /// Finished.
    Done,
    /// Decided against, with a reason.
    WontDo,
}

impl ItemStatus {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Open => "open",
            ItemStatus::InProgress => "in_progress",
            ItemStatus::Done => "done",
            ItemStatus::WontDo => "wont_do",
        }
    }

    /// Whether nothing is left to do (done, or explicitly won't do).
    pub fn is_settled(self) -> bool {
        matches!(self, ItemStatus::Done | ItemStatus::WontDo)
    }
}

impl std::str::FromStr for ItemStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "open" => ItemStatus::Open,
            "in_progress" => ItemStatus::InProgress,
            "done" => ItemStatus::Done,
            "wont_do" => ItemStatus::WontDo,
            other => {
                return Err(format!(
                    "unknown status '{other}' (use open, in_progress, done or wont_do)"
                ));
            }
        })
    }
}

/// How urgent an action item is.
pub const PRIORITIES: [&str; 4] = ["urgent", "high", "medium", "low"];

/// An action item as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionItem {
    /// Its number.
    pub id: i64,
    /// The incident it came from (`INC-42`).
    pub incident: String,
    /// What to do, in a line.
    pub title: String,
    /// More detail (Markdown).
    pub description: String,
    /// The owner's user id.
    pub owner_id: Option<i64>,
    /// The owner's name.
    pub owner: Option<String>,
    /// The team that owns it.
    pub team: Option<String>,
    /// The day it is due (`YYYY-MM-DD`, the organisation's calendar).
    pub due_on: Option<String>,
    /// `urgent`, `high`, `medium` or `low`.
    pub priority: String,
    /// Where it is.
    pub status: ItemStatus,
    /// Why it won't be done.
    pub wont_do_reason: Option<String>,
    /// The tracker issue it lives in.
    pub tracker_url: Option<String>,
    /// Created from the postmortem (rather than during the incident).
    pub from_postmortem: bool,
    /// Incremented by every change.
    pub version: i64,
    /// When it was created.
    #[serde(with = "crate::ts")]
    pub created_at: crate::Timestamp,
    /// When it was settled (done or won't do).
    #[serde(with = "crate::ts_opt")]
    pub settled_at: Option<crate::Timestamp>,
    /// Whether it is past its due day and not settled (as of the read).
    pub overdue: bool,
}

/// A new action item or a change to one, as clients send it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemInput {
    /// What to do.
    pub title: Option<String>,
    /// More detail.
    pub description: Option<String>,
    /// The owner, by user id.
    pub owner_id: Option<Option<i64>>,
    /// The owning team's slug.
    pub team: Option<Option<String>>,
    /// Due day, `YYYY-MM-DD`.
    pub due_on: Option<Option<String>>,
    /// Priority.
    pub priority: Option<String>,
    /// Status.
    pub status: Option<String>,
    /// Why it won't be done (needed with `wont_do`).
    pub wont_do_reason: Option<String>,
    /// Tracker link (http or https).
    pub tracker_url: Option<Option<String>>,
    /// Whether it came out of the postmortem.
    #[serde(default)]
    pub from_postmortem: Option<bool>,
    /// The version the client last saw.
    pub version: Option<i64>,
}

/// The checked fields of an action item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemFields {
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Owner.
    pub owner_id: Option<i64>,
    /// Team.
    pub team: Option<String>,
    /// Due day.
    pub due_on: Option<String>,
    /// Priority.
    pub priority: String,
    /// Status.
    pub status: ItemStatus,
    /// Reason for won't do.
    pub wont_do_reason: Option<String>,
    /// Tracker link.
    pub tracker_url: Option<String>,
    /// From the postmortem.
    pub from_postmortem: bool,
}

impl ItemFields {
    /// A blank item, the base of a new one.
    pub fn blank() -> Self {
        Self {
            title: String::new(),
            description: String::new(),
            owner_id: None,
            team: None,
            due_on: None,
            priority: "medium".into(),
            status: ItemStatus::Open,
            wont_do_reason: None,
            tracker_url: None,
            from_postmortem: false,
        }
    }
}

impl ItemInput {
    /// Applies the input to `current` (a blank item for a new one), checking every field.
    pub fn apply(
        &self,
        current: &ItemFields,
        creating: bool,
    ) -> Result<ItemFields, ValidationError> {
        let mut e = ValidationError::default();
        let mut next = current.clone();
        match (&self.title, creating) {
            (Some(t), _) => next.title = required_text(&mut e, "title", t, 300),
            (None, true) => e.push("title", "is required"),
            (None, false) => {}
        }
        if let Some(d) = &self.description {
            next.description =
                optional_text(&mut e, "description", Some(d), 20_000).unwrap_or_default();
        }
        if let Some(o) = self.owner_id {
            next.owner_id = o;
        }
        if let Some(t) = &self.team {
            next.team = t
                .as_deref()
                .map(|t| crate::validation::slug(&mut e, "team", t));
        }
        if let Some(d) = &self.due_on {
            next.due_on = match d.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(d) => match d.parse::<jiff::civil::Date>() {
                    Ok(date) => Some(date.to_string()),
                    Err(_) => {
                        e.push("due_on", format!("'{d}' is not a date (use YYYY-MM-DD)"));
                        None
                    }
                },
            };
        }
        if let Some(p) = &self.priority {
            let p = p.trim().to_ascii_lowercase();
            if PRIORITIES.contains(&p.as_str()) {
                next.priority = p;
            } else {
                e.push(
                    "priority",
                    format!("unknown priority '{p}' (use urgent, high, medium or low)"),
                );
            }
        }
        if let Some(s) = &self.status {
            match s.parse::<ItemStatus>() {
                Ok(s) => next.status = s,
                Err(m) => e.push("status", m),
            }
        }
        if let Some(r) = &self.wont_do_reason {
            next.wont_do_reason = optional_text(&mut e, "wont_do_reason", Some(r), 2000);
        }
        if next.status == ItemStatus::WontDo {
            if next
                .wont_do_reason
                .as_deref()
                .is_none_or(|r| r.trim().is_empty())
            {
                e.push("wont_do_reason", "say why it won't be done");
            }
        } else if self.status.is_some() {
            next.wont_do_reason = None;
        }
        if let Some(u) = &self.tracker_url {
            next.tracker_url = match u.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(u) if u.starts_with("https://") || u.starts_with("http://") => {
                    Some(u.to_string())
                }
                Some(_) => {
                    e.push("tracker_url", "must be an http or https link");
                    None
                }
            };
        }
        if let Some(p) = self.from_postmortem {
            next.from_postmortem = p;
        }
        e.into_result(next)
    }
}

/// Whether an item due on `due_on` is overdue on `today` (both in the organisation's calendar).
pub fn is_overdue(status: ItemStatus, due_on: Option<&str>, today: jiff::civil::Date) -> bool {
    !status.is_settled()
        && due_on
            .and_then(|d| d.parse::<jiff::civil::Date>().ok())
            .is_some_and(|d| d < today)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_item_needs_a_title_and_wont_do_needs_a_reason() {
        let e = ItemInput::default()
            .apply(&ItemFields::blank(), true)
            .unwrap_err();
        assert_eq!(e.fields[0].field, "title");
        let input = ItemInput {
            title: Some("Add a canary".into()),
            status: Some("wont_do".into()),
            ..Default::default()
        };
        let e = input.apply(&ItemFields::blank(), true).unwrap_err();
        assert_eq!(e.fields[0].field, "wont_do_reason");
    }

    #[test]
    fn bad_fields_are_each_named() {
        let input = ItemInput {
            title: Some("x".into()),
            due_on: Some(Some("tomorrow".into())),
            priority: Some("asap".into()),
            status: Some("finished".into()),
            tracker_url: Some(Some("javascript:alert(1)".into())),
            ..Default::default()
        };
        let e = input.apply(&ItemFields::blank(), true).unwrap_err();
        let fields: Vec<_> = e.fields.iter().map(|f| f.field.as_str()).collect();
        for f in ["due_on", "priority", "status", "tracker_url"] {
            assert!(fields.contains(&f), "{f} in {fields:?}");
        }
    }

    #[test]
    fn overdue_means_past_the_due_day_and_not_settled() {
        let today: jiff::civil::Date = "2026-11-21".parse().unwrap();
        assert!(is_overdue(ItemStatus::Open, Some("2026-11-20"), today));
        assert!(!is_overdue(ItemStatus::Open, Some("2026-11-21"), today));
        assert!(!is_overdue(ItemStatus::Done, Some("2026-11-01"), today));
        assert!(!is_overdue(ItemStatus::Open, None, today));
    }
}
