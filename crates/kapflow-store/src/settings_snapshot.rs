//! Practice settings as one snapshot per settings version, so a page reads them without a
//! statement of its own.
//!
//! Every write of a setting (`settings::put`, `put_once`) also writes a new random
//! `settings.version` in the same transaction. A snapshot is re-validated against that version
//! at most once per [`MAX_AGE`]: under load one instance runs one cheap statement a second for
//! its settings instead of one or more per page. The instance that commits a change forgets
//! its snapshot at once; others follow within [`MAX_AGE`] — the same rule as the public
//! site's cache. The database stays the only place the settings live; this is a cache.

use crate::StoreError;
use crate::backend::Db;
use crate::settings::keys;
use kapflow_domain::zone::PracticeZone;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long a snapshot is used before its version is compared with the database's again.
pub const MAX_AGE: Duration = Duration::from_secs(1);

/// The key whose value changes with every change of any setting (a random token, not a count:
/// it only has to differ, and two instances may write at the same moment).
pub(crate) const VERSION_KEY: &str = "settings.version";

/// Every practice setting at one version.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    values: Arc<HashMap<String, String>>,
    /// The practice's time zone, read once per version (nearly every page reads it).
    zone: PracticeZone,
}

impl Snapshot {
    pub(crate) fn new(values: HashMap<String, String>) -> Self {
        let zone = crate::settings::zone_from(values.get(keys::TIME_ZONE).map(String::as_str));
        Self {
            values: Arc::new(values),
            zone,
        }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    /// The practice's time zone (UTC until the owner chooses one).
    pub fn zone(&self) -> &PracticeZone {
        &self.zone
    }
}

struct Held {
    version: Option<String>,
    checked: Instant,
    snapshot: Snapshot,
}

/// The store's snapshot, shared by every clone of the store and by its transactions.
#[derive(Clone, Default)]
pub(crate) struct SettingsCache(Arc<Mutex<Option<Held>>>);

impl std::fmt::Debug for SettingsCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SettingsCache")
    }
}

impl SettingsCache {
    /// Drops the snapshot (after this instance committed a change of a setting).
    pub(crate) fn forget(&self) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }

    pub(crate) fn fresh(&self, now: Instant) -> Option<Snapshot> {
        let held = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        held.as_ref()
            .filter(|h| now.duration_since(h.checked) < MAX_AGE)
            .map(|h| h.snapshot.clone())
    }

    /// The snapshot, re-validated against the database when older than [`MAX_AGE`].
    pub(crate) async fn get(&self, db: &Db) -> Result<Snapshot, StoreError> {
        let now = Instant::now();
        if let Some(s) = self.fresh(now) {
            return Ok(s);
        }
        // The version first, then the rows: a change landing between the two leaves newer
        // rows under the older version, which the next check replaces — never older rows
        // under the newer version, which would stay until the next change.
        let version: Option<String> = db
            .scalar_optional(
                "SELECT value FROM practice_settings WHERE key = $1",
                args![VERSION_KEY],
            )
            .await?;
        {
            let mut held = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(h) = held.as_mut().filter(|h| h.version == version) {
                h.checked = now;
                return Ok(h.snapshot.clone());
            }
        }
        let snapshot = read_all(db).await?;
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(Held {
            version,
            checked: now,
            snapshot: snapshot.clone(),
        });
        Ok(snapshot)
    }
}

/// Every setting as the database holds it now.
pub(crate) async fn read_all(db: &Db) -> Result<Snapshot, StoreError> {
    let rows: Vec<(String, String)> = db
        .fetch_all("SELECT key, value FROM practice_settings", args![])
        .await?;
    Ok(Snapshot::new(rows.into_iter().collect()))
}
