//! The custody report as people read it (a printable page) and as a spreadsheet reads it
//! (CSV): both built only from the logged entries, in the order logged, so the same log and
//! period always give the same bytes.

use crate::csv_out::{Cell, Csv};
use crate::time_fmt::when;
use crate::views::layout::Layout;
use askama::Template;
use askama_web::WebTemplate;
use kapflow_domain::dosing::custody::report::Totals;
use kapflow_domain::dosing::custody::{CustodyKind, NewCustodyEntry, mg};
use kapflow_store::custody::CustodyRow;
use time::format_description::well_known::Rfc3339;

/// One entry as a table row.
pub struct EntryView {
    pub seq: i64,
    pub at: String,
    pub client: String,
    pub session: i64,
    pub what: &'static str,
    pub details: String,
    pub recorded_by: String,
    pub witness: String,
    pub note: String,
    /// The start of the entry's hash, so a printed page can be tied to the log.
    pub hash: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "custody_report.html")]
pub struct CustodyPage {
    pub layout: Layout,
    /// Whose entries: a client's name, or "the practice".
    pub scope: String,
    /// The practice report has a client column; a client's report does not.
    pub practice: bool,
    pub action: String,
    pub from: String,
    pub to: String,
    pub error: Option<String>,
    pub csv_href: String,
    pub entries: Vec<EntryView>,
    pub totals: Vec<(&'static str, String)>,
}

/// What an entry says besides its kind, in a clinician's words.
fn details(w: &NewCustodyEntry) -> String {
    let mut parts = Vec::new();
    match w.kind {
        CustodyKind::Brought => {
            let label = [
                w.drug.clone(),
                w.dose_form.map(|f| f.label().to_owned()),
                w.strength_ug.map(|s| format!("{} mg", mg(s))),
            ];
            parts.push(label.into_iter().flatten().collect::<Vec<_>>().join(", "));
            if let Some(n) = w.count {
                parts.push(format!("count {n}"));
            }
            if let Some(p) = &w.pharmacy {
                parts.push(p.clone());
            }
            if let Some(rx) = &w.rx_number {
                parts.push(format!("Rx {rx}"));
            }
        }
        CustodyKind::Dose | CustodyKind::Booster => {
            if let Some(a) = w.amount_ug {
                parts.push(format!("{} mg", mg(a)));
            }
            if let Some(m) = w.held_minutes {
                parts.push(format!("held {m} min"));
            }
            parts.push(match (&w.spat_out, &w.disposal) {
                (Some(s), Some(d)) => format!("spat out: {s}; disposed of: {d}"),
                (Some(s), None) => format!("spat out: {s}"),
                _ => "nothing spat out".to_owned(),
            });
        }
        CustodyKind::Returned => {
            if let Some(n) = w.count {
                parts.push(format!("{n} handed back"));
            }
        }
        CustodyKind::Attested => {}
        CustodyKind::Correction => {
            if let Some(s) = w.corrects_seq {
                parts.push(format!("corrects entry {s}"));
            }
        }
    }
    parts.retain(|p| !p.is_empty());
    parts.join("; ")
}

pub fn entry_view(r: &CustodyRow) -> EntryView {
    let e = &r.entry;
    EntryView {
        seq: e.seq,
        at: when(e.at),
        client: r.client_name.clone(),
        session: r.session_number,
        what: e.what.kind.label(),
        details: details(&e.what),
        recorded_by: r.recorded_by_name.clone(),
        witness: r.witness_name.clone().unwrap_or_default(),
        note: e.what.note.clone(),
        hash: hex(&r.hash).chars().take(12).collect(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn totals(rows: &[CustodyRow]) -> Totals {
    Totals::of(
        rows.iter()
            .map(|r| (r.entry.session_id, r.entry.client_id, &r.entry.what)),
    )
}

/// The totals as (label, value) lines.
pub fn total_lines(t: &Totals) -> Vec<(&'static str, String)> {
    vec![
        ("Entries", t.entries.to_string()),
        ("Sessions", t.sessions.to_string()),
        ("Clients", t.clients.to_string()),
        ("Tablets or troches brought", t.brought_count.to_string()),
        ("Dose taken", format!("{} mg", mg(t.dose_ug))),
        ("Boosters taken", format!("{} mg", mg(t.booster_ug))),
        ("Handed back to clients", t.returned_count.to_string()),
        ("Corrections", t.corrections.to_string()),
    ]
}

/// The CSV: one row per entry with every logged field (amounts in µg, exact), in order.
pub fn csv(rows: &[CustodyRow]) -> Vec<u8> {
    let mut out = Csv::new(&[
        "seq",
        "time_utc",
        "client_id",
        "client_name",
        "session_id",
        "session_number",
        "kind",
        "drug",
        "dose_form",
        "strength_ug",
        "count",
        "pharmacy",
        "rx_number",
        "amount_ug",
        "held_minutes",
        "spat_out",
        "disposal",
        "recorded_by",
        "witness",
        "corrects_seq",
        "note",
        "hash",
    ]);
    let num = |n: Option<i64>| n.map_or(Cell::Text(""), Cell::Number);
    for r in rows {
        let e = &r.entry;
        let w = &e.what;
        let (at, client, session, hash) = (
            e.at.format(&Rfc3339).unwrap_or_default(),
            e.client_id.to_string(),
            e.session_id.to_string(),
            hex(&r.hash),
        );
        let text = |s: &Option<String>| s.clone().unwrap_or_default();
        let (drug, pharmacy, rx, spat, disposal, witness) = (
            text(&w.drug),
            text(&w.pharmacy),
            text(&w.rx_number),
            text(&w.spat_out),
            text(&w.disposal),
            text(&r.witness_name),
        );
        out.row(&[
            Cell::Number(e.seq),
            Cell::Text(&at),
            Cell::Text(&client),
            Cell::Text(&r.client_name),
            Cell::Text(&session),
            Cell::Number(r.session_number),
            Cell::Text(w.kind.as_str()),
            Cell::Text(&drug),
            Cell::Text(w.dose_form.map(|f| f.as_str()).unwrap_or_default()),
            num(w.strength_ug),
            num(w.count),
            Cell::Text(&pharmacy),
            Cell::Text(&rx),
            num(w.amount_ug),
            num(w.held_minutes),
            Cell::Text(&spat),
            Cell::Text(&disposal),
            Cell::Text(&r.recorded_by_name),
            Cell::Text(&witness),
            num(w.corrects_seq),
            Cell::Text(&w.note),
            Cell::Text(&hash),
        ]);
    }
    out.finish()
}
