//! The dashboard's work queues on both backends: each role's waiting work, oldest first, and
//! nobody's queue showing clients outside their reach.

mod common;

use common::*;
use kapflow_domain::Role;
use kapflow_domain::client::Sensitivity;
use kapflow_domain::prescribing::{DoseAnswer, DoseChangeAnswer};
use kapflow_domain::time_util::now_utc;
use kapflow_store::access::for_tests;
use kapflow_store::store_test;
use kapflow_store::testkit::TestDb;
use time::Duration;
use uuid::Uuid;

store_test!(
    each_role_sees_its_waiting_work_oldest_first_and_only_within_reach,
    async |db: &TestDb| {
        let w = world(db).await;
        let s = &db.store;
        let ada = new_client(db, &w, "Ada Alpha", w.t1.0).await;
        let ben = new_client(db, &w, "Ben Beta", w.t2.0).await;
        let ids = |rows: Vec<kapflow_store::work::WorkRow>| -> Vec<Uuid> {
            rows.into_iter().map(|r| r.id).collect()
        };
        // Front desk: both are in a course without consents or an emergency contact.
        let waiting = ids(s
            .work()
            .missing_consents(w.front.0, Role::FrontDesk)
            .await
            .expect("q"));
        assert_eq!(waiting, vec![ada.as_uuid(), ben.as_uuid()], "oldest first");
        assert_eq!(
            ids(s
                .work()
                .missing_contact(w.front.0, Role::FrontDesk)
                .await
                .expect("q"))
            .len(),
            2
        );
        // Ada walks to "ready for dosing": consents signed, referred, evaluated, prescribed.
        ready_for_dosing(db, &w, ada, WEEKLY_PLAN).await;
        assert_eq!(
            ids(s
                .work()
                .missing_consents(w.front.0, Role::FrontDesk)
                .await
                .expect("q")),
            vec![ben.as_uuid()]
        );
        // The prescriber: nothing waits on them after the evaluation; a dose-change request
        // does, until it is answered — and then the therapist sees the answer.
        assert!(
            s.work()
                .referrals_waiting(w.p1.0)
                .await
                .expect("q")
                .is_empty()
        );
        let now = now_utc();
        let req = s
            .prescribing()
            .request_dose_change(&for_tests(ada), "Raise to 150 mg", &w.t1.1, now)
            .await
            .expect("store")
            .expect("requested");
        assert_eq!(
            ids(s.work().dose_requests(w.p1.0).await.expect("q")),
            vec![ada.as_uuid()]
        );
        assert!(
            s.work().dose_requests(w.p2.0).await.expect("q").is_empty(),
            "another organisation's prescriber"
        );
        assert!(
            s.work()
                .dose_answers(w.t1.0, now)
                .await
                .expect("q")
                .is_empty()
        );
        let answer = DoseChangeAnswer {
            answer: DoseAnswer::Declined,
            note: "Stay at 100 mg for two more sessions".into(),
            new_strength_mg: None,
        };
        s.prescribing()
            .answer_dose_change(&for_tests(ada), req, &answer, &w.p1.1, now)
            .await
            .expect("store")
            .expect("answered");
        assert!(s.work().dose_requests(w.p1.0).await.expect("q").is_empty());
        assert_eq!(
            ids(s.work().dose_answers(w.t1.0, now).await.expect("q")),
            vec![ada.as_uuid()]
        );
        assert!(
            s.work()
                .dose_answers(w.t2.0, now)
                .await
                .expect("q")
                .is_empty()
        );
        // Messages: each side sees the other's, never its own, and only its clients.
        s.messages()
            .post(
                &for_tests(ada),
                kapflow_domain::portal::Thread::Team,
                "Vitals stable",
                None,
                Sensitivity::General,
                &w.t1.1,
                now,
            )
            .await
            .expect("posted");
        assert_eq!(
            ids(s.work().messages(w.p1.0, true, now).await.expect("q")),
            vec![ada.as_uuid()]
        );
        assert!(
            s.work()
                .messages(w.t1.0, false, now)
                .await
                .expect("q")
                .is_empty()
        );
        assert!(
            s.work()
                .messages(w.t2.0, false, now)
                .await
                .expect("q")
                .is_empty()
        );
        assert!(
            s.work()
                .messages(w.p2.0, true, now)
                .await
                .expect("q")
                .is_empty()
        );
        let counts =
            |u, role| async move { s.work().nav_counts(u, role, true, now).await.expect("q") };
        assert_eq!(counts(w.p1.0, Role::Prescriber).await.unread_messages, 1);
        assert_eq!(counts(w.t1.0, Role::Therapist).await.unread_messages, 0);
        assert_eq!(counts(w.front.0, Role::FrontDesk).await.unread_messages, 0);
        // Once the prescriber opens the client's messages, nothing is unread; a later message
        // is again.
        s.messages()
            .mark_read(&seen(ada), w.p1.0, now + Duration::seconds(1))
            .await
            .expect("read");
        assert!(
            s.work()
                .messages(w.p1.0, true, now)
                .await
                .expect("q")
                .is_empty()
        );
        assert_eq!(counts(w.p1.0, Role::Prescriber).await.unread_messages, 0);
        s.messages()
            .post(
                &for_tests(ada),
                kapflow_domain::portal::Thread::Team,
                "Second session booked",
                None,
                Sensitivity::General,
                &w.t1.1,
                now + Duration::seconds(2),
            )
            .await
            .expect("posted");
        assert_eq!(counts(w.p1.0, Role::Prescriber).await.unread_messages, 1);
        // Writing answers what came before: the prescriber's reply leaves nothing unread for them,
        // and the therapist has one unread.
        s.messages()
            .post(
                &for_tests(ada),
                kapflow_domain::portal::Thread::Team,
                "Thanks",
                None,
                Sensitivity::General,
                &w.p1.1,
                now + Duration::seconds(3),
            )
            .await
            .expect("posted");
        assert_eq!(counts(w.p1.0, Role::Prescriber).await.unread_messages, 0);
        assert_eq!(counts(w.t1.0, Role::Therapist).await.unread_messages, 1);
        assert_eq!(
            ids(s.work().messages(w.t1.0, false, now).await.expect("q")),
            vec![ada.as_uuid()]
        );
        // A month on, it no longer waits (the record keeps it).
        let later = now + Duration::days(31);
        assert!(
            s.work()
                .messages(w.t1.0, false, later)
                .await
                .expect("q")
                .is_empty()
        );
        let work = s.work();
        let counted = work.nav_counts(w.t1.0, Role::Therapist, true, later);
        assert_eq!(counted.await.expect("q").unread_messages, 0);
        // The therapist: the clients' open dosing sessions.
        assert!(s.work().sessions_open(w.t1.0).await.expect("q").is_empty());
        // The owner: staff without a second factor, by name.
        let names: Vec<String> = s
            .work()
            .staff_without_mfa()
            .await
            .expect("q")
            .into_iter()
            .map(|r| r.name)
            .collect();
        assert!(names.contains(&"t1@example.org".to_owned()), "{names:?}");
        assert!(s.work().new_inquiries().await.expect("q").is_empty());
        assert_eq!(counts(w.owner.0, Role::Owner).await.new_inquiries, 0);
    }
);
