//! Clients and caseloads in the store, on both backends: opening a client from an inquiry once,
//! caseloads scoped by care team and referral, escaped search, break-glass standing.

mod common;

use common::*;
use kapflow_domain::access::Relationship;
use kapflow_domain::client::CaseloadSort;
use kapflow_domain::pathway::Stage;
use kapflow_domain::time_util::now_utc;
use kapflow_domain::{Actor, AuditOutcome, ClientId, InquiryId, Role, UserId};
use kapflow_store::clients::{CaseloadScope, Created};
use kapflow_store::store_test;
use kapflow_store::testkit::TestDb;
use time::{Duration, OffsetDateTime};

/// Opens "Ada Client" from inquiry `inq` as the front desk at `now`, with form key `key` and
/// care team `team`.
async fn open_from_inquiry(
    db: &TestDb,
    w: &World,
    key: &str,
    inq: InquiryId,
    team: &[UserId],
    now: OffsetDateTime,
) -> Created {
    db.store
        .clients()
        .create(
            key,
            &client_input("Ada Client"),
            Some((inq, inbox(w.front.0, Role::FrontDesk))),
            team,
            &w.front.1,
            now,
        )
        .await
        .expect("create")
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
            .inquiries()
            .submit("k1", b"h", &inquiry, &limit, &Actor::anonymous(None), now)
            .await
            .expect("submit")
        else {
            panic!("not created")
        };
        // A therapist cannot open a client from an inquiry outside their inbox (not assigned to
        // them), nor from one that does not exist: "not found" both ways, audited, nothing made.
        for id in [inq, InquiryId::new()] {
            let refused = s
                .clients()
                .create(
                    "therapist-key-0123456789",
                    &client_input("Ada Client"),
                    Some((id, inbox(w.t2.0, Role::Therapist))),
                    &[w.t2.0],
                    &w.t2.1,
                    now,
                )
                .await
                .expect("refused, not failed");
            assert_eq!(refused, Created::InquiryNotFound);
        }
        assert_eq!(s.clients().of_inquiry(inq).await.expect("of"), None);
        let denied = s
            .audit()
            .query(&kapflow_store::audit::AuditFilter::default(), 500)
            .await
            .expect("audit")
            .into_iter()
            .filter(|a| {
                a.entry.action == "client.created" && a.entry.outcome == AuditOutcome::Denied
            })
            .count();
        assert_eq!(denied, 2, "both refusals audited");
        let key = "form-key-0123456789";
        let made = open_from_inquiry(db, &w, key, inq, &[w.t1.0], now).await;
        let Created::Client(id) = made else {
            panic!("{made:?}")
        };
        // A double submission answers with the same client and makes nothing new.
        assert_eq!(
            open_from_inquiry(db, &w, key, inq, &[w.t1.0], now).await,
            Created::Repeat(id)
        );
        // The inquiry cannot become a second client through another form.
        assert_eq!(
            open_from_inquiry(db, &w, "other-key-0123456789", inq, &[], now).await,
            Created::InquiryTaken
        );
        assert_eq!(s.clients().of_inquiry(inq).await.expect("of"), Some(id));
        let scope = inbox(w.front.0, Role::FrontDesk);
        let (d, events) = s
            .inquiries()
            .view(scope, inq, &w.front.1, now)
            .await
            .expect("view")
            .expect("visible");
        assert_eq!(
            d.status,
            kapflow_domain::inquiry::InquiryStatus::BecameClient
        );
        assert!(events.iter().any(|e| e.detail == "Became a client"));
        assert_eq!(stage(db, id).await, Stage::Assessment);
        let history = s
            .courses()
            .history(&seen(id), current_course(db, id).await.id)
            .await
            .expect("history");
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].to_stage, Stage::Assessment);
        let audit = s
            .audit()
            .query(&kapflow_store::audit::AuditFilter::default(), 500)
            .await
            .expect("audit");
        assert!(audit.iter().any(|a| a.entry.action == "client.created"
            && a.entry.client_id.as_deref() == Some(&id.to_string())));
        assert!(s.audit().verify_chain().await.expect("verify").is_ok());
    }
);

store_test!(
    caseloads_are_scoped_by_care_team_and_referral_and_search_is_escaped,
    async |db: &TestDb| {
        let w = world(db).await;
        let s = &db.store;
        let a = new_client(db, &w, "Ada Alpha", w.t1.0).await;
        let b = new_client(db, &w, "Ben 100%_Beta", w.t2.0).await;
        let caseload = |u: &(UserId, Actor), role, search, sort, page| {
            let scope = CaseloadScope { user: u.0, role };
            async move {
                s.clients()
                    .caseload(scope, search, sort, page)
                    .await
                    .expect("caseload")
            }
        };
        let names = |page: kapflow_store::clients::CaseloadPage| {
            page.rows
                .into_iter()
                .map(|r| r.legal_name)
                .collect::<Vec<_>>()
        };
        let (name, newest) = (CaseloadSort::Name, CaseloadSort::Newest);
        let all = caseload(&w.front, Role::FrontDesk, None, name, 1).await;
        assert_eq!(all.total, 2);
        let t1 = caseload(&w.t1, Role::Therapist, None, name, 1).await;
        assert_eq!(names(t1), vec!["Ada Alpha"]);
        let t2 = caseload(&w.t2, Role::Therapist, None, newest, 1).await;
        assert_eq!(names(t2), vec!["Ben 100%_Beta"]);
        // Nobody is referred yet: prescribers see nothing.
        let p1 = caseload(&w.p1, Role::Prescriber, None, name, 1).await;
        assert_eq!(p1.total, 0);
        // LIKE wildcards are matched literally.
        let literal = caseload(&w.owner, Role::Owner, Some("100%_"), name, 1).await;
        assert_eq!(names(literal), vec!["Ben 100%_Beta"]);
        let wildcard = caseload(&w.owner, Role::Owner, Some("%a"), name, 1).await;
        assert!(wildcard.rows.is_empty());
        let page2 = caseload(&w.owner, Role::Owner, None, name, 2).await;
        assert!(page2.rows.is_empty());
        let now = now_utc();
        let standing = |u: &(UserId, Actor), role, c| relationship(db, u.0, role, c, now);
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
            s.access()
                .standing(w.t1.0, Role::Therapist, ClientId::new(), now)
                .await
                .expect("s")
                .is_none()
        );
        // Break-glass: read-only standing for a limited time, the owner told through the outbox.
        let until = s
            .access()
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
            relationship(db, w.t1.0, Role::Therapist, b, later).await,
            Relationship::None
        );
        // Care team changes are for clinicians only.
        let owner = &w.owner.1;
        let change_team = |user, add| async move {
            s.clients()
                .change_care_team(&for_tests(a), user, add, owner, now)
                .await
                .expect("team")
        };
        assert!(!change_team(w.front.0, true).await);
        assert!(change_team(w.t2.0, true).await);
        assert_eq!(
            standing(&w.t2, Role::Therapist, a).await,
            Relationship::AssignedClinician
        );
        assert!(change_team(w.t2.0, false).await);
        assert_eq!(
            standing(&w.t2, Role::Therapist, a).await,
            Relationship::None
        );
        assert_eq!(
            s.access()
                .find_client_exact("ada alpha", client_input("x").date_of_birth)
                .await
                .expect("find"),
            Some(a)
        );
    }
);

store_test!(
    the_header_is_the_client_the_current_course_and_for_clinicians_its_intake,
    async |db: &TestDb| {
        let w = world(db).await;
        let s = &db.store;
        let c = new_client(db, &w, "Hedda Header", w.t1.0).await;
        let now = kapflow_domain::time_util::now_utc();
        let header = |access: kapflow_store::ClientAccess| async move {
            s.clients()
                .header(&access)
                .await
                .expect("header")
                .expect("client")
        };
        let clinician = kapflow_store::access::for_tests(c);
        let front = s
            .grant_for_tests(
                w.front.0,
                Role::FrontDesk,
                kapflow_domain::access::Action::ViewClientDemographics,
                c,
            )
            .await
            .expect("front desk may see the client");
        // A new client's first course has no intake yet.
        let h = header(clinician).await;
        assert_eq!(h.client.legal_name, "Hedda Header");
        let course = s
            .courses()
            .current(&clinician)
            .await
            .expect("c")
            .expect("course");
        let hc = h.course.clone().expect("course");
        assert_eq!(
            (hc.id, hc.number, hc.stage),
            (course.id, course.number, course.stage)
        );
        assert!(h.intake.is_none());
        s.assessment()
            .save_intake(
                &clinician,
                &completed_intake(),
                kapflow_domain::client::Sensitivity::General,
                true,
                &w.t1.1,
                now,
            )
            .await
            .expect("intake");
        let h = header(clinician).await;
        let intake = h.intake.expect("the clinician sees the intake");
        assert_eq!(intake.course_id, course.id);
        assert!(intake.completed.is_some());
        assert_eq!(intake.form.expect("readable").bp_systolic, "150");
        // Front desk gets the client and the course, never the intake.
        let h = header(front).await;
        assert_eq!(h.client.id, c);
        assert!(h.course.is_some());
        assert!(h.intake.is_none());
    }
);
