//! The owner's billing report: charged and received by month, each clinician's services by
//! month, every client's unpaid balance by age, and the whole ledger as a spreadsheet (after a
//! step-up, audited: it names clients).

use crate::AppState;
use crate::auth::OwnerUser;
use crate::csv_out::{Cell, Csv};
use crate::error::AppError;
use crate::views::layout::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use kapflow_domain::ClientId;
use kapflow_domain::billing::identity::code_label;
use kapflow_domain::billing::ledger::Entry;
use kapflow_domain::billing::money::Cents;
use kapflow_domain::billing::report::{Month, by_clinician, months, unpaid};
use kapflow_domain::time_util::now_utc;
use kapflow_store::billing::{EntryRow, ReportData};

/// One client's unpaid balance.
pub struct UnpaidLine {
    pub href: String,
    pub name: String,
    pub balance: String,
    pub aged: [String; 4],
}

#[derive(Template, WebTemplate)]
#[template(path = "billing_report.html")]
pub struct BillingReportPage {
    pub layout: Layout,
    /// (month, charged, received, reduced)
    pub months: Vec<(String, String, String, String)>,
    /// (month, clinician, charged)
    pub clinicians: Vec<(String, String, String)>,
    pub unpaid: Vec<UnpaidLine>,
    /// The practice's totals by age.
    pub aged_total: [String; 4],
    pub csv: &'static str,
}

fn month_name(m: Month) -> String {
    time::Month::try_from(m.1)
        .map(|name| format!("{name} {}", m.0))
        .unwrap_or_default()
}

/// Each client's entries in the order written (the ledger's order decides what a payment
/// settles).
fn per_client(data: &ReportData) -> Vec<(ClientId, Vec<Entry>)> {
    data.names
        .iter()
        .map(|(id, _)| {
            let rows: Vec<EntryRow> = data
                .entries
                .iter()
                .filter(|(c, _)| c == id)
                .map(|(_, e)| e.clone())
                .collect();
            (*id, EntryRow::to_domain(&rows))
        })
        .collect()
}

pub async fn page(
    State(state): State<AppState>,
    owner: OwnerUser,
) -> Result<BillingReportPage, AppError> {
    let currency =
        crate::billing_settings::read(&state.store.settings().snapshot().await?).currency;
    let money = |c: Cents| c.display(currency);
    let data = state.store.billing().report().await?;
    let clients = per_client(&data);
    let all: Vec<Entry> = clients.iter().flat_map(|(_, e)| e.clone()).collect();
    let today = crate::practice_zone::today(now_utc());
    let charge_day = |entry: uuid::Uuid| {
        data.entries
            .iter()
            .find(|(_, e)| e.id == entry)
            .map(|(_, e)| e.on_date)
    };
    let lines: Vec<(time::Date, &str, Cents)> = data
        .lines
        .iter()
        .filter_map(|l| {
            Some((
                charge_day(l.entry_id)?,
                l.rendering_name.as_deref().unwrap_or("—"),
                Cents(l.unit_fee_cents * l.units),
            ))
        })
        .collect();
    let mut aged_total = [Cents::ZERO; 4];
    let mut unpaid_lines = Vec::new();
    for (id, entries) in &clients {
        let (owed, aged) = unpaid(entries, today);
        if owed == Cents::ZERO {
            continue;
        }
        let buckets = [
            aged.days_0_30,
            aged.days_31_60,
            aged.days_61_90,
            aged.over_90,
        ];
        for (t, b) in aged_total.iter_mut().zip(buckets) {
            t.0 += b.0;
        }
        unpaid_lines.push(UnpaidLine {
            href: crate::paths::billing(*id),
            name: data
                .names
                .iter()
                .find(|(c, _)| c == id)
                .map(|(_, n)| n.clone())
                .unwrap_or_default(),
            balance: money(owed),
            aged: buckets.map(money),
        });
    }
    Ok(BillingReportPage {
        layout: Layout::for_user(&state, &owner.0).await?,
        months: months(&all)
            .into_iter()
            .map(|(m, t)| {
                (
                    month_name(m),
                    money(t.charged),
                    money(t.received),
                    money(t.reduced),
                )
            })
            .collect(),
        clinicians: by_clinician(lines)
            .into_iter()
            .map(|(m, who, c)| (month_name(m), who, money(c)))
            .collect(),
        unpaid: unpaid_lines,
        aged_total: aged_total.map(money),
        csv: crate::paths::BILLING_CSV,
    })
}

/// Every entry of the practice as a spreadsheet: one row a charge line, payment or other entry.
pub async fn ledger_csv(
    State(state): State<AppState>,
    owner: OwnerUser,
) -> Result<Response, AppError> {
    let data = state.store.billing().report().await?;
    let mut out = Csv::new(&[
        "date",
        "client",
        "entry",
        "amount",
        "code",
        "units",
        "place_of_service",
        "diagnoses",
        "clinician",
        "method",
        "reference",
    ]);
    let name = |id: &ClientId| {
        data.names
            .iter()
            .find(|(c, _)| c == id)
            .map(|(_, n)| n.as_str())
            .unwrap_or("")
    };
    for (client, e) in &data.entries {
        let on = e.on_date.to_string();
        let lines: Vec<_> = data.lines.iter().filter(|l| l.entry_id == e.id).collect();
        let amount = Cents(e.amount_cents * e.kind.sign());
        let method = e.method.map(|m| m.label()).unwrap_or("");
        let reference = e.reference.as_deref().unwrap_or("");
        if lines.is_empty() {
            out.row(&[
                Cell::Text(&on),
                Cell::Text(name(client)),
                Cell::Text(e.kind.label()),
                Cell::Money(amount),
                Cell::Text(e.service.as_deref().unwrap_or("")),
                Cell::Text(""),
                Cell::Text(""),
                Cell::Text(""),
                Cell::Text(""),
                Cell::Text(method),
                Cell::Text(reference),
            ]);
        }
        for l in lines {
            out.row(&[
                Cell::Text(&on),
                Cell::Text(name(client)),
                Cell::Text(e.kind.label()),
                Cell::Money(Cents(l.unit_fee_cents * l.units)),
                Cell::Text(&code_label(&l.code)),
                Cell::Number(l.units),
                Cell::Text(l.place.as_str()),
                Cell::Text(&l.diagnosis_codes().join(" ")),
                Cell::Text(l.rendering_name.as_deref().unwrap_or("")),
                Cell::Text(method),
                Cell::Text(reference),
            ]);
        }
    }
    let entry = owner
        .0
        .actor()
        .entry("report.billing_exported", now_utc())
        .record("rows", data.entries.len());
    state.store.audit().record(&entry).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"kapflow-billing-ledger.csv\"",
            ),
        ],
        out.finish(),
    )
        .into_response())
}
