//! Records as the store reads them, one builder per kind, and every resource kind made from
//! them (for the schema checks).

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
use kapflow_domain::{Actor, AuditEntry};
use kapflow_domain::{ClientId, OrgId, Role, UserId};
use kapflow_domain::{PrescriptionId, ShipmentId};
use kapflow_fhir::r4::resources::Resource;
use kapflow_fhir::{
    appointment, consent, document, encounter, episode, flag, medication, observation,
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
use serde_json::Value;
use time::macros::{date, datetime};

pub fn client(full: bool) -> ClientRecord {
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

pub fn staff(disabled: bool) -> User {
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
pub fn scored(instrument: &str, value: u8) -> Scored {
    let instrument = builtin(instrument).expect("built in");
    let answers =
        answers_in_order(&instrument, &vec![Some(value); instrument.items.len()]).expect("answers");
    score(&instrument, &answers, &MeasureSettings::default()).expect("scored")
}

pub const VITALS: Vitals = Vitals {
    systolic: 142,
    diastolic: 91,
    heart_rate: 88,
    spo2: 97,
    respiratory_rate: Some(16),
};

/// A course of `client` that went through `stages` a week apart from 2 November 2026, closed
/// when its last stage ends one.
pub fn course(client: ClientId, stages: &[Stage]) -> (CourseRow, Vec<TransitionRow>) {
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

pub const THROUGH_DOSING: &[Stage] = &[
    Stage::Assessment,
    Stage::Preparation,
    Stage::MedicalEvaluation,
    Stage::Medication,
    Stage::ReadyForDosing,
    Stage::Dosing,
];

/// Dosing session 2 of `course` in `status`.
pub fn session(client: ClientId, course: CourseId, status: Status) -> SessionRow {
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
pub fn custody(client: ClientId, kind: CustodyKind) -> CustodyEntry {
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
pub fn prescribed(superseded: bool) -> PrescriptionRow {
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

pub fn shipment(p: &PrescriptionRow, received: bool) -> ShipmentRow {
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
pub fn booked(client: Option<ClientId>, status: Booking) -> AppointmentRow {
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
pub fn written(client: ClientId, signed: bool) -> NoteRow {
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

pub fn addendum() -> AddendumRow {
    AddendumRow {
        id: AddendumId::new(),
        body: "Client called the next day: no after-effects.".into(),
        author_name: "Catherine Alvarado".into(),
        signed_at: datetime!(2026-11-21 16:00 UTC),
        content_sha256: content_hash("Client called the next day: no after-effects."),
    }
}

pub fn screened() -> kapflow_domain::screening::Flag {
    kapflow_domain::screening::Flag {
        code: "psychosis",
        severity: kapflow_domain::screening::Severity::Absolute,
        finding: "A history of psychosis was reported.".into(),
        rule: "Psychosis is a contraindication to ketamine.",
        source: "docs/domain.md",
    }
}

/// A signature of consent `kind`: revoked, waiting for review, or neither.
pub fn signed(kind: ConsentKind, revoked: bool, pending: bool) -> SignatureRow {
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
pub fn alert(client: ClientId, acknowledged: bool) -> AlertRow {
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

pub fn every_kind() -> Vec<Value> {
    every_resource().into_iter().map(to_json).collect()
}

pub fn every_resource() -> Vec<Resource> {
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
