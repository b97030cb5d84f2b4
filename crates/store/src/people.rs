//! People: invitations and password-reset links (single-use, expiring, kept only as the hash
//! of their secret), deactivation that ends every way in at once, and a person's own settings.

use crate::account::User;
use crate::read::Row;
use crate::write::Arg;
use crate::{Store, StoreError, StoreResult, ms};
use debrief_core::Timestamp;
use debrief_core::access::AccountRole;
use serde::Serialize;

/// What a link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkPurpose {
    /// Creates an account.
    Invite,
    /// Sets a new password for an existing account.
    Reset,
}

impl LinkPurpose {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::Invite => "invite",
            LinkPurpose::Reset => "reset",
        }
    }
}

/// An invitation or reset link (never its secret).
#[derive(Debug, Clone, Serialize)]
pub struct AccountLink {
    /// Id.
    pub id: i64,
    /// What it is for.
    pub purpose: LinkPurpose,
    /// Whose: the invited address, or the account's.
    pub email: String,
    /// The name the admin gave (invites), or the account's.
    pub name: String,
    /// The role the account gets (invites).
    pub role: AccountRole,
    /// The account a reset link is for.
    pub user_id: Option<i64>,
    /// The admin who made it.
    pub created_by: Option<i64>,
    /// Made.
    #[serde(with = "debrief_core::ts")]
    pub created_at: Timestamp,
    /// Stops working.
    #[serde(with = "debrief_core::ts")]
    pub expires_at: Timestamp,
    /// Used (it works once).
    #[serde(with = "debrief_core::ts_opt")]
    pub used_at: Option<Timestamp>,
    /// Revoked by an admin, or replaced by a newer link.
    #[serde(with = "debrief_core::ts_opt")]
    pub revoked_at: Option<Timestamp>,
}

impl AccountLink {
    /// Whether it can still be used at `now`.
    pub fn live(&self, now: Timestamp) -> bool {
        self.used_at.is_none() && self.revoked_at.is_none() && self.expires_at > now
    }
}

/// A person's own settings.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Profile {
    /// IANA zone their times are shown in; `None` follows the browser.
    pub time_zone: Option<String>,
    /// When they last signed in.
    #[serde(with = "debrief_core::ts_opt")]
    pub last_sign_in_at: Option<Timestamp>,
}

const LINK_COLUMNS: &str = "id, purpose, email, name, role, user_id, created_by, created_at, \
                            expires_at, used_at, revoked_at";

fn link_from(r: &Row) -> StoreResult<AccountLink> {
    let purpose = match r.get::<String>("purpose")?.as_str() {
        "reset" => LinkPurpose::Reset,
        _ => LinkPurpose::Invite,
    };
    Ok(AccountLink {
        id: r.get("id")?,
        purpose,
        email: r.get("email")?,
        name: r.get("name")?,
        role: r.parse("role")?,
        user_id: r.opt("user_id")?,
        created_by: r.opt("created_by")?,
        created_at: r.time("created_at")?,
        expires_at: r.time("expires_at")?,
        used_at: r.opt_time("used_at")?,
        revoked_at: r.opt_time("revoked_at")?,
    })
}

/// A new link to store.
#[derive(Debug, Clone)]
pub struct NewLink<'a> {
    /// What it is for.
    pub purpose: LinkPurpose,
    /// SHA-256 of the secret.
    pub token_hash: &'a str,
    /// Whose.
    pub email: &'a str,
    /// Name.
    pub name: &'a str,
    /// Role (invites).
    pub role: AccountRole,
    /// The account (resets).
    pub user_id: Option<i64>,
    /// The admin making it.
    pub created_by: Option<i64>,
    /// Stops working.
    pub expires_at: Timestamp,
}

/// Refuses (`Conflict`) a change that would take the last active admin's rights away.
async fn refuse_last_admin(tx: &mut crate::write::WriteTx, id: i64) -> StoreResult<()> {
    let others = tx
        .int(
            "SELECT COUNT(*) AS n FROM users WHERE role = 'admin' AND disabled = 0 AND id <> $1",
            &[Arg::I(id)],
        )
        .await?
        .unwrap_or(0);
    let is_admin = tx
        .int(
            "SELECT COUNT(*) AS n FROM users WHERE id = $1 AND role = 'admin' AND disabled = 0",
            &[Arg::I(id)],
        )
        .await?
        .unwrap_or(0);
    if is_admin > 0 && others == 0 {
        return Err(StoreError::Conflict(
            "this is the last active admin; make someone else an admin first".into(),
        ));
    }
    Ok(())
}

impl Store {
    /// Stores a link, revoking any earlier live link of the same purpose for the same address
    /// (a new invitation replaces the old one).
    pub async fn create_link(&self, l: &NewLink<'_>, now: Timestamp) -> StoreResult<AccountLink> {
        let mut tx = self.begin_write().await?;
        tx.exec(
            "UPDATE account_links SET revoked_at = $1 WHERE email = $2 AND purpose = $3 \
             AND used_at IS NULL AND revoked_at IS NULL",
            &[Arg::I(ms(now)), Arg::S(l.email), Arg::S(l.purpose.as_str())],
        )
        .await?;
        let id = tx
            .int(
                "INSERT INTO account_links (purpose, token_hash, email, name, role, user_id, \
                 created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 RETURNING id",
                &[
                    Arg::S(l.purpose.as_str()),
                    Arg::S(l.token_hash),
                    Arg::S(l.email),
                    Arg::S(l.name),
                    Arg::S(l.role.as_str()),
                    Arg::OI(l.user_id),
                    Arg::OI(l.created_by),
                    Arg::I(ms(now)),
                    Arg::I(ms(l.expires_at)),
                ],
            )
            .await?
            .ok_or_else(|| StoreError::Other("an insert returned no id".into()))?;
        tx.commit().await?;
        self.link(id).await
    }

    /// A link by id.
    pub async fn link(&self, id: i64) -> StoreResult<AccountLink> {
        let sql = format!("SELECT {LINK_COLUMNS} FROM account_links WHERE id = $1");
        self.read_row(&sql, &[Arg::I(id)])
            .await?
            .map(|r| link_from(&r))
            .transpose()?
            .ok_or_else(|| StoreError::NotFound(format!("link {id}")))
    }

    /// The link whose secret hashes to `token_hash`, live or not.
    pub async fn link_by_hash(&self, token_hash: &str) -> StoreResult<Option<AccountLink>> {
        let sql = format!("SELECT {LINK_COLUMNS} FROM account_links WHERE token_hash = $1");
        self.read_keyed(&sql, &[Arg::S(token_hash)])
            .await?
            .first()
            .map(link_from)
            .transpose()
    }

    /// Invitations not yet used, revoked or expired, newest first.
    pub async fn pending_invites(&self, now: Timestamp) -> StoreResult<Vec<AccountLink>> {
        let sql = format!(
            "SELECT {LINK_COLUMNS} FROM account_links WHERE purpose = 'invite' \
             AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $1 ORDER BY id DESC"
        );
        self.read_rows(&sql, &[Arg::I(ms(now))])
            .await?
            .iter()
            .map(link_from)
            .collect()
    }

    /// The live invitation for `email`, if any (the newest).
    pub async fn live_invite_for(
        &self,
        email: &str,
        now: Timestamp,
    ) -> StoreResult<Option<AccountLink>> {
        let sql = format!(
            "SELECT {LINK_COLUMNS} FROM account_links WHERE purpose = 'invite' AND email = $1 \
             AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $2 ORDER BY id DESC"
        );
        self.read_rows(&sql, &[Arg::S(email), Arg::I(ms(now))])
            .await?
            .first()
            .map(link_from)
            .transpose()
    }

    /// Marks a link used (an invitation taken up by signing in through the OpenID provider).
    pub async fn mark_link_used(&self, id: i64, now: Timestamp) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        tx.exec(
            "UPDATE account_links SET used_at = $1 WHERE id = $2 AND used_at IS NULL",
            &[Arg::I(ms(now)), Arg::I(id)],
        )
        .await?;
        tx.commit().await
    }

    /// Revokes a live link; `NotFound` when there is no such live link.
    pub async fn revoke_link(&self, id: i64, now: Timestamp) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let n = tx
            .exec(
                "UPDATE account_links SET revoked_at = $1 WHERE id = $2 AND used_at IS NULL \
                 AND revoked_at IS NULL",
                &[Arg::I(ms(now)), Arg::I(id)],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("pending link {id}")));
        }
        tx.commit().await
    }

    /// Uses an invitation: marks it used and creates its account with `password_hash`, in one
    /// transaction (two tabs accepting the same link cannot both win). `Conflict` when the link
    /// is used, revoked or expired, or the address has an account by now.
    pub async fn accept_invite(
        &self,
        token_hash: &str,
        name: &str,
        password_hash: Option<&str>,
        now: Timestamp,
    ) -> StoreResult<User> {
        let mut tx = self.begin_write().await?;
        let rows = tx
            .rows(
                "UPDATE account_links SET used_at = $1 WHERE token_hash = $2 AND purpose = 'invite' \
                 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $1 \
                 RETURNING email, role",
                &[Arg::I(ms(now)), Arg::S(token_hash)],
            )
            .await?;
        let row = rows.first().ok_or_else(|| {
            StoreError::Conflict("this invitation is used, revoked or expired".into())
        })?;
        let email: String = row.get("email")?;
        let role: AccountRole = row.parse("role")?;
        let id = tx
            .int(
                "INSERT INTO users (email, name, role, password_hash, created_at, disabled, \
                 last_sign_in_at) VALUES ($1, $2, $3, $4, $5, 0, $5) RETURNING id",
                &[
                    Arg::S(&email),
                    Arg::S(name),
                    Arg::S(role.as_str()),
                    Arg::OS(password_hash),
                    Arg::I(ms(now)),
                ],
            )
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => {
                    StoreError::Conflict(format!("{email} has an account already; sign in"))
                }
                other => other,
            })?
            .ok_or_else(|| StoreError::Other("an insert returned no id".into()))?;
        tx.commit().await?;
        self.user(id).await
    }

    /// Uses a reset link: marks it used, sets the password and ends the account's sessions, in
    /// one transaction. `Conflict` when the link is used, revoked or expired, or the account is
    /// deactivated.
    pub async fn use_reset_link(
        &self,
        token_hash: &str,
        password_hash: &str,
        now: Timestamp,
    ) -> StoreResult<User> {
        let mut tx = self.begin_write().await?;
        let user_id = tx
            .int(
                "UPDATE account_links SET used_at = $1 WHERE token_hash = $2 AND purpose = 'reset' \
                 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $1 \
                 AND user_id IN (SELECT id FROM users WHERE disabled = 0) RETURNING user_id",
                &[Arg::I(ms(now)), Arg::S(token_hash)],
            )
            .await?
            .ok_or_else(|| {
                StoreError::Conflict("this reset link is used, revoked or expired".into())
            })?;
        tx.exec(
            "UPDATE users SET password_hash = $1 WHERE id = $2",
            &[Arg::S(password_hash), Arg::I(user_id)],
        )
        .await?;
        tx.exec(
            "DELETE FROM sessions WHERE user_id = $1",
            &[Arg::I(user_id)],
        )
        .await?;
        tx.commit().await?;
        self.user(user_id).await
    }

    /// Deactivates or reactivates an account. Deactivating ends its sessions and revokes its
    /// API tokens and live links in the same transaction, and refuses (`Conflict`) to leave no
    /// active admin.
    pub async fn set_user_active(
        &self,
        id: i64,
        active: bool,
        now: Timestamp,
    ) -> StoreResult<User> {
        let mut tx = self.begin_write().await?;
        if !active {
            refuse_last_admin(&mut tx, id).await?;
        }
        let n = tx
            .exec(
                "UPDATE users SET disabled = $1 WHERE id = $2",
                &[Arg::I(i64::from(!active)), Arg::I(id)],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("user {id}")));
        }
        if !active {
            tx.exec("DELETE FROM sessions WHERE user_id = $1", &[Arg::I(id)])
                .await?;
            tx.exec(
                "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
                &[Arg::I(ms(now)), Arg::I(id)],
            )
            .await?;
            tx.exec(
                "UPDATE account_links SET revoked_at = $1 WHERE user_id = $2 AND used_at IS NULL \
                 AND revoked_at IS NULL",
                &[Arg::I(ms(now)), Arg::I(id)],
            )
            .await?;
        }
        tx.commit().await?;
        self.user(id).await
    }

    /// Changes an account's role, refusing (`Conflict`) to demote the last active admin.
    pub async fn set_user_role(&self, id: i64, role: AccountRole) -> StoreResult<User> {
        let mut tx = self.begin_write().await?;
        if role != AccountRole::Admin {
            refuse_last_admin(&mut tx, id).await?;
        }
        let n = tx
            .exec(
                "UPDATE users SET role = $1 WHERE id = $2",
                &[Arg::S(role.as_str()), Arg::I(id)],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("user {id}")));
        }
        tx.commit().await?;
        self.user(id).await
    }

    /// A person's own settings.
    pub async fn profile(&self, id: i64) -> StoreResult<Profile> {
        let r = self
            .read_row(
                "SELECT time_zone, last_sign_in_at FROM users WHERE id = $1",
                &[Arg::I(id)],
            )
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("user {id}")))?;
        Ok(Profile {
            time_zone: r.opt("time_zone")?,
            last_sign_in_at: r.opt_time("last_sign_in_at")?,
        })
    }

    /// Every account's last sign-in, by id.
    pub async fn last_sign_ins(&self) -> StoreResult<Vec<(i64, Option<Timestamp>)>> {
        self.read_rows("SELECT id, last_sign_in_at FROM users ORDER BY id", &[])
            .await?
            .iter()
            .map(|r| Ok((r.get("id")?, r.opt_time("last_sign_in_at")?)))
            .collect()
    }

    /// Changes a person's name and zone (`Some("")` clears the zone).
    pub async fn update_profile(
        &self,
        id: i64,
        name: Option<&str>,
        time_zone: Option<Option<&str>>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        if let Some(n) = name {
            tx.exec(
                "UPDATE users SET name = $1 WHERE id = $2",
                &[Arg::S(n), Arg::I(id)],
            )
            .await?;
        }
        if let Some(z) = time_zone {
            tx.exec(
                "UPDATE users SET time_zone = $1 WHERE id = $2",
                &[Arg::OS(z), Arg::I(id)],
            )
            .await?;
        }
        tx.commit().await
    }

    /// Records a sign-in.
    pub async fn record_sign_in(&self, id: i64, now: Timestamp) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        tx.exec(
            "UPDATE users SET last_sign_in_at = $1 WHERE id = $2",
            &[Arg::I(ms(now)), Arg::I(id)],
        )
        .await?;
        tx.commit().await
    }
}
