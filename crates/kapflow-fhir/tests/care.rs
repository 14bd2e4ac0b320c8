//! The course and its sessions, appointments, alerts and flags, consents, notes and provenance.

mod support;

use base64::Engine;
use kapflow_domain::CourseId;
use kapflow_domain::calendar::Status as Booking;
use kapflow_domain::consent::ConsentKind;
use kapflow_domain::dosing::session::Status;
use kapflow_domain::notes::content_hash;
use kapflow_domain::pathway::Stage;
use kapflow_domain::{Actor, AuditEntry, AuditOutcome};
use kapflow_domain::{ClientId, Role, UserId};
use kapflow_fhir::r4::resources::Resource;
use kapflow_fhir::{appointment, consent, document, encounter, episode, flag, provenance, to_json};
use serde_json::json;
use support::fixtures::*;
use time::macros::datetime;

#[test]
fn a_risk_alert_is_a_safety_flag_active_until_acknowledged() {
    let client = ClientId::new();
    let open = to_json(Resource::Flag(Box::new(flag::risk_alert(&alert(
        client, false,
    )))));
    assert_eq!(open["status"], "active");
    assert_eq!(open["category"][0]["coding"][0]["code"], "safety");
    assert_eq!(
        open["code"]["text"],
        "Suicide risk alert (High risk): Suicidal behaviour in the past three months"
    );
    assert_eq!(open["subject"]["reference"], format!("Patient/{client}"));
    assert_eq!(open["period"], json!({"start": "2026-11-20T17:42:13Z"}));
    let seen = to_json(Resource::Flag(Box::new(flag::risk_alert(&alert(
        client, true,
    )))));
    assert_eq!(seen["status"], "inactive");
    assert_eq!(seen["period"]["end"], "2026-11-20T17:50:02Z");
    assert!(
        !seen.to_string().contains("Safety plan reviewed"),
        "the acknowledgement's note stays in kapflow"
    );
}

#[test]
fn a_course_is_an_episode_of_care_with_its_stages() {
    let client = ClientId::new();
    let therapist = UserId::new();
    let (row, history) = course(client, THROUGH_DOSING);
    let e = to_json(Resource::EpisodeOfCare(Box::new(episode::episode(
        &row,
        &history,
        Some(therapist),
    ))));
    assert_eq!(e["status"], "active");
    assert_eq!(e["patient"]["reference"], format!("Patient/{client}"));
    assert_eq!(
        e["managingOrganization"]["reference"],
        "Organization/practice"
    );
    assert_eq!(
        e["careManager"]["reference"],
        format!("Practitioner/{therapist}")
    );
    assert_eq!(e["period"], json!({"start": "2026-11-02T15:00:00Z"}));
    assert_eq!(
        e["extension"][0],
        json!({"url": "urn:kapflow:extension:course-stage", "valueCoding": {
            "system": "urn:kapflow:course-stage", "code": "dosing", "display": "Dosing session"}})
    );
    let stages: Vec<&str> = e["extension"]
        .as_array()
        .map(|x| {
            x.iter()
                .skip(1)
                .filter_map(|h| h["extension"][0]["valueCoding"]["code"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        stages,
        [
            "assessment",
            "preparation",
            "medical_evaluation",
            "medication",
            "ready_for_dosing",
            "dosing"
        ]
    );
    assert_eq!(
        e["extension"][1]["extension"][1]["valuePeriod"],
        json!({"start": "2026-11-02T15:00:00Z", "end": "2026-11-09T15:00:00Z"})
    );
    assert!(
        e["extension"][6]["extension"][1]["valuePeriod"]
            .get("end")
            .is_none()
    );

    let (done, history) = course(client, &[Stage::Assessment, Stage::Completed]);
    let e = to_json(Resource::EpisodeOfCare(Box::new(episode::episode(
        &done, &history, None,
    ))));
    assert_eq!(e["status"], "finished");
    assert_eq!(e["statusHistory"][0]["status"], "active");
    assert_eq!(e["period"]["end"], "2026-11-09T15:00:00Z");
    assert!(e.get("careManager").is_none());
    let (stopped, history) = course(client, &[Stage::Assessment, Stage::Discontinued]);
    let e = to_json(Resource::EpisodeOfCare(Box::new(episode::episode(
        &stopped, &history, None,
    ))));
    assert_eq!(e["status"], "cancelled");
}

#[test]
fn a_dosing_session_is_an_ambulatory_encounter_of_its_course() {
    let (client, course) = (ClientId::new(), CourseId::new());
    let e = to_json(Resource::Encounter(Box::new(encounter::dosing_session(
        &session(client, course, Status::Closed),
    ))));
    assert_eq!(e["status"], "finished");
    assert_eq!(e["class"]["code"], "AMB");
    assert_eq!(e["subject"]["reference"], format!("Patient/{client}"));
    assert_eq!(
        e["episodeOfCare"][0]["reference"],
        format!("EpisodeOfCare/{course}")
    );
    assert_eq!(
        e["period"],
        json!({"start": "2026-11-20T15:30:00Z", "end": "2026-11-20T17:55:00Z"})
    );
    assert_eq!(e["serviceProvider"]["reference"], "Organization/practice");
    assert!(
        !e.to_string().contains("Riley"),
        "the ride home stays in kapflow"
    );
    for (status, fhir) in [
        (Status::Preparing, "arrived"),
        (Status::Open, "in-progress"),
        (Status::Cancelled, "cancelled"),
    ] {
        let e = to_json(Resource::Encounter(Box::new(encounter::dosing_session(
            &session(client, course, status),
        ))));
        assert_eq!(e["status"], fhir);
    }
}

#[test]
fn an_appointment_names_the_client_and_clinicians_and_a_hold_is_not_one() {
    let client = ClientId::new();
    let row = booked(Some(client), Booking::Booked);
    let a = to_json(Resource::Appointment(Box::new(
        appointment::appointment(&row).expect("a client's"),
    )));
    assert_eq!(a["status"], "booked");
    assert_eq!(a["start"], "2026-12-08T15:00:00Z");
    assert_eq!(a["end"], "2026-12-08T18:00:00Z");
    assert_eq!(a["appointmentType"]["text"], "Dosing session");
    let actors: Vec<&str> = a["participant"]
        .as_array()
        .map(|p| {
            p.iter()
                .filter_map(|x| x["actor"]["reference"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        actors,
        [
            format!("Patient/{client}"),
            format!("Practitioner/{}", row.clinician_id),
            format!("Practitioner/{}", row.second_clinician.expect("two")),
        ]
    );
    assert!(
        !a.to_string().contains("video.example.org"),
        "the call's link stays here"
    );
    let cancelled = to_json(Resource::Appointment(Box::new(
        appointment::appointment(&booked(Some(client), Booking::Cancelled)).expect("a client's"),
    )));
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["cancelationReason"]["text"], "Client unwell");
    let missed = to_json(Resource::Appointment(Box::new(
        appointment::appointment(&booked(Some(client), Booking::NoShow)).expect("a client's"),
    )));
    assert_eq!(missed["status"], "noshow");
    assert!(appointment::appointment(&booked(None, Booking::Booked)).is_none());
}

#[test]
fn a_signed_note_is_a_document_with_the_exact_signed_text_and_a_draft_is_none() {
    let client = ClientId::new();
    let n = written(client, true);
    let d = to_json(Resource::DocumentReference(Box::new(
        document::note(&n, &[]).expect("readable").expect("signed"),
    )));
    assert_eq!(d["status"], "current");
    assert_eq!(d["docStatus"], "final");
    assert_eq!(d["subject"]["reference"], format!("Patient/{client}"));
    assert_eq!(
        d["author"][0]["reference"],
        format!("Practitioner/{}", n.author_id)
    );
    assert_eq!(d["date"], "2026-11-20T18:05:00Z");
    assert_eq!(d["type"]["text"], "General (DAP) note");
    let data = d["content"][0]["attachment"]["data"]
        .as_str()
        .expect("data");
    let text = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(data)
            .expect("base64"),
    )
    .expect("utf-8");
    assert!(text.contains("PHQ-9 down from 18 to 11."), "{text}");
    assert_eq!(
        d["masterIdentifier"],
        json!({"system": "urn:kapflow:signed-text-sha256", "value": content_hash(&text)}),
        "the receiver can check the text against the signature's hash"
    );
    assert_eq!(Some(content_hash(&text)), n.content_sha256);

    let amended = to_json(Resource::DocumentReference(Box::new(
        document::note(&n, &[addendum()])
            .expect("readable")
            .expect("signed"),
    )));
    assert_eq!(amended["docStatus"], "amended");
    assert_eq!(
        amended["content"][1]["attachment"]["title"],
        "Addendum by Catherine Alvarado"
    );
    assert!(
        document::note(&written(client, false), &[])
            .expect("readable")
            .is_none(),
        "a draft never leaves kapflow"
    );
}

#[test]
fn an_audit_row_about_a_record_is_its_provenance() {
    let (client, note, therapist) = (ClientId::new(), uuid::Uuid::now_v7(), UserId::new());
    let at = datetime!(2026-11-20 18:05:09.25 UTC);
    let signed = Actor::user(
        therapist,
        Role::Therapist,
        None,
        Some("198.51.100.7".into()),
    )
    .entry("clinical_note.signed", at)
    .record("clinical_note", note)
    .client(client)
    .because("signed after the session".to_owned());
    let p = to_json(Resource::Provenance(Box::new(
        provenance::provenance(&signed).expect("a note has a resource"),
    )));
    assert_eq!(
        p["target"][0]["reference"],
        format!("DocumentReference/{note}")
    );
    assert_eq!(p["recorded"], "2026-11-20T18:05:09Z");
    assert_eq!(p["activity"]["text"], "clinical_note.signed");
    assert_eq!(
        p["agent"][0]["who"]["reference"],
        format!("Practitioner/{therapist}")
    );
    assert_eq!(p["agent"][0]["type"]["text"], "Therapist");
    let text = p.to_string();
    assert!(
        !text.contains("198.51.100.7") && !text.contains("signed after"),
        "{text}"
    );

    let by_client = Actor::user(UserId::new(), Role::Client, None, None)
        .entry("measure_response.submitted", at)
        .record("measure_response", note)
        .client(client);
    let p = to_json(Resource::Provenance(Box::new(
        provenance::provenance(&by_client).expect("a response has a resource"),
    )));
    assert_eq!(
        p["agent"][0]["who"]["reference"],
        format!("Patient/{client}")
    );
    let by_kapflow = AuditEntry::system("course.advanced", at)
        .record("course", note)
        .client(client);
    let p = to_json(Resource::Provenance(Box::new(
        provenance::provenance(&by_kapflow).expect("a course has a resource"),
    )));
    assert_eq!(p["agent"][0]["who"]["display"], "kapflow (the system)");
    assert_eq!(p["target"][0]["reference"], format!("EpisodeOfCare/{note}"));

    let refused = signed
        .clone()
        .outcome(AuditOutcome::Denied, Some("not the author"));
    assert!(
        provenance::provenance(&refused).is_none(),
        "a refusal changed nothing"
    );
    let account = Actor::user(therapist, Role::Owner, None, None)
        .entry("user.disabled", at)
        .record("user", therapist);
    assert!(
        provenance::provenance(&account).is_none(),
        "no resource for an account"
    );
}

#[test]
fn a_screening_flag_is_a_clinical_flag_with_its_rule() {
    let client = ClientId::new();
    let f = to_json(Resource::Flag(Box::new(flag::screening_flag(
        "c1-psychosis",
        client,
        datetime!(2026-11-03 16:20 UTC),
        &screened(),
    ))));
    assert_eq!(f["status"], "active");
    assert_eq!(f["category"][0]["coding"][0]["code"], "clinical");
    assert_eq!(
        f["code"],
        json!({"coding": [{"system": "urn:kapflow:screening-flag", "code": "psychosis"}],
               "text": "Contraindication: A history of psychosis was reported."})
    );
    assert_eq!(f["period"]["start"], "2026-11-03T16:20:00Z");
}

#[test]
fn a_signed_consent_is_a_consent_with_checked_codes() {
    let client = ClientId::new();
    let kap = to_json(Resource::Consent(Box::new(consent::consent(
        client,
        &signed(ConsentKind::Kap, false, false),
    ))));
    assert_eq!(kap["status"], "active");
    assert_eq!(kap["scope"]["coding"][0]["code"], "treatment");
    assert_eq!(kap["category"][0]["coding"][0]["code"], "59284-0");
    assert_eq!(kap["patient"]["reference"], format!("Patient/{client}"));
    assert_eq!(
        kap["performer"][0]["reference"],
        format!("Patient/{client}")
    );
    assert_eq!(kap["dateTime"], "2026-11-03T16:00:00Z");
    assert_eq!(
        kap["identifier"][0]["value"],
        content_hash("the consent's text")
    );
    assert_eq!(kap["policyRule"]["coding"][0]["code"], "OPTIN");
    let roi = to_json(Resource::Consent(Box::new(consent::consent(
        client,
        &signed(ConsentKind::ReleaseOfInformation, true, false),
    ))));
    assert_eq!(roi["status"], "inactive", "revoked");
    assert_eq!(roi["scope"]["coding"][0]["code"], "patient-privacy");
    assert_eq!(roi["category"][0]["coding"][0]["code"], "64292-6");
    assert!(!roi.to_string().contains("Client withdrew"));
    let pending = to_json(Resource::Consent(Box::new(consent::consent(
        client,
        &signed(ConsentKind::Touch, false, true),
    ))));
    assert_eq!(
        pending["status"], "proposed",
        "waiting for the practice's review"
    );
}
