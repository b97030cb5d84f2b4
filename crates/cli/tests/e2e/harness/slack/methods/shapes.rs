//! Channels, messages and users as the Web API shows them.

use super::{BOT_ID, BOT_USER_ID, FakeChannel, FakeMessage, FakeUser, TEAM_ID};
use serde_json::{Value, json};

/// A channel as the Web API shows it.
pub fn channel_json(c: &FakeChannel) -> Value {
    let dm = c.id.starts_with('D');
    json!({"id": c.id, "name": c.name, "name_normalized": c.name, "is_channel": !dm && !c.is_private,
        "is_group": false, "is_im": dm, "is_private": c.is_private, "is_archived": c.is_archived,
        "is_general": false, "is_member": c.members.iter().any(|m| m == BOT_USER_ID),
        "created": 1_700_000_000, "creator": c.creator, "num_members": c.members.len(),
        "topic": {"value": c.topic, "creator": if c.topic.is_empty() { "" } else { BOT_USER_ID }, "last_set": 0},
        "purpose": {"value": "", "creator": "", "last_set": 0}})
}

/// A message as the Web API shows it (with its reactions for `reactions.get`).
pub fn message_json(m: &FakeMessage, reactions: bool) -> Value {
    let mut v =
        json!({"type": "message", "user": m.user, "text": m.text, "ts": m.ts, "team": TEAM_ID});
    if m.user == BOT_USER_ID {
        v["bot_id"] = json!(BOT_ID);
    }
    if !m.blocks.is_null() {
        v["blocks"] = m.blocks.clone();
    }
    if let Some(t) = &m.thread_ts {
        v["thread_ts"] = json!(t);
    }
    if m.pinned {
        v["pinned_to"] = json!([m.channel]);
    }
    if reactions && !m.reactions.is_empty() {
        v["reactions"] = m
            .reactions
            .iter()
            .map(|(name, users)| json!({"name": name, "users": users, "count": users.len()}))
            .collect();
    }
    v
}

/// A user as the Web API shows it.
pub fn user_json(u: &FakeUser) -> Value {
    json!({"id": u.id, "team_id": TEAM_ID, "name": u.name, "real_name": u.name, "deleted": false,
        "is_bot": false, "tz": "Europe/London",
        "profile": {"email": u.email, "real_name": u.name, "display_name": u.name}})
}
