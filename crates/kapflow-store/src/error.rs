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
    /// The audit trail cannot be written or verified with the keys this process has (a key
    /// missing, or the trail keyed with a newer generation after a rotation elsewhere). Writes
    /// fail closed rather than add rows nobody could verify.
    #[error("audit key: {0}")]
    AuditKey(String),
    /// A second-factor secret could not be sealed or opened: no secrets key, a generation this
    /// process lacks, or a value that does not open. Fail closed.
    #[error("secrets key: {0}")]
    SecretsKey(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) => {
                let code = db.code();
                if let Some(why) = code.as_deref().and_then(unavailable) {
                    return StoreError::Unavailable(why.into());
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

/// Database error codes that mean "try again later", not "this request is wrong": the disk is
/// full, the disk cannot be written, or the database server is restarting or out of resources.
/// Named so the web layer can answer 503 and the request can be retried.
fn unavailable(code: &str) -> Option<&'static str> {
    // SQLite reports extended result codes; the low byte is the primary code.
    if let Ok(n) = code.parse::<i64>() {
        return match n & 0xff {
            13 => Some("disk full"),                // SQLITE_FULL
            10 => Some("disk I/O error"),           // SQLITE_IOERR (write, fsync, truncate…)
            14 => Some("database file unopenable"), // SQLITE_CANTOPEN
            _ => None,
        };
    }
    // PostgreSQL SQLSTATE classes.
    match code {
        "53100" => Some("disk full"),
        c if c.starts_with("53") => Some("database out of resources"),
        c if c.starts_with("57P") => Some("database shutting down or restarting"),
        c if c.starts_with("08") => Some("database connection lost"),
        _ => None,
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
