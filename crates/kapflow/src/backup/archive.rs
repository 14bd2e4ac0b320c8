//! The backup file: a gzip'd tar of the database snapshot, the audit checkpoint log and a
//! manifest (each file's size and SHA-256), encrypted as one age stream to the practice's
//! recipients. age does not compress, and a database compresses well, so the tar is gzip'd
//! (at a fast level: a backup runs while the practice works).
//!
//! The manifest comes last so each file is hashed as it streams through (one read of the
//! database). Reading takes only the three known names (never a path from the archive), writes
//! them into a fresh directory, and compares them with the manifest before anyone uses them.
//! age authenticates every 64 KiB chunk and the end of the stream, so a changed byte or a cut
//! file fails while reading, never later.

use anyhow::Context;
use indicatif::ProgressBar;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The database's name inside a backup.
pub const DATABASE: &str = "kapflow.db";
/// The audit checkpoint log's name inside a backup.
pub const CHECKPOINTS: &str = "audit-checkpoints.log";
/// Where a PostgreSQL practice's export sits inside a backup (`export/manifest.json`,
/// `export/tables/<table>.csv`, `export/fhir/<Type>.ndjson`).
pub const EXPORT: &str = "export";

/// Whether `name` is a file an export holds: `export/` then one or two plain segments of
/// letters, digits, `_`, `-` and `.` (never `..`, never a path of the archive's choosing).
fn export_file(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("export/") else {
        return false;
    };
    let parts: Vec<&str> = rest.split('/').collect();
    (1..=2).contains(&parts.len())
        && parts.iter().all(|p| {
            !p.is_empty()
                && !p.starts_with('.')
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        })
}
const MANIFEST: &str = "manifest.json";
const FORMAT: &str = "kapflow-backup/1";

/// What a backup holds, written last inside it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub kapflow_version: String,
    /// The audit trail's newest row in the snapshot, verified before the backup was written.
    pub audit_rows: i64,
    pub files: Vec<FileEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileEntry {
    pub name: String,
    pub bytes: u64,
    pub sha256: String,
}

/// A reader that hashes and counts what passes through it.
struct Hashing<R> {
    inner: R,
    hash: Sha256,
    bytes: u64,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

fn header(size: u64) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_size(size);
    header.set_mode(0o600);
    header.set_cksum();
    header
}

/// Writes the encrypted backup of `files` (name inside the backup, path on disk) to `out` (a
/// new file), synced. Returns the manifest written into it.
pub fn write(
    out: &Path,
    recipients: &[age::x25519::Recipient],
    files: &[(&str, &Path)],
    mut manifest: Manifest,
    progress: &ProgressBar,
) -> anyhow::Result<Manifest> {
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(out)
        .with_context(|| format!("cannot create {}", out.display()))?;
    let encryptor =
        age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
            .context("no recipient to encrypt the backup to")?;
    let writer = encryptor.wrap_output(std::io::BufWriter::new(file))?;
    let gzip = flate2::write::GzEncoder::new(writer, flate2::Compression::new(3));
    let mut tar = tar::Builder::new(gzip);
    for (name, path) in files {
        let source =
            std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
        let size = source.metadata()?.len();
        let mut hashing = Hashing {
            inner: progress.wrap_read(source),
            hash: Sha256::new(),
            bytes: 0,
        };
        tar.append_data(&mut header(size), name, &mut hashing)?;
        manifest.files.push(FileEntry {
            name: (*name).to_owned(),
            bytes: hashing.bytes,
            sha256: hex::encode(hashing.hash.finalize()),
        });
    }
    let json = serde_json::to_vec_pretty(&manifest)?;
    tar.append_data(&mut header(json.len() as u64), MANIFEST, json.as_slice())?;
    let writer = tar.into_inner()?.finish()?;
    let buffered = writer.finish()?;
    let file = buffered
        .into_inner()
        .map_err(|e| anyhow::anyhow!("cannot write {}: {}", out.display(), e.error()))?;
    file.sync_all()
        .with_context(|| format!("cannot sync {}", out.display()))?;
    Ok(manifest)
}

/// A new manifest (files are added as they are written).
pub fn manifest(created_at: String, audit_rows: i64) -> Manifest {
    Manifest {
        format: FORMAT.to_owned(),
        created_at,
        kapflow_version: env!("CARGO_PKG_VERSION").to_owned(),
        audit_rows,
        files: Vec::new(),
    }
}

/// Why a backup file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(
        "none of the identities given opens this backup: it was encrypted to another key (or its header is damaged)"
    )]
    WrongKey,
    #[error("the backup file is damaged or is not a kapflow backup: {0}")]
    Damaged(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Decrypts and unpacks the backup `from` into the empty directory `into`, and checks every
/// file against the manifest. Returns the manifest and the database's path (or, for a
/// PostgreSQL practice's backup, the export's directory).
pub fn read(
    from: &Path,
    identities: &[age::x25519::Identity],
    into: &Path,
    progress: &ProgressBar,
) -> Result<(Manifest, PathBuf), ReadError> {
    let file = std::fs::File::open(from)?;
    let decryptor = age::Decryptor::new_buffered(std::io::BufReader::new(progress.wrap_read(file)))
        .map_err(|e| ReadError::Damaged(e.to_string()))?;
    let reader = decryptor
        .decrypt(identities.iter().map(|i| i as &dyn age::Identity))
        .map_err(|e| match e {
            age::DecryptError::NoMatchingKeys => ReadError::WrongKey,
            other => ReadError::Damaged(other.to_string()),
        })?;
    let damaged = |e: std::io::Error| ReadError::Damaged(e.to_string());
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(reader));
    let mut found: Vec<FileEntry> = Vec::new();
    let mut manifest_json: Option<Vec<u8>> = None;
    for entry in archive.entries().map_err(damaged)? {
        let mut entry = entry.map_err(damaged)?;
        let name = entry
            .path()
            .map_err(damaged)?
            .to_str()
            .unwrap_or_default()
            .to_owned();
        if name == MANIFEST {
            let mut json = Vec::new();
            entry.read_to_end(&mut json).map_err(damaged)?;
            manifest_json = Some(json);
            continue;
        }
        if name != DATABASE && name != CHECKPOINTS && !export_file(&name) {
            return Err(ReadError::Damaged(format!("an unexpected file {name:?}")));
        }
        if let Some(dir) = into.join(&name).parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut out = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(into.join(&name))?;
        let mut hashing = Hashing {
            inner: &mut entry,
            hash: Sha256::new(),
            bytes: 0,
        };
        std::io::copy(&mut hashing, &mut out).map_err(damaged)?;
        out.sync_all()?;
        found.push(FileEntry {
            name,
            bytes: hashing.bytes,
            sha256: hex::encode(hashing.hash.finalize()),
        });
    }
    let manifest: Manifest = manifest_json
        .ok_or_else(|| ReadError::Damaged("it has no manifest".into()))
        .and_then(|json| {
            serde_json::from_slice(&json).map_err(|e| ReadError::Damaged(e.to_string()))
        })?;
    if manifest.format != FORMAT {
        return Err(ReadError::Damaged(format!(
            "it is in format {:?}, this kapflow reads {FORMAT:?}",
            manifest.format
        )));
    }
    if found != manifest.files {
        return Err(ReadError::Damaged(
            "its files do not match its manifest (size or SHA-256)".into(),
        ));
    }
    if found.iter().any(|f| f.name == DATABASE) {
        return Ok((manifest, into.join(DATABASE)));
    }
    if found.iter().any(|f| f.name == "export/manifest.json") {
        return Ok((manifest, into.join(EXPORT)));
    }
    Err(ReadError::Damaged("it holds no database".into()))
}

/// Writes a new identity (an age X25519 secret key) to `path`, owner-only; returns its
/// recipient (the public key backups are encrypted to).
pub fn new_identity(path: &Path, now: &str) -> anyhow::Result<String> {
    use age::secrecy::ExposeSecret;
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public().to_string();
    let text = format!(
        "# kapflow backup identity, created {now}\n# public key: {recipient}\n{}\n",
        identity.to_string().expose_secret()
    );
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {} (it must not exist yet)", path.display()))?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    Ok(recipient)
}

/// The identities in an age identity file (lines `AGE-SECRET-KEY-1…`; `#` comments skipped).
pub fn identities(path: &Path) -> anyhow::Result<Vec<age::x25519::Identity>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the identity file {}", path.display()))?;
    let identities = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            l.parse::<age::x25519::Identity>()
                .map_err(|e| anyhow::anyhow!("{}: not an age identity: {e}", path.display()))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    if identities.is_empty() {
        anyhow::bail!("{} holds no identity (AGE-SECRET-KEY-1…)", path.display());
    }
    Ok(identities)
}

/// A recipient (an age public key, `age1…`).
pub fn recipient(text: &str) -> anyhow::Result<age::x25519::Recipient> {
    text.trim()
        .parse()
        .map_err(|e| anyhow::anyhow!("{text:?} is not an age recipient (age1…): {e}"))
}
