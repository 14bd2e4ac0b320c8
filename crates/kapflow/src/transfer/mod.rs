//! `kapflow export` and `kapflow import`: the whole practice out to a directory and into a new
//! database of either kind — how a practice moves from the embedded database to PostgreSQL,
//! and how a PostgreSQL practice is backed up by kapflow itself (README, "Moving a practice").
//!
//! An export is `tables/<table>.csv` (one per table, header first, values as the embedded
//! database keeps them; see `kapflow_store::transfer::Cell`), `fhir/<Type>.ndjson` (every
//! client's record as FHIR R4, one resource a line: the bulk data format), and
//! `manifest.json` (counts and SHA-256 of every file). Keys are never in it, as with backups.

pub(crate) mod export;
pub(crate) mod import;
pub(crate) mod manifest;

pub use export::run as export;
pub use import::run as import;
