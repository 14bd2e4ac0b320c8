//! Clients, caseloads and one course of treatment through every gate, on both backends.

use kapflow_domain::access::Relationship;
use kapflow_domain::client::{CaseloadSort, ClientInput, NewClient};
use kapflow_domain::consent::{ConsentKind, NewDocument, Signature};
use kapflow_domain::intake::IntakeForm;
use kapflow_domain::pathway::{Stage, Transition, Unmet};
use kapflow_domain::preparation::{CHECKLIST, PreparationForm};
use kapflow_domain::prescribing::{
    Decision, DoseAnswer, DoseChangeAnswer, DoseForm, Evaluation, Prescription, Shipment,
};
use kapflow_domain::time_util::now_utc;
use kapflow_domain::{Actor, ClientId, Email, Role, UserId};
use kapflow_store::assessment::Saved;
use kapflow_store::clients::{CaseloadScope, Created};
use kapflow_store::consents::Signed;
use kapflow_store::prescribing::Refused;
use kapflow_store::store_test;
use kapflow_store::testkit::TestDb;
use kapflow_store::users::NewUser;
use time::Duration;
use uuid::Uuid;

struct World {
    owner: (UserId, Actor),
    front: (UserId, Actor),
    t1: (UserId, Actor),
    t2: (UserId, Actor),
    p1: (UserId, Actor),
    p2: (UserId, Actor),
    org1: Uuid,
    docs: Vec<(ConsentKind, Uuid)>,
}

async fn person(db: &TestDb, email: &str, role: Role) -> (UserId, Actor) {
    let e = Email::parse(email).expect("email");
    let id = db
        .store
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

async fn world(db: &TestDb) -> World {
    let s = &db.store;
    let now = now_utc();
    let owner = person(db, "owner@example.org", Role::Owner).await;
    let front = person(db, "front@example.org", Role::FrontDesk).await;
    let t1 = person(db, "t1@example.org", Role::Therapist).await;
    let t2 = person(db, "t2@example.org", Role::Therapist).await;
    let p1 = person(db, "p1@example.org", Role::Prescriber).await;
    let p2 = person(db, "p2@example.org", Role::Prescriber).await;
    let org1 = s
        .add_partner_org("Skylight Psychedelics", &owner.1, now)
        .await
        .expect("org")
        .expect("new");
    let org2 = s
        .add_partner_org("Other Medical", &owner.1, now)
        .await
        .expect("org")
        .expect("new");
    assert!(
        s.add_partner_org("Skylight Psychedelics", &owner.1, now)
            .await
            .expect("dup")
            .is_none()
    );
    assert!(
        s.set_partner_org(p1.0, Some(org1), &owner.1, now)
            .await
            .expect("set")
    );
    assert!(
        s.set_partner_org(p2.0, Some(org2), &owner.1, now)
            .await
            .expect("set")
    );
    // Only prescribers belong to an organisation.
    assert!(
        !s.set_partner_org(t1.0, Some(org1), &owner.1, now)
            .await
            .expect("set")
    );
    let mut docs = Vec::new();
    for kind in [ConsentKind::Kap, ConsentKind::ReleaseOfInformation] {
        s.add_consent_document(
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
    for d in s.latest_consent_documents().await.expect("docs") {
        docs.push((d.kind().expect("kind"), d.id));
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

fn client_input(name: &str) -> NewClient {
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

async fn new_client(db: &TestDb, w: &World, name: &str, therapist: UserId) -> ClientId {
    match db
        .store
        .create_client(
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

fn completed_intake() -> IntakeForm {
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

async fn sign(db: &TestDb, w: &World, c: ClientId, kind: ConsentKind) -> Uuid {
    let doc = w.docs.iter().find(|(k, _)| *k == kind).expect("doc").1;
    match db
        .store
        .sign_consent(
            c,
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

async fn stage(db: &TestDb, c: ClientId) -> Stage {
    db.store.stage_of(c).await.expect("stage").expect("course")
}

store_test!(
    creating_a_client_from_an_inquiry_is_one_audited_step_and_happens_once,
    async |db: &TestDb| {
        let w = world(db).await;
        let s = &db.store;
        let now = now_utc();
        let inquiry = kapflow_domain::inquiry::InquiryInput {
            name: "Ada Client".into(),
            email: "ada@example.org".into(),
            preferred_contact: "email".into(),
            concerns: vec!["depression".into()],
            consent: true,
            ..Default::default()
        }
        .validate()
        .expect("inquiry");
        let limit = kapflow_store::rate_limit::RateLimit {
            bucket: "t",
            window: Duration::HOUR,
            limit: 10,
        };
        let kapflow_store::inquiries::Submitted::Created(inq) = s
            .submit_inquiry("k1", b"h", &inquiry, &limit, &Actor::anonymous(None), now)
            .await
            .expect("submit")
        else {
            panic!("not created")
        };
        let key = "form-key-0123456789";
        let made = s
            .create_client(
                key,
                &client_input("Ada Client"),
                Some(inq),
                &[w.t1.0],
                &w.front.1,
                now,
            )
            .await
            .expect("create");
        let Created::Client(id) = made else {
            panic!("{made:?}")
        };
        // A double submission answers with the same client and makes nothing new.
        assert_eq!(
            s.create_client(
                key,
                &client_input("Ada Client"),
                Some(inq),
                &[w.t1.0],
                &w.front.1,
                now
            )
            .await
            .expect("again"),
            Created::Repeat(id)
        );
        // The inquiry cannot become a second client through another form.
        assert_eq!(
            s.create_client(
                "other-key-0123456789",
                &client_input("Ada Client"),
                Some(inq),
                &[],
                &w.front.1,
                now
            )
            .await
            .expect("other"),
            Created::InquiryTaken
        );
        assert_eq!(s.client_of_inquiry(inq).await.expect("of"), Some(id));
        let scope = kapflow_store::inquiries::InboxScope {
            user: w.front.0,
            role: Role::FrontDesk,
        };
        let (d, events) = s
            .view_inquiry(scope, inq, &w.front.1, now)
            .await
            .expect("view")
            .expect("visible");
        assert_eq!(d.status, "became_client");
        assert!(events.iter().any(|e| e.detail == "Became a client"));
        assert_eq!(stage(db, id).await, Stage::Assessment);
        let history = s
            .course_history(s.current_course(id).await.expect("c").expect("course").id)
            .await
            .expect("history");
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].to_stage, "assessment");
        let audit = s
            .query_audit(&kapflow_store::audit::AuditFilter::default(), 500)
            .await
            .expect("audit");
        assert!(audit.iter().any(|a| a.entry.action == "client.created"
            && a.entry.client_id.as_deref() == Some(&id.to_string())));
        assert!(s.verify_audit_chain().await.expect("verify").is_ok());
    }
);

store_test!(
    caseloads_are_scoped_by_care_team_and_referral_and_search_is_escaped,
    async |db: &TestDb| {
        let w = world(db).await;
        let s = &db.store;
        let a = new_client(db, &w, "Ada Alpha", w.t1.0).await;
        let b = new_client(db, &w, "Ben 100%_Beta", w.t2.0).await;
        let names = |page: kapflow_store::clients::CaseloadPage| {
            page.rows
                .into_iter()
                .map(|r| r.legal_name)
                .collect::<Vec<_>>()
        };
        let scope = |u: &(UserId, Actor), role| CaseloadScope { user: u.0, role };
        let all = s
            .caseload(
                scope(&w.front, Role::FrontDesk),
                None,
                CaseloadSort::Name,
                1,
            )
            .await
            .expect("list");
        assert_eq!(all.total, 2);
        assert_eq!(
            names(
                s.caseload(scope(&w.t1, Role::Therapist), None, CaseloadSort::Name, 1)
                    .await
                    .expect("t1")
            ),
            vec!["Ada Alpha"]
        );
        assert_eq!(
            names(
                s.caseload(scope(&w.t2, Role::Therapist), None, CaseloadSort::Newest, 1)
                    .await
                    .expect("t2")
            ),
            vec!["Ben 100%_Beta"]
        );
        // Nobody is referred yet: prescribers see nothing.
        assert_eq!(
            s.caseload(scope(&w.p1, Role::Prescriber), None, CaseloadSort::Name, 1)
                .await
                .expect("p1")
                .total,
            0
        );
        // LIKE wildcards are matched literally.
        assert_eq!(
            names(
                s.caseload(
                    scope(&w.owner, Role::Owner),
                    Some("100%_"),
                    CaseloadSort::Name,
                    1
                )
                .await
                .expect("q")
            ),
            vec!["Ben 100%_Beta"]
        );
        assert!(
            s.caseload(
                scope(&w.owner, Role::Owner),
                Some("%a"),
                CaseloadSort::Name,
                1
            )
            .await
            .expect("q")
            .rows
            .is_empty()
        );
        assert!(
            s.caseload(scope(&w.owner, Role::Owner), None, CaseloadSort::Name, 2)
                .await
                .expect("p2")
                .rows
                .is_empty()
        );
        let now = now_utc();
        let standing = |u: &(UserId, Actor), role, c| {
            let user = u.0;
            async move {
                s.standing(user, role, c, now)
                    .await
                    .expect("standing")
                    .expect("client")
                    .relationship
            }
        };
        assert_eq!(
            standing(&w.t1, Role::Therapist, a).await,
            Relationship::AssignedClinician
        );
        assert_eq!(
            standing(&w.t1, Role::Therapist, b).await,
            Relationship::None
        );
        assert_eq!(
            standing(&w.p1, Role::Prescriber, a).await,
            Relationship::None
        );
        assert!(
            s.standing(w.t1.0, Role::Therapist, ClientId::new(), now)
                .await
                .expect("s")
                .is_none()
        );
        // Break-glass: read-only standing for a limited time, the owner told through the outbox.
        let until = s
            .open_break_glass(
                w.t1.0,
                b,
                "Client in crisis; therapist away",
                4,
                &w.t1.1,
                now,
            )
            .await
            .expect("glass")
            .expect("client");
        assert_eq!(until, now + Duration::hours(4));
        assert_eq!(
            standing(&w.t1, Role::Therapist, b).await,
            Relationship::BreakGlass
        );
        let later = now + Duration::hours(5);
        assert_eq!(
            s.standing(w.t1.0, Role::Therapist, b, later)
                .await
                .expect("s")
                .expect("c")
                .relationship,
            Relationship::None
        );
        // Care team changes are for clinicians only.
        assert!(
            !s.change_care_team(a, w.front.0, true, &w.owner.1, now)
                .await
                .expect("team")
        );
        assert!(
            s.change_care_team(a, w.t2.0, true, &w.owner.1, now)
                .await
                .expect("team")
        );
        assert_eq!(
            standing(&w.t2, Role::Therapist, a).await,
            Relationship::AssignedClinician
        );
        assert!(
            s.change_care_team(a, w.t2.0, false, &w.owner.1, now)
                .await
                .expect("team")
        );
        assert_eq!(
            standing(&w.t2, Role::Therapist, a).await,
            Relationship::None
        );
        assert_eq!(
            s.find_client_exact("ada alpha", client_input("x").date_of_birth)
                .await
                .expect("find"),
            Some(a)
        );
    }
);

store_test!(
    a_course_reaches_ready_for_dosing_only_through_every_gate,
    async |db: &TestDb| {
        let w = world(db).await;
        let s = &db.store;
        let c = new_client(db, &w, "Ada Client", w.t1.0).await;
        let now = now_utc();
        let t = &w.t1.1;
        let advance = |to| async move {
            s.transition_course(c, &Transition::Advance(to), t, now)
                .await
                .expect("t")
                .expect("course")
        };
        // Assessment → preparation needs a completed intake and a reviewed screening.
        let refused = advance(Stage::Preparation).await.expect_err("refused");
        assert_eq!(
            refused.reasons,
            vec![Unmet::IntakeIncomplete, Unmet::ScreeningNotReviewed]
        );
        assert_eq!(
            s.save_intake(
                c,
                &IntakeForm::default(),
                kapflow_domain::client::Sensitivity::General,
                false,
                t,
                now
            )
            .await
            .expect("draft"),
            Saved::Saved
        );
        assert_eq!(
            s.review_screening(c, t, now).await.expect("review"),
            Saved::WrongStage
        );
        assert_eq!(
            s.save_intake(
                c,
                &completed_intake(),
                kapflow_domain::client::Sensitivity::General,
                true,
                t,
                now
            )
            .await
            .expect("done"),
            Saved::Saved
        );
        assert_eq!(
            s.save_intake(
                c,
                &IntakeForm::default(),
                kapflow_domain::client::Sensitivity::General,
                false,
                t,
                now
            )
            .await
            .expect("locked"),
            Saved::Locked
        );
        let course = s.current_course(c).await.expect("c").expect("course");
        let intake = s.intake(course.id).await.expect("i").expect("intake");
        assert_eq!(intake.form.bp_systolic, "150");
        assert!(intake.completed.is_some());
        assert_eq!(
            s.review_screening(c, t, now).await.expect("review"),
            Saved::Saved
        );
        assert_eq!(advance(Stage::Preparation).await, Ok(Stage::Preparation));
        // No skipping, and the refusal says so.
        assert_eq!(
            advance(Stage::ReadyForDosing)
                .await
                .expect_err("refused")
                .reasons,
            vec![Unmet::NotTheNextStage]
        );

        // Referral needs consents and the readiness sign-off; nothing is kept when refused.
        let refused = s
            .refer(c, w.org1, t, now)
            .await
            .expect("refer")
            .expect_err("refused");
        let Refused::Because(reasons) = refused else {
            panic!("not found")
        };
        assert_eq!(
            reasons,
            vec![
                Unmet::KapConsentMissing.message(),
                Unmet::ReleaseOfInformationMissing.message(),
                Unmet::PreparationNotSignedOff.message(),
            ]
        );
        assert!(s.referral(course.id).await.expect("r").is_none());
        assert_eq!(
            s.caseload(
                CaseloadScope {
                    user: w.p1.0,
                    role: Role::Prescriber
                },
                None,
                CaseloadSort::Name,
                1
            )
            .await
            .expect("p")
            .total,
            0
        );
        let prep = PreparationForm {
            intentions: "Less fear".into(),
            discussed: CHECKLIST.iter().map(|(k, _)| k.to_string()).collect(),
            notes: String::new(),
        };
        assert_eq!(
            s.save_preparation(c, &prep, true, t, now)
                .await
                .expect("prep"),
            Saved::Saved
        );
        assert_eq!(
            s.save_preparation(c, &prep, false, t, now)
                .await
                .expect("prep"),
            Saved::Locked
        );
        sign(db, &w, c, ConsentKind::Kap).await;
        let roi = sign(db, &w, c, ConsentKind::ReleaseOfInformation).await;
        assert_eq!(s.refer(c, w.org1, t, now).await.expect("refer"), Ok(()));
        assert_eq!(stage(db, c).await, Stage::MedicalEvaluation);

        // Only the referred organisation's prescriber sees and acts.
        let p1 = &w.p1.1;
        let p2 = &w.p2.1;
        assert_eq!(
            s.standing(w.p1.0, Role::Prescriber, c, now)
                .await
                .expect("s")
                .expect("c")
                .relationship,
            Relationship::ReferredPrescriber
        );
        assert_eq!(
            s.standing(w.p2.0, Role::Prescriber, c, now)
                .await
                .expect("s")
                .expect("c")
                .relationship,
            Relationship::None
        );
        assert_eq!(s.prescriber_worklist(w.p1.0).await.expect("w").len(), 1);
        assert!(s.prescriber_worklist(w.p2.0).await.expect("w").is_empty());
        let today = kapflow_domain::pathway::today(now);
        let eligible = Evaluation {
            decision: Decision::Eligible,
            reasons: "No contraindication; BP to recheck on the day.".into(),
            valid_until: Some(today + Duration::days(180)),
        };
        assert_eq!(
            s.record_evaluation(c, &eligible, p2, now)
                .await
                .expect("eval"),
            Err(Refused::NotFound)
        );
        // A therapist (no organisation) can never prescribe or evaluate.
        assert_eq!(
            s.record_evaluation(c, &eligible, t, now)
                .await
                .expect("eval"),
            Err(Refused::NotFound)
        );
        assert_eq!(
            s.record_evaluation(c, &eligible, p1, now)
                .await
                .expect("eval"),
            Ok(())
        );
        assert_eq!(stage(db, c).await, Stage::Medication);
        let rx = Prescription {
            drug: "Ketamine HCl".into(),
            form: DoseForm::Troche,
            strength_mg: 100,
            quantity: 6,
            directions: "One in session".into(),
            pharmacy: "Compounding Pharmacy".into(),
        };
        assert_eq!(
            s.prescribe(c, &rx, t, now).await.expect("rx"),
            Err(Refused::NotFound)
        );
        s.prescribe(c, &rx, p1, now)
            .await
            .expect("rx")
            .expect("prescribed");
        let ship = Shipment {
            carrier: "UPS".into(),
            tracking_number: "1Z999".into(),
            shipped_on: today,
        };
        s.record_shipment(c, &ship, p1, now)
            .await
            .expect("ship")
            .expect("shipped");
        let shipment = s.shipments(course.id).await.expect("s")[0].id;
        assert_eq!(
            s.record_receipt(c, shipment, p2, now).await.expect("r"),
            Err(Refused::NotFound)
        );
        assert_eq!(
            s.record_receipt(c, shipment, p1, now).await.expect("r"),
            Ok(())
        );
        assert_eq!(stage(db, c).await, Stage::ReadyForDosing);
        let history = s.course_history(course.id).await.expect("h");
        let stages: Vec<_> = history.iter().map(|h| h.to_stage.as_str()).collect();
        assert_eq!(
            stages,
            vec![
                "assessment",
                "preparation",
                "medical_evaluation",
                "medication",
                "ready_for_dosing"
            ]
        );

        // A dose change is a request by the therapist and a new prescription by the prescriber.
        let req = s
            .request_dose_change(c, "Client felt little at 100 mg; consider 150 mg.", t, now)
            .await
            .expect("req")
            .expect("made");
        let answer = DoseChangeAnswer {
            answer: DoseAnswer::Approved,
            note: "Go to 150".into(),
            new_strength_mg: Some(150),
        };
        assert_eq!(
            s.answer_dose_change(c, req, &answer, t, now)
                .await
                .expect("a"),
            Err(Refused::NotFound)
        );
        assert_eq!(
            s.answer_dose_change(c, req, &answer, p1, now)
                .await
                .expect("a"),
            Ok(())
        );
        assert_eq!(
            s.answer_dose_change(c, req, &answer, p1, now)
                .await
                .expect("a"),
            Err(Refused::NotFound)
        );
        let rxs = s.prescriptions(course.id).await.expect("rx");
        assert_eq!(rxs.len(), 2);
        assert_eq!(
            (rxs[0].strength_mg, rxs[0].superseded_at.is_none()),
            (150, true)
        );
        assert!(rxs[1].superseded_at.is_some());

        // Revoking the release of information ends the prescriber's view.
        assert!(
            s.revoke_consent(c, roi, "Client withdrew the release", t, now)
                .await
                .expect("revoke")
        );
        assert!(
            !s.revoke_consent(c, roi, "again", t, now)
                .await
                .expect("revoke")
        );
        assert_eq!(
            s.standing(w.p1.0, Role::Prescriber, c, now)
                .await
                .expect("s")
                .expect("c")
                .relationship,
            Relationship::None
        );
        assert!(s.prescriber_worklist(w.p1.0).await.expect("w").is_empty());

        // Discontinuing needs a reason; a new course starts at assessment.
        assert_eq!(
            s.transition_course(c, &Transition::Discontinue { reason: " ".into() }, t, now)
                .await
                .expect("d")
                .expect("c")
                .expect_err("refused")
                .reasons,
            vec![Unmet::ReasonRequired]
        );
        assert!(!s.start_new_course(c, t, now).await.expect("new"));
        assert_eq!(
            s.transition_course(
                c,
                &Transition::Discontinue {
                    reason: "Moved away".into()
                },
                t,
                now
            )
            .await
            .expect("d")
            .expect("c"),
            Ok(Stage::Discontinued)
        );
        assert!(s.start_new_course(c, t, now).await.expect("new"));
        assert_eq!(stage(db, c).await, Stage::Assessment);
        assert_eq!(s.courses(c).await.expect("courses").len(), 2);
        let _ = &w.owner;
    }
);

store_test!(
    consents_are_versioned_and_a_new_version_must_be_signed_again,
    async |db: &TestDb| {
        let w = world(db).await;
        let s = &db.store;
        let now = now_utc();
        let c = new_client(db, &w, "Ada Client", w.t1.0).await;
        sign(db, &w, c, ConsentKind::Kap).await;
        let course = s.current_course(c).await.expect("c").expect("course");
        let _ = course;
        let facts = s.course_facts(c, now).await.expect("f").expect("course").1;
        assert!(facts.kap_consent && !facts.release_of_information);
        let v2 = s
            .add_consent_document(
                &NewDocument {
                    kind: ConsentKind::Kap,
                    title: "KAP consent".into(),
                    body: "Revised text.".into(),
                },
                &w.owner.1,
                now,
            )
            .await
            .expect("v2");
        assert_eq!(v2, 2);
        let facts = s.course_facts(c, now).await.expect("f").expect("course").1;
        assert!(!facts.kap_consent, "an older version is not current");
        let old = w
            .docs
            .iter()
            .find(|(k, _)| *k == ConsentKind::Kap)
            .expect("kap")
            .1;
        let sig = Signature {
            typed_name: "Ada Client".into(),
            signed_on: kapflow_domain::pathway::today(now),
        };
        assert_eq!(
            s.sign_consent(c, old, &sig, &w.t1.1, now)
                .await
                .expect("sign"),
            Some(Signed::Outdated)
        );
        let sigs = s.signatures(c).await.expect("sigs");
        assert_eq!(sigs.len(), 1);
        assert!(!sigs[0].is_current());
        assert_eq!(
            sigs[0].sha256,
            kapflow_domain::consent::text_sha256("I consent: KAP informed consent.")
        );
        // Stored documents cannot be edited in place.
        assert!(
            kapflow_store::testkit::raw_execute(
                db,
                "UPDATE consent_documents SET body = 'changed'"
            )
            .await
            .is_err()
        );
        for sql in [
            "UPDATE consent_signatures SET typed_name = 'Someone else'",
            "DELETE FROM consent_signatures",
            "DELETE FROM course_transitions",
        ] {
            assert!(
                kapflow_store::testkit::raw_execute(db, sql).await.is_err(),
                "{sql}"
            );
        }
        assert!(
            kapflow_store::testkit::raw_execute(db, "UPDATE course_transitions SET reason = 'x'")
                .await
                .is_err()
        );
    }
);
