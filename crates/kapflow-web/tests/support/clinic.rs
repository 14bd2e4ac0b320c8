//! A practice with two therapists' caseloads and two partner organisations, for the client
//! record tests: client A (therapist 1's) has gone through intake, consents, preparation and
//! referral to organisation 1, whose prescriber found them eligible, prescribed and shipped;
//! client B (therapist 2's) is at assessment.

use super::{Person, TestApp};
use kapflow_domain::access::Action;
use kapflow_domain::client::{ClientInput, Sensitivity};
use kapflow_domain::consent::{ConsentKind, NewDocument, Signature};
use kapflow_domain::intake::IntakeForm;
use kapflow_domain::pathway::{Stage, Transition};
use kapflow_domain::preparation::{CHECKLIST, PreparationForm};
use kapflow_domain::prescribing::{Decision, DoseForm, Evaluation, Prescription, Shipment};
use kapflow_domain::time_util::now_utc;
use kapflow_domain::{ClientId, DoseRequestId, OrgId, Role, ShipmentId, SignatureId};
use kapflow_store::ClientAccess;
use kapflow_store::clients::Created;
use kapflow_store::consents::Signed;
use uuid::Uuid;

pub struct Clinic {
    pub owner: Person,
    pub front: Person,
    pub t1: Person,
    pub t2: Person,
    pub p1: Person,
    pub p2: Person,
    pub client_user: Person,
    pub org1: OrgId,
    pub a: ClientId,
    pub b: ClientId,
    pub a_signature: SignatureId,
    pub a_shipment: ShipmentId,
    pub a_dose_request: DoseRequestId,
}

/// `p`'s access to read client `c`'s clinical record.
pub async fn clinical(t: &TestApp, p: &Person, c: ClientId) -> kapflow_store::ClinicalAccess {
    grant(t, p, Action::ViewClinicalRecord, c)
        .await
        .clinical()
        .expect("clinical access")
}

/// The stage of client `c`'s current course, as `p` sees it.
pub async fn stage(t: &TestApp, p: &Person, c: ClientId) -> Option<Stage> {
    let access = grant(t, p, Action::ViewClientDemographics, c).await;
    t.db.store
        .courses()
        .current(&access)
        .await
        .expect("course")
        .map(|course| course.stage)
}

/// `p`'s access to client `c` for `action`, as the access check would grant it.
pub async fn grant(t: &TestApp, p: &Person, action: Action, c: ClientId) -> ClientAccess {
    t.db.store
        .grant_for_tests(p.id, p.role, action, c)
        .await
        .expect("access to the client")
}

pub fn adult(name: &str) -> kapflow_domain::client::NewClient {
    ClientInput {
        legal_name: name.into(),
        date_of_birth: "1985-03-14".into(),
        support_name: "Sam Support".into(),
        support_phone: "555-123-4567".into(),
        concerns: vec!["depression".into()],
        ..ClientInput::default()
    }
    .validate(utc_today(now_utc()))
    .expect("valid client")
}

pub fn complete_intake() -> IntakeForm {
    IntakeForm {
        medical_history: "None".into(),
        psychiatric_history: "Depression".into(),
        current_medications: "None".into(),
        allergies: "None known".into(),
        substance_use: "None".into(),
        prior_ketamine: "None".into(),
        bp_systolic: "150".into(),
        bp_diastolic: "85".into(),
        goals: "Feel better".into(),
        ..IntakeForm::default()
    }
}

pub async fn publish_consents(t: &TestApp, owner: &Person) {
    let actor = kapflow_domain::Actor::user(owner.id, owner.role, None, None);
    for kind in [ConsentKind::Kap, ConsentKind::ReleaseOfInformation] {
        t.db.store
            .consents()
            .add_document(
                &NewDocument {
                    kind,
                    title: kind.label().into(),
                    body: format!("I consent: {}.", kind.label()),
                },
                &actor,
                now_utc(),
            )
            .await
            .expect("doc");
    }
}

pub async fn sign_all(t: &TestApp, c: ClientId, witness: &Person) -> Vec<SignatureId> {
    let s = &t.db.store;
    let access = grant(t, witness, Action::EditClinicalRecord, c).await;
    let actor = kapflow_domain::Actor::user(witness.id, witness.role, None, None);
    let mut ids = Vec::new();
    for d in s.consents().latest_documents().await.expect("docs") {
        let sig = Signature {
            typed_name: "Ada Client".into(),
            signed_on: utc_today(now_utc()),
        };
        match s
            .consents()
            .sign(&access, d.id, &sig, &actor, now_utc())
            .await
            .expect("sign")
        {
            Some(Signed::Signed(id)) => ids.push(id),
            other => panic!("{other:?}"),
        }
    }
    ids
}

pub async fn clinic(t: &TestApp) -> Clinic {
    let s = &t.db.store;
    let now = now_utc();
    let owner = t.signed_in("owner@example.org", Role::Owner).await;
    let front = t.signed_in("front@example.org", Role::FrontDesk).await;
    let t1 = t.signed_in("t1@example.org", Role::Therapist).await;
    let t2 = t.signed_in("t2@example.org", Role::Therapist).await;
    let p1 = t.signed_in("p1@example.org", Role::Prescriber).await;
    let p2 = t.signed_in("p2@example.org", Role::Prescriber).await;
    let client_user = t.signed_in("client@example.org", Role::Client).await;
    let actor = |p: &Person| kapflow_domain::Actor::user(p.id, p.role, None, None);
    let mut orgs = Vec::new();
    for name in ["Skylight Psychedelics", "Other Medical"] {
        let org = s.partner_orgs().add(name, &actor(&owner), now).await;
        orgs.push(org.expect("org").expect("new"));
    }
    let org1 = orgs[0];
    for (prescriber, org) in [(&p1, org1), (&p2, orgs[1])] {
        s.partner_orgs()
            .set_member(prescriber.id, Some(org), &actor(&owner), now)
            .await
            .expect("set");
    }
    publish_consents(t, &owner).await;
    let mut made = Vec::new();
    for (name, therapist) in [("Ada Alpha", &t1), ("Ben Beta", &t2)] {
        match s
            .clients()
            .create(
                &Uuid::now_v7().to_string(),
                &adult(name),
                None,
                &[therapist.id],
                &actor(&front),
                now,
            )
            .await
            .expect("client")
        {
            Created::Client(id) => made.push(id),
            other => panic!("{other:?}"),
        }
    }
    let (a, b) = (made[0], made[1]);
    let th = actor(&t1);
    let a_t1 = grant(t, &t1, Action::EditClinicalRecord, a).await;
    s.assessment()
        .save_intake(
            &a_t1,
            &complete_intake(),
            Sensitivity::General,
            true,
            &th,
            now,
        )
        .await
        .expect("intake");
    s.assessment()
        .review_screening(&a_t1, &th, now)
        .await
        .expect("review");
    s.courses()
        .transition(&a_t1, &Transition::Advance(Stage::Preparation), &th, now)
        .await
        .expect("t")
        .expect("c")
        .expect("advanced");
    let prep = PreparationForm {
        intentions: "Less fear".into(),
        discussed: CHECKLIST.iter().map(|(k, _)| k.to_string()).collect(),
        notes: String::new(),
    };
    s.assessment()
        .save_preparation(&a_t1, &prep, true, &th, now)
        .await
        .expect("prep");
    let sigs = sign_all(t, a, &t1).await;
    s.prescribing()
        .refer(&a_t1, org1, &th, now)
        .await
        .expect("refer")
        .expect("referred");
    let pr = actor(&p1);
    let a_p1 = grant(t, &p1, Action::Prescribe, a).await;
    let eval = Evaluation {
        decision: Decision::Eligible,
        reasons: "Fine".into(),
        valid_until: Some(utc_today(now) + time::Duration::days(90)),
    };
    s.prescribing()
        .record_evaluation(&a_p1, &eval, &pr, now)
        .await
        .expect("eval")
        .expect("ok");
    let rx = Prescription {
        drug: "Ketamine HCl".into(),
        form: DoseForm::Troche,
        strength_mg: 100,
        quantity: 6,
        directions: "One in session".into(),
        pharmacy: "Pharmacy".into(),
        plan: kapflow_domain::prescribing::plan::DosingPlan::usual(100),
    };
    s.prescribing()
        .prescribe(&a_p1, &rx, &pr, now)
        .await
        .expect("rx")
        .expect("ok");
    let a_shipment = s
        .prescribing()
        .record_shipment(
            &a_p1,
            &Shipment {
                carrier: "UPS".into(),
                tracking_number: "1Z".into(),
                shipped_on: utc_today(now),
            },
            &pr,
            now,
        )
        .await
        .expect("ship")
        .expect("ok");
    let a_dose_request = s
        .prescribing()
        .request_dose_change(&a_t1, "Consider 150 mg", &th, now)
        .await
        .expect("req")
        .expect("ok");
    Clinic {
        owner,
        front,
        t1,
        t2,
        p1,
        p2,
        client_user,
        org1,
        a,
        b,
        a_signature: sigs[0],
        a_shipment,
        a_dose_request,
    }
}

/// A new client of therapist 1, `name`, walked to "ready for dosing" (organisation 1's
/// prescriber, six sessions of 100 mg), with a dosing session prepared: the client and the
/// session's path.
pub async fn in_dosing(t: &TestApp, c: &Clinic, name: &str, key: &str) -> (ClientId, String) {
    let s = &t.db.store;
    let Created::Client(client) = s
        .clients()
        .create(
            key,
            &adult(name),
            None,
            &[c.t1.id],
            &c.front.actor(),
            now_utc(),
        )
        .await
        .expect("client")
    else {
        panic!("not created")
    };
    kapflow_store::fixtures::ready_for_dosing(
        s,
        &kapflow_store::fixtures::ReadyFor {
            client,
            therapist: &c.t1.actor(),
            prescriber: &c.p1.actor(),
            org: c.org1,
            plan: kapflow_domain::prescribing::plan::DosingPlan {
                sessions_planned: 6,
                min_days_between: 7,
                dose_ug: 100_000,
                split_allowed: false,
                booster_ug: None,
            },
        },
    )
    .await;
    let r = t
        .post(
            &format!("/clients/{client}/dosing"),
            "_key=prepare-key-0001",
            Some(&c.t1),
        )
        .await;
    assert_eq!(r.status, axum::http::StatusCode::SEE_OTHER, "{}", r.body);
    let session = r
        .location()
        .split('?')
        .next()
        .expect("to the session")
        .to_owned();
    (client, session)
}

/// Gives client `c` (an adult named `name`) the email address `email`.
pub async fn give_email(t: &TestApp, c: ClientId, name: &str, email: &str) {
    let mut with_email = adult(name);
    with_email.email = Some(kapflow_domain::Email::parse(email).expect("email"));
    t.db.store
        .clients()
        .update(
            &kapflow_store::access::for_tests(c),
            &with_email,
            &kapflow_domain::Actor::default(),
            now_utc(),
        )
        .await
        .expect("update");
}

/// The test practice's date (its zone is UTC unless a test chooses one).
fn utc_today(t: time::OffsetDateTime) -> time::Date {
    kapflow_domain::zone::PracticeZone::utc().today(t)
}

/// An integration session of `clinician` with the client of `access` on `day` at `at`, booked
/// a month before (so a day in the past is a session that was held): its id.
pub async fn integration_booked(
    t: &TestApp,
    access: &ClientAccess,
    by: &Person,
    clinician: kapflow_domain::UserId,
    (day, at): (time::Date, time::Time),
) -> kapflow_domain::AppointmentId {
    let booked =
        t.db.store
            .calendar()
            .book(
                Some(access),
                &kapflow_domain::calendar::booking::Booking {
                    session_type: "integration".into(),
                    date: day,
                    time: at,
                    minutes: 50,
                    clinician,
                    second_clinician: None,
                    room: None,
                    telehealth: false,
                    video_link: None,
                    repeat: None,
                    title: None,
                },
                &by.actor(),
                now_utc() - time::Duration::days(30),
            )
            .await
            .expect("book");
    let kapflow_store::calendar::Booked::Done(ids) = booked else {
        panic!("refused: {booked:?}")
    };
    ids[0]
}
