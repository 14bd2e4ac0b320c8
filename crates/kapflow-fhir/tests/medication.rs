//! The prescription, its shipment, and the doses taken in the office.

mod support;

use kapflow_domain::ClientId;
use kapflow_domain::dosing::custody::CustodyKind;
use kapflow_fhir::r4::resources::Resource;
use kapflow_fhir::{medication, prescription, to_json};
use serde_json::json;
use support::fixtures::*;

#[test]
fn a_dose_from_the_custody_log_is_a_medication_administration_in_its_session() {
    let client = ClientId::new();
    let entry = custody(client, CustodyKind::Dose);
    let m = to_json(Resource::MedicationAdministration(Box::new(
        medication::administration(&entry, false).expect("a dose"),
    )));
    assert_eq!(m["status"], "completed");
    assert_eq!(
        m["medicationCodeableConcept"]["text"],
        "Ketamine HCl, troche (lozenge), 100 mg"
    );
    assert_eq!(m["subject"]["reference"], format!("Patient/{client}"));
    assert_eq!(
        m["context"]["reference"],
        format!("Encounter/{}", entry.session_id)
    );
    assert_eq!(m["effectiveDateTime"], "2026-11-20T15:31:07Z");
    assert_eq!(
        m["dosage"]["dose"],
        json!({"value": 100, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"})
    );
    assert_eq!(m["dosage"]["route"]["text"], "Sublingual");
    assert_eq!(
        m["note"][0]["text"],
        "Held under the tongue for 15 minutes."
    );
    let booster = to_json(Resource::MedicationAdministration(Box::new(
        medication::administration(&custody(client, CustodyKind::Booster), true).expect("a dose"),
    )));
    assert_eq!(booster["status"], "entered-in-error", "a corrected entry");
    assert_eq!(booster["dosage"]["dose"]["value"], 12.5);
    assert_eq!(booster["note"][0]["text"], "Booster dose.");
    for kind in [
        CustodyKind::Brought,
        CustodyKind::Returned,
        CustodyKind::Attested,
        CustodyKind::Correction,
    ] {
        assert!(medication::administration(&custody(client, kind), false).is_none());
    }
}

#[test]
fn a_prescription_is_a_medication_request_and_its_shipment_a_dispense() {
    let client = ClientId::new();
    let p = prescribed(false);
    let r = to_json(Resource::MedicationRequest(Box::new(
        prescription::request(client, &p),
    )));
    assert_eq!(r["status"], "active");
    assert_eq!(r["intent"], "order");
    assert_eq!(
        r["medicationCodeableConcept"]["text"],
        "Ketamine HCl, troche (lozenge), 100 mg"
    );
    assert_eq!(r["requester"]["display"], "Dr. Imani Reyes, MD");
    assert_eq!(r["authoredOn"], "2026-11-10T18:00:00Z");
    assert_eq!(
        r["dosageInstruction"][0]["text"],
        "Dissolve one troche under the tongue in the office (6 dosing sessions, at least 7 days apart; 100 mg per session; booster of up to 25 mg allowed)"
    );
    assert_eq!(
        r["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"],
        100
    );
    assert_eq!(r["dispenseRequest"]["quantity"]["value"], 6);
    assert_eq!(
        r["dispenseRequest"]["performer"]["display"],
        "Cascade Compounding"
    );
    let old = to_json(Resource::MedicationRequest(Box::new(
        prescription::request(client, &prescribed(true)),
    )));
    assert_eq!(
        old["status"], "stopped",
        "superseded by a newer prescription"
    );

    let on_its_way = to_json(Resource::MedicationDispense(Box::new(
        prescription::dispense(client, &p, &shipment(&p, false)),
    )));
    assert_eq!(on_its_way["status"], "in-progress");
    assert_eq!(
        on_its_way["authorizingPrescription"][0]["reference"],
        format!("MedicationRequest/{}", p.id)
    );
    assert_eq!(on_its_way["whenPrepared"], "2026-11-12");
    assert!(on_its_way.get("whenHandedOver").is_none());
    let arrived = to_json(Resource::MedicationDispense(Box::new(
        prescription::dispense(client, &p, &shipment(&p, true)),
    )));
    assert_eq!(arrived["status"], "completed");
    assert_eq!(arrived["whenHandedOver"], "2026-11-14T20:10:00Z");
}
