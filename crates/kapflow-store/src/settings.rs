//! Practice-wide settings, as key/value rows.

use crate::StoreError;
use crate::backend::Tx;
use kapflow_domain::zone::PracticeZone;
use time::OffsetDateTime;

crate::topic!(
    /// Practice-wide settings.
    Settings
);

/// The keys kapflow knows. Values are text; each feature parses its own.
pub mod keys {
    pub const PRACTICE_NAME: &str = "practice.name";
    /// The practice's IANA time zone (`America/New_York`); UTC while unset.
    pub const TIME_ZONE: &str = "practice.time_zone";
    /// Written once, when the owner completes setup; guards against a second owner setup.
    pub const SETUP_COMPLETED_AT: &str = "setup.completed_at";
    /// Changes whenever anything on the public site changes (content or the settings below).
    pub const SITE_VERSION: &str = "site.version";
    pub const CLINICIAN_NAME: &str = "clinician.name";
    pub const CLINICIAN_CREDENTIALS: &str = "clinician.credentials";
    /// Which partner organisation (its id) the public site names, where there are several;
    /// the name itself lives only in the list of partner organisations.
    pub const PARTNER_ORG: &str = "partner.org";
    /// How long a break-glass grant lasts, in hours (default 4).
    pub const BREAK_GLASS_HOURS: &str = "break_glass.hours";
    /// The fewest characters a break-glass reason may have (default 20).
    pub const BREAK_GLASS_MIN_REASON: &str = "break_glass.min_reason_chars";
    /// Screening thresholds (docs/domain.md §3; defaults in `ScreeningSettings`).
    pub const SCREEN_BP_SYSTOLIC: &str = "screening.bp_systolic";
    pub const SCREEN_BP_DIASTOLIC: &str = "screening.bp_diastolic";
    pub const SCREEN_MIN_AGE: &str = "screening.minimum_age";
    /// Hours before an unacknowledged suicide-risk alert goes to the owner (24 / 1 for high).
    pub const ALERT_ESCALATE_HOURS: &str = "alerts.escalate_hours";
    pub const ALERT_ESCALATE_HIGH_HOURS: &str = "alerts.escalate_high_hours";
    /// PCL-5 total for provisional PTSD (default 33).
    pub const PCL5_CUTOFF: &str = "measures.pcl5_cutoff";
    /// "false": scheduled questionnaires wait for a staff member's click; otherwise each one is
    /// emailed by itself when due, to clients who agreed to email.
    pub const MEASURES_AUTO_SEND: &str = "measures.auto_send";
    /// Days after an automatic email before one reminder (0: no reminder).
    pub const MEASURES_REMIND_DAYS: &str = "measures.remind_days";
    pub const ADDRESS: &str = "practice.address";
    pub const PHONE: &str = "practice.phone";
    pub const EMAIL: &str = "practice.email";
    pub const HOURS: &str = "practice.hours";
    pub const STATES: &str = "practice.states";
    /// A random secret for signing public form tokens, made at first start.
    pub const FORM_SECRET: &str = "forms.secret";
    /// "true": a dose or booster in the custody log needs a witness (default "false").
    pub const CUSTODY_WITNESS_REQUIRED: &str = "custody.witness_required";
    /// The practice's one currency (`USD` while unset).
    pub const BILLING_CURRENCY: &str = "billing.currency";
    /// Hours of notice a cancellation needs to be free of the late-cancellation fee (24).
    pub const BILLING_NOTICE_HOURS: &str = "billing.notice_hours";
    /// The practice's own (organisation) NPI, and its tax id (EIN), for superbills.
    pub const BILLING_NPI: &str = "billing.npi";
    pub const BILLING_TAX_ID: &str = "billing.tax_id";
    /// The practice's own payment page (its processor's), linked from invoices.
    pub const BILLING_PAYMENT_LINK: &str = "billing.payment_link";
    /// "true": therapists see their own clients' balances, payments and billing documents
    /// (default: only the owner and the front desk do).
    pub const BILLING_THERAPISTS_SEE_BALANCES: &str = "billing.therapists_see_balances";
}

impl Settings<'_> {
    /// Every setting, from the snapshot of the current settings version: at most a second
    /// behind a change made on another instance, never behind one made on this one. For
    /// pages; an entry that decides by a setting (a vitals alert, a discharge) uses [`Self::now`].
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn snapshot(&self) -> Result<crate::settings_snapshot::Snapshot, StoreError> {
        self.store.settings_cache.get(&self.store.db).await
    }

    /// Every setting as the database holds it at this moment (no cache).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn now(&self) -> Result<crate::settings_snapshot::Snapshot, StoreError> {
        crate::settings_snapshot::read_all(&self.store.db).await
    }

    /// Several settings at once (missing ones absent from the result), read now rather than
    /// from the snapshot: the public site's cache is rebuilt from them when `site.version`
    /// moves, and a snapshot up to a second old would be cached with it until the next change.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn many(&self, wanted: &[&str]) -> Result<Vec<(String, String)>, StoreError> {
        let rows: Vec<(String, String)> = self
            .store
            .db
            .fetch_all("SELECT key, value FROM practice_settings", args![])
            .await?;
        Ok(rows
            .into_iter()
            .filter(|(k, _)| wanted.contains(&k.as_str()))
            .collect())
    }

    /// The practice's secret for signing public form tokens: made once (by whichever instance
    /// starts first), then the same for every instance.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn form_secret(&self, fresh: &str) -> Result<String, StoreError> {
        let mut tx = self.store.begin().await?;
        put_once(&mut tx, keys::FORM_SECRET, fresh, OffsetDateTime::now_utc()).await?;
        tx.commit().await?;
        self.get(keys::FORM_SECRET)
            .await?
            .ok_or_else(|| StoreError::Corrupt("form secret vanished".into()))
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.store
            .db
            .scalar_optional::<String>(
                "SELECT value FROM practice_settings WHERE key = $1",
                args![key],
            )
            .await
    }
}

/// The zone a stored setting names; UTC when unset or no longer a zone (a name the bundled
/// database dropped must not stop every page).
pub(crate) fn zone_from(name: Option<&str>) -> PracticeZone {
    match name.map(PracticeZone::named) {
        Some(Ok(z)) => z,
        Some(Err(_)) => {
            tracing::warn!(
                "the practice's time zone setting is not a known zone; reading times in UTC"
            );
            PracticeZone::utc()
        }
        None => PracticeZone::utc(),
    }
}

impl Tx {
    /// The practice's time zone, for a write that dates something by the practice's day: from
    /// the snapshot when it is fresh, else read in this transaction.
    pub(crate) async fn zone(&mut self) -> Result<PracticeZone, StoreError> {
        if let Some(s) = self.settings_cache.fresh(std::time::Instant::now()) {
            return Ok(s.zone().clone());
        }
        let name: Option<String> = self
            .scalar_optional(
                "SELECT value FROM practice_settings WHERE key = $1",
                args![keys::TIME_ZONE],
            )
            .await?;
        Ok(zone_from(name.as_deref()))
    }
}

/// Sets `key` inside `tx` (the caller writes the audit row that says who and why).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn put(
    tx: &mut Tx,
    key: &str,
    value: &str,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    tx.exec(
        "INSERT INTO practice_settings (key, value, updated_at) VALUES ($1, $2, $3) ON \
             CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        args![key, value, now],
    )
    .await?;
    changed(tx, now).await
}

/// Marks the settings changed: a new version for every instance's snapshot, and this
/// instance's snapshot forgotten when `tx` commits.
async fn changed(tx: &mut Tx, now: OffsetDateTime) -> Result<(), StoreError> {
    let version = uuid::Uuid::new_v4().simple().to_string();
    tx.exec(
        "INSERT INTO practice_settings (key, value, updated_at) VALUES ($1, $2, $3) ON \
             CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        args![crate::settings_snapshot::VERSION_KEY, version, now],
    )
    .await?;
    tx.settings_changed = true;
    Ok(())
}

/// Sets `key` only if it has no value yet; returns whether this call set it.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn put_once(
    tx: &mut Tx,
    key: &str,
    value: &str,
    now: OffsetDateTime,
) -> Result<bool, StoreError> {
    let done = tx
        .exec(
            "INSERT INTO practice_settings (key, value, updated_at) VALUES ($1, $2, $3) ON \
                 CONFLICT (key) DO NOTHING",
            args![key, value, now],
        )
        .await?;
    if done == 1 {
        changed(tx, now).await?;
    }
    Ok(done == 1)
}
