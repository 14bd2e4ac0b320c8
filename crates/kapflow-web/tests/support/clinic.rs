//! A practice with two therapists' caseloads and two partner organisations, for the client
//! record tests: client A (therapist 1's) has gone through intake, consents, preparation and
//! referral to organisation 1, whose prescriber found them eligible, prescribed and shipped;
//! client B (therapist 2's) is at assessment.

use super::{Person, TestApp};
use kapflow_domain::client::{ClientInput, Sensitivity};
use kapflow_domain::consent::{ConsentKind, NewDocument, Signature};
use kapflow_domain::intake::IntakeForm;
use kapflow_domain::pathway::{Stage, Transition, today};
use kapflow_domain::preparation::{CHECKLIST, PreparationForm};
use kapflow_domain::prescribing::{Decision, DoseForm, Evaluation, Prescription, Shipment};
use kapflow_domain::time_util::now_utc;
use kapflow_domain::{ClientId, Role};
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
    pub org1: Uuid,
    pub a: ClientId,
    pub b: ClientId,
    pub a_signature: Uuid,
    pub a_shipment: Uuid,
    pub a_dose_request: Uuid,
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
    .validate(today(now_utc()))
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
            .add_consent_document(
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

pub async fn sign_all(t: &TestApp, c: ClientId, witness: &Person) -> Vec<Uuid> {
    let s = &t.db.store;
    let actor = kapflow_domain::Actor::user(witness.id, witness.role, None, None);
    let mut ids = Vec::new();
    for d in s.latest_consent_documents().await.expect("docs") {
        let sig = Signature {
            typed_name: "Ada Client".into(),
            signed_on: today(now_utc()),
        };
        match s
            .sign_consent(c, d.id, &sig, &actor, now_utc())
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
    let org1 = s
        .add_partner_org("Skylight Psychedelics", &actor(&owner), now)
        .await
        .expect("org")
        .expect("new");
    let org2 = s
        .add_partner_org("Other Medical", &actor(&owner), now)
        .await
        .expect("org")
        .expect("new");
    s.set_partner_org(p1.id, Some(org1), &actor(&owner), now)
        .await
        .expect("set");
    s.set_partner_org(p2.id, Some(org2), &actor(&owner), now)
        .await
        .expect("set");
    publish_consents(t, &owner).await;
    let mut made = Vec::new();
    for (name, therapist) in [("Ada Alpha", &t1), ("Ben Beta", &t2)] {
        match s
            .create_client(
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
    s.save_intake(a, &complete_intake(), Sensitivity::General, true, &th, now)
        .await
        .expect("intake");
    s.review_screening(a, &th, now).await.expect("review");
    s.transition_course(a, &Transition::Advance(Stage::Preparation), &th, now)
        .await
        .expect("t")
        .expect("c")
        .expect("advanced");
    let prep = PreparationForm {
        intentions: "Less fear".into(),
        discussed: CHECKLIST.iter().map(|(k, _)| k.to_string()).collect(),
        notes: String::new(),
    };
    s.save_preparation(a, &prep, true, &th, now)
        .await
        .expect("prep");
    let sigs = sign_all(t, a, &t1).await;
    s.refer(a, org1, &th, now)
        .await
        .expect("refer")
        .expect("referred");
    let pr = actor(&p1);
    let eval = Evaluation {
        decision: Decision::Eligible,
        reasons: "Fine".into(),
        valid_until: Some(today(now) + time::Duration::days(90)),
    };
    s.record_evaluation(a, &eval, &pr, now)
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
    };
    s.prescribe(a, &rx, &pr, now)
        .await
        .expect("rx")
        .expect("ok");
    let a_shipment = s
        .record_shipment(
            a,
            &Shipment {
                carrier: "UPS".into(),
                tracking_number: "1Z".into(),
                shipped_on: today(now),
            },
            &pr,
            now,
        )
        .await
        .expect("ship")
        .expect("ok");
    let a_dose_request = s
        .request_dose_change(a, "Consider 150 mg", &th, now)
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
