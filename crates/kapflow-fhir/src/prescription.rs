//! MedicationRequest and MedicationDispense: the partner prescriber's prescription with its
//! dosing plan, and the pharmacy's shipment of it to the client.
//!
//! The prescriber and the pharmacy are named as kapflow holds them (words, not references: a
//! pharmacy is not an organisation kapflow keeps). No RxNorm code is claimed.

use crate::observation::date_time;
use crate::r4::codes::{
    MedicationdispenseStatus, MedicationrequestIntent, MedicationrequestStatus,
};
use crate::r4::resources::medication_dispense::MedicationDispenseMedication;
use crate::r4::resources::medication_request::{
    MedicationRequestDispenseRequest, MedicationRequestMedication,
};
use crate::r4::resources::{MedicationDispense, MedicationRequest};
use crate::r4::types;
use crate::r4::types::dosage::{DosageDoseAndRate, DosageDoseAndRateDose};
use crate::values::{string, words};
use fhir::coded::Coded;
use kapflow_domain::ClientId;
use kapflow_store::prescribing::{PrescriptionRow, ShipmentRow};

/// The prescription of `client` as a MedicationRequest: an order, `stopped` once a newer
/// prescription superseded it, the dose per session and the plan in the dosage instruction.
pub fn request(client: ClientId, p: &PrescriptionRow) -> MedicationRequest {
    let mut plan = format!(
        "{} dosing sessions, at least {} days apart; {} mg per session",
        p.sessions_planned,
        p.min_days_between,
        crate::medication::mg_text(p.dose_ug)
    );
    if p.split_allowed {
        plan.push_str(", may be split");
    }
    if let Some(booster) = p.booster_ug {
        plan.push_str(&format!(
            "; booster of up to {} mg allowed",
            crate::medication::mg_text(booster)
        ));
    }
    MedicationRequest {
        id: Some(string(&p.id.to_string())),
        status: Coded::Known(if p.superseded_at.is_some() {
            MedicationrequestStatus::Stopped
        } else {
            MedicationrequestStatus::Active
        }),
        intent: Coded::Known(MedicationrequestIntent::Order),
        medication: Some(MedicationRequestMedication::CodeableConcept(Box::new(
            words(&medication(p)),
        ))),
        subject: crate::patient::reference(client),
        authored_on: Some(date_time(p.prescribed_at)),
        requester: Some(types::Reference {
            display: Some(string(&p.prescriber)),
            ..Default::default()
        }),
        dosage_instruction: vec![types::Dosage {
            text: Some(string(&format!("{} ({plan})", p.directions))),
            route: Some(words("Sublingual")),
            dose_and_rate: vec![DosageDoseAndRate {
                dose: Some(DosageDoseAndRateDose::Quantity(Box::new(
                    crate::medication::milligrams(p.dose_ug),
                ))),
                ..Default::default()
            }],
            ..Default::default()
        }],
        dispense_request: Some(MedicationRequestDispenseRequest {
            quantity: Some(units(p)),
            performer: Some(types::Reference {
                display: Some(string(&p.pharmacy)),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The pharmacy's shipment of prescription `p` to `client`: `in-progress` while on its way,
/// `completed` once the client has it.
pub fn dispense(
    client: ClientId,
    p: &PrescriptionRow,
    shipment: &ShipmentRow,
) -> MedicationDispense {
    MedicationDispense {
        id: Some(string(&shipment.id.to_string())),
        status: Coded::Known(if shipment.received_at.is_some() {
            MedicationdispenseStatus::Completed
        } else {
            MedicationdispenseStatus::InProgress
        }),
        medication: Some(MedicationDispenseMedication::CodeableConcept(Box::new(
            words(&medication(p)),
        ))),
        subject: Some(crate::patient::reference(client)),
        authorizing_prescription: vec![crate::values::reference("MedicationRequest", p.id)],
        quantity: Some(units(p)),
        when_prepared: Some(types::DateTime(shipment.shipped_on.to_string())),
        when_handed_over: shipment.received_at.map(date_time),
        note: vec![types::Annotation {
            text: types::Markdown(format!(
                "Shipped by {} from {}, tracking {}.",
                shipment.carrier, p.pharmacy, shipment.tracking_number
            )),
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn medication(p: &PrescriptionRow) -> String {
    format!(
        "{}, {}, {} mg",
        p.drug,
        p.form.label().to_lowercase(),
        p.strength_mg
    )
}

/// The quantity dispensed, in the prescription's own units (troches or tablets).
fn units(p: &PrescriptionRow) -> types::Quantity {
    types::Quantity {
        value: Some(types::Decimal::from_json_number(&serde_json::Number::from(
            p.quantity,
        ))),
        unit: Some(string(&p.form.label().to_lowercase())),
        ..Default::default()
    }
}
