//! The practice the pathway tests share: an owner, front desk, two therapists, two prescribers
//! of two partner organisations, and the KAP and release-of-information consent documents.

#![allow(dead_code)]

use kapflow_domain::access::Relationship;
use kapflow_domain::client::{ClientInput, NewClient};
use kapflow_domain::consent::{ConsentKind, NewDocument, Signature};
use kapflow_domain::intake::IntakeForm;
use kapflow_domain::pathway::Stage;
use kapflow_domain::prescribing::plan::DosingPlan;
use kapflow_domain::time_util::now_utc;
use kapflow_domain::{Actor, ClientId, DocumentId, Email, OrgId, Role, SignatureId, UserId};
use kapflow_store::audit::{AuditFilter, AuditListing};
use kapflow_store::clients::Created;
use kapflow_store::consents::Signed;
use kapflow_store::courses::CourseRow;
use kapflow_store::inquiries::InboxScope;
use kapflow_store::testkit::TestDb;
use kapflow_store::users::NewUser;
use time::OffsetDateTime;
use uuid::Uuid;

pub use kapflow_store::access::for_tests;

/// A weekly plan of six 100 mg sessions, one dose each: the plan most tests prescribe.
pub const WEEKLY_PLAN: DosingPlan = DosingPlan {
    sessions_planned: 6,
    min_days_between: 7,
    dose_ug: 100_000,
    split_allowed: false,
    booster_ug: None,
};

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

/// A staff account with `password_hash` (or none), as its id.
pub async fn account(db: &TestDb, email: &str, role: Role, password_hash: Option<&str>) -> UserId {
    let e = Email::parse(email).expect("email");
    db.store
        .accounts()
        .create_user(
            &NewUser {
                email: &e,
                display_name: email,
                role,
                password_hash,
            },
            &Actor::default(),
            now_utc(),
        )
        .await
        .expect("user")
}

/// A staff account without a password, as its id and the actor it acts as.
pub async fn person(db: &TestDb, email: &str, role: Role) -> (UserId, Actor) {
    let id = account(db, email, role, None).await;
    (id, Actor::user(id, role, None, None))
}

/// Adds the partner organisation `name`; `None` if the name is taken.
pub async fn add_org(db: &TestDb, name: &str, owner: &Actor) -> Option<OrgId> {
    db.store
        .partner_orgs()
        .add(name, owner, now_utc())
        .await
        .expect("org")
}

/// Puts `user` into `org`; whether they were put (only prescribers belong to one).
pub async fn set_org(db: &TestDb, user: UserId, org: OrgId, owner: &Actor) -> bool {
    db.store
        .partner_orgs()
        .set_member(user, Some(org), owner, now_utc())
        .await
        .expect("set")
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
    let org1 = add_org(db, "Skylight Psychedelics", &owner.1)
        .await
        .expect("new");
    let org2 = add_org(db, "Other Medical", &owner.1).await.expect("new");
    assert!(
        add_org(db, "Skylight Psychedelics", &owner.1)
            .await
            .is_none()
    );
    assert!(set_org(db, p1.0, org1, &owner.1).await);
    assert!(set_org(db, p2.0, org2, &owner.1).await);
    // Only prescribers belong to an organisation.
    assert!(!set_org(db, t1.0, org1, &owner.1).await);
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
    .validate(kapflow_domain::zone::PracticeZone::utc().today(now_utc()))
    .expect("valid")
}

/// Opens client `input` with `therapist` on the care team, as `by`.
pub async fn open_client(
    db: &TestDb,
    input: &NewClient,
    therapist: UserId,
    by: &Actor,
) -> ClientId {
    match db
        .store
        .clients()
        .create(
            &Uuid::now_v7().to_string(),
            input,
            None,
            &[therapist],
            by,
            now_utc(),
        )
        .await
        .expect("create")
    {
        Created::Client(id) => id,
        other => panic!("{other:?}"),
    }
}

pub async fn new_client(db: &TestDb, w: &World, name: &str, therapist: UserId) -> ClientId {
    open_client(db, &client_input(name), therapist, &w.front.1).await
}

pub fn completed_intake() -> IntakeForm {
    kapflow_store::fixtures::completed_intake()
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
                signed_on: kapflow_domain::zone::PracticeZone::utc().today(now_utc()),
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

/// Client `c`'s current course.
pub async fn current_course(db: &TestDb, c: ClientId) -> CourseRow {
    db.store
        .courses()
        .current(&for_tests(c))
        .await
        .expect("course")
        .expect("a current course")
}

pub async fn stage(db: &TestDb, c: ClientId) -> Stage {
    current_course(db, c).await.stage
}

/// How `user` (as `role`) stands to client `c` at `at`.
pub async fn relationship(
    db: &TestDb,
    user: UserId,
    role: Role,
    c: ClientId,
    at: OffsetDateTime,
) -> Relationship {
    db.store
        .access()
        .standing(user, role, c, at)
        .await
        .expect("standing")
        .expect("client")
        .relationship
}

/// `user`'s (as `role`) view of the inquiry inbox.
pub fn inbox(user: UserId, role: Role) -> InboxScope {
    InboxScope { user, role }
}

/// Audit rows matching `filter`, newest first, at most `limit`.
pub async fn audit_rows(db: &TestDb, filter: &AuditFilter, limit: i64) -> Vec<AuditListing> {
    db.store.audit().query(filter, limit).await.expect("audit")
}

/// An audit filter for one action.
pub fn action_filter(action: &str) -> AuditFilter {
    AuditFilter {
        action: Some(action.into()),
        ..AuditFilter::default()
    }
}

/// Whether the database refuses `sql` (the immutability triggers).
pub async fn raw_sql_fails(db: &TestDb, sql: &'static str) -> bool {
    kapflow_store::testkit::raw_execute(db, sql).await.is_err()
}

/// Walks client `c` (therapist 1's) to "ready for dosing" with a prescription of `plan`.
pub async fn ready_for_dosing(db: &TestDb, w: &World, c: ClientId, plan: DosingPlan) {
    kapflow_store::fixtures::ready_for_dosing(
        &db.store,
        &kapflow_store::fixtures::ReadyFor {
            client: c,
            therapist: &w.t1.1,
            prescriber: &w.p1.1,
            org: w.org1,
            plan,
        },
    )
    .await;
    assert_eq!(stage(db, c).await, Stage::ReadyForDosing);
}
