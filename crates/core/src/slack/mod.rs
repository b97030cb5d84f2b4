//! Slack (issue 13): the pure half of running incidents without leaving Slack.
//!
//! The server receives Slack's requests, checks them with [`signature::verify`] over the raw
//! body, parses them with [`payloads`], turns `/inc` text into a [`command::Command`], calls the
//! same actions the API and CLI call, and answers with the Block Kit built by [`blocks`].
//! Channels it creates for incidents are named by [`channel::channel_name`]. Nothing here does
//! I/O or reads the clock: "now" and the workspace's taken channel names are parameters.
//!
//! # Layout
//! - [`signature`]: Slack's `v0` request signature and its five-minute replay window.
//! - [`payloads`]: serde types for slash commands, interactivity (`block_actions`,
//!   `view_submission`) and the Events API (`url_verification`, `reaction_added`, `pin_added`,
//!   `message`), tolerant of fields Slack adds later.
//! - [`command`]: the `/inc` grammar (the CLI's commands as words), with errors that say what
//!   to type instead, and the help text; its private `token` module splits the text into
//!   words, quoted strings and Slack's `<…>` entities.
//! - [`channel`]: `inc-42-checkout-fails` channel names under Slack's rules.
//! - [`blocks`]: Block Kit messages and modals: the pinned incident summary, page DMs with
//!   Acknowledge / Resolve buttons, the declare modal and the update confirmation.
//!
//! # Where the formats were checked
//! The signature's known answer is Slack's documented example (which `slack_sdk` reproduces).
//! The payload fixtures in `tests/fixtures/slack/` are written from Slack's API documentation;
//! the message fixtures are copies of bodies `slack_sdk` sent (`shared/fixtures/slack-*.json`).

pub mod blocks;
pub mod channel;
pub mod command;
pub mod payloads;
pub mod signature;
mod token;

pub use command::{Command, CommandError, PageTarget, UserMention, Vocabulary};
pub use signature::{SignatureError, sign, verify};

#[cfg(test)]
mod tests;
