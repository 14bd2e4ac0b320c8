//! A client's billing documents as PDFs: the statement (every charge and payment with the
//! balance) and the superbill a client sends their insurer to claim reimbursement, which
//! carries what an insurer asks for — the practice's and each clinician's names, addresses,
//! NPI, tax id and licence; the client's name, date of birth and address; and for each service
//! its date, place of service, code and modifier, diagnosis codes, units, fee and what was paid.

use crate::AppState;
use crate::error::AppError;
use kapflow_domain::billing::icd10;
use kapflow_domain::billing::identity::code_label;
use kapflow_domain::billing::ledger::{EntryKind, balance, open_charges};
use kapflow_domain::billing::money::{Cents, Currency};
use kapflow_pdf::{Block, Document};
use kapflow_store::ClientAccess;
use kapflow_store::billing::{ChargeLineRow, EntryRow};
use kapflow_store::settings::keys;

/// Who a billing document is between: the client, and the practice as its billing settings
/// and contact details name it.
pub(crate) struct Parties {
    pub client: kapflow_store::clients::ClientRecord,
    pub settings: crate::billing_settings::BillingSettings,
    pub practice: String,
    pub address: String,
    pub phone: String,
}

pub(crate) async fn parties(state: &AppState, access: &ClientAccess) -> Result<Parties, AppError> {
    let store = &state.store;
    let client = store
        .clients()
        .get(access)
        .await?
        .ok_or(AppError::NotFound)?;
    let snapshot = store.settings().snapshot().await?;
    let text = |key: &str| dash(snapshot.get(key).unwrap_or(""));
    Ok(Parties {
        client,
        settings: crate::billing_settings::read(&snapshot),
        practice: crate::views::layout::Layout::practice_name(state).await?,
        address: text(keys::ADDRESS),
        phone: text(keys::PHONE),
    })
}

/// What both documents start from.
struct Basis {
    doc: Document,
    currency: Currency,
    rows: Vec<EntryRow>,
    lines: Vec<ChargeLineRow>,
}

async fn basis(
    state: &AppState,
    access: &ClientAccess,
    title: &str,
    what: &str,
) -> Result<Basis, AppError> {
    let store = &state.store;
    let Parties {
        client,
        settings,
        practice,
        address,
        phone,
    } = parties(state, access).await?;
    let mut doc = crate::print::document(state, title).await?;
    doc.push(Block::Title(format!("{what}: {}", client.legal_name)));
    doc.push(Block::Heading("Practice".into()));
    doc.field("Name", &practice)
        .field("Address", &address)
        .field("Phone", &phone)
        .field(
            "NPI (organisation)",
            &dash(settings.npi.as_deref().unwrap_or("")),
        )
        .field(
            "Tax id (EIN)",
            &dash(settings.tax_id.as_deref().unwrap_or("")),
        );
    doc.push(Block::Heading("Client".into()));
    doc.field("Name", &client.legal_name)
        .field("Date of birth", &client.date_of_birth.to_string())
        .field("Address", &dash(client.address.as_deref().unwrap_or("")));
    Ok(Basis {
        doc,
        currency: settings.currency,
        rows: store.billing().ledger(access).await?,
        lines: store.billing().charge_lines(access).await?,
    })
}

fn dash(s: &str) -> String {
    if s.trim().is_empty() {
        "—".into()
    } else {
        s.trim().to_owned()
    }
}

/// The superbill: the charged services with everything a claim needs.
pub async fn superbill(state: &AppState, access: &ClientAccess) -> Result<Document, AppError> {
    let Basis {
        mut doc,
        currency,
        rows,
        lines,
    } = basis(state, access, "Superbill", "Superbill").await?;
    let clinicians = state.store.billing().clinicians().await?;
    let domain = EntryRow::to_domain(&rows);
    let open = open_charges(&domain);

    // Every clinician who gave a service, with their identifiers.
    let mut rendering: Vec<kapflow_domain::UserId> =
        lines.iter().filter_map(|l| l.rendering_id).collect();
    rendering.sort();
    rendering.dedup();
    doc.push(Block::Heading("Clinicians".into()));
    if rendering.is_empty() {
        doc.push(Block::Text("No services charged yet.".into()));
    }
    for id in rendering {
        if let Some(c) = clinicians.iter().find(|c| c.id == id) {
            doc.push(Block::Entry(
                c.name.clone(),
                format!(
                    "NPI {} · Licence {}",
                    dash(c.npi.as_deref().unwrap_or("")),
                    dash(c.licence.as_deref().unwrap_or(""))
                ),
            ));
        }
    }

    // The diagnosis codes of the services, lettered as a claim form letters them.
    let mut codes: Vec<&str> = Vec::new();
    for l in &lines {
        for c in l.diagnosis_codes() {
            if !codes.contains(&c) {
                codes.push(c);
            }
        }
    }
    doc.push(Block::Heading("Diagnoses (ICD-10-CM)".into()));
    if codes.is_empty() {
        doc.push(Block::Text("None given.".into()));
    }
    for (i, c) in codes.iter().enumerate() {
        doc.push(Block::Entry(
            format!("{} {}", letter(i), c),
            icd10::find(c)
                .map(|d| d.description.to_owned())
                .unwrap_or_default(),
        ));
    }

    doc.push(Block::Heading("Services".into()));
    let (mut charged, mut paid) = (0i64, 0i64);
    for (i, r) in rows.iter().enumerate() {
        if r.kind != EntryKind::Charge {
            continue;
        }
        let still = open
            .iter()
            .find(|(at, _)| *at == i)
            .map_or(0, |(_, left)| left.0);
        charged += r.amount_cents;
        paid += r.amount_cents - still;
        for l in lines.iter().filter(|l| l.entry_id == r.id) {
            let pointers: Vec<String> = l
                .diagnosis_codes()
                .iter()
                .filter_map(|c| codes.iter().position(|k| k == c).map(letter))
                .collect();
            doc.push(Block::Entry(
                r.on_date.to_string(),
                format!(
                    "CPT {}{} · Place of service {} · Diagnosis pointer {} · Units {} · Fee {} · Charge {}{}",
                    code_label(&l.code),
                    l.modifier
                        .as_deref()
                        .map(|m| format!(" modifier {m}"))
                        .unwrap_or_default(),
                    l.place.as_str(),
                    if pointers.is_empty() {
                        "—".to_owned()
                    } else {
                        pointers.join("")
                    },
                    l.units,
                    Cents(l.unit_fee_cents).display(currency),
                    Cents(l.unit_fee_cents * l.units).display(currency),
                    l.rendering_name
                        .as_deref()
                        .map(|n| format!(" · Rendered by {n}"))
                        .unwrap_or_default(),
                ),
            ));
        }
        doc.push(Block::Small(format!(
            "Paid toward the services of {}: {}",
            r.on_date,
            Cents(r.amount_cents - still).display(currency)
        )));
    }
    doc.push(Block::Rule);
    doc.field("Total charged", &Cents(charged).display(currency))
        .field("Total paid", &Cents(paid).display(currency))
        .field("Balance due", &Cents(charged - paid).display(currency));
    doc.push(Block::Small(
        "The client paid the practice directly; this statement is for the client to claim reimbursement from their insurer.".into(),
    ));
    Ok(doc)
}

/// The statement: every entry and the balance, with the practice's payment page.
pub async fn statement(state: &AppState, access: &ClientAccess) -> Result<Document, AppError> {
    let Basis {
        mut doc,
        currency,
        rows,
        lines,
    } = basis(state, access, "Statement", "Statement").await?;
    doc.push(Block::Heading("Charges and payments".into()));
    if rows.is_empty() {
        doc.push(Block::Text("Nothing charged or paid yet.".into()));
    }
    for r in &rows {
        let mut text = format!(
            "{} {}",
            r.kind.label(),
            Cents(r.amount_cents * r.kind.sign()).display(currency)
        );
        let codes: Vec<String> = lines
            .iter()
            .filter(|l| l.entry_id == r.id)
            .map(|l| format!("{} × {}", code_label(&l.code), l.units))
            .collect();
        if !codes.is_empty() {
            text.push_str(&format!(" ({})", codes.join(", ")));
        }
        if let Some(m) = r.method {
            text.push_str(&format!(" · {}", m.label()));
        }
        if let Some(reference) = &r.reference {
            text.push_str(&format!(" · {reference}"));
        }
        doc.push(Block::Entry(r.on_date.to_string(), text));
    }
    let due = balance(&EntryRow::to_domain(&rows)).unwrap_or_default();
    doc.push(Block::Rule);
    doc.field("Balance due", &due.display(currency));
    if let Some(link) = crate::billing_settings::read(&state.store.settings().snapshot().await?)
        .payment_link
        .filter(|_| due.0 > 0)
    {
        doc.field("Pay online", &link);
    }
    Ok(doc)
}

/// A claim form's letter for the `i`th diagnosis (A, B, …).
fn letter(i: usize) -> String {
    char::from(b'A' + u8::try_from(i % 26).unwrap_or(0)).to_string()
}
