//! A client's billing page and its forms: charging a held or missed appointment, recording a
//! payment (refund, adjustment, write-off) — never with a card number in it — and keeping the
//! client's diagnoses. Each refused form comes back as typed with its error beside the field.

use super::{OnClient, Showing};
use crate::error::AppError;
use crate::views::clients::billing::{BillingPage, DiagnosisLine, PaymentForm, RateForm};
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use kapflow_domain::AppointmentId;
use kapflow_domain::billing::card_numbers::holds_card_number;
use kapflow_domain::billing::charges::{Chargeable, Line, PlaceOfService, pointers};
use kapflow_domain::billing::fees::{ClientRate, Rate, checked_reason, fee_for};
use kapflow_domain::billing::icd10;
use kapflow_domain::billing::identity::checked_code;
use kapflow_domain::billing::ledger::{EntryKind, PaymentMethod};
use kapflow_domain::billing::money::parse_amount;
use kapflow_domain::form::FieldErrors;
use kapflow_domain::text::date;
use kapflow_domain::time_util::now_utc;
use kapflow_store::billing::{NewCharge, NewEntry, Refused, Source, ToCharge};
use serde::Deserialize;

const NOTICES: &[(&str, &str)] = &[
    ("charged", "Charged."),
    ("recorded", "Recorded."),
    ("dx-added", "The diagnosis is added."),
    ("dx-removed", "The diagnosis is removed from the list."),
    ("rate", "The client's rate is saved."),
    ("estimate", "A new good-faith estimate is given."),
];

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PageQuery {
    /// A diagnosis search.
    dx: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn page(
    Showing(on, done): Showing,
    Query(q): Query<PageQuery>,
) -> Result<BillingPage, AppError> {
    let OnClient(state, user, access) = &on;
    let mut page = BillingPage::load(state, user, access, None).await?;
    page.notice = done.notice(NOTICES);
    let query: String = q.dx.trim().chars().take(60).collect();
    if page.may_diagnose && !query.is_empty() {
        page.dx_found = icd10::search(&query, 25)
            .into_iter()
            .map(|d| DiagnosisLine {
                code: d.code.to_owned(),
                description: d.description.to_owned(),
            })
            .collect();
        page.dx_query = query;
    }
    Ok(page)
}

/// The client's money (balances, payments, rates, estimates, documents) is the caller's to see;
/// a therapist the owner has not allowed is answered as for a page that is not there.
async fn money_of(on: &OnClient) -> Result<(), AppError> {
    let settings = crate::billing_settings::read(&on.0.store.settings().snapshot().await?);
    if crate::billing_settings::sees_money(&settings, on.2.role()) {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

fn done(on: &OnClient, what: &str) -> Response {
    Redirect::to(&format!(
        "{}?done={what}",
        crate::paths::billing(on.2.client())
    ))
    .into_response()
}

/// The page again with a refusal about a charge.
async fn charge_refused(on: &OnClient, message: &str) -> Result<Response, AppError> {
    let OnClient(state, user, access) = on;
    let mut page = BillingPage::load(state, user, access, None).await?;
    page.alert = Some(message.to_owned());
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ChargeForm {
    appointment: String,
    place: String,
    dx: Vec<String>,
}

/// Charges a held or missed appointment at the fee that applied on its day.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn charge(on: OnClient, Form(form): Form<ChargeForm>) -> Result<Response, AppError> {
    let OnClient(state, user, access) = &on;
    let billing = state.store.billing();
    let id = AppointmentId::parse(&form.appointment).ok_or(AppError::NotFound)?;
    let waiting = billing.to_charge(access).await?;
    let Some(a) = waiting.iter().find_map(|w| match w {
        ToCharge::Appointment(a) if a.id == id => Some(a),
        _ => None,
    }) else {
        // Charged a moment ago (a second click), or not this client's.
        return charge_refused(
            &on,
            "That appointment is already charged, or is not this client's.",
        )
        .await;
    };
    let settings = crate::billing_settings::read(&state.store.settings().snapshot().await?);
    let now = now_utc();
    let (kind, code) = a.what_to_charge(settings.notice_hours, now);
    let Some(code) = code else {
        return charge_refused(&on, "This appointment has nothing to charge.").await;
    };
    let on_day = crate::time_fmt::day(a.starts_at);
    let fees = billing.fees().await?;
    let rates = billing.rates(access).await?;
    let Some(fee) = fee_for(&fees, &rates, &code, on_day) else {
        return charge_refused(&on, "No fee is set for this service yet.").await;
    };
    let client_dx = billing.diagnoses(access).await?;
    let diagnoses = match pointers(&form.dx, &client_dx) {
        Ok(d) => d,
        Err(m) => return charge_refused(&on, m).await,
    };
    let place = PlaceOfService::parse(&form.place).unwrap_or(PlaceOfService::Office);
    let lines = [Line {
        code,
        modifier: None,
        units: 1,
        unit_fee: fee,
        place,
        // A missed appointment's fee is not a service: it points to no diagnosis.
        diagnoses: if kind == Chargeable::Attended {
            diagnoses
        } else {
            Vec::new()
        },
        rendering: Some(a.clinician_id),
    }];
    let made = billing
        .charge(
            access,
            &NewCharge {
                source: Source::Appointment(id),
                on: on_day,
                lines: &lines,
            },
            user.0.id(),
            &user.0.actor(),
            now,
        )
        .await?;
    match made {
        Ok(_) => {
            crate::estimates::check_exceeded(state, &user.0.actor(), access).await?;
            Ok(done(&on, "charged"))
        }
        Err(Refused::AlreadyCharged) => {
            charge_refused(&on, "That appointment is already charged.").await
        }
        Err(Refused::BadCharge(m)) => charge_refused(&on, m).await,
        Err(_) => charge_refused(&on, "The charge could not be made.").await,
    }
}

/// Records a payment, refund, adjustment or write-off.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn payment(on: OnClient, Form(form): Form<PaymentForm>) -> Result<Response, AppError> {
    money_of(&on).await?;
    let OnClient(state, user, access) = &on;
    let mut e = FieldErrors::default();
    let kind = EntryKind::parse(&form.kind).filter(|k| *k != EntryKind::Charge);
    if kind.is_none() {
        e.add("kind", "Choose what it is.");
    }
    let amount = parse_amount(&form.amount)
        .and_then(|a| {
            if a.0 > 0 {
                Ok(a)
            } else {
                Err("Enter an amount above zero.".into())
            }
        })
        .map_err(|m| e.add("amount", &m))
        .ok();
    let today = crate::practice_zone::today(now_utc());
    let on_day = date(&form.on, "the date")
        .and_then(|d| {
            if d > today {
                Err("A payment is recorded on or after the day it was made, not before.".into())
            } else {
                Ok(d)
            }
        })
        .map_err(|m| e.add("on", &m))
        .ok();
    let money = matches!(kind, Some(EntryKind::Payment | EntryKind::Refund));
    let method = PaymentMethod::parse(&form.method);
    if money && method.is_none() {
        e.add("method", "Say how the money was paid or given back.");
    }
    let settles = match form.settles.trim() {
        "" => None,
        s => match uuid::Uuid::parse_str(s) {
            Ok(id) => Some(id),
            Err(_) => {
                e.add("settles", "Choose one of the open charges.");
                None
            }
        },
    };
    for (field, text, max) in [
        ("reference", &form.reference, 120),
        ("note", &form.note, 500),
    ] {
        if holds_card_number(text) {
            e.add(
                field,
                "This looks like a card number. kapflow never keeps card numbers: take the payment in your card processor and enter its receipt number instead.",
            );
        } else if text.chars().count() > max {
            e.add(field, format!("Keep it to {max} characters."));
        }
    }
    if let (true, Some(kind), Some(amount), Some(on_day)) = (e.is_empty(), kind, amount, on_day) {
        let text = |s: &str| Some(s.trim()).filter(|t| !t.is_empty()).map(str::to_owned);
        let (reference, note) = (text(&form.reference), text(&form.note));
        let recorded = state
            .store
            .billing()
            .record(
                access,
                &NewEntry {
                    kind,
                    amount,
                    on: on_day,
                    // A refund gives back money received; it settles no charge.
                    settles: settles.filter(|_| kind != EntryKind::Refund),
                    service: None,
                    reference: reference.as_deref(),
                    note: note.as_deref(),
                    method: method.filter(|_| money),
                },
                user.0.id(),
                &user.0.actor(),
                now_utc(),
            )
            .await?;
        match recorded {
            Ok(_) => return Ok(done(&on, "recorded")),
            Err(Refused::CardNumber(field)) => e.add(
                field,
                "This looks like a card number. kapflow never keeps card numbers.",
            ),
            Err(Refused::NotACharge) => e.add("settles", "Choose one of the open charges."),
            Err(_) => e.add("amount", "Enter an amount above zero."),
        }
    }
    let mut page = BillingPage::load(state, user, access, Some(form)).await?;
    page.e = e;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CodeForm {
    code: String,
}

/// Adds a diagnosis from the shipped list to the client's.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn add_diagnosis(on: OnClient, Form(form): Form<CodeForm>) -> Result<Response, AppError> {
    let OnClient(state, user, access) = &on;
    let Some(d) = icd10::find(&form.code) else {
        return charge_refused(&on, "That code is not on the list of diagnosis codes.").await;
    };
    state
        .store
        .billing()
        .add_diagnosis(access, d, user.0.id(), &user.0.actor(), now_utc())
        .await?;
    // Already on the list (a second click): the list shows it either way.
    Ok(done(&on, "dx-added"))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn remove_diagnosis(
    on: OnClient,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    let OnClient(state, user, access) = &on;
    state
        .store
        .billing()
        .remove_diagnosis(
            access,
            form.code.trim(),
            user.0.id(),
            &user.0.actor(),
            now_utc(),
        )
        .await?;
    Ok(done(&on, "dx-removed"))
}

/// The superbill as a PDF (named without anything about the client).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn superbill_pdf(on: OnClient) -> Result<Response, AppError> {
    money_of(&on).await?;
    let OnClient(state, _, access) = &on;
    let doc = crate::billing_docs::superbill(state, access).await?;
    Ok(crate::print::pdf(
        &doc,
        &format!("superbill-{}.pdf", crate::time_fmt::day(now_utc())),
    ))
}

/// The statement as a PDF.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn statement_pdf(on: OnClient) -> Result<Response, AppError> {
    money_of(&on).await?;
    let OnClient(state, _, access) = &on;
    let doc = crate::billing_docs::statement(state, access).await?;
    Ok(crate::print::pdf(
        &doc,
        &format!("statement-{}.pdf", crate::time_fmt::day(now_utc())),
    ))
}

/// Gives the client their own rate (a fixed fee or a sliding-scale share) from a date, with the
/// reason; charges made before keep their amounts.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn add_rate(on: OnClient, Form(form): Form<RateForm>) -> Result<Response, AppError> {
    money_of(&on).await?;
    let OnClient(state, user, access) = &on;
    let mut e = FieldErrors::default();
    let service = match form.rate_service.trim() {
        "" => Some(None),
        typed => checked_code(typed)
            .map(Some)
            .map_err(|m| e.add("rate_service", m))
            .ok(),
    };
    let rate = match form.rate_kind.as_str() {
        "percent" => form
            .rate_value
            .trim()
            .trim_end_matches('%')
            .trim()
            .parse::<u8>()
            .ok()
            .filter(|p| *p <= 100)
            .map(Rate::Percent)
            .ok_or("Enter a share from 0 to 100 (percent).".to_owned()),
        "fixed" => parse_amount(&form.rate_value).map(Rate::Fixed),
        _ => {
            e.add("rate_kind", "Choose a share of the fee or a fixed fee.");
            Err(String::new())
        }
    }
    .map_err(|m| {
        if !m.is_empty() {
            e.add("rate_value", m);
        }
    })
    .ok();
    let reason = checked_reason(&form.rate_reason)
        .map_err(|m| e.add("rate_reason", m))
        .ok();
    let from = date(&form.rate_from, "the date it applies from")
        .map_err(|m| e.add("rate_from", m))
        .ok();
    let (Some(service), Some(rate), Some(reason), Some(from)) = (service, rate, reason, from)
    else {
        let mut page = BillingPage::load(state, user, access, None).await?;
        page.rate = form;
        page.re = e;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    state
        .store
        .billing()
        .add_rate(
            access,
            &ClientRate {
                service,
                rate,
                reason,
                from,
            },
            user.0.id(),
            &user.0.actor(),
            now_utc(),
        )
        .await?;
    Ok(done(&on, "rate"))
}

/// Gives the client a new good-faith estimate from their next appointment (or today).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn give_estimate(on: OnClient) -> Result<Response, AppError> {
    money_of(&on).await?;
    let OnClient(state, user, access) = &on;
    let now = now_utc();
    let next = state
        .store
        .calendar()
        .for_client(access)
        .await?
        .iter()
        .filter(|a| a.starts_at > now && a.status == kapflow_domain::calendar::Status::Booked)
        .map(|a| crate::time_fmt::day(a.starts_at))
        .next();
    let starts_on = next.unwrap_or_else(|| crate::practice_zone::today(now));
    let given =
        crate::estimates::give(state, (user.0.id(), &user.0.actor()), access, starts_on).await?;
    if given.is_none() {
        return charge_refused(
            &on,
            "No fee is set for the services of a course yet: the owner sets them in Billing settings.",
        )
        .await;
    }
    Ok(done(&on, "estimate"))
}

/// The newest good-faith estimate as a PDF.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn estimate_pdf(on: OnClient) -> Result<Response, AppError> {
    money_of(&on).await?;
    let OnClient(state, _, access) = &on;
    let latest = state.store.billing().estimates(access).await?;
    let Some(first) = latest.first() else {
        return Err(AppError::NotFound);
    };
    let doc = crate::estimates::document(state, access, Some(first)).await?;
    Ok(crate::print::pdf(&doc, "good-faith-estimate.pdf"))
}
