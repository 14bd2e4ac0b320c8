//! Every resource kind kapflow-fhir makes, alone and in both kinds of bundle, is checked by a
//! validator outside kapflow (see `support/validator.rs`), and that validator is shown to
//! refuse what R4 does not allow.

mod support;

use kapflow_fhir::r4::resources::Resource;
use kapflow_fhir::{bundle, to_json};
use serde_json::json;
use support::fixtures::*;
use support::validator::hl7_validator;
use time::macros::datetime;

#[test]
fn every_resource_kind_passes_the_hl7_r4_schema() {
    if let Some(result) = hl7_validator(&every_kind()) {
        result.expect("valid FHIR R4");
    }
}

#[test]
fn the_validator_refuses_what_r4_does_not_allow() {
    // So the check above cannot pass by validating nothing.
    let broken = vec![
        json!({"resourceType": "Patient", "id": "x", "birthDate": "29 Feb 1984"}),
        json!({"resourceType": "Patient", "id": "y", "nmae": [{"text": "Dee"}]}),
        json!({"resourceType": "Organization", "id": "z", "active": "yes"}),
        // A bundle is checked down to its entries.
        json!({"resourceType": "Bundle", "id": "b", "type": "collection", "entry": [
            {"resource": {"resourceType": "Patient", "id": "p", "birthDate": "29 Feb 1984"}}
        ]}),
    ];
    for resource in broken {
        if let Some(result) = hl7_validator(std::slice::from_ref(&resource)) {
            assert!(result.is_err(), "{resource} was accepted");
        }
    }
}

#[test]
fn every_kind_travels_in_a_searchset_and_a_collection_bundle() {
    let resources = every_resource();
    let count = u32::try_from(resources.len()).expect("few");
    let base = "https://kap.example.org/fhir/r4/";
    let page = to_json(Resource::Bundle(Box::new(bundle::searchset(
        "page-1",
        base,
        resources.clone(),
        count + 40,
        &[
            (
                "self",
                format!("{base}Patient/x/$everything?_count={count}"),
            ),
            (
                "next",
                format!("{base}Patient/x/$everything?_count={count}&_page=2"),
            ),
        ],
        datetime!(2026-12-04 06:00 UTC),
    ))));
    assert_eq!(page["type"], "searchset");
    assert_eq!(page["total"], count + 40);
    assert_eq!(page["link"][1]["relation"], "next");
    let first = &page["entry"][0];
    assert_eq!(
        first["fullUrl"],
        format!(
            "https://kap.example.org/fhir/r4/Observation/{}",
            first["resource"]["id"].as_str().expect("id")
        )
    );
    assert_eq!(first["search"]["mode"], "match");
    assert_eq!(
        page["entry"].as_array().map(Vec::len),
        Some(resources.len())
    );
    let all = to_json(Resource::Bundle(Box::new(bundle::collection(
        "record-1",
        base,
        resources,
        datetime!(2026-12-04 06:00 UTC),
    ))));
    assert_eq!(all["type"], "collection");
    assert!(all["entry"][0].get("search").is_none());
    if let Some(result) = hl7_validator(&[page, all]) {
        result.expect("valid FHIR R4 bundles");
    }
}
