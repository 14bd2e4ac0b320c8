//! The client, the staff and the organisations as Patient, Practitioner and Organization.

mod support;

use kapflow_fhir::r4::resources::Resource;
use kapflow_fhir::{organization, patient, practitioner, to_json};
use serde_json::json;
use support::fixtures::*;

#[test]
fn a_patient_carries_the_record_as_the_clinician_entered_it() {
    let c = client(true);
    let p = to_json(Resource::Patient(Box::new(patient::patient(&c))));
    assert_eq!(p["resourceType"], "Patient");
    assert_eq!(p["id"], c.id.to_string());
    assert_eq!(p["birthDate"], "1984-02-29");
    assert_eq!(
        p["name"],
        json!([
            {"use": "official", "text": "Dana María Okafor-Lindqvist"},
            {"use": "usual", "text": "Dee"}
        ])
    );
    assert_eq!(
        p["telecom"],
        json!([
            {"system": "email", "value": "dee@example.org"},
            {"system": "phone", "value": "+1 503 555 0142"}
        ])
    );
    assert_eq!(p["address"][0]["text"], "12 Alder St\nPortland, OR 97205");
    assert_eq!(p["contact"][0]["relationship"][0]["coding"][0]["code"], "C");
    assert_eq!(p["contact"][0]["name"]["text"], "Sam Okafor");
    assert_eq!(p["contact"][1]["name"]["text"], "Riley Lindqvist");
    assert!(
        p["contact"][1].get("telecom").is_none(),
        "no phone, no telecom"
    );

    let bare = to_json(Resource::Patient(Box::new(patient::patient(&client(
        false,
    )))));
    for absent in ["telecom", "address", "contact"] {
        assert!(bare.get(absent).is_none(), "{absent}: {bare}");
    }
    assert_eq!(bare["name"].as_array().map(Vec::len), Some(1));
}

#[test]
fn a_disabled_account_is_an_inactive_practitioner() {
    let active = to_json(Resource::Practitioner(Box::new(
        practitioner::practitioner(&staff(false)),
    )));
    assert_eq!(active["active"], true);
    assert_eq!(
        active["telecom"],
        json!([{"system": "email", "value": "catherine@example.org", "use": "work"}])
    );
    let gone = to_json(Resource::Practitioner(Box::new(
        practitioner::practitioner(&staff(true)),
    )));
    assert_eq!(gone["active"], false);
    let practice = to_json(Resource::Organization(Box::new(organization::practice(
        "Alvarado Therapy",
    ))));
    assert_eq!(practice["id"], "practice");
    assert_eq!(practice["type"][0]["coding"][0]["code"], "prov");
}
