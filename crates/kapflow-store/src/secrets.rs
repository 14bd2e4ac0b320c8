//! Secrets kept in the database, sealed: the TOTP secrets (enrolled and pending). The secrets
//! key lives outside the database, like the audit key: the binary reads it from the data
//! directory or the environment (`key_files`) and hands it over with [`Secrets::use_keys`].
//! A copy of the database without the key cannot produce a second-factor code, and a value
//! written without the key (a planted secret) does not open.
//!
//! Every stored value is bound to its column and account (the sealing's associated data). At
//! start [`Secrets::bring_to_current_key`] re-seals values of an older key generation (after
//! `kapflow secrets rotate-key`) and, on the first start after upgrading only, seals the values
//! stored before sealing existed. Once anything is sealed, a plaintext value is never sealed:
//! it was written by someone without the key (a planted secret), and it is refused.

use crate::{StoreError, audit};
use kapflow_domain::sealed::{self, NONCE_LEN, OpenError, SecretsKeyring};
use kapflow_domain::{AuditEntry, UserId};
use std::sync::{Arc, PoisonError, RwLock};
use time::OffsetDateTime;
use uuid::Uuid;

crate::topic!(
    /// The secrets key and the sealed values.
    Secrets
);

/// Reads the keys again: called when a value is sealed with a newer generation than this
/// process holds (`kapflow secrets rotate-key` ran while it was serving).
pub type SecretsReload = Arc<dyn Fn() -> Result<SecretsKeyring, String> + Send + Sync>;

/// The keys a store seals and opens with, shared by its clones.
#[derive(Clone, Default)]
pub(crate) struct SealKeys(Arc<SealInner>);

#[derive(Default)]
struct SealInner {
    ring: RwLock<Arc<SecretsKeyring>>,
    reload: RwLock<Option<SecretsReload>>,
}

/// Names the generations held, never a secret.
impl std::fmt::Debug for SealKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealKeys")
            .field("generations", &self.ring().generations())
            .finish()
    }
}

/// The sealed columns: each value's associated data is the column and the account's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Place {
    Totp,
    PendingTotp,
}

impl Place {
    const ALL: [Place; 2] = [Place::Totp, Place::PendingTotp];

    fn column(self) -> &'static str {
        match self {
            Place::Totp => "totp_secret",
            Place::PendingTotp => "totp_pending_secret",
        }
    }

    fn update(self) -> &'static str {
        match self {
            Place::Totp => "UPDATE users SET totp_secret = $1 WHERE id = $2",
            Place::PendingTotp => "UPDATE users SET totp_pending_secret = $1 WHERE id = $2",
        }
    }

    fn context(self, user: Uuid) -> Vec<u8> {
        let mut context = format!("users.{}:", self.column()).into_bytes();
        context.extend_from_slice(user.as_bytes());
        context
    }
}

impl SealKeys {
    fn ring(&self) -> Arc<SecretsKeyring> {
        // A poisoned lock only means a panic elsewhere while swapping an Arc: the value is whole.
        self.0
            .ring
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn set(&self, ring: SecretsKeyring) {
        *self.0.ring.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(ring);
    }

    /// Seals `plaintext` for `place` of `user` with the current key.
    pub(crate) fn seal(
        &self,
        place: Place,
        user: UserId,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, StoreError> {
        let ring = self.ring();
        let key = ring.current().ok_or_else(|| {
            StoreError::SecretsKey(
                "this process has no secrets key, so it cannot keep a second factor".into(),
            )
        })?;
        Ok(sealed::seal(
            key,
            nonce()?,
            &place.context(user.as_uuid()),
            plaintext,
        ))
    }

    /// Opens a stored value of `place` of `user`, reading the key files again once when it
    /// is sealed with a generation this process does not hold yet.
    pub(crate) fn open(
        &self,
        place: Place,
        user: UserId,
        stored: &[u8],
    ) -> Result<Vec<u8>, StoreError> {
        let context = place.context(user.as_uuid());
        match sealed::open(&self.ring(), &context, stored) {
            Err(OpenError::UnknownGeneration(generation)) => {
                let reload = self
                    .0
                    .reload
                    .read()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clone();
                if let Some(ring) = reload.and_then(|reload| match reload() {
                    Ok(ring) if ring.get(generation).is_some() => Some(ring),
                    Ok(_) => None,
                    Err(e) => {
                        tracing::error!(error = %e, "cannot read the secrets keys again");
                        None
                    }
                }) {
                    tracing::info!(
                        generation,
                        "secrets key rotated elsewhere: using the new key"
                    );
                    self.set(ring);
                    return sealed::open(&self.ring(), &context, stored)
                        .map_err(|e| StoreError::SecretsKey(e.to_string()));
                }
                Err(StoreError::SecretsKey(
                    OpenError::UnknownGeneration(generation).to_string(),
                ))
            }
            other => other.map_err(|e| StoreError::SecretsKey(e.to_string())),
        }
    }
}

/// A fresh random nonce from the operating system's generator.
fn nonce() -> Result<[u8; NONCE_LEN], StoreError> {
    use rand::TryRngCore;
    let mut nonce = [0u8; NONCE_LEN];
    rand::rngs::OsRng
        .try_fill_bytes(&mut nonce)
        .map_err(|e| StoreError::SecretsKey(format!("cannot draw a random nonce: {e}")))?;
    Ok(nonce)
}

/// What [`Secrets::bring_to_current_key`] and [`Secrets::survey`] found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SealReport {
    /// Values sealed with the current key (after the call: including those it sealed).
    pub current: u64,
    /// Values stored before sealing existed that the call sealed (first start after upgrading).
    pub sealed_now: u64,
    /// Values that are not sealed and were left so: written without the key once sealing was
    /// in use. They are refused when read.
    pub unsealed: u64,
    /// Values sealed with an older generation this process holds (the call re-seals them).
    pub older: u64,
    /// Values that do not open: sealed with a generation this process lacks, or with another
    /// key, or changed. Left as they are; those accounts cannot use their TOTP until reset.
    pub refused: u64,
}

#[derive(sqlx::FromRow)]
struct StoredSecrets {
    id: Uuid,
    totp_secret: Option<Vec<u8>>,
    totp_pending_secret: Option<Vec<u8>>,
}

impl StoredSecrets {
    fn value(&self, place: Place) -> Option<&[u8]> {
        match place {
            Place::Totp => self.totp_secret.as_deref(),
            Place::PendingTotp => self.totp_pending_secret.as_deref(),
        }
    }
}

const STORED_SECRETS: &str = "SELECT id, totp_secret, totp_pending_secret FROM users WHERE \
     totp_secret IS NOT NULL OR totp_pending_secret IS NOT NULL ORDER BY id";

impl Secrets<'_> {
    /// The keys to seal and open with, and how to read them again when another process
    /// rotates them (see [`SecretsReload`]).
    pub fn use_keys(&self, ring: SecretsKeyring, reload: Option<SecretsReload>) {
        let keys = &self.store.secret_keys;
        keys.set(ring);
        *keys
            .0
            .reload
            .write()
            .unwrap_or_else(PoisonError::into_inner) = reload;
    }

    /// The keys in use (none for a store that was given none).
    pub fn keys(&self) -> Arc<SecretsKeyring> {
        self.store.secret_keys.ring()
    }

    /// Whether the database holds any sealed value (then a key must be found, never made).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn newest_generation(&self) -> Result<Option<u32>, StoreError> {
        let rows: Vec<StoredSecrets> = self.store.db.fetch_all(STORED_SECRETS, args![]).await?;
        Ok(rows
            .iter()
            .flat_map(|r| Place::ALL.map(|p| r.value(p)))
            .flatten()
            .filter_map(sealed::sealed_generation)
            .max())
    }

    /// Counts the stored values by state, changing nothing (for `kapflow check`).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn survey(&self) -> Result<SealReport, StoreError> {
        let rows: Vec<StoredSecrets> = self.store.db.fetch_all(STORED_SECRETS, args![]).await?;
        let ring = self.keys();
        let mut report = SealReport::default();
        for row in &rows {
            for place in Place::ALL {
                if let Some(stored) = row.value(place) {
                    classify(&ring, place, row.id, stored, &mut report);
                }
            }
        }
        Ok(report)
    }

    /// Seals every value stored before sealing and re-seals every value of an older key
    /// generation with the current key, in one transaction with one audit row (when anything
    /// changed). Values that do not open are counted and left alone.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn bring_to_current_key(
        &self,
        now: OffsetDateTime,
    ) -> Result<SealReport, StoreError> {
        let keys = &self.store.secret_keys;
        let ring = keys.ring();
        let Some(current) = ring.current().map(|k| k.generation()) else {
            return Err(StoreError::SecretsKey("no secrets key to seal with".into()));
        };
        let mut tx = self.store.begin().await?;
        let rows: Vec<StoredSecrets> = tx.fetch_all(STORED_SECRETS, args![]).await?;
        let upgrading = !rows
            .iter()
            .flat_map(|r| Place::ALL.map(|p| r.value(p)))
            .flatten()
            .any(|v| sealed::sealed_generation(v).is_some());
        let mut report = SealReport::default();
        for row in &rows {
            let user = UserId::from_uuid(row.id);
            for place in Place::ALL {
                let Some(stored) = row.value(place) else {
                    continue;
                };
                let plaintext = match sealed::sealed_generation(stored) {
                    None if upgrading => {
                        report.sealed_now += 1;
                        stored.to_vec()
                    }
                    None => {
                        report.unsealed += 1;
                        continue;
                    }
                    Some(g) if g == current => {
                        // Opened, not only counted: a key of the right generation may still be
                        // the wrong key (another instance's).
                        match sealed::open(&ring, &place.context(row.id), stored) {
                            Ok(_) => report.current += 1,
                            Err(_) => report.refused += 1,
                        }
                        continue;
                    }
                    Some(_) => match sealed::open(&ring, &place.context(row.id), stored) {
                        Ok(plaintext) => {
                            report.older += 1;
                            plaintext
                        }
                        Err(_) => {
                            report.refused += 1;
                            continue;
                        }
                    },
                };
                let resealed = keys.seal(place, user, &plaintext)?;
                tx.exec(place.update(), args![resealed.as_slice(), user])
                    .await?;
                report.current += 1;
            }
        }
        if report.sealed_now + report.older > 0 {
            audit::append(
                &mut tx,
                &AuditEntry::system("secrets.sealed", now).because(format!(
                    "{} second-factor secrets sealed with secrets key generation {current} ({} stored before sealing, {} re-sealed from an older key)",
                    report.sealed_now + report.older,
                    report.sealed_now,
                    report.older
                )),
            )
            .await?;
        }
        tx.commit().await?;
        if report.refused + report.unsealed > 0 {
            tracing::warn!(
                refused = report.refused,
                unsealed = report.unsealed,
                "second-factor secrets that do not open with the secrets key; `kapflow check` counts them"
            );
        }
        Ok(report)
    }
}

fn classify(
    ring: &SecretsKeyring,
    place: Place,
    user: Uuid,
    stored: &[u8],
    report: &mut SealReport,
) {
    let current = ring.current().map(|k| k.generation());
    match sealed::sealed_generation(stored) {
        None => report.unsealed += 1,
        Some(g) => match sealed::open(ring, &place.context(user), stored) {
            Ok(_) if Some(g) == current => report.current += 1,
            Ok(_) => report.older += 1,
            Err(_) => report.refused += 1,
        },
    }
}
