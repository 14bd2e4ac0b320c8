//! Good-faith estimates for self-pay clients (No Surprises Act, 45 CFR 149.610): one is given
//! when a client's first appointment of the year is booked (every kapflow client pays the
//! practice directly), by the date the law sets; it is in the portal and the client is told by
//! email; the practice is reminded once the charges pass it by $400 or more; and it prints with
//! the notice and dispute rights the law asks for.

use crate::AppState;
use crate::error::AppError;
use kapflow_domain::billing::estimate::{
    CourseCodes, CoursePlan, DISPUTE_RIGHTS, NOTICE, due, exceeds, for_course,
};
use kapflow_domain::billing::fees::fee_for;
use kapflow_domain::billing::ledger::EntryKind;
use kapflow_domain::billing::money::Cents;
use kapflow_domain::time_util::now_utc;
use kapflow_domain::{Actor, UserId};
use kapflow_pdf::{Block, Document};
use kapflow_store::ClientAccess;
use kapflow_store::billing::{EstimateRow, NewEstimate};
use kapflow_store::outbox::Email;
use kapflow_store::portal::PortalStatus;
use time::{Date, Duration};

/// The course an estimate expects (the domain's typical course: 6–8 dosing sessions of 2–3
/// hours; the dosing hours follow the practice's length of a dosing session).
const PREPARATION_SESSIONS: u32 = 2;
const DOSING_SESSIONS: u32 = 6;

/// An estimate covers the services of the year after it is given.
const COVERS_DAYS: i64 = 365;

/// Gives the client a new estimate of their course from `starts_on`; `None` when the practice
/// has set no fee to price it with.
pub async fn give(
    state: &AppState,
    (by, actor): (UserId, &Actor),
    access: &ClientAccess,
    starts_on: Date,
) -> Result<Option<uuid::Uuid>, AppError> {
    let store = &state.store;
    let billing = store.billing();
    let fees = billing.fees().await?;
    let rates = billing.rates(access).await?;
    let types = billing.type_codes().await?;
    let code_of = |key: &str| {
        types
            .iter()
            .find(|t| t.key == key)
            .and_then(|t| t.billing_code.clone())
    };
    let dosing_minutes = store
        .calendar()
        .session_types()
        .await?
        .iter()
        .find(|t| t.is_dosing())
        .map_or(180, |t| t.minutes);
    let plan = CoursePlan {
        preparation_sessions: PREPARATION_SESSIONS,
        dosing_sessions: DOSING_SESSIONS,
        dosing_hours: dosing_minutes.div_ceil(60),
    };
    let codes = CourseCodes {
        assessment: code_of("assessment"),
        preparation: code_of("preparation"),
        integration: code_of("integration"),
    };
    let fee = |code: &str| fee_for(&fees, &rates, code, starts_on);
    let services = for_course(&plan, &codes, &fee);
    if services.is_empty() {
        return Ok(None);
    }
    let now = now_utc();
    let today = crate::practice_zone::today(now);
    let notice = ready_notice(state, access, now).await?;
    let id = billing
        .give_estimate(
            access,
            &NewEstimate {
                services: &services,
                starts_on,
                due_by: due(today, starts_on),
            },
            notice.as_ref(),
            by,
            actor,
            now,
        )
        .await?;
    Ok(Some(id))
}

/// The email telling the client their estimate is in the portal, when they have a portal
/// account and an address.
async fn ready_notice(
    state: &AppState,
    access: &ClientAccess,
    now: time::OffsetDateTime,
) -> Result<Option<Email>, AppError> {
    let store = &state.store;
    let with_account = matches!(
        store.portal().status(access, now).await?,
        PortalStatus::Account {
            disabled: false,
            ..
        }
    );
    let to = store
        .clients()
        .get(access)
        .await?
        .and_then(|c| c.email)
        .map(|e| e.to_string());
    Ok(match (with_account, to) {
        (true, Some(to)) => Some(Email::EstimateReady {
            to,
            link: format!(
                "{}{}",
                state.config.public_url.trim_end_matches('/'),
                crate::paths::PORTAL_ESTIMATE
            ),
        }),
        _ => None,
    })
}

/// After an appointment of the client was booked for `first`: an estimate, unless one was
/// given in the year before.
pub async fn after_booking(
    state: &AppState,
    who: (UserId, &Actor),
    access: &ClientAccess,
    first: Date,
) -> Result<(), AppError> {
    let year_ago = now_utc() - Duration::days(COVERS_DAYS);
    let recent = state
        .store
        .billing()
        .estimates(access)
        .await?
        .into_iter()
        .any(|e| e.made_at > year_ago);
    if !recent {
        give(state, who, access, first).await?;
    }
    Ok(())
}

/// What was charged since the estimate was given (charges recorded after it: the bill it is
/// compared with), and by how much that passes it.
pub async fn charged_since(
    state: &AppState,
    access: &ClientAccess,
    estimate: &EstimateRow,
) -> Result<(Cents, Cents), AppError> {
    let charged = state
        .store
        .billing()
        .ledger(access)
        .await?
        .iter()
        .filter(|e| e.kind == EntryKind::Charge && e.created_at >= estimate.made_at)
        .map(|e| e.amount_cents)
        .sum::<i64>();
    let charged = Cents(charged);
    Ok((charged, Cents(charged.0 - estimate.total.0)))
}

/// After a charge: the owners are reminded (once) when the charges pass the newest estimate by
/// $400 or more.
pub async fn check_exceeded(
    state: &AppState,
    actor: &Actor,
    access: &ClientAccess,
) -> Result<(), AppError> {
    let Some(latest) = state
        .store
        .billing()
        .estimates(access)
        .await?
        .into_iter()
        .next()
    else {
        return Ok(());
    };
    let (charged, over) = charged_since(state, access, &latest).await?;
    if latest.reminded_at.is_none() && exceeds(latest.total, charged) {
        state
            .store
            .billing()
            .estimate_exceeded(access, latest.id, over, actor, now_utc())
            .await?;
    }
    Ok(())
}

/// The estimate as the client reads it.
pub async fn document(
    state: &AppState,
    access: &ClientAccess,
    estimate: Option<&EstimateRow>,
) -> Result<Document, AppError> {
    let crate::billing_docs::Parties {
        client,
        settings,
        practice,
        address,
        phone,
    } = crate::billing_docs::parties(state, access).await?;
    let currency = settings.currency;
    let mut doc = crate::print::document(state, "Good Faith Estimate").await?;
    doc.push(Block::Title(format!(
        "Good Faith Estimate for {}",
        client.legal_name
    )));
    let Some(e) = estimate else {
        doc.push(Block::Text(
            "No estimate has been given yet. You are entitled to one: ask the practice.".into(),
        ));
        return Ok(doc);
    };
    doc.field("Date of birth", &client.date_of_birth.to_string())
        .field("Estimate given", &crate::time_fmt::when(e.made_at))
        .field("Services expected from", &e.starts_on.to_string())
        .field(
            "Covers services until",
            &(e.starts_on + Duration::days(COVERS_DAYS)).to_string(),
        );
    doc.push(Block::Heading("Provider".into()));
    doc.field("Practice", &practice)
        .field("Address", &address)
        .field("Phone", &phone)
        .field("NPI", settings.npi.as_deref().unwrap_or("—"))
        .field("Tax id (EIN)", settings.tax_id.as_deref().unwrap_or("—"));
    doc.push(Block::Heading("Expected services and costs".into()));
    for s in &e.services {
        doc.push(Block::Entry(
            s.label.clone(),
            format!(
                "Code {} · {} × {} unit(s) at {} · {}",
                s.code,
                s.times,
                s.units,
                s.unit_fee.display(currency),
                s.amount().unwrap_or_default().display(currency)
            ),
        ));
    }
    doc.push(Block::Rule);
    doc.field("Total estimated cost", &e.total.display(currency));
    doc.push(Block::Small(format!(
        "The estimate expects a course of an assessment, {PREPARATION_SESSIONS} preparation sessions and {DOSING_SESSIONS} dosing sessions, each followed by an integration session. The medication and the partner prescriber's medical evaluation are billed by the prescriber, not by this practice, and are not included. If your plan changes, you will be given a new estimate."
    )));
    doc.push(Block::Heading("Disclaimer".into()));
    doc.push(Block::Text(NOTICE.into()));
    doc.push(Block::Heading("Your right to dispute the bill".into()));
    doc.push(Block::Text(DISPUTE_RIGHTS.into()));
    Ok(doc)
}
