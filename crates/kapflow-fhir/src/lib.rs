//! kapflow's records as FHIR R4 (4.0.1) resources, for the FHIR API, the client's right of
//! access and the practice export.
//!
//! Why the `fhir` crate (4.1, `r4` only) and a crate of its own: of the Rust FHIR models,
//! `fhir-sdk` has no R4 (R4B and R5 only), `fhirbolt` 0.4 is marked experimental and its R4
//! serde code alone is about 1.3 million generated lines (a cold build of ~4 minutes and
//! 2.7 GB), while `fhir` is maintained, covers every R4 resource, datatype and required code
//! system with typed enums, and builds cold in about 2 minutes in debug here. It is still
//! the largest thing kapflow compiles, so it lives in this crate: a change to the web layer
//! never recompiles it. (It turns on serde_json's `arbitrary_precision`, which FHIR decimals
//! need; the rest of kapflow's JSON reads the same with it.)
//!
//! Each module maps one kind of kapflow record to its resource; ids are kapflow's own UUIDs
//! (the practice itself is `practice`). Psychotherapy notes are never mapped.

pub mod api;
pub mod appointment;
pub mod bundle;
pub mod consent;
pub mod document;
pub mod encounter;
pub mod episode;
pub mod flag;
pub mod medication;
pub mod observation;
pub mod organization;
pub mod patient;
pub mod practitioner;
pub mod prescription;
pub mod provenance;
pub mod questionnaire;
pub mod record;
mod values;

pub use fhir::r4;

use r4::resources::Resource;

/// The type and id of a resource kapflow makes (`None` for kinds it never makes).
pub fn kind_and_id(resource: &Resource) -> Option<(&'static str, &str)> {
    macro_rules! kinds {
        ($($kind:ident),*) => {
            match resource {
                $(Resource::$kind(r) => Some((stringify!($kind), r.id.as_ref()?.0.as_str())),)*
                _ => None,
            }
        };
    }
    kinds!(
        Patient,
        Practitioner,
        Organization,
        EpisodeOfCare,
        Encounter,
        Appointment,
        Questionnaire,
        QuestionnaireResponse,
        Observation,
        MedicationRequest,
        MedicationDispense,
        MedicationAdministration,
        Consent,
        DocumentReference,
        Flag,
        Provenance,
        Bundle
    )
}

/// A resource as the JSON a FHIR server sends (with its `resourceType`).
pub fn to_json(resource: Resource) -> serde_json::Value {
    // The model's types serialize to JSON without fallible parts (no maps with non-string
    // keys, no non-finite floats).
    serde_json::to_value(resource).unwrap_or_else(|e| unreachable!("FHIR JSON: {e}"))
}
