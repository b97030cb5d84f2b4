//! Who may do what: account roles, token scopes, and incident visibility.

use crate::validation::{ValidationError, required_text};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// An account's role, in increasing order of power.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountRole {
    /// Reads what they can see.
    Viewer,
    /// Declares and runs incidents.
    Responder,
    /// Configures Debrief, manages users, sees private incidents.
    Admin,
}

impl AccountRole {
    /// The name used in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountRole::Viewer => "viewer",
            AccountRole::Responder => "responder",
            AccountRole::Admin => "admin",
        }
    }
}

impl fmt::Display for AccountRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AccountRole {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "viewer" => Ok(AccountRole::Viewer),
            "responder" => Ok(AccountRole::Responder),
            "admin" => Ok(AccountRole::Admin),
            _ => Err(format!(
                "unknown role '{s}'; expected viewer, responder or admin"
            )),
        }
    }
}

/// What an API token may do; it never grants more than its user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Read only.
    Read,
    /// Read and change incidents.
    Write,
    /// Everything the user may do.
    Admin,
}

impl Scope {
    /// The name used in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Admin => "admin",
        }
    }

    /// The role a request made with this token acts as.
    pub fn limit(self, role: AccountRole) -> AccountRole {
        let cap = match self {
            Scope::Read => AccountRole::Viewer,
            Scope::Write => AccountRole::Responder,
            Scope::Admin => AccountRole::Admin,
        };
        role.min(cap)
    }
}

impl FromStr for Scope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "read" => Ok(Scope::Read),
            "write" => Ok(Scope::Write),
            "admin" => Ok(Scope::Admin),
            _ => Err(format!(
                "unknown scope '{s}'; expected read, write or admin"
            )),
        }
    }
}

/// Who is looking: used to filter private incidents everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    /// The user's id.
    pub user_id: i64,
    /// Admins see every incident; others see private ones only where they take part.
    pub sees_all: bool,
}

impl Viewer {
    /// What a user with `role` sees: everything when an admin, otherwise what they take part in.
    pub fn of(user_id: i64, role: AccountRole) -> Self {
        Self {
            user_id,
            sees_all: role == AccountRole::Admin,
        }
    }
}

/// Input to create a user.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUserInput {
    /// Email, unique.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Role; `responder` when absent.
    pub role: Option<String>,
    /// Password (at least 12 characters); users without one can only use API tokens.
    pub password: Option<String>,
}

/// A validated new user.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Lowercased email.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: AccountRole,
    /// Password, if any (hashed by the caller before storing).
    pub password: Option<String>,
}

impl NewUserInput {
    /// Validates the input.
    pub fn validate(&self) -> Result<NewUser, ValidationError> {
        let mut e = ValidationError::default();
        let email = self.email.trim().to_ascii_lowercase();
        let valid_email = email.len() <= 254
            && email.split_once('@').is_some_and(|(l, d)| {
                !l.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.')
            })
            && !email.chars().any(|c| c.is_whitespace() || c.is_control());
        if !valid_email {
            e.push("email", "must be an email address like dana@example.com");
        }
        let name = required_text(&mut e, "name", &self.name, 100);
        let role = match self.role.as_deref() {
            None => AccountRole::Responder,
            Some(r) => r.parse().unwrap_or_else(|m: String| {
                e.push("role", m);
                AccountRole::Viewer
            }),
        };
        if let Some(p) = &self.password {
            if p.chars().count() < 12 {
                e.push("password", "must be at least 12 characters");
            } else if p.len() > 1024 {
                e.push("password", "must be at most 1024 bytes");
            }
        }
        e.into_result(NewUser {
            email,
            name,
            role,
            password: self.password.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_never_grants_more_than_its_users_role() {
        assert_eq!(
            Scope::Admin.limit(AccountRole::Responder),
            AccountRole::Responder
        );
        assert_eq!(Scope::Read.limit(AccountRole::Admin), AccountRole::Viewer);
        assert_eq!(
            Scope::Write.limit(AccountRole::Admin),
            AccountRole::Responder
        );
    }

    #[test]
    fn new_users_need_an_email_and_a_long_password() {
        let input = NewUserInput {
            email: "nope".into(),
            name: "Dana".into(),
            role: Some("root".into()),
            password: Some("short".into()),
        };
        let fields: Vec<_> = input
            .validate()
            .unwrap_err()
            .fields
            .into_iter()
            .map(|f| f.field)
            .collect();
        assert_eq!(fields, ["email", "role", "password"]);
    }
}
