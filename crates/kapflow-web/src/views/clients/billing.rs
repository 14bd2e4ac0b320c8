//! A client's billing page: what they owe and how old it is, the ledger with each charge's
//! codes, what is waiting to be charged, the payment form, the client's diagnoses (for the
//! clinicians who keep them) and the documents (statement, superbill).

use crate::AppState;
use crate::auth::access::ClientAccess;
use crate::error::AppError;
use crate::views::clients::{HeaderView, Tab, ctx};
use crate::views::layout::Layout;
use askama::Template;
use askama_web::WebTemplate;
use kapflow_domain::access::Action;
use kapflow_domain::billing::charges::{Chargeable, PlaceOfService};
use kapflow_domain::billing::fees::{Rate, fee_for};
use kapflow_domain::billing::icd10;
use kapflow_domain::billing::identity::code_label;
use kapflow_domain::billing::ledger::{EntryKind, PaymentMethod, ageing, balance, open_charges};
use kapflow_domain::form::FieldErrors;
use kapflow_domain::time_util::now_utc;
use kapflow_store::billing::{ChargeLineRow, EntryRow, ToCharge};
use serde::Deserialize;

/// The payment (or refund, adjustment, write-off) form as typed.
#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default)]
pub struct PaymentForm {
    pub kind: String,
    pub amount: String,
    pub on: String,
    pub method: String,
    /// The charge it is for (its id), or empty: the oldest open charge first.
    pub settles: String,
    pub reference: String,
    pub note: String,
    #[serde(rename = "_key")]
    pub key: String,
}

/// A client's own rate as typed (a fixed fee or a sliding-scale share, with the reason).
#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default)]
pub struct RateForm {
    /// A code, or empty for every service.
    pub rate_service: String,
    /// `percent` or `fixed`.
    pub rate_kind: String,
    pub rate_value: String,
    pub rate_reason: String,
    pub rate_from: String,
    #[serde(rename = "_key")]
    pub key: String,
}

/// The newest good-faith estimate, and how the charges since compare.
pub struct EstimateView {
    pub made: String,
    pub due_by: Option<String>,
    pub total: String,
    pub charged: String,
    /// How far the charges are above it, when $400 or more (the client may dispute).
    pub over: Option<String>,
    pub href: String,
}

/// One entry of the ledger as shown.
pub struct EntryLine {
    pub on: String,
    pub what: String,
    pub detail: String,
    pub amount: String,
    /// What is still open of a charge.
    pub open: Option<String>,
}

/// A diagnosis on the client's list.
pub struct DiagnosisLine {
    pub code: String,
    pub description: String,
}

/// Something waiting to be charged.
pub struct WaitingLine {
    pub on: String,
    pub what: String,
    pub who: String,
    /// The appointment to charge (its id), with the code and fee it will be charged.
    pub charge: Option<WaitingCharge>,
    /// A dosing session's page where its monitoring hours are counted.
    pub count_href: Option<String>,
    /// Why it cannot be charged yet.
    pub blocked: Option<String>,
}

pub struct WaitingCharge {
    /// This form's own idempotency key (each charge is its own form).
    pub key: String,
    pub appointment: String,
    pub code: String,
    pub fee: String,
    pub place: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "client_billing.html")]
pub struct BillingPage {
    pub layout: Layout,
    pub h: HeaderView,
    pub csrf: String,
    pub notice: Option<&'static str>,
    /// A refusal that belongs to no one field (a charge that could not be made).
    pub alert: Option<String>,
    pub balance: String,
    pub ageing: Vec<(&'static str, String)>,
    pub entries: Vec<EntryLine>,
    pub waiting: Vec<WaitingLine>,
    pub diagnoses: Vec<DiagnosisLine>,
    /// The caller keeps the diagnoses (a clinician of the care team).
    pub may_diagnose: bool,
    pub dx_query: String,
    pub dx_found: Vec<DiagnosisLine>,
    pub pay: PaymentForm,
    pub e: FieldErrors,
    /// The client's own rates, oldest first, in words.
    pub rates: Vec<String>,
    pub rate: RateForm,
    /// Errors of the rate form.
    pub re: FieldErrors,
    pub open: Vec<(String, String)>,
    pub superbill_href: String,
    pub statement_href: String,
    pub icd_release: &'static str,
    pub estimate: Option<EstimateView>,
    pub estimate_key: String,
    /// The caller sees the client's money (see `billing_settings::sees_money`).
    pub money: bool,
}

impl BillingPage {
    pub async fn load(
        state: &AppState,
        user: &crate::auth::StaffUser,
        access: &ClientAccess,
        pay: Option<PaymentForm>,
    ) -> Result<BillingPage, AppError> {
        let h = ctx(state, access, Tab::Billing).await?.header;
        let store = &state.store;
        let billing = store.billing();
        let settings = crate::billing_settings::read(&store.settings().snapshot().await?);
        let currency = settings.currency;
        let money = |c: i64| kapflow_domain::billing::money::Cents(c).display(currency);
        let rows = billing.ledger(access).await?;
        let lines = billing.charge_lines(access).await?;
        let domain = EntryRow::to_domain(&rows);
        let now = now_utc();
        let today = crate::time_fmt::day(now);
        let open = open_charges(&domain);
        let entries = rows
            .iter()
            .enumerate()
            .map(|(i, r)| EntryLine {
                on: r.on_date.to_string(),
                what: r.kind.label().to_owned(),
                detail: detail(r, &lines),
                amount: money(r.amount_cents * r.kind.sign()),
                open: open
                    .iter()
                    .find(|(at, _)| *at == i)
                    .map(|(_, left)| left.display(currency)),
            })
            .collect();
        let open_list = open
            .iter()
            .map(|(i, left)| {
                let r = &rows[*i];
                (
                    r.id.to_string(),
                    format!(
                        "{} of {}: {} open",
                        r.service.as_deref().map(code_label).unwrap_or_default(),
                        r.on_date,
                        left.display(currency)
                    ),
                )
            })
            .collect();
        let aged = ageing(&domain, today);
        let fees = billing.fees().await?;
        let rates = billing.rates(access).await?;
        let rate_lines = rates
            .iter()
            .map(|r| {
                let what = match r.rate {
                    Rate::Fixed(c) => c.display(currency),
                    Rate::Percent(p) => format!("{p}% of the fee"),
                };
                let of = r
                    .service
                    .as_deref()
                    .map_or("every service".to_owned(), code_label);
                format!("From {}: {what} for {of}. Why: {}", r.from, r.reason)
            })
            .collect();
        let mut waiting = Vec::new();
        for item in billing.to_charge(access).await? {
            match item {
                ToCharge::Appointment(a) => {
                    let on = crate::time_fmt::day(a.starts_at);
                    let (kind, code) = a.what_to_charge(settings.notice_hours, now);
                    let Some(code) = code else { continue };
                    let fee = fee_for(&fees, &rates, &code, on);
                    // A practice that set no missed-appointment fee does not charge one.
                    if fee.is_none() && kind != Chargeable::Attended {
                        continue;
                    }
                    let what = match kind {
                        Chargeable::NoShow => format!("{} (did not attend)", a.type_label),
                        Chargeable::LateCancel => format!("{} (cancelled late)", a.type_label),
                        _ => a.type_label.clone(),
                    };
                    waiting.push(WaitingLine {
                        on: on.to_string(),
                        what,
                        who: a.clinician_name.clone(),
                        blocked: fee.is_none().then(|| {
                            format!(
                                "No fee is set for {code} yet: the owner sets it in Billing settings."
                            )
                        }),
                        charge: fee.map(|fee| WaitingCharge {
                            key: crate::routes::clients::form_key(),
                            appointment: a.id.to_string(),
                            code: code_label(&code),
                            fee: fee.display(currency),
                            place: if a.telehealth {
                                PlaceOfService::TelehealthHome.as_str()
                            } else {
                                PlaceOfService::Office.as_str()
                            },
                        }),
                        count_href: None,
                    });
                }
                ToCharge::Session(s) => waiting.push(WaitingLine {
                    on: crate::time_fmt::day(s.opened_at).to_string(),
                    what: format!("Dosing session {}", s.number),
                    who: String::new(),
                    charge: None,
                    count_href: Some(crate::paths::billing_session(access.client(), s.id)),
                    blocked: None,
                }),
            }
        }
        let may_diagnose = access.may(Action::EditClinicalRecord);
        let diagnoses = billing
            .diagnoses(access)
            .await?
            .into_iter()
            .map(|code| DiagnosisLine {
                description: icd10::find(&code)
                    .map(|d| d.description.to_owned())
                    .unwrap_or_default(),
                code,
            })
            .collect();
        let mut pay = pay.unwrap_or_else(|| PaymentForm {
            kind: EntryKind::Payment.as_str().into(),
            on: today.to_string(),
            method: PaymentMethod::Card.as_str().into(),
            ..PaymentForm::default()
        });
        if pay.key.is_empty() {
            pay.key = crate::routes::clients::form_key();
        }
        let c = access.client();
        let estimate = match billing.estimates(access).await?.into_iter().next() {
            Some(e) => {
                let (charged, over) = crate::estimates::charged_since(state, access, &e).await?;
                Some(EstimateView {
                    made: crate::time_fmt::when(e.made_at),
                    due_by: e.due_by.map(|d| d.to_string()),
                    total: e.total.display(currency),
                    charged: charged.display(currency),
                    over: kapflow_domain::billing::estimate::exceeds(e.total, charged)
                        .then(|| over.display(currency)),
                    href: crate::paths::estimate_pdf(c),
                })
            }
            None => None,
        };
        Ok(BillingPage {
            layout: Layout::for_user(state, &user.0).await?,
            csrf: user.0.csrf().to_owned(),
            h,
            notice: None,
            alert: None,
            balance: balance(&domain)
                .map(|b| b.display(currency))
                .unwrap_or_default(),
            ageing: vec![
                ("0–30 days", aged.days_0_30.display(currency)),
                ("31–60 days", aged.days_31_60.display(currency)),
                ("61–90 days", aged.days_61_90.display(currency)),
                ("Over 90 days", aged.over_90.display(currency)),
            ],
            entries,
            waiting,
            diagnoses,
            may_diagnose,
            dx_query: String::new(),
            dx_found: Vec::new(),
            pay,
            e: FieldErrors::default(),
            rates: rate_lines,
            rate: RateForm {
                rate_kind: "percent".into(),
                rate_from: today.to_string(),
                key: crate::routes::clients::form_key(),
                ..RateForm::default()
            },
            re: FieldErrors::default(),
            open: open_list,
            superbill_href: crate::paths::superbill_pdf(c),
            statement_href: crate::paths::statement_pdf(c),
            icd_release: icd10::RELEASE,
            estimate,
            estimate_key: crate::routes::clients::form_key(),
            money: crate::billing_settings::sees_money(&settings, access.role()),
        })
    }

    pub fn kinds(&self) -> Vec<(String, String)> {
        [
            EntryKind::Payment,
            EntryKind::Refund,
            EntryKind::Adjustment,
            EntryKind::WriteOff,
        ]
        .iter()
        .map(|k| (k.as_str().to_owned(), k.label().to_owned()))
        .collect()
    }

    pub fn methods(&self) -> Vec<(String, String)> {
        std::iter::once((
            String::new(),
            "Not money (an adjustment or write-off)".to_owned(),
        ))
        .chain(
            PaymentMethod::ALL
                .iter()
                .map(|m| (m.as_str().to_owned(), m.label().to_owned())),
        )
        .collect()
    }

    pub fn settles_options(&self) -> Vec<(String, String)> {
        std::iter::once((String::new(), "The oldest open charge first".to_owned()))
            .chain(self.open.iter().cloned())
            .collect()
    }
}

/// A charge's codes, or a payment's method and reference, in a line.
fn detail(r: &EntryRow, lines: &[ChargeLineRow]) -> String {
    let mut parts: Vec<String> = Vec::new();
    if r.kind == EntryKind::Charge {
        for l in lines.iter().filter(|l| l.entry_id == r.id) {
            let mut s = format!("{} × {}", code_label(&l.code), l.units);
            if let Some(m) = &l.modifier {
                s.push_str(&format!(" (modifier {m})"));
            }
            s.push_str(&format!(", place {}", l.place.as_str()));
            let dx = l.diagnosis_codes();
            if !dx.is_empty() {
                s.push_str(&format!(", diagnoses {}", dx.join(" ")));
            }
            if let Some(name) = &l.rendering_name {
                s.push_str(&format!(", {name}"));
            }
            parts.push(s);
        }
    }
    if let Some(m) = r.method {
        parts.push(m.label().to_owned());
    }
    parts.extend(r.reference.iter().cloned());
    parts.extend(r.note.iter().cloned());
    parts.join("; ")
}
