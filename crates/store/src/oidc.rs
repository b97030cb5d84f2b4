//! OpenID Connect sign-in: identities (a provider's `(issuer, subject)` linked to a user, with
//! the last sign-in through it) and the sign-ins under way (single-use, kept by the SHA-256 of
//! their `state`).

use crate::account::User;
use crate::write::Arg;
use crate::{Store, StoreResult, ms};
use debrief_core::Timestamp;
use debrief_core::access::AccountRole;

/// A sign-in under way, from `/auth/oidc/start` to the provider's callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcFlow {
    /// SHA-256 of the `state` sent to the provider.
    pub state_hash: String,
    /// SHA-256 of the browser cookie that started the flow.
    pub browser_hash: String,
    /// The `nonce` the ID token must carry.
    pub nonce: String,
    /// The PKCE code verifier.
    pub verifier: String,
    /// Where to go after signing in (a same-site path).
    pub next_path: String,
    /// When the flow stops being accepted.
    pub expires_at: Timestamp,
}

impl Store {
    /// Remembers a sign-in under way; flows that have expired by `now` are dropped on the way.
    pub async fn put_oidc_flow(&self, f: &OidcFlow, now: Timestamp) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        tx.exec(
            "DELETE FROM oidc_flows WHERE expires_at <= $1",
            &[Arg::I(ms(now))],
        )
        .await?;
        tx.exec(
            "INSERT INTO oidc_flows (state_hash, browser_hash, nonce, verifier, next_path, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                Arg::S(&f.state_hash),
                Arg::S(&f.browser_hash),
                Arg::S(&f.nonce),
                Arg::S(&f.verifier),
                Arg::S(&f.next_path),
                Arg::I(ms(f.expires_at)),
            ],
        )
        .await?;
        tx.commit().await
    }

    /// Takes a flow (by the hash of its `state`) for good, when it exists and has not expired by
    /// `now`. A second take of the same state finds nothing.
    pub async fn take_oidc_flow(
        &self,
        state_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<OidcFlow>> {
        let mut tx = self.begin_write().await?;
        let rows = tx
            .rows(
                "DELETE FROM oidc_flows WHERE state_hash = $1 \
                 RETURNING state_hash, browser_hash, nonce, verifier, next_path, expires_at",
                &[Arg::S(state_hash)],
            )
            .await?;
        tx.commit().await?;
        let Some(r) = rows.first() else {
            return Ok(None);
        };
        let flow = OidcFlow {
            state_hash: r.get("state_hash")?,
            browser_hash: r.get("browser_hash")?,
            nonce: r.get("nonce")?,
            verifier: r.get("verifier")?,
            next_path: r.get("next_path")?,
            expires_at: r.time("expires_at")?,
        };
        Ok((flow.expires_at > now).then_some(flow))
    }

    /// The user linked to a provider's subject, if any.
    pub async fn oidc_identity_user(
        &self,
        issuer: &str,
        subject: &str,
    ) -> StoreResult<Option<i64>> {
        self.read_row(
            "SELECT user_id FROM oidc_identities WHERE issuer = $1 AND subject = $2",
            &[Arg::S(issuer), Arg::S(subject)],
        )
        .await?
        .map(|r| r.get("user_id"))
        .transpose()
    }

    /// Records a sign-in through the provider: links `(issuer, subject)` to `user_id` when it is
    /// not linked yet, and sets the identity's last sign-in to `now`.
    pub async fn record_oidc_sign_in(
        &self,
        issuer: &str,
        subject: &str,
        user_id: i64,
        email: &str,
        now: Timestamp,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        tx.exec(
            "INSERT INTO oidc_identities (issuer, subject, user_id, email, created_at, last_sign_in_at) \
             VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (issuer, subject) \
             DO UPDATE SET last_sign_in_at = excluded.last_sign_in_at, email = excluded.email",
            &[
                Arg::S(issuer),
                Arg::S(subject),
                Arg::I(user_id),
                Arg::S(email),
                Arg::I(ms(now)),
            ],
        )
        .await?;
        tx.commit().await
    }

    /// Creates a user without a password, linked to the provider's subject, in one transaction;
    /// a taken e-mail is a `Conflict`.
    pub async fn create_oidc_user(
        &self,
        email: &str,
        name: &str,
        role: AccountRole,
        issuer: &str,
        subject: &str,
        now: Timestamp,
    ) -> StoreResult<User> {
        let mut tx = self.begin_write().await?;
        let id = crate::account::insert_user(&mut tx, email, name, role, None, now).await?;
        tx.exec(
            "INSERT INTO oidc_identities (issuer, subject, user_id, email, created_at, last_sign_in_at) \
             VALUES ($1, $2, $3, $4, $5, $5)",
            &[
                Arg::S(issuer),
                Arg::S(subject),
                Arg::I(id),
                Arg::S(email),
                Arg::I(ms(now)),
            ],
        )
        .await?;
        tx.commit().await?;
        self.user(id).await
    }

    /// Whether `user_id` has ever signed in through a provider.
    pub async fn has_oidc_sign_in(&self, user_id: i64) -> StoreResult<bool> {
        Ok(self
            .read_row(
                "SELECT 1 AS one FROM oidc_identities WHERE user_id = $1 LIMIT 1",
                &[Arg::I(user_id)],
            )
            .await?
            .is_some())
    }
}
