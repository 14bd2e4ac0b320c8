//! The practice the pathway tests share: an owner, front desk, two therapists, two prescribers
//! of two partner organisations, and the KAP and release-of-information consent documents.

#![allow(dead_code)]

use kapflow_domain::client::{ClientInput, NewClient};
use kapflow_domain::consent::{ConsentKind, NewDocument, Signature};
use kapflow_domain::intake::IntakeForm;
use kapflow_domain::pathway::Stage;
use kapflow_domain::time_util::now_utc;
use kapflow_domain::{Actor, ClientId, DocumentId, Email, OrgId, Role, SignatureId, UserId};
use kapflow_store::clients::Created;
use kapflow_store::consents::Signed;
use kapflow_store::testkit::TestDb;
use kapflow_store::users::NewUser;
use uuid::Uuid;

pub use kapflow_store::access::for_tests;

/// Test setup's view of a client's clinical record (see `for_tests`).
pub fn seen(c: ClientId) -> kapflow_store::ClinicalAccess {
    for_tests(c).clinical().expect("clinical")
}

pub struct World {
    pub owner: (UserId, Actor),
    pub front: (UserId, Actor),
    pub t1: (UserId, Actor),
    pub t2: (UserId, Actor),
    pub p1: (UserId, Actor),
    pub p2: (UserId, Actor),
    pub org1: OrgId,
    pub docs: Vec<(ConsentKind, DocumentId)>,
}

pub async fn person(db: &TestDb, email: &str, role: Role) -> (UserId, Actor) {
    let e = Email::parse(email).expect("email");
    let id = db
        .store
        .accounts()
        .create_user(
            &NewUser {
                email: &e,
                display_name: email,
                role,
                password_hash: None,
            },
            &Actor::default(),
            now_utc(),
        )
        .await
        .expect("user");
    (id, Actor::user(id, role, None, None))
}

pub async fn world(db: &TestDb) -> World {
    let s = &db.store;
    let now = now_utc();
    let owner = person(db, "owner@example.org", Role::Owner).await;
    let front = person(db, "front@example.org", Role::FrontDesk).await;
    let t1 = person(db, "t1@example.org", Role::Therapist).await;
    let t2 = person(db, "t2@example.org", Role::Therapist).await;
    let p1 = person(db, "p1@example.org", Role::Prescriber).await;
    let p2 = person(db, "p2@example.org", Role::Prescriber).await;
    let org1 = s
        .partner_orgs()
        .add("Skylight Psychedelics", &owner.1, now)
        .await
        .expect("org")
        .expect("new");
    let org2 = s
        .partner_orgs()
        .add("Other Medical", &owner.1, now)
        .await
        .expect("org")
        .expect("new");
    assert!(
        s.partner_orgs()
            .add("Skylight Psychedelics", &owner.1, now)
            .await
            .expect("dup")
            .is_none()
    );
    assert!(
        s.partner_orgs()
            .set_member(p1.0, Some(org1), &owner.1, now)
            .await
            .expect("set")
    );
    assert!(
        s.partner_orgs()
            .set_member(p2.0, Some(org2), &owner.1, now)
            .await
            .expect("set")
    );
    // Only prescribers belong to an organisation.
    assert!(
        !s.partner_orgs()
            .set_member(t1.0, Some(org1), &owner.1, now)
            .await
            .expect("set")
    );
    let mut docs = Vec::new();
    for kind in [ConsentKind::Kap, ConsentKind::ReleaseOfInformation] {
        s.consents()
            .add_document(
                &NewDocument {
                    kind,
                    title: kind.label().into(),
                    body: format!("I consent: {}.", kind.label()),
                },
                &owner.1,
                now,
            )
            .await
            .expect("doc");
    }
    for d in s.consents().latest_documents().await.expect("docs") {
        docs.push((d.kind, d.id));
    }
    World {
        owner,
        front,
        t1,
        t2,
        p1,
        p2,
        org1,
        docs,
    }
}

pub fn client_input(name: &str) -> NewClient {
    ClientInput {
        legal_name: name.into(),
        date_of_birth: "1985-03-14".into(),
        support_name: "Sam Support".into(),
        support_phone: "555-123-4567".into(),
        concerns: vec!["depression".into()],
        ..ClientInput::default()
    }
    .validate(kapflow_domain::pathway::today(now_utc()))
    .expect("valid")
}

pub async fn new_client(db: &TestDb, w: &World, name: &str, therapist: UserId) -> ClientId {
    match db
        .store
        .clients()
        .create(
            &Uuid::now_v7().to_string(),
            &client_input(name),
            None,
            &[therapist],
            &w.front.1,
            now_utc(),
        )
        .await
        .expect("create")
    {
        Created::Client(id) => id,
        other => panic!("{other:?}"),
    }
}

pub fn completed_intake() -> IntakeForm {
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

pub async fn sign(db: &TestDb, w: &World, c: ClientId, kind: ConsentKind) -> SignatureId {
    let doc = w.docs.iter().find(|(k, _)| *k == kind).expect("doc").1;
    match db
        .store
        .consents()
        .sign(
            &for_tests(c),
            doc,
            &Signature {
                typed_name: "Ada Client".into(),
                signed_on: kapflow_domain::pathway::today(now_utc()),
            },
            &w.t1.1,
            now_utc(),
        )
        .await
        .expect("sign")
        .expect("client")
    {
        Signed::Signed(id) => id,
        other => panic!("{other:?}"),
    }
}

pub async fn stage(db: &TestDb, c: ClientId) -> Stage {
    db.store
        .courses()
        .current(&for_tests(c))
        .await
        .expect("stage")
        .expect("course")
        .stage
}
