//! Provenance: who signed or changed a record and when, from the audit trail.
//!
//! The audit row names its record by kind and id; the kinds that have a FHIR resource here map
//! to a reference to it, the rest (accounts, site pages, settings) have no Provenance. The
//! caller chooses the rows: those that changed the record (reads are audited too, but are not
//! its provenance). Only successful acts are provenance; a refusal changed nothing. The row's
//! reason stays in kapflow (a break-glass justification is the clinician's words).

use crate::observation::date_time;
use crate::r4::resources::Provenance;
use crate::r4::resources::provenance::ProvenanceAgent;
use crate::r4::types;
use crate::values::{string, words};
use kapflow_domain::{AuditEntry, AuditOutcome, Role};

/// The audit trail's record kinds that name a record with a resource, and that resource's type.
pub const RECORD_KINDS: &[(&str, &str)] = &[
    ("client", "Patient"),
    ("clinical_note", "DocumentReference"),
    ("course", "EpisodeOfCare"),
    ("dosing_session", "Encounter"),
    ("risk_alert", "Flag"),
    ("appointment", "Appointment"),
    ("prescription", "MedicationRequest"),
    ("shipment", "MedicationDispense"),
    ("measure_response", "QuestionnaireResponse"),
    ("consent_signature", "Consent"),
];

/// The resource type of an audit row's record kind, where it has one.
pub fn resource_type(kind: &str) -> Option<&'static str> {
    RECORD_KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, t)| *t)
}

/// An audit row as the Provenance of the record it names; `None` when the record has no FHIR
/// resource or the act did not succeed.
pub fn provenance(entry: &AuditEntry) -> Option<Provenance> {
    if entry.outcome != AuditOutcome::Success {
        return None;
    }
    let kind = resource_type(entry.record_kind.as_deref()?)?;
    let target = types::Reference {
        reference: Some(string(&format!("{kind}/{}", entry.record_id.as_deref()?))),
        ..Default::default()
    };
    let provenance = Provenance::builder()
        .id(string(&entry.id.to_string()))
        .target(vec1::Vec1::new(target))
        .recorded(types::Instant(date_time(entry.at).0))
        .activity(words(&entry.action))
        .agent(vec1::Vec1::new(agent(entry)))
        .build()
        .unwrap_or_else(|e| unreachable!("target, recorded and agent are set: {e}"));
    Some(provenance)
}

/// Who acted: a staff member as a Practitioner, the client as their Patient, or kapflow itself.
fn agent(entry: &AuditEntry) -> ProvenanceAgent {
    let who = match (entry.actor_user_id, entry.actor_role) {
        (Some(_), Some(Role::Client)) => entry
            .client_id
            .as_deref()
            .map(|c| crate::values::reference("Patient", c)),
        (Some(user), _) => Some(crate::values::reference("Practitioner", user)),
        _ => None,
    }
    .unwrap_or_else(|| types::Reference {
        display: Some(string("kapflow (the system)")),
        ..Default::default()
    });
    ProvenanceAgent {
        r#type: entry.actor_role.map(|role| words(role.label())),
        who,
        ..Default::default()
    }
}
