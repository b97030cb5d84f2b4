//! Each user's notification rules: which channels, how many minutes after a level notifies
//! them (push at once, e-mail after 1 minute, a webhook after 5).
//!
//! A level firing that notifies a user at `T` contacts them on each rule's channel at
//! `T + after_minutes`, unless the page is acknowledged or resolved first (the same cut-off as
//! escalation: a contact due exactly at the acknowledgement is not sent). A user with no rule,
//! or none on a working channel, is flagged to admins by the server.

use crate::Timestamp;
use crate::validation::ValidationError;
use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

/// The most rules a user has.
pub const MAX_RULES: usize = 20;
/// The longest wait of a rule, in minutes.
pub const MAX_AFTER_MINUTES: u32 = 1440;

/// Where a notification goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// E-mail, through the server's SMTP settings.
    Email,
    /// A signed webhook to the user's URL.
    Webhook,
    /// ntfy: an HTTP publish to a topic on a self-hosted or public ntfy server.
    Ntfy,
    /// Web Push (RFC 8030 with VAPID) to the browser the user signed in with.
    WebPush,
    /// A Slack direct message (once the Slack app is connected).
    Slack,
}

impl Channel {
    /// Every channel.
    pub const ALL: [Channel; 5] = [
        Channel::Email,
        Channel::Webhook,
        Channel::Ntfy,
        Channel::WebPush,
        Channel::Slack,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Webhook => "webhook",
            Channel::Ntfy => "ntfy",
            Channel::WebPush => "web_push",
            Channel::Slack => "slack",
        }
    }

    /// Parses a stored or submitted name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// One rule: contact on `channel`, `after_minutes` after a level notifies the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Where.
    pub channel: Channel,
    /// Minutes after the level's firing.
    pub after_minutes: u32,
}

/// One contact to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Contact {
    /// Where.
    pub channel: Channel,
    /// When.
    #[serde(with = "crate::ts")]
    pub at: Timestamp,
}

/// Checks a user's rules: at most [`MAX_RULES`], waits of 0 to [`MAX_AFTER_MINUTES`] minutes,
/// and no rule twice.
pub fn validate(rules: &[Rule]) -> Result<(), ValidationError> {
    let mut e = ValidationError::default();
    if rules.len() > MAX_RULES {
        e.push("rules", format!("at most {MAX_RULES} rules"));
    }
    for (n, r) in rules.iter().enumerate() {
        if r.after_minutes > MAX_AFTER_MINUTES {
            e.push(
                format!("rules[{n}].after_minutes"),
                format!("must be 0 to {MAX_AFTER_MINUTES} minutes"),
            );
        }
        if rules[..n].contains(r) {
            e.push(format!("rules[{n}]"), "is the same as an earlier rule");
        }
    }
    if e.fields.is_empty() { Ok(()) } else { Err(e) }
}

/// The contacts a level firing at `fired_at` makes for a user with `rules`, in time order
/// (then channel order), leaving out those due at or after `stop` (the page's acknowledgement
/// or resolution, if any).
pub fn contacts(rules: &[Rule], fired_at: Timestamp, stop: Option<Timestamp>) -> Vec<Contact> {
    let mut out: Vec<Contact> = rules
        .iter()
        .filter_map(|r| {
            let at = fired_at
                .checked_add(SignedDuration::from_mins(i64::from(r.after_minutes)))
                .ok()?;
            stop.is_none_or(|s| at < s).then_some(Contact {
                channel: r.channel,
                at,
            })
        })
        .collect();
    out.sort_by_key(|c| (c.at, c.channel));
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().expect("a time")
    }

    fn rules() -> Vec<Rule> {
        vec![
            Rule {
                channel: Channel::Webhook,
                after_minutes: 5,
            },
            Rule {
                channel: Channel::Ntfy,
                after_minutes: 0,
            },
            Rule {
                channel: Channel::Email,
                after_minutes: 1,
            },
        ]
    }

    #[test]
    fn contacts_follow_the_rules_in_time_order() {
        let c = contacts(&rules(), t("2026-12-07T09:00:00Z"), None);
        let got: Vec<(&str, Timestamp)> = c.iter().map(|c| (c.channel.as_str(), c.at)).collect();
        assert_eq!(
            got,
            vec![
                ("ntfy", t("2026-12-07T09:00:00Z")),
                ("email", t("2026-12-07T09:01:00Z")),
                ("webhook", t("2026-12-07T09:05:00Z")),
            ]
        );
    }

    #[test]
    fn an_acknowledgement_stops_contacts_due_at_or_after_it() {
        let c = contacts(
            &rules(),
            t("2026-12-07T09:00:00Z"),
            Some(t("2026-12-07T09:01:00Z")),
        );
        assert_eq!(
            c.len(),
            1,
            "the e-mail due exactly at the acknowledgement is not sent"
        );
        assert_eq!(c[0].channel, Channel::Ntfy);
    }

    #[test]
    fn rules_are_checked_and_channels_named() {
        assert!(validate(&rules()).is_ok());
        let bad = vec![
            Rule {
                channel: Channel::Email,
                after_minutes: 2000,
            },
            Rule {
                channel: Channel::Email,
                after_minutes: 2000,
            },
        ];
        let e = validate(&bad).unwrap_err();
        let fields: Vec<&str> = e.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "rules[0].after_minutes",
                "rules[1].after_minutes",
                "rules[1]"
            ]
        );
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(c));
        }
        assert_eq!(Channel::parse("pager"), None);
        assert_eq!(
            serde_json::to_string(&Channel::WebPush).unwrap(),
            r#""web_push""#
        );
    }
}
