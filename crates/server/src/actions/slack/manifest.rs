//! The Slack app manifest: what an admin pastes into "Create an app → From a manifest", with
//! the scopes Debrief needs and this server's URLs for the slash command, interactivity and
//! events.

use serde_json::{Value, json};

/// The bot scopes: channels per incident (create, invite, pin, read their messages and
/// reactions), DMs for pages, `/inc`, and finding people by e-mail.
pub const BOT_SCOPES: &[&str] = &[
    "channels:manage",
    "channels:read",
    "groups:write",
    "chat:write",
    "commands",
    "pins:write",
    "reactions:read",
    "users:read",
    "users:read.email",
    "im:write",
    "channels:history",
    "groups:history",
];

/// The events the app subscribes to.
pub const BOT_EVENTS: &[&str] = &["reaction_added", "pin_added", "message.channels"];

/// The manifest for a server reached at `public_url`.
pub fn app_manifest(public_url: &str) -> Value {
    let base = public_url.trim_end_matches('/');
    json!({
        "display_information": {
            "name": "Debrief",
            "description": "Declare and run incidents from Slack.",
        },
        "features": {
            "bot_user": {"display_name": "Debrief", "always_online": true},
            "slash_commands": [{
                "command": "/inc",
                "url": format!("{base}/slack/commands"),
                "description": "Declare and run incidents",
                "usage_hint": "declare <title> | status | resolve | help",
                "should_escape": false,
            }],
        },
        "oauth_config": {
            "redirect_urls": [format!("{base}/slack/oauth/callback")],
            "scopes": {"bot": BOT_SCOPES},
        },
        "settings": {
            "event_subscriptions": {
                "request_url": format!("{base}/slack/events"),
                "bot_events": BOT_EVENTS,
            },
            "interactivity": {
                "is_enabled": true,
                "request_url": format!("{base}/slack/interactivity"),
            },
            "org_deploy_enabled": false,
            "socket_mode_enabled": false,
            "token_rotation_enabled": false,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_points_at_this_server() {
        let m = app_manifest("https://debrief.example.com/");
        assert_eq!(
            m["features"]["slash_commands"][0]["url"],
            "https://debrief.example.com/slack/commands"
        );
        assert_eq!(
            m["settings"]["interactivity"]["request_url"],
            "https://debrief.example.com/slack/interactivity"
        );
        assert_eq!(
            m["oauth_config"]["redirect_urls"][0],
            "https://debrief.example.com/slack/oauth/callback"
        );
        assert_eq!(
            m["oauth_config"]["scopes"]["bot"].as_array().unwrap().len(),
            12
        );
    }
}
