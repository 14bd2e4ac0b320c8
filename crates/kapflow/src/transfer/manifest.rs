//! `manifest.json` of a practice export: what it holds and how to tell it arrived whole — each
//! file's rows (or resources) and SHA-256, the schema version it was read from, and when.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

pub const FORMAT: &str = "kapflow-export/1";
pub const FILE: &str = "manifest.json";

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    pub format: String,
    /// RFC 3339, UTC.
    pub exported_at: String,
    /// `sqlite` or `postgresql`.
    pub from: String,
    /// The newest database migration applied where it was read; an import needs the same.
    pub schema_version: i64,
    pub tables: Vec<TableFile>,
    pub fhir: Vec<FhirFile>,
    /// A checkpoint of the audit trail's head, signed with the audit key just before the
    /// snapshot: the imported trail must reach it (nothing cut from its end on the way).
    pub audit_checkpoint: Option<String>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct TableFile {
    pub table: String,
    /// Relative to the export directory.
    pub file: String,
    pub columns: Vec<String>,
    pub rows: u64,
    pub sha256: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct FhirFile {
    pub resource_type: String,
    pub file: String,
    pub resources: u64,
    pub sha256: String,
}

/// The SHA-256 of a file, as lowercase hex.
pub fn sha256_of(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}
