//! MedicationAdministration: a dose (or booster) the client took under observation in a
//! dosing session, from the session's custody log.
//!
//! The client takes the lozenge or tablet themself, sublingually, with the therapist present;
//! the custody entry says what, how much and how long it was held. The medication is named in
//! words as logged (no RxNorm code is claimed: none is verified here), the dose in mg (UCUM),
//! the route as words. A dose that a later custody entry corrects is `entered-in-error`: the
//! log itself is never changed.

use crate::observation::date_time;
use crate::r4::choice::Primitive;
use crate::r4::codes::MedicationAdminStatus;
use crate::r4::resources::MedicationAdministration;
use crate::r4::resources::medication_administration::{
    MedicationAdministrationDosage, MedicationAdministrationEffective,
    MedicationAdministrationMedication,
};
use crate::r4::types;
use crate::values::{string, words};
use fhir::coded::Coded;
use kapflow_domain::dosing::custody::{CustodyEntry, CustodyKind};

/// A dose or booster from the custody log as a MedicationAdministration; `None` for the log's
/// other entries (medication brought, returned, attestations, corrections). `corrected` says
/// whether a later correction names this entry.
pub fn administration(entry: &CustodyEntry, corrected: bool) -> Option<MedicationAdministration> {
    let what = &entry.what;
    if !what.kind.is_taken() {
        return None;
    }
    let mut notes = Vec::new();
    if what.kind == CustodyKind::Booster {
        notes.push("Booster dose.".to_owned());
    }
    if let Some(minutes) = what.held_minutes {
        notes.push(format!("Held under the tongue for {minutes} minutes."));
    }
    if let Some(spat) = what.spat_out.as_deref().filter(|s| !s.is_empty()) {
        notes.push(format!("Spat out: {spat}"));
    }
    Some(MedicationAdministration {
        id: Some(string(&entry.id.to_string())),
        status: Coded::Known(if corrected {
            MedicationAdminStatus::EnteredInError
        } else {
            MedicationAdminStatus::Completed
        }),
        medication: Some(MedicationAdministrationMedication::CodeableConcept(
            Box::new(words(&medication_words(entry))),
        )),
        subject: crate::patient::reference(entry.client_id),
        context: Some(crate::values::reference("Encounter", entry.session_id)),
        effective: Some(MedicationAdministrationEffective::DateTime(Primitive::new(
            date_time(entry.at),
        ))),
        note: notes
            .into_iter()
            .map(|text| types::Annotation {
                text: types::Markdown(text),
                ..Default::default()
            })
            .collect(),
        dosage: Some(MedicationAdministrationDosage {
            route: Some(words("Sublingual")),
            dose: what.amount_ug.map(milligrams),
            ..Default::default()
        }),
        ..Default::default()
    })
}

/// The medication as logged: drug, form and strength where the entry has them.
fn medication_words(entry: &CustodyEntry) -> String {
    let what = &entry.what;
    let mut words = what.drug.clone().unwrap_or_else(|| "Ketamine".to_owned());
    if let Some(form) = what.dose_form {
        words.push_str(&format!(", {}", form.label().to_lowercase()));
    }
    if let Some(strength) = what.strength_ug {
        words.push_str(&format!(", {} mg", mg_text(strength)));
    }
    words
}

/// An amount in micrograms as mg with UCUM's `mg`.
pub(crate) fn milligrams(ug: i64) -> types::Quantity {
    types::Quantity {
        value: types::Decimal::new(mg_text(ug)).ok(),
        unit: Some(string("mg")),
        system: Some(types::Uri("http://unitsofmeasure.org".to_owned())),
        code: Some(types::Code("mg".to_owned())),
        ..Default::default()
    }
}

/// Micrograms as a milligram number without floating point ("100", "12.5", "0.125").
pub(crate) fn mg_text(ug: i64) -> String {
    let (whole, rest) = (ug / 1000, (ug % 1000).abs());
    if rest == 0 {
        whole.to_string()
    } else {
        format!("{whole}.{rest:03}")
            .trim_end_matches('0')
            .to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::mg_text;

    #[test]
    fn micrograms_read_as_milligrams_exactly() {
        assert_eq!(mg_text(100_000), "100");
        assert_eq!(mg_text(12_500), "12.5");
        assert_eq!(mg_text(125), "0.125");
        assert_eq!(mg_text(1), "0.001");
    }
}
