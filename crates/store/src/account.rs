//! Users, web sessions, API tokens and settings.
//!
//! Secrets are never stored: sessions and tokens are looked up by the SHA-256 of the secret the
//! caller holds, and passwords are Argon2id PHC strings hashed by the caller.

use crate::read::Row;
use crate::write::Arg;
use crate::{Store, StoreError, StoreResult, ms};
use debrief_core::Timestamp;
use debrief_core::access::{AccountRole, Scope};
use serde::Serialize;

/// A user account.
#[derive(Debug, Clone, Serialize)]
pub struct User {
    /// Id.
    pub id: i64,
    /// Lowercased email.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: AccountRole,
    /// When the account was created.
    #[serde(with = "debrief_core::ts")]
    pub created_at: Timestamp,
    /// Disabled accounts cannot sign in or use tokens.
    pub disabled: bool,
}

/// A user with the hash of their password, for sign-in.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The user.
    pub user: User,
    /// Argon2id PHC string, if the user has a password.
    pub password_hash: Option<String>,
}

/// An API token's metadata (never the secret).
#[derive(Debug, Clone, Serialize)]
pub struct ApiToken {
    /// Id.
    pub id: i64,
    /// Owner.
    pub user_id: i64,
    /// What it is for.
    pub name: String,
    /// What it may do.
    pub scope: Scope,
    /// Created.
    #[serde(with = "debrief_core::ts")]
    pub created_at: Timestamp,
    /// Last used (updated at most once a minute).
    #[serde(with = "debrief_core::ts_opt")]
    pub last_used_at: Option<Timestamp>,
    /// Revoked tokens no longer work.
    #[serde(with = "debrief_core::ts_opt")]
    pub revoked_at: Option<Timestamp>,
}

/// A session found by its secret.
#[derive(Debug, Clone)]
pub struct Session {
    /// Who is signed in.
    pub user: User,
    /// The CSRF token forms must carry.
    pub csrf_token: String,
}

/// A user from the columns of [`USER_COLUMNS`], read by name.
fn user_from(r: &Row) -> StoreResult<User> {
    Ok(User {
        id: r.get("id")?,
        email: r.get("email")?,
        name: r.get("name")?,
        role: r.parse("role")?,
        created_at: r.time("created_at")?,
        disabled: r.get("disabled")?,
    })
}

const USER_COLUMNS: &str = "id, email, name, role, created_at, disabled";

/// Inserts an enabled user in `tx` and returns its id; a taken email is a `Conflict` naming it.
pub(crate) async fn insert_user(
    tx: &mut crate::write::WriteTx,
    email: &str,
    name: &str,
    role: AccountRole,
    password_hash: Option<&str>,
    now: Timestamp,
) -> StoreResult<i64> {
    tx.int(
        "INSERT INTO users (email, name, role, password_hash, created_at, disabled) \
         VALUES ($1, $2, $3, $4, $5, 0) RETURNING id",
        &[
            Arg::S(email),
            Arg::S(name),
            Arg::S(role.as_str()),
            Arg::OS(password_hash),
            Arg::I(ms(now)),
        ],
    )
    .await
    .map_err(|e| match e {
        StoreError::Conflict(_) => {
            StoreError::Conflict(format!("a user with email {email} already exists"))
        }
        other => other,
    })?
    .ok_or_else(|| StoreError::Other("an insert returned no id".into()))
}

/// A token from `id, user_id, name, scope, created_at, last_used_at, revoked_at`, by name.
fn token_from(r: &Row) -> StoreResult<ApiToken> {
    Ok(ApiToken {
        id: r.get("id")?,
        user_id: r.get("user_id")?,
        name: r.get("name")?,
        scope: r.parse("scope")?,
        created_at: r.time("created_at")?,
        last_used_at: r.opt_time("last_used_at")?,
        revoked_at: r.opt_time("revoked_at")?,
    })
}

impl Store {
    /// How many users exist (0 means first start: set-up is open).
    pub async fn count_users(&self) -> StoreResult<i64> {
        self.read_rows("SELECT COUNT(*) AS n FROM users", &[])
            .await?
            .first()
            .ok_or_else(|| StoreError::Other("COUNT(*) returned no row".into()))?
            .get("n")
    }

    /// Creates a user; a taken email is a `Conflict`.
    pub async fn create_user(
        &self,
        email: &str,
        name: &str,
        role: AccountRole,
        password_hash: Option<&str>,
        now: Timestamp,
    ) -> StoreResult<User> {
        let mut tx = self.begin_write().await?;
        let id = insert_user(&mut tx, email, name, role, password_hash, now).await?;
        tx.commit().await?;
        Ok(User {
            id,
            email: email.into(),
            name: name.into(),
            role,
            created_at: now,
            disabled: false,
        })
    }

    /// Creates the first admin if, and only if, no user exists yet; `Conflict` otherwise.
    /// The check and the insert are one transaction, so two set-up attempts cannot both win.
    pub async fn create_first_admin(
        &self,
        email: &str,
        name: &str,
        password_hash: &str,
        now: Timestamp,
    ) -> StoreResult<User> {
        let mut tx = self.begin_write().await?;
        let id = tx
            .int(
                "INSERT INTO users (email, name, role, password_hash, created_at, disabled) \
                 SELECT $1, $2, 'admin', $3, $4, 0 WHERE NOT EXISTS (SELECT 1 FROM users) RETURNING id",
                &[Arg::S(email), Arg::S(name), Arg::S(password_hash), Arg::I(ms(now))],
            )
            .await?
            .ok_or_else(|| StoreError::Conflict("set-up is already done".into()))?;
        tx.exec("DELETE FROM settings WHERE key = 'setup_token_hash'", &[])
            .await?;
        tx.commit().await?;
        Ok(User {
            id,
            email: email.into(),
            name: name.into(),
            role: AccountRole::Admin,
            created_at: now,
            disabled: false,
        })
    }

    /// Finds a user by email, with the password hash.
    pub async fn credentials(&self, email: &str) -> StoreResult<Option<Credentials>> {
        self.read_row(
            "SELECT id, email, name, role, created_at, disabled, password_hash FROM users WHERE email = $1",
            &[Arg::S(email)],
        )
        .await?
        .map(|r| {
            Ok(Credentials {
                user: user_from(&r)?,
                password_hash: r.opt("password_hash")?,
            })
        })
        .transpose()
    }

    /// A user by id.
    pub async fn user(&self, id: i64) -> StoreResult<User> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        self.read_row(&sql, &[Arg::I(id)])
            .await?
            .map(|r| user_from(&r))
            .transpose()?
            .ok_or_else(|| StoreError::NotFound(format!("user {id}")))
    }

    /// A user by email.
    pub async fn user_by_email(&self, email: &str) -> StoreResult<User> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
        let key = email.trim().to_ascii_lowercase();
        self.read_row(&sql, &[Arg::S(&key)])
            .await?
            .map(|r| user_from(&r))
            .transpose()?
            .ok_or_else(|| StoreError::NotFound(format!("user {email}")))
    }

    /// Every user, by name.
    pub async fn list_users(&self) -> StoreResult<Vec<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY name, id");
        self.read_rows(&sql, &[])
            .await?
            .iter()
            .map(user_from)
            .collect()
    }

    /// Changes a user's role and/or disabled flag.
    pub async fn update_user(
        &self,
        id: i64,
        role: Option<AccountRole>,
        disabled: Option<bool>,
    ) -> StoreResult<User> {
        let mut tx = self.begin_write().await?;
        let n = tx
            .exec(
                "UPDATE users SET role = COALESCE($1, role), disabled = COALESCE($2, disabled) WHERE id = $3",
                &[Arg::OS(role.map(|r| r.as_str())), Arg::OI(disabled.map(i64::from)), Arg::I(id)],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("user {id}")));
        }
        if disabled == Some(true) {
            tx.exec("DELETE FROM sessions WHERE user_id = $1", &[Arg::I(id)])
                .await?;
        }
        tx.commit().await?;
        self.user(id).await
    }

    /// Replaces a user's password hash and ends their sessions.
    pub async fn set_password(&self, id: i64, password_hash: &str) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let n = tx
            .exec(
                "UPDATE users SET password_hash = $1 WHERE id = $2",
                &[Arg::S(password_hash), Arg::I(id)],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("user {id}")));
        }
        tx.exec("DELETE FROM sessions WHERE user_id = $1", &[Arg::I(id)])
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Starts a web session; `oidc_id_token` is the ID token of a sign-in through the OpenID
    /// provider (kept to name it when signing out there).
    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        csrf_token: &str,
        oidc_id_token: Option<&str>,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        // Expired sessions are swept as new ones start, so the table stays small.
        tx.exec(
            "DELETE FROM sessions WHERE expires_at <= $1",
            &[Arg::I(ms(now))],
        )
        .await?;
        tx.exec(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, oidc_id_token) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[Arg::S(token_hash), Arg::I(user_id), Arg::S(csrf_token), Arg::I(ms(now)), Arg::I(ms(expires_at)), Arg::OS(oidc_id_token)],
        )
        .await?;
        tx.commit().await
    }

    /// The live session with this secret hash, if any.
    pub async fn session(&self, token_hash: &str, now: Timestamp) -> StoreResult<Option<Session>> {
        let rows = self
            .read_keyed(
                "SELECT u.id, u.email, u.name, u.role, u.created_at, u.disabled, s.csrf_token \
                 FROM sessions s JOIN users u ON u.id = s.user_id \
                 WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = 0",
                &[Arg::S(token_hash), Arg::I(ms(now))],
            )
            .await?;
        rows.first()
            .map(|r| {
                Ok(Session {
                    user: user_from(r)?,
                    csrf_token: r.get("csrf_token")?,
                })
            })
            .transpose()
    }

    /// Ends a session; returns the ID token it was started with when it was a sign-in through
    /// the OpenID provider.
    pub async fn delete_session(&self, token_hash: &str) -> StoreResult<Option<String>> {
        let rows = self
            .read_keyed(
                "SELECT oidc_id_token FROM sessions WHERE token_hash = $1",
                &[Arg::S(token_hash)],
            )
            .await?;
        let id_token = match rows.first() {
            Some(r) => r.opt::<String>("oidc_id_token")?,
            None => None,
        };
        let mut tx = self.begin_write().await?;
        tx.exec(
            "DELETE FROM sessions WHERE token_hash = $1",
            &[Arg::S(token_hash)],
        )
        .await?;
        tx.commit().await?;
        Ok(id_token)
    }

    /// Creates an API token from the hash of its secret.
    pub async fn create_token(
        &self,
        user_id: i64,
        name: &str,
        scope: Scope,
        token_hash: &str,
        now: Timestamp,
    ) -> StoreResult<ApiToken> {
        let mut tx = self.begin_write().await?;
        let id = tx
            .int(
                "INSERT INTO api_tokens (user_id, name, token_hash, scope, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                &[Arg::I(user_id), Arg::S(name), Arg::S(token_hash), Arg::S(scope.as_str()), Arg::I(ms(now))],
            )
            .await?
            .ok_or_else(|| StoreError::Other("an insert returned no id".into()))?;
        tx.commit().await?;
        Ok(ApiToken {
            id,
            user_id,
            name: name.into(),
            scope,
            created_at: now,
            last_used_at: None,
            revoked_at: None,
        })
    }

    /// The user and scope of a live token, if the secret hash matches one.
    pub async fn token_user(&self, token_hash: &str) -> StoreResult<Option<(User, ApiToken)>> {
        let rows = self
            .read_keyed(
                "SELECT u.id, u.email, u.name, u.role, u.created_at, u.disabled, \
                        t.id AS token_id, t.name AS token_name, t.scope, \
                        t.created_at AS token_created_at, t.last_used_at \
                 FROM api_tokens t JOIN users u ON u.id = t.user_id \
                 WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled = 0",
                &[Arg::S(token_hash)],
            )
            .await?;
        rows.first()
            .map(|r| {
                let user = user_from(r)?;
                let token = ApiToken {
                    id: r.get("token_id")?,
                    user_id: user.id,
                    name: r.get("token_name")?,
                    scope: r.parse("scope")?,
                    created_at: r.time("token_created_at")?,
                    last_used_at: r.opt_time("last_used_at")?,
                    revoked_at: None,
                };
                Ok((user, token))
            })
            .transpose()
    }

    /// Records that a token was used.
    pub async fn touch_token(&self, id: i64, now: Timestamp) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        tx.exec(
            "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2",
            &[Arg::I(ms(now)), Arg::I(id)],
        )
        .await?;
        tx.commit().await
    }

    /// A user's tokens (or everyone's when `user_id` is `None`).
    pub async fn list_tokens(&self, user_id: Option<i64>) -> StoreResult<Vec<ApiToken>> {
        self.read_rows(
            "SELECT id, user_id, name, scope, created_at, last_used_at, revoked_at FROM api_tokens \
             WHERE (CAST($1 AS BIGINT) IS NULL OR user_id = $1) ORDER BY id",
            &[Arg::OI(user_id)],
        )
        .await?
        .iter()
        .map(token_from)
        .collect()
    }

    /// Revokes a token; `owner` limits it to that user's tokens. Returns the id of the user
    /// the token belonged to.
    pub async fn revoke_token(
        &self,
        id: i64,
        owner: Option<i64>,
        now: Timestamp,
    ) -> StoreResult<i64> {
        let mut tx = self.begin_write().await?;
        let n = tx
            .exec(
                "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 \
                 AND (CAST($3 AS BIGINT) IS NULL OR user_id = $3)",
                &[Arg::I(ms(now)), Arg::I(id), Arg::OI(owner)],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("token {id}")));
        }
        let user_id = tx
            .int(
                "SELECT user_id AS n FROM api_tokens WHERE id = $1",
                &[Arg::I(id)],
            )
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("token {id}")))?;
        tx.commit().await?;
        Ok(user_id)
    }

    /// A setting's value.
    pub async fn setting(&self, key: &str) -> StoreResult<Option<String>> {
        self.read_row("SELECT value FROM settings WHERE key = $1", &[Arg::S(key)])
            .await?
            .map(|r| r.get("value"))
            .transpose()
    }

    /// A setting's value, setting it to `value` first if it has none: every caller gets the
    /// value of whoever set it first, also when servers sharing the database race (for keys
    /// made once, such as the secret behind public ids).
    pub async fn setting_or_insert(&self, key: &str, value: &str) -> StoreResult<String> {
        let mut tx = self.begin_write().await?;
        let rows = tx
            .rows(
                "INSERT INTO settings (key, value) VALUES ($1, $2) \
                 ON CONFLICT (key) DO UPDATE SET value = settings.value RETURNING value",
                &[Arg::S(key), Arg::S(value)],
            )
            .await?;
        tx.commit().await?;
        rows.first()
            .ok_or_else(|| StoreError::NotFound(format!("setting {key}")))?
            .get("value")
    }

    /// Sets a setting.
    pub async fn set_setting(&self, key: &str, value: &str) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        tx.exec(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[Arg::S(key), Arg::S(value)],
        )
        .await?;
        tx.commit().await
    }
}
