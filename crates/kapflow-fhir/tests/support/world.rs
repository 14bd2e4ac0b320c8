//! A practice in a real store for the record tests (copied in part from the store's
//! `tests/common`): an owner, front desk, two therapists, a prescriber of a partner
//! organisation, and clients opened and walked along the pathway with the store's own calls.

use kapflow_domain::client::{ClientInput, NewClient};
use kapflow_domain::consent::{ConsentKind, Signature};
use kapflow_domain::prescribing::plan::DosingPlan;
use kapflow_domain::time_util::now_utc;
use kapflow_domain::{Actor, ClientId, Email, OrgId, Role, UserId};
use kapflow_store::clients::Created;
use kapflow_store::consents::Signed;
use kapflow_store::testkit::TestDb;
use kapflow_store::users::NewUser;
use uuid::Uuid;

pub use kapflow_store::access::for_tests;

/// Six 100 mg sessions a week apart, with a booster of up to 50 mg.
pub const PLAN: DosingPlan = DosingPlan {
    sessions_planned: 6,
    min_days_between: 7,
    dose_ug: 100_000,
    split_allowed: false,
    booster_ug: Some(50_000),
};

pub struct World {
    pub owner: (UserId, Actor),
    pub front: (UserId, Actor),
    pub t1: (UserId, Actor),
    pub t2: (UserId, Actor),
    pub p1: (UserId, Actor),
    pub org: OrgId,
}

/// Test setup's view of a client's clinical record (see `for_tests`).
pub fn seen(c: ClientId) -> kapflow_store::ClinicalAccess {
    for_tests(c).clinical().expect("clinical")
}

/// `user`'s (as `role`) clinical access to client `c`, as the access check grants it.
pub async fn clinician(
    db: &TestDb,
    user: UserId,
    role: Role,
    c: ClientId,
) -> kapflow_store::ClinicalAccess {
    db.store
        .grant_for_tests(
            user,
            role,
            kapflow_domain::access::Action::EditClinicalRecord,
            c,
        )
        .await
        .expect("on the care team")
        .clinical()
        .expect("clinical")
}

/// A staff account without a password, as its id and the actor it acts as.
pub async fn person(db: &TestDb, email: &str, name: &str, role: Role) -> (UserId, Actor) {
    let e = Email::parse(email).expect("email");
    let id = db
        .store
        .accounts()
        .create_user(
            &NewUser {
                email: &e,
                display_name: name,
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
    let owner = person(db, "owner@example.org", "Olive Owner, LCSW", Role::Owner).await;
    let front = person(db, "front@example.org", "Frank Front", Role::FrontDesk).await;
    let t1 = person(db, "t1@example.org", "Tess One, LMFT", Role::Therapist).await;
    let t2 = person(db, "t2@example.org", "Theo Two, PhD", Role::Therapist).await;
    let p1 = person(db, "p1@example.org", "Dr. Priya One, MD", Role::Prescriber).await;
    let org = s
        .partner_orgs()
        .add("Skylight Psychiatry", &owner.1, now_utc())
        .await
        .expect("org")
        .expect("new");
    assert!(
        s.partner_orgs()
            .set_member(p1.0, Some(org), &owner.1, now_utc())
            .await
            .expect("member")
    );
    World {
        owner,
        front,
        t1,
        t2,
        p1,
        org,
    }
}

/// Opens client `name` with `therapist` on the care team, as front desk.
pub async fn new_client(db: &TestDb, w: &World, name: &str, therapist: UserId) -> ClientId {
    let input: NewClient = ClientInput {
        legal_name: name.into(),
        date_of_birth: "1985-03-14".into(),
        email: "client@example.org".into(),
        support_name: "Sam Support".into(),
        support_phone: "555-123-4567".into(),
        concerns: vec!["depression".into()],
        ..ClientInput::default()
    }
    .validate(kapflow_domain::zone::PracticeZone::utc().today(now_utc()))
    .expect("valid");
    match db
        .store
        .clients()
        .create(
            &Uuid::now_v7().to_string(),
            &input,
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

/// Walks client `c` (therapist 1's) to "ready for dosing" with a prescription of `PLAN`.
pub async fn ready_for_dosing(db: &TestDb, w: &World, c: ClientId) {
    kapflow_store::fixtures::ready_for_dosing(
        &db.store,
        &kapflow_store::fixtures::ReadyFor {
            client: c,
            therapist: &w.t1.1,
            prescriber: &w.p1.1,
            org: w.org,
            plan: PLAN,
        },
    )
    .await;
}

/// Client `c` signs the latest published document of `kind`, witnessed by `by`.
pub async fn sign(db: &TestDb, c: ClientId, kind: ConsentKind, by: &Actor) {
    let doc = db
        .store
        .consents()
        .latest_documents()
        .await
        .expect("documents")
        .into_iter()
        .find(|d| d.kind == kind)
        .expect("published");
    let signed = db
        .store
        .consents()
        .sign(
            &for_tests(c),
            doc.id,
            &Signature {
                typed_name: "The client".into(),
                signed_on: kapflow_domain::zone::PracticeZone::utc().today(now_utc()),
            },
            by,
            now_utc(),
        )
        .await
        .expect("sign")
        .expect("client");
    assert!(matches!(signed, Signed::Signed(_)), "{signed:?}");
}
