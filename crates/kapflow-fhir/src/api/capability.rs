//! The CapabilityStatement (`GET metadata`): what this server reads and how it may be searched.

use super::{PATIENT_KINDS, PRACTICE_KINDS};
use serde_json::{Value, json};
use time::OffsetDateTime;

/// The statement for the server at `base`, dated `now`.
pub fn statement(base: &str, now: OffsetDateTime) -> Value {
    let count = json!({ "name": "_count", "type": "number", "documentation": "Results per page (at most 200)." });
    let offset = json!({ "name": "_offset", "type": "number", "documentation": "Results to skip (the next-page links carry it)." });
    let mut resources: Vec<Value> = PATIENT_KINDS
        .iter()
        .map(|kind| {
            let mut params = vec![count.clone(), offset.clone()];
            if *kind == "Patient" {
                params.insert(0, json!({ "name": "_id", "type": "token" }));
            } else {
                params.insert(0, json!({
                    "name": "patient",
                    "type": "reference",
                    "documentation": "The client (required unless the token reads one client only)."
                }));
            }
            let mut resource = json!({
                "type": kind,
                "interaction": [{ "code": "read" }, { "code": "search-type" }],
                "searchParam": params,
            });
            if *kind == "Patient" {
                resource["operation"] = json!([{
                    "name": "everything",
                    "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything"
                }]);
            }
            resource
        })
        .collect();
    resources.extend(PRACTICE_KINDS.iter().map(|kind| {
        json!({
            "type": kind,
            "interaction": [{ "code": "read" }, { "code": "search-type" }],
            "searchParam": [count.clone(), offset.clone()],
        })
    }));
    json!({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": crate::observation::date_time(now).0.to_string(),
        "kind": "instance",
        "software": { "name": "kapflow" },
        "implementation": { "description": "kapflow FHIR read API", "url": base },
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "rest": [{
            "mode": "server",
            "documentation": "Read only. Every request carries an API token the practice's owner made (Authorization: Bearer); a token reads every client or one, and every call is in the practice's audit trail. Psychotherapy notes are never served.",
            "security": {
                "description": "Bearer tokens made by the practice's owner: named, scoped, expiring, revocable."
            },
            "resource": resources,
        }],
    })
}
