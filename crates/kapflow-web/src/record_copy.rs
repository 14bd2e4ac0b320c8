//! The client's right of access (HIPAA 45 CFR 164.524): their designated record set as a PDF a
//! person reads — demographics, course history, measures with charts, dosing sessions and
//! doses, appointments, signed notes, consents, safety alerts — for the client in the portal
//! and for the care team to hand over. Psychotherapy notes are not part of it and are never
//! read here; drafts are not yet a record and are left out too.

use crate::AppState;
use crate::error::AppError;
use crate::print;
use crate::time_fmt::when;
use kapflow_domain::measures::builtin;
use kapflow_domain::notes::sections;
use kapflow_domain::prescribing::plan::mg_text;
use kapflow_pdf::{Block, Chart, Document};
use kapflow_store::ClinicalAccess;
use std::collections::{BTreeMap, HashSet};

/// Why the copy holds what it holds, printed under its title.
const WHAT_THIS_IS: &str = "A copy of the health record this practice keeps about you, as it stood when printed: everything in it except psychotherapy notes, which the law keeps apart, and notes not yet signed. Ask the practice if anything here is wrong; you may ask for a correction.";

fn or_dash(v: &Option<String>) -> String {
    v.clone()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "—".into())
}

/// The whole copy as a document.
pub async fn document(state: &AppState, access: &ClinicalAccess) -> Result<Document, AppError> {
    let store = &state.store;
    let client = store
        .clients()
        .get(access.access())
        .await?
        .ok_or(AppError::NotFound)?;
    let mut doc = print::document(state, "Health record").await?;
    doc.push(Block::Title(format!(
        "Health record of {}",
        client.legal_name
    )));
    doc.push(Block::Small(WHAT_THIS_IS.into()));

    doc.push(Block::Heading("About you".into()));
    doc.field("Legal name", &client.legal_name)
        .field("Preferred name", &or_dash(&client.preferred_name))
        .field("Pronouns", &or_dash(&client.pronouns))
        .field("Date of birth", &client.date_of_birth.to_string())
        .field("Email", &or_dash(&client.email))
        .field("Phone", &or_dash(&client.phone))
        .field("Address", &or_dash(&client.address))
        .field(
            "Emergency contact",
            &format!(
                "{} {}",
                or_dash(&client.emergency_name),
                client.emergency_phone.clone().unwrap_or_default()
            ),
        )
        .field(
            "Support person",
            &format!(
                "{} {}",
                or_dash(&client.support_name),
                client.support_phone.clone().unwrap_or_default()
            ),
        )
        .field("Record opened", &when(client.created_at));

    courses(state, access, &mut doc).await?;
    measures(state, access, &mut doc).await?;
    sessions(state, access, &mut doc).await?;
    appointments(state, access, &mut doc).await?;
    notes(state, access, &mut doc).await?;
    consents(state, access, &mut doc).await?;
    alerts(state, access, &mut doc).await?;
    Ok(doc)
}

async fn courses(
    state: &AppState,
    access: &ClinicalAccess,
    doc: &mut Document,
) -> Result<(), AppError> {
    let mut courses = state.store.courses().all(access.access()).await?;
    courses.sort_by_key(|c| c.number);
    let steps = state.store.fhir_reads().transitions(access).await?;
    doc.push(Block::Heading("Courses of treatment".into()));
    if courses.is_empty() {
        doc.push(Block::Text("None yet.".into()));
    }
    for c in &courses {
        let closed = c
            .closed_at
            .map(|t| format!(", closed {}", when(t)))
            .unwrap_or_default();
        doc.push(Block::Text(format!(
            "Course {}: opened {}{closed}; now at {}.",
            c.number,
            when(c.opened_at),
            c.stage.label()
        )));
        for s in steps.iter().filter(|s| s.course_id == c.id) {
            let t = &s.transition;
            let from = t
                .from_stage
                .map(|f| format!("from {} ", f.label()))
                .unwrap_or_default();
            doc.push(Block::Entry(
                when(t.at),
                format!("{from}to {}", t.to_stage.label()),
            ));
        }
    }
    Ok(())
}

async fn measures(
    state: &AppState,
    access: &ClinicalAccess,
    doc: &mut Document,
) -> Result<(), AppError> {
    let responses = state.store.measures().responses(access).await?;
    doc.push(Block::Heading("Questionnaires".into()));
    if responses.is_empty() {
        doc.push(Block::Text("None answered yet.".into()));
        return Ok(());
    }
    let all = state.store.measures().instruments().await?;
    let mut by_instrument: BTreeMap<&str, Vec<&kapflow_store::measures::ResponseRow>> =
        BTreeMap::new();
    for r in &responses {
        by_instrument.entry(&r.instrument).or_default().push(r);
    }
    for (code, rows) in by_instrument {
        let known = all
            .iter()
            .find(|i| i.code == code)
            .cloned()
            .or_else(|| builtin(code));
        let title = known
            .as_ref()
            .map_or_else(|| code.to_owned(), |i| i.title.clone());
        doc.push(Block::Heading(title.clone()));
        if let Some(instrument) = &known
            && instrument.max_total() > 0
        {
            doc.push(Block::Chart(Chart {
                caption: format!("{title}: total score by date (higher is more symptoms)."),
                max: instrument.max_total(),
                points: rows
                    .iter()
                    .map(|r| {
                        let total = u32::try_from(r.total).unwrap_or(0);
                        (crate::time_fmt::day(r.submitted_at).to_string(), total)
                    })
                    .collect(),
                marks: instrument
                    .bands
                    .iter()
                    .skip(1)
                    .map(|b| (b.min, b.label.clone()))
                    .collect(),
            }));
        }
        for r in rows {
            doc.push(Block::Entry(
                when(r.submitted_at),
                format!("total {} ({})", r.total, r.band),
            ));
        }
    }
    Ok(())
}

async fn sessions(
    state: &AppState,
    access: &ClinicalAccess,
    doc: &mut Document,
) -> Result<(), AppError> {
    let mut sessions = state.store.dosing().list(access).await?;
    sessions.sort_by_key(|s| s.prepared_at);
    doc.push(Block::Heading("Dosing sessions".into()));
    if sessions.is_empty() {
        doc.push(Block::Text("None yet.".into()));
        return Ok(());
    }
    let custody = state.store.custody().of_client(access).await?;
    // A dose is never changed: a later entry marks it in error.
    let corrected: HashSet<i64> = custody
        .iter()
        .filter_map(|row| row.entry.what.corrects_seq)
        .collect();
    for s in &sessions {
        let mut text = format!("Session {}: {}", s.number, s.status.label());
        if let Some(t) = s.closed_at {
            text.push_str(&format!(", ended {}", when(t)));
        }
        if let Some(e) = s.ending {
            text.push_str(&format!(" ({})", e.label()));
        }
        doc.push(Block::Entry(when(s.prepared_at), text));
        for row in custody.iter().filter(|r| r.entry.session_id == s.id) {
            let what = &row.entry.what;
            if !what.kind.is_taken() {
                continue;
            }
            let amount = what
                .amount_ug
                .and_then(|ug| u32::try_from(ug).ok())
                .map(mg_text)
                .unwrap_or_default();
            let note = if corrected.contains(&row.entry.seq) {
                " — recorded in error and corrected"
            } else {
                ""
            };
            doc.push(Block::Entry(
                format!("    {}", when(row.entry.at)),
                format!("{} {amount}{note}", what.kind.label()),
            ));
        }
    }
    Ok(())
}

async fn appointments(
    state: &AppState,
    access: &ClinicalAccess,
    doc: &mut Document,
) -> Result<(), AppError> {
    let booked = state.store.calendar().for_client(access.access()).await?;
    doc.push(Block::Heading("Appointments".into()));
    if booked.is_empty() {
        doc.push(Block::Text("None yet.".into()));
    }
    for a in &booked {
        doc.push(Block::Entry(
            when(a.starts_at),
            format!(
                "{} with {} — {}",
                a.type_label,
                a.clinician_name,
                a.status.label()
            ),
        ));
    }
    Ok(())
}

async fn notes(
    state: &AppState,
    access: &ClinicalAccess,
    doc: &mut Document,
) -> Result<(), AppError> {
    let reads = state.store.fhir_reads();
    let notes = reads.signed_notes(access).await?;
    let addenda = reads.addenda(access).await?;
    doc.push(Block::Heading("Clinical notes".into()));
    if notes.is_empty() {
        doc.push(Block::Text("No signed notes yet.".into()));
    }
    for n in &notes {
        let body = n.body()?;
        doc.push(Block::Rule);
        doc.push(Block::Entry(
            n.signed_at.map(when).unwrap_or_default(),
            format!(
                "{}, signed by {}",
                n.title,
                n.signer_name.clone().unwrap_or_default()
            ),
        ));
        for s in sections(n.template) {
            let text = body.get(s.key);
            if !text.trim().is_empty() {
                doc.field(s.heading, text);
            }
        }
        for a in addenda.iter().filter(|a| a.note_id == n.id) {
            doc.push(Block::Entry(
                format!("Addendum {}", when(a.addendum.signed_at)),
                format!("{} ({})", a.addendum.body, a.addendum.author_name),
            ));
        }
    }
    Ok(())
}

async fn consents(
    state: &AppState,
    access: &ClinicalAccess,
    doc: &mut Document,
) -> Result<(), AppError> {
    let signed = state.store.consents().signatures(access).await?;
    doc.push(Block::Heading("Consents".into()));
    if signed.is_empty() {
        doc.push(Block::Text("None signed yet.".into()));
    }
    for s in &signed {
        let mut text = format!(
            "{} (version {}), signed as “{}”",
            s.title, s.version, s.typed_name
        );
        if let Some(t) = s.revoked_at {
            text.push_str(&format!("; withdrawn {}", when(t)));
        }
        doc.push(Block::Entry(when(s.signed_at), text));
    }
    Ok(())
}

async fn alerts(
    state: &AppState,
    access: &ClinicalAccess,
    doc: &mut Document,
) -> Result<(), AppError> {
    let alerts = state.store.alerts().of_client(access).await?;
    if alerts.is_empty() {
        return Ok(());
    }
    doc.push(Block::Heading("Safety alerts".into()));
    for a in &alerts {
        let answered = match a.acknowledged_at {
            Some(t) => format!(
                "; followed up {} by {}",
                when(t),
                a.acknowledged_by.clone().unwrap_or_default()
            ),
            None => String::new(),
        };
        doc.push(Block::Entry(
            when(a.created_at),
            format!("{}{answered}", a.finding),
        ));
    }
    Ok(())
}
