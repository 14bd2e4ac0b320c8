//! Which database to open, parsed strictly from `DATABASE_URL` or the data directory.
//!
//! A typo must never start an empty practice: unknown schemes and missing SQLite files outside
//! the default location are refused with a message that says what to do.

use std::path::{Path, PathBuf};

/// The file name of the embedded database inside the data directory.
pub const SQLITE_FILE_NAME: &str = "kapflow.db";

#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseTarget {
    /// `create` is true only for the default file under the data directory.
    Sqlite {
        path: PathBuf,
        create: bool,
    },
    Postgres {
        url: String,
    },
}

// The URL may hold a password: never print it.
impl std::fmt::Debug for DatabaseTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatabaseTarget::Sqlite { path, create } => f
                .debug_struct("Sqlite")
                .field("path", path)
                .field("create", create)
                .finish(),
            DatabaseTarget::Postgres { .. } => f.write_str("Postgres { url: <redacted> }"),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TargetError {
    #[error(
        "DATABASE_URL has the scheme '{0}', which kapflow does not support; use postgres://… or sqlite://PATH, or leave it unset for the embedded database under the data directory"
    )]
    UnknownScheme(String),
    #[error(
        "DATABASE_URL names the SQLite file {0}, which does not exist; kapflow creates a new database only at the default place under the data directory. Check the path, or restore the file from a backup"
    )]
    SqliteFileMissing(PathBuf),
    #[error(
        "an in-memory SQLite database would lose every record when kapflow stops; use a file path"
    )]
    SqliteInMemory,
    #[error("DATABASE_URL is not a URL kapflow can read; expected postgres://… or sqlite://PATH")]
    Malformed,
}

impl DatabaseTarget {
    /// The default: `<data_dir>/kapflow.db`, created when missing.
    pub fn default_sqlite(data_dir: &Path) -> DatabaseTarget {
        DatabaseTarget::Sqlite {
            path: data_dir.join(SQLITE_FILE_NAME),
            create: true,
        }
    }

    /// Reads `DATABASE_URL` (if set) against the data directory.
    pub fn resolve(url: Option<&str>, data_dir: &Path) -> Result<DatabaseTarget, TargetError> {
        let Some(url) = url.map(str::trim).filter(|u| !u.is_empty()) else {
            return Ok(DatabaseTarget::default_sqlite(data_dir));
        };
        let Some((scheme, rest)) = url.split_once(':') else {
            return Err(TargetError::Malformed);
        };
        match scheme.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" => {
                if !rest.starts_with("//") {
                    return Err(TargetError::Malformed);
                }
                Ok(DatabaseTarget::Postgres {
                    url: url.to_owned(),
                })
            }
            "sqlite" => {
                let path_part = rest.strip_prefix("//").unwrap_or(rest);
                // Query options (?mode=…) would override the settings we require: ignore none
                // silently, refuse them.
                if path_part.contains('?') {
                    return Err(TargetError::Malformed);
                }
                if path_part.is_empty()
                    || path_part == ":memory:"
                    || path_part.starts_with(":memory:")
                {
                    return Err(TargetError::SqliteInMemory);
                }
                let path = PathBuf::from(path_part);
                let default = data_dir.join(SQLITE_FILE_NAME);
                let is_default = same_path(&path, &default);
                if !path.exists() && !is_default {
                    return Err(TargetError::SqliteFileMissing(path));
                }
                Ok(DatabaseTarget::Sqlite {
                    path,
                    create: is_default,
                })
            }
            other => Err(TargetError::UnknownScheme(
                other.chars().take(20).collect::<String>(),
            )),
        }
    }
}

fn same_path(a: &Path, b: &Path) -> bool {
    let canon = |p: &Path| -> PathBuf {
        match (p.parent(), p.file_name()) {
            (Some(dir), Some(name)) if !dir.as_os_str().is_empty() => dir
                .canonicalize()
                .map(|d| d.join(name))
                .unwrap_or_else(|_| p.to_path_buf()),
            _ => std::env::current_dir()
                .map(|d| d.join(p))
                .unwrap_or_else(|_| p.to_path_buf()),
        }
    };
    canon(a) == canon(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_url_means_the_default_file_created_on_demand() {
        let t = DatabaseTarget::resolve(None, Path::new("/tmp/x")).expect("ok");
        assert_eq!(
            t,
            DatabaseTarget::Sqlite {
                path: PathBuf::from("/tmp/x/kapflow.db"),
                create: true
            }
        );
        assert_eq!(
            DatabaseTarget::resolve(Some("  "), Path::new("/tmp/x")),
            Ok(t)
        );
    }

    #[test]
    fn postgres_urls_are_taken_and_never_printed() {
        let t =
            DatabaseTarget::resolve(Some("postgres://u:secret@h/db"), Path::new(".")).expect("ok");
        assert!(matches!(t, DatabaseTarget::Postgres { .. }));
        assert!(!format!("{t:?}").contains("secret"));
        assert!(DatabaseTarget::resolve(Some("postgresql://h/db"), Path::new(".")).is_ok());
    }

    #[test]
    fn unknown_schemes_are_refused_by_name() {
        assert_eq!(
            DatabaseTarget::resolve(Some("mysql://h/db"), Path::new(".")),
            Err(TargetError::UnknownScheme("mysql".into()))
        );
        assert_eq!(
            DatabaseTarget::resolve(Some("nonsense"), Path::new(".")),
            Err(TargetError::Malformed)
        );
    }

    #[test]
    fn a_missing_sqlite_file_elsewhere_is_refused() {
        let r = DatabaseTarget::resolve(Some("sqlite:///nonexistent/dir/k.db"), Path::new("/tmp"));
        assert!(matches!(r, Err(TargetError::SqliteFileMissing(_))));
        assert_eq!(
            DatabaseTarget::resolve(Some("sqlite::memory:"), Path::new("/tmp")),
            Err(TargetError::SqliteInMemory)
        );
    }

    #[test]
    fn the_default_file_may_be_named_explicitly() {
        let dir = std::env::temp_dir();
        let url = format!("sqlite://{}", dir.join("kapflow.db").display());
        let t = DatabaseTarget::resolve(Some(&url), &dir).expect("ok");
        assert!(matches!(t, DatabaseTarget::Sqlite { create: true, .. }));
    }
}
