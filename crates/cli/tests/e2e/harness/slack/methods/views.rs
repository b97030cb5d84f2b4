//! `views.open` and `views.update`: modals opened once per trigger, updated by id with a hash.

use super::{BOT_ID, Params, TEAM_ID, Workspace, err};
use serde_json::{Value, json};

impl Workspace {
    pub(super) fn open_view(&mut self, p: &Params<'_>) -> Value {
        let Some(trigger) = p.str("trigger_id") else {
            return err("invalid_arguments");
        };
        let Some(view) = p.json("view").filter(Value::is_object) else {
            return err("invalid_arguments");
        };
        // A trigger opens one view, once (Slack: `expired_trigger_id` after 3 s or reuse).
        if !self.triggers_used.insert(trigger) {
            return err("expired_trigger_id");
        }
        let id = self.id("V");
        let mut v = view;
        v["id"] = json!(id);
        v["team_id"] = json!(TEAM_ID);
        v["hash"] = json!(self.id("hash"));
        v["app_id"] = json!("A0DEBRIEF");
        v["bot_id"] = json!(BOT_ID);
        self.views.push(v.clone());
        json!({"ok": true, "view": v})
    }

    pub(super) fn update_view(&mut self, p: &Params<'_>) -> Value {
        let Some(view) = p.json("view").filter(Value::is_object) else {
            return err("invalid_arguments");
        };
        let id = p.str("view_id");
        let external = p.str("external_id");
        let Some(i) = self.views.iter().position(|v| {
            id.as_deref().is_some_and(|id| v["id"] == id)
                || external.as_deref().is_some_and(|e| v["external_id"] == e)
        }) else {
            return err("not_found");
        };
        if let Some(hash) = p.str("hash")
            && self.views[i]["hash"] != hash.as_str()
        {
            return err("hash_conflict");
        }
        let mut v = view;
        for k in ["id", "team_id", "app_id", "bot_id"] {
            v[k] = self.views[i][k].clone();
        }
        v["hash"] = json!(self.id("hash"));
        self.views[i] = v.clone();
        json!({"ok": true, "view": v})
    }
}
