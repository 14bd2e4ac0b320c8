//! The owner's billing settings page: the practice's billing details, the fee schedule (each
//! fee from a date, with the fees before it), the code each kind of appointment is billed with,
//! and each clinician's NPI and licence.

use crate::AppState;
use crate::auth::OwnerUser;
use crate::error::AppError;
use crate::views::layout::Layout;
use askama::Template;
use askama_web::WebTemplate;
use kapflow_domain::billing::identity::code_label;
use kapflow_domain::billing::money::Currency;
use kapflow_domain::form::FieldErrors;
use serde::Deserialize;

/// The practice's billing details as typed.
#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default)]
pub struct DetailsForm {
    pub currency: String,
    pub notice_hours: String,
    pub npi: String,
    pub tax_id: String,
    pub payment_link: String,
    /// "on" when therapists see their own clients' balances.
    pub therapists_see_balances: Option<String>,
}

/// A new fee as typed.
#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default)]
pub struct FeeForm {
    pub code: String,
    pub amount: String,
    pub from: String,
    #[serde(rename = "_key")]
    pub key: String,
}

/// One service of the schedule: its fee now (or from a coming date) and the fees before.
pub struct FeeLine {
    pub code: String,
    pub label: String,
    pub current: String,
    pub history: String,
}

/// A kind of appointment and its code.
pub struct TypeLine {
    pub key: String,
    pub label: String,
    pub code: String,
    pub external: bool,
    /// The error of this kind's code, when the form was refused.
    pub error: Option<String>,
}

/// A clinician's billing identity, as stored or as typed.
pub struct ClinicianLine {
    pub href: String,
    pub id: String,
    pub name: String,
    pub npi: String,
    pub licence: String,
    /// The error of this clinician's form, if it was the one refused.
    pub error: Option<(String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "billing_settings.html")]
pub struct BillingSettingsPage {
    pub layout: Layout,
    pub csrf: String,
    pub details: DetailsForm,
    pub fee: FeeForm,
    /// Errors of whichever form was refused (their field names do not overlap).
    pub e: FieldErrors,
    pub fees: Vec<FeeLine>,
    pub types: Vec<TypeLine>,
    pub clinicians: Vec<ClinicianLine>,
    pub notice: Option<&'static str>,
}

impl BillingSettingsPage {
    pub async fn load(state: &AppState, owner: &OwnerUser) -> Result<Self, AppError> {
        let store = &state.store;
        let settings = crate::billing_settings::read(&store.settings().snapshot().await?);
        let currency = settings.currency;
        let today = crate::time_fmt::day(kapflow_domain::time_util::now_utc());
        let all = store.billing().fees().await?;
        let mut codes: Vec<String> = all.iter().map(|f| f.service.clone()).collect();
        codes.sort();
        codes.dedup();
        let fees = codes
            .into_iter()
            .map(|code| {
                let mut own: Vec<_> = all.iter().filter(|f| f.service == code).collect();
                own.sort_by_key(|f| std::cmp::Reverse(f.from));
                let current = own
                    .iter()
                    .find(|f| f.from <= today)
                    .or(own.last())
                    .map(|f| format!("{} from {}", f.amount.display(currency), f.from))
                    .unwrap_or_default();
                let history = own
                    .iter()
                    .map(|f| format!("{} from {}", f.amount.display(currency), f.from))
                    .collect::<Vec<_>>()
                    .join("; ");
                FeeLine {
                    label: code_label(&code),
                    code,
                    current,
                    history,
                }
            })
            .collect();
        let types = store
            .billing()
            .type_codes()
            .await?
            .into_iter()
            .map(|t| TypeLine {
                key: t.key,
                label: t.label,
                code: t.billing_code.unwrap_or_default(),
                external: t.external,
                error: None,
            })
            .collect();
        let clinicians = store
            .billing()
            .clinicians()
            .await?
            .into_iter()
            .map(|c| ClinicianLine {
                href: crate::paths::billing_clinician(c.id),
                id: c.id.to_string(),
                name: c.name,
                npi: c.npi.unwrap_or_default(),
                licence: c.licence.unwrap_or_default(),
                error: None,
            })
            .collect();
        Ok(BillingSettingsPage {
            layout: Layout::for_user(state, &owner.0).await?,
            csrf: owner.0.csrf().to_owned(),
            details: DetailsForm {
                currency: currency.as_str().into(),
                notice_hours: settings.notice_hours.to_string(),
                npi: settings.npi.unwrap_or_default(),
                tax_id: settings.tax_id.unwrap_or_default(),
                payment_link: settings.payment_link.unwrap_or_default(),
                therapists_see_balances: settings.therapists_see_balances.then(|| "on".into()),
            },
            fee: FeeForm {
                from: today.to_string(),
                key: crate::routes::clients::form_key(),
                ..FeeForm::default()
            },
            e: FieldErrors::default(),
            fees,
            types,
            clinicians,
            notice: None,
        })
    }

    pub fn currencies(&self) -> Vec<(String, String)> {
        Currency::ALL
            .iter()
            .map(|c| {
                (
                    c.as_str().to_owned(),
                    format!("{} ({})", c.label(), c.as_str()),
                )
            })
            .collect()
    }
}
