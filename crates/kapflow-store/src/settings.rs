//! Practice-wide settings, as key/value rows.

use crate::backend::Tx;
use crate::{Store, StoreError};
use time::OffsetDateTime;

/// The keys kapflow knows. Values are text; each feature parses its own.
pub mod keys {
    pub const PRACTICE_NAME: &str = "practice.name";
    /// Written once, when the owner completes setup; guards against a second owner setup.
    pub const SETUP_COMPLETED_AT: &str = "setup.completed_at";
    /// Changes whenever anything on the public site changes (content or the settings below).
    pub const SITE_VERSION: &str = "site.version";
    pub const CLINICIAN_NAME: &str = "clinician.name";
    pub const CLINICIAN_CREDENTIALS: &str = "clinician.credentials";
    /// The partner physician organisation (domain reference §1).
    pub const PARTNER_NAME: &str = "partner.name";
    /// How long a break-glass grant lasts, in hours (default 4).
    pub const BREAK_GLASS_HOURS: &str = "break_glass.hours";
    /// Screening thresholds (domain reference §3; defaults in `ScreeningSettings`).
    pub const SCREEN_BP_SYSTOLIC: &str = "screening.bp_systolic";
    pub const SCREEN_BP_DIASTOLIC: &str = "screening.bp_diastolic";
    pub const SCREEN_MIN_AGE: &str = "screening.minimum_age";
    /// Hours before an unacknowledged suicide-risk alert goes to the owner (24 / 1 for high).
    pub const ALERT_ESCALATE_HOURS: &str = "alerts.escalate_hours";
    pub const ALERT_ESCALATE_HIGH_HOURS: &str = "alerts.escalate_high_hours";
    /// PCL-5 total for provisional PTSD (default 33).
    pub const PCL5_CUTOFF: &str = "measures.pcl5_cutoff";
    pub const ADDRESS: &str = "practice.address";
    pub const PHONE: &str = "practice.phone";
    pub const EMAIL: &str = "practice.email";
    pub const HOURS: &str = "practice.hours";
    pub const STATES: &str = "practice.states";
    /// A random secret for signing public form tokens, made at first start.
    pub const FORM_SECRET: &str = "forms.secret";
}

impl Store {
    /// Every setting whose key starts with `prefix` (e.g. "screening."), in one query.
    pub async fn settings_with_prefix(
        &self,
        prefix: &str,
    ) -> Result<std::collections::HashMap<String, String>, StoreError> {
        let pattern = format!("{prefix}%");
        let rows: Vec<(String, String)> = on_db!(self, c => sqlx::query_as(
            "SELECT key, value FROM practice_settings WHERE key LIKE $1"
        ).bind(pattern).fetch_all(c).await)?;
        Ok(rows.into_iter().collect())
    }

    pub async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(on_db!(self, c => sqlx::query_scalar::<_, String>(
            "SELECT value FROM practice_settings WHERE key = $1"
        ).bind(key).fetch_optional(c).await)?)
    }
}

/// Sets `key` inside `tx` (the caller writes the audit row that says who and why).
pub async fn put(
    tx: &mut Tx,
    key: &str,
    value: &str,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO practice_settings (key, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at"
    ).bind(key).bind(value).bind(now).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Sets `key` only if it has no value yet; returns whether this call set it.
pub async fn put_once(
    tx: &mut Tx,
    key: &str,
    value: &str,
    now: OffsetDateTime,
) -> Result<bool, StoreError> {
    let done = on_tx!(tx, c => sqlx::query(
        "INSERT INTO practice_settings (key, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO NOTHING"
    ).bind(key).bind(value).bind(now).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(done == 1)
}
