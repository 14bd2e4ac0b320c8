//! The owner's billing settings: the practice's billing details, a fee from a date, the code of
//! each kind of appointment and each clinician's NPI and licence. A refused form comes back as
//! typed with its error beside the field.

use crate::AppState;
use crate::auth::OwnerUser;
use crate::error::AppError;
use crate::views::billing_settings::{BillingSettingsPage, DetailsForm, FeeForm};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::UserId;
use kapflow_domain::billing::identity::{
    checked_code, checked_licence, checked_npi, checked_tax_id,
};
use kapflow_domain::billing::money::{Currency, parse_amount};
use kapflow_domain::form::FieldErrors;
use kapflow_domain::text::date;
use kapflow_domain::time_util::now_utc;
use kapflow_store::settings::keys;
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Done {
    saved: Option<String>,
}

const NOTICES: &[(&str, &str)] = &[
    ("details", "The billing details are saved."),
    ("fee", "The fee is set."),
    ("codes", "The codes are saved."),
    ("clinician", "The clinician's details are saved."),
];

pub async fn page(
    State(state): State<AppState>,
    owner: OwnerUser,
    Query(q): Query<Done>,
) -> Result<BillingSettingsPage, AppError> {
    let mut page = BillingSettingsPage::load(&state, &owner).await?;
    page.notice = q
        .saved
        .and_then(|s| NOTICES.iter().find(|(k, _)| *k == s).map(|(_, n)| *n));
    Ok(page)
}

fn saved(what: &str) -> Response {
    Redirect::to(&format!("{}?saved={what}", crate::paths::BILLING_SETTINGS)).into_response()
}

fn refused(page: BillingSettingsPage) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

pub async fn save_details(
    State(state): State<AppState>,
    owner: OwnerUser,
    Form(form): Form<DetailsForm>,
) -> Result<Response, AppError> {
    let mut e = FieldErrors::default();
    let currency = Currency::parse(&form.currency);
    if currency.is_none() {
        e.add("currency", "Choose the practice's currency.");
    }
    let hours = form
        .notice_hours
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|h| *h <= 168);
    if hours.is_none() {
        e.add(
            "notice_hours",
            "Enter the hours of notice, from 0 to 168 (a week).",
        );
    }
    let npi = checked_npi(&form.npi).map_err(|m| e.add("npi", m)).ok();
    let tax_id = checked_tax_id(&form.tax_id)
        .map_err(|m| e.add("tax_id", m))
        .ok();
    let link = form.payment_link.trim();
    let link_ok = link.is_empty()
        || (link.starts_with("https://")
            && link.len() <= 300
            && !link.contains(char::is_whitespace));
    if !link_ok {
        e.add(
            "payment_link",
            "Enter the payment page's full address, starting with https://.",
        );
    }
    let (true, Some(currency), Some(hours), Some(npi), Some(tax_id)) =
        (e.is_empty(), currency, hours, npi, tax_id)
    else {
        let mut page = BillingSettingsPage::load(&state, &owner).await?;
        page.details = form;
        page.e = e;
        return Ok(refused(page));
    };
    let values = [
        (keys::BILLING_CURRENCY, currency.as_str().to_owned()),
        (keys::BILLING_NOTICE_HOURS, hours.to_string()),
        (keys::BILLING_NPI, npi.unwrap_or_default()),
        (keys::BILLING_TAX_ID, tax_id.unwrap_or_default()),
        (keys::BILLING_PAYMENT_LINK, link.to_owned()),
        (
            keys::BILLING_THERAPISTS_SEE_BALANCES,
            form.therapists_see_balances.is_some().to_string(),
        ),
    ];
    state
        .store
        .site()
        .save_practice_details(&values, &owner.0.actor(), now_utc())
        .await?;
    Ok(saved("details"))
}

pub async fn set_fee(
    State(state): State<AppState>,
    owner: OwnerUser,
    Form(form): Form<FeeForm>,
) -> Result<Response, AppError> {
    let mut e = FieldErrors::default();
    let code = checked_code(&form.code).map_err(|m| e.add("code", m)).ok();
    let amount = parse_amount(&form.amount)
        .map_err(|m| e.add("amount", m))
        .ok();
    let from = date(&form.from, "the date it applies from")
        .map_err(|m| e.add("from", m))
        .ok();
    if let (Some(code), Some(amount), Some(from)) = (code, amount, from) {
        let made = state
            .store
            .billing()
            .set_fee(
                &code,
                amount,
                from,
                owner.0.id(),
                &owner.0.actor(),
                now_utc(),
            )
            .await?;
        if made.is_some() {
            return Ok(saved("fee"));
        }
        e.add(
            "from",
            "This service already has a fee from that date: choose another date for the change.",
        );
    }
    let mut page = BillingSettingsPage::load(&state, &owner).await?;
    page.fee = form;
    page.e = e;
    Ok(refused(page))
}

pub async fn save_codes(
    State(state): State<AppState>,
    owner: OwnerUser,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let types = state.store.billing().type_codes().await?;
    let mut chosen = Vec::new();
    let mut bad: Vec<(&str, &'static str)> = Vec::new();
    for t in &types {
        let typed = form.get(&t.key).map(|s| s.trim()).unwrap_or("");
        if typed.is_empty() {
            chosen.push((t.key.as_str(), None));
            continue;
        }
        match checked_code(typed) {
            Ok(code) => chosen.push((t.key.as_str(), Some(code))),
            Err(m) => bad.push((t.key.as_str(), m)),
        }
    }
    if !bad.is_empty() {
        let mut page = BillingSettingsPage::load(&state, &owner).await?;
        for line in &mut page.types {
            if let Some(typed) = form.get(&line.key) {
                line.code = typed.clone();
            }
            line.error = bad
                .iter()
                .find(|(k, _)| *k == line.key)
                .map(|(_, m)| (*m).to_owned());
        }
        let mut e = FieldErrors::default();
        e.add(
            "codes",
            format!("Check the code marked below ({} of them).", bad.len()),
        );
        page.e = e;
        return Ok(refused(page));
    }
    let now = now_utc();
    for (key, code) in chosen {
        let before = types
            .iter()
            .find(|t| t.key == key)
            .and_then(|t| t.billing_code.clone());
        if before != code {
            state
                .store
                .billing()
                .set_type_code(key, code.as_deref(), &owner.0.actor(), now)
                .await?;
        }
    }
    Ok(saved("codes"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ClinicianForm {
    npi: String,
    licence: String,
}

pub async fn save_clinician(
    State(state): State<AppState>,
    owner: OwnerUser,
    Path(user): Path<String>,
    Form(form): Form<ClinicianForm>,
) -> Result<Response, AppError> {
    let id = UserId::parse(&user).ok_or(AppError::NotFound)?;
    let clinicians = state.store.billing().clinicians().await?;
    if !clinicians.iter().any(|c| c.id == id) {
        return Err(AppError::NotFound);
    }
    let checked = checked_npi(&form.npi)
        .map_err(|m| ("npi", m))
        .and_then(|npi| {
            Ok((
                npi,
                checked_licence(&form.licence).map_err(|m| ("licence", m))?,
            ))
        });
    match checked {
        Ok((npi, licence)) => {
            state
                .store
                .billing()
                .set_clinician_billing(
                    id,
                    npi.as_deref(),
                    licence.as_deref(),
                    owner.0.id(),
                    &owner.0.actor(),
                    now_utc(),
                )
                .await?;
            Ok(saved("clinician"))
        }
        Err((field, message)) => {
            let mut page = BillingSettingsPage::load(&state, &owner).await?;
            for line in &mut page.clinicians {
                if line.id == id.to_string() {
                    line.npi = form.npi.clone();
                    line.licence = form.licence.clone();
                    line.error = Some((field.to_owned(), message.to_owned()));
                }
            }
            Ok(refused(page))
        }
    }
}
