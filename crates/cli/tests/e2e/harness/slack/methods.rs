//! The fake workspace behind [`super::FakeSlack`], and its answers to each Web API method, as
//! Slack documents them (https://api.slack.com/methods): the same argument names, the same
//! `ok`/`error` answers and error codes, the same shapes of channels, messages, users and views.

mod shapes;
mod views;

pub use shapes::{channel_json, message_json, user_json};

use serde_json::{Value, json};
use std::collections::HashSet;

/// The fake workspace's id and name.
pub const TEAM_ID: &str = "T0DEBRIEF";
/// The bot user of the fake app (what `auth.test` and `oauth.v2.access` name).
pub const BOT_USER_ID: &str = "U0DEBRIEFBOT";
/// The bot id of the fake app.
pub const BOT_ID: &str = "B0DEBRIEFBOT";
/// The person who made the channels a test adds itself (`add_channel`).
pub const SOMEONE: &str = "U0SOMEONE01";

/// A channel of the fake workspace (public, private, or a DM).
#[derive(Debug, Clone)]
pub struct FakeChannel {
    /// `C…` (`D…` for a DM).
    pub id: String,
    /// Its name (the user id for a DM).
    pub name: String,
    /// Whether it is private.
    pub is_private: bool,
    /// Whether it was archived.
    pub is_archived: bool,
    /// Its topic.
    pub topic: String,
    /// Its members' user ids (the bot's among them when it is in it).
    pub members: Vec<String>,
    /// Who made it (`conversations.create`: the bot; [`Workspace::add_channel`]: a person).
    pub creator: String,
}

/// A message posted in the fake workspace.
#[derive(Debug, Clone)]
pub struct FakeMessage {
    /// The channel id.
    pub channel: String,
    /// Its `ts`, `1700000000.000100`.
    pub ts: String,
    /// Its author's user id.
    pub user: String,
    /// `text`.
    pub text: String,
    /// `blocks` (`null` when none).
    pub blocks: Value,
    /// `thread_ts` for a reply.
    pub thread_ts: Option<String>,
    /// Whether it is pinned.
    pub pinned: bool,
    /// Reactions: emoji name and who reacted.
    pub reactions: Vec<(String, Vec<String>)>,
    /// For an ephemeral message, the only user who sees it.
    pub ephemeral_to: Option<String>,
    /// How many times `chat.update` changed it.
    pub edits: u32,
}

/// A user of the fake workspace.
#[derive(Debug, Clone)]
pub struct FakeUser {
    /// `U…`.
    pub id: String,
    /// Their e-mail (what `users.lookupByEmail` finds).
    pub email: String,
    /// Their display name.
    pub name: String,
}

/// Everything the fake knows.
#[derive(Debug, Default)]
pub struct Workspace {
    /// Channels, in creation order.
    pub channels: Vec<FakeChannel>,
    /// Messages, in posting order.
    pub messages: Vec<FakeMessage>,
    /// Users the test seeded.
    pub users: Vec<FakeUser>,
    /// Views opened (`views.open`), updated in place.
    pub views: Vec<Value>,
    /// Tokens that authorize calls.
    pub tokens: HashSet<String>,
    /// OAuth codes not yet exchanged.
    pub codes: HashSet<String>,
    triggers_used: HashSet<String>,
    next: u64,
}

/// A call's arguments, from a JSON object or form fields (all strings).
pub struct Params<'a>(pub &'a Value);

impl Params<'_> {
    /// A string argument (numbers and booleans as written).
    pub fn str(&self, key: &str) -> Option<String> {
        match self.0.get(key)? {
            Value::String(s) if s.is_empty() => None,
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            v => Some(v.to_string()),
        }
    }

    /// A JSON argument: given as JSON, or as a JSON string (form bodies).
    pub fn json(&self, key: &str) -> Option<Value> {
        match self.0.get(key)? {
            Value::String(s) => serde_json::from_str(s).ok(),
            Value::Null => None,
            v => Some(v.clone()),
        }
    }

    /// A boolean argument (`true`, `"true"`, `"1"`).
    pub fn bool(&self, key: &str) -> bool {
        self.str(key).is_some_and(|v| v == "true" || v == "1")
    }
}

pub(super) fn err(code: &str) -> Value {
    json!({"ok": false, "error": code})
}

impl Workspace {
    pub(super) fn id(&mut self, prefix: &str) -> String {
        self.next += 1;
        format!("{prefix}0{:09}", self.next)
    }

    fn ts(&mut self) -> String {
        self.next += 1;
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_secs();
        format!("{secs}.{:06}", self.next % 1_000_000)
    }

    /// A fresh one-time OAuth code.
    pub fn new_code(&mut self) -> String {
        let code = format!("{}.{}", self.id("code"), self.next * 7919);
        self.codes.insert(code.clone());
        code
    }

    /// Adds a channel the bot is in, and returns its id.
    pub fn add_channel(&mut self, name: &str, is_private: bool, members: &[&str]) -> String {
        let id = self.id("C");
        let mut all = vec![BOT_USER_ID.to_string()];
        all.extend(members.iter().map(|m| (*m).to_string()));
        self.channels.push(FakeChannel {
            id: id.clone(),
            name: name.into(),
            is_private,
            is_archived: false,
            topic: String::new(),
            members: all,
            creator: SOMEONE.into(),
        });
        id
    }

    /// Posts a message as `user` (someone other than the bot), and returns its `ts`.
    pub fn add_message(&mut self, channel: &str, user: &str, text: &str) -> String {
        let ts = self.ts();
        self.messages.push(FakeMessage {
            channel: channel.into(),
            ts: ts.clone(),
            user: user.into(),
            text: text.into(),
            blocks: Value::Null,
            thread_ts: None,
            pinned: false,
            reactions: Vec::new(),
            ephemeral_to: None,
            edits: 0,
        });
        ts
    }

    fn channel(&self, p: &Params<'_>) -> Option<usize> {
        let c = p.str("channel")?;
        let name = c.trim_start_matches('#');
        self.channels
            .iter()
            .position(|ch| ch.id == c || (ch.name == name && !ch.id.starts_with('D')))
    }

    fn message(&self, channel: &str, ts: &str) -> Option<usize> {
        self.messages
            .iter()
            .position(|m| m.channel == channel && m.ts == ts && m.ephemeral_to.is_none())
    }

    fn user(&self, id: &str) -> Option<&FakeUser> {
        self.users.iter().find(|u| u.id == id)
    }

    /// Answers `method` called with `p` (already authorized).
    pub fn answer(&mut self, method: &str, p: &Params<'_>) -> Value {
        match method {
            "auth.test" => json!({"ok": true, "url": "https://debrief-fake.slack.com/",
                "team": "Debrief Fake", "user": "debrief", "team_id": TEAM_ID,
                "user_id": BOT_USER_ID, "bot_id": BOT_ID, "is_enterprise_install": false}),
            "conversations.create" => self.create(p),
            "conversations.invite" => self.invite(p),
            "conversations.setTopic" => self.with_channel(p, true, |ws, i| {
                let Some(topic) = p.str("topic") else {
                    return err("invalid_arguments");
                };
                if topic.chars().count() > 250 {
                    return err("too_long");
                }
                ws.channels[i].topic = topic;
                json!({"ok": true, "channel": channel_json(&ws.channels[i])})
            }),
            "conversations.archive" => self.with_channel(p, false, |ws, i| {
                if ws.channels[i].is_archived {
                    return err("already_archived");
                }
                ws.channels[i].is_archived = true;
                json!({"ok": true})
            }),
            "conversations.join" => self.with_channel(p, true, |ws, i| {
                if ws.channels[i].is_private {
                    return err("method_not_supported_for_channel_type");
                }
                if !ws.channels[i].members.iter().any(|m| m == BOT_USER_ID) {
                    ws.channels[i].members.push(BOT_USER_ID.into());
                }
                json!({"ok": true, "channel": channel_json(&ws.channels[i])})
            }),
            "conversations.info" => self.with_channel(
                p,
                false,
                |ws, i| json!({"ok": true, "channel": channel_json(&ws.channels[i])}),
            ),
            "conversations.list" => self.list(p),
            "chat.postMessage" => self.post(p),
            "chat.update" => self.update(p),
            "chat.postEphemeral" => self.post_ephemeral(p),
            "chat.getPermalink" => {
                let (Some(c), Some(ts)) = (p.str("channel"), p.str("message_ts")) else {
                    return err("invalid_arguments");
                };
                match self.message(&c, &ts) {
                    None => err("message_not_found"),
                    Some(_) => json!({"ok": true, "channel": c,
                        "permalink": format!("https://debrief-fake.slack.com/archives/{c}/p{}", ts.replace('.', ""))}),
                }
            }
            "pins.add" => self.with_channel(p, false, |ws, i| {
                let id = ws.channels[i].id.clone();
                let Some(m) = p.str("timestamp").and_then(|ts| ws.message(&id, &ts)) else {
                    return err("message_not_found");
                };
                if ws.messages[m].pinned {
                    return err("already_pinned");
                }
                ws.messages[m].pinned = true;
                json!({"ok": true})
            }),
            "reactions.get" => self.with_channel(p, false, |ws, i| {
                let id = ws.channels[i].id.clone();
                let Some(m) = p.str("timestamp").and_then(|ts| ws.message(&id, &ts)) else {
                    return err("message_not_found");
                };
                json!({"ok": true, "type": "message", "channel": id,
                    "message": message_json(&ws.messages[m], true)})
            }),
            "views.open" => self.open_view(p),
            "views.update" => self.update_view(p),
            "users.lookupByEmail" => {
                let email = p.str("email").unwrap_or_default().to_lowercase();
                match self.users.iter().find(|u| u.email.to_lowercase() == email) {
                    Some(u) => json!({"ok": true, "user": user_json(u)}),
                    None => err("users_not_found"),
                }
            }
            "users.info" => match p.str("user").and_then(|id| self.user(&id)) {
                Some(u) => json!({"ok": true, "user": user_json(u)}),
                None => err("user_not_found"),
            },
            _ => err("unknown_method"),
        }
    }

    /// Runs `f` on the channel named by `channel`; `channel_not_found` when there is none, and
    /// `is_archived` when `live` and it was archived.
    fn with_channel(
        &mut self,
        p: &Params<'_>,
        live: bool,
        f: impl FnOnce(&mut Self, usize) -> Value,
    ) -> Value {
        match self.channel(p) {
            None => err("channel_not_found"),
            Some(i) if live && self.channels[i].is_archived => err("is_archived"),
            Some(i) => f(self, i),
        }
    }

    fn create(&mut self, p: &Params<'_>) -> Value {
        let Some(name) = p.str("name") else {
            return err("invalid_name_required");
        };
        if name.chars().count() > 80 {
            return err("invalid_name_maxlength");
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        {
            return err("invalid_name_specials");
        }
        if name.chars().all(|c| c == '-' || c == '_') {
            return err("invalid_name_punctuation");
        }
        if self.channels.iter().any(|c| c.name == name) {
            return err("name_taken");
        }
        let id = self.add_channel(&name, p.bool("is_private"), &[]);
        let i = self.channels.len() - 1;
        self.channels[i].creator = BOT_USER_ID.into();
        debug_assert_eq!(self.channels[i].id, id);
        json!({"ok": true, "channel": channel_json(&self.channels[i])})
    }

    /// `conversations.list`, a page of `limit` at a time with an opaque `cursor`.
    fn list(&self, p: &Params<'_>) -> Value {
        let types = p.str("types").unwrap_or_else(|| "public_channel".into());
        let limit: usize = p.str("limit").and_then(|l| l.parse().ok()).unwrap_or(100);
        let start: usize = match p.str("cursor") {
            None => 0,
            Some(c) => match c.strip_prefix("ZmFrZQ-").and_then(|n| n.parse().ok()) {
                Some(n) => n,
                None => return err("invalid_cursor"),
            },
        };
        let all: Vec<&FakeChannel> = self
            .channels
            .iter()
            .filter(|c| !c.id.starts_with('D'))
            .filter(|c| !(p.bool("exclude_archived") && c.is_archived))
            .filter(|c| {
                types.contains(if c.is_private {
                    "private_channel"
                } else {
                    "public_channel"
                })
            })
            .collect();
        let end = (start + limit.clamp(1, 1000)).min(all.len());
        let page: Vec<Value> = all[start.min(end)..end]
            .iter()
            .map(|c| channel_json(c))
            .collect();
        let next = if end < all.len() {
            format!("ZmFrZQ-{end}")
        } else {
            String::new()
        };
        json!({"ok": true, "channels": page, "response_metadata": {"next_cursor": next}})
    }

    fn invite(&mut self, p: &Params<'_>) -> Value {
        let users: Vec<String> = p
            .str("users")
            .unwrap_or_default()
            .split(',')
            .map(|u| u.trim().to_string())
            .filter(|u| !u.is_empty())
            .collect();
        if users.is_empty() {
            return err("no_user");
        }
        self.with_channel(p, true, |ws, i| {
            if !ws.channels[i].members.iter().any(|m| m == BOT_USER_ID) {
                return err("not_in_channel");
            }
            if users.iter().any(|u| u == BOT_USER_ID) {
                return err("cant_invite_self");
            }
            if users.iter().any(|u| ws.user(u).is_none()) {
                return err("user_not_found");
            }
            let new: Vec<String> = users
                .into_iter()
                .filter(|u| !ws.channels[i].members.contains(u))
                .collect();
            if new.is_empty() {
                return err("already_in_channel");
            }
            ws.channels[i].members.extend(new);
            json!({"ok": true, "channel": channel_json(&ws.channels[i])})
        })
    }

    /// The channel a post goes to: a channel the bot is in, or a DM opened for a user id.
    fn post_target(&mut self, p: &Params<'_>) -> Result<usize, Value> {
        if let Some(i) = self.channel(p) {
            let ch = &self.channels[i];
            if ch.is_archived {
                return Err(err("is_archived"));
            }
            if !ch.members.iter().any(|m| m == BOT_USER_ID) {
                return Err(err("not_in_channel"));
            }
            return Ok(i);
        }
        let to = p.str("channel").unwrap_or_default();
        if self.user(&to).is_none() {
            return Err(err("channel_not_found"));
        }
        if let Some(i) = self
            .channels
            .iter()
            .position(|c| c.id.starts_with('D') && c.name == to)
        {
            return Ok(i);
        }
        let id = self.id("D");
        self.channels.push(FakeChannel {
            id,
            name: to.clone(),
            is_private: true,
            is_archived: false,
            topic: String::new(),
            members: vec![BOT_USER_ID.into(), to],
            creator: BOT_USER_ID.into(),
        });
        Ok(self.channels.len() - 1)
    }

    fn post(&mut self, p: &Params<'_>) -> Value {
        let i = match self.post_target(p) {
            Ok(i) => i,
            Err(e) => return e,
        };
        let (text, blocks) = (p.str("text"), p.json("blocks"));
        if text.is_none() && blocks.is_none() && p.json("attachments").is_none() {
            return err("no_text");
        }
        let ts = self.ts();
        let channel = self.channels[i].id.clone();
        self.messages.push(FakeMessage {
            channel: channel.clone(),
            ts: ts.clone(),
            user: BOT_USER_ID.into(),
            text: text.unwrap_or_default(),
            blocks: blocks.unwrap_or(Value::Null),
            thread_ts: p.str("thread_ts"),
            pinned: false,
            reactions: Vec::new(),
            ephemeral_to: None,
            edits: 0,
        });
        let m = message_json(self.messages.last().expect("just pushed"), false);
        json!({"ok": true, "channel": channel, "ts": ts, "message": m})
    }

    fn update(&mut self, p: &Params<'_>) -> Value {
        let Some(c) = self.channel(p).map(|i| self.channels[i].id.clone()) else {
            return err("channel_not_found");
        };
        let Some(m) = p.str("ts").and_then(|ts| self.message(&c, &ts)) else {
            return err("message_not_found");
        };
        if self.messages[m].user != BOT_USER_ID {
            return err("cant_update_message");
        }
        let msg = &mut self.messages[m];
        if let Some(text) = p.str("text") {
            msg.text = text;
        }
        if let Some(blocks) = p.json("blocks") {
            msg.blocks = blocks;
        }
        msg.edits += 1;
        let (ts, text) = (msg.ts.clone(), msg.text.clone());
        json!({"ok": true, "channel": c, "ts": ts, "text": text,
            "message": message_json(&self.messages[m], false)})
    }

    fn post_ephemeral(&mut self, p: &Params<'_>) -> Value {
        let Some(user) = p.str("user") else {
            return err("user_not_found");
        };
        let i = match self.post_target(p) {
            Ok(i) => i,
            Err(e) => return e,
        };
        if !self.channels[i].members.contains(&user) {
            return err("user_not_in_channel");
        }
        let (text, blocks) = (p.str("text"), p.json("blocks"));
        if text.is_none() && blocks.is_none() {
            return err("no_text");
        }
        let ts = self.ts();
        self.messages.push(FakeMessage {
            channel: self.channels[i].id.clone(),
            ts: ts.clone(),
            user: BOT_USER_ID.into(),
            text: text.unwrap_or_default(),
            blocks: blocks.unwrap_or(Value::Null),
            thread_ts: p.str("thread_ts"),
            pinned: false,
            reactions: Vec::new(),
            ephemeral_to: Some(user),
            edits: 0,
        });
        json!({"ok": true, "message_ts": ts})
    }
}
