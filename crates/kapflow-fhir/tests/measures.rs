//! Questionnaires, their responses and their scores, and vital signs.

mod support;

use kapflow_domain::ClientId;
use kapflow_domain::dosing::vitals::Vitals;
use kapflow_domain::measures::{MeasureSettings, answers_in_order, builtin, score};
use kapflow_fhir::r4::resources::Resource;
use kapflow_fhir::{observation, questionnaire, to_json};
use serde_json::{Value, json};
use support::fixtures::*;
use support::validator::hl7_validator;
use time::macros::datetime;

#[test]
fn a_total_score_is_an_observation_with_its_loinc_code_and_the_cssrs_has_none() {
    let client = ClientId::new();
    let at = datetime!(2026-11-20 17:42:13.5 UTC);
    let phq9 = scored("phq9", 2);
    let o = to_json(Resource::Observation(Box::new(
        observation::total_score("r1", client, at, &phq9).expect("PHQ-9 has a total code"),
    )));
    assert_eq!(
        o["code"]["coding"][0],
        json!({"system": "http://loinc.org", "code": "44261-6"})
    );
    assert_eq!(o["code"]["text"], "PHQ-9 total score");
    assert_eq!(o["valueInteger"], 18);
    assert_eq!(o["interpretation"][0]["text"], phq9.band);
    assert_eq!(o["subject"]["reference"], format!("Patient/{client}"));
    assert_eq!(o["effectiveDateTime"], "2026-11-20T17:42:13Z");
    assert_eq!(o["status"], "final");
    assert_eq!(o["category"][0]["coding"][0]["code"], "survey");
    assert!(observation::total_score("r2", client, at, &scored("cssrs", 1)).is_none());
}

#[test]
fn vital_signs_carry_loinc_codes_and_ucum_units() {
    let client = ClientId::new();
    let at = datetime!(2026-11-20 17:42:13 UTC);
    let signs: Vec<Value> = observation::vital_signs("v1", client, at, &VITALS)
        .into_iter()
        .map(|o| to_json(Resource::Observation(Box::new(o))))
        .collect();
    let ids: Vec<&str> = signs.iter().filter_map(|s| s["id"].as_str()).collect();
    assert_eq!(ids, ["v1-bp", "v1-hr", "v1-spo2", "v1-rr"]);
    let bp = &signs[0];
    assert_eq!(bp["code"]["coding"][0]["code"], "85354-9");
    assert_eq!(bp["component"][0]["code"]["coding"][0]["code"], "8480-6");
    assert_eq!(
        bp["component"][0]["valueQuantity"],
        json!({"value": 142, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"})
    );
    assert_eq!(bp["component"][1]["code"]["coding"][0]["code"], "8462-4");
    assert_eq!(bp["component"][1]["valueQuantity"]["value"], 91);
    for (sign, code, value, unit) in [
        (&signs[1], "8867-4", 88, "/min"),
        (&signs[2], "59408-5", 97, "%"),
        (&signs[3], "9279-1", 16, "/min"),
    ] {
        assert_eq!(sign["code"]["coding"][0]["code"], code);
        assert_eq!(sign["valueQuantity"]["value"], value);
        assert_eq!(sign["valueQuantity"]["code"], unit);
        assert_eq!(sign["category"][0]["coding"][0]["code"], "vital-signs");
    }
    let without_rate = Vitals {
        respiratory_rate: None,
        ..VITALS
    };
    assert_eq!(
        observation::vital_signs("v2", client, at, &without_rate).len(),
        3,
        "no respiratory rate taken, none sent"
    );
}

#[test]
fn an_instrument_is_a_questionnaire_and_a_submission_its_response_as_scored() {
    let phq9 = builtin("phq9").expect("PHQ-9");
    let q = to_json(Resource::Questionnaire(Box::new(
        questionnaire::questionnaire(&phq9),
    )));
    assert_eq!(
        q["code"][0],
        json!({"system": "http://loinc.org", "code": "44249-1"})
    );
    assert_eq!(q["url"], "urn:kapflow:questionnaire:phq9");
    assert_eq!(q["item"].as_array().map(Vec::len), Some(phq9.items.len()));
    let first = &phq9.items[0];
    assert_eq!(q["item"][0]["linkId"], first.code.as_str());
    assert_eq!(q["item"][0]["type"], "choice");
    assert_eq!(
        q["item"][0]["answerOption"][3]["valueCoding"],
        json!({"system": "urn:kapflow:answer-value", "code": "3", "display": first.options[3].label})
    );

    let client = ClientId::new();
    let answered = scored("phq9", 2);
    let r = to_json(Resource::QuestionnaireResponse(Box::new(
        questionnaire::response(
            "resp-1",
            client,
            datetime!(2026-11-20 17:42:13 UTC),
            &phq9,
            &answered,
        ),
    )));
    assert_eq!(r["status"], "completed");
    assert_eq!(
        r["questionnaire"],
        format!("urn:kapflow:questionnaire:phq9|{}", answered.version)
    );
    assert_eq!(r["subject"]["reference"], format!("Patient/{client}"));
    assert_eq!(r["authored"], "2026-11-20T17:42:13Z");
    assert_eq!(r["item"][0]["answer"][0]["valueCoding"]["code"], "2");
    assert_eq!(
        r["item"][0]["answer"][0]["valueCoding"]["display"],
        first.options[2].label.as_str()
    );

    // The C-SSRS screener: "no" to q2 skips q3–q5, "no" to q6 skips its "recently", and the
    // response holds only what was asked; it has no LOINC panel code.
    let cssrs = builtin("cssrs").expect("C-SSRS");
    let values = [Some(0), Some(0), None, None, None, Some(0), None];
    let answers = answers_in_order(&cssrs, &values).expect("answers");
    let no = score(&cssrs, &answers, &MeasureSettings::default()).expect("scored");
    let r = to_json(Resource::QuestionnaireResponse(Box::new(
        questionnaire::response(
            "resp-2",
            client,
            datetime!(2026-11-20 17:42:13 UTC),
            &cssrs,
            &no,
        ),
    )));
    let asked: Vec<&str> = r["item"]
        .as_array()
        .map(|items| items.iter().filter_map(|i| i["linkId"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(asked, ["q1", "q2", "q6"]);
    let q = to_json(Resource::Questionnaire(Box::new(
        questionnaire::questionnaire(&cssrs),
    )));
    assert!(q.get("code").is_none(), "no code claimed for the screener");
    if let Some(result) = hl7_validator(&[q, r]) {
        result.expect("valid FHIR R4");
    }
}
