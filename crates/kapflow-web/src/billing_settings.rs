//! The practice's billing settings as it left them: its one currency, the notice a free
//! cancellation needs, the identifiers its superbills carry and its own payment page.

use kapflow_domain::billing::money::Currency;
use kapflow_store::settings::keys;
use kapflow_store::settings_snapshot::Snapshot;

/// Hours of notice a cancellation needs unless the practice sets otherwise.
pub const NOTICE_HOURS: u32 = 24;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BillingSettings {
    pub currency: Currency,
    pub notice_hours: u32,
    pub npi: Option<String>,
    pub tax_id: Option<String>,
    pub payment_link: Option<String>,
    /// Therapists see their own clients' balances (the owner's choice).
    pub therapists_see_balances: bool,
}

/// Whether `role` sees the money of a client it reaches: balances, payments, rates, estimates
/// and the billing documents (a therapist only when the owner allows; the codes to charge and
/// the diagnoses are the care team's either way).
pub fn sees_money(settings: &BillingSettings, role: kapflow_domain::Role) -> bool {
    role != kapflow_domain::Role::Therapist || settings.therapists_see_balances
}

/// The settings, each falling back to its default.
pub fn read(settings: &Snapshot) -> BillingSettings {
    let text = |key: &str| {
        settings
            .get(key)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    BillingSettings {
        currency: settings
            .get(keys::BILLING_CURRENCY)
            .and_then(Currency::parse)
            .unwrap_or(Currency::Usd),
        notice_hours: settings
            .get(keys::BILLING_NOTICE_HOURS)
            .and_then(|v| v.parse().ok())
            .filter(|h| *h <= 168)
            .unwrap_or(NOTICE_HOURS),
        npi: text(keys::BILLING_NPI),
        tax_id: text(keys::BILLING_TAX_ID),
        payment_link: text(keys::BILLING_PAYMENT_LINK),
        therapists_see_balances: settings.get(keys::BILLING_THERAPISTS_SEE_BALANCES)
            == Some("true"),
    }
}
