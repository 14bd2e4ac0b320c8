//! Patient: the client's demographic record, their emergency contact and support person.

use crate::r4::codes::{ContactPointSystem, NameUse};
use crate::r4::resources::Patient;
use crate::r4::resources::patient::PatientContact;
use crate::r4::types;
use crate::values::{coded, contact, name, string, words};
use kapflow_store::clients::ClientRecord;

/// HL7 v2 table 0131 (contact role), which FHIR R4 binds `Patient.contact.relationship` to.
const CONTACT_ROLE: &str = "http://terminology.hl7.org/CodeSystem/v2-0131";

/// The client as a Patient: legal name (official) and the name they go by (usual), date of
/// birth, email and phone, address as written, the emergency contact (v2-0131 `C`) and the
/// support person who takes them home after a dosing session.
pub fn patient(client: &ClientRecord) -> Patient {
    let mut names = vec![name(&client.legal_name, NameUse::Official)];
    if let Some(preferred) = &client.preferred_name {
        names.push(name(preferred, NameUse::Usual));
    }
    let telecom = [
        (ContactPointSystem::Email, &client.email),
        (ContactPointSystem::Phone, &client.phone),
    ]
    .into_iter()
    .filter_map(|(system, value)| value.as_deref().map(|v| contact(system, v)))
    .collect();
    let mut contacts = Vec::new();
    if let Some(person) = person(
        &client.emergency_name,
        &client.emergency_phone,
        coded(CONTACT_ROLE, "C", "Emergency Contact"),
    ) {
        contacts.push(person);
    }
    if let Some(person) = person(
        &client.support_name,
        &client.support_phone,
        words("Support person (accompanies the client home after dosing sessions)"),
    ) {
        contacts.push(person);
    }
    Patient {
        id: Some(string(&client.id.to_string())),
        active: Some(types::Boolean(true)),
        name: names,
        telecom,
        birth_date: Some(types::Date(client.date_of_birth.to_string())),
        address: client
            .address
            .iter()
            .map(|text| types::Address {
                text: Some(string(text)),
                ..Default::default()
            })
            .collect(),
        contact: contacts,
        ..Default::default()
    }
}

/// A reference to the client's Patient resource.
pub fn reference(client: kapflow_domain::ClientId) -> types::Reference {
    crate::values::reference("Patient", client)
}

/// A contact person, when there is a name or a phone number.
fn person(
    who: &Option<String>,
    phone: &Option<String>,
    relationship: types::CodeableConcept,
) -> Option<PatientContact> {
    if who.is_none() && phone.is_none() {
        return None;
    }
    Some(PatientContact {
        relationship: vec![relationship],
        name: who.as_deref().map(|n| name(n, NameUse::Usual)),
        telecom: phone
            .as_deref()
            .map(|p| contact(ContactPointSystem::Phone, p))
            .into_iter()
            .collect(),
        ..Default::default()
    })
}
