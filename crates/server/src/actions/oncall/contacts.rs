//! Each user's notification rules and channel addresses, Web Push subscriptions and the
//! server's VAPID key, and who cannot be reached.

use super::*;
use debrief_core::oncall::notify::{Channel, Rule};
use debrief_store::oncall::{PushSubscriptionRow, UserNotify};

/// The rules of a user who set none: an e-mail at once.
pub const DEFAULT_RULES: [Rule; 1] = [Rule {
    channel: Channel::Email,
    after_minutes: 0,
}];

/// A user's rules (the default when they set none).
pub async fn rules_of(state: &AppState, user: i64) -> Result<Vec<Rule>, AppError> {
    Ok(match state.store.user_notify(user).await? {
        Some(n) if !n.rules.is_empty() => n.rules,
        _ => DEFAULT_RULES.to_vec(),
    })
}

/// A user's notification settings, as they see them (secrets never shown).
#[derive(Debug, Clone, Serialize)]
pub struct NotifySettings {
    /// The rules in force (the default when none were set).
    pub rules: Vec<Rule>,
    /// Whether these are the default rules.
    pub default_rules: bool,
    /// ntfy topic URL.
    pub ntfy_url: Option<String>,
    /// Whether an ntfy access token is set.
    pub ntfy_token_set: bool,
    /// Webhook URL.
    pub webhook_url: Option<String>,
    /// Whether a webhook signing secret is set.
    pub webhook_secret_set: bool,
    /// Browsers subscribed to Web Push.
    pub push_subscriptions: Vec<PushSubscriptionRow>,
    /// Why no rule can reach the user, if none can.
    pub unreachable: Option<String>,
    /// For each rule whose channel cannot work now: why.
    pub problems: Vec<String>,
}

/// What changing one's notification settings needs. Fields left out keep their value; an
/// empty string clears an address or secret.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct NotifyInput {
    /// The rules (an empty list: back to the default).
    #[serde(default)]
    pub rules: Option<Vec<Rule>>,
    /// ntfy topic URL (`https://ntfy.example.com/oncall-ada`).
    #[serde(default)]
    pub ntfy_url: Option<String>,
    /// ntfy access token for a protected topic.
    #[serde(default)]
    pub ntfy_token: Option<String>,
    /// Webhook URL.
    #[serde(default)]
    pub webhook_url: Option<String>,
    /// Webhook signing secret (16 to 512 characters).
    #[serde(default)]
    pub webhook_secret: Option<String>,
}

/// Why each of `rules` cannot work now (no SMTP, no address, no browser, no Slack).
async fn problems(
    state: &AppState,
    user: i64,
    rules: &[Rule],
    n: &UserNotify,
) -> Result<Vec<(Channel, String)>, AppError> {
    let mut out = Vec::new();
    let mut push: Option<usize> = None;
    for r in rules {
        let why = match r.channel {
            Channel::Email if state.jobs.mailer().is_none() => {
                Some("e-mail: the server has no SMTP settings (DEBRIEF_SMTP_URL)".to_string())
            }
            Channel::Webhook if n.webhook_url.is_none() => Some("webhook: no URL is set".into()),
            Channel::Ntfy if n.ntfy_url.is_none() => Some("ntfy: no topic URL is set".into()),
            Channel::WebPush => {
                let count = match push {
                    Some(c) => c,
                    None => {
                        let c = state.store.push_subscriptions(user).await?.len();
                        push = Some(c);
                        c
                    }
                };
                (count == 0).then(|| "Web Push: no browser is subscribed".to_string())
            }
            Channel::Slack if state.config.slack.is_none() => {
                Some("Slack: Slack is not set up on this server".into())
            }
            Channel::Slack if state.store.slack_installations().await?.is_empty() => Some(
                "Slack: the app is not installed in a workspace yet (an admin installs it from /slack/install)"
                    .into(),
            ),
            _ => None,
        };
        if let Some(w) = why
            && !out.iter().any(|(c, _)| *c == r.channel)
        {
            out.push((r.channel, w));
        }
    }
    Ok(out)
}

/// Why a user cannot be reached at all (every rule's channel fails), if so.
pub async fn unreachable(state: &AppState, user: i64) -> Result<Option<String>, AppError> {
    let n = state.store.user_notify(user).await?.unwrap_or_default();
    let rules = if n.rules.is_empty() {
        DEFAULT_RULES.to_vec()
    } else {
        n.rules.clone()
    };
    let p = problems(state, user, &rules, &n).await?;
    let broken: Vec<Channel> = p.iter().map(|(c, _)| *c).collect();
    if rules.iter().all(|r| broken.contains(&r.channel)) {
        Ok(Some(
            p.into_iter().map(|(_, w)| w).collect::<Vec<_>>().join("; "),
        ))
    } else {
        Ok(None)
    }
}

/// A user's notification settings.
pub async fn notify_settings(state: &AppState, user: i64) -> Result<NotifySettings, AppError> {
    let n = state.store.user_notify(user).await?.unwrap_or_default();
    let default_rules = n.rules.is_empty();
    let rules = if default_rules {
        DEFAULT_RULES.to_vec()
    } else {
        n.rules.clone()
    };
    let problems = problems(state, user, &rules, &n)
        .await?
        .into_iter()
        .map(|(_, w)| w)
        .collect();
    Ok(NotifySettings {
        unreachable: unreachable(state, user).await?,
        rules,
        default_rules,
        ntfy_token_set: n.ntfy_token.is_some(),
        webhook_secret_set: n.webhook_secret.is_some(),
        ntfy_url: n.ntfy_url,
        webhook_url: n.webhook_url,
        push_subscriptions: state.store.push_subscriptions(user).await?,
        problems,
    })
}

fn address(
    state: &AppState,
    e: &mut ValidationError,
    field: &str,
    value: Option<&str>,
    old: Option<String>,
) -> Option<String> {
    match value.map(str::trim) {
        None => old,
        Some("") => None,
        Some(url) => {
            if url.len() > 2000 {
                e.push(field, "must be at most 2000 characters");
                return None;
            }
            match state.config.destinations.check_url(url) {
                Ok(_) => Some(url.to_string()),
                Err(r) => {
                    e.push(field, format!("cannot be used: {r}"));
                    None
                }
            }
        }
    }
}

/// Changes the actor's own notification settings.
pub async fn set_notify_settings(
    state: &AppState,
    actor: &Actor,
    input: &NotifyInput,
) -> Result<NotifySettings, AppError> {
    let user = actor.user.id;
    let old = state.store.user_notify(user).await?.unwrap_or_default();
    let mut e = ValidationError::default();
    let rules = input.rules.clone().unwrap_or(old.rules.clone());
    if let Err(more) = debrief_core::oncall::notify::validate(&rules) {
        e.fields.extend(more.fields);
    }
    let ntfy_url = address(
        state,
        &mut e,
        "ntfy_url",
        input.ntfy_url.as_deref(),
        old.ntfy_url,
    );
    let webhook_url = address(
        state,
        &mut e,
        "webhook_url",
        input.webhook_url.as_deref(),
        old.webhook_url,
    );
    let secret =
        |v: Option<&str>, old: Option<String>, field: &str, e: &mut ValidationError| match v
            .map(str::trim)
        {
            None => old,
            Some("") => None,
            Some(s)
                if !(16..=512).contains(&s.chars().count()) || s.chars().any(char::is_control) =>
            {
                e.push(
                    field,
                    "must be 16 to 512 characters, none of them control characters",
                );
                None
            }
            Some(s) => Some(s.to_string()),
        };
    let ntfy_token = secret(
        input.ntfy_token.as_deref(),
        old.ntfy_token,
        "ntfy_token",
        &mut e,
    );
    let webhook_secret = secret(
        input.webhook_secret.as_deref(),
        old.webhook_secret,
        "webhook_secret",
        &mut e,
    );
    if !e.fields.is_empty() {
        return Err(e.into());
    }
    state
        .store
        .put_user_notify(
            &UserNotify {
                user_id: user,
                rules,
                ntfy_url,
                ntfy_token,
                webhook_url,
                webhook_secret,
            },
            state.clock.now(),
        )
        .await?;
    notify_settings(state, user).await
}

/// A browser's subscription, as `PushSubscription.toJSON()` gives it.
#[derive(Debug, Clone, Deserialize)]
pub struct PushInput {
    /// The push service's URL for this browser.
    pub endpoint: String,
    /// Its keys.
    pub keys: PushKeys,
}

/// A subscription's keys (only the two Web Push defines).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushKeys {
    /// The browser's P-256 public key, base64url.
    pub p256dh: String,
    /// The browser's auth secret, base64url.
    pub auth: String,
}

/// Subscribes one of the actor's browsers to Web Push.
pub async fn subscribe_push(
    state: &AppState,
    actor: &Actor,
    input: &PushInput,
    user_agent: &str,
) -> Result<PushSubscriptionRow, AppError> {
    let mut e = ValidationError::default();
    let endpoint = input.endpoint.trim();
    if endpoint.len() > 2000 {
        e.push("endpoint", "must be at most 2000 characters");
    } else if let Err(r) = state.config.destinations.check_url(endpoint) {
        e.push("endpoint", format!("cannot be used: {r}"));
    }
    let sub = crate::outbound::webpush::Subscription {
        endpoint: endpoint.to_string(),
        p256dh: input.keys.p256dh.trim().to_string(),
        auth: input.keys.auth.trim().to_string(),
    };
    // The keys' shape is checked now; whether p256dh is a point of the curve shows when the
    // first message is encrypted (the subscription's last error says so).
    let b64 = |s: &str| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s.trim_end_matches('='))
    };
    if !b64(&sub.p256dh).is_ok_and(|k| k.len() == 65 && k[0] == 4) {
        e.push(
            "keys.p256dh",
            "must be the browser's uncompressed P-256 key: 65 bytes starting 0x04, base64url",
        );
    }
    if !b64(&sub.auth).is_ok_and(|k| k.len() == 16) {
        e.push(
            "keys.auth",
            "must be the browser's 16-byte auth secret, base64url",
        );
    }
    if !e.fields.is_empty() {
        return Err(e.into());
    }
    let agent: String = user_agent.chars().take(300).collect();
    Ok(state
        .store
        .add_push_subscription(
            actor.user.id,
            endpoint,
            &sub.p256dh,
            &sub.auth,
            &agent,
            state.clock.now(),
        )
        .await?)
}

/// Removes one of the actor's push subscriptions.
pub async fn unsubscribe_push(state: &AppState, actor: &Actor, id: i64) -> Result<(), AppError> {
    Ok(state
        .store
        .delete_push_subscription(actor.user.id, id)
        .await?)
}

/// The server's VAPID key, made and stored on first use.
pub async fn vapid_key(state: &AppState) -> Result<crate::outbound::webpush::VapidKey, AppError> {
    use base64::Engine;
    let engine = base64::engine::general_purpose::STANDARD;
    let stored = match state.store.setting("oncall.vapid_pkcs8").await? {
        Some(k) => k,
        None => {
            // The first use makes the key; a server that made one at the same moment keeps
            // whichever was stored first.
            let (_, fresh) = crate::outbound::webpush::VapidKey::generate();
            state
                .store
                .setting_or_insert("oncall.vapid_pkcs8", &engine.encode(&fresh))
                .await?
        }
    };
    let bytes = engine
        .decode(stored)
        .map_err(|e| AppError::internal(std::io::Error::other(e.to_string())))?;
    crate::outbound::webpush::VapidKey::from_pkcs8(&bytes)
        .map_err(|e| AppError::internal(std::io::Error::other(e)))
}

/// Who push services may contact about this server's messages (RFC 8292 `sub`): the
/// server's public URL when it is `https`, else a mailbox at its host.
pub fn vapid_subject(state: &AppState) -> String {
    let url = state.config.public_url.trim_end_matches('/');
    if url.starts_with("https://") {
        url.to_string()
    } else {
        "mailto:oncall@debrief.invalid".into()
    }
}

/// Users named by a schedule or policy whom no channel can reach: `(user, why)`.
pub async fn unreachable_on_call(state: &AppState) -> Result<Vec<(UserBrief, String)>, AppError> {
    let users = schedules::users_by_id(state).await?;
    let mut ids: Vec<i64> = Vec::new();
    for s in state.store.schedules().await? {
        for l in &s.layers {
            for p in &l.participants {
                if let Ok(id) = p.parse::<i64>()
                    && !ids.contains(&id)
                {
                    ids.push(id);
                }
            }
        }
    }
    for p in state.store.escalation_policies().await? {
        for l in &p.levels {
            for t in &l.targets {
                if let Target::User(u) = t
                    && !ids.contains(u)
                {
                    ids.push(*u);
                }
            }
        }
    }
    let mut out = Vec::new();
    for id in ids {
        if let (Some(u), Some(why)) = (users.get(&id), unreachable(state, id).await?) {
            out.push((u.clone(), why));
        }
    }
    Ok(out)
}
