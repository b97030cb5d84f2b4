//! The store's one error type.
//!
//! Adapters map it: `NotFound` to 404, `Conflict` to 409 (a version check or a unique key lost a
//! race), `Decode` and `Other` to a logged 500 whose message never reaches the client.

/// What went wrong in a store operation.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The thing asked for does not exist (or is not visible to the viewer).
    #[error("{0} not found")]
    NotFound(String),
    /// A version check or uniqueness constraint failed; the message says which.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database cannot be reached just now (connection refused or lost, no connection
    /// free in time, the server shutting down): worth trying again shortly.
    #[error("database unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A stored value could not be read: a column missing, NULL where a value is required, of
    /// another type, or text or a time that does not parse. The message names the column.
    #[error("{0}")]
    Decode(crate::read::DecodeError),
    /// A database or migration failure.
    #[error("database error")]
    Other(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Whether an error means the database could not be reached (rather than refused a query).
fn is_unreachable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        // SQLSTATE class 08 (connection exception), 57P01-57P03 (shutting down, cannot
        // connect now), 53300 (too many connections).
        sqlx::Error::Database(db) => db.code().is_some_and(|c| {
            c.starts_with("08") || matches!(&*c, "57P01" | "57P02" | "57P03" | "53300")
        }),
        _ => false,
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if is_unreachable(&e) {
            return StoreError::Unavailable(Box::new(e));
        }
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
