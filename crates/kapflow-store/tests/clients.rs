//! Clients and caseloads in the store, on both backends: opening a client from an inquiry once,
//! caseloads scoped by care team and referral, escaped search, break-glass standing.

mod common;

use common::*;
use kapflow_domain::access::Relationship;
use kapflow_domain::client::CaseloadSort;
use kapflow_domain::pathway::Stage;
use kapflow_domain::time_util::now_utc;
use kapflow_domain::{Actor, ClientId, Role, UserId};
use kapflow_store::clients::{CaseloadScope, Created};
use kapflow_store::store_test;
use kapflow_store::testkit::TestDb;
use time::Duration;

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
        let key = "form-key-0123456789";
        let made = s
            .clients()
            .create(
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
            s.clients()
                .create(
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
            s.clients()
                .create(
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
        assert_eq!(s.clients().of_inquiry(inq).await.expect("of"), Some(id));
        let scope = kapflow_store::inquiries::InboxScope {
            user: w.front.0,
            role: Role::FrontDesk,
        };
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
            .history(
                &seen(id),
                s.courses()
                    .current(&for_tests(id))
                    .await
                    .expect("c")
                    .expect("course")
                    .id,
            )
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
        let names = |page: kapflow_store::clients::CaseloadPage| {
            page.rows
                .into_iter()
                .map(|r| r.legal_name)
                .collect::<Vec<_>>()
        };
        let scope = |u: &(UserId, Actor), role| CaseloadScope { user: u.0, role };
        let all = s
            .clients()
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
                s.clients()
                    .caseload(scope(&w.t1, Role::Therapist), None, CaseloadSort::Name, 1)
                    .await
                    .expect("t1")
            ),
            vec!["Ada Alpha"]
        );
        assert_eq!(
            names(
                s.clients()
                    .caseload(scope(&w.t2, Role::Therapist), None, CaseloadSort::Newest, 1)
                    .await
                    .expect("t2")
            ),
            vec!["Ben 100%_Beta"]
        );
        // Nobody is referred yet: prescribers see nothing.
        assert_eq!(
            s.clients()
                .caseload(scope(&w.p1, Role::Prescriber), None, CaseloadSort::Name, 1)
                .await
                .expect("p1")
                .total,
            0
        );
        // LIKE wildcards are matched literally.
        assert_eq!(
            names(
                s.clients()
                    .caseload(
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
            s.clients()
                .caseload(
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
            s.clients()
                .caseload(scope(&w.owner, Role::Owner), None, CaseloadSort::Name, 2)
                .await
                .expect("p2")
                .rows
                .is_empty()
        );
        let now = now_utc();
        let standing = |u: &(UserId, Actor), role, c| {
            let user = u.0;
            async move {
                s.access()
                    .standing(user, role, c, now)
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
            s.access()
                .standing(w.t1.0, Role::Therapist, b, later)
                .await
                .expect("s")
                .expect("c")
                .relationship,
            Relationship::None
        );
        // Care team changes are for clinicians only.
        assert!(
            !s.clients()
                .change_care_team(&for_tests(a), w.front.0, true, &w.owner.1, now)
                .await
                .expect("team")
        );
        assert!(
            s.clients()
                .change_care_team(&for_tests(a), w.t2.0, true, &w.owner.1, now)
                .await
                .expect("team")
        );
        assert_eq!(
            standing(&w.t2, Role::Therapist, a).await,
            Relationship::AssignedClinician
        );
        assert!(
            s.clients()
                .change_care_team(&for_tests(a), w.t2.0, false, &w.owner.1, now)
                .await
                .expect("team")
        );
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
