//! The store's one error type.
//!
//! Adapters map it: `NotFound` to 404, `Conflict` to 409 (a version check or a unique key lost a
//! race), `Other` to a logged 500 whose message never reaches the client.

/// What went wrong in a store operation.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The thing asked for does not exist (or is not visible to the viewer).
    #[error("{0} not found")]
    NotFound(String),
    /// A version check or uniqueness constraint failed; the message says which.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A database or migration failure.
    #[error("database error")]
    Other(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e
            && db.is_unique_violation()
        {
            return StoreError::Conflict(db.message().to_string());
        }
        if let sqlx::Error::Database(db) = &e
            && db.is_foreign_key_violation()
        {
            return StoreError::Conflict(format!(
                "something this change refers to was removed meanwhile ({}); reload and try again",
                db.message()
            ));
        }
        StoreError::Other(Box::new(e))
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        StoreError::Other(Box::new(e))
    }
}
