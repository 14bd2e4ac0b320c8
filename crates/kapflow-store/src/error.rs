//! The store's one error type. Detail stays here and in logs; web shows a generic page.

use sqlx::error::ErrorKind;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database is full or out of reach: the request may succeed later (503).
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// A uniqueness rule refused the change: something with the same key was saved first,
    /// usually a moment earlier by another request. Names the constraint where the database does.
    #[error("already exists (database rule {0})")]
    Duplicate(String),
    /// A foreign-key rule refused the change; names the constraint.
    #[error("refused by database rule {0}")]
    Constraint(String),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Db(sqlx::Error),
    /// A stored value the code cannot read back (a corrupt row, an unknown enum name).
    #[error("stored data is not readable: {0}")]
    Corrupt(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) => {
                // SQLITE_FULL (13) and PostgreSQL's disk_full (53100): keep data, refuse writes.
                let code = db.code();
                if matches!(code.as_deref(), Some("13") | Some("53100")) {
                    return StoreError::Unavailable("disk full".into());
                }
                let rule = || db.constraint().unwrap_or("unknown").to_owned();
                match db.kind() {
                    ErrorKind::UniqueViolation => StoreError::Duplicate(rule()),
                    ErrorKind::ForeignKeyViolation => StoreError::Constraint(rule()),
                    _ => StoreError::Db(e),
                }
            }
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
                StoreError::Unavailable(e.to_string())
            }
            _ => StoreError::Db(e),
        }
    }
}

impl StoreError {
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }

    /// Another row with the same unique key exists (see [`StoreError::Duplicate`]).
    pub fn is_duplicate(&self) -> bool {
        matches!(self, StoreError::Duplicate(_))
    }
}

/// Lets a caller answer "already taken" where a uniqueness rule refuses an insert, instead of
/// failing the request. On PostgreSQL the transaction is unusable afterwards: the caller must
/// return (dropping it rolls back) rather than carry on.
pub(crate) trait UniqueOr<T> {
    /// `Ok(None)` when the change was refused as a duplicate.
    fn or_duplicate(self) -> Result<Option<T>, StoreError>;
}

impl<T> UniqueOr<T> for Result<T, StoreError> {
    fn or_duplicate(self) -> Result<Option<T>, StoreError> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is_duplicate() => Ok(None),
            Err(e) => Err(e),
        }
    }
}
