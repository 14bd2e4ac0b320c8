//! The store's one error type. Detail stays here and in logs; web shows a generic page.

use sqlx::error::ErrorKind;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database is full or out of reach: the request may succeed later (503).
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// A uniqueness or foreign-key rule refused the change; names the constraint.
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
                match db.kind() {
                    ErrorKind::UniqueViolation | ErrorKind::ForeignKeyViolation => {
                        StoreError::Constraint(db.constraint().unwrap_or("unknown").to_owned())
                    }
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
}
