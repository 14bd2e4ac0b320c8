//! The audit trail's files beside the database: the key files and the checkpoint log.
//!
//! The key is what makes the chain worth checking, so it never goes into the database: it is
//! `audit-key` in the data directory (mode 0600, made at first start), or a file named by
//! `KAPFLOW_AUDIT_KEY_FILE`, or hex in `KAPFLOW_AUDIT_KEY`. A rotation keeps each retired key
//! beside the current one as `audit-key.<generation>`, so rows it hashed still verify. The
//! checkpoint log (`audit-checkpoints.log`) is append-only by use: one signed line per
//! checkpoint, each written with one `write` on a file opened for appending and synced.
//!
//! The key files are read and written by [`crate::key_files`], shared with the secrets key;
//! these are small files read and written with std::fs at start, shutdown, rotation and every
//! few minutes; none of it is on a request's path.

use crate::key_files;
pub use crate::key_files::{KeyFileError, KeySource};
use kapflow_domain::audit::AuditKeyring;
use std::io::Write;
use std::path::Path;

/// The current key's file name in the data directory.
pub const KEY_FILE: &str = "audit-key";

/// The checkpoint log's file name in the data directory.
pub const CHECKPOINT_FILE: &str = "audit-checkpoints.log";

/// The audit keys of `source`; `None` when it is a key file that does not exist yet.
pub fn load(source: &KeySource) -> Result<Option<AuditKeyring>, KeyFileError> {
    key_files::load(source)
}

/// Makes the first audit key at `path` (see [`key_files::create`]).
pub fn create(path: &Path, secret: [u8; 32]) -> Result<AuditKeyring, KeyFileError> {
    key_files::create(path, secret)
}

/// Rotates the audit key file at `path` (see [`key_files::rotate`]).
pub fn rotate(path: &Path, secret: [u8; 32]) -> Result<(u32, AuditKeyring), KeyFileError> {
    key_files::rotate(path, secret)
}

/// Appends one checkpoint line to the log at `path` (made 0600 if new) and syncs it. One
/// `write` of the whole line on a file opened for appending, so lines from two processes on
/// one data directory never interleave.
pub fn append_checkpoint(path: &Path, line: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    let mut bytes = line.trim_end().as_bytes().to_vec();
    bytes.push(b'\n');
    file.write_all(&bytes)?;
    file.sync_data()
}

/// The checkpoint log's text; `None` when there is no log yet.
pub fn read_checkpoints(path: &Path) -> std::io::Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}
