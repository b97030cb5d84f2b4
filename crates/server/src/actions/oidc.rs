//! OpenID Connect: saving the provider's settings (discovery checked, the secret sealed, the
//! lockout rule), and the sign-in itself (start: state, nonce, PKCE; finish: code exchange,
//! ID token checks, the account found, linked or created).

use crate::auth::{Actor, hash_secret};
use crate::oidc::{self, CALLBACK_PATH, FLOW_SECONDS, OidcSettings, id_token, userinfo};
use crate::{AppError, AppState};
use axum::http::StatusCode;
use debrief_core::access::AccountRole;
use debrief_core::validation::ValidationError;
use debrief_store::StoreError;
use debrief_store::account::User;
use debrief_store::oidc::OidcFlow;
use serde::Serialize;

/// The settings as the API and the settings page show them (the secret only as "set").
#[derive(Debug, Clone, Serialize)]
pub struct SettingsView {
    /// What the admin saved.
    #[serde(flatten)]
    pub settings: OidcSettings,
    /// Whether a client secret is stored (it is never shown).
    pub client_secret_set: bool,
    /// Whether the operator forces password sign-in on (`--allow-password-sign-in`).
    pub password_forced_on: bool,
    /// The redirect URI to register at the provider.
    pub callback_url: String,
    /// Whether a key to seal the client secret is configured.
    pub can_store_secret: bool,
}

/// The stored settings and the sealed client secret.
#[derive(Debug, Clone)]
pub struct Stored {
    /// The settings.
    pub settings: OidcSettings,
    /// The client secret, sealed.
    pub sealed_secret: Option<String>,
}

impl Stored {
    /// Whether sign-in through the provider can be offered.
    pub fn configured(&self) -> bool {
        !self.settings.issuer.is_empty()
            && !self.settings.client_id.is_empty()
            && self.sealed_secret.is_some()
    }
}

/// The stored settings.
pub async fn settings(state: &AppState) -> Result<Stored, AppError> {
    let json = state.store.setting(oidc::SETTING_KEY).await?;
    Ok(Stored {
        settings: OidcSettings::from_json(json.as_deref()),
        sealed_secret: state.store.setting(oidc::SECRET_KEY).await?,
    })
}

/// The settings for display.
pub fn view(state: &AppState, s: &Stored) -> SettingsView {
    SettingsView {
        settings: OidcSettings {
            client_secret: None,
            ..s.settings.clone()
        },
        client_secret_set: s.sealed_secret.is_some(),
        password_forced_on: state.config.force_password_sign_in,
        callback_url: callback_url(state),
        can_store_secret: state.config.sealing_key.is_some(),
    }
}

fn callback_url(state: &AppState) -> String {
    format!(
        "{}{CALLBACK_PATH}",
        state.config.public_url.trim_end_matches('/')
    )
}

/// Whether the sign-in page offers (and `/login` accepts) passwords.
pub fn password_allowed(state: &AppState, s: &Stored) -> bool {
    state.config.force_password_sign_in || s.settings.allow_password || !s.configured()
}

fn trimmed(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(String::from)
}

/// Checks and saves new settings: the issuer's discovery document must name it, the secret is
/// sealed, and password sign-in may only be switched off by an admin who has signed in through
/// the provider.
pub async fn save_settings(
    state: &AppState,
    actor: &Actor,
    input: &OidcSettings,
) -> Result<Stored, AppError> {
    actor.require(AccountRole::Admin)?;
    let old = settings(state).await?;
    let mut errors = ValidationError::default();
    let issuer = input.issuer.trim().to_string();
    let client_id = input.client_id.trim().to_string();
    let new_secret = trimmed(&input.client_secret);
    // The same rule as the OpenAPI document's pattern: one optional leading `@`, then a name
    // with a dot inside and no `@`, `/`, `,`, NUL or ASCII white space.
    let domains: Vec<String> = input
        .allowed_domains
        .iter()
        .map(|d| d.strip_prefix('@').unwrap_or(d).to_string())
        .collect();
    for d in &domains {
        let odd = d
            .chars()
            .any(|c| matches!(c, '@' | '/' | ',' | '\0') || c.is_ascii_whitespace());
        let dotted = d
            .char_indices()
            .any(|(i, c)| c == '.' && i > 0 && i + 1 < d.len());
        if odd || !dotted || d.chars().count() > 253 {
            errors.push(
                "allowed_domains",
                format!("'{d}' is not a domain like example.com"),
            );
        }
    }
    let mut sealed = old.sealed_secret.clone();
    if let Some(secret) = &new_secret {
        match &state.config.sealing_key {
            Some(key) => sealed = Some(key.seal(secret)),
            None => errors.push_conflict(
                "client_secret",
                "the server has no key to seal secrets with: its operator must set \
                 DEBRIEF_SLACK_ENCRYPTION_KEY (32 bytes, `openssl rand -hex 32`) and restart",
            ),
        }
    }
    if !issuer.is_empty() {
        if client_id.is_empty() {
            errors.push_conflict("client_id", "the client id the provider gave is needed");
        }
        if sealed.is_none() && new_secret.is_none() {
            errors.push_conflict(
                "client_secret",
                "the client secret the provider gave is needed",
            );
        }
    }
    let limits = [
        ("issuer", Some(&input.issuer), 500),
        ("client_id", Some(&input.client_id), 500),
        ("client_secret", input.client_secret.as_ref(), 2000),
        ("button_label", Some(&input.button_label), 200),
        ("role_claim", input.role_claim.as_ref(), 200),
        ("admin_value", input.admin_value.as_ref(), 200),
        ("responder_value", input.responder_value.as_ref(), 200),
        ("viewer_value", input.viewer_value.as_ref(), 200),
    ];
    for (name, value, max) in limits {
        if value.is_some_and(|v| v.chars().count() > max) {
            errors.push(name, format!("must be at most {max} characters"));
        }
    }
    let role_claim = trimmed(&input.role_claim);
    let values = [
        &input.admin_value,
        &input.responder_value,
        &input.viewer_value,
    ];
    if role_claim.is_some() && values.iter().all(|v| trimmed(v).is_none()) {
        errors.push_conflict(
            "role_claim",
            "give the claim value for at least one role, or leave the claim empty",
        );
    }
    if role_claim.is_none() && values.iter().any(|v| trimmed(v).is_some()) {
        errors.push_conflict(
            "role_claim",
            "name the claim the role values are in (e.g. groups)",
        );
    }
    if !input.allow_password {
        if issuer.is_empty() {
            errors.push_conflict(
                "allow_password",
                "password sign-in can only be switched off once a provider is set up",
            );
        } else if !state.store.has_oidc_sign_in(actor.user.id).await? {
            errors.push_conflict(
                "allow_password",
                "sign in through the provider yourself first (save with password sign-in on, sign out, \
                 sign in with the provider's button), so nobody is locked out",
            );
        }
    }
    if errors.fields.is_empty() && !issuer.is_empty() {
        let policy = state.jobs.outbound().policy();
        if let Err(r) = policy.check_url(&issuer) {
            errors.push_conflict("issuer", r.to_string());
        } else if let Err(e) = oidc::provider_check(state.jobs.outbound(), &issuer).await {
            errors.push_conflict("issuer", e.0);
        }
    }
    errors.into_result(())?;
    let new = OidcSettings {
        issuer,
        client_id,
        client_secret: None,
        button_label: input.button_label.trim().to_string(),
        allowed_domains: domains.iter().map(|d| d.to_lowercase()).collect(),
        role_claim,
        admin_value: trimmed(&input.admin_value),
        responder_value: trimmed(&input.responder_value),
        viewer_value: trimmed(&input.viewer_value),
        create_accounts: input.create_accounts,
        allow_password: input.allow_password,
    };
    let json = serde_json::to_string(&new).map_err(AppError::internal)?;
    if let Some(sealed) = &sealed
        && new_secret.is_some()
    {
        state.store.set_setting(oidc::SECRET_KEY, sealed).await?;
    }
    state.store.set_setting(oidc::SETTING_KEY, &json).await?;
    state.oidc.forget();
    tracing::info!(admin = actor.user.id, issuer = %new.issuer, "OpenID Connect settings saved");
    Ok(Stored {
        settings: new,
        sealed_secret: sealed,
    })
}

/// A sign-in through the provider that did not succeed: shown as a page saying why.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The HTTP status of the page.
    pub status: StatusCode,
    /// What went wrong, for the person signing in.
    pub message: String,
}

impl Failure {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

impl From<AppError> for Failure {
    fn from(e: AppError) -> Self {
        e.log();
        let status = e.status();
        Self::new(status, e.detail())
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        AppError::from(e).into()
    }
}

impl From<oidc::ProviderError> for Failure {
    fn from(e: oidc::ProviderError) -> Self {
        Self::new(StatusCode::BAD_GATEWAY, e.0)
    }
}

/// Starts a sign-in: remembers a flow bound to `browser` (a cookie's value) and returns the
/// provider's authorization URL.
pub async fn start(state: &AppState, browser: &str, next: &str) -> Result<String, Failure> {
    let stored = settings(state).await?;
    if !stored.configured() {
        return Err(Failure::new(
            StatusCode::NOT_FOUND,
            "sign-in through an identity provider is not set up here; sign in with your password",
        ));
    }
    let s = stored.settings;
    let d = state
        .oidc
        .discovery(state.jobs.outbound(), &s.issuer)
        .await?;
    let (st, nonce, verifier) = (
        oidc::random_token(32),
        oidc::random_token(32),
        oidc::random_token(32),
    );
    let now = state.clock.now();
    let flow = OidcFlow {
        state_hash: hash_secret(&st),
        browser_hash: hash_secret(browser),
        nonce: nonce.clone(),
        verifier: verifier.clone(),
        next_path: next.to_string(),
        expires_at: now
            .checked_add(jiff::SignedDuration::from_secs(FLOW_SECONDS))
            .map_err(AppError::internal)?,
    };
    state.store.put_oidc_flow(&flow, now).await?;
    Ok(oidc::authorization_url(
        &d,
        &s.client_id,
        &callback_url(state),
        &st,
        &nonce,
        &oidc::pkce(&verifier),
    )?)
}

/// Finishes a sign-in at the callback: the flow (by `state`, from the same browser) is taken
/// for good, the code exchanged, the ID token checked (and completed from the UserInfo endpoint
/// when it lacks the person's claims), and the account found, linked or created. Returns the
/// user, where to go, and the ID token (kept with the session for signing out).
pub async fn finish(
    state: &AppState,
    browser: Option<&str>,
    flow_state: &str,
    code: &str,
    iss: Option<&str>,
) -> Result<(User, String, String), Failure> {
    let again = "this sign-in is unknown, expired (10 minutes) or was already used; start again";
    let now = state.clock.now();
    let flow = state
        .store
        .take_oidc_flow(&hash_secret(flow_state), now)
        .await?
        .ok_or_else(|| Failure::new(StatusCode::BAD_REQUEST, again))?;
    if browser.is_none_or(|b| !crate::auth::constant_time_eq(&hash_secret(b), &flow.browser_hash)) {
        return Err(Failure::new(
            StatusCode::BAD_REQUEST,
            "this sign-in was started in another browser (or its cookie is gone); start again here",
        ));
    }
    let Stored {
        settings: s,
        sealed_secret,
    } = settings(state).await?;
    let (Some(key), Some(sealed)) = (&state.config.sealing_key, &sealed_secret) else {
        return Err(Failure::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the provider's client secret cannot be read: the server's key is not configured",
        ));
    };
    let secret = key.open(sealed).map_err(|_| {
        Failure::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the provider's client secret cannot be opened with the server's key; an admin must save it again",
        )
    })?;
    // RFC 9207: a provider that names itself in the answer must be the configured one (a
    // mix-up with another provider is refused before the code goes anywhere).
    if let Some(iss) = iss
        && iss != s.issuer
    {
        return Err(Failure::new(
            StatusCode::BAD_REQUEST,
            format!("the answer came from '{iss}', not the configured provider; start again"),
        ));
    }
    let out = state.jobs.outbound();
    let d = state.oidc.discovery(out, &s.issuer).await?;
    let token = oidc::exchange_code(
        out,
        &d,
        &s.client_id,
        &secret,
        code,
        &callback_url(state),
        &flow.verifier,
    )
    .await?;
    let jwks = state.oidc.jwks_for(out, &d, &token.id_token).await?;
    let want = id_token::Expected {
        issuer: &s.issuer,
        client_id: &s.client_id,
        nonce: &flow.nonce,
        now: now.as_second(),
    };
    let mut claims = id_token::verify(&token.id_token, &jwks, &want)
        .map_err(|e| Failure::new(StatusCode::BAD_GATEWAY, e.to_string()))?;
    if userinfo::lacks_claims(&claims, s.role_claim.as_deref()) {
        claims = userinfo::complete(out, &d, token.access_token.as_deref(), claims).await?;
    }
    let user = account_for(state, &s, &claims).await?;
    Ok((user, flow.next_path, token.id_token))
}

/// Where to send a browser signing out of a session started through the provider, so it signs
/// out there too (RP-initiated logout 1.0): the provider's end-session endpoint with the
/// session's ID token as hint and the sign-in page to come back to (registered at the
/// provider). `None` when no provider is set up, it offers no end-session endpoint, or it
/// cannot be reached: the sign-out from Debrief stands either way.
pub async fn end_session_url(state: &AppState, id_token: &str) -> Option<String> {
    let stored = match settings(state).await {
        Ok(s) => s,
        Err(e) => {
            e.log();
            return None;
        }
    };
    if !stored.configured() {
        return None;
    }
    let s = stored.settings;
    let d = match state.oidc.discovery(state.jobs.outbound(), &s.issuer).await {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(error = %e, "Could not read the provider's discovery document to sign out there too");
            return None;
        }
    };
    oidc::end_session_url(&d, &s.client_id, id_token, &post_logout_url(state))
}

/// Where the provider sends people back after signing them out (its
/// `post_logout_redirect_uri`, which the provider must have registered): the sign-in page.
pub fn post_logout_url(state: &AppState) -> String {
    format!("{}/login", state.config.public_url.trim_end_matches('/'))
}

/// The account for verified claims: the linked one, else the one with the verified e-mail
/// (linked now), else a new one (when allowed); the role mapped when configured.
async fn account_for(
    state: &AppState,
    s: &OidcSettings,
    c: &id_token::Claims,
) -> Result<User, Failure> {
    let refuse = |m: String| Failure::new(StatusCode::FORBIDDEN, m);
    let now = state.clock.now();
    let email = c.email.clone().unwrap_or_default();
    let domain_ok = s.allowed_domains.is_empty() || (c.email_verified && s.domain_allowed(&email));
    if !domain_ok {
        return Err(refuse(format!(
            "only people with a verified e-mail at {} may sign in here",
            s.allowed_domains.join(", ")
        )));
    }
    let linked = state
        .store
        .oidc_identity_user(&s.issuer, &c.subject)
        .await?;
    let mut user = match linked {
        Some(id) => state.store.user(id).await?,
        None => {
            if email.is_empty() {
                return Err(refuse(
                    "the provider did not share your e-mail address (scope email)".into(),
                ));
            }
            if !c.email_verified {
                return Err(refuse(format!(
                    "the provider says your e-mail {email} is not verified; verify it there, then try again"
                )));
            }
            let existing = state.store.user_by_email(&email).await;
            let invited = match existing {
                Err(StoreError::NotFound(_)) => state.store.live_invite_for(&email, now).await?,
                _ => None,
            };
            match existing {
                Ok(u) => u,
                // An invitation lets its address in with the invited role, even where
                // accounts are not made on first sign-in.
                Err(StoreError::NotFound(_)) if s.create_accounts || invited.is_some() => {
                    let name = c.name.clone().unwrap_or_else(|| email.clone());
                    let role = s
                        .mapped_role(&c.all)
                        .or(invited.as_ref().map(|l| l.role))
                        .unwrap_or(AccountRole::Viewer);
                    let user = state
                        .store
                        .create_oidc_user(&email, &name, role, &s.issuer, &c.subject, now)
                        .await?;
                    if let Some(l) = invited {
                        state.store.mark_link_used(l.id, now).await?;
                    }
                    user
                }
                Err(StoreError::NotFound(_)) => {
                    return Err(refuse(format!(
                        "there is no Debrief account for {email}; ask an admin to invite you"
                    )));
                }
                Err(e) => return Err(e.into()),
            }
        }
    };
    if user.disabled {
        return Err(refuse(format!(
            "the account {} is deactivated; ask an admin",
            user.email
        )));
    }
    if let Some(role) = s.mapped_role(&c.all)
        && role != user.role
    {
        // The same guard as people management: the mapping never leaves no active admin.
        match state.store.set_user_role(user.id, role).await {
            Ok(u) => {
                user = u;
                crate::actions::people::announce(state, user.id).await;
            }
            Err(StoreError::Conflict(_)) => tracing::warn!(
                user = user.id,
                mapped = %role,
                "The provider's claims would demote the last active admin; the admin role is kept"
            ),
            Err(e) => return Err(e.into()),
        }
    }
    let shown = if email.is_empty() {
        user.email.clone()
    } else {
        email
    };
    state
        .store
        .record_oidc_sign_in(&s.issuer, &c.subject, user.id, &shown, now)
        .await?;
    tracing::info!(user = user.id, "Signed in through the OpenID provider");
    Ok(user)
}
